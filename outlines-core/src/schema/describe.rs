//! Renders the IR as a compact, TypeScript-like description for prompts.
//!
//! ```text
//! // A person mentioned in the text.
//! type Person = {
//!   name: string; // 1-80 chars
//!   age: int; // 0-120
//!   email?: string | null; // pattern /^[^@\s]+@[^@\s]+\.[a-z]+$/
//!   role: Role;
//! };
//!
//! type Role = "user" | "admin";
//! ```
//!
//! Constraints and descriptions become comments; string and number `one_of` become literal unions;
//! every named type is written once and referred to by name.

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt::Write;

use super::{
    Body, Bound, Definition, Enum, IntRange, Kind, Literal, Merged, Object, Repr, Schema, Shape,
    TypeRef, flat_fields,
};

/// Renders `root` and every named type it reaches.
pub fn render(root: &Schema) -> String {
    let mut r = Describer::default();
    let mut out = String::new();
    match &root.kind {
        Kind::Ref(type_ref) if root.constraints.is_empty() => {
            r.name_of(type_ref);
        }
        _ => {
            let (ty, note) = r.expr(root, 0);
            comment_lines(&mut out, root.description.as_deref(), "");
            out.push_str(&ty);
            push_note(&mut out, &note);
            out.push('\n');
        }
    }
    // Definitions are queued as they are first referenced; rendering one may queue more.
    let mut next = 0;
    while next < r.queue.len() {
        let (name, type_ref) = r.queue[next].clone();
        if !out.is_empty() {
            out.push('\n');
        }
        r.definition(&mut out, &name, type_ref.definition());
        next += 1;
    }
    out
}

#[derive(Default)]
struct Describer {
    names: HashMap<TypeId, String>,
    queue: Vec<(String, TypeRef)>,
}

impl Describer {
    fn name_of(&mut self, type_ref: &TypeRef) -> String {
        if let Some(name) = self.names.get(&type_ref.id()) {
            return name.clone();
        }
        let base = type_ref.definition().name.to_string();
        let taken = |n: &str| self.names.values().any(|v| v == n);
        let name = if taken(&base) {
            (2..)
                .map(|i| format!("{base}{i}"))
                .find(|n| !taken(n))
                .unwrap_or(base)
        } else {
            base
        };
        self.names.insert(type_ref.id(), name.clone());
        self.queue.push((name.clone(), *type_ref));
        name
    }

    fn definition(&mut self, out: &mut String, name: &str, def: &Definition) {
        comment_lines(out, def.description.as_deref(), "");
        let _ = write!(out, "type {name} = ");
        match &def.body {
            Body::Object(object) => {
                out.push_str(&self.object(object, None, 0));
                out.push_str(";\n");
            }
            Body::Tuple(items) => {
                let (ty, note) = self.tuple(items, 0);
                out.push_str(&ty);
                out.push(';');
                push_note(out, &note);
                out.push('\n');
            }
            Body::Enum(e) => self.enumeration(out, e),
        }
    }

    fn enumeration(&mut self, out: &mut String, e: &Enum) {
        let documented = e.variants.iter().any(|v| v.description.is_some());
        let branches: Vec<(String, Option<&str>)> = e
            .variants
            .iter()
            .map(|v| {
                (
                    self.variant(e.repr, v.name, &v.shape),
                    v.description.as_deref(),
                )
            })
            .collect();
        let one_line = !documented && branches.iter().all(|(b, _)| !b.contains('\n'));
        if one_line && branches.iter().map(|(b, _)| b.len() + 3).sum::<usize>() <= 100 {
            let joined: Vec<&str> = branches.iter().map(|(b, _)| b.as_str()).collect();
            let _ = writeln!(out, "{};", joined.join(" | "));
            return;
        }
        out.push('\n');
        let last = branches.len().saturating_sub(1);
        for (i, (branch, description)) in branches.iter().enumerate() {
            let _ = write!(out, "  | {branch}");
            if i == last {
                out.push(';');
            }
            if let Some(d) = description {
                push_note(out, &flatten_text(d));
            }
            out.push('\n');
        }
    }

    fn variant(&mut self, repr: Repr, name: &str, shape: &Shape) -> String {
        let quoted = quote(name);
        match (repr, shape) {
            (Repr::Untagged, Shape::Unit) => "null".into(),
            (Repr::Untagged, _) => self.content(shape),
            (Repr::External, Shape::Unit) => quoted,
            (Repr::External, _) => {
                format!("{{ {}: {} }}", key(name), self.content(shape))
            }
            (Repr::Internal { tag }, Shape::Struct(object)) => {
                self.object(object, Some((tag, name)), 1)
            }
            (Repr::Internal { tag }, Shape::Newtype(inner)) => match &inner.kind {
                Kind::Ref(r) => match &r.definition().body {
                    Body::Object(object) => self.object(object, Some((tag, name)), 1),
                    _ => format!("{{ {}: {quoted} }}", key(tag)),
                },
                Kind::Map(values) => {
                    let (v, _) = self.expr(values, 1);
                    format!("{{ {}: {quoted}; [key: string]: {v} }}", key(tag))
                }
                _ => format!("{{ {}: {quoted} }}", key(tag)),
            },
            (Repr::Internal { tag }, _) => format!("{{ {}: {quoted} }}", key(tag)),
            (Repr::Adjacent { tag, .. }, Shape::Unit) => format!("{{ {}: {quoted} }}", key(tag)),
            (Repr::Adjacent { tag, content }, _) => {
                format!(
                    "{{ {}: {quoted}; {}: {} }}",
                    key(tag),
                    key(content),
                    self.content(shape)
                )
            }
        }
    }

