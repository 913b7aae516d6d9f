//! Before the rewrite: the schema's size is bounded, its references are made ones llguidance
//! resolves, and the nodes llguidance will intersect with others are found.
//!
//! Every walk here is iterative: a hostile schema's nesting cannot overflow the stack.

use std::collections::{HashMap, HashSet, VecDeque};

use outlines_core::schema::runtime::percent_decode;
use serde_json::{Map, Value, json};

use crate::GuideError;

/// The deepest JSON nesting a schema may have (a value 1024 levels deep is about 500 levels of
/// nested objects): deeper, it is refused.
pub(crate) const MAX_DEPTH: usize = 1024;

/// The most levels of nesting llguidance may recurse through while compiling, the definitions it
/// follows included (see [`Prepared::reach`]). Beyond it the grammar is any JSON value.
pub(crate) const MAX_REACH: usize = 1 << 15;

/// The stack llguidance compiles on: a base, and this much per level it may recurse through (it
/// takes 2–3 KB a level when optimized; the rest is margin for unoptimized builds).
pub(crate) const STACK_BASE: usize = 16 << 20;
pub(crate) const STACK_PER_LEVEL: usize = 8 << 10;

/// The definition that stands for "any JSON value" (see the rewrite).
pub(crate) const ANY_JSON: &str = "outlines_AnyJson";

/// The prefix of the definitions references are moved to.
const ALIAS: &str = "outlines_ref_";

/// How a keyword holds subschemas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// One schema: `items`.
    One,
    /// Schemas by name: `properties`.
    Named,
    /// A list of schemas: `anyOf`.
    Listed,
}

/// How `key` holds subschemas, if it does.
pub(crate) fn slot(key: &str) -> Option<Slot> {
    match key {
        "items"
        | "additionalProperties"
        | "not"
        | "if"
        | "then"
        | "else"
        | "contains"
        | "propertyNames"
        | "additionalItems"
        | "unevaluatedItems"
        | "unevaluatedProperties"
        | "contentSchema" => Some(Slot::One),
        "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
            Some(Slot::Named)
        }
        "prefixItems" | "anyOf" | "oneOf" | "allOf" => Some(Slot::Listed),
        _ => None,
    }
}

/// Keywords whose subschemas llguidance never compiles: dropped by the rewrite (their rules are
/// the validator's), or definitions, compiled only where referenced.
pub(crate) fn not_compiled(key: &str) -> bool {
    matches!(
        key,
        "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames"
            | "additionalItems"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "contentSchema"
            | "dependentSchemas"
            | "$defs"
            | "definitions"
    )
}

/// Where a subschema sits in its parent.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Member<'a> {
    /// Directly under its keyword: `items`.
    Whole,
    /// A named member: `properties/name`.
    Name(&'a str),
    /// A listed member: `anyOf/0`.
    Index(usize),
}

/// The subschemas directly inside a node, with their keyword and place. Values that are not
/// schemas (`items` as a list, data under `enum`) are not among them.
pub(crate) fn children(map: &Map<String, Value>) -> Vec<(&str, Member<'_>, &Value)> {
    let mut out = Vec::new();
    for (key, value) in map {
        match (slot(key), value) {
            (Some(Slot::One), Value::Object(_) | Value::Bool(_)) => {
                out.push((key.as_str(), Member::Whole, value));
            }
            (Some(Slot::Named), Value::Object(members)) => out.extend(
                members
                    .iter()
                    .map(|(name, schema)| (key.as_str(), Member::Name(name), schema)),
            ),
            (Some(Slot::Listed), Value::Array(members)) => out.extend(
                members
                    .iter()
                    .enumerate()
                    .map(|(i, schema)| (key.as_str(), Member::Index(i), schema)),
            ),
            _ => {}
        }
    }
    out
}

/// `segment` as a JSON Pointer token.
pub(crate) fn escape(segment: &str) -> std::borrow::Cow<'_, str> {
    if segment.contains(['~', '/']) {
        segment.replace('~', "~0").replace('/', "~1").into()
    } else {
        segment.into()
    }
}

/// The pointer suffix of a child: `/properties/name`.
pub(crate) fn step(key: &str, member: Member<'_>) -> String {
    match member {
        Member::Whole => format!("/{}", escape(key)),
        Member::Name(name) => format!("/{}/{}", escape(key), escape(name)),
        Member::Index(i) => format!("/{}/{i}", escape(key)),
    }
}

