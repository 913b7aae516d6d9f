//! What the HTTP backends share: sending a request with transport retries, reading a bounded body,
//! and turning a provider's error body into a [`BackendError`].
//!
//! The retry *decision* ([`classify`]) is separate from the retry *mechanics* (`send`), and each
//! retry rebuilds the request rather than cloning a sent one. The policy follows the official OpenAI
//! and Anthropic SDKs: obey `x-should-retry`; else retry 408, 409, 429 (but not `insufficient_quota`),
//! 5xx and Anthropic's 529; wait what `retry-after-ms` or `retry-after` says (seconds or an HTTP date)
//! when it is at most a minute, else back off exponentially with jitter.

use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::{ApiKey, BackendError};

/// How long a connection may take to open, with the default client.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one HTTP request may take in all, with the default client (the official SDKs' default).
/// The generation loop's `attempt_timeout` and `deadline` bound it further.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(600);

/// The HTTP client the backends use unless given their own: rustls, [`CONNECT_TIMEOUT`],
/// [`REQUEST_TIMEOUT`], and no redirects — a redirect to another host would carry the API key
/// along (reqwest keeps custom headers such as `x-api-key` across hosts). Built once and shared, so
/// every backend reuses its connections.
pub(crate) fn default_client() -> Result<reqwest::Client, BackendError> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(REQUEST_TIMEOUT)
                .user_agent(concat!("outlines/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| BackendError::Config(format!("the HTTP client could not be built: {e}")))
}

/// The client a backend was given, or the [`default_client`].
pub(crate) fn client(own: Option<&reqwest::Client>) -> Result<reqwest::Client, BackendError> {
    own.cloned().map_or_else(default_client, Ok)
}

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

/// Whether a response with `status` is worth retrying; `code` is the provider's error code or type.
pub fn classify(status: u16, headers: &HeaderMap, code: Option<&str>) -> Decision {
    match headers.get("x-should-retry").and_then(|v| v.to_str().ok()) {
        Some("true") => return Decision::Retry(retry_after(headers, SystemTime::now())),
        Some("false") => return Decision::Fail,
        _ => {}
    }
    let retryable = match status {
        408 | 409 | 500..=599 => true,
        // An exhausted quota will not come back by waiting.
        429 => code != Some("insufficient_quota"),
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
    // Like the SDKs: only a positive wait counts; anything else falls through.
    let positive = |seconds: f64| {
        Duration::try_from_secs_f64(seconds)
            .ok()
            .filter(|d| !d.is_zero())
    };
    if let Some(wait) = header("retry-after-ms")
        .and_then(|v| v.parse::<f64>().ok())
        .and_then(|ms| positive(ms / 1000.0))
    {
        return Some(wait);
    }
    let value = header("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return positive(seconds);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    at.duration_since(now).ok().filter(|d| !d.is_zero())
}

/// The most of a reply body read; larger bodies are an error rather than a memory hazard.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// A provider's error body made readable: its error code (or type) and message.
pub type ErrorReader = fn(&str) -> (Option<String>, Option<String>);

/// The pause every request of one backend honours: when a server asks one request to wait (a 429,
/// or any `retry-after`), the backend's other requests — a whole batch — wait too, instead of each
/// finding the limit for itself. Clones of a backend share it.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    resume_at: Mutex<Option<Instant>>,
}

impl Pacer {
    /// Waits until no pause is in force.
    pub(crate) async fn ready(&self) {
        loop {
            let resume_at = *self
                .resume_at
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match resume_at {
                Some(at) if at > Instant::now() => tokio::time::sleep_until(at).await,
                _ => return,
            }
        }
    }

    /// Pauses every request for `wait` from now (a pause already longer stands).
    fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut resume_at = self
            .resume_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if resume_at.is_none_or(|at| at < until) {
            *resume_at = Some(until);
        }
    }
}

/// The most of an error reply's body read: enough for the provider's message.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// What [`send`] needs besides the request itself.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Call<'a> {
    /// The provider, for errors and telemetry.
    pub(crate) provider: &'a str,
    /// How transport faults are retried.
    pub(crate) policy: &'a RetryPolicy,
    /// The backend's shared pause.
    pub(crate) pacer: &'a Pacer,
    /// The key sent, masked out of every error and log line in case a server echoes it back.
    pub(crate) key: Option<&'a ApiKey>,
    /// The time the call may take (the request's `time_limit`): a retry whose wait would run past it
    /// is not made, and the error in hand is returned instead.
    pub(crate) time_limit: Option<Duration>,
    /// Pulls the provider's code and message out of an error body.
    pub(crate) read_error: ErrorReader,
}

