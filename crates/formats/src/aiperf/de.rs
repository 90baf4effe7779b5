//! serde helpers shared by the record and trace decoders.

use serde::de::{Deserializer, Visitor};
use std::fmt;

/// Whether `v` is a finite float that converts to an `i64` without
/// saturating.
pub(crate) fn in_i64_range(v: f64) -> bool {
    // 2^63 is exactly representable; every float below it and at or above
    // -2^63 converts exactly to its integer part.
    v.is_finite() && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v)
}

/// Accepts an integer or a float (a rewritten export may hold `1.7e18`)
/// or null.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer or null")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(i64::try_from(v).ok())
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            // Out of range is missing, not clamped to i64::MAX (year 2262).
            Ok(in_i64_range(v).then_some(v as i64))
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct T {
        #[serde(deserialize_with = "opt_i64")]
        t: Option<i64>,
    }

    fn t(json: &str) -> Option<i64> {
        serde_json::from_str::<T>(json).expect("valid").t
    }

    #[test]
    fn float_timestamps_in_range_only() {
        assert_eq!(t(r#"{"t": 1.7e18}"#), Some(1_700_000_000_000_000_000));
        assert_eq!(t(r#"{"t": -5.0}"#), Some(-5));
        // Used to saturate to i64::MAX (2262-04-11) without a word.
        assert_eq!(t(r#"{"t": 1e20}"#), None);
        assert_eq!(t(r#"{"t": -1e300}"#), None);
        assert_eq!(t(r#"{"t": 18446744073709551615}"#), None);
        assert_eq!(t(r#"{"t": null}"#), None);
    }
}
