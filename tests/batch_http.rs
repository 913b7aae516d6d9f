//! Batches over real HTTP: the OpenAI backend against an OpenAI-compatible server on 127.0.0.1
//! (`support/chat_server.rs`) that measures what the client does — how many requests it has in
//! flight, when each arrives, which it abandons. Every task is answered once and in order, the cap
//! holds, repairs happen where the server made them necessary, a 429 pauses the whole batch, task
//! timeouts and dropping the batch close the connections in flight.

#[path = "support/chat_server.rs"]
mod chat_server;

use std::time::{Duration, Instant};

use chat_server::{ChatServer, Config, Reply, invalid_first, is_first_attempt, user_prompt};
use outlines::Structured;
use outlines::backend::http::RetryPolicy;
use outlines::backend::openai::OpenAi;
use outlines::batch::Batch;
use outlines::generate::Cause;
use serde_json::{Value, json};

/// A support ticket, triaged.
#[derive(Debug, PartialEq, Structured)]
struct Ticket {
    /// The ticket number from the text.
    id: u32,
    #[outline(min = 1, max = 40)]
    summary: String,
    urgent: bool,
}

/// The prompt of task `id`.
fn prompt(id: u32) -> String {
    format!("ticket {id}: the printer is on fire")
}

/// The ticket number in a request's prompt.
fn ticket_id(request: &Value) -> u32 {
    user_prompt(request)
        .strip_prefix("ticket ")
        .and_then(|rest| rest.split(':').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or(u32::MAX)
}

/// The right answer for a request.
fn answer(request: &Value) -> Reply {
    let id = ticket_id(request);
    Reply::content(json!({"id": id, "summary": "printer fire", "urgent": id % 2 == 0}).to_string())
}

/// The answer expected for task `id`.
fn expected(id: u32) -> Ticket {
    Ticket {
        id,
        summary: "printer fire".into(),
        urgent: id % 2 == 0,
    }
}

fn backend(server: &ChatServer) -> OpenAi {
    OpenAi::new("test-model")
        .base_url(server.base_url())
        .api_key("sk-test")
}

/// Waits (up to 10 s) until `ready` holds.
async fn eventually(what: &str, ready: impl Fn() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(10);
    while !ready() {
        assert!(Instant::now() < give_up, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_task_answered_once_in_order_within_the_cap() {
    const N: u32 = 160;
    const CAP: usize = 16;
    const INVALID: f64 = 0.1;
    // A tenth of the first answers are wrong (a summary too long, urgency as text), so those tasks
    // need one repair each.
    let server = Config::new(|request, _| {
        if is_first_attempt(request) && invalid_first(user_prompt(request), INVALID) {
            Reply::content(r#"{"id": 1, "summary": "", "urgent": "very"}"#)
        } else {
            answer(request)
        }
    })
    .latency(Duration::from_millis(5))
    .hold_until_in_flight(CAP)
    .start()
    .await;
    let backend = backend(&server);

    let report = Batch::<Ticket>::new((0..N).map(prompt))
        .max_concurrency(CAP)
        .report(&backend)
        .await;

    let results: Vec<Ticket> = report
        .results
        .into_iter()
        .map(|r| r.expect("every task succeeds"))
        .collect();
    assert_eq!(results, (0..N).map(expected).collect::<Vec<_>>());

    let stats = server.stats();
    let repaired: Vec<u32> = (0..N)
        .filter(|&id| invalid_first(&prompt(id), INVALID))
        .collect();
    assert!(!repaired.is_empty(), "the fraction picks some prompts");
    let asked = stats.times_asked();
    for id in 0..N {
        let times = if repaired.contains(&id) { 2 } else { 1 };
        assert_eq!(asked.get(&prompt(id)), Some(&times), "task {id}");
    }
    assert_eq!(stats.requests(), u64::from(N) + repaired.len() as u64);
    assert_eq!(stats.replies_with(200), stats.requests());
    assert_eq!(stats.cancelled(), 0);
    // The server holds the first CAP replies until CAP requests are in flight: the batch fills its
    // slots, and never exceeds them.
    assert_eq!(stats.peak_in_flight(), CAP, "the batch runs at its cap");

    let summary = report.summary;
    assert_eq!((summary.succeeded, summary.failed), (N as usize, 0));
    let once = N as usize - repaired.len();
    assert_eq!(
        summary.attempts.into_iter().collect::<Vec<_>>(),
        [(1, once), (2, repaired.len())]
    );
    assert_eq!(
        summary.usage.input_tokens,
        stats.requests() * chat_server::PROMPT_TOKENS
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_pauses_the_whole_batch() {
    const RETRY_AFTER: Duration = Duration::from_millis(1500);
    const LATENCY: Duration = Duration::from_millis(20);
    // Requests the client sent before the 429 reached it may still arrive after it: on a loaded
    // machine, for some time. The pause is long, and the margin generous, so that what is checked
    // holds there too.
    const IN_TRANSIT: Duration = Duration::from_millis(400);
    // Request 12 (mid-batch, with others in flight) is told to wait 1.5 s; every other request is
    // answered.
    let server = Config::new(|request, number| {
        if number == 12 {
            Reply::rate_limited(RETRY_AFTER)
        } else {
            answer(request)
        }
    })
    .latency(LATENCY)
    .start()
    .await;
    let backend = backend(&server).retry_policy(RetryPolicy::default());

    let results = Batch::<Ticket>::new((0..60).map(prompt))
        .max_concurrency(8)
        .run(&backend)
        .await;
    for (id, result) in (0..).zip(results) {
        assert_eq!(result.expect("every task succeeds"), expected(id));
    }

    let seen = server.stats().seen();
    let limited = seen
        .iter()
        .find(|s| s.status == Some(429))
        .expect("one request was rate limited");
    assert_eq!(server.stats().replies_with(429), 1);
    // The 429 leaves the server LATENCY after its request arrived. From then on no request may
    // arrive until the wait is over: requests already sent may still land in the first moments,
    // and the retry comes at the end.
    let replied = limited.at + LATENCY;
    // The client learns of the pause after `replied`, so nothing it sends afterwards arrives before
    // `replied + RETRY_AFTER`.
    let quiet = (replied + IN_TRANSIT, replied + RETRY_AFTER);
    let during: Vec<u64> = seen
        .iter()
        .filter(|s| s.at > quiet.0 && s.at < quiet.1)
        .map(|s| s.number)
        .collect();
    assert!(
        during.is_empty(),
        "requests {during:?} arrived during the pause"
    );
    let after = seen.iter().filter(|s| s.at >= quiet.1).count();
    assert!(after > 0, "the batch resumed after the pause");
    // The limited prompt was retried (by the transport), and nothing else was asked twice.
    let asked = server.stats().times_asked();
    assert_eq!(asked[&limited.prompt], 2);
    assert_eq!(asked.values().filter(|&&n| n > 1).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_timeout_closes_its_connection_and_spares_the_others() {
    // Task 3's request is never answered.
    let server = Config::new(|request, _| {
        if ticket_id(request) == 3 {
            Reply::Hang
        } else {
            answer(request)
        }
    })
    .latency(Duration::from_millis(5))
    .start()
    .await;
    let backend = backend(&server);

    let report = Batch::<Ticket>::new((0..10).map(prompt))
        .max_concurrency(4)
        // Long enough for the answered tasks however loaded the machine is; task 3 waits it out.
        .task_timeout(Duration::from_secs(2))
        .report(&backend)
        .await;

    for (id, result) in (0..).zip(&report.results) {
        match result {
            Ok(ticket) => assert_eq!(*ticket, expected(id)),
            Err(diagnostics) => {
                assert_eq!(id, 3, "only task 3 fails: {diagnostics}");
                assert!(
                    matches!(diagnostics.cause(), Cause::Deadline { .. }),
                    "{diagnostics:?}"
                );
            }
        }
    }
    assert!(report.results[3].is_err());
    assert_eq!(report.summary.failures.get("deadline"), Some(&1));
    let stats = server.stats();
    eventually("the server sees the abandoned request", || {
        stats.cancelled() == 1
    })
    .await;
    assert_eq!(stats.requests(), 10);
    assert_eq!(stats.in_flight(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_batch_cancels_requests_in_flight_and_sends_no_more() {
    const CAP: usize = 4;
    let server = Config::new(|_, _| Reply::Hang).start().await;
    let backend = backend(&server);
    let stats = server.stats();

    // Boxed, so that dropping it drops the batch itself.
    let mut run = Box::pin(
        Batch::<Ticket>::new((0..20).map(prompt))
            .max_concurrency(CAP)
            .run(&backend),
    );
    let give_up = Instant::now() + Duration::from_secs(10);
    while stats.in_flight() < CAP {
        assert!(Instant::now() < give_up, "the batch never filled its slots");
        tokio::select! {
            _ = &mut run => panic!("a batch of hanging requests finished"),
            () = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
    }
    drop(run);

    eventually("the server sees every request abandoned", || {
        stats.cancelled() == CAP as u64
    })
    .await;
    assert_eq!(stats.in_flight(), 0);
    // No sleep needed to see that nothing more was sent: CAP requests were in flight and hanging
    // when the batch was dropped, so (the cap holding) it had started no other, and a dropped
    // batch starts none.
    assert_eq!(stats.requests(), CAP as u64, "no request after the drop");
}
