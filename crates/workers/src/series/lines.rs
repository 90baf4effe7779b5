//! From group buckets to drawn points: legend labels, gap filling, merging
//! schedulers into a group line and rounding (M4 downsampling is
//! [`srtlog_stats::m4`]).

use super::*;

/// Legend labels of workers: the file name without compression and log
/// extensions (`eos0234_prefill_w0`, `sglang_server`); the whole file name,
/// then a `#n` suffix, when that is not unique.
pub(super) fn worker_labels(workers: &[WorkerMeta]) -> Vec<String> {
    let name = |w: &WorkerMeta| -> String {
        std::path::Path::new(&w.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("{}_{}", w.node, w.worker_id))
    };
    let stem = |w: &WorkerMeta| -> String {
        let n = name(w);
        let n = srtlog_formats::naming::strip_compression(&n);
        match n.rsplit_once('.') {
            Some((s, "out" | "err" | "log" | "txt")) => s.to_string(),
            _ => n.to_string(),
        }
    };
    let mut labels: Vec<String> = workers.iter().map(stem).collect();
    let dup = |labels: &[String], l: &str| labels.iter().filter(|x| *x == l).count() > 1;
    let snapshot = labels.clone();
    for (i, w) in workers.iter().enumerate() {
        if dup(&snapshot, &labels[i]) {
            labels[i] = name(w);
        }
    }
    let snapshot = labels.clone();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for l in labels.iter_mut() {
        if dup(&snapshot, l) {
            let n = seen.entry(l.clone()).or_insert(0);
            *n += 1;
            *l = format!("{l} #{n}");
        }
    }
    labels
}

/// Fills a scheduler's bucket values: gauges keep their value up to the next
/// line when it comes within `hold` buckets; rates are zero between batches;
/// events are left alone.
pub(super) fn fill(vals: &[(i64, f64)], reduce: Reduce, hold: i64) -> Vec<(i64, f64)> {
    if reduce == Reduce::Event {
        return vals.to_vec();
    }
    // The exact length first: filled gaps can make the line many times
    // longer than `vals`, and growing it by doubling copied it each time.
    let filled: i64 = vals
        .windows(2)
        .map(|w| {
            let gap = w[1].0 - w[0].0;
            match reduce {
                Reduce::Gauge if gap <= hold => gap - 1,
                Reduce::Rate => gap - 1,
                _ => 0,
            }
        })
        .filter(|&g| g > 0)
        .sum();
    let mut out = Vec::with_capacity(vals.len() + usize::try_from(filled).unwrap_or(0));
    for (j, &(b, v)) in vals.iter().enumerate() {
        out.push((b, v));
        let Some(&(next, _)) = vals.get(j + 1) else {
            break;
        };
        let gap = next - b;
        match reduce {
            Reduce::Gauge if gap <= hold => out.extend((b + 1..next).map(|x| (x, v))),
            Reduce::Rate => out.extend((b + 1..next).map(|x| (x, 0.0))),
            _ => {}
        }
    }
    out
}

/// Adds a scheduler's filled values into a group line (both sorted by
/// bucket). In a bucket merged `k` times a value counts `k` times, so the
/// line stays `s/k` (sum) or `s/n` (mean).
pub(super) fn merge(grid: Vec<GCell>, add: &[(i64, f64)]) -> Vec<GCell> {
    let mut out = Vec::with_capacity(grid.len().max(add.len()));
    let mut a = grid.into_iter().peekable();
    let mut b = add.iter().peekable();
    loop {
        match (a.peek(), b.peek()) {
            (Some(g), Some(&&(bb, v))) => {
                if g.b < bb {
                    out.extend(a.next());
                } else if bb < g.b {
                    out.push(GCell {
                        b: bb,
                        s: v,
                        n: 1,
                        k: 1,
                    });
                    b.next();
                } else {
                    if let Some(mut g) = a.next() {
                        g.s += v * f64::from(g.k);
                        g.n += g.k;
                        out.push(g);
                    }
                    b.next();
                }
            }
            (Some(_), None) => out.extend(a.by_ref()),
            (None, Some(&&(bb, v))) => {
                out.push(GCell {
                    b: bb,
                    s: v,
                    n: 1,
                    k: 1,
                });
                b.next();
            }
            (None, None) => break,
        }
    }
    out
}

/// The group line of schedulers that no other line has been merged into
/// yet: what [`fill`] of each scheduler's values, then [`merge`] of each
/// filled line in turn into an empty line, give, bit for bit, without the
/// intermediate vectors. The line is built in `dense`, one cell per bucket
/// from the first to the last (a cell with `k = 0` has no value yet), so
/// each value is added where it lands instead of each merge copying the
/// line; values land in the same order, so each sum is made in the same
/// order. (A cell's `k` is 1 throughout, as every cell of a line no
/// coarsening has touched: `s += v * 1` is `s += v`.)
pub(super) fn group_line<'c>(
    schedulers: impl Iterator<Item = &'c [Cell]> + Clone,
    reduce: Reduce,
    width_s: f64,
    hold: i64,
    dense: &mut Vec<GCell>,
) -> Vec<GCell> {
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for cells in schedulers.clone() {
        if let (Some(a), Some(z)) = (cells.first(), cells.last()) {
            lo = lo.min(a.b);
            hi = hi.max(z.b);
        }
    }
    if lo > hi {
        return Vec::new();
    }
    let empty = GCell {
        b: 0,
        s: 0.0,
        n: 0,
        k: 0,
    };
    dense.clear();
    // At most MAX_BUCKETS apart (the width keeps the run's span below it).
    dense.resize(usize::try_from(hi - lo + 1).unwrap_or(0), empty);
    let mut add = |b: i64, v: f64| {
        let c = &mut dense[(b - lo) as usize];
        if c.k == 0 {
            *c = GCell {
                b,
                s: v,
                n: 1,
                k: 1,
            };
        } else {
            c.s += v;
            c.n += 1;
        }
    };
    for cells in schedulers {
        for (j, c) in cells.iter().enumerate() {
            let v = c.value(reduce, width_s);
            add(c.b, v);
            let Some(next) = cells.get(j + 1) else {
                break;
            };
            match reduce {
                Reduce::Gauge if next.b - c.b <= hold => (c.b + 1..next.b).for_each(|x| add(x, v)),
                Reduce::Rate => (c.b + 1..next.b).for_each(|x| add(x, 0.0)),
                _ => {}
            }
        }
    }
    dense.iter().filter(|c| c.k > 0).copied().collect()
}

