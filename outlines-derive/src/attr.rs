//! Reads `#[outline(...)]`, the `#[serde(...)]` keys that change what is read, and doc comments into
//! typed attributes. Every value keeps its span; every problem is reported to the [`Ctxt`].

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Expr, ExprLit, ExprUnary, Lit, LitStr, Token, UnOp};

use crate::case::RenameRule;
use crate::ctxt::Ctxt;
use crate::symbol::*;

/// A number as written: integers stay exact.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    /// Whether this can bound a length or item count.
    pub(crate) fn is_count(self) -> bool {
        matches!(self, Num::Int(i) if i >= 0)
    }
}

/// A literal from `one_of` or `example`.
#[derive(Clone, Debug)]
pub(crate) enum LitValue {
    Str(String),
    Num(Num),
    Bool(bool),
}

/// A value with the span of the key that introduced it.
#[derive(Clone, Debug)]
pub(crate) struct Spanned<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

/// `one_of = [...]`: all strings or all numbers.
#[derive(Clone, Debug)]
pub(crate) enum OneOf {
    Str(Vec<String>),
    Num(Vec<Num>),
}

/// Constraints from one `#[outline(...)]` level (a field, or an `inner(...)`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Rules {
    pub(crate) min: Option<Spanned<Num>>,
    pub(crate) max: Option<Spanned<Num>>,
    pub(crate) exclusive_min: Option<Spanned<Num>>,
    pub(crate) exclusive_max: Option<Spanned<Num>>,
    pub(crate) multiple_of: Option<Spanned<Num>>,
    pub(crate) pattern: Option<Spanned<LitStr>>,
    pub(crate) format: Option<Spanned<String>>,
    pub(crate) unique: Option<Span>,
    pub(crate) one_of: Option<Spanned<OneOf>>,
    pub(crate) inner: Option<Spanned<Box<Rules>>>,
}

impl Rules {
    pub(crate) fn is_empty(&self) -> bool {
        self.min.is_none()
            && self.max.is_none()
            && self.exclusive_min.is_none()
            && self.exclusive_max.is_none()
            && self.multiple_of.is_none()
            && self.pattern.is_none()
            && self.format.is_none()
            && self.unique.is_none()
            && self.one_of.is_none()
            && self.inner.is_none()
    }

    /// The span of any constraint key, for errors about the attribute as a whole.
    pub(crate) fn any_span(&self) -> Option<Span> {
        self.min
            .as_ref()
            .map(|s| s.span)
            .or(self.max.as_ref().map(|s| s.span))
            .or(self.exclusive_min.as_ref().map(|s| s.span))
            .or(self.exclusive_max.as_ref().map(|s| s.span))
            .or(self.multiple_of.as_ref().map(|s| s.span))
            .or(self.pattern.as_ref().map(|s| s.span))
            .or(self.format.as_ref().map(|s| s.span))
            .or(self.unique)
            .or(self.one_of.as_ref().map(|s| s.span))
            .or(self.inner.as_ref().map(|s| s.span))
    }
}

/// `#[serde(default)]` or `#[serde(default = "path")]`.
#[derive(Clone, Debug, Default)]
pub(crate) enum Default {
    #[default]
    None,
    Trait,
    Path(syn::ExprPath),
}

impl Default {
    pub(crate) fn is_none(&self) -> bool {
        matches!(self, Default::None)
    }
}

#[derive(Default)]
pub(crate) struct Field {
    pub(crate) rules: Rules,
    pub(crate) description: Option<String>,
    pub(crate) examples: Vec<LitValue>,
    pub(crate) validate: Option<syn::Path>,
    pub(crate) outline_span: Option<Span>,
    pub(crate) rename: Option<String>,
    pub(crate) aliases: Vec<String>,
    pub(crate) default: Default,
    pub(crate) skip: Option<Span>,
    pub(crate) flatten: Option<Span>,
}

#[derive(Default)]
pub(crate) struct Variant {
    pub(crate) description: Option<String>,
    pub(crate) rename: Option<String>,
    pub(crate) aliases: Vec<String>,
    pub(crate) rename_all: Option<RenameRule>,
    pub(crate) skip: bool,
}

#[derive(Default)]
pub(crate) struct Container {
    pub(crate) description: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) check: Option<syn::Path>,
    pub(crate) crate_path: Option<syn::Path>,
    pub(crate) rename_all: Option<RenameRule>,
    pub(crate) rename_all_fields: Option<RenameRule>,
    pub(crate) deny_unknown_fields: bool,
    pub(crate) tag: Option<Spanned<String>>,
    pub(crate) content: Option<Spanned<String>>,
    pub(crate) untagged: Option<Span>,
    pub(crate) default: Default,
    pub(crate) transparent: Option<Span>,
}

