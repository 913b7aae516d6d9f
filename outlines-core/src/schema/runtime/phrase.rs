//! What a value should have been, in a short phrase, for a violation's "expected": the derive's
//! phrases ([`expected`](crate::schema::expected)) for the same rules, read off a compiled node.

use super::value::shorten;
use super::{Compiled, Node, NodeId, Numbers, Strings, Types};
use crate::schema::expected::{count_phrase, numeric_phrase, plural, string_phrase_of};
use crate::schema::{Bound, Merged};

/// Phrases are cut at this many characters.
const PHRASE_LIMIT: usize = 240;

/// An `enum` phrase lists at most this many values.
const LISTED: usize = 12;

/// The phrase for the value node `id` accepts: "integer between 0 and 120", "string or null",
/// "one of: user, admin", "object (Person)".
pub(crate) fn phrase(c: &Compiled, id: NodeId) -> String {
    cap(phrase_at(c, id, 3))
}

/// "one of: object (Circle) or object (Square)": the branches of an `anyOf` or `oneOf`.
pub(crate) fn alternatives(c: &Compiled, branches: &[NodeId]) -> String {
    let parts: Vec<String> = branches.iter().map(|b| phrase_at(c, *b, 1)).collect();
    cap(format!("one of: {}", parts.join(" or ")))
}

/// The phrase for a string node's own keywords: "string of 1 to 80 characters matching /^a/".
pub(crate) fn string_phrase(s: &Strings) -> String {
    let patterns: Vec<&str> = s.pattern.iter().map(|p| p.as_str()).collect();
    cap(string_phrase_of(
        s.min_length.map(count_bound),
        s.max_length.map(count_bound),
        &patterns,
        s.format,
    ))
}

/// The phrase for a number node's own keywords: "integer between 1 and 10, a multiple of 2".
pub(crate) fn number_phrase(word: &str, n: &Numbers) -> String {
    let merged = Merged {
        exclusive_min: n.exclusive_minimum,
        exclusive_max: n.exclusive_maximum,
        multiple_of: n.multiple_of.into_iter().collect(),
        ..Merged::default()
    };
    numeric_phrase(word, n.minimum, n.maximum, &merged)
}

/// "1 to 5 items", "at least 2 keys".
pub(crate) fn count_text(min: Option<u64>, max: Option<u64>, unit: &str) -> String {
    let count = count_phrase(min.map(count_bound), max.map(count_bound)).unwrap_or_default();
    format!("{count} {unit}")
}

pub(crate) fn count_bound(n: u64) -> Bound {
    Bound::Int(i128::from(n))
}

/// "one of: user, admin, … (40 more)": strings bare when they read unambiguously.
pub(crate) fn listed(values: &[serde_json::Value]) -> String {
    let mut parts: Vec<String> = values
        .iter()
        .take(LISTED)
        .map(|v| match v {
            serde_json::Value::String(s) if !s.is_empty() && !s.contains([',', ' ', '"']) => {
                shorten(v).trim_matches('"').to_owned()
            }
            other => shorten(other),
        })
        .collect();
    if values.len() > LISTED {
        parts.push(format!("… ({} more)", values.len() - LISTED));
    }
    format!("one of: {}", parts.join(", "))
}

fn phrase_at(c: &Compiled, id: NodeId, hops: u32) -> String {
    let node = c.node(id);
    if node.never {
        return "nothing (no value is allowed here)".into();
    }
    if let Some(values) = &node.values {
        if let Some(constant) = &values.constant {
            return shorten(constant);
        }
        if let Some(allowed) = &values.allowed {
            return listed(allowed.values());
        }
    }
    let types = node.types.or_else(|| inferred(node));
    if let Some(types) = types {
        let parts: Vec<String> = types
            .names()
            .map(|t| type_phrase(c, id, node, t, hops))
            .collect();
        return parts.join(" or ");
    }
    if let Some(logic) = &node.logic {
        if let Some(target) = logic.reference {
            if let Some(name) = c.def_name(target).filter(|_| is_object(c, target)) {
                return format!("object ({name})");
            }
            if hops > 0 {
                return phrase_at(c, target, hops - 1);
            }
        }
        let branches = if logic.any_of.is_empty() {
            &logic.one_of
        } else {
            &logic.any_of
        };
        if !branches.is_empty() && hops > 0 {
            let parts: Vec<String> = branches
                .iter()
                .map(|b| phrase_at(c, *b, hops - 1))
                .collect();
            return parts.join(" or ");
        }
        if let [first, ..] = logic.all_of.as_slice() {
            if hops > 0 {
                return phrase_at(c, *first, hops - 1);
            }
        }
    }
    "any JSON value".into()
}

/// The one type a node's keywords imply when `type` is absent (`properties` → object, ...).
pub(crate) fn inferred(node: &Node) -> Option<Types> {
    let mut types = Types(0);
    if node.number.is_some() {
        types = types.with(Types::NUMBER);
    }
    if node.string.is_some() {
        types = types.with(Types::STRING);
    }
    if node.array.is_some() {
        types = types.with(Types::ARRAY);
    }
    if node.object.is_some() {
        types = types.with(Types::OBJECT);
    }
    (types.0.count_ones() == 1).then_some(types)
}

fn is_object(c: &Compiled, id: NodeId) -> bool {
    let node = c.node(id);
    node.types.or_else(|| inferred(node)) == Some(Types::OBJECT)
}

fn type_phrase(c: &Compiled, id: NodeId, node: &Node, name: &str, hops: u32) -> String {
    match name {
        "string" => match &node.string {
            Some(s) => string_phrase(s),
            None => "string".into(),
        },
        "integer" | "number" => match &node.number {
            Some(n) => number_phrase(name, n),
            None => name.into(),
        },
        "array" => {
            let Some(a) = &node.array else {
                return "array".into();
            };
            let mut s = match a.items {
                Some(items) if a.prefix.is_empty() && hops > 0 => {
                    format!("array of {}", plural(&phrase_at(c, items, hops - 1)))
                }
                _ if !a.prefix.is_empty() => {
                    format!("array starting with {} items", a.prefix.len())
                }
                _ => "array".into(),
            };
            if a.min_items.is_some() || a.max_items.is_some() {
                s.push_str(&format!(
                    " ({})",
                    count_text(a.min_items, a.max_items, "items")
                ));
            }
            if a.unique {
                s.push_str(", no duplicates");
            }
            s
        }
        "object" => {
            let title = node.notes.as_ref().and_then(|n| n.title.as_deref());
            match c.def_name(id).or(title) {
                Some(name) => format!("object ({name})"),
                None => "object".into(),
            }
        }
        other => other.into(),
    }
}

fn cap(mut s: String) -> String {
    if s.chars().count() > PHRASE_LIMIT {
        let end = s
            .char_indices()
            .nth(PHRASE_LIMIT)
            .map_or(s.len(), |(i, _)| i);
        s.truncate(end);
        s.push('…');
    }
    s
}
