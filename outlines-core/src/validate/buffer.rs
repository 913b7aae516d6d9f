//! Reading a value whole, safely: a buffered copy for tagged objects that must be read twice, the
//! `got` text of a mismatch, and `serde_json::Value` fields — all with a depth limit, so a deep
//! `Value` handed to `from_value` cannot exhaust the stack.
//!
//! [`Buf`] keeps repeated keys (a `serde_json::Map` would keep only the last one), so a duplicate
//! field in a buffered object is still reported, as serde reports it.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::diagnostics::Segment;
use crate::text::Capped;

/// A JSON value read ahead, keys in order and repeats kept.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Buf {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(String),
    Seq(Vec<Buf>),
    Map(Vec<(String, Buf)>),
}

/// Containers nested deeper than allowed were cut off (their content read and dropped); `below` is the
/// path from the value read to the first container cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TooDeep {
    pub(crate) below: Vec<Segment>,
}

/// Where the first cut happened, recorded while the recursion unwinds: the container that hit the limit
/// starts the path, and each ancestor adds the step that led to it.
#[derive(Default)]
struct Cut {
    path: Option<Vec<Segment>>,
    unwinding: bool,
}

impl Cut {
    fn hit(&mut self) {
        if self.path.is_none() {
            self.path = Some(Vec::new());
            self.unwinding = true;
        }
    }

    /// Called after each child is read; `true` when the cut happened inside that child.
    fn through(&mut self, step: impl FnOnce() -> Segment) -> bool {
        if !self.unwinding {
            return false;
        }
        if let Some(path) = &mut self.path {
            path.push(step());
        }
        self.unwinding = false;
        true
    }

    fn finish<T>(self, value: T) -> Result<T, TooDeep> {
        match self.path {
            Some(mut below) => {
                below.reverse();
                Err(TooDeep { below })
            }
            None => Ok(value),
        }
    }
}

/// Reads any value into a [`Buf`], at most `depth` containers deep.
pub(crate) fn buffer<'de, D: Deserializer<'de>>(
    de: D,
    depth: u32,
) -> Result<Result<Buf, TooDeep>, D::Error> {
    let mut cut = Cut::default();
    let buf = de.deserialize_any(Build {
        depth,
        cut: &mut cut,
        make: BufMaker,
    })?;
    Ok(cut.finish(buf))
}

/// [`buffer`] as a seed, for a map value or an element.
pub(crate) struct Buffered {
    pub(crate) depth: u32,
}

impl<'de> DeserializeSeed<'de> for Buffered {
    type Value = Result<Buf, TooDeep>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        buffer(de, self.depth)
    }
}

/// [`got`] as a seed, for a map value.
pub(crate) struct Got;

impl<'de> DeserializeSeed<'de> for Got {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<String, D::Error> {
        got(de)
    }
}

/// Reads any value into a `serde_json::Value`, at most `depth` containers deep.
pub(crate) fn value<'de, D: Deserializer<'de>>(
    de: D,
    depth: u32,
) -> Result<Result<Value, TooDeep>, D::Error> {
    let mut cut = Cut::default();
    let value = de.deserialize_any(Build {
        depth,
        cut: &mut cut,
        make: ValueMaker,
    })?;
    Ok(cut.finish(value))
}

/// How [`Build`] assembles the tree it reads.
trait Maker: Copy {
    type Out;
    fn null(self) -> Self::Out;
    fn bool(self, v: bool) -> Self::Out;
    fn u64(self, v: u64) -> Self::Out;
    fn i64(self, v: i64) -> Self::Out;
    fn f64(self, v: f64) -> Self::Out;
    fn str(self, v: String) -> Self::Out;
    fn seq(self, v: Vec<Self::Out>) -> Self::Out;
    fn map(self, v: Vec<(String, Self::Out)>) -> Self::Out;
}

#[derive(Clone, Copy)]
struct BufMaker;

impl Maker for BufMaker {
    type Out = Buf;
    fn null(self) -> Buf {
        Buf::Null
    }
    fn bool(self, v: bool) -> Buf {
        Buf::Bool(v)
    }
    fn u64(self, v: u64) -> Buf {
        Buf::U64(v)
    }
    fn i64(self, v: i64) -> Buf {
        Buf::I64(v)
    }
    fn f64(self, v: f64) -> Buf {
        Buf::F64(v)
    }
    fn str(self, v: String) -> Buf {
        Buf::Str(v)
    }
    fn seq(self, v: Vec<Buf>) -> Buf {
        Buf::Seq(v)
    }
    fn map(self, v: Vec<(String, Buf)>) -> Buf {
        Buf::Map(v)
    }
}

