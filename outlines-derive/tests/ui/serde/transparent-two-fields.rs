use outlines::Structured;

#[derive(Structured)]
#[serde(transparent)]
struct Meters {
    value: f64,
    unit: String,
}

fn main() {}
