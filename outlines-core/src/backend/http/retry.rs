//! Transport retries: the *decision* ([`classify`], [`retry_after`]) apart from the *mechanics*
//! ([`retrying`]), which in turn know nothing of HTTP clients: they drive any attempt function, so
//! their waits are tested on a paused clock with canned failures.

use std::future::Future;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::Call;
use crate::backend::BackendError;

/// How transport faults are retried within one request.
///
/// Two kinds of fault, two budgets:
///
/// - **Rate limits** (a 429, except OpenAI's `insufficient_quota`) are expected, above all in a
///   batch, and are waited out: for the server's `retry-after-ms` / `retry-after` when it gives one
///   (at most [`max_retry_after`](Self::max_retry_after)), else the backoff. They are bounded by
///   *time*, not by count: a retry is made while its wait ends within the request's time limit
///   ([`Request::time_limit`](crate::backend::Request::time_limit), which the generation loop sets
///   from `attempt_timeout` and `deadline`) and within [`max_rate_limit_wait`](Self::max_rate_limit_wait)
///   of the request's start. A wait past either is not slept through: the 429 is returned at once.
/// - **Server faults** (408, 409, 5xx, Anthropic's 529, a connection that fails or breaks
///   mid-reply, or any status the server marks `x-should-retry: true`) are bounded by *count*:
///   [`max_retries`](Self::max_retries) retries, each after the server's wait or the backoff, and
///   never past the request's time limit either.
///
/// The backoff is `initial_backoff · 2ⁿ` capped at `max_backoff`, less up to a quarter at random.
/// The defaults follow the official OpenAI and Anthropic SDKs (2 retries, 0.5 s doubling to 8 s,
/// `retry-after` obeyed up to 60 s), with rate limits waited out for up to 2 minutes.
///
/// ```
/// use std::time::Duration;
/// use outlines_core::backend::http::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .with_max_retries(5)
///     .with_max_rate_limit_wait(Duration::from_secs(600));
/// assert_eq!(patient.max_retries, 5);
/// assert_eq!(RetryPolicy::none().max_rate_limit_wait, Duration::ZERO);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries of server faults after the first try (the SDKs' default is 2). Rate limits do not
    /// count against it.
    pub max_retries: u32,
    /// The first backoff; each retry doubles it.
    pub initial_backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// The longest wait a server's `retry-after` is obeyed for; longer ones fall back to backoff.
    pub max_retry_after: Duration,
    /// How long after a request started a rate-limit retry may still end its wait (the request's
    /// time limit bounds it too). Zero: rate limits are not retried.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            max_rate_limit_wait: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all: neither server faults nor rate limits.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            max_rate_limit_wait: Duration::ZERO,
            ..RetryPolicy::default()
        }
    }

    /// The same policy with `max_retries` retries of server faults.
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// The same policy with this first backoff (doubling up to `max`).
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// The same policy, waiting out rate limits until `wait` after the request started.
    pub fn with_max_rate_limit_wait(mut self, wait: Duration) -> Self {
        self.max_rate_limit_wait = wait;
        self
    }

    /// The backoff before retry number `retry` (0-based): `initial · 2^retry`, capped, minus up to a
    /// quarter at random so that many clients do not retry in step.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 2_u32.saturating_pow(retry.min(16));
        let full = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        full.mul_f64(1.0 - 0.25 * fastrand::f64())
    }
}

/// What to do about a failed try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Retry, after the server's wait if it gave one.
    Retry(Option<Duration>),
    /// Give up: the request itself is wrong (or the server says so).
    Fail,
}

