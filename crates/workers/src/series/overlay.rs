//! Several runs in one set of charts (`srtlog viz runA/ runB/`): each run's
//! series keep their own time axis, seconds since **that run's** start, so
//! the runs are overlaid on relative time instead of being placed on one
//! absolute clock (two runs days apart would otherwise be two slivers at
//! the edges of an axis hundreds of hours wide).
//!
//! Lines are labelled `{run} · {line}`, charts are matched by metric column
//! (in the first run's order, then new ones), statistics rows are kept per
//! run (`{run}: {title}`). The merged set has no wall-clock start: the
//! report then shows elapsed seconds only.

use super::SeriesSet;

/// Overlays `runs` (a label and the series of each run) in one set.
/// `None` when `runs` is empty.
pub fn overlay(runs: Vec<(String, SeriesSet)>) -> Option<SeriesSet> {
    let mut it = runs.into_iter();
    let (first_label, first) = it.next()?;
    let relabel = |label: &str, mut set: SeriesSet| -> SeriesSet {
        for c in &mut set.charts {
            for s in &mut c.series {
                s.label = format!("{label} · {}", s.label);
            }
            for m in &mut c.missing {
                *m = format!("{label} · {m}");
            }
        }
        for r in &mut set.stats {
            r.title = format!("{label}: {}", r.title);
        }
        for w in &mut set.warnings {
            *w = format!("{label}: {w}");
        }
        set
    };
    let mut out = relabel(&first_label, first);
    out.run_start = None;
    out.run_start_us = None;
    for (label, set) in it {
        let set = relabel(&label, set);
        out.duration_s = out.duration_s.max(set.duration_s);
        out.bucket_s = out.bucket_s.max(set.bucket_s);
        out.rows.batch += set.rows.batch;
        out.rows.memory += set.rows.memory;
        out.rows.duplicate += set.rows.duplicate;
        out.warnings.extend(set.warnings);
        out.stats.extend(set.stats);
        for c in set.charts {
            match out
                .charts
                .iter_mut()
                .find(|o| o.metric.column == c.metric.column)
            {
                Some(o) => {
                    o.series.extend(c.series);
                    o.missing.extend(c.missing);
                }
                None => out.charts.push(c),
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::{Applies, Combine, Reduce};
    use crate::series::{Chart, GroupBy, Metric, RowCounts, Series, Side};
    use crate::WorkerType;

    fn set(start_us: i64, x: Vec<i64>) -> SeriesSet {
        let metric = Metric {
            column: "gen_throughput".into(),
            title: "Generation throughput".into(),
            unit: "tokens/s".into(),
            doc: String::new(),
            section: "Throughput".into(),
            combine: Combine::Sum,
            reduce: Reduce::Gauge,
            applies: Applies::Decode,
        };
        SeriesSet {
            group_by: GroupBy::All,
            bucket_s: 1,
            hold_s: 20,
            max_points: 0,
            run_start: Some("2025-01-01T00:00:00".into()),
            run_start_us: Some(start_us),
            duration_s: *x.last().unwrap_or(&0),
            charts: vec![Chart {
                id: "chart-gen_throughput".into(),
                metric,
                series: vec![Series {
                    label: "decode".into(),
                    worker_type: WorkerType::Decode,
                    side: Side::Decode,
                    dp: None,
                    points: x.len(),
                    raw_points: x.len(),
                    downsampled: false,
                    y: x.iter().map(|v| Some(*v as f64)).collect(),
                    x,
                }],
                missing: Vec::new(),
            }],
            stats: Vec::new(),
            rows: RowCounts::default(),
            warnings: Vec::new(),
        }
    }

    /// Two runs 15 days apart: both lines start at 0 s, no wall clock.
    #[test]
    fn runs_share_a_relative_axis() {
        let a = set(1_700_000_000_000_000, vec![0, 1, 2]);
        let b = set(
            1_700_000_000_000_000 + 15 * 86_400 * 1_000_000,
            vec![0, 1, 2, 3],
        );
        let o = overlay(vec![("a".into(), a), ("b".into(), b)]).unwrap();
        assert_eq!(o.run_start_us, None);
        assert_eq!(o.charts.len(), 1);
        let s = &o.charts[0].series;
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].label, "a · decode");
        assert_eq!(s[1].label, "b · decode");
        assert_eq!((s[0].x[0], s[1].x[0]), (0, 0));
        assert_eq!(o.duration_s, 3);
    }
}
