//! `GET /metrics` in Prometheus' text format: requests by route and status, their latency, the
//! attempts generations took and how many were invalid, tokens, and the output cache.
//!
//! Counted per server with atomics rather than through the `metrics` crate's global recorder, so
//! that two servers in one process (as in the tests) keep their own counts.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use outlines::generate::{Attempt, Outcome};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0,
];

#[derive(Default)]
pub(crate) struct Metrics {
    /// (route, status) → count, latency buckets, latency sum in microseconds.
    requests: Mutex<Vec<Series>>,
    attempts: AtomicU64,
    invalid_attempts: AtomicU64,
    input_tokens: AtomicU64,
    output_tokens: AtomicU64,
}

struct Series {
    route: String,
    status: u16,
    count: u64,
    buckets: [u64; BUCKETS.len()],
    sum_micros: u64,
}

impl Metrics {
    /// One request answered.
    pub(crate) fn request(&self, route: &str, status: u16, latency: Duration) {
        let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let index = match requests
            .iter()
            .position(|s| s.route == route && s.status == status)
        {
            Some(i) => i,
            None => {
                requests.push(Series {
                    route: route.to_owned(),
                    status,
                    count: 0,
                    buckets: [0; BUCKETS.len()],
                    sum_micros: 0,
                });
                requests.len() - 1
            }
        };
        let series = &mut requests[index];
        series.count += 1;
        series.sum_micros += u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let seconds = latency.as_secs_f64();
        for (bucket, bound) in series.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    /// The attempts of one generation.
    pub(crate) fn attempts(&self, attempts: &[Attempt]) {
        self.attempts
            .fetch_add(attempts.len() as u64, Ordering::Relaxed);
        let invalid = attempts
            .iter()
            .filter(|a| a.outcome == Outcome::Invalid)
            .count();
        self.invalid_attempts
            .fetch_add(invalid as u64, Ordering::Relaxed);
        for attempt in attempts {
            self.input_tokens
                .fetch_add(attempt.usage.input_tokens, Ordering::Relaxed);
            self.output_tokens
                .fetch_add(attempt.usage.output_tokens, Ordering::Relaxed);
        }
    }

    /// Everything, in Prometheus' text format, with the output cache's counts.
    pub(crate) fn render(&self, cache: (usize, u64, u64)) -> String {
        let mut out = String::new();
        out.push_str("# HELP outlines_requests_total Requests answered, by route and status.\n");
        out.push_str("# TYPE outlines_requests_total counter\n");
        let requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        for s in requests.iter() {
            let _ = writeln!(
                out,
                "outlines_requests_total{{route=\"{}\",status=\"{}\"}} {}",
                s.route, s.status, s.count
            );
        }
        out.push_str("# HELP outlines_request_seconds Time to answer a request.\n");
        out.push_str("# TYPE outlines_request_seconds histogram\n");
        for s in requests.iter() {
            let labels = format!("route=\"{}\",status=\"{}\"", s.route, s.status);
            for (count, bound) in s.buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "outlines_request_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "outlines_request_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "outlines_request_seconds_sum{{{labels}}} {}",
                s.sum_micros as f64 / 1e6
            );
            let _ = writeln!(
                out,
                "outlines_request_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        drop(requests);
        let counters = [
            (
                "outlines_attempts_total",
                "Attempts generations made.",
                self.attempts.load(Ordering::Relaxed),
            ),
            (
                "outlines_invalid_attempts_total",
                "Attempts whose reply broke the rules (each then repaired or given up).",
                self.invalid_attempts.load(Ordering::Relaxed),
            ),
            (
                "outlines_input_tokens_total",
                "Prompt tokens, over every attempt.",
                self.input_tokens.load(Ordering::Relaxed),
            ),
            (
                "outlines_output_tokens_total",
                "Reply tokens, over every attempt.",
                self.output_tokens.load(Ordering::Relaxed),
            ),
            (
                "outlines_output_cache_hits_total",
                "Outputs (schemas, regexes, choices, grammars) found compiled.",
                cache.1,
            ),
            (
                "outlines_output_cache_misses_total",
                "Outputs compiled.",
                cache.2,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP outlines_output_cache_entries Compiled outputs the cache holds.\n\
             # TYPE outlines_output_cache_entries gauge\noutlines_output_cache_entries {}",
            cache.0
        );
        out
    }
}