/// Whether a response with `status` is worth retrying; `code` is the provider's error code or type.
pub(crate) fn classify(status: u16, headers: &HeaderMap, code: Option<&str>) -> Decision {
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
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
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

/// Runs `attempt` until it succeeds or the policy says stop, waiting between tries as
/// [`RetryPolicy`] describes; returns what it gave (a body, or a response whose body is still to
/// be read), or the last error (the key masked out).
pub(crate) async fn retrying<T, F, Fut>(call: &Call<'_>, mut attempt: F) -> Result<T, BackendError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, (Decision, BackendError)>>,
{
    let policy = call.policy;
    let started = Instant::now();
    let give_up_at = call.time_limit.map(|limit| started + limit);
    let rate_limits_until = started + policy.max_rate_limit_wait;
    let (mut faults, mut rate_limits) = (0, 0);
    loop {
        call.pacer.ready().await;
        let (decision, error) = match attempt().await {
            Ok(body) => return Ok(body),
            Err((decision, error)) => (decision, error.without_key(call.key)),
        };
        let Decision::Retry(asked) = decision else {
            return Err(error);
        };
        let rate_limited = error.status() == Some(429);
        let tries = if rate_limited { rate_limits } else { faults };
        let wait = asked
            .filter(|w| *w <= policy.max_retry_after)
            .unwrap_or_else(|| policy.backoff(tries));
        let resume_at = Instant::now() + wait;
        let within_budget = if rate_limited {
            resume_at <= rate_limits_until
        } else {
            faults < policy.max_retries
        };
        if !within_budget {
            return Err(error);
        }
        // A server's wait, or a rate limit, holds back the backend's other requests as well.
        if asked.is_some() || rate_limited {
            call.pacer.pause(wait);
        }
        if give_up_at.is_some_and(|at| resume_at >= at) {
            return Err(error);
        }
        tracing::debug!(
            target: "outlines::backend",
            provider = call.provider,
            retry = faults + rate_limits + 1,
            rate_limited,
            wait_ms = wait.as_millis() as u64,
            error = %error,
            "retrying after a transport fault"
        );
        tokio::time::sleep(wait).await;
        if rate_limited {
            rate_limits += 1;
        } else {
            faults += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use reqwest::header::{HeaderMap, HeaderValue};

    use super::*;
    use crate::backend::http::Pacer;

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

    /// A canned try: `Ok` a body, or a status error with the server's wait.
    type Canned = Result<&'static str, (u16, Option<Duration>)>;

    /// Runs the retry loop over `script` (then successes); the result, how many tries were made
    /// and how long it took on the paused clock.
    async fn run(
        policy: RetryPolicy,
        time_limit: Option<Duration>,
        script: &[Canned],
    ) -> (Result<String, BackendError>, usize, Duration) {
        let script = Mutex::new(script.iter().copied().collect::<VecDeque<_>>());
        let tries = Mutex::new(0);
        let pacer = Pacer::default();
        let call = Call {
            provider: "test",
            policy: &policy,
            pacer: &pacer,
            key: None,
            time_limit,
            url: "http://127.0.0.1/v1",
            timeouts: None,
            read_error: |_| (None, None),
        };
        let started = Instant::now();
        let result = retrying(&call, || {
            *tries.lock().unwrap() += 1;
            let next = script.lock().unwrap().pop_front().unwrap_or(Ok("{}"));
            async move {
                match next {
                    Ok(body) => Ok(body.to_owned()),
                    Err((status, wait)) => {
                        let error = BackendError::Status {
                            provider: "test".into(),
                            status,
                            code: None,
                            message: format!("status {status}"),
                        };
                        Err((Decision::Retry(wait), error))
                    }
                }
            }
        })
        .await;
        let tries = *tries.lock().unwrap();
        (result, tries, started.elapsed())
    }

    fn ms(n: u64) -> Option<Duration> {
        Some(Duration::from_millis(n))
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limits_are_waited_out_beyond_the_retry_count() {
        // Six 429s, far beyond the 2 retries a server fault gets, then a reply.
        let script = [Err((429, ms(1))), Err((429, None)), Err((429, ms(300)))].repeat(2);
        let (result, tries, took) = run(RetryPolicy::default(), None, &script).await;
        assert_eq!(result.unwrap(), "{}");
        assert_eq!(tries, 7);
        // The server's waits, and the backoff where it gave none (at least three quarters of 1 s
        // and of 8 s).
        assert!(
            took >= Duration::from_millis(2 * 301 + 750 + 6000),
            "{took:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn server_faults_are_bounded_by_count() {
        let script = [Err((503, ms(1))); 5];
        let (result, tries, _) = run(RetryPolicy::default(), None, &script).await;
        assert_eq!(result.unwrap_err().status(), Some(503));
        assert_eq!(tries, 3);
        // Rate limits in between do not use up the count.
        let script = [
            Err((503, ms(1))),
            Err((429, ms(1))),
            Err((429, ms(1))),
            Err((503, ms(1))),
            Err((429, ms(1))),
        ];
        let (result, tries, _) = run(RetryPolicy::default(), None, &script).await;
        assert_eq!(result.unwrap(), "{}");
        assert_eq!(tries, 6);
    }

    #[tokio::test(start_paused = true)]
    async fn a_rate_limit_wait_past_the_time_limit_is_not_slept() {
        let script = [Err((429, Some(Duration::from_secs(30))))];
        let limit = Some(Duration::from_secs(5));
        let (result, tries, took) = run(RetryPolicy::default(), limit, &script).await;
        assert_eq!(result.unwrap_err().status(), Some(429));
        assert_eq!((tries, took), (1, Duration::ZERO));
        // Within the limit, the same wait is obeyed.
        let limit = Some(Duration::from_secs(40));
        let (result, tries, took) = run(RetryPolicy::default(), limit, &script).await;
        assert_eq!(result.unwrap(), "{}");
        assert_eq!((tries, took), (2, Duration::from_secs(30)));
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limits_stop_at_the_policys_wait_without_a_time_limit() {
        // A server that rate-limits forever, asking for 50 s each time: retries at 50 s and 100 s
        // end within the default 120 s, the next would not.
        let script = [Err((429, Some(Duration::from_secs(50)))); 10];
        let (result, tries, took) = run(RetryPolicy::default(), None, &script).await;
        assert_eq!(result.unwrap_err().status(), Some(429));
        assert_eq!((tries, took), (3, Duration::from_secs(100)));
        let (result, tries, _) = run(RetryPolicy::none(), None, &script).await;
        assert_eq!(result.unwrap_err().status(), Some(429));
        assert_eq!(tries, 1);
    }
}
