use outlines::Structured;

#[derive(Structured)]
#[outline(check = checks::ordered)]
struct Range {
    low: i32,
    high: i32,
}

fn main() {}
