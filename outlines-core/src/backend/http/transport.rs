//! One try over reqwest: the body, or what went wrong — said in words of what happened and where,
//! with reqwest's and hyper's own errors kept as the `source()`.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;

use super::retry::{Decision, classify};
use super::{Call, ErrorReader, MAX_BODY_BYTES};
use crate::backend::BackendError;

/// The most of an error reply's body read: enough for the provider's message.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// Sends `request` once: the body of a successful reply, or what went wrong and whether to retry.
pub(super) async fn attempt(
    call: &Call<'_>,
    request: reqwest::RequestBuilder,
) -> Result<String, (Decision, BackendError)> {
    let response = open(call, request).await?;
    read_body(call, response)
        .await
        .map_err(|error| match error {
            // A connection broken mid-body is as transient as a failed connect; a body too large
            // or not text will not improve.
            BackendError::Transport { .. } => (Decision::Retry(None), error),
            error => (Decision::Fail, error),
        })
}

/// Sends `request` once: a successful response whose body is still to be read (a stream's), or
/// what went wrong and whether to retry.
pub(super) async fn open(
    call: &Call<'_>,
    request: reqwest::RequestBuilder,
) -> Result<reqwest::Response, (Decision, BackendError)> {
    let provider = call.provider;
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            if !(200..300).contains(&status) {
                // The status decides; the body only adds the provider's words, so a body that is
                // huge, not UTF-8 or cut short does not hide the status.
                let body = read_error_body(response).await;
                return Err(status_error(
                    provider,
                    status,
                    &headers,
                    &body,
                    call.read_error,
                ));
            }
            Ok(response)
        }
        // A request that cannot be built (a key that is not a valid header value, ...) will not
        // improve by retrying.
        Err(error) if error.is_builder() => Err((
            Decision::Fail,
            BackendError::Config(format!(
                "the request to {provider} could not be built: {}",
                causes(&error)
            )),
        )),
        Err(error) => Err((Decision::Retry(None), transport_error(call, error))),
    }
}

fn status_error(
    provider: &str,
    status: u16,
    headers: &HeaderMap,
    body: &str,
    read_error: ErrorReader,
) -> (Decision, BackendError) {
    let (code, message) = read_error(body);
    let decision = classify(status, headers, code.as_deref());
    let message = message.unwrap_or_else(|| {
        if body.trim().is_empty() {
            "(empty body)".into()
        } else {
            super::body_excerpt(body.trim())
        }
    });
    let error = BackendError::Status {
        provider: provider.to_owned(),
        status,
        code,
        message,
    };
    (decision, error)
}

/// A connection-level failure: what happened, at which URL (without secrets: see
/// [`public_url`](super::public_url)); reqwest's error, without its URL, is the source.
fn transport_error(call: &Call<'_>, error: reqwest::Error) -> BackendError {
    let url = call.url;
    let (connect, request) = call.timeouts.unzip();
    let within = |limit: Option<Duration>| limit.map(|d| format!(" within {}", seconds(d)));
    let message = if error.is_timeout() && error.is_connect() {
        match within(connect) {
            Some(within) => format!("could not connect to {url}{within}"),
            None => format!("could not connect to {url}: timed out"),
        }
    } else if error.is_timeout() {
        match within(request) {
            Some(within) => format!("no reply from {url}{within}"),
            None => format!("the request to {url} timed out"),
        }
    } else if error.is_connect() {
        match io_kind(&error) {
            Some(std::io::ErrorKind::ConnectionRefused) => {
                format!("could not connect to {url}: the connection was refused")
            }
            _ => format!("could not connect to {url}"),
        }
    } else if error.is_body() || error.is_decode() {
        format!("the connection to {url} broke while the reply was being read")
    } else if closed_before_reply(&error) {
        format!("the connection to {url} closed after the request was sent, before a reply")
    } else if io_kind(&error) == Some(std::io::ErrorKind::ConnectionReset) {
        format!("the connection to {url} was reset before a reply")
    } else {
        format!("the request to {url} failed")
    };
    BackendError::Transport {
        provider: call.provider.to_owned(),
        message,
        source: Some(Arc::new(error.without_url())),
    }
}

/// `d` as people write it: `10 s`, `1.5 s`, `300 ms`.
fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} s", d.as_secs_f64())
    }
}

/// Whether hyper saw the connection close while it waited for the reply, the request written.
fn closed_before_reply(error: &reqwest::Error) -> bool {
    chain(error).any(|e| {
        e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
    })
}

/// The kind of the I/O error under `error`, if there is one.
fn io_kind(error: &reqwest::Error) -> Option<std::io::ErrorKind> {
    chain(error).find_map(|e| e.downcast_ref::<std::io::Error>().map(std::io::Error::kind))
}

/// `error`'s sources, outermost first.
fn chain(error: &reqwest::Error) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
    let mut next = error.source();
    std::iter::from_fn(move || {
        let current = next?;
        next = current.source();
        Some(current)
    })
}

/// The chain of an error's sources, each after ": " (the top-level text repeats the URL; its sources
/// say what happened).
fn causes(error: &reqwest::Error) -> String {
    chain(error).map(|cause| format!(": {cause}")).collect()
}

/// Up to [`MAX_ERROR_BODY_BYTES`] of an error reply's body, decoded leniently; a connection that
/// breaks mid-body leaves what arrived.
async fn read_error_body(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    body.truncate(MAX_ERROR_BODY_BYTES);
    String::from_utf8_lossy(&body).into_owned()
}

/// Reads a body of at most [`MAX_BODY_BYTES`], chunk by chunk.
async fn read_body(
    call: &Call<'_>,
    mut response: reqwest::Response,
) -> Result<String, BackendError> {
    let malformed = |message: String| BackendError::Malformed {
        provider: call.provider.to_owned(),
        message,
        body: String::new(),
    };
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(malformed(format!(
                        "the reply is larger than {MAX_BODY_BYTES} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(error) => return Err(transport_error(call, error)),
        }
    }
    String::from_utf8(body).map_err(|e| malformed(format!("the reply is not UTF-8: {e}")))
}
