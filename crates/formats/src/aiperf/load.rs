//! The load of an AIPerf run and what else a sweep needs from its summary
//! (`profile_export_aiperf.json`, formats.md §3.4): the concurrency or
//! request rate from wherever the version wrote it, the GPU count from the
//! telemetry, and a key of the run's configuration without its load, so
//! that runs differing only in load are recognised as one sweep.
//!
//! Where the load is written:
//! * 0.5 (2025): `input_config.loadgen.{concurrency, request_rate}`
//!   [real:aiperf-0.5-plot-fixtures/*/profile_export_aiperf.json];
//! * 0.13 (2026): `input_config.phases[]`, a list of named phases
//!   (`{name: "warmup"|"profiling", type: "concurrency"|…, concurrency,
//!   rate, requests, duration}`), read from the `profiling` phase, else the
//!   only non-warm-up phase, else the last (AIPerf's own rule for
//!   `phases.profiling.<x>` paths, `ai-dynamo/aiperf:src/aiperf/config/sweep.py`);
//!   a real 0.13.0 run writes `{name, kind, type, requests, concurrency}`
//!   per phase and its output folder as `artifacts.dir`; before the list
//!   form (April 2026) `phases` was a map by name, and the
//!   configuration envelope may nest it under `benchmark`.

use serde_json::{Map, Value};

/// A run's load and where it was read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunLoad {
    /// Concurrency.
    pub concurrency: Option<f64>,
    /// Request rate, requests/s.
    pub request_rate: Option<f64>,
    /// Where it was read (`input_config.loadgen`, `input_config.phases[profiling]`…).
    pub source: Option<String>,
}

fn num(v: Option<&Value>) -> Option<f64> {
    v?.as_f64().filter(|x| x.is_finite() && *x > 0.0)
}

/// The profiling phase of a `phases` list or map, with its name.
fn profiling_phase(phases: &Value) -> Option<(String, &Map<String, Value>)> {
    let named: Vec<(String, &Map<String, Value>)> = match phases {
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_object)
            .enumerate()
            .map(|(i, o)| {
                let name = o
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or_else(|| i.to_string(), str::to_owned);
                (name, o)
            })
            .collect(),
        Value::Object(m) => m
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_object()?)))
            .collect(),
        _ => return None,
    };
    if let Some(p) = named.iter().find(|(n, _)| n == "profiling") {
        return Some(p.clone());
    }
    let not_warmup: Vec<_> = named.iter().filter(|(n, _)| n != "warmup").collect();
    match not_warmup.as_slice() {
        [one] => Some((*one).clone()),
        _ => named.last().cloned(),
    }
}

/// The run's load from `input_config`.
pub fn run_load(input_config: &Value) -> RunLoad {
    if let Some(l) = input_config.get("loadgen") {
        let (c, r) = (num(l.get("concurrency")), num(l.get("request_rate")));
        if c.is_some() || r.is_some() {
            return RunLoad {
                concurrency: c,
                request_rate: r,
                source: Some("input_config.loadgen".into()),
            };
        }
    }
    let (phases, at) = match input_config.get("phases") {
        Some(p) => (Some(p), "input_config.phases"),
        None => (
            input_config.pointer("/benchmark/phases"),
            "input_config.benchmark.phases",
        ),
    };
    if let Some((name, p)) = phases.and_then(profiling_phase) {
        let c = num(p.get("concurrency"));
        let r = num(p.get("rate")).or_else(|| num(p.get("request_rate")));
        if c.is_some() || r.is_some() {
            return RunLoad {
                concurrency: c,
                request_rate: r,
                source: Some(format!("{at}[{name}]")),
            };
        }
    }
    RunLoad::default()
}

/// GPUs in the telemetry (`telemetry_data.endpoints.*.gpus`), counted once
/// per `(hostname, gpu_uuid)` (two exporters on one host report the same
/// GPU); `None` without telemetry.
pub fn gpu_count(summary: &Value) -> Option<u32> {
    let eps = summary.pointer("/telemetry_data/endpoints")?.as_object()?;
    let mut seen = std::collections::BTreeSet::new();
    for (ep, e) in eps {
        let Some(gpus) = e.get("gpus").and_then(Value::as_object) else {
            continue;
        };
        for (k, g) in gpus {
            let host = g.get("hostname").and_then(Value::as_str).unwrap_or(ep);
            let id = g.get("gpu_uuid").and_then(Value::as_str).unwrap_or(k);
            seen.insert((host.to_owned(), id.to_owned()));
        }
    }
    (!seen.is_empty()).then_some(seen.len() as u32)
}

/// Keys dropped from the configuration key: the load itself and what
/// names the run rather than configures it (0.5 `output.artifact_directory`,
/// 0.13 `artifacts.dir`, the command line).
const LOAD_KEYS: [&str; 8] = [
    "concurrency",
    "request_rate",
    "rate",
    "cli_command",
    "artifact_directory",
    "output",
    "artifacts",
    "name_suffix",
];

fn strip(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !LOAD_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), strip(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip).collect()),
        other => other.clone(),
    }
}

/// `input_config` without the load (and output paths), as canonical text
/// (keys sorted): runs with equal keys differ only in their load.
pub fn config_key(input_config: &Value) -> String {
    fn canon(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for k in keys {
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    canon(&m[k], out);
                    out.push(',');
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for x in a {
                    canon(x, out);
                    out.push(',');
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut s = String::new();
    canon(&strip(input_config), &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn phases_list_of_0_13() {
        let ic = json!({"models": ["m"], "phases": [
            {"name": "warmup", "type": "concurrency", "requests": 10, "concurrency": 4},
            {"name": "profiling", "type": "concurrency", "requests": 100, "concurrency": 16}]});
        let l = run_load(&ic);
        assert_eq!(l.concurrency, Some(16.0));
        assert_eq!(l.source.as_deref(), Some("input_config.phases[profiling]"));
        let rate = json!({"phases": {"default": {"type": "poisson", "rate": 2.5}}});
        assert_eq!(run_load(&rate).request_rate, Some(2.5));
        let envelope = json!({"benchmark": {"phases": [{"name": "main", "concurrency": 8}]}});
        assert_eq!(
            run_load(&envelope).source.as_deref(),
            Some("input_config.benchmark.phases[main]")
        );
    }

    #[test]
    fn config_key_ignores_the_load_only() {
        let a = json!({"models": ["m"], "phases": [{"name": "profiling", "concurrency": 1}], "cli_command": "x"});
        let b = json!({"models": ["m"], "phases": [{"name": "profiling", "concurrency": 8}], "cli_command": "y",
            "artifacts": {"dir": "/tmp/run-b"}});
        let c = json!({"models": ["other"], "phases": [{"name": "profiling", "concurrency": 8}]});
        assert_eq!(config_key(&a), config_key(&b));
        assert_ne!(config_key(&a), config_key(&c));
    }
}
