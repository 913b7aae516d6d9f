use outlines::Structured;

#[derive(Structured)]
struct Person {
    name: String,
    #[serde(flatten)]
    age: u32,
}

fn main() {}
