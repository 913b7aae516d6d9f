//! `min`/`max` on strings: length in characters. (Item counts of collections and maps are the
//! validator's own: `validate::count`.)

use crate::diagnostics::ErrorKind;
use crate::schema::expected::string_phrase;
use crate::schema::{Constraints, Merged};
use crate::text::shorten_str;
use crate::validate::Cx;
use crate::validate::count::violation;

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
        Some(shorten_str(s)),
        format!("{message} ({n} characters)"),
    );
    false
}
