//! What the provider transforms ([`openai`](super::openai::schema), [`anthropic`](super::anthropic::schema)) share:
//! JSON Pointer tokens, walking a node's subschemas, finding and repointing `$ref`s, wrapping a
//! non-object root as `{"value": …}`, and ([`rules`]) stating in the description the rules a
//! provider does not take, in one phrasing whichever provider it is.

pub(crate) mod rules;

use std::borrow::Cow;
use std::fmt::{self, Write as _};

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

/// Every `$ref` in `schema` and its subschemas, with where it is (`path` is the schema's own).
pub(crate) fn refs_at<'a>(schema: &'a Value, path: &str) -> Vec<(String, &'a str)> {
    fn walk<'a>(schema: &'a Value, path: &mut String, out: &mut Vec<(String, &'a str)>) {
        let Value::Object(map) = schema else { return };
        if let Some(Value::String(reference)) = map.get("$ref") {
            out.push((path.clone(), reference));
        }
        for (step, sub) in subschemas(map) {
            let len = path.len();
            let _ = write!(path, "{step}");
            walk(sub, path, out);
            path.truncate(len);
        }
    }
    let mut out = Vec::new();
    walk(schema, &mut path.to_owned(), &mut out);
    out
}

/// Every `$ref` in `schema` and its subschemas.
pub(crate) fn refs(schema: &Value) -> Vec<&str> {
    fn walk<'a>(schema: &'a Value, out: &mut Vec<&'a str>) {
        let Value::Object(map) = schema else { return };
        if let Some(Value::String(reference)) = map.get("$ref") {
            out.push(reference);
        }
        for (_, sub) in subschemas(map) {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(schema, &mut out);
    out
}

/// Repoints the references into the root ([`into_root`]) in `schema` at `target`, which now holds
/// what the root held: `#` becomes `target`, `#/properties/x` becomes `<target>/properties/x`.
pub(crate) fn repoint_root_refs(schema: &mut Value, target: &str) {
    let Value::Object(map) = schema else { return };
    if let Some(Value::String(reference)) = map.get_mut("$ref") {
        if let Some(rest) = reference.strip_prefix('#').filter(|_| into_root(reference)) {
            *reference = format!("{target}{rest}");
        }
    }
    for sub in subschemas_mut(map) {
        repoint_root_refs(sub, target);
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
    let Value::Object(map) = schema else {
        return Value::Object(wrapper(schema.clone(), Map::new()));
    };
    let mut body = map.clone();
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
