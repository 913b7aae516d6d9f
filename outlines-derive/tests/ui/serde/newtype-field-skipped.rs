use outlines::Structured;

#[derive(Structured)]
struct Hidden(#[serde(skip)] u8);

#[derive(Structured)]
enum Reading {
    Value(#[serde(skip)] u8),
    Nothing,
}

fn main() {}
