//! The validator of a runtime JSON Schema ([`Compiled`]): it walks the compiled tree over a
//! `serde_json::Value` and records every violation, each with its path, in the style of the
//! derive's validator for the same rule (same kinds, messages and paths: a missing field at
//! `address.city`, a duplicate at `tags[3]`).
//!
//! It lives with the rules because it checks what they check (formats, `multipleOf`) on values the
//! derive never sees; it is written in the validator's terms ([`Cx`], [`MAX_DEPTH`]).
//!
//! # Cost
//!
//! The walk is linear in the value for schemas without `anyOf`, `oneOf`, `not`, `if` or
//! `contains`. Those keywords first ask whether a subschema holds, without recording anything
//! (a *test*), and then, when the keyword fails, explain one branch in full. Tests of a shared
//! subschema (a `$ref` target) are remembered per value, so nested `anyOf`s over recursive
//! schemas — which a naive validator takes exponential time on — cost at most one test per
//! subschema and value: the work is bounded by the schema's size times the value's. Nesting is
//! bounded too: values nest at most [`MAX_DEPTH`] containers deep, and subschemas apply inside one
//! another at most [`MAX_FRAMES`] deep (the compiler already bounds in-place chains).

use std::collections::HashMap;

use serde_json::{Map, Number, Value};

use super::range::is_multiple;
use crate::diagnostics::{ErrorKind, Path, Violation};
use crate::schema::Bound;
use crate::schema::runtime::phrase::{
    alternatives, count_text, listed, number_phrase, phrase, string_phrase,
};
use crate::schema::runtime::value::{Num, ValueSet, json_eq, json_hash, shorten};
use crate::schema::runtime::{
    Arrays, Compiled, Logic, Node, NodeId, Numbers, Objects, Strings, Types, Values,
};
use crate::text::shorten_str;
use crate::validate::{Cx, MAX_DEPTH, Seg, syntax_error};

/// How deep subschemas may apply inside one another while checking one value (a `$ref` to an
/// `anyOf` whose branch is an object whose property is a `$ref`... is four).
pub(crate) const MAX_FRAMES: u32 = 512;

/// Validates `value` against `schema`: every violation, in document order (empty when valid).
pub(crate) fn validate(schema: &Compiled, value: &Value) -> Vec<Violation> {
    let mut errors = Vec::new();
    let mut cx = Cx::root(&mut errors);
    let ok = Walk::new(schema).check::<true>(schema.root, value, &mut cx);
    if !ok && errors.is_empty() {
        // Every failing path records why; should one ever not, still say something.
        errors.push(Violation::new(
            ErrorKind::Constraint,
            Path::root(),
            phrase(schema, schema.root),
            Some(shorten(value)),
            "the value does not match the schema",
        ));
    }
    errors
}

/// Parses JSON text (a syntax error carries its line and column) and validates it.
pub(crate) fn read(schema: &Compiled, text: &str) -> Result<Value, Vec<Violation>> {
    let value: Value = serde_json::from_str(text).map_err(|e| vec![syntax_error(&e)])?;
    let errors = validate(schema, &value);
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(errors)
    }
}

struct Walk<'s> {
    s: &'s Compiled,
    /// Test verdicts of shared subschemas, by node and value address.
    memo: HashMap<(NodeId, usize), bool>,
    /// How many subschemas apply inside one another right now.
    frames: u32,
    /// Above zero while checking a value that is not in the document (a property name), whose
    /// address says nothing: verdicts are not remembered then.
    no_memo: u32,
}

impl<'s> Walk<'s> {
    fn new(s: &'s Compiled) -> Self {
        Walk {
            s,
            memo: HashMap::new(),
            frames: 0,
            no_memo: 0,
        }
    }

    /// Whether `v` is valid against `id`, recording nothing.
    fn test(&mut self, id: NodeId, v: &Value, cx: &mut Cx<'_>) -> bool {
        let mut discard = Vec::new();
        let mut quiet = cx.scratch(&mut discard);
        self.check::<false>(id, v, &mut quiet)
    }

