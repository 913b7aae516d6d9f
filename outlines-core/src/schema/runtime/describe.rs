//! A compiled schema described for prompts, in the derive's TypeScript-like style
//! ([`describe`](crate::schema::describe)) and with its helpers:
//!
//! ```text
//! // An order placed in the shop.
//! type Order = {
//!   id: string; // /^ORD-[0-9]+$/
//!   items: Item[]; // 1-50 items
//!   status: "pending" | "shipped";
//!   note?: string | null;
//! };
//!
//! type Item = { sku: string; quantity: int };
//! ```
//!
//! Every shared subschema (a `$ref` target) is written once as a named type; `anyOf`/`oneOf` are
//! unions, `allOf` intersections, and what TypeScript cannot say (bounds, patterns, formats, `not`,
//! `if`/`then`/`else`, `contains`, ...) is said in comments. The text is bounded: long `enum`s
//! list their first values, long texts are cut, and a description past [`DESCRIBE_LIMIT`] ends
//! with a line saying so.

use std::fmt::Write as _;

use super::phrase::inferred;
use super::value::shorten;
use super::{Arrays, Compiled, Node, NodeId, Numbers, Objects, Strings};
use crate::schema::Merged;
use crate::schema::describe::{
    INLINE_WIDTH, Prop, UNION_WIDTH, comment_lines, join_note, key, layout, number_notes, one_line,
    range_note, type_line,
};

/// A description is cut at about this many characters.
pub const DESCRIBE_LIMIT: usize = 16 * 1024;

/// Literal unions list at most this many values.
const SHOWN_VALUES: usize = 24;

/// Objects list at most this many properties.
const SHOWN_PROPERTIES: usize = 200;

/// Descriptions, titles and patterns are cut at this many characters.
const TEXT_LIMIT: usize = 600;

pub(super) fn render(c: &Compiled, name: &str) -> String {
    let mut d = Describer {
        c,
        root_name: name,
        used: vec![false; c.defs.len()],
        queue: Vec::new(),
    };
    let mut out = String::new();
    d.definition(&mut out, name, c.root);
    let mut next = 0;
    while next < d.queue.len() {
        if out.len() > DESCRIBE_LIMIT {
            break;
        }
        let (id, def_name) = &c.defs[d.queue[next]];
        out.push('\n');
        d.definition(&mut out, def_name, *id);
        next += 1;
    }
    if out.len() > DESCRIBE_LIMIT || next < d.queue.len() {
        let mut end = DESCRIBE_LIMIT.min(out.len());
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        // Cut at a line end, so no comment or type is left half written on its line.
        let end = out[..end].rfind('\n').map_or(end, |i| i + 1);
        out.truncate(end);
        out.push_str("// … (the schema is too large to describe whole; the rest is left out)\n");
    }
    out
}

struct Describer<'c> {
    c: &'c Compiled,
    root_name: &'c str,
    used: Vec<bool>,
    queue: Vec<usize>,
}

