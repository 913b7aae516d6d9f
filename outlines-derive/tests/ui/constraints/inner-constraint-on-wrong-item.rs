use outlines::Structured;

#[derive(Structured)]
struct Flags {
    #[outline(inner(pattern = "^[a-z]+$"))]
    values: Vec<bool>,
}

fn main() {}
