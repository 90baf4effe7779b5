//! Prometheus metrics snapshots taken before and after each request (the
//! workflow's "metrics snapshots" workflow), turned into per-request timings.
//!
//! * [`naming`] parses `{request_id}_{before|after}_{YYYYMMDD_HHMMSS_micro}.txt`;
//! * [`snapshot`]: one parsed snapshot (parser: `srtlog_formats::prom`);
//! * [`pairing`]: before/after pairs, several per id kept apart by time;
//! * [`delta`]: counter/histogram deltas, gauges before/after, resets,
//!   bucket estimates;
//! * [`derive`]: prefill/decode/TTFT/queue/inference/e2e times, tokens and
//!   inter-token latency from vLLM V0/V1 and SGLang names (one registry);
//! * [`flags`]: why a pair cannot be trusted (overlap, counter reset, …);
//! * [`interval`]: consecutive periodic scrapes as time series;
//! * [`table`]: the requests as an Arrow `RecordBatch`, with column docs.
//!
//! [`analyze_dir`] does what `srtlog snapshots DIR` does. One bad file never
//! stops it: it becomes a [`Problem`].
#![warn(missing_docs)]

pub mod csv;
pub mod delta;
pub mod derive;
pub mod flags;
pub mod interval;
pub mod naming;
pub mod pairing;
pub mod scrape;
pub mod snapshot;
pub mod table;

use delta::Deltas;
use derive::{Derived, QUANTITIES};
use flags::Flag;
use naming::parse_name;
use pairing::{Named, Pair};
use rayon::prelude::*;
use snapshot::Snapshot;
use std::path::{Path, PathBuf};

/// A file that fits no pair, or could not be used.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Problem {
    /// The file.
    pub file: PathBuf,
    /// Short code: `bad_name`, `unpaired_before`, `unpaired_after`,
    /// `empty`, `no_samples`, `unreadable`, `malformed_lines`.
    pub code: &'static str,
    /// Details.
    pub detail: String,
}

/// One analysed request (one before/after pair).
#[derive(Clone, Debug)]
pub struct RequestResult {
    /// Request id.
    pub request_id: String,
    /// Before snapshot.
    pub before: PathBuf,
    /// After snapshot.
    pub after: PathBuf,
    /// Time in the before file name (µs).
    pub before_us: i64,
    /// Time in the after file name (µs).
    pub after_us: i64,
    /// Derived values.
    pub derived: Derived,
    /// Reasons not to trust it (empty: trusted).
    pub flags: Vec<Flag>,
    /// Ids of the requests whose windows overlap this one.
    pub overlaps_with: Vec<String>,
    /// The deltas that moved (cumulative series that grew or were reset,
    /// gauges that changed).
    pub deltas: Deltas,
}

impl RequestResult {
    /// No flag.
    pub fn trusted(&self) -> bool {
        self.flags.is_empty()
    }

    /// Seconds between the snapshots (by their names).
    pub fn window_s(&self) -> f64 {
        (self.after_us - self.before_us) as f64 / 1e6
    }
}

/// Totals and averages of one quantity over the trusted requests.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct QuantitySummary {
    /// Quantity key.
    pub key: &'static str,
    /// Trusted requests with a value.
    pub count: usize,
    /// Sum.
    pub total: f64,
    /// Mean (NaN → null when no value).
    pub mean: Option<f64>,
}

/// The result of [`analyze_dir`].
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// The folder.
    pub dir: PathBuf,
    /// Snapshot files seen (`.txt`).
    pub files: usize,
    /// Pairs, by before time.
    pub requests: Vec<RequestResult>,
    /// Files that fit no pair or could not be read.
    pub problems: Vec<Problem>,
}

impl Analysis {
    /// Summary of every quantity over the trusted requests.
    pub fn summary(&self) -> Vec<QuantitySummary> {
        QUANTITIES
            .iter()
            .map(|q| {
                let vals: Vec<f64> = self
                    .requests
                    .iter()
                    .filter(|r| r.trusted())
                    .filter_map(|r| r.derived.get(q.key))
                    .collect();
                let total: f64 = vals.iter().sum();
                QuantitySummary {
                    key: q.key,
                    count: vals.len(),
                    total,
                    mean: (!vals.is_empty()).then(|| total / vals.len() as f64),
                }
            })
            .collect()
    }

    /// Requests without a flag.
    pub fn trusted_count(&self) -> usize {
        self.requests.iter().filter(|r| r.trusted()).count()
    }
}

