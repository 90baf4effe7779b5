//! Run ids: stable and unique within a dataset.
//!
//! A run's id is its folder name (the last component of its canonical
//! path), made safe for a Hive partition value (`/`, `=`, `%`, control
//! characters and spaces become `_`). When two runs share a name, each run
//! that is new to the dataset gets `-` and the first 8 hex digits of the
//! FNV-1a hash of its canonical path appended; a run already in the
//! manifest keeps the id it was given, so ids never change between ingests.

use srtlog_io::fingerprint::{fnv1a, FNV_OFFSET};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A name usable as a Hive partition value (and a file name).
pub fn safe_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // `.` and `..` are not folders one can write into; hidden names are
    // skipped by most readers (Spark, pyarrow ignore `_` and `.` prefixes).
    let s = s.trim_start_matches(['.', '_']).to_string();
    if s.is_empty() {
        "run".into()
    } else {
        s
    }
}

/// The short hash of a canonical path (8 hex digits).
pub fn short_hash(canonical: &str) -> String {
    format!("{:08x}", fnv1a(FNV_OFFSET, canonical.as_bytes()) >> 32)
}

/// The id of a run folder by name alone.
pub fn base_id(canonical: &Path) -> String {
    safe_name(
        &canonical
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    )
}

/// Ids of `runs` (canonical paths), given the ids already in the dataset
/// (`known`: canonical path → id). Known runs keep theirs; a new run whose
/// base id is taken by another run, known or new, gets the hash suffix.
pub fn assign(runs: &[String], known: &BTreeMap<String, String>) -> Vec<String> {
    let taken: BTreeSet<&str> = known.values().map(String::as_str).collect();
    let new: Vec<&String> = runs.iter().filter(|r| !known.contains_key(*r)).collect();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for r in &new {
        *count.entry(base_id(Path::new(r))).or_default() += 1;
    }
    runs.iter()
        .map(|r| {
            if let Some(id) = known.get(r) {
                return id.clone();
            }
            let base = base_id(Path::new(r));
            let clash = taken.contains(base.as_str()) || count.get(&base).copied().unwrap_or(0) > 1;
            if clash {
                format!("{base}-{}", short_hash(r))
            } else {
                base
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_collisions() {
        assert_eq!(safe_name("job 12/3=x"), "job_12_3_x");
        assert_eq!(safe_name(".."), "run");
        let runs = vec!["/a/run1".to_string(), "/b/run1".into(), "/c/run2".into()];
        let ids = assign(&runs, &BTreeMap::new());
        assert_eq!(ids[2], "run2");
        assert_ne!(ids[0], ids[1]);
        assert!(ids[0].starts_with("run1-") && ids[0].len() == "run1-".len() + 8);
        // Stable: the same paths give the same ids, in any order.
        let rev: Vec<String> = runs.iter().rev().cloned().collect();
        let ids2 = assign(&rev, &BTreeMap::new());
        assert_eq!(ids2[2], ids[0]);
        // A known run keeps its id; a newcomer with its name gets a hash.
        let known = BTreeMap::from([("/a/run1".to_string(), "run1".to_string())]);
        let ids3 = assign(&["/a/run1".into(), "/b/run1".into()], &known);
        assert_eq!(ids3[0], "run1");
        assert_eq!(ids3[1], format!("run1-{}", short_hash("/b/run1")));
    }
}
