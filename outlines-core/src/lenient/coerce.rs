//! Schema-aligned coercions: where the JSON Schema asks for another type than the reply gave, and
//! the conversion loses nothing, convert — `"25"` → 25, `"true"` → true, 25 → `"25"`, 30.0 → 30, a
//! value → a one-item array, an enum value in another case or with spaces → the declared one, a JSON
//! value written as a string → the value. Nothing else is touched: a value of a type the schema
//! allows is left as it is, even if it then fails a range or a pattern.
//!
//! It reads the JSON Schema both derived types and runtime schemas render (local `$ref`s, `anyOf`,
//! `oneOf`, `allOf`, `type`, `enum`, `const`, `properties`, `additionalProperties`, `items`,
//! `prefixItems`), so one implementation serves both.

use serde_json::{Number, Value};

use super::{Fix, FixKind, record};
use crate::diagnostics::{Path, Segment};

/// How many `$ref`s and combinators may be followed at one place in the value (a cycle of
/// references stops here).
const HOPS: usize = 32;

/// The steps (schema nodes visited) coercing a reply of `len` bytes may take, over all its
/// candidates: `allOf` and `anyOf` walk a value once per branch, so a schema nesting them could
/// otherwise make the work grow with the product of the branches. Past it, values are left as
/// they are, for the validator to judge.
pub(crate) fn budget(len: usize) -> usize {
    1024 + 16 * len
}

/// Coerces `value` toward `schema`, recording each conversion in `fixes`, spending `steps`.
pub(crate) fn coerce(value: &mut Value, schema: &Value, fixes: &mut Vec<Fix>, steps: &mut usize) {
    let mut walk = Walk {
        root: schema,
        path: Vec::new(),
        fixes,
        steps,
    };
    walk.node(value, schema, 0, false);
}

struct Walk<'a, 'f> {
    root: &'a Value,
    path: Vec<Segment>,
    fixes: &'f mut Vec<Fix>,
    steps: &'f mut usize,
}

impl<'a> Walk<'a, '_> {
    fn fix(&mut self, kind: FixKind, before: &Value, after: &Value) {
        let path = Path::from_segments(self.path.clone());
        record(
            self.fixes,
            Fix::at_path(kind, path, &before.to_string(), &after.to_string()),
        );
    }

    /// `$ref` followed to its target (local references only).
    fn resolve(&self, mut schema: &'a Value, hops: &mut usize) -> Option<&'a Value> {
        while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            *hops += 1;
            if *hops > HOPS {
                return None;
            }
            let pointer = reference.strip_prefix('#')?;
            schema = self.root.pointer(pointer)?;
        }
        Some(schema)
    }

    /// `wrapped`: `value` is the item this walk just put in an array, which is not wrapped again
    /// (a schema whose items refer back to it would wrap forever).
    fn node(&mut self, value: &mut Value, schema: &'a Value, mut hops: usize, wrapped: bool) {
        // The path is as deep as the value, which the reader keeps within its nesting limit.
        if *self.steps == 0 || self.path.len() > crate::validate::MAX_DEPTH as usize {
            return;
        }
        *self.steps -= 1;
        let Some(schema) = self.resolve(schema, &mut hops) else {
            return;
        };
        if !schema.is_object() {
            return;
        }
        for branch in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if hops < HOPS {
                self.node(value, branch, hops + 1, wrapped);
            }
        }
        let branches = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array);
        if let Some(branches) = branches {
            if hops < HOPS {
                self.branches(value, branches, hops + 1, wrapped);
            }
        }
        let mut wrapping = false;
        if let Some(types) = types(schema) {
            if !types.iter().any(|t| admits(t, value)) {
                wrapping = self.convert(value, &types, wrapped);
            }
        }
        self.enumerated(value, schema);
        self.children(value, schema, wrapping);
    }

    /// `anyOf` / `oneOf`: into the first branch that takes the value's type as it is; else, for a
    /// scalar, the first branch a conversion makes it fit.
    fn branches(&mut self, value: &mut Value, branches: &'a [Value], hops: usize, wrapped: bool) {
        let fits = |branch: &Value, value: &Value, walk: &Self| {
            let mut hops = hops;
            walk.resolve(branch, &mut hops)
                .and_then(types)
                .is_none_or(|types| types.iter().any(|t| admits(t, value)))
        };
        if let Some(branch) = branches.iter().find(|b| fits(b, value, self)) {
            self.node(value, branch, hops, wrapped);
            return;
        }
        // Only a scalar is tried against each branch: its copy is cheap.
        if value.is_array() || value.is_object() {
            return;
        }
        for branch in branches {
            let mut trial = value.clone();
            let mut fixes = Vec::new();
            let mut walk = Walk {
                root: self.root,
                path: self.path.clone(),
                fixes: &mut fixes,
                steps: &mut *self.steps,
            };
            walk.node(&mut trial, branch, hops, wrapped);
            if fits(branch, &trial, self) {
                *value = trial;
                for fix in fixes {
                    record(self.fixes, fix);
                }
                return;
            }
        }
    }

    /// Converts `value` to one of `types` when that loses nothing; whether it put the value in an
    /// array.
    fn convert(&mut self, value: &mut Value, types: &[&str], wrapped: bool) -> bool {
        let wants = |t: &str| types.contains(&t);
        let converted = match &*value {
            Value::String(text) => {
                let trimmed = text.trim();
                if wants("integer") && integer(trimmed).is_some() {
                    integer(trimmed).map(|n| (Value::Number(n), FixKind::StringToInteger))
                } else if wants("number") && number(trimmed).is_some() {
                    number(trimmed).map(|n| (Value::Number(n), FixKind::StringToNumber))
                } else if wants("boolean") && matches!(trimmed, "true" | "false") {
                    Some((Value::Bool(trimmed == "true"), FixKind::StringToBoolean))
                } else if (wants("object") || wants("array"))
                    && (trimmed.starts_with('{') || trimmed.starts_with('['))
                {
                    serde_json::from_str::<Value>(trimmed)
                        .ok()
                        .filter(|inner| types.iter().any(|t| admits(t, inner)))
                        .map(|inner| (inner, FixKind::JsonInString))
                } else {
                    None
                }
            }
            Value::Number(n) => {
                if wants("integer") && n.is_f64() {
                    integral(n).map(|n| (Value::Number(n), FixKind::IntegralFloat))
                } else if wants("string") && !n.is_f64() {
                    // An integer's text is exact; a float's, once parsed, may not be as written.
                    Some((Value::String(n.to_string()), FixKind::NumberToString))
                } else {
                    None
                }
            }
            _ => None,
        };
        let converted = converted.or_else(|| {
            (wants("array") && !value.is_array() && !wrapped)
                .then(|| (Value::Array(vec![value.clone()]), FixKind::WrapInArray))
        });
        match converted {
            Some((new, kind)) => {
                self.fix(kind, value, &new);
                *value = new;
                kind == FixKind::WrapInArray
            }
            None => false,
        }
    }

    /// A string not among `enum` (or not `const`) that equals exactly one declared string but for
    /// case and surrounding whitespace becomes it.
    fn enumerated(&mut self, value: &mut Value, schema: &Value) {
        let declared: Vec<&Value> = match (schema.get("enum"), schema.get("const")) {
            (Some(Value::Array(values)), _) => values.iter().collect(),
            (_, Some(one)) => vec![one],
            _ => return,
        };
        let Value::String(text) = &*value else {
            return;
        };
        if declared.iter().any(|d| *d == value) {
            return;
        }
        let wanted = text.trim().to_lowercase();
        let mut matches = declared
            .iter()
            .filter(|d| d.as_str().is_some_and(|s| s.to_lowercase() == wanted));
        if let (Some(only), None) = (matches.next(), matches.next()) {
            let new = (*only).clone();
            self.fix(FixKind::EnumCase, value, &new);
            *value = new;
        }
    }

    /// Into an object's properties and an array's items; `wrapping`: the array is one this walk
    /// just made around a value.
    fn children(&mut self, value: &mut Value, schema: &'a Value, wrapping: bool) {
        match value {
            Value::Object(map) => {
                let properties = schema.get("properties");
                let additional = schema.get("additionalProperties").filter(|a| a.is_object());
                for (key, child) in map.iter_mut() {
                    let Some(sub) = properties.and_then(|p| p.get(key)).or(additional) else {
                        continue;
                    };
                    self.path.push(Segment::Key(key.clone()));
                    self.node(child, sub, 0, false);
                    self.path.pop();
                }
            }
            Value::Array(items) => {
                let prefix = schema.get("prefixItems").and_then(Value::as_array);
                let rest = schema.get("items").filter(|i| i.is_object());
                for (i, item) in items.iter_mut().enumerate() {
                    let Some(sub) = prefix.and_then(|p| p.get(i)).or(rest) else {
                        continue;
                    };
                    self.path.push(Segment::Index(i));
                    self.node(item, sub, 0, wrapping);
                    self.path.pop();
                }
            }
            _ => {}
        }
    }
}

