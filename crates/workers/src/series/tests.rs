//! Unit tests of the series math on hand-made rows: the minimal columns the
//! builder reads, so they also show that missing columns are tolerated.

use super::*;
use srtlog_table::arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, StringDictionaryBuilder,
    TimestampMicrosecondBuilder,
};
use srtlog_table::arrow_schema::{Field, Schema};
use std::sync::Arc;

/// One hand-made row.
pub(super) struct R<'a> {
    pub(super) t: f64,
    pub(super) record: &'a str,
    pub(super) bt: Option<&'a str>,
    pub(super) dp: Option<i32>,
    pub(super) tp: Option<i32>,
    pub(super) dup: bool,
    pub(super) vals: &'a [(&'a str, f64)],
}

pub(super) fn row<'a>(t: f64, bt: &'a str, dp: Option<i32>, vals: &'a [(&'a str, f64)]) -> R<'a> {
    R {
        t,
        record: "batch",
        bt: Some(bt),
        dp,
        tp: dp,
        dup: false,
        vals,
    }
}

/// 2025-01-01 00:00:00 in microseconds.
pub(super) const T0: i64 = 1_735_689_600 * US;

pub(super) fn batch(rows: &[R<'_>]) -> RecordBatch {
    let mut names: Vec<&str> = Vec::new();
    for r in rows {
        for (n, _) in r.vals {
            if !names.contains(n) {
                names.push(n);
            }
        }
    }
    let mut ts = TimestampMicrosecondBuilder::new();
    let mut rec = StringDictionaryBuilder::<Int32Type>::new();
    let mut bt = StringDictionaryBuilder::<Int32Type>::new();
    let mut dp = Int32Builder::new();
    let mut tp = Int32Builder::new();
    let mut dup = BooleanBuilder::new();
    let mut cols: Vec<Float64Builder> = names.iter().map(|_| Float64Builder::new()).collect();
    for r in rows {
        ts.append_value(T0 + (r.t * 1e6) as i64);
        rec.append_value(r.record);
        match r.bt {
            Some(b) => bt.append_value(b),
            None => bt.append_null(),
        }
        dp.append_option(r.dp);
        tp.append_option(r.tp);
        dup.append_value(r.dup);
        for (k, n) in names.iter().enumerate() {
            cols[k].append_option(r.vals.iter().find(|(m, _)| m == n).map(|p| p.1));
        }
    }
    let dict = || DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let mut fields = vec![
        Field::new(
            "timestamp",
            DataType::Timestamp(srtlog_table::arrow_schema::TimeUnit::Microsecond, None),
            false,
        ),
        Field::new("record", dict(), false),
        Field::new("batch_type", dict(), true),
        Field::new("dp", DataType::Int32, true),
        Field::new("tp", DataType::Int32, true),
        Field::new("duplicate", DataType::Boolean, false),
    ];
    let mut arrays: Vec<ArrayRef> = vec![
        Arc::new(ts.finish()),
        Arc::new(rec.finish()),
        Arc::new(bt.finish()),
        Arc::new(dp.finish()),
        Arc::new(tp.finish()),
        Arc::new(dup.finish()),
    ];
    for (n, mut c) in names.iter().zip(cols) {
        fields.push(Field::new(*n, DataType::Float64, true));
        arrays.push(Arc::new(c.finish()));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap()
}

pub(super) fn meta(file: &str, ty: WorkerType) -> WorkerMeta {
    WorkerMeta {
        file: file.into(),
        node: "n".into(),
        worker_id: "w0".into(),
        worker_type: ty,
        start: Some(Timestamp(T0)),
    }
}

pub(super) fn opts(group_by: GroupBy) -> SeriesOptions {
    SeriesOptions {
        group_by,
        ..SeriesOptions::default()
    }
}

pub(super) fn chart<'a>(s: &'a SeriesSet, col: &str) -> &'a Chart {
    s.charts
        .iter()
        .find(|c| c.metric.column == col)
        .unwrap_or_else(|| panic!("no chart {col}"))
}

