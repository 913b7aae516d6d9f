//! The schema IR: one description of a type from which every output is rendered.
//!
//! `#[derive(Structured)]` builds a [`Definition`] once per type (cached in [`registry`]); fields refer to
//! other named types through [`TypeRef`], so recursive types need no special casing. Renderers
//! ([`json_schema`], [`describe`], [`expected`]) walk this IR; the validator checks values against the
//! same [`Constraints`] statics the IR points to.

mod constraints;
pub mod describe;
pub mod expected;
mod format;
pub mod inventory;
pub mod json_schema;
pub(crate) mod names;
pub mod registry;
pub mod runtime;

use std::any::TypeId;
use std::borrow::Cow;
use std::fmt;

pub(crate) use constraints::prefix_dfa;
pub use constraints::{Bound, Constraints, Literal, Pattern};
pub use format::Format;

/// Text that is usually `'static` (from the derive) but may be computed (generic type names).
pub type Text = Cow<'static, str>;

/// The schema of a value: its kind, the constraints that apply to it, and its documentation.
#[derive(Clone, Debug)]
pub struct Schema {
    /// What kind of JSON value this is.
    pub kind: Kind,
    /// Constraint sets that apply to this value (from the field attribute, a newtype's own field, ...).
    /// Renderers merge them; the validator checks each.
    pub constraints: Vec<&'static Constraints>,
    /// A description (doc comment or `description = "..."`).
    pub description: Option<Text>,
    /// Example values (`example = ...`).
    pub examples: Vec<Literal>,
    /// Custom rules (`validate = path`) the validator runs on this value, by path: code, which no
    /// schema can carry, listed so that reports can say what only the validator checks.
    pub rules: Vec<&'static str>,
}

/// The kind of a JSON value.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Kind {
    /// Any JSON value (`serde_json::Value`).
    Any,
    /// `null` (the unit type and unit structs).
    Null,
    /// `true` or `false`.
    Bool,
    /// An integer within the natural range of its Rust type.
    Integer(IntRange),
    /// A floating point number; `f32` carries its finite range.
    Number {
        /// `true` for `f32`: values beyond `f32::MAX` are rejected.
        single: bool,
    },
    /// A string; `char` is a string of exactly one character.
    String {
        /// `true` for `char`.
        char: bool,
    },
    /// A homogeneous array.
    Array(Box<Schema>, ArrayInfo),
    /// A fixed-length array with a schema per position.
    Tuple(Vec<Schema>),
    /// A JSON object with string keys and values of one schema.
    Map(Box<Schema>),
    /// A value that may be absent (as a field) or `null`.
    Option(Box<Schema>),
    /// A named type; its definition lives in the registry.
    Ref(TypeRef),
}

/// Extra facts about an array kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArrayInfo {
    /// Exactly this many items (`[T; N]`).
    pub len: Option<usize>,
    /// Items are unique by construction (`HashSet`, `BTreeSet`).
    pub set: bool,
}

/// The natural range of an integer type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntRange {
    /// Smallest value.
    pub min: i128,
    /// Largest value.
    pub max: i128,
    /// Width in bits (8 to 128); renderers use it to decide whether the range is worth showing.
    pub bits: u8,
    /// The Rust type: `u8`, `usize`, ...
    pub name: &'static str,
}

/// A reference to a named type (a struct or enum with `#[derive(Structured)]`).
#[derive(Clone, Copy)]
pub struct TypeRef {
    id: TypeId,
    definition: fn() -> &'static Definition,
}

impl TypeRef {
    /// A reference to `T`, whose definition is produced (and cached) by `definition`.
    pub fn new<T: 'static>(definition: fn() -> &'static Definition) -> Self {
        TypeRef {
            id: TypeId::of::<T>(),
            definition,
        }
    }

    /// The referenced type's identity.
    pub fn id(&self) -> TypeId {
        self.id
    }

    /// The referenced type's definition.
    pub fn definition(&self) -> &'static Definition {
        (self.definition)()
    }
}

impl PartialEq for TypeRef {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl fmt::Debug for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The name, not the definition: definitions may be recursive.
        write!(f, "TypeRef({})", self.definition().name)
    }
}

/// The full schema of a named type.
#[derive(Clone, Debug)]
pub struct Definition {
    /// Display name, e.g. `Person` or `Page<Person>`.
    pub name: Text,
    /// Doc comment or `#[outline(description = "...")]`.
    pub description: Option<Text>,
    /// The type's shape.
    pub body: Body,
    /// The cross-field rule (`check = path`) the validator runs on the whole value, by path.
    pub check: Option<&'static str>,
}

