use outlines::Structured;

#[derive(Structured)]
struct Grid {
    #[outline(inner(inner(max = 5)))]
    cells: Vec<u8>,
}

fn main() {}
