use outlines::Structured;

const DEFAULT_NAME: &str = "Ada";

#[derive(Structured)]
struct Person {
    #[outline(example = DEFAULT_NAME)]
    name: String,
}

fn main() {}
