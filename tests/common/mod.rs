//! JSON generators for property tests: values shaped by a type's emitted JSON Schema (mostly valid),
//! random mutations of them (often invalid), and arbitrary JSON.
//!
//! Shaped values read only the keywords the renderer emits. Numbers that are whole never come out as
//! JSON floats below 2^64 (`30.0`): integers written that way are a deliberate divergence between the
//! validator and JSON Schema, pinned on its own in `contract.rs`.

use std::fmt::Debug;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Number, Value};

/// How many `$ref`s deep a shaped value goes; past it, recursion ends (empty arrays, the non-recursive
/// branch of an `anyOf`, or `null`).
const REF_DEPTH: u32 = 3;

/// Characters for free text: ASCII, multi-byte letters, an emoji, a non-ASCII digit, whitespace.
const CHARS: &[char] = &[
    'a', 'b', 'z', 'A', 'Q', '0', '7', ' ', '-', '_', '.', '@', 'é', '漢', '😀', '٣', '\n',
];

/// Keys that mutations add or rename to; never a field of a test type.
const STRAY_KEYS: &[&str] = &["stray", "x-extra"];

/// Values shaped like `schema`: required keys present, counts and bounds mostly respected.
pub(crate) fn shaped(schema: &Value) -> BoxedStrategy<Value> {
    node(schema, schema, 0)
}

/// Shaped values, half of them with one or two random mutations. Mutations that write a key or a
/// string pick it from the names in the schema (keys, `const`s, `enum` strings), a few stray keys, and
/// `extra` (aliases, skipped fields, ...).
pub(crate) fn mutated(schema: &Value, extra: &[&str]) -> BoxedStrategy<Value> {
    let mut names: Vec<String> = STRAY_KEYS
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect();
    collect_names(schema, &mut names);
    names.sort();
    names.dedup();
    let ops = prop_oneof![
        Just(Vec::new()),
        prop::collection::vec(
            (any::<Index>(), 0..MUTATIONS, any::<(Index, Index)>()),
            1..=2
        ),
    ];
    (shaped(schema), ops)
        .prop_map(move |(mut v, ops)| {
            for (at, op, pick) in ops {
                mutate(&mut v, at, op, pick, &names);
            }
            v
        })
        .boxed()
}

/// Property names and string constants of a schema.
fn collect_names(s: &Value, out: &mut Vec<String>) {
    match s {
        Value::Object(m) => {
            if let Some(Value::Object(props)) = m.get("properties") {
                out.extend(props.keys().cloned());
            }
            if let Some(Value::String(c)) = m.get("const") {
                out.push(c.clone());
            }
            if let Some(Value::Array(e)) = m.get("enum") {
                out.extend(e.iter().filter_map(Value::as_str).map(String::from));
            }
            m.values().for_each(|v| collect_names(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_names(v, out)),
        _ => {}
    }
}

/// Any small JSON value, whole floats (`2.0`) included.
pub(crate) fn arbitrary() -> BoxedStrategy<Value> {
    json(true)
}

/// Any small JSON value; `whole_floats` allows `2.0` (which only integers tell from `2`).
fn json(whole_floats: bool) -> BoxedStrategy<Value> {
    let whole = if whole_floats { 2.0 } else { 2.5 };
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-300i64..300).prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e3f64..1e3).prop_map(num),
        Just(Value::from(whole)),
        prop::sample::select(vec!["", "a", "Red", "Text", "x@y.io", "é漢"]).prop_map(Value::from),
        text(0, 6).prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A JSON number for `f`: whole values that fit 64 bits become integers.
pub(crate) fn num(f: f64) -> Value {
    if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
        Value::from(f as i64)
    } else if f.fract() == 0.0 && f >= 0.0 && f < u64::MAX as f64 {
        Value::from(f as u64)
    } else {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["k", "key", "é", "a b"]).prop_map(String::from),
        text(1, 4),
    ]
}

fn text(min: usize, max: usize) -> BoxedStrategy<String> {
    prop::collection::vec(prop::sample::select(CHARS), min..=max)
        .prop_map(|cs| cs.into_iter().collect())
        .boxed()
}