/// The JSON nesting of `value`, or `Err(depth)` as soon as it passes `limit`.
pub(crate) fn depth(value: &Value, limit: usize) -> Result<usize, usize> {
    let mut deepest = 0;
    let mut stack = vec![(value, 1)];
    while let Some((value, level)) = stack.pop() {
        if level > limit {
            return Err(level);
        }
        deepest = deepest.max(level);
        match value {
            Value::Object(map) => stack.extend(map.values().map(|v| (v, level + 1))),
            Value::Array(items) => stack.extend(items.iter().map(|v| (v, level + 1))),
            _ => {}
        }
    }
    Ok(deepest)
}

/// A reference target once references are canonical: the root, or a root definition.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    Root,
    /// `$defs` or `definitions`, and the name.
    Def(&'static str, String),
}

impl Target {
    /// The target of a canonical reference.
    pub(crate) fn of(reference: &str) -> Option<Target> {
        if reference == "#" {
            return Some(Target::Root);
        }
        for container in ["$defs", "definitions"] {
            if let Some(name) = reference
                .strip_prefix("#/")
                .and_then(|r| r.strip_prefix(container))
                .and_then(|r| r.strip_prefix('/'))
            {
                return Some(Target::Def(container, name.to_owned()));
            }
        }
        None
    }

    /// The schema it names in `doc`.
    pub(crate) fn in_doc<'a>(&self, doc: &'a Value) -> Option<&'a Value> {
        match self {
            Target::Root => Some(doc),
            Target::Def(container, name) => doc.get(*container)?.get(name),
        }
    }
}

/// Which nodes llguidance intersects with another schema (an `allOf` member, a `$ref` with
/// sibling rules, ...): those cannot be closed or replaced without changing the intersection.
#[derive(Debug, Default)]
pub(crate) struct Merged {
    /// The root schema, referenced as `#` from such a place.
    pub(crate) root: bool,
    /// The root definitions referenced from such a place.
    pub(crate) defs: HashSet<(&'static str, String)>,
}

impl Merged {
    pub(crate) fn target(&self, target: &Target) -> bool {
        match target {
            Target::Root => self.root,
            Target::Def(c, n) => self.defs.contains(&(*c, n.clone())),
        }
    }
}

/// The keywords llguidance compiles, other than annotations.
pub(crate) fn compiled_rule(key: &str) -> bool {
    matches!(
        key,
        "type"
            | "enum"
            | "const"
            | "anyOf"
            | "oneOf"
            | "allOf"
            | "$ref"
            | "properties"
            | "required"
            | "additionalProperties"
            | "patternProperties"
            | "minProperties"
            | "maxProperties"
            | "items"
            | "prefixItems"
            | "minItems"
            | "maxItems"
            | "minLength"
            | "maxLength"
            | "pattern"
            | "format"
            | "minimum"
            | "maximum"
            | "exclusiveMinimum"
            | "exclusiveMaximum"
            | "multipleOf"
    )
}

/// Whether llguidance intersects this node's own rules with a schema it applies in place
/// (`allOf`, `anyOf`, `oneOf`, `$ref`, `enum`, `const` next to other rules; `type` alone only
/// narrows, and changes nothing here).
pub(crate) fn intersects(map: &Map<String, Value>) -> bool {
    let applies = ["allOf", "anyOf", "oneOf", "$ref", "enum", "const"]
        .iter()
        .any(|k| map.contains_key(*k));
    applies
        && map
            .keys()
            .filter(|k| *k != "type" && compiled_rule(k))
            .count()
            >= 2
}

/// The schema ready for the rewrite.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The schema as an object, every reference `#`, `#/$defs/name` or `#/definitions/name`.
    pub(crate) doc: Value,
    /// Which parts llguidance intersects with others.
    pub(crate) merged: Merged,
    /// An upper bound on the levels llguidance recurses through: the root's nesting plus that of
    /// every schema a reference reaches (each is compiled once, inside the one that first
    /// refers to it).
    pub(crate) reach: usize,
}