/// The shape of a named type.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Body {
    /// A struct with named fields.
    Object(Object),
    /// A tuple struct: a fixed-length array.
    Tuple(Vec<Schema>),
    /// An enum.
    Enum(Enum),
    /// A newtype whose field holds the type itself (`struct Tree(Vec<Tree>)`): its value is the
    /// field's, named so that the recursion has a name to refer to. Other newtypes are inlined.
    Newtype(Box<Schema>),
}

/// The fields of a struct (or of a struct variant).
#[derive(Clone, Debug, Default)]
pub struct Object {
    /// Fields in declaration order; flattened fields are marked.
    pub fields: Vec<Field>,
    /// `#[serde(deny_unknown_fields)]`.
    pub deny_unknown_fields: bool,
}

/// One field of an object.
#[derive(Clone, Debug)]
pub struct Field {
    /// The JSON key (after `rename`/`rename_all`).
    pub name: &'static str,
    /// Other keys accepted on input (`#[serde(alias)]`).
    pub aliases: &'static [&'static str],
    /// The value's schema.
    pub schema: Schema,
    /// Whether the key must be present (not `Option`, no `default`).
    pub required: bool,
    /// `#[serde(flatten)]`: the value's fields appear at this level.
    pub flatten: bool,
}

/// An enum and how serde represents it.
#[derive(Clone, Debug)]
pub struct Enum {
    /// The representation.
    pub repr: Repr,
    /// Variants in declaration order (skipped ones omitted).
    pub variants: Vec<Variant>,
    /// `#[serde(deny_unknown_fields)]`: tagged objects have no other keys.
    pub deny_unknown_fields: bool,
}

/// serde's enum representations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Repr {
    /// `{"Variant": content}` or `"Variant"` (the default).
    External,
    /// `#[serde(tag = "t")]`: `{"t": "Variant", ...fields}`.
    Internal {
        /// The tag key.
        tag: &'static str,
    },
    /// `#[serde(tag = "t", content = "c")]`: `{"t": "Variant", "c": content}`.
    Adjacent {
        /// The tag key.
        tag: &'static str,
        /// The content key.
        content: &'static str,
    },
    /// `#[serde(untagged)]`: the content alone; the first variant that fits wins.
    Untagged,
}

/// One enum variant.
#[derive(Clone, Debug)]
pub struct Variant {
    /// The serialized name (after `rename`/`rename_all`).
    pub name: &'static str,
    /// Other names accepted on input.
    pub aliases: &'static [&'static str],
    /// Doc comment or description.
    pub description: Option<Text>,
    /// The variant's data.
    pub shape: Shape,
}

/// The data a variant carries.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Shape {
    /// No data.
    Unit,
    /// One unnamed field.
    Newtype(Schema),
    /// Several unnamed fields.
    Tuple(Vec<Schema>),
    /// Named fields.
    Struct(Object),
}

impl Schema {
    /// A schema of the given kind with no constraints or documentation.
    pub fn new(kind: Kind) -> Self {
        Schema {
            kind,
            constraints: Vec::new(),
            description: None,
            examples: Vec::new(),
            rules: Vec::new(),
        }
    }

    /// Notes a custom rule (`validate = path`) that checks this value.
    pub fn with_rule(mut self, path: &'static str) -> Self {
        self.rules.push(path);
        self
    }

