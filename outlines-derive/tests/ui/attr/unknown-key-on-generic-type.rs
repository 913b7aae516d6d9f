use outlines::Structured;

#[derive(Structured)]
struct Page<T> {
    #[outline(maxx = 100)]
    items: Vec<T>,
    #[outline(inner(min = 1))]
    next: Option<String>,
}

fn main() {
    let _ = Page::<u8>::from_json("{}");
}
