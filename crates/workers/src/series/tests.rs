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
struct R<'a> {
    t: f64,
    record: &'a str,
    bt: Option<&'a str>,
    dp: Option<i32>,
    tp: Option<i32>,
    dup: bool,
    vals: &'a [(&'a str, f64)],
}

fn row<'a>(t: f64, bt: &'a str, dp: Option<i32>, vals: &'a [(&'a str, f64)]) -> R<'a> {
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
const T0: i64 = 1_735_689_600 * US;

fn batch(rows: &[R<'_>]) -> RecordBatch {
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

fn meta(file: &str, ty: WorkerType) -> WorkerMeta {
    WorkerMeta {
        file: file.into(),
        node: "n".into(),
        worker_id: "w0".into(),
        worker_type: ty,
        start: Some(Timestamp(T0)),
    }
}

fn opts(group_by: GroupBy) -> SeriesOptions {
    SeriesOptions {
        group_by,
        ..SeriesOptions::default()
    }
}

fn chart<'a>(s: &'a SeriesSet, col: &str) -> &'a Chart {
    s.charts
        .iter()
        .find(|c| c.metric.column == col)
        .unwrap_or_else(|| panic!("no chart {col}"))
}

fn line<'a>(c: &'a Chart, label: &str) -> &'a Series {
    c.series
        .iter()
        .find(|s| s.label == label)
        .unwrap_or_else(|| {
            let all: Vec<_> = c.series.iter().map(|s| &s.label).collect();
            panic!("no line {label} in {}: {all:?}", c.id)
        })
}

