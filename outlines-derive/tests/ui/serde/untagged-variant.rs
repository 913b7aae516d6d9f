use outlines::Structured;

#[derive(Structured)]
enum Value {
    Number(f64),
    #[serde(untagged)]
    Text(String),
}

fn main() {}
