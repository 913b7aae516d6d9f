//! Renders the IR as JSON Schema 2020-12: the root type inline, every other named type under `$defs`.

use std::any::TypeId;
use std::cmp::Ordering;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::names::Names;
use super::registry::TypeCache;
use super::{
    ArrayInfo, Body, Bound, Definition, Enum, Field, IntRange, Kind, Merged, Object, Repr, Schema,
    Shape, Text, TypeRef, flat_fields,
};

/// The dialect URI written as `$schema`.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The instance types a JSON Schema 2020-12 keyword constrains (a value of any other type passes
/// it), or `None` for a keyword that applies to every value (`enum`, `anyOf`, `$ref`, …). A transform
/// that splits a type list into branches gives each branch only its own keywords, so a nested
/// schema is not copied into branches that ignore it.
pub fn keyword_types(keyword: &str) -> Option<&'static [&'static str]> {
    Some(match keyword {
        "minLength" | "maxLength" | "pattern" | "format" | "contentEncoding"
        | "contentMediaType" | "contentSchema" => &["string"],
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => {
            &["number", "integer"]
        }
        "items" | "prefixItems" | "additionalItems" | "unevaluatedItems" | "minItems"
        | "maxItems" | "uniqueItems" | "contains" | "minContains" | "maxContains" => &["array"],
        "properties"
        | "patternProperties"
        | "additionalProperties"
        | "unevaluatedProperties"
        | "required"
        | "minProperties"
        | "maxProperties"
        | "propertyNames"
        | "dependentRequired"
        | "dependentSchemas"
        | "dependencies" => &["object"],
        _ => return None,
    })
}

/// The JSON Schema of the type `T` whose IR `schema` builds, rendered once per type and shared: what
/// every request for a `T` carries. Call it as `shared::<T>(T::schema)`.
pub fn shared<T: 'static>(schema: impl FnOnce() -> Schema) -> Arc<Value> {
    static CACHE: TypeCache<Arc<Value>> = TypeCache::new();
    CACHE
        .get_or_init::<T>(|| Arc::new(render(&schema())))
        .clone()
}

/// Renders `root` as a self-contained JSON Schema document.
pub fn render(root: &Schema) -> Value {
    let mut r = Renderer::default();
    let mut doc = match &root.kind {
        Kind::Ref(type_ref) if root.constraints.is_empty() => {
            r.root = Some(type_ref.id());
            let mut doc = r.definition(type_ref.definition());
            annotate(&mut doc, root.description.as_ref(), &root.examples);
            doc
        }
        _ => r.schema(root),
    };
    let mut out = Map::new();
    out.insert("$schema".into(), DIALECT.into());
    out.append(&mut doc);
    if !r.defs.is_empty() {
        out.insert("$defs".into(), Value::Object(r.take_defs()));
    }
    Value::Object(out)
}

#[derive(Default)]
struct Renderer {
    root: Option<TypeId>,
    /// Type → `$defs` key, assigned on first reference.
    names: Names,
    /// Rendered definitions in the order they were first referenced.
    defs: Vec<(String, Value)>,
}

impl Renderer {
    fn take_defs(&mut self) -> Map<String, Value> {
        std::mem::take(&mut self.defs).into_iter().collect()
    }

    /// `{"$ref": ...}` for a named type, rendering its definition the first time it is seen.
    fn reference(&mut self, type_ref: &TypeRef) -> Map<String, Value> {
        let mut out = Map::new();
        if Some(type_ref.id()) == self.root {
            out.insert("$ref".into(), "#".into());
            return out;
        }
        let (key, first) = self.names.of(type_ref);
        if first {
            // Reserve the slot before rendering so recursive references see the key.
            let slot = self.defs.len();
            self.defs.push((key.clone(), Value::Null));
            let body = self.definition(type_ref.definition());
            self.defs[slot].1 = Value::Object(body);
        }
        out.insert("$ref".into(), format!("#/$defs/{key}").into());
        out
    }

