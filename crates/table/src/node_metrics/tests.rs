//! Tests of the worker-log rows.

use super::*;
use arrow_array::cast::AsArray;
use srtlog_formats::sglang::{decode_line, Record};

/// Decodes `lines` (batch and memory lines) into `b`, numbered from 1.
fn push_lines(b: &mut NodeMetricsBuilder, lines: &[&str]) {
    for (i, l) in lines.iter().enumerate() {
        match decode_line(l.as_bytes()) {
            Record::Batch(r) => b.push_batch(i as u64 + 1, &r),
            Record::Memory(m) => b.push_memory(i as u64 + 1, &m),
            other => panic!("{other:?}"),
        }
    }
}

/// The identity of a test file of `worker_type`.
fn file_meta(worker_type: &str) -> FileMeta {
    FileMeta {
        file: "x.out".into(),
        node: "n1".into(),
        worker_type: worker_type.into(),
        worker_id: "w0".into(),
    }
}

#[test]
fn rows_and_duplicates() {
    let lines = [
        "[2025-12-08 14:34:44 PP0 TP0] Decode batch, #running-req: 3, #token: 10, token usage: 0.01, cuda graph: True, gen throughput (token/s): 12.50, #queue-req: 0, #mystery: 7",
        "[2025-12-08 14:34:44 PP1 TP0] Decode batch, #running-req: 3, #token: 10, token usage: 0.01, cuda graph: True, gen throughput (token/s): 12.50, #queue-req: 0",
        "[2025-12-08 14:34:40 TP1] KV Cache is allocated. #tokens: 2688964, KV size: 175.98 GB",
    ];
    let mut b = NodeMetricsBuilder::default();
    push_lines(&mut b, &lines);
    let meta = file_meta("decode");
    let rb = b.finish(&meta, 0, &|r| r.pp.unwrap_or(0) == 0).unwrap();
    assert_eq!(rb.num_rows(), 3);
    // Reassigning with another primary rank flips the flags.
    let other = reassign(&rb, &meta, &|r| r.pp == Some(1)).unwrap();
    let flags = other
        .column_by_name("duplicate")
        .unwrap()
        .as_any()
        .downcast_ref::<BooleanArray>()
        .unwrap()
        .clone();
    assert_eq!(
        flags.iter().collect::<Vec<_>>(),
        vec![Some(true), Some(false), Some(false)]
    );
    assert_eq!(rb.schema(), schema());
    let dup = rb.column_by_name("duplicate").unwrap();
    let dup = dup.as_any().downcast_ref::<BooleanArray>().unwrap();
    assert_eq!(
        dup.iter().collect::<Vec<_>>(),
        vec![Some(false), Some(true), Some(false)]
    );
    let extras = rb.column_by_name("extras").unwrap();
    let extras = extras.as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(extras.value(0), "#mystery=7");
    let kv = rb.column_by_name("kv_tokens").unwrap();
    let kv = kv
        .as_any()
        .downcast_ref::<arrow_array::Int64Array>()
        .unwrap();
    assert_eq!(kv.value(2), 2_688_964);
    assert_eq!(column_docs().len(), rb.num_columns());
}

