//! From a JSON Schema document to the compiled tree, keyword by keyword.
//!
//! Every subschema is compiled once, however many ways it is reached: nodes are remembered by the
//! address of their JSON in the document, so a `$ref` and the `$defs` entry it names share one
//! node, and pointers into the middle of the document cost nothing more. A `$ref`'s target is
//! reserved when first seen and compiled from a queue afterwards, so a chain of references adds
//! nothing to the stack: the recursion is only as deep as the document nests.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Number, Value};

use super::error::{SchemaError, SchemaErrorKind as Kind};
use super::value::{ValueSet, within_depth};
use super::{
    Arrays, Condition, Logic, MAX_CHAIN, MAX_PATTERN_BYTES, MAX_SCHEMA_DEPTH, MAX_VALUE_DEPTH,
    Node, NodeId, Notes, Objects, SCAN_PROPERTIES, Strings, Types, Values,
};
use crate::schema::names::identifier;
use crate::schema::{Bound, Format, Pattern};

/// The nodes, the root's id and the shared subschemas' names.
pub(super) type Output = (Vec<Node>, NodeId, Vec<(NodeId, String)>);

pub(super) fn compile(doc: &Value) -> Result<Output, SchemaError> {
    let mut c = Compiler {
        doc,
        base: None,
        nodes: Vec::new(),
        origins: Vec::new(),
        by_address: HashMap::new(),
        queue: Vec::new(),
        targets: Vec::new(),
        patterns: HashMap::new(),
        pattern_bytes: 0,
    };
    if let Some(id) = doc.get("$id").and_then(Value::as_str) {
        // References may name the document by its `$id`; the fragment, if any, is not part of it.
        c.base = Some(id.split('#').next().unwrap_or(id));
    }
    let root = c.reserve(doc, None, String::new());
    c.fill(root, doc, 0)?;
    while let Some((id, value)) = c.queue.pop() {
        c.fill(id, value, 0)?;
    }
    c.check_chains()?;
    for (id, _) in &c.targets {
        c.nodes[*id as usize].shared = true;
    }
    c.nodes[root as usize].shared = true;
    let defs = c.names(root);
    Ok((c.nodes, root, defs))
}

/// What one schema object's keywords leave for [`Compiler::finish`].
#[derive(Default)]
struct Pending {
    legacy_items: bool,
    additional_items: Option<NodeId>,
    test: Option<NodeId>,
    then: Option<NodeId>,
    otherwise: Option<NodeId>,
}

/// Where an applicator keyword is compiled: its node, the keyword, the nesting depth.
struct At<'n> {
    node: &'n mut Node,
    pending: &'n mut Pending,
    id: NodeId,
    keyword: &'n str,
    depth: u32,
}

