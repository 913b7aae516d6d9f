use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(exclusive_min = 0)]
    name: String,
}

fn main() {}
