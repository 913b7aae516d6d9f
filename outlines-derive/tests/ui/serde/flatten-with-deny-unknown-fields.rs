use outlines::Structured;

#[derive(Structured)]
struct Meta {
    id: u64,
}

#[derive(Structured)]
#[serde(deny_unknown_fields)]
struct Person {
    name: String,
    #[serde(flatten)]
    meta: Meta,
}

fn main() {}