type Apply = for<'a, 'n> fn(&mut Compiler<'a>, &mut At<'n>, &'a Value) -> Result<(), SchemaError>;

/// The keywords that hold subschemas, each compiled by its own function.
const APPLICATORS: &[(&str, Apply)] = &[
    ("items", |c, at, v| {
        match v {
            Value::Array(schemas) => {
                at.pending.legacy_items = true;
                arrays_of(at.node).prefix = c.schemas(at.keyword, at.id, schemas, at.depth)?;
            }
            _ => arrays_of(at.node).items = Some(c.child(v, at)?),
        }
        Ok(())
    }),
    ("prefixItems", |c, at, v| {
        let schemas = c.array_of_schemas(at.keyword, at.id, v, false)?;
        arrays_of(at.node).prefix = c.schemas(at.keyword, at.id, schemas, at.depth)?;
        Ok(())
    }),
    ("additionalItems", |c, at, v| {
        at.pending.additional_items = Some(c.child(v, at)?);
        Ok(())
    }),
    ("contains", |c, at, v| {
        arrays_of(at.node).contains = Some(c.child(v, at)?);
        Ok(())
    }),
    ("properties", |c, at, v| {
        objects_of(at.node).properties = c.schema_map(at.keyword, at.id, v, at.depth)?;
        Ok(())
    }),
    ("patternProperties", |c, at, v| {
        objects_of(at.node).patterns = c.pattern_map(at.keyword, at.id, v, at.depth)?;
        Ok(())
    }),
    ("additionalProperties", |c, at, v| {
        objects_of(at.node).additional = Some(c.child(v, at)?);
        Ok(())
    }),
    ("propertyNames", |c, at, v| {
        objects_of(at.node).names = Some(c.child(v, at)?);
        Ok(())
    }),
    ("dependentSchemas", |c, at, v| {
        objects_of(at.node).dependent_schemas = c.schema_map(at.keyword, at.id, v, at.depth)?;
        Ok(())
    }),
    ("allOf", |c, at, v| {
        logic_of(at.node).all_of = c.branches(at, v)?;
        Ok(())
    }),
    ("anyOf", |c, at, v| {
        logic_of(at.node).any_of = c.branches(at, v)?;
        Ok(())
    }),
    ("oneOf", |c, at, v| {
        logic_of(at.node).one_of = c.branches(at, v)?;
        Ok(())
    }),
    ("not", |c, at, v| {
        logic_of(at.node).not = Some(c.child(v, at)?);
        Ok(())
    }),
    ("if", |c, at, v| {
        at.pending.test = Some(c.child(v, at)?);
        Ok(())
    }),
    // Compiled even without `if` (where they mean nothing), so their errors show.
    ("then", |c, at, v| {
        at.pending.then = Some(c.child(v, at)?);
        Ok(())
    }),
    ("else", |c, at, v| {
        at.pending.otherwise = Some(c.child(v, at)?);
        Ok(())
    }),
    ("$ref", |c, at, v| {
        let Value::String(target) = v else {
            return Err(c.invalid(at.keyword, at.id, "must be a string"));
        };
        logic_of(at.node).reference = Some(c.reference(at.id, target)?);
        Ok(())
    }),
    // Compiled for their errors; they apply only where a `$ref` names them.
    ("$defs", |c, at, v| {
        c.schema_map(at.keyword, at.id, v, at.depth).map(drop)
    }),
    ("definitions", |c, at, v| {
        c.schema_map(at.keyword, at.id, v, at.depth).map(drop)
    }),
];

struct Compiler<'a> {
    doc: &'a Value,
    /// The root's `$id` without its fragment: references may start with it.
    base: Option<&'a str>,
    nodes: Vec<Node>,
    /// Where each node comes from: its parent and the pointer from there (escaped), for messages.
    origins: Vec<(Option<NodeId>, String)>,
    /// Compiled (or reserved) subschemas by the address of their JSON in `doc`.
    by_address: HashMap<usize, NodeId>,
    /// `$ref` targets reserved but not compiled yet.
    queue: Vec<(NodeId, &'a Value)>,
    /// Every `$ref` target, in the order first referred to, with its pointer.
    targets: Vec<(NodeId, String)>,
    /// Patterns by source: one compiled pattern however often it is written.
    patterns: HashMap<&'a str, Arc<Pattern>>,
    pattern_bytes: usize,
}

/// Keywords this compiler knows and does not support, with the reason.
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "unevaluatedProperties",
        "not supported: it depends on what the other keywords evaluated; use `additionalProperties`",
    ),
    (
        "unevaluatedItems",
        "not supported: it depends on what the other keywords evaluated; use `items`",
    ),
    (
        "$dynamicRef",
        "not supported: references are local (`#...`)",
    ),
    (
        "$dynamicAnchor",
        "not supported: references are local (`#...`)",
    ),
    (
        "$recursiveRef",
        "not supported: references are local (`#...`)",
    ),
    (
        "$recursiveAnchor",
        "not supported: references are local (`#...`)",
    ),
    (
        "$anchor",
        "not supported: refer to the subschema by JSON Pointer (`#/$defs/...`)",
    ),
    ("$vocabulary", "not supported: it belongs in meta-schemas"),
    (
        "contentEncoding",
        "not supported: the validator cannot check it",
    ),
    (
        "contentMediaType",
        "not supported: the validator cannot check it",
    ),
    (
        "contentSchema",
        "not supported: the validator cannot check it",
    ),
    (
        "dependencies",
        "not supported (draft 7): write `dependentRequired` or `dependentSchemas`",
    ),
    (
        "nullable",
        "not JSON Schema (OpenAPI 3.0): add \"null\" to `type` instead",
    ),
];

impl<'a> Compiler<'a> {
    fn reserve(&mut self, v: &'a Value, parent: Option<NodeId>, tail: String) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node::default());
        self.origins.push((parent, tail));
        self.by_address.insert(address(v), id);
        id
    }

