//! A visitor for container-shaped values (arrays, objects, enums): the shape it expects is handled by
//! the [`Container`], every other JSON value is handed to [`Container::reject`] with its text.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};

use super::buffer::got;
use crate::text::float_text;
use crate::text::shorten_str;

/// The shape-specific part of a visitor. Unhandled shapes are rejected with the offending value.
pub(crate) trait Container<'de>: Sized {
    type Value;

    /// Records a type mismatch; `got` is the offending value as shortened JSON.
    fn reject(self, got: String) -> Self::Value;

    fn seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let got = got(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(self.reject(got))
    }

    fn map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let got = got(de::value::MapAccessDeserializer::new(map))?;
        Ok(self.reject(got))
    }

    fn str(self, v: &str) -> Self::Value {
        self.reject(shorten_str(v))
    }

    fn null(self) -> Self::Value {
        self.reject("null".into())
    }
}

/// Adapts a [`Container`] to serde's `Visitor`.
pub(crate) struct Expect<C>(pub(crate) C);

impl<'de, C: Container<'de>> Visitor<'de> for Expect<C> {
    type Value = C::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(self.0.reject(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.0.reject(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.0.reject(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(self.0.reject(float_text(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.str(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.null())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.null())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.map(map)
    }
}
