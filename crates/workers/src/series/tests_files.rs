//! Tests of whole files reduced side by side ([`SeriesBuilder::add_files`],
//! the cache replay's path) against the same files reduced in turn.

use super::tests::*;
use super::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One file: its parts (batches of one schema each) and primary ranks.
struct File {
    parts: Vec<Vec<RecordBatch>>,
    meta: WorkerMeta,
    primary: BTreeMap<Option<u16>, Ranks>,
}

/// Rows from `t0` to `t1` seconds, `n` of them, over four DP ranks, with
/// values whose sums round differently in another order; every seventh row
/// is a memory row, every eleventh an engine-statistics row, every
/// thirteenth a batch row without a batch type (skipped).
fn rows_between(
    t0: f64,
    t1: f64,
    n: usize,
    side: &'static str,
    extra: &'static str,
) -> RecordBatch {
    let vals: Vec<[(&str, f64); 3]> = (0..n)
        .map(|i| {
            let x = i as f64;
            [
                ("running_req", x * 0.1 + 1.0 / 3.0),
                ("gen_throughput", 1e16 / (x + 1.0) - 0.7),
                (extra, x * 0.3),
            ]
        })
        .collect();
    let rows: Vec<_> = vals
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let t = t0 + (t1 - t0) * i as f64 / n.max(2) as f64 - 1.0;
            let mut r = row(t, side, Some((i % 4) as i32), v);
            if i % 7 == 3 {
                r.record = "memory";
                r.bt = None;
            } else if i % 11 == 5 {
                r.record = "stats";
                r.bt = None;
            } else if i % 13 == 8 {
                r.bt = None;
            }
            r
        })
        .collect();
    batch(&rows)
}

/// Files whose parts widen the buckets within a file and between files
/// (twice at once), start before the first file, name columns this version
/// does not know in a different order, and have a DP rank whose primary is
/// another TP rank (its rows are duplicates).
fn files() -> Vec<File> {
    let m = MAX_BUCKETS as f64;
    // (name, type, unknown column, parts as (first s, last s, rows)).
    type Spec = (
        &'static str,
        WorkerType,
        &'static str,
        Vec<(f64, f64, usize)>,
    );
    let specs: [Spec; 5] = [
        (
            "n0_prefill_w0",
            WorkerType::Prefill,
            "zz_b",
            vec![(0.0, 40.0, 90), (40.0, 1.5 * m, 300)],
        ),
        (
            "n0_decode_w0",
            WorkerType::Decode,
            "zz_a",
            vec![(10.0, 5.0 * m, 400)],
        ),
        (
            "n1_decode_w1",
            WorkerType::Decode,
            "zz_b",
            vec![(-300.0, 0.5 * m, 120), (0.5 * m, m, 60)],
        ),
        (
            "n1_prefill_w1",
            WorkerType::Prefill,
            "zz_c",
            vec![(2.0, 3.0, 0), (3.0 * m, 4.0 * m, 150)],
        ),
        (
            "n2_decode_w2",
            WorkerType::Decode,
            "zz_a",
            vec![(0.0, 9.0 * m, 500)],
        ),
    ];
    specs
        .iter()
        .map(|(name, ty, extra, parts)| {
            let side = if *ty == WorkerType::Prefill {
                "prefill"
            } else {
                "decode"
            };
            let parts = parts
                .iter()
                .map(|&(t0, t1, n)| {
                    let rb = rows_between(t0, t1, n, side, extra);
                    // Two batches of one part, as the replay's slices are.
                    let cut = rb.num_rows() / 3;
                    vec![rb.slice(0, cut), rb.slice(cut, rb.num_rows() - cut)]
                })
                .collect();
            let primary = (0..4)
                .map(|dp| {
                    let r = Ranks {
                        dp: Some(dp),
                        tp: Some(if dp == 1 { 9 } else { dp }),
                        ..Ranks::default()
                    };
                    (Some(dp), r)
                })
                .collect();
            File {
                parts,
                meta: meta(&format!("/l/{name}.out"), *ty),
                primary,
            }
        })
        .collect()
}

fn fact_parts(part: &[RecordBatch]) -> Vec<FactPart> {
    part.iter()
        .map(|rb| (rb.clone(), RowFacts::of(rb).map(Arc::new), 0))
        .collect()
}

fn in_turn(o: &SeriesOptions, files: &[File]) -> String {
    let mut b = SeriesBuilder::new(o.clone());
    for f in files {
        for part in &f.parts {
            b.add_part_with_facts(&fact_parts(part));
        }
        b.end_file(f.meta.clone(), Some(&f.primary));
    }
    serde_json::to_string(&b.finish()).unwrap()
}

fn side_by_side(o: &SeriesOptions, files: &[File], window: usize) -> String {
    let mut b = SeriesBuilder::new(o.clone());
    for chunk in files.chunks(window) {
        let inputs = chunk
            .iter()
            .map(|f| FileInput {
                parts: f.parts.iter().map(|p| fact_parts(p)).collect(),
                meta: f.meta.clone(),
                primary: f.primary.clone(),
            })
            .collect();
        b.add_files(inputs);
    }
    serde_json::to_string(&b.finish()).unwrap()
}

/// `add_files` gives the set of `add_part_with_facts` and `end_file` file
/// after file, byte for byte, for any number of files at once, every
/// grouping, with and without lines, and with a fixed bucket width.
#[test]
fn files_reduced_side_by_side_equal_files_reduced_in_turn() {
    let files = files();
    for group_by in [GroupBy::Worker, GroupBy::Dp, GroupBy::All] {
        for (lines, bucket_s) in [(true, None), (false, None), (true, Some(3))] {
            let o = SeriesOptions {
                lines,
                bucket_s,
                max_points: 0,
                ..opts(group_by)
            };
            let want = in_turn(&o, &files);
            // The files do widen the buckets, drop duplicates and number
            // new columns.
            assert!(want.contains("zz_a") && want.contains("zz_c"), "{want}");
            if bucket_s.is_none() {
                assert!(want.contains("\"bucket_s\":16"), "{group_by:?}");
            }
            for window in [1, 2, 3, 5] {
                let got = side_by_side(&o, &files, window);
                assert_eq!(
                    got, want,
                    "{group_by:?} lines {lines} {bucket_s:?} window {window}"
                );
            }
        }
    }
}

/// A second call continues where the first stopped, and an accumulator
/// left from a file of more schedulers counts the next file as a fresh
/// one does.
#[test]
fn add_files_continues_after_files_read_in_turn() {
    let files = files();
    let o = opts(GroupBy::Worker);
    let want = in_turn(&o, &files);
    let mut b = SeriesBuilder::new(o);
    for part in &files[0].parts {
        b.add_part_with_facts(&fact_parts(part));
    }
    b.end_file(files[0].meta.clone(), Some(&files[0].primary));
    let inputs = |fs: &[File]| {
        fs.iter()
            .map(|f| FileInput {
                parts: f.parts.iter().map(|p| fact_parts(p)).collect(),
                meta: f.meta.clone(),
                primary: f.primary.clone(),
            })
            .collect::<Vec<_>>()
    };
    b.add_files(inputs(&files[1..3]));
    b.add_files(inputs(&files[3..]));
    assert_eq!(serde_json::to_string(&b.finish()).unwrap(), want);
}
