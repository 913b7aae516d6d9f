//! What a token budget forced on a reply: a local model's constraint closes the value in time,
//! and says how, so that nothing it wrote passes for the model's own.

use std::fmt;

use crate::diagnostics::Path;

/// How a reply's value was brought to its end by the token budget rather than by the model. Empty
/// when the model ended the value itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Forced {
    /// Each change, in the order of the text.
    pub edits: Vec<ForcedEdit>,
}

/// One change the budget made.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ForcedEdit {
    /// What was done.
    pub kind: ForcedKind,
    /// Where: the value's path.
    pub path: Path,
}

/// What the budget did to a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ForcedKind {
    /// The array was ended at the last item the model finished; the item in progress at this path
    /// (and any after it) was dropped.
    Dropped,
    /// The model wrote the item at this path exactly as the one before it, the way small models
    /// loop: the array was ended before it.
    Repeated,
    /// The object or array was closed when the budget ran short (what the model had written in it
    /// is kept; it may have meant to write more).
    Closed,
    /// The string or number was ended when the budget ran short: its value may be cut short.
    Cut,
    /// The value was written by the budget's steering, not the model (a required field there was
    /// no room left for).
    Invented,
}

impl ForcedKind {
    /// A short word for logs and telemetry.
    pub fn as_str(self) -> &'static str {
        match self {
            ForcedKind::Dropped => "dropped",
            ForcedKind::Repeated => "repeated",
            ForcedKind::Closed => "closed",
            ForcedKind::Cut => "cut",
            ForcedKind::Invented => "invented",
        }
    }

    /// Whether the value no longer says only what the model wrote: a value cut short or written
    /// by the steering. Dropped, repeated and closed keep the model's own values, fewer of them.
    pub fn alters_values(self) -> bool {
        matches!(self, ForcedKind::Cut | ForcedKind::Invented)
    }
}

impl ForcedEdit {
    /// An edit of `kind` at `path`.
    pub fn new(kind: ForcedKind, path: Path) -> Self {
        ForcedEdit { kind, path }
    }
}

impl Forced {
    /// The record of these edits.
    pub fn from_edits(edits: Vec<ForcedEdit>) -> Self {
        Forced { edits }
    }

    /// Whether the budget changed nothing.
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// The edits that cut a value short or wrote one: a value with any is not the model's answer.
    pub fn altered(&self) -> impl Iterator<Item = &ForcedEdit> {
        self.edits.iter().filter(|e| e.kind.alters_values())
    }
}

/// `closed by the token budget: items[3] dropped, total invented`.
impl fmt::Display for Forced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.edits.is_empty() {
            return f.write_str("nothing forced by the token budget");
        }
        f.write_str("closed by the token budget:")?;
        for (i, edit) in self.edits.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            write!(f, "{sep}{} {}", edit.path, edit.kind.as_str())?;
        }
        Ok(())
    }
}