/// The points of a group line: x in seconds since the run's start, with one
/// `None` where buckets are missing so the chart shows a gap.
pub(super) fn line_points(
    cells: &[GCell],
    combine: Combine,
    origin_b: i64,
    width_s: i64,
) -> (Vec<i64>, Vec<Option<f64>>) {
    let mut x = Vec::with_capacity(cells.len());
    let mut y = Vec::with_capacity(cells.len());
    let mut prev: Option<i64> = None;
    for c in cells {
        if prev.is_some_and(|p| c.b > p + 1) {
            x.push((prev.unwrap_or(c.b) + 1 - origin_b) * width_s);
            y.push(None);
        }
        let v = match combine {
            Combine::Sum => c.s / f64::from(c.k.max(1)),
            Combine::Mean => c.s / f64::from(c.n.max(1)),
        };
        x.push((c.b - origin_b) * width_s);
        y.push(Some(v));
        prev = Some(c.b);
    }
    (x, y)
}

/// Rounds to 6 significant digits, which is below what a chart or hover can
/// show and keeps the embedded JSON short.
pub fn round_sig(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let e = v.abs().log10().floor() as i32;
    let k = 5 - e;
    if (0..=22).contains(&k) {
        // Dividing an integer by an exact power of ten yields the double
        // nearest the decimal, so the JSON shows the short decimal.
        let p = 10f64.powi(k);
        (v * p).round() / p
    } else if (-22..0).contains(&k) {
        let p = 10f64.powi(-k);
        (v / p).round() * p
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(b: i64) -> GCell {
        GCell {
            b,
            s: 1.0,
            n: 1,
            k: 1,
        }
    }

    /// `group_line` is `fill` then `merge` of each scheduler into an empty
    /// line, bit for bit, for every way of reducing, holds that cut gaps
    /// or not, overlapping and disjoint schedulers, negative zeros and
    /// sums that round differently in another order.
    #[test]
    fn a_group_line_is_its_schedulers_filled_and_merged_in_turn() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let values = [
            0.1,
            0.2,
            0.3,
            1e16,
            -1e16,
            -0.0,
            0.0,
            7.0,
            f64::NAN,
            1.0 / 3.0,
        ];
        let mut dense = Vec::new();
        for case in 0..400 {
            let schedulers: Vec<Vec<Cell>> = (0..1 + next() % 9)
                .map(|_| {
                    let mut b = (next() % 30) as i64 - 10;
                    (0..next() % 25)
                        .map(|_| {
                            b += 1 + (next() % 6) as i64;
                            Cell {
                                b,
                                sum: values[(next() % values.len() as u64) as usize],
                                n: 1 + (next() % 3) as u32,
                            }
                        })
                        .collect()
                })
                .collect();
            for reduce in [Reduce::Gauge, Reduce::Rate, Reduce::Event] {
                let (width_s, hold) = (2.0, 1 + (case % 4) as i64);
                let mut want: Vec<GCell> = Vec::new();
                for cells in &schedulers {
                    let vals: Vec<(i64, f64)> = cells
                        .iter()
                        .map(|c| (c.b, c.value(reduce, width_s)))
                        .collect();
                    want = merge(want, &fill(&vals, reduce, hold));
                }
                let got = group_line(
                    schedulers.iter().map(Vec::as_slice),
                    reduce,
                    width_s,
                    hold,
                    &mut dense,
                );
                let bits = |l: &[GCell]| -> Vec<(i64, u64, u32, u32)> {
                    l.iter().map(|c| (c.b, c.s.to_bits(), c.n, c.k)).collect()
                };
                assert_eq!(bits(&got), bits(&want), "case {case} {reduce:?}");
            }
        }
    }

    #[test]
    fn filled_lines_are_allocated_at_their_length() {
        let grid: Vec<GCell> = [1, 2, 5, 9].into_iter().map(cell).collect();
        for add in [
            vec![],
            vec![(0, 1.0)],
            vec![(2, 1.0), (3, 1.0), (9, 1.0), (12, 1.0)],
            vec![(1, 1.0), (2, 1.0), (5, 1.0), (9, 1.0)],
        ] {
            let m = merge(grid.clone(), &add);
            assert!(m.windows(2).all(|w| w[0].b < w[1].b));
        }
        let vals = [(0, 1.0), (1, 2.0), (5, 3.0), (40, 4.0)];
        for (reduce, hold, len) in [
            (Reduce::Gauge, 10, 1 + 1 + 4 + 1),
            (Reduce::Gauge, 100, 41),
            (Reduce::Rate, 1, 41),
            (Reduce::Event, 1, 4),
        ] {
            let f = fill(&vals, reduce, hold);
            assert_eq!((f.len(), f.capacity()), (len, len), "{reduce:?} {hold}");
        }
    }
}
