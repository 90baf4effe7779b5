//! The `srtlog` command: glue between the command line and the `srtlog`
//! library. Every analysis lives in the library; this binary parses
//! arguments, sets up logging and progress, renders output, and maps errors
//! to exit codes.
//!
//! Exit codes: 0 success; 1 the input held no data to analyse, or another
//! failure; 2 a usage error or a path that does not exist.

mod args;
mod cmd;
mod logging;
mod progress;
mod render;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

/// Exit code for "nothing to analyse" and other failures.
const EXIT_FAILURE: u8 = 1;
/// Exit code for usage errors and missing paths.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    logging::init(cli.log_format, cli.quiet);
    let result = match cli.command {
        args::Command::Parse(a) => cmd::parse::run(a, cli.quiet),
        args::Command::Simulate(a) => cmd::simulate::run(a, cli.quiet),
        args::Command::Viz(a) => cmd::viz::run(a, cli.quiet),
        args::Command::Stats(a) => cmd::stats::run(a, cli.quiet),
        args::Command::Requests(a) => cmd::requests::run(a, cli.quiet),
        args::Command::SimulateRequests(a) => cmd::requests::simulate(a, cli.quiet),
        args::Command::Snapshots(a) => cmd::snapshots::run(a, cli.quiet),
        args::Command::Scrape(a) => cmd::scrape::run(a, cli.quiet),
        args::Command::Audit(a) => cmd::audit::run(a, cli.quiet),
        args::Command::Request(a) => cmd::request::run(a, cli.quiet),
        args::Command::SimulateService(a) => cmd::audit::simulate(a, cli.quiet),
        args::Command::SimulateSnapshots(a) => cmd::snapshots::simulate(a, cli.quiet),
        args::Command::Aiperf(a) => cmd::aiperf::run(a, cli.quiet),
        args::Command::SimulateAiperf(a) => cmd::aiperf::simulate(a, cli.quiet),
        args::Command::Check(a) => cmd::check::run(a, cli.quiet),
    };
    match result {
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
            // error type carries it.
            let not_found = e.chain().any(|c| {
                matches!(c.downcast_ref(), Some(srtlog::Error::NotFound(_)))
                    || matches!(c.downcast_ref(), Some(srtlog::io::Error::NotFound(_)))
                    || matches!(
                        c.downcast_ref(),
                        Some(srtlog::requests::Error::Io(srtlog::io::Error::NotFound(_)))
                    )
            });
            let code = if not_found { EXIT_USAGE } else { EXIT_FAILURE };
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::from(code)
        }
    }
}
