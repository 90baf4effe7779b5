//! What makes a pair's deltas untrustworthy, as short codes with reasons
//! (the workflow's troubleshooting section, automated).
//!
//! * `overlap`: another request's snapshot window intersects this one, so
//!   the deltas include its work (the other ids are listed);
//! * `counter_reset`: a counter went down between the snapshots, or a
//!   `_created` / `process_start_time_seconds` value changed (a restart);
//! * `multi_count`: a per-request histogram's `_count` moved by more than
//!   one (several requests finished inside the window);
//! * `all_zero`: no counter or histogram moved (the workflow: "metrics might not
//!   have changed", snapshots taken too close or of the wrong server);
//! * `time_reversed`: the after snapshot is older than the before one;
//! * `non_finite`: a counter or histogram value is `NaN` or infinite in
//!   either snapshot (an exporter bug): its delta, and the timings derived
//!   from it, mean nothing.

use super::delta::Deltas;
use super::derive::Derived;
use super::pairing::Pair;

/// One reason not to trust a pair.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Flag {
    /// Short code (`overlap`, `counter_reset`, `multi_count`, `all_zero`,
    /// `time_reversed`, `non_finite`).
    pub code: &'static str,
    /// A human-readable reason.
    pub reason: String,
}

/// Flags of one pair from its own data (overlap needs all pairs: see
/// [`overlaps`]).
pub fn own_flags(p: &Pair, d: &Deltas, derived: &Derived) -> Vec<Flag> {
    let mut f = Vec::new();
    if p.after.name.time_us < p.before.name.time_us {
        f.push(Flag {
            code: "time_reversed",
            reason: format!(
                "the after snapshot was taken {:.6}s before the before snapshot",
                (p.before.name.time_us - p.after.name.time_us) as f64 / 1e6
            ),
        });
    }
    let resets: Vec<_> = d.resets().map(|s| s.name.as_str()).collect();
    if resets.is_empty() {
        if let Some(r) = &d.restarted {
            f.push(Flag {
                code: "counter_reset",
                reason: format!("the server restarted between the snapshots: {r}"),
            });
        }
    } else {
        let mut names = resets.clone();
        names.dedup();
        f.push(Flag {
            code: "counter_reset",
            reason: format!(
                "{} series went down (server restart?): {}",
                resets.len(),
                preview(&names)
            ),
        });
    }
    if !derived.multi_count.is_empty() {
        let parts: Vec<String> = derived
            .multi_count
            .iter()
            .map(|(b, n)| format!("{b}_count +{n}"))
            .collect();
        f.push(Flag {
            code: "multi_count",
            reason: format!(
                "more than one request finished inside the window: {}",
                parts.join(", ")
            ),
        });
    }
    let bad: Vec<String> = d
        .series
        .iter()
        .filter(|s| !(s.before.is_finite() && s.after.is_finite()))
        .map(|s| {
            let v = if s.after.is_finite() {
                s.before
            } else {
                s.after
            };
            format!("{} = {v}", s.name)
        })
        .collect();
    if !bad.is_empty() {
        let names: Vec<&str> = bad.iter().map(String::as_str).collect();
        f.push(Flag {
            code: "non_finite",
            reason: format!(
                "{} counter or histogram value(s) are NaN or infinite: {}",
                bad.len(),
                preview(&names)
            ),
        });
    }
    if d.all_zero() {
        f.push(Flag {
            code: "all_zero",
            reason: if d.series.is_empty() {
                "no counter or histogram in the snapshots".to_string()
            } else {
                "no counter or histogram moved: check the timestamps in the file names and the endpoint".to_string()
            },
        });
    }
    f
}

fn preview(names: &[&str]) -> String {
    let mut s = names.iter().take(3).copied().collect::<Vec<_>>().join(", ");
    if names.len() > 3 {
        s.push_str(&format!(", … ({} more)", names.len() - 3));
    }
    s
}

/// For each pair, the indices of the pairs whose windows intersect its own
/// (`[min(before, after), max(before, after)]`, closed: snapshots taken in
/// the same microsecond cannot be ordered).
pub fn overlaps(pairs: &[Pair]) -> Vec<Vec<usize>> {
    let win = |p: &Pair| {
        let (a, b) = (p.before.name.time_us, p.after.name.time_us);
        (a.min(b), a.max(b))
    };
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_by_key(|&i| win(&pairs[i]));
    let mut out = vec![Vec::new(); pairs.len()];
    // Sweep by start: only windows starting before this one ends can meet it.
    for (k, &i) in order.iter().enumerate() {
        let (_, end) = win(&pairs[i]);
        for &j in &order[k + 1..] {
            let (s2, _) = win(&pairs[j]);
            if s2 > end {
                break;
            }
            out[i].push(j);
            out[j].push(i);
        }
    }
    for o in &mut out {
        o.sort_unstable();
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::naming::parse_name;
    use crate::pairing::Named;

    fn p(id: &str, b: &str, a: &str) -> Pair {
        let named = |stage: &str, t: &str| {
            let s = format!("{id}_{stage}_20250101_{t}_000000.txt");
            Named {
                name: parse_name(&s).unwrap(),
                path: s.into(),
            }
        };
        Pair {
            request_id: id.into(),
            before: named("before", b),
            after: named("after", a),
        }
    }

    #[test]
    fn overlapping_windows() {
        let pairs = [
            p("a", "000000", "000010"),
            p("b", "000005", "000020"),
            p("c", "000030", "000040"),
            p("d", "000040", "000050"),
            p("e", "000100", "000045"),
        ];
        assert_eq!(
            overlaps(&pairs),
            [vec![1], vec![0], vec![3], vec![2, 4], vec![3]]
        );
        let d = Deltas::default();
        let f = own_flags(&pairs[4], &d, &Derived::default());
        let codes: Vec<_> = f.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["time_reversed", "all_zero"]);
    }

    /// Issue 17 item 11: a histogram `_sum` of NaN or a counter of +Inf in
    /// the after snapshot left the pair trusted, with null timings.
    #[test]
    fn non_finite_values_are_flagged() {
        use crate::snapshot::Snapshot;
        let snap = |t: &str| Snapshot::from_bytes(std::path::Path::new("x"), t.as_bytes());
        let b = snap("# TYPE c_total counter\nc_total 5\n# TYPE h histogram\nh_sum 1\nh_count 1\n");
        for a in [
            "# TYPE c_total counter\nc_total 6\n# TYPE h histogram\nh_sum NaN\nh_count 2\n",
            "# TYPE c_total counter\nc_total +Inf\n# TYPE h histogram\nh_sum 2\nh_count 2\n",
        ] {
            let d = Deltas::between(&b, &snap(a));
            let f = own_flags(&p("a", "000000", "000010"), &d, &Derived::default());
            let codes: Vec<_> = f.iter().map(|f| f.code).collect();
            assert_eq!(codes, ["non_finite"], "{a}");
        }
        let d = Deltas::between(&b, &b);
        let f = own_flags(&p("a", "000000", "000010"), &d, &Derived::default());
        assert!(f.iter().all(|f| f.code != "non_finite"));
    }
}
