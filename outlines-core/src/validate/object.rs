//! Objects: structs (and struct variants) read field by field into typed slots, with flattened fields
//! routed to their own slots, and maps with string keys.

use std::fmt::{self, Display};
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::buffer::Got;
use super::expect::{Container, Expect};
use super::leaf::mismatch;
use super::seq::Seed;
use super::{Cx, Seg};
use crate::diagnostics::ErrorKind;
use crate::schema::Constraints;
use crate::schema::expected::expected;
use crate::structured::Structured;
use crate::text::shorten_str;
use crate::validate::count::check_count;

/// Where a key is kept while its value is read, for the few slots that need the key itself (flattened
/// maps, unknown-field errors). Ordinary fields never fill it, so reading them allocates nothing.
#[derive(Debug, Default)]
pub struct KeyStash(Option<String>);

impl KeyStash {
    /// Keeps `key`.
    pub fn keep(&mut self, key: &str) {
        self.0 = Some(key.to_owned());
    }

    /// Takes the kept key.
    pub fn take(&mut self) -> String {
        self.0.take().unwrap_or_default()
    }
}

/// The slots of a struct being read; implemented by `#[derive(Structured)]`.
pub trait ObjectShape: Sized {
    /// The value built.
    type Out;
    /// How many claim indices this object uses: its own fields plus those of flattened children.
    const WIDTH: u32;
    /// `#[serde(deny_unknown_fields)]`.
    const DENY_UNKNOWN: bool;
    /// The field names, for "unknown field" messages.
    const FIELDS: &'static [&'static str];
    /// The phrase for a mismatch, e.g. "object (Person)".
    fn expected() -> String;
    /// Empty slots.
    fn new() -> Self;
    /// The slot index a key belongs to (names and aliases, then flattened children in order, their
    /// indices following this object's own). Slots that need the key keep it in `stash`.
    fn claim(key: &str, stash: &mut KeyStash) -> Option<u32>;
    /// Reads the value of a claimed key into slot `index`.
    fn take<'de, A: MapAccess<'de>>(
        &mut self,
        index: u32,
        stash: &mut KeyStash,
        map: &mut A,
        cx: &mut Cx<'_>,
    ) -> Result<(), A::Error>;
    /// Builds the value once all keys are read, recording missing fields; `None` if anything failed.
    fn finish(self, cx: &mut Cx<'_>) -> Option<Self::Out>;
}

/// Types that can be `#[serde(flatten)]`ed into a struct.
#[diagnostic::on_unimplemented(
    message = "`#[serde(flatten)]` needs a struct with named fields deriving `Structured`, or a map with string keys; `{Self}` is neither",
    label = "cannot be flattened"
)]
pub trait Flatten: Structured {
    /// The slots that read it.
    type Shape: ObjectShape<Out = Self>;
}

/// Reads a JSON object into `S`.
pub fn deserialize_object<'de, S: ObjectShape, D: Deserializer<'de>>(
    de: D,
    cx: &mut Cx<'_>,
) -> Result<Option<S::Out>, D::Error> {
    de.deserialize_any(Expect(ObjectVisitor::<S> {
        cx,
        _s: PhantomData,
    }))
}

struct ObjectVisitor<'c, 'p, S> {
    cx: &'c mut Cx<'p>,
    _s: PhantomData<S>,
}

impl<'de, S: ObjectShape> Container<'de> for ObjectVisitor<'_, '_, S> {
    type Value = Option<S::Out>;

    fn reject(self, got: String) -> Self::Value {
        self.cx.error(
            ErrorKind::Type,
            S::expected(),
            Some(got),
            "expected an object",
        );
        None
    }

    fn map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        visit_entries::<S, A>(map, self.cx, None)
    }
}

/// Reads the entries of an open object into `S`. `skip` is a key to pass over (an enum's tag).
#[inline]
pub fn visit_entries<'de, S: ObjectShape, A: MapAccess<'de>>(
    mut map: A,
    cx: &mut Cx<'_>,
    skip: Option<&str>,
) -> Result<Option<S::Out>, A::Error> {
    if !cx.enter() {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        return Ok(None);
    }
    let mut slots = S::new();
    let mut stash = KeyStash::default();
    while let Some(key) = map.next_key_seed(KeySeed::<S> {
        skip,
        stash: &mut stash,
        _s: PhantomData,
    })? {
        match key {
            Key::Claim(index) => slots.take(index, &mut stash, &mut map, cx)?,
            Key::Skip => {
                map.next_value::<IgnoredAny>()?;
            }
            Key::Unknown => {
                let got = map.next_value_seed(Got)?;
                let name = stash.take();
                cx.at(Seg::Key(&name), |cx| {
                    unknown_field(cx, &name, S::FIELDS, got)
                });
            }
        }
    }
    cx.leave();
    Ok(slots.finish(cx))
}

