//! Enums in serde's four representations: externally tagged (`"Unit"` or `{"Variant": content}`),
//! internally tagged (`{"type": "Variant", ...}`), adjacently tagged (`{"t": "Variant", "c": content}`)
//! and untagged (the first variant that fits).
//!
//! Tagged objects are read in one pass when the tag comes first (as models write it when the schema
//! lists it first); otherwise the object is buffered (repeated keys kept) and read from there.

use std::fmt::Display;
use std::marker::PhantomData;

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess};

use super::buffer::{Buf, BufMap, Buffered, Got, buffer, got};
use super::expect::{Container, Expect};
use super::{Cx, Seg};
use crate::diagnostics::{ErrorKind, Segment, Violation};
use crate::schema::Literal;
use crate::schema::expected::{expected, one_of};
use crate::structured::Structured;
use crate::text::shorten_str;

/// The variants of an enum; implemented by `#[derive(Structured)]`.
pub trait EnumShape: Structured {
    /// Serialized variant names, by index.
    const VARIANTS: &'static [&'static str];
    /// `#[serde(deny_unknown_fields)]`: other keys next to a tag are errors.
    const DENY_UNKNOWN: bool;
    /// The index of the variant with this name or alias.
    fn variant(name: &str) -> Option<u32>;
    /// The value of a unit variant; `None` for variants with data.
    fn unit(index: u32) -> Option<Self>;
    /// Reads the content of a variant with data.
    fn content<'de, D: Deserializer<'de>>(
        index: u32,
        de: D,
        cx: &mut Cx<'_>,
    ) -> Result<Option<Self>, D::Error>;
    /// Reads an internally tagged variant's fields from the rest of its object (tag already read).
    fn fields<'de, A: MapAccess<'de>>(
        index: u32,
        map: A,
        cx: &mut Cx<'_>,
    ) -> Result<Option<Self>, A::Error>;
}

fn variant_names<E: EnumShape>() -> String {
    let names: Vec<Literal> = E::VARIANTS.iter().map(|n| Literal::Str(n)).collect();
    one_of(&names)
}

#[cold]
fn unknown_variant<E: EnumShape>(cx: &mut Cx<'_>, name: &str) {
    // The name comes from the input: quoted and shortened, so it cannot break the error's line.
    let quoted = shorten_str(name);
    cx.error(
        ErrorKind::Variant,
        variant_names::<E>(),
        Some(quoted.clone()),
        format!("unknown variant {quoted}"),
    );
}

fn name_of<E: EnumShape>(index: u32) -> &'static str {
    E::VARIANTS.get(index as usize).copied().unwrap_or("")
}

fn convert<E: de::Error>(e: impl Display) -> E {
    E::custom(e)
}

// ---------------------------------------------------------------------------------------------------
// Externally tagged

/// `"Unit"` or `{"Variant": content}`.
pub fn external<'de, E: EnumShape, D: Deserializer<'de>>(
    de: D,
    cx: &mut Cx<'_>,
) -> Result<Option<E>, D::Error> {
    de.deserialize_any(Expect(External::<E> {
        cx,
        _e: PhantomData,
    }))
}

struct External<'c, 'p, E> {
    cx: &'c mut Cx<'p>,
    _e: PhantomData<E>,
}

impl<'de, E: EnumShape> Container<'de> for External<'_, '_, E> {
    type Value = Option<E>;

    fn reject(self, got: String) -> Self::Value {
        self.cx.mismatch(&E::schema(), got);
        None
    }

    fn str(self, v: &str) -> Self::Value {
        let Some(index) = E::variant(v) else {
            unknown_variant::<E>(self.cx, v);
            return None;
        };
        let unit = E::unit(index);
        if unit.is_none() {
            self.cx.error(
                ErrorKind::Type,
                format!("{{\"{v}\": ...}}"),
                Some(shorten_str(v)),
                format!("variant `{v}` carries data: write it as an object with the key \"{v}\""),
            );
        }
        unit
    }