    /// The schema of the named type `T`.
    pub fn reference<T: 'static>(definition: fn() -> &'static Definition) -> Self {
        Schema::new(Kind::Ref(TypeRef::new::<T>(definition)))
    }

    /// Applies an attribute's constraints: through `Option` to the value it holds, and `inner(...)` to
    /// the items of a collection or the values of a map (or, on an `Option` of a scalar, to the value).
    pub fn constrain(mut self, c: &'static Constraints) -> Self {
        if c.is_none() {
            return self;
        }
        match &mut self.kind {
            Kind::Option(inner) => {
                let taken = std::mem::replace(inner.as_mut(), Schema::new(Kind::Null));
                **inner = taken.constrain(c);
            }
            Kind::Array(items, _) | Kind::Map(items) => {
                if !c.is_empty() {
                    self.constraints.push(c);
                }
                if let Some(inner) = c.inner {
                    let taken = std::mem::replace(items.as_mut(), Schema::new(Kind::Null));
                    **items = taken.constrain(inner);
                }
            }
            _ => {
                if !c.is_empty() {
                    self.constraints.push(c);
                }
                if let Some(inner) = c.inner {
                    self = self.constrain(inner);
                }
            }
        }
        self
    }

    /// Adds a description unless the text is empty.
    pub fn with_description(mut self, text: impl Into<Text>) -> Self {
        self.description = non_empty(text.into()).or(self.description);
        self
    }

    /// Adds examples.
    pub fn examples(mut self, examples: &[Literal]) -> Self {
        self.examples.extend_from_slice(examples);
        self
    }

    /// Whether the value may be absent when it is a field.
    pub fn is_optional(&self) -> bool {
        matches!(self.kind, Kind::Option(_))
    }

    /// A short name for the type, used to name generic instantiations (`Page<Person>`).
    pub fn type_name(&self) -> Text {
        match &self.kind {
            Kind::Any => "any".into(),
            Kind::Null => "null".into(),
            Kind::Bool => "bool".into(),
            Kind::Integer(r) => r.name.into(),
            Kind::Number { single } => if *single { "f32" } else { "f64" }.into(),
            Kind::String { char } => if *char { "char" } else { "string" }.into(),
            Kind::Array(items, _) => format!("{}[]", items.type_name()).into(),
            Kind::Tuple(items) => {
                let names: Vec<_> = items.iter().map(Schema::type_name).collect();
                format!("[{}]", names.join(", ")).into()
            }
            Kind::Map(values) => format!("map<{}>", values.type_name()).into(),
            Kind::Option(inner) => format!("{}?", inner.type_name()).into(),
            Kind::Ref(r) => r.definition().name.clone(),
        }
    }
}

impl IntRange {
    /// The natural range of the integer type `name`.
    pub const fn of(min: i128, max: i128, bits: u8, name: &'static str) -> Self {
        IntRange {
            min,
            max,
            bits,
            name,
        }
    }
}

impl Definition {
    /// A struct with named fields.
    pub fn object(name: impl Into<Text>, object: Object) -> Self {
        Definition {
            name: name.into(),
            description: None,
            check: None,
            body: Body::Object(object),
        }
    }

    /// A tuple struct.
    pub fn tuple(name: impl Into<Text>, items: Vec<Schema>) -> Self {
        Definition {
            name: name.into(),
            description: None,
            check: None,
            body: Body::Tuple(items),
        }
    }

    /// A newtype of itself ([`Body::Newtype`]).
    pub fn newtype(name: impl Into<Text>, value: Schema) -> Self {
        Definition {
            name: name.into(),
            description: None,
            check: None,
            body: Body::Newtype(Box::new(value)),
        }
    }

    /// An enum.
    pub fn enumeration(
        name: impl Into<Text>,
        repr: Repr,
        variants: Vec<Variant>,
        deny_unknown_fields: bool,
    ) -> Self {
        Definition {
            name: name.into(),
            description: None,
            check: None,
            body: Body::Enum(Enum {
                repr,
                variants,
                deny_unknown_fields,
            }),
        }
    }

    /// Adds a description unless the text is empty.
    pub fn with_description(mut self, text: impl Into<Text>) -> Self {
        self.description = non_empty(text.into()).or(self.description);
        self
    }

    /// Notes the type's cross-field rule (`check = path`).
    pub fn with_check(mut self, path: &'static str) -> Self {
        self.check = Some(path);
        self
    }
}

impl Enum {
    /// Whether every variant is a unit variant.
    pub fn is_unit_only(&self) -> bool {
        self.variants.iter().all(|v| matches!(v.shape, Shape::Unit))
    }
}

impl Field {
    /// A field; it is required unless its schema is optional.
    pub fn new(name: &'static str, schema: Schema) -> Self {
        Field {
            name,
            aliases: &[],
            required: !schema.is_optional(),
            schema,
            flatten: false,
        }
    }

    /// Marks the field as having a default: it may be absent.
    pub fn with_default(mut self) -> Self {
        self.required = false;
        self
    }

    /// Sets whether the key must be present.
    pub fn with_required(mut self, required: bool) -> Self {
        self.required = required;
        self
    }

    /// Keys accepted in addition to the name.
    pub fn with_aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }

    /// Marks the field as `#[serde(flatten)]`.
    pub fn flattened(mut self) -> Self {
        self.flatten = true;
        self.required = false;
        self
    }
}

