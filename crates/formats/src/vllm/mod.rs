//! vLLM server logs (formats.md §2.1–§2.3, §8.C, §8.E).
//!
//! [`decode_line`] classifies one normalised line (see [`crate::line`]) into a
//! [`Record`]: an engine statistics line, a speculative-decoding or V0
//! prefix-cache companion line, a start-up fact or memory step, a uvicorn
//! access line, an error line, another prefixed line, noise, or a line that
//! *looks like* a statistics line but could not be read ([`Record::Unparsed`],
//! counted by callers for `--coverage`). It borrows from the line and never
//! allocates.
//!
//! vLLM prints no year ([`prefix`]): records carry a [`MonthDayTime`] and the
//! caller supplies the year. [`find_full_date`] finds the full dates that
//! other components print into the same file, from which the year can be
//! learnt.

pub mod prefix;
pub mod startup;
pub mod stats;

pub use prefix::{
    find_full_date, split_line, split_prefix, split_process, Level, MonthDayTime, Prefix, Process,
    Split,
};
pub use startup::{decode_startup, MemoryStep, StartupFacts, StartupRecord};
pub use stats::{percent_to_fraction, Extras, PrefixCacheRecord, SpecRecord, StatsRecord};

use crate::access::{decode_access, AccessRecord};
use memchr::memmem;

/// Substring searchers built once (`memmem::find` builds one per call).
mod finders {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;

    pub(super) static AVG_PROMPT: LazyLock<Finder<'static>> =
        LazyLock::new(|| Finder::new(b"Avg prompt throughput:"));
    pub(super) static CUDA_OOM: LazyLock<Finder<'static>> =
        LazyLock::new(|| Finder::new(b"CUDA out of memory"));
}

