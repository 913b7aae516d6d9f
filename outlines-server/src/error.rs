//! One error envelope: OpenAI's `{"error": {message, type, param, code}}`, which every OpenAI
//! client reads, on every route.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An error as the client receives it (boxed: handlers return it in every `Result`).
#[derive(Debug)]
pub struct ApiError(Box<Inner>);

#[derive(Debug)]
struct Inner {
    status: StatusCode,
    kind: &'static str,
    message: String,
    param: Option<&'static str>,
    /// Seconds after which to try again (503).
    retry_after: Option<u64>,
    /// More for the client to read (the attempts of a generation that failed).
    attempts: Option<Value>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError(Box::new(Inner {
            status,
            kind,
            message: message.into(),
            param: None,
            retry_after: None,
            attempts: None,
        }))
    }

    /// The request cannot be served as sent (400), `param` naming the field at fault.
    pub fn invalid(param: Option<&'static str>, message: impl Into<String>) -> ApiError {
        let mut error = ApiError::new(StatusCode::BAD_REQUEST, "invalid_request_error", message);
        error.0.param = param;
        error
    }

    /// The model gave no valid value within its attempts (422): the diagnostics say why.
    pub fn no_valid_value(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_output", message)
    }

    /// The request lacks the server's bearer token (401).
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "this server needs `Authorization: Bearer <token>`, with its token",
        )
    }

    /// The request may not use this route (403).
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "permission_error", message)
    }

    /// The backend failed (502).
    pub fn backend(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_GATEWAY, "backend_error", message)
    }

    /// The generation ran past the server's time limit (504).
    pub fn timeout(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::GATEWAY_TIMEOUT, "timeout", message)
    }

    /// The queue is full (503): try again after `seconds`.
    pub fn busy(seconds: u64) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the server is busy: every place in its queue is taken; try again shortly",
        );
        error.0.retry_after = Some(seconds);
        error
    }

    /// The model is still loading (503): try again in a few seconds.
    pub fn loading() -> ApiError {
        let mut error = ApiError::unavailable("the model is loading; try again shortly");
        error.0.retry_after = Some(5);
        error
    }

    /// The server cannot serve requests (503), e.g. its model failed to load.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// A body that is not the JSON asked for, with the status the extractor gives it (400 for
    /// bad JSON, 413 past the size limit, 415 without a JSON content type, 422 for a field of
    /// the wrong shape).
    pub fn rejected(rejection: &JsonRejection) -> ApiError {
        ApiError::new(
            rejection.status(),
            "invalid_request_error",
            rejection.body_text(),
        )
    }

    /// What went wrong, for a person to read.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Whether the model gave no valid value (rather than the request or the backend failing).
    pub fn is_invalid_output(&self) -> bool {
        self.0.kind == "invalid_output"
    }

    /// The same error with the attempts of the generation beside its message.
    pub fn with_attempts(mut self, attempts: Value) -> ApiError {
        self.0.attempts = Some(attempts);
        self
    }
}

impl ApiError {
    /// The envelope, `{"error": {...}}`, with the HTTP status as `status` (how a batch reports
    /// one item's error among others).
    pub fn body(&self) -> Value {
        let mut body = json!({"error": {
            "message": self.0.message,
            "type": self.0.kind,
            "param": self.0.param,
            "code": null,
            "status": self.0.status.as_u16(),
        }});
        if let Some(attempts) = &self.0.attempts {
            body["error"]["attempts"] = attempts.clone();
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = self.body();
        if let Some(error) = body.get_mut("error").and_then(Value::as_object_mut) {
            error.remove("status");
        }
        let error = *self.0;
        let mut response = (error.status, Json(body)).into_response();
        if let Some(seconds) = error.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
