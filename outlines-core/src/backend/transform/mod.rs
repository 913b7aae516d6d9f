//! What the provider transforms ([`openai`](super::openai::schema), [`anthropic`](super::anthropic::schema)) share:
//! a schema's preparation ([`prepare`]: its nesting bounded, `definitions` read as `$defs`), when
//! closing an object could lose every valid value ([`closing_problem`]), JSON Pointer tokens,
//! walking a node's subschemas, finding and repointing `$ref`s, wrapping a non-object root as
//! `{"value": …}`, and ([`rules`]) stating in the description the rules a provider does not take,
//! in one phrasing whichever provider it is.
//!
//! The transforms recurse through a schema's nesting, which [`prepare`] bounds; the walks here
//! that may run on a schema no transform took (a forced tool's raw `input_schema`) are iterative.

pub(crate) mod rules;

use std::borrow::Cow;
use std::fmt;

use serde_json::{Map, Value, json};

pub(crate) use rules::Rules;

/// The key a non-object root is wrapped in: `{"value": <the root>}`.
pub(crate) const WRAPPER_KEY: &str = "value";

/// The types JSON Schema names.
pub(crate) const JSON_TYPES: &[&str] = &[
    "object", "array", "string", "integer", "number", "boolean", "null",
];

/// The string formats the providers' subsets take: Anthropic's all of them, OpenAI's strict mode
/// all but `uri`, which is last for that reason.
pub(crate) const FORMATS: &[&str] = &[
    "date-time",
    "time",
    "date",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uuid",
    "uri",
];

/// How a reference names a definition: `#/$defs/<name>`.
const DEFS_PREFIX: &str = "#/$defs/";

/// The deepest JSON nesting a transform takes (what serde_json parses from text): a deeper schema
/// goes to the provider as it is, or not at all, with this as the reason.
pub(crate) const MAX_DEPTH: usize = 128;

// ---------------------------------------------------------------------------------------------------
// Preparation

/// `schema` as the transforms read it: nested at most [`MAX_DEPTH`] levels (checked without
/// recursion), and draft-07 `definitions` at the root moved into `$defs`, their references
/// repointed. `Err` says why there is no such form.
pub(crate) fn prepare(schema: &Value) -> Result<Cow<'_, Value>, String> {
    if let Some(depth) = deeper_than(schema, MAX_DEPTH) {
        return Err(format!(
            "the schema is nested more than {MAX_DEPTH} levels deep ({depth} seen)"
        ));
    }
    let Some(Value::Object(definitions)) = schema.get("definitions") else {
        return Ok(Cow::Borrowed(schema));
    };
    let mut doc = schema.clone();
    let Value::Object(root) = &mut doc else {
        return Ok(Cow::Borrowed(schema));
    };
    root.shift_remove("definitions");
    let defs = root
        .entry("$defs")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(defs) = defs else {
        return Err("`$defs` is not an object".into());
    };
    for (name, def) in definitions {
        if defs.contains_key(name) {
            return Err(format!("`$defs` and `definitions` both define {name:?}"));
        }
        defs.insert(name.clone(), def.clone());
    }
    let mut stack: Vec<&mut Value> = vec![&mut doc];
    while let Some(node) = stack.pop() {
        let Value::Object(map) = node else { continue };
        if let Some(Value::String(reference)) = map.get_mut("$ref") {
            if let Some(rest) = reference.strip_prefix("#/definitions/") {
                *reference = format!("{DEFS_PREFIX}{rest}");
            }
        }
        stack.extend(schema_values_mut(map));
    }
    Ok(Cow::Owned(doc))
}

/// Whether a node is an object schema: its type, or its properties, say so.
pub(crate) fn is_object(node: &Map<String, Value>) -> bool {
    node.contains_key("properties")
        || match node.get("type") {
            Some(Value::String(t)) => t == "object",
            Some(Value::Array(types)) => types.iter().any(|t| t == "object"),
            _ => false,
        }
}

