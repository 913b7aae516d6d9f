//! A JSON Schema rewritten so that llguidance 1.9 enforces what the validator checks, exactly or
//! more strictly, and never forbids a value the validator accepts; what it cannot enforce is
//! dropped (the grammar is then looser, and the validator, which runs on every reply, checks it)
//! and noted for the coverage report ([`Plan::notes`]).
//!
//! Where llguidance is looser than the validator, or cannot compile what a schema says, a rewrite
//! closes the gap (each of the first group was found by random walks over the masks and is pinned
//! by the soundness tests):
//!
//! - integer bounds go through `f64` and `±2^63` fails to compile: clamped to `±(2^63 − 1024)`;
//! - an integer range across zero admits `-0`, which serde reads as a float: split at zero;
//! - float bounds of `±3.4e38` (`f32`) fail to compile, and an unbounded number admits `1e999`,
//!   which serde rejects: numbers are bounded to `±1e18`, and "any JSON value" (`{}`, `true`)
//!   becomes a definition whose numbers are bounded the same way;
//! - `format: date`/`date-time` admit Feb 29 of any year, `time`/`date-time` admit second 60 at any
//!   time, `email`/`hostname` admit over-long parts and `--` label forms the validator rejects:
//!   one extra pattern each (slightly stricter than the validator: no leap seconds, no IP-literal
//!   emails);
//! - patterns are ECMA-262, which llguidance reads as Rust regexes (`.` would match `\r`): they go in
//!   as the same Rust translation the validator compiles;
//! - objects without `additionalProperties` let the model invent keys: closed where no valid value
//!   needs another key (serde ignores unknown keys, so nothing valid is lost, and no tokens are
//!   spent on junk);
//! - references llguidance cannot resolve (below the root, or to names that need escaping) are
//!   moved into `$defs` ([`prepare`]);
//! - `oneOf` is read as `anyOf` (`coerce_one_of`): exact where llguidance proves the branches
//!   disjoint, looser otherwise;
//! - llguidance reads numbers as `f64`: a bound past 2^53 that no `f64` equals would round
//!   inward and refuse a valid value, so it moves outward (looser by less than a step); an `enum`
//!   or `const` holding such an integer cannot be written at all, and is dropped; listed values
//!   get no added bounds (`1e300` may be one);
//! - a fractional `multipleOf` on numbers that may be negative: llguidance cannot write some
//!   multiples between -1 and 0 (-0.5 of 0.25), so any number there is let in beside the node.
//!
//! Dropped, and left to the validator: `uniqueItems`, `contains`, `not`, `if`/`then`/`else`,
//! `propertyNames`, `dependentRequired`, `dependentSchemas` (llguidance has none of them); a
//! `pattern` llguidance cannot read (look-around, backreferences); `patternProperties` it cannot
//! prove disjoint (folded into `additionalProperties`); `min`/`maxProperties` where not every
//! property is required (llguidance's own limit); a `multipleOf` of more than 9 significant digits;
//! a format other than the validator's nine; a numeric range wholly beyond the limits above.
//!
//! If llguidance still cannot compile the result, the rewrite is repeated with less ([`Level`]):
//! without intersections, then without string rules and listed values, then any JSON value. A
//! schema that admits no value is an error, as is one nested deeper than [`prepare::MAX_DEPTH`] or
//! with a reference that does not resolve.
//!
//! The JSON text has no free whitespace: compact by default (which bounds its length and saves
//! tokens), or with one space after each `,` and `:` ([`Layout::Spaced`]).

pub(crate) mod prepare;
pub(crate) mod reasons;
pub(crate) mod rewrite;

use llguidance::api::{GrammarInit, ParserLimits, TopLevelGrammar};
use serde_json::{Map, Value, json};

use crate::{GuideError, Layout};
use prepare::{ANY_JSON, MAX_REACH, Prepared, STACK_BASE, STACK_PER_LEVEL};
pub(crate) use rewrite::{Level, Notes};
use rewrite::{any_json, any_ref, rewrite};

/// What llguidance is told about the JSON text itself: no free whitespace, the separators of
/// the layout, and `oneOf` read as `anyOf`.
fn options(layout: Layout) -> Value {
    let (item, key) = match layout {
        Layout::Compact => (",", ":"),
        Layout::Spaced => (", ", ": "),
    };
    json!({
        "whitespace_flexible": false,
        "item_separator": item,
        "key_separator": key,
        "coerce_one_of": true,
    })
}

/// A schema as the grammar takes it.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The schema the notes are about ([`prepare::Prepared::doc`]).
    pub(crate) source: Value,
    /// What llguidance compiles.
    pub(crate) grammar: Value,
    /// Every rule not enforced exactly, and how it is enforced.
    pub(crate) notes: Notes,
    /// The level the grammar was made at; `None` when it is any JSON value, and why.
    pub(crate) level: Result<Level, &'static str>,
}

