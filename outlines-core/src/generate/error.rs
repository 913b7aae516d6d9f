//! How a generation fails: why it ended, and everything it tried on the way.

use std::fmt;

use serde_json::Value;

use super::report::{Attempt, Cause, Outcome};
use crate::backend::{BackendError, Usage};
use crate::diagnostics::{Violation, write_violations};

/// A generation that ended without a value: what `T::generate` and every other way of running the
/// loop return, and what `?` turns into `Box<dyn Error>`.
///
/// It says why the loop ended ([`Error::cause`]; a backend failure is also its
/// [`source`](std::error::Error::source)), holds every attempt with its raw reply and violations
/// ([`Error::attempts`]), the best candidate value ([`Error::best`]) and the tokens used
/// ([`Error::usage`]).
///
/// `Display` writes the cause on its first line, then the violations of the last invalid reply, one
/// per line (at most [`Diagnostics::DISPLAY_LIMIT`](crate::Diagnostics::DISPLAY_LIMIT), then a
/// count). When the generation ended otherwise (a backend failure, a timeout) after an invalid reply,
/// a line names the attempt those violations came from.
#[derive(Clone, PartialEq)]
pub struct Error(Box<Failure>);

/// Boxed: the error is large, and `Result<T, Error>` should stay small.
#[derive(Clone, Debug, PartialEq)]
struct Failure {
    cause: Cause,
    attempts: Vec<Attempt>,
    best: Option<Value>,
    usage: Usage,
}

impl Error {
    pub(crate) fn new(
        cause: Cause,
        attempts: Vec<Attempt>,
        best: Option<Value>,
        usage: Usage,
    ) -> Self {
        Error(Box::new(Failure {
            cause,
            attempts,
            best,
            usage,
        }))
    }

    /// A generation that ended before any attempt could finish (a batch's deadline passed, or the
    /// task panicked).
    pub(crate) fn without_attempts(cause: Cause) -> Self {
        Error::new(cause, Vec::new(), None, Usage::default())
    }

    /// Replaces the cause.
    pub(crate) fn set_cause(&mut self, cause: Cause) {
        self.0.cause = cause;
    }

    /// Why the generation ended without a value.
    pub fn cause(&self) -> &Cause {
        &self.0.cause
    }

    /// The backend's error, when a backend failure ended the generation.
    pub fn backend_error(&self) -> Option<&BackendError> {
        match &self.0.cause {
            Cause::Backend(error) => Some(error),
            _ => None,
        }
    }

    /// Every attempt, in order.
    pub fn attempts(&self) -> &[Attempt] {
        &self.0.attempts
    }

    /// The last attempt whose reply was invalid, if any — read whole, or stopped while streaming
    /// ([`Outcome::Aborted`]): its `errors` are what [`Error::errors`] returns.
    pub fn last_invalid(&self) -> Option<&Attempt> {
        self.0
            .attempts
            .iter()
            .rev()
            .find(|a| matches!(a.outcome, Outcome::Invalid | Outcome::Aborted))
    }

    /// The violations of the last invalid reply, or the one a stopped reply broke (empty when no
    /// reply was invalid: the backend failed, the model refused, time ran out first).
    pub fn errors(&self) -> &[Violation] {
        self.last_invalid().map_or(&[], |a| &a.errors)
    }

    /// The best candidate: the reply that was valid JSON with the fewest violations (replies longer
    /// than [`REPLY_LIMIT`](super::REPLY_LIMIT) are not kept).
    pub fn best(&self) -> Option<&Value> {
        self.0.best.as_ref()
    }

    /// Tokens used by all attempts.
    pub fn usage(&self) -> Usage {
        self.0.usage
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.cause)?;
        let Some(last) = self.last_invalid() else {
            return Ok(());
        };
        if last.errors.is_empty() {
            return Ok(());
        }
        if !matches!(self.0.cause, Cause::Invalid { .. }) {
            write!(f, "\nattempt {}'s reply was invalid:", last.number)?;
        }
        f.write_str("\n")?;
        write_violations(f, &last.errors)?;
        // What lenient reading fixed before those errors were found (they are about the fixed value).
        if !last.fixes.is_empty() {
            f.write_str("\nafter these fixes to the reply:")?;
            for fix in &last.fixes {
                write!(f, "\n  - {fix}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("cause", &self.0.cause)
            .field("attempts", &self.0.attempts)
            .field("best", &self.0.best)
            .field("usage", &self.0.usage)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.backend_error()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