#[derive(Clone, Copy)]
struct ValueMaker;

impl Maker for ValueMaker {
    type Out = Value;
    fn null(self) -> Value {
        Value::Null
    }
    fn bool(self, v: bool) -> Value {
        Value::Bool(v)
    }
    fn u64(self, v: u64) -> Value {
        v.into()
    }
    fn i64(self, v: i64) -> Value {
        v.into()
    }
    fn f64(self, v: f64) -> Value {
        Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
    fn str(self, v: String) -> Value {
        Value::String(v)
    }
    fn seq(self, v: Vec<Value>) -> Value {
        Value::Array(v)
    }
    fn map(self, v: Vec<(String, Value)>) -> Value {
        // A repeated key keeps the last value, as `serde_json::Value` does.
        Value::Object(v.into_iter().collect::<Map<String, Value>>())
    }
}

struct Build<'a, M> {
    depth: u32,
    cut: &'a mut Cut,
    make: M,
}

impl<'de, M: Maker> DeserializeSeed<'de> for Build<'_, M> {
    type Value = M::Out;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<M::Out, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de, M: Maker> Visitor<'de> for Build<'_, M> {
    type Value = M::Out;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<M::Out, E> {
        Ok(self.make.bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<M::Out, E> {
        Ok(self.make.i64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<M::Out, E> {
        Ok(self.make.u64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<M::Out, E> {
        Ok(self.make.f64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<M::Out, E> {
        Ok(self.make.str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<M::Out, E> {
        Ok(self.make.str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<M::Out, E> {
        Ok(self.make.null())
    }
    fn visit_none<E: de::Error>(self) -> Result<M::Out, E> {
        Ok(self.make.null())
    }
    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<M::Out, D::Error> {
        de.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<M::Out, A::Error> {
        let Build { depth, cut, make } = self;
        if depth == 0 {
            cut.hit();
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(make.null());
        }
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        let mut caused = false;
        while let Some(item) = seq.next_element_seed(Build {
            depth: depth - 1,
            cut: &mut *cut,
            make,
        })? {
            caused |= cut.through(|| Segment::Index(items.len()));
            items.push(item);
        }
        cut.unwinding |= caused;
        Ok(make.seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<M::Out, A::Error> {
        let Build { depth, cut, make } = self;
        if depth == 0 {
            cut.hit();
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(make.null());
        }
        let mut entries = Vec::new();
        let mut caused = false;
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Build {
                depth: depth - 1,
                cut: &mut *cut,
                make,
            })?;
            caused |= cut.through(|| Segment::Key(key.clone()));
            entries.push((key, value));
        }
        cut.unwinding |= caused;
        Ok(make.map(entries))
    }
}

// ------------------------------------------------------------------------------------------------
// Reading a buffered value back

/// The error of reading a [`Buf`]; never produced by the validator's own visitors.
pub(crate) type BufError = de::value::Error;

impl<'de> Deserializer<'de> for &'de Buf {
    type Error = BufError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BufError> {
        match self {
            Buf::Null => visitor.visit_unit(),
            Buf::Bool(v) => visitor.visit_bool(*v),
            Buf::U64(v) => visitor.visit_u64(*v),
            Buf::I64(v) => visitor.visit_i64(*v),
            Buf::F64(v) => visitor.visit_f64(*v),
            Buf::Str(v) => visitor.visit_borrowed_str(v),
            Buf::Seq(items) => visitor.visit_seq(BufSeq {
                items: items.iter(),
            }),
            Buf::Map(entries) => visitor.visit_map(BufMap::new(entries, None)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BufError> {
        match self {
            Buf::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BufError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
    }
}

struct BufSeq<'de> {
    items: std::slice::Iter<'de, Buf>,
}

impl<'de> SeqAccess<'de> for BufSeq<'de> {
    type Error = BufError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, BufError> {
        self.items
            .next()
            .map(|item| seed.deserialize(item))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The entries of a buffered object, optionally without one key (an internally tagged enum's tag).
pub(crate) struct BufMap<'de> {
    entries: std::slice::Iter<'de, (String, Buf)>,
    skip: Option<&'de str>,
    value: Option<&'de Buf>,
}

impl<'de> BufMap<'de> {
    pub(crate) fn new(entries: &'de [(String, Buf)], skip: Option<&'de str>) -> Self {
        BufMap {
            entries: entries.iter(),
            skip,
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for BufMap<'de> {
    type Error = BufError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, BufError> {
        for (key, value) in self.entries.by_ref() {
            if Some(key.as_str()) == self.skip {
                continue;
            }
            self.value = Some(value);
            return seed
                .deserialize(de::value::BorrowedStrDeserializer::new(key))
                .map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, BufError> {
        seed.deserialize(self.value.take().unwrap_or(&Buf::Null))
    }
}

// ------------------------------------------------------------------------------------------------
// The text of an offending value

/// Reads any value and renders it as compact JSON for `Error::got`, cut at the limit; content past the
/// limit is read and dropped, never buffered.
pub(crate) fn got<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    let mut out = Capped::default();
    // One level more than the validator allows: when reading text, the parser's own limit (which
    // carries a position) is then reached before the renderer stops showing the value.
    Render {
        out: &mut out,
        depth: crate::validate::MAX_DEPTH + 1,
        comma: false,
    }
    .deserialize(de)?;
    Ok(out.finish())
}

/// Renders one value; `comma` asks for a separator first (it is called only when a value exists).
struct Render<'a> {
    out: &'a mut Capped,
    depth: u32,
    comma: bool,
}

impl<'de> DeserializeSeed<'de> for Render<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        if self.comma {
            self.out.push_str(",");
        }
        // Past the limit nothing more is written, but the value is still walked rather than skipped:
        // the parser's nesting limit (with its position) must apply to it as to any other value.
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Render<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.out.push_str(&v.to_string());
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.out.push_str(&v.to_string());
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.out.push_str(&crate::text::float_text(v));
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.out.push_json_str(v);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.out.push_str("null");
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Render { out, depth, .. } = self;
        if depth == 0 {
            out.push_str("[…]");
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        out.push_str("[");
        let mut comma = false;
        while seq
            .next_element_seed(Render {
                out: &mut *out,
                depth: depth - 1,
                comma,
            })?
            .is_some()
        {
            comma = true;
        }
        out.push_str("]");
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Render { out, depth, .. } = self;
        if depth == 0 {
            out.push_str("{…}");
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        out.push_str("{");
        let mut comma = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if comma {
                out.push_str(",");
            }
            comma = true;
            out.push_json_str(&key);
            out.push_str(":");
            map.next_value_seed(Render {
                out: &mut *out,
                depth: depth - 1,
                comma: false,
            })?;
        }
        out.push_str("}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn buffers_keep_repeated_keys() {
        let mut de = serde_json::Deserializer::from_str(r#"{"a": 1, "a": [true, null], "b": "x"}"#);
        let buf = buffer(&mut de, 8).unwrap().unwrap();
        assert_eq!(
            buf,
            Buf::Map(vec![
                ("a".into(), Buf::U64(1)),
                ("a".into(), Buf::Seq(vec![Buf::Bool(true), Buf::Null])),
                ("b".into(), Buf::Str("x".into())),
            ])
        );
    }

    #[test]
    fn depth_is_limited() {
        let v = json!([[[1]]]);
        assert_eq!(value(&v, 3).unwrap(), Ok(v.clone()));
        assert_eq!(
            value(&v, 2).unwrap(),
            Err(TooDeep {
                below: vec![Segment::Index(0), Segment::Index(0)]
            })
        );
        let v = json!({"a": 1, "b": [[{"c": [2]}], [[3]]]});
        assert_eq!(
            value(&v, 3).unwrap(),
            Err(TooDeep {
                below: vec![
                    Segment::Key("b".into()),
                    Segment::Index(0),
                    Segment::Index(0)
                ]
            })
        );
        assert!(buffer(&v, 2).unwrap().is_err());
    }

    #[test]
    fn got_is_compact_json_and_capped() {
        let v = json!({"a": [1, 2.5, "x\ny"], "b": null, "c": {}});
        assert_eq!(got(&v).unwrap(), r#"{"a":[1,2.5,"x\ny"],"b":null,"c":{}}"#);
        assert_eq!(got(&json!([])).unwrap(), "[]");
        let big = Value::Array((0..100_000).map(Value::from).collect());
        let text = got(&big).unwrap();
        assert!(
            text.ends_with('…') && text.chars().count() <= crate::diagnostics::GOT_LIMIT + 1,
            "{text}"
        );
        let mut deep = json!(1);
        for _ in 0..300 {
            deep = json!([deep]);
        }
        assert!(got(&deep).unwrap().ends_with('…'));
    }
}
