//! Our JSON Schema, rewritten so that llguidance 1.9 enforces what our validator checks.
//!
//! llguidance reads most of the schema as we render it, but in a few places it is looser than the
//! validator (it would let the model write values `T::from_json` rejects) or cannot compile what we
//! emit. Each rewrite below closes one such gap; each was found by random walks over the masks and
//! is pinned by the soundness tests:
//!
//! - integer bounds go through `f64` and `±2^63` fails to compile: clamped to `±(2^63 − 1024)`;
//! - an integer range across zero admits `-0`, which serde reads as a float: split at zero;
//! - float bounds of `±3.4e38` (`f32`) fail to compile, and an unbounded number admits `1e999`,
//!   which serde rejects: numbers are bounded to `±1e18`, and `{}` (any JSON) becomes a definition
//!   whose numbers are bounded the same way;
//! - `format: date`/`date-time` admit Feb 29 of any year, `time`/`date-time` admit second 60 at any
//!   time, `email`/`hostname` admit over-long parts and `--` label forms the validator rejects:
//!   one extra pattern each (slightly stricter than the validator: no leap seconds, no IP-literal
//!   emails);
//! - patterns are ECMA-262, which llguidance reads as Rust regexes (`.` would match `\r`): they go in
//!   as the same Rust translation the validator compiles;
//! - `uniqueItems` is not implemented by llguidance: dropped here and left to the validator;
//! - objects without `additionalProperties` let the model invent keys: closed (serde ignores unknown
//!   keys, so nothing valid is lost, and no tokens are spent on junk).
//!
//! The JSON text has no free whitespace: compact by default (which bounds its length and saves
//! tokens), or with one space after each `,` and `:` ([`Layout::Spaced`]).

use serde_json::{Map, Value, json};

use crate::Layout;

/// The largest integer bound llguidance takes exactly (`2^63 − 1024`, a multiple of the `f64` step).
pub(crate) const INT_LIMIT: i64 = 9_223_372_036_854_774_784;
/// The largest float bound llguidance compiles to a number regex.
pub(crate) const FLOAT_LIMIT: f64 = 1e18;

/// What llguidance is told about the JSON text itself: no free whitespace, and the separators of
/// the layout.
fn options(layout: Layout) -> Value {
    let (item, key) = match layout {
        Layout::Compact => (",", ":"),
        Layout::Spaced => (", ", ": "),
    };
    json!({"whitespace_flexible": false, "item_separator": item, "key_separator": key})
}

/// The schema to hand llguidance for `schema` (as `json_schema::render` emits it).
pub(crate) fn for_llguidance(schema: &Value, layout: Layout) -> Value {
    let mut schema = schema.clone();
    let mut any_used = false;
    replace_any(&mut schema, true, &mut any_used);
    rewrite(&mut schema);
    if let Value::Object(root) = &mut schema {
        if any_used {
            let defs = root
                .entry("$defs")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(defs) = defs {
                defs.insert(ANY_JSON.into(), any_json());
            }
        }
        root.insert("x-guidance".into(), options(layout));
    }
    schema
}

const ANY_JSON: &str = "outlines_AnyJson";

/// Any JSON value whose numbers serde_json reads.
fn any_json() -> Value {
    let any = format!("#/$defs/{ANY_JSON}");
    json!({"anyOf": [
        {"type": "null"}, {"type": "boolean"}, {"type": "string"},
        {"type": "number", "minimum": -FLOAT_LIMIT, "maximum": FLOAT_LIMIT},
        {"type": "array", "items": {"$ref": any}},
        {"type": "object", "additionalProperties": {"$ref": any}},
    ]})
}

/// Keys that only annotate a schema.
fn annotation(key: &str) -> bool {
    matches!(
        key,
        "description" | "examples" | "title" | "default" | "$schema" | "$defs"
    )
}

/// Subschemas that admit any value (`{}`, or annotations only) become a `$ref` to [`any_json`].
fn replace_any(schema: &mut Value, root: bool, used: &mut bool) {
    let Value::Object(map) = schema else { return };
    if !root && map.keys().all(|k| annotation(k)) {
        map.insert("$ref".into(), format!("#/$defs/{ANY_JSON}").into());
        *used = true;
        return;
    }
    for (key, value) in map.iter_mut() {
        match (key.as_str(), value) {
            ("properties" | "$defs", Value::Object(children)) => children
                .values_mut()
                .for_each(|child| replace_any(child, false, used)),
            ("prefixItems" | "anyOf" | "allOf", Value::Array(children)) => children
                .iter_mut()
                .for_each(|child| replace_any(child, false, used)),
            ("items" | "additionalProperties", child) => replace_any(child, false, used),
            _ => {}
        }
    }
}

/// The `type` of a schema, as a list.
fn types(map: &Map<String, Value>) -> Vec<&str> {
    match map.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Rewrites children first, so that what a node adds (its extra patterns, already Rust regexes) is
/// not rewritten again.
fn rewrite(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if !matches!(key.as_str(), "const" | "enum" | "examples" | "default") {
                    rewrite(value);
                }
            }
            rewrite_here(map);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite),
        _ => {}
    }
}

