use outlines::Structured;

#[derive(Structured)]
struct Matrix {
    #[outline(inner(unique))]
    rows: Vec<Vec<u8>>,
}

fn main() {}
