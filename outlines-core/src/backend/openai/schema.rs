//! The OpenAI strict-mode rendering of a JSON Schema.
//!
//! With `strict: true`, OpenAI's Structured Outputs constrain decoding to the schema, but accept only a
//! subset of JSON Schema: the root is an object; every object lists every property in `required` and
//! has `additionalProperties: false`; `$ref` stands alone; no `allOf`, `oneOf`, `const`,
//! `prefixItems`, `uniqueItems`, string lengths or `uri` format; and size limits. [`strict`] rewrites
//! the schema `Structured::json_schema` renders into that subset. The rewrite only loosens: a rule
//! the subset cannot express is stated in the description instead ("(1-80 characters)"), so the model
//! still reads it, and the validator, which checks the original schema, still enforces it.
//!
//! A schema with open keys (a map, a flattened map) or an arbitrary value has no strict form:
//! [`strict`] says why ([`NotStrict`]) and the caller sends the plain schema with `strict: false`.
//! [`strict_violations`] checks any schema against the subset's rules; tests use it on the output.
//!
//! Any JSON Schema 2020-12 goes through the same transform, not only a derived type's; the strict
//! form never loses every valid value, so it falls back where closing the object or requiring every
//! property could: `required`, `dependentRequired` or an `if`'s `then` naming a key the object does
//! not declare, `minProperties` beyond its properties, and — where some properties are optional —
//! `maxProperties` below their number or `not`/`if`/`propertyNames`/`anyOf` on the object; also a
//! free-form `{"type": "object"}`, a `$ref` with rules beside it, an `enum`/`const` of objects, a
//! recursion with no way out once every property is required. Keywords it cannot state (`not`,
//! `if`/`then`/`else`, `contains`, `propertyNames`, `dependentRequired`, `patternProperties`,
//! string lengths, `uniqueItems`, ...) are moved into the description, each cut at 200 bytes;
//! `oneOf` becomes `anyOf`; `definitions` are read as `$defs`. A schema nested more than 128 levels
//! ([`NotStrict::Nested`]) has no strict form, nor references chained more than 64 deep; the
//! transform recurses no further, and copies of described references are bounded.

mod check;
mod reply;

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value, json};

pub use check::{Limits, strict_violations};
pub use reply::unwrap_reply;

use crate::backend::transform::{
    self, RootRefs, Rules, closing_problem, def_name, def_ref, escape, is_object, open_tuple, refs,
    subschemas_mut, tuple_items,
};

/// The key a non-object root is wrapped in: `{"value": <the root>}`.
pub const WRAPPER_KEY: &str = transform::WRAPPER_KEY;

/// The `format` values strict mode accepts; any other is stated in the description.
pub const STRICT_FORMATS: &[&str] = match transform::FORMATS.split_last() {
    // All but `uri`, the last.
    Some((_, rest)) => rest,
    None => &[],
};

/// A schema in the strict subset.
#[derive(Clone, Debug, PartialEq)]
pub struct Strict {
    /// The schema to send with `strict: true`.
    pub schema: Value,
    /// Whether the root was wrapped as `{"value": ...}`: the reply must then be unwrapped
    /// ([`unwrap_reply`]).
    pub wrapped: bool,
}