pub(super) fn line<'a>(c: &'a Chart, label: &str) -> &'a Series {
    c.series
        .iter()
        .find(|s| s.label == label)
        .unwrap_or_else(|| {
            let all: Vec<_> = c.series.iter().map(|s| &s.label).collect();
            panic!("no line {label} in {}: {all:?}", c.id)
        })
}

/// (x, y) pairs of the non-gap points.
pub(super) fn pts(s: &Series) -> Vec<(i64, f64)> {
    s.x.iter()
        .zip(&s.y)
        .filter_map(|(x, y)| y.map(|y| (*x, y)))
        .collect()
}

#[test]
fn sums_extensive_and_averages_intensive_across_dp_ranks() {
    let mut b = SeriesBuilder::new(opts(GroupBy::Worker));
    let rows = [
        row(
            0.0,
            "decode",
            Some(0),
            &[
                ("running_req", 3.0),
                ("token_usage", 0.2),
                ("gen_throughput", 100.0),
            ],
        ),
        row(
            0.5,
            "decode",
            Some(1),
            &[
                ("running_req", 5.0),
                ("token_usage", 0.4),
                ("gen_throughput", 300.0),
            ],
        ),
    ];
    b.add_worker(
        meta("/l/n1_decode_w0.out", WorkerType::Decode),
        &[batch(&rows)],
    );
    let s = b.finish();
    assert_eq!(s.bucket_s, 1);
    assert_eq!(
        pts(line(chart(&s, "running_req"), "n1_decode_w0")),
        vec![(0, 8.0)]
    );
    assert_eq!(
        pts(line(chart(&s, "gen_throughput"), "n1_decode_w0")),
        vec![(0, 400.0)]
    );
    let u = pts(line(chart(&s, "token_usage"), "n1_decode_w0"));
    assert!((u[0].1 - 0.3).abs() < 1e-12, "{u:?}");
    // Statistics are per scheduler: two values each.
    let st = s.stats.iter().find(|r| r.metric == "running_req").unwrap();
    assert_eq!((st.summary.count, st.summary.mean), (2, 4.0));
    assert_eq!(st.worker_type, WorkerType::Decode);
}

#[test]
fn dp_and_all_groupings() {
    let w0 = [
        row(
            0.0,
            "decode",
            Some(0),
            &[("running_req", 1.0), ("token_usage", 0.1)],
        ),
        row(
            0.0,
            "decode",
            Some(1),
            &[("running_req", 2.0), ("token_usage", 0.3)],
        ),
    ];
    let w1 = [
        row(
            0.0,
            "decode",
            Some(0),
            &[("running_req", 10.0), ("token_usage", 0.5)],
        ),
        row(
            0.0,
            "decode",
            Some(1),
            &[("running_req", 20.0), ("token_usage", 0.7)],
        ),
    ];
    let run = |g| {
        let mut b = SeriesBuilder::new(opts(g));
        b.add_worker(
            meta("/l/a_decode_w0.out", WorkerType::Decode),
            &[batch(&w0)],
        );
        b.add_worker(
            meta("/l/a_decode_w1.out", WorkerType::Decode),
            &[batch(&w1)],
        );
        b.finish()
    };
    let dp = run(GroupBy::Dp);
    let c = chart(&dp, "running_req");
    assert_eq!(pts(line(c, "decode dp0")), vec![(0, 11.0)]);
    assert_eq!(pts(line(c, "decode dp1")), vec![(0, 22.0)]);
    let u = pts(line(chart(&dp, "token_usage"), "decode dp1"));
    assert!((u[0].1 - 0.5).abs() < 1e-12);
    let all = run(GroupBy::All);
    assert_eq!(
        pts(line(chart(&all, "running_req"), "decode (2 workers)")),
        vec![(0, 33.0)]
    );
    let u = pts(line(chart(&all, "token_usage"), "decode (2 workers)"));
    assert!((u[0].1 - 0.4).abs() < 1e-12);
}