/// Remembers which keys one attribute list used, to report duplicates at the second occurrence.
#[derive(Default)]
struct Seen(HashMap<&'static str, ()>);

impl Seen {
    fn first(&mut self, cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: Symbol, what: &str) -> bool {
        if self.0.insert(key.0, ()).is_some() {
            cx.error_spanned_by(&meta.path, format!("duplicate {what} attribute `{key}`"));
            return false;
        }
        true
    }
}

// ------------------------------------------------------------------------------------------------
// #[outline(...)] on a field

impl Field {
    pub(crate) fn from_ast(cx: &Ctxt, field: &syn::Field) -> Self {
        let mut out = Field {
            description: doc_comment(&field.attrs),
            ..Field::default()
        };
        let mut seen = Seen::default();
        for attr in &field.attrs {
            if attr.path() == OUTLINE {
                out.outline_span = Some(attr.span());
                let mut description = None;
                let result = attr.parse_nested_meta(|meta| {
                    if meta.path == DESCRIPTION {
                        // #[outline(description = "...")]
                        if seen.first(cx, &meta, DESCRIPTION, "outline") {
                            description = Some(meta.value()?.parse::<LitStr>()?.value());
                        }
                    } else if meta.path == EXAMPLE {
                        // #[outline(example = "John")], repeatable
                        out.examples.push(parse_literal(&meta)?);
                    } else if meta.path == VALIDATE {
                        // #[outline(validate = path::to_fn)]
                        if seen.first(cx, &meta, VALIDATE, "outline") {
                            out.validate = Some(parse_path(&meta)?);
                        }
                    } else {
                        parse_rule(cx, &meta, &mut out.rules, &mut seen, FIELD_KEYS, "field")?;
                    }
                    Ok(())
                });
                if let Err(err) = result {
                    cx.syn_error(err);
                }
                if description.is_some() {
                    out.description = description;
                }
            } else if attr.path() == SERDE {
                parse_serde(cx, attr, |meta| {
                    if meta.path == RENAME {
                        out.rename = parse_rename(meta)?;
                    } else if meta.path == ALIAS {
                        out.aliases.push(meta.value()?.parse::<LitStr>()?.value());
                    } else if meta.path == DEFAULT {
                        out.default = parse_default(meta)?;
                    } else if meta.path == SKIP || meta.path == SKIP_DESERIALIZING {
                        out.skip = Some(meta.path.span());
                    } else if meta.path == FLATTEN {
                        out.flatten = Some(meta.path.span());
                    } else {
                        return Ok(false);
                    }
                    Ok(true)
                });
            }
        }
        out
    }
}

/// One constraint key of a field (or of `inner(...)`).
fn parse_rule(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    rules: &mut Rules,
    seen: &mut Seen,
    keys: &[Symbol],
    what: &str,
) -> syn::Result<()> {
    let span = meta.path.span();
    let numbers: [(Symbol, &mut Option<Spanned<Num>>); 5] = [
        (MIN, &mut rules.min),
        (MAX, &mut rules.max),
        (EXCLUSIVE_MIN, &mut rules.exclusive_min),
        (EXCLUSIVE_MAX, &mut rules.exclusive_max),
        (MULTIPLE_OF, &mut rules.multiple_of),
    ];
    for (key, slot) in numbers {
        if meta.path == key {
            // #[outline(min = 1)], #[outline(max = 0.5)], #[outline(min = -10)]
            let value = parse_number(meta)?;
            if seen.first(cx, meta, key, "outline") {
                *slot = Some(Spanned { value, span });
            }
            return Ok(());
        }
    }
    if meta.path == PATTERN {
        // #[outline(pattern = r"^[a-z]+$")]
        let lit: LitStr = meta.value()?.parse()?;
        if let Err(err) = regex::Regex::new(&lit.value()) {
            cx.error_spanned_by(&lit, format!("invalid regex in `pattern`:\n{err}"));
        } else if seen.first(cx, meta, PATTERN, "outline") {
            rules.pattern = Some(Spanned { value: lit, span });
        }
    } else if meta.path == FORMAT {
        // #[outline(format = "email")]
        let lit: LitStr = meta.value()?.parse()?;
        let name = lit.value();
        if !FORMATS.contains(&name.as_str()) {
            let hint = closest(&name, FORMATS.iter().copied())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            cx.error_spanned_by(
                &lit,
                format!(
                    "unknown format `{name}`; {hint}expected one of: {}",
                    FORMATS.join(", ")
                ),
            );
        } else if seen.first(cx, meta, FORMAT, "outline") {
            rules.format = Some(Spanned { value: name, span });
        }
    } else if meta.path == UNIQUE {
        // #[outline(unique)]
        if seen.first(cx, meta, UNIQUE, "outline") {
            rules.unique = Some(span);
        }
    } else if meta.path == ONE_OF {
        // #[outline(one_of = ["a", "b"])], #[outline(one_of = [1, 2, 3])]
        let value = parse_one_of(cx, meta)?;
        if seen.first(cx, meta, ONE_OF, "outline") {
            rules.one_of = value.map(|value| Spanned { value, span });
        }
    } else if meta.path == INNER {
        // #[outline(inner(min = 1, pattern = "..."))]
        let mut inner = Rules::default();
        let mut inner_seen = Seen::default();
        meta.parse_nested_meta(|nested| {
            parse_rule(
                cx,
                &nested,
                &mut inner,
                &mut inner_seen,
                INNER_KEYS,
                "`inner(...)`",
            )
        })?;
        if seen.first(cx, meta, INNER, "outline") {
            rules.inner = Some(Spanned {
                value: Box::new(inner),
                span,
            });
        }
    } else {
        unknown_key(cx, meta, keys, what);
        skip_value(meta)?;
    }
    Ok(())
}

/// Keys accepted inside `inner(...)`.
const INNER_KEYS: &[Symbol] = &[
    MIN,
    MAX,
    EXCLUSIVE_MIN,
    EXCLUSIVE_MAX,
    MULTIPLE_OF,
    PATTERN,
    FORMAT,
    UNIQUE,
    ONE_OF,
    INNER,
];

fn unknown_key(cx: &Ctxt, meta: &ParseNestedMeta<'_>, keys: &[Symbol], what: &str) {
    let key = meta
        .path
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_else(|| quote::ToTokens::to_token_stream(&meta.path).to_string());
    let hint = closest(&key, keys.iter().map(|s| s.0))
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    let what = if what.starts_with('`') {
        format!("key in {what}")
    } else {
        format!("outline {what} attribute")
    };
    cx.error_spanned_by(&meta.path, format!("unknown {what} `{key}`{hint}"));
}

/// Consumes `= value` or `(...)` after an unknown key so parsing can go on.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

fn parse_number(meta: &ParseNestedMeta<'_>) -> syn::Result<Num> {
    let expr: Expr = meta.value()?.parse()?;
    number(&expr)
}

fn number(expr: &Expr) -> syn::Result<Num> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => Ok(Num::Int(i.base10_parse()?)),
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => match f.base10_parse::<f64>()? {
            v if v.is_finite() => Ok(Num::Float(v)),
            _ => Err(syn::Error::new_spanned(f, "number out of range for f64")),
        },
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => match number(expr)? {
            Num::Int(i) => Ok(Num::Int(-i)),
            Num::Float(f) => Ok(Num::Float(-f)),
        },
        Expr::Group(g) => number(&g.expr),
        other => Err(syn::Error::new_spanned(other, "expected a number literal")),
    }
}

