//! Renders the IR as a compact, TypeScript-like description for prompts.
//!
//! ```text
//! // A person mentioned in the text.
//! type Person = {
//!   name: string; // 1-80 chars
//!   age: int; // 0-120
//!   email?: string | null; // /^[^@\s]+@[^@\s]+\.[a-z]+$/
//!   role: Role;
//! };
//!
//! type Role = "user" | "admin";
//! ```
//!
//! Constraints and descriptions become comments; string and number `one_of` become literal unions;
//! every named type is written once and referred to by name.

use std::fmt::Write;

use super::names::Names;
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
            let (ty, note) = r.expr(root, "");
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

/// Objects whose fields fit on one line this wide (and carry no comments) are written inline.
pub(super) const INLINE_WIDTH: usize = 72;

/// Unions of short, comment-free branches up to this wide are written on one line.
pub(super) const UNION_WIDTH: usize = 92;

#[derive(Default)]
struct Describer {
    names: Names,
    queue: Vec<(String, TypeRef)>,
}

/// One property of an object literal type.
pub(super) struct Prop {
    pub(super) key: String,
    pub(super) ty: String,
    pub(super) note: String,
    /// A description too long for a trailing comment, written above the property.
    pub(super) above: Option<String>,
}

impl Describer {
    fn name_of(&mut self, type_ref: &TypeRef) -> String {
        let (name, first) = self.names.of(type_ref);
        if first {
            self.queue.push((name.clone(), *type_ref));
        }
        name
    }

    fn definition(&mut self, out: &mut String, name: &str, def: &Definition) {
        comment_lines(out, def.description.as_deref(), "");
        let (ty, note) = match &def.body {
            Body::Object(object) => (self.object(object, None, ""), String::new()),
            Body::Tuple(items) => self.tuple(items, ""),
            Body::Enum(e) => self.enumeration(e),
            Body::Newtype(value) => self.expr(value, ""),
        };
        type_line(out, name, &ty, &note);
    }

    /// A union of the variants: on one line when short, else one branch per line with comments. The
    /// last branch's note is returned apart, to follow the `;` that ends the type.
    fn enumeration(&mut self, e: &Enum) -> (String, String) {
        let branches: Vec<(String, String)> = e
            .variants
            .iter()
            .map(|v| {
                let (ty, note) = self.variant(e.repr, v.name, &v.shape);
                let mut text = v
                    .description
                    .as_deref()
                    .map(flatten_text)
                    .unwrap_or_default();
                join_note(&mut text, &note);
                (ty, text)
            })
            .collect();
        let plain = branches
            .iter()
            .all(|(b, note)| note.is_empty() && !b.contains('\n'));
        let width: usize = branches.iter().map(|(b, _)| b.len() + 3).sum();
        if plain && width <= UNION_WIDTH {
            let joined: Vec<&str> = branches.iter().map(|(b, _)| b.as_str()).collect();
            return (joined.join(" | "), String::new());
        }
        let mut out = String::new();
        let mut last_note = String::new();
        for (i, (branch, note)) in branches.iter().enumerate() {
            if branch.contains('\n') {
                if !note.is_empty() {
                    let _ = write!(out, "\n  // {}", one_line(note));
                }
                let _ = write!(out, "\n  | {branch}");
            } else {
                let _ = write!(out, "\n  | {branch}");
                if i + 1 == branches.len() {
                    last_note.clone_from(note);
                } else {
                    push_note(&mut out, note);
                }
            }
        }
        (out, last_note)
    }

