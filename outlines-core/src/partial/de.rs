//! A node of the tree as a serde `Deserializer`, so the typed validator (and any `Deserialize` type)
//! reads a streamed reply's value without first copying it into a `serde_json::Value`.
//!
//! It mirrors serde_json's `impl Deserializer for &Value` method by method, so a type reads the same
//! from the tree as from the `Value` of the same text; the one difference is that an object's
//! members come in the order written with repeats kept, as serde_json's text `Deserializer` passes
//! them. Only whole values are read: a node the reply has not finished is an error, never a guess.

use serde::Deserialize;
use serde::de::value::StrDeserializer;
use serde::de::{
    DeserializeSeed, Deserializer, EnumAccess, Error as _, Expected, IntoDeserializer, MapAccess,
    SeqAccess, Unexpected, VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;
use serde_json::{Error, Number, Value};

use super::{Kind, NodeRef};

/// The name serde_json's `RawValue` asks for in `deserialize_newtype_struct` (`raw_value` feature).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// An error unless the reply has finished writing `node`.
fn whole(node: NodeRef<'_>) -> Result<(), Error> {
    if node.complete() {
        Ok(())
    } else {
        Err(Error::custom("the value is not whole"))
    }
}

/// What `node` is, for an error message (as serde_json's `Value::unexpected`).
fn unexpected<'de>(node: NodeRef<'de>) -> Unexpected<'de> {
    if node.is_null() {
        Unexpected::Unit
    } else if let Some(b) = node.as_bool() {
        Unexpected::Bool(b)
    } else if let Some(n) = node.as_number() {
        number_unexpected(n)
    } else if let Some(s) = node.as_str() {
        Unexpected::Str(s)
    } else if node.items().is_some() {
        Unexpected::Seq
    } else if node.members().is_some() {
        Unexpected::Map
    } else {
        Unexpected::Other("a value of no JSON type")
    }
}

/// As serde_json's (private) `Number::unexpected`.
fn number_unexpected(n: &Number) -> Unexpected<'static> {
    if let Some(u) = n.as_u64() {
        Unexpected::Unsigned(u)
    } else if let Some(i) = n.as_i64() {
        Unexpected::Signed(i)
    } else {
        Unexpected::Float(n.as_f64().unwrap_or(f64::NAN))
    }
}

#[cold]
fn invalid_type(node: NodeRef<'_>, expected: &dyn Expected) -> Error {
    Error::invalid_type(unexpected(node), expected)
}

/// `(lower, Some(upper))` with both equal is a known length; anything else is no hint.
fn exact((lower, upper): (usize, Option<usize>)) -> Option<usize> {
    (upper == Some(lower)).then_some(lower)
}

/// An array's items to `visitor`, which must take them all (as serde_json's `visit_array_ref`).
fn visit_items<'de, I, V>(items: I, visitor: V) -> Result<V::Value, Error>
where
    I: Iterator<Item = NodeRef<'de>>,
    V: Visitor<'de>,
{
    let mut seq = Items {
        iter: items,
        taken: 0,
    };
    let value = visitor.visit_seq(&mut seq)?;
    let remaining = seq.iter.count();
    if remaining == 0 {
        Ok(value)
    } else {
        Err(Error::invalid_length(
            seq.taken + remaining,
            &"fewer elements in array",
        ))
    }
}

/// An object's members to `visitor`, which must take them all (as serde_json's `&Map`).
fn visit_members<'de, I, V>(members: I, visitor: V) -> Result<V::Value, Error>
where
    I: Iterator<Item = (&'de str, NodeRef<'de>)>,
    V: Visitor<'de>,
{
    let mut map = Members {
        iter: members,
        value: None,
        taken: 0,
    };
    let value = visitor.visit_map(&mut map)?;
    let remaining = map.iter.count();
    if remaining == 0 {
        Ok(value)
    } else {
        Err(Error::invalid_length(
            map.taken + remaining,
            &"fewer elements in map",
        ))
    }
}

