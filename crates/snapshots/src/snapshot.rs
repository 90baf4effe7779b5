//! One snapshot, owned: the parsed exposition reduced to what deltas need
//! (every sample's name, canonical label key, family type and value) plus
//! the family descriptions of `--show` and the parser's diagnostics.

use srtlog_formats::prom::{self, Diagnostic, MetricType};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A family as `srtlog snapshots --show` describes it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FamilyInfo {
    /// Family name.
    pub name: String,
    /// Type keyword (`counter`, `histogram`, …).
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// HELP text, unescaped.
    pub help: Option<String>,
    /// Distinct label sets.
    pub series: usize,
    /// Samples (histogram buckets, sums and counts each count).
    pub samples: usize,
}

/// One sample of a snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesValue {
    /// Sample name (`vllm:e2e_request_latency_seconds_sum`).
    pub name: String,
    /// Canonical label key (sorted pairs, see `Labels::key_without`).
    pub labels: String,
    /// `le` of a histogram bucket, parsed.
    pub le: Option<f64>,
    /// Type of the family it belongs to.
    pub ty: MetricType,
    /// Value.
    pub value: f64,
}

impl SeriesValue {
    /// Whether the value only grows between restarts (counter samples,
    /// histogram and summary buckets, sums and counts), as opposed to a
    /// gauge. `_created` timestamps are neither: they are metadata.
    pub fn is_cumulative(&self) -> bool {
        if self.name.ends_with("_created") {
            return false;
        }
        match self.ty {
            MetricType::Counter | MetricType::Histogram => true,
            MetricType::Summary => self.name.ends_with("_sum") || self.name.ends_with("_count"),
            // Untyped `_total` samples are counters by convention.
            MetricType::Untyped => self.name.ends_with("_total"),
            _ => false,
        }
    }

    /// A gauge-like value (not cumulative, not metadata).
    pub fn is_gauge(&self) -> bool {
        !self.is_cumulative() && !self.name.ends_with("_created") && self.ty != MetricType::Info
    }
}

/// The largest snapshot read: the scraper's body cap
/// ([`srtlog_io::http::MAX_BODY`]), since no scrape writes more. A larger
/// file (or `/dev/zero`) is refused after reading that much, not read whole.
pub const MAX_SNAPSHOT_BYTES: usize = srtlog_io::http::MAX_BODY;

/// Reads at most `cap` bytes of `path`; an error naming the file when it
/// holds more.
pub fn read_capped(path: &Path, cap: usize) -> srtlog_io::Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| srtlog_io::Error::io(path, e))?;
    let mut data = Vec::new();
    f.take(cap as u64 + 1)
        .read_to_end(&mut data)
        .map_err(|e| srtlog_io::Error::io(path, e))?;
    if data.len() > cap {
        return Err(srtlog_io::Error::io(
            path,
            std::io::Error::other(format!(
                "larger than {cap} bytes, the most a metrics snapshot holds: not a snapshot"
            )),
        ));
    }
    Ok(data)
}

/// A loaded snapshot.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The file.
    pub path: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
    /// Families in order.
    pub families: Vec<FamilyInfo>,
    /// Every sample.
    pub series: Vec<SeriesValue>,
    /// `(name, labels)` → index in `series`.
    index: HashMap<(String, String), usize>,
    /// Malformed lines (the first ones, with line numbers).
    pub diagnostics: Vec<Diagnostic>,
    /// Malformed lines, all counted.
    pub malformed: u64,
}

impl Snapshot {
    /// Builds a snapshot from exposition bytes.
    pub fn from_bytes(path: &Path, data: &[u8]) -> Snapshot {
        let exp = prom::parse(data);
        let mut snap = Snapshot {
            path: path.to_path_buf(),
            bytes: data.len() as u64,
            diagnostics: exp.diagnostics.clone(),
            malformed: exp.malformed,
            ..Snapshot::default()
        };
        for f in &exp.families {
            snap.families.push(FamilyInfo {
                name: f.name.to_string(),
                ty: f.ty.as_str(),
                help: f.help().map(|h| h.into_owned()),
                series: f.series_count(),
                samples: f.samples.len(),
            });
            for s in &f.samples {
                let le = s
                    .labels
                    .get("le")
                    .and_then(|v| srtlog_formats::num::parse_f64(v.raw().as_bytes()));
                let key = s.labels.key_without(&[]);
                let sv = SeriesValue {
                    name: s.name.to_string(),
                    labels: key,
                    le,
                    ty: f.ty,
                    value: s.value,
                };
                // A repeated series keeps its last value, as Prometheus would
                // reject it; the parser's line count still shows it.
                match snap.index.get(&(sv.name.clone(), sv.labels.clone())) {
                    Some(&i) => snap.series[i] = sv,
                    None => {
                        snap.index
                            .insert((sv.name.clone(), sv.labels.clone()), snap.series.len());
                        snap.series.push(sv);
                    }
                }
            }
        }
        snap
    }

    /// Reads and parses a file of at most [`MAX_SNAPSHOT_BYTES`].
    pub fn load(path: &Path) -> srtlog_io::Result<Snapshot> {
        let data = read_capped(path, MAX_SNAPSHOT_BYTES)?;
        Ok(Snapshot::from_bytes(path, &data))
    }

    /// Number of samples.
    pub fn sample_count(&self) -> usize {
        self.series.len()
    }

    /// The value of one series.
    pub fn get(&self, name: &str, labels: &str) -> Option<&SeriesValue> {
        self.index
            .get(&(name.to_string(), labels.to_string()))
            .map(|&i| &self.series[i])
    }
}

#[cfg(test)]
mod cap_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Issue 17 item 11: `--show` read a file whole (2.1 GB of `/dev/zero`).
    #[test]
    fn reads_are_capped() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("big.txt");
        std::fs::write(&p, vec![b'#'; 101]).unwrap();
        let e = read_capped(&p, 100).unwrap_err().to_string();
        assert!(e.contains("larger than 100 bytes"), "{e}");
        assert!(e.contains("big.txt"), "{e}");
        assert_eq!(read_capped(&p, 101).unwrap().len(), 101);
    }
}
