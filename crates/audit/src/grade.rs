//! The grading rule: each area checked gets a score from 0 to 100; the
//! overall score is their weighted mean (areas that could not be checked
//! are left out and the weights of the others renormalised); the letter is
//! A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, else F, with `+` in the top three points
//! of a band (x7–x9, 97+ for A) and `−` in its bottom three (x0–x2).
//! Written out in every report ([`RULE`]) so a grade can be checked by hand.

/// The rule in words, as printed.
pub const RULE: &str = "weighted mean of the area scores (structured logging 20, log levels 15, \
request tracing 20, error tracking 10, metrics 25, dashboards 10; areas not checked are left out): \
A >= 90, B >= 80, C >= 70, D >= 60, else F; + for the top 3 points of a band, - for the bottom 3";

/// Weight of an area.
pub fn weight(area: &str) -> f64 {
    match area {
        "structured logging" => 20.0,
        "log levels" => 15.0,
        "request tracing" => 20.0,
        "error tracking" => 10.0,
        "metrics" => 25.0,
        "dashboards" => 10.0,
        _ => 0.0,
    }
}

/// Weighted mean of `(area, score)`; `None` scores are left out.
pub fn overall(scores: &[(&str, Option<f64>)]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for (area, s) in scores {
        if let Some(s) = s {
            num += weight(area) * s;
            den += weight(area);
        }
    }
    if den == 0.0 {
        0.0
    } else {
        (num / den * 10.0).round() / 10.0
    }
}

/// The letter of a score.
pub fn letter(score: f64) -> String {
    let s = score.clamp(0.0, 100.0);
    let (band, base) = match s {
        x if x >= 90.0 => ("A", 90.0),
        x if x >= 80.0 => ("B", 80.0),
        x if x >= 70.0 => ("C", 70.0),
        x if x >= 60.0 => ("D", 60.0),
        _ => return "F".into(),
    };
    let within = s - base;
    let sign = if within >= 7.0 {
        "+"
    } else if within < 3.0 {
        "-"
    } else {
        ""
    };
    format!("{band}{sign}")
}

/// Rank of a letter grade for `--fail-under` (higher is better); `None`
/// for text that is not a grade.
pub fn rank(grade: &str) -> Option<i32> {
    let mut c = grade.trim().chars();
    let base = match c.next()?.to_ascii_uppercase() {
        'A' => 4,
        'B' => 3,
        'C' => 2,
        'D' => 1,
        'F' => return (c.next().is_none()).then_some(0),
        _ => return None,
    };
    let adj = match c.as_str() {
        "" => 0,
        "+" => 1,
        "-" | "−" => -1,
        _ => return None,
    };
    Some(base * 3 + adj)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(letter(100.0), "A+");
        assert_eq!(letter(95.0), "A");
        assert_eq!(letter(90.0), "A-");
        assert_eq!(letter(88.0), "B+");
        assert_eq!(letter(72.9), "C-");
        assert_eq!(letter(59.9), "F");
        assert_eq!(
            overall(&[
                ("metrics", Some(100.0)),
                ("log levels", Some(0.0)),
                ("dashboards", None)
            ]),
            62.5
        );
        assert!(rank("B+") > rank("B"));
        assert!(rank("B-") > rank("C+"));
        assert_eq!(rank("F"), Some(0));
        assert_eq!(rank("X"), None);
    }
}
