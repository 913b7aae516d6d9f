//! The rewrite: every node of the schema as llguidance must read it, and a note for each rule the
//! grammar enforces only in a stricter form, or leaves to the validator.

use std::collections::HashMap;

use llguidance::derivre::{RegexAst, RegexBuilder};
use llguidance::regex_to_lark;
use outlines_core::schema::Format;
use outlines_core::schema::json_schema::keyword_types;
use serde_json::{Map, Value, json};

use super::prepare::{
    ANY_JSON, Member, Merged, Prepared, Slot, Target, compiled_rule, intersects, not_compiled,
    slot, step,
};
use super::reasons::*;
use crate::Enforcement;

/// The largest integer bound llguidance takes exactly (`2^63 − 1024`, a multiple of the `f64` step).
pub(crate) const INT_LIMIT: i64 = 9_223_372_036_854_774_784;
/// The largest float bound llguidance compiles to a number regex.
pub(crate) const FLOAT_LIMIT: f64 = 1e18;

/// The keyword a note on closing an object is filed under (it is no keyword of the schema).
pub(crate) const CLOSED: &str = "(closed)";

/// What the rewrite did to a rule other than enforce it exactly, by node (a JSON Pointer into the
/// prepared schema) and keyword. A keyword without a note is enforced exactly.
pub(crate) type Notes = HashMap<(String, String), Enforcement>;

/// How much of the schema the grammar takes: all it can, then less each time llguidance cannot
/// compile the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    /// Every rule llguidance has.
    Full,
    /// No intersections: no `allOf`, and a node that is both its own rules and an `enum`, a
    /// `$ref` or an `anyOf` keeps only one of them.
    Separate,
    /// Also no patterns, formats, string lengths, multiples or listed values: the JSON structure,
    /// types and numeric ranges.
    Structure,
}

/// `prepared` rewritten at `level`, with the notes, and whether the any-JSON definition is used.
pub(crate) fn rewrite(prepared: &Prepared, level: Level) -> (Value, Notes, bool) {
    let mut doc = prepared.doc.clone();
    let mut r = Rewrite {
        level,
        merged: &prepared.merged,
        notes: Notes::new(),
        any_used: false,
        budget: SPLIT_BUDGET,
    };
    let mut ptr = String::from("#");
    r.node(&mut doc, &mut ptr, prepared.merged.root);
    if let Value::Object(root) = &mut doc {
        for container in ["$defs", "definitions"] {
            if let Some(Value::Object(defs)) = root.get_mut(container) {
                for (name, def) in defs.iter_mut() {
                    let merged = r.merged.target(&Target::Def(container, name.clone()));
                    let mut ptr = format!("#{}", step(container, Member::Name(name)));
                    r.node(def, &mut ptr, merged);
                }
            }
        }
    }
    (doc, r.notes, r.any_used)
}

/// A reference to the any-JSON definition.
pub(crate) fn any_ref() -> Value {
    json!({ "$ref": format!("#/$defs/{ANY_JSON}") })
}

/// Any JSON value whose numbers serde_json reads.
pub(crate) fn any_json() -> Value {
    let any = format!("#/$defs/{ANY_JSON}");
    json!({"anyOf": [
        {"type": "null"}, {"type": "boolean"}, {"type": "string"},
        {"type": "number", "minimum": -FLOAT_LIMIT, "maximum": FLOAT_LIMIT},
        {"type": "array", "items": {"$ref": any}},
        {"type": "object", "additionalProperties": {"$ref": any}},
    ]})
}

struct Rewrite<'a> {
    level: Level,
    merged: &'a Merged,
    notes: Notes,
    any_used: bool,
    /// Schema nodes the splits may still copy ([`SPLIT_BUDGET`]).
    budget: usize,
}

/// How many schema nodes the type and zero splits may copy in all. A split copies a node's rules
/// (already rewritten, splits included) into each branch, so a split at every level of nesting
/// would grow the schema exponentially; past the budget a node is left whole, the grammar looser
/// there and the validator checking what the split would have enforced.
const SPLIT_BUDGET: usize = 100_000;

