//! Tests of whole files reduced side by side
//! ([`SeriesBuilder::add_files_from`], the cache replay's path) against the
//! same files reduced in turn.

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

/// Files whose parts widen the buckets within a file (the first, and the
/// last, which is not the first of any call, and whose first part has
/// many rows a bucket, so its sums depend on when the width doubled) and
/// between files (twice at once), start before the first file, name columns this version
/// does not know in a different order, and have a DP rank whose primary is
/// another TP rank (its rows are duplicates).
/// Metrics of the catalogue used in place of unknown columns.
const KNOWN: [&str; 3] = ["queue_req", "token_usage", "new_token"];

fn files(known: bool) -> Vec<File> {
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
            vec![(0.0, 60.0, 300), (60.0, 9.0 * m, 200)],
        ),
    ];
    specs
        .iter()
        .map(|(name, ty, unknown, parts)| {
            // Known metrics in place of the unknown columns: then the files
            // are reduced side by side.
            let extra = if known {
                KNOWN[name.len() % 3]
            } else {
                unknown
            };
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

fn head(f: &File) -> FileHead {
    FileHead {
        meta: f.meta.clone(),
        primary: f.primary.clone(),
    }
}

/// `add_files_from` for files held in memory: side by side when their
/// columns are all known metrics, as the cache replay decides.
fn add_files(b: &mut SeriesBuilder, files: &[File], range: Option<(i64, i64)>) {
    let known = files
        .iter()
        .flat_map(|f| f.parts.iter().flatten())
        .all(|rb| b.knows_columns(&rb.schema()));
    b.add_files_from(files.iter().map(head).collect(), known, range, |i| {
        Ok(files[i].parts.iter().map(|p| Ok(fact_parts(p))))
    })
    .unwrap();
}

/// The time range of all rows of `files`, as the cache's footer gives it.
fn all_rows(files: &[File]) -> (i64, i64) {
    let ts: Vec<i64> = files
        .iter()
        .flat_map(|f| f.parts.iter().flatten())
        .flat_map(|rb| rows::timestamps(rb).unwrap().to_vec())
        .collect();
    (*ts.iter().min().unwrap(), *ts.iter().max().unwrap())
}

fn side_by_side(
    o: &SeriesOptions,
    files: &[File],
    window: usize,
    range: Option<(i64, i64)>,
) -> String {
    let mut b = SeriesBuilder::new(o.clone());
    for chunk in files.chunks(window) {
        add_files(&mut b, chunk, range);
    }
    serde_json::to_string(&b.finish()).unwrap()
}

/// Files side by side give the set of `add_part_with_facts` and `end_file` file
/// after file, byte for byte: for any number of files at once, every
/// grouping, with and without lines, with a fixed bucket width, and for
/// every guess of the span (none, the true range of all rows, one too
/// wide, one too narrow): a file whose guess was wrong for some part is
/// reduced again. With columns this version does not know, the files are
/// reduced one after another, with the same result.
#[test]
fn files_reduced_side_by_side_equal_files_reduced_in_turn() {
    for known in [true, false] {
        let files = files(known);
        let (lo, hi) = all_rows(&files);
        let guesses = [
            None,
            Some((lo, hi)),
            Some((lo - 40 * MAX_BUCKETS * US, hi)),
            Some((lo, lo + 60 * US)),
        ];
        for group_by in [GroupBy::Worker, GroupBy::Dp, GroupBy::All] {
            for (lines, bucket_s) in [(true, None), (false, None), (true, Some(3))] {
                let o = SeriesOptions {
                    lines,
                    bucket_s,
                    max_points: 0,
                    ..opts(group_by)
                };
                let want = in_turn(&o, &files);
                // The files do widen the buckets, drop duplicates and
                // number new columns.
                assert_eq!(want.contains("zz_a"), !known);
                if bucket_s.is_none() {
                    assert!(want.contains("\"bucket_s\":16"), "{group_by:?}");
                }
                for window in [1, 2, 5] {
                    for range in guesses {
                        let got = side_by_side(&o, &files, window, range);
                        assert_eq!(
                            got, want,
                            "known {known} {group_by:?} lines {lines} {bucket_s:?} window {window} guess {range:?}"
                        );
                    }
                }
            }
        }
    }
}

/// A call continues where files read in turn stopped, and a second call
/// where the first did.
#[test]
fn add_files_continues_after_files_read_in_turn() {
    let files = files(true);
    let o = opts(GroupBy::Worker);
    let want = in_turn(&o, &files);
    let mut b = SeriesBuilder::new(o);
    for part in &files[0].parts {
        b.add_part_with_facts(&fact_parts(part));
    }
    b.end_file(files[0].meta.clone(), Some(&files[0].primary));
    let range = Some(all_rows(&files));
    add_files(&mut b, &files[1..3], range);
    add_files(&mut b, &files[3..], range);
    assert_eq!(serde_json::to_string(&b.finish()).unwrap(), want);
}

/// A file that cannot be read stops the call with the reader's message.
#[test]
fn a_file_that_cannot_be_read_is_an_error() {
    let files = files(true);
    let heads: Vec<FileHead> = files.iter().map(head).collect();
    let mut b = SeriesBuilder::new(opts(GroupBy::Worker));
    let err = b
        .add_files_from(heads, true, None, |i| {
            let parts: Vec<PartRead> = if i == 2 {
                vec![Err("fewer rows than the metadata records".into())]
            } else {
                files[i].parts.iter().map(|p| Ok(fact_parts(p))).collect()
            };
            Ok(parts.into_iter())
        })
        .unwrap_err();
    assert_eq!(err, "fewer rows than the metadata records");
}
