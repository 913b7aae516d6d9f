use outlines::Structured;

#[derive(Structured)]
struct Address {
    city: String,
}

#[derive(Structured)]
struct Person {
    #[outline(min = 1)]
    address: Address,
}

fn main() {}
