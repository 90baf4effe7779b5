//! The configuration of each run, read from its worker logs, and the diff
//! between runs.
//!
//! Facts, keyed `{worker_type}.{name}`: the worker count per type, the
//! backend, what the worker-log parser extracts (model, TP/DP/EP/PP sizes,
//! DP attention, vLLM's version; formats.md §1.7, §2), and every server
//! argument of the SGLang `server_args=ServerArgs(…)` dump or the vLLM
//! `non-default args: {…}` line found in the head of each worker file (the
//! first 16 MiB). `gpus` is the run's GPU count: per worker TP × PP, times
//! DP without DP attention. Workers of one type that disagree show every
//! value (`a | b`).
//!
//! Keys that differ between any two runs of one job (ports, addresses,
//! random seeds; [`IGNORED`]) are left out. A *variable* is a key without
//! its worker type (`decode.enable_two_batch_overlap` and
//! `prefill.enable_two_batch_overlap` are one); when more than one variable
//! changed between a run and the baseline, the comparison says so: its
//! differences cannot be put down to one change. Keys that only one of the
//! two runs has (arguments of another version) are listed, not counted.

use serde::Serialize;
use srtlog_workers::summary::RunSummary;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// A run's configuration facts.
pub type ConfigFacts = BTreeMap<String, String>;

/// Server arguments that differ between runs of one job.
pub const IGNORED: [&str; 11] = [
    "port",
    "host",
    "random_seed",
    "seed",
    "nccl_port",
    "dist_init_addr",
    "node_rank",
    "base_gpu_id",
    "disaggregation_bootstrap_port",
    "bootstrap_port",
    "file_storage_path",
];

/// Bytes of each worker file searched for the server arguments.
const HEAD_BYTES: u64 = 16 << 20;

/// The facts of a run.
pub fn config_facts(s: &RunSummary) -> ConfigFacts {
    let mut sets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut gpus = Some(0u64);
    for w in &s.workers {
        let wt = w.worker_type.as_str();
        *counts.entry(format!("workers.{wt}")).or_default() += 1;
        let mut put = |k: &str, v: String| {
            if !IGNORED.contains(&k) {
                sets.entry(format!("{wt}.{k}")).or_default().insert(v);
            }
        };
        put("backend", w.backend.clone());
        let c = &w.config;
        if let Some(v) = &c.model_path {
            put("model_path", v.clone());
        }
        for (k, v) in [
            ("tp_size", c.tp_size),
            ("dp_size", c.dp_size),
            ("ep_size", c.ep_size),
            ("pp_size", c.pp_size),
        ] {
            if let Some(v) = v {
                put(k, v.to_string());
            }
        }
        if let Some(v) = c.enable_dp_attention {
            put("enable_dp_attention", py_bool(v));
        }
        if let Some(v) = &c.version {
            put("version", v.clone());
        }
        for (k, v) in server_args(Path::new(&w.file)) {
            put(&k, v);
        }
        let tp = c.tp_size.unwrap_or(1) as u64;
        let pp = c.pp_size.unwrap_or(1) as u64;
        let dp = c.dp_size.unwrap_or(1) as u64;
        let dp_mult = if c.enable_dp_attention == Some(true) {
            1
        } else {
            dp
        };
        gpus = match (gpus, c.tp_size) {
            (Some(g), Some(_)) => Some(g + tp * pp * dp_mult),
            _ => None,
        };
    }
    let mut facts: ConfigFacts = sets
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect::<Vec<_>>().join(" | ")))
        .collect();
    for (k, n) in counts {
        facts.insert(k, n.to_string());
    }
    if let Some(g) = gpus.filter(|g| *g > 0) {
        facts.insert("gpus".into(), g.to_string());
    }
    facts
}

fn py_bool(b: bool) -> String {
    if b { "True" } else { "False" }.to_string()
}

/// The server arguments in the head of a worker file (empty when none is
/// found or the file cannot be read: the parser has reported it already).
pub fn server_args(path: &Path) -> Vec<(String, String)> {
    let Ok((_, r)) = srtlog_io::open::open_decoded(path) else {
        return Vec::new();
    };
    let mut r = BufReader::new(r.take(HEAD_BYTES));
    let mut line = Vec::new();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return Vec::new(),
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        if let Some(i) = text.find("ServerArgs(") {
            return parse_pairs(&text[i + "ServerArgs(".len()..], '=');
        }
        if let Some(i) = text.find("non-default args: {") {
            return parse_pairs(&text[i + "non-default args: {".len()..], ':');
        }
    }
}

