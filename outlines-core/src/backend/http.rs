//! What the HTTP backends share: sending a request with transport retries, reading a bounded body,
//! and turning a provider's error body into a [`BackendError`].
//!
//! The retry *decision* ([`classify`]) is separate from the retry *mechanics* ([`send`]), and each
//! retry rebuilds the request rather than cloning a sent one. The policy follows the official OpenAI
//! and Anthropic SDKs: obey `x-should-retry`; else retry 408, 409, 429 (but not `insufficient_quota`),
//! 5xx and Anthropic's 529; wait what `retry-after-ms` or `retry-after` says (seconds or an HTTP date)
//! when it is at most a minute, else back off exponentially with jitter.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

use super::BackendError;

/// How transport faults are retried within one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first try (the SDKs' default is 2).
    pub max_retries: u32,
    /// The first backoff; each retry doubles it.
    pub initial_backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// The longest wait a server's `retry-after` is obeyed for; longer ones fall back to backoff.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The same policy with `max_retries` retries.
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// The same policy with this first backoff (doubling up to `max_backoff`).
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// The backoff before retry number `retry` (0-based): `initial · 2^retry`, capped, minus up to a
    /// quarter at random so that many clients do not retry in step.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2_u32.saturating_pow(retry.min(16));
        let full = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        full.mul_f64(1.0 - 0.25 * fastrand::f64())
    }
}

/// What to do about a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Retry, after the server's wait if it gave one.
    Retry(Option<Duration>),
    /// Give up: the request itself is wrong (or the server says so).
    Fail,
}

/// Whether a response with `status` is worth retrying.
pub fn classify(status: u16, headers: &HeaderMap, body: &str) -> Decision {
    match headers.get("x-should-retry").and_then(|v| v.to_str().ok()) {
        Some("true") => return Decision::Retry(retry_after(headers, SystemTime::now())),
        Some("false") => return Decision::Fail,
        _ => {}
    }
    let retryable = match status {
        408 | 409 | 500..=599 => true,
        // An exhausted quota will not come back by waiting.
        429 => !body.contains("insufficient_quota"),
        _ => false,
    };
    if retryable {
        Decision::Retry(retry_after(headers, SystemTime::now()))
    } else {
        Decision::Fail
    }
}

/// The wait a server asks for: `retry-after-ms` (milliseconds), else `retry-after` (seconds, or an
/// HTTP date measured from `now`).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let value = header("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The most of a reply body read; larger bodies are an error rather than a memory hazard.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// A provider's error body made readable: its error code (or type) and message.
pub type ErrorReader = fn(&str) -> (Option<String>, Option<String>);

/// Sends the request `build` makes, retrying transport faults per `policy`, and returns the body of
/// the first successful response. `read_error` pulls the provider's code and message out of an error
/// body.
pub async fn send(
    provider: &str,
    policy: &RetryPolicy,
    read_error: ErrorReader,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<String, BackendError> {
    let mut retry = 0;
    loop {
        let (decision, error) = match build().send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                match read_body(provider, response).await {
                    Ok(body) if (200..300).contains(&status) => return Ok(body),
                    Ok(body) => status_error(provider, status, &headers, &body, read_error),
                    // A connection broken mid-body is as transient as a failed connect; a body too
                    // large or not text will not improve.
                    Err(error @ BackendError::Transport { .. }) => (Decision::Retry(None), error),
                    Err(error) => (Decision::Fail, error),
                }
            }
            Err(error) => (Decision::Retry(None), transport_error(provider, &error)),
        };
        match decision {
            Decision::Retry(wait) if retry < policy.max_retries => {
                let wait = wait
                    .filter(|w| *w <= policy.max_retry_after)
                    .unwrap_or_else(|| policy.backoff(retry));
                tracing::debug!(
                    target: "outlines::backend",
                    provider,
                    retry = retry + 1,
                    wait_ms = wait.as_millis() as u64,
                    error = %error,
                    "retrying after a transport fault"
                );
                tokio::time::sleep(wait).await;
                retry += 1;
            }
            _ => return Err(error),
        }
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
    let message = message.unwrap_or_else(|| {
        let text = crate::diagnostics::shorten_str(body.trim());
        if body.trim().is_empty() {
            "(empty body)".into()
        } else {
            text
        }
    });
    let error = BackendError::Status {
        provider: provider.to_owned(),
        status,
        code,
        message,
    };
    (classify(status, headers, body), error)
}

/// A connection-level failure, described without the URL's query or any header (no secrets).
fn transport_error(provider: &str, error: &reqwest::Error) -> BackendError {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "the connection broke while reading the reply"
    } else {
        "request failed"
    };
    let mut message = kind.to_owned();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    BackendError::Transport {
        provider: provider.to_owned(),
        message,
    }
}

/// Reads a body of at most [`MAX_BODY_BYTES`], chunk by chunk.
async fn read_body(
    provider: &str,
    mut response: reqwest::Response,
) -> Result<String, BackendError> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(BackendError::Malformed {
                        provider: provider.to_owned(),
                        message: format!("the reply is larger than {MAX_BODY_BYTES} bytes"),
                        body: String::new(),
                    });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(error) => return Err(transport_error(provider, &error)),
        }
    }
    String::from_utf8(body).map_err(|e| BackendError::Malformed {
        provider: provider.to_owned(),
        message: format!("the reply is not UTF-8: {e}"),
        body: String::new(),
    })
}

/// The start of a body, for [`BackendError::Malformed`].
pub fn body_excerpt(body: &str) -> String {
    crate::diagnostics::shorten_str(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn classifies_like_the_sdks() {
        let none = HeaderMap::new();
        for status in [408, 409, 429, 500, 502, 503, 529] {
            assert_eq!(
                classify(status, &none, ""),
                Decision::Retry(None),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 413, 422] {
            assert_eq!(classify(status, &none, ""), Decision::Fail, "{status}");
        }
        let quota = r#"{"error":{"type":"insufficient_quota","message":"You exceeded your current quota"}}"#;
        assert_eq!(classify(429, &none, quota), Decision::Fail);
        assert_eq!(
            classify(400, &headers(&[("x-should-retry", "true")]), ""),
            Decision::Retry(None)
        );
        assert_eq!(
            classify(503, &headers(&[("x-should-retry", "false")]), ""),
            Decision::Fail
        );
    }

    #[test]
    fn reads_retry_after_in_every_form() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "250")]), now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "2")]), now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "1.5")]), now),
            Some(Duration::from_millis(1500))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &date)]), now),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &past)]), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "-1")]), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let policy = RetryPolicy::default();
        for retry in 0..6 {
            let full = Duration::from_millis(500 * 2_u64.pow(retry)).min(Duration::from_secs(8));
            let wait = policy.backoff(retry);
            assert!(
                wait <= full && wait >= full.mul_f64(0.75),
                "{retry}: {wait:?}"
            );
        }
        assert!(policy.backoff(u32::MAX) <= Duration::from_secs(8));
    }
}
