use outlines::Structured;

#[derive(Structured)]
#[serde(rename_all = "camel_case")]
struct Person {
    first_name: String,
}

fn main() {}
