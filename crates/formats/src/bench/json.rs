//! JSON helpers shared by the client-result decoders: parsing with Python's
//! non-standard `Infinity`/`NaN` tokens, and typed getters on
//! `serde_json::Value` that accept the tools' spellings of numbers
//! (`"inf"` strings, integers written as floats).

use super::{BenchError, Stat};
use serde_json::{Map, Value};

/// Parses one JSON value; bare `Infinity`, `-Infinity` and `NaN` (Python's
/// `json.dumps` default, seen in sglang.bench_serving's `request_rate`)
/// are read as the strings `"Infinity"`, `"-Infinity"`, `"NaN"`, which
/// [`num`] turns back into floats.
pub(crate) fn parse(bytes: &[u8], line: u64) -> Result<Value, BenchError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => Ok(v),
        Err(first) => {
            let Some(fixed) = rewrite_nonstandard(bytes) else {
                return Err(BenchError::Json {
                    line,
                    msg: first.to_string(),
                });
            };
            serde_json::from_slice(&fixed).map_err(|e| BenchError::Json {
                line,
                msg: e.to_string(),
            })
        }
    }
}

/// Quotes bare `Infinity`, `-Infinity` and `NaN` outside strings.
fn rewrite_nonstandard(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len() + 16);
    let (mut in_str, mut esc, mut changed) = (false, false, false);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        let rest = &b[i..];
        let tok: Option<&[u8]> = [&b"-Infinity"[..], b"Infinity", b"NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t));
        match tok {
            Some(t) => {
                out.push(b'"');
                out.extend_from_slice(t);
                out.push(b'"');
                i += t.len();
                changed = true;
            }
            None => {
                in_str = c == b'"';
                out.push(c);
                i += 1;
            }
        }
    }
    changed.then_some(out)
}

/// A number: JSON numbers, and the strings `inf`, `Infinity`, `NaN` and
/// numeric strings (vLLM writes `"request_rate": "inf"`).
pub(crate) fn num(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.trim() {
            "inf" | "Infinity" | "+inf" => Some(f64::INFINITY),
            "-inf" | "-Infinity" => Some(f64::NEG_INFINITY),
            "NaN" | "nan" => Some(f64::NAN),
            t => t.parse().ok(),
        },
        _ => None,
    }
}

/// A non-negative integer count (a float with no fraction is accepted).
pub(crate) fn count(v: Option<&Value>) -> Option<u64> {
    let x = num(v)?;
    (x.is_finite() && x >= 0.0 && x.fract() == 0.0).then_some(x as u64)
}

/// A string, or a number written as text; `null` and empty are `None`.
pub(crate) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The statistics `{mean,median,std,pNN}_{name}_ms` of a flat summary
/// (sglang.bench_serving and vLLM write them this way; client-formats.md
/// §1.2 and §2.2).
pub(crate) fn flat_stat(o: &Map<String, Value>, name: &str) -> Stat {
    let suffix = format!("_{name}_ms");
    let mut s = Stat {
        mean: num(o.get(&format!("mean{suffix}"))),
        median: num(o.get(&format!("median{suffix}"))),
        std: num(o.get(&format!("std{suffix}"))),
        percentiles: Vec::new(),
    };
    for (k, v) in o {
        let Some(p) = k
            .strip_prefix('p')
            .and_then(|r| r.strip_suffix(suffix.as_str()))
        else {
            continue;
        };
        // vLLM writes `p99.9_ttft_ms` for fractional percentiles.
        if let (Ok(pct), Some(x)) = (p.parse::<f64>(), num(Some(v))) {
            s.percentiles.push((pct, x));
        }
    }
    s.percentiles.sort_by(|a, b| a.0.total_cmp(&b.0));
    s
}

/// A finite, positive limit (`inf`, 0 and negative mean "none").
pub(crate) fn limit(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite() && *v > 0.0)
}

/// A run's summary: a JSON object with `completed` and `duration`, the keys
/// every sglang.bench_serving and vLLM result has (docs/client-formats.md).
pub(crate) fn summary_object<'a>(
    v: &'a Value,
    line: u64,
    tool: &'static str,
) -> Result<&'a Map<String, Value>, BenchError> {
    let o = v.as_object().ok_or_else(|| BenchError::Shape {
        line,
        tool,
        msg: "not a JSON object".into(),
    })?;
    if !o.contains_key("completed") || !o.contains_key("duration") {
        return Err(BenchError::Shape {
            line,
            tool,
            msg: "no `completed` and `duration` keys".into(),
        });
    }
    Ok(o)
}