fn node(s: &Value, root: &Value, depth: u32) -> BoxedStrategy<Value> {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        if depth >= REF_DEPTH {
            return Just(Value::Null).boxed();
        }
        let target = match r.strip_prefix("#/$defs/") {
            Some(name) => &root["$defs"][name],
            None => root,
        };
        return node(target, root, depth + 1);
    }
    if let Some(c) = s.get("const") {
        return Just(c.clone()).boxed();
    }
    if let Some(Value::Array(values)) = s.get("enum") {
        return prop::sample::select(values.clone()).boxed();
    }
    if let Some(Value::Array(branches)) = s.get("anyOf") {
        // At the depth limit, prefer the branches that end the recursion.
        let ending: Vec<&Value> = branches.iter().filter(|b| !refers(b)).collect();
        let branches: Vec<&Value> = if depth >= REF_DEPTH && !ending.is_empty() {
            ending
        } else {
            branches.iter().collect()
        };
        let all: Vec<_> = branches.into_iter().map(|b| node(b, root, depth)).collect();
        return proptest::strategy::Union::new(all).boxed();
    }
    match s.get("type") {
        Some(Value::String(t)) => typed(t, s, root, depth),
        Some(Value::Array(ts)) => {
            let all: Vec<_> = ts
                .iter()
                .filter_map(Value::as_str)
                .map(|t| typed(t, s, root, depth))
                .collect();
            proptest::strategy::Union::new(all).boxed()
        }
        _ => json(false),
    }
}

/// Whether a schema refers to a named type anywhere inside.
fn refers(s: &Value) -> bool {
    match s {
        Value::Object(m) => m.contains_key("$ref") || m.values().any(refers),
        Value::Array(items) => items.iter().any(refers),
        _ => false,
    }
}

fn typed(t: &str, s: &Value, root: &Value, depth: u32) -> BoxedStrategy<Value> {
    match t {
        "null" => Just(Value::Null).boxed(),
        "boolean" => any::<bool>().prop_map(Value::from).boxed(),
        "integer" => integer(s),
        "number" => number(s),
        "string" => string(s),
        "array" => array(s, root, depth),
        _ => object(s, root, depth),
    }
}

fn int(s: &Value, k: &str) -> Option<i128> {
    let n = s.get(k)?;
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
        .or_else(|| n.as_f64().map(|f| f.floor() as i128))
}

/// An integer as JSON; beyond 64 bits, the nearest float (as a parser reads such a number).
fn int_value(i: i128) -> Value {
    i64::try_from(i)
        .map(Value::from)
        .or_else(|_| u64::try_from(i).map(Value::from))
        .unwrap_or_else(|_| num(i as f64))
}

/// Mostly valid, now and then invalid (mutations add more).
fn mostly<T: Debug + Clone + 'static>(
    valid: BoxedStrategy<T>,
    invalid: Vec<T>,
) -> BoxedStrategy<T> {
    if invalid.is_empty() {
        return valid;
    }
    prop_oneof![30 => valid, 1 => prop::sample::select(invalid)].boxed()
}

/// Boundaries, values inside, multiples of the step; now and then one step past a boundary.
fn integer(s: &Value) -> BoxedStrategy<Value> {
    let lo = int(s, "minimum")
        .unwrap_or(-1000)
        .max(int(s, "exclusiveMinimum").map_or(i128::MIN, |x| x + 1));
    let hi = int(s, "maximum")
        .unwrap_or(1000)
        .min(int(s, "exclusiveMaximum").map_or(i128::MAX, |x| x - 1));
    let step = int(s, "multipleOf").unwrap_or(1).max(1);
    let (wlo, whi) = (lo.max(-1000), hi.min(1000));
    let (klo, khi) = (wlo.div_euclid(step) + 1, whi.div_euclid(step));
    let fits = move |i: &i128| (lo..=hi).contains(i) && i % step == 0;
    let edges: Vec<i128> = [lo, hi, lo + 1, hi - 1, 0]
        .into_iter()
        .filter(fits)
        .collect();
    let inside = (klo..=khi.max(klo)).prop_map(move |k| k * step).boxed();
    let valid = if edges.is_empty() {
        inside
    } else {
        prop_oneof![2 => inside, 1 => prop::sample::select(edges)].boxed()
    };
    mostly(valid, vec![lo - 1, hi + 1])
        .prop_map(int_value)
        .boxed()
}

