use outlines::Structured;

#[derive(Structured)]
#[serde(tag = "type")]
enum Shape {
    Circle { radius: f64 },
    Line(f64, f64),
}

fn main() {}
