use outlines::Structured;

#[derive(Structured)]
#[outline(name = " ")]
struct Person {
    name: String,
}

fn main() {}