#[cold]
pub(crate) fn unknown_field(cx: &mut Cx<'_>, name: &str, fields: &[&str], got: String) {
    let expected = if fields.is_empty() {
        "no fields".to_owned()
    } else {
        format!("one of the fields: {}", fields.join(", "))
    };
    // The name comes from the input: quoted, escaped and shortened, so it cannot break the
    // one-line-per-error format.
    cx.error(
        ErrorKind::Unknown,
        expected,
        Some(got),
        format!("unknown field {}", shorten_str(name)),
    );
}

enum Key {
    Claim(u32),
    Skip,
    /// Not a field of the object, under `deny_unknown_fields`; the name is in the stash.
    Unknown,
}

struct KeySeed<'a, S> {
    skip: Option<&'a str>,
    stash: &'a mut KeyStash,
    _s: PhantomData<S>,
}

impl<'de, S: ObjectShape> DeserializeSeed<'de> for KeySeed<'_, S> {
    type Value = Key;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Key, D::Error> {
        de.deserialize_identifier(self)
    }
}

impl<'de, S: ObjectShape> Visitor<'de> for KeySeed<'_, S> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    #[inline]
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        if self.skip == Some(key) {
            return Ok(Key::Skip);
        }
        Ok(match S::claim(key, self.stash) {
            Some(index) => Key::Claim(index),
            None if S::DENY_UNKNOWN => {
                self.stash.keep(key);
                Key::Unknown
            }
            None => Key::Skip,
        })
    }
}

/// The state of one field while its object is read.
#[derive(Debug, Default)]
pub enum Slot<T> {
    /// Not seen yet.
    #[default]
    Empty,
    /// Seen, but invalid (the errors are recorded).
    Invalid,
    /// Seen and valid.
    Full(T),
}

impl<T> Slot<T> {
    /// An empty slot.
    pub const fn new() -> Self {
        Slot::Empty
    }
}

