use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use outlines::Structured;

#[derive(Structured)]
struct Numbers {
    #[outline(min = 0, max = 150)]
    age: u8,
    #[outline(min = -40.5, max = 60.0)]
    celsius: f64,
    #[outline(exclusive_min = 0, exclusive_max = 1)]
    ratio: f32,
    #[outline(multiple_of = 5)]
    step: i64,
    #[outline(multiple_of = 0.25, min = -1)]
    quarter: f64,
    #[outline(one_of = [1, 2, 4, 8])]
    power: u16,
    #[outline(one_of = [0.5, -1.5])]
    half: f64,
    #[outline(min = 1)]
    wide: i128,
}

#[derive(Structured)]
struct Strings {
    #[outline(min = 1, max = 64)]
    name: String,
    #[outline(pattern = r"^[A-Z][a-z]+$")]
    word: String,
    #[outline(pattern = "[0-9]")]
    code: char,
    #[outline(format = "email")]
    email: String,
    #[outline(format = "uri")]
    homepage: String,
    #[outline(format = "uuid")]
    id: String,
    #[outline(format = "date")]
    birthday: String,
    #[outline(format = "date-time")]
    created: String,
    #[outline(format = "time")]
    alarm: String,
    #[outline(format = "ipv4")]
    v4: String,
    #[outline(format = "ipv6")]
    v6: String,
    #[outline(format = "hostname")]
    host: String,
    #[outline(one_of = ["small", "medium", "large"])]
    size: String,
}

#[derive(Structured)]
struct Collections {
    #[outline(min = 1, max = 10, unique)]
    tags: Vec<String>,
    #[outline(unique)]
    queue: VecDeque<u32>,
    #[outline(unique, inner(min = 0.0, max = 1.0))]
    weights: [f64; 3],
    #[outline(max = 3, inner(min = 1, pattern = "^[a-z]+$"))]
    set: BTreeSet<String>,
    #[outline(min = 1)]
    hashed: HashSet<u8>,
    #[outline(inner(min = 1, inner(max = 5)))]
    nested: Vec<Vec<u8>>,
    #[outline(max = 2, inner(format = "email"))]
    owners: HashMap<String, String>,
    #[outline(inner(one_of = ["on", "off"]))]
    switches: BTreeMap<String, String>,
}

#[derive(Structured)]
struct Wrappers {
    #[outline(min = 1, max = 5)]
    rating: Option<u8>,
    #[outline(inner(min = 1))]
    maybe: Option<u32>,
    #[outline(inner(pattern = "^x"))]
    maybe_list: Option<Vec<String>>,
    #[outline(max = 3, unique)]
    maybe_unique: Option<Vec<u8>>,
    #[outline(min = 1)]
    boxed: Box<String>,
    #[outline(exclusive_min = 0)]
    shared: Rc<f64>,
    #[outline(format = "uuid")]
    atomic: Arc<String>,
    #[outline(inner(max = 9))]
    boxed_list: Box<Vec<u8>>,
}

fn not_blank(value: &String) -> Result<(), String> {
    if value.trim().is_empty() {
        Err("must not be blank".into())
    } else {
        Ok(())
    }
}

mod rules {
    pub(crate) fn even(value: &u32) -> Result<(), &'static str> {
        if value % 2 == 0 { Ok(()) } else { Err("must be even") }
    }
}

/// A person.
#[derive(Structured)]
struct Described {
    /// Doc comments become descriptions.
    name: String,
    #[outline(description = "Overrides the doc comment")]
    /// Ignored.
    nickname: String,
    #[outline(example = "Ada", example = "Grace")]
    first: String,
    #[outline(example = 42, example = -1.5)]
    number: f64,
    #[outline(example = true)]
    flag: bool,
    #[outline(validate = not_blank)]
    title: String,
    #[outline(validate = "rules::even", min = 0)]
    count: u32,
    #[outline(description = "split")]
    #[outline(min = 1)]
    split: String,
}

fn main() {
    let _ = Numbers::json_schema();
    let _ = Strings::json_schema();
    let _ = Collections::json_schema();
    let _ = Wrappers::json_schema();
    let _ = Described::describe();
    assert!(
        Described::from_json(
            r#"{"name": "a", "nickname": "b", "first": "c", "number": 1, "flag": true,
                "title": " ", "count": 3, "split": "x"}"#
        )
        .is_err()
    );
}