#[test]
fn vllm_rows_merge_companions_and_wait_for_the_year() {
    use srtlog_formats::vllm::{decode_line as vdecode, Record as V};
    let lines = [
        "(APIServer pid=7) INFO 12-31 23:59:59 [loggers.py:273] Engine 000: Avg prompt throughput: 3.8 tokens/s, Avg generation throughput: 27.7 tokens/s, Running: 2 reqs, Waiting: 1 reqs, GPU KV cache usage: 0.6%, Prefix cache hit rate: 61.8%, Preempted: 1 reqs",
        "(APIServer pid=7) INFO 12-31 23:59:59 [metrics.py:120] SpecDecoding metrics: Mean acceptance length: 2.83, Accepted throughput: 17.90 tokens/s, Drafted throughput: 146.97 tokens/s, Accepted: 179 tokens, Drafted: 1470 tokens, Per-position acceptance rate: 0.786, 0.490, Avg Draft acceptance rate: 12.2%",
        "(APIServer pid=7) INFO 01-01 00:00:09 [metrics.py:120] SpecDecoding metrics: Mean acceptance length: 1.00, Accepted: 0 tokens, Drafted: 10 tokens, Avg Draft acceptance rate: 0.0%",
        "INFO 01-01 00:00:10 metrics.py:349] Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 1.0 tokens/s, Running: 1 reqs, Swapped: 2 reqs, Pending: 3 reqs, GPU KV cache usage: 50.0%, CPU KV cache usage: 10.0%.",
        "INFO 01-01 00:00:10 metrics.py:483] Prefix cache hit rate: GPU: 79.73%, CPU: 0.00%",
    ];
    let mut b = NodeMetricsBuilder::default();
    for (i, l) in lines.iter().enumerate() {
        let line = i as u64 + 1;
        let lt = |p: &srtlog_formats::vllm::Prefix<'_>| LocalTime {
            year_offset: i32::from(p.at.month == 1),
            at: p.at,
        };
        match vdecode(l.as_bytes()) {
            V::Stats(p, r) => b.push_stats(line, &r, lt(&p), p.process.map(|x| x.pid)),
            V::Spec(p, r) => b.push_spec(line, &r, lt(&p), p.process.map(|x| x.pid)),
            V::PrefixCache(p, r) => b.push_prefix_cache(line, &r, lt(&p), p.process.map(|x| x.pid)),
            other => panic!("{other:?}"),
        }
    }
    let meta = FileMeta {
        file: "vllm.log".into(),
        node: "vllm".into(),
        worker_type: "agg".into(),
        worker_id: "w0".into(),
    };
    let c = b.finish_chunk();
    assert!(c.needs_year());
    let rb = c.assemble_in_year(&meta, 0, &|_| true, Some(2025)).unwrap();
    assert_eq!(rb.schema(), schema());
    assert_eq!(column_docs().len(), rb.num_columns());
    assert_eq!(rb.num_rows(), 3, "stats, orphan spec, V0 stats");
    let col = |n: &str| rb.column_by_name(n).unwrap().clone();
    let ts = col("timestamp");
    let ts = ts
        .as_any()
        .downcast_ref::<TimestampMicrosecondArray>()
        .unwrap();
    let t = |i| srtlog_formats::Timestamp(ts.value(i)).to_string();
    assert_eq!(
        (t(0), t(1), t(2)),
        (
            "2025-12-31T23:59:59".into(),
            "2026-01-01T00:00:09".into(),
            "2026-01-01T00:00:10".into()
        )
    );
    let rec = col("record");
    let rec = rec
        .as_any()
        .downcast_ref::<DictionaryArray<Int32Type>>()
        .unwrap();
    assert_eq!(rec.keys().values().to_vec(), vec![2, 3, 2]);
    let f = |n: &str, i: usize| {
        let c = col(n);
        let c = c.as_any().downcast_ref::<Float64Array>().unwrap();
        c.is_valid(i).then(|| c.value(i))
    };
    let int = |n: &str, i: usize| {
        let c = col(n);
        let c = c.as_any().downcast_ref::<Int32Array>().unwrap();
        c.is_valid(i).then(|| c.value(i))
    };
    assert_eq!(f("input_throughput", 0), Some(3.8));
    assert_eq!(f("gen_throughput", 0), Some(27.7));
    assert_eq!(int("running_req", 0), Some(2));
    assert_eq!(int("queue_req", 0), Some(1));
    assert_eq!(f("token_usage", 0), Some(0.006));
    assert_eq!(f("prefix_cache_hit_rate", 0), Some(0.618));
    assert_eq!(f("accept_len", 0), Some(2.83));
    assert_eq!(f("accept_rate", 0), Some(0.122));
    assert_eq!(int("engine", 0), Some(0));
    assert_eq!(int("dp", 0), Some(0));
    let ex = col("extras");
    assert_eq!(
        ex.as_any().downcast_ref::<StringArray>().unwrap().value(0),
        "Preempted=1 reqs"
    );
    let pp = col("spec_per_position");
    assert_eq!(
        pp.as_any().downcast_ref::<StringArray>().unwrap().value(0),
        "0.786,0.490"
    );
    let acc = col("spec_accepted_tokens");
    let acc = acc.as_any().downcast_ref::<Int64Array>().unwrap();
    assert_eq!((acc.value(0), acc.value(1)), (179, 0));
    // The orphan companion row carries only its own values.
    assert_eq!(f("accept_len", 1), Some(1.0));
    assert_eq!(f("gen_throughput", 1), None);
    // V0: swapped, CPU usage, pending as the queue, prefix-cache companion merged.
    assert_eq!(int("swapped_req", 2), Some(2));
    assert_eq!(int("queue_req", 2), Some(3));
    assert_eq!(f("cpu_kv_usage", 2), Some(0.1));
    assert_eq!(f("prefix_cache_hit_rate", 2), Some(0.7973));
    assert_eq!(f("cpu_prefix_cache_hit_rate", 2), Some(0.0));
    assert_eq!(int("engine", 2), None);
    let bt = col("batch_type");
    assert_eq!(bt.null_count(), 3);
    let dup = col("duplicate");
    assert!(dup
        .as_any()
        .downcast_ref::<BooleanArray>()
        .unwrap()
        .iter()
        .all(|d| d == Some(false)));
}

