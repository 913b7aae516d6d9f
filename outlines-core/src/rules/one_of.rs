//! `one_of = [...]`: the value must equal one of the listed literals.

use crate::diagnostics::ErrorKind;
use crate::schema::{Constraints, Literal, expected};
use crate::text::shorten_str;
use crate::validate::Cx;

#[inline]
pub(crate) fn check_str(s: &str, c: &'static Constraints, cx: &mut Cx<'_>) -> bool {
    if c.one_of.is_empty()
        || c.one_of
            .iter()
            .any(|l| matches!(l, Literal::Str(v) if *v == s))
    {
        return true;
    }
    report(c, shorten_str(s), cx)
}

#[inline]
pub(crate) fn check_int(v: i128, c: &'static Constraints, cx: &mut Cx<'_>) -> bool {
    let hit = |l: &Literal| match *l {
        Literal::Int(i) => i == v,
        Literal::Float(f) => f == v as f64,
        _ => false,
    };
    if c.one_of.is_empty() || c.one_of.iter().any(hit) {
        return true;
    }
    report(c, v.to_string(), cx)
}

#[inline]
pub(crate) fn check_float(v: f64, c: &'static Constraints, cx: &mut Cx<'_>) -> bool {
    let hit = |l: &Literal| match *l {
        Literal::Int(i) => i as f64 == v,
        Literal::Float(f) => f == v,
        _ => false,
    };
    if c.one_of.is_empty() || c.one_of.iter().any(hit) {
        return true;
    }
    report(c, crate::text::float_text(v), cx)
}

#[cold]
fn report(c: &'static Constraints, got: String, cx: &mut Cx<'_>) -> bool {
    cx.error(
        ErrorKind::Constraint,
        expected::one_of(c.one_of),
        Some(got),
        "not one of the allowed values",
    );
    false
}
