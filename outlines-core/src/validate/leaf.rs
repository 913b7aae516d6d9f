//! One visitor for every scalar type: it accepts what the type accepts and records a type mismatch,
//! with the offending value, for everything else.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, MapAccess, SeqAccess, Visitor};

use super::Cx;
use super::buffer::got;
use crate::schema::Constraints;
use crate::structured::Structured;
use crate::text::{float_text, shorten_str};

/// What a scalar made of one JSON token turned out to be.
pub(crate) enum Outcome<T> {
    /// The right type, and it meets its constraints.
    Valid(T),
    /// The right type, but it breaks a constraint (already recorded).
    Invalid,
    /// The wrong type (the visitor records it).
    Mismatch,
}

/// A type read from a single JSON token. Each hook defaults to "wrong type".
pub(crate) trait Leaf: Structured {
    fn on_bool(_v: bool, _c: &'static Constraints, _cx: &mut Cx<'_>) -> Outcome<Self> {
        Outcome::Mismatch
    }
    fn on_u64(_v: u64, _c: &'static Constraints, _cx: &mut Cx<'_>) -> Outcome<Self> {
        Outcome::Mismatch
    }
    fn on_i64(_v: i64, _c: &'static Constraints, _cx: &mut Cx<'_>) -> Outcome<Self> {
        Outcome::Mismatch
    }
    fn on_f64(_v: f64, _c: &'static Constraints, _cx: &mut Cx<'_>) -> Outcome<Self> {
        Outcome::Mismatch
    }
    fn on_str(_v: &str, _c: &'static Constraints, _cx: &mut Cx<'_>) -> Outcome<Self> {
        Outcome::Mismatch
    }
    /// An owned string; types that keep it avoid a copy. A mismatch hands the string back.
    fn on_string(
        v: String,
        c: &'static Constraints,
        cx: &mut Cx<'_>,
    ) -> Result<Outcome<Self>, String> {
        match Self::on_str(&v, c, cx) {
            Outcome::Mismatch => Err(v),
            outcome => Ok(outcome),
        }
    }
    fn on_null(_c: &'static Constraints, _cx: &mut Cx<'_>) -> Outcome<Self> {
        Outcome::Mismatch
    }
}

/// Reads a [`Leaf`] with `deserialize_any`.
#[inline]
pub(crate) fn deserialize_leaf<'de, T: Leaf, D: de::Deserializer<'de>>(
    de: D,
    cx: &mut Cx<'_>,
    c: &'static Constraints,
) -> Result<Option<T>, D::Error> {
    de.deserialize_any(LeafVisitor::<T> {
        cx,
        c,
        _t: PhantomData,
    })
}

struct LeafVisitor<'c, 'p, T> {
    cx: &'c mut Cx<'p>,
    c: &'static Constraints,
    _t: PhantomData<T>,
}

impl<T: Leaf> LeafVisitor<'_, '_, T> {
    #[inline]
    fn finish(self, outcome: Outcome<T>, got: impl FnOnce() -> String) -> Option<T> {
        match outcome {
            Outcome::Valid(v) => Some(v),
            Outcome::Invalid => None,
            Outcome::Mismatch => {
                mismatch::<T>(self.cx, self.c, got());
                None
            }
        }
    }
}

/// Records a type mismatch for `T` (with the field's constraints, for a precise "expected").
#[cold]
pub(crate) fn mismatch<T: Structured>(cx: &mut Cx<'_>, c: &'static Constraints, got: String) {
    cx.mismatch(&T::schema().constrain(c), got);
}

impl<'de, T: Leaf> Visitor<'de> for LeafVisitor<'_, '_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    #[inline]
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        let outcome = T::on_bool(v, self.c, self.cx);
        Ok(self.finish(outcome, || v.to_string()))
    }

    #[inline]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        let outcome = T::on_i64(v, self.c, self.cx);
        Ok(self.finish(outcome, || v.to_string()))
    }

    #[inline]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        let outcome = T::on_u64(v, self.c, self.cx);
        Ok(self.finish(outcome, || v.to_string()))
    }

    #[inline]
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        let outcome = T::on_f64(v, self.c, self.cx);
        Ok(self.finish(outcome, || float_text(v)))
    }

    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let outcome = T::on_str(v, self.c, self.cx);
        Ok(self.finish(outcome, || shorten_str(v)))
    }

    #[inline]
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(match T::on_string(v, self.c, self.cx) {
            Ok(outcome) => self.finish(outcome, String::new),
            Err(v) => self.finish(Outcome::Mismatch, || shorten_str(&v)),
        })
    }

    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        let outcome = T::on_null(self.c, self.cx);
        Ok(self.finish(outcome, || "null".into()))
    }

    #[inline]
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    #[inline]
    fn visit_some<D: de::Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        deserialize_leaf::<T, D>(de, self.cx, self.c)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let got = got(de::value::SeqAccessDeserializer::new(seq))?;
        mismatch::<T>(self.cx, self.c, got);
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let got = got(de::value::MapAccessDeserializer::new(map))?;
        mismatch::<T>(self.cx, self.c, got);
        Ok(None)
    }
}