    fn map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let cx = self.cx;
        if !cx.enter() {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(None);
        }
        let out = external_entries::<E, A>(&mut map, cx);
        cx.leave();
        out
    }
}

fn external_entries<'de, E: EnumShape, A: MapAccess<'de>>(
    map: &mut A,
    cx: &mut Cx<'_>,
) -> Result<Option<E>, A::Error> {
    let Some(key) = map.next_key::<VariantKey<E>>()? else {
        cx.error(
            ErrorKind::Variant,
            variant_names::<E>(),
            Some("{}".into()),
            "expected an object with one key: the variant name",
        );
        return Ok(None);
    };
    let out = match key.index {
        None => {
            let _: IgnoredAny = map.next_value()?;
            unknown_variant::<E>(cx, &key.name);
            None
        }
        Some(index) => cx.at(Seg::Key(name_of::<E>(index)), |cx| {
            if E::unit(index).is_some() {
                let got = map.next_value_seed(Got)?;
                let name = name_of::<E>(index);
                cx.error(
                    ErrorKind::Type,
                    format!("the string \"{name}\""),
                    Some(got),
                    format!("unit variant `{name}` is written as a plain string"),
                );
                return Ok(None);
            }
            map.next_value_seed(ContentSeed::<E> {
                index,
                cx,
                _e: PhantomData,
            })
        })?,
    };
    if map.next_key::<IgnoredAny>()?.is_some() {
        let _: IgnoredAny = map.next_value()?;
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        cx.error(
            ErrorKind::Variant,
            "an object with exactly one key (the variant name)",
            None,
            "more than one key in an externally tagged enum",
        );
        return Ok(None);
    }
    Ok(out)
}

/// A variant name as a map key: its index, or the unknown name.
struct VariantKey<E> {
    index: Option<u32>,
    name: String,
    _e: PhantomData<E>,
}

impl<'de, E: EnumShape> Deserialize<'de> for VariantKey<E> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let name = Cow::<'de, str>::deserialize(de)?;
        let index = E::variant(&name);
        Ok(VariantKey {
            index,
            name: if index.is_some() {
                String::new()
            } else {
                name.into_owned()
            },
            _e: PhantomData,
        })
    }
}

struct ContentSeed<'c, 'p, E> {
    index: u32,
    cx: &'c mut Cx<'p>,
    _e: PhantomData<E>,
}

impl<'de, E: EnumShape> DeserializeSeed<'de> for ContentSeed<'_, '_, E> {
    type Value = Option<E>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        E::content(self.index, de, self.cx)
    }
}

// ---------------------------------------------------------------------------------------------------
// Internally tagged

/// `{"tag": "Variant", ...fields}`.
pub fn internal<'de, E: EnumShape, D: Deserializer<'de>>(
    de: D,
    cx: &mut Cx<'_>,
    tag: &'static str,
) -> Result<Option<E>, D::Error> {
    de.deserialize_any(Expect(Internal::<E> {
        cx,
        tag,
        _e: PhantomData,
    }))
}

struct Internal<'c, 'p, E> {
    cx: &'c mut Cx<'p>,
    tag: &'static str,
    _e: PhantomData<E>,
}

impl<'de, E: EnumShape> Container<'de> for Internal<'_, '_, E> {
    type Value = Option<E>;

    fn reject(self, got: String) -> Self::Value {
        self.cx.mismatch(&E::schema(), got);
        None
    }

