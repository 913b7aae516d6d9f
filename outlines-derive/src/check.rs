//! Rules that span several attributes or the shape of the type. Each `check_*` says why it exists.

use syn::spanned::Spanned as _;

use crate::ast::{Container, Data, Field, Style};
use crate::attr::{Num, Rules, Spanned};
use crate::ctxt::Ctxt;
use crate::symbol::{DESCRIPTION, EXAMPLE, VALIDATE};

pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    check_lifetimes(cx, cont);
    check_representation(cx, cont);
    check_transparent(cx, cont);
    check_newtype_skip(cx, cont);
    check_newtype_of_itself(cx, cont);
    for field in cont.all_fields() {
        check_field(cx, cont, field);
    }
}

/// `Structured` values are built from JSON and handed to the caller, so they must own their data: a
/// borrowed `&str` field would have nothing to borrow from once the model's reply is gone.
fn check_lifetimes(cx: &Ctxt, cont: &Container<'_>) {
    if let Some(lt) = cont.generics.lifetimes().next() {
        cx.error_spanned_by(
            lt,
            "`Structured` types must own their data: lifetime parameters are not supported \
             (use `String` instead of `&str`)",
        );
    }
}

/// The tagging keys only make sense in the combinations serde accepts; any other combination would
/// leave the schema and the validator guessing which representation is meant.
///
/// Where serde_derive rejects the same combination at the same span, the message is serde's, word
/// for word: a type deriving both `Structured` and `Deserialize` then shows the mistake once, since
/// rustc drops a diagnostic identical to one already shown.
fn check_representation(cx: &Ctxt, cont: &Container<'_>) {
    let attrs = &cont.attrs;
    match &cont.data {
        Data::Struct(..) => {
            if let Some(tag) = &attrs.tag {
                cx.error_at(
                    tag.span,
                    "`#[serde(tag)]` on a struct is not supported by outlines",
                );
            }
            if let Some(span) = attrs.untagged {
                cx.error_at(span, "#[serde(untagged)] can only be used on enums");
            }
            if let Some(content) = &attrs.content {
                cx.error_at(content.span, "`#[serde(content)]` applies to enums only");
            }
        }
        Data::Enum(variants) => {
            if let (Some(span), Some(_)) = (attrs.untagged, &attrs.tag) {
                cx.error_at(span, "enum cannot be both untagged and internally tagged");
            }
            if let (Some(content), None) = (&attrs.content, &attrs.tag) {
                cx.error_at(
                    content.span,
                    "#[serde(tag = \"...\", content = \"...\")] must be used together",
                );
            }
            if let (Some(tag), None) = (&attrs.tag, &attrs.content) {
                // Internally tagged: the variant's fields sit next to the tag, so the variant must
                // be an object (or carry one).
                for variant in variants.iter().filter(|v| !v.attrs.skip) {
                    if variant.style == Style::Tuple {
                        cx.error_spanned_by(
                            variant.ident,
                            format!(
                                "internally tagged enums (`tag = \"{}\"`) cannot have tuple variants",
                                tag.value
                            ),
                        );
                    }
                }
            }
            if variants.iter().all(|v| v.attrs.skip) {
                cx.error_spanned_by(
                    cont.ident,
                    "`Structured` needs at least one variant that can be deserialized",
                );
            }
        }
    }
}

/// A transparent struct is read as its one field; with more, there is no single value to read.
fn check_transparent(cx: &Ctxt, cont: &Container<'_>) {
    let Some(span) = cont.attrs.transparent else {
        return;
    };
    match &cont.data {
        Data::Struct(_, fields) if fields.iter().filter(|f| !f.skipped()).count() == 1 => {}
        _ => cx.error_at(
            span,
            "`#[serde(transparent)]` needs a struct with exactly one field that is not skipped",
        ),
    }
}

/// A newtype struct or variant is read as its one field; skipping that field leaves nothing to read,
/// and serde's behaviour for it (an empty sequence) is not what anyone means by a newtype.
fn check_newtype_skip(cx: &Ctxt, cont: &Container<'_>) {
    let newtypes: Vec<&[Field]> = match &cont.data {
        Data::Struct(Style::Newtype, fields) => vec![fields],
        Data::Struct(..) => Vec::new(),
        Data::Enum(variants) => variants
            .iter()
            .filter(|v| v.style == Style::Newtype && !v.attrs.skip)
            .map(|v| v.fields.as_slice())
            .collect(),
    };
    for fields in newtypes {
        if let Some(span) = fields.first().and_then(|f| f.attrs.skip) {
            cx.error_at(
                span,
                "the only field of a newtype struct or variant cannot be skipped: there would be nothing to read",
            );
        }
    }
}

/// A newtype whose field is itself behind nothing but `Option`s and pointers
/// (`struct Chain(Option<Box<Chain>>)`), or an untagged enum's newtype variant holding the enum so,
/// reads any reply but `null` as itself again, from the same token, without end: serde's own
/// reading overflows the stack, and so would the validator's.
fn check_newtype_of_itself(cx: &Ctxt, cont: &Container<'_>) {
    let fields: Vec<&Field> = match &cont.data {
        Data::Struct(Style::Newtype, fields) => fields.iter().take(1).collect(),
        Data::Struct(..) if cont.attrs.transparent.is_some() => cont
            .all_fields()
            .find(|f| !f.skipped())
            .into_iter()
            .collect(),
        Data::Struct(..) => Vec::new(),
        Data::Enum(variants) if cont.attrs.untagged.is_some() => variants
            .iter()
            .filter(|v| v.style == Style::Newtype && !v.attrs.skip)
            .filter_map(|v| v.fields.first())
            .collect(),
        Data::Enum(_) => Vec::new(),
    };
    for field in fields {
        if holds_itself_directly(&field.ty, cont.ident) {
            cx.error_spanned_by(
                &field.ty,
                format!(
                    "`{}` holds itself with no array or object between, so a reply would be read as \
                     `{}` again from the same token, without end (only `null` ends it); put it in a \
                     `Vec`, a map or a struct field",
                    cont.ident, cont.ident
                ),
            );
        }
    }
}

