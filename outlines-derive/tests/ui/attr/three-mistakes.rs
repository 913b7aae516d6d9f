use outlines::Structured;

#[derive(Structured)]
struct Person {
    #[outline(minn = 1)]
    age: u32,
    #[outline(min = 5, max = 1)]
    name: String,
    #[outline(pattern = "^[0-9]+$")]
    zip: u32,
}

fn main() {
    // The stand-in impl keeps uses of the type from adding errors of their own.
    let person = Person::from_json("{}");
    let _ = Person::json_schema();
    let _ = person.map(|p| p.age);
}
