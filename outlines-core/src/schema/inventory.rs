//! Every rule a type's values must satisfy, with where it applies: the list a coverage report sorts
//! into what an output format (a token grammar, a provider's strict mode) enforces and what only the
//! validator checks.

use std::any::TypeId;
use std::collections::HashSet;
use std::fmt;

use super::{Body, Definition, Enum, Kind, Merged, Object, Repr, Schema, Shape};

/// One rule, where it applies.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Rule {
    /// Where: `name`, `address.city`, `items[].sku`, `counts{}` (a map's values), `pair[0]`,
    /// `shape<circle>.radius` (inside a variant), `$` (the value itself).
    pub path: String,
    /// What kind of rule.
    pub kind: RuleKind,
    /// The rule in words: `integer from 0 to 120`, `matches ^[a-z]+$`.
    pub text: String,
}

impl Rule {
    /// The rule `text` of `kind` at `path` (the paths as [`Rule::path`] writes them): for reports
    /// on schemas other than a type's, such as a JSON Schema known only at run time.
    pub fn new(path: impl Into<String>, kind: RuleKind, text: impl Into<String>) -> Rule {
        Rule {
            path: path.into(),
            kind,
            text: text.into(),
        }
    }
}

/// The kinds of rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RuleKind {
    /// The JSON type and structure of the value (object, integer, fixed-length tuple, any...).
    JsonType,
    /// A key that must be present.
    RequiredKey,
    /// No keys but the declared ones (`deny_unknown_fields`).
    ClosedObject,
    /// One of an enum's variants, as serde writes it.
    OneVariant,
    /// Numeric bounds, the Rust type's own included.
    NumberRange,
    /// `multiple_of`.
    MultipleOf,
    /// A string's length in characters.
    TextLength,
    /// How many items or entries.
    ItemCount,
    /// `pattern`.
    PatternMatch,
    /// `format`.
    FormatMatch,
    /// `one_of`.
    OneOf,
    /// `unique` items (also `HashSet`, `BTreeSet`).
    UniqueItems,
    /// A custom rule on a value (`validate = path`).
    CustomRule,
    /// A cross-field rule on a whole value (`check = path`).
    CrossFieldCheck,
    /// A JSON Schema's `allOf`: every one of several schemas.
    AllOf,
    /// A JSON Schema's `not`: a schema the value must not match.
    Excluded,
    /// A JSON Schema's `if`/`then`/`else`.
    Conditional,
    /// A JSON Schema's `contains`: some items match a schema.
    Contains,
    /// A JSON Schema's `propertyNames`: a schema every key matches.
    KeyNames,
    /// A JSON Schema's `dependentRequired`/`dependentSchemas`: what one key's presence asks for.
    Dependency,
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuleKind::JsonType => "shape",
            RuleKind::RequiredKey => "required",
            RuleKind::ClosedObject => "closed",
            RuleKind::OneVariant => "variant",
            RuleKind::NumberRange => "range",
            RuleKind::MultipleOf => "multiple_of",
            RuleKind::TextLength => "length",
            RuleKind::ItemCount => "size",
            RuleKind::PatternMatch => "pattern",
            RuleKind::FormatMatch => "format",
            RuleKind::OneOf => "one_of",
            RuleKind::UniqueItems => "unique",
            RuleKind::CustomRule => "custom rule",
            RuleKind::CrossFieldCheck => "cross-field check",
            RuleKind::AllOf => "all of",
            RuleKind::Excluded => "not",
            RuleKind::Conditional => "if",
            RuleKind::Contains => "contains",
            RuleKind::KeyNames => "key names",
            RuleKind::Dependency => "dependency",
        })
    }
}

/// Every rule of `root`, in declaration order. A named type's rules are listed once, at its first
/// place (a recursive type's inner occurrences add nothing new).
pub fn inventory(root: &Schema) -> Vec<Rule> {
    let mut walk = Walk::default();
    walk.schema(root, "$");
    walk.rules
}

#[derive(Default)]
struct Walk {
    rules: Vec<Rule>,
    seen: HashSet<TypeId>,
}

