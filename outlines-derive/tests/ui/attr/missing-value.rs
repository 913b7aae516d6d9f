use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(max)]
    age: u32,
}

fn main() {}
