//! Streaming, first step: every backend streams. One that cannot stream yet answers with the
//! whole reply as its only item, and wrappers (`&B`, `Box`, `Arc`, `StrictReading`) forward the
//! backend's own stream.

use std::sync::Arc;

use futures_util::StreamExt;
use outlines::backend::mock::Mock;
use outlines::backend::{Backend, Delta, Request, Response, StrictReading};

fn request() -> Request {
    Request::new(
        "system",
        vec![outlines::backend::Message::user("Go.")],
        outlines::backend::Constraint::Text,
    )
}

#[tokio::test]
async fn a_backend_that_cannot_stream_answers_with_the_whole_reply() {
    let mock = Mock::new().respond(Response::text("hello").with_usage(3, 1));
    let items: Vec<_> = mock.stream(&request()).collect().await;
    assert_eq!(items.len(), 1);
    match &items[0] {
        Ok(Delta::Done(response)) => {
            assert_eq!(response.text, "hello");
            assert_eq!(response.usage.output_tokens, 1);
        }
        other => panic!("expected the whole reply, got {other:?}"),
    }
    // An error is the stream's only item.
    let failing = Mock::always_fail(outlines::BackendError::Config("no key".into()));
    let items: Vec<_> = failing.stream(&request()).collect().await;
    assert!(matches!(items.as_slice(), [Err(_)]));
}

#[tokio::test]
async fn wrappers_forward_the_stream() {
    let wrapped: Vec<Box<dyn Backend>> = vec![
        Box::new(Arc::new(Mock::always("a"))),
        Box::new(StrictReading(Mock::always("b"))),
    ];
    for (backend, text) in wrapped.iter().zip(["a", "b"]) {
        let request = request();
        let items: Vec<_> = backend.stream(&request).collect().await;
        assert!(
            matches!(items.as_slice(), [Ok(Delta::Done(r))] if r.text == text),
            "{items:?}"
        );
    }
}
