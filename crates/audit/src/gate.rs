//! `--fail-under GRADE` as a score gate: the letter grades of
//! [`crate::grade::letter`] are bands of the score, so "grade below B" is
//! "score below the lowest score graded B" (`--fail-if 'score < 83'`).

use crate::grade;
use srtlog_stats::gate::{Gate, Op, Threshold};

/// The lowest score that gets `grade` (or better); `None` for text that is
/// not a grade. Bands: A 90, B 80, C 70, D 60; within a band, `-` from its
/// base, no sign from base + 3, `+` from base + 7 (as [`grade::letter`]).
pub fn min_score(g: &str) -> Option<f64> {
    let rank = grade::rank(g)?;
    if rank == 0 {
        return Some(0.0);
    }
    let band = f64::from(rank.div_euclid(3).min(4));
    let adj = rank - rank.div_euclid(3) * 3;
    // rank = band*3 + adj, with adj in {-1, 0, 1} mapped to 2, 0, 1.
    let (band, sign) = match adj {
        0 => (band, 3.0),
        1 => (band, 7.0),
        _ => (band + 1.0, 0.0),
    };
    Some(50.0 + band * 10.0 + sign)
}

/// The gate equal to `--fail-under GRADE`: `score < min_score(GRADE)`.
pub fn fail_under(g: &str) -> Option<Gate> {
    Some(Gate {
        metric: "score".into(),
        op: Op::Lt,
        threshold: Threshold::Absolute(min_score(g)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_and_scores_agree() {
        assert_eq!(min_score("A+"), Some(97.0));
        assert_eq!(min_score("A"), Some(93.0));
        assert_eq!(min_score("A-"), Some(90.0));
        assert_eq!(min_score("B"), Some(83.0));
        assert_eq!(min_score("b-"), Some(80.0));
        assert_eq!(min_score("D-"), Some(60.0));
        assert_eq!(min_score("F"), Some(0.0));
        assert_eq!(min_score("Q"), None);
        // The band edge gets the grade; just below it does not.
        for g in [
            "A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-",
        ] {
            let s = min_score(g).expect("a grade");
            assert_eq!(grade::letter(s), g, "{g}");
            assert!(
                grade::rank(&grade::letter(s - 0.01)) < grade::rank(g),
                "{g}"
            );
        }
    }
}
