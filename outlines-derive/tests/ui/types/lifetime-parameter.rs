use outlines::Structured;

#[derive(Structured)]
struct Person<'a> {
    name: &'a str,
}

fn main() {}
