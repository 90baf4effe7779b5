//! CI gates: `--fail-if 'METRIC OP VALUE'`, one family for every srtlog
//! command that can fail a job.
//!
//! * METRIC names a number of the command's `--json` document: a top-level
//!   key (`p99_latency_ms`, `score`) or a dotted path into it
//!   (`overview.errors`, `distributions.ttft_ms.p99`). A path segment into
//!   a list picks the element by index, or the element whose `key`, `name`,
//!   `metric` or `rule` is that segment (`summary.ttft_s.mean`). `true` and
//!   `false` count as 1 and 0.
//! * OP is one of `<`, `<=`, `>`, `>=`, `==`, `!=`.
//! * VALUE is absolute (`250`, `0.01`, `1e3`) or relative to a baseline
//!   (`+10%`, `-5%`: the baseline's value of the same metric times 1.10 or
//!   0.95). A relative value needs a baseline; commands without one reject
//!   it as a usage error.
//!
//! The gate *fails* (the job should fail) when `actual OP limit` holds. A
//! metric that exists but has no value (`null`: no request had a latency)
//! fails its gate, since a check that cannot be made must not pass in CI; a
//! metric the document does not have is a usage error, with the names it
//! does have.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    /// Whether `a OP b` holds (false when either is NaN, except for `!=`).
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }
}

/// The right-hand side of a gate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum Threshold {
    /// A number.
    Absolute(f64),
    /// A change relative to the baseline, as a fraction (`+10%` is 0.10).
    Relative(f64),
}

/// One parsed `--fail-if` gate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gate {
    /// The metric (a key or dotted path of the `--json` document).
    pub metric: String,
    /// The operator.
    pub op: Op,
    /// The value it is compared with.
    pub threshold: Threshold,
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.threshold {
            Threshold::Absolute(v) => write!(f, "{} {} {v}", self.metric, self.op.as_str()),
            Threshold::Relative(r) => {
                write!(f, "{} {} {:+}%", self.metric, self.op.as_str(), r * 100.0)
            }
        }
    }
}

/// Why a gate could not be parsed or evaluated (usage errors).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum GateError {
    /// The text is not `METRIC OP VALUE`.
    #[error("not a gate: {text:?}: {why} (write 'METRIC OP VALUE', e.g. 'p99_latency_ms > 500' or 'error_rate > +10%')")]
    Syntax {
        /// The gate as given.
        text: String,
        /// What is wrong.
        why: String,
    },
    /// The document has no such metric.
    #[error(
        "--fail-if {gate:?}: no metric {metric:?} in this command's --json output{}",
        hint(known)
    )]
    UnknownMetric {
        /// The gate.
        gate: String,
        /// The metric.
        metric: String,
        /// Numeric top-level names the document has.
        known: Vec<String>,
    },
    /// A relative value where the command has no baseline.
    #[error("--fail-if {gate:?}: a relative value (+N%/-N%) needs a baseline, and this command has none; give an absolute value")]
    NoBaseline {
        /// The gate.
        gate: String,
    },
    /// The baseline lacks the metric, or it has no value there.
    #[error("--fail-if {gate:?}: the baseline has no value of {metric:?}")]
    BaselineMissing {
        /// The gate.
        gate: String,
        /// The metric.
        metric: String,
    },
}

fn hint(known: &[String]) -> String {
    if known.is_empty() {
        String::new()
    } else {
        format!(" (numbers it has: {})", known.join(", "))
    }
}

impl FromStr for Gate {
    type Err = GateError;

    fn from_str(text: &str) -> Result<Gate, GateError> {
        let err = |why: &str| GateError::Syntax {
            text: text.to_owned(),
            why: why.to_owned(),
        };
        let at = text
            .find(['<', '>', '=', '!'])
            .ok_or_else(|| err("no operator (< <= > >= == !=)"))?;
        let metric = text[..at].trim();
        if metric.is_empty() || metric.contains(char::is_whitespace) {
            return Err(err("the metric must be one name"));
        }
        let rest = &text[at..];
        let (op, len) = [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<", Op::Lt),
            (">", Op::Gt),
        ]
        .into_iter()
        .find(|(s, _)| rest.starts_with(s))
        .map(|(s, op)| (op, s.len()))
        .ok_or_else(|| err("unknown operator (use < <= > >= == !=)"))?;
        let value = rest[len..].trim();
        let threshold = parse_threshold(value).map_err(|why| err(&why))?;
        Ok(Gate {
            metric: metric.to_owned(),
            op,
            threshold,
        })
    }
}

