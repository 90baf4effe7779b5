//! The `srtlog` command: glue between the command line and the `srtlog`
//! library. Every analysis lives in the library; this binary parses
//! arguments, sets up logging and progress, renders output, checks gates,
//! and maps errors to exit codes.
//!
//! Exit codes: 0 success; 1 the input held no data to analyse, or another
//! failure; 2 a usage error or a path that does not exist; 3 a `--fail-if`
//! gate failed ([`flags::EXIT_GATE`]).

mod args;
mod cmd;
mod flags;
mod logging;
mod progress;

use args::Command;
use clap::Parser;
use std::process::ExitCode;

/// Exit code for "nothing to analyse" and other failures.
const EXIT_FAILURE: u8 = 1;
/// Exit code for usage errors and missing paths.
const EXIT_USAGE: u8 = 2;

fn dispatch(command: Command, quiet: bool) -> anyhow::Result<ExitCode> {
    match command {
        Command::Parse(a) => cmd::parse::run(a, quiet),
        Command::Viz(a) => cmd::viz::run(a, quiet),
        Command::Stats(a) => cmd::stats::run(a, quiet),
        Command::Requests(a) => cmd::requests::run(a, quiet),
        Command::Snapshots(a) => cmd::snapshots::run(a, quiet),
        Command::Scrape(a) => cmd::scrape::run(a, quiet),
        Command::Aiperf(a) => cmd::aiperf::run(a, quiet),
        Command::Audit(a) => cmd::audit::run(a, quiet),
        Command::Follow(a) | Command::Request(a) => cmd::follow::run(a, quiet),
        Command::Check(a) => cmd::check::run(a, quiet),
        Command::Compare(a) => cmd::compare::run(a, quiet),
        Command::Simulate(a) => cmd::simulate::run(a, quiet),
        Command::Ingest(a) => cmd::ingest::run(a, quiet),
        Command::SimulateRequests(a) => cmd::simulate::requests::run(a, quiet),
        Command::SimulateService(a) => cmd::simulate::service::run(a, quiet),
        Command::SimulateSnapshots(a) => cmd::simulate::snapshots::run(a, quiet),
        Command::SimulateAiperf(a) => cmd::simulate::aiperf::run(a, quiet),
    }
}

/// Whether the command line asks for JSON diagnostics; read before clap
/// parses it, so that a usage error is JSON too.
fn json_requested() -> bool {
    let a: Vec<String> = std::env::args().collect();
    a.iter().any(|x| x == "--log-format=json")
        || a.windows(2)
            .any(|w| w[0] == "--log-format" && w[1] == "json")
}

/// Subcommands of `srtlog requests`, which a user may type without it
/// (`srtlog summary req.jsonl`).
const REQUESTS_SUBCOMMANDS: [&str; 9] = [
    "summary",
    "anomalies",
    "trends",
    "correlate",
    "compare",
    "window",
    "breakdown",
    "report",
    "export",
];

/// For `srtlog summary …` and the like: the command meant (issue 17 item
/// 23).
fn misplaced_subcommand(e: &clap::Error) -> Option<String> {
    if e.kind() != clap::error::ErrorKind::InvalidSubcommand {
        return None;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pos = args.iter().position(|a| !a.starts_with('-'))?;
    let name = args[pos].as_str();
    REQUESTS_SUBCOMMANDS.contains(&name).then(|| {
        let rest = args[pos + 1..].join(" ");
        format!("`{name}` is a subcommand of `srtlog requests`: `srtlog requests {name} {rest}` (per-request logs); worker logs: `srtlog parse {rest}`")
    })
}

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) if e.use_stderr() && json_requested() => {
            logging::init(logging::LogFormat::Json, false);
            // The message without the usage lines, on one line.
            let text = e.render().to_string();
            let msg = text
                .split("\n\nUsage:")
                .next()
                .unwrap_or("usage error")
                .replace("For more information, try '--help'.", "");
            let msg = msg.trim_start_matches("error: ");
            let mut msg = msg.split_whitespace().collect::<Vec<_>>().join(" ");
            if let Some(tip) = misplaced_subcommand(&e) {
                msg = format!("{msg}; {tip}");
            }
            logging::error(msg);
            return ExitCode::from(EXIT_USAGE);
        }
        Err(e) => {
            if let Some(tip) = misplaced_subcommand(&e) {
                let _ = e.print();
                eprintln!("\ntip: {tip}");
                return ExitCode::from(EXIT_USAGE);
            }
            e.exit()
        }
    };
    logging::init(cli.log_format, cli.quiet);
    if let Some((old, new)) = cli.command.renamed() {
        logging::note(format_args!(
            "`srtlog {old}` is now `srtlog {new}`; the old name goes away in the next release"
        ));
    }
    match dispatch(cli.command, cli.quiet) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`srtlog parse … | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            // A path that does not exist is a usage error, whichever job's
            // error type carries it; so is a bad gate or flag value.
            let usage = e.chain().any(|c| {
                matches!(c.downcast_ref(), Some(srtlog::Error::NotFound(_)))
                    || matches!(c.downcast_ref(), Some(srtlog::io::Error::NotFound(_)))
                    || matches!(
                        c.downcast_ref(),
                        Some(srtlog::requests::Error::Io(srtlog::io::Error::NotFound(_)))
                    )
                    || matches!(c.downcast_ref(), Some(srtlog::dataset::Error::NotFound(_)))
                    || c.downcast_ref::<flags::UsageError>().is_some()
            });
            let code = if usage { EXIT_USAGE } else { EXIT_FAILURE };
            logging::error(format_args!("{e:#}"));
            ExitCode::from(code)
        }
    }
}