/// The files of one snapshot folder (not recursive) that `want` selects,
/// listed by the shared walker ([`srtlog_io::walk`](mod@srtlog_io::walk)): sorted, each file
/// once; FIFOs, dangling links and unreadable files become problems
/// (`not_regular`, `unreadable`) instead of blocking or stopping the run.
pub fn list_dir(
    dir: &Path,
    want: fn(&Path) -> bool,
) -> srtlog_io::Result<(Vec<PathBuf>, Vec<Problem>)> {
    if !dir.exists() {
        return Err(srtlog_io::Error::NotFound(dir.to_path_buf()));
    }
    // A folder is required: listing a file fails as it always did.
    std::fs::read_dir(dir).map_err(|e| srtlog_io::Error::io(dir, e))?;
    let opts = srtlog_io::WalkOptions {
        max_depth: Some(0),
        want_file: want,
        ..srtlog_io::WalkOptions::default()
    };
    let w = srtlog_io::walk(&[dir.to_path_buf()], &opts)?;
    let problems = w
        .warnings
        .into_iter()
        .map(|w| Problem {
            code: match w.kind {
                srtlog_io::WarningKind::NotRegular => "not_regular",
                srtlog_io::WarningKind::Duplicate => "duplicate",
                _ => "unreadable",
            },
            file: w.path,
            detail: w.message,
        })
        .collect();
    Ok((w.files.into_iter().map(|f| f.path).collect(), problems))
}

/// Pairs and analyses every snapshot in `dir` (not recursive).
pub fn analyze_dir(dir: &Path) -> srtlog_io::Result<Analysis> {
    let (paths, listed) = list_dir(dir, |p| p.extension().is_some_and(|x| x == "txt"))?;
    let mut out = Analysis {
        dir: dir.to_path_buf(),
        files: paths.len(),
        problems: listed,
        ..Analysis::default()
    };
    let mut named = Vec::new();
    for p in paths {
        let fname = p.file_name().and_then(|f| f.to_str()).unwrap_or("");
        match parse_name(fname) {
            Some(name) => named.push(Named { name, path: p }),
            None => out.problems.push(Problem {
                file: p,
                code: "bad_name",
                detail: "not {request_id}_{before|after}_{YYYYMMDD_HHMMSS_micro}.txt".into(),
            }),
        }
    }
    // Check every named file (in parallel) and drop the unusable ones
    // before pairing, so that their partner is reported as unpaired. Only
    // the borrowed parse runs here; snapshots are built per pair below, so
    // memory holds a few snapshots at a time, not the folder.
    let checked: Vec<(Named, Result<(), Problem>, Option<Problem>)> = named
        .into_par_iter()
        .map(|n| {
            let (r, warn) = match check(&n.path) {
                Ok(w) => (Ok(()), w),
                Err(p) => (Err(p), None),
            };
            (n, r, warn)
        })
        .collect();
    let mut usable = Vec::new();
    for (n, r, warn) in checked {
        out.problems.extend(warn);
        match r {
            Ok(()) => usable.push(n),
            Err(p) => out.problems.push(p),
        }
    }
    let (pairs, left) = pairing::pair(usable);
    for l in left {
        let (code, detail) = match l.name.stage {
            naming::Stage::Before => ("unpaired_before", "a before snapshot without its after"),
            naming::Stage::After => ("unpaired_after", "an after snapshot without its before"),
        };
        out.problems.push(Problem {
            file: l.path,
            code,
            detail: detail.into(),
        });
    }
    let ov = flags::overlaps(&pairs);
    let results: Vec<Result<RequestResult, Problem>> = pairs
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let load = |path: &Path| {
                Snapshot::load(path).map_err(|e| Problem {
                    file: path.to_path_buf(),
                    code: "unreadable",
                    detail: e.to_string(),
                })
            };
            let b = load(&p.before.path)?;
            let a = load(&p.after.path)?;
            Ok(analyze_pair(p, &b, &a, &pairs, &ov[i]))
        })
        .collect();
    for r in results {
        match r {
            Ok(r) => out.requests.push(r),
            Err(p) => out.problems.push(p),
        }
    }
    out.problems.sort_by(|x, y| x.file.cmp(&y.file));
    Ok(out)
}

fn analyze_pair(p: &Pair, b: &Snapshot, a: &Snapshot, all: &[Pair], ov: &[usize]) -> RequestResult {
    let deltas = Deltas::between(b, a);
    let derived = derive::derive(&deltas);
    let mut fl = flags::own_flags(p, &deltas, &derived);
    let overlaps_with: Vec<String> = ov.iter().map(|&j| all[j].request_id.clone()).collect();
    if !overlaps_with.is_empty() {
        let mut ids = overlaps_with.clone();
        ids.dedup();
        let shown: Vec<_> = ids.iter().take(5).cloned().collect();
        let more = if ids.len() > 5 {
            format!(" and {} more", ids.len() - 5)
        } else {
            String::new()
        };
        fl.insert(
            0,
            Flag {
                code: "overlap",
                reason: format!(
                    "the snapshot window overlaps {} other request(s), whose work the deltas include: {}{more}",
                    ids.len(),
                    shown.join(", ")
                ),
            },
        );
    }
    // Keep what moved: a folder of thousands of pairs would otherwise hold
    // every series of every snapshot twice.
    let mut deltas = deltas;
    deltas.series.retain(|s| s.delta != 0.0 || s.reset);
    deltas.gauges.retain(|g| g.before != Some(g.after));
    RequestResult {
        request_id: p.request_id.clone(),
        before: p.before.path.clone(),
        after: p.after.path.clone(),
        before_us: p.before.name.time_us,
        after_us: p.after.name.time_us,
        derived,
        flags: fl,
        overlaps_with,
        deltas,
    }
}