/// Whether `ty` is `Self` or the type `ident` (named by that one word, with any arguments:
/// `inner::Node` is another type) behind nothing but `Option`, `Box`, `Rc` and `Arc`.
fn holds_itself_directly(mut ty: &syn::Type, ident: &syn::Ident) -> bool {
    loop {
        let syn::Type::Path(path) = ty else {
            return false;
        };
        let Some(last) = path.path.segments.last() else {
            return false;
        };
        let one_word = path.qself.is_none()
            && path.path.leading_colon.is_none()
            && path.path.segments.len() == 1;
        if one_word && (last.ident == "Self" || last.ident == *ident) {
            return true;
        }
        let wrapper = ["Option", "Box", "Rc", "Arc"]
            .iter()
            .any(|w| last.ident == w);
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return false;
        };
        match (wrapper, args.args.first()) {
            (true, Some(syn::GenericArgument::Type(inner))) if args.args.len() == 1 => ty = inner,
            _ => return false,
        }
    }
}

fn check_field(cx: &Ctxt, cont: &Container<'_>, field: &Field) {
    let attrs = &field.attrs;
    // Constraints on a skipped field would never be checked: the field is never read.
    if attrs.skip.is_some() {
        let validate = attrs.validate.as_ref().map(|path| (VALIDATE, path.span()));
        if let Some((key, span)) = attrs.rules.first_key().or(validate) {
            cx.error_at(
                span,
                format!(
                    "`{key}` would never be checked: serde skips this field, so it is never read"
                ),
            );
        }
    }
    if let Some(flatten) = attrs.flatten {
        // A flattened field contributes its own fields; constraints on the field itself have no
        // single value to apply to.
        if let Some((key, span)) = attrs.rules.first_key() {
            cx.error_at(
                span,
                format!("`{key}` does not apply to a `#[serde(flatten)]` field: it has no value of its own, only the fields it adds"),
            );
        }
        // Nor does a rule, a description or an example: the flattened fields are described (and
        // checked) by their own type.
        let validate = attrs.validate.as_ref().map(|path| (VALIDATE, path.span()));
        let described = attrs.description_at.map(|span| (DESCRIPTION, span));
        let example = attrs.example_at.map(|span| (EXAMPLE, span));
        for (key, span) in [validate, described, example].into_iter().flatten() {
            cx.error_at(
                span,
                format!("`{key}` does not apply to a `#[serde(flatten)]` field: put it on the fields of the flattened type"),
            );
        }
        // serde itself documents this combination as unsupported: the outer struct cannot know which
        // keys the flattened one consumes.
        if cont.attrs.deny_unknown_fields {
            cx.error_at(
                flatten,
                "`#[serde(flatten)]` cannot be combined with `#[serde(deny_unknown_fields)]`",
            );
        }
    }
    check_rules(cx, &attrs.rules, false);
}

/// Literal checks on one constraint level: bounds that leave no valid value, steps that are not
/// positive, and `unique` inside `inner(...)` (the validator checks uniqueness on the field only).
fn check_rules(cx: &Ctxt, rules: &Rules, nested: bool) {
    let lower = |n: &Option<Spanned<Num>>| n.as_ref().map(|s| s.value.as_f64());
    if let (Some(min), Some(max)) = (&rules.min, &rules.max) {
        if min.value.as_f64() > max.value.as_f64() {
            cx.error_at(
                min.span,
                "`min` is greater than `max`: no value can satisfy both",
            );
        }
    }
    if let (Some(lo), Some(hi)) = (lower(&rules.exclusive_min), lower(&rules.exclusive_max)) {
        if lo >= hi {
            cx.error_at(
                rules
                    .exclusive_min
                    .as_ref()
                    .map_or_else(proc_macro2::Span::call_site, |s| s.span),
                "`exclusive_min` is not below `exclusive_max`: no value can satisfy both",
            );
        }
    }
    for (lo, hi, lo_key, hi_key) in [
        (&rules.min, &rules.exclusive_max, "min", "exclusive_max"),
        (&rules.exclusive_min, &rules.max, "exclusive_min", "max"),
    ] {
        if let (Some(lo), Some(hi)) = (lo, hi) {
            if lo.value.as_f64() >= hi.value.as_f64() {
                cx.error_at(
                    lo.span,
                    format!("`{lo_key}` is not below `{hi_key}`: no value can satisfy both"),
                );
            }
        }
    }
    if let Some(step) = &rules.multiple_of {
        if step.value.as_f64() <= 0.0 {
            cx.error_at(step.span, "`multiple_of` must be greater than zero");
        }
    }
    if nested {
        if let Some(span) = rules.unique {
            cx.error_at(
                span,
                "`unique` is not supported inside `inner(...)`; put it on the field itself",
            );
        }
    }
    if let Some(inner) = &rules.inner {
        check_rules(cx, &inner.value, true);
    }
}

/// Whether a bound can only describe a number (it is negative or fractional).
pub(crate) fn numeric_only(n: Num) -> bool {
    !n.is_count()
}
