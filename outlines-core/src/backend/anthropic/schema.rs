//! Anthropic's rendering of a JSON Schema, a pure function of what
//! [`json_schema::render`](crate::schema::json_schema::render) emits.
//!
//! - [`structured`]: the subset Anthropic's structured outputs accept (`output_config.format`, strict
//!   tools). Supported keywords stay; every object is closed with `additionalProperties: false`;
//!   nullable type lists become `anyOf` with a `null` branch; each rule the subset cannot state —
//!   numeric bounds, `multipleOf`, string lengths, array sizes, `uniqueItems`, tuple positions,
//!   patterns with backreferences or look-around — moves into the node's `description`, so the model
//!   still reads it ("A person's age (between 0 and 120)"). The validator checks the original
//!   constraints whatever the provider enforced. What the subset cannot express at all (recursive
//!   types, maps, "any value") is [`Unsupported`], and the backend falls back to a forced tool call.
//! - [`object_root`]: a tool's `input_schema` must be an object; other roots are wrapped as
//!   `{"value": <root>}`.
//! - [`subset_violations`]: checks a schema against the documented rules (for tests).
//!
//! Any JSON Schema 2020-12 goes through [`structured`], not only a derived type's. Its objects are
//! closed only where that loses no valid value: `required`, `dependentRequired` or an `if`'s `then`
//! naming an undeclared key, `minProperties` beyond the properties, an object with `anyOf`/`allOf`
//! of objects beside its properties, a free-form `{"type": "object"}`, an `enum`/`const` of
//! objects, or a schema nested more than 128 levels are [`Unsupported`] (and the request falls
//! back to a forced tool whose `input_schema` is the schema as it is, copied without recursion).
//! `not`, `if`/`then`/`else`, `contains`, `propertyNames`, `dependentRequired`,
//! `patternProperties` and the other keywords the subset lacks go into the description (each cut
//! at 200 bytes); `oneOf` becomes `anyOf`; `definitions` are read as `$defs`; a property whose
//! schema is `false` is left out of the closed object.

use std::collections::HashMap;
use std::fmt;

use serde_json::{Map, Value, json};

use crate::backend::transform::{
    self, RootRefs, Rules, closing_problem, def_name, def_ref, escape, into_defs, into_root,
    is_object, open_tuple, refs_at, tuple_items,
};
use crate::schema::json_schema::keyword_types;

/// The types the subset knows.
pub const TYPES: &[&str] = transform::JSON_TYPES;

/// The string formats the subset knows.
pub const FORMATS: &[&str] = transform::FORMATS;

/// The property a non-object root is wrapped in by [`object_root`].
pub const WRAP_KEY: &str = transform::WRAPPER_KEY;

/// The largest bound of a counted repetition (`{n,m}`) a pattern may keep. Anthropic documents only
/// "simple" counts and names `{100,500}` as too complex; larger ones are moved into the description.
const MAX_SIMPLE_REPEAT: u64 = 99;

/// A schema the subset cannot express, so structured outputs cannot be used for it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unsupported {
    /// Where, as a JSON Pointer fragment: `#/properties/tags`.
    pub path: String,
    /// What the subset lacks: "a recursive type", "a map (an object with arbitrary keys)", ...
    pub reason: String,
}

impl Unsupported {
    fn at(path: &str, reason: impl Into<String>) -> Self {
        Unsupported {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.reason, self.path)
    }
}

impl std::error::Error for Unsupported {}