fn literal(expr: &Expr) -> syn::Result<LitValue> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(LitValue::Str(s.value())),
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(LitValue::Bool(b.value)),
        Expr::Group(g) => literal(&g.expr),
        other => number(other).map(LitValue::Num).map_err(|_| {
            syn::Error::new_spanned(other, "expected a string, number or boolean literal")
        }),
    }
}

fn parse_literal(meta: &ParseNestedMeta<'_>) -> syn::Result<LitValue> {
    let expr: Expr = meta.value()?.parse()?;
    literal(&expr)
}

fn parse_one_of(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<OneOf>> {
    let expr: Expr = meta.value()?.parse()?;
    let Expr::Array(array) = &expr else {
        cx.error_spanned_by(
            &expr,
            "expected a list of allowed values: `one_of = [\"a\", \"b\"]`",
        );
        return Ok(None);
    };
    if array.elems.is_empty() {
        cx.error_spanned_by(&expr, "`one_of` needs at least one value");
        return Ok(None);
    }
    let mut strings = Vec::new();
    let mut numbers = Vec::new();
    for elem in &array.elems {
        match literal(elem) {
            Ok(LitValue::Str(s)) => strings.push(s),
            Ok(LitValue::Num(n)) => numbers.push(n),
            Ok(LitValue::Bool(_)) | Err(_) => {
                cx.error_spanned_by(elem, "`one_of` values must be string or number literals");
                return Ok(None);
            }
        }
    }
    match (strings.is_empty(), numbers.is_empty()) {
        (false, true) => Ok(Some(OneOf::Str(strings))),
        (true, false) => Ok(Some(OneOf::Num(numbers))),
        _ => {
            cx.error_spanned_by(&expr, "`one_of` values must be all strings or all numbers");
            Ok(None)
        }
    }
}

/// `= path::to_fn` or `= "path::to_fn"`.
fn parse_path(meta: &ParseNestedMeta<'_>) -> syn::Result<syn::Path> {
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Path(p) => Ok(p.path),
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => s.parse(),
        other => Err(syn::Error::new_spanned(
            other,
            "expected a path to a function",
        )),
    }
}

