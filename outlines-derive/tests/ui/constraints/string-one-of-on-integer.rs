use outlines::Structured;

#[derive(Structured)]
struct Order {
    #[outline(one_of = ["1", "2"])]
    quantity: u8,
}

fn main() {}