/// The depth at which `value` passes `limit`, if it does.
pub(crate) fn deeper_than(value: &Value, limit: usize) -> Option<usize> {
    let mut stack = vec![(value, 1)];
    while let Some((value, level)) = stack.pop() {
        if level > limit {
            return Some(level);
        }
        match value {
            Value::Object(map) => stack.extend(map.values().map(|v| (v, level + 1))),
            Value::Array(items) => stack.extend(items.iter().map(|v| (v, level + 1))),
            _ => {}
        }
    }
    None
}

/// The subschemas of a node and its definitions, to change them (`$defs` included, unlike
/// [`subschemas_mut`]).
fn schema_values_mut(map: &mut Map<String, Value>) -> Vec<&mut Value> {
    let mut out = Vec::new();
    for (key, value) in map.iter_mut() {
        let key = key.as_str();
        if ONE.contains(&key) {
            out.push(value);
            continue;
        }
        match value {
            Value::Object(children) if NAMED.contains(&key) || key == "$defs" => {
                out.extend(children.values_mut());
            }
            Value::Array(children) if LISTED.contains(&key) => out.extend(children.iter_mut()),
            _ => {}
        }
    }
    out
}

/// A copy of `value`, made without recursion: a schema the transforms refused for its depth still
/// goes out as it is (a forced tool's `input_schema`), and `Value::clone` recurses once per level.
pub(crate) fn deep_clone(value: &Value) -> Value {
    enum Task<'a> {
        Copy(&'a Value),
        Object(Vec<&'a String>),
        Array(usize),
    }
    let mut tasks = vec![Task::Copy(value)];
    let mut made: Vec<Value> = Vec::new();
    while let Some(task) = tasks.pop() {
        match task {
            Task::Copy(Value::Object(map)) => {
                tasks.push(Task::Object(map.keys().collect()));
                tasks.extend(map.values().rev().map(Task::Copy));
            }
            Task::Copy(Value::Array(items)) => {
                tasks.push(Task::Array(items.len()));
                tasks.extend(items.iter().rev().map(Task::Copy));
            }
            Task::Copy(scalar) => made.push(scalar.clone()),
            Task::Object(keys) => {
                let values = made.split_off(made.len().saturating_sub(keys.len()));
                made.push(Value::Object(
                    keys.into_iter().cloned().zip(values).collect(),
                ));
            }
            Task::Array(n) => {
                let values = made.split_off(made.len().saturating_sub(n));
                made.push(Value::Array(values));
            }
        }
    }
    made.pop().unwrap_or(Value::Null)
}

// ---------------------------------------------------------------------------------------------------
// Closing objects

/// Keywords that decide which keys an object may or must have: a rule the subsets do not take,
/// stated in words only.
const PRESENCE: &[&str] = &[
    "not",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "propertyNames",
    "anyOf",
    "oneOf",
    "allOf",
];

/// The most subschemas beside an object's properties that closing it reads.
const BESIDE_LIMIT: usize = 10_000;

/// Why closing this object node (`additionalProperties: false`, as both subsets require) could
/// lose every valid value, or `None` if it cannot; with `require_all`, also requiring every
/// property (OpenAI's strict mode). Rules that only state in words what keys the object needs —
/// `required` outside its `properties`, `dependentRequired`, an `if`'s `then` — would then be
/// impossible to meet.
pub(crate) fn closing_problem(map: &Map<String, Value>, require_all: bool) -> Option<String> {
    let empty = Map::new();
    let properties = map
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let names = |value: Option<&Value>| -> Vec<String> {
        value
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let required = names(map.get("required"));
    let mut asked: Vec<String> = required.clone();
    if let Some(Value::Object(deps)) = map.get("dependentRequired") {
        for (key, needs) in deps {
            asked.push(key.clone());
            asked.extend(names(Some(needs)));
        }
    }
    // The keys the schemas beside it ask for (an `if`'s `then`, an `anyOf` branch, nested), and
    // rules there on the keys' number or names, which may ask for keys beyond the properties
    // (`not: {maxProperties: 2}` asks for a third; `allOf: [{minProperties: 5}]` for more).
    const COUNTS: &[&str] = &[
        "minProperties",
        "maxProperties",
        "additionalProperties",
        "patternProperties",
        "propertyNames",
        "unevaluatedProperties",
    ];
    // The subschemas under the presence keywords (`dependentSchemas` holds one per key).
    fn push<'a>(beside: &mut Vec<&'a Value>, node: &'a Map<String, Value>) {
        for key in PRESENCE {
            match (node.get(*key), *key) {
                (Some(Value::Object(by_key)), "dependentSchemas") => beside.extend(by_key.values()),
                (Some(value), _) => beside.push(value),
                (None, _) => {}
            }
        }
    }
    let mut beside: Vec<&Value> = Vec::new();
    push(&mut beside, map);
    let mut seen = 0;
    while let Some(value) = beside.pop() {
        seen += 1;
        if seen > BESIDE_LIMIT {
            return Some("an object with too many rules beside its properties to check".into());
        }
        match value {
            Value::Array(subs) => beside.extend(subs),
            Value::Object(sub) => {
                if let Some(key) = COUNTS.iter().find(|k| sub.contains_key(**k)) {
                    return Some(format!(
                        "an object with `{key}` in a rule beside its properties, which may ask \
                         for keys beyond them"
                    ));
                }
                asked.extend(names(sub.get("required")));
                push(&mut beside, sub);
            }
            _ => {}
        }
    }
    if let Some(name) = asked.iter().find(|n| !properties.contains_key(n.as_str())) {
        return Some(format!(
            "an object whose rules ask for the key {name:?}, which is not among its properties"
        ));
    }
    let count = |key: &str| map.get(key).and_then(Value::as_u64);
    if count("minProperties").is_some_and(|min| min > properties.len() as u64) {
        return Some("an object with `minProperties` above its number of properties".into());
    }
    let optional = properties
        .keys()
        .any(|name| !required.iter().any(|r| r == name));
    if require_all && optional {
        if count("maxProperties").is_some_and(|max| max < properties.len() as u64) {
            return Some(
                "an object with optional properties and `maxProperties` below their number".into(),
            );
        }
        if let Some(key) = PRESENCE.iter().find(|k| map.contains_key(**k)) {
            return Some(format!(
                "an object with optional properties and `{key}`, which may forbid some of them"
            ));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------------
// JSON Pointer

/// `segment` as a JSON Pointer token (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape(segment: &str) -> Cow<'_, str> {
    if segment.contains(['~', '/']) {
        Cow::Owned(segment.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(segment)
    }
}

/// The segment a JSON Pointer token stands for.
fn unescape(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// The reference to the definition `name`: `#/$defs/<name>`, escaped.
pub(crate) fn def_ref(name: &str) -> String {
    format!("{DEFS_PREFIX}{}", escape(name))
}

/// The definition `reference` names, if it names one (`#/$defs/A`, not `#/$defs/A/items`).
pub(crate) fn def_name(reference: &str) -> Option<Cow<'_, str>> {
    let token = reference.strip_prefix(DEFS_PREFIX)?;
    (!token.contains('/')).then(|| unescape(token))
}

/// Whether `reference` points into `$defs` (`#/$defs/...`), resolvable or not.
pub(crate) fn into_defs(reference: &str) -> bool {
    reference.starts_with(DEFS_PREFIX)
}

/// Whether `reference` points into the root outside `$defs`: `#` (a recursive root), `#/properties/x`.
/// Such references move when the root is wrapped.
pub(crate) fn into_root(reference: &str) -> bool {
    reference == "#" || (reference.starts_with("#/") && !into_defs(reference))
}

// ---------------------------------------------------------------------------------------------------
// Subschemas

/// Where a subschema sits in its parent; displays as the JSON Pointer suffix (`/properties/name`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    /// A keyword holding one schema: `/items`.
    Key(&'a str),
    /// A member of a keyword holding named schemas: `/properties/name`.
    Name(&'a str, &'a str),
    /// A member of a keyword holding a list of schemas: `/anyOf/0`.
    Index(&'a str, usize),
}

impl fmt::Display for Step<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Key(key) => write!(f, "/{key}"),
            Step::Name(key, name) => write!(f, "/{key}/{}", escape(name)),
            Step::Index(key, i) => write!(f, "/{key}/{i}"),
        }
    }
}

/// Keywords whose value is one schema (a boolean one is not walked).
const ONE: &[&str] = &["items", "additionalProperties", "not", "contains"];
/// Keywords whose value maps names to schemas. `$defs` is not among them: definitions are walked on
/// their own, once, by whoever walks the root (neither subset takes them below the root).
const NAMED: &[&str] = &["properties", "patternProperties"];
/// Keywords whose value lists schemas.
const LISTED: &[&str] = &["prefixItems", "anyOf", "oneOf", "allOf"];

/// The schemas directly inside a schema node, with where each is. Values that are data (`enum`,
/// `const`, `examples`, `default`) are not schemas and are not walked.
pub(crate) fn subschemas(map: &Map<String, Value>) -> Vec<(Step<'_>, &Value)> {
    let mut out = Vec::new();
    for (key, value) in map {
        let key = key.as_str();
        match value {
            Value::Object(children) if NAMED.contains(&key) => {
                out.extend(children.iter().map(|(n, s)| (Step::Name(key, n), s)));
            }
            Value::Object(_) if ONE.contains(&key) => out.push((Step::Key(key), value)),
            Value::Array(children) if LISTED.contains(&key) => {
                out.extend(
                    children
                        .iter()
                        .enumerate()
                        .map(|(i, s)| (Step::Index(key, i), s)),
                );
            }
            _ => {}
        }
    }
    out
}

/// [`subschemas`], to change them.
pub(crate) fn subschemas_mut(map: &mut Map<String, Value>) -> Vec<&mut Value> {
    let mut out = Vec::new();
    for (key, value) in map.iter_mut() {
        let key = key.as_str();
        if ONE.contains(&key) {
            if value.is_object() {
                out.push(value);
            }
            continue;
        }
        match value {
            Value::Object(children) if NAMED.contains(&key) => out.extend(children.values_mut()),
            Value::Array(children) if LISTED.contains(&key) => out.extend(children.iter_mut()),
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------
// References

/// Every `$ref` in `schema` and its subschemas, with where it is (`path` is the schema's own), in
/// document order.
pub(crate) fn refs_at<'a>(schema: &'a Value, path: &str) -> Vec<(String, &'a str)> {
    let mut out = Vec::new();
    let mut stack = vec![(schema, path.to_owned())];
    while let Some((schema, path)) = stack.pop() {
        let Value::Object(map) = schema else { continue };
        if let Some(Value::String(reference)) = map.get("$ref") {
            out.push((path.clone(), reference.as_str()));
        }
        let mut children: Vec<(&Value, String)> = subschemas(map)
            .into_iter()
            .map(|(step, sub)| (sub, format!("{path}{step}")))
            .collect();
        children.reverse();
        stack.extend(children);
    }
    out
}

/// Every `$ref` in `schema` and its subschemas.
pub(crate) fn refs(schema: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    let mut stack = vec![schema];
    while let Some(schema) = stack.pop() {
        let Value::Object(map) = schema else { continue };
        if let Some(Value::String(reference)) = map.get("$ref") {
            out.push(reference.as_str());
        }
        stack.extend(subschemas(map).into_iter().map(|(_, sub)| sub));
    }
    out
}

/// Repoints the references into the root ([`into_root`]) in `schema` at `target`, which now holds
/// what the root held: `#` becomes `target`, `#/properties/x` becomes `<target>/properties/x`.
pub(crate) fn repoint_root_refs(schema: &mut Value, target: &str) {
    let mut stack = vec![schema];
    while let Some(schema) = stack.pop() {
        let Value::Object(map) = schema else { continue };
        if let Some(Value::String(reference)) = map.get_mut("$ref") {
            if let Some(rest) = reference.strip_prefix('#').filter(|_| into_root(reference)) {
                *reference = format!("{target}{rest}");
            }
        }
        stack.extend(subschemas_mut(map));
    }
}

// ---------------------------------------------------------------------------------------------------
// Wrapping

/// Where references to a wrapped root point afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RootRefs {
    /// At the wrapper's property, `#/properties/value`: the plain JSON Schema way.
    ToProperty,
    /// At a new definition holding the old root (`#/$defs/Root`), when any reference points at the
    /// root: for a subset that takes only `#` and `#/$defs/...` references (OpenAI strict mode).
    ToDefinition,
}

/// `schema` as the one required property [`WRAPPER_KEY`] of a closed object, for providers whose
/// root must be an object. `$schema` and `$defs` stay at the top; references into the old root are
/// repointed as `refs` says.
pub(crate) fn wrap(schema: &Value, refs: RootRefs) -> Value {
    wrap_owned(deep_clone(schema), refs)
}

/// [`wrap`], taking the schema.
pub(crate) fn wrap_owned(schema: Value, refs: RootRefs) -> Value {
    let mut body = match schema {
        Value::Object(map) => map,
        other => return Value::Object(wrapper(other, Map::new())),
    };
    let dialect = body.shift_remove("$schema");
    let mut defs = match body.shift_remove("$defs") {
        Some(Value::Object(defs)) => defs,
        _ => Map::new(),
    };
    let mut body = Value::Object(body);
    let inner = match refs {
        RootRefs::ToProperty => {
            let target = format!("#/properties/{}", escape(WRAPPER_KEY));
            repoint_root_refs(&mut body, &target);
            defs.values_mut()
                .for_each(|def| repoint_root_refs(def, &target));
            body
        }
        RootRefs::ToDefinition => {
            let recursive = refs_to_root(&body) || defs.values().any(refs_to_root);
            if recursive {
                let name = (1..)
                    .map(|n| match n {
                        1 => "Root".to_owned(),
                        n => format!("Root_{n}"),
                    })
                    .find(|name| !defs.contains_key(name))
                    .unwrap_or_else(|| "Root".to_owned());
                let target = def_ref(&name);
                repoint_root_refs(&mut body, &target);
                defs.values_mut()
                    .for_each(|def| repoint_root_refs(def, &target));
                defs.insert(name, body);
                json!({ "$ref": target })
            } else {
                body
            }
        }
    };
    let mut out = Map::new();
    if let Some(dialect) = dialect {
        out.insert("$schema".into(), dialect);
    }
    out.append(&mut wrapper(inner, defs));
    Value::Object(out)
}

fn refs_to_root(schema: &Value) -> bool {
    refs(schema).into_iter().any(into_root)
}

/// `{"type": "object", "properties": {"value": inner}, "required": ["value"],
/// "additionalProperties": false}`, and `$defs` when there are any.
fn wrapper(inner: Value, defs: Map<String, Value>) -> Map<String, Value> {
    let mut properties = Map::new();
    properties.insert(WRAPPER_KEY.into(), inner);
    let mut out = Map::new();
    out.insert("type".into(), "object".into());
    out.insert("properties".into(), Value::Object(properties));
    out.insert("required".into(), json!([WRAPPER_KEY]));
    out.insert("additionalProperties".into(), false.into());
    if !defs.is_empty() {
        out.insert("$defs".into(), Value::Object(defs));
    }
    out
}

// ---------------------------------------------------------------------------------------------------
// Tuples

/// Whether a tuple (`prefixItems`) lets items of any value follow its positions: no `items` (or
/// `items: true`) and room for more than the positions under `maxItems`. Its items' schema would
/// be any value, which no provider subset takes; the positions' schemas alone would refuse every
/// longer array the schema accepts.
pub(crate) fn open_tuple(map: &Map<String, Value>) -> bool {
    let Some(Value::Array(positions)) = map.get("prefixItems") else {
        return false;
    };
    let open = matches!(map.get("items"), None | Some(Value::Bool(true)));
    let room = map
        .get("maxItems")
        .and_then(Value::as_f64)
        .is_none_or(|max| max > positions.len() as f64);
    open && room
}

/// The `items` schema that stands for a tuple whose positions rendered as `rendered`: any of them,
/// each once (`None` for an empty tuple). When the positions differ, their order — named after the
/// `original` positions — joins `rules`, so the model still reads it.
pub(crate) fn tuple_items(
    original: &[Value],
    rendered: Vec<Value>,
    rules: &mut Rules,
) -> Option<Value> {
    let mut distinct: Vec<Value> = Vec::new();
    for position in rendered {
        if !distinct.contains(&position) {
            distinct.push(position);
        }
    }
    if distinct.len() > 1 {
        rules.order = original.iter().map(rules::brief).collect();
    }
    match distinct.len() {
        0 => None,
        1 => distinct.pop(),
        _ => Some(json!({ "anyOf": distinct })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preparation_bounds_depth_and_reads_definitions_as_defs() {
        let mut deep = json!(true);
        for _ in 0..(MAX_DEPTH + 5) {
            deep = json!({ "items": deep });
        }
        assert!(prepare(&deep).unwrap_err().contains("nested more than 128"));
        let copy = deep_clone(&deep);
        assert_eq!(copy, deep);
        let schema =
            json!({"anyOf": [{"$ref": "#/definitions/a"}], "definitions": {"a": {"type": "null"}}});
        assert_eq!(
            prepare(&schema).unwrap().into_owned(),
            json!({"anyOf": [{"$ref": "#/$defs/a"}], "$defs": {"a": {"type": "null"}}})
        );
        let plain = json!({"type": "string"});
        assert!(matches!(prepare(&plain), Ok(Cow::Borrowed(_))));
    }

    #[test]
    fn closing_is_refused_where_a_rule_needs_another_key() {
        let problem = |schema: Value, all: bool| closing_problem(schema.as_object().unwrap(), all);
        let object = |rest: Value| {
            let mut node =
                json!({"type": "object", "properties": {"a": {}, "b": {}}, "required": ["a"]});
            for (k, v) in rest.as_object().unwrap() {
                node[k] = v.clone();
            }
            node
        };
        assert_eq!(problem(object(json!({})), true), None);
        assert!(problem(object(json!({"required": ["c"]})), false).is_some());
        assert!(problem(object(json!({"dependentRequired": {"a": ["c"]}})), false).is_some());
        assert!(problem(object(json!({"then": {"required": ["c"]}})), false).is_some());
        assert!(problem(object(json!({"anyOf": [{"required": ["c"]}]})), false).is_some());
        assert!(problem(object(json!({"minProperties": 3})), false).is_some());
        // Requiring every property: only where nothing limits which are present.
        assert_eq!(problem(object(json!({"maxProperties": 1})), false), None);
        assert!(problem(object(json!({"maxProperties": 1})), true).is_some());
        assert!(problem(object(json!({"not": {"required": ["b"]}})), true).is_some());
        assert_eq!(
            problem(object(json!({"required": ["a", "b"], "not": {}})), true),
            None
        );
    }

    #[test]
    fn pointer_tokens_round_trip() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        assert_eq!(unescape("a~1b~0c"), "a/b~c");
        assert_eq!(unescape("~01"), "~1");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(def_ref("a/b"), "#/$defs/a~1b");
        assert_eq!(def_name("#/$defs/a~1b").as_deref(), Some("a/b"));
        assert_eq!(def_name("#/$defs/A/items"), None);
        assert_eq!(def_name("#"), None);
        assert!(into_root("#") && into_root("#/properties/x"));
        assert!(!into_root("#/$defs/A") && !into_root("other.json#") && !into_root("#anchor"));
    }

    #[test]
    fn subschemas_skip_data_and_definitions() {
        let schema = json!({
            "properties": {"a/b": {"type": "string"}},
            "items": {"type": "integer"},
            "additionalProperties": false,
            "anyOf": [{"type": "null"}, {"$ref": "#/$defs/X"}],
            "enum": [{"type": "not a schema"}],
            "$defs": {"X": {"type": "string"}},
        });
        let map = schema.as_object().unwrap();
        let paths: Vec<String> = subschemas(map).iter().map(|(s, _)| s.to_string()).collect();
        assert_eq!(
            paths,
            ["/properties/a~1b", "/items", "/anyOf/0", "/anyOf/1"]
        );
        assert_eq!(refs(&schema), ["#/$defs/X"]);
        assert_eq!(
            refs_at(&schema, "#"),
            [("#/anyOf/1".to_owned(), "#/$defs/X")]
        );
    }

    #[test]
    fn wrapping_repoints_root_references() {
        let list = json!({
            "$schema": "S",
            "type": "array",
            "items": {"anyOf": [{"$ref": "#"}, {"$ref": "#/items"}, {"$ref": "#/$defs/P"}]},
            "$defs": {"P": {"type": "array", "items": {"$ref": "#"}}},
        });
        let to_property = wrap(&list, RootRefs::ToProperty);
        assert_eq!(
            to_property,
            json!({
                "$schema": "S",
                "type": "object",
                "properties": {"value": {"type": "array", "items": {"anyOf": [
                    {"$ref": "#/properties/value"}, {"$ref": "#/properties/value/items"}, {"$ref": "#/$defs/P"},
                ]}}},
                "required": ["value"],
                "additionalProperties": false,
                "$defs": {"P": {"type": "array", "items": {"$ref": "#/properties/value"}}},
            })
        );
        let to_definition = wrap(&list, RootRefs::ToDefinition);
        assert_eq!(
            to_definition["properties"]["value"],
            json!({"$ref": "#/$defs/Root"})
        );
        assert_eq!(
            to_definition["$defs"]["Root"]["items"]["anyOf"][1],
            json!({"$ref": "#/$defs/Root/items"})
        );
        assert_eq!(
            to_definition["$defs"]["P"]["items"],
            json!({"$ref": "#/$defs/Root"})
        );
        // Not recursive: the root goes in as it is.
        let plain = wrap(&json!({"type": "string"}), RootRefs::ToDefinition);
        assert_eq!(plain["properties"]["value"], json!({"type": "string"}));
        assert!(plain.get("$defs").is_none());
        assert_eq!(
            wrap(&Value::Bool(true), RootRefs::ToProperty)["properties"]["value"],
            true
        );
    }

    #[test]
    fn tuples_keep_each_position_once_and_their_order_in_words() {
        let original = [json!({"type": "number"}), json!({"$ref": "#/$defs/P"})];
        let mut rules = Rules::default();
        let items = tuple_items(&original, original.to_vec(), &mut rules);
        assert_eq!(
            items,
            Some(json!({"anyOf": [{"type": "number"}, {"$ref": "#/$defs/P"}]}))
        );
        assert_eq!(rules.order, ["number", "P"]);

        let same = [json!({"type": "number"}), json!({"type": "number"})];
        let mut rules = Rules::default();
        let items = tuple_items(&same, same.to_vec(), &mut rules);
        assert_eq!(items, Some(json!({"type": "number"})));
        assert!(rules.order.is_empty());
        assert_eq!(tuple_items(&[], Vec::new(), &mut rules), None);
    }
}
