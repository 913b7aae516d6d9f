use outlines::Structured;

struct Opaque;

#[derive(Structured)]
struct Person {
    name: String,
    secret: Opaque,
}

fn main() {}
