//! The rules a provider's subset cannot state, in words for the node's description.
//!
//! Both transforms move such keywords into a [`Rules`] and end the node's description with them,
//! in parentheses, joined with "; ": `Full name. (1-80 characters; matching /^[A-Z]/)`. The model
//! still reads every rule, in the same words whichever provider it is; the validator checks the
//! original schema either way.

use serde_json::{Map, Value};

use super::def_name;

/// The most bytes of JSON one moved keyword or example states.
pub(crate) const WORDS_MAX: usize = 200;

/// `value` as compact JSON, cut at [`WORDS_MAX`] bytes with `…` (written no further than that).
pub(crate) fn bounded(value: &Value) -> String {
    /// Takes bytes until it has enough, then refuses the rest, which ends the serialization.
    struct Capped(Vec<u8>);
    impl std::io::Write for Capped {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let room = WORDS_MAX + 1 - self.0.len().min(WORDS_MAX + 1);
            if room == 0 {
                return Err(std::io::Error::other("enough"));
            }
            let n = buf.len().min(room);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut out = Capped(Vec::new());
    let cut = serde_json::to_writer(&mut out, value).is_err() || out.0.len() > WORDS_MAX;
    let mut text = String::from_utf8_lossy(&out.0).into_owned();
    if cut {
        let mut end = WORDS_MAX.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// The moved rules of one schema node.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Rules {
    pub(crate) minimum: Option<Value>,
    pub(crate) maximum: Option<Value>,
    pub(crate) exclusive_minimum: Option<Value>,
    pub(crate) exclusive_maximum: Option<Value>,
    pub(crate) multiple_of: Vec<Value>,
    pub(crate) min_length: Option<Value>,
    pub(crate) max_length: Option<Value>,
    pub(crate) min_items: Option<Value>,
    pub(crate) max_items: Option<Value>,
    pub(crate) min_properties: Option<Value>,
    pub(crate) max_properties: Option<Value>,
    pub(crate) unique: bool,
    pub(crate) patterns: Vec<String>,
    pub(crate) formats: Vec<String>,
    /// A tuple's positions, in order, when they differ: `number`, `Point`, `one of "a", "b"`.
    pub(crate) order: Vec<String>,
    pub(crate) examples: Vec<Value>,
    /// Any other keyword, as `key: value`.
    pub(crate) other: Vec<String>,
}

impl Rules {
    /// Whether `key` is a constraint [`absorb`](Rules::absorb) takes: what an `allOf` member of
    /// constraints alone holds.
    pub(crate) fn is_rule(key: &str, value: &Value) -> bool {
        match key {
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf"
            | "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties"
            | "maxProperties" | "uniqueItems" => true,
            "pattern" | "format" => value.is_string(),
            _ => false,
        }
    }

    /// Takes the constraint `key` if it is one. A bound given twice (a node's and an `allOf`
    /// member's) keeps the tighter.
    pub(crate) fn absorb(&mut self, key: &str, value: &Value) -> bool {
        if !Rules::is_rule(key, value) {
            return false;
        }
        match key {
            "minimum" => tighten(&mut self.minimum, value, Tighter::Larger),
            "maximum" => tighten(&mut self.maximum, value, Tighter::Smaller),
            "exclusiveMinimum" => tighten(&mut self.exclusive_minimum, value, Tighter::Larger),
            "exclusiveMaximum" => tighten(&mut self.exclusive_maximum, value, Tighter::Smaller),
            "minLength" => tighten(&mut self.min_length, value, Tighter::Larger),
            "maxLength" => tighten(&mut self.max_length, value, Tighter::Smaller),
            "minItems" => tighten(&mut self.min_items, value, Tighter::Larger),
            "maxItems" => tighten(&mut self.max_items, value, Tighter::Smaller),
            "minProperties" => tighten(&mut self.min_properties, value, Tighter::Larger),
            "maxProperties" => tighten(&mut self.max_properties, value, Tighter::Smaller),
            "multipleOf" => self.multiple_of.push(value.clone()),
            "uniqueItems" => self.unique |= value == &Value::Bool(true),
            "pattern" => self.patterns.extend(value.as_str().map(str::to_owned)),
            "format" => self.formats.extend(value.as_str().map(str::to_owned)),
            _ => return false,
        }
        true
    }

    /// Takes `key` whatever it is: a constraint, `examples`, or any other keyword (`key: value`,
    /// the value cut at [`WORDS_MAX`] bytes: a schema of any size may sit under `not`).
    pub(crate) fn add(&mut self, key: &str, value: &Value) {
        match (key, value) {
            _ if self.absorb(key, value) => {}
            ("examples", Value::Array(examples)) => self.examples.extend(examples.iter().cloned()),
            _ => self.other.push(format!("{key}: {}", bounded(value))),
        }
    }

    /// The rules in words, in a fixed order. Bounds and lengths are left out when `node` (the
    /// rendered node) lists its values in `enum`/`const`, and so is a bound that is only the natural
    /// limit of a wide number type.
    pub(crate) fn words(&self, node: &Map<String, Value>) -> Vec<String> {
        let kind = node.get("type").and_then(Value::as_str);
        let choices = node.contains_key("enum") || node.contains_key("const");
        let mut out = Vec::new();
        if !choices {
            let stated = |b: &Option<Value>| b.clone().filter(|b| !is_natural_limit(b, kind));
            out.extend(range(stated(&self.minimum), stated(&self.maximum)));
        }
        if let Some(b) = &self.exclusive_minimum {
            out.push(format!("greater than {b}"));
        }
        if let Some(b) = &self.exclusive_maximum {
            out.push(format!("less than {b}"));
        }
        for m in &self.multiple_of {
            out.push(format!("a multiple of {m}"));
        }
        if !choices {
            out.extend(count(&self.min_length, &self.max_length, "character"));
        }
        out.extend(count(&self.min_items, &self.max_items, "item"));
        if !self.order.is_empty() {
            out.push(format!("in order: {}", self.order.join(", ")));
        }
        if self.unique {
            out.push("unique items".into());
        }
        out.extend(count(
            &self.min_properties,
            &self.max_properties,
            "property",
        ));
        for p in &self.patterns {
            out.push(format!("matching /{p}/"));
        }
        for f in &self.formats {
            out.push(format!("format: {f}"));
        }
        out.extend(self.other.iter().cloned());
        if !self.examples.is_empty() {
            let list: Vec<String> = self.examples.iter().take(5).map(bounded).collect();
            out.push(format!("e.g. {}", list.join(", ")));
        }
        out
    }

    /// Ends `node`'s description with the rules in words: `description (rule; rule)`, or
    /// `(rule; rule)` without one.
    pub(crate) fn describe(&self, description: Option<&str>, node: &mut Map<String, Value>) {
        let words = self.words(node);
        let text = match description {
            _ if words.is_empty() => description.map(str::to_owned),
            Some(d) if !d.trim().is_empty() => {
                Some(format!("{} ({})", d.trim_end(), words.join("; ")))
            }
            _ => Some(format!("({})", words.join("; "))),
        };
        if let Some(text) = text {
            node.insert("description".into(), text.into());
        }
    }
}

#[derive(Clone, Copy)]
enum Tighter {
    Larger,
    Smaller,
}

fn tighten(slot: &mut Option<Value>, value: &Value, tighter: Tighter) {
    let replace = match (slot.as_ref().and_then(Value::as_f64), value.as_f64()) {
        (Some(old), Some(new)) => match tighter {
            Tighter::Larger => new > old,
            Tighter::Smaller => new < old,
        },
        _ => true,
    };
    if replace {
        *slot = Some(value.clone());
    }
}

/// Whether a bound is only the natural limit of a wide Rust number type (`u32`'s 4294967295, `f32`'s
/// 3.4e38): the type already implies it and a model gains nothing from it. 8-bit limits and a lower
/// bound of 0 are worth stating, as the prompt description does.
fn is_natural_limit(bound: &Value, kind: Option<&str>) -> bool {
    const INTEGER: &[i128] = &[
        i16::MIN as i128,
        i16::MAX as i128,
        u16::MAX as i128,
        i32::MIN as i128,
        i32::MAX as i128,
        u32::MAX as i128,
        i64::MIN as i128,
        i64::MAX as i128,
        u64::MAX as i128,
    ];
    let wide = [
        i128::MIN as f64,
        i128::MAX as f64,
        u128::MAX as f64,
        f64::from(f32::MAX),
        -f64::from(f32::MAX),
    ];
    let exact = bound
        .as_i64()
        .map(i128::from)
        .or_else(|| bound.as_u64().map(i128::from));
    match (kind, exact) {
        (Some("integer"), Some(n)) => INTEGER.contains(&n),
        (Some("integer" | "number"), None) => bound.as_f64().is_some_and(|f| wide.contains(&f)),
        _ => false,
    }
}

/// "between 0 and 120", "at least 0", "at most 5", "exactly 3".
fn range(min: Option<Value>, max: Option<Value>) -> Option<String> {
    match (min, max) {
        (Some(a), Some(b)) if a == b => Some(format!("exactly {a}")),
        (Some(a), Some(b)) => Some(format!("between {a} and {b}")),
        (Some(a), None) => Some(format!("at least {a}")),
        (None, Some(b)) => Some(format!("at most {b}")),
        (None, None) => None,
    }
}

/// "1-80 characters", "at least 1 item", "at most 3 properties", "exactly 1 character".
fn count(min: &Option<Value>, max: &Option<Value>, unit: &str) -> Option<String> {
    let units = |n: &Value| match (n.as_u64(), unit) {
        (Some(1), _) => unit.to_owned(),
        (_, "property") => "properties".to_owned(),
        _ => format!("{unit}s"),
    };
    match (min, max) {
        (Some(a), Some(b)) if a == b => Some(format!("exactly {a} {}", units(a))),
        (Some(a), Some(b)) => Some(format!("{a}-{b} {}", units(b))),
        (Some(a), None) => Some(format!("at least {a} {}", units(a))),
        (None, Some(b)) => Some(format!("at most {b} {}", units(b))),
        (None, None) => None,
    }
}

/// A few words for a schema, for a tuple's order: `string`, `Point`, `one of "a", "b"`,
/// `[number, number]`, `array of string`.
pub(crate) fn brief(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return match def_name(reference) {
            Some(name) => name.into_owned(),
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The words for the rules of `schema` (every keyword moved), as a node of its `type` renders.
    fn words(schema: Value) -> String {
        let Value::Object(map) = schema else {
            panic!("not a schema object")
        };
        let mut rules = Rules::default();
        let mut node = Map::new();
        for (key, value) in &map {
            match key.as_str() {
                "type" | "enum" | "const" => {
                    node.insert(key.clone(), value.clone());
                }
                _ => rules.add(key, value),
            }
        }
        rules.words(&node).join("; ")
    }

    #[test]
    fn moved_keywords_are_bounded() {
        let big: Vec<Value> = (0..10_000).map(|i| json!({"const": i})).collect();
        let text = bounded(&json!({"anyOf": big}));
        assert!(
            text.ends_with('…') && text.len() <= WORDS_MAX + '…'.len_utf8(),
            "{text}"
        );
        assert_eq!(bounded(&json!({"const": "é"})), r#"{"const":"é"}"#);
        let mut rules = Rules::default();
        rules.add("examples", &json!([1, 2, 3, 4, 5, 6, 7]));
        assert_eq!(rules.words(&Map::new()), ["e.g. 1, 2, 3, 4, 5"]);
    }

    #[test]
    fn bounds() {
        assert_eq!(
            words(json!({"type": "integer", "minimum": 0, "maximum": 120})),
            "between 0 and 120"
        );
        assert_eq!(
            words(json!({"type": "integer", "minimum": 1})),
            "at least 1"
        );
        assert_eq!(
            words(json!({"type": "number", "maximum": 2.5})),
            "at most 2.5"
        );
        assert_eq!(
            words(json!({"type": "integer", "minimum": 3, "maximum": 3})),
            "exactly 3"
        );
        assert_eq!(
            words(json!({"type": "number", "minimum": -1.5, "maximum": 1.5})),
            "between -1.5 and 1.5"
        );
    }

    #[test]
    fn exclusive_bounds() {
        assert_eq!(
            words(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1})),
            "greater than 0; less than 1"
        );
        assert_eq!(
            words(json!({"type": "number", "minimum": 0, "exclusiveMaximum": 10})),
            "at least 0; less than 10"
        );
    }

    #[test]
    fn lengths() {
        let s = |min: Option<u64>, max: Option<u64>| {
            let mut schema = json!({"type": "string"});
            if let Some(n) = min {
                schema["minLength"] = n.into();
            }
            if let Some(n) = max {
                schema["maxLength"] = n.into();
            }
            words(schema)
        };
        assert_eq!(s(Some(1), Some(80)), "1-80 characters");
        assert_eq!(s(Some(1), Some(1)), "exactly 1 character");
        assert_eq!(s(Some(2), None), "at least 2 characters");
        assert_eq!(s(Some(1), None), "at least 1 character");
        assert_eq!(s(None, Some(500)), "at most 500 characters");
        assert_eq!(s(None, None), "");
    }

    #[test]
    fn item_and_property_counts() {
        assert_eq!(
            words(json!({"type": "array", "minItems": 1, "maxItems": 9})),
            "1-9 items"
        );
        assert_eq!(
            words(json!({"type": "array", "minItems": 1})),
            "at least 1 item"
        );
        assert_eq!(
            words(json!({"type": "array", "minItems": 2, "maxItems": 2})),
            "exactly 2 items"
        );
        assert_eq!(
            words(json!({"type": "object", "minProperties": 1, "maxProperties": 3})),
            "1-3 properties"
        );
        assert_eq!(
            words(json!({"type": "object", "maxProperties": 1})),
            "at most 1 property"
        );
    }

    #[test]
    fn multiples_and_unique_items() {
        assert_eq!(
            words(json!({"type": "integer", "multipleOf": 5, "allOf": []})),
            "a multiple of 5; allOf: []"
        );
        let mut rules = Rules::default();
        rules.add("multipleOf", &json!(5));
        rules.add("multipleOf", &json!(0.01));
        rules.add("uniqueItems", &json!(true));
        assert_eq!(
            rules.words(&Map::new()),
            ["a multiple of 5", "a multiple of 0.01", "unique items"]
        );
        assert_eq!(words(json!({"type": "array", "uniqueItems": false})), "");
    }

    #[test]
    fn patterns_and_formats() {
        let mut rules = Rules::default();
        rules.add("pattern", &json!("^[A-Z]"));
        rules.add("format", &json!("uri"));
        rules.add("format", &json!(5));
        assert_eq!(
            rules.words(&Map::new()),
            ["matching /^[A-Z]/", "format: uri", "format: 5"]
        );
    }

    #[test]
    fn examples_and_other_keywords() {
        assert_eq!(
            words(json!({"type": "string", "examples": ["Ada", "Bo"], "title": "Name"})),
            "title: \"Name\"; e.g. \"Ada\", \"Bo\""
        );
        assert_eq!(
            words(json!({"type": "object", "examples": [{"name": "Ada"}]})),
            "e.g. {\"name\":\"Ada\"}"
        );
        assert_eq!(words(json!({"examples": 5})), "examples: 5");
    }

    #[test]
    fn tuples() {
        let mut rules = Rules::default();
        rules.add("minItems", &json!(2));
        rules.add("maxItems", &json!(2));
        rules.order = [
            json!({"type": "string"}),
            json!({"$ref": "#/$defs/Point"}),
            json!({"enum": ["a", "b"]}),
            json!({"type": ["integer", "null"]}),
            json!({"type": "array", "items": {"type": "number"}}),
            json!({"prefixItems": [{"type": "number"}, {"const": 1}]}),
            json!({"$ref": "#"}),
        ]
        .iter()
        .map(brief)
        .collect();
        assert_eq!(
            rules.words(&Map::new()).join("; "),
            "exactly 2 items; in order: string, Point, one of \"a\", \"b\", integer or null, \
             array of number, [number, 1], the whole value"
        );
    }

    #[test]
    fn natural_limits_are_noise() {
        assert_eq!(
            words(json!({"type": "integer", "minimum": 0, "maximum": 4294967295_u64})),
            "at least 0"
        );
        assert_eq!(
            words(json!({"type": "integer", "minimum": -2147483648, "maximum": 2147483647})),
            ""
        );
        assert_eq!(
            words(json!({"type": "integer", "minimum": -9223372036854775808_i64, "maximum": 10})),
            "at most 10"
        );
        assert_eq!(
            words(
                json!({"type": "number", "minimum": -3.4028234663852886e38, "maximum": 3.4028234663852886e38})
            ),
            ""
        );
        // 8-bit limits say something a model can use; so do the same numbers on a string's length.
        assert_eq!(
            words(json!({"type": "integer", "minimum": 0, "maximum": 255})),
            "between 0 and 255"
        );
        assert_eq!(
            words(json!({"type": "integer", "minimum": -128, "maximum": 127})),
            "between -128 and 127"
        );
        assert_eq!(
            words(json!({"type": "string", "maxLength": 65535})),
            "at most 65535 characters"
        );
        assert_eq!(words(json!({"minimum": 2147483647})), "at least 2147483647");
    }

    #[test]
    fn listed_values_leave_out_ranges_and_lengths() {
        assert_eq!(
            words(
                json!({"type": "integer", "enum": [1, 2], "minimum": 0, "maximum": 5, "multipleOf": 1})
            ),
            "a multiple of 1"
        );
        assert_eq!(
            words(json!({"type": "string", "const": "ab", "minLength": 2, "pattern": "^a"})),
            "matching /^a/"
        );
    }

    #[test]
    fn a_repeated_bound_keeps_the_tighter() {
        let mut rules = Rules::default();
        for (key, value) in [
            ("minimum", 0),
            ("minimum", 5),
            ("minimum", 2),
            ("maximum", 9),
            ("maximum", 7),
        ] {
            rules.add(key, &json!(value));
        }
        assert_eq!(rules.words(&Map::new()), ["between 5 and 7"]);
    }

    #[test]
    fn the_description_comes_first_then_the_rules_in_parentheses() {
        let describe = |description: Option<&str>, rules: &Rules| {
            let mut node = Map::new();
            rules.describe(description, &mut node);
            node.get("description").cloned()
        };
        let mut rules = Rules::default();
        assert_eq!(describe(Some("Name."), &rules), Some(json!("Name.")));
        assert_eq!(describe(None, &rules), None);
        rules.add("minLength", &json!(1));
        rules.add("maxLength", &json!(80));
        rules.add("pattern", &json!("^[A-Z]"));
        assert_eq!(
            describe(Some("Full name.  "), &rules),
            Some(json!("Full name. (1-80 characters; matching /^[A-Z]/)"))
        );
        assert_eq!(
            describe(None, &rules),
            Some(json!("(1-80 characters; matching /^[A-Z]/)"))
        );
        assert_eq!(
            describe(Some(" "), &rules),
            Some(json!("(1-80 characters; matching /^[A-Z]/)"))
        );
    }
}
