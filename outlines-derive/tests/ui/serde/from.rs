use outlines::Structured;

#[derive(Structured)]
#[serde(from = "String")]
struct Name {
    value: String,
}

fn main() {}
