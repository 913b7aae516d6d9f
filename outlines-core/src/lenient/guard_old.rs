//!

//!

//!

use std::collections::HashMap;

use serde_json::Value;

use crate::diagnostics::{ErrorKind, Path, Segment, Violation};
use crate::lenient::incremental::{Slot, Start, Watch};
use crate::partial::NodeRef;

/// How many `$ref`s are followed at one place.
const HOPS: usize = 32;
/// How deep schemas are compiled; below, nothing is checked (a hostile schema cannot exhaust the
/// stack).
const DEPTH: usize = 64;
/// Objects with more properties than this find a key by hash rather than by a scan.
const SCAN: usize = 24;

/// A JSON Schema compiled for [`Guard`]s: what each schema the guard can follow checks. Build it
/// once per output and share it; it owns what it needs.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    rules: Vec<Rules>,
    root: Option<usize>,
    aliases: bool,
}

/// The keywords of one schema a guard checks; children as indices in [`Plan::rules`] (`None`: not
/// followed).
#[derive(Clone, Debug, Default)]
struct Rules {
    properties: Vec<(Box<str>, Option<usize>)>,
    /// `properties` by name, for objects with many.
    index: Option<HashMap<Box<str>, usize>>,
    has_properties: bool,
    /// No key beyond `properties` (`additionalProperties: false`, no `patternProperties`).
    closed: bool,
    additional: Option<usize>,
    /// Required keys, with their place in `properties` (if listed there).
    required: Vec<(Box<str>, Option<usize>)>,
    prefix: Vec<Option<usize>>,
    items: Option<usize>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    /// `enum` of strings, lowercased, and the longest one's length.
    choices: Option<(Vec<Box<str>>, usize)>,
    /// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`.
    bounds: [Option<f64>; 4],
}

impl Rules {
    /// The place of `key` in `properties`.
    fn property(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.properties.iter().position(|(name, _)| &**name == key),
        }
    }
}

impl Plan {
    /// Compiles `schema`: every schema reachable from it through `properties`,
    /// `additionalProperties`, `items`, `prefixItems`, local `$ref`s and an `Option`'s `anyOf`.
    pub fn new(schema: &Value) -> Plan {
        let mut compiler = Compiler {
            root: schema,
            plan: Plan::default(),
            seen: HashMap::new(),
        };
        let root = compiler.compile(schema, 0);
        Plan {
            root,
            ..compiler.plan
        }
    }

    /// Whether the output accepts names its JSON Schema does not list (`#[serde(alias)]` on a
    /// field or a variant): then an unknown key or enum value is no reason to stop.
    pub fn aliases(mut self, aliases: bool) -> Self {
        self.aliases = aliases;
        self
    }
}

struct Compiler<'s> {
    root: &'s Value,
    plan: Plan,
    /// Schemas compiled so far, by address: each once, and cycles of references end.
    seen: HashMap<usize, usize>,
}

impl<'s> Compiler<'s> {
    fn compile(&mut self, schema: &'s Value, depth: usize) -> Option<usize> {
        let target = resolve(self.root, schema)?;
        let address = target as *const Value as usize;
        if let Some(&index) = self.seen.get(&address) {
            return Some(index);
        }
        if depth > DEPTH {
            return None;
        }
        let index = self.plan.rules.len();
        self.plan.rules.push(Rules::default());
        self.seen.insert(address, index);
        let rules = self.rules(target, depth + 1);
        self.plan.rules[index] = rules;
        Some(index)
    }