    /// Checks `v` against `id`. With `R` (report), records every violation; without, stops at the
    /// first and records nothing.
    fn check<const R: bool>(&mut self, id: NodeId, v: &Value, cx: &mut Cx<'_>) -> bool {
        let s = self.s;
        let node = s.node(id);
        if !R && node.shared && self.no_memo == 0 {
            let key = (id, v as *const Value as usize);
            if let Some(&verdict) = self.memo.get(&key) {
                return verdict;
            }
            let verdict = self.frame::<R>(node, id, v, cx);
            self.memo.insert(key, verdict);
            return verdict;
        }
        self.frame::<R>(node, id, v, cx)
    }

    fn frame<const R: bool>(
        &mut self,
        node: &Node,
        id: NodeId,
        v: &Value,
        cx: &mut Cx<'_>,
    ) -> bool {
        if self.frames >= MAX_FRAMES {
            if R {
                cx.error(
                    ErrorKind::Syntax,
                    "",
                    None,
                    format!(
                        "too deep to check: subschemas apply inside one another more than {MAX_FRAMES} deep here"
                    ),
                );
            }
            return false;
        }
        self.frames += 1;
        let ok = self.node::<R>(node, id, v, cx);
        self.frames -= 1;
        ok
    }

    fn node<const R: bool>(&mut self, node: &Node, id: NodeId, v: &Value, cx: &mut Cx<'_>) -> bool {
        if node.never {
            if R {
                cx.error(
                    ErrorKind::Constraint,
                    "nothing (no value is allowed here)",
                    Some(shorten(v)),
                    "no value is allowed here",
                );
            }
            return false;
        }
        if let Some(types) = node.types {
            if !types.admits(v) {
                if R {
                    self.mismatch(id, types, v, cx);
                }
                return false;
            }
        }
        let mut ok = true;
        if let Some(values) = &node.values {
            ok &= values_check::<R>(values, v, cx);
            if !R && !ok {
                return false;
            }
        }
        match v {
            Value::Number(n) => {
                if let Some(numbers) = &node.number {
                    ok &= number_check::<R>(node, numbers, n, cx);
                }
            }
            Value::String(text) => {
                if let Some(strings) = &node.string {
                    ok &= string_check::<R>(strings, text, cx);
                }
            }
            Value::Array(items) => {
                if let Some(arrays) = &node.array {
                    ok &= self.array::<R>(arrays, items, cx);
                }
            }
            Value::Object(map) => {
                if let Some(objects) = &node.object {
                    ok &= self.object::<R>(objects, map, v, cx);
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
        if !R && !ok {
            return false;
        }
        if let Some(logic) = &node.logic {
            ok &= self.logic::<R>(logic, v, cx);
        }
        ok
    }

    #[cold]
    fn mismatch(&self, id: NodeId, types: Types, v: &Value, cx: &mut Cx<'_>) {
        let words: Vec<&str> = types
            .names()
            .map(|t| match t {
                "string" => "a string",
                "number" => "a number",
                "integer" => "an integer",
                "boolean" => "a boolean",
                "object" => "an object",
                "array" => "an array",
                _ => "null",
            })
            .collect();
        cx.error(
            ErrorKind::Type,
            phrase(self.s, id),
            Some(shorten(v)),
            format!("expected {}", words.join(" or ")),
        );
    }

    fn array<const R: bool>(&mut self, a: &Arrays, items: &[Value], cx: &mut Cx<'_>) -> bool {
        let s = self.s;
        if !cx.enter() {
            return false;
        }
        let mut ok = true;
        let mut extra = 0usize;
        let mut matching = 0u64;
        for (i, item) in items.iter().enumerate() {
            let schema = a.prefix.get(i).copied().or(a.items);
            if let Some(schema) = schema {
                if i >= a.prefix.len() && s.node(schema).never {
                    // `items: false`: one error for the array (as the derive says of a tuple).
                    extra += 1;
                    ok = false;
                } else {
                    ok &= cx.at(Seg::Index(i), |cx| self.check::<R>(schema, item, cx));
                }
                if !R && !ok {
                    cx.leave();
                    return false;
                }
            }
            if let Some(contains) = a.contains {
                if cx.at(Seg::Index(i), |cx| self.test(contains, item, cx)) {
                    matching += 1;
                }
            }
        }
        cx.leave();
        let n = items.len() as u64;
        ok &= count_check::<R>(n, a.min_items, a.max_items, "items", cx);
        // `maxItems` may have said it already.
        let said = a
            .max_items
            .is_some_and(|m| n > m && m <= a.prefix.len() as u64);
        if extra > 0 && R && !said {
            cx.error(
                ErrorKind::Constraint,
                format!("array of at most {} items", a.prefix.len()),
                Some(format!("{} items", items.len())),
                "too many items",
            );
        }
        if !R && !ok {
            return false;
        }
        if let Some(contains) = a.contains {
            ok &= contains_check::<R>(self.s, contains, a, matching, cx);
        }
        if a.unique && (R || ok) {
            ok &= unique_check::<R>(items, cx);
        }
        ok
    }

    fn object<const R: bool>(
        &mut self,
        o: &Objects,
        map: &Map<String, Value>,
        v: &Value,
        cx: &mut Cx<'_>,
    ) -> bool {
        let s = self.s;
        if !cx.enter() {
            return false;
        }
        let mut ok = true;
        let mut seen = Seen::new(o.properties.len());
        for (key, value) in map {
            if let Some(names) = o.names {
                ok &= self.property_name::<R>(names, key, cx);
            }
            let mut matched = false;
            if let Some(i) = o.property(key) {
                matched = true;
                seen.set(i);
                let schema = o.properties[i].1;
                ok &= cx.at(Seg::Key(key), |cx| self.check::<R>(schema, value, cx));
            }
            for (pattern, schema) in &o.patterns {
                if pattern.is_match(key) {
                    matched = true;
                    ok &= cx.at(Seg::Key(key), |cx| self.check::<R>(*schema, value, cx));
                }
            }
            if let (false, Some(additional)) = (matched, o.additional) {
                if s.node(additional).never {
                    ok = false;
                    if R {
                        cx.at(Seg::Key(key), |cx| unknown_field(o, key, value, cx));
                    }
                } else {
                    ok &= cx.at(Seg::Key(key), |cx| self.check::<R>(additional, value, cx));
                }
            }
            if !R && !ok {
                cx.leave();
                return false;
            }
        }
        cx.leave();
        for (j, name) in o.required.iter().enumerate() {
            let present = match o.required_at[j] {
                Some(i) => seen.get(i as usize),
                None => map.contains_key(&**name),
            };
            if !present {
                if !R {
                    return false;
                }
                ok = false;
                let schema = o.required_at[j].map(|i| o.properties[i as usize].1);
                missing(s, name, schema, "missing required field".into(), cx);
            }
        }
        ok &= count_check::<R>(
            map.len() as u64,
            o.min_properties,
            o.max_properties,
            "keys",
            cx,
        );
        for (trigger, needs) in &o.dependent_required {
            if !map.contains_key(&**trigger) {
                continue;
            }
            for need in needs {
                if !map.contains_key(&**need) {
                    if !R {
                        return false;
                    }
                    ok = false;
                    let schema = o.property(need).map(|i| o.properties[i].1);
                    let message = format!(
                        "missing field required when {} is present",
                        shorten_str(trigger)
                    );
                    missing(s, need, schema, message, cx);
                }
            }
        }
        for (trigger, schema) in &o.dependent_schemas {
            if map.contains_key(&**trigger) {
                ok &= self.check::<R>(*schema, v, cx);
                if !R && !ok {
                    return false;
                }
            }
        }
        ok
    }

    /// `propertyNames`: the key, as a string value, against the schema.
    fn property_name<const R: bool>(&mut self, names: NodeId, key: &str, cx: &mut Cx<'_>) -> bool {
        let name = Value::String(key.to_owned());
        self.no_memo += 1;
        let ok = self.test(names, &name, cx);
        self.no_memo -= 1;
        if !ok && R {
            cx.at(Seg::Key(key), |cx| {
                cx.error(
                    ErrorKind::Constraint,
                    format!("a key that is {}", phrase(self.s, names)),
                    Some(shorten_str(key)),
                    "invalid property name",
                );
            });
        }
        ok
    }

    fn logic<const R: bool>(&mut self, logic: &Logic, v: &Value, cx: &mut Cx<'_>) -> bool {
        let mut ok = true;
        if let Some(target) = logic.reference {
            ok &= self.check::<R>(target, v, cx);
        }
        for branch in &logic.all_of {
            if !R && !ok {
                return false;
            }
            ok &= self.check::<R>(*branch, v, cx);
        }
        if !R && !ok {
            return false;
        }
        if !logic.any_of.is_empty() && !logic.any_of.iter().any(|b| self.test(*b, v, cx)) {
            ok = false;
            if R {
                self.explain(&logic.any_of, "anyOf", v, cx);
            }
        }
        if !logic.one_of.is_empty() {
            ok &= self.one_of::<R>(&logic.one_of, v, cx);
        }
        if let Some(not) = logic.not {
            if (R || ok) && self.test(not, v, cx) {
                ok = false;
                if R {
                    cx.error(
                        ErrorKind::Constraint,
                        format!("a value that is not {}", phrase(self.s, not)),
                        Some(shorten(v)),
                        "matches the schema under `not`",
                    );
                }
            }
        }
        if let Some(condition) = &logic.condition {
            if !R && !ok {
                return false;
            }
            let branch = if self.test(condition.test, v, cx) {
                condition.then
            } else {
                condition.otherwise
            };
            if let Some(branch) = branch {
                ok &= self.check::<R>(branch, v, cx);
            }
        }
        ok
    }

    fn one_of<const R: bool>(&mut self, branches: &[NodeId], v: &Value, cx: &mut Cx<'_>) -> bool {
        let mut valid = Vec::with_capacity(2);
        for (i, branch) in branches.iter().enumerate() {
            if self.test(*branch, v, cx) {
                valid.push(i);
                if valid.len() == 2 {
                    break;
                }
            }
        }
        match valid.as_slice() {
            [_] => true,
            [] => {
                if R {
                    self.explain(branches, "oneOf", v, cx);
                }
                false
            }
            [first, second, ..] => {
                if R {
                    cx.error(
                        ErrorKind::Variant,
                        format!("exactly {}", alternatives(self.s, branches)),
                        Some(shorten(v)),
                        format!(
                            "matches more than one of the schemas under `oneOf` (#{first} and #{second})"
                        ),
                    );
                }
                false
            }
        }
    }

    /// Says why no branch of an `anyOf` (or `oneOf`) holds. When the value's shape singles one
    /// branch out (its type, a `const` tag, its keys), that branch's own errors say it best;
    /// otherwise one error lists what was expected. One branch at most is explained, so nested
    /// alternatives cost no more than one path through them.
    #[cold]
    fn explain(&mut self, branches: &[NodeId], keyword: &str, v: &Value, cx: &mut Cx<'_>) {
        // A tag every branch pins (`{"type": {"const": "click"}}`): a missing or unknown one is
        // the error, at the tag, as the derive reports an internally tagged enum's.
        if let (Value::Object(map), Some((name, tags))) = (v, discriminator(self.s, branches)) {
            let known = |x: &Value| tags.iter().any(|t| json_eq(t, x, MAX_DEPTH) == Some(true));
            match map.get(name) {
                None => {
                    let message = "missing required field".to_owned();
                    cx.at(Seg::Key(name), |cx| {
                        cx.error(ErrorKind::Missing, listed(&tags), None, message);
                    });
                    return;
                }
                Some(tag) if !known(tag) => {
                    cx.at(Seg::Key(name), |cx| {
                        cx.error(
                            ErrorKind::Variant,
                            listed(&tags),
                            Some(shorten(tag)),
                            format!("no schema under `{keyword}` has this {}", shorten_str(name)),
                        );
                    });
                    return;
                }
                Some(_) => {}
            }
        }
        let fits: Vec<(NodeId, Fit)> = branches
            .iter()
            .map(|b| (*b, fit(self.s, *b, v, 4)))
            .filter(|(_, f)| *f != Fit::No)
            .collect();
        let good: Vec<NodeId> = fits
            .iter()
            .filter(|(_, f)| *f == Fit::Good)
            .map(|(b, _)| *b)
            .collect();
        let chosen = match (fits.as_slice(), good.as_slice()) {
            ([(only, _)], _) => Some(*only),
            (_, [only]) => Some(*only),
            _ => None,
        };
        match chosen {
            Some(branch) => {
                self.check::<true>(branch, v, cx);
            }
            None => cx.error(
                ErrorKind::Variant,
                alternatives(self.s, branches),
                Some(shorten(v)),
                format!("matches none of the schemas under `{keyword}`"),
            ),
        }
    }
}

/// The property every branch pins to a constant (`const`, or a one-value `enum`), with the
/// constants: the tag of a tagged union.
fn discriminator<'s>(s: &'s Compiled, branches: &[NodeId]) -> Option<(&'s str, Vec<Value>)> {
    let objects: Vec<&Objects> = branches
        .iter()
        .map(|b| object_of(s, *b, 4))
        .collect::<Option<_>>()?;
    let (first, rest) = objects.split_first()?;
    'names: for (name, _) in &first.properties {
        let mut tags = Vec::with_capacity(objects.len());
        for o in std::iter::once(first).chain(rest) {
            let Some(tag) = o.property(name).and_then(|i| pinned(s, o.properties[i].1)) else {
                continue 'names;
            };
            tags.push(tag.clone());
        }
        return Some((name, tags));
    }
    None
}

/// The object keywords of a branch, through `$ref`s.
fn object_of(s: &Compiled, id: NodeId, hops: u32) -> Option<&Objects> {
    let node = s.node(id);
    match (&node.object, &node.logic) {
        (Some(o), _) => Some(o),
        (None, Some(logic)) if hops > 0 => object_of(s, logic.reference?, hops - 1),
        _ => None,
    }
}

/// The one value a subschema allows, if it pins one.
fn pinned(s: &Compiled, id: NodeId) -> Option<&Value> {
    let values = s.node(id).values.as_ref()?;
    values
        .constant
        .as_ref()
        .or_else(|| match values.allowed.as_ref()?.values() {
            [one] => Some(one),
            _ => None,
        })
}

/// How well a value's shape fits a branch, judged without validating it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fit {
    /// Wrong type, or a `const` tag says otherwise.
    No,
    /// The right type, but keys say otherwise (a required one missing, one it does not allow).
    Weak,
    Good,
}