/// What a line is.
#[derive(Clone, Copy, Debug)]
pub enum Record<'a> {
    /// An engine statistics line.
    Stats(Prefix<'a>, StatsRecord<'a>),
    /// A `SpecDecoding metrics:` / `Speculative metrics:` line.
    Spec(Prefix<'a>, SpecRecord<'a>),
    /// The V0 `Prefix cache hit rate: GPU: …, CPU: …` line.
    PrefixCache(Prefix<'a>, PrefixCacheRecord),
    /// A start-up fact or memory step.
    Startup(Prefix<'a>, StartupRecord<'a>),
    /// A uvicorn access line (no timestamp of its own).
    Access(Option<Process<'a>>, AccessRecord<'a>),
    /// The server is up: `Starting vLLM API server …` or uvicorn's
    /// `Application startup complete.`
    Ready(Option<Prefix<'a>>),
    /// An error: an `ERROR`/`CRITICAL` message that is not a traceback
    /// frame, a Python exception line, `Traceback (most recent call last):`,
    /// `CUDA out of memory`, or an argument-parser `prog: error:`. The line
    /// is the text to show; the prefix is there when the line had one.
    Error(Option<Prefix<'a>>),
    /// Another line with a vLLM prefix.
    Other(Prefix<'a>),
    /// A line that looks like a statistics line but could not be read.
    Unparsed(&'static str),
    /// Anything else (progress bars, third-party output, banners of other
    /// tools). It may hold a full date ([`find_full_date`]).
    Noise,
}

impl<'a> Record<'a> {
    /// The prefix of a record that has one.
    pub fn prefix(&self) -> Option<&Prefix<'a>> {
        match self {
            Record::Stats(p, _)
            | Record::Spec(p, _)
            | Record::PrefixCache(p, _)
            | Record::Startup(p, _)
            | Record::Other(p) => Some(p),
            Record::Error(p) | Record::Ready(p) => p.as_ref(),
            _ => None,
        }
    }

    /// True for the lines that complete the statistics line before them
    /// (speculative decoding, V0 prefix cache).
    pub fn is_companion(&self) -> bool {
        matches!(self, Record::Spec(..) | Record::PrefixCache(..))
    }
}

/// Classifies one normalised line.
#[inline]
pub fn decode_line(line: &[u8]) -> Record<'_> {
    let (p, msg) = match split_line(line) {
        Split::Prefixed(p, msg) => (p, msg),
        Split::Unprefixed(process, rest) => return decode_unprefixed(process, rest),
    };
    match msg.first() {
        Some(b'E') if msg.starts_with(b"Engine ") => stats(p, msg),
        Some(b'A') if msg.starts_with(b"Avg prompt throughput:") => stats(p, msg),
        Some(b'S') if msg.starts_with(b"SpecDecoding metrics: ") => {
            spec(p, &msg[b"SpecDecoding metrics: ".len()..])
        }
        Some(b'S') if msg.starts_with(b"Speculative metrics: ") => {
            spec(p, &msg[b"Speculative metrics: ".len()..])
        }
        Some(b'P') if msg.starts_with(b"Prefix cache hit rate: GPU: ") => {
            match stats::decode_prefix_cache(&msg[b"Prefix cache hit rate: ".len()..]) {
                Ok(r) => Record::PrefixCache(p, r),
                Err(why) => Record::Unparsed(why),
            }
        }
        _ => decode_other(p, msg),
    }
}

#[inline]
fn stats<'a>(p: Prefix<'a>, msg: &'a [u8]) -> Record<'a> {
    if msg.starts_with(b"Engine ") {
        // `Engine 000: Avg prompt throughput: …`; any other `Engine …`
        // message is not statistics.
        let stats_follow = memchr::memchr(b':', &msg[..msg.len().min(24)])
            .is_some_and(|c| msg[c + 1..].starts_with(b" Avg prompt throughput:"));
        if !stats_follow {
            return decode_other(p, msg);
        }
    }
    match stats::decode_stats(msg) {
        Ok(r) => Record::Stats(p, r),
        Err(why) => Record::Unparsed(why),
    }
}

fn spec<'a>(p: Prefix<'a>, body: &'a [u8]) -> Record<'a> {
    match stats::decode_spec(body) {
        Ok(r) => Record::Spec(p, r),
        Err(why) => Record::Unparsed(why),
    }
}

fn decode_other<'a>(p: Prefix<'a>, msg: &'a [u8]) -> Record<'a> {
    if matches!(p.level, Level::Error | Level::Critical) && is_error_message(msg) {
        return Record::Error(Some(p));
    }
    if let Some(s) = decode_startup(msg) {
        return Record::Startup(p, s);
    }
    if msg.starts_with(b"Starting vLLM") {
        return Record::Ready(Some(p));
    }
    if finders::AVG_PROMPT.find(msg).is_some() {
        return Record::Unparsed("statistics marker in an unknown message shape");
    }
    if finders::CUDA_OOM.find(msg).is_some() {
        return Record::Error(Some(p));
    }
    Record::Other(p)
}

/// An `ERROR` message worth showing: not a traceback frame (`  File …`,
/// source lines, `^^^^` markers), which vLLM logs line by line at ERROR level.
fn is_error_message(msg: &[u8]) -> bool {
    match msg.first() {
        None | Some(b' ' | b'\t' | b'^' | b'~') => false,
        _ => !msg.starts_with(b"Traceback (most recent call last)"),
    }
}

fn decode_unprefixed<'a>(process: Option<Process<'a>>, rest: &'a [u8]) -> Record<'a> {
    if rest.starts_with(b"INFO:") {
        if let Some(a) = decode_access(rest) {
            return Record::Access(process, a);
        }
        if rest.ends_with(b"Application startup complete.") {
            return Record::Ready(None);
        }
        return Record::Noise;
    }
    if finders::AVG_PROMPT.find(rest).is_some() {
        return Record::Unparsed("statistics marker without a recognised prefix");
    }
    if is_exception_line(rest)
        || rest.starts_with(b"Traceback (most recent call last)")
        || finders::CUDA_OOM.find(rest).is_some()
        || is_usage_error(rest)
    {
        return Record::Error(None);
    }
    Record::Noise
}

/// A Python exception line: `RuntimeError: …`, `torch.OutOfMemoryError: …`,
/// `pydantic_core._pydantic_core.ValidationError: 1 validation error …`.
fn is_exception_line(s: &[u8]) -> bool {
    let name_end = s
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'.'))
        .unwrap_or(s.len());
    let name = &s[..name_end];
    let follows = s.get(name_end);
    !name.is_empty()
        && name[0].is_ascii_alphabetic()
        && (name.ends_with(b"Error") || name.ends_with(b"Exception"))
        && matches!(follows, None | Some(b':'))
}

/// An argument-parser failure: `vllm: error: unrecognized arguments: …`.
fn is_usage_error(s: &[u8]) -> bool {
    memmem::find(&s[..s.len().min(40)], b": error: ").is_some_and(|i| {
        s[..i]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    })
}

/// Does this head of a file look like a vLLM server log? True when it holds a
/// marker only vLLM prints (the API server banner or version line, a
/// multiprocess tag, an engine initialisation, a statistics line, vLLM's
/// argument parser).
pub fn has_vllm_marker(head: &[u8]) -> Option<usize> {
    const MARKERS: [&[u8]; 10] = [
        b"vLLM API server version",
        b"(APIServer pid=",
        b"(APIServer_DP",
        b"(EngineCore",
        b"(VllmWorkerProcess pid=",
        b"Avg prompt throughput:",
        b"SpecDecoding metrics:",
        b"Initializing a V1 LLM engine",
        b"Initializing an LLM engine",
        b"usage: vllm ",
    ];
    MARKERS.iter().filter_map(|m| memmem::find(head, m)).min()
}

#[cfg(test)]
mod tests;
