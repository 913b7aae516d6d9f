//! Validation rules, one per file: each checks a typed value against one kind of constraint and
//! records an error (with a precise "expected") when it fails.

pub mod format;
pub(crate) mod length;
pub(crate) mod one_of;
pub(crate) mod pattern;
pub(crate) mod range;
pub(crate) mod runtime;
pub mod unique;

use crate::diagnostics::ErrorKind;
use crate::schema::Constraints;
use crate::text::shorten_str;
use crate::validate::Cx;

/// Checks a string against every string constraint of `c`; `true` when all hold.
#[inline]
pub(crate) fn check_str(s: &str, c: &'static Constraints, cx: &mut Cx<'_>) -> bool {
    c.is_none() || check_str_constrained(s, c, cx)
}

fn check_str_constrained(s: &str, c: &'static Constraints, cx: &mut Cx<'_>) -> bool {
    let mut ok = length::check_chars(s, c, cx);
    ok &= pattern::check(s, c, cx);
    ok &= check_format(s, c, cx);
    ok &= one_of::check_str(s, c, cx);
    // `inner(...)` on an `Option<String>` applies to the string itself.
    if let Some(inner) = c.inner {
        ok &= check_str(s, inner, cx);
    }
    ok
}

/// `format = "..."`: enforced, not only annotated (JSON Schema 2020-12 treats `format` as annotation).
#[inline]
fn check_format(s: &str, c: &'static Constraints, cx: &mut Cx<'_>) -> bool {
    let Some(format) = c.format else {
        return true;
    };
    if format.is_valid(s) {
        return true;
    }
    cx.error(
        ErrorKind::Constraint,
        format.phrase(),
        Some(shorten_str(s)),
        format!("not a valid {}", format.name()),
    );
    false
}
