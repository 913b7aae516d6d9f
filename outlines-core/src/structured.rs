//! The `Structured` trait: a type that can describe itself to an LLM and validate what comes back.

use serde::Deserializer;
use serde::de::{MapAccess, SeqAccess};
use serde_json::Value;

use crate::diagnostics::Diagnostics;
use crate::partial::{NodeRef, Part};
use crate::schema::registry::TypeCache;
use crate::schema::{Constraints, Schema, describe, json_schema};
use crate::validate::object::{self, Slot};
use crate::validate::seq::TupleReader;
use crate::validate::{self, Cx};

/// A type that an LLM can be asked to produce: it has a schema, and JSON can be validated into it.
///
/// Implemented by `#[derive(Structured)]` and, here, for the standard types (`bool`, integers, floats,
/// `String`, `char`, `Option`, collections, maps with string keys, tuples, `Box`/`Arc`/`Rc`,
/// `serde_json::Value`).
///
/// ```
/// use outlines_core::Structured;
///
/// let n = u8::from_json("42").unwrap();
/// assert_eq!(n, 42);
/// let err = u8::from_json("300").unwrap_err();
/// assert_eq!(err.errors()[0].expected(), "integer between 0 and 255");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not `Structured`",
    label = "not `Structured`",
    note = "add `#[derive(Structured)]` to `{Self}`, or use a type that implements it"
)]
pub trait Structured: Sized + 'static {
    /// The schema IR of this type where it is used: named (derived) types return a reference to their
    /// cached definition; standard types return their schema inline.
    fn schema() -> Schema;

    /// Reads a value, checking the constraints `c` that the enclosing field declares, and records every
    /// problem in `cx`. Returns `Ok(None)` when the value is invalid (the reasons are in `cx`) and `Err`
    /// only when the input itself is broken (JSON syntax).
    #[doc(hidden)]
    fn __deserialize<'de, D: Deserializer<'de>>(
        de: D,
        cx: &mut Cx<'_>,
        c: &'static Constraints,
    ) -> Result<Option<Self>, D::Error>;

    /// The partial form of `Self`: what a reply has written of one so far ([`Partial<T>`]; see
    /// [`partial`](crate::partial)).
    type Partial;

    /// The partial value the reply's tree holds at `node`, if the tree has something of this type
    /// there yet.
    fn partial(node: NodeRef<'_>) -> Option<Self::Partial>;

    /// The value of an absent field, if absence is allowed (`Option` is `None`).
    #[doc(hidden)]
    fn __missing() -> Option<Self> {
        None
    }

    // The derive reaches the runtime's per-field helpers through these methods, written
    // `<FieldType as Structured>::__…`: when a field's type is not `Structured`, every use then fails
    // with one and the same error at the type, which the compiler reports once.

    #[doc(hidden)]
    #[inline(always)]
    fn __read_field<'de, A, F>(
        slot: &mut Slot<Self>,
        name: &'static str,
        c: &'static Constraints,
        map: &mut A,
        cx: &mut Cx<'_>,
        after: F,
    ) -> Result<(), A::Error>
    where
        A: MapAccess<'de>,
        F: FnOnce(&Self, &mut Cx<'_>) -> bool,
    {
        object::read_field(slot, name, c, map, cx, after)
    }

    #[doc(hidden)]
    #[inline(always)]
    fn __required<F: FnOnce(&Self, &mut Cx<'_>) -> bool>(
        slot: Slot<Self>,
        name: &'static str,
        c: &'static Constraints,
        cx: &mut Cx<'_>,
        after: F,
    ) -> Option<Self> {
        object::required(slot, name, c, cx, after)
    }

    #[doc(hidden)]
    fn __next_element<'de, A, F>(
        reader: &mut TupleReader<'_, '_, '_, A>,
        c: &'static Constraints,
        after: F,
    ) -> Result<Option<Self>, A::Error>
    where
        A: SeqAccess<'de>,
        F: FnOnce(&Self, &mut Cx<'_>) -> bool,
    {
        reader.next_checked(c, after)
    }

    /// The JSON Schema (2020-12) of this type: named types under `$defs`, referenced with `$ref`.
    /// Rendered once per type and cached.
    fn json_schema() -> Value {
        Value::clone(&json_schema::shared::<Self>(Self::schema))
    }

    /// A compact, TypeScript-like description of this type for prompts, with constraints and
    /// descriptions as comments. Rendered once per type and cached.
    fn describe() -> String {
        static CACHE: TypeCache<String> = TypeCache::new();
        CACHE
            .get_or_init::<Self>(|| describe::render(&Self::schema()))
            .clone()
    }

    /// Validates a JSON value into `Self`, collecting every error.
    fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        validate::from_value(value)
    }

    /// Parses and validates JSON text into `Self`, collecting every error. Syntax errors carry their
    /// line and column.
    fn from_json(json: &str) -> Result<Self, Diagnostics> {
        validate::from_str(json)
    }

    /// Like [`Structured::from_json`] for bytes; invalid UTF-8 is reported as a syntax error.
    fn from_slice(json: &[u8]) -> Result<Self, Diagnostics> {
        validate::from_slice(json)
    }
}

/// The partial form of `T`: `Partial<Person>` is what a reply has said of a `Person` so far.
pub type Partial<T> = <T as Structured>::Partial;

/// The part at `node` (none when there is no node, or nothing of this type there yet).
#[doc(hidden)]
pub fn part<T: Structured>(node: Option<NodeRef<'_>>) -> Option<Part<T::Partial>> {
    part_by(node, T::partial)
}

/// [`part`] by `partial`, the type's `<T as Structured>::partial` as the derive names it: a type that
/// is not `Structured` then fails only there, with the derive's other errors about it.
#[doc(hidden)]
pub fn part_by<P>(
    node: Option<NodeRef<'_>>,
    partial: impl FnOnce(NodeRef<'_>) -> Option<P>,
) -> Option<Part<P>> {
    let node = node?;
    Some(Part {
        value: partial(node)?,
        complete: node.complete(),
    })
}

/// Keeps `node` for a field if no key of a better `rank` (its name before its aliases) filled it:
/// of one key written twice, the last counts.
#[doc(hidden)]
pub fn found<'a>(slot: &mut Option<(usize, NodeRef<'a>)>, rank: usize, node: NodeRef<'a>) {
    if slot.is_none_or(|(best, _)| rank <= best) {
        *slot = Some((rank, node));
    }
}

/// The variant a tagged enum's object names so far: the first member `tag`, once its string is
/// whole, and that member.
#[doc(hidden)]
pub fn tag_of<'a>(node: NodeRef<'a>, tag: &str) -> Option<(&'a str, NodeRef<'a>)> {
    let value = member_of(node, tag)?;
    let name = value.as_str().filter(|_| value.complete())?;
    Some((name, value))
}

/// The first member `key` of an object (an adjacently tagged enum's content), once it has begun.
#[doc(hidden)]
pub fn member_of<'a>(node: NodeRef<'a>, key: &str) -> Option<NodeRef<'a>> {
    node.members()?
        .find(|(k, _)| *k == key)
        .map(|(_, value)| value)
}

/// A value that appears only when whole, read from its tree like any reply (without the enclosing
/// field's rules, which the final read checks).
#[doc(hidden)]
pub fn whole<T: Structured>(node: NodeRef<'_>) -> Option<T> {
    if !node.complete() {
        return None;
    }
    crate::validate::from_tree(node).ok()
}
