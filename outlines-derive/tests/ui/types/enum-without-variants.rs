use outlines::Structured;

#[derive(Structured)]
enum Never {}

fn main() {}
