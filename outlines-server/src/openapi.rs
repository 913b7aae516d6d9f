//! `GET /openapi.json`: the API described in OpenAPI 3.1.
//!
//! Written by hand (`openapi.json`) rather than derived: the request types are private serde
//! structs shaped by OpenAI's wire format, and a derive (utoipa) would annotate every one of them
//! for a document that changes when the routes do. A test checks that it lists every route and
//! that its examples are served, and the Python tests validate it with `openapi-spec-validator`.

use std::sync::OnceLock;

use axum::Json;
use serde_json::Value;

/// The document, with this crate's version.
pub(crate) fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let mut spec: Value = serde_json::from_str(include_str!("openapi.json"))
            .unwrap_or_else(|e| serde_json::json!({"error": e.to_string()}));
        if let Some(version) = spec.pointer_mut("/info/version") {
            *version = Value::from(env!("CARGO_PKG_VERSION"));
        }
        spec
    })
}

pub(crate) async fn document() -> Json<Value> {
    Json(spec().clone())
}