    fn content(&mut self, shape: &Shape) -> String {
        match shape {
            Shape::Unit => "null".into(),
            Shape::Newtype(inner) => self.expr(inner, 1).0,
            Shape::Tuple(items) => self.tuple(items, 1).0,
            Shape::Struct(object) => self.object(object, None, 1),
        }
    }

    /// A multi-line object literal type at `indent` levels.
    fn object(&mut self, object: &Object, tag: Option<(&str, &str)>, indent: usize) -> String {
        let pad = "  ".repeat(indent + 1);
        let mut out = String::from("{\n");
        if let Some((tag, name)) = tag {
            let _ = writeln!(out, "{pad}{}: {};", key(tag), quote(name));
        }
        let (fields, rest) = flat_fields(object);
        for field in fields {
            let (ty, note) = self.expr(&field.schema, indent + 1);
            let description = field
                .schema
                .description
                .as_deref()
                .or(match &field.schema.kind {
                    Kind::Option(inner) => inner.description.as_deref(),
                    _ => None,
                });
            let mut note_text = String::new();
            if let Some(d) = description {
                if d.contains('\n') {
                    comment_lines(&mut out, Some(d), &pad);
                } else {
                    note_text.push_str(d);
                }
            }
            join_note(&mut note_text, &note);
            let optional = if field.required { "" } else { "?" };
            let _ = write!(out, "{pad}{}{optional}: {ty};", key(field.name));
            push_note(&mut out, &note_text);
            out.push('\n');
        }
        if let Some(values) = rest {
            let (ty, note) = self.expr(values, indent + 1);
            let _ = write!(out, "{pad}[key: string]: {ty};");
            push_note(&mut out, &note);
            out.push('\n');
        }
        out.push_str(&"  ".repeat(indent));
        out.push('}');
        out
    }

    fn tuple(&mut self, items: &[Schema], indent: usize) -> (String, String) {
        let mut notes = Vec::new();
        let parts: Vec<String> = items
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (ty, note) = self.expr(s, indent);
                if !note.is_empty() {
                    notes.push(format!("[{i}]: {note}"));
                }
                ty
            })
            .collect();
        (format!("[{}]", parts.join(", ")), notes.join("; "))
    }

    /// An inline type expression and the constraint note that goes in its comment.
    fn expr(&mut self, schema: &Schema, indent: usize) -> (String, String) {
        let merged = Merged::of(&schema.constraints);
        let mut notes = Vec::new();
        let ty = match &schema.kind {
            Kind::Any => "any".into(),
            Kind::Null => "null".into(),
            Kind::Bool => "boolean".into(),
            Kind::Integer(range) => {
                integer_notes(*range, &merged, &mut notes);
                literal_union(&merged).unwrap_or_else(|| "int".into())
            }
            Kind::Number { .. } => {
                number_notes(&merged, &mut notes);
                literal_union(&merged).unwrap_or_else(|| "number".into())
            }
            Kind::String { char } => {
                if *char {
                    notes.push("1 character".into());
                }
                string_notes(&merged, &mut notes);
                literal_union(&merged).unwrap_or_else(|| "string".into())
            }
            Kind::Array(items, info) => {
                let (item, item_note) = self.expr(items, indent);
                let count = match info.len {
                    Some(n) => Some(format!("exactly {n} items")),
                    None => range_note(merged.min, merged.max, "items"),
                };
                notes.extend(count);
                if info.set || merged.unique {
                    notes.push("unique items".into());
                }
                if !item_note.is_empty() {
                    notes.push(format!("each: {item_note}"));
                }
                if item.contains(' ') && !item.starts_with('{') {
                    format!("({item})[]")
                } else {
                    format!("{item}[]")
                }
            }
            Kind::Tuple(items) => {
                let (ty, note) = self.tuple(items, indent);
                if !note.is_empty() {
                    notes.push(note);
                }
                ty
            }
            Kind::Map(values) => {
                let (v, value_note) = self.expr(values, indent);
                notes.extend(range_note(merged.min, merged.max, "keys"));
                if !value_note.is_empty() {
                    notes.push(format!("each value: {value_note}"));
                }
                format!("Record<string, {v}>")
            }
            Kind::Option(inner) => {
                let (ty, note) = self.expr(inner, indent);
                if !note.is_empty() {
                    notes.push(note);
                }
                format!("{ty} | null")
            }
            Kind::Ref(type_ref) => self.name_of(type_ref),
        };
        if !schema.examples.is_empty() {
            let examples: Vec<String> = schema.examples.iter().map(Literal::to_string).collect();
            notes.push(format!("e.g. {}", examples.join(", ")));
        }
        (ty, notes.join(", "))
    }
}