    fn definition(&mut self, def: &Definition) -> Map<String, Value> {
        let mut out = match &def.body {
            Body::Object(object) => self.object(object, None),
            Body::Tuple(items) => self.tuple(items),
            Body::Enum(e) => self.enumeration(e),
            Body::Newtype(value) => self.schema(value),
        };
        if let Some(d) = &def.description {
            out.insert("description".into(), d.as_ref().into());
        }
        out
    }

    fn schema(&mut self, schema: &Schema) -> Map<String, Value> {
        let merged = Merged::of(&schema.constraints);
        let mut out = match &schema.kind {
            Kind::Any => Map::new(),
            Kind::Null => type_only("null"),
            Kind::Bool => type_only("boolean"),
            Kind::Integer(range) => integer(*range, &merged),
            Kind::Number { single } => number(*single, &merged),
            Kind::String { char } => string(*char, &merged),
            Kind::Array(items, info) => self.array(items, *info, &merged),
            Kind::Tuple(items) => self.tuple(items),
            Kind::Map(values) => {
                let mut out = type_only("object");
                out.insert(
                    "additionalProperties".into(),
                    Value::Object(self.schema(values)),
                );
                put_bound(&mut out, "minProperties", merged.min);
                put_bound(&mut out, "maxProperties", merged.max);
                out
            }
            Kind::Option(inner) => self.nullable(inner),
            Kind::Ref(type_ref) => self.reference(type_ref),
        };
        annotate(&mut out, schema.description.as_ref(), &schema.examples);
        out
    }

    fn nullable(&mut self, inner: &Schema) -> Map<String, Value> {
        let mut rendered = self.schema(inner);
        if rendered.get("type") == Some(&Value::from("null")) {
            return rendered; // `Option<()>`: null already
        }
        let simple = matches!(rendered.get("type"), Some(Value::String(_)))
            && !["enum", "const", "$ref", "anyOf"]
                .iter()
                .any(|k| rendered.contains_key(*k));
        if simple {
            if let Some(Value::String(t)) = rendered.remove("type") {
                rendered.insert("type".into(), json!([t, "null"]));
            }
            // Keep `type` first for readability.
            let mut out = Map::new();
            if let Some(t) = rendered.remove("type") {
                out.insert("type".into(), t);
            }
            out.append(&mut rendered);
            return out;
        }
        if rendered.is_empty() {
            return rendered; // `Option<Value>`: anything, null included
        }
        let mut out = Map::new();
        out.insert("anyOf".into(), json!([rendered, {"type": "null"}]));
        out
    }

    fn array(&mut self, items: &Schema, info: ArrayInfo, merged: &Merged) -> Map<String, Value> {
        let mut out = type_only("array");
        out.insert("items".into(), Value::Object(self.schema(items)));
        if let Some(n) = info.len {
            out.insert("minItems".into(), n.into());
            out.insert("maxItems".into(), n.into());
        } else {
            put_bound(&mut out, "minItems", merged.min);
            put_bound(&mut out, "maxItems", merged.max);
        }
        if info.set || merged.unique {
            out.insert("uniqueItems".into(), true.into());
        }
        out
    }

    fn tuple(&mut self, items: &[Schema]) -> Map<String, Value> {
        let mut out = type_only("array");
        let prefix: Vec<Value> = items
            .iter()
            .map(|s| Value::Object(self.schema(s)))
            .collect();
        out.insert("prefixItems".into(), Value::Array(prefix));
        out.insert("items".into(), false.into());
        out.insert("minItems".into(), items.len().into());
        out.insert("maxItems".into(), items.len().into());
        out
    }

