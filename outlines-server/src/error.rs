//! One error envelope: OpenAI's `{"error": {message, type, param, code}}`, which every OpenAI
//! client reads.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error as the client receives it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
    param: Option<&'static str>,
    /// Seconds after which to try again (503).
    retry_after: Option<u64>,
    /// More for the client to read (the attempts of a generation that failed).
    details: Option<serde_json::Value>,
}

impl ApiError {
    /// The request cannot be served as sent (400), `param` naming the field at fault.
    pub fn invalid(param: Option<&'static str>, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            kind: "invalid_request_error",
            message: message.into(),
            param,
            retry_after: None,
            details: None,
        }
    }

    /// The model gave no valid value within its attempts (422): the diagnostics say why.
    pub fn no_valid_value(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            kind: "invalid_output",
            message: message.into(),
            param: None,
            retry_after: None,
            details: None,
        }
    }

    /// The backend failed (502).
    pub fn backend(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_GATEWAY,
            kind: "backend_error",
            message: message.into(),
            param: None,
            retry_after: None,
            details: None,
        }
    }

    /// The generation ran past the server's time limit (504).
    pub fn timeout(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::GATEWAY_TIMEOUT,
            kind: "timeout",
            message: message.into(),
            param: None,
            retry_after: None,
            details: None,
        }
    }

    /// The queue is full (503): try again after `seconds`.
    pub fn busy(seconds: u64) -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            kind: "overloaded",
            message: "the server is busy: every place in its queue is taken; try again shortly"
                .into(),
            param: None,
            retry_after: Some(seconds),
            details: None,
        }
    }

    /// A body that is not the JSON asked for, with the status the extractor gives it (400 for
    /// bad JSON, 413 past the size limit, 415 without a JSON content type).
    pub fn rejected(rejection: &JsonRejection) -> ApiError {
        ApiError {
            status: rejection.status(),
            kind: "invalid_request_error",
            message: rejection.body_text(),
            param: None,
            retry_after: None,
            details: None,
        }
    }
}

impl ApiError {
    /// The same error with `details` beside its message.
    pub fn with_details(mut self, details: serde_json::Value) -> ApiError {
        self.details = Some(details);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": {
            "message": self.message,
            "type": self.kind,
            "param": self.param,
            "code": null,
        }});
        if let Some(details) = self.details {
            body["error"]["attempts"] = details;
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