/// The grammar for `prepared`: the fullest rewrite that `compiles` (llguidance, with a vocabulary
/// or over bytes: [`check`]), and what it compiled to. Recursion through the schema is
/// llguidance's: run it on a stack of [`stack_size`].
fn plan<T>(
    prepared: Prepared,
    layout: Layout,
    mut compiles: impl FnMut(&Value) -> Result<T, String>,
) -> Result<(Plan, T), GuideError> {
    let anything =
        |doc, why: &'static str, compiles: &mut dyn FnMut(&Value) -> Result<T, String>| {
            let plan = anything(doc, layout, why);
            let compiled = compiles(&plan.grammar).map_err(GuideError::Grammar)?;
            Ok((plan, compiled))
        };
    if prepared.reach > MAX_REACH {
        tracing::warn!(
            target: "outlines::guide",
            reach = prepared.reach,
            "the schema is too large for a token grammar: any JSON value will be allowed"
        );
        return anything(prepared.doc, reasons::TOO_LARGE, &mut compiles);
    }
    let mut last = String::new();
    for level in [Level::Full, Level::Separate, Level::Structure] {
        let (mut grammar, notes, any_used) = rewrite(&prepared, level);
        finish(&mut grammar, layout, any_used);
        match compiles(&grammar) {
            Ok(compiled) => {
                if level > Level::Full {
                    tracing::warn!(
                        target: "outlines::guide",
                        ?level,
                        error = %last,
                        "llguidance could not compile the whole schema: the grammar leaves more to the validator"
                    );
                }
                let plan = Plan {
                    source: prepared.doc,
                    grammar,
                    notes,
                    level: Ok(level),
                };
                return Ok((plan, compiled));
            }
            Err(e) if e.contains("Unsatisfiable schema") => {
                return Err(GuideError::Schema(format!(
                    "the schema admits no value: {e}"
                )));
            }
            // Past intersections, leaving rules out does not make it smaller.
            Err(e) if e.contains("schema too large") && level >= Level::Separate => {
                last = e;
                break;
            }
            Err(e) => last = e,
        }
    }
    tracing::warn!(
        target: "outlines::guide",
        error = %last,
        "llguidance could not compile the schema: any JSON value will be allowed"
    );
    anything(prepared.doc, reasons::ANY, &mut compiles)
}

/// The bytes of stack llguidance needs for a schema of this reach.
fn stack_size(reach: usize) -> usize {
    STACK_BASE + reach.min(MAX_REACH) * STACK_PER_LEVEL
}

/// `schema` prepared, and planned at `layout` with `compiles` deciding how far the rewrite goes
/// (the guide compiles for its vocabulary, the coverage report over bytes: the same grammar, the
/// same levels); then `then` run on the plan and what it compiled to. Each step on a thread with
/// the stack it needs: the preparation's recursion is bounded by the schema's nesting, the plan's
/// (llguidance's) by its reach.
pub(crate) fn compile<T, R: Send>(
    schema: &Value,
    layout: Layout,
    compiles: impl FnMut(&Value) -> Result<T, String> + Send,
    then: impl FnOnce(Plan, T) -> Result<R, GuideError> + Send,
) -> Result<R, GuideError> {
    // A small schema is compiled where it is asked for: a thread costs more than the compile.
    let shallow = prepare::depth(schema, INLINE_DEPTH).is_ok();
    let prepared = on_stack((!shallow).then_some(STACK_BASE), || {
        prepare::prepare(schema)
    })?;
    let stack = (prepared.reach > INLINE_REACH).then(|| stack_size(prepared.reach));
    on_stack(stack, || {
        let (plan, compiled) = plan(prepared, layout, compiles)?;
        then(plan, compiled)
    })
}

/// The deepest schema prepared on the caller's stack (its recursion, a few hundred bytes a level).
const INLINE_DEPTH: usize = 64;
/// The most levels llguidance may recurse through on the caller's stack (2–3 KB a level
/// optimized, a few times that unoptimized: well within a 2 MB thread's).
const INLINE_REACH: usize = 64;

/// Runs `f` on a thread of its own with `stack` bytes of stack (reserved, not committed, until
/// used): llguidance recurses once per level of a schema, definitions included. `None`: here,
/// for what needs little. A panic there is an error here.
pub(crate) fn on_stack<T: Send>(
    stack: Option<usize>,
    f: impl FnOnce() -> Result<T, GuideError> + Send,
) -> Result<T, GuideError> {
    let panicked = || Err(GuideError::Grammar("llguidance panicked".into()));
    let Some(stack) = stack else {
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .unwrap_or_else(|_| panicked());
    };
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("outlines-guide-compile".into())
            .stack_size(stack)
            .spawn_scoped(scope, f)
            .map_err(|e| GuideError::Grammar(format!("cannot start the compile thread: {e}")))?;
        handle.join().unwrap_or_else(|_| panicked())
    })
}

/// The grammar that allows any JSON value (numbers within ±1e18).
fn anything(source: Value, layout: Layout, why: &'static str) -> Plan {
    let mut grammar = any_ref();
    finish(&mut grammar, layout, true);
    Plan {
        source,
        grammar,
        notes: Notes::new(),
        level: Err(why),
    }
}