#[test]
fn agg_worker_is_split_into_prefill_and_decode() {
    let rows = [
        row(
            0.0,
            "prefill",
            None,
            &[("new_token", 500.0), ("running_req", 1.0)],
        ),
        row(
            1.0,
            "decode",
            None,
            &[("gen_throughput", 40.0), ("running_req", 4.0)],
        ),
    ];
    let mut b = SeriesBuilder::new(opts(GroupBy::Worker));
    b.add_worker(
        meta("/l/sglang_server.log", WorkerType::Agg),
        &[batch(&rows)],
    );
    let s = b.finish();
    let c = chart(&s, "running_req");
    assert_eq!(pts(line(c, "sglang_server · prefill")), vec![(0, 1.0)]);
    assert_eq!(pts(line(c, "sglang_server · decode")), vec![(1, 4.0)]);
    assert!(c.missing.is_empty(), "{:?}", c.missing);
    assert_eq!(chart(&s, "new_token").series.len(), 1);
    assert_eq!(chart(&s, "gen_throughput").series[0].side, Side::Decode);
    let sides: Vec<_> = s
        .stats
        .iter()
        .filter(|r| r.metric == "running_req")
        .map(|r| (r.worker_type, r.side))
        .collect();
    assert_eq!(
        sides,
        vec![
            (WorkerType::Agg, Side::Prefill),
            (WorkerType::Agg, Side::Decode)
        ]
    );
}

#[test]
fn duplicate_rows_are_excluded() {
    let mut dup = row(0.0, "decode", None, &[("running_req", 999.0)]);
    dup.dup = true;
    dup.tp = Some(1);
    let rows = [row(0.0, "decode", None, &[("running_req", 2.0)]), dup];
    let mut b = SeriesBuilder::new(opts(GroupBy::Worker));
    b.add_worker(meta("/l/d.log", WorkerType::Decode), &[batch(&rows)]);
    let s = b.finish();
    assert_eq!(pts(&chart(&s, "running_req").series[0]), vec![(0, 2.0)]);
    assert_eq!(s.rows.duplicate, 1);
    assert_eq!(s.rows.batch, 1);
    assert_eq!(s.stats[0].summary.max, 2.0);
}

#[test]
fn engine_stats_rows_feed_the_sides_of_their_metrics() {
    let vals = [
        ("input_throughput", 1000.0),
        ("gen_throughput", 200.0),
        ("running_req", 7.0),
        ("prefix_cache_hit_rate", 0.5), // a column this version does not know
    ];
    let r = R {
        t: 0.0,
        record: "stats",
        bt: None,
        dp: Some(0),
        tp: None,
        dup: false,
        vals: &vals,
    };
    let mut b = SeriesBuilder::new(opts(GroupBy::Worker));
    b.add_worker(meta("/l/vllm.log", WorkerType::Agg), &[batch(&[r])]);
    let s = b.finish();
    let sides = |col: &str| -> Vec<Side> { chart(&s, col).series.iter().map(|l| l.side).collect() };
    assert_eq!(sides("input_throughput"), vec![Side::Prefill]);
    assert_eq!(sides("gen_throughput"), vec![Side::Decode]);
    // The engine's gauge is drawn once (issue 17 item 15), and no side
    // line of the worker is then reported missing.
    assert_eq!(sides("running_req"), vec![Side::Engine]);
    assert!(chart(&s, "running_req").missing.is_empty());
    let running: Vec<_> = s
        .stats
        .iter()
        .filter(|r| r.metric == "running_req")
        .collect();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].side, Side::Engine);
    // A column this version's catalogue does not know: charted, on the
    // prefill side only (a prefix-cache rate), averaged.
    let c = chart(&s, "prefix_cache_hit_rate");
    assert_eq!(c.metric.combine, Combine::Mean);
    assert_eq!(c.metric.section, "KV cache");
    assert_eq!(sides("prefix_cache_hit_rate"), vec![Side::Prefill]);
    assert_eq!(s.rows.batch, 1);
}

