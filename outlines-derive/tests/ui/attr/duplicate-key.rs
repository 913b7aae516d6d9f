use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(min = 1, max = 120, min = 2)]
    age: u32,
}

fn main() {}
