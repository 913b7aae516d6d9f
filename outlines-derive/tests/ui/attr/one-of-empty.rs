use outlines::Structured;

#[derive(Structured)]
struct Order {
    #[outline(one_of = [])]
    size: String,
}

fn main() {}
