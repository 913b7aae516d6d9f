//! The rules of a JSON Schema, each with who enforces it, read from the notes the rewrite left:
//! a rule without a note is enforced exactly by the grammar.

use std::collections::HashSet;

use outlines_core::schema::inventory::{Rule, RuleKind};
use serde_json::{Map, Value};

use super::{Covered, Enforcement, format_enforcement};
use crate::transform::Plan;
use crate::transform::prepare::{Member, Target, step};
use crate::transform::rewrite::CLOSED;

/// The longest rule text: longer ones are cut with `…`.
const TEXT_MAX: usize = 120;
/// The longest path: a longer one (a chain of definitions each inside the last) keeps its end.
const PATH_MAX: usize = 240;
/// The most listed values a rule names.
const VALUES_MAX: usize = 6;

/// A node to list, where.
struct Frame<'a> {
    node: &'a Value,
    /// Its JSON Pointer in the plan's source: what the notes are keyed by.
    ptr: String,
    /// The path of the value it applies to.
    path: String,
    /// Who enforces everything in it, when the rewrite dropped it whole.
    over: Option<Enforcement>,
}

/// Every rule of `plan.source`, in document order, each definition at the first place that
/// refers to it. Iterative: a long chain of references cannot overflow the stack.
pub(super) fn rows(plan: &Plan) -> Vec<Covered> {
    let over = plan.level.err().map(Enforcement::Validator);
    let mut out = Vec::new();
    let mut seen: HashSet<Target> = HashSet::from([Target::Root]);
    let mut stack = vec![Frame {
        node: &plan.source,
        ptr: "#".into(),
        path: "$".into(),
        over,
    }];
    while let Some(frame) = stack.pop() {
        let mut node = Node {
            plan,
            frame: &frame,
            out: &mut out,
            children: Vec::new(),
        };
        node.list();
        let Node { children, .. } = node;
        // Pushed last first, so that they come out in document order.
        for child in children.into_iter().rev() {
            if let Some(target) = child.1 {
                if !seen.insert(target) {
                    continue;
                }
            }
            stack.push(child.0);
        }
    }
    out
}

struct Node<'a, 'b> {
    plan: &'a Plan,
    frame: &'b Frame<'a>,
    out: &'b mut Vec<Covered>,
    /// The nodes to list next, and the definition each is, when it is one.
    children: Vec<(Frame<'a>, Option<Target>)>,
}

impl<'a> Node<'a, '_> {
    fn by(&self, key: &str) -> Enforcement {
        self.frame.over.unwrap_or_else(|| {
            self.plan
                .notes
                .get(&(self.frame.ptr.clone(), key.to_owned()))
                .copied()
                .unwrap_or(Enforcement::Grammar)
        })
    }

    fn row(&mut self, path: &str, kind: RuleKind, text: impl Into<String>, by: Enforcement) {
        self.out.push(Covered {
            rule: Rule::new(path, kind, cut(text.into())),
            by,
        });
    }

    /// The path of a child: `made` from this node's, its start cut when it grows too long.
    fn at(&self, made: impl FnOnce(&str) -> String) -> String {
        let path = made(&self.frame.path);
        let len = path.chars().count();
        if len <= PATH_MAX {
            return path;
        }
        let tail: String = path.chars().skip(len - PATH_MAX).collect();
        format!("…{tail}")
    }

    fn rule(&mut self, kind: RuleKind, key: &str, text: impl Into<String>) {
        let by = self.by(key);
        let path = self.frame.path.clone();
        self.row(&path, kind, text, by);
    }

    /// A child to list at `path`, everything in it enforced as `key` is when `key` was dropped
    /// (a `oneOf`'s note is about its exclusivity alone: its branches are the grammar's).
    fn child(&mut self, key: &str, member: Member<'_>, value: &'a Value, path: String) {
        let over = match self.by(key) {
            by @ Enforcement::Validator(_) if key != "oneOf" || self.frame.over.is_some() => {
                Some(by)
            }
            _ => self.frame.over,
        };
        let frame = Frame {
            node: value,
            ptr: format!("{}{}", self.frame.ptr, step(key, member)),
            path,
            over,
        };
        self.children.push((frame, None));
    }