/// `schema` bounded, its references canonical, its intersections found. Recursive through the
/// schema's nesting (at most [`MAX_DEPTH`]): run it on a stack of [`STACK_BASE`].
pub(crate) fn prepare(schema: &Value) -> Result<Prepared, GuideError> {
    if let Err(levels) = depth(schema, MAX_DEPTH) {
        return Err(GuideError::Schema(format!(
            "the schema is nested more than {MAX_DEPTH} levels deep ({levels} seen)"
        )));
    }
    let mut doc = match schema {
        Value::Object(_) => schema.clone(),
        Value::Bool(true) => json!({}),
        Value::Bool(false) => {
            return Err(GuideError::Schema(
                "the schema `false` admits no value".into(),
            ));
        }
        other => {
            return Err(GuideError::Schema(format!(
                "a schema is an object or a boolean, not {}",
                kind_of(other)
            )));
        }
    };
    if doc.get("$defs").is_some_and(|d| !d.is_object()) {
        return Err(GuideError::Schema("`$defs` is not an object".into()));
    }
    let (targets, reach) = reachable(&doc)?;
    canonicalize(&mut doc, targets)?;
    let sites = sites(&doc);
    if !finite(&doc, &sites) {
        return Err(GuideError::Schema(
            "the schema admits no finite value: its `$ref`s recurse with no way out, or every \
             way leads to `false` (`not: {}`)"
                .into(),
        ));
    }
    let merged = merged(&sites);
    Ok(Prepared { doc, merged, reach })
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The segments of a local reference: `#` is none, `#/a/b~1c` is `a`, `b/c`; the fragment is
/// percent-decoded first, as a URI's is (the runtime schema compiler reads references the same way).
fn segments(reference: &str) -> Option<Vec<String>> {
    let pointer = percent_decode(reference.strip_prefix('#')?)?;
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let segments = pointer.strip_prefix('/')?.split('/');
    Some(
        segments
            .map(|token| token.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// The schema at `segments` in `doc`, through schema keywords only.
fn locate<'a>(doc: &'a Value, segments: &[String]) -> Option<&'a Value> {
    let mut node = doc;
    let mut rest = segments;
    while let [key, tail @ ..] = rest {
        let value = node.as_object()?.get(key)?;
        (node, rest) = match slot(key)? {
            Slot::One => (value, tail),
            Slot::Named => {
                let (name, tail) = tail.split_first()?;
                (value.as_object()?.get(name)?, tail)
            }
            Slot::Listed => {
                let (index, tail) = tail.split_first()?;
                (value.as_array()?.get(index.parse::<usize>().ok()?)?, tail)
            }
        };
    }
    matches!(node, Value::Object(_) | Value::Bool(_)).then_some(node)
}

fn locate_mut<'a>(doc: &'a mut Value, segments: &[String]) -> Option<&'a mut Value> {
    let mut node = doc;
    let mut rest = segments;
    while let [key, tail @ ..] = rest {
        let kind = slot(key)?;
        let value = node.as_object_mut()?.get_mut(key)?;
        (node, rest) = match kind {
            Slot::One => (value, tail),
            Slot::Named => {
                let (name, tail) = tail.split_first()?;
                (value.as_object_mut()?.get_mut(name)?, tail)
            }
            Slot::Listed => {
                let (index, tail) = tail.split_first()?;
                let index = index.parse::<usize>().ok()?;
                (value.as_array_mut()?.get_mut(index)?, tail)
            }
        };
    }
    Some(node)
}

/// Whether llguidance resolves `segments` itself: the root, or a root definition whose name
/// needs no escaping (it splits references at `/` and unescapes nothing).
fn canonical(segments: &[String]) -> Option<String> {
    match segments {
        [] => Some("#".into()),
        [container, name]
            if (container == "$defs" || container == "definitions")
                && !name.contains(['/', '~', '%']) =>
        {
            Some(format!("#/{container}/{name}"))
        }
        _ => None,
    }
}

/// The references llguidance will follow (from the root, through what it compiles, then through
/// each target reached), each with its segments; and the reach (see [`Prepared::reach`]).
fn reachable(doc: &Value) -> Result<(HashMap<String, Vec<String>>, usize), GuideError> {
    let heights = heights(doc);
    let height = |value: &Value| {
        heights
            .get(&std::ptr::from_ref(value))
            .copied()
            .unwrap_or(1)
    };
    let mut found: HashMap<String, Vec<String>> = HashMap::new();
    let mut scanned: HashSet<Vec<String>> = HashSet::from([Vec::new()]);
    let mut reach = height(doc);
    let mut trees = vec![doc];
    // A node inside several targets (`#/items` inside `#`) is scanned once.
    let mut visited: HashSet<*const Value> = HashSet::new();
    while let Some(tree) = trees.pop() {
        let mut stack = vec![tree];
        while let Some(node) = stack.pop() {
            if !visited.insert(std::ptr::from_ref(node)) {
                continue;
            }
            let Value::Object(map) = node else { continue };
            if let Some(reference) = map.get("$ref") {
                let Some(reference) = reference.as_str() else {
                    return Err(GuideError::Schema(format!(
                        "`$ref` is not a string: {reference}"
                    )));
                };
                if !found.contains_key(reference) {
                    let segs = segments(reference).ok_or_else(|| {
                        GuideError::Schema(format!(
                            "`$ref` {reference:?} is not a local JSON Pointer (`#` or `#/...`)"
                        ))
                    })?;
                    let target = locate(doc, &segs).ok_or_else(|| {
                        GuideError::Schema(format!(
                            "`$ref` {reference:?} does not point at a schema in this document"
                        ))
                    })?;
                    if scanned.insert(segs.clone()) {
                        reach = reach.saturating_add(height(target));
                        trees.push(target);
                    }
                    found.insert(reference.to_owned(), segs);
                }
            }
            for (key, _, child) in children(map) {
                if !not_compiled(key) {
                    stack.push(child);
                }
            }
        }
    }
    Ok((found, reach))
}

