//! Batch generation: every task answered exactly once, in input order or as finished; concurrency
//! never over the cap (measured in the backend); failures, timeouts and panics kept to their task;
//! the batch deadline; cancellation on drop; progress; requests per minute; streamed input.
//!
//! Most tests run against `Counting`, a backend whose latency depends on the prompt and which
//! measures its own concurrency, on tokio's paused clock (sleeps take no real time).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use outlines::Structured;
use outlines::backend::{Backend, BackendError, BackendFuture, Request, Response};
use outlines::batch::{Batch, Progress};
use outlines::generate::{Cause, Generation};
use tokio::time::Instant;

/// The model's answer: the number in the prompt.
#[derive(Debug, PartialEq, Structured)]
struct Echo {
    n: u32,
}

/// The same, with a rule that has a bug.
#[derive(Debug, PartialEq, Structured)]
struct Picky {
    #[outline(validate = not_thirteen)]
    n: u32,
}

/// A custom rule that panics on 13, standing in for a bug in user code.
fn not_thirteen(n: &u32) -> Result<(), String> {
    assert!(*n != 13, "thirteen is unlucky");
    Ok(())
}

/// The task number a prompt carries: "task 42".
fn number(request: &Request) -> u32 {
    request.messages[0]
        .content
        .trim_start_matches("task ")
        .parse()
        .unwrap_or(u32::MAX)
}

/// A backend that answers `{"n": <task number>}` after a latency of its choosing, and measures the
/// concurrency it sees.
#[derive(Default)]
struct Counting {
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    calls: AtomicUsize,
    finished: AtomicUsize,
    cancelled: AtomicUsize,
    /// When each call arrived, since the test began.
    arrivals: Mutex<Vec<Instant>>,
    /// Latency for task `n`.
    latency: Option<fn(u32) -> Duration>,
    /// The reply for task `n` (default: the valid echo).
    reply: Option<fn(u32) -> Result<String, BackendError>>,
}

/// Counts a call that is dropped before it finishes.
struct Cancelled<'a>(&'a Counting, bool);

impl Drop for Cancelled<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        if !self.1 {
            self.0.cancelled.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Backend for Counting {
    fn provider(&self) -> &str {
        "counting"
    }
    fn model(&self) -> &str {
        "counting-1"
    }
    fn complete<'a>(&'a self, request: &'a Request) -> BackendFuture<'a> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.arrivals.lock().unwrap().push(Instant::now());
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            let mut guard = Cancelled(self, false);
            let n = number(request);
            if let Some(latency) = self.latency {
                tokio::time::sleep(latency(n)).await;
            }
            guard.1 = true;
            self.finished.fetch_add(1, Ordering::SeqCst);
            let text = match self.reply {
                Some(reply) => reply(n)?,
                None => format!(r#"{{"n": {n}}}"#),
            };
            Ok(Response::text(text).with_usage(10, 3))
        })
    }
}

fn prompts(count: u32) -> impl Iterator<Item = String> + Send {
    (0..count).map(|n| format!("task {n}"))
}