impl Describer<'_> {
    fn definition(&mut self, out: &mut String, name: &str, id: NodeId) {
        let node = self.c.node(id);
        let notes = node.notes.as_deref();
        let title = notes.and_then(|n| n.title.as_deref());
        let description = notes.and_then(|n| n.description.as_deref());
        if let Some(title) = title.filter(|t| *t != name) {
            comment_lines(out, Some(&cut(title)), "");
        }
        comment_lines(out, description.map(cut).as_deref(), "");
        let (ty, note) = self.body(id, "");
        type_line(out, name, &ty, &note);
    }

    /// A subschema where it is used: its name when it is shared, else its type expression.
    fn child(&mut self, id: NodeId, pad: &str) -> (String, String) {
        if id == self.c.root {
            return (self.root_name.to_owned(), String::new());
        }
        if let Some(name) = self.name(id) {
            return (name, String::new());
        }
        self.body(id, pad)
    }

    fn name(&mut self, id: NodeId) -> Option<String> {
        let name = self.c.def_name(id)?;
        let index = *self.c.def_index.get(&id)?;
        if !self.used[index] {
            self.used[index] = true;
            self.queue.push(index);
        }
        // A definition named like the root is told apart from it.
        Some(if name == self.root_name {
            format!("{name}_def")
        } else {
            name.to_owned()
        })
    }

    /// A node's type expression (multi-line objects close at `pad`) and the note for its comment.
    fn body(&mut self, id: NodeId, pad: &str) -> (String, String) {
        let node: &Node = self.c.node(id);
        if node.never {
            return ("never".into(), String::new());
        }
        let mut notes: Vec<String> = Vec::new();
        // The value itself: literals, or one branch per JSON type.
        let mut base: Option<String> = None;
        if let Some(values) = &node.values {
            if let Some(constant) = &values.constant {
                base = Some(literal(constant));
            } else if let Some(allowed) = &values.allowed {
                base = Some(literal_union(allowed.values(), &mut notes));
            }
        }
        if base.is_none() {
            if let Some(types) = node.types.or_else(|| inferred(node)) {
                let branches: Vec<String> = types
                    .names()
                    .map(|t| self.typed(node, t, pad, &mut notes))
                    .collect();
                base = Some(union(&branches, pad));
            }
        }
        // Keywords that apply other schemas to the same value.
        let mut parts: Vec<String> = base.into_iter().collect();
        if let Some(logic) = &node.logic {
            if let Some(target) = logic.reference {
                parts.push(self.child_type(target, pad, &mut notes));
            }
            for branch in &logic.all_of {
                parts.push(self.child_type(*branch, pad, &mut notes));
            }
            for (branches, one) in [(&logic.any_of, false), (&logic.one_of, true)] {
                if branches.is_empty() {
                    continue;
                }
                let alternatives: Vec<String> = branches
                    .iter()
                    .map(|b| self.child_type(*b, pad, &mut notes))
                    .collect();
                parts.push(union(&alternatives, pad));
                if one {
                    notes.push("exactly one of these".into());
                }
            }
            if let Some(not) = logic.not {
                let (ty, _) = self.child(not, pad);
                notes.push(format!("not {}", one_line(&ty)));
            }
            if let Some(condition) = &logic.condition {
                let (test, _) = self.child(condition.test, pad);
                let mut note = format!("if {}", one_line(&test));
                if let Some(then) = condition.then {
                    let _ = write!(note, " then {}", one_line(&self.child(then, pad).0));
                }
                if let Some(otherwise) = condition.otherwise {
                    let _ = write!(note, " else {}", one_line(&self.child(otherwise, pad).0));
                }
                notes.push(note);
            }
        }
        if let Some(objects) = &node.object {
            for (name, schema) in &objects.dependent_schemas {
                let (ty, _) = self.child(*schema, pad);
                notes.push(format!("with {}: also {}", key(name), one_line(&ty)));
            }
        }
        if let Some(annotations) = &node.notes {
            if !annotations.examples.is_empty() {
                let examples: Vec<String> =
                    annotations.examples.iter().take(3).map(literal).collect();
                notes.push(format!("e.g. {}", examples.join(", ")));
            }
            if let Some(default) = &annotations.default {
                notes.push(format!("default {}", literal(default)));
            }
            for (flag, word) in [
                (annotations.deprecated, "deprecated"),
                (annotations.read_only, "read-only"),
                (annotations.write_only, "write-only"),
            ] {
                if flag {
                    notes.push(word.into());
                }
            }
        }
        let ty = match parts.len() {
            0 => "any".into(),
            1 => parts.swap_remove(0),
            _ => parts
                .iter()
                .map(|p| parenthesized(p))
                .collect::<Vec<_>>()
                .join(" & "),
        };
        (ty, notes.join(", "))
    }

    /// A subschema as one part of a larger expression; its note joins `notes`.
    fn child_type(&mut self, id: NodeId, pad: &str, notes: &mut Vec<String>) -> String {
        let (ty, note) = self.child(id, pad);
        if !note.is_empty() {
            notes.push(note);
        }
        ty
    }

    fn typed(&mut self, node: &Node, name: &str, pad: &str, notes: &mut Vec<String>) -> String {
        match name {
            "string" => {
                if let Some(s) = &node.string {
                    string_notes(s, notes);
                }
                "string".into()
            }
            "integer" | "number" => {
                if let Some(n) = &node.number {
                    numeric_notes(n, notes);
                }
                if name == "integer" { "int" } else { "number" }.into()
            }
            "array" => match &node.array {
                Some(a) => self.array(a, pad, notes),
                None => "any[]".into(),
            },
            "object" => match &node.object {
                Some(o) => self.object(o, pad, notes),
                None => "object".into(),
            },
            other => other.into(),
        }
    }

    fn array(&mut self, a: &Arrays, pad: &str, notes: &mut Vec<String>) -> String {
        // The items' own notes come after the array's, as the derive writes them.
        let mut items_notes = Vec::new();
        let rest = a.items.map(|items| {
            let closed = self.c.node(items).never;
            (closed, self.child(items, pad))
        });
        let ty = if a.prefix.is_empty() {
            let (item, item_note) = match rest {
                Some((false, (ty, note))) => (ty, note),
                Some((true, _)) => ("never".into(), String::new()),
                None => ("any".into(), String::new()),
            };
            if !item_note.is_empty() {
                items_notes.push(format!("each: {item_note}"));
            }
            if item.contains(' ') && !item.starts_with('{') {
                format!("({item})[]")
            } else {
                format!("{item}[]")
            }
        } else {
            let mut parts = Vec::new();
            for (i, id) in a.prefix.iter().enumerate() {
                let (ty, note) = self.child(*id, pad);
                if !note.is_empty() {
                    items_notes.push(format!("[{i}]: {note}"));
                }
                parts.push(ty);
            }
            match rest {
                Some((true, _)) => {}
                Some((false, (ty, note))) => {
                    if !note.is_empty() {
                        items_notes.push(format!("each after: {note}"));
                    }
                    parts.push(format!("...{}[]", parenthesized(&ty)));
                }
                None => parts.push("...any[]".into()),
            }
            format!("[{}]", parts.join(", "))
        };
        notes.extend(range_note(
            a.min_items.map(super::phrase::count_bound),
            a.max_items.map(super::phrase::count_bound),
            "items",
        ));
        if a.unique {
            notes.push("unique items".into());
        }
        if let Some(contains) = a.contains {
            let (item, _) = self.child(contains, pad);
            let count = match (a.min_contains, a.max_contains) {
                (None, None) => String::new(),
                (min, max) => range_note(
                    Some(super::phrase::count_bound(min.unwrap_or(1))),
                    max.map(super::phrase::count_bound),
                    "",
                )
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            };
            notes.push(format!("contains {}{count}", one_line(&item)));
        }
        notes.append(&mut items_notes);
        ty
    }

    fn object(&mut self, o: &Objects, pad: &str, notes: &mut Vec<String>) -> String {
        let inner_pad = format!("{pad}  ");
        let mut props = Vec::new();
        for (name, id) in o.properties.iter().take(SHOWN_PROPERTIES) {
            let (ty, note) = self.child(*id, &inner_pad);
            let description = self
                .c
                .node(*id)
                .notes
                .as_deref()
                .and_then(|n| n.description.as_deref())
                .map(cut);
            let mut text = String::new();
            let mut above = None;
            match description {
                Some(d) if d.contains('\n') || d.len() > INLINE_WIDTH => above = Some(d),
                Some(d) => text.push_str(&d),
                None => {}
            }
            join_note(&mut text, &note);
            let optional = if o.required.iter().any(|r| **r == **name) {
                ""
            } else {
                "?"
            };
            props.push(Prop {
                key: format!("{}{optional}", key(name)),
                ty,
                note: text,
                above,
            });
        }
        if o.properties.len() > SHOWN_PROPERTIES {
            notes.push(format!(
                "{} more properties not shown",
                o.properties.len() - SHOWN_PROPERTIES
            ));
        }
        for (pattern, id) in &o.patterns {
            let (ty, note) = self.child(*id, &inner_pad);
            props.push(Prop {
                key: format!("[key matching /{}/]", cut(pattern.as_str())),
                ty,
                note,
                above: None,
            });
        }
        if let Some(additional) = o.additional.filter(|a| !self.c.node(*a).never) {
            let (ty, note) = self.child(additional, &inner_pad);
            props.push(Prop {
                key: "[key: string]".into(),
                ty,
                note,
                above: None,
            });
        }
        let listed: Vec<&str> = o.properties.iter().map(|(n, _)| &**n).collect();
        let others: Vec<String> = o
            .required
            .iter()
            .filter(|r| !listed.contains(&&***r))
            .map(|r| key(r))
            .collect();
        if !others.is_empty() {
            notes.push(format!("required keys: {}", others.join(", ")));
        }
        if let Some(names) = o.names {
            let (ty, note) = self.child(names, pad);
            let note = if note.is_empty() {
                String::new()
            } else {
                format!(" ({note})")
            };
            notes.push(format!("keys: {}{note}", one_line(&ty)));
        }
        notes.extend(range_note(
            o.min_properties.map(super::phrase::count_bound),
            o.max_properties.map(super::phrase::count_bound),
            "keys",
        ));
        for (name, needs) in &o.dependent_required {
            let needs: Vec<String> = needs.iter().map(|n| key(n)).collect();
            notes.push(format!("with {}: also {}", key(name), needs.join(", ")));
        }
        if props.is_empty() && o.additional.is_none() && o.patterns.is_empty() {
            return "object".into();
        }
        layout(props, pad)
    }
}

