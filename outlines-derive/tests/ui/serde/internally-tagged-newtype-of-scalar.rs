use outlines::Structured;

#[derive(Structured)]
#[serde(tag = "t")]
enum Reading {
    Number(u8),
    Named { value: u8 },
}

fn main() {}
