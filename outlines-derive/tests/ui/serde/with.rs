use outlines::Structured;

#[derive(Structured)]
struct Event {
    #[serde(with = "timestamp")]
    at: u64,
}

fn main() {}