/// Reads field `name` into `slot`. `after` runs the field's own rules on a valid value (`unique`,
/// `validate = ...`) at the field's path; when it returns `false` the field counts as invalid.
#[inline(always)]
pub fn read_field<'de, T, A, F>(
    slot: &mut Slot<T>,
    name: &'static str,
    c: &'static Constraints,
    map: &mut A,
    cx: &mut Cx<'_>,
    after: F,
) -> Result<(), A::Error>
where
    T: Structured,
    A: MapAccess<'de>,
    F: FnOnce(&T, &mut Cx<'_>) -> bool,
{
    cx.at(Seg::Key(name), |cx| {
        if !matches!(slot, Slot::Empty) {
            let got = map.next_value_seed(Got)?;
            cx.error(
                ErrorKind::Duplicate,
                "each field at most once",
                Some(got),
                format!("duplicate field `{name}`"),
            );
            *slot = Slot::Invalid;
            return Ok(());
        }
        *slot = match map.next_value_seed(Seed::<T>::new(cx, c))? {
            Some(v) if after(&v, cx) => Slot::Full(v),
            _ => Slot::Invalid,
        };
        Ok(())
    })
}

/// The value of a field that must be present (absent `Option`s are `None`). The field's own rules
/// (`after`) also judge the value that stands in for an absent field, so an accepted value never
/// breaks them.
#[inline(always)]
pub fn required<T: Structured>(
    slot: Slot<T>,
    name: &'static str,
    c: &'static Constraints,
    cx: &mut Cx<'_>,
    after: impl FnOnce(&T, &mut Cx<'_>) -> bool,
) -> Option<T> {
    match slot {
        Slot::Full(v) => Some(v),
        Slot::Invalid => None,
        Slot::Empty => match T::__missing() {
            Some(v) => stand_in(v, name, cx, after),
            None => {
                missing(cx, name, &T::schema().constrain(c));
                None
            }
        },
    }
}

/// Runs a field's rules on the value standing in for it when it is absent.
fn stand_in<T>(
    v: T,
    name: &'static str,
    cx: &mut Cx<'_>,
    after: impl FnOnce(&T, &mut Cx<'_>) -> bool,
) -> Option<T> {
    cx.at(Seg::Key(name), |cx| after(&v, cx)).then_some(v)
}

#[cold]
fn missing(cx: &mut Cx<'_>, name: &str, schema: &crate::schema::Schema) {
    cx.at(Seg::Key(name), |cx| {
        cx.error(
            ErrorKind::Missing,
            expected(schema),
            None,
            "missing required field",
        );
    });
}

/// The value of a field with `#[serde(default)]`; the field's own rules (`after`) judge the default too.
#[inline]
pub fn defaulted<T>(
    slot: Slot<T>,
    name: &'static str,
    cx: &mut Cx<'_>,
    default: impl FnOnce() -> T,
    after: impl FnOnce(&T, &mut Cx<'_>) -> bool,
) -> Option<T> {
    match slot {
        Slot::Full(v) => Some(v),
        Slot::Invalid => None,
        Slot::Empty => stand_in(default(), name, cx, after),
    }
}

/// Runs a custom rule (`validate = ...` or `check = ...`) and records its message if it fails.
pub fn rule<E: Display>(cx: &mut Cx<'_>, name: &str, result: Result<(), E>) -> bool {
    match result {
        Ok(()) => true,
        Err(message) => {
            cx.custom(name, message.to_string());
            false
        }
    }
}

/// A map with string keys, built entry by entry.
pub trait MapLike: Structured {
    /// The value type.
    type Value: Structured;
    /// An empty map.
    fn empty() -> Self;
    /// Inserts an entry (a repeated key keeps the last value, as serde does).
    fn put(&mut self, key: String, value: Self::Value);
}

/// Reads a JSON object into a map, checking each value against `c.inner` and the key count against `c`.
pub(crate) fn deserialize_map<'de, M: MapLike, D: Deserializer<'de>>(
    de: D,
    cx: &mut Cx<'_>,
    c: &'static Constraints,
) -> Result<Option<M>, D::Error> {
    de.deserialize_any(Expect(MapVisitor::<M> {
        cx,
        c,
        _m: PhantomData,
    }))
}

struct MapVisitor<'c, 'p, M> {
    cx: &'c mut Cx<'p>,
    c: &'static Constraints,
    _m: PhantomData<M>,
}

impl<'de, M: MapLike> Container<'de> for MapVisitor<'_, '_, M> {
    type Value = Option<M>;

    fn reject(self, got: String) -> Self::Value {
        mismatch::<M>(self.cx, self.c, got);
        None
    }

    fn map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let cx = self.cx;
        if !cx.enter() {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(None);
        }
        let value_c = self.c.inner.unwrap_or(Constraints::none());
        let mut out = M::empty();
        let mut ok = true;
        let mut n = 0;
        while let Some(key) = map.next_key::<String>()? {
            let value = cx.at(Seg::Key(&key), |cx| {
                map.next_value_seed(Seed::<M::Value>::new(cx, value_c))
            })?;
            match value {
                Some(v) => out.put(key, v),
                None => ok = false,
            }
            n += 1;
        }
        cx.leave();
        ok &= check_count(n, self.c, cx, "keys");
        Ok(ok.then_some(out))
    }
}

/// The slots of a flattened map: it claims every key its parent does not.
pub struct MapSlots<M: MapLike> {
    map: M,
    ok: bool,
}

impl<M: MapLike> ObjectShape for MapSlots<M> {
    type Out = M;
    const WIDTH: u32 = 1;
    const DENY_UNKNOWN: bool = false;
    const FIELDS: &'static [&'static str] = &[];

    fn expected() -> String {
        expected(&M::schema())
    }

    fn new() -> Self {
        MapSlots {
            map: M::empty(),
            ok: true,
        }
    }

    fn claim(key: &str, stash: &mut KeyStash) -> Option<u32> {
        stash.keep(key);
        Some(0)
    }

    fn take<'de, A: MapAccess<'de>>(
        &mut self,
        _: u32,
        stash: &mut KeyStash,
        map: &mut A,
        cx: &mut Cx<'_>,
    ) -> Result<(), A::Error> {
        let key = stash.take();
        let value = cx.at(Seg::Key(&key), |cx| {
            map.next_value_seed(Seed::<M::Value>::new(cx, Constraints::none()))
        })?;
        match value {
            Some(v) => self.map.put(key, v),
            None => self.ok = false,
        }
        Ok(())
    }

    fn finish(self, _: &mut Cx<'_>) -> Option<M> {
        self.ok.then_some(self.map)
    }
}
