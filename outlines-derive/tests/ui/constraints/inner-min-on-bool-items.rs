use outlines::Structured;

#[derive(Structured)]
struct Flags {
    #[outline(inner(min = 1))]
    values: Vec<bool>,
}

fn main() {}
