//! What a generation reports: its attempts, and how it ended.

use std::fmt;
use std::time::Duration;

use crate::backend::{BackendError, Finish, Forced, Usage};
use crate::diagnostics::Violation;
use crate::lenient::Fix;

/// Why a generation ended without a value.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Cause {
    /// Every attempt's reply broke the rules (or was not JSON).
    Invalid {
        /// How many attempts were made.
        attempts: usize,
    },
    /// The model declined to answer.
    Refused {
        /// The model's refusal.
        message: String,
    },
    /// The backend failed, after its own transport retries.
    Backend(BackendError),
    /// The last attempt ran out of time.
    Timeout {
        /// Which attempt (1-based).
        attempt: usize,
        /// The time it was given.
        after: Duration,
    },
    /// The overall deadline passed.
    Deadline {
        /// The deadline.
        after: Duration,
    },
    /// The task panicked (in a custom rule, say); in a batch, the other tasks go on.
    Panicked {
        /// The panic's message.
        message: String,
    },
}

impl Cause {
    /// A short, stable word for it, for telemetry (`error.type`) and summaries: `invalid`,
    /// `refused`, `backend_error`, `timeout`, `deadline` or `panicked`.
    pub fn kind(&self) -> &'static str {
        match self {
            Cause::Invalid { .. } => "invalid",
            Cause::Refused { .. } => "refused",
            Cause::Backend(_) => "backend_error",
            Cause::Timeout { .. } => "timeout",
            Cause::Deadline { .. } => "deadline",
            Cause::Panicked { .. } => "panicked",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Invalid { attempts: 1 } => f.write_str("no valid value after 1 attempt:"),
            Cause::Invalid { attempts } => write!(f, "no valid value after {attempts} attempts:"),
            Cause::Refused { message } => write!(f, "the model refused: {message}"),
            Cause::Backend(error) => write!(f, "the backend failed: {error}"),
            Cause::Timeout { attempt, after } => {
                write!(f, "attempt {attempt} timed out after {}", seconds(*after))
            }
            Cause::Deadline { after } => write!(f, "the deadline of {} passed", seconds(*after)),
            Cause::Panicked { message } => write!(f, "the task panicked: {message}"),
        }
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// One attempt of a generation.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Attempt {
    /// 1-based.
    pub number: usize,
    /// How it ended.
    pub outcome: Outcome,
    /// The model's raw reply (empty when there was none), its first
    /// [`REPLY_LIMIT`](super::REPLY_LIMIT) bytes when it was longer.
    pub output: String,
    /// How many bytes of the reply were cut from [`Attempt::output`] (0 when it is whole).
    pub output_cut: usize,
    /// What was wrong with the reply.
    pub errors: Vec<Violation>,
    /// Why the model stopped, when it replied.
    pub finish: Option<Finish>,
    /// Tokens used.
    pub usage: Usage,
    /// Wall time, transport retries included.
    pub duration: Duration,
    /// What the backend's token budget forced on the reply's value (a local model closes it in
    /// time, and says how); `None` when the model ended it itself.
    pub forced: Option<Forced>,
    /// What lenient reading fixed in the reply (a code fence opened, a trailing comma passed over,
    /// `"25"` read as 25, ...), in order; empty when the reply was read as it came.
    pub fixes: Vec<Fix>,
}

/// How one attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// The reply was a valid value.
    Valid,
    /// The reply was not valid (see the attempt's errors).
    Invalid,
    /// The model refused.
    Refused,
    /// The backend failed.
    BackendError,
    /// The attempt ran out of time.
    TimedOut,
    /// Stopped while streaming: the reply had already written something no continuation could
    /// make valid (the attempt's error says what); the repair turn followed at once.
    Aborted,
}

impl Outcome {
    /// A short word for logs and telemetry.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::Invalid => "invalid",
            Outcome::Refused => "refused",
            Outcome::BackendError => "backend_error",
            Outcome::TimedOut => "timed_out",
            Outcome::Aborted => "aborted",
        }
    }
}

/// A generated value and how it was obtained: what [`Generation::report`](super::Generation::report)
/// returns.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Report<T> {
    /// The value.
    pub value: T,
    /// Every attempt, the successful last one included.
    pub attempts: Vec<Attempt>,
    /// Tokens used by all attempts.
    pub usage: Usage,
}

impl<T> Report<T> {
    /// How many attempts it took (1 when the first reply was valid).
    pub fn attempt_count(&self) -> usize {
        self.attempts.len()
    }

    /// What lenient reading fixed in the reply that gave the value (empty when it was valid as it
    /// came): the last attempt's [`Attempt::fixes`].
    pub fn fixes(&self) -> &[Fix] {
        self.attempts.last().map_or(&[], |a| &a.fixes)
    }

    /// What the token budget forced on the value, if anything: items dropped from an array the
    /// model was still writing, an item it repeated, objects closed early. (A value cut short or
    /// written by the steering is never returned as a success: that attempt is invalid.)
    pub fn forced(&self) -> Option<&Forced> {
        self.attempts.last().and_then(|a| a.forced.as_ref())
    }
}
