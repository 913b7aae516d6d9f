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
        // One look at the node (the path every validator takes).
        let node = self.node();
        if !node.complete {
            return Err(Error::custom("the value is not whole"));
        }
        match &node.kind {
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

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};
    use std::fmt::{self, Debug};

    use serde::de::{DeserializeOwned, IgnoredAny};
    use serde_json::value::RawValue;

    use super::*;
    use crate::diagnostics::Violation;
    use crate::lenient::incremental::{Blind, Incremental};
    use crate::schema::Constraints;
    use crate::structured::Structured;
    use crate::validate::{self, Cx};

    /// The tree of `text`, read whole.
    fn read(text: &str) -> Incremental {
        let mut reader = Incremental::new();
        reader.feed(text, &mut Blind);
        reader.finish(&mut Blind);
        reader
    }

    /// The tree of `[text]`: the incremental reader takes a bare `true`, `false` or `null` for
    /// prose, so each value is read as the one item of an array. Its node is `item(&reader)`.
    fn read_item(text: &str) -> Incremental {
        read(&format!("[{text}]"))
    }

    fn item(reader: &Incremental) -> NodeRef<'_> {
        let root = reader.tree().root().expect("a value");
        root.items()
            .and_then(|mut items| items.next())
            .expect("one item")
    }

    /// `T` from the tree of `text`, and from its `Value`.
    fn both<T: DeserializeOwned>(text: &str) -> (Result<T, String>, Result<T, String>) {
        let reader = read_item(text);
        let value: Value = serde_json::from_str(text).unwrap();
        let from_node = T::deserialize(item(&reader)).map_err(|e| e.to_string());
        let from_value = T::deserialize(&value).map_err(|e| e.to_string());
        (from_node, from_value)
    }

    /// `T` reads the same from the tree of `text` as from its `Value` (errors word for word), and
    /// as from the text itself when it reads at all.
    fn same<T: DeserializeOwned + PartialEq + Debug>(text: &str) -> Result<T, String> {
        let (from_node, from_value) = both::<T>(text);
        assert_eq!(from_node, from_value, "{text}");
        let from_text = serde_json::from_str::<T>(text);
        match (&from_node, from_text) {
            (Ok(a), Ok(b)) => assert_eq!(*a, b, "{text}"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{text}: tree gives {a:?}, text gives {b:?}"),
        }
        from_node
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Person {
        name: String,
        age: u8,
        nick: Option<String>,
        tags: Vec<String>,
        home: Address,
        pets: Vec<Pet>,
        score: f64,
        balance: i64,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Address {
        city: String,
        zip: Option<u32>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    enum Pet {
        Nothing,
        Cat(String),
        Pair(u8, u8),
        Dog { name: String, age: u8 },
    }

    #[derive(Deserialize, Debug, PartialEq, Eq, Hash)]
    enum Color {
        Red,
        Blue,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Unit;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Meters(f64);

    #[derive(Deserialize, Debug, PartialEq)]
    struct Point(i32, i32);

    const PERSON: &str = r#"{
        "name": "Ada", "age": 36, "nick": null, "tags": ["math", "engines"],
        "home": {"city": "London", "zip": 12345},
        "pets": ["Nothing", {"Cat": "Tom"}, {"Pair": [1, 2]}, {"Dog": {"name": "Rex", "age": 3}}],
        "score": 9.5, "balance": -42
    }"#;

    #[test]
    fn types_read_as_from_a_value() {
        assert_eq!(same::<Person>(PERSON).unwrap().pets.len(), 4);
        same::<Address>(r#"{"city": "Paris", "zip": null, "extra": [1, {"a": null}]}"#).unwrap();
        // A struct from an array, as serde_json allows.
        same::<Address>(r#"["Rome", 100]"#).unwrap();
        same::<u8>("255").unwrap();
        same::<i64>("-9223372036854775808").unwrap();
        same::<u64>("18446744073709551615").unwrap();
        same::<f64>("1e300").unwrap();
        same::<f64>("3").unwrap();
        same::<f64>("-0").unwrap();
        same::<f32>("0.1").unwrap();
        same::<i128>("-5").unwrap();
        same::<bool>("true").unwrap();
        same::<()>("null").unwrap();
        same::<Unit>("null").unwrap();
        same::<Meters>("2.5").unwrap();
        same::<Point>("[1, -2]").unwrap();
        same::<(u8, String, bool)>(r#"[1, "a", false]"#).unwrap();
        same::<char>(r#""é""#).unwrap();
        same::<String>(r#""line\nbreak \u00e9 \ud83d\ude00""#).unwrap();
        same::<Vec<u8>>("[1, 2, 3]").unwrap();
        same::<Option<Option<u8>>>("null").unwrap();
        same::<Option<u8>>("7").unwrap();
        same::<Color>(r#""Blue""#).unwrap();
        same::<HashMap<String, Vec<i64>>>(r#"{"a": [1, -2], "b": []}"#).unwrap();
        same::<BTreeMap<String, Option<f64>>>(r#"{"x": 1.5, "y": null}"#).unwrap();
        same::<Value>(
            r#"{"a": [1, 2.5, -3, "x", null, true, {"b": {}}], "c": 18446744073709551615}"#,
        )
        .unwrap();
        // Keys that are numbers, booleans or enum variants in quotes.
        same::<HashMap<u32, bool>>(r#"{"1": true, "20": false}"#).unwrap();
        same::<BTreeMap<i8, u8>>(r#"{"-1": 1, "5": 2}"#).unwrap();
        same::<HashMap<bool, u8>>(r#"{"true": 1, "false": 0}"#).unwrap();
        same::<HashMap<Color, u8>>(r#"{"Red": 1}"#).unwrap();
        same::<HashMap<Option<String>, u8>>(r#"{"k": 1}"#).unwrap();
    }

    #[test]
    fn errors_are_serde_jsons() {
        same::<u8>("300").unwrap_err();
        same::<u8>("-1").unwrap_err();
        same::<u8>(r#""x""#).unwrap_err();
        same::<i64>("1.5").unwrap_err();
        same::<String>("1").unwrap_err();
        same::<bool>("null").unwrap_err();
        same::<()>("0").unwrap_err();
        same::<Unit>("[]").unwrap_err();
        same::<char>(r#""ab""#).unwrap_err();
        same::<Vec<u8>>(r#"{"a": 1}"#).unwrap_err();
        same::<Address>(r#"{"zip": 1}"#).unwrap_err();
        same::<Address>(r#""Rome""#).unwrap_err();
        same::<Person>(r#"{"name": 1}"#).unwrap_err();
        // An array longer than the tuple: "fewer elements", with the array's length.
        let err = same::<(u8, u8)>("[1, 2, 3]").unwrap_err();
        assert!(err.contains("invalid length 3"), "{err}");
        same::<(u8, u8)>("[1]").unwrap_err();
        // Enums: the wrong shape, an unknown name, more than one key, content on a unit variant, a
        // unit where content is due, an empty array for a tuple variant.
        same::<Pet>("3").unwrap_err();
        same::<Pet>(r#""Bird""#).unwrap_err();
        same::<Pet>("{}").unwrap_err();
        same::<Pet>(r#"{"Cat": "a", "Nothing": null}"#).unwrap_err();
        same::<Pet>(r#"{"Nothing": 1}"#).unwrap_err();
        same::<Pet>(r#"{"Nothing": null}"#).unwrap();
        same::<Pet>(r#""Cat""#).unwrap_err();
        same::<Pet>(r#""Pair""#).unwrap_err();
        same::<Pet>(r#""Dog""#).unwrap_err();
        same::<Pet>(r#"{"Pair": []}"#).unwrap_err();
        same::<Pet>(r#"{"Pair": 1}"#).unwrap_err();
        // Where the text and the `Value` differ (the text takes a struct variant's fields as an
        // array), the tree is read as the `Value`.
        let (from_node, from_value) = both::<Pet>(r#"{"Dog": ["Rex", 3]}"#);
        assert_eq!(from_node, from_value);
        assert!(from_node.is_err());
        same::<Pet>(r#"{"Dog": {"name": "Rex"}}"#).unwrap_err();
        same::<Color>(r#"{"Red": null}"#).unwrap();
        // Keys that are not what the map is keyed by.
        for text in [
            r#"{"x": true}"#,
            r#"{"": true}"#,
            r#"{" 1": true}"#,
            r#"{"1 ": true}"#,
            r#"{"1 2": true}"#,
            r#"{"-": true}"#,
            r#"{"01": true}"#,
            r#"{"1.5": true}"#,
            r#"{"-1": true}"#,
            r#"{"5000000000": true}"#,
        ] {
            same::<HashMap<u32, bool>>(text).unwrap_err();
        }
        same::<HashMap<bool, u8>>(r#"{"yes": 1}"#).unwrap_err();
        same::<HashMap<Color, u8>>(r#"{"Green": 1}"#).unwrap_err();
    }

    /// The first error `T` gives on the tree of `text`.
    fn node_error<T: DeserializeOwned + Debug>(text: &str) -> String {
        let reader = read(text);
        T::deserialize(reader.tree().root().unwrap())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn repeated_keys_pass_through_as_written() {
        // A `Value` keeps one of them; the text, like the tree, hands over both.
        let text = r#"{"city": "a", "city": "b"}"#;
        let from_text = serde_json::from_str::<Address>(text)
            .unwrap_err()
            .to_string();
        assert!(
            from_text.starts_with("duplicate field `city`"),
            "{from_text}"
        );
        assert_eq!(node_error::<Address>(text), "duplicate field `city`");
        let reader = read(r#"{"a": 1, "a": 2, "b": 3}"#);
        let node = reader.tree().root().unwrap();
        let map = BTreeMap::<String, i64>::deserialize(node).unwrap();
        assert_eq!(map, BTreeMap::from([("a".into(), 2), ("b".into(), 3)]));
        let pairs = Pairs::deserialize(node).unwrap();
        assert_eq!(pairs.0, [("a".into(), 1), ("a".into(), 2), ("b".into(), 3)]);
        // A variant is one key, repeated or not.
        node_error::<Pet>(r#"{"Cat": "a", "Cat": "b"}"#);
    }

    /// An object's members, every one in order.
    #[derive(Debug)]
    struct Pairs(Vec<(String, i64)>);

    impl<'de> Deserialize<'de> for Pairs {
        fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Pairs;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                    let mut pairs = Vec::new();
                    while let Some(pair) = map.next_entry()? {
                        pairs.push(pair);
                    }
                    Ok(Pairs(pairs))
                }
            }
            de.deserialize_map(V)
        }
    }

    /// The size hints a visitor is given.
    #[derive(Debug, PartialEq)]
    struct Hint(Option<usize>);

    impl<'de> Deserialize<'de> for Hint {
        fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Hint;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a container")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Hint, A::Error> {
                    let hint = seq.size_hint();
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(Hint(hint))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Hint, A::Error> {
                    let hint = map.size_hint();
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(Hint(hint))
                }
            }
            de.deserialize_any(V)
        }
    }

    #[test]
    fn size_hints_borrows_and_readability() {
        // As from a `Value`: the length (serde_json's text `Deserializer` gives none).
        for (text, hint) in [("[1, [2], 3]", 3), ("[]", 0), (r#"{"a": 1, "b": {}}"#, 2)] {
            let (from_node, from_value) = both::<Hint>(text);
            assert_eq!(from_node, from_value);
            assert_eq!(from_node, Ok(Hint(Some(hint))));
        }
        let text = r#"{"a": [1, "x"], "b": null}"#;
        let reader = read(text);
        let node = reader.tree().root().unwrap();
        assert!(node.is_human_readable());
        let value: Value = serde_json::from_str(text).unwrap();
        let raw = Box::<RawValue>::deserialize(node).unwrap();
        assert_eq!(
            raw.get(),
            Box::<RawValue>::deserialize(&value).unwrap().get()
        );
        // Strings and keys are lent from the tree, not copied.
        let reader = read(r#"{"k": "v", "w": ["x"]}"#);
        let node = reader.tree().root().unwrap();
        let map = HashMap::<&str, Value>::deserialize(node).unwrap();
        assert_eq!(map["k"], "v");
        let word = <&str>::deserialize(node.get("k").unwrap()).unwrap();
        assert_eq!(word, "v");
        let bytes = serde_bytes_like(node.get("w").unwrap());
        assert_eq!(
            bytes,
            Err("invalid type: string \"x\", expected u8".to_owned())
        );
    }

    /// `Vec<u8>` through `deserialize_byte_buf` (a string is its UTF-8, an array its items).
    fn serde_bytes_like(node: NodeRef<'_>) -> Result<Vec<u8>, String> {
        node.deserialize_byte_buf(BytesVisitor)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn bytes_read_as_from_a_value() {
        for text in [r#""hé""#, "[1, 2]", "[300]", "1", "null"] {
            let reader = read_item(text);
            let value: Value = serde_json::from_str(text).unwrap();
            let from_value = (&value)
                .deserialize_bytes(BytesVisitor)
                .map_err(|e| e.to_string());
            assert_eq!(serde_bytes_like(item(&reader)), from_value, "{text}");
        }
    }

    struct BytesVisitor;

    impl<'de> Visitor<'de> for BytesVisitor {
        type Value = Vec<u8>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("bytes")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
            Ok(v.as_bytes().to_vec())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut out = Vec::new();
            while let Some(b) = seq.next_element()? {
                out.push(b);
            }
            Ok(out)
        }
    }

    /// The typed validator on the tree of `text`, as `validate::finish` would report it.
    fn validate_node<T: Structured>(text: &str) -> Result<T, Vec<Violation>> {
        let reader = read_item(text);
        let mut errors = Vec::new();
        let built = T::__deserialize(
            item(&reader),
            &mut Cx::root(&mut errors),
            Constraints::none(),
        );
        match built {
            Ok(Some(value)) if errors.is_empty() => Ok(value),
            Ok(_) => Err(errors),
            Err(e) => panic!("{text}: the tree is whole, yet {e}"),
        }
    }

    /// The validator gives the same on the tree as on the `Value` and on the text.
    fn validates_alike<T: Structured + PartialEq + Debug>(text: &str) -> Result<T, Vec<Violation>> {
        let on_node = validate_node::<T>(text);
        let value: Value = serde_json::from_str(text).unwrap();
        let on_value = validate::from_value::<T>(&value).map_err(|d| d.errors().to_vec());
        assert_eq!(on_node, on_value, "{text}");
        let on_text = validate::from_str::<T>(text).map_err(|d| d.errors().to_vec());
        assert_eq!(on_node, on_text, "{text}");
        on_node
    }

    #[test]
    fn the_validator_reads_the_tree_as_a_value() {
        assert_eq!(
            validates_alike::<Vec<String>>(r#"["a", "b"]"#).unwrap(),
            ["a", "b"]
        );
        assert_eq!(validates_alike::<Option<u8>>("null").unwrap(), None);
        assert_eq!(validates_alike::<Option<u8>>("7").unwrap(), Some(7));
        validates_alike::<BTreeMap<String, i64>>(r#"{"a": -1, "b": 2}"#).unwrap();
        validates_alike::<Value>(r#"{"a": [1, 2.5, -3, "x", null, true, {"b": {}}]}"#).unwrap();
        validates_alike::<HashMap<String, Vec<Option<f64>>>>(r#"{"a": [1, null, 2.5], "b": []}"#)
            .unwrap();
        validates_alike::<(u8, String, bool)>(r#"[1, "a", true]"#).unwrap();
        validates_alike::<[i64; 2]>("[-1, 1]").unwrap();
        validates_alike::<char>(r#""x""#).unwrap();
        validates_alike::<Box<u16>>("65535").unwrap();
        validates_alike::<bool>("false").unwrap();
        validates_alike::<()>("null").unwrap();
        validates_alike::<f64>("-0").unwrap();
        validates_alike::<Option<Vec<(String, u8)>>>(r#"[["a", 1], ["b", 2]]"#).unwrap();
    }

    #[test]
    fn the_validator_finds_the_same_errors_on_the_tree() {
        let errors = validates_alike::<Vec<String>>(r#"[1, "a", null, {"x": [2]}]"#).unwrap_err();
        assert_eq!(errors.len(), 3);
        validates_alike::<u8>("300").unwrap_err();
        validates_alike::<u8>("1.5").unwrap_err();
        validates_alike::<Option<u8>>(r#""x""#).unwrap_err();
        validates_alike::<BTreeMap<String, i64>>(r#"{"a": "x", "b": 1.5, "c": [1]}"#).unwrap_err();
        validates_alike::<BTreeMap<String, i64>>("[1]").unwrap_err();
        validates_alike::<(u8, String, bool)>(r#"[1, "a"]"#).unwrap_err();
        validates_alike::<(u8, String, bool)>(r#"[1, "a", true, 4]"#).unwrap_err();
        validates_alike::<[i64; 2]>("[1, 2, 3]").unwrap_err();
        validates_alike::<char>(r#""ab""#).unwrap_err();
        validates_alike::<()>("{}").unwrap_err();
    }

    #[test]
    fn the_validator_sees_repeated_keys_as_in_text() {
        for text in [r#"{"a": 1, "a": 2}"#, r#"{"a": 1, "a": "x", "b": 3}"#] {
            let on_node = validate_node::<BTreeMap<String, i64>>(text);
            let on_text = validate::from_str::<BTreeMap<String, i64>>(text);
            assert_eq!(on_node, on_text.map_err(|d| d.errors().to_vec()), "{text}");
            let on_node = validate_node::<Value>(text);
            let on_text = validate::from_str::<Value>(text);
            assert_eq!(on_node, on_text.map_err(|d| d.errors().to_vec()), "{text}");
        }
    }

    #[test]
    fn an_unfinished_value_is_an_error_not_a_panic() {
        let reader = {
            let mut reader = Incremental::new();
            reader.feed(r#"{"name": "Ad"#, &mut Blind);
            reader
        };
        let node = reader.tree().root().unwrap();
        assert!(!node.complete());
        let err = Person::deserialize(node).unwrap_err();
        assert_eq!(err.to_string(), "the value is not whole");
        let mut errors = Vec::new();
        let built = BTreeMap::<String, Value>::__deserialize(
            node,
            &mut Cx::root(&mut errors),
            Constraints::none(),
        );
        assert_eq!(built.unwrap_err().to_string(), "the value is not whole");

        // Every prefix of a reply: whatever is read, an unfinished value is never taken for one.
        for end in (0..=PERSON.len()).filter(|&i| PERSON.is_char_boundary(i)) {
            let mut reader = Incremental::new();
            reader.feed(&PERSON[..end], &mut Blind);
            let Some(node) = reader.tree().root() else {
                continue;
            };
            let whole = node.complete();
            assert_eq!(Person::deserialize(node).is_ok(), whole, "{end}");
            assert_eq!(Value::deserialize(node).is_ok(), whole, "{end}");
            let _ = IgnoredAny::deserialize(node);
            let _ = <Option<Pet>>::deserialize(node);
            let _ = Pet::deserialize(node);
            let _ = <(String, u8)>::deserialize(node);
            let mut errors = Vec::new();
            let built = <Value as Structured>::__deserialize(
                node,
                &mut Cx::root(&mut errors),
                Constraints::none(),
            );
            assert_eq!(built.is_ok(), whole, "{end}");
        }
    }
}