fn float(s: &Value, k: &str) -> Option<f64> {
    s.get(k)?.as_f64()
}

/// Boundaries, values just inside exclusive ones, values inside, exact decimal multiples of the
/// step; now and then a value on or just past a boundary.
fn number(s: &Value) -> BoxedStrategy<Value> {
    let (min, max) = (float(s, "minimum"), float(s, "maximum"));
    let (xmin, xmax) = (float(s, "exclusiveMinimum"), float(s, "exclusiveMaximum"));
    let (wlo, whi) = (
        min.or(xmin).unwrap_or(-1e6).max(-1e6),
        max.or(xmax).unwrap_or(1e6).min(1e6),
    );
    let step = float(s, "multipleOf");
    let fits = move |x: &f64| {
        min.is_none_or(|m| *x >= m)
            && max.is_none_or(|m| *x <= m)
            && xmin.is_none_or(|m| *x > m)
            && xmax.is_none_or(|m| *x < m)
    };
    let mut edges: Vec<f64> = [min, max].into_iter().flatten().collect();
    edges.extend(xmin.map(|x| x + 0.001));
    edges.extend(xmax.map(|x| x - 0.001));
    edges.extend([0.0, 0.5, -2.5]);
    let invalid: Vec<f64> = [min.map(|x| x - 0.001), max.map(|x| x + 0.001), xmin, xmax]
        .into_iter()
        .flatten()
        .collect();
    // Candidates that miss the bounds fall back to the middle of the window (rarely needed).
    let mid = (wlo + whi) / 2.0;
    let inside = match step {
        Some(m) => {
            let klo = (wlo / m).ceil() as i64;
            let khi = ((whi / m).floor() as i64).clamp(klo, klo + 80);
            (klo..=khi)
                .prop_map(move |k| decimal_multiple(k, m))
                .boxed()
        }
        // A window of one value (`minimum == maximum`) or none: proptest's ranges need two.
        None if whi <= wlo => Just(mid).boxed(),
        None => {
            let edges = if edges.is_empty() { vec![mid] } else { edges };
            prop_oneof![
                (wlo..=whi),
                (wlo as i64..=whi as i64).prop_map(|i| i as f64),
                prop::sample::select(edges),
            ]
            .boxed()
        }
    }
    .prop_map(move |x| if fits(&x) { x } else { mid })
    .boxed();
    mostly(inside, invalid).prop_map(num).boxed()
}

/// `k * m` computed in decimal (`3 * 0.1` is `0.3`, not `0.30000000000000004`).
fn decimal_multiple(k: i64, m: f64) -> f64 {
    let text = format!("{m}");
    let decimals = text.split_once('.').map_or(0, |(_, f)| f.len());
    let mantissa: i64 = text.replace('.', "").parse().unwrap_or(1);
    format!("{}e-{decimals}", k * mantissa)
        .parse()
        .unwrap_or(0.0)
}

/// Valid and invalid samples for each `format`.
fn format_samples(format: &str) -> (Vec<&'static str>, Vec<&'static str>) {
    match format {
        "email" => (
            vec!["a@example.com", "first.last+tag@sub.example.org"],
            vec!["no-at.example.com"],
        ),
        "uri" => (
            vec!["https://example.com/p?q=1#f", "urn:isbn:0451450523"],
            vec!["/relative"],
        ),
        "uuid" => (
            vec!["123e4567-e89b-12d3-a456-426614174000"],
            vec!["123e4567e89b12d3a456426614174000"],
        ),
        "date" => (vec!["2024-01-31", "2024-02-29"], vec!["2023-02-29"]),
        "date-time" => (
            vec!["2024-01-31T09:30:00Z", "2024-01-31t09:30:00.5+02:00"],
            vec!["2024-01-31 09:30:00Z"],
        ),
        "time" => (vec!["09:30:00Z", "23:59:59.999-05:00"], vec!["09:30"]),
        "ipv4" => (vec!["192.168.0.1", "0.0.0.0"], vec!["256.1.1.1"]),
        "ipv6" => (vec!["2001:db8::1", "::"], vec!["2001:db8:::1"]),
        "hostname" => (vec!["api.example.com", "localhost"], vec!["-bad.example"]),
        _ => (vec!["x"], vec![]),
    }
}