/// Why a schema has no strict form. Paths are JSON pointers into the original schema (`#` is the root).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotStrict {
    /// An object that accepts keys it does not name: a map, or a struct with a flattened map.
    #[error("{path}: an object with open keys (a map or a flattened map) has no strict form")]
    OpenObject {
        /// Where.
        path: String,
    },
    /// A schema that accepts any JSON value (`serde_json::Value`).
    #[error("{path}: a schema that allows any JSON value has no strict form")]
    AnyValue {
        /// Where.
        path: String,
    },
    /// A construct the transform cannot express (a boolean schema, nested `$defs`, a structural
    /// `allOf`).
    #[error("{path}: {what} has no strict form")]
    Unsupported {
        /// Where.
        path: String,
        /// What.
        what: String,
    },
    /// A `$ref` that does not point at the root or into `$defs`.
    #[error("{path}: `$ref` {reference:?} does not point at the root or into `$defs`")]
    Reference {
        /// Where.
        path: String,
        /// The reference.
        reference: String,
    },
    /// A schema nested deeper, or with references chained longer, than the transform follows.
    #[error("{what} more than {limit} levels deep")]
    Nested {
        /// What: "the schema is nested", "references are chained".
        what: String,
        /// The limit.
        limit: usize,
    },
    /// More object properties than strict mode allows.
    #[error("{count} object properties in all, more than strict mode's {limit}")]
    TooManyProperties {
        /// Properties counted.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// Objects nested deeper than strict mode allows.
    #[error("{depth} levels of object nesting, more than strict mode's {limit}")]
    TooDeep {
        /// Levels counted.
        depth: usize,
        /// The limit.
        limit: usize,
    },
    /// More enum values than strict mode allows.
    #[error("{count} enum values in all, more than strict mode's {limit}")]
    TooManyEnumValues {
        /// Values counted.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A large string enum with too many characters.
    #[error(
        "{path}: an enum of {count} strings with {chars} characters, more than strict mode's {limit}"
    )]
    EnumTooLong {
        /// Where.
        path: String,
        /// Values in the enum.
        count: usize,
        /// Characters of its values.
        chars: usize,
        /// The limit.
        limit: usize,
    },
    /// More characters of names and enum values than strict mode allows.
    #[error(
        "{chars} characters of property names, definition names and enum values, more than strict mode's {limit}"
    )]
    TooMuchText {
        /// Characters counted.
        chars: usize,
        /// The limit.
        limit: usize,
    },
}

/// The strict form of `schema` within the default [`Limits`].
///
/// ```
/// use serde_json::json;
/// use outlines_core::backend::openai::schema::strict;
///
/// let schema = json!({
///     "type": "object",
///     "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 80}},
///     "required": ["name"],
/// });
/// let out = strict(&schema).unwrap();
/// assert!(!out.wrapped);
/// assert_eq!(out.schema, json!({
///     "type": "object",
///     "properties": {"name": {"type": "string", "description": "(1-80 characters)"}},
///     "required": ["name"],
///     "additionalProperties": false,
/// }));
/// ```
pub fn strict(schema: &Value) -> Result<Strict, NotStrict> {
    strict_with(schema, &Limits::default())
}

/// The strict form of `schema` within `limits`.
pub fn strict_with(schema: &Value, limits: &Limits) -> Result<Strict, NotStrict> {
    let schema = transform::prepare(schema).map_err(|why| {
        if why.contains("nested") {
            NotStrict::Nested {
                what: "the schema is nested".into(),
                limit: transform::MAX_DEPTH,
            }
        } else {
            unsupported("#", &why)
        }
    })?;
    let schema = schema.as_ref();
    let wrapped = !is_object_root(schema);
    let doc = if wrapped {
        wrap(schema)
    } else {
        schema.clone()
    };
    let Value::Object(mut root) = doc else {
        return Err(NotStrict::AnyValue { path: "#".into() });
    };
    root.remove("$schema");
    let raw_defs = match root.remove("$defs") {
        None => Map::new(),
        Some(Value::Object(defs)) => defs,
        Some(_) => {
            return Err(NotStrict::Unsupported {
                path: "#/$defs".into(),
                what: "a `$defs` that is not an object".into(),
            });
        }
    };
    let cx = Transform { defs: &raw_defs };
    let mut defs = Map::new();
    for (key, def) in &raw_defs {
        defs.insert(key.clone(), cx.node(def, &def_ref(key))?);
    }
    let body = cx.node(&Value::Object(root), "#")?;

    // `$ref` must stand alone: described references are replaced by the definition they name.
    let inliner = Inliner::new(body.clone(), defs.clone());
    let mut body = body;
    inliner.inline(&mut body, &mut vec!["#".to_owned()]);
    for (key, def) in defs.iter_mut() {
        inliner.inline(def, &mut vec![def_ref(key)]);
    }
    let used = reachable_defs(&body, &defs);
    defs.retain(|key, _| used.contains(key));

    let mut out = match body {
        Value::Object(map) => map,
        _ => return Err(NotStrict::AnyValue { path: "#".into() }),
    };
    if !defs.is_empty() {
        out.insert("$defs".into(), Value::Object(defs));
    }
    let schema = Value::Object(out);
    if !check::finite(&schema) {
        // Every property required: a property that is the whole value again never ends.
        return Err(unsupported(
            "#",
            "a recursion with no way out once every property is required",
        ));
    }
    if let Some(first) = check::measure(&schema, limits).into_iter().next() {
        return Err(first);
    }
    Ok(Strict { schema, wrapped })
}

