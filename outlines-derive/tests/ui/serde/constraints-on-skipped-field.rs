use outlines::Structured;

#[derive(Structured)]
struct Person {
    name: String,
    #[serde(skip)]
    #[outline(min = 1)]
    cache: Vec<String>,
}

fn main() {}