fn parse_threshold(v: &str) -> Result<Threshold, String> {
    if v.is_empty() {
        return Err("no value".into());
    }
    if let Some(num) = v.strip_suffix('%') {
        let signed = num.starts_with(['+', '-']);
        if !signed {
            return Err(format!(
                "{v:?}: a relative value has a sign (+{num}% or -{num}%); an absolute one no %"
            ));
        }
        return match num.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Threshold::Relative(x / 100.0)),
            _ => Err(format!("{v:?} is not a percentage")),
        };
    }
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Threshold::Absolute(x)),
        _ => Err(format!("{v:?} is not a number")),
    }
}

/// A value looked up by metric name: `None` when there is no such metric,
/// `Some(None)` when it exists without a value.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<Option<f64>>;

/// The evaluation of one gate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// The gate as written back (`p99_latency_ms > 500`).
    pub gate: String,
    /// The metric's value (`None`: it has none).
    pub actual: Option<f64>,
    /// The absolute limit (the baseline's value moved by a relative one).
    pub limit: f64,
    /// Whether the condition holds, so the job fails.
    pub failed: bool,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.failed { "failed" } else { "passed" };
        match self.actual {
            Some(a) => write!(
                f,
                "gate {state}: {} (value {a}, limit {})",
                self.gate, self.limit
            ),
            None => write!(f, "gate {state}: {} (the metric has no value)", self.gate),
        }
    }
}

/// Evaluates every gate against `current`, with `baseline` for relative
/// values. Usage errors (unknown metric, relative value without a baseline)
/// stop the evaluation; failed gates do not.
pub fn evaluate(
    gates: &[Gate],
    current: Lookup<'_>,
    baseline: Option<Lookup<'_>>,
    known: &[String],
) -> Result<Vec<Verdict>, GateError> {
    let mut out = Vec::with_capacity(gates.len());
    for g in gates {
        let text = g.to_string();
        let actual = current(&g.metric).ok_or_else(|| GateError::UnknownMetric {
            gate: text.clone(),
            metric: g.metric.clone(),
            known: known.to_vec(),
        })?;
        let limit = match g.threshold {
            Threshold::Absolute(v) => v,
            Threshold::Relative(r) => {
                let b = baseline.ok_or_else(|| GateError::NoBaseline { gate: text.clone() })?;
                let base = b(&g.metric)
                    .flatten()
                    .ok_or_else(|| GateError::BaselineMissing {
                        gate: text.clone(),
                        metric: g.metric.clone(),
                    })?;
                base * (1.0 + r)
            }
        };
        let failed = match actual {
            Some(a) if !a.is_nan() => g.op.holds(a, limit),
            _ => true,
        };
        out.push(Verdict {
            gate: text,
            actual: actual.filter(|a| !a.is_nan()),
            limit,
            failed,
        });
    }
    Ok(out)
}

/// The value at `path` (a key or a dotted path, see the module doc) of a
/// JSON document.
pub fn json_metric(doc: &serde_json::Value, path: &str) -> Option<Option<f64>> {
    let mut v = doc;
    for seg in path.split('.') {
        v = match v {
            serde_json::Value::Object(m) => m.get(seg)?,
            serde_json::Value::Array(a) => match seg.parse::<usize>() {
                Ok(i) => a.get(i)?,
                Err(_) => a.iter().find(|e| {
                    ["key", "name", "metric", "rule"]
                        .iter()
                        .any(|k| e.get(k).and_then(|x| x.as_str()) == Some(seg))
                })?,
            },
            _ => return None,
        };
    }
    match v {
        serde_json::Value::Number(n) => Some(n.as_f64()),
        serde_json::Value::Bool(b) => Some(Some(f64::from(u8::from(*b)))),
        serde_json::Value::Null => Some(None),
        _ => None,
    }
}