    fn map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (cx, tag) = (self.cx, self.tag);
        let Some(first) = map.next_key::<Cow<'de, str>>()? else {
            missing_tag::<E>(cx, tag);
            return Ok(None);
        };
        if first != tag {
            // The tag comes later: buffer the object (repeated keys kept) and read it from there.
            let depth = cx.remaining_depth().saturating_sub(1);
            let mut entries = Vec::new();
            let mut too_deep = None;
            let mut key = first.into_owned();
            loop {
                match map.next_value_seed(Buffered { depth })? {
                    Ok(value) => entries.push((key, value)),
                    Err(deep) => {
                        let mut below = vec![Segment::Key(key)];
                        below.extend(deep.below);
                        too_deep.get_or_insert(below);
                    }
                }
                match map.next_key::<String>()? {
                    Some(next) => key = next,
                    None => break,
                }
            }
            if let Some(below) = too_deep {
                cx.too_deep_below(below);
                return Ok(None);
            }
            return internal_buffered::<E>(&entries, cx, tag).map_err(convert);
        }
        let index = cx.at(Seg::Key(tag), |cx| {
            map.next_value_seed(TagSeed::<E> {
                cx,
                _e: PhantomData,
            })
        })?;
        let Some(index) = index else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(None);
        };
        if let Some(unit) = E::unit(index) {
            return Ok(rest_of_unit::<E, A>(map, cx, tag)?.then_some(unit));
        }
        let mut repeated = None;
        let guarded = TagGuard {
            map,
            tag,
            repeated: &mut repeated,
        };
        let out = E::fields(index, guarded, cx)?;
        if let Some(got) = repeated {
            cx.at(Seg::Key(tag), |cx| duplicate_error(cx, tag, got));
            return Ok(None);
        }
        Ok(out)
    }
}

/// The rest of an internally tagged object after its tag, with any repeat of the tag taken out (and
/// kept, to be reported: serde rejects a repeated tag).
struct TagGuard<'r, A> {
    map: A,
    tag: &'static str,
    repeated: &'r mut Option<String>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for TagGuard<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(key) = self.map.next_key::<Cow<'de, str>>()? else {
                return Ok(None);
            };
            if key == self.tag {
                let got = self.map.next_value_seed(Got)?;
                self.repeated.get_or_insert(got);
                continue;
            }
            let key = de::value::CowStrDeserializer::<A::Error>::new(key);
            return seed.deserialize(key).map(Some);
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

fn internal_buffered<E: EnumShape>(
    entries: &[(String, Buf)],
    cx: &mut Cx<'_>,
    tag: &'static str,
) -> Result<Option<E>, super::buffer::BufError> {
    let mut tags = entries.iter().filter(|(k, _)| k == tag).map(|(_, v)| v);
    let Some(tag_value) = tags.next() else {
        missing_tag::<E>(cx, tag);
        return Ok(None);
    };
    if let Some(repeated) = tags.next() {
        cx.at(Seg::Key(tag), |cx| {
            duplicate_error(cx, tag, got(repeated).unwrap_or_default())
        });
        return Ok(None);
    }
    let index = cx.at(Seg::Key(tag), |cx| {
        TagSeed::<E> {
            cx,
            _e: PhantomData,
        }
        .deserialize(tag_value)
    })?;
    let Some(index) = index else {
        return Ok(None);
    };
    let rest = BufMap::new(entries, Some(tag));
    if let Some(unit) = E::unit(index) {
        return Ok(rest_of_unit::<E, _>(rest, cx, tag)?.then_some(unit));
    }
    E::fields(index, rest, cx)
}

/// After a unit variant's tag: other keys are errors under `deny_unknown_fields`, else ignored.
fn rest_of_unit<'de, E: EnumShape, A: MapAccess<'de>>(
    mut map: A,
    cx: &mut Cx<'_>,
    tag: &str,
) -> Result<bool, A::Error> {
    let mut ok = true;
    while let Some(key) = map.next_key::<Cow<'de, str>>()? {
        if key == tag {
            ok &= duplicate(&mut map, cx, tag)?;
            continue;
        }
        if !E::DENY_UNKNOWN {
            map.next_value::<IgnoredAny>()?;
            continue;
        }
        let got = map.next_value_seed(Got)?;
        let only = [tag];
        cx.at(Seg::Key(&key), |cx| {
            super::object::unknown_field(cx, &key, &only, got)
        });
        ok = false;
    }
    Ok(ok)
}

