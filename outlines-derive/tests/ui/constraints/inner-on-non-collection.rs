use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(inner(min = 1))]
    age: u32,
}

fn main() {}
