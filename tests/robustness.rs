//! Robustness: hostile or broken input gets a clear error and loses nothing; nothing panics or
//! overflows the stack.
//!
//! Covers deep nesting (text and `serde_json::Value`), huge strings and arrays, numbers beyond every
//! integer and float range, invalid UTF-8, truncated documents and trailing garbage, plus property
//! tests over arbitrary bytes and JSON-like text. Deep cases run on threads with an ordinary 2 MiB
//! stack, so the library cannot rely on a big one.

use std::collections::BTreeMap;
use std::fmt::Debug;

use outlines::{Diagnostics, ErrorKind, MAX_DEPTH, Structured};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use serde::Deserialize;
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------------------------
// Types

/// A linked list: exactly one JSON container per level, so `n` levels nest `n` deep.
#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Tree {
    value: u32,
    next: Option<Box<Tree>>,
}

/// A recursive externally tagged enum: two containers per level (`{"Branch": [...]}`).
#[derive(Debug, PartialEq, Structured, Deserialize)]
enum Node {
    Leaf(u32),
    Branch(Vec<Node>),
}

/// A plain struct.
#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Plain {
    a: u8,
    b: String,
}

/// Unknown fields are errors, so their values are read (and rendered) too.
#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(deny_unknown_fields)]
struct Strict {
    a: u8,
}

/// A string with a length limit.
#[derive(Debug, PartialEq, Structured, Deserialize)]
struct Limited {
    #[outline(max = 100)]
    text: String,
}

/// At most ten items.
#[derive(Debug, PartialEq, Structured, Deserialize)]
struct FewItems {
    #[outline(max = 10)]
    items: Vec<u8>,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Role {
    User,
    Admin,
}

/// Internally tagged.
#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Shape {
    Circle {
        #[outline(exclusive_min = 0)]
        r: f64,
    },
    Square {
        #[outline(min = 1, max = 100)]
        side: u32,
    },
    Dot,
}

