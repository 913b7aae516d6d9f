//! The compiled tree rendered back as JSON Schema 2020-12: what a request carries. Rendered from the
//! tree rather than copied from the input, it says exactly what the validator checks: `$ref`s all
//! point into `$defs` (or at `#`), draft 7's `definitions` and array `items` become 2020-12's,
//! `$comment`s and unused definitions are gone.

use serde_json::{Map, Value};

use super::compile::escape;
use super::{Compiled, Node, NodeId, Types};
use crate::schema::json_schema::DIALECT;

pub(super) fn render(c: &Compiled) -> Value {
    let mut r = Renderer {
        c,
        used: vec![false; c.defs.len()],
        queue: Vec::new(),
    };
    let mut out = Map::new();
    out.insert("$schema".into(), DIALECT.into());
    match r.body(c.root) {
        Value::Object(mut body) => out.append(&mut body),
        // `true` and `false` at the root: `{}` and `{"not": {}}` with the dialect.
        Value::Bool(false) => {
            out.insert("not".into(), Value::Object(Map::new()));
        }
        _ => {}
    }
    // Definitions are rendered as they are first referred to; rendering one may refer to more.
    let mut defs = Map::new();
    let mut next = 0;
    while next < r.queue.len() {
        let index = r.queue[next];
        let (id, name) = &c.defs[index];
        let body = r.body(*id);
        defs.insert(name.clone(), body);
        next += 1;
    }
    if !defs.is_empty() {
        out.insert("$defs".into(), Value::Object(defs));
    }
    Value::Object(out)
}

struct Renderer<'c> {
    c: &'c Compiled,
    used: Vec<bool>,
    queue: Vec<usize>,
}