/// The schema nodes in `values`, counted without recursion, or `None` past `limit`.
fn nodes_within<'a>(values: impl IntoIterator<Item = &'a Value>, limit: usize) -> Option<usize> {
    let mut stack: Vec<&Value> = values.into_iter().collect();
    let mut count = 0;
    while let Some(value) = stack.pop() {
        count += 1;
        if count > limit {
            return None;
        }
        match value {
            Value::Object(map) => stack.extend(map.values()),
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    Some(count)
}

/// How strong a guarantee is: a note never replaces a weaker one.
fn weakness(by: Enforcement) -> u8 {
    match by {
        Enforcement::Grammar => 0,
        Enforcement::Stricter(_) => 1,
        Enforcement::Validator(_) => 2,
    }
}

/// The `type` of a node, as a list.
fn types(map: &Map<String, Value>) -> Vec<String> {
    match map.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(Into::into)
            .collect(),
        _ => Vec::new(),
    }
}

impl Rewrite<'_> {
    fn note(&mut self, ptr: &str, key: &str, by: Enforcement) {
        let slot = self
            .notes
            .entry((ptr.to_owned(), key.to_owned()))
            .or_insert(by);
        if weakness(by) > weakness(*slot) {
            *slot = by;
        }
    }

    /// Whether one more copy of `rules` fits in the budget, which it then takes.
    fn spend<'v>(&mut self, rules: impl IntoIterator<Item = &'v Value>) -> bool {
        match nodes_within(rules, self.budget) {
            Some(cost) => {
                self.budget -= cost;
                true
            }
            None => false,
        }
    }

    fn drop_rule(&mut self, map: &mut Map<String, Value>, ptr: &str, key: &str, why: &'static str) {
        if map.shift_remove(key).is_some() {
            self.note(ptr, key, Enforcement::Validator(why));
        }
    }

    fn node(&mut self, value: &mut Value, ptr: &mut String, inherited: bool) {
        match value {
            Value::Bool(true) if !inherited => {
                *value = any_ref();
                self.any_used = true;
                self.note(ptr, "type", Enforcement::Stricter(ANY_NUMBERS));
            }
            Value::Object(map) => {
                let merged = inherited || intersects(map);
                let closable = closable(map);
                let opened = self.drop_keywords(map, ptr);
                let len = ptr.len();
                for (key, value) in map.iter_mut() {
                    if not_compiled(key) {
                        continue;
                    }
                    let merged = merged || key == "allOf";
                    match (slot(key), value) {
                        (Some(Slot::One), value @ (Value::Object(_) | Value::Bool(_))) => {
                            ptr.push_str(&step(key, Member::Whole));
                            self.node(value, ptr, merged);
                            ptr.truncate(len);
                        }
                        (Some(Slot::Named), Value::Object(members)) => {
                            for (name, value) in members.iter_mut() {
                                ptr.push_str(&step(key, Member::Name(name)));
                                self.node(value, ptr, merged);
                                ptr.truncate(len);
                            }
                        }
                        (Some(Slot::Listed), Value::Array(members)) => {
                            for (i, value) in members.iter_mut().enumerate() {
                                ptr.push_str(&step(key, Member::Index(i)));
                                self.node(value, ptr, merged);
                                ptr.truncate(len);
                            }
                        }
                        _ => {}
                    }
                }
                self.here(map, ptr, merged, closable && !opened);
            }
            _ => {}
        }
    }

    /// Removes what llguidance lacks or what this level leaves out; true if that opened the
    /// object to keys it did not allow before (`patternProperties` folded into
    /// `additionalProperties`).
    fn drop_keywords(&mut self, map: &mut Map<String, Value>, ptr: &str) -> bool {
        map.shift_remove("$schema");
        if map.get("uniqueItems") == Some(&Value::Bool(true)) {
            self.drop_rule(map, ptr, "uniqueItems", UNIQUE);
        }
        map.shift_remove("uniqueItems");
        for (key, why) in [
            ("contains", CONTAINS),
            ("not", NOT),
            ("if", CONDITIONAL),
            ("propertyNames", KEY_NAMES),
            ("dependentRequired", DEPENDENCIES),
            ("dependentSchemas", DEPENDENCIES),
            ("dependencies", DEPENDENCIES),
            ("unevaluatedProperties", UNEVALUATED),
            ("unevaluatedItems", UNEVALUATED),
            ("$dynamicRef", DYNAMIC),
            ("$recursiveRef", DYNAMIC),
        ] {
            self.drop_rule(map, ptr, key, why);
        }
        // Parts of the rules above, or no rules in 2020-12.
        for key in [
            "minContains",
            "maxContains",
            "then",
            "else",
            "additionalItems",
            "contentSchema",
            "$dynamicAnchor",
            "$recursiveAnchor",
        ] {
            map.shift_remove(key);
        }
        let mut opened = false;
        if self.level >= Level::Structure {
            for key in [
                "pattern",
                "format",
                "multipleOf",
                "enum",
                "const",
                "minLength",
                "maxLength",
            ] {
                self.drop_rule(map, ptr, key, STRUCTURE);
            }
            opened = self.drop_pattern_keys(map, ptr, STRUCTURE);
        }
        // After the listed values go: what is left of the node may be one part.
        if self.level >= Level::Separate {
            self.drop_rule(map, ptr, "allOf", SEPARATE);
            self.keep_one_part(map, ptr);
        }
        opened
    }

    /// Of a node's own rules, an `enum`/`const`, a `$ref` and an `anyOf`/`oneOf`, keeps the first
    /// present: llguidance would intersect them.
    fn keep_one_part(&mut self, map: &mut Map<String, Value>, ptr: &str) {
        let parts: [&[&str]; 3] = [&["enum", "const"], &["$ref"], &["anyOf", "oneOf"]];
        let own: Vec<String> = map
            .keys()
            .filter(|k| compiled_rule(k) && !parts.iter().any(|p| p.contains(&k.as_str())))
            .cloned()
            .collect();
        let present: Vec<bool> = parts
            .iter()
            .map(|p| p.iter().any(|k| map.contains_key(*k)))
            .collect();
        let Some(kept) = present.iter().position(|p| *p) else {
            return;
        };
        if present.iter().filter(|p| **p).count() + usize::from(!own.is_empty()) < 2 {
            return;
        }
        for (i, part) in parts.iter().enumerate() {
            if i != kept {
                for key in *part {
                    self.drop_rule(map, ptr, key, SEPARATE);
                }
            }
        }
        for key in own {
            self.drop_rule(map, ptr, &key, SEPARATE);
        }
    }

    /// Removes `patternProperties`, letting the keys it matched in under `additionalProperties`
    /// (which then takes any of their schemas): never stricter.
    fn drop_pattern_keys(
        &mut self,
        map: &mut Map<String, Value>,
        ptr: &str,
        why: &'static str,
    ) -> bool {
        let Some(patterns) = map.shift_remove("patternProperties") else {
            return false;
        };
        self.note(ptr, "patternProperties", Enforcement::Validator(why));
        if let Some(additional) = map.get_mut("additionalProperties") {
            let mut any_of: Vec<Value> = match patterns {
                Value::Object(p) => p.into_iter().map(|(_, s)| s).collect(),
                _ => Vec::new(),
            };
            any_of.push(additional.take());
            *additional = json!({ "anyOf": any_of });
        }
        true
    }

    fn here(&mut self, map: &mut Map<String, Value>, ptr: &str, merged: bool, closable: bool) {
        let types = types(map);
        let mixed = types.iter().any(|t| t == "integer")
            && types.iter().any(|t| t != "integer" && t != "null");
        if mixed {
            // Both branches take the rules every type has (`enum`, `anyOf`, `$ref`, ...).
            let shared = map
                .iter()
                .filter(|(k, _)| compiled_rule(k) && keyword_types(k).is_none())
                .map(|(_, v)| v);
            if self.spend(shared) {
                return self.split_types(map, ptr, merged, closable, &types);
            }
            self.note(ptr, "type", Enforcement::Validator(UNSPLIT));
        }
        // Listed values bound a number themselves (and may lie past the bounds added here).
        let listed_before = map.contains_key("enum") || map.contains_key("const");
        let listed = self.listed(map, ptr);
        if listed {
        } else if !mixed && types.iter().any(|t| t == "integer") {
            self.integer(map, ptr, types.iter().any(|t| t == "null"));
        } else if types.iter().any(|t| t == "number") {
            self.number(map, ptr);
        }
        self.pattern(map, ptr);
        self.format(map, ptr);
        let opened = self.pattern_keys(map, ptr);
        if closable && !opened && !merged {
            self.close(map, ptr);
        }
        self.property_counts(map, ptr, merged);
        self.multiple_of(map, ptr);
        let numbers = types.is_empty() || types.iter().any(|t| t == "number");
        if numbers {
            self.negative_fractions(map, ptr);
        }
        if map.contains_key("oneOf") {
            self.note(ptr, "oneOf", Enforcement::Validator(ONE_OF));
        }
        // Any value left: bounded numbers, unless a list of values too large for them went.
        let lost_list = listed_before && !listed;
        if !merged && !lost_list && !map.keys().any(|k| compiled_rule(k)) {
            map.insert("$ref".into(), format!("#/$defs/{ANY_JSON}").into());
            self.any_used = true;
            self.note(ptr, "type", Enforcement::Stricter(ANY_NUMBERS));
        }
    }

    /// `{"type": ["integer", "string"], ...}` as `anyOf` an integer branch and a branch of the
    /// other types, each with the node's rules (what llguidance makes of a type list anyway), so
    /// that the integer rewrites touch only integers.
    fn split_types(
        &mut self,
        map: &mut Map<String, Value>,
        ptr: &str,
        merged: bool,
        closable: bool,
        types: &[String],
    ) {
        let mut rules = Map::new();
        for key in map.keys().cloned().collect::<Vec<_>>() {
            if compiled_rule(&key) && key != "type" {
                if let Some(value) = map.shift_remove(&key) {
                    rules.insert(key, value);
                }
            }
        }
        map.shift_remove("type");
        let others: Vec<Value> = types
            .iter()
            .filter(|t| *t != "integer")
            .map(|t| Value::from(t.as_str()))
            .collect();
        let mut branches = Vec::new();
        for t in [Value::from("integer"), Value::Array(others)] {
            let mut branch = Map::new();
            branch.insert("type".into(), t.clone());
            // A keyword only for other types (`items` beside `["integer", "array"]`) goes only
            // to their branch.
            let own = |key: &str| {
                keyword_types(key).is_none_or(|of| match &t {
                    Value::Array(ts) => ts.iter().any(|t| of.iter().any(|o| t == *o)),
                    t => of.iter().any(|o| t == *o),
                })
            };
            branch.extend(
                rules
                    .iter()
                    .filter(|(k, _)| own(k))
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
            self.here(&mut branch, ptr, merged, closable);
            branches.push(Value::Object(branch));
        }
        map.insert("anyOf".into(), Value::Array(branches));
    }

    /// Whether the node lists its values (`enum`, `const`), after dropping a list llguidance
    /// cannot write: it reads numbers as `f64`, so an integer past 2^53 that no `f64` equals
    /// (9007199254740993) cannot be written.
    fn listed(&mut self, map: &mut Map<String, Value>, ptr: &str) -> bool {
        for key in ["enum", "const"] {
            if map.get(key).is_some_and(|v| !exact_numbers(v)) {
                self.drop_rule(map, ptr, key, BIG_INTEGERS);
            }
        }
        map.contains_key("enum") || map.contains_key("const")
    }

    /// Integer bounds within what llguidance writes exactly, a range across zero split there.
    fn integer(&mut self, map: &mut Map<String, Value>, ptr: &str, nullable: bool) {
        let limit = INT_LIMIT as f64;
        let side = |v: &Value, lower: bool| -> Option<Side> {
            let exact = v
                .as_i64()
                .map(i128::from)
                .or_else(|| v.as_u64().map(i128::from));
            let (below, above) = match exact {
                Some(n) => (n < -i128::from(INT_LIMIT), n > i128::from(INT_LIMIT)),
                None => {
                    let f = v.as_f64()?;
                    (f < -limit, f > limit)
                }
            };
            Some(Side::of(lower, below, above))
        };
        let limit = Value::from(INT_LIMIT);
        if self.bounds(map, ptr, side, BEYOND_INT, INT_RANGE, limit) {
            self.outward(map, ptr);
            if let Some((lo, hi)) = across_zero(map) {
                // Both ranges take the node's other rules.
                let rest = map
                    .iter()
                    .filter(|(k, _)| compiled_rule(k) && !is_bound(k))
                    .map(|(_, v)| v);
                if self.spend(rest) {
                    split_at_zero(map, lo, hi, nullable);
                } else {
                    self.note(ptr, "type", Enforcement::Validator(UNSPLIT));
                }
            }
        }
    }

    /// Number bounds within what llguidance compiles, `±1e18` where there are none.
    fn number(&mut self, map: &mut Map<String, Value>, ptr: &str) {
        let side = |v: &Value, lower: bool| -> Option<Side> {
            let f = v.as_f64()?;
            Some(Side::of(lower, f < -FLOAT_LIMIT, f > FLOAT_LIMIT))
        };
        let limit = Value::from(FLOAT_LIMIT);
        if self.bounds(map, ptr, side, BEYOND_FLOAT, FLOAT_RANGE, limit) {
            self.outward(map, ptr);
        }
    }

    /// The bounds that are no `f64` moved outward ([`outward`]), each noted.
    fn outward(&mut self, map: &mut Map<String, Value>, ptr: &str) {
        for key in outward(map) {
            self.note(ptr, key, Enforcement::Validator(ROUNDED_BOUND));
        }
    }

    /// Clamps the bounds of a numeric node to `±limit`; false (and the bounds removed) when the
    /// range lies wholly beyond them.
    fn bounds(
        &mut self,
        map: &mut Map<String, Value>,
        ptr: &str,
        side: impl Fn(&Value, bool) -> Option<Side>,
        beyond: &'static str,
        range: &'static str,
        limit: Value,
    ) -> bool {
        const LOWER: [&str; 2] = ["minimum", "exclusiveMinimum"];
        const UPPER: [&str; 2] = ["maximum", "exclusiveMaximum"];
        let sides: Vec<(&str, Option<Side>)> = LOWER
            .iter()
            .map(|k| (*k, map.get(*k).and_then(|v| side(v, true))))
            .chain(
                UPPER
                    .iter()
                    .map(|k| (*k, map.get(*k).and_then(|v| side(v, false)))),
            )
            .collect();
        if sides.iter().any(|(_, s)| *s == Some(Side::Across)) {
            for key in LOWER.iter().chain(&UPPER) {
                self.drop_rule(map, ptr, key, beyond);
            }
            return false;
        }
        let negative = match &limit {
            Value::Number(n) => n
                .as_i64()
                .map(|i| Value::from(-i))
                .or_else(|| n.as_f64().map(|f| Value::from(-f)))
                .unwrap_or(Value::Null),
            _ => Value::Null,
        };
        for (keys, limit) in [(LOWER, negative), (UPPER, limit)] {
            let mut bounded = false;
            for key in keys {
                match sides.iter().find(|(k, _)| *k == key).and_then(|(_, s)| *s) {
                    Some(Side::In) => bounded = true,
                    Some(Side::Out) => {
                        map.shift_remove(key);
                        self.note(ptr, key, Enforcement::Stricter(range));
                    }
                    _ => {}
                }
            }
            if !bounded && !map.contains_key(keys[0]) {
                let clamped = keys
                    .iter()
                    .any(|k| self.notes.contains_key(&(ptr.to_owned(), (*k).to_owned())));
                if !clamped {
                    self.note(ptr, "type", Enforcement::Stricter(range));
                }
            }
            if !map.contains_key(keys[0]) {
                map.insert(keys[0].into(), limit);
            }
        }
        true
    }

    /// An ECMA-262 pattern as the Rust regex the validator compiles; dropped if it has none or
    /// llguidance cannot read it.
    fn pattern(&mut self, map: &mut Map<String, Value>, ptr: &str) {
        let Some(pattern) = map.get("pattern") else {
            return;
        };
        match pattern.as_str().and_then(readable) {
            Some(rust) => {
                map.insert("pattern".into(), rust.into());
            }
            None => self.drop_rule(map, ptr, "pattern", PATTERN),
        }
    }

    /// The validator's formats, with the extra pattern that makes llguidance's as strict; any
    /// other is dropped.
    fn format(&mut self, map: &mut Map<String, Value>, ptr: &str) {
        let Some(format) = map.get("format") else {
            return;
        };
        // The validator's length caps too (in bytes there; in characters here, never fewer):
        // without them a small model can write a hostname that never ends.
        let (extra, cap) = match format.as_str().and_then(Format::from_name) {
            None => return self.drop_rule(map, ptr, "format", FORMAT),
            Some(Format::Email) => (EMAIL.to_owned(), Some(EMAIL_CAP)),
            Some(Format::Hostname) => (HOSTNAME.to_owned(), Some(HOSTNAME_CAP)),
            Some(Format::Date) => (LEAP_DAY.to_owned(), None),
            Some(Format::DateTime) => (format!(r"{LEAP_DAY}[Tt][0-9]{{2}}:[0-9]{{2}}:[0-5]"), None),
            Some(Format::Time) => (NO_LEAP_SECOND.to_owned(), None),
            Some(_) => return,
        };
        // One extra pattern per schema: llguidance cannot intersect two with a format.
        let mut all_of = match map.shift_remove("allOf") {
            Some(Value::Array(all_of)) => all_of,
            _ => Vec::new(),
        };
        let mut rule = json!({ "pattern": extra });
        if let Some(cap) = cap {
            rule["maxLength"] = cap.into();
        }
        all_of.push(rule);
        map.insert("allOf".into(), Value::Array(all_of));
    }

    /// `patternProperties` with Rust regexes, or folded into `additionalProperties` when
    /// llguidance cannot read them or prove them disjoint (it takes no other kind). True if
    /// folded.
    fn pattern_keys(&mut self, map: &mut Map<String, Value>, ptr: &str) -> bool {
        let Some(Value::Object(patterns)) = map.get("patternProperties") else {
            return false;
        };
        let translated: Option<Vec<String>> = patterns.keys().map(|p| readable(p)).collect();
        let schemas: Vec<Value> = patterns.values().cloned().collect();
        let ok = translated
            .as_ref()
            .is_some_and(|keys| keys.len() <= 1 || disjoint(keys));
        match translated {
            Some(keys) if ok => {
                let rebuilt: Map<String, Value> = keys.into_iter().zip(schemas).collect();
                map.insert("patternProperties".into(), Value::Object(rebuilt));
                false
            }
            _ => self.drop_pattern_keys(map, ptr, PATTERN_KEYS),
        }
    }

    /// Closes an object llguidance would let the model add keys to, where no valid value needs
    /// another key: serde and the validator lose nothing, and no tokens go to invented keys.
    fn close(&mut self, map: &mut Map<String, Value>, ptr: &str) {
        let types = types(map);
        if !(types.is_empty() || types.iter().any(|t| t == "object"))
            || map.contains_key("additionalProperties")
        {
            return;
        }
        let Some(Value::Object(properties)) = map.get("properties") else {
            return;
        };
        let required_known = match map.get("required") {
            None => true,
            Some(Value::Array(names)) => names
                .iter()
                .all(|n| n.as_str().is_some_and(|n| properties.contains_key(n))),
            Some(_) => false,
        };
        let room = map
            .get("minProperties")
            .and_then(Value::as_u64)
            .is_none_or(|min| {
                min <= properties.len() as u64 || map.contains_key("patternProperties")
            });
        if required_known && room {
            map.insert("additionalProperties".into(), false.into());
            self.note(ptr, CLOSED, Enforcement::Stricter(CLOSED_OBJECT));
        }
    }

    /// `minProperties`/`maxProperties` where llguidance takes them: every property required, or
    /// "at most one"/"at least one" of a closed object's. Otherwise dropped.
    fn property_counts(&mut self, map: &mut Map<String, Value>, ptr: &str, merged: bool) {
        let (min, max) = (map.get("minProperties"), map.get("maxProperties"));
        if min.is_none() && max.is_none() {
            return;
        }
        let ok = !merged && {
            let empty = Map::new();
            let properties = map
                .get("properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            let required: std::collections::HashSet<&str> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let optional = properties
                .iter()
                .filter(|(name, schema)| {
                    !required.contains(name.as_str()) && **schema != Value::Bool(false)
                })
                .count() as u64;
            let n = required.len() as u64;
            let min = min.and_then(Value::as_u64).unwrap_or(0).saturating_sub(n);
            let max = max.and_then(Value::as_u64).map(|m| m.saturating_sub(n));
            let closed = map.get("additionalProperties") == Some(&Value::Bool(false))
                && !map.contains_key("patternProperties");
            optional == 0
                || (min == 0 && max.is_none())
                || (min <= 1 && max.unwrap_or(1) == 1 && closed)
        };
        if !ok {
            self.drop_rule(map, ptr, "minProperties", PROPERTY_COUNTS);
            self.drop_rule(map, ptr, "maxProperties", PROPERTY_COUNTS);
        }
    }

    /// A fractional `multipleOf` with a range below zero: llguidance cannot write some multiples
    /// between -1 and 0 (-0.5 of 0.25: it takes neither `-0.5` nor `-0.50`), so any number
    /// there is let in beside the node.
    fn negative_fractions(&mut self, map: &mut Map<String, Value>, ptr: &str) {
        let Some(step) = map.get("multipleOf").and_then(Value::as_f64) else {
            return;
        };
        let get = |key: &str| map.get(key).and_then(Value::as_f64);
        let below_zero = [get("minimum"), get("exclusiveMinimum")]
            .into_iter()
            .flatten()
            .all(|lo| lo < 0.0);
        if step.fract() == 0.0 || !below_zero {
            return;
        }
        let mut gap = Map::new();
        gap.insert("type".into(), "number".into());
        let floor = get("exclusiveMinimum").map_or(-1.0, |b| b.max(-1.0));
        let ceiling = get("exclusiveMaximum").map_or(0.0, |b| b.min(0.0));
        gap.insert("exclusiveMinimum".into(), floor.into());
        gap.insert("exclusiveMaximum".into(), ceiling.into());
        for key in ["minimum", "maximum"] {
            if let Some(bound) = map.get(key) {
                gap.insert(key.into(), bound.clone());
            }
        }
        let mut node = Map::new();
        for key in map.keys().cloned().collect::<Vec<_>>() {
            if compiled_rule(&key) {
                if let Some(value) = map.shift_remove(&key) {
                    node.insert(key, value);
                }
            }
        }
        map.insert(
            "anyOf".into(),
            json!([Value::Object(node), Value::Object(gap)]),
        );
        self.note(
            ptr,
            "multipleOf",
            Enforcement::Validator(NEGATIVE_FRACTIONS),
        );
    }

    /// `multipleOf` where llguidance can write it: positive, at most 9 significant digits.
    fn multiple_of(&mut self, map: &mut Map<String, Value>, ptr: &str) {
        let Some(m) = map.get("multipleOf") else {
            return;
        };
        if !m.as_f64().is_some_and(decimal) {
            self.drop_rule(map, ptr, "multipleOf", MULTIPLE);
        }
    }
}

/// Where a bound lies against the limit: within, beyond it on the far side (clamped: stricter),
/// or beyond it on the near side (the whole range is out of reach).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    In,
    Out,
    Across,
}

