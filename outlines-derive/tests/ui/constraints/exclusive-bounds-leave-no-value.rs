use outlines::Structured;

#[derive(Structured)]
struct Reading {
    #[outline(exclusive_min = 1.0, exclusive_max = 1.0)]
    value: f64,
}

fn main() {}
