// A newtype that holds itself with no array or object between has only `null` as a finite value:
// any other reply would be read as the type again, without end.
use outlines::Structured;
use std::rc::Rc;

#[derive(Structured)]
struct Chain(Option<Box<Chain>>);

#[derive(Structured)]
struct Same(Option<std::sync::Arc<Option<Self>>>);

#[derive(Structured)]
#[serde(transparent)]
struct Shared {
    #[serde(skip)]
    note: String,
    inner: Rc<Shared>,
}

// In an array, a map or a struct field, each level is a token read: these are fine.
#[derive(Structured)]
struct List(Option<Vec<Box<List>>>);

#[derive(Structured)]
struct Node {
    next: Option<Box<Node>>,
}

fn main() {}
