use outlines::Structured;

#[derive(Structured)]
struct Tags {
    #[outline(inner = "min = 1")]
    tags: Vec<String>,
}

fn main() {}
