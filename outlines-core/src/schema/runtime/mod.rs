//! JSON Schemas known only at run time, compiled once into an owned tree.
//!
//! The derive's IR ([`Schema`](super::Schema)) points at `'static` data the macro emits; a schema that
//! arrives as data (a `serde_json::Value`, a string, a file) is compiled instead into a [`Compiled`]
//! tree that owns everything it holds. That tree is the one source of truth for the schema: the
//! normalized JSON Schema a request carries ([`Compiled::json_schema`]), the prompt description
//! ([`Compiled::describe`]) and the validator (`outlines::output::JsonSchema`) all read it, and the
//! leaves are the derive's own pieces ([`Bound`], [`Format`], [`Pattern`]), so a rule means the same
//! whichever way it was declared.
//!
//! # What is supported
//!
//! JSON Schema 2020-12, validated as the specification says, with these keywords:
//!
//! - any value: `type` (a name or a list), `enum`, `const`, `anyOf`, `oneOf`, `allOf`, `not`,
//!   `if`/`then`/`else`, `$ref`, `$defs` (and draft 7's `definitions`), boolean schemas;
//! - numbers: `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`;
//! - strings: `minLength`, `maxLength` (in code points), `pattern` (ECMA-262, as the derive's:
//!   `\d` is ASCII), `format` (enforced, not an annotation: `email`, `uri`, `uuid`, `date`,
//!   `date-time`, `time`, `ipv4`, `ipv6`, `hostname`);
//! - arrays: `items`, `prefixItems`, `minItems`, `maxItems`, `uniqueItems`, `contains`,
//!   `minContains`, `maxContains` (and draft 7's array form of `items` with `additionalItems`);
//! - objects: `properties`, `required`, `additionalProperties`, `patternProperties`,
//!   `propertyNames`, `minProperties`, `maxProperties`, `dependentRequired`, `dependentSchemas`;
//! - annotations, kept for the description and the rendered schema: `title`, `description`,
//!   `examples`, `default`, `deprecated`, `readOnly`, `writeOnly`; `$schema`, `$id` (at the root)
//!   and `$comment` are accepted.
//!
//! `integer` follows the specification: a number with a zero fractional part is an integer, so
//! `1.0` is one (the derive's integer fields, read by serde, reject it).
//!
//! `$ref` is local: `#`, `#/$defs/Name`, `#/definitions/Name`, any JSON Pointer into the document
//! (percent-encoded as URI fragments are), and the root's own `$id` followed by one of those.
//! References may be recursive, as long as each cycle goes through a keyword that moves into the
//! value (`properties`, `items`, ...).
//!
//! # Errors
//!
//! Compiling fails with a [`SchemaError`] naming the keyword and the JSON Pointer of the schema
//! holding it, never by ignoring what it cannot do:
//!
//! - a keyword it does not support (`unevaluatedProperties`, `$dynamicRef`, `$anchor`, a `$id`
//!   below the root, ...) or does not know (`nullable`, `x-...`);
//! - a keyword with a value the specification does not allow (`"minLength": -1`), a `format` it
//!   does not enforce, a `pattern` it cannot run (look-around, backreferences);
//! - a `$ref` that is remote or points at nothing;
//! - a cycle of `$ref`s and in-place keywords (`allOf`, `anyOf`, `oneOf`, `not`, `if`...) that
//!   never moves into the value (`{"$ref": "#"}`): validating with it would never end;
//! - a limit below.
//!
//! # Limits
//!
//! Compiling costs time linear in the schema's size and a stack bounded by [`MAX_SCHEMA_DEPTH`],
//! whatever the input: subschemas nest at most [`MAX_SCHEMA_DEPTH`] deep, chains of in-place
//! keywords are at most [`MAX_CHAIN`] long, the patterns' compiled size is at most
//! [`MAX_PATTERN_BYTES`] in total, and a value in `enum`, `const`, `default` or `examples` nests
//! at most [`MAX_VALUE_DEPTH`] deep. `enum` is looked up by hash, so a huge one costs no more per
//! value than a small one; descriptions list its first values only, and a description stops at
//! [`DESCRIBE_LIMIT`] characters.
//!
//! Validating is bounded too. Values nest at most [`MAX_DEPTH`](crate::MAX_DEPTH) containers deep
//! where the schema looks into them (deeper is a violation, as for a derived type), and subschemas
//! apply inside one another at most [`MAX_FRAMES`] deep while checking one value (a violation says
//! so). Nested
//! `anyOf`/`oneOf`/`not`/`if` over recursive schemas, exponential for a naive validator, are
//! checked in time bounded by the schema's size times the value's: a shared subschema's verdict on
//! a value is computed once, and a failed alternative is explained by one branch only.
//!
//! `then` and `else` without `if` mean nothing: they are compiled (so their errors show) and left
//! out of the rendering.