/// The JSON nesting of every object and array in `doc`, by address, in one pass.
fn heights(doc: &Value) -> HashMap<*const Value, usize> {
    let mut out: HashMap<*const Value, usize> = HashMap::new();
    let mut stack = vec![(doc, false)];
    while let Some((value, done)) = stack.pop() {
        let inner: Vec<&Value> = match value {
            Value::Object(map) => map.values().collect(),
            Value::Array(items) => items.iter().collect(),
            _ => continue,
        };
        if done {
            let below = inner
                .iter()
                .map(|v| out.get(&std::ptr::from_ref(*v)).copied().unwrap_or(1))
                .max()
                .unwrap_or(0);
            out.insert(std::ptr::from_ref(value), below + 1);
        } else {
            stack.push((value, true));
            stack.extend(inner.into_iter().map(|v| (v, false)));
        }
    }
    out
}

/// Makes every reference in `found` canonical: a target llguidance could not resolve (one below
/// the root, or a definition whose name needs escaping) moves into `$defs` under a name of its
/// own, and its old place becomes a reference to it. Nothing is copied.
fn canonicalize(doc: &mut Value, found: HashMap<String, Vec<String>>) -> Result<(), GuideError> {
    let mut renamed: HashMap<String, String> = HashMap::new();
    let mut moves: HashSet<Vec<String>> = HashSet::new();
    for (reference, segs) in &found {
        match canonical(segs) {
            Some(c) => {
                renamed.insert(reference.clone(), c);
            }
            None => {
                moves.insert(segs.clone());
            }
        }
    }
    let mut moves: Vec<Vec<String>> = moves.into_iter().collect();
    // Deepest first: moving a node changes the place of what is inside it, never of what is
    // around it.
    moves.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    let mut aliases: HashMap<Vec<String>, String> = HashMap::new();
    let taken = |doc: &Value, name: &str| {
        doc.get("$defs").and_then(|d| d.get(name)).is_some() || name == ANY_JSON
    };
    let mut next = 0;
    for segs in moves {
        let name = loop {
            let name = format!("{ALIAS}{next}");
            next += 1;
            if !taken(doc, &name) {
                break name;
            }
        };
        let place = format!("#/$defs/{name}");
        let node = locate_mut(doc, &segs).ok_or_else(|| {
            GuideError::Schema(format!("`$ref` target /{} moved", segs.join("/")))
        })?;
        let schema = std::mem::replace(node, json!({ "$ref": place }));
        defs_mut(doc)?.insert(name, schema);
        aliases.insert(segs, place);
    }
    for (reference, segs) in &found {
        if let Some(place) = aliases.get(segs) {
            renamed.insert(reference.clone(), place.clone());
        }
    }
    rename_refs(doc, &renamed);
    Ok(())
}

fn defs_mut(doc: &mut Value) -> Result<&mut Map<String, Value>, GuideError> {
    let root = doc
        .as_object_mut()
        .ok_or_else(|| GuideError::Schema("the schema is not an object".into()))?;
    root.entry("$defs")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| GuideError::Schema("`$defs` is not an object".into()))
}