impl Side {
    fn of(lower: bool, below: bool, above: bool) -> Side {
        match (lower, below, above) {
            (true, true, _) | (false, _, true) => Side::Out,
            (_, false, false) => Side::In,
            _ => Side::Across,
        }
    }
}

/// Whether every number in `value` (an `enum`'s list, a `const`) is one an `f64` holds exactly,
/// as llguidance needs to write it. Without recursion: the value may be deep.
fn exact_numbers(value: &Value) -> bool {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Number(n) => {
                let exact = n
                    .as_i64()
                    .map(i128::from)
                    .or_else(|| n.as_u64().map(i128::from));
                if exact.is_some_and(|i| (i as f64) as i128 != i) {
                    return false;
                }
            }
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    true
}

/// Integer bounds past 2^53 moved outward to an `f64`, which is how llguidance reads them: rounded
/// to the nearest, a maximum of 9007199254740993 would refuse the valid 9007199254740993. The
/// bounds that are no `f64` (the grammar's is then looser).
fn outward(map: &mut Map<String, Value>) -> Vec<&'static str> {
    let mut moved_keys = Vec::new();
    for (key, lower) in [
        ("minimum", true),
        ("exclusiveMinimum", true),
        ("maximum", false),
        ("exclusiveMaximum", false),
    ] {
        let Some(exact) = map.get(key).and_then(|v| {
            v.as_i64()
                .map(i128::from)
                .or_else(|| v.as_u64().map(i128::from))
        }) else {
            continue;
        };
        let mut f = exact as f64;
        if f as i128 == exact {
            continue;
        }
        // Not an f64: llguidance's bound is a neighbour, looser by less than one step once outward.
        moved_keys.push(key);
        if lower && f as i128 > exact {
            f = f.next_down();
        } else if !lower && (f as i128) < exact {
            f = f.next_up();
        } else {
            continue;
        }
        let moved = f as i128;
        let value = i64::try_from(moved)
            .map(Value::from)
            .or_else(|_| u64::try_from(moved).map(Value::from))
            .unwrap_or_else(|_| Value::from(f));
        map.insert(key.into(), value);
    }
    moved_keys
}