/// The schema in Anthropic's structured-output subset, or what it cannot express.
///
/// ```
/// use outlines_core::backend::anthropic::schema::structured;
/// use serde_json::json;
///
/// let schema = json!({
///     "type": "object",
///     "properties": {"age": {"type": "integer", "minimum": 0, "maximum": 120, "description": "Age"}},
///     "required": ["age"]
/// });
/// assert_eq!(
///     structured(&schema).unwrap(),
///     json!({
///         "type": "object",
///         "properties": {"age": {"type": "integer", "description": "Age (between 0 and 120)"}},
///         "required": ["age"],
///         "additionalProperties": false
///     })
/// );
/// ```
pub fn structured(schema: &Value) -> Result<Value, Unsupported> {
    let schema = transform::prepare(schema).map_err(|why| Unsupported::at("#", why))?;
    let schema = schema.as_ref();
    let Some(root) = schema.as_object() else {
        return Err(Unsupported::at("#", "a schema that is not a JSON object"));
    };
    let empty = Map::new();
    let defs = match root.get("$defs") {
        None => &empty,
        Some(Value::Object(defs)) => defs,
        Some(_) => return Err(Unsupported::at("#/$defs", "`$defs` that is not an object")),
    };
    check_references(schema, defs)?;
    let mut body = root.clone();
    body.shift_remove("$defs");
    let mut out = node(&body, "#")?;
    if !defs.is_empty() {
        let mut rendered = Map::new();
        for (name, def) in defs {
            rendered.insert(name.clone(), Value::Object(child(def, &def_ref(name))?));
        }
        out.insert("$defs".into(), Value::Object(rendered));
    }
    Ok(Value::Object(out))
}

/// The schema with an object at its root, as a tool's `input_schema` must be, and whether it was
/// wrapped.
///
/// An object root is returned as is (without `$schema`). Any other root becomes
/// `{"type": "object", "properties": {"value": <root>}, "required": ["value"]}` with `$defs` kept at
/// the top, and references into the root (`"$ref": "#"` of a recursive type) repointed at
/// `#/properties/value`; the value is then the reply's `value` property.
pub fn object_root(schema: &Value) -> (Value, bool) {
    // Copied without recursion: a schema too deep for the subset still goes out as a tool's.
    let mut map = match transform::deep_clone(schema) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    map.shift_remove("$schema");
    if map.get("type").and_then(Value::as_str) == Some("object") {
        return (Value::Object(map), false);
    }
    (
        transform::wrap_owned(Value::Object(map), RootRefs::ToProperty),
        true,
    )
}

/// Every way `schema` breaks Anthropic's documented subset, one line each (`#/properties/age: keyword
/// `minimum` is not in the subset`); empty when it conforms.
pub fn subset_violations(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(root) = schema.as_object() {
        let empty = Map::new();
        let defs = root
            .get("$defs")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        if let Err(e) = check_references(schema, defs) {
            out.push(format!("{}: {}", e.path, e.reason));
        }
    }
    check_node(schema, "#", true, &mut out);
    out
}