fn integer_notes(range: IntRange, merged: &Merged, notes: &mut Vec<String>) {
    // The natural range is worth stating only when it is small enough to matter to a model.
    let show_min = merged.min.is_some() || range.bits <= 16 || range.min == 0;
    let show_max = merged.max.is_some() || range.bits <= 16;
    let (min, max) = super::json_schema::effective_int_range(range, merged);
    if merged.one_of.is_none() {
        notes.extend(range_note(
            show_min.then_some(min),
            show_max.then_some(max),
            "",
        ));
    }
    exclusive_notes(merged, notes);
}

fn number_notes(merged: &Merged, notes: &mut Vec<String>) {
    if merged.one_of.is_none() {
        notes.extend(range_note(merged.min, merged.max, ""));
    }
    exclusive_notes(merged, notes);
}

fn exclusive_notes(merged: &Merged, notes: &mut Vec<String>) {
    if let Some(b) = merged.exclusive_min {
        notes.push(format!("> {b}"));
    }
    if let Some(b) = merged.exclusive_max {
        notes.push(format!("< {b}"));
    }
    for m in &merged.multiple_of {
        notes.push(format!("multiple of {m}"));
    }
}

fn string_notes(merged: &Merged, notes: &mut Vec<String>) {
    if merged.one_of.is_none() {
        notes.extend(range_note(merged.min, merged.max, "chars"));
    }
    for p in &merged.patterns {
        notes.push(format!("pattern /{}/", p.as_str()));
    }
    for f in &merged.formats {
        notes.push(f.describe().to_string());
    }
}

/// `"1-80 chars"`, `"at least 1 item"`, `"0-120"`, `">= 0"`.
fn range_note(min: Option<Bound>, max: Option<Bound>, unit: &str) -> Option<String> {
    let unit_sfx = |n: Bound| -> String {
        if unit.is_empty() {
            String::new()
        } else if n == Bound::Int(1) {
            format!(" {}", unit.trim_end_matches('s'))
        } else {
            format!(" {unit}")
        }
    };
    match (min, max) {
        (Some(a), Some(b)) if a == b => Some(format!("exactly {a}{}", unit_sfx(a))),
        (Some(a), Some(b)) => Some(format!("{a}-{b}{}", unit_sfx(b))),
        (Some(a), None) if unit.is_empty() => Some(format!(">= {a}")),
        (Some(a), None) => Some(format!("at least {a}{}", unit_sfx(a))),
        (None, Some(b)) if unit.is_empty() => Some(format!("<= {b}")),
        (None, Some(b)) => Some(format!("at most {b}{}", unit_sfx(b))),
        (None, None) => None,
    }
}

fn literal_union(merged: &Merged) -> Option<String> {
    let values = merged.one_of.as_ref()?;
    let parts: Vec<String> = values
        .iter()
        .map(|l| match l {
            Literal::Str(s) => quote(s),
            other => other.to_string(),
        })
        .collect();
    Some(if parts.is_empty() {
        "never".into()
    } else {
        parts.join(" | ")
    })
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// A property key, bare when it is an identifier.
fn key(name: &str) -> String {
    let mut chars = name.chars();
    let ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ident { name.into() } else { quote(name) }
}

fn join_note(out: &mut String, note: &str) {
    if note.is_empty() {
        return;
    }
    if out.is_empty() {
        out.push_str(note);
    } else {
        let _ = write!(out, " ({note})");
    }
}

fn push_note(out: &mut String, note: &str) {
    if !note.is_empty() {
        let _ = write!(out, " // {note}");
    }
}

fn comment_lines(out: &mut String, text: Option<&str>, pad: &str) {
    if let Some(text) = text {
        for line in text.lines() {
            let _ = writeln!(out, "{pad}// {line}");
        }
    }
}

fn flatten_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_notes_read_naturally() {
        assert_eq!(
            range_note(Some(Bound::Int(1)), Some(Bound::Int(80)), "chars").as_deref(),
            Some("1-80 chars")
        );
        assert_eq!(
            range_note(Some(Bound::Int(1)), None, "items").as_deref(),
            Some("at least 1 item")
        );
        assert_eq!(
            range_note(None, Some(Bound::Int(5)), "").as_deref(),
            Some("<= 5")
        );
        assert_eq!(
            range_note(Some(Bound::Int(2)), Some(Bound::Int(2)), "items").as_deref(),
            Some("exactly 2 items")
        );
        assert_eq!(range_note(None, None, "items"), None);
    }

    #[test]
    fn keys_are_quoted_only_when_needed() {
        assert_eq!(key("name"), "name");
        assert_eq!(key("first name"), "\"first name\"");
        assert_eq!(key("2x"), "\"2x\"");
    }
}