/// Whether `schema`'s root is a plain object type, as strict mode and tool parameters require.
pub fn is_object_root(schema: &Value) -> bool {
    schema.get("type") == Some(&Value::from("object"))
        && !["anyOf", "oneOf", "allOf", "$ref"]
            .iter()
            .any(|k| schema.get(*k).is_some())
}

/// `schema` wrapped as the single property [`WRAPPER_KEY`] of an object, `$defs` kept at the root.
///
/// References to the root (`"$ref": "#"`) would now point at the wrapper, so the old root moves into
/// `$defs` and they are rewritten to point at it: strict mode takes no other kind of reference.
pub fn wrap(schema: &Value) -> Value {
    transform::wrap(schema, RootRefs::ToDefinition)
}

// ---------------------------------------------------------------------------------------------------
// The transform.

struct Transform<'a> {
    /// The original definitions, to check that references resolve.
    defs: &'a Map<String, Value>,
}

impl Transform<'_> {
    /// One schema node in strict form; its children too.
    fn node(&self, schema: &Value, path: &str) -> Result<Value, NotStrict> {
        let input = match schema {
            Value::Object(map) => map,
            Value::Bool(true) => return Err(NotStrict::AnyValue { path: path.into() }),
            _ => {
                return Err(NotStrict::Unsupported {
                    path: path.into(),
                    what: "a boolean schema".into(),
                });
            }
        };
        let tuple = input.contains_key("prefixItems");
        let mut out = Map::new();
        let mut rules = Rules::default();
        let mut description = None;
        let mut positions = None;
        for (key, value) in input {
            let here = || format!("{path}/{}", escape(key));
            match key.as_str() {
                "$schema" | "$comment" | "$id" | "$anchor" | "required" => {}
                "description" if value.is_string() => description = value.as_str(),
                "type" | "pattern" | "multipleOf" | "minimum" | "maximum" | "exclusiveMinimum"
                | "exclusiveMaximum" => {
                    out.insert(key.clone(), value.clone());
                }
                "minItems" | "maxItems" => {
                    out.insert(key.clone(), value.clone());
                    // A tuple's length is stated with its order: `items` keeps neither.
                    if tuple {
                        rules.absorb(key, value);
                    }
                }
                "enum" | "const"
                    if listed_values(value, key).any(|v| v.is_object() || v.is_array()) =>
                {
                    return Err(unsupported(&here(), "an `enum` of objects or arrays"));
                }
                "enum" if input.contains_key("const") => {}
                "enum" => {
                    out.insert(key.clone(), value.clone());
                }
                "const" => {
                    out.insert("enum".into(), json!([value]));
                }
                "$ref" => {
                    self.check_ref(value, path)?;
                    // Beside a reference, only words: inlining merges the definition with its
                    // siblings key by key, which is no intersection.
                    if let Some(rule) = input.keys().find(|k| !REF_SIBLINGS.contains(&k.as_str())) {
                        return Err(unsupported(
                            path,
                            &format!("`$ref` with `{rule}` beside it"),
                        ));
                    }
                    out.insert(key.clone(), value.clone());
                }
                "format" if value.as_str().is_some_and(|f| STRICT_FORMATS.contains(&f)) => {
                    out.insert(key.clone(), value.clone());
                }
                "properties" => {
                    let Value::Object(properties) = value else {
                        return Err(unsupported(&here(), "`properties` that is not an object"));
                    };
                    let mut rendered = Map::new();
                    for (name, property) in properties {
                        let at = format!("{}/{}", here(), escape(name));
                        // A property no value satisfies is one the closed object leaves out.
                        if property == &Value::Bool(false) {
                            if required(input).any(|r| r == name) {
                                return Err(unsupported(
                                    &at,
                                    "a required property no value satisfies",
                                ));
                            }
                            continue;
                        }
                        rendered.insert(name.clone(), self.node(property, &at)?);
                    }
                    out.insert(key.clone(), Value::Object(rendered));
                }
                "additionalProperties" => {
                    if value != &Value::Bool(false) {
                        return Err(NotStrict::OpenObject { path: path.into() });
                    }
                }
                "items" => match value {
                    Value::Bool(false) if tuple => {}
                    Value::Object(_) if tuple => {
                        return Err(unsupported(&here(), "a tuple with open extra items"));
                    }
                    Value::Object(_) => {
                        out.insert(key.clone(), self.node(value, &here())?);
                    }
                    Value::Bool(true) => return Err(NotStrict::AnyValue { path: here() }),
                    _ => return Err(unsupported(&here(), "`items: false` without `prefixItems`")),
                },
                "prefixItems" => {
                    let Value::Array(items) = value else {
                        return Err(unsupported(&here(), "`prefixItems` that is not an array"));
                    };
                    let mut rendered = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        rendered.push(self.node(item, &format!("{}/{i}", here()))?);
                    }
                    positions = Some((items, rendered));
                }
                "anyOf" | "oneOf" => {
                    let Value::Array(branches) = value else {
                        return Err(unsupported(
                            &here(),
                            &format!("`{key}` that is not an array"),
                        ));
                    };
                    if out.contains_key("anyOf") {
                        return Err(unsupported(path, "both `anyOf` and `oneOf`"));
                    }
                    let mut rendered = Vec::new();
                    for (i, branch) in branches.iter().enumerate() {
                        rendered.push(self.node(branch, &format!("{}/{i}", here()))?);
                    }
                    out.insert("anyOf".into(), Value::Array(rendered));
                }
                "allOf" => all_of(value, &here(), &mut rules)?,
                "$defs" => return Err(unsupported(&here(), "`$defs` below the root")),
                // Lengths, `uniqueItems`, other formats, `examples`, `title`, ...: in words.
                _ => rules.add(key, value),
            }
        }
        if open_tuple(input) {
            return Err(unsupported(
                path,
                "a tuple with items of any value after its positions",
            ));
        }
        if let Some((original, rendered)) = positions {
            // Each position's schema is allowed anywhere; the count and the words keep the order.
            let items = tuple_items(original, rendered, &mut rules)
                .ok_or_else(|| unsupported(path, "an empty tuple"))?;
            out.insert("items".into(), items);
        }
        if is_object(&out) {
            // Closed, and every property required: for a derived type, optional fields are already
            // nullable (`Option`) and a field with a serde default accepts any value of its type, so
            // requiring it loses nothing (making it nullable would invite a `null` the validator
            // rejects). Any schema: only where no rule on the object's keys forbids it, and where
            // the schema named its properties (a free-form object has no strict form).
            if let Some(why) = closing_problem(input, true) {
                return Err(unsupported(path, &why));
            }
            if !input.contains_key("properties")
                && input.get("additionalProperties") != Some(&Value::Bool(false))
            {
                return Err(NotStrict::OpenObject { path: path.into() });
            }
            if out.contains_key("anyOf") {
                return Err(unsupported(
                    path,
                    "an object with `anyOf`/`oneOf` beside its properties",
                ));
            }
            let properties = out
                .entry("properties")
                .or_insert_with(|| Value::Object(Map::new()));
            let names: Vec<Value> = match properties {
                Value::Object(p) => p.keys().map(|k| Value::from(k.as_str())).collect(),
                _ => Vec::new(),
            };
            out.insert("required".into(), Value::Array(names));
            out.insert("additionalProperties".into(), false.into());
        }
        rules.describe(description, &mut out);
        if !["type", "anyOf", "$ref", "enum"]
            .iter()
            .any(|k| out.contains_key(*k))
        {
            return Err(NotStrict::AnyValue { path: path.into() });
        }
        Ok(Value::Object(out))
    }

    fn check_ref(&self, reference: &Value, path: &str) -> Result<(), NotStrict> {
        let resolves = match reference.as_str() {
            Some("#") => true,
            Some(r) => def_name(r).is_some_and(|k| self.defs.contains_key(k.as_ref())),
            None => false,
        };
        if resolves {
            Ok(())
        } else {
            Err(NotStrict::Reference {
                path: path.into(),
                reference: reference
                    .as_str()
                    .map_or_else(|| reference.to_string(), str::to_owned),
            })
        }
    }
}

