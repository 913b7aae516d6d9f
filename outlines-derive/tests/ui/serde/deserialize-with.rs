use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[serde(deserialize_with = "parse_age")]
    age: u32,
}

fn main() {}
