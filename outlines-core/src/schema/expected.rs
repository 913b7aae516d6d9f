//! Short phrases saying what a value should have been, for diagnostics and repair prompts:
//! "integer between 0 and 120", "string of 1 to 80 characters", "one of: user, admin".

use super::{Body, Bound, Format, Kind, Literal, Merged, Repr, Schema};

/// The phrase for a whole schema (kind and constraints).
pub fn expected(schema: &Schema) -> String {
    let merged = Merged::of(&schema.constraints);
    if let Some(values) = &merged.one_of {
        return one_of(values);
    }
    match &schema.kind {
        Kind::Any => "any JSON value".into(),
        Kind::Null => "null".into(),
        Kind::Bool => "boolean".into(),
        Kind::Integer(range) => {
            let (min, max) = range.narrowed(&merged);
            numeric_phrase("integer", Some(min), Some(max), &merged)
        }
        Kind::Number { .. } => numeric_phrase("number", merged.min, merged.max, &merged),
        Kind::String { char: true } => "string of exactly 1 character".into(),
        Kind::String { char: false } => string_phrase(&merged),
        Kind::Array(items, info) => {
            let mut s = format!("array of {}", plural(&expected(items)));
            let count = match info.len {
                Some(n) => Some(format!("exactly {n}")),
                None => count_phrase(merged.min, merged.max),
            };
            if let Some(count) = count {
                s.push_str(&format!(" ({count} items)"));
            }
            if info.set || merged.unique {
                s.push_str(", no duplicates");
            }
            s
        }
        Kind::Tuple(items) => {
            let parts: Vec<String> = items.iter().map(expected).collect();
            format!(
                "array of exactly {} items [{}]",
                items.len(),
                parts.join(", ")
            )
        }
        Kind::Map(values) => format!("object whose values are {}", plural(&expected(values))),
        Kind::Option(inner) => format!("{} or null", expected(inner)),
        Kind::Ref(type_ref) => {
            let def = type_ref.definition();
            match &def.body {
                Body::Object(_) => format!("object ({})", def.name),
                Body::Tuple(items) => {
                    format!("array of exactly {} items ({})", items.len(), def.name)
                }
                // Its field's JSON type only: the field refers back to the type.
                Body::Newtype(value) => format!("{} ({})", json_type(value), def.name),
                Body::Enum(e) => match e.repr {
                    Repr::External if e.is_unit_only() => {
                        let names: Vec<Literal> =
                            e.variants.iter().map(|v| Literal::Str(v.name)).collect();
                        one_of(&names)
                    }
                    _ => {
                        let names: Vec<&str> = e.variants.iter().map(|v| v.name).collect();
                        format!("one of the variants of {}: {}", def.name, names.join(", "))
                    }
                },
            }
        }
    }
}

/// The JSON type of `schema`, named types by name (not followed).
fn json_type(schema: &Schema) -> String {
    match &schema.kind {
        Kind::Any => "any JSON value".into(),
        Kind::Null => "null".into(),
        Kind::Bool => "boolean".into(),
        Kind::Integer(_) => "integer".into(),
        Kind::Number { .. } => "number".into(),
        Kind::String { .. } => "string".into(),
        Kind::Array(..) | Kind::Tuple(_) => "array".into(),
        Kind::Map(_) => "object".into(),
        Kind::Option(inner) => format!("{} or null", json_type(inner)),
        Kind::Ref(r) => r.definition().name.to_string(),
    }
}

/// "one of: user, admin" (strings unquoted when they read unambiguously).
pub fn one_of(values: &[Literal]) -> String {
    let parts: Vec<String> = values
        .iter()
        .map(|v| match v {
            Literal::Str(s) if !s.is_empty() && !s.contains([',', ' ', '"']) => (*s).to_string(),
            other => other.to_string(),
        })
        .collect();
    format!("one of: {}", parts.join(", "))
}

