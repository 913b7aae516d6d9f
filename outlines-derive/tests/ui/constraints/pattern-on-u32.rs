use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(pattern = "^[0-9]+$")]
    age: u32,
}

fn main() {}