// ------------------------------------------------------------------------------------------------
// Containers and variants

impl Container {
    pub(crate) fn from_ast(cx: &Ctxt, input: &syn::DeriveInput) -> Self {
        let mut out = Container {
            description: doc_comment(&input.attrs),
            ..Container::default()
        };
        let mut seen = Seen::default();
        for attr in &input.attrs {
            if attr.path() == OUTLINE {
                let result = attr.parse_nested_meta(|meta| {
                    if meta.path == DESCRIPTION {
                        // #[outline(description = "...")]
                        let value = meta.value()?.parse::<LitStr>()?.value();
                        if seen.first(cx, &meta, DESCRIPTION, "outline") {
                            out.description = Some(value);
                        }
                    } else if meta.path == NAME {
                        // #[outline(name = "Person")]
                        let value = meta.value()?.parse::<LitStr>()?;
                        if value.value().trim().is_empty() {
                            cx.error_spanned_by(&value, "`name` must not be empty");
                        } else if seen.first(cx, &meta, NAME, "outline") {
                            out.name = Some(value.value());
                        }
                    } else if meta.path == CHECK {
                        // #[outline(check = path::to_fn)]
                        let path = parse_path(&meta)?;
                        if seen.first(cx, &meta, CHECK, "outline") {
                            out.check = Some(path);
                        }
                    } else if meta.path == CRATE {
                        // #[outline(crate = "path::to::outlines")]
                        let path = parse_path(&meta)?;
                        if seen.first(cx, &meta, CRATE, "outline") {
                            out.crate_path = Some(path);
                        }
                    } else {
                        unknown_key(cx, &meta, CONTAINER_KEYS, "container");
                        skip_value(&meta)?;
                    }
                    Ok(())
                });
                if let Err(err) = result {
                    cx.syn_error(err);
                }
            } else if attr.path() == SERDE {
                parse_serde(cx, attr, |meta| {
                    if meta.path == RENAME_ALL {
                        out.rename_all = parse_rename_rule(cx, meta)?;
                    } else if meta.path == RENAME_ALL_FIELDS {
                        out.rename_all_fields = parse_rename_rule(cx, meta)?;
                    } else if meta.path == DENY_UNKNOWN_FIELDS {
                        out.deny_unknown_fields = true;
                    } else if meta.path == TAG {
                        let lit: LitStr = meta.value()?.parse()?;
                        out.tag = Some(Spanned {
                            value: lit.value(),
                            span: meta.path.span(),
                        });
                    } else if meta.path == CONTENT {
                        let lit: LitStr = meta.value()?.parse()?;
                        out.content = Some(Spanned {
                            value: lit.value(),
                            span: meta.path.span(),
                        });
                    } else if meta.path == UNTAGGED {
                        out.untagged = Some(meta.path.span());
                    } else if meta.path == DEFAULT {
                        out.default = parse_default(meta)?;
                    } else if meta.path == TRANSPARENT {
                        out.transparent = Some(meta.path.span());
                    } else {
                        return Ok(false);
                    }
                    Ok(true)
                });
            }
        }
        out
    }
}