fn fit(s: &Compiled, id: NodeId, v: &Value, hops: u32) -> Fit {
    let node = s.node(id);
    if node.never || node.types.is_some_and(|t| !t.admits(v)) {
        return Fit::No;
    }
    if let Some(values) = &node.values {
        let constant = values.constant.as_ref().map(|c| json_eq(c, v, MAX_DEPTH));
        let allowed = values.allowed.as_ref().map(|a| a.contains(v));
        if constant == Some(Some(false)) || allowed == Some(false) {
            return Fit::No;
        }
    }
    let mut fit = Fit::Good;
    if let (Value::Object(map), Some(o)) = (v, &node.object) {
        for (name, schema) in &o.properties {
            let tag = s
                .node(*schema)
                .values
                .as_ref()
                .and_then(|v| v.constant.as_ref());
            if let (Some(tag), Some(value)) = (tag, map.get(&**name)) {
                if json_eq(tag, value, MAX_DEPTH) != Some(true) {
                    return Fit::No;
                }
            }
        }
        let missing = o.required.iter().any(|r| !map.contains_key(&**r));
        let closed = o.additional.is_some_and(|a| s.node(a).never);
        let stranger = closed
            && map
                .keys()
                .any(|k| o.property(k).is_none() && !o.patterns.iter().any(|(p, _)| p.is_match(k)));
        if missing || stranger {
            fit = Fit::Weak;
        }
    }
    if hops > 0 {
        if let Some(logic) = &node.logic {
            for next in logic.reference.iter().chain(&logic.all_of) {
                match self::fit(s, *next, v, hops - 1) {
                    Fit::No => return Fit::No,
                    Fit::Weak => fit = Fit::Weak,
                    Fit::Good => {}
                }
            }
        }
    }
    fit
}

