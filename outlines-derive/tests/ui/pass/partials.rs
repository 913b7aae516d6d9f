// Partial forms of every struct shape: generic (with bounds, where clauses, const parameters, from
// a macro), newtype, transparent and tuple structs. Each partial struct is declared out of sight,
// so the user's own `PagePartial` does not clash, even inside the type itself.
use std::collections::HashMap;
use std::fmt::Debug;

use outlines::{Part, Partial, Structured};

#[derive(Debug, Structured)]
struct Item {
    name: String,
}

#[derive(Structured)]
pub struct Page<T> {
    #[outline(max = 100)]
    pub items: Vec<T>,
    pub next: Option<String>,
}

#[allow(dead_code)]
struct PagePartial;

// A user type named as the derive's partial type would be, used in the type itself.
#[derive(Debug, Structured)]
struct MsgPartial {
    x: u8,
}

#[derive(Debug, Structured)]
enum Msg {
    A(MsgPartial),
    B { p: MsgPartial },
}

#[derive(Debug, Structured)]
struct Note {
    partial: NotePartial,
}

#[derive(Debug, Structured)]
struct NotePartial {
    text: String,
}

#[derive(Structured)]
struct Keyed<V>
where
    V: Debug,
{
    #[outline(min = 1)]
    entries: HashMap<String, V>,
}

#[derive(Structured)]
struct Wrapper<T>(T);

#[derive(Structured)]
#[serde(transparent)]
struct Named<T> {
    value: T,
    #[serde(skip)]
    _seen: bool,
}