/// Sends the request `build` makes, retrying transport faults per the call's policy, and returns the
/// body of the first successful response.
pub(crate) async fn send(
    call: Call<'_>,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<String, BackendError> {
    let give_up_at = call.time_limit.map(|limit| Instant::now() + limit);
    let mut retry = 0;
    loop {
        call.pacer.ready().await;
        let (decision, error) = match attempt(&call, build()).await {
            Ok(body) => return Ok(body),
            Err((decision, error)) => (decision, error.without_key(call.key)),
        };
        let Decision::Retry(wait) = decision else {
            return Err(error);
        };
        if retry >= call.policy.max_retries {
            return Err(error);
        }
        // A server's wait, or a rate limit, holds back the backend's other requests as well.
        let shared = wait.is_some() || error.status() == Some(429);
        let wait = wait
            .filter(|w| *w <= call.policy.max_retry_after)
            .unwrap_or_else(|| call.policy.backoff(retry));
        if shared {
            call.pacer.pause(wait);
        }
        if give_up_at.is_some_and(|at| Instant::now() + wait >= at) {
            return Err(error);
        }
        tracing::debug!(
            target: "outlines::backend",
            provider = call.provider,
            retry = retry + 1,
            wait_ms = wait.as_millis() as u64,
            error = %error,
            "retrying after a transport fault"
        );
        tokio::time::sleep(wait).await;
        retry += 1;
    }
}

/// One try: the body, or what went wrong and whether to retry.
async fn attempt(
    call: &Call<'_>,
    request: reqwest::RequestBuilder,
) -> Result<String, (Decision, BackendError)> {
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
            read_body(provider, response)
                .await
                .map_err(|error| match error {
                    // A connection broken mid-body is as transient as a failed connect; a body too
                    // large or not text will not improve.
                    BackendError::Transport { .. } => (Decision::Retry(None), error),
                    error => (Decision::Fail, error),
                })
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
        Err(error) => Err((Decision::Retry(None), transport_error(provider, &error))),
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
    (decision, error)
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
    let message = format!("{kind}{}", causes(error));
    BackendError::Transport {
        provider: provider.to_owned(),
        message,
        source: None,
    }
}

/// The chain of an error's sources, each after ": " (the top-level text repeats the URL; its sources
/// say what happened).
fn causes(error: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
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
                classify(status, &none, None),
                Decision::Retry(None),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 413, 422] {
            assert_eq!(classify(status, &none, None), Decision::Fail, "{status}");
        }
        assert_eq!(
            classify(429, &none, Some("insufficient_quota")),
            Decision::Fail
        );
        assert_eq!(
            classify(429, &none, Some("rate_limit_exceeded")),
            Decision::Retry(None)
        );
        assert_eq!(
            classify(400, &headers(&[("x-should-retry", "true")]), None),
            Decision::Retry(None)
        );
        assert_eq!(
            classify(503, &headers(&[("x-should-retry", "false")]), None),
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
        // Only a positive wait counts; otherwise the backoff applies.
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(retry_after(&headers(&[("retry-after", &past)]), now), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "0")]), now), None);
        // A nonsensical retry-after-ms falls back to retry-after.
        assert_eq!(
            retry_after(
                &headers(&[("retry-after-ms", "-5"), ("retry-after", "3")]),
                now
            ),
            Some(Duration::from_secs(3))
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
