use outlines::Structured;

#[derive(Structured)]
enum Hidden {
    #[serde(skip)]
    First,
    #[serde(skip)]
    Second,
}

fn main() {}
