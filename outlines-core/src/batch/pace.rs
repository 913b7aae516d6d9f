//! A cap on the requests a batch sends per minute: a backend wrapper that spaces every call out.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use futures_util::StreamExt as _;

use crate::backend::{Backend, BackendFuture, BackendStream, Request};

/// Spaces calls `interval` apart (no bursts), in the order they ask.
#[derive(Debug)]
struct Throttle {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Throttle {
    fn per_minute(requests: u32) -> Self {
        Throttle {
            interval: Duration::from_secs(60) / requests.max(1),
            next: Mutex::new(None),
        }
    }

    /// Waits for this call's slot. A call dropped while waiting has still used its slot, so the
    /// rate never goes over.
    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let slot = next.map_or_else(Instant::now, |at| at.max(Instant::now()));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// The batch's view of its backend: the backend itself, with calls spaced out when the batch has a
/// requests-per-minute cap. (The backend's own transport retries are paced by the server's
/// `retry-after` and shared across its requests, see the HTTP backends.)
#[derive(Debug)]
pub(crate) struct Paced<'a, B: ?Sized> {
    backend: &'a B,
    throttle: Option<Throttle>,
}

impl<'a, B: Backend + ?Sized> Paced<'a, B> {
    pub(crate) fn new(backend: &'a B, requests_per_minute: Option<u32>) -> Self {
        Paced {
            backend,
            throttle: requests_per_minute.map(Throttle::per_minute),
        }
    }
}

impl<B: Backend + ?Sized> Backend for Paced<'_, B> {
    fn provider(&self) -> &str {
        self.backend.provider()
    }

    fn model(&self) -> &str {
        self.backend.model()
    }

    fn complete<'b>(&'b self, request: &'b Request) -> BackendFuture<'b> {
        match &self.throttle {
            None => self.backend.complete(request),
            Some(throttle) => Box::pin(async move {
                throttle.wait().await;
                self.backend.complete(request).await
            }),
        }
    }

    fn stream<'b>(&'b self, request: &'b Request) -> BackendStream<'b> {
        match &self.throttle {
            None => self.backend.stream(request),
            Some(throttle) => Box::pin(
                futures_util::stream::once(throttle.wait())
                    .flat_map(move |()| self.backend.stream(request)),
            ),
        }
    }

    fn strict_reading(&self) -> bool {
        self.backend.strict_reading()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn calls_are_spaced_evenly() {
        let throttle = Throttle::per_minute(120); // one every 500 ms
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..4 {
            throttle.wait().await;
            at.push(start.elapsed());
        }
        assert_eq!(at, [0, 500, 1000, 1500].map(Duration::from_millis).to_vec());
    }
}
