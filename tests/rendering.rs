//! The JSON Schema and the prompt description of representative types, pinned as snapshot files under
//! `tests/snapshots/` (run with `UPDATE_SNAPSHOTS=1` to rewrite them after an intended change), and the
//! description's size against the JSON Schema's, in tokens.

use std::collections::BTreeMap;
use std::path::PathBuf;

use outlines::Structured;

#[path = "../benches/support/order.rs"]
#[allow(dead_code)] // shared with the benchmark, which also uses its sample document
mod order;

/// A person mentioned in the text.
#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Person {
    #[outline(min = 1, max = 80)]
    name: String,
    #[outline(min = 0, max = 120)]
    age: u8,
    #[outline(pattern = r"^[^@\s]+@[^@\s]+\.[a-z]+$")]
    email: Option<String>,
    role: Role,
}

/// What the person may do.
#[derive(Debug, Structured)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum Role {
    User,
    Admin,
}

/// A drawing instruction.
#[derive(Debug, Structured)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(dead_code)]
enum Shape {
    /// A circle around a center.
    Circle {
        center: Point,
        #[outline(exclusive_min = 0)]
        radius: f64,
    },
    Polygon {
        #[outline(min = 3)]
        points: Vec<Point>,
    },
    Clear,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Point(f64, f64);

/// A node of a file tree.
#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Node {
    name: String,
    children: Vec<Node>,
    #[serde(flatten)]
    attributes: BTreeMap<String, String>,
}

#[derive(Debug, Structured)]
#[allow(dead_code)]
struct Page<T> {
    items: Vec<T>,
    #[outline(min = 1)]
    page: u32,
    next: Option<String>,
}

fn snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_SNAPSHOTS=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        actual, expected,
        "{name} changed (run with UPDATE_SNAPSHOTS=1 if intended)"
    );
}

fn check<T: Structured>(name: &str) {
    let schema = serde_json::to_string_pretty(&T::json_schema()).expect("json") + "\n";
    snapshot(&format!("{name}.schema.json"), &schema);
    snapshot(&format!("{name}.describe.txt"), &T::describe());
}

#[test]
fn person() {
    check::<Person>("person");
}

#[test]
fn order() {
    check::<order::Order>("order");
}

#[test]
fn internally_tagged_enum() {
    check::<Shape>("shape");
}

#[test]
fn recursive_with_flattened_map() {
    check::<Node>("node");
}

#[test]
fn generic() {
    check::<Page<Person>>("page_person");
}

/// Tokens in `text` for OpenAI's o200k_base encoding (GPT-4o and later).
fn tokens(text: &str) -> usize {
    tiktoken_rs::o200k_base_singleton()
        .encode_ordinary(text)
        .len()
}

#[test]
fn description_is_much_smaller_than_json_schema() {
    let sizes = [
        ("Person", Person::describe(), Person::json_schema()),
        (
            "Order",
            order::Order::describe(),
            order::Order::json_schema(),
        ),
        ("Shape", Shape::describe(), Shape::json_schema()),
        ("Node", Node::describe(), Node::json_schema()),
        (
            "Page<Person>",
            Page::<Person>::describe(),
            Page::<Person>::json_schema(),
        ),
    ];
    for (name, description, schema) in sizes {
        let compact = tokens(&serde_json::to_string(&schema).expect("json"));
        let described = tokens(&description);
        eprintln!("{name}: describe() {described} tokens, JSON Schema {compact} tokens (compact)");
        assert!(
            described * 10 <= compact * 7,
            "{name}: describe() is {described} tokens, not under 70% of the JSON Schema's {compact}"
        );
    }
}

/// Two small variants, the last one constrained: the `;` ending the type comes before its comment.
#[derive(Debug, Structured)]
#[serde(untagged)]
#[allow(dead_code)]
enum Amount {
    Exact(u8),
    Rough(#[outline(max = 5)] u8),
}

#[test]
fn union_ends_before_the_last_comment() {
    let text = Amount::describe();
    assert!(text.ends_with("  | int; // 0-5\n"), "{text}");
}