    /// Reads the keywords in one pass over the schema's members.
    fn rules(&mut self, schema: &'s Value, depth: usize) -> Rules {
        let mut rules = Rules::default();
        let Some(members) = schema.as_object() else {
            return rules;
        };
        let mut pattern_properties = false;
        let mut required = Vec::new();
        for (key, value) in members {
            match key.as_str() {
                "properties" => {
                    rules.has_properties = value.is_object();
                    for (name, field) in value.as_object().into_iter().flatten() {
                        let field = self.compile(field, depth);
                        rules.properties.push((name.as_str().into(), field));
                    }
                }
                "patternProperties" => pattern_properties = true,
                "additionalProperties" => {
                    rules.closed = value == &Value::Bool(false);
                    if value.is_object() {
                        rules.additional = self.compile(value, depth);
                    }
                }
                "required" => required = strings(value).unwrap_or_default(),
                "prefixItems" => {
                    for item in value.as_array().into_iter().flatten() {
                        let item = self.compile(item, depth);
                        rules.prefix.push(item);
                    }
                }
                "items" if value.is_object() => rules.items = self.compile(value, depth),
                "minItems" => rules.min_items = value.as_u64(),
                "maxItems" => rules.max_items = value.as_u64(),
                "minLength" => rules.min_length = value.as_u64(),
                "maxLength" => rules.max_length = value.as_u64(),
                "enum" => {
                    rules.choices = strings(value).map(|values| {
                        let longest = values.iter().map(|v| v.len()).max().unwrap_or(0);
                        let lower = values.iter().map(|v| v.to_ascii_lowercase().into());
                        (lower.collect(), longest)
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
        if rules.properties.len() > SCAN {
            let index = rules.properties.iter().enumerate();
            rules.index = Some(index.map(|(i, (name, _))| (name.clone(), i)).collect());
        }
        rules.required = required
            .into_iter()
            .map(|name| (name.into(), rules.property(name)))
            .collect();
        rules
    }
}

/// `schema` with local references followed and an `Option`'s `anyOf` opened; `None` where the
/// guard does not follow (other combinators, remote references, a cycle of references).
fn resolve<'s>(root: &'s Value, mut schema: &'s Value) -> Option<&'s Value> {
    for _ in 0..HOPS {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            schema = root.pointer(reference.strip_prefix('#')?)?;
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

fn strings(values: &Value) -> Option<Vec<&str>> {
    values.as_array()?.iter().map(Value::as_str).collect()
}

/// Watches one streamed reply against a [`Plan`].
pub struct Guard<'p> {
    plan: &'p Plan,
    /// The key the value is wrapped under, if the backend wraps it (`{"value": …}`).
    envelope: Option<String>,
    /// One frame per value being read, outermost first.
    frames: Vec<Frame>,
    /// Where the value being read is: keys as ranges of `keys`, so no key is copied per value.
    path: Vec<Step>,
    keys: String,
}

#[derive(Clone, Copy)]
struct Frame {
    /// The rules the value must meet (an index in the plan), if its schema is followed.
    rules: Option<usize>,
    /// Whether this frame is the envelope around the value.
    envelope: bool,
    /// For an object: the listed properties written so far (the first 64, by place).
    seen: u64,
    /// For an object: a key was written that `properties` does not list.
    unlisted: bool,
    /// For an object: the place in `properties` of the key just written, found when it ended.
    pending: Option<Option<usize>>,
}

#[derive(Clone, Copy)]
enum Step {
    Key(usize, usize),
    Index(usize),
}

impl<'p> Guard<'p> {
    /// A guard for a reply that must meet `plan`'s schema.
    pub fn new(plan: &'p Plan) -> Self {
        Guard {
            plan,
            envelope: None,
            frames: Vec::new(),
            path: Vec::new(),
            keys: String::new(),
        }
    }

    /// The reply writes the value as the member `key` of an object.
    pub fn enveloped(mut self, key: impl Into<String>) -> Self {
        self.envelope = Some(key.into());
        self
    }

    fn rules(&self, index: usize) -> &'p Rules {
        &self.plan.rules[index]
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

    /// The place of `key` among the innermost object's properties (remembered in its frame), or
    /// the reason the reply can no longer be valid; `at_key` when the path already ends at the key.
    fn member(&mut self, key: &str, at_key: bool) -> Result<Option<usize>, Box<Violation>> {
        let Some(frame) = self.frames.last_mut() else {
            return Ok(None);
        };
        if let Some(found) = frame.pending.take() {
            return Ok(found);
        }
        let plan = self.plan;
        let Some(rules) = frame.rules.map(|i| &plan.rules[i]) else {
            return Ok(None);
        };
        let found = rules.property(key);
        match found {
            Some(place) if place < 64 => frame.seen |= 1 << place,
            Some(_) => {}
            None => frame.unlisted = true,
        }
        if found.is_none() && rules.closed && !plan.aliases {
            if !at_key {
                self.push_step(Slot::Member(key));
            }
            let known: Vec<&str> = rules.properties.iter().map(|(name, _)| &**name).collect();
            return Err(self.stop(
                ErrorKind::Unknown,
                format!("one of the fields {}", known.join(", ")),
                Some(format!("{key:?}")),
                format!("unknown field `{key}`"),
            ));
        }
        Ok(found)
    }

    /// The rules of the value beginning at `slot`, whether it is the envelope, or the reason the
    /// reply can no longer be valid.
    fn child(&mut self, slot: Slot<'_>) -> Result<(Option<usize>, bool), Box<Violation>> {
        let Some(parent) = self.frames.last().copied() else {
            return Ok(match self.envelope {
                Some(_) => (None, true),
                None => (self.plan.root, false),
            });
        };
        if parent.envelope {
            let inside = matches!(slot, Slot::Member(key) if Some(key) == self.envelope.as_deref());
            return Ok((self.plan.root.filter(|_| inside), false));
        }
        let Some(rules) = parent.rules.map(|i| self.rules(i)) else {
            return Ok((None, false));
        };
        let found = match slot {
            Slot::Root => None,
            Slot::Member(key) => match self.member(key, true)? {
                Some(place) => rules.properties[place].1,
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
                match rules.prefix.get(index) {
                    Some(item) => *item,
                    None => rules.items,
                }
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

impl Watch for Guard<'_> {
    fn begin(&mut self, slot: Slot<'_>, _start: Start) -> Result<(), Box<Violation>> {
        self.push_step(slot);
        let (rules, envelope) = self.child(slot)?;
        self.frames.push(Frame {
            rules,
            envelope,
            seen: 0,
            unlisted: false,
            pending: None,
        });
        Ok(())
    }

    fn key(&mut self, key: &str) -> Result<(), Box<Violation>> {
        // The same check as when its value begins, made as soon as the key is written.
        let open = self.frames.last().is_some_and(|f| f.rules.is_some());
        if !open {
            return Ok(());
        }
        let found = self.member(key, false);
        if let (Ok(found), Some(frame)) = (&found, self.frames.last_mut()) {
            frame.pending = Some(*found);
        }
        found.map(|_| ())
    }

    fn grow(&mut self, so_far: &str, chars: usize) -> Result<(), Box<Violation>> {
        let Some(rules) = self
            .frames
            .last()
            .and_then(|f| f.rules)
            .map(|i| self.rules(i))
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
        let Some((values, longest)) = rules.choices.as_ref().filter(|_| !self.plan.aliases) else {
            return Ok(());
        };
        // Past the longest value by more than surrounding space could explain, nothing matches.
        // Case is compared as lenient reading compares it; beyond ASCII, lowercasing a prefix
        // may differ from a prefix of the lowercased value (a final `Σ`), so no stop there.
        let fits = !so_far.is_ascii()
            || so_far.len() <= longest + 64 && {
                let written = so_far.trim_start();
                let core = written.trim_end();
                // Space may end the value, or be inside one ("new york").
                values.iter().any(|v| {
                    v.get(..written.len())
                        .is_some_and(|head| head.eq_ignore_ascii_case(written))
                        || v.eq_ignore_ascii_case(core)
                })
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
        let checked = match self.frames.last() {
            Some(frame) => match frame.rules {
                Some(index) => self.whole(self.rules(index), frame, value),
                None => Ok(()),
            },
            None => Ok(()),
        };
        self.frames.pop();
        self.pop_step();
        checked
    }
}

impl Guard<'_> {
    /// Checks on a whole value.
    fn whole(
        &self,
        rules: &Rules,
        frame: &Frame,
        value: NodeRef<'_>,
    ) -> Result<(), Box<Violation>> {
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
        if let (Some(count), Some(min), None) = (value.count(), rules.min_items, value.members()) {
            let count = count as u64;
            if count < min {
                return Err(self.stop(
                    ErrorKind::Constraint,
                    format!("at least {min} items"),
                    Some(format!("{count} items")),
                    format!("the array closed with {count} items"),
                ));
            }
        }
        // A key the schema does not list may be an alias of a required one: then say nothing.
        let checks_required = rules.has_properties && !frame.unlisted && value.members().is_some();
        if checks_required {
            let missing = rules.required.iter().find(|(name, place)| match place {
                Some(place) if *place < 64 => frame.seen & (1 << place) == 0,
                _ => value.get(name).is_none(),
            });
            if let Some((missing, _)) = missing {
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