impl Variant {
    /// A variant.
    pub fn new(name: &'static str, shape: Shape) -> Self {
        Variant {
            name,
            aliases: &[],
            description: None,
            shape,
        }
    }

    /// Names accepted in addition to the name.
    pub fn with_aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }

    /// Adds a description unless the text is empty.
    pub fn with_description(mut self, text: impl Into<Text>) -> Self {
        self.description = non_empty(text.into()).or(self.description);
        self
    }
}

/// `Some(text)` unless the text is empty: an empty description says nothing.
fn non_empty(text: Text) -> Option<Text> {
    (!text.is_empty()).then_some(text)
}

/// The fields an object exposes at its own level, with flattened fields expanded.
///
/// A flattened map contributes no named field; its value schema is returned as the schema for any other
/// key.
pub fn flat_fields(object: &Object) -> (Vec<&Field>, Option<&Schema>) {
    let mut out = Vec::new();
    let mut rest = None;
    collect_flat(object, &mut out, &mut rest, 0);
    (out, rest)
}

fn collect_flat<'a>(
    object: &'a Object,
    out: &mut Vec<&'a Field>,
    rest: &mut Option<&'a Schema>,
    depth: usize,
) {
    for field in &object.fields {
        if !field.flatten {
            // A key claimed twice is read into the first field that claims it (as serde does).
            if !out.iter().any(|f| f.name == field.name) {
                out.push(field);
            }
            continue;
        }
        match flatten_target(&field.schema) {
            Some(FlatTarget::Object(inner)) if depth < 32 => {
                collect_flat(inner, out, rest, depth + 1)
            }
            Some(FlatTarget::Map(values)) => {
                rest.get_or_insert(values);
            }
            _ => {}
        }
    }
}

enum FlatTarget<'a> {
    Object(&'a Object),
    Map(&'a Schema),
}

fn flatten_target(schema: &Schema) -> Option<FlatTarget<'_>> {
    match &schema.kind {
        Kind::Ref(r) => match &r.definition().body {
            Body::Object(o) => Some(FlatTarget::Object(o)),
            _ => None,
        },
        Kind::Map(values) => Some(FlatTarget::Map(values)),
        _ => None,
    }
}

/// Merged view of all constraint sets on one schema node, for renderers.
#[derive(Clone, Debug, Default)]
pub struct Merged {
    /// Tightest inclusive lower bound.
    pub min: Option<Bound>,
    /// Tightest inclusive upper bound.
    pub max: Option<Bound>,
    /// Tightest exclusive lower bound.
    pub exclusive_min: Option<Bound>,
    /// Tightest exclusive upper bound.
    pub exclusive_max: Option<Bound>,
    /// Every `multiple_of`.
    pub multiple_of: Vec<Bound>,
    /// Every pattern.
    pub patterns: Vec<&'static Pattern>,
    /// Every format.
    pub formats: Vec<Format>,
    /// Whether items must be unique.
    pub unique: bool,
    /// Allowed values (intersection of every `one_of`), if any set restricts them.
    pub one_of: Option<Vec<Literal>>,
}

impl Merged {
    /// Merges a node's constraint sets.
    pub fn of(constraints: &[&'static Constraints]) -> Self {
        let mut m = Merged::default();
        for c in constraints {
            m.min = tighter(m.min, c.min, std::cmp::Ordering::Greater);
            m.max = tighter(m.max, c.max, std::cmp::Ordering::Less);
            m.exclusive_min = tighter(
                m.exclusive_min,
                c.exclusive_min,
                std::cmp::Ordering::Greater,
            );
            m.exclusive_max = tighter(m.exclusive_max, c.exclusive_max, std::cmp::Ordering::Less);
            m.multiple_of.extend(c.multiple_of);
            m.patterns.extend(c.pattern);
            m.formats.extend(c.format);
            m.unique |= c.unique;
            if !c.one_of.is_empty() {
                m.one_of = Some(match m.one_of.take() {
                    None => c.one_of.to_vec(),
                    Some(prev) => prev.into_iter().filter(|l| c.one_of.contains(l)).collect(),
                });
            }
        }
        m
    }
}

/// Of two optional bounds, the one further in direction `prefer` (`Greater` for lower bounds).
pub(crate) fn tighter(
    a: Option<Bound>,
    b: Option<Bound>,
    prefer: std::cmp::Ordering,
) -> Option<Bound> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let ord = a
                .as_f64()
                .partial_cmp(&b.as_f64())
                .unwrap_or(std::cmp::Ordering::Equal);
            Some(if ord == prefer { a } else { b })
        }
        (a, b) => a.or(b),
    }
}

