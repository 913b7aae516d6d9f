use outlines::Structured;

#[derive(Structured)]
union Number {
    int: u32,
    float: f32,
}

fn main() {}