mod compile;
mod describe;
mod error;
pub(crate) mod phrase;
mod render;
pub(crate) mod value;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

pub use compile::percent_decode;
pub use describe::DESCRIBE_LIMIT;
pub use error::{SchemaError, SchemaErrorKind};

use super::{Bound, Format, Pattern};
use value::ValueSet;

/// How deep subschemas may nest inside one another (a `$ref` starts counting again at its target).
pub const MAX_SCHEMA_DEPTH: u32 = 64;

/// How long a chain of in-place keywords (`$ref`, `allOf`, `anyOf`, `oneOf`, `not`, `if`, `then`,
/// `else`, `dependentSchemas`) may be before the validator moves into the value.
pub const MAX_CHAIN: u32 = 32;

/// How deep a value in `enum`, `const`, `default` or `examples` may nest: the validator's
/// [`MAX_DEPTH`](crate::MAX_DEPTH), so comparing with one never goes deeper than a value may.
pub const MAX_VALUE_DEPTH: u32 = 127;

/// How deep subschemas may apply inside one another while one value is checked (a `$ref` to an
/// `anyOf` whose branch is an object whose property is a `$ref`... is four). Past it the value is
/// refused with a violation that says so: this bounds the validator's stack.
pub const MAX_FRAMES: u32 = 512;

/// The compiled size all of a schema's patterns may take together.
pub const MAX_PATTERN_BYTES: usize = 64 * 1024 * 1024;

/// A node's index in [`Compiled::nodes`].
pub(crate) type NodeId = u32;

/// A JSON Schema compiled: a tree of nodes (a graph where `$ref`s point back), its normalized
/// JSON Schema rendering, and the names its shared subschemas go by.
#[derive(Debug)]
pub struct Compiled {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: NodeId,
    /// The subschemas `$ref`s point at, other than the root, with their names (`$defs` keys in the
    /// rendering, type names in the description), in the order they are first referred to.
    pub(crate) defs: Vec<(NodeId, String)>,
    /// Node → its index in `defs`.
    def_index: HashMap<NodeId, usize>,
    json_schema: Arc<Value>,
}

impl Compiled {
    /// Compiles `schema`.
    pub fn compile(schema: &Value) -> Result<Compiled, SchemaError> {
        let (nodes, root, defs) = compile::compile(schema)?;
        let def_index = defs
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (*id, i))
            .collect();
        let mut compiled = Compiled {
            nodes,
            root,
            defs,
            def_index,
            json_schema: Arc::new(Value::Null),
        };
        compiled.json_schema = Arc::new(render::render(&compiled));
        Ok(compiled)
    }

    /// The schema as JSON Schema 2020-12, normalized: rendered from the compiled tree (so it says
    /// exactly what the validator checks), every `$ref` pointing into `$defs`, `$comment`s and
    /// unused definitions left out.
    pub fn json_schema(&self) -> &Arc<Value> {
        &self.json_schema
    }

    /// The root's `title`.
    pub fn title(&self) -> Option<&str> {
        self.node(self.root).notes.as_ref()?.title.as_deref()
    }

    /// The root's `description`.
    pub fn description(&self) -> Option<&str> {
        self.node(self.root).notes.as_ref()?.description.as_deref()
    }

    /// The root's `examples`.
    pub fn examples(&self) -> &[Value] {
        match &self.node(self.root).notes {
            Some(notes) => &notes.examples,
            None => &[],
        }
    }

    /// A compact, TypeScript-like description for prompts, the root written as `type {name} = …`,
    /// in the style of the derive's ([`describe`](super::describe)); bounded in length.
    pub fn describe(&self, name: &str) -> String {
        describe::render(self, name)
    }

    pub(crate) fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    /// The name a shared subschema goes by, if it is one.
    pub(crate) fn def_name(&self, id: NodeId) -> Option<&str> {
        if !self.node(id).shared {
            return None;
        }
        let index = *self.def_index.get(&id)?;
        Some(self.defs[index].1.as_str())
    }
}

