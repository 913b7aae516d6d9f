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

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde_json::{Map, Value};

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
    /// What each schema followed so far checks, read once (keyed by the schema's address).
    rules: Vec<Rules<'s>>,
    known: HashMap<usize, usize, BuildHasherDefault<AddressHasher>>,
    /// One frame per value being read, outermost first.
    frames: Vec<Frame>,
    /// Where the value being read is: keys as ranges of `keys`, so no key is copied per value.
    path: Vec<Step>,
    keys: String,
    aliases: bool,
}

#[derive(Clone, Copy)]
struct Frame {
    /// The rules the value must meet (an index in `rules`), if its schema is followed.
    rules: Option<usize>,
    /// Whether this frame is the envelope around the value.
    envelope: bool,
}

#[derive(Clone, Copy)]
enum Step {
    Key(usize, usize),
    Index(usize),
}

/// The keywords of one schema this guard checks.
#[derive(Default)]
struct Rules<'s> {
    properties: Option<&'s Map<String, Value>>,
    /// No key beyond `properties` (`additionalProperties: false`, no `patternProperties`).
    closed: bool,
    additional: Option<&'s Value>,
    required: Vec<&'s str>,
    prefix: &'s [Value],
    items: Option<&'s Value>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    /// `enum` of strings, lowercased, and the longest one's length.
    choices: Option<(Vec<String>, usize)>,
    /// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`.
    bounds: [Option<f64>; 4],
}

impl<'s> Rules<'s> {
    /// Reads the keywords in one pass over the schema's members (no lookup per keyword: a guard
    /// is made per reply, and reads each schema it meets once).
    fn of(schema: &'s Value) -> Self {
        let mut rules = Rules::default();
        let Some(members) = schema.as_object() else {
            return rules;
        };
        let mut pattern_properties = false;
        for (key, value) in members {
            match key.as_str() {
                "properties" => rules.properties = value.as_object(),
                "patternProperties" => pattern_properties = true,
                "additionalProperties" => {
                    rules.closed = value == &Value::Bool(false);
                    rules.additional = value.is_object().then_some(value);
                }
                "required" => rules.required = strings(value).unwrap_or_default(),
                "prefixItems" => rules.prefix = value.as_array().map_or(&[], Vec::as_slice),
                "items" => rules.items = value.is_object().then_some(value),
                "minItems" => rules.min_items = value.as_u64(),
                "maxItems" => rules.max_items = value.as_u64(),
                "minLength" => rules.min_length = value.as_u64(),
                "maxLength" => rules.max_length = value.as_u64(),
                "enum" => {
                    rules.choices = strings(value).map(|values| {
                        let longest = values.iter().map(|v| v.len()).max().unwrap_or(0);
                        (
                            values.iter().map(|v| v.to_ascii_lowercase()).collect(),
                            longest,
                        )
                    })
                }
                "minimum" => rules.bounds[0] = value.as_f64(),
                "maximum" => rules.bounds[1] = value.as_f64(),
                "exclusiveMinimum" => rules.bounds[2] = value.as_f64(),
                "exclusiveMaximum" => rules.bounds[3] = value.as_f64(),
                _ => {}
            }
        }
        rules.closed &= !pattern_properties;
        rules
    }
}

impl<'s> Guard<'s> {
    /// A guard for a reply that must meet `schema`.
    pub fn new(schema: &'s Value) -> Self {
        Guard {
            root: schema,
            envelope: None,
            rules: Vec::new(),
            known: HashMap::default(),
            frames: Vec::new(),
            path: Vec::new(),
            keys: String::new(),
            aliases: false,
        }
    }

    /// Whether the output accepts names its JSON Schema does not list (`#[serde(alias)]` on a
    /// field or a variant): then an unknown key or enum value is no reason to stop.
    pub fn aliases(mut self, aliases: bool) -> Self {
        self.aliases = aliases;
        self
    }

    /// The reply writes the value as the member `key` of an object.
    pub fn enveloped(mut self, key: impl Into<String>) -> Self {
        self.envelope = Some(key.into());
        self
    }