/// The layout's options, and the any-JSON definition where it is used.
fn finish(grammar: &mut Value, layout: Layout, any_used: bool) {
    let Value::Object(root) = grammar else { return };
    if any_used {
        let defs = root
            .entry("$defs")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(defs) = defs {
            defs.insert(ANY_JSON.into(), any_json());
        }
    }
    root.insert("x-guidance".into(), options(layout));
}

/// Whether llguidance compiles `grammar` (without a vocabulary: the same grammar over bytes).
pub(crate) fn check(grammar: &Value) -> Result<(), String> {
    let init = GrammarInit::Serialized(TopLevelGrammar::from_json_schema(grammar.clone()));
    match init.validate(None, ParserLimits::default()).into_error() {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

/// The grammar of `schema` for llguidance, as [`plan`] makes it.
#[cfg(test)]
pub(crate) fn for_llguidance(schema: &Value, layout: Layout) -> Value {
    compile(schema, layout, check, |plan, ()| Ok(plan.grammar)).expect("a plan")
}

#[cfg(test)]
mod tests {
    use super::rewrite::{FLOAT_LIMIT, INT_LIMIT};
    use super::*;

    #[test]
    fn ranges_are_clamped_and_split_at_zero() {
        let schema = for_llguidance(
            &json!({
                "type": "object",
                "properties": {
                    "i": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX},
                    "u": {"type": "integer", "minimum": 0, "maximum": u64::MAX},
                    "f": {"type": "number", "minimum": -3.4e38, "maximum": 3.4e38},
                    "mixed": {"type": ["integer", "string"], "maxLength": 3},
                },
                "required": ["i", "u", "f"],
            }),
            Layout::Compact,
        );
        let props = &schema["properties"];
        assert_eq!(
            props["i"]["anyOf"],
            json!([
                {"type": "integer", "minimum": -INT_LIMIT, "maximum": -1},
                {"type": "integer", "minimum": 0, "maximum": INT_LIMIT},
            ])
        );
        assert_eq!(props["u"]["maximum"], json!(INT_LIMIT));
        assert_eq!(
            (&props["f"]["minimum"], &props["f"]["maximum"]),
            (&json!(-FLOAT_LIMIT), &json!(FLOAT_LIMIT))
        );
        // A type list keeps its other types: only the integers are split.
        let mixed = &props["mixed"]["anyOf"];
        assert_eq!(mixed[0]["anyOf"][1]["minimum"], json!(0));
        assert_eq!(mixed[1], json!({"type": ["string"], "maxLength": 3}));
        assert_eq!(schema["additionalProperties"], json!(false));
        assert_eq!(schema["x-guidance"]["whitespace_flexible"], json!(false));
        assert_eq!(schema["x-guidance"]["item_separator"], json!(","));
        let spaced = for_llguidance(&json!({"type": "integer"}), Layout::Spaced);
        assert_eq!(spaced["x-guidance"]["item_separator"], json!(", "));
        assert_eq!(spaced["x-guidance"]["key_separator"], json!(": "));
    }

    #[test]
    fn any_value_gets_bounded_numbers_and_unique_items_go() {
        let schema = for_llguidance(
            &json!({
                "type": "object",
                "properties": {
                    "v": {"description": "anything"},
                    "t": true,
                    "s": {"type": "array", "uniqueItems": true},
                    // A field named like a keyword is a field.
                    "uniqueItems": {"type": "integer", "minimum": -5, "maximum": 5},
                },
                "required": ["v", "s"],
            }),
            Layout::Compact,
        );
        let any = json!(format!("#/$defs/{ANY_JSON}"));
        assert_eq!(schema["properties"]["v"]["$ref"], any);
        assert_eq!(schema["properties"]["t"]["$ref"], any);
        assert!(schema["$defs"][ANY_JSON].is_object());
        assert!(schema["properties"]["s"].get("uniqueItems").is_none());
        assert!(schema["properties"]["uniqueItems"]["anyOf"].is_array());
    }

    #[test]
    fn objects_that_need_other_keys_stay_open() {
        let schema = for_llguidance(
            &json!({
                "type": "object",
                "properties": {
                    "required_elsewhere": {"type": "object", "properties": {"a": {}}, "required": ["b"]},
                    "merged": {"allOf": [
                        {"type": "object", "properties": {"a": {"type": "integer"}}},
                        {"type": "object", "properties": {"b": {"type": "integer"}}},
                    ]},
                    "conditional": {"type": "object", "properties": {"a": {}}, "if": {"required": ["a"]}, "then": {"required": ["c"]}},
                    "plain": {"type": "object", "properties": {"a": {"type": "integer"}}},
                },
            }),
            Layout::Compact,
        );
        let props = &schema["properties"];
        assert!(
            props["required_elsewhere"]
                .get("additionalProperties")
                .is_none()
        );
        assert!(
            props["merged"]["allOf"][0]
                .get("additionalProperties")
                .is_none()
        );
        assert!(props["conditional"].get("additionalProperties").is_none());
        assert!(props["conditional"].get("if").is_none());
        assert_eq!(props["plain"]["additionalProperties"], json!(false));
    }
}