#[derive(Structured)]
struct Pair<A, B>(A, #[serde(skip)] (), B);

#[derive(Structured)]
struct Sized3<const N: usize, T> {
    values: [T; N],
}

#[derive(Structured)]
struct Empty<T> {
    #[serde(skip)]
    _never: Option<T>,
}

/// No `Debug`: a partial holding it is not `Debug` either, but is a partial all the same.
#[derive(Structured)]
enum Opaque {
    A,
}

macro_rules! forward {
    ($($item:item)*) => {
        $(#[derive(Structured)] $item)*
    };
}

forward! {
    struct Listing<T: Debug> {
        #[serde(alias = "rows")]
        entries: Vec<T>,
        item: Item,
    }
}

#[derive(Structured)]
struct Flat<T> {
    entries: Vec<T>,
    #[serde(flatten)]
    item: Item,
}

#[derive(Structured)]
enum Event<T> {
    Start,
    #[serde(skip)]
    #[allow(dead_code)]
    Hidden(T),
    Named { #[serde(flatten)] item: Item, #[serde(skip)] _seen: bool, at: u32 },
    Values(T, Vec<T>),
    Boxed(Box<Event<T>>),
    Nothing {},
}

#[derive(Structured)]
#[serde(tag = "t", content = "c")]
enum Adjacent<T> {
    One(String),
    Two(T, Vec<T>),
    Three { #[serde(alias = "v")] value: T },
    Four,
}

#[derive(Structured)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Internal<T> {
    Named { #[serde(flatten)] item: Item, #[serde(skip)] _seen: bool, at: T },
    Wrapped(Item),
    Mapped(std::collections::BTreeMap<String, T>),
    #[serde(alias = "none")]
    Nothing,
}

#[derive(Debug, Structured)]
enum Units {
    A,
    B,
}

forward! {
    enum Forwarded<T: Debug> {
        One { #[serde(alias = "uno")] value: T },
        Two(T),
    }
}

// Newtypes of themselves appear whole (their partial would be an infinite type).
#[derive(Debug, Structured)]
struct Nested(Vec<Nested>);

#[derive(Debug, Structured)]
struct Tree(std::collections::BTreeMap<String, Tree>);

#[derive(Debug, Structured)]
struct Chain(Option<Box<Vec<Self>>>);

#[derive(Debug, Structured)]
#[serde(transparent)]
struct Inner {
    inner: Vec<Inner>,
}

#[derive(Structured)]
struct Through(Wrapper<Vec<Through>>);

fn debug<T: Debug>(_: &T) {}

fn partial<T: Structured>(text: &str) -> Option<Partial<T>> {
    let mut reader = outlines::lenient::incremental::Incremental::new();
    reader.feed(text, &mut outlines::lenient::incremental::Blind);
    T::partial(reader.tree().root()?)
}

fn main() {
    let page = partial::<Page<Item>>(r#"{"items": [{"name": "A"#).unwrap();
    let items: Vec<Part<Partial<Item>>> = page.items.unwrap().value;
    assert_eq!(items[0].value.name.as_ref().unwrap().value, "A");
    debug(&page.next);
    debug(&partial::<Keyed<u8>>(r#"{"entries": {"a": 1"#));
    let inner: Option<Partial<Item>> = partial::<Wrapper<Item>>(r#"{"name": "A"#);
    debug(&inner);
    let value: Option<String> = partial::<Named<String>>(r#""A"#);
    debug(&value);
    let pair = partial::<Pair<String, Page<Item>>>(r#"["a", {"next": "b"#).unwrap();
    debug(&pair);
    assert_eq!(pair.1.unwrap().value.next.unwrap().value.as_deref(), Some("b"));
    debug(&partial::<Sized3<2, u8>>(r#"{"values": [1"#));
    debug(&partial::<Empty<u8>>("{"));
    let opaque = partial::<Page<Opaque>>(r#"{"items": ["A"]"#).unwrap();
    assert!(opaque.items.unwrap().complete);
    let listing = partial::<Listing<u8>>(r#"{"rows": [1], "item": {"name": "x"#).unwrap();
    debug(&listing);
    assert_eq!(listing.entries.unwrap().value.len(), 1);
    assert_eq!(listing.item.unwrap().value.name.unwrap().value, "x");
    let Some(Partial::<Event<u8>>::Named { item, at, .. }) = partial::<Event<u8>>(r#"{"Named": {"name": "x", "at": 1,"#) else { panic!() };
    assert_eq!((item.unwrap().value.name.unwrap().value, at.unwrap().value), ("x".to_owned(), 1));
    debug(&partial::<Event<u8>>(r#"{"Boxed": {"Values": [1, [2"#));
    debug(&partial::<Event<u8>>(r#""Start""#));
    debug(&partial::<Event<u8>>(r#"{"Nothing": {"#));
    let Some(Partial::<Adjacent<u8>>::Two(a, b)) = partial::<Adjacent<u8>>(r#"{"t": "Two", "c": [1, [2, "#) else { panic!() };
    assert_eq!((a.unwrap().value, b.unwrap().value.len()), (1, 1));
    debug(&partial::<Adjacent<u8>>(r#"{"c": {"v": 1}, "t": "Three""#));
    debug(&partial::<Adjacent<u8>>(r#"{"t": "Four""#));
    debug(&partial::<Adjacent<u8>>(r#"{"t": "One", "c": "x"#));
    let Some(Partial::<Internal<u8>>::Named { item, at, .. }) = partial::<Internal<u8>>(r#"{"kind": "named", "name": "x", "at": 1,"#) else { panic!() };
    assert_eq!((item.unwrap().value.name.unwrap().value, at.unwrap().value), ("x".to_owned(), 1));
    let Some(Partial::<Internal<u8>>::Mapped(map)) = partial::<Internal<u8>>(r#"{"a": 1, "kind": "mapped", "b": 2"#) else { panic!() };
    assert_eq!(map.value.len(), 1);
    debug(&partial::<Internal<u8>>(r#"{"kind": "wrapped", "name": "x"#));
    debug(&partial::<Internal<u8>>(r#"{"kind": "none""#));
    let whole: Option<Units> = partial::<Units>(r#""A""#);
    debug(&whole);
    debug(&partial::<Forwarded<u8>>(r#"{"One": {"uno": 1"#));
    let flat = partial::<Flat<u8>>(r#"{"entries": [1], "name": "x"#).unwrap();
    debug(&flat);
    assert_eq!(flat.item.unwrap().value.name.unwrap().value, "x");
    let Some(Partial::<Msg>::B { p }) = partial::<Msg>(r#"{"B": {"p": {"x": 1"#) else { panic!() };
    debug(&p);
    let note = partial::<Note>(r#"{"partial": {"text": "a"#).unwrap();
    assert_eq!(note.partial.unwrap().value.text.unwrap().value, "a");
    let nested: Option<Nested> = partial::<Nested>("[[], [[]]]");
    assert_eq!(nested.unwrap().0.len(), 2);
    assert!(partial::<Nested>("[[], [[]]").is_none());
    debug(&partial::<Tree>(r#"{"a": {}}"#));
    debug(&partial::<Chain>("null"));
    debug(&partial::<Inner>("[[]]"));
    assert!(partial::<Through>("[[]]").is_some());
}