/// Untagged: the first variant whose shape fits.
#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(untagged)]
enum Id {
    Num(#[outline(max = 1000)] u64),
    Text(#[outline(min = 1, max = 8)] String),
    Pair { a: u8, b: u8 },
}

/// Adjacently tagged.
#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(tag = "t", content = "c")]
enum Adj {
    A { x: u8 },
    B(#[outline(max = 10)] u8),
    C,
}

/// A rich struct with constraints, recursion, both enum styles, maps, tuples and options.
#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rich {
    #[outline(min = 1, max = 20)]
    name: String,
    #[outline(max = 120)]
    age: u8,
    #[outline(pattern = "^[a-z]+$")]
    slug: Option<String>,
    #[outline(max = 3, inner(min = 1))]
    #[serde(default)]
    tags: Vec<String>,
    #[outline(min = -5, max = 5)]
    offset: Option<i32>,
    #[serde(default)]
    scores: BTreeMap<String, u16>,
    shape: Option<Shape>,
    id: Option<Id>,
    role: Option<Role>,
    point: Option<(i8, bool)>,
    child: Option<Box<Rich>>,
    #[outline(format = "email")]
    email: Option<String>,
}

/// A nested document for the truncation tests.
#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    #[outline(min = 1)]
    title: String,
    count: u32,
    ratio: f64,
    flags: Vec<bool>,
    owner: Plain,
    shape: Shape,
    id: Id,
    extra: BTreeMap<String, Value>,
    tree: Option<Box<Tree>>,
    pair: (i8, char),
}

// ---------------------------------------------------------------------------------------------------
// Helpers

/// The `Display` contract of `Diagnostics`: non-empty, one `- {error}` line per error, no error
/// spilling onto a second line.
fn display_contract(d: &Diagnostics) -> Result<(), String> {
    if d.is_empty() {
        return Err("an Err with no errors in it".into());
    }
    let text = d.to_string();
    let lines: Vec<&str> = text.split('\n').collect();
    if lines.len() != d.len() {
        return Err(format!(
            "{} errors displayed on {} lines:\n{text}",
            d.len(),
            lines.len()
        ));
    }
    for (line, e) in lines.iter().zip(d.errors()) {
        if line.trim().len() <= 2 || *line != format!("- {e}") || line.contains('\r') {
            return Err(format!("bad line {line:?} for error {e:?}"));
        }
        if e.message().is_empty() {
            return Err(format!("empty message: {e:?}"));
        }
    }
    Ok(())
}

#[track_caller]
fn assert_display_contract(d: &Diagnostics) {
    if let Err(problem) = display_contract(d) {
        panic!("{problem}");
    }
}

/// `r` must be an error; checks the display contract and returns the diagnostics.
#[track_caller]
fn expect_err<T: Debug>(r: Result<T, Diagnostics>, what: &str) -> Diagnostics {
    match r {
        Ok(v) => {
            let shown = format!("{v:?}");
            panic!(
                "{what}: accepted, expected an error: {}",
                &shown[..shown.len().min(200)]
            )
        }
        Err(d) => {
            assert_display_contract(&d);
            d
        }
    }
}

/// Whether an error reports a nesting limit (serde_json's for text, `MAX_DEPTH` for values).
fn is_nesting_error(e: &outlines::Violation) -> bool {
    e.kind() == ErrorKind::Syntax
        && (e.message().contains("recursion limit") || e.message().contains("nested more than"))
}

/// `d` must report the nesting limit at a line and column of the text.
#[track_caller]
fn assert_nesting_error_in_text(d: &Diagnostics, what: &str) {
    let e = d
        .errors()
        .iter()
        .find(|e| is_nesting_error(e))
        .unwrap_or_else(|| panic!("{what}: no nesting error in:\n{d}"));
    let (line, col) = e
        .location()
        .unwrap_or_else(|| panic!("{what}: nesting error without a position: {e}"));
    assert!(line >= 1 && col >= 1, "{what}: position {line}:{col}");
    assert!(
        e.to_string()
            .contains(&format!("at line {line} column {col}")),
        "{what}: {e}"
    );
}

/// `d` must report the nesting limit at a path inside the value.
#[track_caller]
fn assert_nesting_error_in_value(d: &Diagnostics, what: &str) {
    let e = d
        .errors()
        .iter()
        .find(|e| is_nesting_error(e))
        .unwrap_or_else(|| panic!("{what}: no nesting error in:\n{d}"));
    assert!(
        !e.path().is_root() || e.location().is_some(),
        "{what}: nesting error without a path or position: {e}"
    );
}

/// Runs `f` on a thread with the usual 2 MiB stack, so no test relies on a big main-thread stack.
fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn a thread")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// `[[...[]...]]`, `depth` arrays deep, built without recursion.
fn nested_arrays(depth: usize) -> Value {
    let mut v = Value::Array(Vec::new());
    for _ in 1..depth {
        v = Value::Array(vec![v]);
    }
    v
}

/// `{"a": {"a": ... {} ...}}`, `depth` objects deep.
fn nested_objects(depth: usize, key: &str) -> Value {
    let mut v = Value::Object(Map::new());
    for _ in 1..depth {
        let mut m = Map::new();
        m.insert(key.to_owned(), v);
        v = Value::Object(m);
    }
    v
}

/// A `Tree` of `depth` levels as a value: `{"value": 0, "next": {"value": 1, ... "next": null}}`.
fn tree_value(depth: usize) -> Value {
    let mut v = Value::Null;
    for i in (0..depth).rev() {
        let mut m = Map::new();
        m.insert("value".into(), Value::from(i));
        m.insert("next".into(), v);
        v = Value::Object(m);
    }
    v
}

/// The same `Tree` as text, written directly (no serializer involved).
fn tree_text(depth: usize) -> String {
    let mut s = String::new();
    for i in 0..depth {
        s.push_str(&format!("{{\"value\":{i},\"next\":"));
    }
    s.push_str("null");
    s.push_str(&"}".repeat(depth));
    s
}

/// How many levels a `Tree` has.
fn tree_depth(t: &Tree) -> usize {
    let mut n = 1;
    let mut node = t;
    while let Some(next) = &node.next {
        n += 1;
        node = next;
    }
    n
}

// ---------------------------------------------------------------------------------------------------
// Deep nesting in text

/// 100,000 levels of `[` (closed or not) and of an object key the type reads (`{"a":`, `{"next":`,
/// ...) into several types: a nesting error with a line and column, from both `from_json` and
/// `from_slice`, and no stack overflow.
#[test]
fn deep_text_is_a_nesting_error_with_a_position() {
    const N: usize = 100_000;
    /// Arrays, then objects chained under `key`, each unclosed and closed.
    fn inputs(key: &str) -> Vec<(String, String)> {
        let open = format!("{{\"{key}\":");
        vec![
            ("[ x 100k".into(), "[".repeat(N)),
            ("[ x 100k, closed".into(), "[".repeat(N) + &"]".repeat(N)),
            (format!("{open} x 100k"), open.repeat(N)),
            (
                format!("{open} x 100k, closed"),
                open.repeat(N) + "1" + &"}".repeat(N),
            ),
        ]
    }
    fn check<T: Structured + Debug>(type_name: &str, key: &str) {
        for (shape, text) in inputs(key) {
            let what = format!("{type_name} from_json({shape})");
            assert_nesting_error_in_text(&expect_err(T::from_json(&text), &what), &what);
            let what = format!("{type_name} from_slice({shape})");
            let d = expect_err(T::from_slice(text.as_bytes()), &what);
            assert_nesting_error_in_text(&d, &what);
        }
    }
    on_small_stack(|| {
        check::<Value>("Value", "a");
        check::<Vec<Value>>("Vec<Value>", "a");
        check::<Tree>("Tree", "next");
        check::<Option<Box<Tree>>>("Option<Box<Tree>>", "next");
        check::<Node>("Node", "Branch");
        check::<Plain>("Plain", "a");
        check::<Strict>("Strict (deny_unknown_fields)", "x");
        check::<Vec<Vec<u8>>>("Vec<Vec<u8>>", "a");
        check::<Id>("Id (untagged)", "a");
        check::<Shape>("Shape (internally tagged)", "type");
        check::<Shape>("Shape (internally tagged)", "r");
        check::<Rich>("Rich", "child");
    });
}

/// Deep content under a key the type ignores is skipped without recursion, as serde skips it: the
/// verdict is serde's, and an unclosed one is a syntax error at its end.
#[test]
fn deep_content_under_ignored_keys_is_skipped_like_serde() {
    on_small_stack(|| {
        const N: usize = 100_000;
        let closed = format!(
            "{{\"value\": 1, \"ignored\": {}{}}}",
            "[".repeat(N),
            "]".repeat(N)
        );
        let ours = Tree::from_json(&closed);
        let serde = serde_json::from_str::<Tree>(&closed);
        assert_eq!(
            ours.is_ok(),
            serde.is_ok(),
            "ours {ours:?}, serde {serde:?}"
        );
        assert_eq!(ours.ok(), serde.ok());

        // `{"a":` x 100k: `Tree` has no field `a`, so the whole chain is skipped up to the end of
        // the text, where it is reported; likewise inside an ignored field.
        for unclosed in [
            "{\"a\":".repeat(N),
            format!("{{\"value\": 1, \"ignored\": {}", "{\"a\":".repeat(N)),
        ] {
            for (how, r) in [
                ("from_json", Tree::from_json(&unclosed)),
                ("from_slice", Tree::from_slice(unclosed.as_bytes())),
            ] {
                let d = expect_err(r, how);
                let e = d.errors().last().unwrap();
                assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
                assert_eq!(e.location(), Some((1, unclosed.len())), "{e}");
            }
        }
    });
}

/// A valid recursive document below the limit is accepted whole; above it, rejected with a
/// nesting error (text: with a position; value: with a path).
#[test]
fn deep_valid_documents_below_the_limit_pass_and_above_it_fail() {
    on_small_stack(|| {
        // 100 levels: well below the limit.
        let text = tree_text(100);
        let t = Tree::from_json(&text).expect("a 100-level tree is accepted");
        assert_eq!(tree_depth(&t), 100);
        assert_eq!(t, serde_json::from_str::<Tree>(&text).unwrap());
        assert_eq!(Tree::from_slice(text.as_bytes()).unwrap(), t);
        assert_eq!(Tree::from_value(&tree_value(100)).unwrap(), t);

        // 200 levels: above it.
        let text = tree_text(200);
        let d = expect_err(Tree::from_json(&text), "200-level tree from_json");
        assert_nesting_error_in_text(&d, "200-level tree from_json");
        let d = expect_err(Tree::from_slice(text.as_bytes()), "from_slice");
        assert_nesting_error_in_text(&d, "200-level tree from_slice");
        let d = expect_err(Tree::from_value(&tree_value(200)), "from_value");
        assert_nesting_error_in_value(&d, "200-level tree from_value");
        let e = d.errors().iter().find(|e| is_nesting_error(e)).unwrap();
        assert_eq!(
            e.message(),
            format!("nested more than {MAX_DEPTH} levels deep")
        );
        assert!(e.path().to_string().starts_with("next.next.next"), "{e}");

        // The recursive enum: two containers per level.
        let node =
            |depth: usize| "{\"Branch\":[".repeat(depth) + "{\"Leaf\":7}" + &"]}".repeat(depth);
        let n = Node::from_json(&node(50)).expect("50 levels (100 containers) are accepted");
        assert_eq!(n, serde_json::from_str::<Node>(&node(50)).unwrap());
        let d = expect_err(Node::from_json(&node(100)), "Node 100 levels");
        assert_nesting_error_in_text(&d, "Node 100 levels");
    });
}

/// `from_json` and `from_value` must draw the line at the same depth: a value accepted by one is
/// accepted by the other.
#[test]
fn text_and_value_nesting_limits_agree() {
    on_small_stack(|| {
        let mut disagreements = Vec::new();
        for depth in (MAX_DEPTH as usize - 4)..=(MAX_DEPTH as usize + 4) {
            let by_text = Tree::from_json(&tree_text(depth)).is_ok();
            let by_value = Tree::from_value(&tree_value(depth)).is_ok();
            if by_text != by_value {
                disagreements.push(format!(
                    "Tree {depth} levels deep: from_json ok={by_text}, from_value ok={by_value}"
                ));
            }
        }
        assert!(
            disagreements.is_empty(),
            "MAX_DEPTH = {MAX_DEPTH}, but:\n{}",
            disagreements.join("\n")
        );
    });
}

/// `serde_json::Value` (alone or in a `Vec`) nested deeper than `MAX_DEPTH` is rejected by
/// `from_value` as it is by `from_json`: `MAX_DEPTH` bounds the `&Value` path too.
#[test]
fn value_typed_from_value_honours_max_depth() {
    on_small_stack(|| {
        let depth = 200;
        let v = nested_arrays(depth);
        let text = v.to_string();
        let d = expect_err(Value::from_json(&text), "Value from_json 200 deep");
        assert_nesting_error_in_text(&d, "Value from_json 200 deep");
        let d = expect_err(Value::from_value(&v), "Value from_value 200 deep");
        assert_nesting_error_in_value(&d, "Value from_value 200 deep");
        let d = expect_err(
            Vec::<Value>::from_value(&v),
            "Vec<Value> from_value 200 deep",
        );
        assert_nesting_error_in_value(&d, "Vec<Value> from_value 200 deep");
    });
}

// ---------------------------------------------------------------------------------------------------
// Deep `serde_json::Value`s through `from_value`, on a small stack

/// How deep the values are: deep enough to matter, shallow enough that serde_json itself can build
/// and drop them on a 2 MiB stack in a debug build.
const DEEP: usize = 2_000;

/// One `from_value` call on a deep value: the case name and the check (run on a 2 MiB stack).
type DeepCase = (&'static str, fn() -> Result<(), String>);

fn deep_case<T: Structured + Debug>(v: &Value, nesting: bool) -> Result<(), String> {
    match T::from_value(v) {
        Ok(_) => Err("accepted".into()),
        Err(d) => {
            display_contract(&d)?;
            if nesting && !d.errors().iter().any(is_nesting_error) {
                return Err(format!("no nesting error in:\n{d}"));
            }
            Ok(())
        }
    }
}

const DEEP_CASES: &[DeepCase] = &[
    ("Value <- arrays", || {
        deep_case::<Value>(&nested_arrays(DEEP), true)
    }),
    ("Value <- objects", || {
        deep_case::<Value>(&nested_objects(DEEP, "a"), true)
    }),
    ("Vec<Value> <- arrays", || {
        deep_case::<Vec<Value>>(&nested_arrays(DEEP), true)
    }),
    ("Tree <- Tree chain", || {
        deep_case::<Tree>(&tree_value(DEEP), true)
    }),
    ("Option<Box<Tree>> <- Tree chain", || {
        deep_case::<Option<Box<Tree>>>(&tree_value(DEEP), true)
    }),
    ("Node <- arrays", || {
        deep_case::<Node>(&nested_arrays(DEEP), false)
    }),
    ("Tree <- arrays", || {
        deep_case::<Tree>(&nested_arrays(DEEP), false)
    }),
    ("Option<Box<Tree>> <- arrays", || {
        deep_case::<Option<Box<Tree>>>(&nested_arrays(DEEP), false)
    }),
    ("Plain <- arrays", || {
        deep_case::<Plain>(&nested_arrays(DEEP), false)
    }),
    ("Plain <- objects under \"a\"", || {
        deep_case::<Plain>(&nested_objects(DEEP, "a"), false)
    }),
    (
        "Strict (deny_unknown_fields) <- objects under \"x\"",
        || deep_case::<Strict>(&nested_objects(DEEP, "x"), false),
    ),
    ("u8 <- arrays", || {
        deep_case::<u8>(&nested_arrays(DEEP), false)
    }),
    ("Vec<u8> <- arrays", || {
        deep_case::<Vec<u8>>(&nested_arrays(DEEP), false)
    }),
    ("Id (untagged) <- arrays", || {
        deep_case::<Id>(&nested_arrays(DEEP), false)
    }),
    ("Shape (internally tagged) <- objects", || {
        deep_case::<Shape>(&nested_objects(DEEP, "a"), false)
    }),
    (
        "Adj (adjacently tagged) <- deep content before the tag",
        || {
            let mut m = Map::new();
            m.insert("c".into(), nested_arrays(DEEP));
            m.insert("t".into(), Value::from("B"));
            deep_case::<Adj>(&Value::Object(m), false)
        },
    ),
];

/// `from_value` on values nested 2,000 deep (far past `MAX_DEPTH`) into every kind of type: an error,
/// never a stack overflow, on a normal 2 MiB stack. (Should one regress, the overflow aborts this test
/// binary: a loud failure.)
#[test]
fn from_value_on_deep_values_never_overflows_the_stack() {
    let mut failures = Vec::new();
    for (name, case) in DEEP_CASES {
        if let Err(problem) = on_small_stack(case) {
            failures.push(format!("{name}: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------------
// Huge inputs

/// A 10 MB string is read into a `String`; into a `max = 100` field it is one error whose `got`
/// is shortened, and the whole message stays short.
#[test]
fn ten_megabyte_strings() {
    let big = "x".repeat(10_000_000);
    let quoted = format!("\"{big}\"");

    let s = String::from_json(&quoted).unwrap();
    assert_eq!(s.len(), big.len());

    let text = format!("{{\"text\": {quoted}}}");
    let d = expect_err(Limited::from_slice(text.as_bytes()), "10 MB into max = 100");
    assert_eq!(d.len(), 1, "{d}");
    let e = &d.errors()[0];
    assert_eq!(e.kind(), ErrorKind::Constraint);
    assert_eq!(e.path().to_string(), "text");
    assert_eq!(e.expected(), "string of at most 100 characters");
    assert!(e.message().contains("10000000 characters"), "{e}");
    let got = e.got().expect("the offending value");
    assert!(got.chars().count() <= 121, "got is {} chars", got.len());
    assert!(got.starts_with("\"xxxx") && got.ends_with('…'), "{got}");
    assert!(
        d.to_string().len() < 400,
        "{} bytes displayed",
        d.to_string().len()
    );

    let d = expect_err(u8::from_json(&quoted), "10 MB into u8");
    let e = &d.errors()[0];
    assert_eq!(e.kind(), ErrorKind::Type);
    assert!(e.got().unwrap().chars().count() <= 121);
}

/// A 1,000,000-item array: read whole; one bad item is one error at its index; as a scalar or
/// against `max = 10` it is one short error.
#[test]
fn million_item_arrays() {
    const N: usize = 1_000_000;
    let mut text = String::with_capacity(2 * N + 2);
    text.push('[');
    for i in 0..N {
        if i > 0 {
            text.push(',');
        }
        text.push('7');
    }
    text.push(']');

    let v = Vec::<u8>::from_json(&text).unwrap();
    assert_eq!(v.len(), N);

    let d = expect_err(u8::from_json(&text), "1M items into u8");
    assert_eq!(d.len(), 1);
    assert_eq!(d.errors()[0].kind(), ErrorKind::Type);
    let got = d.errors()[0].got().unwrap();
    assert!(got.chars().count() <= 121 && got.ends_with('…'), "{got}");

    let wrapped = format!("{{\"items\": {text}}}");
    let d = expect_err(FewItems::from_json(&wrapped), "1M items into max = 10");
    assert_eq!(d.len(), 1, "{d}");
    let e = &d.errors()[0];
    assert_eq!(
        (e.kind(), e.path().to_string()),
        (ErrorKind::Constraint, "items".into())
    );
    assert_eq!(e.got(), Some("1000000 items"));

    // One bad item at the very end: exactly one error, at its index.
    let bad = format!("{},300]", &text[..text.len() - 3]);
    let d = expect_err(Vec::<u8>::from_json(&bad), "one bad item");
    assert_eq!(d.len(), 1, "{d}");
    let e = &d.errors()[0];
    assert_eq!(e.kind(), ErrorKind::Range);
    assert_eq!(e.path().to_string(), format!("[{}]", N - 1));
    assert_eq!(e.got(), Some("300"));
}

/// Names taken from the input (unknown fields, unknown variants) are quoted into messages: they must
/// be escaped (one line per error) and shortened like `got`.
#[test]
fn unknown_names_in_messages_are_escaped_and_shortened() {
    let mut problems = Vec::new();
    let mut check = |what: &str, d: Diagnostics| {
        if let Err(p) = display_contract(&d) {
            problems.push(format!("{what}: {p}"));
        }
        for e in d.errors() {
            if e.message().chars().count() > 200 {
                problems.push(format!(
                    "{what}: message of {} chars (got is shortened to {:?} chars)",
                    e.message().chars().count(),
                    e.got().map(|g| g.chars().count())
                ));
            }
        }
    };
    check(
        "unknown field with a newline",
        Strict::from_json(r#"{"a": 1, "x\ny": 2}"#).unwrap_err(),
    );
    check(
        "unknown variant with a newline",
        Role::from_json(r#""x\ny""#).unwrap_err(),
    );
    check(
        "unknown tag with a newline",
        Shape::from_json(r#"{"type": "x\ny"}"#).unwrap_err(),
    );
    let long = "k".repeat(100_000);
    check(
        "100 kB unknown field",
        Strict::from_json(&format!(r#"{{"a": 1, "{long}": 2}}"#)).unwrap_err(),
    );
    check(
        "100 kB unknown variant",
        Role::from_json(&format!(r#""{long}""#)).unwrap_err(),
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A key repeated in one object is a `Duplicate` error wherever it appears, as it is for a plain
/// struct and as serde rejects it: never silently resolved to one of the values, whatever the
/// enum representation and wherever the tag is.
#[test]
fn duplicate_keys_are_never_silently_dropped() {
    let mut wrong = Vec::new();
    let mut check = |what: &str, r: Result<String, Diagnostics>, serde_rejects: bool| {
        assert!(
            serde_rejects,
            "{what}: serde accepts it; the case proves nothing"
        );
        match r {
            Ok(v) => wrong.push(format!("{what}: accepted as {v}")),
            Err(d) => {
                assert_display_contract(&d);
                if !d.errors().iter().any(|e| e.kind() == ErrorKind::Duplicate) {
                    wrong.push(format!("{what}: no Duplicate error in: {d}"));
                }
            }
        }
    };
    macro_rules! case {
        ($ty:ty, $what:expr, $text:expr) => {
            check(
                $what,
                <$ty>::from_json($text).map(|v| format!("{v:?}")),
                serde_json::from_str::<$ty>($text).is_err(),
            )
        };
    }
    // Reference points: already reported today.
    case!(Plain, "struct", r#"{"a": 1, "b": "x", "a": 2}"#);
    case!(
        Shape,
        "tag first",
        r#"{"type": "square", "side": 1000, "side": 4}"#
    );
    case!(
        Adj,
        "adjacent, tag first",
        r#"{"t": "A", "c": {"x": 300, "x": 2}}"#
    );
    // The tag after the content: the object is buffered, and the buffer keeps one value per key.
    case!(
        Shape,
        "tag later",
        r#"{"side": 1000, "type": "square", "side": 4}"#
    );
    case!(
        Shape,
        "tag repeated",
        r#"{"type": "square", "side": 4, "type": "dot"}"#
    );
    case!(
        Shape,
        "tag later, repeated",
        r#"{"side": 4, "type": "dot", "type": "square"}"#
    );
    case!(
        Adj,
        "adjacent, tag later",
        r#"{"c": {"x": 300, "x": 2}, "t": "A"}"#
    );
    // Untagged: buffered too.
    case!(Id, "untagged", r#"{"a": 1000, "a": 1, "b": 2}"#);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// serde also reads a struct from an array of its fields (`[1, "x"]`); the validator, like the JSON
/// Schema, wants an object. Pinned, since the property tests allow this one difference.
#[test]
fn struct_sequence_form_is_rejected_unlike_serde() {
    assert!(serde_json::from_str::<Plain>(r#"[1, "x"]"#).is_ok());
    let d = expect_err(Plain::from_json(r#"[1, "x"]"#), "Plain from an array");
    let e = &d.errors()[0];
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::Type, "expected an object")
    );
    assert_eq!(e.got(), Some(r#"[1,"x"]"#));
    assert!(serde_json::from_str::<Shape>(r#"["dot"]"#).is_ok());
    assert!(Shape::from_json(r#"["dot"]"#).is_err());
}

// ---------------------------------------------------------------------------------------------------
// Numbers beyond every range

/// What each integer type reports for numbers it cannot hold: `(type, min, max, name in messages)`.
fn check_integer<T: Structured + Debug>(ty: &str, min: i128, max: i128, name: &str) {
    let range = format!("integer between {min} and {max}");
    // Beyond f64: serde_json refuses the text itself, with a position.
    for (text, col) in [("1e400", 5), ("-1e400", 6)] {
        let d = expect_err(T::from_json(text), &format!("{ty} <- {text}"));
        assert_eq!(d.len(), 1, "{ty} <- {text}: {d}");
        let e = &d.errors()[0];
        assert_eq!(e.kind(), ErrorKind::Syntax, "{ty} <- {text}: {e}");
        assert_eq!(e.message(), "invalid JSON: number out of range");
        assert_eq!(e.location(), Some((1, col)));
    }
    // Beyond i64/u64 but within f64: a range error naming the type and its range.
    for (text, got) in [
        ("99999999999999999999999", "1e+23"),
        ("-99999999999999999999", "-1e+20"),
    ] {
        let d = expect_err(T::from_json(text), &format!("{ty} <- {text}"));
        assert_eq!(d.len(), 1, "{ty} <- {text}: {d}");
        let e = &d.errors()[0];
        assert_eq!(e.kind(), ErrorKind::Range, "{ty} <- {text}: {e}");
        assert_eq!(e.expected(), range, "{ty} <- {text}");
        assert_eq!(
            e.message(),
            format!("out of range for {name}"),
            "{ty} <- {text}"
        );
        assert_eq!(e.got(), Some(got), "{ty} <- {text}");
        assert!(e.to_string().contains(&range), "{e}");
    }
    // Fractions, and integers written as floats: type errors, as in serde.
    for text in ["1.5", "30.0", "-0.5", "1e2"] {
        let d = expect_err(T::from_json(text), &format!("{ty} <- {text}"));
        assert_eq!(d.len(), 1, "{ty} <- {text}: {d}");
        let e = &d.errors()[0];
        assert_eq!(e.kind(), ErrorKind::Type, "{ty} <- {text}: {e}");
        assert_eq!(e.message(), "expected an integer", "{ty} <- {text}");
        assert_eq!(e.expected(), range, "{ty} <- {text}");
        assert!(e.got().is_some(), "{ty} <- {text}");
    }
    // The bounds themselves are accepted, one past them is a range error.
    assert!(T::from_json(&min.to_string()).is_ok(), "{ty} <- {min}");
    assert!(T::from_json(&max.to_string()).is_ok(), "{ty} <- {max}");
    for beyond in [min - 1, max + 1] {
        let text = beyond.to_string();
        let d = expect_err(T::from_json(&text), &format!("{ty} <- {text}"));
        let e = &d.errors()[0];
        assert_eq!(e.kind(), ErrorKind::Range, "{ty} <- {text}: {e}");
        assert_eq!(e.expected(), range, "{ty} <- {text}");
    }
}

#[test]
fn numbers_beyond_every_integer_range() {
    const WIDE_MIN: i128 = i64::MIN as i128;
    const WIDE_MAX: i128 = u64::MAX as i128;
    check_integer::<u8>("u8", 0, u8::MAX.into(), "u8");
    check_integer::<u16>("u16", 0, u16::MAX.into(), "u16");
    check_integer::<u32>("u32", 0, u32::MAX.into(), "u32");
    check_integer::<u64>("u64", 0, u64::MAX.into(), "u64");
    check_integer::<u128>("u128", 0, WIDE_MAX, "u128");
    check_integer::<i8>("i8", i8::MIN.into(), i8::MAX.into(), "i8");
    check_integer::<i16>("i16", i16::MIN.into(), i16::MAX.into(), "i16");
    check_integer::<i32>("i32", i32::MIN.into(), i32::MAX.into(), "i32");
    check_integer::<i64>("i64", i64::MIN.into(), i64::MAX.into(), "i64");
    check_integer::<i128>("i128", WIDE_MIN, WIDE_MAX, "i128");
    // Named after themselves in messages, though as wide as u64/i64 here.
    #[cfg(target_pointer_width = "64")]
    {
        check_integer::<usize>("usize", 0, WIDE_MAX, "usize");
        check_integer::<isize>("isize", i64::MIN.into(), i64::MAX.into(), "isize");
    }
}

/// An integral float written with an exponent or a fraction is a type error (as `30.0` is) even
/// when it is too big for `i64`: it must not be called out of range when the range holds it.
#[test]
fn integral_floats_within_range_are_type_errors() {
    let mut wrong = Vec::new();
    let mut check = |ty: &str, text: &str, d: Diagnostics| {
        let e = &d.errors()[0];
        if e.kind() != ErrorKind::Type {
            wrong.push(format!("{ty} <- {text}: {:?} error: {e}", e.kind()));
        }
    };
    for text in ["1e19", "1.5e19", "10000000000000000000.0", "1e2"] {
        check("u64", text, u64::from_json(text).unwrap_err());
        check("u128", text, u128::from_json(text).unwrap_err());
        check("i128", text, i128::from_json(text).unwrap_err());
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn numbers_beyond_every_float_range() {
    for text in ["1e400", "-1e400"] {
        for d in [
            expect_err(f32::from_json(text), text),
            expect_err(f64::from_json(text), text),
        ] {
            let e = &d.errors()[0];
            assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
            assert_eq!(e.message(), "invalid JSON: number out of range");
            assert!(e.location().is_some());
        }
    }
    assert_eq!(f64::from_json("99999999999999999999999").unwrap(), 1e23);
    assert_eq!(f64::from_json("-99999999999999999999").unwrap(), -1e20);
    assert_eq!(f32::from_json("99999999999999999999999").unwrap(), 1e23_f32);
    assert_eq!(f32::from_json("-99999999999999999999").unwrap(), -1e20_f32);
    for (text, x) in [("1.5", 1.5), ("30.0", 30.0), ("-0.0", -0.0)] {
        assert_eq!(f64::from_json(text).unwrap(), x);
        assert_eq!(f32::from_json(text).unwrap(), x as f32);
    }
    // Beyond f32 but within f64: serde would read infinity; for us it is a broken constraint.
    for text in ["1e39", "-1e39", "3.5e38"] {
        let d = expect_err(f32::from_json(text), text);
        let e = &d.errors()[0];
        assert_eq!(e.kind(), ErrorKind::Constraint, "{e}");
        assert_eq!(e.message(), "out of range for f32");
        assert!(
            e.expected()
                .starts_with("number between -3.4028234663852886e38"),
            "{e}"
        );
        assert!(f64::from_json(text).is_ok());
    }
    assert_eq!(f32::from_json("3.4e38").unwrap(), 3.4e38_f32);
}

/// Inside a document, the errors keep their paths, and the out-of-f64 number is reported at its
/// position with what came before it.
#[test]
fn numbers_beyond_range_inside_documents() {
    let d = expect_err(
        Plain::from_json(r#"{"a": 99999999999999999999999, "b": 7}"#),
        "huge a",
    );
    let found: Vec<(String, ErrorKind)> = d
        .errors()
        .iter()
        .map(|e| (e.path().to_string(), e.kind()))
        .collect();
    assert_eq!(
        found,
        [
            ("a".to_string(), ErrorKind::Range),
            ("b".to_string(), ErrorKind::Type)
        ]
    );

    let d = expect_err(
        Plain::from_json("{\"b\": 1,\n \"a\": 1e400}"),
        "1e400 on line 2",
    );
    let last = d.errors().last().unwrap();
    assert_eq!(d.errors()[0].path().to_string(), "b");
    assert_eq!(last.kind(), ErrorKind::Syntax);
    assert_eq!(last.location(), Some((2, 11)), "{last}");
}

// ---------------------------------------------------------------------------------------------------
// Invalid UTF-8

#[test]
fn invalid_utf8_is_a_syntax_error_with_a_position() {
    let cases: &[(&str, &[u8], (usize, usize))] = &[
        ("in a string", b"{\"a\": 1, \"b\": \"ab\xffcd\"}", (1, 18)),
        ("in a key", b"{\"a\": 1, \"b\xc3x\": 2}", (1, 13)),
        (
            "truncated sequence at the end",
            b"{\"a\": 1, \"b\": \"caf\xc3",
            (1, 20),
        ),
        (
            "truncated sequence before the quote",
            b"{\"a\": 1, \"b\": \"caf\xc3\"}",
            (1, 20),
        ),
        (
            "truncated 3-byte sequence on line 2",
            b"{\"a\": 1,\n \"b\": \"\xe2\x82\"}",
            (2, 9),
        ),
        (
            "lone continuation byte",
            b"{\"a\": 1, \"b\": \"\x80\"}",
            (1, 16),
        ),
        (
            "overlong encoding",
            b"{\"a\": 1, \"b\": \"\xc0\xaf\"}",
            (1, 16),
        ),
        (
            "encoded surrogate",
            b"{\"a\": 1, \"b\": \"\xed\xa0\x80\"}",
            (1, 16),
        ),
        ("outside a string", b"{\"a\": \xff}", (1, 7)),
    ];
    let mut wrong = Vec::new();
    for (what, bytes, _) in cases {
        assert!(std::str::from_utf8(bytes).is_err(), "{what} is valid UTF-8");
        for (ty, r) in [
            ("Plain", Plain::from_slice(bytes).err()),
            ("Value", Value::from_slice(bytes).err()),
            ("Rich", Rich::from_slice(bytes).err()),
        ] {
            let d = r.unwrap_or_else(|| panic!("{ty} accepted {what}"));
            assert_display_contract(&d);
            let e = d.errors().last().unwrap();
            if e.kind() != ErrorKind::Syntax || e.location().is_none() {
                wrong.push(format!("{ty}, {what}: {e}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The positions, for one type.
    for (what, bytes, (line, col)) in cases {
        let d = Plain::from_slice(bytes).unwrap_err();
        let e = d.errors().last().unwrap();
        let (l, c) = e.location().unwrap();
        assert_eq!(l, *line, "{what}: {e}");
        assert!(
            c.abs_diff(*col) <= 1,
            "{what}: column {c}, expected about {col}: {e}"
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// Truncation and trailing garbage

/// A valid `Doc` with nesting, both enum styles, escapes and multi-byte characters.
const DOC: &str = r#"{
  "title": "Café ☕ \"menu\"\n日本",
  "count": 3,
  "ratio": -1.5e-3,
  "flags": [true, false],
  "owner": {"a": 200, "b": "😀 x"},
  "shape": {"type": "square", "side": 4},
  "id": {"a": 1, "b": 2},
  "extra": {"k": [null, {"z": "\u00e9"}], "n": 1e10},
  "tree": {"value": 1, "next": {"value": 2, "next": null}},
  "pair": [-8, "é"]
}"#;

/// Every prefix of a valid document is rejected, never accepted, never a panic, and the rejection
/// ends with a syntax error at a position; the same for every byte prefix through `from_slice`.
#[test]
fn every_prefix_of_a_document_is_rejected() {
    let full = Doc::from_json(DOC).expect("the document is valid");
    assert_eq!(full, serde_json::from_str::<Doc>(DOC).unwrap());

    let mut wrong = Vec::new();
    let mut check = |what: String, r: Result<Doc, Diagnostics>| match r {
        Ok(_) => wrong.push(format!("{what}: accepted")),
        Err(d) => {
            if let Err(p) = display_contract(&d) {
                wrong.push(format!("{what}: {p}"));
            }
            let last = d.errors().last().unwrap();
            if last.kind() != ErrorKind::Syntax || last.location().is_none() {
                wrong.push(format!("{what}: last error is {last}"));
            }
        }
    };
    for (i, _) in DOC.char_indices() {
        check(
            format!("from_json(prefix of {i} bytes)"),
            Doc::from_json(&DOC[..i]),
        );
    }
    for i in 0..DOC.len() {
        let bytes = &DOC.as_bytes()[..i];
        check(
            format!("from_slice(prefix of {i} bytes)"),
            Doc::from_slice(bytes),
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Errors found before the text breaks off are kept, in order, followed by the syntax error.
#[test]
fn errors_before_a_truncation_are_kept() {
    let text = r#"{"title": "", "count": -1, "ratio": "x", "flags": [1, true], "owner": {"a": 300"#;
    let d = expect_err(Doc::from_json(text), "truncated");
    let found: Vec<(String, ErrorKind)> = d
        .errors()
        .iter()
        .map(|e| (e.path().to_string(), e.kind()))
        .collect();
    assert_eq!(
        found,
        [
            ("title".to_string(), ErrorKind::Constraint),
            ("count".to_string(), ErrorKind::Range),
            ("ratio".to_string(), ErrorKind::Type),
            ("flags[0]".to_string(), ErrorKind::Type),
            ("owner.a".to_string(), ErrorKind::Range),
            ("$".to_string(), ErrorKind::Syntax),
        ],
        "{d}"
    );
    assert_eq!(d.errors()[5].location(), Some((1, text.len())));
}

#[test]
fn trailing_garbage_is_rejected() {
    for suffix in [
        "x",
        "}",
        "]",
        ",",
        " 1",
        "{}",
        "\"",
        "\0",
        "// comment",
        " \n garbage",
        "\u{feff}",
    ] {
        let text = format!("{DOC}{suffix}");
        for (how, r) in [
            ("from_json", Doc::from_json(&text)),
            ("from_slice", Doc::from_slice(text.as_bytes())),
        ] {
            let d = expect_err(r, &format!("{how} with {suffix:?} appended"));
            assert_eq!(d.len(), 1, "{how} {suffix:?}: {d}");
            let e = &d.errors()[0];
            assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
            assert!(e.location().is_some_and(|(line, _)| line >= 11), "{e}");
        }
    }
    // Whitespace is not garbage.
    assert!(Doc::from_json(&format!("{DOC} \n\t\r\n")).is_ok());
    // Garbage after an invalid value: the value's errors and the syntax error.
    let d = expect_err(Plain::from_json(r#"{"a": -1, "b": "x"} tail"#), "both");
    let kinds: Vec<ErrorKind> = d.errors().iter().map(|e| e.kind()).collect();
    assert_eq!(kinds, [ErrorKind::Range, ErrorKind::Syntax], "{d}");
}

// ---------------------------------------------------------------------------------------------------
// Property tests

fn proptest_config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Deterministic, and no regression files written into the source tree.
        rng_seed: RngSeed::Fixed(0x0075_7469_6e65_7321),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A JSON-ish value, rendered to text by hand so objects may repeat keys.
#[derive(Clone, Debug)]
enum J {
    Raw(&'static str),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn render(&self, out: &mut String) {
        match self {
            J::Raw(s) => out.push_str(s),
            J::Int(n) => out.push_str(&n.to_string()),
            J::UInt(n) => out.push_str(&n.to_string()),
            J::Float(x) => out.push_str(&serde_json::to_string(x).unwrap()),
            J::Str(s) => out.push_str(&serde_json::to_string(s).unwrap()),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.render(out);
                }
                out.push(']');
            }
            J::Obj(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(k).unwrap());
                    out.push(':');
                    v.render(out);
                }
                out.push('}');
            }
        }
    }
}

/// Field names, tags and variant names of the types under test, plus a few odd keys.
const KEYS: &[&str] = &[
    "name", "age", "slug", "tags", "offset", "scores", "shape", "id", "role", "point", "child",
    "email", "type", "r", "side", "a", "b", "text", "value", "next", "Leaf", "Branch", "", "x y",
    "é", "x\ny",
];

/// String values that mean something to the types under test.
const WORDS: &[&str] = &[
    "circle",
    "square",
    "dot",
    "user",
    "admin",
    "Admin",
    "Alice",
    "abc",
    "a@b.co",
    "not an email",
    "",
    "é",
    "0",
    "x\u{0}y",
    "x\ny",
];

/// Number texts at the edges.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "120",
    "121",
    "255",
    "256",
    "1000",
    "1001",
    "30.0",
    "1.5",
    "-0.5",
    "1e2",
    "1e400",
    "-1e400",
    "99999999999999999999999",
    "-99999999999999999999",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "1e19",
    "3.5e38",
    "1e-400",
];

fn arb_j() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Raw("null")),
        Just(J::Raw("true")),
        Just(J::Raw("false")),
        prop::sample::select(NUMBERS).prop_map(J::Raw),
        any::<i64>().prop_map(J::Int),
        any::<u64>().prop_map(J::UInt),
        (-200i64..300).prop_map(J::Int),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(J::Float),
        prop::sample::select(WORDS).prop_map(|s| J::Str(s.to_owned())),
        any::<String>().prop_map(J::Str),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        let key = prop_oneof![
            4 => prop::sample::select(KEYS).prop_map(str::to_owned),
            1 => any::<String>(),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(J::Arr),
            prop::collection::vec((key, inner), 0..7).prop_map(J::Obj),
        ]
    })
}

/// How generated text is damaged before it is validated.
#[derive(Clone, Debug)]
enum Damage {
    None,
    Truncate(prop::sample::Index),
    Insert(prop::sample::Index, char),
    Delete(prop::sample::Index),
}

fn arb_damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        3 => Just(Damage::None),
        1 => any::<prop::sample::Index>().prop_map(Damage::Truncate),
        1 => (any::<prop::sample::Index>(), prop_oneof![
            prop::sample::select(&['{', '}', '[', ']', ',', ':', '"', '\\', '0', 'e', '-', ' '][..]),
            any::<char>(),
        ]).prop_map(|(i, c)| Damage::Insert(i, c)),
        1 => any::<prop::sample::Index>().prop_map(Damage::Delete),
    ]
}

/// JSON-like text: a generated value, rendered, then maybe damaged.
fn arb_json_text() -> impl Strategy<Value = String> {
    (arb_j(), arb_damage()).prop_map(|(j, damage)| {
        let mut text = String::new();
        j.render(&mut text);
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let at = |i: &prop::sample::Index| boundaries[i.index(boundaries.len())];
        match damage {
            Damage::None => {}
            Damage::Truncate(i) => text.truncate(at(&i)),
            Damage::Insert(i, c) => text.insert(at(&i), c),
            Damage::Delete(i) => {
                let i = at(&i);
                if i < text.len() {
                    text.remove(i);
                }
            }
        }
        text
    })
}

/// A generated `Rich`-shaped object: the right keys with arbitrary values, so that many inputs get
/// deep into the type before failing (or pass).
fn arb_rich_text() -> impl Strategy<Value = String> {
    let field = (prop::sample::select(KEYS), arb_j());
    (
        prop::collection::vec(field, 0..12),
        "[a-z]{1,8}",
        0u8..130,
        arb_damage(),
    )
        .prop_map(|(fields, name, age, damage)| {
            let mut entries = vec![
                ("name".to_owned(), J::Str(name)),
                ("age".to_owned(), J::Int(age.into())),
            ];
            entries.extend(fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
            let mut text = String::new();
            J::Obj(entries).render(&mut text);
            if let Damage::Truncate(i) = damage {
                let mut cut = i.index(text.len() + 1);
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
            }
            text
        })
}

/// Small objects over one type's own keys and value texts, so that repeated keys, tags after the
/// content and near-misses are common.
fn arb_small_object(
    keys: &'static [&'static str],
    values: &'static [&'static str],
) -> impl Strategy<Value = String> {
    let entry = (prop::sample::select(keys), prop::sample::select(values));
    prop::collection::vec(entry, 0..6).prop_map(|entries| {
        let mut text = String::from("{");
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&serde_json::to_string(k).unwrap());
            text.push(':');
            text.push_str(v);
        }
        text.push('}');
        text
    })
}

const SHAPE_KEYS: &[&str] = &["type", "r", "side", "x"];
const SHAPE_VALUES: &[&str] = &[
    r#""circle""#,
    r#""square""#,
    r#""dot""#,
    r#""Circle""#,
    r#""x\ny""#,
    "1",
    "0",
    "-1",
    "101",
    "2.5",
    "null",
    "{}",
    "[]",
];
const ID_KEYS: &[&str] = &["a", "b", "c"];
const ID_VALUES: &[&str] = &["0", "1", "255", "256", "-1", "1.5", r#""a""#, "null", "[]"];
const ADJ_KEYS: &[&str] = &["t", "c", "x"];
const ADJ_VALUES: &[&str] = &[
    r#""A""#,
    r#""B""#,
    r#""C""#,
    r#""D""#,
    "1",
    "11",
    "300",
    "null",
    r#"{"x": 1}"#,
    r#"{"x": 300}"#,
    r#"{"x": 1, "x": 2}"#,
    r#"{"x": 300, "x": 2}"#,
    "[]",
];

/// Validates `text` as `T` (as text and as bytes); checks the display contract of any error.
fn never_panics_as<T: Structured + Debug + PartialEq>(text: &str) -> Result<(), TestCaseError> {
    let by_text = T::from_json(text);
    let by_bytes = T::from_slice(text.as_bytes());
    prop_assert_eq!(&by_text, &by_bytes, "from_json and from_slice disagree");
    if let Err(d) = &by_text {
        display_contract(d).map_err(TestCaseError::fail)?;
    }
    Ok(())
}

/// Validates arbitrary bytes as `T`; checks the display contract of any error.
fn bytes_never_panic_as<T: Structured + Debug>(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Err(d) = T::from_slice(bytes) {
        display_contract(&d).map_err(TestCaseError::fail)?;
    }
    Ok(())
}

/// Whatever the validator accepts, serde accepts too, as the same value (the validator is stricter
/// only by constraints); for `Value` the two agree exactly.
fn accepted_like_serde<T>(text: &str) -> Result<(), TestCaseError>
where
    T: Structured + Debug + PartialEq + for<'de> Deserialize<'de>,
{
    let ours = T::from_json(text);
    let serde = serde_json::from_str::<T>(text);
    match (ours, serde) {
        (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
        (Ok(a), Err(e)) => {
            return Err(TestCaseError::fail(format!(
                "accepted as {a:?}, serde rejects: {e}"
            )));
        }
        (Err(d), Ok(b)) => {
            // Only a declared constraint may reject what serde accepts - or serde's sequence form
            // of a struct (`[1, "x"]` for `{"a": 1, "b": "x"}`, `["dot"]` for `{"type": "dot"}`),
            // which the validator, like the JSON Schema, does not accept.
            let structural: Vec<String> = d
                .errors()
                .iter()
                .filter(|e| e.kind().is_structural())
                .filter(|e| {
                    !(e.kind() == ErrorKind::Type
                        && e.message() == "expected an object"
                        && e.got().is_some_and(|g| g.starts_with('[')))
                })
                .map(ToString::to_string)
                .collect();
            prop_assert!(
                structural.is_empty(),
                "serde accepts {:?}, but the validator reports structural errors:\n{}",
                b,
                structural.join("\n")
            );
        }
        (Err(_), Err(_)) => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        bytes_never_panic_as::<Rich>(&bytes)?;
        bytes_never_panic_as::<Shape>(&bytes)?;
        bytes_never_panic_as::<Id>(&bytes)?;
        bytes_never_panic_as::<Value>(&bytes)?;
        bytes_never_panic_as::<Doc>(&bytes)?;
        let ours = Value::from_slice(&bytes).ok();
        prop_assert_eq!(ours, serde_json::from_slice::<Value>(&bytes).ok());
    }

    #[test]
    fn json_bytes_with_flipped_bytes_never_panic(
        j in arb_j(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut text = String::new();
        j.render(&mut text);
        let mut bytes = text.into_bytes();
        if !bytes.is_empty() {
            for (i, b) in &flips {
                let i = i.index(bytes.len());
                bytes[i] = *b;
            }
        }
        bytes_never_panic_as::<Rich>(&bytes)?;
        bytes_never_panic_as::<Shape>(&bytes)?;
        bytes_never_panic_as::<Id>(&bytes)?;
        bytes_never_panic_as::<Value>(&bytes)?;
    }

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        never_panics_as::<Rich>(&text)?;
        never_panics_as::<Shape>(&text)?;
        never_panics_as::<Id>(&text)?;
        never_panics_as::<Value>(&text)?;
    }

    #[test]
    fn json_like_text_never_panics(text in arb_json_text()) {
        never_panics_as::<Rich>(&text)?;
        never_panics_as::<Shape>(&text)?;
        never_panics_as::<Id>(&text)?;
        never_panics_as::<Value>(&text)?;
        never_panics_as::<Node>(&text)?;
        never_panics_as::<Adj>(&text)?;
        never_panics_as::<Vec<Id>>(&text)?;
    }

    #[test]
    fn rich_like_objects_never_panic(text in arb_rich_text()) {
        never_panics_as::<Rich>(&text)?;
    }

    #[test]
    fn accepted_values_are_what_serde_builds(text in arb_json_text()) {
        accepted_like_serde::<Value>(&text)?;
        accepted_like_serde::<Shape>(&text)?;
        accepted_like_serde::<Id>(&text)?;
        accepted_like_serde::<Node>(&text)?;
        accepted_like_serde::<Rich>(&text)?;
    }

    #[test]
    fn enum_shaped_objects_never_panic(
        shape in arb_small_object(SHAPE_KEYS, SHAPE_VALUES),
        id in arb_small_object(ID_KEYS, ID_VALUES),
        adj in arb_small_object(ADJ_KEYS, ADJ_VALUES),
    ) {
        never_panics_as::<Shape>(&shape)?;
        never_panics_as::<Id>(&id)?;
        never_panics_as::<Adj>(&adj)?;
    }

    #[test]
    fn accepted_enums_are_what_serde_builds(
        shape in arb_small_object(SHAPE_KEYS, SHAPE_VALUES),
        id in arb_small_object(ID_KEYS, ID_VALUES),
        adj in arb_small_object(ADJ_KEYS, ADJ_VALUES),
    ) {
        accepted_like_serde::<Shape>(&shape)?;
        accepted_like_serde::<Id>(&id)?;
        accepted_like_serde::<Adj>(&adj)?;
    }

    #[test]
    fn accepted_rich_objects_are_what_serde_builds(text in arb_rich_text()) {
        accepted_like_serde::<Rich>(&text)?;
    }
}
