//! Early abort: a [`Watch`] that stops a streamed reply as soon as what it has written can no longer
//! become a valid value, whatever follows — so the loop can go to the repair turn at once instead of
//! paying for the rest.
//!
//! It follows the reply down the output's JSON Schema (the form derived types and runtime schemas
//! share; local `$ref`s, `anyOf` of one schema and `null`, and a schema's own keywords beside its
//! `allOf`) and stops at:
//! - a key the object does not allow (`additionalProperties: false`, i.e. `deny_unknown_fields`);
//! - an array item past `maxItems`;
//! - a string past `maxLength` characters, or one that no `enum` value begins with;
//! - a string that can no longer match its `pattern`, whatever follows: the validator's DFA for
//!   it (same dialect) is stepped a byte at a time, and a dead state before any match means no
//!   continuation matches. Only a pattern anchored with `^` can die (`^ORD-[0-9]{6}$` at
//!   `"ORD-12x`, or at a seventh digit); an unanchored one may still match further on, so it is
//!   not followed, nor is one the DFA cannot be built for (too large, a Unicode `\b`);
//! - a whole number outside `minimum`/`maximum` (checked only once the number ends: `200` may
//!   still become `200e-2`);
//! - a whole string shorter than `minLength`, a whole array shorter than `minItems`, an object that
//!   closed without a required key.
//!
//! Only what lenient reading could not still fix counts: enum values are compared ignoring case and
//! surrounding space (as its `enum_case` fix does), and a value of another type than the schema's
//! (`"25"` for an integer, which it converts) is never a reason. Where the schema is not followed
//! (`oneOf`, other `anyOf`s, remote references), nothing below is checked; the branches of an
//! `allOf` are not followed, only the keywords beside it (all of which the value must meet too:
//! the derive puts a second `pattern` or `format` there).
//!
//! The schema is compiled once into a [`Plan`] (every schema the guard can follow, its keywords read
//! and its children resolved), which the output keeps; a [`Guard`] is the state of one reply.

use std::collections::HashMap;

use regex_automata::dfa::{Automaton, dense::DFA};
use regex_automata::util::{primitives::StateID, start};
use serde_json::Value;

use super::incremental::{Slot, Start, Watch};
use crate::diagnostics::{ErrorKind, Path, Segment, Violation};
use crate::partial::NodeRef;

/// How many `$ref`s are followed at one place.
const HOPS: usize = 32;
/// How deep schemas are compiled; below, nothing is checked (a hostile schema cannot exhaust the
/// stack).
const DEPTH: usize = 64;
/// What the DFAs of one plan's patterns may take in all (each is at most 256 KiB): a hostile
/// schema's many patterns cannot make a plan large.
const PATTERN_BUDGET: usize = 16 << 20;
/// Objects with more properties than this find a key by hash rather than by a scan.
const SCAN: usize = 24;

/// A JSON Schema compiled for [`Guard`]s: what each schema the guard can follow checks. Build it
/// once per output and share it; it owns what it needs.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    rules: Vec<Rules>,
    /// What each rules check ([`Rules::checks`]), side by side: read as a value begins.
    checks: Vec<u8>,
    /// The `pattern`s strings are stepped through ([`Rules::pattern`]).
    patterns: Vec<Anchored>,
    root: Option<usize>,
    aliases: bool,
}

/// A `pattern` anchored at the start, compiled as the validator compiles it: a string it has died
/// on matches it with no continuation.
#[derive(Clone, Debug)]
struct Anchored {
    source: Box<str>,
    dfa: DFA<Vec<u32>>,
    /// The state before the string's first byte (no byte behind it: `^` holds).
    start: StateID,
}

/// The keywords of one schema a guard checks; children as indices in [`Plan::rules`] (`None`: not
/// followed).
#[derive(Clone, Debug, Default)]
struct Rules {
    properties: Vec<Property>,
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
    /// `pattern`, if a string can die on it: its place in [`Plan::patterns`].
    pattern: Option<usize>,
    /// The places of the required keys, if every one is among the first 64 properties: then
    /// the keys an object wrote tell at once whether it has them all.
    required_mask: Option<u64>,
}

/// A listed property: its name, its schema's rules (if followed) and what they check.
#[derive(Clone, Debug)]
struct Property {
    name: Box<str>,
    rules: Option<usize>,
    checks: u8,
}

/// A string under the rules is checked as it grows (`maxLength`, or an `enum`).
const GROWS: u8 = 1;
/// A number under the rules is checked once whole (`minimum` and the like).
const BOUNDED: u8 = 2;
/// A string under the rules is checked once whole (`minLength`).
const SHORT: u8 = 4;
/// An array under the rules is checked once whole (`minItems`).
const FEW: u8 = 8;
/// An object under the rules is checked once whole (`required`).
const REQUIRED: u8 = 16;
/// A string under the rules is stepped through a `pattern`'s DFA as it grows.
const PATTERN: u8 = 32;
/// A value under the rules is checked once whole.
const ENDS: u8 = BOUNDED | SHORT | FEW | REQUIRED;

impl Rules {
    /// The place of `key` in `properties`.
    fn property(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.properties.iter().position(|p| &*p.name == key),
        }
    }

    /// The place of `key` in `properties`, looked for first at `hint` (replies mostly write the
    /// keys in the schema's order), then everywhere. Names are unique, so the place is the same.
    #[inline]
    fn property_from(&self, key: &str, hint: usize) -> Option<usize> {
        match self.properties.get(hint) {
            Some(p) if same(p.name.as_bytes(), key.as_bytes()) => Some(hint),
            _ => self.property(key),
        }
    }

    /// What a value under the rules is checked for: [`GROWS`], [`BOUNDED`], [`SHORT`], [`FEW`],
    /// [`REQUIRED`], [`PATTERN`].
    fn checks(&self) -> u8 {
        let flag = |on: bool, flag: u8| if on { flag } else { 0 };
        flag(self.max_length.is_some() || self.choices.is_some(), GROWS)
            | flag(self.pattern.is_some(), PATTERN)
            | flag(self.bounds.iter().any(Option::is_some), BOUNDED)
            | flag(self.min_length.is_some(), SHORT)
            | flag(self.min_items.is_some(), FEW)
            | flag(self.has_properties && !self.required.is_empty(), REQUIRED)
    }
}