/// Whether llguidance turns `f` into its decimal `multipleOf` (its own test: at most `u32::MAX`
/// once scaled to an integer).
fn decimal(f: f64) -> bool {
    if !(f > 0.0 && f.is_finite()) {
        return false;
    }
    let mut scaled = f;
    for _ in 0..400 {
        if scaled.fract() == 0.0 {
            return scaled <= f64::from(u32::MAX);
        }
        scaled *= 10.0;
    }
    false
}

/// The Rust regex the validator compiles for an ECMA-262 pattern, if llguidance reads it.
fn readable(pattern: &str) -> Option<String> {
    let rust = jsonschema_regex::to_rust_regex(pattern).ok()?.into_owned();
    let mut builder = RegexBuilder::new();
    builder
        .mk(&RegexAst::SearchRegex(regex_to_lark(&rust, "dw")))
        .ok()?;
    Some(rust)
}

/// Whether llguidance can prove these patterns disjoint (its own test, and its fuel; it refuses
/// overlapping `patternProperties`). More than a few are not tried: the test is quadratic.
fn disjoint(patterns: &[String]) -> bool {
    const FUEL: u64 = 10_000;
    if patterns.len() > 16 {
        return false;
    }
    let mut builder = RegexBuilder::new();
    let Ok(refs) = patterns
        .iter()
        .map(|p| builder.mk_regex_for_serach(&regex_to_lark(p, "dw")))
        .collect::<Result<Vec<_>, _>>()
    else {
        return false;
    };
    for (i, a) in refs.iter().enumerate() {
        for b in &refs[i + 1..] {
            let both = builder.mk(&RegexAst::And(vec![
                RegexAst::ExprRef(*a),
                RegexAst::ExprRef(*b),
            ]));
            let empty = both
                .and_then(|e| builder.to_regex_limited(e, FUEL))
                .map(|mut rx| rx.always_empty());
            if !matches!(empty, Ok(true)) {
                return false;
            }
        }
    }
    true
}