impl Variant {
    pub(crate) fn from_ast(cx: &Ctxt, variant: &syn::Variant) -> Self {
        let mut out = Variant {
            description: doc_comment(&variant.attrs),
            ..Variant::default()
        };
        let mut seen = Seen::default();
        for attr in &variant.attrs {
            if attr.path() == OUTLINE {
                let result = attr.parse_nested_meta(|meta| {
                    if meta.path == DESCRIPTION {
                        // #[outline(description = "...")]
                        let value = meta.value()?.parse::<LitStr>()?.value();
                        if seen.first(cx, &meta, DESCRIPTION, "outline") {
                            out.description = Some(value);
                        }
                    } else {
                        unknown_key(cx, &meta, VARIANT_KEYS, "variant");
                        skip_value(&meta)?;
                    }
                    Ok(())
                });
                if let Err(err) = result {
                    cx.syn_error(err);
                }
            } else if attr.path() == SERDE {
                parse_serde(cx, attr, |meta| {
                    if meta.path == RENAME {
                        out.rename = parse_rename(meta)?;
                    } else if meta.path == ALIAS {
                        out.aliases.push(meta.value()?.parse::<LitStr>()?.value());
                    } else if meta.path == RENAME_ALL {
                        out.rename_all = parse_rename_rule(cx, meta)?;
                    } else if meta.path == SKIP || meta.path == SKIP_DESERIALIZING {
                        out.skip = true;
                    } else if meta.path == UNTAGGED {
                        cx.error_spanned_by(
                            &meta.path,
                            "outlines does not support `#[serde(untagged)]` on a single variant; \
                             mark the whole enum untagged or give every variant a tag",
                        );
                    } else {
                        return Ok(false);
                    }
                    Ok(true)
                });
            }
        }
        out
    }
}

// ------------------------------------------------------------------------------------------------
// #[serde(...)]

/// Walks one `#[serde(...)]` attribute. `handle` returns `false` for keys it does not know; those are
/// skipped (serde reports its own errors) unless they change how values are read in a way the
/// validator cannot follow.
fn parse_serde(
    cx: &Ctxt,
    attr: &syn::Attribute,
    mut handle: impl FnMut(&ParseNestedMeta<'_>) -> syn::Result<bool>,
) {
    // Malformed serde attributes are serde's to report; stop quietly.
    let _ = attr.parse_nested_meta(|meta| {
        if handle(&meta)? {
            return Ok(());
        }
        if let Some(key) = SERDE_UNSUPPORTED.iter().find(|k| meta.path.is_ident(k)) {
            cx.error_spanned_by(
                &meta.path,
                format!(
                    "outlines cannot validate through `#[serde({key})]`: the validator builds the value \
                     itself; derive `Structured` on the type serde reads instead"
                ),
            );
        }
        skip_value(&meta)
    });
}

/// `rename = "x"` or `rename(deserialize = "x")`.
fn parse_rename(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<String>> {
    if meta.input.peek(Token![=]) {
        return Ok(Some(meta.value()?.parse::<LitStr>()?.value()));
    }
    let mut out = None;
    meta.parse_nested_meta(|nested| {
        let value = nested.value()?.parse::<LitStr>()?.value();
        if nested.path == DESERIALIZE {
            out = Some(value);
        }
        Ok(())
    })?;
    Ok(out)
}

fn parse_rename_rule(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<RenameRule>> {
    let Some(name) = parse_rename(meta)? else {
        return Ok(None);
    };
    let rule = RenameRule::from_str(&name);
    if rule.is_none() {
        cx.error_spanned_by(
            &meta.path,
            format!(
                "unknown rename rule `{name}`, expected one of {}",
                RenameRule::names()
            ),
        );
    }
    Ok(rule)
}

fn parse_default(meta: &ParseNestedMeta<'_>) -> syn::Result<Default> {
    if !meta.input.peek(Token![=]) {
        return Ok(Default::Trait);
    }
    let lit: LitStr = meta.value()?.parse()?;
    Ok(Default::Path(lit.parse()?))
}

// ------------------------------------------------------------------------------------------------
// Doc comments and suggestions

/// The doc comment, with the one leading space rustdoc strips removed; `None` when empty.
pub(crate) fn doc_comment(attrs: &[syn::Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs {
        if attr.path() != DOC {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                let line = s.value();
                lines.push(
                    line.strip_prefix(' ')
                        .unwrap_or(&line)
                        .trim_end()
                        .to_owned(),
                );
            }
        }
    }
    let text = lines.join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(closest("minn", FIELD_KEYS.iter().map(|s| s.0)), Some("min"));
        assert_eq!(
            closest("patern", FIELD_KEYS.iter().map(|s| s.0)),
            Some("pattern")
        );
        assert_eq!(closest("emial", FORMATS.iter().copied()), Some("email"));
        assert_eq!(closest("zzzzzz", FIELD_KEYS.iter().map(|s| s.0)), None);
    }
}