/// Columns are allocated when a row first sets them and padded when a later
/// row skips them: every column reads back as the rows set it, whatever the
/// order in which fields, rank tags and row kinds appear.
#[test]
fn sparse_columns_read_back_as_the_rows_set_them() {
    let lines = [
        "[2025-12-08 14:34:40 TP1] KV Cache is allocated. #tokens: 2688964, KV size: 175.98 GB",
        "[2025-12-08 14:34:44 DP1 TP0] Decode batch, #running-req: 3, #token: 10, #queue-req: 0",
        "[2025-12-08 14:34:45 TP0] Prefill batch, #new-seq: 2, #new-token: 100, #cached-token: 5",
        "[2025-12-08 14:34:46 DP1 TP0] Decode batch [7], #running-req: 4, cuda graph: False",
        "[2025-12-08 14:34:47 TP0] Prefill batch, #new-seq: 1",
    ];
    let mut b = NodeMetricsBuilder::with_capacity(2);
    push_lines(&mut b, &lines);
    let meta = file_meta("agg");
    let rb = b.finish(&meta, 0, &|_| true).unwrap();
    assert_eq!(rb.schema(), schema());
    let ints = |name: &str| -> Vec<Option<i32>> {
        let c = rb.column_by_name(name).unwrap();
        c.as_any()
            .downcast_ref::<Int32Array>()
            .unwrap()
            .iter()
            .collect()
    };
    assert_eq!(ints("running_req"), [None, Some(3), None, Some(4), None]);
    assert_eq!(ints("num_tokens"), [None, Some(10), None, None, None]);
    assert_eq!(ints("new_seq"), [None, None, Some(2), None, Some(1)]);
    assert_eq!(ints("cached_token"), [None, None, Some(5), None, None]);
    assert_eq!(ints("dp"), [None, Some(1), None, Some(1), None]);
    assert_eq!(ints("tp"), [Some(1), Some(0), Some(0), Some(0), Some(0)]);
    // Columns no row set: all null, of the schema's type.
    assert_eq!(ints("pp"), [None; 5]);
    assert_eq!(ints("mamba_num"), [None; 5]);
    let graph = rb.column_by_name("graph").unwrap();
    let graph = graph.as_any().downcast_ref::<BooleanArray>().unwrap();
    assert_eq!(
        graph.iter().collect::<Vec<_>>(),
        [None, None, None, Some(false), None]
    );
    let it = rb.column_by_name("iteration").unwrap();
    let it = it.as_any().downcast_ref::<Int64Array>().unwrap();
    assert_eq!(
        it.iter().collect::<Vec<_>>(),
        [None, None, None, Some(7), None]
    );
    let kv = rb.column_by_name("kv_tokens").unwrap();
    let kv = kv.as_any().downcast_ref::<Int64Array>().unwrap();
    assert_eq!(
        kv.iter().collect::<Vec<_>>(),
        [Some(2_688_964), None, None, None, None]
    );
    let extras = rb.column_by_name("extras").unwrap();
    assert_eq!(extras.null_count(), 5);
}

/// The duplicate flags of many interleaved rank tuples (more than the
/// answer cache has slots, so slots are shared and evicted) equal asking
/// `is_primary` for every row; memory rows are never duplicates.
#[test]
fn duplicate_flags_equal_asking_every_row() {
    let mut lines = Vec::new();
    let mut x = 12345u32;
    for i in 0..5000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let (dp, tp, ep) = ((x >> 8) % 16, (x >> 12) % 12, (x >> 16) % 3);
        // Some rows lack the EP tag, one row in 50 is a memory line.
        let ep = if (x >> 20) % 4 == 0 {
            String::new()
        } else {
            format!(" EP{ep}")
        };
        lines.push(if i % 50 == 0 {
            format!("[2025-12-08 14:34:40 DP{dp} TP{tp}{ep}] KV Cache is allocated. #tokens: 2688964, KV size: 175.98 GB")
        } else {
            format!("[2025-12-08 14:34:44 DP{dp} TP{tp}{ep}] Decode batch, #running-req: 3, #token: 10, token usage: 0.01, cuda graph: True, gen throughput (token/s): 12.50, #queue-req: 0")
        });
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut b = NodeMetricsBuilder::default();
    push_lines(&mut b, &refs);
    // Primary: TP0 of even DP groups, any TP of odd ones whose EP is 1.
    let is_primary = |r: &Ranks| match r.dp {
        Some(d) if d % 2 == 0 => r.tp == Some(0),
        _ => r.ep == Some(1),
    };
    let rb = b.finish(&file_meta("decode"), 0, &is_primary).unwrap();
    let dup = rb.column_by_name("duplicate").unwrap().as_boolean().clone();
    let col = |name: &str| {
        rb.column_by_name(name)
            .unwrap()
            .as_primitive::<Int32Type>()
            .clone()
    };
    let (dp, tp, ep) = (col("dp"), col("tp"), col("ep"));
    let tag = |a: &Int32Array, r: usize| a.is_valid(r).then(|| a.value(r) as u16);
    let mut flagged = 0;
    for r in 0..rb.num_rows() {
        let ranks = Ranks {
            dp: tag(&dp, r),
            tp: tag(&tp, r),
            ep: tag(&ep, r),
            ..Ranks::default()
        };
        let expected = r % 50 != 0 && !is_primary(&ranks);
        assert_eq!(dup.value(r), expected, "row {r}: {ranks:?}");
        flagged += usize::from(expected);
    }
    // Both answers are common: 4,900 batch rows.
    assert!(flagged > 1000 && 4900 - flagged > 500, "{flagged}");
}