/// One subschema. Keywords are grouped by the kind of value they apply to; a group is absent when
/// none of its keywords is present, which keeps the node small and the common checks short.
#[derive(Debug, Default)]
pub(crate) struct Node {
    /// The `false` schema: nothing is valid.
    pub(crate) never: bool,
    /// `type`, when given.
    pub(crate) types: Option<Types>,
    pub(crate) number: Option<Box<Numbers>>,
    pub(crate) string: Option<Box<Strings>>,
    pub(crate) array: Option<Box<Arrays>>,
    pub(crate) object: Option<Box<Objects>>,
    /// `const` and `enum`.
    pub(crate) values: Option<Box<Values>>,
    pub(crate) logic: Option<Box<Logic>>,
    pub(crate) notes: Option<Box<Notes>>,
    /// A `$ref` points here: the validator remembers its verdicts on this node, value by value, so
    /// shared subschemas reached many ways (nested `anyOf`s) are checked once per value.
    pub(crate) shared: bool,
}

/// The JSON types `type` allows, as bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Types(pub(crate) u8);

impl Types {
    pub(crate) const NULL: Types = Types(1);
    pub(crate) const BOOLEAN: Types = Types(2);
    pub(crate) const OBJECT: Types = Types(4);
    pub(crate) const ARRAY: Types = Types(8);
    pub(crate) const NUMBER: Types = Types(16);
    pub(crate) const INTEGER: Types = Types(32);
    pub(crate) const STRING: Types = Types(64);

    /// Every type with its name, in the order the rendering and the description list them.
    pub(crate) const NAMES: [(Types, &'static str); 7] = [
        (Types::STRING, "string"),
        (Types::NUMBER, "number"),
        (Types::INTEGER, "integer"),
        (Types::BOOLEAN, "boolean"),
        (Types::OBJECT, "object"),
        (Types::ARRAY, "array"),
        (Types::NULL, "null"),
    ];

    pub(crate) fn from_name(name: &str) -> Option<Types> {
        Types::NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(t, _)| *t)
    }

    pub(crate) fn has(self, t: Types) -> bool {
        self.0 & t.0 != 0
    }

    pub(crate) fn with(self, t: Types) -> Types {
        Types(self.0 | t.0)
    }

    /// The names of the types, in [`Types::NAMES`] order (`integer` left out when `number` is in).
    pub(crate) fn names(self) -> impl Iterator<Item = &'static str> {
        let redundant_integer = self.has(Types::NUMBER);
        Types::NAMES
            .iter()
            .filter(move |(t, _)| self.has(*t) && !(redundant_integer && *t == Types::INTEGER))
            .map(|(_, n)| *n)
    }

    /// Whether `v` is of one of the types; a number with no fractional part is an `integer`.
    #[inline]
    pub(crate) fn admits(self, v: &Value) -> bool {
        match v {
            Value::Null => self.has(Types::NULL),
            Value::Bool(_) => self.has(Types::BOOLEAN),
            Value::Object(_) => self.has(Types::OBJECT),
            Value::Array(_) => self.has(Types::ARRAY),
            Value::String(_) => self.has(Types::STRING),
            Value::Number(n) => {
                self.has(Types::NUMBER) || (self.has(Types::INTEGER) && value::is_integer(n))
            }
        }
    }
}

/// Keywords for numbers.
#[derive(Debug, Default)]
pub(crate) struct Numbers {
    pub(crate) minimum: Option<Bound>,
    pub(crate) maximum: Option<Bound>,
    pub(crate) exclusive_minimum: Option<Bound>,
    pub(crate) exclusive_maximum: Option<Bound>,
    pub(crate) multiple_of: Option<Bound>,
}