/// The types a schema allows: its `type`, else those of its `enum` or `const` values; `None` when
/// it does not say.
fn types(schema: &Value) -> Option<Vec<&'static str>> {
    let name = |v: &Value| -> Option<&'static str> {
        Some(match v.as_str()? {
            "null" => "null",
            "boolean" => "boolean",
            "object" => "object",
            "array" => "array",
            "number" => "number",
            "integer" => "integer",
            "string" => "string",
            _ => return None,
        })
    };
    match schema.get("type") {
        Some(Value::Array(list)) => Some(list.iter().filter_map(name).collect()),
        Some(one) => name(one).map(|t| vec![t]),
        None => {
            let values: Vec<&Value> = match (schema.get("enum"), schema.get("const")) {
                (Some(Value::Array(values)), _) => values.iter().collect(),
                (_, Some(one)) => vec![one],
                _ => return None,
            };
            Some(values.into_iter().map(type_of).collect())
        }
    }
}

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether a value of JSON Schema type `t` may be `value` as it is.
fn admits(t: &str, value: &Value) -> bool {
    match (t, value) {
        ("number", Value::Number(_)) => true,
        ("integer", Value::Number(n)) => !n.is_f64(),
        _ => t == type_of(value),
    }
}

/// An integer written without sign tricks or padding: `-12`, `30`.
fn integer(text: &str) -> Option<Number> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    text.parse::<i64>()
        .map(Number::from)
        .or_else(|_| text.parse::<u64>().map(Number::from))
        .ok()
}

/// A JSON number that a float holds exactly as written: at most 15 significant digits (any such
/// decimal survives the trip through an `f64`), `2.5`, `-1e3`, `0.10`.
fn number(text: &str) -> Option<Number> {
    let parsed: Number = serde_json::from_str(text).ok()?;
    parsed.as_f64().filter(|f| f.is_finite())?;
    let mantissa = text.split(['e', 'E']).next().unwrap_or("");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0');
    (significant.len() <= 15).then_some(parsed)
}

/// A float with no fraction as an integer, when it is exactly one (within 2^53).
fn integral(n: &Number) -> Option<Number> {
    let f = n.as_f64()?;
    if f.fract() != 0.0 || f.abs() > 9_007_199_254_740_992.0 {
        return None;
    }
    // The range check above keeps the cast exact.
    Some(Number::from(f as i64))
}
