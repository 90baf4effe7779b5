//! M4 downsampling of a line chart's points.
//!
//! M4 (U. Jugel, Z. Jerzak, G. Hackenbroich & V. Markl, "M4: A
//! Visualization-Oriented Time Series Data Aggregation", PVLDB 7(10),
//! 2014, pp. 797–808): split the time axis into `w` equal columns (one per
//! pixel of a chart `w` pixels wide) and keep, per column, the points with
//! the first and last timestamp and the smallest and largest value. A line
//! chart rasterised at width `w` from those at most `4w` points is
//! pixel-identical to one drawn from all points (the paper's Theorem), and,
//! unlike LTTB or averaging, the extremes always survive.
//!
//! srtlog's variant also keeps gaps: a `None` value closes the current
//! column's group and is kept once per run of gaps, so breaks in a line
//! survive the reduction. The column of a point is
//! `⌊(x − x₀) / (x_last − x₀) · w⌋`, clamped to `w − 1`.

/// Downsamples a line to at most four points per column of the time axis:
/// the first, last, smallest and largest value of each column, in time
/// order. This is M4 (Jugel, Jerzak, Hackenbroich & Markl, "M4: A
/// Visualization-Oriented Time Series Data Aggregation", PVLDB 7(10), 2014),
/// which renders a line chart identical to the full data at a width of
/// `columns` pixels and always keeps the extremes, unlike LTTB. Gaps
/// (`None`) are kept, once per run of gaps, so breaks in a line survive.
pub fn downsample_m4(x: &[i64], y: &[Option<f64>], columns: usize) -> (Vec<i64>, Vec<Option<f64>>) {
    let n = x.len().min(y.len());
    if n == 0 || columns == 0 {
        return (x[..n].to_vec(), y[..n].to_vec());
    }
    let x0 = x[0];
    let span = (x[n - 1] - x0).max(1) as f64;
    let col = |xi: i64| -> usize {
        ((((xi - x0) as f64) / span * columns as f64) as usize).min(columns - 1)
    };
    // (column, first, last, argmin, argmax)
    let mut keep: Vec<usize> = Vec::with_capacity(4 * columns + 16);
    let mut cur: Option<(usize, usize, usize, usize, usize)> = None;
    let flush = |g: Option<(usize, usize, usize, usize, usize)>, keep: &mut Vec<usize>| {
        if let Some((_, first, last, lo, hi)) = g {
            let mut ix = [first, lo, hi, last];
            ix.sort_unstable();
            for (j, i) in ix.iter().enumerate() {
                if j == 0 || ix[j - 1] != *i {
                    keep.push(*i);
                }
            }
        }
    };
    for i in 0..n {
        let Some(v) = y[i] else {
            flush(cur.take(), &mut keep);
            if keep.last().is_none_or(|&k| y[k].is_some()) {
                keep.push(i);
            }
            continue;
        };
        let c = col(x[i]);
        match cur.as_mut() {
            Some(g) if g.0 == c => {
                g.2 = i;
                if y[g.3].is_some_and(|m| v < m) {
                    g.3 = i;
                }
                if y[g.4].is_some_and(|m| v > m) {
                    g.4 = i;
                }
            }
            _ => {
                flush(cur.take(), &mut keep);
                cur = Some((c, i, i, i, i));
            }
        }
    }
    flush(cur, &mut keep);
    (
        keep.iter().map(|&i| x[i]).collect(),
        keep.iter().map(|&i| y[i]).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_first_last_min_max_per_column() {
        // Two columns over x 0..=7 (span 7): x 0..=3 → column 0
        // (⌊x/7·2⌋ = 0), x 4..=7 → column 1.
        let x: Vec<i64> = (0..8).collect();
        let y = [5.0, 1.0, 9.0, 4.0, 3.0, 8.0, 0.0, 6.0].map(Some);
        let (dx, dy) = downsample_m4(&x, &y, 2);
        // Column 0: first 0, min 1 (x=1), max 2 (x=2), last 3.
        // Column 1: first 4, max 5, min 6, last 7 — every point kept.
        assert_eq!(dx, [0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(dy, y);
        // One column: first (x 0), min (x 6), max (x 2), last (x 7).
        let (dx, dy) = downsample_m4(&x, &y, 1);
        assert_eq!(dx, [0, 2, 6, 7]);
        assert_eq!(dy, [Some(5.0), Some(9.0), Some(0.0), Some(6.0)]);
    }

    #[test]
    fn keeps_one_gap_per_run_and_degenerate_input() {
        let x: Vec<i64> = (0..6).collect();
        let y = [Some(1.0), Some(2.0), None, None, Some(3.0), Some(4.0)];
        let (dx, dy) = downsample_m4(&x, &y, 1);
        assert_eq!(dx, [0, 1, 2, 4, 5]);
        assert_eq!(dy, [Some(1.0), Some(2.0), None, Some(3.0), Some(4.0)]);
        // No columns, or no points: unchanged.
        assert_eq!(downsample_m4(&x, &y, 0), (x.clone(), y.to_vec()));
        assert_eq!(downsample_m4(&[], &[], 10), (vec![], vec![]));
        // Lengths differ: the shorter one wins.
        assert_eq!(downsample_m4(&[1, 2, 3], &[Some(1.0)], 4).0, [1]);
    }
}