fn rewrite_here(map: &mut Map<String, Value>) {
    let types: Vec<String> = types(map).into_iter().map(str::to_owned).collect();
    let is = |t: &str| types.iter().any(|x| x == t);
    if is("integer") {
        clamp(map, "minimum", Value::from(-INT_LIMIT), |v| {
            v.as_i64().is_some_and(|v| v >= -INT_LIMIT)
        });
        clamp(map, "maximum", Value::from(INT_LIMIT), |v| {
            v.as_i64().is_some_and(|v| v <= INT_LIMIT)
        });
        split_at_zero(map, is("null"));
    } else if is("number") {
        clamp(map, "minimum", Value::from(-FLOAT_LIMIT), |v| {
            v.as_f64().is_some_and(|v| v >= -FLOAT_LIMIT)
        });
        clamp(map, "maximum", Value::from(FLOAT_LIMIT), |v| {
            v.as_f64().is_some_and(|v| v <= FLOAT_LIMIT)
        });
    }
    map.shift_remove("uniqueItems");
    if is("object") && map.contains_key("properties") && !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".into(), false.into());
    }
    let extra = match map.get("format").and_then(Value::as_str) {
        Some("email") => Some(EMAIL.to_owned()),
        Some("hostname") => Some(HOSTNAME.to_owned()),
        Some("date") => Some(LEAP_DAY.to_owned()),
        Some("date-time") => Some(format!(r"{LEAP_DAY}[Tt][0-9]{{2}}:[0-9]{{2}}:[0-5]")),
        Some("time") => Some(NO_LEAP_SECOND.to_owned()),
        _ => None,
    };
    if let Some(pattern) = extra {
        // One extra pattern per schema: llguidance cannot intersect two with a format.
        let mut all_of = match map.shift_remove("allOf") {
            Some(Value::Array(all_of)) => all_of,
            _ => Vec::new(),
        };
        all_of.push(json!({ "pattern": pattern }));
        map.insert("allOf".into(), Value::Array(all_of));
    }
    if let Some(Value::String(pattern)) = map.get_mut("pattern") {
        if let Ok(rust) = jsonschema_regex::to_rust_regex(pattern) {
            *pattern = rust.into_owned();
        }
    }
}

/// Sets `key` to `limit` unless its value is within it.
fn clamp(map: &mut Map<String, Value>, key: &str, limit: Value, within: impl Fn(&Value) -> bool) {
    if !map.get(key).is_some_and(within) {
        map.insert(key.to_owned(), limit);
    }
}

/// An integer range across zero as two ranges, `[lo, -1]` and `[0, hi]`: llguidance's regex for it
/// admits `-0`.
fn split_at_zero(map: &mut Map<String, Value>, nullable: bool) {
    if map.contains_key("enum") || map.contains_key("const") {
        return;
    }
    let get = |key: &str| map.get(key).and_then(Value::as_i64);
    let lo = match (get("minimum"), get("exclusiveMinimum")) {
        (Some(a), Some(b)) => a.max(b.saturating_add(1)),
        (a, b) => a.or(b.map(|b| b.saturating_add(1))).unwrap_or(-INT_LIMIT),
    };
    let hi = match (get("maximum"), get("exclusiveMaximum")) {
        (Some(a), Some(b)) => a.min(b.saturating_sub(1)),
        (a, b) => a.or(b.map(|b| b.saturating_sub(1))).unwrap_or(INT_LIMIT),
    };
    if !(lo < 0 && hi >= 0) {
        return;
    }
    let mut rest = map.clone();
    for key in [
        "type",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "description",
        "examples",
        "default",
        "title",
    ] {
        rest.shift_remove(key);
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
    map.retain(|key, _| annotation(key));
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

/// A local part of at most 64 octets, then a hostname.
const EMAIL: &str = concat!(r"^[^@]{1,64}@(?:", label!(), r"\.)*", label!(), r"$");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_clamped_and_split_at_zero() {
        let schema = for_llguidance(
            &json!({
                "type": "object",
                "properties": {
                    "i": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX},
                    "u": {"type": "integer", "minimum": 0, "maximum": u64::MAX},
                    "f": {"type": "number", "minimum": -3.4e38, "maximum": 3.4e38},
                },
                "required": ["i", "u", "f"],
            }),
            Layout::Compact,
        );
        let props = &schema["properties"];
        assert_eq!(
            props["i"]["anyOf"],
            json!([
                {"type": "integer", "minimum": -INT_LIMIT, "maximum": -1},
                {"type": "integer", "minimum": 0, "maximum": INT_LIMIT},
            ])
        );
        assert_eq!(props["u"]["maximum"], json!(INT_LIMIT));
        assert_eq!(
            (&props["f"]["minimum"], &props["f"]["maximum"]),
            (&json!(-FLOAT_LIMIT), &json!(FLOAT_LIMIT))
        );
        assert_eq!(schema["additionalProperties"], json!(false));
        assert_eq!(schema["x-guidance"]["whitespace_flexible"], json!(false));
        assert_eq!(schema["x-guidance"]["item_separator"], json!(","));
        let spaced = for_llguidance(&json!({"type": "integer"}), Layout::Spaced);
        assert_eq!(spaced["x-guidance"]["item_separator"], json!(", "));
        assert_eq!(spaced["x-guidance"]["key_separator"], json!(": "));
    }

    #[test]
    fn any_value_gets_bounded_numbers_and_unique_items_go() {
        let schema = for_llguidance(
            &json!({
                "type": "object",
                "properties": {"v": {"description": "anything"}, "s": {"type": "array", "uniqueItems": true}},
                "required": ["v", "s"],
            }),
            Layout::Compact,
        );
        assert_eq!(
            schema["properties"]["v"]["$ref"],
            json!(format!("#/$defs/{ANY_JSON}"))
        );
        assert!(schema["$defs"][ANY_JSON].is_object());
        assert!(schema["properties"]["s"].get("uniqueItems").is_none());
    }
}
