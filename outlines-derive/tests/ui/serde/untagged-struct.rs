use outlines::Structured;

#[derive(Structured)]
#[serde(untagged)]
struct Person {
    name: String,
}

fn main() {}
