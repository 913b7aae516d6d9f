//! Numbers: the natural range of the Rust type, `min`/`max`, `exclusive_min`/`exclusive_max`,
//! `multiple_of` and `one_of`.

use std::cmp::Ordering;

use crate::diagnostics::ErrorKind;
use crate::schema::expected::numeric_phrase;
use crate::schema::json_schema::effective_int_range;
use crate::schema::{Bound, Constraints, IntRange, Merged};
use crate::validate::Cx;
use crate::validate::leaf::float_text;

/// Checks an integer of a type with natural range `range`; `true` when it fits and meets `c`.
pub(crate) fn check_int(
    v: i128,
    range: IntRange,
    c: &'static Constraints,
    cx: &mut Cx<'_>,
) -> bool {
    if v < range.min || v > range.max {
        let merged = Merged::of(&[c]);
        let (min, max) = effective_int_range(range, &merged);
        cx.error(
            ErrorKind::Range,
            numeric_phrase("integer", Some(min), Some(max), &merged),
            Some(v.to_string()),
            format!("out of range for {}", int_type_name(range)),
        );
        return false;
    }
    if c.is_none() {
        return true;
    }
    let expected = || {
        let merged = Merged::of(&[c]);
        let (min, max) = effective_int_range(range, &merged);
        numeric_phrase("integer", Some(min), Some(max), &merged)
    };
    let ok = bounds(|b| b.cmp_i128(v), c)
        .map(|message| {
            cx.error(
                ErrorKind::Constraint,
                expected(),
                Some(v.to_string()),
                message,
            )
        })
        .is_none();
    let multiple = c.multiple_of.is_none_or(|m| match m {
        Bound::Int(0) => true,
        Bound::Int(m) => v % m == 0,
        Bound::Float(m) => is_multiple(v as f64, m),
    });
    if !multiple {
        cx.error(
            ErrorKind::Constraint,
            expected(),
            Some(v.to_string()),
            "not a multiple of the step",
        );
    }
    let listed = super::one_of::check_int(v, c, cx);
    ok && multiple && listed
}

/// Checks a float; `single` for `f32`, whose finite range is narrower than JSON's.
pub(crate) fn check_float(v: f64, single: bool, c: &'static Constraints, cx: &mut Cx<'_>) -> bool {
    if single && v.abs() > f64::from(f32::MAX) {
        cx.error(
            ErrorKind::Range,
            format!(
                "number between {} and {}",
                -f64::from(f32::MAX),
                f64::from(f32::MAX)
            ),
            Some(float_text(v)),
            "out of range for f32",
        );
        return false;
    }
    if c.is_none() {
        return true;
    }
    let expected = || {
        let merged = Merged::of(&[c]);
        numeric_phrase("number", merged.min, merged.max, &merged)
    };
    let ok = bounds(|b| b.cmp_f64(v), c)
        .map(|message| {
            cx.error(
                ErrorKind::Constraint,
                expected(),
                Some(float_text(v)),
                message,
            )
        })
        .is_none();
    let multiple = c.multiple_of.is_none_or(|m| is_multiple(v, m.as_f64()));
    if !multiple {
        cx.error(
            ErrorKind::Constraint,
            expected(),
            Some(float_text(v)),
            "not a multiple of the step",
        );
    }
    let listed = super::one_of::check_float(v, c, cx);
    ok && multiple && listed
}

/// The first bound `v` breaks, as a message. `cmp(bound)` orders the bound against `v`.
fn bounds(cmp: impl Fn(Bound) -> Ordering, c: &Constraints) -> Option<&'static str> {
    if c.min.is_some_and(|b| cmp(b).is_gt()) {
        return Some("below the minimum");
    }
    if c.max.is_some_and(|b| cmp(b).is_lt()) {
        return Some("above the maximum");
    }
    if c.exclusive_min.is_some_and(|b| cmp(b).is_ge()) {
        return Some("not above the exclusive minimum");
    }
    if c.exclusive_max.is_some_and(|b| cmp(b).is_le()) {
        return Some("not below the exclusive maximum");
    }
    None
}

/// Whether `v` is an integer multiple of `m`, tolerating binary rounding (0.3 is a multiple of 0.1).
fn is_multiple(v: f64, m: f64) -> bool {
    if m == 0.0 || !m.is_finite() {
        return true;
    }
    let q = v / m;
    if !q.is_finite() {
        return false;
    }
    (q - q.round()).abs() <= 1e-9 * q.abs().max(1.0)
}

/// `u8`, `i64`, ...
pub(crate) fn int_type_name(range: IntRange) -> String {
    let sign = if range.min < 0 { 'i' } else { 'u' };
    format!("{sign}{}", range.bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiples_tolerate_rounding() {
        assert!(is_multiple(0.3, 0.1));
        assert!(is_multiple(10.0, 2.5));
        assert!(!is_multiple(10.1, 2.5));
        assert!(!is_multiple(1e308, 1e-308));
    }
}