/// Every `$ref` of `doc` renamed as `renamed` says.
fn rename_refs(doc: &mut Value, renamed: &HashMap<String, String>) {
    let mut stack = vec![doc];
    while let Some(node) = stack.pop() {
        let Value::Object(map) = node else { continue };
        if let Some(Value::String(reference)) = map.get_mut("$ref") {
            if let Some(new) = renamed.get(reference.as_str()) {
                reference.clone_from(new);
            }
        }
        for (key, value) in map.iter_mut() {
            match (slot(key), value) {
                (Some(Slot::One), value) => stack.push(value),
                (Some(Slot::Named), Value::Object(members)) => stack.extend(members.values_mut()),
                (Some(Slot::Listed), Value::Array(members)) => stack.extend(members.iter_mut()),
                _ => {}
            }
        }
    }
}

/// Each schema a reference reaches from the root (the root included), with the targets of the
/// references in it and whether each is made from an intersected place (an `allOf` member, a
/// node with other rules beside `$ref`, or anything inside those).
type Sites = HashMap<Target, Vec<(Target, bool)>>;

fn sites(doc: &Value) -> Sites {
    let mut sites = Sites::new();
    let mut trees = vec![Target::Root];
    let mut seen: HashSet<Target> = HashSet::from([Target::Root]);
    while let Some(owner) = trees.pop() {
        let Some(tree) = owner.in_doc(doc) else {
            continue;
        };
        let mut found = Vec::new();
        let mut stack = vec![(tree, false)];
        while let Some((node, inherited)) = stack.pop() {
            let Value::Object(map) = node else { continue };
            let here = inherited || intersects(map);
            if let Some(target) = map.get("$ref").and_then(Value::as_str).and_then(Target::of) {
                if seen.insert(target.clone()) {
                    trees.push(target.clone());
                }
                found.push((target, here));
            }
            for (key, _, child) in children(map) {
                if !not_compiled(key) {
                    stack.push((child, here || key == "allOf"));
                }
            }
        }
        sites.insert(owner, found);
    }
    sites
}

/// Which referenced schemas llguidance intersects with others: the target of a reference made
/// from an intersected place, and everything such a target refers to in turn.
fn merged(sites: &Sites) -> Merged {
    let mut merged: HashSet<Target> = HashSet::new();
    let mut todo: Vec<Target> = sites
        .values()
        .flatten()
        .filter(|(_, here)| *here)
        .map(|(target, _)| target.clone())
        .collect();
    while let Some(target) = todo.pop() {
        if merged.insert(target.clone()) {
            todo.extend(
                sites
                    .get(&target)
                    .into_iter()
                    .flatten()
                    .map(|(t, _)| t.clone()),
            );
        }
    }
    let mut out = Merged::default();
    for target in merged {
        match target {
            Target::Root => out.root = true,
            Target::Def(container, name) => {
                out.defs.insert((container, name));
            }
        }
    }
    out
}

/// Whether the schema admits a finite value as far as its references go: a cycle of references
/// with no way out (`{"$ref": "#"}`, or a required property that is the whole value again)
/// admits none. Everything else is taken to admit one (llguidance's compile finds the rest).
///
/// A least fixpoint: no target admits a value until shown to; when one is, those that refer to
/// it are looked at again. The queue holds each target once (a definition referring 50,000 times
/// to others is not looked at 50,000 times over).
fn finite(doc: &Value, sites: &Sites) -> bool {
    let mut users: HashMap<&Target, HashSet<&Target>> = HashMap::new();
    for (owner, found) in sites {
        for (target, _) in found {
            users.entry(target).or_default().insert(owner);
        }
    }
    let mut known: HashSet<Target> = HashSet::new();
    let mut todo: VecDeque<&Target> = sites.keys().collect();
    let mut queued: HashSet<&Target> = todo.iter().copied().collect();
    while let Some(target) = todo.pop_front() {
        queued.remove(target);
        if known.contains(target) {
            continue;
        }
        if target.in_doc(doc).is_some_and(|tree| admits(tree, &known)) {
            known.insert(target.clone());
            for &user in users.get(target).into_iter().flatten() {
                if !known.contains(user) && queued.insert(user) {
                    todo.push_back(user);
                }
            }
        }
    }
    known.contains(&Target::Root)
}