/// The numeric top-level names of a document (for error messages).
pub fn json_metric_names(doc: &serde_json::Value) -> Vec<String> {
    doc.as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.is_number() || v.is_boolean())
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Evaluates `gates` on a command's `--json` document, with an optional
/// baseline document of the same shape.
pub fn evaluate_json(
    gates: &[Gate],
    doc: &serde_json::Value,
    baseline: Option<&serde_json::Value>,
) -> Result<Vec<Verdict>, GateError> {
    let cur = |m: &str| json_metric(doc, m);
    let base = baseline.map(|b| move |m: &str| json_metric(b, m));
    let base_ref: Option<Lookup<'_>> = base.as_ref().map(|f| f as Lookup<'_>);
    evaluate(gates, &cur, base_ref, &json_metric_names(doc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn g(s: &str) -> Gate {
        s.parse().expect("a gate")
    }

    #[test]
    fn parses_every_operator_and_both_values() {
        assert_eq!(
            g("p99_latency_ms > 500"),
            Gate {
                metric: "p99_latency_ms".into(),
                op: Op::Gt,
                threshold: Threshold::Absolute(500.0)
            }
        );
        assert_eq!(g("score<83").op, Op::Lt);
        assert_eq!(g("a <= 1").op, Op::Le);
        assert_eq!(g("a >= 1").op, Op::Ge);
        assert_eq!(g("a == 1").op, Op::Eq);
        assert_eq!(g("a != 1").op, Op::Ne);
        assert_eq!(g("error_rate > +10%").threshold, Threshold::Relative(0.1));
        assert_eq!(g("x < -5%").threshold, Threshold::Relative(-0.05));
        assert_eq!(g("x < 1e3").threshold, Threshold::Absolute(1000.0));
        assert_eq!(g("overview.errors > 0").metric, "overview.errors");
        assert_eq!(g("error_rate > +10%").to_string(), "error_rate > +10%");
    }

    #[test]
    fn rejects_malformed_gates() {
        for bad in [
            "p99",
            "> 5",
            "p99 => 5",
            "p99 = 5",
            "p99 >",
            "p99 > abc",
            "p99 > 10%",
            "p99 > inf",
            "two words > 1",
        ] {
            assert!(
                matches!(bad.parse::<Gate>(), Err(GateError::Syntax { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn evaluates_against_a_document_and_a_baseline() {
        let doc = json!({
            "p99_latency_ms": 600.0, "error_rate": 0.02, "avg": null, "ok": true,
            "overview": {"errors": 3},
            "summary": [{"key": "ttft_s", "mean": 0.5}],
        });
        let base = json!({"p99_latency_ms": 500.0, "error_rate": 0.02});
        let v = evaluate_json(
            &[
                g("p99_latency_ms > 550"),
                g("p99_latency_ms > +10%"),
                g("p99_latency_ms > +25%"),
                g("error_rate != +0%"),
                g("overview.errors >= 3"),
                g("summary.ttft_s.mean < 0.4"),
                g("ok == 1"),
                g("avg < 1"),
            ],
            &doc,
            Some(&base),
        )
        .expect("valid gates");
        let failed: Vec<bool> = v.iter().map(|x| x.failed).collect();
        assert_eq!(failed, [true, true, false, false, true, false, true, true]);
        assert!((v[1].limit - 550.0).abs() < 1e-9);
        assert_eq!(v[2].limit, 625.0);
        assert_eq!(v[7].actual, None);
    }

    #[test]
    fn usage_errors() {
        let doc = json!({"score": 90.0, "grade": "A-"});
        assert!(matches!(
            evaluate_json(&[g("scor < 5")], &doc, None),
            Err(GateError::UnknownMetric { ref known, .. }) if known == &["score".to_string()]
        ));
        assert!(matches!(
            evaluate_json(&[g("score < +5%")], &doc, None),
            Err(GateError::NoBaseline { .. })
        ));
        assert!(matches!(
            evaluate_json(&[g("score < +5%")], &doc, Some(&json!({}))),
            Err(GateError::BaselineMissing { .. })
        ));
        let e = evaluate_json(&[g("score < +5%")], &doc, None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("needs a baseline"), "{e}");
    }
}