#[cold]
fn missing_tag<E: EnumShape>(cx: &mut Cx<'_>, tag: &str) {
    cx.at(Seg::Key(tag), |cx| {
        cx.error(
            ErrorKind::Missing,
            variant_names::<E>(),
            None,
            "missing the variant tag",
        );
    });
}

/// Reads a tag value: a variant name.
struct TagSeed<'c, 'p, E> {
    cx: &'c mut Cx<'p>,
    _e: PhantomData<E>,
}

impl<'de, E: EnumShape> DeserializeSeed<'de> for TagSeed<'_, '_, E> {
    type Value = Option<u32>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_any(Expect(self))
    }
}

impl<'de, E: EnumShape> Container<'de> for TagSeed<'_, '_, E> {
    type Value = Option<u32>;

    fn reject(self, got: String) -> Self::Value {
        self.cx.error(
            ErrorKind::Type,
            variant_names::<E>(),
            Some(got),
            "expected a variant name",
        );
        None
    }

    fn str(self, v: &str) -> Self::Value {
        let index = E::variant(v);
        if index.is_none() {
            unknown_variant::<E>(self.cx, v);
        }
        index
    }
}

// ---------------------------------------------------------------------------------------------------
// Adjacently tagged

/// `{"tag": "Variant", "content": ...}` (content absent or `null` for unit variants).
pub fn adjacent<'de, E: EnumShape, D: Deserializer<'de>>(
    de: D,
    cx: &mut Cx<'_>,
    tag: &'static str,
    content: &'static str,
) -> Result<Option<E>, D::Error> {
    de.deserialize_any(Expect(Adjacent::<E> {
        cx,
        tag,
        content,
        _e: PhantomData,
    }))
}

struct Adjacent<'c, 'p, E> {
    cx: &'c mut Cx<'p>,
    tag: &'static str,
    content: &'static str,
    _e: PhantomData<E>,
}

/// What an adjacently tagged object's content turned out to be.
enum Content<E> {
    Absent,
    Read(Option<E>),
    /// Read before the tag, so kept to be read once the variant is known.
    Buffered(Buf),
    /// Read before the tag and nested too deeply to keep.
    TooDeep(Vec<Segment>),
}

impl<'de, E: EnumShape> Container<'de> for Adjacent<'_, '_, E> {
    type Value = Option<E>;

    fn reject(self, got: String) -> Self::Value {
        self.cx.mismatch(&E::schema(), got);
        None
    }

    fn map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Adjacent {
            cx, tag, content, ..
        } = self;
        let mut index: Option<Option<u32>> = None;
        let mut body = Content::Absent;
        let mut ok = true;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == tag {
                if index.is_some() {
                    ok &= duplicate(&mut map, cx, tag)?;
                    continue;
                }
                index = Some(cx.at(Seg::Key(tag), |cx| {
                    map.next_value_seed(TagSeed::<E> {
                        cx,
                        _e: PhantomData,
                    })
                })?);
            } else if key == content {
                if !matches!(body, Content::Absent) {
                    ok &= duplicate(&mut map, cx, content)?;
                    continue;
                }
                body = match index {
                    Some(Some(i)) if E::unit(i).is_none() => {
                        Content::Read(cx.at(Seg::Key(content), |cx| {
                            map.next_value_seed(ContentSeed::<E> {
                                index: i,
                                cx,
                                _e: PhantomData,
                            })
                        })?)
                    }
                    _ => match map.next_value_seed(Buffered {
                        depth: cx.remaining_depth().saturating_sub(1),
                    })? {
                        Ok(buf) => Content::Buffered(buf),
                        Err(deep) => Content::TooDeep(deep.below),
                    },
                };
            } else if E::DENY_UNKNOWN {
                let got = map.next_value_seed(Got)?;
                let only = [tag, content];
                cx.at(Seg::Key(&key), |cx| {
                    super::object::unknown_field(cx, &key, &only, got)
                });
                ok = false;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        let Some(index) = index else {
            missing_tag::<E>(cx, tag);
            return Ok(None);
        };
        let Some(index) = index else {
            return Ok(None);
        };
        let out = match (E::unit(index), body) {
            (_, Content::TooDeep(below)) => {
                cx.at(Seg::Key(content), |cx| cx.too_deep_below(below));
                None
            }
            (Some(unit), Content::Absent | Content::Buffered(Buf::Null)) => Some(unit),
            (Some(_), Content::Buffered(other)) => {
                let got = got(&other).unwrap_or_default();
                cx.at(Seg::Key(content), |cx| {
                    cx.error(
                        ErrorKind::Type,
                        "null",
                        Some(got),
                        "a unit variant has no content",
                    );
                });
                None
            }
            (_, Content::Read(value)) => value,
            (_, Content::Buffered(value)) => cx
                .at(Seg::Key(content), |cx| E::content(index, &value, cx))
                .map_err(convert)?,
            (None, Content::Absent) => {
                cx.at(Seg::Key(content), |cx| {
                    let variant = name_of::<E>(index);
                    cx.error(
                        ErrorKind::Missing,
                        format!("the content of variant `{variant}`"),
                        None,
                        "missing required field",
                    );
                });
                None
            }
        };
        Ok(out.filter(|_| ok))
    }
}

