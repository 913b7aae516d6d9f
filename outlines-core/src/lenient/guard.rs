//! Early abort: a [`Watch`] that stops a streamed reply as soon as what it has written can no longer
//! become a valid value, whatever follows — so the loop can go to the repair turn at once instead of
//! paying for the rest.
//!
//! It follows the reply down the output's JSON Schema (the form derived types and runtime schemas
//! share; local `$ref`s, and `anyOf` of one schema and `null`) and stops at:
//! - a key the object does not allow (`additionalProperties: false`, i.e. `deny_unknown_fields`);
//! - an array item past `maxItems`;
//! - a string past `maxLength` characters, or one that no `enum` value begins with;
//! - a whole number outside `minimum`/`maximum` (checked only once the number ends: `200` may
//!   still become `200e-2`);
//! - a whole string shorter than `minLength`, a whole array shorter than `minItems`, an object that
//!   closed without a required key.
//!
//! Only what lenient reading could not still fix counts: enum values are compared ignoring case and
//! surrounding space (as its `enum_case` fix does), and a value of another type than the schema's
//! (`"25"` for an integer, which it converts) is never a reason. Where the schema is not followed
//! (other combinators, remote references), nothing below is checked.

use serde_json::Value;

use super::incremental::{Slot, Start, Watch};
use crate::diagnostics::{ErrorKind, Path, Segment, Violation};
use crate::partial::NodeRef;

/// How many `$ref`s are followed at one place.
const HOPS: usize = 32;

/// Watches a streamed reply against a JSON Schema.
pub struct Guard<'s> {
    root: &'s Value,
    /// The key the value is wrapped under, if the backend wraps it (`{"value": …}`).
    envelope: Option<String>,
    /// One frame per value being read, outermost first.
    frames: Vec<Frame<'s>>,
    path: Vec<Segment>,
}

struct Frame<'s> {
    /// The schema the value must meet, if followed.
    schema: Option<&'s Value>,
    /// Whether this frame is the envelope around the value.
    envelope: bool,
}

impl<'s> Guard<'s> {
    /// A guard for a reply that must meet `schema`.
    pub fn new(schema: &'s Value) -> Self {
        Guard {
            root: schema,
            envelope: None,
            frames: Vec::new(),
            path: Vec::new(),
        }
    }

    /// The reply writes the value as the member `key` of an object.
    pub fn enveloped(mut self, key: impl Into<String>) -> Self {
        self.envelope = Some(key.into());
        self
    }

    fn resolve(&self, mut schema: &'s Value) -> Option<&'s Value> {
        for _ in 0..HOPS {
            if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
                schema = self.root.pointer(reference.strip_prefix('#')?)?;
                continue;
            }
            // `anyOf` of one schema and `null`: an `Option`.
            if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
                let mut others = branches
                    .iter()
                    .filter(|b| b.get("type") != Some(&Value::from("null")));
                match (others.next(), others.next(), branches.len()) {
                    (Some(only), None, 2) => {
                        schema = only;
                        continue;
                    }
                    _ => return None,
                }
            }
            if schema.get("oneOf").is_some() || schema.get("allOf").is_some() {
                return None;
            }
            return Some(schema);
        }
        None
    }

    fn stop(
        &self,
        kind: ErrorKind,
        expected: String,
        got: Option<String>,
        message: String,
    ) -> Box<Violation> {
        // Without the root's segment, and the envelope's.
        let skip = (1 + usize::from(self.envelope.is_some())).min(self.path.len());
        let path = Path::from_segments(self.path[skip..].to_vec());
        Box::new(Violation::new(kind, path, expected, got, message))
    }

    /// The schema of the value beginning at `slot`, or the reason the reply can no longer be valid.
    fn child(&self, slot: Slot<'_>) -> Result<(Option<&'s Value>, bool), Box<Violation>> {
        let parent = self.frames.last();
        if parent.is_some_and(|p| p.envelope) {
            let inside = matches!(slot, Slot::Member(key) if Some(key) == self.envelope.as_deref());
            return Ok((
                inside.then_some(self.root).and_then(|s| self.resolve(s)),
                false,
            ));
        }
        let Some(parent) = parent else {
            if self.envelope.is_some() {
                return Ok((None, true));
            }
            return Ok((self.resolve(self.root), false));
        };
        let Some(schema) = parent.schema else {
            return Ok((None, false));
        };
        let found = match slot {
            Slot::Root => None,
            Slot::Member(key) => match schema.get("properties").and_then(|p| p.get(key)) {
                Some(field) => Some(field),
                None if schema.get("patternProperties").is_none()
                    && schema.get("additionalProperties") == Some(&Value::Bool(false)) =>
                {
                    let known = schema
                        .get("properties")
                        .and_then(Value::as_object)
                        .map(|p| p.keys().map(String::as_str).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default();
                    return Err(self.stop(
                        ErrorKind::Unknown,
                        format!("one of the fields {known}"),
                        Some(format!("{key:?}")),
                        format!("unknown field `{key}`"),
                    ));
                }
                None => schema.get("additionalProperties").filter(|s| s.is_object()),
            },
            Slot::Item(index) => {
                if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
                    if index as u64 >= max {
                        return Err(self.stop(
                            ErrorKind::Constraint,
                            format!("at most {max} items"),
                            Some(format!("{} items or more", index + 1)),
                            format!("the array already has more than {max} items"),
                        ));
                    }
                }
                let prefix = schema.get("prefixItems").and_then(Value::as_array);
                match prefix.and_then(|p| p.get(index)) {
                    Some(item) => Some(item),
                    None => schema.get("items").filter(|s| s.is_object()),
                }
            }
        };
        Ok((found.and_then(|s| self.resolve(s)), false))
    }
}