    /// A variant's branch type and the note for its comment.
    fn variant(&mut self, repr: Repr, name: &str, shape: &Shape) -> (String, String) {
        const PAD: &str = "    ";
        let quoted = quote(name);
        let tagged = |tag: &str| Prop {
            key: key(tag),
            ty: quoted.clone(),
            note: String::new(),
            above: None,
        };
        match (repr, shape) {
            (Repr::Untagged, Shape::Unit) => ("null".into(), String::new()),
            (Repr::Untagged, _) => self.content(shape, PAD),
            (Repr::External, Shape::Unit) => (quoted, String::new()),
            (Repr::External, _) => {
                let (ty, note) = self.content(shape, &format!("{PAD}  "));
                let prop = Prop {
                    key: key(name),
                    ty,
                    note,
                    above: None,
                };
                (layout(vec![prop], PAD), String::new())
            }
            (Repr::Internal { tag }, Shape::Struct(object)) => {
                (self.object(object, Some((tag, name)), PAD), String::new())
            }
            (Repr::Internal { tag }, Shape::Newtype(inner)) => match &inner.kind {
                Kind::Ref(r) => match &r.definition().body {
                    Body::Object(object) => {
                        (self.object(object, Some((tag, name)), PAD), String::new())
                    }
                    _ => (layout(vec![tagged(tag)], PAD), String::new()),
                },
                Kind::Map(values) => {
                    let (ty, note) = self.expr(values, PAD);
                    let rest = Prop {
                        key: "[key: string]".into(),
                        ty,
                        note,
                        above: None,
                    };
                    (layout(vec![tagged(tag), rest], PAD), String::new())
                }
                _ => (layout(vec![tagged(tag)], PAD), String::new()),
            },
            (Repr::Internal { tag } | Repr::Adjacent { tag, .. }, Shape::Unit) => {
                (layout(vec![tagged(tag)], PAD), String::new())
            }
            (Repr::Internal { tag }, _) => (layout(vec![tagged(tag)], PAD), String::new()),
            (Repr::Adjacent { tag, content }, _) => {
                let (ty, note) = self.content(shape, &format!("{PAD}  "));
                let body = Prop {
                    key: key(content),
                    ty,
                    note,
                    above: None,
                };
                (layout(vec![tagged(tag), body], PAD), String::new())
            }
        }
    }

    fn content(&mut self, shape: &Shape, pad: &str) -> (String, String) {
        match shape {
            Shape::Unit => ("null".into(), String::new()),
            Shape::Newtype(inner) => self.expr(inner, pad),
            Shape::Tuple(items) => self.tuple(items, pad),
            Shape::Struct(object) => (self.object(object, None, pad), String::new()),
        }
    }

    /// An object literal type whose closing brace sits at `pad`.
    fn object(&mut self, object: &Object, tag: Option<(&str, &str)>, pad: &str) -> String {
        let inner_pad = format!("{pad}  ");
        let mut props = Vec::new();
        if let Some((tag, name)) = tag {
            props.push(Prop {
                key: key(tag),
                ty: quote(name),
                note: String::new(),
                above: None,
            });
        }
        let (fields, rest) = flat_fields(object);
        for field in fields {
            let (ty, note) = self.expr(&field.schema, &inner_pad);
            let description = field
                .schema
                .description
                .as_deref()
                .or(match &field.schema.kind {
                    Kind::Option(inner) => inner.description.as_deref(),
                    _ => None,
                });
            let mut text = String::new();
            let mut above = None;
            match description {
                Some(d) if d.contains('\n') || d.len() > INLINE_WIDTH => above = Some(d.to_owned()),
                Some(d) => text.push_str(d),
                None => {}
            }
            join_note(&mut text, &note);
            let optional = if field.required { "" } else { "?" };
            props.push(Prop {
                key: format!("{}{optional}", key(field.name)),
                ty,
                note: text,
                above,
            });
        }
        if let Some(values) = rest {
            let (ty, note) = self.expr(values, &inner_pad);
            props.push(Prop {
                key: "[key: string]".into(),
                ty,
                note,
                above: None,
            });
        }
        layout(props, pad)
    }

