use outlines::Structured;

#[derive(Structured)]
#[serde(tag = "type")]
struct Circle {
    radius: f64,
}

fn main() {}
