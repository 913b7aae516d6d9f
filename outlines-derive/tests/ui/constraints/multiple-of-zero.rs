use outlines::Structured;

#[derive(Structured)]
struct Price {
    #[outline(multiple_of = 0)]
    cents: u64,
}

fn main() {}