    fn tuple(&mut self, items: &[Schema], pad: &str) -> (String, String) {
        let mut notes = Vec::new();
        let parts: Vec<String> = items
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (ty, note) = self.expr(s, pad);
                if !note.is_empty() {
                    notes.push(format!("[{i}]: {note}"));
                }
                ty
            })
            .collect();
        (format!("[{}]", parts.join(", ")), notes.join("; "))
    }

    /// An inline type expression (multi-line objects close at `pad`) and the note for its comment.
    fn expr(&mut self, schema: &Schema, pad: &str) -> (String, String) {
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
                let (item, item_note) = self.expr(items, pad);
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
                let (ty, note) = self.tuple(items, pad);
                if !note.is_empty() {
                    notes.push(note);
                }
                ty
            }
            Kind::Map(values) => {
                let (v, value_note) = self.expr(values, pad);
                notes.extend(range_note(merged.min, merged.max, "keys"));
                if !value_note.is_empty() {
                    notes.push(format!("each value: {value_note}"));
                }
                format!("Record<string, {v}>")
            }
            Kind::Option(inner) => {
                let (ty, note) = self.expr(inner, pad);
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

/// `{ a: T; b: U }` when short and comment-free, else one property per line, closing at `pad`.
pub(super) fn layout(props: Vec<Prop>, pad: &str) -> String {
    let simple = props
        .iter()
        .all(|p| p.note.is_empty() && p.above.is_none() && !p.ty.contains('\n'));
    let inline: Vec<String> = props
        .iter()
        .map(|p| format!("{}: {}", p.key, p.ty))
        .collect();
    let width: usize = inline.iter().map(|p| p.len() + 2).sum::<usize>() + pad.len();
    if props.is_empty() {
        return "{}".into();
    }
    if simple && width <= INLINE_WIDTH {
        return format!("{{ {} }}", inline.join("; "));
    }
    let inner_pad = format!("{pad}  ");
    let mut out = String::from("{\n");
    for p in &props {
        comment_lines(&mut out, p.above.as_deref(), &inner_pad);
        let _ = write!(out, "{inner_pad}{}: {};", p.key, p.ty);
        push_note(&mut out, &p.note);
        out.push('\n');
    }
    out.push_str(pad);
    out.push('}');
    out
}

fn integer_notes(range: IntRange, merged: &Merged, notes: &mut Vec<String>) {
    // The natural range is worth stating only when it is small enough to matter to a model.
    let show_min = merged.min.is_some() || range.bits <= 8 || range.min == 0;
    let show_max = merged.max.is_some() || range.bits <= 8;
    let (min, max) = range.narrowed(merged);
    if merged.one_of.is_none() {
        notes.extend(range_note(
            show_min.then_some(min),
            show_max.then_some(max),
            "",
        ));
    }
    exclusive_notes(merged, notes);
}

pub(super) fn number_notes(merged: &Merged, notes: &mut Vec<String>) {
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
        notes.push(format!("/{}/", p.as_str()));
    }
    for f in &merged.formats {
        notes.push(f.hint().to_string());
    }
}

/// `"1-80 chars"`, `"at least 1 item"`, `"0-120"`, `">= 0"`.
pub(super) fn range_note(min: Option<Bound>, max: Option<Bound>, unit: &str) -> Option<String> {
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
        (Some(a), Some(b)) if a.as_f64() < 0.0 || b.as_f64() < 0.0 => {
            Some(format!("{a} to {b}{}", unit_sfx(b)))
        }
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

pub(super) fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// A property key, bare when it is an identifier.
pub(super) fn key(name: &str) -> String {
    let mut chars = name.chars();
    let ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ident { name.into() } else { quote(name) }
}

pub(super) fn join_note(out: &mut String, note: &str) {
    if note.is_empty() {
        return;
    }
    if out.is_empty() {
        out.push_str(note);
    } else {
        let _ = write!(out, " ({note})");
    }
}

/// `type Name = …;` and its note: a multi-line type starts on the next line.
pub(super) fn type_line(out: &mut String, name: &str, ty: &str, note: &str) {
    if ty.starts_with('\n') {
        let _ = write!(out, "type {name} ={ty};");
    } else {
        let _ = write!(out, "type {name} = {ty};");
    }
    push_note(out, note);
    out.push('\n');
}

pub(super) fn push_note(out: &mut String, note: &str) {
    if !note.is_empty() {
        let _ = write!(out, " // {}", one_line(note));
    }
}

/// A comment's text on one line: line breaks (say, in a pattern) are written as escapes, so they
/// cannot end the comment and spill into the type.
pub(super) fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['\n', '\r']) {
        return text.into();
    }
    text.replace('\n', "\\n").replace('\r', "\\r").into()
}

pub(super) fn comment_lines(out: &mut String, text: Option<&str>, pad: &str) {
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