#[test]
fn units_of_unknown_columns_come_from_their_docs() {
    assert_eq!(
        unit_from_doc("vLLM V0: requests swapped to CPU (requests)"),
        "requests"
    );
    assert_eq!(
        unit_from_doc("x (fraction; V1 rolling over recent requests, V0 GPU rate)"),
        "fraction"
    );
    assert_eq!(unit_from_doc("accepted per second (tokens/s)"), "tokens/s");
    assert_eq!(
        unit_from_doc("engine index (`Engine NNN:`, the engine's DP rank; also in `dp`)"),
        ""
    );
    assert_eq!(unit_from_doc("no unit"), "");
    let m = default_metric("swapped_req", "requests", "");
    assert_eq!((m.combine, m.section.as_str()), (Combine::Sum, "Queues"));
    let m = default_metric("spec_drafted_tokens", "tokens", "");
    assert_eq!(
        (m.applies, m.section.as_str()),
        (Applies::Decode, "Speculative decoding")
    );
}

#[test]
fn rates_fill_zeros_and_gauges_hold_over_short_gaps() {
    let rows = [
        row(
            0.0,
            "prefill",
            None,
            &[("new_token", 100.0), ("running_req", 3.0)],
        ),
        row(0.4, "prefill", None, &[("new_token", 50.0)]),
        row(
            3.0,
            "prefill",
            None,
            &[("new_token", 10.0), ("running_req", 7.0)],
        ),
        row(100.0, "prefill", None, &[("running_req", 1.0)]),
    ];
    let mut b = SeriesBuilder::new(opts(GroupBy::Worker));
    b.add_worker(meta("/l/p.log", WorkerType::Prefill), &[batch(&rows)]);
    let s = b.finish();
    let nt = &chart(&s, "new_token").series[0];
    assert_eq!(pts(nt), vec![(0, 150.0), (1, 0.0), (2, 0.0), (3, 10.0)]);
    let rr = &chart(&s, "running_req").series[0];
    assert_eq!(
        pts(rr),
        vec![(0, 3.0), (1, 3.0), (2, 3.0), (3, 7.0), (100, 1.0)]
    );
    // The 97-second gap is longer than the hold: one gap marker.
    assert_eq!(rr.y.iter().filter(|v| v.is_none()).count(), 1);
    assert_eq!(rr.x[4], 4);
    // Statistics use the observed bucket values, not the filled ones.
    let st = s.stats.iter().find(|r| r.metric == "running_req").unwrap();
    assert_eq!(st.summary.count, 3);
}

#[test]
fn elapsed_time_counts_from_the_earliest_line() {
    let rows = [row(30.0, "decode", None, &[("running_req", 1.0)])];
    let mut b = SeriesBuilder::new(opts(GroupBy::Worker));
    b.add_worker(meta("/l/d.log", WorkerType::Decode), &[batch(&rows)]);
    let s = b.finish();
    assert_eq!(pts(&s.charts[0].series[0]), vec![(30, 1.0)]);
    assert_eq!(s.run_start.as_deref(), Some("2025-01-01T00:00:00"));
    assert_eq!(s.duration_s, 30);
}

#[test]
fn workers_without_batches_of_a_side_are_listed_as_missing() {
    let p = [row(0.0, "prefill", None, &[("running_req", 1.0)])];
    let mut b = SeriesBuilder::new(opts(GroupBy::Worker));
    b.add_worker(
        meta("/l/x_prefill_w0.out", WorkerType::Prefill),
        &[batch(&p)],
    );
    b.add_worker(meta("/l/x_decode_w0.out", WorkerType::Decode), &[]);
    let s = b.finish();
    let c = chart(&s, "running_req");
    assert_eq!(c.series.len(), 1);
    assert_eq!(c.missing, vec!["x_decode_w0".to_string()]);
}

/// A decode file of one `running_req` line a second, `3.0` each, long
/// enough that the run no longer fits `MAX_BUCKETS` one-second buckets.
pub(super) fn long_decode_file() -> RecordBatch {
    let long: Vec<_> = (0..2 * MAX_BUCKETS + 10)
        .map(|t| row(t as f64, "decode", None, &[("running_req", 3.0)]))
        .collect();
    batch(&long)
}