impl Plan {
    /// Compiles `schema`: every schema reachable from it through `properties`,
    /// `additionalProperties`, `items`, `prefixItems`, local `$ref`s and an `Option`'s `anyOf`.
    pub fn new(schema: &Value) -> Plan {
        Plan::within(schema, PATTERN_BUDGET)
    }

    /// [`Plan::new`], its patterns' DFAs taking at most `budget` bytes in all.
    fn within(schema: &Value, budget: usize) -> Plan {
        let mut compiler = Compiler {
            root: schema,
            plan: Plan::default(),
            seen: HashMap::new(),
            sources: HashMap::new(),
            budget,
        };
        let root = compiler.compile(schema, 0);
        let mut plan = Plan {
            root,
            ..compiler.plan
        };
        plan.checks = plan.rules.iter().map(Rules::checks).collect();
        for rules in &mut plan.rules {
            for property in &mut rules.properties {
                property.checks = property.rules.map_or(0, |i| plan.checks[i]);
            }
        }
        plan
    }

    /// How many patterns strings are stepped through.
    #[cfg(test)]
    pub(crate) fn patterns_followed(&self) -> usize {
        self.patterns.len()
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
    /// Patterns compiled so far, by source: each once (`None`: not followed).
    sources: HashMap<&'s str, Option<usize>>,
    /// Bytes the patterns' DFAs may still take ([`PATTERN_BUDGET`]).
    budget: usize,
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
        let mut pattern = None;
        for (key, value) in members {
            match key.as_str() {
                "properties" => {
                    rules.has_properties = value.is_object();
                    for (name, field) in value.as_object().into_iter().flatten() {
                        let field = self.compile(field, depth);
                        rules.properties.push(Property {
                            name: name.as_str().into(),
                            rules: field,
                            checks: 0,
                        });
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
                "pattern" => pattern = value.as_str(),
                _ => {}
            }
        }
        // Only where the string stays as written: lenient reading may turn a string into another
        // type the schema allows (to which `pattern` does not apply), or an `enum` value's case.
        let stays = match members.get("type") {
            None => true,
            Some(Value::String(t)) => t == "string",
            Some(Value::Array(types)) => types.iter().all(|t| t == "string" || t == "null"),
            Some(_) => false,
        };
        if stays && !members.contains_key("enum") && !members.contains_key("const") {
            rules.pattern = pattern.and_then(|source| self.pattern(source));
        }
        rules.closed &= !pattern_properties;
        if rules.properties.len() > SCAN {
            let index = rules.properties.iter().enumerate();
            rules.index = Some(index.map(|(i, p)| (p.name.clone(), i)).collect());
        }
        rules.required = required
            .into_iter()
            .map(|name| (name.into(), rules.property(name)))
            .collect();
        rules.required_mask = rules
            .required
            .iter()
            .try_fold(0, |mask, (_, place)| match place {
                Some(place) if *place < 64 => Some(mask | 1 << place),
                _ => None,
            });
        rules
    }

    /// The place in [`Plan::patterns`] of `source`, compiled, if strings can die on it.
    fn pattern(&mut self, source: &'s str) -> Option<usize> {
        if let Some(&known) = self.sources.get(source) {
            return known;
        }
        let compiled = (self.budget > 0).then(|| crate::schema::prefix_dfa(source));
        let compiled = compiled.flatten().and_then(|dfa| {
            // Unanchored, the search may begin at any later byte: it never dies before a match,
            // and stepping it would cost without ever stopping.
            if !dfa.is_always_start_anchored() {
                return None;
            }
            // Past the budget, a schema's further patterns are left to the validator.
            self.budget = self.budget.checked_sub(dfa.memory_usage())?;
            let start = dfa
                .start_state(&start::Config::new().anchored(regex_automata::Anchored::No))
                .ok()?;
            Some(Anchored {
                source: source.into(),
                dfa,
                start,
            })
        });
        let place = compiled.map(|anchored| {
            self.plan.patterns.push(anchored);
            self.plan.patterns.len() - 1
        });
        self.sources.insert(source, place);
        place
    }
}

/// `schema` with local references followed and an `Option`'s `anyOf` opened; `None` where the
/// guard does not follow (`oneOf`, other `anyOf`s, remote references, a cycle of references).
/// An `allOf` is left in place: its branches are not read, the keywords beside it are (a value
/// must meet those whatever the branches say, so a stop on them is never wrong).
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
        if schema.get("oneOf").is_some() {
            return None;
        }
        return Some(schema);
    }
    None
}

/// `a == b`, inline: keys are short, and a call to `memcmp` costs more than comparing them.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // Words from the start, then the last word (overlapping): few branches for any length.
    fn word<const W: usize>(a: &[u8], b: &[u8], at: usize) -> bool {
        let word = |s: &[u8]| <[u8; W]>::try_from(&s[at..at + W]).ok();
        word(a) == word(b)
    }
    match n {
        8.. => {
            let mut at = 0;
            while at + 8 < n {
                if !word::<8>(a, b, at) {
                    return false;
                }
                at += 8;
            }
            word::<8>(a, b, n - 8)
        }
        4..=7 => word::<4>(a, b, 0) && word::<4>(a, b, n - 4),
        2..=3 => word::<2>(a, b, 0) && word::<2>(a, b, n - 2),
        1 => a[0] == b[0],
        0 => true,
    }
}