fn string(s: &Value) -> BoxedStrategy<Value> {
    if let Some(f) = s.get("format").and_then(Value::as_str) {
        let (valid, invalid) = format_samples(f);
        return mostly(prop::sample::select(valid).boxed(), invalid)
            .prop_map(Value::from)
            .boxed();
    }
    let min = int(s, "minLength").unwrap_or(0) as usize;
    let max = int(s, "maxLength")
        .map_or(min + 6, |m| m as usize)
        .min(min + 6);
    let free = text(min, max.max(min));
    let pattern = s.get("pattern").and_then(Value::as_str);
    // The generator knows no anchors; a whole-string pattern matches what it generates without them.
    let unanchored = pattern.map(|p| p.trim_start_matches('^').trim_end_matches('$'));
    match unanchored.and_then(|p| proptest::string::string_regex(p).ok()) {
        Some(matching) => prop_oneof![30 => matching.boxed(), 1 => free]
            .prop_map(Value::from)
            .boxed(),
        None => free.prop_map(Value::from).boxed(),
    }
}

fn array(s: &Value, root: &Value, depth: u32) -> BoxedStrategy<Value> {
    if let Some(Value::Array(prefix)) = s.get("prefixItems") {
        let items: Vec<_> = prefix.iter().map(|p| node(p, root, depth)).collect();
        return items.prop_map(Value::Array).boxed();
    }
    let min = int(s, "minItems").unwrap_or(0) as usize;
    // At the depth limit, recursive items stop the recursion by their absence.
    let max = if depth >= REF_DEPTH && refers(&s["items"]) {
        min
    } else {
        int(s, "maxItems")
            .map_or(min + 2, |m| m as usize)
            .min(min + 2)
    };
    let items = prop::collection::vec(node(&s["items"], root, depth), min..=max);
    if s.get("uniqueItems") != Some(&Value::Bool(true)) {
        return items.prop_map(Value::Array).boxed();
    }
    items
        .prop_filter("unique items", |items| {
            items
                .iter()
                .enumerate()
                .all(|(i, a)| !items[..i].contains(a))
        })
        .prop_map(Value::Array)
        .boxed()
}

/// Required keys always, optional ones two times in three, extra keys where the schema allows them.
fn object(s: &Value, root: &Value, depth: u32) -> BoxedStrategy<Value> {
    let empty = Map::new();
    let props = s
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = props
        .iter()
        .map(|(k, p)| {
            let is_required = required.contains(&k.as_str());
            let k = k.clone();
            let value = node(p, root, depth).prop_map(move |v| (k.clone(), v));
            if is_required {
                value.prop_map(Some).boxed()
            } else {
                prop::option::weighted(0.67, value).boxed()
            }
        })
        .collect();
    let (extra_values, closed) = match s.get("additionalProperties") {
        Some(Value::Bool(false)) => (Just(Value::Null).boxed(), true),
        Some(values @ Value::Object(_)) => (node(values, root, depth), false),
        _ => (json(false), false),
    };
    let min = int(s, "minProperties").unwrap_or(0) as usize;
    let max = int(s, "maxProperties")
        .map_or(min + 2, |m| m as usize)
        .min(min + 2);
    let known: Vec<String> = props.keys().cloned().collect();
    let extras = prop::collection::vec(
        (key(), extra_values),
        if closed { 0..=0 } else { min..=max },
    );
    (fields, extras)
        .prop_map(move |(fields, extras)| {
            let mut out: Map<String, Value> = fields.into_iter().flatten().collect();
            for (k, v) in extras {
                if !known.contains(&k) {
                    out.insert(k, v);
                }
            }
            Value::Object(out)
        })
        .boxed()
}

