//! Pairing `before` and `after` snapshots of each request id.
//!
//! One id may have several pairs (a retried request, a reused id): they are
//! kept apart by time. With as many befores as afters, the i-th before (in
//! time order) goes with the i-th after, so a pair whose after is older than
//! its before is still formed and then flagged. Otherwise each after takes
//! the latest unused before that precedes it; what is left is reported.

use super::naming::{SnapshotName, Stage};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A named file.
#[derive(Clone, Debug, PartialEq)]
pub struct Named {
    /// Parsed name.
    pub name: SnapshotName,
    /// The file.
    pub path: PathBuf,
}

/// A before/after pair.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    /// Request id.
    pub request_id: String,
    /// Before snapshot.
    pub before: Named,
    /// After snapshot.
    pub after: Named,
}

/// Pairs the files; returns the pairs (by before time, then id) and the
/// files that fit no pair.
pub fn pair(files: Vec<Named>) -> (Vec<Pair>, Vec<Named>) {
    let mut by_id: BTreeMap<String, (Vec<Named>, Vec<Named>)> = BTreeMap::new();
    for f in files {
        let e = by_id.entry(f.name.request_id.clone()).or_default();
        match f.name.stage {
            Stage::Before => e.0.push(f),
            Stage::After => e.1.push(f),
        }
    }
    let mut pairs = Vec::new();
    let mut left = Vec::new();
    for (id, (mut bs, mut a_s)) in by_id {
        bs.sort_by_key(|n| n.name.time_us);
        a_s.sort_by_key(|n| n.name.time_us);
        if bs.len() == a_s.len() {
            for (b, a) in bs.into_iter().zip(a_s) {
                pairs.push(Pair {
                    request_id: id.clone(),
                    before: b,
                    after: a,
                });
            }
            continue;
        }
        let mut used = vec![false; bs.len()];
        for a in a_s {
            let pick = (0..bs.len())
                .rev()
                .find(|&i| !used[i] && bs[i].name.time_us <= a.name.time_us);
            match pick {
                Some(i) => {
                    used[i] = true;
                    pairs.push(Pair {
                        request_id: id.clone(),
                        before: bs[i].clone(),
                        after: a,
                    });
                }
                None => left.push(a),
            }
        }
        left.extend(bs.into_iter().zip(used).filter(|(_, u)| !u).map(|(b, _)| b));
    }
    pairs.sort_by(|x, y| {
        (x.before.name.time_us, &x.request_id).cmp(&(y.before.name.time_us, &y.request_id))
    });
    (pairs, left)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::naming::parse_name;

    fn n(s: &str) -> Named {
        Named {
            name: parse_name(s).unwrap(),
            path: s.into(),
        }
    }

    #[test]
    fn pairs_by_id_and_time() {
        let (p, left) = pair(vec![
            n("a_after_20250101_000010_000000.txt"),
            n("a_before_20250101_000001_000000.txt"),
            n("a_before_20250101_000020_000000.txt"),
            n("a_after_20250101_000030_000000.txt"),
            n("b_before_20250101_000005_000000.txt"),
            n("c_after_20250101_000005_000000.txt"),
            n("d_before_20250101_000005_000000.txt"),
            n("d_before_20250101_000006_000000.txt"),
            n("d_after_20250101_000007_000000.txt"),
        ]);
        let got: Vec<_> = p
            .iter()
            .map(|p| {
                (
                    p.request_id.as_str(),
                    p.before.name.time_us % 100_000_000 / 1_000_000,
                )
            })
            .collect();
        assert_eq!(got, [("a", 1), ("d", 6), ("a", 20)]);
        let left: Vec<_> = left.iter().map(|l| l.path.to_str().unwrap()).collect();
        assert_eq!(
            left,
            [
                "b_before_20250101_000005_000000.txt",
                "c_after_20250101_000005_000000.txt",
                "d_before_20250101_000005_000000.txt"
            ]
        );
    }
}