fn string_notes(s: &Strings, notes: &mut Vec<String>) {
    notes.extend(range_note(
        s.min_length.map(super::phrase::count_bound),
        s.max_length.map(super::phrase::count_bound),
        "chars",
    ));
    if let Some(p) = &s.pattern {
        notes.push(format!("/{}/", cut(p.as_str())));
    }
    if let Some(f) = s.format {
        notes.push(f.hint().to_string());
    }
}

fn numeric_notes(n: &Numbers, notes: &mut Vec<String>) {
    let merged = Merged {
        min: n.minimum,
        max: n.maximum,
        exclusive_min: n.exclusive_minimum,
        exclusive_max: n.exclusive_maximum,
        multiple_of: n.multiple_of.into_iter().collect(),
        ..Merged::default()
    };
    number_notes(&merged, notes);
}

/// `"a" | "b" | … (40 more)`.
fn literal_union(values: &[serde_json::Value], notes: &mut Vec<String>) -> String {
    if values.is_empty() {
        return "never".into();
    }
    let mut parts: Vec<String> = values.iter().take(SHOWN_VALUES).map(literal).collect();
    if values.len() > SHOWN_VALUES {
        notes.push(format!(
            "one of {} values; the first {SHOWN_VALUES} shown",
            values.len()
        ));
        parts.push("…".into());
    }
    parts.join(" | ")
}

/// A JSON value written as a TypeScript literal type: JSON, shortened.
fn literal(v: &serde_json::Value) -> String {
    shorten(v)
}

/// Branches on one line when short and plain, else one per line (` | ` first) at `pad`.
fn union(branches: &[String], pad: &str) -> String {
    if let [one] = branches {
        return one.clone();
    }
    let width: usize = branches.iter().map(|b| b.len() + 3).sum();
    if width <= UNION_WIDTH && branches.iter().all(|b| !b.contains('\n')) {
        return branches.join(" | ");
    }
    let mut out = String::new();
    for branch in branches {
        let _ = write!(out, "\n{pad}  | {branch}");
    }
    out
}

/// An expression that can stand next to `&` or `[]`: unions in parentheses.
fn parenthesized(ty: &str) -> String {
    if ty.contains(" | ") || ty.starts_with('\n') {
        format!("({ty})")
    } else {
        ty.to_owned()
    }
}

/// A text cut at [`TEXT_LIMIT`] characters, whitespace runs kept (descriptions keep their lines).
fn cut(text: &str) -> String {
    match text.char_indices().nth(TEXT_LIMIT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