    /// The JSON Pointer of a node.
    fn pointer(&self, id: NodeId) -> String {
        let mut tails = Vec::new();
        let mut at = Some(id);
        while let Some(id) = at {
            let (parent, tail) = &self.origins[id as usize];
            tails.push(tail.as_str());
            at = *parent;
        }
        tails.reverse();
        tails.concat()
    }

    fn error(
        &self,
        kind: Kind,
        keyword: &str,
        at: NodeId,
        message: impl Into<String>,
    ) -> SchemaError {
        SchemaError::new(kind, keyword, self.pointer(at), message)
    }

    fn invalid(&self, keyword: &str, at: NodeId, message: impl Into<String>) -> SchemaError {
        self.error(Kind::Invalid, keyword, at, message)
    }

    /// The subschema `v`, found under `parent` at `tail` (`/items`, `/properties/a`).
    fn subschema(
        &mut self,
        v: &'a Value,
        parent: NodeId,
        tail: String,
        depth: u32,
    ) -> Result<NodeId, SchemaError> {
        if let Some(&id) = self.by_address.get(&address(v)) {
            return Ok(id);
        }
        let id = self.reserve(v, Some(parent), tail);
        self.fill(id, v, depth)?;
        Ok(id)
    }

    /// Compiles `v` into the reserved node `id`.
    fn fill(&mut self, id: NodeId, v: &'a Value, depth: u32) -> Result<(), SchemaError> {
        let node = match v {
            Value::Bool(true) => Node::default(),
            Value::Bool(false) => Node {
                never: true,
                ..Node::default()
            },
            Value::Object(map) if depth >= MAX_SCHEMA_DEPTH => return Err(self.too_deep(id, map)),
            Value::Object(map) => self.object(id, map, depth)?,
            other => return Err(self.not_a_schema(id, other)),
        };
        self.nodes[id as usize] = node;
        Ok(())
    }

    #[cold]
    fn too_deep(&self, id: NodeId, map: &Map<String, Value>) -> SchemaError {
        let keyword = map.keys().next().map_or("", String::as_str);
        self.error(
            Kind::Limit,
            keyword,
            id,
            format!("subschemas nest more than {MAX_SCHEMA_DEPTH} deep"),
        )
    }

    #[cold]
    fn not_a_schema(&self, id: NodeId, v: &Value) -> SchemaError {
        let (parent, tail) = &self.origins[id as usize];
        let keyword = tail.split('/').nth(1).unwrap_or("").to_owned();
        let at = parent.map_or_else(|| self.pointer(id), |p| self.pointer(p));
        SchemaError::new(
            Kind::Invalid,
            keyword,
            at,
            format!(
                "a schema is an object or a boolean, not {}",
                super::value::shorten(v)
            ),
        )
    }

    /// The keywords of one schema object. Keywords holding subschemas ([`Compiler::applicator`])
    /// are on the recursion's path and kept apart from the others ([`Compiler::assertion`]), so each
    /// level of nesting costs a small stack frame, even in debug builds.
    fn object(
        &mut self,
        id: NodeId,
        map: &'a Map<String, Value>,
        depth: u32,
    ) -> Result<Node, SchemaError> {
        let mut node = Node::default();
        let mut pending = Pending::default();
        for (keyword, v) in map {
            if !self.applicator(&mut node, &mut pending, id, keyword, v, depth + 1)? {
                self.assertion(&mut node, id, keyword, v)?;
            }
        }
        self.finish(&mut node, pending, id, map)?;
        Ok(node)
    }

    /// A keyword holding subschemas; `false` when `keyword` is not one. Each is its own small
    /// function ([`APPLICATORS`]): a big `match` would make one big frame at every level.
    fn applicator(
        &mut self,
        node: &mut Node,
        pending: &mut Pending,
        id: NodeId,
        keyword: &'a str,
        v: &'a Value,
        depth: u32,
    ) -> Result<bool, SchemaError> {
        let Some((_, apply)) = APPLICATORS.iter().find(|(name, _)| *name == keyword) else {
            return Ok(false);
        };
        let mut at = At {
            node,
            pending,
            id,
            keyword,
            depth,
        };
        apply(self, &mut at, v)?;
        Ok(true)
    }

