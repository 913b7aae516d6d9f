use std::collections::HashMap;
use std::fmt::Debug;

use outlines::Structured;

#[derive(Structured)]
struct Page<T> {
    #[outline(max = 100)]
    items: Vec<T>,
    next: Option<String>,
}

#[derive(Structured)]
enum Either<L, R> {
    Left(L),
    Right(R),
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
struct Pair<A, B>(A, B);

#[derive(Structured)]
struct Wrapper<T>(T);

#[derive(Structured)]
struct Sized3<const N: usize> {
    #[outline(unique)]
    values: [u8; N],
}

fn main() {
    let page = Page::<Either<u8, String>>::from_json(r#"{"items": [{"Left": 1}, {"Right": "x"}], "next": null}"#);
    assert!(page.is_ok());
    let _ = Keyed::<u32>::json_schema();
    let _ = Pair::<u8, Wrapper<bool>>::describe();
    assert!(Sized3::<2>::from_json("[1, 1]").is_err());
}