/// How many mutation kinds [`mutate`] knows.
const MUTATIONS: u8 = 12;

/// Applies mutation `op` to the node of `v` picked by `at`.
fn mutate(v: &mut Value, at: Index, op: u8, pick: (Index, Index), names: &[String]) {
    let mut count = 0;
    walk(v, &mut |_| count += 1);
    let target = at.index(count);
    let mut seen = 0;
    walk(v, &mut |node| {
        if seen == target {
            apply(node, op, pick, names);
        }
        seen += 1;
    });
}

/// Visits every node, parents before children.
fn walk(v: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    f(v);
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| walk(i, f)),
        Value::Object(map) => map.values_mut().for_each(|i| walk(i, f)),
        _ => {}
    }
}

fn apply(node: &mut Value, op: u8, (pick, other): (Index, Index), names: &[String]) {
    let name = || names[pick.index(names.len())].clone();
    let small = [
        Value::from(1),
        Value::Null,
        Value::from("x"),
        serde_json::json!({}),
    ];
    match (op, &mut *node) {
        (0, _) => *node = Value::Null,
        (1, Value::Number(n)) => *node = num(n.as_f64().unwrap_or(0.0) + 1.0),
        (2, Value::Number(n)) => *node = num(n.as_f64().unwrap_or(0.0) - 1.0),
        (3, Value::Number(n)) => *node = num(n.as_f64().unwrap_or(0.0) + 0.5),
        (4, Value::Number(n)) => *node = num(-n.as_f64().unwrap_or(0.0) * 1e30 - 1e30),
        (1, Value::String(s)) => s.push(CHARS[pick.index(CHARS.len())]),
        (2, Value::String(s)) => {
            s.pop();
        }
        (3 | 4, Value::String(_)) => *node = Value::from(name()),
        (1, Value::Array(items)) => {
            items.pop();
        }
        (2, Value::Array(items)) => {
            if let Some(first) = items.first().cloned() {
                items.push(first);
            }
        }
        (3 | 4, Value::Array(items)) => items.reverse(),
        (1, Value::Object(map)) => {
            let k = map.keys().nth(pick.index(map.len().max(1))).cloned();
            k.map(|k| map.shift_remove(&k));
        }
        (2, Value::Object(map)) => {
            map.insert(name(), small[other.index(small.len())].clone());
        }
        (3, Value::Object(map)) => {
            let k = map.keys().nth(other.index(map.len().max(1))).cloned();
            if let Some(v) = k.and_then(|k| map.shift_remove(&k)) {
                map.insert(name(), v);
            }
        }
        (4, Value::Object(map)) => *map = std::mem::take(map).into_iter().rev().collect(),
        (5, _) => *node = Value::from(name()),
        (6, _) => *node = Value::from(-1),
        (7, _) => *node = Value::from(0.5),
        (8, _) => *node = Value::Array(vec![node.clone()]),
        (9, _) => *node = serde_json::json!({ "stray": node.clone() }),
        (10, _) => *node = Value::from(u64::MAX),
        _ => *node = Value::from(""),
    }
}

/// A runner for `cases` cases with a fixed seed, so a run is reproducible; `PROPTEST_CASES` and
/// `PROPTEST_RNG_SEED` override both. Failures are not persisted to files.
pub(crate) fn runner(cases: u32, seed: u64) -> proptest::test_runner::TestRunner {
    use proptest::test_runner::{Config, RngSeed, TestRunner};
    let default = Config::default();
    let config = Config {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            default.cases
        } else {
            cases
        },
        rng_seed: match default.rng_seed {
            RngSeed::Random => RngSeed::Fixed(seed),
            seed => seed,
        },
        failure_persistence: None,
        ..default
    };
    TestRunner::new(config)
}
