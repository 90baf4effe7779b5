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

/// Parses `90s`, `10m`, `2h`, `1d` or plain seconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last() {
        Some('s') => (&s[..s.len() - 1], 1),
        Some('m') => (&s[..s.len() - 1], 60),
        Some('h') => (&s[..s.len() - 1], 3600),
        Some('d') => (&s[..s.len() - 1], 86_400),
        _ => (s, 1),
    };
    let n = num
        .trim()
        .parse::<u64>()
        .map_err(|_| format!("not a duration: {s:?} (try 90s, 10m, 2h)"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("duration too long: {s:?}"))
}

/// Parses `500MB`, `1GB`, `2GiB`, `123` (bytes).
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
    for (u, m) in units {
        if let Some(n) = t.strip_suffix(u) {
            return match n.trim().parse::<f64>() {
                // 2^64 is exactly representable: anything below it fits.
                Ok(x) if x >= 0.0 && x * m < 18_446_744_073_709_551_616.0 => Ok((x * m) as u64),
                Ok(_) => Err(format!("size out of range: {s:?}")),
                Err(_) => Err(format!("not a size: {s:?}")),
            };
        }
    }
    t.trim_end_matches('B')
        .parse::<u64>()
        .map_err(|_| format!("not a size: {s:?} (try 500MB, 1GB)"))
}

/// Parses a bucket width: a duration of at least one second.
pub fn parse_bucket(s: &str) -> Result<u32, String> {
    match parse_duration(s)? {
        0 => Err("the bucket width must be at least 1s".into()),
        n => u32::try_from(n).map_err(|_| format!("bucket width too large: {s:?}")),
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
        assert_eq!(parse_bucket("1m"), Ok(60));
        assert!(parse_bucket("0s").is_err());
    }
}
