//! The size limits of strict mode and the rule checker ([`strict_violations`]).

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::{NotStrict, STRICT_FORMATS, is_object};
use crate::backend::transform::{JSON_TYPES, def_name, def_ref, escape, subschemas};

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

/// Every way `schema` exceeds `limits`.
pub(super) fn measure(schema: &Value, limits: &Limits) -> Vec<NotStrict> {
    let mut m = Measure::default();
    m.walk(schema, "#");
    let defs = schema.get("$defs").and_then(Value::as_object);
    if let Some(defs) = defs {
        for (key, def) in defs {
            m.text_chars += key.chars().count();
            m.walk(def, &def_ref(key));
        }
    }
    let empty = Map::new();
    let (depth, chained) = Depth {
        root: schema,
        defs: defs.unwrap_or(&empty),
        memo: HashMap::new(),
        chained: false,
    }
    .of_root();
    let mut out = Vec::new();
    if chained {
        out.push(NotStrict::Nested {
            what: "references are chained".into(),
            limit: MAX_CHAIN,
        });
    }
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
        for (step, sub) in subschemas(map) {
            self.walk(sub, &format!("{path}{step}"));
        }
    }
}

/// The most references followed one inside another: a longer chain (a hostile schema's) is not
/// followed, and the schema has no strict form.
const MAX_CHAIN: usize = 64;

/// Levels of object nesting, following references but not around a cycle.
struct Depth<'a> {
    root: &'a Value,
    defs: &'a Map<String, Value>,
    /// Depth of each definition (computed once; a cycle counts as its first pass).
    memo: HashMap<String, usize>,
    /// Whether a chain of references was longer than [`MAX_CHAIN`].
    chained: bool,
}

impl<'a> Depth<'a> {
    /// The depth, and whether a chain of references was cut short.
    fn of_root(mut self) -> (usize, bool) {
        let root = self.root;
        let depth = self.of(root, &mut vec!["#".to_owned()]);
        (depth, self.chained)
    }

    fn of(&mut self, node: &'a Value, stack: &mut Vec<String>) -> usize {
        let Value::Object(map) = node else { return 0 };
        if let Some(Value::String(reference)) = map.get("$ref") {
            if stack.contains(reference) {
                return 0;
            }
            if stack.len() > MAX_CHAIN {
                self.chained = true;
                return 0;
            }
            if let Some(d) = self.memo.get(reference) {
                return *d;
            }
            let target = if reference == "#" {
                Some(self.root)
            } else {
                def_name(reference).and_then(|k| self.defs.get(k.as_ref()))
            };
            let Some(target) = target else { return 0 };
            stack.push(reference.clone());
            let d = self.of(target, stack);
            stack.pop();
            self.memo.insert(reference.clone(), d);
            return d;
        }
        let own = usize::from(is_object(map));
        let deepest = subschemas(map)
            .into_iter()
            .map(|(_, child)| self.of(child, stack))
            .max()
            .unwrap_or(0);
        own + deepest
    }
}

/// Whether a strict schema admits a finite value: with every property required, a property that
/// refers back to the value (`{"next": {"$ref": "#"}}`) never ends unless something on the way
/// may stop (`null`, an empty array, another branch). A least fixpoint over the root and the
/// definitions: none admits a value until shown to, then those that refer to it are looked at
/// again.
pub(super) fn finite(schema: &Value) -> bool {
    let empty = Map::new();
    let defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut trees: Vec<(String, &Value)> = vec![("#".to_owned(), schema)];
    trees.extend(defs.iter().map(|(name, def)| (def_ref(name), def)));
    let mut users: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (_, tree)) in trees.iter().enumerate() {
        for reference in crate::backend::transform::refs(tree) {
            users.entry(reference).or_default().push(i);
        }
    }
    let mut known: BTreeSet<&str> = BTreeSet::new();
    let mut todo: Vec<usize> = (0..trees.len()).collect();
    while let Some(i) = todo.pop() {
        let (name, tree) = &trees[i];
        if known.contains(name.as_str()) || !admits(tree, &known) {
            continue;
        }
        known.insert(name.as_str());
        todo.extend(users.get(name.as_str()).into_iter().flatten().copied());
    }
    known.contains("#")
}

/// Whether a strict node admits a finite value, given the references known to.
fn admits(node: &Value, known: &BTreeSet<&str>) -> bool {
    let Value::Object(map) = node else {
        return true;
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        return known.contains(reference);
    }
    if map.contains_key("enum") {
        return true;
    }
    if let Some(Value::Array(branches)) = map.get("anyOf") {
        return branches.iter().any(|b| admits(b, known));
    }
    let types: Vec<&str> = match map.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return true,
    };
    types.iter().any(|t| match *t {
        "object" => map
            .get("properties")
            .and_then(Value::as_object)
            .is_none_or(|p| p.values().all(|s| admits(s, known))),
        "array" => {
            map.get("minItems").and_then(Value::as_u64).unwrap_or(0) == 0
                || map.get("items").is_none_or(|s| admits(s, known))
        }
        _ => true,
    })
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
        checker.check(def, &def_ref(key), &mut out);
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
                Some(r) => def_name(r).is_some_and(|k| self.defs.contains_key(k.as_ref())),
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
            if !JSON_TYPES.contains(t) {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::backend::openai::schema::{strict, strict_with};

    fn ok(schema: Value) {
        let out = strict(&schema).unwrap_or_else(|e| panic!("not strict: {e}"));
        let violations = strict_violations(&out.schema);
        assert!(violations.is_empty(), "{violations:#?}\n{:#}", out.schema);
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
}