    /// A keyword without subschemas: an assertion about the value, or an annotation.
    fn assertion(
        &mut self,
        node: &mut Node,
        id: NodeId,
        keyword: &'a str,
        v: &'a Value,
    ) -> Result<(), SchemaError> {
        let k = keyword;
        match k {
            "type" => node.types = Some(self.types(id, v)?),
            "enum" => {
                let Value::Array(values) = v else {
                    return Err(self.invalid(k, id, "must be an array"));
                };
                for value in values {
                    self.literal(k, id, value)?;
                }
                values_of(node).allowed = Some(ValueSet::new(values.clone()));
            }
            "const" => {
                self.literal(k, id, v)?;
                values_of(node).constant = Some(v.clone());
            }
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => {
                let Value::Number(n) = v else {
                    return Err(self.invalid(k, id, "must be a number"));
                };
                let bound = bound(n);
                let numbers = node.number.get_or_insert_with(Box::default);
                match k {
                    "minimum" => numbers.minimum = Some(bound),
                    "maximum" => numbers.maximum = Some(bound),
                    "exclusiveMinimum" => numbers.exclusive_minimum = Some(bound),
                    "exclusiveMaximum" => numbers.exclusive_maximum = Some(bound),
                    _ if bound.as_f64() > 0.0 => numbers.multiple_of = Some(bound),
                    _ => return Err(self.invalid(k, id, "must be greater than 0")),
                }
            }
            "minLength" | "maxLength" => {
                let count = self.count(k, id, v)?;
                let strings = strings_of(node);
                if k == "minLength" {
                    strings.min_length = Some(count);
                } else {
                    strings.max_length = Some(count);
                }
            }
            "pattern" => {
                let Value::String(source) = v else {
                    return Err(self.invalid(k, id, "must be a string"));
                };
                strings_of(node).pattern = Some(self.pattern(k, id, source)?);
            }
            "format" => strings_of(node).format = Some(self.format(id, v)?),
            "minItems" | "maxItems" | "minContains" | "maxContains" => {
                let count = self.count(k, id, v)?;
                let arrays = arrays_of(node);
                match k {
                    "minItems" => arrays.min_items = Some(count),
                    "maxItems" => arrays.max_items = Some(count),
                    "minContains" => arrays.min_contains = Some(count),
                    _ => arrays.max_contains = Some(count),
                }
            }
            "uniqueItems" => {
                let Value::Bool(unique) = v else {
                    return Err(self.invalid(k, id, "must be a boolean"));
                };
                arrays_of(node).unique = *unique;
            }
            "required" => objects_of(node).required = self.names_list(k, id, v)?,
            "minProperties" | "maxProperties" => {
                let count = self.count(k, id, v)?;
                let objects = objects_of(node);
                if k == "minProperties" {
                    objects.min_properties = Some(count);
                } else {
                    objects.max_properties = Some(count);
                }
            }
            "dependentRequired" => {
                let Value::Object(entries) = v else {
                    return Err(self.invalid(k, id, "must be an object of arrays of names"));
                };
                let mut dependent = Vec::with_capacity(entries.len());
                for (name, needs) in entries {
                    dependent.push((name.as_str().into(), self.names_list(k, id, needs)?));
                }
                objects_of(node).dependent_required = dependent;
            }
            "title" | "description" => {
                let Value::String(text) = v else {
                    return Err(self.invalid(k, id, "must be a string"));
                };
                let notes = notes_of(node);
                if k == "title" {
                    notes.title = Some(text.clone());
                } else {
                    notes.description = Some(text.clone());
                }
            }
            "examples" => {
                let Value::Array(examples) = v else {
                    return Err(self.invalid(k, id, "must be an array"));
                };
                for example in examples {
                    self.literal(k, id, example)?;
                }
                notes_of(node).examples = examples.clone();
            }
            "default" => {
                self.literal(k, id, v)?;
                notes_of(node).default = Some(v.clone());
            }
            "deprecated" | "readOnly" | "writeOnly" => {
                let Value::Bool(flag) = v else {
                    return Err(self.invalid(k, id, "must be a boolean"));
                };
                let notes = notes_of(node);
                match k {
                    "deprecated" => notes.deprecated = *flag,
                    "readOnly" => notes.read_only = *flag,
                    _ => notes.write_only = *flag,
                }
            }
            "$schema" | "$comment" => {
                if !v.is_string() {
                    return Err(self.invalid(k, id, "must be a string"));
                }
            }
            "$id" => {
                if !v.is_string() {
                    return Err(self.invalid(k, id, "must be a string"));
                }
                if id != 0 {
                    return Err(self.error(
                        Kind::Unsupported,
                        k,
                        id,
                        "not supported below the root: an embedded schema resource changes what references mean",
                    ));
                }
            }
            _ => {
                let message = UNSUPPORTED.iter().find(|(name, _)| *name == k).map_or(
                    "unknown keyword: the validator would ignore it",
                    |(_, why)| why,
                );
                return Err(self.error(Kind::Unsupported, k, id, message));
            }
        }
        Ok(())
    }

