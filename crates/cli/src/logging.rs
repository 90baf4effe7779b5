//! srtlog's own diagnostics on stderr: human-readable by default, JSON
//! lines with `--log-format json`. `RUST_LOG` overrides the level of the
//! `tracing` events (default `warn`, `error` with `--quiet`).
//!
//! Every `warning:`, `error:` and `note:` line of the commands goes through
//! [`warning`], [`error`] and [`note`], so that `--log-format json` turns
//! each into one JSON object (`{"level", "kind", "message"}`) and no plain
//! line is mixed into a JSON stream. [`info`] is for progress messages
//! (`wrote FILE`), plain text or JSON likewise.

use clap::ValueEnum;
use std::fmt::Display;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing_subscriber::EnvFilter;

/// Diagnostics format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

static JSON: AtomicBool = AtomicBool::new(false);

/// Installs the global subscriber and the format of [`warning`] & co.
pub fn init(format: LogFormat, quiet: bool) {
    JSON.store(format == LogFormat::Json, Ordering::Relaxed);
    let default = if quiet { "error" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        // The library's events read as the commands' own lines
        // (`warning: …`), not as a timestamped log record.
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .event_format(Plain)
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Text format of `tracing` events: `warning: message`, the shape of
/// [`warning`], [`error`] and [`note`].
struct Plain;

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for Plain
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let word = match *event.metadata().level() {
            tracing::Level::ERROR => "error",
            tracing::Level::WARN => "warning",
            tracing::Level::INFO => "note",
            tracing::Level::DEBUG => "debug",
            tracing::Level::TRACE => "trace",
        };
        write!(writer, "{word}: ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// One diagnostic line: `kind: message`, or a JSON object.
fn emit(level: &str, kind: &str, message: &dyn Display) {
    let mut err = std::io::stderr().lock();
    if JSON.load(Ordering::Relaxed) {
        let v = serde_json::json!({
            "level": level,
            "kind": kind,
            "message": message.to_string(),
        });
        let _ = writeln!(err, "{v}");
    } else if kind == "info" {
        let _ = writeln!(err, "{message}");
    } else {
        let _ = writeln!(err, "{kind}: {message}");
    }
}

/// `warning: …`
pub fn warning(message: impl Display) {
    emit("WARN", "warning", &message);
}

/// `error: …`
pub fn error(message: impl Display) {
    emit("ERROR", "error", &message);
}

/// `note: …`
pub fn note(message: impl Display) {
    emit("INFO", "note", &message);
}

/// A progress message without a prefix (`wrote report.html`).
pub fn info(message: impl Display) {
    emit("INFO", "info", &message);
}
