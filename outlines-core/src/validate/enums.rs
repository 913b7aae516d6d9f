//! Enums in serde's four representations: externally tagged (`"Unit"` or `{"Variant": content}`),
//! internally tagged (`{"type": "Variant", ...}`), adjacently tagged (`{"t": "Variant", "c": content}`)
//! and untagged (the first variant that fits).
//!
//! Tagged objects are read in one pass when the tag comes first (as models write it when the schema
//! lists it first); otherwise the object is buffered as a `Value` and read from there.

use std::fmt::Display;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess};
use serde_json::{Map, Value};

use super::expect::{Container, Expect};
use super::{Cx, Seg};
use crate::diagnostics::{Error, ErrorKind, shorten_json, shorten_str};
use crate::schema::Literal;
use crate::schema::expected::{expected, one_of};
use crate::structured::Structured;

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
fn unknown_variant<E: EnumShape>(cx: &mut Cx<'_>, got: &str) {
    cx.error(
        ErrorKind::Variant,
        variant_names::<E>(),
        Some(shorten_str(got)),
        format!("unknown variant `{got}`"),
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
                    let value: Value = map.next_value()?;
                    let name = name_of::<E>(index);
                    cx.error(
                        ErrorKind::Type,
                        format!("the string \"{name}\""),
                        Some(shorten_json(&value)),
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
}

/// A variant name as a map key: its index, or the unknown name.
struct VariantKey<E> {
    index: Option<u32>,
    name: String,
    _e: PhantomData<E>,
}

impl<'de, E: EnumShape> Deserialize<'de> for VariantKey<E> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(de)?;
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
        let Some(first) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
            missing_tag::<E>(cx, tag);
            return Ok(None);
        };
        if first != tag {
            // The tag comes later: buffer the object and read it from there.
            let mut object = Map::new();
            let value: Value = map.next_value()?;
            object.insert(first.into_owned(), value);
            while let Some((k, v)) = map.next_entry::<String, Value>()? {
                object.insert(k, v);
            }
            return internal_buffered::<E>(&object, cx, tag).map_err(convert);
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
        E::fields(index, map, cx)
    }
}

fn internal_buffered<E: EnumShape>(
    object: &Map<String, Value>,
    cx: &mut Cx<'_>,
    tag: &'static str,
) -> Result<Option<E>, serde_json::Error> {
    let Some(tag_value) = object.get(tag) else {
        missing_tag::<E>(cx, tag);
        return Ok(None);
    };
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
    let rest = object
        .iter()
        .filter(|(k, _)| *k != tag)
        .map(|(k, v)| (k.as_str(), v));
    let map = de::value::MapDeserializer::<_, serde_json::Error>::new(rest);
    if let Some(unit) = E::unit(index) {
        return Ok(rest_of_unit::<E, _>(map, cx, tag)?.then_some(unit));
    }
    E::fields(index, map, cx)
}

/// After a unit variant's tag: other keys are errors under `deny_unknown_fields`, else ignored.
fn rest_of_unit<'de, E: EnumShape, A: MapAccess<'de>>(
    mut map: A,
    cx: &mut Cx<'_>,
    tag: &str,
) -> Result<bool, A::Error> {
    let mut ok = true;
    while let Some(key) = map.next_key::<String>()? {
        let value: Value = map.next_value()?;
        if E::DENY_UNKNOWN && key != tag {
            cx.at(Seg::Key(&key), |cx| {
                cx.error(
                    ErrorKind::Unknown,
                    format!("only the key \"{tag}\""),
                    Some(shorten_json(&value)),
                    format!("unknown field `{key}`"),
                );
            });
            ok = false;
        }
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
    Buffered(Value),
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
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
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
                    _ => Content::Buffered(map.next_value()?),
                };
            } else {
                let value: Value = map.next_value()?;
                if E::DENY_UNKNOWN {
                    cx.at(Seg::Key(&key), |cx| {
                        cx.error(
                            ErrorKind::Unknown,
                            format!("only the keys \"{tag}\" and \"{content}\""),
                            Some(shorten_json(&value)),
                            format!("unknown field `{key}`"),
                        );
                    });
                    ok = false;
                }
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
            (Some(unit), Content::Absent) => Some(unit),
            (Some(unit), Content::Buffered(Value::Null)) => Some(unit),
            (Some(_), Content::Buffered(other)) => {
                cx.at(Seg::Key(content), |cx| {
                    cx.error(
                        ErrorKind::Type,
                        "null",
                        Some(shorten_json(&other)),
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
    let value: Value = map.next_value()?;
    cx.at(Seg::Key(key), |cx| {
        cx.error(
            ErrorKind::Duplicate,
            "each field at most once",
            Some(shorten_json(&value)),
            format!("duplicate field `{key}`"),
        );
    });
    Ok(false)
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
    let value = Value::deserialize(de)?;
    untagged_value::<E>(&value, cx).map_err(convert)
}

fn untagged_value<E: EnumShape>(
    value: &Value,
    cx: &mut Cx<'_>,
) -> Result<Option<E>, serde_json::Error> {
    let mut closest: Option<Vec<Error>> = None;
    for index in 0..E::VARIANTS.len() as u32 {
        let mut errors = Vec::new();
        let built = match E::unit(index) {
            Some(unit) => value.is_null().then_some(unit),
            None => E::content(index, value, &mut cx.scratch(&mut errors))?,
        };
        let structural = errors.iter().filter(|e| e.kind().is_structural()).count();
        if structural == 0 && (built.is_some() || !errors.is_empty()) {
            cx.extend(errors);
            return Ok(built);
        }
        if closest.as_ref().is_none_or(|c| errors.len() < c.len()) && !errors.is_empty() {
            closest = Some(errors);
        }
    }
    cx.error(
        ErrorKind::Variant,
        expected(&E::schema()),
        Some(shorten_json(value)),
        "matches none of the variants",
    );
    cx.extend(closest.unwrap_or_default());
    Ok(None)
}
