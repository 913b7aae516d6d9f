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
    /// The `Format` variant, e.g. `DateTime` for `format = "date-time"`.
    pub(crate) format: Option<Spanned<&'static str>>,
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

    /// The first constraint key (name and span), for errors about the constraints as a whole.
    pub(crate) fn first_key(&self) -> Option<(Symbol, Span)> {
        let numbers = [
            (MIN, &self.min),
            (MAX, &self.max),
            (EXCLUSIVE_MIN, &self.exclusive_min),
            (EXCLUSIVE_MAX, &self.exclusive_max),
            (MULTIPLE_OF, &self.multiple_of),
        ];
        numbers
            .into_iter()
            .find_map(|(key, n)| n.as_ref().map(|n| (key, n.span)))
            .or(self.pattern.as_ref().map(|p| (PATTERN, p.span)))
            .or(self.format.as_ref().map(|f| (FORMAT, f.span)))
            .or(self.unique.map(|span| (UNIQUE, span)))
            .or(self.one_of.as_ref().map(|o| (ONE_OF, o.span)))
            .or(self.inner.as_ref().map(|i| (INNER, i.span)))
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
    /// Where `description = "..."` was written (a doc comment sets `description` without one).
    pub(crate) description_at: Option<Span>,
    pub(crate) examples: Vec<LitValue>,
    /// Where the first `example = ...` was written.
    pub(crate) example_at: Option<Span>,
    pub(crate) validate: Option<syn::Path>,
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
                let mut description = None;
                let result = attr.parse_nested_meta(|meta| {
                    if meta.path == DESCRIPTION {
                        // #[outline(description = "...")]
                        let value = parse_str(cx, &meta, DESCRIPTION)?;
                        if seen.first(cx, &meta, DESCRIPTION, "outline") {
                            description = value.map(|lit| lit.value());
                            out.description_at = Some(meta.path.span());
                        }
                    } else if meta.path == EXAMPLE {
                        // #[outline(example = "John")], repeatable
                        out.example_at.get_or_insert(meta.path.span());
                        out.examples.extend(parse_literal(cx, &meta)?);
                    } else if meta.path == VALIDATE {
                        // #[outline(validate = path::to_fn)]
                        let path = parse_path(cx, &meta, VALIDATE)?;
                        if seen.first(cx, &meta, VALIDATE, "outline") {
                            out.validate = path;
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
            let value = parse_number(cx, meta, key)?;
            if seen.first(cx, meta, key, "outline") {
                *slot = value.map(|value| Spanned { value, span });
            }
            return Ok(());
        }
    }
    if meta.path == PATTERN {
        // #[outline(pattern = r"^[a-z]+$")]
        let Some(lit) = parse_str(cx, meta, PATTERN)? else {
            return Ok(());
        };
        if let Err(problem) = check_pattern(&lit.value()) {
            cx.error_spanned_by(&lit, problem);
        } else if seen.first(cx, meta, PATTERN, "outline") {
            rules.pattern = Some(Spanned { value: lit, span });
        }
    } else if meta.path == FORMAT {
        // #[outline(format = "email")]
        let Some(lit) = parse_str(cx, meta, FORMAT)? else {
            return Ok(());
        };
        let name = lit.value();
        let names = || FORMATS.iter().map(|(name, _)| *name);
        match FORMATS.iter().find(|(known, _)| *known == name) {
            None => {
                let hint = closest(&name, names())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                let all: Vec<&str> = names().collect();
                cx.error_spanned_by(
                    &lit,
                    format!(
                        "unknown format `{name}`{hint} (supported formats: {})",
                        all.join(", ")
                    ),
                );
            }
            Some((_, variant)) => {
                if seen.first(cx, meta, FORMAT, "outline") {
                    rules.format = Some(Spanned {
                        value: *variant,
                        span,
                    });
                }
            }
        }
    } else if meta.path == UNIQUE {
        // #[outline(unique)]
        if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
            cx.error_spanned_by(&meta.path, "`unique` takes no value: write `unique` alone");
            skip_value(meta)?;
        } else if seen.first(cx, meta, UNIQUE, "outline") {
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
        if !meta.input.peek(syn::token::Paren) {
            cx.error_spanned_by(
                &meta.path,
                "`inner` takes the constraints for each item in parentheses, like `inner(min = 1)`",
            );
            return skip_value(meta);
        }
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

/// A `pattern` must be what JSON Schema means by a pattern — an ECMA-262 regular expression, the
/// dialect providers enforce — and the validator must be able to run it: it compiles the ECMA
/// translation with the `regex` crate, which has no look-around or backreferences.
fn check_pattern(pattern: &str) -> Result<(), String> {
    // Plain syntax errors first: the regex crate's report shows where.
    regex::Regex::new(pattern).map_err(|err| format!("invalid regex in `pattern`:\n{err}"))?;
    if !jsonschema_regex::is_valid_ecma_regex(pattern) {
        return Err(format!(
            "`pattern` must be an ECMA-262 regular expression (the dialect of JSON Schema); \
             `{pattern}` is not one (Rust-only syntax such as `(?i)` or `\\p{{..}}` is not allowed)"
        ));
    }
    let translated = jsonschema_regex::to_rust_regex(pattern)
        .map_err(|()| format!("`pattern` `{pattern}` uses a construct the validator cannot run"))?;
    regex::Regex::new(&translated).map_err(|err| format!("invalid regex in `pattern`:\n{err}"))?;
    Ok(())
}

fn unknown_key(cx: &Ctxt, meta: &ParseNestedMeta<'_>, keys: &[Symbol], what: &str) {
    let key = meta
        .path
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_else(|| quote::ToTokens::to_token_stream(&meta.path).to_string());
    // A likely typo gets a suggestion, a key from serde or another validation crate gets its
    // spelling here; anything else gets the list of what is accepted.
    let foreign = keys
        .contains(&MIN)
        .then(|| foreign_key_hint(&key))
        .flatten();
    let hint = if SERDE_KEYS.contains(&key.as_str()) {
        format!("; `{key}` is a serde attribute: write it as `#[serde({key})]`")
    } else if let Some(foreign) = foreign {
        format!("; {foreign}")
    } else if let Some(s) = closest(&key, keys.iter().map(|s| s.0)) {
        format!("; did you mean `{s}`?")
    } else {
        let names: Vec<String> = keys.iter().map(|s| format!("`{s}`")).collect();
        match names.as_slice() {
            [one] => format!("; the only {what} attribute is {one}"),
            _ => format!("; expected one of {}", names.join(", ")),
        }
    };
    let message = if what.starts_with('`') {
        format!("unknown key `{key}` in {what}{hint}")
    } else {
        format!("unknown outline {what} attribute `{key}`{hint}")
    };
    cx.error_spanned_by(&meta.path, message);
}

/// How to say, with outlines' keys, what a key from another validation crate or from JSON Schema says.
fn foreign_key_hint(key: &str) -> Option<&'static str> {
    Some(match key {
        "regex" => "write a regular expression as `pattern = \"...\"`",
        "length" | "len" | "range" | "min_length" | "max_length" | "min_len" | "max_len"
        | "min_items" | "max_items" | "minimum" | "maximum" | "size" => {
            "use `min` and `max`: they bound numbers, string lengths and item counts"
        }
        "email" | "url" | "uri" | "uuid" | "date" | "ipv4" | "ipv6" | "ip" | "hostname" => {
            "formats are written as `format = \"email\"` (or another format name)"
        }
        "enum" | "choices" | "values" | "allowed" | "options" | "in" => {
            "list the allowed values as `one_of = [...]`"
        }
        "unique_items" | "distinct" => "use `unique`",
        "each" | "items" | "dive" => "constrain the items of a collection with `inner(...)`",
        _ => return None,
    })
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

/// The expression after `key =`. A key written without `= value` is reported (with `example` as the
/// value to show) and skipped, so the rest of the attribute is still read.
fn value_expr(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: Symbol,
    example: &str,
) -> syn::Result<Option<Expr>> {
    if meta.input.peek(Token![=]) {
        return Ok(Some(ungroup(meta.value()?.parse()?)));
    }
    cx.error_spanned_by(
        &meta.path,
        format!("`{key}` needs a value, like `{key} = {example}`"),
    );
    skip_value(meta)?;
    Ok(None)
}

/// A value that came through a `macro_rules!` fragment (`$v:literal`, `$v:expr`) is wrapped in an
/// invisible group; it means what it would mean written in place. Values inside it (`-$n`,
/// `[$a, $b]`) are unwrapped where they are read.
fn ungroup(expr: Expr) -> Expr {
    match expr {
        Expr::Group(group) => ungroup(*group.expr),
        expr => expr,
    }
}

/// `key = <number>`. A value that parses but is not a number is reported and skipped, so the rest of
/// the attribute is still read; only a syntax error stops it.
fn parse_number(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: Symbol) -> syn::Result<Option<Num>> {
    let Some(expr) = value_expr(cx, meta, key, "1")? else {
        return Ok(None);
    };
    match number(&expr) {
        Ok(n) => Ok(Some(n)),
        Err(err) if is_numeric(&expr) => {
            cx.syn_error(err);
            Ok(None)
        }
        Err(_) => {
            cx.error_spanned_by(
                &expr,
                format!("`{key}` expects a number literal, like `{key} = 1` or `{key} = 0.5`"),
            );
            Ok(None)
        }
    }
}

/// Whether `expr` is written as a number (possibly negative), so a failure is about its value.
fn is_numeric(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(_) | Lit::Float(_),
            ..
        }) => true,
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => is_numeric(expr),
        Expr::Group(g) => is_numeric(&g.expr),
        _ => false,
    }
}

/// `key = "..."`; anything else is reported and skipped.
fn parse_str(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: Symbol) -> syn::Result<Option<LitStr>> {
    let Some(expr) = value_expr(cx, meta, key, "\"...\"")? else {
        return Ok(None);
    };
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(Some(lit)),
        other => {
            cx.error_spanned_by(
                &other,
                format!("`{key}` expects a string literal, like `{key} = \"...\"`"),
            );
            Ok(None)
        }
    }
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

fn parse_literal(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<LitValue>> {
    let Some(expr) = value_expr(cx, meta, EXAMPLE, "\"...\"")? else {
        return Ok(None);
    };
    let value = literal(&expr).map_err(|_| {
        cx.error_spanned_by(
            &expr,
            "`example` expects a string, number or boolean literal, like `example = \"Ada\"`",
        );
    });
    Ok(value.ok())
}

fn parse_one_of(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<OneOf>> {
    let Some(expr) = value_expr(cx, meta, ONE_OF, "[\"a\", \"b\"]")? else {
        return Ok(None);
    };
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
        let (is_str, repeated) = match literal(elem) {
            Ok(LitValue::Str(s)) => {
                let repeated = strings.contains(&s);
                strings.push(s);
                (true, repeated)
            }
            Ok(LitValue::Num(n)) => {
                let repeated = numbers.iter().any(|m: &Num| m.as_f64() == n.as_f64());
                numbers.push(n);
                (false, repeated)
            }
            Ok(LitValue::Bool(_)) | Err(_) => {
                cx.error_spanned_by(elem, "`one_of` values must be string or number literals");
                return Ok(None);
            }
        };
        if repeated {
            cx.error_spanned_by(elem, "`one_of` lists this value twice");
            return Ok(None);
        }
        // The first value sets the kind; the first value of the other kind is the mistake.
        if !strings.is_empty() && !numbers.is_empty() {
            let (this, first) = if is_str {
                ("a string", "a number")
            } else {
                ("a number", "a string")
            };
            cx.error_spanned_by(
                elem,
                format!(
                    "`one_of` values must be all strings or all numbers: this is {this}, the first value is {first}"
                ),
            );
            return Ok(None);
        }
    }
    if strings.is_empty() {
        Ok(Some(OneOf::Num(numbers)))
    } else {
        Ok(Some(OneOf::Str(strings)))
    }
}

/// `= path::to_fn` or `= "path::to_fn"`; anything else is reported and skipped.
fn parse_path(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: Symbol,
) -> syn::Result<Option<syn::Path>> {
    let Some(expr) = value_expr(cx, meta, key, "path::to::function")? else {
        return Ok(None);
    };
    let path = match expr {
        Expr::Path(p) => Ok(p.path),
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => s.parse(),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` expects a path, like `{key} = path::to::function`"),
        )),
    };
    Ok(path.map_err(|err| cx.syn_error(err)).ok())
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
                        let value = parse_str(cx, &meta, DESCRIPTION)?;
                        if seen.first(cx, &meta, DESCRIPTION, "outline") && value.is_some() {
                            out.description = value.map(|lit| lit.value());
                        }
                    } else if meta.path == NAME {
                        // #[outline(name = "Person")]
                        let value = parse_str(cx, &meta, NAME)?;
                        if seen.first(cx, &meta, NAME, "outline") {
                            match value {
                                Some(lit) if lit.value().trim().is_empty() => {
                                    cx.error_spanned_by(&lit, "`name` must not be empty");
                                }
                                value => out.name = value.map(|lit| lit.value()),
                            }
                        }
                    } else if meta.path == CHECK {
                        // #[outline(check = path::to_fn)]
                        let path = parse_path(cx, &meta, CHECK)?;
                        if seen.first(cx, &meta, CHECK, "outline") {
                            out.check = path;
                        }
                    } else if meta.path == CRATE {
                        // #[outline(crate = "path::to::outlines")]
                        let path = parse_path(cx, &meta, CRATE)?;
                        if seen.first(cx, &meta, CRATE, "outline") {
                            out.crate_path = path;
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
                        let value = parse_str(cx, &meta, DESCRIPTION)?;
                        if seen.first(cx, &meta, DESCRIPTION, "outline") && value.is_some() {
                            out.description = value.map(|lit| lit.value());
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
    Ok(parse_rename_lit(meta)?.map(|lit| lit.value()))
}

fn parse_rename_lit(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(Token![=]) {
        return Ok(Some(meta.value()?.parse::<LitStr>()?));
    }
    let mut out = None;
    meta.parse_nested_meta(|nested| {
        let value = nested.value()?.parse::<LitStr>()?;
        if nested.path == DESERIALIZE {
            out = Some(value);
        }
        Ok(())
    })?;
    Ok(out)
}

fn parse_rename_rule(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<RenameRule>> {
    let Some(lit) = parse_rename_lit(meta)? else {
        return Ok(None);
    };
    let name = lit.value();
    let rule = RenameRule::from_str(&name);
    if rule.is_none() {
        let names = RenameRule::names();
        let hint = closest(&name, names.split(", ").map(|n| n.trim_matches('"')))
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        cx.error_spanned_by(
            &lit,
            format!("unknown rename rule `{name}`{hint} (expected one of {names})"),
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
            }) = ungroup(nv.value.clone())
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
        assert_eq!(
            closest("emial", FORMATS.iter().map(|(n, _)| *n)),
            Some("email")
        );
        assert_eq!(closest("zzzzzz", FIELD_KEYS.iter().map(|s| s.0)), None);
    }
}
