use outlines::Structured;

#[derive(Structured)]
#[serde(untagged, tag = "type")]
enum Shape {
    Circle { radius: f64 },
    Square { side: f64 },
}

fn main() {}
