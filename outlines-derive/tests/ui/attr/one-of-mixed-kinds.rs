use outlines::Structured;

#[derive(Structured)]
struct Order {
    #[outline(one_of = ["small", 2])]
    size: String,
}

fn main() {}
