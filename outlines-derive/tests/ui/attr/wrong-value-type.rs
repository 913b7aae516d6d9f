use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(min = "x")]
    age: u32,
}

fn main() {}