/// Numbers as `&Value` reads them: a number is read by serde_json's own `Number`, anything else is
/// the wrong type.
macro_rules! deserialize_number {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            whole(self)?;
            match self.as_number() {
                Some(n) => n.$method(visitor),
                None => Err(invalid_type(self, &visitor)),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for NodeRef<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        whole(self)?;
        // One look at the kind (the path every validator takes).
        match &self.node().kind {
            Kind::Null => visitor.visit_unit(),
            Kind::Bool(b) => visitor.visit_bool(*b),
            Kind::Number(n) => n.deserialize_any(visitor),
            Kind::String(..) => visitor.visit_borrowed_str(self.as_str().unwrap_or_default()),
            Kind::Array(_) => visit_items(self.children(), visitor),
            Kind::Object(_) => visit_members(self.children().map(|n| (n.key(), n)), visitor),
        }
    }

    deserialize_number! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        whole(self)?;
        if self.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        whole(self)?;
        if let Some(name) = self.as_str() {
            return visitor.visit_enum(Variant { name, value: None });
        }
        let Some(mut members) = self.members() else {
            return Err(Error::invalid_type(unexpected(self), &"string or map"));
        };
        // A variant with content is an object of exactly one member.
        let single = || Error::invalid_value(Unexpected::Map, &"map with a single key");
        let (name, value) = members.next().ok_or_else(single)?;
        if members.next().is_some() {
            return Err(single());
        }
        visitor.visit_enum(Variant {
            name,
            value: Some(value),
        })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        whole(self)?;
        if name == RAW_VALUE_TOKEN {
            // serde_json's `RawValue` wants the value's JSON text: let an owned `Value` write it.
            return Value::deserialize(self)?.deserialize_newtype_struct(name, visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        whole(self)?;
        match self.as_bool() {
            Some(b) => visitor.visit_bool(b),
            None => Err(invalid_type(self, &visitor)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        whole(self)?;
        match self.as_str() {
            Some(s) => visitor.visit_borrowed_str(s),
            None => Err(invalid_type(self, &visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        whole(self)?;
        if let Some(s) = self.as_str() {
            visitor.visit_borrowed_str(s)
        } else if let Some(items) = self.items() {
            visit_items(items, visitor)
        } else {
            Err(invalid_type(self, &visitor))
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        whole(self)?;
        if self.is_null() {
            visitor.visit_unit()
        } else {
            Err(invalid_type(self, &visitor))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        whole(self)?;
        match self.items() {
            Some(items) => visit_items(items, visitor),
            None => Err(invalid_type(self, &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        whole(self)?;
        match self.members() {
            Some(members) => visit_members(members, visitor),
            None => Err(invalid_type(self, &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        whole(self)?;
        if let Some(items) = self.items() {
            visit_items(items, visitor)
        } else if let Some(members) = self.members() {
            visit_members(members, visitor)
        } else {
            Err(invalid_type(self, &visitor))
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // Even a skipped value must be whole: the tree is read only once the reply is.
        whole(self)?;
        visitor.visit_unit()
    }
}

/// An array's items, counted so a visitor that stops early can be told the array's length.
struct Items<I> {
    iter: I,
    taken: usize,
}

impl<'de, I: Iterator<Item = NodeRef<'de>>> SeqAccess<'de> for Items<I> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.iter.next() {
            Some(node) => {
                self.taken += 1;
                seed.deserialize(node).map(Some)
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        exact(self.iter.size_hint())
    }
}

/// An object's members in the order written, repeats included.
struct Members<'de, I> {
    iter: I,
    /// The value of the key just read.
    value: Option<NodeRef<'de>>,
    taken: usize,
}

impl<'de, I: Iterator<Item = (&'de str, NodeRef<'de>)>> MapAccess<'de> for Members<'de, I> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((key, value)) => {
                self.taken += 1;
                self.value = Some(value);
                seed.deserialize(Key(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        exact(self.iter.size_hint())
    }
}

/// An object's key, as serde_json's `MapKeyDeserializer`: a string, or a number or boolean in quotes
/// for a map keyed by one.
struct Key<'de>(&'de str);

/// serde_json's `ExpectedNumericKey` error, in its words.
fn numeric_key_error() -> Error {
    Error::custom("invalid value: expected key to be a number in quotes")
}

/// A key read as a number: the whole key must be one JSON number, read by serde_json's own parser.
macro_rules! deserialize_numeric_key {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let key = self.0;
            if !matches!(key.as_bytes().first(), Some(b'0'..=b'9' | b'-')) {
                return Err(numeric_key_error());
            }
            let mut de = serde_json::Deserializer::from_str(key);
            let number = de.$method(visitor)?;
            // serde_json wants nothing after the number, not even blanks (`end` would allow them).
            let blank_after = key.ends_with([' ', '\t', '\n', '\r']);
            if blank_after || de.end().is_err() {
                return Err(numeric_key_error());
            }
            Ok(number)
        }
    )*};
}

impl<'de> Deserializer<'de> for Key<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.0)
    }

    deserialize_numeric_key! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            key => Err(Error::invalid_type(Unexpected::Str(key), &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // A key is never null.
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let key: StrDeserializer<'de, Error> = self.0.into_deserializer();
        key.deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct
        map struct identifier ignored_any
    }
}

/// An enum's variant: its name, and its content unless it was written as a bare string.
struct Variant<'de> {
    name: &'de str,
    value: Option<NodeRef<'de>>,
}

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = Error;
    type Variant = Content<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Content<'de>), Error> {
        let name: StrDeserializer<'de, Error> = self.name.into_deserializer();
        seed.deserialize(name).map(|v| (v, Content(self.value)))
    }
}

/// A variant's content (none for a bare string).
struct Content<'de>(Option<NodeRef<'de>>);

impl<'de> VariantAccess<'de> for Content<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.0 {
            Some(value) => <()>::deserialize(value),
            None => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.0 {
            Some(value) => seed.deserialize(value),
            None => Err(Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        let Some(value) = self.0 else {
            return Err(Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            ));
        };
        // The content is read here, not through the `Deserializer`: check it is whole here too.
        whole(value)?;
        let Some(items) = value.items() else {
            return Err(Error::invalid_type(unexpected(value), &"tuple variant"));
        };
        let mut items = items.peekable();
        if items.peek().is_none() {
            // An empty array is a unit, as serde_json has it.
            visitor.visit_unit()
        } else {
            visit_items(items, visitor)
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let Some(value) = self.0 else {
            return Err(Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            ));
        };
        whole(value)?;
        match value.members() {
            Some(members) => visit_members(members, visitor),
            None => Err(Error::invalid_type(unexpected(value), &"struct variant")),
        }
    }
}
