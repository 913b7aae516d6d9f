//! A streamed response body as server-sent events, its bytes counted: past [`MAX_BODY_BYTES`] the
//! stream ends in an error, so no event and no line can grow without bound.

use futures_util::{Stream, StreamExt};
use sse_stream::{Sse, SseByteStream};

use super::{Call, MAX_BODY_BYTES};
use crate::backend::{BackendError, Delta};

/// The events of `response`'s body, as they arrive.
pub(crate) fn events(
    call: &Call<'_>,
    response: reqwest::Response,
) -> impl Stream<Item = Result<Sse, BackendError>> + Send + use<> {
    let provider = call.provider.to_owned();
    let url = call.url.to_owned();
    let chunks =
        futures_util::stream::unfold((response, 0usize), |(mut response, read)| async move {
            match response.chunk().await {
                Ok(Some(bytes)) => {
                    let read = read + bytes.len();
                    let item = if read > MAX_BODY_BYTES {
                        Err(Fault::TooLarge)
                    } else {
                        Ok(bytes)
                    };
                    Some((item, (response, read)))
                }
                Ok(None) => None,
                Err(error) => Some((Err(Fault::Broken(error)), (response, read))),
            }
        });
    SseByteStream::new(chunks).map(move |event| {
        event.map_err(|error| match error {
            sse_stream::Error::Body(inner) => match inner.downcast::<Fault>() {
                Ok(fault) if matches!(*fault, Fault::TooLarge) => BackendError::Malformed {
                    provider: provider.clone(),
                    message: format!("the streamed reply grew past {MAX_BODY_BYTES} bytes"),
                    body: String::new(),
                },
                Ok(fault) => BackendError::Transport {
                    provider: provider.clone(),
                    message: format!("the connection to {url} broke while the reply was streaming"),
                    source: match *fault {
                        Fault::Broken(error) => Some(std::sync::Arc::new(error.without_url())),
                        Fault::TooLarge => None,
                    },
                },
                Err(other) => BackendError::Transport {
                    provider: provider.clone(),
                    message: format!(
                        "the connection to {url} broke while the reply was streaming: {other}"
                    ),
                    source: None,
                },
            },
            other => BackendError::Malformed {
                provider: provider.clone(),
                message: format!("the stream is not server-sent events: {other}"),
                body: String::new(),
            },
        })
    })
}

/// Why the body stopped.
#[derive(Debug)]
enum Fault {
    TooLarge,
    Broken(reqwest::Error),
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::TooLarge => write!(f, "the body grew past {MAX_BODY_BYTES} bytes"),
            Fault::Broken(error) => write!(f, "the body broke: {error}"),
        }
    }
}

impl std::error::Error for Fault {}

/// `deltas`, announced by [`Delta::Enveloped`] when the value is wrapped (`{"value": …}`), so that a
/// reader of the text knows where the value is.
pub(crate) fn enveloped<S>(
    wrapped: bool,
    deltas: S,
) -> impl Stream<Item = Result<Delta, BackendError>>
where
    S: Stream<Item = Result<Delta, BackendError>>,
{
    let first = wrapped.then(|| {
        Ok(Delta::Enveloped(
            crate::backend::transform::WRAPPER_KEY.to_owned(),
        ))
    });
    futures_util::stream::iter(first).chain(deltas)
}

/// The deltas of a stream that must first be opened (`start`: the request sent, its status
/// read): an error opening it is the stream's only item, and no error carries the API key.
pub(crate) fn opened<'a, S>(
    start: impl std::future::Future<Output = Result<S, BackendError>> + Send + 'a,
    key: Option<&'a crate::backend::ApiKey>,
) -> crate::backend::BackendStream<'a>
where
    S: Stream<Item = Result<Delta, BackendError>> + Send + 'a,
{
    Box::pin(
        futures_util::stream::once(start)
            .map(|opened| match opened {
                Ok(deltas) => deltas.left_stream(),
                Err(error) => futures_util::stream::once(async move { Err(error) }).right_stream(),
            })
            .flatten()
            .map(move |item| item.map_err(|e| e.without_key(key))),
    )
}