/// What may stand beside a `$ref`: annotations, which inlining carries into words.
const REF_SIBLINGS: &[&str] = &[
    "$ref",
    "description",
    "examples",
    "title",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
    "$schema",
    "$id",
    "$anchor",
];

/// The values an `enum` lists, or a `const`'s one.
fn listed_values<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    let values: &'a [Value] = match (key, value) {
        ("enum", Value::Array(values)) => values,
        ("const", value) => std::slice::from_ref(value),
        _ => &[],
    };
    values.iter()
}

/// The names a node's `required` lists.
fn required(map: &Map<String, Value>) -> impl Iterator<Item = &str> {
    map.get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

fn unsupported(path: &str, what: &str) -> NotStrict {
    NotStrict::Unsupported {
        path: path.into(),
        what: what.into(),
    }
}

/// `allOf` members carry extra rules on a leaf (a second pattern, format or multiple): stated in words.
fn all_of(value: &Value, path: &str, rules: &mut Rules) -> Result<(), NotStrict> {
    const STRUCTURAL: &[&str] = &[
        "type",
        "properties",
        "items",
        "prefixItems",
        "anyOf",
        "oneOf",
        "allOf",
        "$ref",
        "additionalProperties",
    ];
    let Value::Array(members) = value else {
        return Err(unsupported(path, "`allOf` that is not an array"));
    };
    for (i, member) in members.iter().enumerate() {
        let Value::Object(member) = member else {
            return Err(unsupported(&format!("{path}/{i}"), "a boolean schema"));
        };
        for (key, value) in member {
            if STRUCTURAL.contains(&key.as_str()) {
                return Err(unsupported(&format!("{path}/{i}"), "a structural `allOf`"));
            }
            rules.add(key, value);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// `$ref` with siblings.

/// Replaces each `$ref` that has siblings (a field's description) with a copy of the definition it
/// names, the field's description first. This is what OpenAI's own Python SDK does; the description
/// stays where the model reads it. A reference back into a definition being inlined (recursion) keeps
/// only its `$ref`: inlining it would never end. So does one past [`INLINE_DEPTH`] nested inlinings
/// or [`INLINE_BUDGET`] copied nodes in all: a hostile schema's references, each naming the next
/// twice, would otherwise copy exponentially.
struct Inliner {
    root: Value,
    defs: Map<String, Value>,
    /// Nodes it may still copy.
    budget: std::cell::Cell<usize>,
    /// Each definition's size, counted once (10,000 references to one large definition would
    /// otherwise count it 10,000 times).
    sizes: std::cell::RefCell<HashMap<String, usize>>,
}

/// The most inlinings nested in one another.
const INLINE_DEPTH: usize = 8;
/// The most nodes all inlinings copy.
const INLINE_BUDGET: usize = 100_000;

/// The JSON values in `value`, counted without recursion.
fn size(value: &Value) -> usize {
    let mut count = 0;
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        count += 1;
        match value {
            Value::Object(map) => stack.extend(map.values()),
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    count
}

impl Inliner {
    fn new(root: Value, defs: Map<String, Value>) -> Inliner {
        Inliner {
            root,
            defs,
            budget: std::cell::Cell::new(INLINE_BUDGET),
            sizes: Default::default(),
        }
    }

    fn inline(&self, node: &mut Value, stack: &mut Vec<String>) {
        let Value::Object(map) = node else { return };
        let reference = match map.get("$ref") {
            Some(Value::String(r)) if map.len() > 1 => Some(r.clone()),
            _ => None,
        };
        let Some(reference) = reference else {
            for child in subschemas_mut(map) {
                self.inline(child, stack);
            }
            return;
        };
        let target = if reference == "#" {
            Some(&self.root)
        } else {
            def_name(&reference).and_then(|k| self.defs.get(k.as_ref()))
        };
        let inlinable = !stack.contains(&reference) && stack.len() <= INLINE_DEPTH;
        let target = target.filter(|_| inlinable);
        let cost = target.map_or(0, |t| {
            *self
                .sizes
                .borrow_mut()
                .entry(reference.clone())
                .or_insert_with(|| size(t))
        });
        let target = match target {
            Some(Value::Object(t)) if cost <= self.budget.get() => t,
            _ => {
                map.retain(|k, _| k == "$ref");
                return;
            }
        };
        self.budget.set(self.budget.get() - cost);
        let mut merged = target.clone();
        merged.remove("$defs");
        for (key, value) in std::mem::take(map) {
            match key.as_str() {
                "$ref" => {}
                "description" => {
                    let text = match (
                        value.as_str(),
                        merged.get("description").and_then(Value::as_str),
                    ) {
                        (Some(own), Some(theirs)) if own != theirs => format!("{own}\n{theirs}"),
                        (Some(own), _) => own.to_owned(),
                        (None, _) => continue,
                    };
                    merged.insert(key, text.into());
                }
                _ => {
                    merged.insert(key, value);
                }
            }
        }
        *node = Value::Object(merged);
        stack.push(reference);
        if let Value::Object(map) = node {
            for child in subschemas_mut(map) {
                self.inline(child, stack);
            }
        }
        stack.pop();
    }
}

/// The definitions the root reaches, directly or through other definitions.
fn reachable_defs(root: &Value, defs: &Map<String, Value>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = refs(root);
    while let Some(reference) = todo.pop() {
        let Some((key, def)) = def_name(reference).and_then(|k| defs.get_key_value(k.as_ref()))
        else {
            continue;
        };
        if seen.insert(key.clone()) {
            todo.extend(refs(def));
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(schema: Value) -> Strict {
        let out = strict(&schema).unwrap_or_else(|e| panic!("not strict: {e}"));
        let violations = strict_violations(&out.schema);
        assert!(violations.is_empty(), "{violations:#?}\n{:#}", out.schema);
        out
    }

    #[test]
    fn strict_formats_are_the_documented_ones() {
        assert_eq!(
            STRICT_FORMATS.join(" "),
            "date-time time date duration email hostname ipv4 ipv6 uuid"
        );
    }

    #[test]
    fn objects_close_and_require_every_property() {
        let out = ok(json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "email": {"type": ["string", "null"]},
                "tier": {"type": "integer", "minimum": 0, "maximum": 255},
            },
            "required": ["name"],
        }));
        assert_eq!(
            out.schema,
            json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "email": {"type": ["string", "null"]},
                    // A defaulted field is required as it is: any value of its type is valid.
                    "tier": {"type": "integer", "minimum": 0, "maximum": 255},
                },
                "required": ["name", "email", "tier"],
                "additionalProperties": false,
            })
        );
        assert!(!out.wrapped);
    }

    #[test]
    fn unsupported_keywords_move_into_the_description() {
        let out = ok(json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 80, "description": "Full name."},
                "code": {"type": "string", "minLength": 1, "maxLength": 1},
                "bio": {"type": "string", "maxLength": 500},
                "nick": {"type": "string", "minLength": 2, "examples": ["Ada", "Bo"]},
                "home": {"type": "string", "format": "uri"},
                "when": {"type": "string", "format": "date-time"},
                "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "maxItems": 3},
                "word": {"type": "string", "pattern": "^a", "allOf": [{"pattern": "z$"}, {"format": "email"}]},
                "step": {"type": "integer", "multipleOf": 2, "allOf": [{"multipleOf": 3}]},
                "kind": {"type": "string", "const": "circle"},
                "odd": {"type": "string", "title": "Odd"},
            },
            "required": ["name"],
        }));
        let props = &out.schema["properties"];
        assert_eq!(
            props["name"],
            json!({"type": "string", "description": "Full name. (1-80 characters)"})
        );
        assert_eq!(props["code"]["description"], "(exactly 1 character)");
        assert_eq!(props["bio"]["description"], "(at most 500 characters)");
        assert_eq!(
            props["nick"]["description"],
            "(at least 2 characters; e.g. \"Ada\", \"Bo\")"
        );
        assert_eq!(
            props["home"],
            json!({"type": "string", "description": "(format: uri)"})
        );
        assert_eq!(
            props["when"],
            json!({"type": "string", "format": "date-time"})
        );
        assert_eq!(
            props["tags"],
            json!({"type": "array", "items": {"type": "string"}, "maxItems": 3, "description": "(unique items)"})
        );
        assert_eq!(
            props["word"],
            json!({"type": "string", "pattern": "^a", "description": "(matching /z$/; format: email)"})
        );
        assert_eq!(
            props["step"],
            json!({"type": "integer", "multipleOf": 2, "description": "(a multiple of 3)"})
        );
        assert_eq!(props["kind"], json!({"type": "string", "enum": ["circle"]}));
        assert_eq!(
            props["odd"],
            json!({"type": "string", "description": "(title: \"Odd\")"})
        );
    }

    #[test]
    fn tuples_become_arrays_with_their_order_in_words() {
        let out = ok(json!({
            "type": "object",
            "properties": {
                "at": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}],
                       "items": false, "minItems": 2, "maxItems": 2},
                "pair": {"type": "array", "prefixItems": [{"type": "integer"}, {"$ref": "#/$defs/P"}],
                         "items": false, "minItems": 2, "maxItems": 2},
            },
            "required": ["at", "pair"],
            "$defs": {"P": {"type": "string", "enum": ["a", "b"]}},
        }));
        assert_eq!(
            out.schema["properties"]["at"],
            json!({"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"},
                   "description": "(exactly 2 items)"})
        );
        assert_eq!(
            out.schema["properties"]["pair"]["items"],
            json!({"anyOf": [{"type": "integer"}, {"$ref": "#/$defs/P"}]})
        );
        assert_eq!(
            out.schema["properties"]["pair"]["description"],
            "(exactly 2 items; in order: integer, P)"
        );
    }

    #[test]
    fn described_references_are_inlined() {
        let out = ok(json!({
            "type": "object",
            "properties": {
                "role": {"$ref": "#/$defs/Role", "description": "What they may do."},
                "boss": {"$ref": "#/$defs/Person", "examples": [{"name": "Ada"}]},
                "plain": {"$ref": "#/$defs/Role"},
            },
            "required": ["role", "boss", "plain"],
            "$defs": {
                "Role": {"type": "string", "enum": ["user", "admin"], "description": "A role."},
                // Recursive through a list, which may be empty: a value ends.
                "Person": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "reports": {"type": "array",
                        "items": {"$ref": "#/$defs/Person", "description": "Their report."}}},
                    "required": ["name", "reports"],
                },
            },
        }));
        let props = &out.schema["properties"];
        assert_eq!(
            props["role"],
            json!({"type": "string", "enum": ["user", "admin"], "description": "What they may do.\nA role."})
        );
        assert_eq!(props["boss"]["description"], "(e.g. {\"name\":\"Ada\"})");
        assert_eq!(
            props["boss"]["properties"]["reports"]["items"],
            json!({"$ref": "#/$defs/Person"})
        );
        assert_eq!(props["plain"], json!({"$ref": "#/$defs/Role"}));
        // Inside the definition itself, the recursive reference loses its description.
        assert_eq!(
            out.schema["$defs"]["Person"]["properties"]["reports"]["items"],
            json!({"$ref": "#/$defs/Person"})
        );
        // A required property that is the value again never ends: no strict form.
        let endless = json!({"type": "object", "properties": {"manager": {"$ref": "#"}}, "required": ["manager"]});
        assert!(
            strict(&endless)
                .unwrap_err()
                .to_string()
                .contains("no way out")
        );
    }

    #[test]
    fn non_object_roots_are_wrapped() {
        let out = ok(json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "array",
            "items": {"$ref": "#/$defs/Person"},
            "$defs": {"Person": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
        }));
        assert!(out.wrapped);
        assert_eq!(
            out.schema,
            json!({
                "type": "object",
                "properties": {"value": {"type": "array", "items": {"$ref": "#/$defs/Person"}}},
                "required": ["value"],
                "additionalProperties": false,
                "$defs": {"Person": {"type": "object", "properties": {"name": {"type": "string"}},
                                     "required": ["name"], "additionalProperties": false}},
            })
        );
        let string = ok(json!({"type": "string", "enum": ["a", "b"], "description": "A letter."}));
        assert_eq!(
            string.schema["properties"]["value"],
            json!({"type": "string", "enum": ["a", "b"], "description": "A letter."})
        );
    }

    #[test]
    fn a_recursive_wrapped_root_moves_into_defs() {
        let expr = json!({
            "anyOf": [
                {"type": "object", "properties": {"Number": {"type": "number"}}, "required": ["Number"], "additionalProperties": false},
                {"type": "object", "properties": {"Negate": {"$ref": "#"}}, "required": ["Negate"], "additionalProperties": false},
                {"type": "object", "properties": {"Call": {"$ref": "#/$defs/Call"}}, "required": ["Call"], "additionalProperties": false},
            ],
            "$defs": {"Call": {"type": "object", "properties": {"args": {"type": "array", "items": {"$ref": "#"}}}, "required": ["args"]}},
        });
        let out = ok(expr);
        assert!(out.wrapped);
        assert_eq!(
            out.schema["properties"]["value"],
            json!({"$ref": "#/$defs/Root"})
        );
        let root = &out.schema["$defs"]["Root"];
        assert_eq!(
            root["anyOf"][1]["properties"]["Negate"],
            json!({"$ref": "#/$defs/Root"})
        );
        assert_eq!(
            out.schema["$defs"]["Call"]["properties"]["args"]["items"],
            json!({"$ref": "#/$defs/Root"})
        );
    }

    #[test]
    fn a_recursive_object_root_keeps_its_hash_reference() {
        let out = ok(json!({
            "type": "object",
            "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#"}}},
            "required": ["name", "children"],
        }));
        assert!(!out.wrapped);
        assert_eq!(
            out.schema["properties"]["children"]["items"],
            json!({"$ref": "#"})
        );
    }

    #[test]
    fn nested_definitions_have_no_strict_form() {
        let nested = json!({"type": "object", "properties": {
            "a": {"type": "string", "$defs": {"X": {"type": "string"}}},
        }});
        assert_eq!(
            strict(&nested),
            Err(NotStrict::Unsupported {
                path: "#/properties/a/$defs".into(),
                what: "`$defs` below the root".into(),
            })
        );
    }

    #[test]
    fn open_objects_and_any_values_have_no_strict_form() {
        let map = json!({"type": "object", "properties": {"m": {"type": "object", "additionalProperties": {"type": "integer"}}}});
        assert_eq!(
            strict(&map),
            Err(NotStrict::OpenObject {
                path: "#/properties/m".into()
            })
        );
        let flattened =
            json!({"type": "object", "properties": {}, "additionalProperties": {"type": "string"}});
        assert!(matches!(
            strict(&flattened),
            Err(NotStrict::OpenObject { .. })
        ));
        let any = json!({"type": "object", "properties": {"v": {"description": "anything"}}});
        assert_eq!(
            strict(&any),
            Err(NotStrict::AnyValue {
                path: "#/properties/v".into()
            })
        );
        let dangling = json!({"type": "object", "properties": {"v": {"$ref": "#/$defs/Gone"}}});
        assert!(matches!(
            strict(&dangling),
            Err(NotStrict::Reference { .. })
        ));
        assert_eq!(
            strict(&map).unwrap_err().to_string(),
            "#/properties/m: an object with open keys (a map or a flattened map) has no strict form"
        );
    }
}