impl IntRange {
    /// The natural range of an integer type narrowed by the user's `min`/`max`.
    pub(crate) fn narrowed(self, merged: &Merged) -> (Bound, Bound) {
        let min = match merged.min {
            Some(b) if b.cmp_i128(self.min).is_gt() => b,
            _ => Bound::Int(self.min),
        };
        let max = match merged.max {
            Some(b) if b.cmp_i128(self.max).is_lt() => b,
            _ => Bound::Int(self.max),
        };
        (min, max)
    }
}

/// Whether a field or an enum variant anywhere in `root` (its named types included, each once)
/// accepts other names (`#[serde(alias)]`), which the JSON Schema does not list.
pub fn has_aliases(root: &Schema) -> bool {
    fn schema(s: &Schema, seen: &mut std::collections::HashSet<std::any::TypeId>) -> bool {
        match &s.kind {
            Kind::Array(inner, _) | Kind::Map(inner) | Kind::Option(inner) => schema(inner, seen),
            Kind::Tuple(items) => items.iter().any(|s| schema(s, seen)),
            Kind::Ref(r) => seen.insert(r.id()) && body(&r.definition().body, seen),
            _ => false,
        }
    }
    fn object(o: &Object, seen: &mut std::collections::HashSet<std::any::TypeId>) -> bool {
        o.fields
            .iter()
            .any(|f| !f.aliases.is_empty() || schema(&f.schema, seen))
    }
    fn body(b: &Body, seen: &mut std::collections::HashSet<std::any::TypeId>) -> bool {
        match b {
            Body::Object(o) => object(o, seen),
            Body::Tuple(items) => items.iter().any(|s| schema(s, seen)),
            Body::Newtype(value) => schema(value, seen),
            Body::Enum(e) => e.variants.iter().any(|v| {
                !v.aliases.is_empty()
                    || match &v.shape {
                        Shape::Unit => false,
                        Shape::Newtype(s) => schema(s, seen),
                        Shape::Tuple(items) => items.iter().any(|s| schema(s, seen)),
                        Shape::Struct(o) => object(o, seen),
                    }
            }),
        }
    }
    schema(root, &mut std::collections::HashSet::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    static MIN1: Constraints = Constraints {
        min: Some(Bound::Int(1)),
        ..Constraints::NONE
    };
    static MIN3_INNER: Constraints = Constraints {
        min: Some(Bound::Int(3)),
        inner: Some(&MIN1),
        ..Constraints::NONE
    };

    fn string() -> Schema {
        Schema::new(Kind::String { char: false })
    }

    #[test]
    fn constrain_passes_through_option() {
        let s = Schema::new(Kind::Option(Box::new(string()))).constrain(&MIN1);
        assert!(s.constraints.is_empty());
        let Kind::Option(inner) = &s.kind else {
            panic!("kind changed")
        };
        assert_eq!(inner.constraints.len(), 1);
    }

    #[test]
    fn inner_applies_to_items() {
        let s = Schema::new(Kind::Array(Box::new(string()), ArrayInfo::default()))
            .constrain(&MIN3_INNER);
        assert_eq!(s.constraints[0].min, Some(Bound::Int(3)));
        let Kind::Array(items, _) = &s.kind else {
            panic!("kind changed")
        };
        assert_eq!(items.constraints[0].min, Some(Bound::Int(1)));
    }

    #[test]
    fn merged_takes_tightest_bounds() {
        static A: Constraints = Constraints {
            min: Some(Bound::Int(1)),
            max: Some(Bound::Int(10)),
            one_of: &[Literal::Int(1), Literal::Int(2), Literal::Int(3)],
            ..Constraints::NONE
        };
        static B: Constraints = Constraints {
            min: Some(Bound::Int(2)),
            max: Some(Bound::Float(20.5)),
            one_of: &[Literal::Int(2), Literal::Int(3), Literal::Int(4)],
            ..Constraints::NONE
        };
        let m = Merged::of(&[&A, &B]);
        assert_eq!(m.min, Some(Bound::Int(2)));
        assert_eq!(m.max, Some(Bound::Int(10)));
        assert_eq!(m.one_of, Some(vec![Literal::Int(2), Literal::Int(3)]));
    }
}
