//! Flags and outputs shared by every command: the value parsers (durations,
//! sizes), the compression of simulated files, the CI gates
//! (`--fail-if`), and where an output goes (`-` is stdout; a file is
//! written atomically). A leaf module: it imports no command module.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use srtlog_stats::gate::{self, Gate, Verdict};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code of a failed `--fail-if` gate.
pub const EXIT_GATE: u8 = 3;

/// The longest duration a flag takes, in seconds (ten years, as
/// [`srtlog::scrape::MAX_DURATION`]): longer values are typing mistakes,
/// and nanosecond arithmetic on them would overflow.
pub const MAX_DURATION_S: u64 = 3650 * 86_400;

/// The largest size a flag takes: 1 PB. Larger values are typing mistakes
/// (and `18446744073709551615B` used to wrap to 0 in the simulator).
pub const MAX_SIZE: u64 = 1_000_000_000_000_000;

/// Parses `90s`, `10m`, `2h`, `1d` or plain seconds, up to [`MAX_DURATION_S`].
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last() {
        Some('s') => (&s[..s.len() - 1], 1),
        Some('m') => (&s[..s.len() - 1], 60),
        Some('h') => (&s[..s.len() - 1], 3600),
        Some('d') => (&s[..s.len() - 1], 86_400),
        _ => (s, 1),
    };
    let num = num.trim();
    let out_of_range = || format!("duration out of range: {s:?} (at most 3650d)");
    let n = match num.parse::<u64>() {
        Ok(n) => n,
        // All digits but too many for a u64: a range error, not a syntax one.
        Err(_) if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(out_of_range())
        }
        Err(_) => return Err(format!("not a duration: {s:?} (try 90s, 10m, 2h)")),
    };
    n.checked_mul(mult)
        .filter(|&v| v <= MAX_DURATION_S)
        .ok_or_else(out_of_range)
}

/// Parses a duration with a fraction or milliseconds (`500ms`, `1.5s`,
/// `10m`, `7d`) for the scraper's flags, through the one parser of
/// [`srtlog::scrape::parse_duration`] (range-checked, never a panic).
pub fn parse_span(s: &str) -> Result<std::time::Duration, String> {
    srtlog::scrape::parse_duration(s).map_err(|e| e.to_string())
}

/// Parses `500MB`, `1GB`, `2GiB`, `123` (bytes), up to [`MAX_SIZE`].
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_uppercase();
    let units: [(&str, f64); 8] = [
        ("GIB", 1073741824.0),
        ("MIB", 1048576.0),
        ("KIB", 1024.0),
        ("GB", 1e9),
        ("MB", 1e6),
        ("KB", 1e3),
        ("G", 1e9),
        ("M", 1e6),
    ];
    let out_of_range = || format!("size out of range: {s:?} (at most 1PB)");
    for (u, m) in units {
        if let Some(n) = t.strip_suffix(u) {
            return match n.trim().parse::<f64>() {
                Ok(x) if x >= 0.0 && x * m <= MAX_SIZE as f64 => Ok((x * m) as u64),
                Ok(_) => Err(out_of_range()),
                Err(_) => Err(format!("not a size: {s:?}")),
            };
        }
    }
    let n = t.strip_suffix('B').unwrap_or(&t).trim();
    match n.parse::<u64>() {
        Ok(v) if v <= MAX_SIZE => Ok(v),
        Ok(_) => Err(out_of_range()),
        Err(_) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => Err(out_of_range()),
        Err(_) => Err(format!("not a size: {s:?} (try 500MB, 1GB)")),
    }
}

/// Parses a bucket width: a duration of at least one second.
pub fn parse_bucket(s: &str) -> Result<u32, String> {
    match parse_duration(s)? {
        0 => Err("the bucket width must be at least 1s".into()),
        n => u32::try_from(n).map_err(|_| format!("bucket width too large: {s:?}")),
    }
}

/// Parses a trend window: a duration of at least one second (a window of
/// 0 used to become 1 s silently).
pub fn parse_window(s: &str) -> Result<u64, String> {
    match parse_duration(s)? {
        0 => Err("the window must be at least 1s".into()),
        n => Ok(n),
    }
}

/// Compression of simulated files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Compress {
    /// gzip.
    Gz,
    /// zstd.
    Zst,
}

impl Compress {
    /// The simulator's compression.
    pub fn sim(c: Option<Compress>) -> srtlog_sim::Compression {
        match c {
            None => srtlog_sim::Compression::None,
            Some(Compress::Gz) => srtlog_sim::Compression::Gzip,
            Some(Compress::Zst) => srtlog_sim::Compression::Zstd,
        }
    }
}

/// `--fail-if` (repeatable) and `--baseline`.
#[derive(Debug, Args, Default)]
pub struct Gates {
    /// CI gate: exit 3 when METRIC OP VALUE holds (repeatable). METRIC is a
    /// number of this command's --json output (a key, or a dotted path such as
    /// `overview.errors`); OP is < <= > >= == !=; VALUE is absolute (`500`) or,
    /// with --baseline, relative (`+10%`).
    #[arg(long = "fail-if", value_name = "'METRIC OP VALUE'", value_parser = parse_gate)]
    pub fail_if: Vec<Gate>,
    /// A previous --json output of this command: the baseline of relative gate values.
    #[arg(long, value_name = "FILE.json")]
    pub baseline: Option<PathBuf>,
}

fn parse_gate(s: &str) -> Result<Gate, String> {
    s.parse().map_err(|e: gate::GateError| e.to_string())
}

