// The test types: 24 derived types covering every shape the schema IR has (ranges of every integer
// width, floats, lengths, patterns, formats, options, nested and recursive types, maps, sets,
// tuples, all four serde enum representations, flatten, `serde_json::Value`).
#![allow(dead_code)] // built by the validator, never read

use std::collections::{BTreeMap, HashMap, HashSet};

use outlines::Structured;

/// A person mentioned in the text.
#[derive(Debug, Structured)]
pub(crate) struct Person {
    #[outline(min = 1, max = 80)]
    pub(crate) name: String,
    #[outline(min = 0, max = 120)]
    pub(crate) age: u8,
    #[outline(pattern = r"^[^@\s]+@[^@\s]+\.[a-z]+$")]
    pub(crate) email: Option<String>,
    pub(crate) role: Role,
}

#[derive(Debug, Structured)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Role {
    User,
    Admin,
}

#[derive(Debug, Structured)]
pub(crate) struct Numbers {
    #[outline(min = 1, max = 10)]
    pub(crate) level: u8,
    #[outline(min = -5000, max = 5000)]
    pub(crate) offset: i64,
    #[outline(min = -1.5, max = 99.5)]
    pub(crate) ratio: f64,
    #[outline(exclusive_min = 0, exclusive_max = 100)]
    pub(crate) percent: u32,
    #[outline(multiple_of = 5)]
    pub(crate) step: i64,
    #[outline(one_of = [1, 2, 4, 8])]
    pub(crate) width: u16,
    #[outline(exclusive_min = 0)]
    pub(crate) positive: f64,
    pub(crate) any_i64: i64,
    pub(crate) any_u64: u64,
    pub(crate) f32v: f32,
}

#[derive(Debug, Structured)]
pub(crate) struct Strings {
    #[outline(min = 2, max = 5)]
    pub(crate) name: String,
    #[outline(pattern = "^[a-z]+$")]
    pub(crate) slug: String,
    #[outline(pattern = "[0-9]")]
    pub(crate) has_digit: String,
    #[outline(one_of = ["red", "green", "blue"])]
    pub(crate) color: String,
    pub(crate) initial: char,
    #[outline(max = 3)]
    pub(crate) nick: Option<String>,
}

#[derive(Debug, Structured)]
pub(crate) struct Formats {
    #[outline(format = "email")]
    pub(crate) email: String,
    #[outline(format = "uuid")]
    pub(crate) uuid: String,
    #[outline(format = "date")]
    pub(crate) date: String,
    #[outline(format = "date-time")]
    pub(crate) date_time: String,
    #[outline(format = "time")]
    pub(crate) time: String,
    #[outline(format = "uri")]
    pub(crate) uri: String,
    #[outline(format = "ipv4")]
    pub(crate) ipv4: String,
    #[outline(format = "ipv6")]
    pub(crate) ipv6: String,
    #[outline(format = "hostname", max = 20)]
    pub(crate) hostname: String,
}

#[derive(Debug, Structured)]
pub(crate) struct Address {
    #[outline(min = 1, max = 40)]
    pub(crate) street: String,
    #[outline(pattern = "^[0-9]{5}$")]
    pub(crate) zip: String,
}

#[derive(Debug, Structured)]
pub(crate) struct LineItem {
    #[outline(min = 1, max = 20)]
    pub(crate) sku: String,
    #[outline(min = 1, max = 99)]
    pub(crate) qty: u32,
    #[outline(min = 0, max = 10000)]
    pub(crate) price: f64,
}

#[derive(Debug, Structured)]
pub(crate) struct Order {
    pub(crate) id: u64,
    pub(crate) ship_to: Address,
    pub(crate) bill_to: Option<Address>,
    #[outline(min = 1, max = 3)]
    pub(crate) items: Vec<LineItem>,
    #[outline(max = 3, inner(min = 1, max = 8))]
    pub(crate) tags: Vec<String>,
    #[outline(max = 2, inner(max = 5))]
    pub(crate) counts: HashMap<String, u8>,
    pub(crate) paid: bool,
}

#[derive(Debug, Structured)]
pub(crate) struct Sets {
    #[outline(max = 4, inner(max = 2))]
    pub(crate) letters: HashSet<String>,
}

#[derive(Debug, Structured)]
pub(crate) struct Unique {
    #[outline(unique, max = 4)]
    pub(crate) ids: Vec<u8>,
}

#[derive(Debug, Structured)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Shape {
    Circle {
        #[outline(min = 0, max = 100)]
        radius: f64,
    },
    Square(#[outline(exclusive_min = 0, max = 100)] f64),
    Line(u8, u8),
    Empty,
}

#[derive(Debug, Structured)]
#[serde(tag = "type", rename_all = "lowercase")]
pub(crate) enum Event {
    Click { x: u16, y: u16 },
    Key(KeyPress),
    Blur,
}

#[derive(Debug, Structured)]
pub(crate) struct KeyPress {
    #[outline(min = 1, max = 1)]
    pub(crate) key: String,
}

