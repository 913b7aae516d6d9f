use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(min = 10, max = 1)]
    age: u32,
}

fn main() {}