/// Why a `pattern` is beyond the subset (backreferences, look-around, `\b`, Unicode property
/// classes, long counted repetitions), or `None` if it is within it.
pub fn pattern_problem(pattern: &str) -> Option<&'static str> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            match chars.get(i + 1) {
                Some('1'..='9') => return Some("a backreference"),
                Some('k') if chars.get(i + 2) == Some(&'<') => return Some("a backreference"),
                Some('b' | 'B') if !in_class => return Some("a word boundary"),
                Some('p' | 'P') => return Some("a Unicode property class"),
                _ => {}
            }
            i += 2;
            continue;
        }
        if in_class {
            in_class = c != ']';
            i += 1;
            continue;
        }
        match c {
            '[' => in_class = true,
            '(' if chars.get(i + 1) == Some(&'?') => {
                let next: String = chars[i + 2..].iter().take(2).collect();
                if next.starts_with('=') || next.starts_with('!') || next == "<=" || next == "<!" {
                    return Some("a look-around");
                }
            }
            '{' => {
                let close = chars[i..].iter().position(|&c| c == '}');
                if let Some(close) = close {
                    let inside: String = chars[i + 1..i + close].iter().collect();
                    let counts: Vec<&str> = inside.split(',').collect();
                    let numeric = counts.len() <= 2
                        && counts.iter().all(|n| n.chars().all(|c| c.is_ascii_digit()));
                    if numeric
                        && counts
                            .iter()
                            .filter_map(|n| n.parse::<u64>().ok())
                            .any(|n| n > MAX_SIMPLE_REPEAT)
                    {
                        return Some("a long counted repetition");
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

// ---------------------------------------------------------------------------------------------------
// References

/// Fails if the schema is recursive (a reference back into the root, or a cycle through `$defs`) or
/// refers to anything but a definition.
fn check_references(schema: &Value, defs: &Map<String, Value>) -> Result<(), Unsupported> {
    // The root's own references (the walk leaves `$defs` out), then each definition's.
    for (path, reference) in refs_at(schema, "#") {
        target(&path, reference, defs)?;
    }
    let mut edges: HashMap<&str, Vec<String>> = HashMap::new();
    for (name, def) in defs {
        let mut targets = Vec::new();
        for (path, reference) in refs_at(def, &def_ref(name)) {
            targets.push(target(&path, reference, defs)?);
        }
        edges.insert(name.as_str(), targets);
    }
    // Depth-first search for a cycle, without recursion: 1 = on the current path, 2 = done.
    let mut state: HashMap<&str, u8> = HashMap::new();
    for start in defs.keys() {
        if state.contains_key(start.as_str()) {
            continue;
        }
        // The path from `start`: each name and how many of its edges were followed.
        let mut path: Vec<(&str, usize)> = vec![(start.as_str(), 0)];
        state.insert(start.as_str(), 1);
        while let Some((name, next)) = path.last_mut() {
            let targets = edges.get(*name).map_or(&[][..], Vec::as_slice);
            let Some(target) = targets.get(*next) else {
                state.insert(*name, 2);
                path.pop();
                continue;
            };
            *next += 1;
            let Some((target, _)) = edges.get_key_value(target.as_str()) else {
                continue;
            };
            match state.get(target) {
                Some(2) => {}
                Some(_) => {
                    let from = path.iter().position(|(n, _)| n == target).unwrap_or(0);
                    let mut cycle: Vec<&str> = path[from..].iter().map(|(n, _)| *n).collect();
                    cycle.push(target);
                    return Err(Unsupported::at(
                        &def_ref(cycle[0]),
                        format!("a recursive type ({})", cycle.join(" → ")),
                    ));
                }
                None => {
                    state.insert(target, 1);
                    path.push((target, 0));
                }
            }
        }
    }
    Ok(())
}

/// The definition a reference names.
fn target(path: &str, reference: &str, defs: &Map<String, Value>) -> Result<String, Unsupported> {
    if into_defs(reference) {
        return match def_name(reference) {
            Some(name) if defs.contains_key(name.as_ref()) => Ok(name.into_owned()),
            _ => Err(Unsupported::at(
                path,
                format!("a reference to a missing definition ({reference})"),
            )),
        };
    }
    if into_root(reference) {
        return Err(Unsupported::at(
            path,
            format!("a recursive type (`$ref: {reference}` points back into the schema)"),
        ));
    }
    Err(Unsupported::at(
        path,
        format!("a non-local reference ({reference})"),
    ))
}

// ---------------------------------------------------------------------------------------------------
// The transform

fn child(schema: &Value, path: &str) -> Result<Map<String, Value>, Unsupported> {
    match schema {
        Value::Object(map) => node(map, path),
        Value::Bool(true) => Err(Unsupported::at(path, "a value of any type")),
        Value::Bool(false) => Err(Unsupported::at(path, "a schema no value satisfies")),
        _ => Err(Unsupported::at(path, "a schema that is not a JSON object")),
    }
}

fn node(map: &Map<String, Value>, path: &str) -> Result<Map<String, Value>, Unsupported> {
    if let Some(reference) = map.get("$ref") {
        // Siblings of `$ref` are only a field's description or examples; they are dropped, as the
        // official SDKs do, rather than risk a rejected schema. The prompt still carries them.
        let mut out = Map::new();
        out.insert("$ref".into(), reference.clone());
        return Ok(out);
    }
    if let Some(Value::Array(types)) = map.get("type") {
        return node(&split_type_list(map, types, path)?, path);
    }
    if !["type", "anyOf", "oneOf", "allOf", "enum", "const"]
        .iter()
        .any(|k| map.contains_key(*k))
    {
        return Err(Unsupported::at(path, "a value of any type"));
    }
    let mut out = Map::new();
    let mut rules = Rules::default();
    let mut description = None;
    for (key, value) in map {
        if rules.absorb(key, value) {
            continue;
        }
        match key.as_str() {
            "$schema" | "$id" | "$anchor" | "$comment" => {}
            "type" => {
                if !value.as_str().is_some_and(|t| TYPES.contains(&t)) {
                    return Err(Unsupported::at(path, format!("the type {value}")));
                }
                out.insert(key.clone(), value.clone());
            }
            "description" => description = value.as_str(),
            "const" if value.is_object() || value.is_array() => {
                return Err(Unsupported::at(path, "a `const` object or array"));
            }
            "title" | "default" | "required" | "const" => {
                out.insert(key.clone(), value.clone());
            }
            "enum" => {
                let values = value.as_array().map(Vec::as_slice).unwrap_or_default();
                if values.iter().any(|v| v.is_object() || v.is_array()) {
                    return Err(Unsupported::at(path, "an `enum` of objects or arrays"));
                }
                out.insert(key.clone(), value.clone());
            }
            "anyOf" | "oneOf" => {
                let branches = value.as_array().map(Vec::as_slice).unwrap_or_default();
                let mut rendered = Vec::new();
                for (i, branch) in branches.iter().enumerate() {
                    rendered.push(Value::Object(child(branch, &format!("{path}/{key}/{i}"))?));
                }
                out.insert("anyOf".into(), Value::Array(rendered));
            }
            "allOf" => {
                let mut kept = Vec::new();
                let branches = value.as_array().map(Vec::as_slice).unwrap_or_default();
                for (i, branch) in branches.iter().enumerate() {
                    let here = format!("{path}/allOf/{i}");
                    let Some(b) = branch.as_object() else {
                        return Err(Unsupported::at(&here, "a schema that is not a JSON object"));
                    };
                    // A branch of constraints alone (a second pattern, another `multipleOf`) joins
                    // this node's moved rules; a full schema stays, unless it is a reference.
                    if b.iter().all(|(k, v)| Rules::is_rule(k, v)) {
                        for (k, v) in b {
                            rules.absorb(k, v);
                        }
                    } else if b.contains_key("$ref") {
                        return Err(Unsupported::at(&here, "`allOf` with a `$ref`"));
                    } else if is_object(b) {
                        // Each would be closed: their intersection would lose every key.
                        return Err(Unsupported::at(&here, "`allOf` of object schemas"));
                    } else {
                        kept.push(Value::Object(node(b, &here)?));
                    }
                }
                if !kept.is_empty() {
                    out.insert("allOf".into(), Value::Array(kept));
                }
            }
            "properties" => {
                let mut rendered = Map::new();
                for (name, sub) in value.as_object().into_iter().flatten() {
                    let here = format!("{path}/properties/{}", escape(name));
                    // A property no value satisfies is one the closed object leaves out.
                    if sub == &Value::Bool(false) && !required(map).any(|r| r == name) {
                        continue;
                    }
                    rendered.insert(name.clone(), Value::Object(child(sub, &here)?));
                }
                out.insert(key.clone(), Value::Object(rendered));
            }
            "additionalProperties" => match value {
                Value::Bool(false) => {
                    out.insert(key.clone(), false.into());
                }
                Value::Bool(true) => {
                    return Err(Unsupported::at(path, "an object open to any extra keys"));
                }
                _ => {
                    return Err(Unsupported::at(
                        path,
                        "a map (an object with arbitrary keys)",
                    ));
                }
            },
            "items" => match value {
                // `items: false` ends a tuple; `prefixItems` renders it.
                Value::Bool(false) => {}
                _ if map.contains_key("prefixItems") => {}
                _ => {
                    let items = child(value, &format!("{path}/items"))?;
                    out.insert(key.clone(), Value::Object(items));
                }
            },
            "prefixItems" if open_tuple(map) => {
                return Err(Unsupported::at(
                    path,
                    "a tuple with items of any value after its positions",
                ));
            }
            "prefixItems" => {
                // Tuples are not in the subset: items of any of the positions' schemas, the order
                // stated in words, the length as the array's size.
                let positions = value.as_array().map(Vec::as_slice).unwrap_or_default();
                let mut rendered = Vec::new();
                for (i, position) in positions.iter().enumerate() {
                    rendered.push(Value::Object(child(
                        position,
                        &format!("{path}/prefixItems/{i}"),
                    )?));
                }
                let mut items = tuple_items(positions, rendered, &mut rules);
                // Items after the positions, when the schema lets some follow: any of theirs too.
                if let Some(extra @ Value::Object(_)) = map.get("items") {
                    let extra = Value::Object(child(extra, &format!("{path}/items"))?);
                    items = Some(match items {
                        None => extra,
                        Some(same) if same == extra => same,
                        Some(Value::Object(mut one_of))
                            if one_of.len() == 1 && one_of.contains_key("anyOf") =>
                        {
                            if let Some(Value::Array(branches)) = one_of.get_mut("anyOf") {
                                branches.push(extra);
                            }
                            Value::Object(one_of)
                        }
                        Some(other) => json!({"anyOf": [other, extra]}),
                    });
                }
                if let Some(items) = items {
                    out.insert("items".into(), items);
                }
            }
            "$defs" => return Err(Unsupported::at(path, "`$defs` below the root")),
            // `examples`, and keywords the subset does not know: in words.
            _ => rules.add(key, value),
        }
    }
    // What the subset takes stays a keyword: `minItems` of 0 or 1 (a larger one as 1, the rest in
    // words), the first pattern and the first format it can take.
    if let Some(min) = rules.min_items.as_ref().and_then(Value::as_u64) {
        out.insert("minItems".into(), min.min(1).into());
        if min <= 1 && rules.max_items.is_none() {
            rules.min_items = None;
        }
    }
    if let Some(i) = rules
        .patterns
        .iter()
        .position(|p| pattern_problem(p).is_none())
    {
        out.insert("pattern".into(), rules.patterns.remove(i).into());
    }
    if let Some(i) = rules
        .formats
        .iter()
        .position(|f| FORMATS.contains(&f.as_str()))
    {
        out.insert("format".into(), rules.formats.remove(i).into());
    }
    if is_object(&out) {
        // Closed, as the subset requires: only where no rule on its keys asks for another, and
        // where the schema named its keys (a free-form object is beyond the subset).
        if let Some(why) = closing_problem(map, false) {
            return Err(Unsupported::at(path, why));
        }
        if !map.contains_key("properties")
            && map.get("additionalProperties") != Some(&Value::Bool(false))
        {
            return Err(Unsupported::at(path, "an object open to any keys"));
        }
        if out.contains_key("anyOf") || out.contains_key("allOf") {
            return Err(Unsupported::at(
                path,
                "an object with `anyOf`/`allOf` beside its properties",
            ));
        }
        if !out.contains_key("additionalProperties") {
            out.insert("additionalProperties".into(), false.into());
        }
    }
    rules.describe(description, &mut out);
    Ok(out)
}

/// The names a node's `required` lists.
fn required(map: &Map<String, Value>) -> impl Iterator<Item = &str> {
    map.get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// `{"type": ["integer", "null"], ...}` as `{"anyOf": [{"type": "integer", ...}, {"type": "null"}]}`:
/// the subset takes no type lists. Each branch gets the keywords that constrain its type (`items`
/// only the array's), so no subschema is copied; annotations stay on the outer node. An applicator
/// every branch would need (`anyOf` beside `["string", "array"]`) has no such form: copied into each
/// branch and split again below, it would grow exponentially with the nesting.
fn split_type_list(
    map: &Map<String, Value>,
    types: &[Value],
    path: &str,
) -> Result<Map<String, Value>, Unsupported> {
    const ANNOTATIONS: &[&str] = &["description", "title", "examples", "default"];
    const SHARED: &[&str] = &["anyOf", "oneOf", "allOf", "not", "if", "then", "else"];
    if types.iter().filter(|t| *t != "null").count() > 1 {
        if let Some(key) = SHARED.iter().find(|k| map.contains_key(**k)) {
            return Err(Unsupported::at(
                path,
                format!("`{key}` beside a list of several types"),
            ));
        }
    }
    let mut outer = Map::new();
    let mut rest = Map::new();
    for (key, value) in map {
        if key == "type" {
            continue;
        }
        if ANNOTATIONS.contains(&key.as_str()) {
            outer.insert(key.clone(), value.clone());
        } else {
            rest.insert(key.clone(), value.clone());
        }
    }
    let branches: Vec<Value> = types
        .iter()
        .map(|t| {
            let mut branch = Map::new();
            branch.insert("type".into(), t.clone());
            if t != "null" {
                let own =
                    |key: &str| keyword_types(key).is_none_or(|of| of.iter().any(|o| t == *o));
                branch.extend(
                    rest.iter()
                        .filter(|(key, _)| own(key))
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
            }
            Value::Object(branch)
        })
        .collect();
    let mut out = Map::new();
    out.insert("anyOf".into(), Value::Array(branches));
    out.extend(outer);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------
// The checker

fn check_node(schema: &Value, path: &str, root: bool, out: &mut Vec<String>) {
    let Some(map) = schema.as_object() else {
        out.push(format!(
            "{path}: a schema must be a JSON object, not {schema}"
        ));
        return;
    };
    if !["type", "anyOf", "allOf", "enum", "const", "$ref"]
        .iter()
        .any(|k| map.contains_key(*k))
    {
        out.push(format!(
            "{path}: no `type`, `anyOf`, `enum`, `const` or `$ref` (any value)"
        ));
    }
    for (key, value) in map {
        let here = format!("{path}/{}", escape(key));
        match key.as_str() {
            "type" => match value {
                Value::String(t) if TYPES.contains(&t.as_str()) => {}
                Value::Array(_) => out.push(format!(
                    "{here}: type lists are not in the subset (use `anyOf`)"
                )),
                _ => out.push(format!("{here}: unknown type {value}")),
            },
            "properties" => match value.as_object() {
                Some(props) => {
                    for (name, sub) in props {
                        check_node(sub, &format!("{here}/{}", escape(name)), false, out);
                    }
                }
                None => out.push(format!("{here}: not an object")),
            },
            "required" => {
                let names = value.as_array().map(Vec::as_slice).unwrap_or_default();
                let props = map.get("properties").and_then(Value::as_object);
                for name in names {
                    let known = name
                        .as_str()
                        .is_some_and(|n| props.is_some_and(|p| p.contains_key(n)));
                    if !known {
                        out.push(format!("{here}: {name} is not a property"));
                    }
                }
            }
            "additionalProperties" => {
                if value != &Value::Bool(false) {
                    out.push(format!("{here}: must be false, not {value}"));
                }
            }
            "items" => check_node(value, &here, false, out),
            "minItems" => {
                if !matches!(value.as_u64(), Some(0 | 1)) {
                    out.push(format!("{here}: only 0 or 1 is supported, not {value}"));
                }
            }
            "enum" => {
                let values = value.as_array().map(Vec::as_slice).unwrap_or_default();
                if values.iter().any(|v| v.is_object() || v.is_array()) {
                    out.push(format!("{here}: only primitive values are supported"));
                }
            }
            "anyOf" | "allOf" => {
                let branches = value.as_array().map(Vec::as_slice).unwrap_or_default();
                if branches.is_empty() {
                    out.push(format!("{here}: must list at least one schema"));
                }
                for (i, branch) in branches.iter().enumerate() {
                    if key == "allOf" && branch.get("$ref").is_some() {
                        out.push(format!("{here}/{i}: `allOf` with `$ref` is not supported"));
                    }
                    check_node(branch, &format!("{here}/{i}"), false, out);
                }
            }
            "$ref" => {
                if !value.as_str().is_some_and(|r| r.starts_with("#/$defs/")) {
                    out.push(format!(
                        "{here}: only `#/$defs/...` references are supported, not {value}"
                    ));
                }
            }
            "$defs" if root => {
                for (name, def) in value.as_object().into_iter().flatten() {
                    check_node(def, &format!("{here}/{}", escape(name)), false, out);
                }
            }
            "$defs" => out.push(format!("{here}: `$defs` only at the root")),
            "format" => {
                if !value.as_str().is_some_and(|f| FORMATS.contains(&f)) {
                    out.push(format!("{here}: format {value} is not supported"));
                }
            }
            "pattern" => match value.as_str().map(pattern_problem) {
                Some(None) => {}
                Some(Some(problem)) => out.push(format!("{here}: {problem} is not supported")),
                None => out.push(format!("{here}: not a string")),
            },
            "description" | "title" => {
                if !value.is_string() {
                    out.push(format!("{here}: not a string"));
                }
            }
            "const" | "default" => {}
            _ => out.push(format!("{here}: keyword `{key}` is not in the subset")),
        }
    }
    if map.get("type").and_then(Value::as_str) == Some("object")
        && map.get("additionalProperties") != Some(&Value::Bool(false))
    {
        out.push(format!(
            "{path}: objects must set `additionalProperties: false`"
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn formats_are_the_documented_ones() {
        let mut formats = FORMATS.to_vec();
        formats.sort_unstable();
        assert_eq!(
            formats.join(" "),
            "date date-time duration email hostname ipv4 ipv6 time uri uuid"
        );
    }

    #[test]
    fn patterns_beyond_the_subset() {
        for simple in [
            r"^[0-9]{5}$",
            r"^SKU-[A-Z0-9]{4,8}$",
            r"^\d{3}-\d{3}-\d{4}$",
            r"^(a|b)+\s*\w?$",
            r"[\b]",
            r"^x{99}$",
        ] {
            assert_eq!(pattern_problem(simple), None, "{simple}");
        }
        for (complex, problem) in [
            (r"^(\w+)\s+\1$", "a backreference"),
            (r"^(?<w>a)\k<w>$", "a backreference"),
            (r"(?=.*\d)", "a look-around"),
            (r"(?!x)", "a look-around"),
            (r"(?<=a)b", "a look-around"),
            (r"(?<!a)b", "a look-around"),
            (r"\bword\b", "a word boundary"),
            (r"\p{L}+", "a Unicode property class"),
            (r"^a{100,500}$", "a long counted repetition"),
        ] {
            assert_eq!(pattern_problem(complex), Some(problem), "{complex}");
        }
    }

    #[test]
    fn nullable_type_lists_become_any_of() {
        let schema = json!({"type": "object", "properties": {
            "rating": {"type": ["integer", "null"], "minimum": 0, "maximum": 5, "description": "Stars"}
        }});
        let out = structured(&schema).unwrap();
        assert_eq!(
            out["properties"]["rating"],
            json!({
                "anyOf": [{"type": "integer", "description": "(between 0 and 5)"}, {"type": "null"}],
                "description": "Stars"
            })
        );
        assert!(
            subset_violations(&out).is_empty(),
            "{:?}",
            subset_violations(&out)
        );
    }

    #[test]
    fn recursion_and_maps_are_reported() {
        let to_root = json!({"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#"}}}});
        let err = structured(&to_root).unwrap_err();
        assert_eq!(err.path, "#/properties/kids/items");
        assert!(err.reason.starts_with("a recursive type"), "{err}");

        let cycle = json!({
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/A"}},
            "$defs": {
                "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}},
                "B": {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}}
            }
        });
        let err = structured(&cycle).unwrap_err();
        assert_eq!(err.reason, "a recursive type (A → B → A)");
        assert!(!subset_violations(&cycle).is_empty());

        let map = json!({"type": "object", "additionalProperties": {"type": "string"}});
        assert_eq!(
            structured(&map).unwrap_err().reason,
            "a map (an object with arbitrary keys)"
        );
        assert_eq!(
            structured(&json!({})).unwrap_err().reason,
            "a value of any type"
        );
    }

    #[test]
    fn wrapping_repoints_references_to_the_root() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "anyOf": [{"type": "integer"}, {"type": "array", "items": {"$ref": "#"}}, {"$ref": "#/$defs/P"}],
            "$defs": {"P": {"type": "array", "items": {"$ref": "#"}}}
        });
        let (wrapped, was) = object_root(&schema);
        assert!(was);
        assert_eq!(
            wrapped["properties"]["value"]["anyOf"][1]["items"]["$ref"],
            "#/properties/value"
        );
        assert_eq!(
            wrapped["properties"]["value"]["anyOf"][2]["$ref"],
            "#/$defs/P"
        );
        assert_eq!(wrapped["$defs"]["P"]["items"]["$ref"], "#/properties/value");
        assert_eq!(wrapped["required"], json!(["value"]));
        assert!(wrapped.get("$schema").is_none());
        // Still recursive, so still not for structured outputs.
        assert!(
            structured(&wrapped)
                .unwrap_err()
                .reason
                .starts_with("a recursive type")
        );

        let object = json!({"$schema": "x", "type": "object", "properties": {}});
        assert_eq!(
            object_root(&object),
            (json!({"type": "object", "properties": {}}), false)
        );
    }

    #[test]
    fn moved_rules_read_as_words() {
        let schema = json!({"type": "object", "properties": {
            "n": {"type": "integer", "minimum": 0, "maximum": 4294967295_u64, "multipleOf": 5, "allOf": [{"multipleOf": 3}]},
            "f": {"type": "number", "minimum": -3.4028234663852886e38, "maximum": 3.4028234663852886e38, "exclusiveMinimum": 0},
            "s": {"type": "string", "minLength": 1, "maxLength": 1, "pattern": r"\bx", "allOf": [{"pattern": "^a"}, {"format": "email"}]},
            "t": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "string"}], "items": false, "minItems": 2, "maxItems": 2},
            "u": {"type": "array", "items": {"type": "string", "examples": ["x"]}, "minItems": 1, "maxItems": 9, "uniqueItems": true},
            "e": {"type": "integer", "minimum": 0, "maximum": 255, "enum": [1, 2]}
        }});
        let out = structured(&schema).unwrap();
        assert_eq!(
            out["properties"],
            json!({
                "n": {"type": "integer", "description": "(at least 0; a multiple of 5; a multiple of 3)"},
                "f": {"type": "number", "description": "(greater than 0)"},
                "s": {"type": "string", "pattern": "^a", "format": "email",
                      "description": "(exactly 1 character; matching /\\bx/)"},
                "t": {"type": "array", "items": {"anyOf": [{"type": "number"}, {"type": "string"}]}, "minItems": 1,
                      "description": "(exactly 2 items; in order: number, string)"},
                "u": {"type": "array", "items": {"type": "string", "description": "(e.g. \"x\")"}, "minItems": 1,
                      "description": "(1-9 items; unique items)"},
                "e": {"type": "integer", "enum": [1, 2]},
            })
        );
        assert!(
            subset_violations(&out).is_empty(),
            "{:?}",
            subset_violations(&out)
        );
    }
}