#[derive(Debug, Structured)]
#[serde(tag = "t", content = "c")]
pub(crate) enum Message {
    Text(#[outline(min = 1, max = 10)] String),
    Move { dx: i8 },
    Ping,
}

#[derive(Debug, Structured)]
#[serde(untagged)]
pub(crate) enum Id {
    Number(u32),
    Name(#[outline(min = 1, max = 10)] String),
    Pair { a: u8, b: u8 },
}

/// Unit-only enum with documented variants → anyOf of const.
#[derive(Debug, Structured)]
pub(crate) enum Documented {
    /// The first.
    First,
    /// The second.
    Second,
}

#[derive(Debug, Structured)]
pub(crate) struct Enums {
    pub(crate) shape: Shape,
    pub(crate) event: Event,
    pub(crate) message: Message,
    pub(crate) id: Id,
    pub(crate) role: Role,
    pub(crate) documented: Documented,
}

/// Recursive root: `{"$ref": "#"}`.
#[derive(Debug, Structured)]
pub(crate) struct Tree {
    #[outline(max = 9)]
    pub(crate) value: u8,
    #[outline(max = 2)]
    pub(crate) children: Vec<Tree>,
}

/// Recursion below the root: `$defs/Node` refers to itself.
#[derive(Debug, Structured)]
pub(crate) struct Forest {
    pub(crate) root: Node,
}

#[derive(Debug, Structured)]
pub(crate) struct Node {
    #[outline(max = 3)]
    pub(crate) label: String,
    pub(crate) next: Option<Box<Node>>,
}

/// A newtype of itself below the root: `$defs/Lists` is an array of itself.
#[derive(Debug, Structured)]
pub(crate) struct Nest {
    pub(crate) lists: Lists,
}

#[derive(Debug, Structured)]
pub(crate) struct Lists(#[outline(max = 2)] pub(crate) Vec<Lists>);

#[derive(Debug, Structured)]
pub(crate) struct WithFlatten {
    pub(crate) id: u32,
    #[serde(flatten)]
    pub(crate) address: Address,
    #[serde(flatten)]
    pub(crate) extra: BTreeMap<String, String>,
}

#[derive(Debug, Structured)]
pub(crate) struct Point(pub(crate) f64, pub(crate) f64);

#[derive(Debug, Structured)]
pub(crate) struct Tuples {
    pub(crate) pair: (u8, bool),
    pub(crate) point: Point,
    pub(crate) fixed: [u8; 2],
}

#[derive(Debug, Structured)]
#[serde(deny_unknown_fields)]
pub(crate) struct Closed {
    pub(crate) a: u8,
    pub(crate) b: Option<u8>,
    #[serde(default)]
    pub(crate) c: u8,
    pub(crate) d: Option<bool>,
}

#[derive(Debug, Structured)]
pub(crate) struct Open {
    pub(crate) a: u8,
    pub(crate) b: Option<u8>,
}

#[derive(Debug, Structured)]
pub(crate) struct Anything {
    pub(crate) v: serde_json::Value,
    pub(crate) unit: (),
}

/// Small bounded type for random walks.
#[derive(Debug, Structured)]
#[serde(deny_unknown_fields)]
pub(crate) struct Small {
    #[outline(min = 1, max = 12)]
    pub(crate) name: String,
    #[outline(min = 0, max = 120)]
    pub(crate) age: u8,
    #[outline(min = -10.5, max = 10.5)]
    pub(crate) score: f64,
    pub(crate) role: Role,
    #[outline(max = 3, inner(min = 1, max = 6, pattern = "^[a-z]+$"))]
    pub(crate) tags: Vec<String>,
    #[outline(format = "date")]
    pub(crate) born: Option<String>,
}

#[derive(Debug, Structured)]
pub(crate) struct Pats {
    #[outline(pattern = r"^a.b$")]
    pub(crate) dot: Option<String>,
    #[outline(pattern = r"^\D+$")]
    pub(crate) non_digit: Option<String>,
    #[outline(pattern = r"^\W+$")]
    pub(crate) non_word: Option<String>,
    #[outline(pattern = r"^[^@\s]+$")]
    pub(crate) no_space: Option<String>,
    #[outline(pattern = r"^\w+$")]
    pub(crate) word: Option<String>,
}

/// Contact details with the patterns people write (the common email pattern, a phone number).
#[derive(Debug, Structured)]
pub(crate) struct Contact {
    #[outline(min = 1, max = 80)]
    pub(crate) name: String,
    #[outline(min = 0, max = 120)]
    pub(crate) age: u8,
    #[outline(pattern = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")]
    pub(crate) email: String,
    #[outline(pattern = r"^\+?[0-9 ()-]{6,20}$")]
    pub(crate) phone: Option<String>,
}

/// Codes and dates as patterns, an enum with many values, and a list of objects with fields after
/// it.
#[derive(Debug, Structured)]
pub(crate) struct Invoice {
    #[outline(pattern = r"^INV-[0-9]{4}-[0-9]{3}$")]
    pub(crate) number: String,
    #[outline(pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub(crate) issued: String,
    #[outline(max = 30)]
    pub(crate) items: Vec<InvoiceLine>,
    #[outline(min = 0.0)]
    pub(crate) total: f64,
    pub(crate) country: Country,
    #[outline(format = "email")]
    pub(crate) contact: Option<String>,
}

#[derive(Debug, Structured)]
pub(crate) struct InvoiceLine {
    #[outline(pattern = r"^[A-Z]{3}-[0-9]{4}$")]
    pub(crate) sku: String,
    #[outline(min = 1, max = 60)]
    pub(crate) description: String,
    #[outline(min = 1, max = 1000)]
    pub(crate) quantity: u32,
    #[outline(max = 3)]
    pub(crate) tags: Vec<String>,
}

#[derive(Debug, Structured)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Country {
    UnitedStates,
    UnitedKingdom,
    Germany,
    France,
    Spain,
    Italy,
    Japan,
    Brazil,
    India,
    Canada,
    Mexico,
    Sweden,
}