fn strings(values: &Value) -> Option<Vec<&str>> {
    values.as_array()?.iter().map(Value::as_str).collect()
}

impl Watch for Guard<'_> {
    fn begin(&mut self, slot: Slot<'_>, _start: Start) -> Result<(), Box<Violation>> {
        match slot {
            Slot::Member(key) => self.path.push(Segment::Key(key.to_owned())),
            Slot::Item(index) => self.path.push(Segment::Index(index)),
            Slot::Root => self.path.push(Segment::Key(String::new())),
        }
        let (schema, envelope) = self.child(slot)?;
        self.frames.push(Frame { schema, envelope });
        Ok(())
    }

    fn key(&mut self, key: &str) -> Result<(), Box<Violation>> {
        // The same check as when its value begins, made as soon as the key is written.
        self.path.push(Segment::Key(key.to_owned()));
        let known = self.child(Slot::Member(key)).map(|_| ());
        self.path.pop();
        known
    }

    fn grow(&mut self, so_far: &str, chars: usize) -> Result<(), Box<Violation>> {
        let Some(schema) = self.frames.last().and_then(|f| f.schema) else {
            return Ok(());
        };
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
            if chars as u64 > max {
                return Err(self.stop(
                    ErrorKind::Constraint,
                    format!("at most {max} characters"),
                    Some(format!("{chars} characters so far")),
                    format!("the string is already longer than {max} characters"),
                ));
            }
        }
        let Some(values) = schema.get("enum").and_then(strings) else {
            return Ok(());
        };
        let longest = values.iter().map(|v| v.len()).max().unwrap_or(0);
        // Past the longest value by more than surrounding space could explain, nothing matches.
        let written = if so_far.len() > longest + 64 {
            None
        } else {
            Some(so_far.trim_start().to_lowercase())
        };
        let fits = written.as_deref().is_some_and(|w| {
            let core = w.trim_end();
            values.iter().any(|v| {
                let v = v.to_lowercase();
                if core.len() < w.len() {
                    v == core
                } else {
                    v.starts_with(core)
                }
            })
        });
        if fits {
            return Ok(());
        }
        Err(self.stop(
            ErrorKind::Variant,
            format!(
                "one of {}",
                values
                    .iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some(format!("{:?}…", crate::text::shorten_str(so_far))),
            "no allowed value begins like this".into(),
        ))
    }

    fn end(&mut self, value: NodeRef<'_>) -> Result<(), Box<Violation>> {
        let checked = match self.frames.last().and_then(|f| f.schema) {
            Some(schema) => self.whole(schema, value),
            None => Ok(()),
        };
        self.frames.pop();
        self.path.pop();
        checked
    }
}

impl Guard<'_> {
    /// Checks on a whole value.
    fn whole(&self, schema: &Value, value: NodeRef<'_>) -> Result<(), Box<Violation>> {
        let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
        if let Some(n) = value.as_number() {
            if let Some(x) = n.as_f64() {
                let broken = [
                    ("minimum", bound("minimum").filter(|&m| x < m), "at least"),
                    ("maximum", bound("maximum").filter(|&m| x > m), "at most"),
                    (
                        "exclusiveMinimum",
                        bound("exclusiveMinimum").filter(|&m| x <= m),
                        "greater than",
                    ),
                    (
                        "exclusiveMaximum",
                        bound("exclusiveMaximum").filter(|&m| x >= m),
                        "less than",
                    ),
                ];
                if let Some((_, Some(limit), phrase)) = broken.into_iter().find(|b| b.1.is_some()) {
                    return Err(self.stop(
                        ErrorKind::Range,
                        format!("a number {phrase} {limit}"),
                        Some(n.to_string()),
                        format!("{n} is out of range"),
                    ));
                }
            }
        }
        if let Some(text) = value.as_str() {
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
                let chars = text.chars().count() as u64;
                if chars < min {
                    return Err(self.stop(
                        ErrorKind::Constraint,
                        format!("at least {min} characters"),
                        Some(format!("{text:?}")),
                        format!("the string has {chars} characters"),
                    ));
                }
            }
        }
        if let Some(items) = value.items() {
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
                let count = items.count() as u64;
                if count < min {
                    return Err(self.stop(
                        ErrorKind::Constraint,
                        format!("at least {min} items"),
                        Some(format!("{count} items")),
                        format!("the array closed with {count} items"),
                    ));
                }
            }
        }
        if let Some(members) = value.members() {
            let properties = schema.get("properties").and_then(Value::as_object);
            let keys: Vec<&str> = members.map(|(k, _)| k).collect();
            // A key the schema does not name may be an alias of a required one: then say nothing.
            let all_known = properties.is_some_and(|p| keys.iter().all(|k| p.contains_key(*k)));
            if let (true, Some(required)) = (all_known, schema.get("required").and_then(strings)) {
                if let Some(missing) = required.iter().find(|r| !keys.contains(r)) {
                    return Err(self.stop(
                        ErrorKind::Missing,
                        format!("the field `{missing}`"),
                        None,
                        format!("the object closed without the required field `{missing}`"),
                    ));
                }
            }
        }
        Ok(())
    }
}
