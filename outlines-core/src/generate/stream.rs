//! Streaming: the same loop, with each attempt's reply read as it arrives.
//!
//! [`Generation::stream`] yields the typed partial value as the reply grows ([`Update::Partial`]),
//! each attempt that ends without a value ([`Update::Retry`]: the next attempt's partials start
//! over), then the final value, read and validated exactly as [`Generation::report`] reads it, or
//! the generation's error. While the reply streams, a [`Guard`] follows it down the output's JSON
//! Schema (compiled once per output, [`Output::plan`]); once it has written something no
//! continuation can make valid, the request is dropped and the loop goes to the repair turn at once
//! (the attempt's outcome is `aborted`). For a derived type, a reply that was exactly one strict
//! JSON value is not read again at the end: its value is built from the tree the stream already
//! holds ([`Output::read_streamed`]), which gives what reading its text gives; any other reply
//! (prose or a fence around it, a slip to fix, a value that fails its rules, a reply cut by the
//! token limit) is read from its text.
//!
//! Partials are built only when the consumer has taken the last one and the value has changed
//! since (a piece that wrote only a key or punctuation gives none): after each piece the stream
//! had to wait for (pieces at a network's pace, where building one costs nothing next to the
//! wait), and in a burst of pieces already there, after each piece while the reply is short
//! (64 bytes), then each time it has grown by a quarter. A slow consumer sees fewer, fresher
//! partials, and in a burst building them costs a bounded multiple of the reply (the sizes form
//! a geometric series).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::stream::BoxStream;
use futures_util::{FutureExt as _, StreamExt};
use tokio::sync::mpsc;
use tracing::Instrument as _;

use super::{Attempt, Error, Generation, Report, Run};
use crate::backend::{Backend, BackendError, Delta, Finish, Request, Response, Usage};
use crate::diagnostics::Violation;
use crate::lenient::guard::{Guard, Plan};
use crate::lenient::incremental::{Blind, Incremental, Progress};
use crate::output::{Output, ReplyKind};
use crate::partial::{NodeRef, Tree};
use crate::structured::{Partial, Structured};

/// One step of a streamed generation.
#[non_exhaustive]
pub enum Update<T: Structured> {
    /// What attempt `attempt`'s reply has written so far.
    Partial {
        /// The attempt (from 1).
        attempt: usize,
        /// The partial value.
        value: Partial<T>,
    },
    /// An attempt ended without a value (invalid, aborted early, timed out); a new attempt follows
    /// and its partials start from nothing.
    Retry(Attempt),
    /// The value, validated, with how the generation went.
    Done(Report<T>),
}

impl<T: Structured> std::fmt::Debug for Update<T>
where
    Partial<T>: std::fmt::Debug,
    T: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Update::Partial { attempt, value } => f
                .debug_struct("Partial")
                .field("attempt", attempt)
                .field("value", value)
                .finish(),
            Update::Retry(attempt) => f.debug_tuple("Retry").field(attempt).finish(),
            Update::Done(report) => f.debug_tuple("Done").field(&report.value).finish(),
        }
    }
}

/// How a streamed attempt ended.
pub(super) enum Got<T> {
    /// The whole reply, and its value when the stream already read it exactly
    /// ([`Output::read_streamed`]).
    Reply(Response, Option<T>),
    /// Stopped early: the text so far, why it can no longer be valid, and the tokens the
    /// provider counted before.
    Aborted {
        text: String,
        error: Violation,
        usage: Usage,
    },
    /// The stream broke after some text (a dropped connection, an error event).
    Broken {
        text: String,
        error: BackendError,
        usage: Usage,
    },
}

/// What the loop tells the stream while an attempt runs.
pub(super) trait Watcher: Send + Sync {
    /// Whether a partial is wanted now (the consumer took the last one).
    fn wants(&self) -> bool;
    /// The reply's value so far, for attempt `attempt`.
    fn partial(&self, attempt: usize, value: NodeRef<'_>);
    /// An attempt ended without a value.
    fn retry(&self, attempt: &Attempt);
}

struct Live<T: Structured> {
    tx: mpsc::UnboundedSender<Result<Update<T>, Error>>,
    /// The consumer took the last partial.
    taken: Arc<AtomicBool>,
}

impl<T: Structured + Send> Watcher for Live<T>
where
    Partial<T>: Send,
{
    fn wants(&self) -> bool {
        self.taken.load(Ordering::Acquire)
    }

    fn partial(&self, attempt: usize, value: NodeRef<'_>) {
        let Some(value) = T::partial(value) else {
            return;
        };
        self.taken.store(false, Ordering::Release);
        let _ = self.tx.send(Ok(Update::Partial { attempt, value }));
    }

    fn retry(&self, attempt: &Attempt) {
        let _ = self.tx.send(Ok(Update::Retry(attempt.clone())));
    }
}

impl<T: Structured + Send> Generation<T>
where
    Partial<T>: Send,
{
    /// Runs the generation streaming: the partial value as each attempt's reply arrives, then the
    /// value (or the error, as the last item). Replies that can no longer be valid are stopped early
    /// and repaired. On a backend that cannot stream, each attempt gives its value at the end.
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use outlines_core::backend::mock::Mock;
    /// use outlines_core::generate::Update;
    /// use outlines_core::Generate;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let backend = Mock::new().reply(r#"["a", "b"]"#);
    /// let mut updates = Vec::<String>::generation("Two letters.").stream(&backend);
    /// while let Some(update) = updates.next().await {
    ///     match update.unwrap() {
    ///         Update::Partial { value, .. } => println!("so far: {value:?}"),
    ///         Update::Done(report) => assert_eq!(report.value, ["a", "b"]),
    ///         _ => {}
    ///     }
    /// }
    /// # });
    /// ```
    pub fn stream<'a, B: Backend + ?Sized>(
        self,
        backend: &'a B,
    ) -> BoxStream<'a, Result<Update<T>, Error>> {
        self.stream_on(backend)
    }

    /// [`stream`](Self::stream) on a backend the stream owns (an `Arc<dyn Backend>`, say), so that
    /// the stream can outlive the caller: a server's response body.
    pub fn stream_owned<B: Backend + 'static>(
        self,
        backend: B,
    ) -> BoxStream<'static, Result<Update<T>, Error>> {
        self.stream_on(backend)
    }

    fn stream_on<'a, B: Backend + 'a>(self, backend: B) -> BoxStream<'a, Result<Update<T>, Error>> {
        let (tx, rx) = mpsc::unbounded_channel();
        let taken = Arc::new(AtomicBool::new(true));
        let live = Live {
            tx: tx.clone(),
            taken: taken.clone(),
        };
        let span = self.span(&backend);
        let driver = async move {
            let result = Run::<T>::new(self).go(&backend, Some(&live)).await;
            let _ = tx.send(result.map(Update::Done));
        }
        .instrument(span);
        let updates = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|update| (update, rx))
        })
        .map(move |update| {
            if let Ok(Update::Partial { .. }) = update {
                taken.store(true, Ordering::Release);
            }
            Some(update)
        });
        // The driver yields nothing: every update goes through the channel, in order.
        futures_util::stream::select(updates, driver.into_stream().map(|()| None))
            .filter_map(futures_util::future::ready)
            .boxed()
    }
}

