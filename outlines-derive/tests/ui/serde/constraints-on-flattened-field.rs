use outlines::Structured;

#[derive(Structured)]
struct Meta {
    id: u64,
}

#[derive(Structured)]
struct Person {
    name: String,
    #[serde(flatten)]
    #[outline(min = 1)]
    meta: Meta,
}

fn main() {}