impl Renderer<'_> {
    /// A subschema where it is used: a reference when it is shared, else its body.
    fn child(&mut self, id: NodeId) -> Value {
        if id == self.c.root {
            return reference("#".into());
        }
        match self.def(id) {
            Some(target) => reference(target),
            None => self.body(id),
        }
    }

    /// `#/$defs/Name` for a shared subschema, queueing it the first time.
    fn def(&mut self, id: NodeId) -> Option<String> {
        let name = self.c.def_name(id)?;
        let index = *self.c.def_index.get(&id)?;
        if !self.used[index] {
            self.used[index] = true;
            self.queue.push(index);
        }
        Some(format!("#/$defs/{}", escape(name)))
    }

    fn children(&mut self, ids: &[NodeId]) -> Value {
        Value::Array(ids.iter().map(|id| self.child(*id)).collect())
    }

    fn body(&mut self, id: NodeId) -> Value {
        let c = self.c;
        let node: &Node = c.node(id);
        if node.never {
            return Value::Bool(false);
        }
        let mut out = Map::new();
        if let Some(notes) = &node.notes {
            put(&mut out, "title", notes.title.clone().map(Value::from));
            put(
                &mut out,
                "description",
                notes.description.clone().map(Value::from),
            );
        }
        if let Some(target) = node.logic.as_ref().and_then(|l| l.reference) {
            let target = if target == c.root {
                Some("#".to_owned())
            } else {
                self.def(target)
            };
            put(&mut out, "$ref", target.map(Value::from));
        }
        if let Some(types) = node.types {
            let names: Vec<&str> = Types::NAMES
                .iter()
                .filter(|(t, _)| types.has(*t))
                .map(|(_, n)| *n)
                .collect();
            let value = match names.as_slice() {
                [one] => Value::from(*one),
                many => many.iter().map(|n| Value::from(*n)).collect(),
            };
            out.insert("type".into(), value);
        }
        if let Some(values) = &node.values {
            put(
                &mut out,
                "enum",
                values
                    .allowed
                    .as_ref()
                    .map(|set| Value::Array(set.values().to_vec())),
            );
            put(&mut out, "const", values.constant.clone());
        }
        if let Some(n) = &node.number {
            put(&mut out, "minimum", n.minimum.map(|b| b.to_json()));
            put(&mut out, "maximum", n.maximum.map(|b| b.to_json()));
            put(
                &mut out,
                "exclusiveMinimum",
                n.exclusive_minimum.map(|b| b.to_json()),
            );
            put(
                &mut out,
                "exclusiveMaximum",
                n.exclusive_maximum.map(|b| b.to_json()),
            );
            put(&mut out, "multipleOf", n.multiple_of.map(|b| b.to_json()));
        }
        if let Some(s) = &node.string {
            put(&mut out, "minLength", s.min_length.map(Value::from));
            put(&mut out, "maxLength", s.max_length.map(Value::from));
            put(
                &mut out,
                "pattern",
                s.pattern.as_ref().map(|p| p.as_str().into()),
            );
            put(&mut out, "format", s.format.map(|f| f.name().into()));
        }
        if let Some(a) = &node.array {
            if !a.prefix.is_empty() {
                let prefix = self.children(&a.prefix);
                out.insert("prefixItems".into(), prefix);
            }
            if let Some(items) = a.items {
                let items = self.child(items);
                out.insert("items".into(), items);
            }
            put(&mut out, "minItems", a.min_items.map(Value::from));
            put(&mut out, "maxItems", a.max_items.map(Value::from));
            if a.unique {
                out.insert("uniqueItems".into(), true.into());
            }
            if let Some(contains) = a.contains {
                let contains = self.child(contains);
                out.insert("contains".into(), contains);
            }
            put(&mut out, "minContains", a.min_contains.map(Value::from));
            put(&mut out, "maxContains", a.max_contains.map(Value::from));
        }
        if let Some(o) = &node.object {
            if !o.properties.is_empty() {
                let mut properties = Map::new();
                for (name, id) in &o.properties {
                    properties.insert(name.to_string(), self.child(*id));
                }
                out.insert("properties".into(), Value::Object(properties));
            }
            if !o.patterns.is_empty() {
                let mut patterns = Map::new();
                for (pattern, id) in &o.patterns {
                    patterns.insert(pattern.as_str().to_owned(), self.child(*id));
                }
                out.insert("patternProperties".into(), Value::Object(patterns));
            }
            if let Some(additional) = o.additional {
                let additional = self.child(additional);
                out.insert("additionalProperties".into(), additional);
            }
            if let Some(names) = o.names {
                let names = self.child(names);
                out.insert("propertyNames".into(), names);
            }
            if !o.required.is_empty() {
                let required = o.required.iter().map(|n| Value::from(&**n)).collect();
                out.insert("required".into(), Value::Array(required));
            }
            put(&mut out, "minProperties", o.min_properties.map(Value::from));
            put(&mut out, "maxProperties", o.max_properties.map(Value::from));
            if !o.dependent_required.is_empty() {
                let mut dependent = Map::new();
                for (name, needs) in &o.dependent_required {
                    let needs = needs.iter().map(|n| Value::from(&**n)).collect();
                    dependent.insert(name.to_string(), Value::Array(needs));
                }
                out.insert("dependentRequired".into(), Value::Object(dependent));
            }
            if !o.dependent_schemas.is_empty() {
                let mut dependent = Map::new();
                for (name, id) in &o.dependent_schemas {
                    dependent.insert(name.to_string(), self.child(*id));
                }
                out.insert("dependentSchemas".into(), Value::Object(dependent));
            }
        }
        if let Some(logic) = &node.logic {
            for (ids, keyword) in [
                (&logic.all_of, "allOf"),
                (&logic.any_of, "anyOf"),
                (&logic.one_of, "oneOf"),
            ] {
                if !ids.is_empty() {
                    let rendered = self.children(ids);
                    out.insert(keyword.into(), rendered);
                }
            }
            if let Some(not) = logic.not {
                let not = self.child(not);
                out.insert("not".into(), not);
            }
            if let Some(condition) = &logic.condition {
                let test = self.child(condition.test);
                out.insert("if".into(), test);
                if let Some(then) = condition.then {
                    let then = self.child(then);
                    out.insert("then".into(), then);
                }
                if let Some(otherwise) = condition.otherwise {
                    let otherwise = self.child(otherwise);
                    out.insert("else".into(), otherwise);
                }
            }
        }
        if let Some(notes) = &node.notes {
            put(&mut out, "default", notes.default.clone());
            if !notes.examples.is_empty() {
                out.insert("examples".into(), Value::Array(notes.examples.clone()));
            }
            for (flag, keyword) in [
                (notes.deprecated, "deprecated"),
                (notes.read_only, "readOnly"),
                (notes.write_only, "writeOnly"),
            ] {
                if flag {
                    out.insert(keyword.into(), true.into());
                }
            }
        }
        Value::Object(out)
    }
}

fn reference(target: String) -> Value {
    let mut out = Map::new();
    out.insert("$ref".into(), target.into());
    Value::Object(out)
}

fn put(out: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        out.insert(key.into(), value);
    }
}
