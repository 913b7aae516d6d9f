//! What a batch reports: progress as it runs, and a summary at the end.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::backend::Usage;

/// Where a batch stands, given to the [`on_progress`](super::Batch::on_progress) observer each time
/// a task starts or ends.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// How many tasks there are, when the input says (a list does; a stream may not).
    pub total: Option<usize>,
    /// Tasks finished, successfully or not.
    pub done: usize,
    /// Tasks that produced a value.
    pub succeeded: usize,
    /// Tasks that ended without one.
    pub failed: usize,
    /// Tasks running now.
    pub in_flight: usize,
    /// Attempts made by the finished tasks.
    pub attempts: usize,
    /// Tokens used by the finished tasks.
    pub usage: Usage,
    /// Time since the batch started.
    pub elapsed: Duration,
}

/// How a batch went.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Summary {
    /// Tasks in all (each has exactly one result).
    pub total: usize,
    /// Tasks that produced a value.
    pub succeeded: usize,
    /// Tasks that ended without one.
    pub failed: usize,
    /// Failures by cause ([`Cause::kind`](crate::generate::Cause::kind)): `invalid`, `refused`,
    /// `backend_error`, `timeout`, `deadline`, `panicked`.
    pub failures: BTreeMap<&'static str, usize>,
    /// How many tasks took each number of attempts (`0` for tasks the deadline stopped before they
    /// began).
    pub attempts: BTreeMap<usize, usize>,
    /// Tokens used by all tasks.
    pub usage: Usage,
    /// Median time from a task's start to its result.
    pub latency_p50: Duration,
    /// 95th percentile of the same.
    pub latency_p95: Duration,
    /// Wall time of the whole batch.
    pub elapsed: Duration,
}

impl Summary {
    /// Attempts made by all tasks.
    pub fn total_attempts(&self) -> usize {
        self.attempts.iter().map(|(n, tasks)| n * tasks).sum()
    }
}

/// `2000 tasks: 1990 ok, 10 failed (invalid 7, timeout 3) · attempts 1×1900 2×95 3×5 · ...`
impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} tasks: {} ok, {} failed",
            self.total, self.succeeded, self.failed
        )?;
        if !self.failures.is_empty() {
            let causes: Vec<String> = self
                .failures
                .iter()
                .map(|(cause, n)| format!("{cause} {n}"))
                .collect();
            write!(f, " ({})", causes.join(", "))?;
        }
        let histogram: Vec<String> = self
            .attempts
            .iter()
            .map(|(attempts, tasks)| format!("{attempts}×{tasks}"))
            .collect();
        write!(
            f,
            " · attempts {} · {} tokens in, {} out · latency p50 {:.0?}, p95 {:.0?} · {:.2?} in all",
            histogram.join(" "),
            self.usage.input_tokens,
            self.usage.output_tokens,
            self.latency_p50,
            self.latency_p95,
            self.elapsed
        )
    }
}

/// The running tally behind [`Progress`] and [`Summary`].
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) total: Option<usize>,
    pub(crate) in_flight: usize,
    summary: Summary,
    latencies: Vec<Duration>,
}

impl Tally {
    pub(crate) fn new(total: Option<usize>) -> Self {
        Tally {
            total,
            ..Tally::default()
        }
    }

    /// A task ended: `failure` is its cause's kind when it failed.
    pub(crate) fn record(
        &mut self,
        failure: Option<&'static str>,
        attempts: usize,
        usage: Usage,
        latency: Duration,
    ) {
        let s = &mut self.summary;
        s.total += 1;
        match failure {
            None => s.succeeded += 1,
            Some(kind) => {
                s.failed += 1;
                *s.failures.entry(kind).or_default() += 1;
            }
        }
        *s.attempts.entry(attempts).or_default() += 1;
        s.usage += usage;
        self.latencies.push(latency);
    }

    pub(crate) fn progress(&self, elapsed: Duration) -> Progress {
        let s = &self.summary;
        Progress {
            total: self.total,
            done: s.total,
            succeeded: s.succeeded,
            failed: s.failed,
            in_flight: self.in_flight,
            attempts: s.total_attempts(),
            usage: s.usage,
            elapsed,
        }
    }

    pub(crate) fn summary(&self, elapsed: Duration) -> Summary {
        let mut latencies = self.latencies.clone();
        latencies.sort_unstable();
        Summary {
            latency_p50: percentile(&latencies, 50),
            latency_p95: percentile(&latencies, 95),
            elapsed,
            ..self.summary.clone()
        }
    }
}

/// The nearest-rank percentile of sorted values (zero when there are none).
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|&m| Duration::from_millis(m))
                .collect::<Vec<_>>()
        };
        let values = ms(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&values, 50), Duration::from_millis(50));
        assert_eq!(percentile(&values, 95), Duration::from_millis(95));
        assert_eq!(percentile(&ms(&[7]), 95), Duration::from_millis(7));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
    }

    #[test]
    fn the_tally_counts_every_outcome() {
        let mut tally = Tally::new(Some(4));
        let usage = |i, o| Usage {
            input_tokens: i,
            output_tokens: o,
        };
        tally.record(None, 1, usage(10, 2), Duration::from_millis(10));
        tally.record(None, 2, usage(20, 4), Duration::from_millis(30));
        tally.record(Some("invalid"), 3, usage(30, 6), Duration::from_millis(20));
        tally.in_flight = 1;
        let progress = tally.progress(Duration::from_secs(1));
        assert_eq!(
            (
                progress.done,
                progress.succeeded,
                progress.failed,
                progress.in_flight
            ),
            (3, 2, 1, 1)
        );
        assert_eq!(progress.attempts, 6);
        tally.record(Some("deadline"), 0, Usage::default(), Duration::ZERO);
        let summary = tally.summary(Duration::from_secs(2));
        assert_eq!(
            summary.attempts,
            BTreeMap::from([(0, 1), (1, 1), (2, 1), (3, 1)])
        );
        assert_eq!(
            summary.failures,
            BTreeMap::from([("deadline", 1), ("invalid", 1)])
        );
        assert_eq!(summary.usage, usage(60, 12));
        assert_eq!(summary.latency_p50, Duration::from_millis(10));
        assert_eq!(
            summary.to_string(),
            "4 tasks: 2 ok, 2 failed (deadline 1, invalid 1) · attempts 0×1 1×1 2×1 3×1 · \
             60 tokens in, 12 out · latency p50 10ms, p95 30ms · 2.00s in all"
        );
    }
}
