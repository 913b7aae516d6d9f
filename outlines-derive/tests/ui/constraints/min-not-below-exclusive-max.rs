use outlines::Structured;

#[derive(Structured)]
struct Reading {
    #[outline(min = 5, exclusive_max = 5)]
    value: i32,
}

fn main() {}