/// Which properties were seen, by index.
enum Seen {
    Few(u64),
    Many(Vec<bool>),
}

impl Seen {
    fn new(n: usize) -> Seen {
        if n <= 64 {
            Seen::Few(0)
        } else {
            Seen::Many(vec![false; n])
        }
    }

    fn set(&mut self, i: usize) {
        match self {
            Seen::Few(bits) => *bits |= 1 << i,
            Seen::Many(flags) => flags[i] = true,
        }
    }

    fn get(&self, i: usize) -> bool {
        match self {
            Seen::Few(bits) => bits & (1 << i) != 0,
            Seen::Many(flags) => flags[i],
        }
    }
}

fn values_check<const R: bool>(values: &Values, v: &Value, cx: &mut Cx<'_>) -> bool {
    let mut ok = true;
    if let Some(constant) = &values.constant {
        if json_eq(constant, v, MAX_DEPTH) != Some(true) {
            ok = false;
            if R {
                cx.error(
                    ErrorKind::Constraint,
                    shorten(constant),
                    Some(shorten(v)),
                    "not the required value",
                );
            }
        }
    }
    if let Some(allowed) = &values.allowed {
        if !allowed.contains(v) {
            ok = false;
            if R {
                report_not_listed(allowed, v, cx);
            }
        }
    }
    ok
}

