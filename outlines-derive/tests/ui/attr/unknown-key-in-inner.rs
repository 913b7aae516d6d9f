use outlines::Structured;

#[derive(Structured)]
struct Tags {
    #[outline(inner(patern = "^[a-z]+$"))]
    tags: Vec<String>,
}

fn main() {}