/// `key=value, key=value, …)` (or `'key': value, …}`) split at the commas
/// outside brackets and quotes, up to the closing bracket.
pub fn parse_pairs(s: &str, sep: char) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut start = 0;
    let mut push = |item: &str| {
        if let Some((k, v)) = item.split_once(sep) {
            let k = k.trim().trim_matches(|c| c == '\'' || c == '"');
            let v = v.trim().trim_matches(|c| c == '\'' || c == '"');
            if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.push((k.to_string(), v.to_string()));
            }
        }
    };
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') if depth == 0 => {
                push(&s[start..i]);
                return out;
            }
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    push(&s[start..]);
    out
}

/// A key whose values differ between runs.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigRow {
    /// `{worker_type}.{name}`, `workers.{type}` or `gpus`.
    pub key: String,
    /// Value per run (`None`: the run does not say).
    pub values: Vec<Option<String>>,
}

/// What changed between a run and the baseline.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigChange {
    /// The run.
    pub run: String,
    /// Variables that changed.
    pub variables: Vec<String>,
    /// More than one variable changed.
    pub more_than_one: bool,
}

/// The configuration diff of a comparison.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigDiff {
    /// Keys that differ.
    pub rows: Vec<ConfigRow>,
    /// Per run after the first, what changed against it (runs without
    /// worker logs have no configuration and no entry).
    pub changes: Vec<ConfigChange>,
    /// Keys left out.
    pub ignored: Vec<&'static str>,
}

/// The diff of `facts` (one per run; `None` without worker logs).
pub fn diff(labels: &[String], facts: &[Option<&ConfigFacts>]) -> ConfigDiff {
    let keys: BTreeSet<&String> = facts.iter().flatten().flat_map(|f| f.keys()).collect();
    let with: Vec<&ConfigFacts> = facts.iter().flatten().copied().collect();
    let mut rows = Vec::new();
    for k in keys {
        let vals: Vec<Option<&String>> = with.iter().map(|f| f.get(k)).collect();
        if vals.windows(2).all(|w| w[0] == w[1]) {
            continue;
        }
        rows.push(ConfigRow {
            key: k.clone(),
            values: facts
                .iter()
                .map(|f| f.and_then(|f| f.get(k)).cloned())
                .collect(),
        });
    }
    let mut changes = Vec::new();
    if let Some(Some(base)) = facts.first() {
        for (i, f) in facts.iter().enumerate().skip(1) {
            let Some(f) = f else { continue };
            // A key one run lacks (an argument another version does not
            // have) is shown in the rows but is not a changed variable.
            let vars: BTreeSet<String> = base
                .keys()
                .filter(|k| f.get(*k).is_some_and(|v| base.get(*k) != Some(v)))
                .map(|k| k.split_once('.').map_or(k.as_str(), |(_, v)| v).to_string())
                .collect();
            changes.push(ConfigChange {
                run: labels[i].clone(),
                more_than_one: vars.len() > 1,
                variables: vars.into_iter().collect(),
            });
        }
    }
    ConfigDiff {
        rows,
        changes,
        ignored: IGNORED.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_args_split_outside_brackets_and_quotes() {
        let p = parse_pairs(
            "model_path='/m/a,b', tp_size=8, cuda_graph_bs=[1, 2, 4], json_model_override_args='{\"a\": 1}', x=None) tail",
            '=',
        );
        assert_eq!(
            p,
            vec![
                ("model_path".to_string(), "/m/a,b".to_string()),
                ("tp_size".into(), "8".into()),
                ("cuda_graph_bs".into(), "[1, 2, 4]".into()),
                ("json_model_override_args".into(), "{\"a\": 1}".into()),
                ("x".into(), "None".into()),
            ]
        );
        let v = parse_pairs("'model': 'opt', 'tensor_parallel_size': 2}", ':');
        assert_eq!(v[1], ("tensor_parallel_size".into(), "2".into()));
    }

    #[test]
    fn more_than_one_variable() {
        let a: ConfigFacts = [("decode.tp_size", "4"), ("prefill.tp_size", "4")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut b = a.clone();
        b.insert("decode.tp_size".into(), "8".into());
        b.insert("prefill.tp_size".into(), "8".into());
        b.insert("decode.only_in_b".into(), "x".into());
        let mut c = b.clone();
        c.insert("decode.chunked_prefill_size".into(), "8192".into());
        c.insert("prefill.chunked_prefill_size".into(), "8192".into());
        let mut a = a;
        a.insert("decode.chunked_prefill_size".into(), "4096".into());
        a.insert("prefill.chunked_prefill_size".into(), "4096".into());
        let labels = ["a".to_string(), "b".into(), "c".into()];
        let d = diff(&labels, &[Some(&a), Some(&b), Some(&c)]);
        assert_eq!(d.rows.len(), 5);
        assert_eq!(
            d.changes[0].variables,
            ["tp_size"],
            "a key b alone has is not a change"
        );
        assert!(!d.changes[0].more_than_one);
        assert_eq!(d.changes[1].variables, ["chunked_prefill_size", "tp_size"]);
        assert!(d.changes[1].more_than_one);
    }
}