    fn list(&mut self) {
        let map = match self.frame.node {
            Value::Bool(true) => return self.rule(RuleKind::JsonType, "type", "any JSON value"),
            Value::Bool(false) => return self.rule(RuleKind::JsonType, "type", "no value"),
            Value::Object(map) => map,
            _ => return,
        };
        let path = self.frame.path.clone();
        let mut any = true;
        for (key, value) in map {
            match key.as_str() {
                "$ref" => {
                    any = false;
                    self.reference(value);
                }
                "type" => {
                    any = false;
                    self.rule(RuleKind::JsonType, key, type_text(value));
                }
                "enum" => {
                    any = false;
                    let text = match value {
                        Value::Array(values) => format!("one of {}", values_text(values)),
                        other => format!("one of {other}"),
                    };
                    self.rule(RuleKind::OneOf, key, text);
                }
                "const" => {
                    any = false;
                    self.rule(RuleKind::OneOf, key, format!("exactly {value}"));
                }
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                    any = false;
                    let sign = match key.as_str() {
                        "minimum" => "≥",
                        "maximum" => "≤",
                        "exclusiveMinimum" => ">",
                        _ => "<",
                    };
                    self.rule(RuleKind::NumberRange, key, format!("{sign} {value}"));
                }
                "multipleOf" => {
                    any = false;
                    self.rule(RuleKind::MultipleOf, key, format!("a multiple of {value}"));
                }
                "minLength" | "maxLength" => {
                    any = false;
                    let text = count(key.starts_with("min"), value, "character");
                    self.rule(RuleKind::TextLength, key, text);
                }
                "minItems" | "maxItems" => {
                    any = false;
                    let text = count(key.starts_with("min"), value, "item");
                    self.rule(RuleKind::ItemCount, key, text);
                }
                "minProperties" | "maxProperties" => {
                    any = false;
                    let text = count(key.starts_with("min"), value, "property");
                    self.rule(RuleKind::ItemCount, key, text);
                }
                "pattern" => {
                    any = false;
                    let text = format!("matches {}", value.as_str().unwrap_or_default());
                    self.rule(RuleKind::PatternMatch, key, text);
                }
                "format" => {
                    any = false;
                    let name = value.as_str().unwrap_or_default();
                    let by = match self.by(key) {
                        Enforcement::Grammar => format_enforcement(name),
                        by => by,
                    };
                    self.row(&path, RuleKind::FormatMatch, name, by);
                }
                "uniqueItems" if value == &Value::Bool(true) => {
                    any = false;
                    self.rule(RuleKind::UniqueItems, key, "no two items equal");
                }
                "required" => {
                    any = false;
                    let by = self.by(key);
                    for name in value.as_array().into_iter().flatten() {
                        let name = name.as_str().unwrap_or_default();
                        let at = self.at(|p| join(p, name));
                        self.row(&at, RuleKind::RequiredKey, "present", by);
                    }
                }
                "properties" => {
                    any = false;
                    for (name, schema) in value.as_object().into_iter().flatten() {
                        let at = self.at(|p| join(p, name));
                        self.child(key, Member::Name(name), schema, at);
                    }
                }
                "additionalProperties" => {
                    any = false;
                    if value == &Value::Bool(false) {
                        self.rule(RuleKind::ClosedObject, key, "no other keys");
                    } else {
                        let at = self.at(|p| format!("{p}{{}}"));
                        self.child(key, Member::Whole, value, at);
                    }
                }
                "patternProperties" => {
                    any = false;
                    for (pattern, schema) in value.as_object().into_iter().flatten() {
                        self.rule(RuleKind::JsonType, key, format!("keys matching {pattern}"));
                        let at = self.at(|p| format!("{p}{{{pattern}}}"));
                        self.child(key, Member::Name(pattern), schema, at);
                    }
                }
                "items" => {
                    any = false;
                    if value == &Value::Bool(false) {
                        // Said already where `maxItems` says it.
                        if !map.contains_key("maxItems") {
                            let n = map
                                .get("prefixItems")
                                .and_then(Value::as_array)
                                .map_or(0, Vec::len);
                            let text = count(false, &Value::from(n), "item");
                            self.rule(RuleKind::ItemCount, key, text);
                        }
                    } else {
                        let at = self.at(|p| format!("{p}[]"));
                        self.child(key, Member::Whole, value, at);
                    }
                }
                "prefixItems" => {
                    any = false;
                    for (i, schema) in value.as_array().into_iter().flatten().enumerate() {
                        let at = self.at(|p| format!("{p}[{i}]"));
                        self.child(key, Member::Index(i), schema, at);
                    }
                }
                "anyOf" | "oneOf" | "allOf" => {
                    any = false;
                    let branches = value.as_array().map_or(&[][..], Vec::as_slice);
                    let (kind, words) = match key.as_str() {
                        "anyOf" => (RuleKind::OneVariant, "any of"),
                        "oneOf" => (RuleKind::OneVariant, "exactly one of"),
                        _ => (RuleKind::AllOf, "all of"),
                    };
                    let n = branches.len();
                    self.rule(kind, key, format!("{words} {n} schemas"));
                    for (i, schema) in branches.iter().enumerate() {
                        // An `allOf` member constrains the same value.
                        let at = if key == "allOf" {
                            path.clone()
                        } else {
                            self.at(|p| format!("{p}<{i}>"))
                        };
                        self.child(key, Member::Index(i), schema, at);
                    }
                }
                "not" => {
                    any = false;
                    self.rule(RuleKind::Excluded, key, format!("not {}", brief(value)));
                }
                "if" => {
                    any = false;
                    let mut text = format!("if {}", brief(value));
                    for branch in ["then", "else"] {
                        if let Some(schema) = map.get(branch) {
                            text.push_str(&format!(" {branch} {}", brief(schema)));
                        }
                    }
                    self.rule(RuleKind::Conditional, key, text);
                }
                "contains" => {
                    any = false;
                    let times = match (map.get("minContains"), map.get("maxContains")) {
                        (None, None) => String::new(),
                        (min, max) => format!(
                            " ({} to {} times)",
                            min.map_or("1".into(), Value::to_string),
                            max.map_or("any".into(), Value::to_string)
                        ),
                    };
                    let text = format!("an item that is {}{times}", brief(value));
                    self.rule(RuleKind::Contains, key, text);
                }
                "propertyNames" => {
                    any = false;
                    self.rule(
                        RuleKind::KeyNames,
                        key,
                        format!("every key {}", brief(value)),
                    );
                }
                "dependentRequired" => {
                    any = false;
                    for (name, needs) in value.as_object().into_iter().flatten() {
                        let needs = needs.as_array().map_or(&[][..], Vec::as_slice);
                        let text = format!("with {name:?}: also {}", values_text(needs));
                        self.rule(RuleKind::Dependency, key, text);
                    }
                }
                "dependentSchemas" => {
                    any = false;
                    for (name, schema) in value.as_object().into_iter().flatten() {
                        let text = format!("with {name:?}: {}", brief(schema));
                        self.rule(RuleKind::Dependency, key, text);
                    }
                }
                "unevaluatedProperties" | "unevaluatedItems" | "$dynamicRef" | "$recursiveRef" => {
                    any = false;
                    self.rule(RuleKind::JsonType, key, format!("{key}: {}", brief(value)));
                }
                _ => {}
            }
        }
        let closed = self
            .plan
            .notes
            .get(&(self.frame.ptr.clone(), CLOSED.to_owned()));
        if let Some(by) = closed.copied() {
            let by = self.frame.over.unwrap_or(by);
            let text = "no other keys (the schema allows them)";
            self.row(&path, RuleKind::ClosedObject, text, by);
        }
        if any {
            self.rule(RuleKind::JsonType, "type", "any JSON value");
        }
    }

    /// The definition a reference names, listed here unless it was listed before.
    fn reference(&mut self, value: &'a Value) {
        let Some(target) = value.as_str().and_then(Target::of) else {
            return;
        };
        let Some(schema) = target.in_doc(&self.plan.source) else {
            return;
        };
        let ptr = match &target {
            Target::Root => "#".to_owned(),
            Target::Def(container, name) => format!("#{}", step(container, Member::Name(name))),
        };
        let over = match self.by("$ref") {
            by @ Enforcement::Validator(_) => Some(by),
            _ => self.frame.over,
        };
        let frame = Frame {
            node: schema,
            ptr,
            path: self.frame.path.clone(),
            over,
        };
        self.children.push((frame, Some(target)));
    }
}

