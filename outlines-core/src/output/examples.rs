//! Whole-value examples of a derived type, put together from its fields' `#[outline(example = …)]`
//! values: what [`Typed::examples`](super::Typed) gives templates for few-shot prompts.
//!
//! The derive takes examples on fields only (literals: strings, numbers, booleans), so an example of
//! the whole value is assembled: the `k`-th example takes each field's `k`-th example (cycling when a
//! field has fewer), nested types are assembled the same way, an optional field without examples is
//! left out, an array or map without one is empty, a unit enum variant stands for itself. A required
//! scalar with no example means there is no whole example: nothing is invented for it.
//!
//! Field examples are not checked against the field's type or rules by the derive, and a type's
//! cross-field check may reject a combination, so every assembled value is validated as `T` and
//! only those that pass are kept: an example a template shows the model is always a valid value.

use std::any::TypeId;

use serde_json::{Map, Value};

use crate::schema::registry::TypeCache;
use crate::schema::{Body, Definition, Enum, Kind, Object, Repr, Schema, Shape, flat_fields};
use crate::structured::Structured;

/// The most whole-value examples assembled for one type.
pub(crate) const MAX_EXAMPLES: usize = 8;

/// The most schema nodes one assembly visits: a type graph where each type holds several of the
/// next would otherwise make the example exponentially large.
const MAX_NODES: usize = 4096;

/// The longest fixed-length array (`[T; N]`) an example fills.
const MAX_FIXED_LEN: usize = 64;

/// The valid whole-value examples of `T`, assembled and validated once per type.
pub(crate) fn of<T: Structured>() -> Vec<Value> {
    static CACHE: TypeCache<Vec<Value>> = TypeCache::new();
    CACHE.get_or_init::<T>(assemble::<T>).clone()
}

fn assemble<T: Structured>() -> Vec<Value> {
    let schema = T::schema();
    let mut out: Vec<Value> = Vec::new();
    let mut k = 0;
    loop {
        let mut builder = Builder::new(k);
        let value = builder.schema(&schema);
        let kept = value.filter(|value| {
            builder.used
                && !builder.exhausted
                && !out.contains(value)
                && T::from_value(value).is_ok()
        });
        out.extend(kept);
        k += 1;
        // Past the longest list of field examples, the combinations repeat.
        if k >= builder.longest.min(MAX_EXAMPLES) {
            break;
        }
    }
    out
}

/// One assembly: the `k`-th example.
struct Builder {
    k: usize,
    /// Named types being assembled (a type met again inside itself is not descended into).
    stack: Vec<TypeId>,
    /// Whether some field example went into the value (an empty shell is no example).
    used: bool,
    /// The longest list of examples met: how many distinct examples there can be.
    longest: usize,
    nodes: usize,
    exhausted: bool,
}

impl Builder {
    fn new(k: usize) -> Self {
        Builder {
            k,
            stack: Vec::new(),
            used: false,
            longest: 1,
            nodes: 0,
            exhausted: false,
        }
    }

    /// The example of a value of `schema`, or `None` when none can be assembled without inventing.
    fn schema(&mut self, schema: &Schema) -> Option<Value> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            self.exhausted = true;
            return None;
        }
        if !schema.examples.is_empty() {
            self.used = true;
            self.longest = self.longest.max(schema.examples.len());
            return Some(schema.examples[self.k % schema.examples.len()].to_json());
        }
        match &schema.kind {
            Kind::Null => Some(Value::Null),
            Kind::Option(inner) => Some(self.schema(inner).unwrap_or(Value::Null)),
            Kind::Array(items, info) => match info.len {
                Some(len) if len > MAX_FIXED_LEN => None,
                Some(len) => {
                    let item = self.schema(items)?;
                    Some(Value::Array(vec![item; len]))
                }
                None => Some(Value::Array(self.schema(items).into_iter().collect())),
            },
            Kind::Tuple(items) => self.all(items),
            Kind::Map(_) => Some(Value::Object(Map::new())),
            Kind::Ref(type_ref) => {
                if self.stack.contains(&type_ref.id()) {
                    return None;
                }
                self.stack.push(type_ref.id());
                let value = self.definition(type_ref.definition());
                self.stack.pop();
                value
            }
            // Scalars and `Any`: only what the user wrote.
            _ => None,
        }
    }

    fn definition(&mut self, definition: &Definition) -> Option<Value> {
        match &definition.body {
            Body::Object(object) => self.object(object).map(Value::Object),
            Body::Tuple(items) => self.all(items),
            Body::Enum(e) => self.enumeration(e),
            Body::Newtype(value) => self.schema(value),
        }
    }

    fn all(&mut self, items: &[Schema]) -> Option<Value> {
        items
            .iter()
            .map(|item| self.schema(item))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array)
    }

    /// The fields with an example; an optional field without one is left out.
    fn object(&mut self, object: &Object) -> Option<Map<String, Value>> {
        let (fields, _) = flat_fields(object);
        let mut out = Map::new();
        for field in fields {
            let value = match &field.schema.kind {
                Kind::Option(inner) if field.schema.examples.is_empty() => self.optional(inner),
                _ => self.schema(&field.schema),
            };
            match value {
                Some(value) => {
                    out.insert(field.name.to_owned(), value);
                }
                None if !field.required => {}
                None if field.schema.is_optional() => {
                    out.insert(field.name.to_owned(), Value::Null);
                }
                None => return None,
            }
        }
        Some(out)
    }

    /// The value of an optional field: only one that holds a field example (an empty list, say,
    /// would be invented).
    fn optional(&mut self, inner: &Schema) -> Option<Value> {
        let used_before = std::mem::replace(&mut self.used, false);
        let value = self.schema(inner).filter(|_| self.used);
        self.used |= used_before;
        value
    }

    /// The first variant that can be assembled, in serde's representation of the enum.
    fn enumeration(&mut self, e: &Enum) -> Option<Value> {
        e.variants.iter().find_map(|variant| {
            let name = Value::from(variant.name);
            let content = match &variant.shape {
                Shape::Unit => None,
                Shape::Newtype(schema) => Some(self.schema(schema)?),
                Shape::Tuple(items) => Some(self.all(items)?),
                Shape::Struct(object) => Some(Value::Object(self.object(object)?)),
            };
            Some(match (e.repr, content) {
                (Repr::External, None) => name,
                (Repr::External, Some(content)) => single(variant.name, content),
                (Repr::Internal { tag }, None) => single(tag, name),
                (Repr::Internal { tag }, Some(Value::Object(fields))) => {
                    // The tag first, as serde writes it.
                    let mut out = Map::new();
                    out.insert(tag.to_owned(), name);
                    out.extend(fields);
                    Value::Object(out)
                }
                // A tuple or a scalar cannot carry an internal tag.
                (Repr::Internal { .. }, Some(_)) => return None,
                (Repr::Adjacent { tag, .. }, None) => single(tag, name),
                (Repr::Adjacent { tag, content: key }, Some(content)) => {
                    let mut out = Map::new();
                    out.insert(tag.to_owned(), name);
                    out.insert(key.to_owned(), content);
                    Value::Object(out)
                }
                (Repr::Untagged, content) => content.unwrap_or(Value::Null),
            })
        })
    }
}

fn single(key: &str, value: Value) -> Value {
    let mut out = Map::new();
    out.insert(key.to_owned(), value);
    Value::Object(out)
}