/// Keywords for strings.
#[derive(Debug, Default)]
pub(crate) struct Strings {
    pub(crate) min_length: Option<u64>,
    pub(crate) max_length: Option<u64>,
    pub(crate) pattern: Option<Arc<Pattern>>,
    pub(crate) format: Option<Format>,
}

/// Keywords for arrays.
#[derive(Debug, Default)]
pub(crate) struct Arrays {
    pub(crate) prefix: Vec<NodeId>,
    /// The schema of the items after the prefix.
    pub(crate) items: Option<NodeId>,
    pub(crate) min_items: Option<u64>,
    pub(crate) max_items: Option<u64>,
    pub(crate) unique: bool,
    pub(crate) contains: Option<NodeId>,
    pub(crate) min_contains: Option<u64>,
    pub(crate) max_contains: Option<u64>,
}

/// Keywords for objects.
#[derive(Debug, Default)]
pub(crate) struct Objects {
    pub(crate) properties: Vec<(Box<str>, NodeId)>,
    /// Property name → index in `properties`, for objects with many properties.
    pub(crate) index: Option<HashMap<Box<str>, u32>>,
    pub(crate) patterns: Vec<(Arc<Pattern>, NodeId)>,
    pub(crate) additional: Option<NodeId>,
    pub(crate) names: Option<NodeId>,
    pub(crate) required: Vec<Box<str>>,
    /// For each required name, its index in `properties` when it has one.
    pub(crate) required_at: Vec<Option<u32>>,
    pub(crate) min_properties: Option<u64>,
    pub(crate) max_properties: Option<u64>,
    pub(crate) dependent_required: Vec<(Box<str>, Vec<Box<str>>)>,
    pub(crate) dependent_schemas: Vec<(Box<str>, NodeId)>,
}

/// Objects with more properties than this look names up in a hash map; fewer are scanned.
pub(crate) const SCAN_PROPERTIES: usize = 8;

impl Objects {
    /// The index in `properties` of the property named `key`.
    #[inline]
    pub(crate) fn property(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).map(|&i| i as usize),
            None => self.properties.iter().position(|(k, _)| &**k == key),
        }
    }
}

/// `const` and `enum`.
#[derive(Debug, Default)]
pub(crate) struct Values {
    pub(crate) constant: Option<Value>,
    pub(crate) allowed: Option<ValueSet>,
}

/// Keywords that apply other subschemas to the same value.
#[derive(Debug, Default)]
pub(crate) struct Logic {
    pub(crate) reference: Option<NodeId>,
    pub(crate) all_of: Vec<NodeId>,
    pub(crate) any_of: Vec<NodeId>,
    pub(crate) one_of: Vec<NodeId>,
    pub(crate) not: Option<NodeId>,
    /// `if`, with its `then` and `else` (which mean nothing without it).
    pub(crate) condition: Option<Condition>,
}

/// `if`/`then`/`else`.
#[derive(Debug)]
pub(crate) struct Condition {
    pub(crate) test: NodeId,
    pub(crate) then: Option<NodeId>,
    pub(crate) otherwise: Option<NodeId>,
}

impl Logic {
    /// Every subschema applied to the same value, for graph walks.
    pub(crate) fn in_place(&self) -> impl Iterator<Item = NodeId> + '_ {
        let condition = self
            .condition
            .iter()
            .flat_map(|c| [Some(c.test), c.then, c.otherwise])
            .flatten();
        self.reference
            .iter()
            .copied()
            .chain(self.all_of.iter().copied())
            .chain(self.any_of.iter().copied())
            .chain(self.one_of.iter().copied())
            .chain(self.not)
            .chain(condition)
    }
}

/// Annotations: what the description and the rendering carry.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) examples: Vec<Value>,
    pub(crate) default: Option<Value>,
    pub(crate) deprecated: bool,
    pub(crate) read_only: bool,
    pub(crate) write_only: bool,
}

impl Node {
    /// Subschemas applied to the same value (`$ref`, `allOf`, ..., `dependentSchemas`).
    pub(crate) fn in_place(&self) -> Vec<NodeId> {
        let mut out: Vec<NodeId> = self.logic.iter().flat_map(|l| l.in_place()).collect();
        if let Some(o) = &self.object {
            out.extend(o.dependent_schemas.iter().map(|(_, id)| *id));
        }
        out
    }
}
