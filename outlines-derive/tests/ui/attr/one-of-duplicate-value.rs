use outlines::Structured;

#[derive(Structured)]
struct Order {
    #[outline(one_of = ["small", "large", "small"])]
    size: String,
}

fn main() {}
