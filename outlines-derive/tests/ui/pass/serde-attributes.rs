use std::collections::HashMap;

use outlines::Structured;
use serde::Deserialize;

fn default_port() -> u16 {
    8080
}

#[derive(Structured, Deserialize)]
struct Meta {
    id: u64,
}

#[derive(Structured, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Server {
    host_name: String,
    #[serde(rename = "p", alias = "portNumber", default = "default_port")]
    port: u16,
    #[serde(rename(deserialize = "tls"), default)]
    use_tls: bool,
    #[serde(skip)]
    connections: Vec<String>,
    #[serde(skip_deserializing, default = "default_port")]
    fallback: u16,
    r#type: String,
}

#[derive(Structured, Deserialize)]
struct WithFlatten {
    name: String,
    #[serde(flatten)]
    meta: Meta,
    #[serde(flatten)]
    extra: HashMap<String, String>,
}

#[derive(Structured, Deserialize, Default)]
#[serde(default)]
struct AllDefault {
    retries: u8,
    #[outline(max = 10)]
    name: String,
}

fn make_defaults() -> Configured {
    Configured { level: 3 }
}

#[derive(Structured, Deserialize)]
#[serde(default = "make_defaults")]
struct Configured {
    level: u8,
}

#[derive(Structured, Deserialize)]
#[serde(transparent)]
struct Email {
    #[outline(format = "email")]
    value: String,
    #[serde(skip)]
    verified: bool,
}

fn main() {
    let server = Server::from_json(r#"{"hostName": "a", "portNumber": 1, "tls": true, "type": "x"}"#).unwrap();
    assert_eq!((server.port, server.use_tls, server.fallback), (1, true, 8080));
    assert!(server.connections.is_empty());
    let flat = WithFlatten::from_json(r#"{"name": "a", "id": 1, "other": "b"}"#).unwrap();
    assert_eq!((flat.meta.id, flat.extra.len()), (1, 1));
    assert_eq!(AllDefault::from_json("{}").unwrap().retries, 0);
    assert_eq!(Configured::from_json("{}").unwrap().level, 3);
    let email = Email::from_json(r#""a@b.c""#).unwrap();
    assert!(!email.verified && email.value == "a@b.c");
}