/// `parent.key`, or `key` at the root.
fn join(parent: &str, key: &str) -> String {
    if parent == "$" {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// `text`, cut to [`TEXT_MAX`] characters.
fn cut(text: String) -> String {
    match text.char_indices().nth(TEXT_MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

fn type_text(value: &Value) -> String {
    match value {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .map(|t| t.as_str().unwrap_or("?"))
            .collect::<Vec<_>>()
            .join(" or "),
        other => other.to_string(),
    }
}

/// `1, 2, "a"`, or the first few and how many in all.
fn values_text(values: &[Value]) -> String {
    let shown: Vec<String> = values
        .iter()
        .take(VALUES_MAX)
        .map(|v| cut(v.to_string()))
        .collect();
    if values.len() > VALUES_MAX {
        format!("{}, … ({} in all)", shown.join(", "), values.len())
    } else {
        shown.join(", ")
    }
}

/// "at least 1 item", "at most 3 properties".
fn count(min: bool, value: &Value, unit: &str) -> String {
    let units = match (value.as_u64(), unit) {
        (Some(1), _) => unit.to_owned(),
        (_, "property") => "properties".to_owned(),
        _ => format!("{unit}s"),
    };
    let side = if min { "at least" } else { "at most" };
    format!("{side} {value} {units}")
}

/// A few words for a subschema: `string`, `"a"`, `one of 1, 2`, `with keys "a"`.
fn brief(schema: &Value) -> String {
    let Value::Object(map) = schema else {
        return match schema {
            Value::Bool(true) => "anything".into(),
            _ => "nothing".into(),
        };
    };
    let words = |map: &Map<String, Value>| -> Option<String> {
        if let Some(c) = map.get("const") {
            return Some(c.to_string());
        }
        if let Some(Value::Array(values)) = map.get("enum") {
            return Some(format!("one of {}", values_text(values)));
        }
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            return Some(match Target::of(reference) {
                Some(Target::Def(_, name)) => name,
                _ => "the whole value".into(),
            });
        }
        if let Some(Value::Array(names)) = map.get("required") {
            return Some(format!("with keys {}", values_text(names)));
        }
        if let Some(t) = map.get("type") {
            return Some(type_text(t));
        }
        if let Some(p) = map.get("pattern").and_then(Value::as_str) {
            return Some(format!("matching {p}"));
        }
        None
    };
    cut(words(map).unwrap_or_else(|| "a schema".into()))
}