/// Whether `schema` admits a finite value, given the targets known to.
fn admits(schema: &Value, known: &HashSet<Target>) -> bool {
    let map = match schema {
        Value::Bool(b) => return *b,
        Value::Object(map) => map,
        _ => return true,
    };
    // `not` of anything: how `false` is written once rendered.
    if matches!(map.get("not"), Some(Value::Bool(true)))
        || map
            .get("not")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
    {
        return false;
    }
    let all = |key: &str, list: &mut dyn FnMut(&[Value]) -> bool| match map.get(key) {
        Some(Value::Array(schemas)) => list(schemas),
        _ => true,
    };
    let referenced = map
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(Target::of)
        .is_none_or(|t| known.contains(&t));
    let combined = referenced
        && all("anyOf", &mut |b| b.iter().any(|s| admits(s, known)))
        && all("oneOf", &mut |b| b.iter().any(|s| admits(s, known)))
        && all("allOf", &mut |b| b.iter().all(|s| admits(s, known)));
    if !combined {
        return false;
    }
    if map.contains_key("enum") || map.contains_key("const") {
        return true;
    }
    let types: Vec<&str> = match map.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return true,
    };
    let object = || {
        let properties = map.get("properties").and_then(Value::as_object);
        map.get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|name| properties.and_then(|p| p.get(name)))
            .all(|s| admits(s, known))
    };
    let array = || {
        let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let prefix = map
            .get("prefixItems")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let items = min <= prefix.len() || map.get("items").is_none_or(|s| admits(s, known));
        items && prefix.iter().take(min).all(|s| admits(s, known))
    };
    types.iter().any(|t| match *t {
        "object" => object(),
        "array" => array(),
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_become_ones_llguidance_resolves() {
        let schema = json!({
            "type": "object",
            "properties": {
                "a": {"type": "string"},
                "b": {"$ref": "#/properties/a"},
                "c": {"$ref": "#/$defs/with~1slash"},
                "d": {"$ref": "#/$defs/plain"},
                "e": {"$ref": "#/$defs/sp%20ace"},
                "f": {"$ref": "#"},
            },
            "$defs": {"with/slash": {"type": "integer"}, "plain": {"type": "null"}, "sp ace": {"type": "boolean"}},
        });
        let prepared = prepare(&schema).unwrap();
        let doc = &prepared.doc;
        let props = &doc["properties"];
        // A target below the root moves into `$defs`; its old place refers to it.
        let moved = props["a"]["$ref"].as_str().unwrap();
        assert_eq!(props["b"]["$ref"], moved);
        assert_eq!(
            Target::of(moved).unwrap().in_doc(doc),
            Some(&json!({"type": "string"}))
        );
        // A definition whose name needs escaping moves too; plain names stay.
        let slash = props["c"]["$ref"].as_str().unwrap();
        assert!(slash.starts_with("#/$defs/outlines_ref_"), "{slash}");
        assert_eq!(
            Target::of(slash).unwrap().in_doc(doc),
            Some(&json!({"type": "integer"}))
        );
        assert_eq!(props["d"]["$ref"], "#/$defs/plain");
        assert_eq!(props["e"]["$ref"], "#/$defs/sp ace");
        assert_eq!(props["f"]["$ref"], "#");
    }

    #[test]
    fn dangling_and_remote_references_are_errors() {
        for reference in [
            "#/$defs/missing",
            "other.json#/a",
            "#/properties",
            "#/enum/0",
        ] {
            let schema = json!({"$ref": reference, "enum": [1], "properties": {}});
            let error = prepare(&schema).unwrap_err().to_string();
            assert!(error.contains(reference), "{reference}: {error}");
        }
    }

    #[test]
    fn intersected_targets_are_found_through_references() {
        let schema = json!({
            "properties": {
                "x": {"$ref": "#/$defs/C"},
                "y": {"allOf": [{"$ref": "#/$defs/A"}]},
            },
            "$defs": {
                "A": {"properties": {"b": {"$ref": "#/$defs/B"}}},
                "B": {"type": "object"},
                "C": {"$ref": "#/$defs/D", "description": "a note is not a rule"},
                "D": {"type": "object"},
            },
        });
        let merged = prepare(&schema).unwrap().merged;
        let is = |name: &str| merged.target(&Target::Def("$defs", name.into()));
        assert!(is("A") && is("B"));
        assert!(!is("C") && !is("D") && !merged.root);
    }

    #[test]
    fn depth_is_bounded_without_recursion() {
        let mut deep = json!({"type": "integer"});
        for _ in 0..5000 {
            let mut items = Map::new();
            items.insert("items".into(), deep);
            deep = Value::Object(items);
        }
        assert!(matches!(depth(&deep, MAX_DEPTH), Err(n) if n > MAX_DEPTH));
        assert!(matches!(prepare(&deep), Err(GuideError::Schema(_))));
        // Dropped in pieces: serde_json's own drop recurses.
        let mut node = deep;
        while let Value::Object(mut map) = node {
            node = map.remove("items").unwrap_or(Value::Null);
        }
    }
}