/// A usage error: exit code 2 (see `main`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl Gates {
    /// Whether any gate is given.
    pub fn any(&self) -> bool {
        !self.fail_if.is_empty()
    }

    /// Evaluates the gates on `doc` (the command's `--json` document), with
    /// `implicit` as the baseline when the command has one of its own and
    /// no `--baseline` is given. Reports each verdict on stderr (passed
    /// ones unless `quiet`); `Some(EXIT_GATE)` when one failed.
    pub fn check(
        &self,
        doc: &serde_json::Value,
        implicit: Option<&serde_json::Value>,
        quiet: bool,
    ) -> Result<Option<ExitCode>> {
        if self.fail_if.is_empty() {
            return Ok(None);
        }
        let file_baseline = match &self.baseline {
            Some(p) => {
                let bytes = std::fs::read(p)
                    .with_context(|| format!("reading --baseline {}", p.display()))?;
                Some(
                    serde_json::from_slice::<serde_json::Value>(&bytes).map_err(|e| {
                        UsageError(format!("--baseline {}: not JSON: {e}", p.display()))
                    })?,
                )
            }
            None => None,
        };
        let base = file_baseline.as_ref().or(implicit);
        let verdicts =
            gate::evaluate_json(&self.fail_if, doc, base).map_err(|e| UsageError(e.to_string()))?;
        Ok(report(&verdicts, quiet))
    }
}

fn report(verdicts: &[Verdict], quiet: bool) -> Option<ExitCode> {
    let mut err = std::io::stderr().lock();
    let mut failed = false;
    for v in verdicts {
        failed |= v.failed;
        if v.failed || !quiet {
            let _ = writeln!(err, "{v}");
        }
    }
    failed.then(|| ExitCode::from(EXIT_GATE))
}

/// Whether `p` means stdout.
pub fn is_stdout(p: &Path) -> bool {
    p == Path::new("-")
}

/// Writes a job's table (`--csv FILE`, `--parquet FILE`) through the one
/// export path of every command ([`srtlog::table::export::write_to`]): `-`
/// is stdout, a file is written atomically, and NaN/inf follow the export
/// module's policy (null in CSV, kept in Parquet).
pub fn write_table(
    p: &Path,
    format: srtlog::table::export::Format,
    schema: srtlog::table::arrow_schema::SchemaRef,
    batches: &[srtlog::table::arrow_array::RecordBatch],
) -> Result<()> {
    srtlog::table::export::write_to(p, Some(format), schema, batches)
        .with_context(|| format!("writing {}", p.display()))
}

/// Writes a command's `--csv FILE` and `--parquet FILE` outputs of one
/// table; `batch` is built only when one of them is asked for. True when
/// one went to stdout (the command then prints nothing else there).
pub fn write_tables<E>(
    csv: &Option<PathBuf>,
    parquet: &Option<PathBuf>,
    batch: impl FnOnce() -> std::result::Result<srtlog::table::arrow_array::RecordBatch, E>,
) -> Result<bool>
where
    E: std::error::Error + Send + Sync + 'static,
{
    use srtlog::table::export::Format;
    if csv.is_none() && parquet.is_none() {
        return Ok(false);
    }
    let batch = batch()?;
    let mut on_stdout = false;
    for (p, f) in [(csv, Format::Csv), (parquet, Format::Parquet)] {
        if let Some(p) = p {
            write_table(p, f, batch.schema(), std::slice::from_ref(&batch))?;
            on_stdout |= is_stdout(p);
        }
    }
    Ok(on_stdout)
}

/// Serialises `v` and prints it as pretty JSON on stdout. Serialised first:
/// a closed pipe then surfaces as an io::Error (success, see `main`).
pub fn print_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<()> {
    let s = serde_json::to_string_pretty(v)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{s}")?;
    Ok(())
}

/// Prints text on stdout.
pub fn print(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    Ok(())
}

/// Writes an HTML report atomically, and says so unless `quiet`.
pub fn write_html(p: &Path, html: &str, quiet: bool) -> Result<()> {
    srtlog_report::output::write_atomic(p, html.as_bytes())?;
    if !quiet {
        let _ = writeln!(std::io::stderr(), "wrote {}", p.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("10m"), Ok(600));
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert_eq!(parse_duration("45"), Ok(45));
        assert!(parse_duration("x").is_err());
        assert!(parse_duration("18446744073709551615m").is_err());
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("2MiB"), Ok(2 * 1048576));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("18446744073709551615GB").is_err());
        // Issue 17 item 5: these wrapped or panicked.
        for bad in [
            "18446744073709551615B",
            "18446744073709551616",
            "1000001GB",
            "2000000000MiB",
        ] {
            assert!(
                parse_size(bad).unwrap_err().contains("out of range"),
                "{bad}"
            );
        }
        assert_eq!(parse_size("1000000000000000B"), Ok(MAX_SIZE));
        for bad in ["18446744073709551616s", "3651d", "315360001"] {
            assert!(
                parse_duration(bad).unwrap_err().contains("out of range"),
                "{bad}"
            );
        }
        assert_eq!(parse_duration("3650d"), Ok(MAX_DURATION_S));
        assert!(parse_window("0s").is_err());
        assert_eq!(parse_window("1m"), Ok(60));
        assert!(parse_span("18446744073709551615s")
            .unwrap_err()
            .contains("out of range"));
        assert_eq!(parse_bucket("1m"), Ok(60));
        assert!(parse_bucket("0s").is_err());
    }
}
