//! Typed partial values: what a reply has said so far, as a Rust value.
//!
//! [`Partial<T>`] is `T` with every part optional: for a `#[derive(Structured)]` struct, a struct of
//! the same fields, each `Option<Part<…>>` (absent until the reply writes its key); strings grow as
//! they arrive, arrays and maps gain items, nested structs are partial in turn; numbers, booleans,
//! enums and other values appear once whole. [`Part::complete`] says whether a part is whole, so a
//! user interface can render it as final. An explicit `null` in an `Option` field is `Some(Part {
//! value: None, .. })`, not an absent field.
//!
//! Partials are built from the tree the incremental reader grows
//! ([`lenient::incremental`](crate::lenient::incremental)), never from the reader's state, so a partial
//! only ever holds what the reply wrote. Rules run on whole values only — a `min = 3` string is not
//! an error while it is being written; the final value is read and validated as any reply is.

mod guard;
mod impls;

use std::fmt;

pub use self::guard::Guard;
pub use crate::lenient::incremental::NodeRef;
use crate::structured::Structured;

/// A part of a partial value: what is there so far, and whether it is whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Part<P> {
    /// The value so far.
    pub value: P,
    /// Whether the reply has finished writing this part.
    pub complete: bool,
}

/// A type whose values can be shown while a reply writes them. Implemented by `#[derive(Structured)]`
/// and, here, for the standard types `Structured` covers.
pub trait Streamable: Structured {
    /// The partial form of `Self`.
    type Partial: 'static;

    /// The partial value the reply's tree holds at `node`, if the tree has something of this type
    /// there yet.
    fn partial(node: NodeRef<'_>) -> Option<Self::Partial>;
}

/// The partial form of `T`: `Partial<Person>` is what a reply has said of a `Person` so far.
pub type Partial<T> = <T as Streamable>::Partial;

/// The part at `node` (absent when there is none, or nothing of this type yet).
#[doc(hidden)]
pub fn part<T: Streamable>(node: Option<NodeRef<'_>>) -> Option<Part<T::Partial>> {
    let node = node?;
    Some(Part {
        value: T::partial(node)?,
        complete: node.complete(),
    })
}

/// A value that appears only when whole: read from its tree like any reply (without the enclosing
/// field's rules, which the final read checks).
#[doc(hidden)]
pub fn whole<T: Structured>(node: NodeRef<'_>) -> Option<T> {
    if !node.complete() {
        return None;
    }
    T::from_value(&node.to_value()).ok()
}

/// `Debug` for a generated partial's field, whatever its type: `(&&Show(&x)).show(f)` prints `x`
/// with `Debug` when it has it ([`ShowDebug`], found first by autoref) and `…` otherwise.
#[doc(hidden)]
pub struct Show<'a, T>(pub &'a T);

#[doc(hidden)]
pub trait ShowDebug {
    fn show(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl<T: fmt::Debug> ShowDebug for &Show<'_, T> {
    fn show(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

#[doc(hidden)]
pub trait ShowOpaque {
    fn show(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl<T> ShowOpaque for Show<'_, T> {
    fn show(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("…")
    }
}

/// `Debug` by a closure.
#[doc(hidden)]
pub struct DebugWith<F>(pub F);

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Debug for DebugWith<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}
