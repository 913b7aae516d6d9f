use outlines::Structured;

#[derive(Structured)]
#[serde(content = "data")]
enum Message {
    Text(String),
    Ping,
}

fn main() {}
