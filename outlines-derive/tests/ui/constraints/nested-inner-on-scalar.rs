use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(inner(inner(pattern = "^a")))]
    age: u32,
}

fn main() {}