    fn object(&mut self, object: &Object, tag: Option<(&str, &str)>) -> Map<String, Value> {
        let (fields, rest) = flat_fields(object);
        let mut properties = Map::new();
        let mut required = Vec::new();
        if let Some((key, name)) = tag {
            properties.insert(key.into(), json!({"type": "string", "const": name}));
            required.push(Value::from(key));
        }
        for field in fields {
            properties.insert(field.name.into(), Value::Object(self.field(field)));
            if field.required {
                required.push(field.name.into());
            }
        }
        let mut out = type_only("object");
        out.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            out.insert("required".into(), Value::Array(required));
        }
        if let Some(values) = rest {
            out.insert(
                "additionalProperties".into(),
                Value::Object(self.schema(values)),
            );
        } else if object.deny_unknown_fields {
            out.insert("additionalProperties".into(), false.into());
        }
        out
    }

    fn field(&mut self, field: &Field) -> Map<String, Value> {
        self.schema(&field.schema)
    }

    fn enumeration(&mut self, e: &Enum) -> Map<String, Value> {
        let documented = e.variants.iter().any(|v| v.description.is_some());
        if e.is_unit_only() && e.repr == Repr::External && !documented {
            let mut out = type_only("string");
            let names: Vec<Value> = e.variants.iter().map(|v| v.name.into()).collect();
            out.insert("enum".into(), Value::Array(names));
            return out;
        }
        let branches: Vec<Value> = e
            .variants
            .iter()
            .map(|v| {
                let mut branch = self.variant(e, v.name, &v.shape);
                if let Some(d) = &v.description {
                    branch.insert("description".into(), d.as_ref().into());
                }
                Value::Object(branch)
            })
            .collect();
        let mut out = Map::new();
        out.insert("anyOf".into(), Value::Array(branches));
        out
    }

    fn variant(&mut self, e: &Enum, name: &str, shape: &Shape) -> Map<String, Value> {
        let closed = Object {
            fields: Vec::new(),
            deny_unknown_fields: e.deny_unknown_fields,
        };
        match e.repr {
            Repr::External => match shape {
                Shape::Unit => json_map(json!({"type": "string", "const": name})),
                _ => {
                    let content = self.content(shape);
                    let mut props = Map::new();
                    props.insert(name.into(), Value::Object(content));
                    json_map(json!({
                        "type": "object",
                        "properties": props,
                        "required": [name],
                        "additionalProperties": false
                    }))
                }
            },
            Repr::Internal { tag } => match shape {
                Shape::Struct(object) => self.object(object, Some((tag, name))),
                Shape::Newtype(inner) => self.tagged_newtype(tag, name, inner),
                _ => self.object(&closed, Some((tag, name))),
            },
            Repr::Adjacent { tag, content } => {
                let mut props = Map::new();
                props.insert(tag.into(), json!({"type": "string", "const": name}));
                let mut required = vec![Value::from(tag)];
                if matches!(shape, Shape::Unit) {
                    // A unit variant's content may be absent or null.
                    props.insert(content.into(), json!({"type": "null"}));
                } else {
                    props.insert(content.into(), Value::Object(self.content(shape)));
                    required.push(content.into());
                }
                let mut out =
                    json_map(json!({"type": "object", "properties": props, "required": required}));
                if e.deny_unknown_fields {
                    out.insert("additionalProperties".into(), false.into());
                }
                out
            }
            Repr::Untagged => match shape {
                Shape::Unit => type_only("null"),
                _ => self.content(shape),
            },
        }
    }

    /// An internally tagged newtype variant: the tag merged into the content's own object.
    fn tagged_newtype(&mut self, tag: &str, name: &str, inner: &Schema) -> Map<String, Value> {
        match &inner.kind {
            Kind::Ref(r) => match &r.definition().body {
                Body::Object(object) => self.object(object, Some((tag, name))),
                _ => self.object(&Object::default(), Some((tag, name))),
            },
            Kind::Map(values) => {
                let mut out = self.object(&Object::default(), Some((tag, name)));
                out.insert(
                    "additionalProperties".into(),
                    Value::Object(self.schema(values)),
                );
                out
            }
            _ => self.object(&Object::default(), Some((tag, name))),
        }
    }

    fn content(&mut self, shape: &Shape) -> Map<String, Value> {
        match shape {
            Shape::Unit => type_only("null"),
            Shape::Newtype(inner) => self.schema(inner),
            Shape::Tuple(items) => self.tuple(items),
            Shape::Struct(object) => self.object(object, None),
        }
    }
}