/// (x, y) pairs of the non-gap points.
fn pts(s: &Series) -> Vec<(i64, f64)> {
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
fn long_decode_file() -> RecordBatch {
    let long: Vec<_> = (0..2 * MAX_BUCKETS + 10)
        .map(|t| row(t as f64, "decode", None, &[("running_req", 3.0)]))
        .collect();
    batch(&long)
}

/// The set of two decode files reduced in this order.
fn two_files(o: SeriesOptions, first: &RecordBatch, second: &RecordBatch) -> SeriesSet {
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

#[test]
fn streamed_parts_drop_duplicates_by_the_final_primary_ranks() {
    // Provisional flags got it wrong: the TP0 line is flagged, TP1 is not.
    let mut tp0 = row(0.0, "decode", None, &[("running_req", 2.0)]);
    tp0.tp = Some(0);
    tp0.dup = true;
    let mut tp1 = row(0.0, "decode", None, &[("running_req", 999.0)]);
    tp1.tp = Some(1);
    let mut mem = row(0.0, "decode", None, &[("avail_mem_gb", 10.0)]);
    mem.record = "memory";
    mem.bt = None;
    mem.tp = Some(1);
    let mut b = SeriesBuilder::new(opts(GroupBy::Worker));
    b.add_part(&batch(&[tp0]));
    b.add_part(&batch(&[tp1, mem]));
    let primary: std::collections::BTreeMap<Option<u16>, Ranks> = [(
        None,
        Ranks {
            tp: Some(0),
            ..Ranks::default()
        },
    )]
    .into_iter()
    .collect();
    b.end_file(meta("/l/d.log", WorkerType::Decode), Some(&primary));
    let s = b.finish();
    assert_eq!(pts(&chart(&s, "running_req").series[0]), vec![(0, 2.0)]);
    // Memory snapshots of every rank are kept.
    assert_eq!(pts(&chart(&s, "avail_mem_gb").series[0]), vec![(0, 10.0)]);
    assert_eq!((s.rows.batch, s.rows.duplicate, s.rows.memory), (1, 1, 1));
}

#[test]
fn streamed_parts_coarsen_the_file_being_read_exactly() {
    let first: Vec<_> = (0..10)
        .map(|t| row(t as f64, "decode", None, &[("gen_throughput", 10.0)]))
        .collect();
    let later = [row(
        (MAX_BUCKETS * 3) as f64,
        "decode",
        None,
        &[("gen_throughput", 10.0)],
    )];
    let mut b = SeriesBuilder::new(SeriesOptions {
        max_points: 0,
        ..opts(GroupBy::Worker)
    });
    b.add_part(&batch(&first));
    assert_eq!(b.bucket_s(), Some(1));
    b.add_part(&batch(&later));
    assert_eq!(b.bucket_s(), Some(4));
    b.end_file(meta("/l/d.log", WorkerType::Decode), None);
    let s = b.finish();
    let p = pts(&chart(&s, "gen_throughput").series[0]);
    assert_eq!(&p[..3], &[(0, 10.0), (4, 10.0), (8, 10.0)]);
}

#[test]
fn kept_cells_round_trip_and_coarsen_as_cells_do() {
    let c = |b: i64, sum: f64, n: u32| Cell { b, sum, n };
    let shapes = [
        vec![],
        vec![c(7, 1.5, 1), c(8, 2.5, 1), c(9, -3.0, 1)],
        vec![c(-3, 1.0, 1), c(-1, 2.0, 1), c(4, 0.25, 1)],
        vec![c(10, 9.0, 3), c(11, 1.0, 1), c(15, 6.0, 2)],
        // Steps and counts wider than a byte.
        vec![c(0, 1.0, 300), c(1000, 2.0, 1), c(1001, 3.0, 70_000)],
        vec![c(2, f64::NAN, 1), c(3, 4.0, 1)],
    ];
    let key = |v: &[Cell]| -> Vec<(i64, u64, u32)> {
        v.iter().map(|c| (c.b, c.sum.to_bits(), c.n)).collect()
    };
    for cells in shapes {
        let mut k = Kept::of(&cells);
        assert_eq!(key(&k.cells().collect::<Vec<_>>()), key(&cells));
        assert_eq!(k.len(), cells.len());
        for reduce in [Reduce::Gauge, Reduce::Rate] {
            // Appended after what `out` holds; NaN counted, not kept.
            let mut v = vec![f64::NAN];
            let nan = k.values_into(&mut v, reduce, 2.0);
            let all: Vec<f64> = cells.iter().map(|c| c.value(reduce, 2.0)).collect();
            let want: Vec<f64> = all.iter().copied().filter(|x| !x.is_nan()).collect();
            assert_eq!(v[1..], want[..]);
            assert_eq!(nan as usize, all.len() - want.len());
        }
        let mut coarse = cells.clone();
        rows::coarsen_cells(&mut coarse);
        k.coarsen();
        assert_eq!(key(&k.cells().collect::<Vec<_>>()), key(&coarse));
    }
}

/// The cache replay hands a part over as slices of its decoded batches
/// (`add_part_batches`); the result must be that of the one batch the part
/// was when parsed, including the numbering of columns this version does
/// not know: `zz_a` comes first in the schema but holds no value in the
/// first slice, `zz_b` only there.
#[test]
fn a_part_in_slices_reduces_as_the_whole_part() {
    let v: Vec<[(&str, f64); 2]> = (0..40)
        .map(|i| {
            let x = f64::from(i);
            match i {
                0 => [("zz_a", 1.0), ("running_req", x)],
                1..=9 => [("zz_b", x), ("running_req", x)],
                _ => [("zz_a", x * 0.5), ("gen_throughput", x)],
            }
        })
        .collect();
    let rows: Vec<_> = v
        .iter()
        .enumerate()
        .map(|(i, vals)| row(i as f64 * 0.7, "decode", Some((i % 3) as i32), vals))
        .collect();
    let all = batch(&rows);
    let n = all.num_rows();
    let whole = all.slice(1, n - 1);
    let run = |parts: &[RecordBatch], split: bool| {
        let mut b = SeriesBuilder::new(opts(GroupBy::Worker));
        if split {
            b.add_part_batches(parts);
        } else {
            for p in parts {
                b.add_part(p);
            }
        }
        b.end_file(meta("/l/n1_decode_w0.out", WorkerType::Decode), None);
        serde_json::to_string(&b.finish()).unwrap()
    };
    let want = run(std::slice::from_ref(&whole), false);
    assert!(want.contains("zz_a") && want.contains("zz_b"));
    for cut in [1, 5, 9, 20] {
        let parts = [whole.slice(0, cut), whole.slice(cut, n - 1 - cut)];
        assert_eq!(run(&parts, true), want, "cut at {cut}");
    }
    // Three slices, one empty.
    let parts = [whole.slice(0, 4), whole.slice(4, 0), whole.slice(4, n - 5)];
    assert_eq!(run(&parts, true), want);
}

/// Row facts read apart (as the cache replay's reader thread does) give
/// the result of facts read by the builder: for slices of the batch the
/// facts were read from, at their offsets, and when the facts given do not
/// cover a slice (read again) or are missing.
#[test]
fn facts_read_apart_reduce_as_facts_read_in_place() {
    let vals: Vec<[(&str, f64); 2]> = (0..30)
        .map(|i| {
            let x = f64::from(i);
            [("running_req", x), ("token_usage", x / 40.0)]
        })
        .collect();
    let rows: Vec<_> = vals
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let kind = if i % 4 == 0 { "prefill" } else { "decode" };
            row(i as f64 * 0.9, kind, Some((i % 5) as i32), v)
        })
        .collect();
    let all = batch(&rows);
    let n = all.num_rows();
    let facts = std::sync::Arc::new(RowFacts::of(&all).unwrap());
    let run = |with_facts: bool,
               parts: Vec<(RecordBatch, Option<std::sync::Arc<RowFacts>>, usize)>| {
        let mut b = SeriesBuilder::new(opts(GroupBy::Worker));
        if with_facts {
            b.add_part_with_facts(&parts);
        } else {
            let batches: Vec<RecordBatch> = parts.into_iter().map(|(rb, ..)| rb).collect();
            b.add_part_batches(&batches);
        }
        b.end_file(meta("/l/n1_decode_w0.out", WorkerType::Decode), None);
        serde_json::to_string(&b.finish()).unwrap()
    };
    let want = run(false, vec![(all.clone(), None, 0)]);
    assert!(want.contains("running_req"));
    for cut in [0, 7, 13, n] {
        let f = Some(facts.clone());
        let parts = vec![
            (all.slice(0, cut), f.clone(), 0),
            (all.slice(cut, n - cut), f, cut),
        ];
        assert_eq!(run(true, parts), want, "cut at {cut}");
    }
    // Facts that do not cover the slice, and none at all: read again.
    let parts = vec![
        (all.slice(0, 10), Some(facts.clone()), n - 5),
        (all.slice(10, n - 10), None, 0),
    ];
    assert_eq!(run(true, parts), want);
}