#[cold]
fn report_not_listed(allowed: &ValueSet, v: &Value, cx: &mut Cx<'_>) {
    cx.error(
        ErrorKind::Constraint,
        listed(allowed.values()),
        Some(shorten(v)),
        "not one of the allowed values",
    );
}

fn number_check<const R: bool>(node: &Node, n: &Numbers, value: &Number, cx: &mut Cx<'_>) -> bool {
    let x = Num::of(value);
    // How the bound orders against the value.
    let cmp = |b: Bound| match (b, x) {
        (Bound::Int(b), Num::Int(i)) => b.cmp(&i),
        (b, x) => b
            .as_f64()
            .partial_cmp(&x.as_f64())
            .unwrap_or(std::cmp::Ordering::Equal),
    };
    let broken = if n.minimum.is_some_and(|b| cmp(b).is_gt()) {
        Some("below the minimum")
    } else if n.maximum.is_some_and(|b| cmp(b).is_lt()) {
        Some("above the maximum")
    } else if n.exclusive_minimum.is_some_and(|b| cmp(b).is_ge()) {
        Some("not above the exclusive minimum")
    } else if n.exclusive_maximum.is_some_and(|b| cmp(b).is_le()) {
        Some("not below the exclusive maximum")
    } else {
        None
    };
    let multiple = n.multiple_of.is_none_or(|m| match (m, x) {
        (Bound::Int(m), Num::Int(i)) => i % m == 0,
        (m, x) => is_multiple(x.as_f64(), m.as_f64()),
    });
    if R && (broken.is_some() || !multiple) {
        let word = if node.types == Some(Types::INTEGER) {
            "integer"
        } else {
            "number"
        };
        let expected = number_phrase(word, n);
        let got = shorten(&Value::Number(value.clone()));
        if let Some(message) = broken {
            cx.error(
                ErrorKind::Constraint,
                expected.clone(),
                Some(got.clone()),
                message,
            );
        }
        if !multiple {
            cx.error(
                ErrorKind::Constraint,
                expected,
                Some(got),
                "not a multiple of the step",
            );
        }
    }
    broken.is_none() && multiple
}

