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

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use serde_json::{Map, Value, json};

/// The key a non-object root is wrapped in: `{"value": <the root>}`.
pub const WRAPPER_KEY: &str = "value";

/// The `format` values strict mode accepts; any other is stated in the description.
pub const STRICT_FORMATS: &[&str] = &[
    "date-time",
    "time",
    "date",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uuid",
];

/// Keywords a strict schema node may carry (`$defs` only at the root).
const STRICT_KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "anyOf",
    "enum",
    "$ref",
    "description",
    "pattern",
    "format",
    "multipleOf",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
];

/// The size limits of strict mode. The defaults are OpenAI's documented ones; they have changed over
/// time, so they are settings rather than constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Object properties in the whole schema (5,000).
    pub max_properties: usize,
    /// Levels of object nesting (10).
    pub max_depth: usize,
    /// Enum values in the whole schema (1,000).
    pub max_enum_values: usize,
    /// Characters of property names, definition names and enum values together (120,000).
    pub max_text_chars: usize,
    /// A string enum with more values than this (250)...
    pub large_enum_values: usize,
    /// ...may have at most this many characters of values (15,000).
    pub large_enum_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_properties: 5_000,
            max_depth: 10,
            max_enum_values: 1_000,
            max_text_chars: 120_000,
            large_enum_values: 250,
            large_enum_chars: 15_000,
        }
    }
}

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
/// use outlines_core::schema::openai::strict;
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
        defs.insert(key.clone(), cx.node(def, &def_path(key))?);
    }
    let body = cx.node(&Value::Object(root), "#")?;

    // `$ref` must stand alone: described references are replaced by the definition they name.
    let inliner = Inliner {
        root: body.clone(),
        defs: defs.clone(),
    };
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
    if let Some(first) = measure(&schema, limits).into_iter().next() {
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
/// `$defs` and they are rewritten to point at it.
pub fn wrap(schema: &Value) -> Value {
    let mut body = match schema {
        Value::Object(map) => map.clone(),
        other => {
            return json!({
                "type": "object",
                "properties": {WRAPPER_KEY: other},
                "required": [WRAPPER_KEY],
                "additionalProperties": false,
            });
        }
    };
    let dialect = body.remove("$schema");
    let mut defs = match body.remove("$defs") {
        Some(Value::Object(defs)) => defs,
        _ => Map::new(),
    };
    let mut body = Value::Object(body);
    let recursive = refers_to_root(&body) || defs.values().any(refers_to_root);
    let inner = if recursive {
        let key = (1..)
            .map(|n| {
                if n == 1 {
                    "Root".to_owned()
                } else {
                    format!("Root_{n}")
                }
            })
            .find(|k| !defs.contains_key(k))
            .unwrap_or_else(|| "Root".to_owned());
        let target = def_ref(&key);
        rewrite_root_refs(&mut body, &target);
        for def in defs.values_mut() {
            rewrite_root_refs(def, &target);
        }
        defs.insert(key, body);
        json!({ "$ref": target })
    } else {
        body
    };
    let mut out = Map::new();
    if let Some(dialect) = dialect {
        out.insert("$schema".into(), dialect);
    }
    out.insert("type".into(), "object".into());
    out.insert("properties".into(), json!({ WRAPPER_KEY: inner }));
    out.insert("required".into(), json!([WRAPPER_KEY]));
    out.insert("additionalProperties".into(), false.into());
    if !defs.is_empty() {
        out.insert("$defs".into(), Value::Object(defs));
    }
    Value::Object(out)
}

/// The value inside a reply to a [wrapped](wrap) schema: the exact text of the `value` member of
/// `{"value": ...}`. A reply that is not such an object (not JSON, or the bare value) comes back
/// unchanged, so the validator reports what is wrong with it.
pub fn unwrap_reply(text: &str) -> Cow<'_, str> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text.trim()) else {
        return Cow::Borrowed(text);
    };
    let Some(value) = map.get(WRAPPER_KEY) else {
        return Cow::Borrowed(text);
    };
    // The exact text keeps what re-serializing would change: integers beyond 64 bits, number
    // spelling, key order.
    match member_span(text, WRAPPER_KEY) {
        Some(span) => Cow::Borrowed(&text[span]),
        None => Cow::Owned(value.to_string()),
    }
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
        let mut out = Map::new();
        let mut notes = Vec::new();
        let mut description = None;
        let mut positions = None;
        for (key, value) in input {
            let here = || format!("{path}/{}", escape(key));
            match key.as_str() {
                "$schema" | "$comment" | "required" | "minLength" | "minProperties" => {}
                "description" => match value {
                    Value::String(text) => description = Some(text.clone()),
                    other => notes.push(generic_note(key, other)),
                },
                "type" | "pattern" | "multipleOf" | "minimum" | "maximum" | "exclusiveMinimum"
                | "exclusiveMaximum" | "minItems" | "maxItems" => {
                    out.insert(key.clone(), value.clone());
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
                    out.insert(key.clone(), value.clone());
                }
                "format" => match value.as_str() {
                    Some(f) if STRICT_FORMATS.contains(&f) => {
                        out.insert(key.clone(), value.clone());
                    }
                    Some(f) => notes.push(format!("(format: {f})")),
                    None => notes.push(generic_note(key, value)),
                },
                "properties" => {
                    let Value::Object(properties) = value else {
                        return Err(unsupported(&here(), "`properties` that is not an object"));
                    };
                    let mut rendered = Map::new();
                    for (name, property) in properties {
                        let at = format!("{}/{}", here(), escape(name));
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
                    Value::Bool(false) if input.contains_key("prefixItems") => {}
                    Value::Object(_) if input.contains_key("prefixItems") => {
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
                    positions = Some(rendered);
                    notes.push(tuple_note(items));
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
                "allOf" => all_of_notes(value, &here(), &mut notes)?,
                "maxLength" => {
                    notes.extend(range_note(input.get("minLength"), Some(value), "character"))
                }
                "maxProperties" => notes.extend(range_note(
                    input.get("minProperties"),
                    Some(value),
                    "property",
                )),
                "uniqueItems" => {
                    if value == &Value::Bool(true) {
                        notes.push("(unique items)".into());
                    }
                }
                "examples" => notes.push(examples_note(value)),
                _ => notes.push(generic_note(key, value)),
            }
        }
        // A lower bound alone is noted here; with an upper bound, the upper bound's arm noted both.
        if !input.contains_key("maxLength") {
            notes.extend(range_note(input.get("minLength"), None, "character"));
        }
        if !input.contains_key("maxProperties") {
            notes.extend(range_note(input.get("minProperties"), None, "property"));
        }

        if let Some(positions) = positions {
            // Each position's schema is allowed anywhere; the count and the note keep the order.
            let mut distinct: Vec<Value> = Vec::new();
            for p in positions {
                if !distinct.contains(&p) {
                    distinct.push(p);
                }
            }
            let items = match distinct.len() {
                1 => distinct.swap_remove(0),
                0 => return Err(unsupported(path, "an empty tuple")),
                _ => json!({ "anyOf": distinct }),
            };
            out.insert("items".into(), items);
        }
        if is_object(&out) {
            // Every property required: optional fields are already nullable (`Option`), and a field
            // with a serde default accepts any value of its type, so requiring it loses nothing
            // (making it nullable would invite a `null` the validator rejects).
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
        if let Some(text) = join_description(description, &notes) {
            out.insert("description".into(), text.into());
        }
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
            Some(r) => def_key(r).is_some_and(|k| self.defs.contains_key(&k)),
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

fn unsupported(path: &str, what: &str) -> NotStrict {
    NotStrict::Unsupported {
        path: path.into(),
        what: what.into(),
    }
}

/// Whether a rendered node is an object schema.
fn is_object(node: &Map<String, Value>) -> bool {
    node.contains_key("properties")
        || match node.get("type") {
            Some(Value::String(t)) => t == "object",
            Some(Value::Array(types)) => types.iter().any(|t| t == "object"),
            _ => false,
        }
}

/// `allOf` members carry extra rules on a leaf (a second pattern, format or multiple): stated in words.
fn all_of_notes(value: &Value, path: &str, notes: &mut Vec<String>) -> Result<(), NotStrict> {
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
            notes.push(match (key.as_str(), value) {
                ("pattern", Value::String(p)) => format!("(must also match {p})"),
                ("multipleOf", m) => format!("(a multiple of {m})"),
                ("format", Value::String(f)) => format!("(format: {f})"),
                _ => generic_note(key, value),
            });
        }
    }
    Ok(())
}

/// "(1-80 characters)", "(at least 2 properties)", ...
fn range_note(min: Option<&Value>, max: Option<&Value>, unit: &str) -> Option<String> {
    let plural = |n: &Value| {
        if n.as_u64() == Some(1) {
            unit.to_owned()
        } else if unit == "property" {
            "properties".to_owned()
        } else {
            format!("{unit}s")
        }
    };
    Some(match (min, max) {
        (Some(a), Some(b)) if a == b => format!("(exactly {a} {})", plural(a)),
        (Some(a), Some(b)) => format!("({a}-{b} {})", plural(b)),
        (Some(a), None) => format!("(at least {a} {})", plural(a)),
        (None, Some(b)) => format!("(at most {b} {})", plural(b)),
        (None, None) => return None,
    })
}

fn examples_note(value: &Value) -> String {
    match value {
        Value::Array(examples) => {
            let texts: Vec<String> = examples.iter().map(Value::to_string).collect();
            format!("(e.g. {})", texts.join(", "))
        }
        other => generic_note("examples", other),
    }
}

fn generic_note(key: &str, value: &Value) -> String {
    format!("({key}: {value})")
}

/// "(exactly 2 items, in order: number, Point)": the positions a tuple's `items` no longer orders.
fn tuple_note(items: &[Value]) -> String {
    let briefs: Vec<String> = items.iter().map(brief).collect();
    let count = match items.len() {
        1 => "exactly 1 item".to_owned(),
        n => format!("exactly {n} items, in order"),
    };
    format!("({count}: {})", briefs.join(", "))
}

/// A few words for a schema, for notes: `string`, `Point`, `one of "a", "b"`, `[number, number]`.
fn brief(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return match def_key(r) {
            Some(key) => key,
            None => "the whole value".into(),
        };
    }
    if let Some(c) = schema.get("const") {
        return c.to_string();
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        let texts: Vec<String> = values.iter().map(Value::to_string).collect();
        return format!("one of {}", texts.join(", "));
    }
    if let Some(Value::Array(branches)) = schema.get("anyOf").or_else(|| schema.get("oneOf")) {
        let texts: Vec<String> = branches.iter().map(brief).collect();
        return texts.join(" or ");
    }
    if let Some(Value::Array(items)) = schema.get("prefixItems") {
        let texts: Vec<String> = items.iter().map(brief).collect();
        return format!("[{}]", texts.join(", "));
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return "any value".into(),
    };
    types
        .iter()
        .map(|t| match (*t, schema.get("items")) {
            ("array", Some(items)) => format!("array of {}", brief(items)),
            _ => (*t).to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

fn join_description(description: Option<String>, notes: &[String]) -> Option<String> {
    let notes = notes.join(" ");
    match description {
        Some(d) if notes.is_empty() => Some(d),
        Some(d) if d.trim().is_empty() => Some(notes),
        Some(d) => Some(format!("{} {notes}", d.trim_end())),
        None if notes.is_empty() => None,
        None => Some(notes),
    }
}

// ---------------------------------------------------------------------------------------------------
// `$ref` with siblings.

/// Replaces each `$ref` that has siblings (a field's description) with a copy of the definition it
/// names, the field's description first. This is what OpenAI's own Python SDK does; the description
/// stays where the model reads it. A reference back into a definition being inlined (recursion) keeps
/// only its `$ref`: inlining it would never end.
struct Inliner {
    root: Value,
    defs: Map<String, Value>,
}

impl Inliner {
    fn inline(&self, node: &mut Value, stack: &mut Vec<String>) {
        let Value::Object(map) = node else { return };
        let reference = match map.get("$ref") {
            Some(Value::String(r)) if map.len() > 1 => Some(r.clone()),
            _ => None,
        };
        let Some(reference) = reference else {
            for child in children_mut(map) {
                self.inline(child, stack);
            }
            return;
        };
        let target = if reference == "#" {
            Some(&self.root)
        } else {
            def_key(&reference).and_then(|k| self.defs.get(&k))
        };
        let target = match target {
            Some(Value::Object(t)) if !stack.contains(&reference) => t,
            _ => {
                map.retain(|k, _| k == "$ref");
                return;
            }
        };
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
            for child in children_mut(map) {
                self.inline(child, stack);
            }
        }
        stack.pop();
    }
}

/// The definitions the root reaches, directly or through other definitions.
fn reachable_defs(root: &Value, defs: &Map<String, Value>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = Vec::new();
    collect_refs(root, &mut todo);
    while let Some(reference) = todo.pop() {
        let Some(key) = def_key(&reference) else {
            continue;
        };
        let Some(def) = defs.get(&key) else {
            continue;
        };
        if seen.insert(key) {
            collect_refs(def, &mut todo);
        }
    }
    seen
}

fn collect_refs(node: &Value, out: &mut Vec<String>) {
    let Value::Object(map) = node else { return };
    if let Some(Value::String(r)) = map.get("$ref") {
        out.push(r.clone());
    }
    for child in children(map) {
        collect_refs(child, out);
    }
}

fn refers_to_root(node: &Value) -> bool {
    let mut refs = Vec::new();
    collect_refs(node, &mut refs);
    refs.iter().any(|r| r == "#")
}

fn rewrite_root_refs(node: &mut Value, target: &str) {
    let Value::Object(map) = node else { return };
    if map.get("$ref") == Some(&Value::from("#")) {
        map.insert("$ref".into(), target.into());
    }
    for child in children_mut(map) {
        rewrite_root_refs(child, target);
    }
}

/// The subschemas of a node (not `$defs`: definitions are walked on their own).
fn children(map: &Map<String, Value>) -> Vec<&Value> {
    let mut out = Vec::new();
    for (key, value) in map {
        match (key.as_str(), value) {
            ("properties", Value::Object(props)) => out.extend(props.values()),
            ("items" | "additionalProperties" | "not", Value::Object(_)) => out.push(value),
            ("prefixItems" | "anyOf" | "oneOf" | "allOf", Value::Array(items)) => out.extend(items),
            _ => {}
        }
    }
    out
}

fn children_mut(map: &mut Map<String, Value>) -> Vec<&mut Value> {
    let mut out = Vec::new();
    for (key, value) in map.iter_mut() {
        match key.as_str() {
            "properties" => {
                if let Value::Object(props) = value {
                    out.extend(props.values_mut());
                }
            }
            "items" | "additionalProperties" | "not" if value.is_object() => out.push(value),
            "prefixItems" | "anyOf" | "oneOf" | "allOf" => {
                if let Value::Array(items) = value {
                    out.extend(items.iter_mut());
                }
            }
            _ => {}
        }
    }
    out
}

fn def_ref(key: &str) -> String {
    format!("#/$defs/{}", escape(key))
}

fn def_path(key: &str) -> String {
    def_ref(key)
}

/// The `$defs` key a reference names, if it names one.
fn def_key(reference: &str) -> Option<String> {
    let key = reference.strip_prefix("#/$defs/")?;
    (!key.contains('/')).then(|| key.replace("~1", "/").replace("~0", "~"))
}

/// A JSON pointer segment.
fn escape(segment: &str) -> Cow<'_, str> {
    if segment.contains(['~', '/']) {
        Cow::Owned(segment.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(segment)
    }
}

// ---------------------------------------------------------------------------------------------------
// Limits and the rule checker.

/// Every way `schema` exceeds `limits`.
fn measure(schema: &Value, limits: &Limits) -> Vec<NotStrict> {
    let mut m = Measure::default();
    m.walk(schema, "#");
    let defs = schema.get("$defs").and_then(Value::as_object);
    if let Some(defs) = defs {
        for (key, def) in defs {
            m.text_chars += key.chars().count();
            m.walk(def, &def_path(key));
        }
    }
    let empty = Map::new();
    let depth = Depth {
        root: schema,
        defs: defs.unwrap_or(&empty),
        memo: HashMap::new(),
    }
    .of_root();
    let mut out = Vec::new();
    if m.properties > limits.max_properties {
        out.push(NotStrict::TooManyProperties {
            count: m.properties,
            limit: limits.max_properties,
        });
    }
    if depth > limits.max_depth {
        out.push(NotStrict::TooDeep {
            depth,
            limit: limits.max_depth,
        });
    }
    if m.enum_values > limits.max_enum_values {
        out.push(NotStrict::TooManyEnumValues {
            count: m.enum_values,
            limit: limits.max_enum_values,
        });
    }
    for (path, count, chars) in m.enums {
        if count > limits.large_enum_values && chars > limits.large_enum_chars {
            out.push(NotStrict::EnumTooLong {
                path,
                count,
                chars,
                limit: limits.large_enum_chars,
            });
        }
    }
    if m.text_chars > limits.max_text_chars {
        out.push(NotStrict::TooMuchText {
            chars: m.text_chars,
            limit: limits.max_text_chars,
        });
    }
    out
}

#[derive(Default)]
struct Measure {
    properties: usize,
    enum_values: usize,
    text_chars: usize,
    /// Each string enum: path, values, characters.
    enums: Vec<(String, usize, usize)>,
}

impl Measure {
    fn walk(&mut self, node: &Value, path: &str) {
        let Value::Object(map) = node else { return };
        if let Some(Value::Object(props)) = map.get("properties") {
            self.properties += props.len();
            self.text_chars += props.keys().map(|k| k.chars().count()).sum::<usize>();
        }
        if let Some(Value::Array(values)) = map.get("enum") {
            self.enum_values += values.len();
            let chars: usize = values
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.chars().count(),
                    other => other.to_string().len(),
                })
                .sum();
            self.text_chars += chars;
            self.enums.push((path.to_owned(), values.len(), chars));
        }
        for (key, value) in map {
            let here = format!("{path}/{}", escape(key));
            match (key.as_str(), value) {
                ("properties", Value::Object(props)) => {
                    for (name, p) in props {
                        self.walk(p, &format!("{here}/{}", escape(name)));
                    }
                }
                ("items" | "additionalProperties" | "not", Value::Object(_)) => {
                    self.walk(value, &here);
                }
                ("prefixItems" | "anyOf" | "oneOf" | "allOf", Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        self.walk(item, &format!("{here}/{i}"));
                    }
                }
                _ => {}
            }
        }
    }
}