fn duplicate<'de, A: MapAccess<'de>>(
    map: &mut A,
    cx: &mut Cx<'_>,
    key: &str,
) -> Result<bool, A::Error> {
    let got = map.next_value_seed(Got)?;
    cx.at(Seg::Key(key), |cx| duplicate_error(cx, key, got));
    Ok(false)
}

#[cold]
fn duplicate_error(cx: &mut Cx<'_>, key: &str, got: String) {
    cx.error(
        ErrorKind::Duplicate,
        "each field at most once",
        Some(got),
        format!("duplicate field `{key}`"),
    );
}

// ---------------------------------------------------------------------------------------------------
// Untagged

/// The first variant whose shape fits, as serde picks it; its constraint errors are then reported.
///
/// A variant fits when reading it finds no structural error (wrong type, missing or unknown field):
/// that is the variant serde would deserialize, so the value we accept is the value serde builds.
pub fn untagged<'de, E: EnumShape, D: Deserializer<'de>>(
    de: D,
    cx: &mut Cx<'_>,
) -> Result<Option<E>, D::Error> {
    match buffer(de, cx.remaining_depth())? {
        Ok(buf) => untagged_buffered::<E>(&buf, cx).map_err(convert),
        Err(deep) => {
            cx.too_deep_below(deep.below);
            Ok(None)
        }
    }
}

fn untagged_buffered<E: EnumShape>(
    buf: &Buf,
    cx: &mut Cx<'_>,
) -> Result<Option<E>, super::buffer::BufError> {
    let mut closest: Option<Vec<Violation>> = None;
    for index in 0..E::VARIANTS.len() as u32 {
        let mut errors = Vec::new();
        let built = match E::unit(index) {
            Some(unit) => (*buf == Buf::Null).then_some(unit),
            None => E::content(index, buf, &mut cx.scratch(&mut errors))?,
        };
        let structural = errors.iter().filter(|e| e.kind().is_structural()).count();
        if structural == 0 && (built.is_some() || !errors.is_empty()) {
            cx.extend(errors);
            return Ok(built);
        }
        // The closest variant is one whose overall shape fits (no type error at the enum's own
        // path), then the one with the fewest errors.
        let score = |errors: &[Violation]| {
            let here = cx.path();
            let wrong_shape = errors
                .iter()
                .any(|e| e.kind() == ErrorKind::Type && *e.path() == here);
            (wrong_shape, errors.len())
        };
        if !errors.is_empty() && closest.as_ref().is_none_or(|c| score(&errors) < score(c)) {
            closest = Some(errors);
        }
    }
    cx.error(
        ErrorKind::Variant,
        expected(&E::schema()),
        Some(got(buf).unwrap_or_default()),
        "matches none of the variants",
    );
    cx.extend(closest.unwrap_or_default());
    Ok(None)
}