fn strings(values: &Value) -> Option<Vec<&str>> {
    values.as_array()?.iter().map(Value::as_str).collect()
}

/// Watches one streamed reply against a [`Plan`].
pub struct Guard<'p> {
    plan: &'p Plan,
    /// The key the value is wrapped under, if the backend wraps it (`{"value": …}`).
    envelope: Option<String>,
    /// One frame per value being read whose schema is followed (and the envelope), outermost
    /// first.
    frames: Vec<Frame<'p>>,
    /// How many values are open, counting from the outermost one whose schema is not followed
    /// (it and every value inside it): nothing there is checked, so none has a frame.
    dead: usize,
    /// The keys of members the schema does not list that have a frame (a listed key is named by
    /// its place in `properties`, so no key is copied per value).
    keys: String,
    /// The string being read under a `pattern` (strings do not nest: one at a time).
    scan: Scan,
}

/// How far the string being read was stepped through its pattern's DFA.
#[derive(Clone, Copy)]
struct Scan {
    /// The state after the first `fed` bytes.
    state: StateID,
    /// Bytes stepped; 0 before the first, [`DONE`] once nothing can stop the string (it matched).
    fed: usize,
}

/// [`Scan::fed`] when the string needs no more steps.
const DONE: usize = usize::MAX;

/// No key written whose value has not begun yet.
const NO_KEY: u32 = u32::MAX;
/// The key just written is not among `properties`.
const UNLISTED: u32 = u32::MAX - 1;

#[derive(Clone, Copy)]
struct Frame<'p> {
    /// The rules the value must meet; none for the envelope around the value.
    rules: Option<&'p Rules>,
    /// What the rules check ([`Rules::checks`]; nothing for the envelope).
    checks: u8,
    /// For an object: a key was written that `properties` does not list.
    unlisted: bool,
    /// For an object: the place in `properties` of the key just written, found when it ended
    /// ([`UNLISTED`] if none; [`NO_KEY`] when no key waits for its value).
    pending: u32,
    /// For an object: where in `properties` the next key is looked for first (after the last).
    next: u32,
    /// For an object: the listed properties written so far (the first 64, by place).
    seen: u64,
    /// Where the value is in its parent.
    step: Step,
}

#[derive(Clone, Copy)]
enum Step {
    /// The reply's value, or the envelope's member: not part of a violation's path.
    Root,
    /// A listed member: its place in the parent's `properties`.
    Listed(u32),
    /// A member the parent does not list: its key as a range of [`Guard::keys`].
    Unlisted(usize, usize),
    Index(usize),
}

impl<'p> Frame<'p> {
    #[inline]
    fn new(rules: Option<&'p Rules>, checks: u8, step: Step) -> Frame<'p> {
        Frame {
            rules,
            checks,
            unlisted: false,
            pending: NO_KEY,
            next: 0,
            seen: 0,
            step,
        }
    }
}

impl<'p> Guard<'p> {
    /// A guard for a reply that must meet `plan`'s schema.
    pub fn new(plan: &'p Plan) -> Self {
        Guard {
            plan,
            envelope: None,
            frames: Vec::new(),
            dead: 0,
            keys: String::new(),
            scan: Scan {
                state: StateID::ZERO,
                fed: DONE,
            },
        }
    }

    /// The reply writes the value as the member `key` of an object.
    pub fn enveloped(mut self, key: impl Into<String>) -> Self {
        self.envelope = Some(key.into());
        self
    }

    /// A frame for a value under the rules `index`.
    #[inline]
    fn frame(&self, index: usize, step: Step) -> Frame<'p> {
        Frame::new(Some(&self.plan.rules[index]), self.plan.checks[index], step)
    }

    /// The violation, at the innermost frame's value, or at `last` inside it.
    #[cold]
    #[inline(never)]
    fn stop(
        &self,
        last: Option<Slot<'_>>,
        kind: ErrorKind,
        expected: String,
        got: Option<String>,
        message: String,
    ) -> Box<Violation> {
        let mut segments = Vec::with_capacity(self.frames.len() + 1);
        let mut parent: Option<&Rules> = None;
        for frame in &self.frames {
            segments.push(match frame.step {
                Step::Root => Segment::Key(String::new()),
                Step::Listed(place) => {
                    let properties = parent.map_or(&[][..], |rules| &rules.properties);
                    Segment::Key(properties[place as usize].name.to_string())
                }
                Step::Unlisted(from, to) => Segment::Key(self.keys[from..to].to_owned()),
                Step::Index(index) => Segment::Index(index),
            });
            parent = frame.rules;
        }
        match last {
            Some(Slot::Member(key)) => segments.push(Segment::Key(key.to_owned())),
            Some(Slot::Item(index)) => segments.push(Segment::Index(index)),
            Some(Slot::Root) => segments.push(Segment::Key(String::new())),
            None => {}
        }
        // Without the root's step, and the envelope's.
        let skip = (1 + usize::from(self.envelope.is_some())).min(segments.len());
        segments.drain(..skip);
        Box::new(Violation::new(
            kind,
            Path::from_segments(segments),
            expected,
            got,
            message,
        ))
    }

    /// The place of `key` among the innermost object's properties (frame `top`, which has rules),
    /// remembered in its frame, or the reason the reply can no longer be valid.
    #[inline(always)]
    fn member(
        &mut self,
        top: usize,
        rules: &'p Rules,
        key: &str,
    ) -> Result<Option<usize>, Box<Violation>> {
        let frame = &mut self.frames[top];
        let found = rules.property_from(key, frame.next as usize);
        match found {
            Some(place) => {
                if place < 64 {
                    frame.seen |= 1 << place;
                }
                frame.next = place as u32 + 1;
            }
            None => frame.unlisted = true,
        }
        if found.is_none() && rules.closed && !self.plan.aliases {
            return Err(self.unknown(rules, key));
        }
        Ok(found)
    }

