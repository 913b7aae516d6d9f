//! What the server's test binaries share.

#![allow(dead_code)] // each test binary uses what it needs

use outlines_server::Server;
use serde_json::Value;

/// `server` on a free port of 127.0.0.1, for the rest of the test; its base URL.
pub(crate) async fn start(server: Server) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, server.router()).await.unwrap();
    });
    format!("http://{address}")
}

/// `GET url`: the status and the JSON body.
pub(crate) async fn get(url: String) -> (u16, Value) {
    let response = reqwest::get(url).await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// `POST url` with `body` as JSON: the status and the JSON body.
pub(crate) async fn post(url: String, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// `POST url` with `body`, read as server-sent events: each event's name (`message` if none) and
/// data, in order.
pub(crate) async fn events(url: String, body: Value) -> (u16, Vec<(String, String)>) {
    let response = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let mut events = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let (mut name, mut data) = ("message".to_owned(), Vec::new());
        for line in block.lines() {
            if let Some(rest) = line.strip_prefix("event:") {
                name = rest.trim().to_owned();
            } else if let Some(rest) = line.strip_prefix("data:") {
                data.push(rest.strip_prefix(' ').unwrap_or(rest));
            }
        }
        if !data.is_empty() {
            events.push((name, data.join("\n")));
        }
    }
    (status, events)
}
