//! Tests of streamed parts and the cache replay's entry points: parts
//! reduced as they are parsed, kept cells, parts in slices, row facts read
//! apart, and the accumulator carried from file to file.

use super::tests::*;
use super::*;

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

/// A memory metric's value on an engine-statistics row has no scheduler
/// to go to (such a row feeds the prefill, decode and engine sides): it is
/// left out, and the row's other values are kept. Before, the value was
/// added to scheduler number `u32::MAX`, growing a vector to four billion
/// entries.
#[test]
fn a_memory_value_on_an_engine_row_is_left_out() {
    let mut engine = row(
        0.0,
        "decode",
        None,
        &[("avail_mem_gb", 5.0), ("running_req", 3.0)],
    );
    engine.record = "stats";
    engine.bt = None;
    let mut b = SeriesBuilder::new(opts(GroupBy::Worker));
    b.add_part(&batch(&[engine]));
    b.end_file(meta("/l/engine.log", WorkerType::Agg), None);
    let s = b.finish();
    assert_eq!(pts(&chart(&s, "running_req").series[0]), vec![(0, 3.0)]);
    assert!(s.charts.iter().all(|c| c.metric.column != "avail_mem_gb"));
    assert!(s.stats.iter().all(|r| r.metric != "avail_mem_gb"));
}