fn string_check<const R: bool>(s: &Strings, text: &str, cx: &mut Cx<'_>) -> bool {
    let mut ok = true;
    if s.min_length.is_some() || s.max_length.is_some() {
        // A string of `b` bytes has between ceil(b / 4) and b characters: often enough to decide
        // without counting.
        let bytes = text.len() as u64;
        let surely = s.min_length.is_none_or(|m| m <= bytes.div_ceil(4))
            && s.max_length.is_none_or(|m| m >= bytes);
        if !surely {
            let n = text.chars().count() as u64;
            let message = if s.min_length.is_some_and(|m| n < m) {
                Some("too short")
            } else if s.max_length.is_some_and(|m| n > m) {
                Some("too long")
            } else {
                None
            };
            if let Some(message) = message {
                ok = false;
                if !R {
                    return false;
                }
                cx.error(
                    ErrorKind::Constraint,
                    string_phrase(s),
                    Some(shorten_str(text)),
                    format!("{message} ({n} characters)"),
                );
            }
        }
    }
    if let Some(pattern) = &s.pattern {
        if !pattern.is_match(text) {
            ok = false;
            if !R {
                return false;
            }
            cx.error(
                ErrorKind::Constraint,
                format!("string matching /{}/", pattern.as_str()),
                Some(shorten_str(text)),
                "does not match the pattern",
            );
        }
    }
    if let Some(format) = s.format {
        if !format.is_valid(text) {
            ok = false;
            if R {
                cx.error(
                    ErrorKind::Constraint,
                    format.phrase(),
                    Some(shorten_str(text)),
                    format!("not a valid {}", format.name()),
                );
            }
        }
    }
    ok
}

