use outlines::Structured;

#[derive(Structured)]
struct Tree {
    label: String,
    children: Vec<Tree>,
}

#[derive(Structured)]
enum Expr {
    Number(f64),
    Negate(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Call { name: String, args: Vec<Expr> },
}

#[derive(Structured)]
struct Department {
    head: Option<Box<Employee>>,
}

#[derive(Structured)]
struct Employee {
    department: Department,
}

fn main() {
    assert!(Tree::from_json(r#"{"label": "a", "children": [{"label": "b", "children": []}]}"#).is_ok());
    assert!(Expr::from_json(r#"{"Add": [{"Number": 1}, {"Negate": {"Number": 2}}]}"#).is_ok());
    let _ = Department::json_schema();
    let _ = Employee::json_schema();
}