fn values(results: &[Result<Echo, outlines::Error>]) -> Vec<u32> {
    results
        .iter()
        .map(|r| r.as_ref().map(|e| e.n).unwrap_or(u32::MAX))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn every_task_answered_once_in_input_order_within_the_cap() {
    // Later tasks are faster, so they finish out of order.
    let backend = Counting {
        latency: Some(|n| Duration::from_millis(u64::from(200 - n % 50 * 3))),
        ..Counting::default()
    };
    let results = Batch::<Echo>::new(prompts(100))
        .max_concurrency(7)
        .run(&backend)
        .await;
    assert_eq!(values(&results), (0..100).collect::<Vec<_>>());
    assert_eq!(backend.calls.load(Ordering::SeqCst), 100);
    assert_eq!(backend.peak.load(Ordering::SeqCst), 7);
}

#[tokio::test(start_paused = true)]
async fn the_stream_yields_as_tasks_finish() {
    // Task n takes (10 - n) × 100 ms: the last one started is the first one done.
    let backend = Counting {
        latency: Some(|n| Duration::from_millis(u64::from(10 - n) * 100)),
        ..Counting::default()
    };
    let mut stream = Batch::<Echo>::new(prompts(10))
        .max_concurrency(10)
        .stream(&backend);
    let mut order = Vec::new();
    while let Some((index, result)) = stream.next().await {
        assert_eq!(result.unwrap().n as usize, index);
        order.push(index);
    }
    assert_eq!(order, (0..10).rev().collect::<Vec<_>>());
    assert_eq!(stream.summary().succeeded, 10);
}

#[tokio::test(start_paused = true)]
async fn a_failing_or_panicking_task_leaves_the_others_alone() {
    let backend = Counting {
        latency: Some(|_| Duration::from_millis(10)),
        reply: Some(|n| match n {
            3 => Ok(r#"{"n": "three"}"#.to_owned()),
            5 => Err(BackendError::other("mock", "the server is on fire")),
            n => Ok(format!(r#"{{"n": {n}}}"#)),
        }),
        ..Counting::default()
    };
    let report = Batch::<Picky>::new(prompts(20))
        .max_concurrency(4)
        .report(&backend)
        .await;
    let cause = |i: usize| {
        report.results[i]
            .as_ref()
            .err()
            .map(outlines::Error::cause)
            .map(Cause::kind)
    };
    assert_eq!(cause(3), Some("invalid"));
    assert_eq!(cause(5), Some("backend_error"));
    assert_eq!(cause(13), Some("panicked"));
    let panicked = report.results[13].as_ref().unwrap_err();
    assert_eq!(
        panicked.to_string(),
        "the task panicked: thirteen is unlucky"
    );
    for (i, result) in report.results.iter().enumerate() {
        if ![3, 5, 13].contains(&i) {
            assert_eq!(result.as_ref().unwrap().n as usize, i);
        }
    }
    let summary = &report.summary;
    assert_eq!(
        (summary.total, summary.succeeded, summary.failed),
        (20, 17, 3)
    );
    assert_eq!(
        summary.failures,
        BTreeMap::from([("backend_error", 1), ("invalid", 1), ("panicked", 1)])
    );
    // Task 3 used all three attempts; the panicking task's attempt is lost with its future.
    assert_eq!(summary.attempts, BTreeMap::from([(0, 1), (1, 18), (3, 1)]));
    assert_eq!(summary.total_attempts(), 21);
    assert_eq!(summary.usage.input_tokens, 10 * 21 - 10);
}

#[tokio::test(start_paused = true)]
async fn the_task_timeout_applies_to_each_task() {
    // Every fourth task takes a minute.
    let backend = Counting {
        latency: Some(|n| Duration::from_secs(if n % 4 == 0 { 60 } else { 1 })),
        ..Counting::default()
    };
    let started = Instant::now();
    let report = Batch::<Echo>::new(prompts(8))
        .max_concurrency(8)
        .task_timeout(Duration::from_secs(5))
        .report(&backend)
        .await;
    for (i, result) in report.results.iter().enumerate() {
        match result {
            Ok(echo) => assert_eq!(echo.n as usize, i),
            Err(err) => {
                assert_eq!(i % 4, 0);
                assert_eq!(
                    err.cause(),
                    &Cause::Deadline {
                        after: Duration::from_secs(5)
                    }
                );
            }
        }
    }
    assert_eq!(report.summary.failed, 2);
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    // A task's own deadline wins over the batch's default.
    let backend = Counting {
        latency: Some(|_| Duration::from_secs(3)),
        ..Counting::default()
    };
    let tasks = vec![
        Generation::<Echo>::new("task 0"),
        Generation::new("task 1").deadline(Duration::from_secs(10)),
    ];
    let results = Batch::new(tasks)
        .task_timeout(Duration::from_secs(2))
        .run(&backend)
        .await;
    assert!(results[0].is_err());
    assert_eq!(results[1].as_ref().unwrap().n, 1);
}

#[tokio::test(start_paused = true)]
async fn the_batch_deadline_ends_what_runs_and_what_waits() {
    let backend = Counting {
        latency: Some(|_| Duration::from_secs(1)),
        ..Counting::default()
    };
    let started = Instant::now();
    let report = Batch::<Echo>::new(prompts(20))
        .max_concurrency(5)
        .deadline(Duration::from_millis(2500))
        .report(&backend)
        .await;
    assert_eq!(started.elapsed(), Duration::from_millis(2500));
    assert_eq!(report.results.len(), 20);
    assert_eq!(values(&report.results[..10]), (0..10).collect::<Vec<_>>());
    for result in &report.results[10..] {
        assert_eq!(
            result.as_ref().unwrap_err().cause(),
            &Cause::Deadline {
                after: Duration::from_millis(2500)
            }
        );
    }
    // The third wave was cut mid-call; the last five were never sent.
    assert_eq!(backend.calls.load(Ordering::SeqCst), 15);
    assert_eq!(backend.cancelled.load(Ordering::SeqCst), 5);
    assert_eq!(report.summary.attempts.get(&0), Some(&5));
    assert_eq!(report.summary.failures.get("deadline"), Some(&10));
}

#[tokio::test(start_paused = true)]
async fn dropping_the_batch_cancels_what_is_in_flight_and_sends_nothing_more() {
    let backend = Counting {
        latency: Some(|_| Duration::from_secs(1)),
        ..Counting::default()
    };
    let batch = Batch::<Echo>::new(prompts(100))
        .max_concurrency(10)
        .run(&backend);
    // Two waves finish; the third is in flight when the batch is dropped.
    let cut = tokio::time::timeout(Duration::from_millis(2500), batch).await;
    assert!(cut.is_err());
    assert_eq!(backend.calls.load(Ordering::SeqCst), 30);
    assert_eq!(backend.finished.load(Ordering::SeqCst), 20);
    assert_eq!(backend.cancelled.load(Ordering::SeqCst), 10);
    assert_eq!(backend.in_flight.load(Ordering::SeqCst), 0);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(backend.calls.load(Ordering::SeqCst), 30);
}

#[tokio::test(start_paused = true)]
async fn progress_is_reported_as_tasks_start_and_end() {
    let backend = Counting {
        latency: Some(|n| Duration::from_millis(u64::from(n % 7) * 10 + 5)),
        ..Counting::default()
    };
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let log = Arc::clone(&seen);
    let report = Batch::<Echo>::new(prompts(30))
        .max_concurrency(4)
        .on_progress(move |p| log.lock().unwrap().push(p.clone()))
        .report(&backend)
        .await;
    let seen = seen.lock().unwrap();
    // One report per start and per end.
    assert_eq!(seen.len(), 60);
    assert!(seen.iter().all(|p| p.total == Some(30) && p.in_flight <= 4));
    assert!(seen.windows(2).all(|w| w[0].done <= w[1].done));
    let last = seen.last().unwrap();
    assert_eq!(
        (last.done, last.succeeded, last.failed, last.in_flight),
        (30, 30, 0, 0)
    );
    assert_eq!(last.attempts, 30);
    assert_eq!(last.usage, report.summary.usage);
}

#[tokio::test(start_paused = true)]
async fn requests_per_minute_spaces_the_calls() {
    let backend = Counting::default();
    let results = Batch::<Echo>::new(prompts(6))
        .max_concurrency(6)
        .requests_per_minute(600)
        .run(&backend)
        .await;
    assert_eq!(values(&results), (0..6).collect::<Vec<_>>());
    let arrivals = backend.arrivals.lock().unwrap();
    let gaps: Vec<Duration> = arrivals.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps, vec![Duration::from_millis(100); 5]);
}

#[tokio::test(start_paused = true)]
async fn a_stream_of_tasks_is_read_as_it_comes() {
    let backend = Counting {
        latency: Some(|_| Duration::from_millis(50)),
        ..Counting::default()
    };
    let (send, receive) = tokio::sync::mpsc::channel::<String>(4);
    let feeder = tokio::spawn(async move {
        for prompt in prompts(25) {
            tokio::time::sleep(Duration::from_millis(30)).await;
            send.send(prompt).await.unwrap();
        }
    });
    let input = futures_util::stream::unfold(receive, |mut receive| async move {
        receive.recv().await.map(|prompt| (prompt, receive))
    });
    let report = Batch::<Echo>::from_stream(input)
        .max_concurrency(3)
        .report(&backend)
        .await;
    feeder.await.unwrap();
    assert_eq!(values(&report.results), (0..25).collect::<Vec<_>>());
    assert_eq!(report.summary.total, 25);
}

#[tokio::test(start_paused = true)]
async fn an_empty_batch_ends_at_once() {
    let backend = Counting::default();
    let report = Batch::<Echo>::new(Vec::<String>::new())
        .report(&backend)
        .await;
    assert!(report.results.is_empty());
    assert_eq!(report.summary.total, 0);
    assert_eq!(backend.calls.load(Ordering::SeqCst), 0);
}