/// Whether a file is a usable snapshot; a warning when it has malformed
/// lines (they are skipped, the rest is used).
fn check(path: &Path) -> Result<Option<Problem>, Problem> {
    let data = snapshot::read_capped(path, snapshot::MAX_SNAPSHOT_BYTES).map_err(|e| Problem {
        file: path.to_path_buf(),
        code: "unreadable",
        detail: e.to_string(),
    })?;
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem {
            file: path.to_path_buf(),
            code: "empty",
            detail: "empty snapshot (the scrape timed out or failed?)".into(),
        });
    }
    let e = srtlog_formats::prom::parse(&data);
    // Families declared without samples (a scrape right after start-up) are
    // a zero baseline: every series starts at zero, as Prometheus counts a
    // new series, and the first request is kept.
    if e.sample_count() == 0 && e.families.is_empty() {
        return Err(Problem {
            file: path.to_path_buf(),
            code: "no_samples",
            detail: format!("no Prometheus sample in {} bytes", data.len()),
        });
    }
    Ok((e.malformed > 0).then(|| {
        let first = e.diagnostics.first().map_or(String::new(), |d| {
            format!(" (first: line {}, {})", d.line, d.kind)
        });
        Problem {
            file: path.to_path_buf(),
            code: "malformed_lines",
            detail: format!("{} malformed line(s) skipped{first}", e.malformed),
        }
    }))
}

fn num(v: Option<f64>) -> serde_json::Value {
    v.filter(|x| x.is_finite())
        .map_or(serde_json::Value::Null, |x| serde_json::json!(x))
}

/// JSON view of an analysis (`srtlog snapshots --json`); [`write_json`]
/// writes the same document one request at a time.
pub fn to_json(a: &Analysis) -> serde_json::Value {
    let mut v = head_json(a);
    v["requests"] = serde_json::Value::Array(a.requests.iter().map(request_json).collect());
    v
}

/// Writes the JSON of [`to_json`] one request at a time (a folder of
/// thousands of pairs would otherwise build a large tree in memory first).
pub fn write_json(a: &Analysis, mut w: impl std::io::Write) -> std::io::Result<()> {
    let serde_json::Value::Object(m) = head_json(a) else {
        return Ok(());
    };
    w.write_all(b"{\n")?;
    for (k, v) in &m {
        writeln!(w, "  {}: {},", serde_json::Value::String(k.clone()), v)?;
    }
    w.write_all(b"  \"requests\": [")?;
    for (i, r) in a.requests.iter().enumerate() {
        w.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
        serde_json::to_writer(&mut w, &request_json(r))?;
    }
    w.write_all(b"\n  ]\n}\n")
}

/// Everything but the requests.
fn head_json(a: &Analysis) -> serde_json::Value {
    use serde_json::{json, Value};
    let summary: Vec<Value> = a
        .summary()
        .iter()
        .map(|s| json!({"key": s.key, "count": s.count, "total": s.total, "mean": num(s.mean)}))
        .collect();
    json!({
        "dir": a.dir,
        "files": a.files,
        "trusted": a.trusted_count(),
        "untrusted": a.requests.len() - a.trusted_count(),
        "summary": summary,
        "problems": a.problems,
    })
}

/// One entry of `requests`.
fn request_json(r: &RequestResult) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut m = Map::new();
    m.insert("request_id".into(), json!(r.request_id));
    m.insert("before".into(), json!(r.before));
    m.insert("after".into(), json!(r.after));
    m.insert("window_s".into(), json!(r.window_s()));
    for (i, q) in QUANTITIES.iter().enumerate() {
        m.insert(
            q.key.into(),
            num(r.derived.values.get(i).copied().flatten()),
        );
    }
    m.insert("estimated".into(), json!(r.derived.estimated));
    m.insert("trusted".into(), json!(r.trusted()));
    m.insert(
        "flags".into(),
        json!(r.flags.iter().map(|f| f.code).collect::<Vec<_>>()),
    );
    m.insert(
        "reasons".into(),
        json!(r.flags.iter().map(|f| &f.reason).collect::<Vec<_>>()),
    );
    m.insert("overlaps_with".into(), json!(r.overlaps_with));
    let moved: Vec<Value> = r
        .deltas
        .series
        .iter()
        .map(|s| json!({"name": s.name, "labels": s.labels, "delta": s.delta, "reset": s.reset}))
        .collect();
    m.insert("deltas".into(), Value::Array(moved));
    let gauges: Vec<Value> = r
        .deltas
        .gauges
        .iter()
        .map(|g| json!({"name": g.name, "labels": g.labels, "before": g.before, "after": g.after}))
        .collect();
    m.insert("gauges".into(), Value::Array(gauges));
    Value::Object(m)
}
