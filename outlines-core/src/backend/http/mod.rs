//! What the HTTP backends share: their configuration (the base URL, key, retries and client, with
//! the setters every builder has, written once), sending a request with transport retries
//! ([`RetryPolicy`], the one thing here a user configures), reading a bounded body, and describing
//! what went wrong.
//!
//! The retry *decision* (`retry::classify`) is separate from the retry *mechanics*
//! (`retry::retrying`) and from the transport (`transport`); each retry rebuilds the request rather
//! than cloning a sent one.

mod lenient;
mod retry;
pub(crate) mod sse;
mod transport;

use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::{ApiKey, BackendError};

pub(crate) use lenient::Lenient;
#[cfg(feature = "openai")]
pub(crate) use lenient::Text;
pub use retry::RetryPolicy;

/// How long a connection may take to open, with the default client.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one HTTP request may take in all, with the default client (the official SDKs' default).
/// The generation loop's `attempt_timeout` and `deadline` bound it further.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(600);

/// The most of a reply body read; larger bodies are an error rather than a memory hazard.
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The HTTP client the backends use unless given their own: rustls, [`CONNECT_TIMEOUT`],
/// [`REQUEST_TIMEOUT`], and no redirects — a redirect to another host would carry the API key
/// along (reqwest keeps custom headers such as `x-api-key` across hosts). Built once and shared, so
/// every backend reuses its connections.
fn default_client() -> Result<reqwest::Client, BackendError> {
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

/// The configuration every HTTP backend has; the builders' shared setters ([`http_setters!`]) write
/// it. Clones share the [`Pacer`].
#[derive(Clone, Debug)]
pub(crate) struct HttpConfig {
    /// As the user gave it; each backend makes its endpoint from it.
    pub(crate) base_url: String,
    /// `Debug` prints it as `ApiKey(***)`.
    pub(crate) api_key: Option<ApiKey>,
    pub(crate) retry: RetryPolicy,
    /// `None`: the shared default client.
    pub(crate) client: Option<reqwest::Client>,
    /// Shared by clones: a rate limit met by one request holds back the others.
    pub(crate) pacer: Arc<Pacer>,
}

impl HttpConfig {
    pub(crate) fn new(base_url: &str) -> Self {
        HttpConfig {
            base_url: base_url.to_owned(),
            api_key: None,
            retry: RetryPolicy::default(),
            client: None,
            pacer: Arc::default(),
        }
    }

    /// The client to send with: the backend's own, or the shared default one.
    pub(crate) fn client(&self) -> Result<reqwest::Client, BackendError> {
        self.client.clone().map_or_else(default_client, Ok)
    }

    /// What [`send`] needs for one request of `provider` to `url`.
    pub(crate) fn call<'a>(
        &'a self,
        provider: &'a str,
        url: &'a str,
        time_limit: Option<Duration>,
        read_error: ErrorReader,
    ) -> Call<'a> {
        Call {
            provider,
            policy: &self.retry,
            pacer: &self.pacer,
            key: self.api_key.as_ref(),
            time_limit,
            url,
            timeouts: self
                .client
                .is_none()
                .then_some((CONNECT_TIMEOUT, REQUEST_TIMEOUT)),
            read_error,
        }
    }
}

/// The setters every HTTP backend's builder has, written once: `base_url`, `api_key`,
/// `retry_policy`, `http_client`. The backend keeps an [`HttpConfig`] in its `http` field.
macro_rules! http_setters {
    ($backend:ident, key = $key:literal, base_url = $base_url:literal $(,)?) => {
        impl $backend {
            #[doc = $base_url]
            pub fn base_url(mut self, url: impl Into<String>) -> Self {
                self.http.base_url = url.into();
                self
            }

            #[doc = concat!("The API key, sent as `", $key, "`. Without one none is sent (local")]
            /// servers, gateways that authenticate otherwise). `Debug` never shows it, and it is
            /// masked out of errors and logs in case a server echoes it back.
            pub fn api_key(mut self, key: impl Into<$crate::backend::ApiKey>) -> Self {
                self.http.api_key = Some(key.into());
                self
            }

            /// How transport faults are retried (default: the official SDKs' policy, with rate
            /// limits waited out within the request's time limit): see
            /// [`RetryPolicy`]($crate::backend::http::RetryPolicy).
            pub fn retry_policy(mut self, policy: $crate::backend::http::RetryPolicy) -> Self {
                self.http.retry = policy;
                self
            }

            /// The HTTP client (for proxies, TLS settings or timeouts of your own), instead of the
            /// shared default one (rustls, 10 s to connect, 600 s per request, no redirects). Its
            /// redirect policy applies: reqwest's default follows redirects and keeps custom
            /// headers such as `x-api-key` across hosts, so build it with
            /// `.redirect(reqwest::redirect::Policy::none())` unless you trust every hop.
            pub fn http_client(mut self, client: reqwest::Client) -> Self {
                self.http.client = Some(client);
                self
            }
        }
    };
}
pub(crate) use http_setters;

/// `url` as errors and `Display` show it: without user name, password, query or fragment, which may
/// carry secrets.
pub(crate) fn public_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    url.into()
}

/// A provider's error body made readable: its error code (or type) and message.
pub(crate) type ErrorReader = fn(&str) -> (Option<String>, Option<String>);

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
    /// Where the request goes, as errors show it ([`public_url`]).
    pub(crate) url: &'a str,
    /// The client's connect and request timeouts, when known (the default client's).
    pub(crate) timeouts: Option<(Duration, Duration)>,
    /// Pulls the provider's code and message out of an error body.
    pub(crate) read_error: ErrorReader,
}

/// Sends the request `build` makes, retrying transport faults per the call's policy, and returns the
/// body of the first successful response.
pub(crate) async fn send(
    call: Call<'_>,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<String, BackendError> {
    retry::retrying(&call, || transport::attempt(&call, build())).await
}

/// Sends the request `build` makes, retrying transport faults per the call's policy until a
/// response's status is a success, and returns that response with its body unread: a stream's
/// body is read as it arrives, and a fault after that is not retried here (the text already
/// yielded cannot be taken back).
pub(crate) async fn open(
    call: Call<'_>,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<reqwest::Response, BackendError> {
    retry::retrying(&call, || transport::open(&call, build())).await
}

/// The start of a body, for [`BackendError::Malformed`].
pub(crate) fn body_excerpt(body: &str) -> String {
    crate::text::shorten_str(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_carry_no_secrets() {
        let url =
            reqwest::Url::parse("https://user:pw@gw.example:8443/v1/chat?key=sk-1#frag").unwrap();
        assert_eq!(public_url(&url), "https://gw.example:8443/v1/chat");
    }
}