/// "integer between 0 and 120", "number greater than 0", "integer at least 1, multiple of 5".
pub fn numeric_phrase(
    word: &str,
    min: Option<Bound>,
    max: Option<Bound>,
    merged: &Merged,
) -> String {
    let mut parts = Vec::new();
    match (min, max) {
        (Some(a), Some(b)) => parts.push(format!("between {a} and {b}")),
        (Some(a), None) => parts.push(format!("at least {a}")),
        (None, Some(b)) => parts.push(format!("at most {b}")),
        (None, None) => {}
    }
    if let Some(b) = merged.exclusive_min {
        parts.push(format!("greater than {b}"));
    }
    if let Some(b) = merged.exclusive_max {
        parts.push(format!("less than {b}"));
    }
    let bounded = !parts.is_empty();
    for m in &merged.multiple_of {
        parts.push(format!("a multiple of {m}"));
    }
    match (parts.is_empty(), bounded) {
        (true, _) => word.into(),
        (false, true) => format!("{word} {}", parts.join(", ")),
        (false, false) => format!("{word} that is {}", parts.join(", ")),
    }
}

/// "string of 1 to 80 characters matching /^a/", "an email address (like name@example.com)".
pub fn string_phrase(merged: &Merged) -> String {
    let patterns: Vec<&str> = merged.patterns.iter().map(|p| p.as_str()).collect();
    string_phrase_of(
        merged.min,
        merged.max,
        &patterns,
        merged.formats.first().copied(),
    )
}

/// [`string_phrase`] from its parts: a length in characters, patterns and a format.
pub(crate) fn string_phrase_of(
    min: Option<Bound>,
    max: Option<Bound>,
    patterns: &[&str],
    format: Option<Format>,
) -> String {
    let mut s = String::from("string");
    if let Some(count) = count_phrase(min, max) {
        let unit = if count.ends_with(" 1") {
            "character"
        } else {
            "characters"
        };
        s.push_str(&format!(" of {count} {unit}"));
    }
    for p in patterns {
        s.push_str(&format!(" matching /{p}/"));
    }
    if let Some(f) = format {
        if s == "string" {
            return f.phrase().to_string();
        }
        s.push_str(&format!(", {}", f.phrase()));
    }
    s
}

/// "1 to 80", "at least 1", "at most 5", "exactly 3".
pub fn count_phrase(min: Option<Bound>, max: Option<Bound>) -> Option<String> {
    match (min, max) {
        (Some(a), Some(b)) if a == b => Some(format!("exactly {a}")),
        (Some(a), Some(b)) => Some(format!("{a} to {b}")),
        (Some(a), None) => Some(format!("at least {a}")),
        (None, Some(b)) => Some(format!("at most {b}")),
        (None, None) => None,
    }
}

/// "string" → "strings", "object (Person)" → "objects (Person)"; leaves longer phrases alone.
pub(crate) fn plural(phrase: &str) -> String {
    let (head, tail) = phrase.split_once(' ').unwrap_or((phrase, ""));
    let head = match head {
        "string" | "integer" | "number" | "boolean" | "object" | "array" => format!("{head}s"),
        other => other.to_string(),
    };
    if tail.is_empty() {
        head
    } else {
        format!("{head} {tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Constraints, IntRange};

    static RANGE: Constraints = Constraints {
        min: Some(Bound::Int(0)),
        max: Some(Bound::Int(120)),
        ..Constraints::NONE
    };

    #[test]
    fn integer_phrase_names_the_tightest_range() {
        let u8_schema = Schema::new(Kind::Integer(IntRange::of(0, 255, 8, "u8")));
        assert_eq!(expected(&u8_schema), "integer between 0 and 255");
        assert_eq!(
            expected(&u8_schema.constrain(&RANGE)),
            "integer between 0 and 120"
        );
    }

    #[test]
    fn one_of_lists_values() {
        assert_eq!(
            one_of(&[Literal::Str("user"), Literal::Str("admin")]),
            "one of: user, admin"
        );
        assert_eq!(
            one_of(&[Literal::Str("a b"), Literal::Int(3)]),
            "one of: \"a b\", 3"
        );
    }

    #[test]
    fn arrays_pluralize() {
        let s = Schema::new(Kind::Array(
            Box::new(Schema::new(Kind::String { char: false })),
            Default::default(),
        ));
        assert_eq!(expected(&s), "array of strings");
    }
}
