//! Names of types where other programs read them, by one rule: `Page<Person>` is `Page_Person` in
//! `$defs`, in the description, and as the schema, function or tool name a provider is sent. Within
//! one schema, two different types both called `Item` become `Item` and `Item_2`.

use std::any::TypeId;
use std::collections::HashMap;

use super::{Kind, Schema, TypeRef};

/// The longest name providers take for a schema, function or tool (OpenAI's and Anthropic's limit).
const PROVIDER_NAME_MAX: usize = 64;

/// The name providers take for the value `schema` describes, `[A-Za-z0-9_-]{1,64}`: its type's name
/// by [`provider_name`], or `value` for a type without a name of its own (`Vec<T>`, `u8`, ...).
pub(crate) fn schema_name(schema: &Schema) -> String {
    match &schema.kind {
        Kind::Ref(r) => provider_name(&r.definition().name),
        _ => provider_name(""),
    }
}

/// `name` as providers take a schema, function or tool name, `[A-Za-z0-9_-]{1,64}`: [`identifier`]'s
/// rule, cut to 64 characters, and `value` when nothing is left.
pub(crate) fn provider_name(name: &str) -> String {
    let mut out = plain(name);
    out.truncate(PROVIDER_NAME_MAX); // ASCII: any length is a character boundary
    match out.trim_end_matches('_') {
        "" => "value".into(),
        trimmed => trimmed.into(),
    }
}

#[derive(Debug, Default)]
pub(crate) struct Names {
    by_type: HashMap<TypeId, String>,
}

impl Names {
    /// The name of `type_ref`, and whether this is its first mention.
    pub(crate) fn of(&mut self, type_ref: &TypeRef) -> (String, bool) {
        if let Some(name) = self.by_type.get(&type_ref.id()) {
            return (name.clone(), false);
        }
        let base = identifier(&type_ref.definition().name);
        let taken = |n: &str| self.by_type.values().any(|v| v == n);
        let name = if taken(&base) {
            (2..)
                .map(|n| format!("{base}_{n}"))
                .find(|n| !taken(n))
                .unwrap_or(base)
        } else {
            base
        };
        self.by_type.insert(type_ref.id(), name.clone());
        (name, true)
    }
}

/// A name usable as a `$defs` key (URI-safe) and as a type name: `Page<Person>` → `Page_Person`;
/// `Type` when nothing is left.
pub(crate) fn identifier(name: &str) -> String {
    match plain(name) {
        key if key.is_empty() => "Type".into(),
        key => key,
    }
}

/// The rule: ASCII letters and digits kept, every run of other characters (`_` and `-` included)
/// one `_`, none at either end — a name for JSON Pointers, type descriptions and providers alike.
/// Empty when nothing is left.
fn plain(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    if out.ends_with('_') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_uri_safe() {
        assert_eq!(identifier("Page<Person>"), "Page_Person");
        assert_eq!(identifier("Pair<u8, Vec<string>>"), "Pair_u8_Vec_string");
        assert_eq!(identifier("Cg<2>"), "Cg_2");
        assert_eq!(identifier("<>"), "Type");
    }

    #[test]
    fn provider_names_follow_the_same_rule_within_64_characters() {
        assert_eq!(provider_name("Page_Person"), "Page_Person");
        assert_eq!(provider_name("Page<Person>"), "Page_Person");
        assert_eq!(provider_name("Pair<u8, Vec<string>>"), "Pair_u8_Vec_string");
        assert_eq!(provider_name("my-schema"), "my_schema");
        assert_eq!(provider_name("a b"), "a_b");
        assert_eq!(provider_name(""), "value");
        assert_eq!(provider_name("<>"), "value");
        assert_eq!(provider_name(&"x".repeat(100)).len(), 64);
        // Cut at 64, then no `_` left dangling.
        let long = format!("{}<B>", "a".repeat(63));
        assert_eq!(provider_name(&long), "a".repeat(63));
    }
}