/// Levels of object nesting, following references but not around a cycle.
struct Depth<'a> {
    root: &'a Value,
    defs: &'a Map<String, Value>,
    /// Depth of each definition (computed once; a cycle counts as its first pass).
    memo: HashMap<String, usize>,
}

impl<'a> Depth<'a> {
    fn of_root(mut self) -> usize {
        let root = self.root;
        self.of(root, &mut vec!["#".to_owned()])
    }

    fn of(&mut self, node: &'a Value, stack: &mut Vec<String>) -> usize {
        let Value::Object(map) = node else { return 0 };
        if let Some(Value::String(reference)) = map.get("$ref") {
            if stack.contains(reference) {
                return 0;
            }
            if let Some(d) = self.memo.get(reference) {
                return *d;
            }
            let target = if reference == "#" {
                Some(self.root)
            } else {
                def_key(reference).and_then(|k| self.defs.get(&k))
            };
            let Some(target) = target else { return 0 };
            stack.push(reference.clone());
            let d = self.of(target, stack);
            stack.pop();
            self.memo.insert(reference.clone(), d);
            return d;
        }
        let own = usize::from(is_object(map));
        let deepest = children(map)
            .into_iter()
            .map(|child| self.of(child, stack))
            .max()
            .unwrap_or(0);
        own + deepest
    }
}