    /// The key just written to the innermost object (frame `top`), for its value to come.
    #[inline(always)]
    fn pend(&mut self, top: usize, rules: &'p Rules, key: &str) -> Result<(), Box<Violation>> {
        let found = self.member(top, rules, key)?;
        self.frames[top].pending = found.map_or(UNLISTED, |place| place as u32);
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn unknown(&self, rules: &Rules, key: &str) -> Box<Violation> {
        let known: Vec<&str> = rules.properties.iter().map(|p| &*p.name).collect();
        // The key comes from the reply: quoted and shortened, as the validator names it.
        let name = crate::text::shorten_str(key);
        self.stop(
            Some(Slot::Member(key)),
            ErrorKind::Unknown,
            format!("one of the fields {}", known.join(", ")),
            Some(name.clone()),
            format!("unknown field {name}"),
        )
    }

    #[cold]
    #[inline(never)]
    fn too_many(&self, max: u64, index: usize) -> Box<Violation> {
        self.stop(
            Some(Slot::Item(index)),
            ErrorKind::Constraint,
            format!("at most {max} items"),
            Some(format!("{} items or more", index + 1)),
            format!("the array already has more than {max} items"),
        )
    }

    /// A value begins at `slot` of the innermost frame's value: its frame, or none below it.
    #[inline(never)]
    fn open(&mut self, slot: Slot<'_>) -> Result<(), Box<Violation>> {
        match self.child(slot)? {
            Some(frame) => {
                if frame.checks & PATTERN != 0 {
                    // A new string: stepped from the DFA's start.
                    self.scan.fed = 0;
                }
                self.frames.push(frame)
            }
            None => self.dead = 1,
        }
        Ok(())
    }

    /// A value begins at `slot` of the innermost frame's value: its frame, if its schema is
    /// followed, or the reason the reply can no longer be valid.
    #[inline]
    fn child(&mut self, slot: Slot<'_>) -> Result<Option<Frame<'p>>, Box<Violation>> {
        let Some(top) = self.frames.len().checked_sub(1) else {
            return Ok(match self.envelope {
                Some(_) => Some(Frame::new(None, 0, Step::Root)),
                None => self.plan.root.map(|root| self.frame(root, Step::Root)),
            });
        };
        let parent = &self.frames[top];
        let Some(rules) = parent.rules else {
            // The envelope.
            let inside = matches!(slot, Slot::Member(key) if Some(key) == self.envelope.as_deref());
            let root = self.plan.root.filter(|_| inside);
            return Ok(root.map(|root| self.frame(root, Step::Root)));
        };
        match slot {
            Slot::Root => Ok(None),
            Slot::Member(key) => {
                let pending = parent.pending;
                let found = match pending {
                    NO_KEY => self.member(top, rules, key)?,
                    UNLISTED => None,
                    place => Some(place as usize),
                };
                self.frames[top].pending = NO_KEY;
                Ok(match found {
                    Some(place) => {
                        let property = &rules.properties[place];
                        property.rules.map(|child| {
                            let rules = Some(&self.plan.rules[child]);
                            Frame::new(rules, property.checks, Step::Listed(place as u32))
                        })
                    }
                    None => rules.additional.map(|child| {
                        let from = self.keys.len();
                        self.keys.push_str(key);
                        self.frame(child, Step::Unlisted(from, self.keys.len()))
                    }),
                })
            }
            Slot::Item(index) => {
                if let Some(max) = rules.max_items.filter(|&max| index as u64 >= max) {
                    return Err(self.too_many(max, index));
                }
                let child = match rules.prefix.get(index) {
                    Some(item) => *item,
                    None => rules.items,
                };
                Ok(child.map(|child| self.frame(child, Step::Index(index))))
            }
        }
    }
}

impl Watch for Guard<'_> {
    #[inline]
    fn begin(&mut self, slot: Slot<'_>, _start: Start) -> Result<(), Box<Violation>> {
        if self.dead > 0 {
            self.dead += 1;
            return Ok(());
        }
        self.open(slot)
    }

    #[inline(never)]
    fn key(&mut self, key: &str) -> Result<(), Box<Violation>> {
        // The same check as when its value begins, made as soon as the key is written.
        if self.dead > 0 {
            return Ok(());
        }
        let Some(top) = self.frames.len().checked_sub(1) else {
            return Ok(());
        };
        let frame = &self.frames[top];
        match frame.rules {
            Some(rules) if frame.pending == NO_KEY => self.pend(top, rules, key),
            _ => Ok(()),
        }
    }

    #[inline]
    fn grow(&mut self, so_far: &str, chars: usize) -> Result<(), Box<Violation>> {
        if self.dead > 0 {
            return Ok(());
        }
        match self.frames.last() {
            Some(&Frame {
                rules: Some(rules),
                checks,
                ..
            }) if checks & (GROWS | PATTERN) != 0 => {
                if checks & GROWS != 0 {
                    self.grown(rules, so_far, chars)?;
                }
                if checks & PATTERN != 0 {
                    self.step(rules, so_far)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    #[inline]
    fn end(&mut self, value: NodeRef<'_>) -> Result<(), Box<Violation>> {
        if self.dead > 0 {
            self.dead -= 1;
            return Ok(());
        }
        let Some(frame) = self.frames.last() else {
            return Ok(());
        };
        if frame.checks & ENDS == 0 && !matches!(frame.step, Step::Unlisted(..)) {
            self.frames.pop();
            return Ok(());
        }
        self.close(value)
    }
}

impl Guard<'_> {
    /// The innermost frame's value is whole: checks it, and drops its frame.
    #[inline(never)]
    fn close(&mut self, value: NodeRef<'_>) -> Result<(), Box<Violation>> {
        let Some(&frame) = self.frames.last() else {
            return Ok(());
        };
        let checked = match frame.rules {
            Some(rules) if frame.checks & ENDS != 0 => self.whole(rules, &frame, value),
            _ => Ok(()),
        };
        self.frames.pop();
        if let Step::Unlisted(from, _) = frame.step {
            self.keys.truncate(from);
        }
        checked
    }

    /// Checks on a string that grew, under rules that check some.
    fn grown(&self, rules: &Rules, so_far: &str, chars: usize) -> Result<(), Box<Violation>> {
        if let Some(max) = rules.max_length.filter(|&max| chars as u64 > max) {
            return Err(self.stop(
                None,
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
        Err(self.no_choice(values, so_far))
    }

    /// Steps the string's new bytes (those after [`Scan::fed`]) through its pattern's DFA: linear
    /// in the string however it is cut.
    fn step(&mut self, rules: &Rules, so_far: &str) -> Result<(), Box<Violation>> {
        let Some(pattern) = rules.pattern.map(|i| &self.plan.patterns[i]) else {
            return Ok(());
        };
        let Scan { mut state, fed } = self.scan;
        // (Nothing when it is done.)
        let Some(new) = so_far.as_bytes().get(fed..) else {
            return Ok(());
        };
        if fed == 0 {
            state = pattern.start;
        }
        let dfa = &pattern.dfa;
        for (at, &byte) in new.iter().enumerate() {
            state = dfa.next_state(state, byte);
            if dfa.is_special_state(state) {
                // Dead before any match: no thread of the search is left, whatever follows.
                if dfa.is_dead_state(state) {
                    return Err(self.no_match(pattern, so_far, fed + at));
                }
                // A match ended before this byte: it stays one, whatever follows (its look-
                // around saw this byte already). (No quit bytes are configured; were there one,
                // the DFA could not tell, and the string is left alone.)
                if dfa.is_match_state(state) || dfa.is_quit_state(state) {
                    self.scan.fed = DONE;
                    return Ok(());
                }
            }
        }
        self.scan = Scan {
            state,
            fed: so_far.len(),
        };
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn no_match(&self, pattern: &Anchored, so_far: &str, at: usize) -> Box<Violation> {
        // Up to the character the pattern died at, however the string came in pieces.
        let end = (at + 1..=so_far.len())
            .find(|&end| so_far.is_char_boundary(end))
            .unwrap_or(so_far.len());
        let so_far = &so_far[..end];
        self.stop(
            None,
            ErrorKind::Constraint,
            // As the validator names the pattern.
            format!("string matching /{}/", pattern.source),
            Some(format!("{}…", crate::text::shorten_str(so_far))),
            "no string beginning like this matches the pattern".into(),
        )
    }

    #[cold]
    #[inline(never)]
    fn out_of_range(&self, value: NodeRef<'_>, phrase: &str, limit: f64) -> Box<Violation> {
        let n = value.to_value();
        self.stop(
            None,
            ErrorKind::Range,
            format!("a number {phrase} {limit}"),
            Some(n.to_string()),
            format!("{n} is out of range"),
        )
    }

    #[cold]
    #[inline(never)]
    fn too_short(&self, text: &str, min: u64, chars: u64) -> Box<Violation> {
        self.stop(
            None,
            ErrorKind::Constraint,
            format!("at least {min} characters"),
            Some(crate::text::shorten_str(text)),
            format!("the string has {chars} characters"),
        )
    }

    #[cold]
    #[inline(never)]
    fn too_few(&self, min: u64, count: u64) -> Box<Violation> {
        self.stop(
            None,
            ErrorKind::Constraint,
            format!("at least {min} items"),
            Some(format!("{count} items")),
            format!("the array closed with {count} items"),
        )
    }

    #[cold]
    #[inline(never)]
    fn missing(&self, missing: &str) -> Box<Violation> {
        self.stop(
            None,
            ErrorKind::Missing,
            format!("the field `{missing}`"),
            None,
            format!("the object closed without the required field `{missing}`"),
        )
    }

    #[cold]
    #[inline(never)]
    fn no_choice(&self, values: &[Box<str>], so_far: &str) -> Box<Violation> {
        self.stop(
            None,
            ErrorKind::Variant,
            format!(
                "one of {}",
                values
                    .iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            // (Already quoted: the reply's text as JSON.)
            Some(format!("{}…", crate::text::shorten_str(so_far))),
            "no allowed value begins like this".into(),
        )
    }

    /// Checks on a whole value, under rules that check some.
    fn whole(
        &self,
        rules: &Rules,
        frame: &Frame<'_>,
        value: NodeRef<'_>,
    ) -> Result<(), Box<Violation>> {
        let checks = frame.checks;
        if checks & BOUNDED != 0
            && let Some(x) = value.as_number().and_then(|n| n.as_f64())
        {
            let [min, max, above, below] = rules.bounds;
            let broken = [
                (min.filter(|&m| x < m), "at least"),
                (max.filter(|&m| x > m), "at most"),
                (above.filter(|&m| x <= m), "greater than"),
                (below.filter(|&m| x >= m), "less than"),
            ];
            if let Some((Some(limit), phrase)) = broken.into_iter().find(|b| b.0.is_some()) {
                return Err(self.out_of_range(value, phrase, limit));
            }
        }
        if checks & SHORT != 0
            && let (Some(min), Some(text)) = (rules.min_length, value.as_str())
        {
            // A character is at most 4 bytes: a string that long has enough of them.
            if (text.len() as u64) < min.saturating_mul(4) {
                let chars = text.chars().count() as u64;
                if chars < min {
                    return Err(self.too_short(text, min, chars));
                }
            }
        }
        if checks & FEW != 0 {
            let array =
                |value: NodeRef<'_>| Some(value.count()?).filter(|_| value.items().is_some());
            if let (Some(min), Some(count)) = (rules.min_items, array(value)) {
                let count = count as u64;
                if count < min {
                    return Err(self.too_few(min, count));
                }
            }
        }
        // A key the schema does not list may be an alias of a required one: then say nothing.
        // Every required key among the first 64 properties, and all written: nothing is missing.
        if checks & REQUIRED != 0
            && rules.has_properties
            && !frame.unlisted
            && rules
                .required_mask
                .is_none_or(|mask| frame.seen & mask != mask)
            && value.members().is_some()
        {
            let missing = rules.required.iter().find(|(name, place)| match place {
                Some(place) if *place < 64 => frame.seen & (1 << place) == 0,
                _ => value.get(name).is_none(),
            });
            if let Some((missing, _)) = missing {
                return Err(self.missing(missing));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::{Value, json};

    use super::{Guard, Plan};
    use crate::lenient::incremental::{Incremental, Progress};
    use crate::schema::Pattern;

    /// Where the guard stops `text` against `schema`, fed one character at a time: the
    /// violation's kind, path and message.
    fn stop(schema: &Value, envelope: Option<&str>, text: &str) -> Option<String> {
        let plan = Plan::new(schema);
        let mut guard = Guard::new(&plan);
        if let Some(key) = envelope {
            guard = guard.enveloped(key);
        }
        let mut reader = Incremental::new();
        for (at, c) in text.char_indices() {
            if let Progress::Stopped(v) = reader.feed(&text[at..at + c.len_utf8()], &mut guard) {
                return Some(format!(
                    "{:?} at {} after {at}: {}",
                    v.kind(),
                    v.path(),
                    v.message()
                ));
            }
        }
        None
    }

    #[test]
    fn stops_name_the_place() {
        let mut properties = serde_json::Map::new();
        for i in 0..70 {
            properties.insert(format!("p{i}"), json!({"minimum": 1, "maxLength": 2}));
        }
        let many = json!({
            "type": "object",
            "properties": properties,
            "required": ["p0", "p66"],
            "additionalProperties": false,
        });
        let open = json!({
            "type": "object",
            "properties": {
                "a": {"prefixItems": [{"enum": ["x"]}], "items": {"maxLength": 2}},
                "name": {"type": "object", "additionalProperties": {"maximum": 10}},
            },
            "additionalProperties": {"type": "object", "properties": {"n": {"maximum": 10}}},
        });
        let tree = json!({
            "$defs": {"T": {
                "type": "object",
                "properties": {
                    "label": {"maxLength": 3},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/T"}},
                },
                "additionalProperties": false,
            }},
            "$ref": "#/$defs/T",
        });
        let cases: [(&Value, Option<&str>, &str); 9] = [
            // Keys out of order, among more properties than a scan looks through.
            (&many, None, r#"{"p69": 1, "p2": "ab", "p0": 0, "#),
            (&many, None, r#"{"p69": 1, "p2": "abc"#),
            (&many, None, r#"{"p0": 1, "p65": 2, "p1": 3}"#),
            (&many, None, r#"{"p0": 1, "p66": 2, "q": 3}"#),
            (
                &many,
                Some("value"),
                r#"{"value": {"p66": 1, "p0": 2, "p3": 0}"#,
            ),
            // Keys the object does not list, named in the path.
            (&open, None, r#"{"a": ["x", "ab", "abc"]}"#),
            (&open, None, r#"{"zz": {"n": 11}}"#),
            (&open, None, r#"{"name": {"q": 1, "r": 11}}"#),
            // Deep in a recursive schema.
            (
                &tree,
                None,
                r#"{"children": [{"children": [{}, {"label": "abcd"}]}]}"#,
            ),
        ];
        let expected = [
            "Range at p0 after 30: 0 is out of range",
            "Constraint at p2 after 20: the string is already longer than 2 characters",
            "Missing at $ after 27: the object closed without the required field `p66`",
            "Unknown at q after 22: unknown field \"q\"",
            "Range at p3 after 37: 0 is out of range",
            "Constraint at a[2] after 21: the string is already longer than 2 characters",
            "Range at zz.n after 15: 11 is out of range",
            "Range at name.r after 25: 11 is out of range",
            "Constraint at children[0].children[1].label after 46: the string is already longer \
             than 3 characters",
        ];
        for ((schema, envelope, text), expected) in cases.iter().zip(expected) {
            assert_eq!(
                stop(schema, *envelope, text).as_deref(),
                Some(expected),
                "{text}"
            );
        }
    }

    #[test]
    fn a_key_from_the_reply_is_quoted_and_shortened() {
        let schema = json!({"properties": {"a": {}}, "additionalProperties": false});
        let plan = Plan::new(&schema);
        for key in ["line\\nbreak".to_owned(), "k".repeat(100_000)] {
            let mut guard = Guard::new(&plan);
            let mut reader = Incremental::new();
            let reply = format!(r#"{{"{key}": 1}}"#);
            let Progress::Stopped(v) = reader.feed(&reply, &mut guard) else {
                panic!("{:?}", reader.progress());
            };
            let got = v.got().unwrap_or_default();
            assert!(got.starts_with('"') && got.len() < 1_000, "{got}");
            assert!(v.message().len() < 1_000 && !v.message().contains('\n'));
        }
    }

    #[test]
    fn an_enum_stop_shows_what_was_written_once_quoted() {
        let schema = json!({"properties": {"role": {"enum": ["admin", "user"]}}});
        let plan = Plan::new(&schema);
        let mut guard = Guard::new(&plan);
        let mut reader = Incremental::new();
        let Progress::Stopped(v) = reader.feed(r#"{"role": "sup"#, &mut guard) else {
            panic!("{:?}", reader.progress());
        };
        assert_eq!(v.got(), Some(r#""sup"…"#));
        assert_eq!(v.expected(), r#"one of "admin", "user""#);
    }

    /// An object whose member `s` is a string under `pattern`.
    pub(crate) fn patterned(pattern: &str) -> Value {
        json!({"type": "object", "properties": {"s": {"type": "string", "pattern": pattern}}})
    }

    /// The guard's verdict on `text` read in pieces (cut at these byte offsets, on character
    /// boundaries): the violation's kind, path, expected, got and message.
    pub(crate) fn verdict(plan: &Plan, text: &str, cuts: &[usize]) -> Option<String> {
        let mut guard = Guard::new(plan);
        let mut reader = Incremental::new();
        let mut from = 0;
        for &to in cuts.iter().chain([&text.len()]) {
            if let Progress::Stopped(v) = reader.feed(&text[from..to], &mut guard) {
                return Some(format!(
                    "{:?} at {}: expected {}, got {}: {}",
                    v.kind(),
                    v.path(),
                    v.expected(),
                    v.got().unwrap_or_default(),
                    v.message()
                ));
            }
            from = to;
        }
        None
    }

    #[test]
    fn patterns_past_the_budget_are_left_to_the_validator() {
        let schema = json!({"type": "object", "properties": {
            "a": {"type": "string", "pattern": "^A[0-9]$"},
            "b": {"type": "string", "pattern": "^B[0-9]$"},
        }});
        let one = Plan::new(&schema).patterns[0].dfa.memory_usage();
        // Room for the first pattern's DFA only: the second is not followed.
        let plan = Plan::within(&schema, one);
        assert_eq!(plan.patterns.len(), 1);
        assert!(verdict(&plan, r#"{"a": "Ax"#, &[]).is_some());
        assert_eq!(verdict(&plan, r#"{"b": "Bx"#, &[]), None);
        assert!(verdict(&Plan::new(&schema), r#"{"b": "Bx"#, &[]).is_some());
        assert!(Plan::within(&schema, 0).patterns.is_empty());
    }

    #[test]
    fn a_string_stops_once_its_anchored_pattern_cannot_match() {
        let schema = patterned("^ORD-[0-9]{6}$");
        let expected = "Constraint at s: expected string matching /^ORD-[0-9]{6}$/";
        // Fed a character at a time: the stop comes at the character that kills the match.
        assert_eq!(
            stop(&schema, None, r#"{"s": "ORD-12x", "t": 1}"#).as_deref(),
            Some("Constraint at s after 13: no string beginning like this matches the pattern")
        );
        assert_eq!(
            verdict(&Plan::new(&schema), r#"{"s": "ORD-12x"#, &[]).as_deref(),
            Some(&*format!(
                "{expected}, got \"ORD-12x\"…: no string beginning like this matches the pattern"
            ))
        );
        // `$` is the end of the text (no multi-line mode): a seventh digit cannot be followed by
        // anything that matches.
        assert_eq!(
            stop(&schema, None, r#"{"s": "ORD-1234567"#).as_deref(),
            Some("Constraint at s after 17: no string beginning like this matches the pattern")
        );
        let validator = Pattern::compile("^ORD-[0-9]{6}$").unwrap();
        for tail in ["", "\n", "8", " ", "\"", "x", "\u{0}"] {
            assert!(!validator.is_match(&format!("ORD-1234567{tail}")));
        }
        // Valid values, and their beginnings, go through.
        for text in [
            r#"{"s": "ORD-123456"}"#,
            r#"{"s": "ORD-12"#,
            r#"{"s": "", "s": "O"}"#,
            r#"{"s": null}"#,
            // Another type is converted or reported by the validator; not followed here.
            r#"{"s": 12, "t": "x"}"#,
        ] {
            assert_eq!(stop(&schema, None, text), None, "{text}");
        }
        // In a `$ref`'d definition, under an `Option`'s `anyOf`, in array items, in an envelope.
        let deep = json!({
            "$defs": {"Id": {"type": "string", "pattern": "^[A-Z]{2}$"}},
            "type": "object",
            "properties": {
                "ids": {"type": "array", "items": {"$ref": "#/$defs/Id"}},
                "maybe": {"anyOf": [{"$ref": "#/$defs/Id"}, {"type": "null"}]},
            },
        });
        assert_eq!(
            stop(&deep, None, r#"{"ids": ["AB", "CDE"]}"#).as_deref(),
            Some(
                "Constraint at ids[1] after 18: no string beginning like this matches the pattern"
            )
        );
        assert_eq!(
            stop(&deep, Some("value"), r#"{"value": {"ids": [], "maybe": "a"#).as_deref(),
            Some("Constraint at maybe after 32: no string beginning like this matches the pattern")
        );
        assert_eq!(stop(&deep, None, r#"{"ids": ["AB"], "maybe": "XY"}"#), None);
    }

    #[test]
    fn patterns_a_string_cannot_die_on_are_not_followed() {
        // Unanchored (a match may begin anywhere later), multi-line `^`, or not compiled: no
        // steps at all, and no stop.
        for pattern in [
            "ORD-[0-9]{6}$",
            "[0-9]{6}",
            "(?m)^ORD",
            "^a|b",
            "(?=a)b",
            "(",
            "\\p{Unknown}",
            // A word boundary (Unicode, as the validator reads it): no full DFA.
            "^a\\b",
            // Too large for the DFA the validator builds.
            "^\\w{1000}[^a]{1000}$",
        ] {
            let plan = Plan::new(&patterned(pattern));
            assert!(plan.patterns.is_empty(), "{pattern}");
            assert_eq!(verdict(&plan, r#"{"s": "xyz\n"}"#, &[]), None, "{pattern}");
        }
        // A string that lenient reading may turn into another type, or into an `enum` value
        // (case), is not stepped either.
        for schema in [
            json!({"type": ["string", "integer"], "pattern": "^a"}),
            json!({"type": "string", "enum": ["ABC"], "pattern": "^[A-Z]+$"}),
            json!({"const": "A", "pattern": "^A$"}),
        ] {
            assert!(Plan::new(&schema).patterns.is_empty(), "{schema}");
        }
        // The same pattern twice is compiled once.
        let twice = json!({"properties": {
            "a": {"pattern": "^a$"}, "b": {"pattern": "^a$"}, "c": {"pattern": "^c$"},
        }});
        assert_eq!(Plan::new(&twice).patterns.len(), 2);
    }

    #[test]
    fn the_keywords_beside_an_all_of_are_followed() {
        // A second pattern, as the derive writes it: the first is followed, and `maxLength`.
        let two = json!({"properties": {"s": {
            "type": "string", "pattern": "^ORD-", "maxLength": 6, "allOf": [{"pattern": "[0-9]$"}],
        }}});
        assert_eq!(
            stop(&two, None, r#"{"s": "OXD"}"#).as_deref(),
            Some("Constraint at s after 8: no string beginning like this matches the pattern")
        );
        assert_eq!(
            stop(&two, None, r#"{"s": "ORD-123"}"#).as_deref(),
            Some("Constraint at s after 13: the string is already longer than 6 characters")
        );
        assert_eq!(stop(&two, None, r#"{"s": "ORD-1"}"#), None);
        // The branches are not read: a closed object in one stops nothing.
        let branches = json!({
            "allOf": [{"$ref": "#/$defs/A"}],
            "$defs": {"A": {"type": "object", "additionalProperties": false}},
        });
        assert_eq!(stop(&branches, None, r#"{"x": 1}"#), None);
        // Keywords beside one are: a key the object itself does not allow.
        let closed = json!({
            "properties": {"a": {}}, "additionalProperties": false,
            "allOf": [{"properties": {"b": {}}}],
        });
        // (As JSON Schema reads it: `additionalProperties` sees only the `properties` beside it.)
        assert_eq!(
            stop(&closed, None, r#"{"a": 1, "b": 2}"#).as_deref(),
            Some(r#"Unknown at b after 11: unknown field "b""#)
        );
    }

    #[test]
    fn patterns_keep_the_validators_dialect() {
        let cases = [
            // Case-insensitive.
            ("(?i)^ord-[a-z]+$", r#"{"s": "oRd-AbC"}"#, None),
            ("(?i)^ord-[a-z]+$", r#"{"s": "OrX"#, Some("\"OrX\"")),
            // Unicode classes and multi-byte characters, dying inside a character.
            ("^\\p{L}+-[0-9]$", r#"{"s": "Zoë-1"}"#, None),
            ("^\\p{L}+-[0-9]$", r#"{"s": "Zoë1"#, Some("\"Zoë1\"")),
            ("^é+$", r#"{"s": "ééè"#, Some("\"ééè\"")),
            ("^[^a]", r#"{"s": "😀a"}"#, None),
            // ECMA-262: `\d` is ASCII digits only, `.` no line terminator.
            ("^\\d+$", r#"{"s": "12٣"#, Some("\"12٣\"")),
            ("^a.b", r#"{"s": "a\nb"#, Some("\"a\\n\"")),
            ("^a.b", r#"{"s": "a\u2028b"#, Some("\"a\u{2028}\"")),
            ("^a.b", r#"{"s": "aéb and more"}"#, None),
            // Escapes: the guard sees decoded text.
            (
                "^ORD-[0-9]{6}$",
                r#"{"s": "\u004fRD-\u0031\u00322345"}"#,
                None,
            ),
            (
                "^ORD-[0-9]{6}$",
                r#"{"s": "ORD-\u0031\u0032x"#,
                Some("\"ORD-12x\""),
            ),
            ("^a\"b$", r#"{"s": "a\"b"}"#, None),
            ("^a\"b$", r#"{"s": "a\\"#, Some("\"a\\\\\"")),
            // Alternatives: dead only once every branch is.
            (
                "^(foo|bar)+$|^baz",
                r#"{"s": "foobarbaz"#,
                Some("\"foobarbaz\""),
            ),
            ("^(foo|bar)+$|^baz", r#"{"s": "bazooka"}"#, None),
            // Matched before its end: whatever follows stays a match.
            ("^ab", r#"{"s": "abc and anything"}"#, None),
        ];
        for (pattern, text, got) in cases {
            let plan = Plan::new(&patterned(pattern));
            assert_eq!(plan.patterns.len(), 1, "{pattern}");
            let found = verdict(&plan, text, &[]);
            let wanted = got.map(|got| {
                format!(
                    "Constraint at s: expected string matching /{pattern}/, got {got}…: no string \
                     beginning like this matches the pattern"
                )
            });
            assert_eq!(found, wanted, "{pattern} on {text}");
            // Every cut in two gives the same verdict as the whole, and so does every character
            // apart.
            let bounds: Vec<usize> = (1..text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            for &at in &bounds {
                assert_eq!(
                    verdict(&plan, text, &[at]),
                    wanted,
                    "{pattern} on {text} cut at {at}"
                );
            }
            assert_eq!(verdict(&plan, text, &bounds), wanted, "{pattern} on {text}");
            // The validator agrees where it stopped: the decoded string does not match.
            let value: Value = serde_json::from_str(text)
                .or_else(|_| serde_json::from_str(&format!("{text}\"}}")))
                .unwrap();
            let s = value["s"].as_str().unwrap();
            assert_eq!(
                Pattern::compile(pattern).unwrap().is_match(s),
                got.is_none(),
                "{s}"
            );
        }
    }
}