/// Whether closing the object cannot make a valid value impossible: no rule the grammar drops
/// (`if`, `not`, dependencies) may ask for a key it does not declare.
fn closable(map: &Map<String, Value>) -> bool {
    let declared = map.get("properties").and_then(Value::as_object);
    let dependencies_known = match map.get("dependentRequired") {
        None => true,
        Some(Value::Object(deps)) => deps.iter().all(|(key, names)| {
            let known = |n: &str| declared.is_some_and(|p| p.contains_key(n));
            known(key)
                && names
                    .as_array()
                    .is_some_and(|ns| ns.iter().all(|n| n.as_str().is_some_and(known)))
        }),
        Some(_) => false,
    };
    dependencies_known
        && ![
            "if",
            "then",
            "else",
            "not",
            "dependentSchemas",
            "dependencies",
            "unevaluatedProperties",
        ]
        .iter()
        .any(|k| map.contains_key(*k))
}

/// A node's integer range, `[lo, hi]`, if it crosses zero.
fn across_zero(map: &Map<String, Value>) -> Option<(i64, i64)> {
    let int = |key: &str, round: fn(f64) -> f64| -> Option<i64> {
        let v = map.get(key)?;
        v.as_i64().or_else(|| {
            let f = round(v.as_f64()?);
            (f.abs() <= INT_LIMIT as f64).then_some(f as i64)
        })
    };
    let lo = [
        int("minimum", f64::ceil),
        int("exclusiveMinimum", f64::floor).map(|b| b.saturating_add(1)),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(-INT_LIMIT);
    let hi = [
        int("maximum", f64::floor),
        int("exclusiveMaximum", f64::ceil).map(|b| b.saturating_sub(1)),
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(INT_LIMIT);
    (lo < 0 && hi >= 0).then_some((lo, hi))
}

/// The type and bound keywords, which each range of a split sets itself.
fn is_bound(key: &str) -> bool {
    matches!(
        key,
        "type" | "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum"
    )
}

/// An integer range across zero as two ranges, `[lo, -1]` and `[0, hi]`: llguidance's regex for it
/// admits `-0`, which serde reads as a float.
fn split_at_zero(map: &mut Map<String, Value>, lo: i64, hi: i64, nullable: bool) {
    let mut rest = Map::new();
    for (key, value) in map.iter() {
        if compiled_rule(key) && !is_bound(key) {
            rest.insert(key.clone(), value.clone());
        }
    }
    let range = |lo: i64, hi: i64| {
        let mut branch = Map::new();
        branch.insert("type".into(), "integer".into());
        branch.insert("minimum".into(), lo.into());
        branch.insert("maximum".into(), hi.into());
        branch.extend(rest.clone());
        Value::Object(branch)
    };
    let mut any_of = vec![range(lo, -1), range(0, hi)];
    if nullable {
        any_of.push(json!({"type": "null"}));
    }
    map.retain(|key, _| !compiled_rule(key));
    map.insert("anyOf".into(), Value::Array(any_of));
}

/// A date prefix that admits Feb 29 only in leap years (proleptic Gregorian; 0000 is leap).
const LEAP_DAY: &str = concat!(
    r"^(?:[0-9]{4}-(?:0[13-9]|1[0-2])-[0-9]{2}|[0-9]{4}-02-(?:0[1-9]|1[0-9]|2[0-8])",
    r"|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
);

/// A time whose seconds are below 60.
const NO_LEAP_SECOND: &str = r"^[0-9]{2}:[0-9]{2}:[0-5]";

/// A DNS label: 1–63 letters, digits and hyphens, not starting with a hyphen, without `--` in
/// positions 3–4.
macro_rules! label {
    () => {
        r"[A-Za-z0-9](?:[A-Za-z0-9-](?:[A-Za-z0-9][A-Za-z0-9-]{0,60}|-(?:[A-Za-z0-9][A-Za-z0-9-]{0,59})?)?)?"
    };
}

/// Labels separated by dots.
const HOSTNAME: &str = concat!(r"^(?:", label!(), r"\.)*", label!(), r"$");

/// The longest hostname the validator takes (RFC 1034: 253 characters as text).
const HOSTNAME_CAP: usize = 253;
/// The longest email address: a local part of 64 octets, `@`, a hostname.
const EMAIL_CAP: usize = 64 + 1 + HOSTNAME_CAP;

/// A local part of at most 64 octets, then a hostname.
const EMAIL: &str = concat!(r"^[^@]{1,64}@(?:", label!(), r"\.)*", label!(), r"$");