/// The set of two decode files reduced in this order.
pub(super) fn two_files(o: SeriesOptions, first: &RecordBatch, second: &RecordBatch) -> SeriesSet {
    let mut b = SeriesBuilder::new(o);
    b.add_worker(
        meta("/l/a.log", WorkerType::Decode),
        std::slice::from_ref(first),
    );
    b.add_worker(
        meta("/l/b.log", WorkerType::Decode),
        std::slice::from_ref(second),
    );
    b.finish()
}

#[test]
fn coarsening_gives_the_same_lines_as_a_wide_grid_from_the_start() {
    let short: Vec<_> = (0..100)
        .map(|t| row(t as f64, "decode", None, &[("running_req", 2.0)]))
        .collect();
    let (short, long) = (batch(&short), long_decode_file());
    let o = SeriesOptions {
        max_points: 0,
        ..opts(GroupBy::All)
    };
    let a = two_files(o.clone(), &short, &long);
    let b = two_files(o, &long, &short);
    assert_eq!(a.bucket_s, 4);
    assert_eq!(b.bucket_s, 4);
    let la = pts(&a.charts[0].series[0]);
    let lb = pts(&b.charts[0].series[0]);
    assert_eq!(la, lb);
    assert_eq!(la[0], (0, 5.0));
    assert_eq!(la[30], (120, 3.0));
}

/// Regression: a file that widened the buckets after an earlier file was
/// reduced left that file's statistics at the narrower width, so `stats`
/// depended on the order of the files (100 one-second values against 25
/// four-second ones here).
#[test]
fn statistics_do_not_depend_on_the_order_of_files_that_widen_the_buckets() {
    let vals: Vec<[(&str, f64); 1]> = (0..100)
        .map(|t| [("running_req", (t % 7) as f64)])
        .collect();
    let short: Vec<_> = vals
        .iter()
        .enumerate()
        .map(|(t, v)| row(t as f64, "decode", None, v))
        .collect();
    let (short, long) = (batch(&short), long_decode_file());
    let run = |first: &RecordBatch, second: &RecordBatch, lines: bool| {
        let o = SeriesOptions {
            lines,
            ..opts(GroupBy::Worker)
        };
        two_files(o, first, second)
    };
    let stat = |s: &SeriesSet| {
        let r = s.stats.iter().find(|r| r.metric == "running_req").unwrap();
        serde_json::to_string(&r.summary).unwrap()
    };
    let a = run(&short, &long, true);
    let b = run(&long, &short, true);
    assert_eq!((a.bucket_s, b.bucket_s), (4, 4));
    let r = a.stats.iter().find(|r| r.metric == "running_req").unwrap();
    // 25 four-second buckets of the short file, 5,003 of the long one.
    assert_eq!(
        r.summary.count,
        25 + (2 * MAX_BUCKETS as u64 + 10).div_ceil(4)
    );
    assert_eq!(stat(&a), stat(&b));
    // Without chart lines: the same statistics, no charts.
    let c = run(&short, &long, false);
    assert_eq!(stat(&a), stat(&c));
    assert!(c.charts.is_empty());
    assert_eq!((c.bucket_s, c.duration_s), (a.bucket_s, a.duration_s));
}

#[test]
fn downsampling_keeps_first_last_extremes_and_gaps() {
    let n = 10_000usize;
    let x: Vec<i64> = (0..n as i64).collect();
    let mut y: Vec<Option<f64>> = (0..n).map(|i| Some((i as f64 / 50.0).sin())).collect();
    y[4321] = Some(50.0);
    y[777] = Some(-40.0);
    y[6000] = None;
    y[6001] = None;
    let (dx, dy) = downsample_m4(&x, &y, 100);
    assert!(dx.len() <= 4 * 100 + 2, "{}", dx.len());
    assert_eq!(dx.first(), Some(&0));
    assert_eq!(dx.last(), Some(&(n as i64 - 1)));
    assert!(dy.contains(&Some(50.0)) && dy.contains(&Some(-40.0)));
    assert_eq!(dy.iter().filter(|v| v.is_none()).count(), 1);
    assert!(dx.windows(2).all(|w| w[0] < w[1]), "time order kept");
    // Short lines and degenerate input are unchanged.
    let (sx, sy) = downsample_m4(&x[..3], &y[..3], 100);
    assert_eq!((sx.len(), sy.len()), (3, 3));
    assert_eq!(downsample_m4(&[], &[], 10).0.len(), 0);
}