/// Every way `schema` breaks the strict-mode rules of OpenAI's Structured Outputs, with default
/// [`Limits`]: empty when OpenAI would accept it with `strict: true`.
///
/// The rules: the root is an object; `$defs` only at the root; every node has a `type`, `anyOf`,
/// `$ref` or `enum`, and only the supported keywords; every object lists each property in `required`
/// and has `additionalProperties: false`; every array has an `items` schema; `$ref` has no siblings
/// and resolves; formats are among [`STRICT_FORMATS`]; and the size limits hold.
pub fn strict_violations(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Value::Object(root) = schema else {
        out.push("#: the root is not a schema object".to_owned());
        return out;
    };
    if root.get("type") != Some(&Value::from("object")) {
        out.push("#: the root is not `\"type\": \"object\"`".to_owned());
    }
    if root.contains_key("anyOf") {
        out.push("#: the root is an `anyOf`".to_owned());
    }
    let empty = Map::new();
    let defs = match root.get("$defs") {
        None => &empty,
        Some(Value::Object(defs)) => defs,
        Some(_) => {
            out.push("#/$defs: not an object".to_owned());
            &empty
        }
    };
    let checker = Checker { defs };
    let mut body = root.clone();
    body.remove("$defs");
    checker.check(&Value::Object(body), "#", &mut out);
    for (key, def) in defs {
        checker.check(def, &def_path(key), &mut out);
    }
    out.extend(
        measure(schema, &Limits::default())
            .into_iter()
            .map(|e| e.to_string()),
    );
    out
}

