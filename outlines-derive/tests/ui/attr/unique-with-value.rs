use outlines::Structured;

#[derive(Structured)]
struct Tags {
    #[outline(unique = true)]
    tags: Vec<String>,
}

fn main() {}