/// One attempt, streamed: the reply read as it arrives, partials offered to `watcher`, and the
/// request dropped once `plan`'s guard finds the reply can no longer be valid.
pub(super) async fn attempt<B: Backend + ?Sized, T: Send + 'static>(
    backend: &B,
    request: &Request,
    number: usize,
    watcher: &dyn Watcher,
    output: &dyn Output<Value = T>,
    plan: Option<&Plan>,
) -> Result<Got<T>, BackendError> {
    let kind = output.reply_kind();
    let mut deltas = backend.stream(request);
    let mut reader = Incremental::new();
    let mut guard = plan.map(Guard::new);
    let mut text = String::new();
    let mut envelope: Option<String> = None;
    let (mut shown, mut shown_changes) = (0, 0);
    // What the provider has counted, if it says before the end.
    let mut usage = Usage::default();
    loop {
        // Whether this delta came after a wait (a network's pace).
        let mut after_wait = false;
        let next = std::future::poll_fn(|cx| {
            let polled = deltas.poll_next_unpin(cx);
            after_wait |= polled.is_pending();
            polled
        });
        let Some(delta) = next.await else { break };
        let delta = match delta {
            Ok(delta) => delta,
            Err(error) if !text.is_empty() => return Ok(Got::Broken { text, error, usage }),
            Err(error) => return Err(error),
        };
        match delta {
            Delta::Text(piece) => {
                text.push_str(&piece);
                let progress = match (kind, guard.as_mut()) {
                    (ReplyKind::Text, _) => &Progress::Reading,
                    (_, Some(guard)) => reader.feed(&piece, guard),
                    (_, None) => reader.feed(&piece, &mut Blind),
                };
                if let Progress::Stopped(error) = progress {
                    return Ok(Got::Aborted {
                        error: error.clone(),
                        text,
                        usage,
                    });
                }
                // A partial only when the value changed since the last one (not for a piece that
                // wrote only a key or punctuation).
                let read = text.len();
                let changes = match kind {
                    ReplyKind::Text => read,
                    _ => reader.changes(),
                };
                // Pieces that came after a wait (a network's pace) each give one; in a burst of
                // pieces already there, each quarter the reply grows does.
                let paced = after_wait || read <= 64 || (read - shown) * 4 >= read;
                if watcher.wants() && paced && changes != shown_changes {
                    shown = read;
                    shown_changes = changes;
                    let single;
                    let root = match kind {
                        ReplyKind::Text => {
                            single = Tree::text(&text);
                            single.root()
                        }
                        _ => reader.tree().root(),
                    };
                    let value = match &envelope {
                        Some(key) => root.and_then(|r| r.get(key)),
                        None => root,
                    };
                    if let Some(value) = value {
                        watcher.partial(number, value);
                    }
                }
            }
            Delta::Usage(counted) => usage = counted,
            Delta::Enveloped(key) => {
                guard = guard.map(|g| g.enveloped(key.clone()));
                envelope = Some(key);
            }
            Delta::Done(response) => {
                // A reply that was exactly the value the stream read is not read again (one cut
                // by the token limit is: a number at its end may be cut short).
                let exact = kind == ReplyKind::Json
                    && envelope.is_none()
                    && response.finish != Finish::Length
                    && response.text == text
                    && reader.exact(&text);
                let value = exact
                    .then(|| reader.tree().root().and_then(|v| output.read_streamed(v)))
                    .flatten();
                return Ok(Got::Reply(response, value));
            }
        }
    }
    let error = BackendError::Transport {
        provider: backend.provider().to_owned(),
        message: "the reply's stream ended before the reply was whole".into(),
        source: None,
    };
    if text.is_empty() {
        Err(error)
    } else {
        Ok(Got::Broken { text, error, usage })
    }
}