struct Checker<'a> {
    defs: &'a Map<String, Value>,
}

impl Checker<'_> {
    fn check(&self, node: &Value, path: &str, out: &mut Vec<String>) {
        let Value::Object(map) = node else {
            out.push(format!("{path}: not a schema object"));
            return;
        };
        for key in map.keys() {
            if !STRICT_KEYWORDS.contains(&key.as_str()) {
                out.push(format!("{path}: `{key}` is not supported"));
            }
        }
        if let Some(reference) = map.get("$ref") {
            if map.len() > 1 {
                let siblings: Vec<&str> = map
                    .keys()
                    .map(String::as_str)
                    .filter(|k| *k != "$ref")
                    .collect();
                out.push(format!("{path}: `$ref` has sibling keywords {siblings:?}"));
            }
            let resolves = match reference.as_str() {
                Some("#") => true,
                Some(r) => def_key(r).is_some_and(|k| self.defs.contains_key(&k)),
                None => false,
            };
            if !resolves {
                out.push(format!("{path}: `$ref` {reference} does not resolve"));
            }
        }
        if !["type", "anyOf", "$ref", "enum"]
            .iter()
            .any(|k| map.contains_key(*k))
        {
            out.push(format!(
                "{path}: allows any value (no `type`, `anyOf`, `$ref` or `enum`)"
            ));
        }
        let types: Vec<&str> = match map.get("type") {
            None => Vec::new(),
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) if ts.iter().all(Value::is_string) && !ts.is_empty() => {
                ts.iter().filter_map(Value::as_str).collect()
            }
            Some(other) => {
                out.push(format!(
                    "{path}: `type` {other} is not a type name or a list of them"
                ));
                Vec::new()
            }
        };
        for t in &types {
            if ![
                "string", "number", "integer", "boolean", "object", "array", "null",
            ]
            .contains(t)
            {
                out.push(format!("{path}: unknown type {t:?}"));
            }
        }
        if types.contains(&"object") || map.contains_key("properties") {
            self.check_object(map, path, out);
        } else if map.contains_key("additionalProperties") || map.contains_key("required") {
            out.push(format!(
                "{path}: object keywords on a schema that is not an object"
            ));
        }
        if types.contains(&"array") && !map.get("items").is_some_and(Value::is_object) {
            out.push(format!("{path}: an array without an `items` schema"));
        }
        if let Some(format) = map.get("format") {
            if !format.as_str().is_some_and(|f| STRICT_FORMATS.contains(&f)) {
                out.push(format!("{path}: format {format} is not supported"));
            }
        }
        if let Some(values) = map.get("enum") {
            if values.as_array().is_none_or(Vec::is_empty) {
                out.push(format!("{path}: `enum` is not a non-empty array"));
            }
        }
        if map.get("description").is_some_and(|d| !d.is_string()) {
            out.push(format!("{path}: `description` is not a string"));
        }
        match map.get("anyOf") {
            None => {}
            Some(Value::Array(branches)) if !branches.is_empty() => {
                for (i, branch) in branches.iter().enumerate() {
                    self.check(branch, &format!("{path}/anyOf/{i}"), out);
                }
            }
            Some(_) => out.push(format!("{path}: `anyOf` is not a non-empty array")),
        }
        if let Some(items) = map.get("items") {
            self.check(items, &format!("{path}/items"), out);
        }
    }

    fn check_object(&self, map: &Map<String, Value>, path: &str, out: &mut Vec<String>) {
        let Some(Value::Object(properties)) = map.get("properties") else {
            out.push(format!("{path}: an object without `properties`"));
            return;
        };
        let required: BTreeSet<&str> = match map.get("required") {
            Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
            _ => BTreeSet::new(),
        };
        for name in properties.keys() {
            if !required.contains(name.as_str()) {
                out.push(format!("{path}: property {name:?} is not in `required`"));
            }
        }
        for name in &required {
            if !properties.contains_key(*name) {
                out.push(format!(
                    "{path}: `required` names {name:?}, which is not a property"
                ));
            }
        }
        if map.get("additionalProperties") != Some(&Value::Bool(false)) {
            out.push(format!("{path}: `additionalProperties` is not false"));
        }
        for (name, property) in properties {
            self.check(
                property,
                &format!("{path}/properties/{}", escape(name)),
                out,
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Finding the exact text of one member of a JSON object.

/// The byte range of the value of the top-level member `key` of the JSON object `text` (the last one,
/// as a parser keeps it). `None` if `text` is not an object this scanner can follow.
fn member_span(text: &str, key: &str) -> Option<Range<usize>> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    let mut found = None;
    loop {
        i = skip_ws(b, i);
        match b.get(i)? {
            b'}' => return found,
            b',' => {
                i += 1;
                continue;
            }
            b'"' => {}
            _ => return None,
        }
        let key_end = string_end(b, i)?;
        let name: String = serde_json::from_str(text.get(i..key_end)?).ok()?;
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let end = value_end(b, i)?;
        if name == key {
            found = Some(i..end);
        }
        i = end;
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The index just past the string starting at `start` (a `"`).
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while let Some(c) = b.get(i) {
        match c {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The index just past the JSON value starting at `start`.
fn value_end(b: &[u8], start: usize) -> Option<usize> {
    match b.get(start)? {
        b'"' => string_end(b, start),
        b'{' | b'[' => {
            let mut depth = 0_usize;
            let mut i = start;
            while let Some(c) = b.get(i) {
                match c {
                    b'"' => {
                        i = string_end(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let mut i = start;
            while let Some(c) = b.get(i) {
                if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                i += 1;
            }
            (i > start).then_some(i)
        }
    }
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
            "(e.g. \"Ada\", \"Bo\") (at least 2 characters)"
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
            json!({"type": "string", "pattern": "^a", "description": "(must also match z$) (format: email)"})
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
                   "description": "(exactly 2 items, in order: number, number)"})
        );
        assert_eq!(
            out.schema["properties"]["pair"]["items"],
            json!({"anyOf": [{"type": "integer"}, {"$ref": "#/$defs/P"}]})
        );
        assert_eq!(
            out.schema["properties"]["pair"]["description"],
            "(exactly 2 items, in order: integer, P)"
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
                "Person": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "manager": {"$ref": "#/$defs/Person", "description": "Their manager."}},
                    "required": ["name", "manager"],
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
            props["boss"]["properties"]["manager"],
            json!({"$ref": "#/$defs/Person"})
        );
        assert_eq!(props["plain"], json!({"$ref": "#/$defs/Role"}));
        // Inside the definition itself, the recursive reference loses its description.
        assert_eq!(
            out.schema["$defs"]["Person"]["properties"]["manager"],
            json!({"$ref": "#/$defs/Person"})
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

    #[test]
    fn limits_are_enforced() {
        let many: Map<String, Value> = (0..30)
            .map(|i| (format!("p{i}"), json!({"type": "string"})))
            .collect();
        let schema = json!({"type": "object", "properties": many});
        let limits = Limits {
            max_properties: 20,
            ..Limits::default()
        };
        assert_eq!(
            strict_with(&schema, &limits),
            Err(NotStrict::TooManyProperties {
                count: 30,
                limit: 20
            })
        );
        let mut deep = json!({"type": "string"});
        for _ in 0..11 {
            deep = json!({"type": "object", "properties": {"x": deep}});
        }
        assert_eq!(
            strict(&deep),
            Err(NotStrict::TooDeep {
                depth: 11,
                limit: 10
            })
        );
        let values: Vec<String> = (0..1001).map(|i| format!("v{i}")).collect();
        let big_enum =
            json!({"type": "object", "properties": {"e": {"type": "string", "enum": values}}});
        assert_eq!(
            strict(&big_enum),
            Err(NotStrict::TooManyEnumValues {
                count: 1001,
                limit: 1000
            })
        );
        let long: Vec<String> = (0..300).map(|i| format!("{i:0>60}")).collect();
        let long_enum =
            json!({"type": "object", "properties": {"e": {"type": "string", "enum": long}}});
        assert!(matches!(
            strict(&long_enum),
            Err(NotStrict::EnumTooLong {
                count: 300,
                chars: 18000,
                ..
            })
        ));
        // Recursion does not count as infinite depth.
        ok(
            json!({"type": "object", "properties": {"next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}}}),
        );
    }

    #[test]
    fn the_checker_names_each_violation() {
        let raw = json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "role": {"$ref": "#/$defs/Role", "description": "x"},
                "any": {},
                "link": {"type": "string", "format": "uri"},
                "nested": {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
            },
            "required": ["name"],
            "$defs": {"Role": {"oneOf": [{"const": "a"}]}},
        });
        let v = strict_violations(&raw);
        for needle in [
            "#/properties/name: `minLength` is not supported",
            "#/properties/role: `$ref` has sibling keywords [\"description\"]",
            "#/properties/any: allows any value",
            "#/properties/link: format \"uri\" is not supported",
            "#/properties/nested: `additionalProperties` is not false",
            "#: property \"role\" is not in `required`",
            "#: `additionalProperties` is not false",
            "#/$defs/Role: `oneOf` is not supported",
        ] {
            assert!(
                v.iter().any(|m| m.starts_with(needle)),
                "missing {needle:?} in {v:#?}"
            );
        }
        assert_eq!(
            strict_violations(&json!({"type": "array", "items": {"type": "string"}}))[0],
            "#: the root is not `\"type\": \"object\"`"
        );
    }

    #[test]
    fn replies_are_unwrapped_to_the_exact_text() {
        assert_eq!(unwrap_reply(r#"{"value": [1, 2.50, 3]}"#), "[1, 2.50, 3]");
        assert_eq!(
            unwrap_reply(" {\"value\" : 170141183460469231731687303715884105727 } "),
            "170141183460469231731687303715884105727"
        );
        assert_eq!(
            unwrap_reply(r#"{"x": {"value": 1, "s": "}\"]"}, "value": {"a": "b\\"}}"#),
            r#"{"a": "b\\"}"#
        );
        assert_eq!(unwrap_reply(r#"{"value": "é \u00e9"}"#), r#""é \u00e9""#);
        // Not the wrapper: unchanged, so the validator reports what is wrong.
        assert_eq!(unwrap_reply(r#"{"value": [1, 2"#), r#"{"value": [1, 2"#);
        assert_eq!(unwrap_reply("[1, 2]"), "[1, 2]");
        assert_eq!(unwrap_reply(r#"{"other": 1}"#), r#"{"other": 1}"#);
    }

    #[test]
    fn member_span_follows_nesting_and_strings() {
        let text = r#"{"a": [{"b": "]"}], "value": true}"#;
        let span = member_span(text, "value").unwrap();
        assert_eq!(&text[span], "true");
        assert_eq!(member_span("[1]", "value"), None);
        assert_eq!(member_span(r#"{"a": 1}"#, "value"), None);
    }
}
