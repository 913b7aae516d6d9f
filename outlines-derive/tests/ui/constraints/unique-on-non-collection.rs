use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(unique)]
    name: String,
}

fn main() {}
