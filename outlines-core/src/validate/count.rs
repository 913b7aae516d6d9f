//! `min`/`max` on collections and maps: their item count, checked as the validator reads them.

use crate::diagnostics::ErrorKind;
use crate::schema::Constraints;
use crate::schema::expected::count_phrase;
use crate::validate::Cx;

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
pub(crate) fn violation(n: usize, c: &Constraints, small: &str, large: &str) -> Option<String> {
    let n = n as i128;
    let below = c.min.is_some_and(|m| m.cmp_i128(n).is_gt());
    let above = c.max.is_some_and(|m| m.cmp_i128(n).is_lt());
    match (below, above) {
        (true, _) => Some(format!("too {small}")),
        (_, true) => Some(format!("too {large}")),
        _ => None,
    }
}