/// `parent.key`, or `key` at the root.
fn join(parent: &str, key: &str) -> String {
    if parent == "$" {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

impl Walk {
    fn rule(&mut self, path: &str, kind: RuleKind, text: impl Into<String>) {
        self.rules.push(Rule {
            path: path.to_owned(),
            kind,
            text: text.into(),
        });
    }

    fn schema(&mut self, schema: &Schema, path: &str) {
        let merged = Merged::of(&schema.constraints);
        match &schema.kind {
            Kind::Any => self.rule(path, RuleKind::JsonType, "any JSON value"),
            Kind::Null => self.rule(path, RuleKind::JsonType, "null"),
            Kind::Bool => self.rule(path, RuleKind::JsonType, "boolean"),
            Kind::Integer(range) => {
                let (min, max) = range.narrowed(&merged);
                self.rule(
                    path,
                    RuleKind::NumberRange,
                    format!("integer from {min} to {max}"),
                );
            }
            Kind::Number { single } => {
                self.rule(path, RuleKind::JsonType, "number");
                let bounds = [
                    merged.min.map(|b| format!("≥ {b}")),
                    merged.exclusive_min.map(|b| format!("> {b}")),
                    merged.max.map(|b| format!("≤ {b}")),
                    merged.exclusive_max.map(|b| format!("< {b}")),
                    single.then(|| "within f32's range".to_owned()),
                ];
                let bounds: Vec<String> = bounds.into_iter().flatten().collect();
                if bounds.is_empty() {
                    self.rule(path, RuleKind::NumberRange, "any finite number");
                } else {
                    self.rule(path, RuleKind::NumberRange, bounds.join(", "));
                }
            }
            Kind::String { char } => {
                if *char {
                    self.rule(path, RuleKind::TextLength, "exactly one character");
                } else {
                    self.rule(path, RuleKind::JsonType, "string");
                    self.size(path, RuleKind::TextLength, &merged, "characters");
                }
                for pattern in &merged.patterns {
                    self.rule(
                        path,
                        RuleKind::PatternMatch,
                        format!("matches {}", pattern.as_str()),
                    );
                }
                for format in &merged.formats {
                    self.rule(path, RuleKind::FormatMatch, format.name());
                }
            }
            Kind::Array(items, info) => {
                match info.len {
                    Some(len) => {
                        self.rule(path, RuleKind::ItemCount, format!("exactly {len} items"))
                    }
                    None => {
                        self.rule(path, RuleKind::JsonType, "array");
                        self.size(path, RuleKind::ItemCount, &merged, "items");
                    }
                }
                if merged.unique || info.set {
                    self.rule(path, RuleKind::UniqueItems, "no two items equal");
                }
                self.schema(items, &format!("{path}[]"));
            }
            Kind::Tuple(items) => self.tuple(items, path),
            Kind::Map(values) => {
                self.rule(path, RuleKind::JsonType, "object with any keys");
                self.size(path, RuleKind::ItemCount, &merged, "entries");
                self.schema(values, &format!("{path}{{}}"));
            }
            Kind::Option(inner) => self.schema(inner, path),
            Kind::Ref(r) => {
                if self.seen.insert(r.id()) {
                    self.definition(r.definition(), path);
                }
            }
        }
        if let Some(values) = &merged.one_of {
            let values: Vec<String> = values.iter().map(ToString::to_string).collect();
            self.rule(
                path,
                RuleKind::OneOf,
                format!("one of {}", values.join(", ")),
            );
        }
        for multiple in &merged.multiple_of {
            self.rule(
                path,
                RuleKind::MultipleOf,
                format!("a multiple of {multiple}"),
            );
        }
        for rule in &schema.rules {
            self.rule(path, RuleKind::CustomRule, *rule);
        }
    }

    /// A `min`/`max` count rule.
    fn size(&mut self, path: &str, kind: RuleKind, merged: &Merged, unit: &str) {
        let text = match (merged.min, merged.max) {
            (None, None) => return,
            (Some(min), None) => format!("at least {min} {unit}"),
            (None, Some(max)) => format!("at most {max} {unit}"),
            (Some(min), Some(max)) => format!("{min} to {max} {unit}"),
        };
        self.rule(path, kind, text);
    }

    /// A fixed-length array with a schema per position.
    fn tuple(&mut self, items: &[Schema], path: &str) {
        self.rule(
            path,
            RuleKind::ItemCount,
            format!("exactly {} items", items.len()),
        );
        for (i, item) in items.iter().enumerate() {
            self.schema(item, &format!("{path}[{i}]"));
        }
    }

    fn definition(&mut self, definition: &Definition, path: &str) {
        match &definition.body {
            Body::Object(object) => self.object(object, path),
            Body::Tuple(items) => self.tuple(items, path),
            Body::Enum(e) => self.enumeration(e, path),
            Body::Newtype(value) => self.schema(value, path),
        }
        if let Some(check) = definition.check {
            self.rule(path, RuleKind::CrossFieldCheck, check);
        }
    }

    fn object(&mut self, object: &Object, path: &str) {
        self.rule(path, RuleKind::JsonType, "object");
        if object.deny_unknown_fields {
            self.rule(path, RuleKind::ClosedObject, "no other keys");
        }
        for field in &object.fields {
            if field.flatten {
                self.schema(&field.schema, path);
                continue;
            }
            let at = join(path, field.name);
            if field.required {
                self.rule(&at, RuleKind::RequiredKey, "present");
            }
            self.schema(&field.schema, &at);
        }
    }

    fn enumeration(&mut self, e: &Enum, path: &str) {
        let names: Vec<&str> = e.variants.iter().map(|v| v.name).collect();
        let repr = match e.repr {
            Repr::External => "externally tagged".to_owned(),
            Repr::Internal { tag } => format!("tag {tag:?}"),
            Repr::Adjacent { tag, content } => format!("tag {tag:?}, content {content:?}"),
            Repr::Untagged => "untagged".to_owned(),
        };
        self.rule(
            path,
            RuleKind::OneVariant,
            format!("one of {} ({repr})", names.join(", ")),
        );
        for variant in &e.variants {
            let at = format!("{path}<{}>", variant.name);
            match &variant.shape {
                Shape::Unit => {}
                Shape::Newtype(schema) => self.schema(schema, &at),
                Shape::Tuple(items) => self.tuple(items, &at),
                Shape::Struct(object) => self.object(object, &at),
            }
        }
    }
}
