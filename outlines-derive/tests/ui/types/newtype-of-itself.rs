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

#[derive(Structured)]
#[serde(transparent)]
struct Generic<T> {
    inner: Option<Box<Generic<T>>>,
    #[serde(skip)]
    marker: std::marker::PhantomData<T>,
}

#[derive(Structured)]
#[serde(untagged)]
enum Either {
    Number(u8),
    Again(Option<Box<Either>>),
}

// In an array, a map or a struct field, each level is a token read: these are fine; and so is
// another type of the same name.
#[derive(Structured)]
struct List(Option<Vec<Box<List>>>);

#[derive(Structured)]
struct Node {
    next: Option<Box<Node>>,
}

mod inner {
    use outlines::Structured;

    #[derive(Structured)]
    pub struct Leaf {
        pub a: u8,
    }
}

#[derive(Structured)]
struct Leaf(Option<Box<inner::Leaf>>);

#[derive(Structured)]
#[serde(untagged)]
enum Listed {
    Number(u8),
    Many(Vec<Listed>),
}

fn main() {}
