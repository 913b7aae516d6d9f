//! One name per named type, shared by every renderer: `Page<Person>` is `Page_Person` in `$defs` and
//! in the description alike, and two different types both called `Item` become `Item` and `Item_2`.

use std::any::TypeId;
use std::collections::HashMap;

use super::TypeRef;

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

/// A name usable as a `$defs` key (URI-safe) and as a type name: `Page<Person>` → `Page_Person`.
fn identifier(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c);
        } else if !key.ends_with('_') {
            key.push('_');
        }
    }
    let key = key.trim_matches('_');
    if key.is_empty() {
        "Type".into()
    } else {
        key.into()
    }
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
}
