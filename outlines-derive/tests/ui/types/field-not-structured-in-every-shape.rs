// One error per field whose type is not `Structured` (or does not resolve), whatever the shape
// holding it: each has a partial form naming the field's, which must not add errors of its own.
use outlines::Structured;

struct Opaque;

#[derive(Structured)]
struct Page<T> {
    items: Vec<T>,
    secret: Opaque,
}

#[derive(Structured)]
struct Wrapper(Opaque);

#[derive(Structured)]
struct Pair(String, Opaque);

#[derive(Structured)]
enum Shape<T> {
    Circle { radius: T, secret: Opaque },
    Text(Opaque),
    Line(u8, Missing),
}

#[derive(Structured)]
#[serde(tag = "type")]
enum Action {
    Search { query: String, secret: Opaque },
    Wrapped(Opaque),
}

#[derive(Structured)]
#[serde(tag = "t", content = "c")]
enum Step {
    Move { to: Opaque },
    Say(Opaque),
    Pair(u8, Missing),
}

fn main() {}