fn json_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn type_only(t: &str) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("type".into(), t.into());
    out
}

fn annotate(out: &mut Map<String, Value>, description: Option<&Text>, examples: &[super::Literal]) {
    if let Some(d) = description {
        out.insert("description".into(), d.as_ref().into());
    }
    if !examples.is_empty() {
        out.insert(
            "examples".into(),
            examples.iter().map(|e| e.to_json()).collect(),
        );
    }
}

fn put_bound(out: &mut Map<String, Value>, key: &str, bound: Option<Bound>) {
    if let Some(b) = bound {
        out.insert(key.into(), b.to_json());
    }
}

/// Numeric keywords shared by integers and numbers.
fn numeric(out: &mut Map<String, Value>, merged: &Merged) {
    put_bound(out, "exclusiveMinimum", merged.exclusive_min);
    put_bound(out, "exclusiveMaximum", merged.exclusive_max);
    let mut multiples = merged.multiple_of.iter();
    if let Some(first) = multiples.next() {
        out.insert("multipleOf".into(), first.to_json());
    }
    let rest: Vec<Value> = multiples
        .map(|m| json!({"multipleOf": m.to_json()}))
        .collect();
    if !rest.is_empty() {
        out.insert("allOf".into(), Value::Array(rest));
    }
    if let Some(one_of) = &merged.one_of {
        out.insert("enum".into(), one_of.iter().map(|l| l.to_json()).collect());
    }
}

fn integer(range: IntRange, merged: &Merged) -> Map<String, Value> {
    let mut out = type_only("integer");
    let (min, max) = range.narrowed(merged);
    out.insert("minimum".into(), min.to_json());
    out.insert("maximum".into(), max.to_json());
    numeric(&mut out, merged);
    out
}

fn number(single: bool, merged: &Merged) -> Map<String, Value> {
    let mut out = type_only("number");
    let limit = if single {
        Some(f64::from(f32::MAX))
    } else {
        None
    };
    let min = super::tighter(
        merged.min,
        limit.map(|l| Bound::Float(-l)),
        Ordering::Greater,
    );
    let max = super::tighter(merged.max, limit.map(Bound::Float), Ordering::Less);
    put_bound(&mut out, "minimum", min);
    put_bound(&mut out, "maximum", max);
    numeric(&mut out, merged);
    out
}

fn string(char: bool, merged: &Merged) -> Map<String, Value> {
    let mut out = type_only("string");
    if char {
        out.insert("minLength".into(), 1.into());
        out.insert("maxLength".into(), 1.into());
    } else {
        put_bound(&mut out, "minLength", merged.min);
        put_bound(&mut out, "maxLength", merged.max);
    }
    let mut patterns = merged.patterns.iter();
    if let Some(p) = patterns.next() {
        out.insert("pattern".into(), p.as_str().into());
    }
    let mut formats = merged.formats.iter();
    if let Some(f) = formats.next() {
        out.insert("format".into(), f.name().into());
    }
    let mut all_of: Vec<Value> = patterns.map(|p| json!({"pattern": p.as_str()})).collect();
    all_of.extend(formats.map(|f| json!({"format": f.name()})));
    if !all_of.is_empty() {
        out.insert("allOf".into(), Value::Array(all_of));
    }
    if let Some(one_of) = &merged.one_of {
        out.insert("enum".into(), one_of.iter().map(|l| l.to_json()).collect());
    }
    out
}