#[test]
fn long_lines_are_downsampled_in_the_set() {
    let vals: Vec<[(&str, f64); 1]> = (0..5000)
        .map(|t| [("gen_throughput", (t % 97) as f64)])
        .collect();
    let rows: Vec<_> = vals
        .iter()
        .enumerate()
        .map(|(t, v)| row(t as f64, "decode", None, v))
        .collect();
    let mut b = SeriesBuilder::new(SeriesOptions {
        max_points: 400,
        ..opts(GroupBy::Worker)
    });
    b.add_worker(meta("/l/d.log", WorkerType::Decode), &[batch(&rows)]);
    let s = b.finish();
    let l = &chart(&s, "gen_throughput").series[0];
    assert!(l.downsampled);
    assert_eq!(l.raw_points, 5000);
    assert!(l.points <= 400 && l.points == l.y.len());
    assert_eq!(s.downsampled(), (1, 1));
}

#[test]
fn labels_are_unique() {
    let m = |f: &str| meta(f, WorkerType::Agg);
    let l = worker_labels(&[
        m("/a/sglang_server.log"),
        m("/b/sglang_server.log"),
        m("/c/n1_agg_w0.out"),
        m("/c/n1_agg_w0.err"),
        m("/d/x.log.gz"),
    ]);
    assert_eq!(
        l,
        vec![
            "sglang_server.log #1",
            "sglang_server.log #2",
            "n1_agg_w0.out",
            "n1_agg_w0.err",
            "x"
        ]
    );
}

#[test]
fn rounding() {
    assert_eq!(round_sig(1234.56789), 1234.57);
    assert_eq!(round_sig(0.000123456789), 0.000123457);
    assert_eq!(round_sig(123456789.0), 123457000.0);
    assert_eq!(round_sig(0.0), 0.0);
    assert_eq!(round_sig(-2.5), -2.5);
}

#[test]
fn real_schema_rows_from_the_parser() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("n1_decode_w0.out");
    std::fs::write(
        &p,
        "[2025-10-20 12:00:00 DP0 TP0] Decode batch, #running-req: 2, #token: 10, token usage: 0.10, gen throughput (token/s): 10.00, #queue-req: 1, \n\
         [2025-10-20 12:00:00 DP1 TP1] Decode batch, #running-req: 4, #token: 30, token usage: 0.30, gen throughput (token/s): 30.00, #queue-req: 0, \n\
         [2025-10-20 12:00:00 DP0 TP0] Load weight end. type=X, dtype=torch.bfloat16, avail mem=20.00 GB, mem usage=60.00 GB.\n\
         [2025-10-20 12:00:00 DP1 TP1] Load weight end. type=X, dtype=torch.bfloat16, avail mem=22.00 GB, mem usage=58.00 GB.\n",
    )
    .unwrap();
    let w = crate::worker::parse_one(&p, true).unwrap();
    let mut b = SeriesBuilder::new(SeriesOptions::default());
    b.add_log(&w);
    let s = b.finish();
    let l = "n1_decode_w0";
    assert_eq!(pts(line(chart(&s, "gen_throughput"), l)), vec![(0, 40.0)]);
    assert_eq!(pts(line(chart(&s, "num_tokens"), l)), vec![(0, 40.0)]);
    assert_eq!(pts(line(chart(&s, "queue_req"), l)), vec![(0, 1.0)]);
    assert_eq!(pts(line(chart(&s, "avail_mem_gb"), l)), vec![(0, 21.0)]);
    assert_eq!((s.rows.batch, s.rows.memory), (2, 2));
    assert!(s.warnings.is_empty());
    // Start-up capacities are not charted; booleans are not either.
    assert!(s.charts.iter().all(|c| c.metric.column != "kv_tokens"));
    assert!(s.charts.iter().all(|c| c.metric.column != "graph"));
}