    /// What needs the whole object: `if` with its `then` and `else`, draft 7's `additionalItems`,
    /// the property index.
    fn finish(
        &self,
        node: &mut Node,
        pending: Pending,
        id: NodeId,
        map: &Map<String, Value>,
    ) -> Result<(), SchemaError> {
        if let Some(additional) = pending.additional_items {
            if !pending.legacy_items {
                return Err(self.error(
                    Kind::Unsupported,
                    "additionalItems",
                    id,
                    "means something only next to an array `items` (draft 7); write `prefixItems` and `items`",
                ));
            }
            arrays_of(node).items = Some(additional);
        }
        if pending.legacy_items && map.contains_key("prefixItems") {
            return Err(self.invalid(
                "items",
                id,
                "an array `items` (draft 7) and `prefixItems` (2020-12) cannot be combined",
            ));
        }
        if let Some(test) = pending.test {
            logic_of(node).condition = Some(Condition {
                test,
                then: pending.then,
                otherwise: pending.otherwise,
            });
        }
        if let Some(objects) = node.object.as_mut() {
            index_properties(objects);
        }
        Ok(())
    }

    /// The subschema under the keyword.
    fn child(&mut self, v: &'a Value, at: &At<'_>) -> Result<NodeId, SchemaError> {
        self.subschema(v, at.id, format!("/{}", at.keyword), at.depth)
    }

    /// The subschemas of `allOf`, `anyOf` or `oneOf`.
    fn branches(&mut self, at: &At<'_>, v: &'a Value) -> Result<Vec<NodeId>, SchemaError> {
        let schemas = self.array_of_schemas(at.keyword, at.id, v, true)?;
        self.schemas(at.keyword, at.id, schemas, at.depth)
    }

