//! Attribute keys, so a typo in the macro is a compile error rather than a silently ignored key.

use std::fmt::{self, Display};

use syn::{Ident, Path};

#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) struct Symbol(pub(crate) &'static str);

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl PartialEq<Symbol> for &Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

pub(crate) const OUTLINE: Symbol = Symbol("outline");
pub(crate) const SERDE: Symbol = Symbol("serde");
pub(crate) const DOC: Symbol = Symbol("doc");

// #[outline(...)] on fields
pub(crate) const MIN: Symbol = Symbol("min");
pub(crate) const MAX: Symbol = Symbol("max");
pub(crate) const EXCLUSIVE_MIN: Symbol = Symbol("exclusive_min");
pub(crate) const EXCLUSIVE_MAX: Symbol = Symbol("exclusive_max");
pub(crate) const MULTIPLE_OF: Symbol = Symbol("multiple_of");
pub(crate) const PATTERN: Symbol = Symbol("pattern");
pub(crate) const FORMAT: Symbol = Symbol("format");
pub(crate) const UNIQUE: Symbol = Symbol("unique");
pub(crate) const ONE_OF: Symbol = Symbol("one_of");
pub(crate) const DESCRIPTION: Symbol = Symbol("description");
pub(crate) const EXAMPLE: Symbol = Symbol("example");
pub(crate) const INNER: Symbol = Symbol("inner");
pub(crate) const VALIDATE: Symbol = Symbol("validate");

// #[outline(...)] on containers
pub(crate) const NAME: Symbol = Symbol("name");
pub(crate) const CHECK: Symbol = Symbol("check");
pub(crate) const CRATE: Symbol = Symbol("crate");

// #[serde(...)]
pub(crate) const RENAME: Symbol = Symbol("rename");
pub(crate) const RENAME_ALL: Symbol = Symbol("rename_all");
pub(crate) const RENAME_ALL_FIELDS: Symbol = Symbol("rename_all_fields");
pub(crate) const DESERIALIZE: Symbol = Symbol("deserialize");
pub(crate) const ALIAS: Symbol = Symbol("alias");
pub(crate) const DEFAULT: Symbol = Symbol("default");
pub(crate) const SKIP: Symbol = Symbol("skip");
pub(crate) const SKIP_DESERIALIZING: Symbol = Symbol("skip_deserializing");
pub(crate) const FLATTEN: Symbol = Symbol("flatten");
pub(crate) const DENY_UNKNOWN_FIELDS: Symbol = Symbol("deny_unknown_fields");
pub(crate) const TRANSPARENT: Symbol = Symbol("transparent");
pub(crate) const TAG: Symbol = Symbol("tag");
pub(crate) const CONTENT: Symbol = Symbol("content");
pub(crate) const UNTAGGED: Symbol = Symbol("untagged");

/// serde keys that change how values are read in ways the validator cannot follow.
pub(crate) const SERDE_UNSUPPORTED: &[&str] = &[
    "with",
    "deserialize_with",
    "from",
    "try_from",
    "remote",
    "field_identifier",
    "variant_identifier",
];

/// serde keys, to point a serde key written in `#[outline(...)]` to `#[serde(...)]`.
pub(crate) const SERDE_KEYS: &[&str] = &[
    "rename",
    "rename_all",
    "rename_all_fields",
    "alias",
    "default",
    "skip",
    "skip_deserializing",
    "skip_serializing",
    "skip_serializing_if",
    "flatten",
    "deny_unknown_fields",
    "transparent",
    "tag",
    "content",
    "untagged",
    "bound",
];

/// Keys accepted by `#[outline(...)]` on a field, for "did you mean" suggestions.
pub(crate) const FIELD_KEYS: &[Symbol] = &[
    MIN,
    MAX,
    EXCLUSIVE_MIN,
    EXCLUSIVE_MAX,
    MULTIPLE_OF,
    PATTERN,
    FORMAT,
    UNIQUE,
    ONE_OF,
    DESCRIPTION,
    EXAMPLE,
    INNER,
    VALIDATE,
];

/// Keys accepted inside `inner(...)`.
pub(crate) const INNER_KEYS: &[Symbol] = &[
    MIN,
    MAX,
    EXCLUSIVE_MIN,
    EXCLUSIVE_MAX,
    MULTIPLE_OF,
    PATTERN,
    FORMAT,
    UNIQUE,
    ONE_OF,
    INNER,
];

/// Keys accepted by `#[outline(...)]` on a struct or enum.
pub(crate) const CONTAINER_KEYS: &[Symbol] = &[DESCRIPTION, NAME, CHECK, CRATE];

/// Keys accepted by `#[outline(...)]` on a variant.
pub(crate) const VARIANT_KEYS: &[Symbol] = &[DESCRIPTION];

/// Formats the validator enforces: the JSON Schema name, and the `outlines::__private::Format`
/// variant it becomes.
pub(crate) const FORMATS: &[(&str, &str)] = &[
    ("email", "Email"),
    ("uri", "Uri"),
    ("uuid", "Uuid"),
    ("date", "Date"),
    ("date-time", "DateTime"),
    ("time", "Time"),
    ("ipv4", "Ipv4"),
    ("ipv6", "Ipv6"),
    ("hostname", "Hostname"),
];
