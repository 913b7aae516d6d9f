//! `min`/`max` on strings (length in characters) and on collections and maps (item count).

use crate::diagnostics::ErrorKind;
use crate::schema::expected::{count_phrase, string_phrase};
use crate::schema::{Constraints, Merged};
use crate::validate::Cx;

/// A string's length in characters (Unicode scalar values, as JSON Schema counts them).
#[inline]
pub(crate) fn check_chars(s: &str, c: &'static Constraints, cx: &mut Cx<'_>) -> bool {
    if c.min.is_none() && c.max.is_none() {
        return true;
    }
    // A string of `b` bytes has between ceil(b / 4) and b characters: often enough to decide
    // without counting.
    let bytes = s.len();
    let surely_long_enough = c
        .min
        .is_none_or(|m| m.cmp_i128(bytes.div_ceil(4) as i128).is_le());
    let surely_short_enough = c.max.is_none_or(|m| m.cmp_i128(bytes as i128).is_ge());
    if surely_long_enough && surely_short_enough {
        return true;
    }
    let n = s.chars().count();
    let Some(message) = violation(n, c, "short", "long") else {
        return true;
    };
    let expected = string_phrase(&Merged::of(&[c]));
    cx.error(
        ErrorKind::Constraint,
        expected,
        Some(crate::diagnostics::shorten_str(s)),
        format!("{message} ({n} characters)"),
    );
    false
}

/// An item count (`unit` is "items" or "keys").
#[inline]
pub(crate) fn check_count(n: usize, c: &'static Constraints, cx: &mut Cx<'_>, unit: &str) -> bool {
    let Some(message) = violation(n, c, "few", "many") else {
        return true;
    };
    let count = count_phrase(c.min, c.max).unwrap_or_default();
    cx.error(
        ErrorKind::Constraint,
        format!("{count} {unit}"),
        Some(format!("{n} {unit}")),
        format!("{message} {unit}"),
    );
    false
}

/// "too short"/"too long" (or "few"/"many"), if `n` is outside `c`'s bounds.
fn violation(n: usize, c: &Constraints, small: &str, large: &str) -> Option<String> {
    let n = n as i128;
    let below = c.min.is_some_and(|m| m.cmp_i128(n).is_gt());
    let above = c.max.is_some_and(|m| m.cmp_i128(n).is_lt());
    match (below, above) {
        (true, _) => Some(format!("too {small}")),
        (_, true) => Some(format!("too {large}")),
        _ => None,
    }
}
