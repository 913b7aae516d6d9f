//! Numbers: the natural range of the Rust type, `min`/`max`, `exclusive_min`/`exclusive_max`,
//! `multiple_of` and `one_of`.

use std::cmp::Ordering;

use crate::diagnostics::ErrorKind;
use crate::schema::expected::numeric_phrase;
use crate::schema::{Bound, Constraints, IntRange, Merged};
use crate::text::float_text;
use crate::validate::Cx;

/// Checks an integer of a type with natural range `range`; `true` when it fits and meets `c`.
pub(crate) fn check_int(
    v: i128,
    range: IntRange,
    c: &'static Constraints,
    cx: &mut Cx<'_>,
) -> bool {
    if v < range.min || v > range.max {
        let merged = Merged::of(&[c]);
        let (min, max) = range.narrowed(&merged);
        cx.error(
            ErrorKind::Range,
            numeric_phrase("integer", Some(min), Some(max), &merged),
            Some(v.to_string()),
            format!("out of range for {}", range.name),
        );
        return false;
    }
    if c.is_none() {
        return true;
    }
    let expected = || {
        let merged = Merged::of(&[c]);
        let (min, max) = range.narrowed(&merged);
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
#[inline]
pub(crate) fn check_float(v: f64, single: bool, c: &'static Constraints, cx: &mut Cx<'_>) -> bool {
    (!single && c.is_none()) || check_float_slow(v, single, c, cx)
}

fn check_float_slow(v: f64, single: bool, c: &'static Constraints, cx: &mut Cx<'_>) -> bool {
    let limit = f64::from(f32::MAX);
    if single && v.abs() > limit {
        // serde reads such a number as infinity; a model's number should not become one. That makes
        // this a rule of ours, not a shape serde rejects: a constraint (which also keeps an untagged
        // enum choosing the variant serde would choose).
        cx.error(
            ErrorKind::Constraint,
            format!(
                "number between {} and {}",
                Bound::Float(-limit),
                Bound::Float(limit)
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
    // An `f32` field keeps the value rounded to `f32`: that is what must lie within the bounds (the
    // bounds rounded alike, so `max = 0.1` still admits `0.1`).
    let stored = |x: f64| if single { f64::from(x as f32) } else { x };
    let value = stored(v);
    let ok = bounds(
        |b| {
            stored(b.as_f64())
                .partial_cmp(&value)
                .unwrap_or(Ordering::Equal)
        },
        c,
    )
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
#[inline]
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

/// Whether `v` is an integer multiple of `m`, reading both as the decimals they print as — the numbers
/// as written: 0.3 is a multiple of 0.1, 0.250000000001 is not a multiple of 0.25. (The `jsonschema`
/// crate applies the same rule.)
pub(crate) fn is_multiple(v: f64, m: f64) -> bool {
    if m == 0.0 || !m.is_finite() || v == 0.0 {
        return true;
    }
    if !v.is_finite() {
        return false;
    }
    let exact = decimal(v).zip(decimal(m)).and_then(|((vm, ve), (mm, me))| {
        let scale = |n: i128, by: i32| n.checked_mul(10_i128.checked_pow(by.unsigned_abs())?);
        if ve >= me {
            Some(scale(vm, ve - me)? % mm == 0)
        } else {
            Some(vm % scale(mm, me - ve)? == 0)
        }
    });
    // Beyond what `i128` can scale (1e300 against 0.01), fall back to binary division.
    exact.unwrap_or_else(|| {
        let q = v / m;
        q.is_finite() && q.fract() == 0.0
    })
}

/// `v` as `mantissa × 10^exponent`, from its shortest round-trip decimal form; no allocation.
fn decimal(v: f64) -> Option<(i128, i32)> {
    use std::io::Write as _;
    let mut buf = [0u8; 48];
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    write!(cursor, "{v:e}").ok()?;
    let len = usize::try_from(cursor.position()).ok()?;
    let text = std::str::from_utf8(&buf[..len]).ok()?;
    let (digits, exponent) = text.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let (mut mantissa, mut fraction, mut after_point) = (0_i128, 0_i32, false);
    for b in digits.bytes() {
        match b {
            b'-' => {}
            b'.' => after_point = true,
            d => {
                mantissa = mantissa
                    .checked_mul(10)?
                    .checked_add(i128::from(d.checked_sub(b'0')?))?;
                fraction += i32::from(after_point);
            }
        }
    }
    let mantissa = if digits.starts_with('-') {
        -mantissa
    } else {
        mantissa
    };
    Some((mantissa, exponent - fraction))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiples_are_decimal() {
        assert!(is_multiple(0.3, 0.1));
        assert!(is_multiple(10.0, 2.5));
        assert!(is_multiple(19.99, 0.01));
        assert!(is_multiple(1_070_468.14, 0.01));
        assert!(is_multiple(-7.5, 2.5));
        assert!(!is_multiple(10.1, 2.5));
        assert!(!is_multiple(0.250000000001, 0.25));
        assert!(!is_multiple(1e-12, 0.25));
        assert!(!is_multiple(1e308, 1e-308));
        assert!(is_multiple(1e300, 1e299));
        assert_eq!(decimal(0.25), Some((25, -2)));
        assert_eq!(decimal(-1500.0), Some((-15, 2)));
    }
}
