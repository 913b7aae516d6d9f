use outlines::Structured;
use serde::Deserialize;

// serde_derive reports this mistake too; the derive uses serde's exact words at serde's span, so
// rustc shows it once.
#[derive(Structured, Deserialize)]
#[serde(untagged)]
struct Person {
    name: String,
}

fn main() {}