    fn array_of_schemas(
        &self,
        keyword: &str,
        id: NodeId,
        v: &'a Value,
        non_empty: bool,
    ) -> Result<&'a [Value], SchemaError> {
        match v {
            Value::Array(schemas) if !(non_empty && schemas.is_empty()) => Ok(schemas),
            _ if non_empty => {
                Err(self.invalid(keyword, id, "must be a non-empty array of schemas"))
            }
            _ => Err(self.invalid(keyword, id, "must be an array of schemas")),
        }
    }

    fn format(&self, id: NodeId, v: &Value) -> Result<Format, SchemaError> {
        let Value::String(name) = v else {
            return Err(self.invalid("format", id, "must be a string"));
        };
        Format::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
            self.error(
                Kind::Unsupported,
                "format",
                id,
                format!(
                    "format {} is not one the validator enforces ({})",
                    super::value::shorten(v),
                    known.join(", ")
                ),
            )
        })
    }

    fn pattern_map(
        &mut self,
        keyword: &str,
        id: NodeId,
        v: &'a Value,
        depth: u32,
    ) -> Result<Vec<(Arc<Pattern>, NodeId)>, SchemaError> {
        let Value::Object(entries) = v else {
            return Err(self.invalid(keyword, id, "must be an object of schemas"));
        };
        let mut patterns = Vec::with_capacity(entries.len());
        for (source, schema) in entries {
            let pattern = self.pattern(keyword, id, source)?;
            let tail = format!("/{keyword}/{}", escape(source));
            patterns.push((pattern, self.subschema(schema, id, tail, depth)?));
        }
        Ok(patterns)
    }

    fn types(&self, id: NodeId, v: &Value) -> Result<Types, SchemaError> {
        let one = |name: &Value| -> Result<Types, SchemaError> {
            name.as_str().and_then(Types::from_name).ok_or_else(|| {
                self.invalid(
                    "type",
                    id,
                    format!(
                        "{} is not a type: null, boolean, object, array, number, integer or string",
                        super::value::shorten(name)
                    ),
                )
            })
        };
        match v {
            Value::Array(names) if !names.is_empty() => {
                let mut types = Types(0);
                for name in names {
                    types = types.with(one(name)?);
                }
                Ok(types)
            }
            Value::Array(_) => Err(self.invalid("type", id, "must not be an empty array")),
            name => one(name),
        }
    }

    /// A value in `enum`, `const`, `default` or `examples`: bounded in depth.
    fn literal(&self, keyword: &str, id: NodeId, v: &Value) -> Result<(), SchemaError> {
        if within_depth(v, MAX_VALUE_DEPTH) {
            return Ok(());
        }
        Err(self.error(
            Kind::Limit,
            keyword,
            id,
            format!("a value nests more than {MAX_VALUE_DEPTH} levels deep"),
        ))
    }

    fn count(&self, keyword: &str, id: NodeId, v: &Value) -> Result<u64, SchemaError> {
        let count = match v {
            Value::Number(n) => n.as_u64().or_else(|| {
                // 2020-12 takes `2.0` as the integer 2; past `u64` it saturates (no count reaches it).
                n.as_f64()
                    .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                    .map(|f| f as u64)
            }),
            _ => None,
        };
        count.ok_or_else(|| self.invalid(keyword, id, "must be a non-negative integer"))
    }

    fn pattern(
        &mut self,
        keyword: &str,
        id: NodeId,
        source: &'a str,
    ) -> Result<Arc<Pattern>, SchemaError> {
        if let Some(pattern) = self.patterns.get(source) {
            return Ok(pattern.clone());
        }
        let pattern = Pattern::compile(source.to_owned()).map_err(|why| {
            self.invalid(
                keyword,
                id,
                format!("{}: {why}", super::value::shorten(&Value::from(source))),
            )
        })?;
        self.pattern_bytes += pattern.compiled_size();
        if self.pattern_bytes > MAX_PATTERN_BYTES {
            return Err(self.error(
                Kind::Limit,
                keyword,
                id,
                format!(
                    "the schema's patterns compile to more than {} MiB in all",
                    MAX_PATTERN_BYTES >> 20
                ),
            ));
        }
        let pattern = Arc::new(pattern);
        self.patterns.insert(source, pattern.clone());
        Ok(pattern)
    }

    fn schemas(
        &mut self,
        keyword: &str,
        id: NodeId,
        schemas: &'a [Value],
        depth: u32,
    ) -> Result<Vec<NodeId>, SchemaError> {
        schemas
            .iter()
            .enumerate()
            .map(|(i, schema)| self.subschema(schema, id, format!("/{keyword}/{i}"), depth))
            .collect()
    }

    fn schema_map(
        &mut self,
        keyword: &str,
        id: NodeId,
        v: &'a Value,
        depth: u32,
    ) -> Result<Vec<(Box<str>, NodeId)>, SchemaError> {
        let Value::Object(entries) = v else {
            return Err(self.invalid(keyword, id, "must be an object of schemas"));
        };
        let mut out = Vec::with_capacity(entries.len());
        for (name, schema) in entries {
            let tail = format!("/{keyword}/{}", escape(name));
            out.push((
                name.as_str().into(),
                self.subschema(schema, id, tail, depth)?,
            ));
        }
        Ok(out)
    }

    /// An array of property names (`required`, `dependentRequired`'s values), repeats dropped.
    fn names_list(
        &self,
        keyword: &str,
        id: NodeId,
        v: &Value,
    ) -> Result<Vec<Box<str>>, SchemaError> {
        let Value::Array(names) = v else {
            return Err(self.invalid(keyword, id, "must be an array of strings"));
        };
        let mut out: Vec<Box<str>> = Vec::with_capacity(names.len());
        let mut seen = std::collections::HashSet::with_capacity(names.len());
        for name in names {
            let Value::String(name) = name else {
                return Err(self.invalid(keyword, id, "must be an array of strings"));
            };
            if seen.insert(name.as_str()) {
                out.push(name.as_str().into());
            }
        }
        Ok(out)
    }

    /// The node a `$ref` in node `id` points at, reserving (and queueing) it when first seen.
    fn reference(&mut self, id: NodeId, target: &str) -> Result<NodeId, SchemaError> {
        let reference_error =
            |this: &Self, message: String| this.error(Kind::Reference, "$ref", id, message);
        let shown = super::value::shorten(&Value::from(target));
        let fragment = if let Some(fragment) = target.strip_prefix('#') {
            fragment
        } else if let Some(rest) = self.base.and_then(|base| target.strip_prefix(base)) {
            match rest.strip_prefix('#') {
                Some(fragment) => fragment,
                None if rest.is_empty() => "",
                None => {
                    return Err(reference_error(
                        self,
                        format!("{shown} is not in this document: references are local"),
                    ));
                }
            }
        } else {
            return Err(reference_error(
                self,
                format!(
                    "{shown} is not in this document: references are local (`#`, `#/$defs/...`)"
                ),
            ));
        };
        let Some(pointer) = percent_decode(fragment) else {
            return Err(reference_error(
                self,
                format!("{shown} is not a valid URI fragment"),
            ));
        };
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(reference_error(
                self,
                format!(
                    "{shown} names an anchor; `$anchor` is not supported, refer by JSON Pointer"
                ),
            ));
        }
        let Some(value) = resolve(self.doc, &pointer) else {
            return Err(reference_error(
                self,
                format!("{shown} points at nothing in the document"),
            ));
        };
        let target_id = match self.by_address.get(&address(value)) {
            Some(&found) => found,
            None => {
                let reserved = self.reserve(value, None, pointer.clone());
                self.queue.push((reserved, value));
                reserved
            }
        };
        if !self.targets.iter().any(|(t, _)| *t == target_id) {
            self.targets.push((target_id, pointer));
        }
        Ok(target_id)
    }

    /// Rejects cycles of in-place keywords (which would never end) and chains of them longer than
    /// [`MAX_CHAIN`]. Iterative: the walk's stack is on the heap however long the chains are.
    fn check_chains(&self) -> Result<(), SchemaError> {
        const NEW: u8 = 0;
        const OPEN: u8 = 1;
        const DONE: u8 = 2;
        let n = self.nodes.len();
        let mut state = vec![NEW; n];
        let mut height = vec![0u32; n];
        for start in 0..n as NodeId {
            if state[start as usize] != NEW {
                continue;
            }
            let mut stack: Vec<(NodeId, Vec<NodeId>, usize)> =
                vec![(start, self.nodes[start as usize].in_place(), 0)];
            state[start as usize] = OPEN;
            while let Some((id, edges, next)) = stack.last_mut() {
                let (id, at) = (*id, *next);
                let Some(&child) = edges.get(at) else {
                    let h = edges
                        .iter()
                        .map(|c| height[*c as usize] + 1)
                        .max()
                        .unwrap_or(0);
                    if h > MAX_CHAIN {
                        return Err(self.error(
                            Kind::Limit,
                            edge_keyword(&self.nodes[id as usize], edges[0]),
                            id,
                            format!(
                                "`$ref`s and in-place keywords (`allOf`, `anyOf`, `not`, ...) chain more than {MAX_CHAIN} deep before moving into the value"
                            ),
                        ));
                    }
                    height[id as usize] = h;
                    state[id as usize] = DONE;
                    stack.pop();
                    continue;
                };
                *next += 1;
                match state[child as usize] {
                    NEW => {
                        state[child as usize] = OPEN;
                        stack.push((child, self.nodes[child as usize].in_place(), 0));
                    }
                    OPEN => {
                        let from = stack.iter().position(|(s, _, _)| *s == child).unwrap_or(0);
                        let mut path: Vec<String> = stack[from..]
                            .iter()
                            .map(|(s, _, _)| format!("#{}", self.pointer(*s)))
                            .collect();
                        path.push(format!("#{}", self.pointer(child)));
                        if path.len() > 12 {
                            path.drain(6..path.len() - 5);
                            path.insert(6, "…".into());
                        }
                        return Err(self.error(
                            Kind::Cycle,
                            edge_keyword(&self.nodes[id as usize], child),
                            id,
                            format!(
                                "a cycle that never moves into the value, so validating would never end: {}",
                                path.join(" → ")
                            ),
                        ));
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Names for the `$ref` targets other than the root: a `$defs` (or `definitions`) key as it is,
    /// made an identifier; any other pointer its segments joined (less a leading `$defs`); repeats
    /// numbered.
    fn names(&self, root: NodeId) -> Vec<(NodeId, String)> {
        let mut out: Vec<(NodeId, String)> = Vec::new();
        for (id, pointer) in &self.targets {
            if *id == root {
                continue;
            }
            let segments: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
            let is_defs = |s: &String| s == "$defs" || s == "definitions";
            let base = match segments.as_slice() {
                [.., container, name] if is_defs(container) => identifier(name),
                [container, rest @ ..] if is_defs(container) => identifier(&rest.join("_")),
                all => identifier(&all.join("_")),
            };
            let taken = |name: &str| out.iter().any(|(_, n)| n == name);
            let name = if taken(&base) {
                (2..)
                    .map(|i| format!("{base}_{i}"))
                    .find(|n| !taken(n))
                    .unwrap_or(base)
            } else {
                base
            };
            out.push((*id, name));
        }
        out
    }
}

/// The keyword of `node` that applies `child` in place.
fn edge_keyword(node: &Node, child: NodeId) -> &'static str {
    if let Some(logic) = &node.logic {
        if logic.reference == Some(child) {
            return "$ref";
        }
        for (list, name) in [
            (&logic.all_of, "allOf"),
            (&logic.any_of, "anyOf"),
            (&logic.one_of, "oneOf"),
        ] {
            if list.contains(&child) {
                return name;
            }
        }
        if logic.not == Some(child) {
            return "not";
        }
        if let Some(c) = &logic.condition {
            if c.test == child {
                return "if";
            }
            if c.then == Some(child) {
                return "then";
            }
            if c.otherwise == Some(child) {
                return "else";
            }
        }
    }
    "dependentSchemas"
}

fn address(v: &Value) -> usize {
    v as *const Value as usize
}

fn bound(n: &Number) -> Bound {
    match (n.as_i64(), n.as_u64()) {
        (Some(i), _) => Bound::Int(i128::from(i)),
        (_, Some(u)) => Bound::Int(i128::from(u)),
        _ => Bound::Float(n.as_f64().unwrap_or(0.0)),
    }
}

fn values_of(node: &mut Node) -> &mut Values {
    node.values.get_or_insert_with(Box::default)
}

fn strings_of(node: &mut Node) -> &mut Strings {
    node.string.get_or_insert_with(Box::default)
}

fn arrays_of(node: &mut Node) -> &mut Arrays {
    node.array.get_or_insert_with(Box::default)
}

fn objects_of(node: &mut Node) -> &mut Objects {
    node.object.get_or_insert_with(Box::default)
}

fn logic_of(node: &mut Node) -> &mut Logic {
    node.logic.get_or_insert_with(Box::default)
}

fn notes_of(node: &mut Node) -> &mut Notes {
    node.notes.get_or_insert_with(Box::default)
}

/// Property lookups by hash for objects with many properties; each required name's property.
fn index_properties(objects: &mut Objects) {
    if objects.properties.len() > SCAN_PROPERTIES {
        let index = objects
            .properties
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.clone(), i as u32))
            .collect();
        objects.index = Some(index);
    }
    objects.required_at = objects
        .required
        .iter()
        .map(|name| objects.property(name).map(|i| i as u32))
        .collect();
}

/// A JSON Pointer segment escaped (RFC 6901): `~` as `~0`, `/` as `~1`.
pub(super) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// The value `pointer` (RFC 6901, `""` for the whole document) points at.
fn resolve<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(doc);
    }
    let mut at = doc;
    for segment in pointer.split('/').skip(1) {
        let segment = unescape(segment);
        at = match at {
            Value::Object(map) => map.get(&segment)?,
            Value::Array(items) => {
                // RFC 6901: an index is `0` or digits without a leading zero.
                if segment.len() > 1 && segment.starts_with('0') {
                    return None;
                }
                items.get(segment.parse::<usize>().ok()?)?
            }
            _ => return None,
        };
    }
    Some(at)
}

/// A URI fragment with its `%XX` escapes decoded; `None` when they do not make UTF-8. A `$ref`'s
/// fragment is decoded before it is read as a JSON Pointer (so `%2F` separates segments).
pub fn percent_decode(fragment: &str) -> Option<String> {
    if !fragment.contains('%') {
        return Some(fragment.to_owned());
    }
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_resolve_as_rfc_6901_says() {
        let doc = serde_json::json!({"a/b": {"c~d": [1, 2]}, "": 3});
        assert_eq!(resolve(&doc, "/a~1b/c~0d/1"), Some(&serde_json::json!(2)));
        assert_eq!(resolve(&doc, "/"), Some(&serde_json::json!(3)));
        assert_eq!(resolve(&doc, "/a~1b/c~0d/01"), None);
        assert_eq!(resolve(&doc, "/missing"), None);
        assert_eq!(percent_decode("/a%20b").as_deref(), Some("/a b"));
        assert_eq!(percent_decode("/%zz"), None);
        assert_eq!(escape("a/b~c"), "a~1b~0c");
    }
}