/// Files reduced one after another, each by the accumulator the previous
/// file left (emptied, its cell vectors kept), give the counts of each file
/// reduced alone: rows by fate, and values per statistic. The files have
/// more, then fewer, then more schedulers than the one before.
#[test]
fn the_next_file_starts_from_an_empty_accumulator() {
    let vals: Vec<[(&str, f64); 1]> = (0..24).map(|i| [("running_req", f64::from(i))]).collect();
    // (schedulers, first timestamp) of each file.
    let specs = [(5, 0.0), (2, 3.0), (7, 1.0)];
    let batches: Vec<RecordBatch> = specs
        .iter()
        .map(|&(ranks, t0)| {
            let rows: Vec<_> = vals
                .iter()
                .enumerate()
                .map(|(i, x)| row(t0 + i as f64 * 0.6, "decode", Some(i as i32 % ranks), x))
                .collect();
            batch(&rows)
        })
        .collect();
    let o = SeriesOptions {
        bucket_s: Some(1),
        lines: false,
        ..opts(GroupBy::Worker)
    };
    let counts = |set: &SeriesSet| -> (u64, u64, u64, u64) {
        let values: u64 = set.stats.iter().map(|s| s.summary.count).sum();
        (set.rows.batch, set.rows.memory, set.rows.duplicate, values)
    };
    let mut all = SeriesBuilder::new(o.clone());
    let mut alone = (0, 0, 0, 0);
    for (i, rb) in batches.iter().enumerate() {
        let m = || meta(&format!("/l/n{i}_decode_w0.out"), WorkerType::Decode);
        all.add_part(rb);
        all.end_file(m(), None);
        let mut one = SeriesBuilder::new(o.clone());
        one.add_part(rb);
        one.end_file(m(), None);
        let c = counts(&one.finish());
        alone = (alone.0 + c.0, alone.1 + c.1, alone.2 + c.2, alone.3 + c.3);
    }
    let together = counts(&all.finish());
    assert_eq!(together, alone);
    assert_eq!(together.0, 72);
}