/// An item or key count against its bounds, as the derive words it ("too many items").
fn count_check<const R: bool>(
    n: u64,
    min: Option<u64>,
    max: Option<u64>,
    unit: &str,
    cx: &mut Cx<'_>,
) -> bool {
    let message = if min.is_some_and(|m| n < m) {
        "few"
    } else if max.is_some_and(|m| n > m) {
        "many"
    } else {
        return true;
    };
    if R {
        cx.error(
            ErrorKind::Constraint,
            count_text(min, max, unit),
            Some(format!("{n} {unit}")),
            format!("too {message} {unit}"),
        );
    }
    false
}

fn contains_check<const R: bool>(
    s: &Compiled,
    contains: NodeId,
    a: &Arrays,
    matching: u64,
    cx: &mut Cx<'_>,
) -> bool {
    let min = a.min_contains.unwrap_or(1);
    let message = if matching < min {
        "too few items match `contains`"
    } else if a.max_contains.is_some_and(|m| matching > m) {
        "too many items match `contains`"
    } else {
        return true;
    };
    if R {
        let count = count_text(Some(min), a.max_contains, "items");
        cx.error(
            ErrorKind::Constraint,
            format!("array with {count} that are {}", phrase(s, contains)),
            Some(format!("{matching} matching")),
            message,
        );
    }
    false
}

/// `uniqueItems`: each item equal to an earlier one is an error at its own index.
fn unique_check<const R: bool>(items: &[Value], cx: &mut Cx<'_>) -> bool {
    let depth = cx.remaining_depth();
    let mut ok = true;
    let mut report = |i: usize, earlier: Option<usize>, cx: &mut Cx<'_>| {
        ok = false;
        if R {
            cx.at(Seg::Index(i), |cx| match earlier {
                Some(j) => cx.error(
                    ErrorKind::Constraint,
                    "array with no duplicate items",
                    None,
                    format!("duplicate of item {j}"),
                ),
                None => cx.too_deep(),
            });
        }
    };
    let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let bucket = by_hash.entry(json_hash(item)).or_default();
        let mut duplicate = None;
        for &j in bucket.iter() {
            match json_eq(&items[j], item, depth) {
                Some(true) => {
                    duplicate = Some(Some(j));
                    break;
                }
                Some(false) => {}
                None => {
                    duplicate = Some(None);
                    break;
                }
            }
        }
        match duplicate {
            Some(earlier) => {
                report(i, earlier, cx);
                if !R {
                    return false;
                }
            }
            None => bucket.push(i),
        }
    }
    ok
}

#[cold]
fn unknown_field(o: &Objects, key: &str, value: &Value, cx: &mut Cx<'_>) {
    let mut fields: Vec<&str> = o.properties.iter().take(20).map(|(k, _)| &**k).collect();
    if o.properties.len() > 20 {
        fields.push("…");
    }
    let mut expected = if fields.is_empty() {
        "no fields".to_owned()
    } else {
        format!("one of the fields: {}", fields.join(", "))
    };
    for (pattern, _) in o.patterns.iter().take(3) {
        expected.push_str(&format!(", or a key matching /{}/", pattern.as_str()));
    }
    cx.error(
        ErrorKind::Unknown,
        expected,
        Some(shorten(value)),
        format!("unknown field {}", shorten_str(key)),
    );
}

#[cold]
fn missing(s: &Compiled, name: &str, schema: Option<NodeId>, message: String, cx: &mut Cx<'_>) {
    let expected = schema.map_or_else(|| "any JSON value".to_owned(), |id| phrase(s, id));
    cx.at(Seg::Key(name), |cx| {
        cx.error(ErrorKind::Missing, expected, None, message);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_values_nest_no_deeper_than_values() {
        assert_eq!(crate::schema::runtime::MAX_VALUE_DEPTH, MAX_DEPTH);
    }
}