    /// `schema` with local references followed and an `Option`'s `anyOf` opened; `None` where the
    /// guard does not follow (other combinators, remote references, a cycle of references).
    fn resolve(&self, mut schema: &'s Value) -> Option<&'s Value> {
        for _ in 0..HOPS {
            if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
                schema = self.root.pointer(reference.strip_prefix('#')?)?;
                continue;
            }
            if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
                let null = Value::from("null");
                let mut others = branches.iter().filter(|b| b.get("type") != Some(&null));
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

    /// The rules of `schema`, resolved and read once (remembered under the schema's address, and
    /// its target's).
    fn rules_of(&mut self, schema: Option<&'s Value>) -> Option<usize> {
        let schema = schema?;
        let address = schema as *const Value as usize;
        if let Some(&index) = self.known.get(&address) {
            return Some(index);
        }
        let target = self.resolve(schema)?;
        let index = match self.known.get(&(target as *const Value as usize)) {
            Some(&index) => index,
            None => {
                self.rules.push(Rules::of(target));
                self.known
                    .insert(target as *const Value as usize, self.rules.len() - 1);
                self.rules.len() - 1
            }
        };
        self.known.insert(address, index);
        Some(index)
    }

    fn stop(
        &self,
        kind: ErrorKind,
        expected: String,
        got: Option<String>,
        message: String,
    ) -> Box<Violation> {
        // Without the root's step, and the envelope's.
        let skip = (1 + usize::from(self.envelope.is_some())).min(self.path.len());
        let segments = self.path[skip..]
            .iter()
            .map(|step| match *step {
                Step::Key(from, to) => Segment::Key(self.keys[from..to].to_owned()),
                Step::Index(index) => Segment::Index(index),
            })
            .collect();
        Box::new(Violation::new(
            kind,
            Path::from_segments(segments),
            expected,
            got,
            message,
        ))
    }

    /// The schema of the value beginning at `slot` (unresolved), whether it is the envelope, or
    /// the reason the reply can no longer be valid.
    fn child(&self, slot: Slot<'_>) -> Result<(Option<&'s Value>, bool), Box<Violation>> {
        let Some(parent) = self.frames.last() else {
            return Ok(match self.envelope {
                Some(_) => (None, true),
                None => (Some(self.root), false),
            });
        };
        if parent.envelope {
            let inside = matches!(slot, Slot::Member(key) if Some(key) == self.envelope.as_deref());
            return Ok((inside.then_some(self.root), false));
        }
        let Some(rules) = parent.rules.map(|i| &self.rules[i]) else {
            return Ok((None, false));
        };
        let found = match slot {
            Slot::Root => None,
            Slot::Member(key) => match rules.properties.and_then(|p| p.get(key)) {
                Some(field) => Some(field),
                None if rules.closed && !self.aliases => {
                    let known = rules
                        .properties
                        .map(|p| p.keys().map(String::as_str).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default();
                    return Err(self.stop(
                        ErrorKind::Unknown,
                        format!("one of the fields {known}"),
                        Some(format!("{key:?}")),
                        format!("unknown field `{key}`"),
                    ));
                }
                None => rules.additional,
            },
            Slot::Item(index) => {
                if let Some(max) = rules.max_items.filter(|&max| index as u64 >= max) {
                    return Err(self.stop(
                        ErrorKind::Constraint,
                        format!("at most {max} items"),
                        Some(format!("{} items or more", index + 1)),
                        format!("the array already has more than {max} items"),
                    ));
                }
                rules.prefix.get(index).or(rules.items)
            }
        };
        Ok((found, false))
    }

    fn push_step(&mut self, slot: Slot<'_>) {
        self.path.push(match slot {
            Slot::Member(key) => {
                let from = self.keys.len();
                self.keys.push_str(key);
                Step::Key(from, self.keys.len())
            }
            Slot::Item(index) => Step::Index(index),
            Slot::Root => Step::Key(self.keys.len(), self.keys.len()),
        });
    }

    fn pop_step(&mut self) {
        if let Some(Step::Key(from, _)) = self.path.pop() {
            self.keys.truncate(from);
        }
    }
}

/// Hashes a schema's address: one multiplication, where the default hasher spends more than the
/// rest of a lookup (a guard looks one up for every value of the reply).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

fn strings(values: &Value) -> Option<Vec<&str>> {
    values.as_array()?.iter().map(Value::as_str).collect()
}

impl Watch for Guard<'_> {
    fn begin(&mut self, slot: Slot<'_>, _start: Start) -> Result<(), Box<Violation>> {
        self.push_step(slot);
        let (schema, envelope) = self.child(slot)?;
        let rules = self.rules_of(schema);
        self.frames.push(Frame { rules, envelope });
        Ok(())
    }

    fn key(&mut self, key: &str) -> Result<(), Box<Violation>> {
        // The same check as when its value begins, made as soon as the key is written.
        let parent = self.frames.last().and_then(|f| f.rules);
        if self.aliases || !parent.is_some_and(|i| self.rules[i].closed) {
            return Ok(());
        }
        self.push_step(Slot::Member(key));
        let known = self.child(Slot::Member(key)).map(|_| ());
        self.pop_step();
        known
    }

    fn grow(&mut self, so_far: &str, chars: usize) -> Result<(), Box<Violation>> {
        let Some(rules) = self
            .frames
            .last()
            .and_then(|f| f.rules)
            .map(|i| &self.rules[i])
        else {
            return Ok(());
        };
        if let Some(max) = rules.max_length.filter(|&max| chars as u64 > max) {
            return Err(self.stop(
                ErrorKind::Constraint,
                format!("at most {max} characters"),
                Some(format!("{chars} characters so far")),
                format!("the string is already longer than {max} characters"),
            ));
        }
        let Some((values, longest)) = rules.choices.as_ref().filter(|_| !self.aliases) else {
            return Ok(());
        };
        // Past the longest value by more than surrounding space could explain, nothing matches.
        // Case is compared as lenient reading compares it; beyond ASCII, lowercasing a prefix
        // may differ from a prefix of the lowercased value (a final `Σ`), so no stop there.
        let fits = !so_far.is_ascii()
            || so_far.len() <= longest + 64 && {
                let written = so_far.trim_start().to_ascii_lowercase();
                let core = written.trim_end();
                // Space may end the value, or be inside one ("new york").
                values
                    .iter()
                    .any(|v| v.starts_with(written.as_str()) || v == core)
            };
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
        let checked = match self.frames.last().and_then(|f| f.rules) {
            Some(index) => self.whole(&self.rules[index], value),
            None => Ok(()),
        };
        self.frames.pop();
        self.pop_step();
        checked
    }
}

impl Guard<'_> {
    /// Checks on a whole value.
    fn whole(&self, rules: &Rules<'_>, value: NodeRef<'_>) -> Result<(), Box<Violation>> {
        if let Some(x) = value.as_number().and_then(|n| n.as_f64()) {
            let [min, max, above, below] = rules.bounds;
            let broken = [
                (min.filter(|&m| x < m), "at least"),
                (max.filter(|&m| x > m), "at most"),
                (above.filter(|&m| x <= m), "greater than"),
                (below.filter(|&m| x >= m), "less than"),
            ];
            if let Some((Some(limit), phrase)) = broken.into_iter().find(|b| b.0.is_some()) {
                let n = value.to_value();
                return Err(self.stop(
                    ErrorKind::Range,
                    format!("a number {phrase} {limit}"),
                    Some(n.to_string()),
                    format!("{n} is out of range"),
                ));
            }
        }
        if let (Some(text), Some(min)) = (value.as_str(), rules.min_length) {
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
        if let (Some(items), Some(min)) = (value.items(), rules.min_items) {
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
        if let (Some(members), false) = (value.members(), rules.required.is_empty()) {
            let keys: Vec<&str> = members.map(|(k, _)| k).collect();
            // A key the schema does not name may be an alias of a required one: then say nothing.
            let all_known = rules
                .properties
                .is_some_and(|p| keys.iter().all(|k| p.contains_key(*k)));
            if let Some(missing) = rules
                .required
                .iter()
                .find(|r| all_known && !keys.contains(r))
            {
                return Err(self.stop(
                    ErrorKind::Missing,
                    format!("the field `{missing}`"),
                    None,
                    format!("the object closed without the required field `{missing}`"),
                ));
            }
        }
        Ok(())
    }
}
