//! `pattern = "regex"`: the string must contain a match (JSON Schema semantics: unanchored).

use crate::diagnostics::ErrorKind;
use crate::schema::Constraints;
use crate::text::shorten_str;
use crate::validate::Cx;

#[inline]
pub(crate) fn check(s: &str, c: &'static Constraints, cx: &mut Cx<'_>) -> bool {
    let Some(pattern) = c.pattern else {
        return true;
    };
    if pattern.is_match(s) {
        return true;
    }
    cx.error(
        ErrorKind::Constraint,
        format!("string matching /{}/", pattern.as_str()),
        Some(shorten_str(s)),
        "does not match the pattern",
    );
    false
}
