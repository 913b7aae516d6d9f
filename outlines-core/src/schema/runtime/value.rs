//! JSON values as JSON Schema compares them: `1` equals `1.0`, objects are equal whatever their key
//! order; a set of values looked up by hash (`enum`, `uniqueItems`); values shown shortened.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::{Number, Value};

use crate::text::{Capped, float_text};

/// A JSON number, exactly: integers as integers (every `i64` and `u64`), the rest as floats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    #[inline]
    pub(crate) fn of(n: &Number) -> Num {
        if let Some(i) = n.as_i64() {
            Num::Int(i128::from(i))
        } else if let Some(u) = n.as_u64() {
            Num::Int(i128::from(u))
        } else {
            Num::Float(n.as_f64().unwrap_or(f64::NAN))
        }
    }

    #[inline]
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    /// The integer a float with no fractional part stands for, within `i128`.
    fn whole(self) -> Option<i128> {
        match self {
            Num::Int(i) => Some(i),
            // 2^127 is the first float beyond `i128`; below it `as` is exact for whole floats.
            Num::Float(f) if f.fract() == 0.0 && f.abs() < 1.7e38 => Some(f as i128),
            Num::Float(_) => None,
        }
    }
}

/// Numbers compare by value: `1`, `1.0` and `1e0` are one number.
pub(crate) fn num_eq(a: Num, b: Num) -> bool {
    match (a, b) {
        (Num::Int(a), Num::Int(b)) => a == b,
        (Num::Float(a), Num::Float(b)) => a == b,
        (Num::Int(i), f @ Num::Float(_)) | (f @ Num::Float(_), Num::Int(i)) => f.whole() == Some(i),
    }
}

/// Whether a number is an integer in JSON Schema's sense: no fractional part (`1.0` is one).
#[inline]
pub(crate) fn is_integer(n: &Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

/// Whether `a` and `b` are equal as JSON Schema compares (`enum`, `const`, `uniqueItems`). `None`
/// when both nest deeper than `depth` containers (the answer is unknown, and finding it would take
/// a stack the caller did not allow).
pub(crate) fn json_eq(a: &Value, b: &Value, depth: u32) -> Option<bool> {
    Some(match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Number(a), Value::Number(b)) => num_eq(Num::of(a), Num::of(b)),
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Some(false);
            }
            let depth = depth.checked_sub(1)?;
            for (x, y) in a.iter().zip(b) {
                if !json_eq(x, y, depth)? {
                    return Some(false);
                }
            }
            true
        }
        (Value::Object(a), Value::Object(b)) => {
            if a.len() != b.len() {
                return Some(false);
            }
            let depth = depth.checked_sub(1)?;
            for (k, x) in a {
                let Some(y) = b.get(k) else {
                    return Some(false);
                };
                if !json_eq(x, y, depth)? {
                    return Some(false);
                }
            }
            true
        }
        _ => false,
    })
}

/// How deep [`json_hash`] looks: below, containers hash by kind and length only (equal values still
/// hash equal; the comparison that follows a hash hit decides).
const HASH_DEPTH: u32 = 3;

/// A hash consistent with [`json_eq`]: equal values hash equal.
pub(crate) fn json_hash(v: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    hash_into(v, HASH_DEPTH, &mut h);
    h.finish()
}

fn hash_into(v: &Value, depth: u32, h: &mut DefaultHasher) {
    match v {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => (1u8, b).hash(h),
        Value::Number(n) => {
            2u8.hash(h);
            let n = Num::of(n);
            match n.whole() {
                Some(i) => (0u8, i).hash(h),
                None => (1u8, n.as_f64().to_bits()).hash(h),
            }
        }
        Value::String(s) => (3u8, s).hash(h),
        Value::Array(items) => {
            (4u8, items.len()).hash(h);
            if depth > 0 {
                for item in items {
                    hash_into(item, depth - 1, h);
                }
            }
        }
        Value::Object(map) => {
            (5u8, map.len()).hash(h);
            if depth > 0 {
                // Order-independent: the entries' hashes are summed.
                let mut sum = 0u64;
                for (k, x) in map {
                    let mut entry = DefaultHasher::new();
                    k.hash(&mut entry);
                    hash_into(x, depth - 1, &mut entry);
                    sum = sum.wrapping_add(entry.finish());
                }
                sum.hash(h);
            }
        }
    }
}

/// The values of an `enum`: looked up by hash when there are more than a few.
#[derive(Debug)]
pub(crate) struct ValueSet {
    values: Vec<Value>,
    /// Hash → positions in `values`; `None` for small sets, which are scanned.
    index: Option<HashMap<u64, Vec<u32>>>,
}

/// Sets up to this size are scanned rather than hashed.
const SCAN_VALUES: usize = 8;

impl ValueSet {
    pub(crate) fn new(values: Vec<Value>) -> ValueSet {
        let index = (values.len() > SCAN_VALUES).then(|| {
            let mut index: HashMap<u64, Vec<u32>> = HashMap::with_capacity(values.len());
            for (i, v) in values.iter().enumerate() {
                index.entry(json_hash(v)).or_default().push(i as u32);
            }
            index
        });
        ValueSet { values, index }
    }

    pub(crate) fn values(&self) -> &[Value] {
        &self.values
    }

    /// Whether `v` is one of the values. The set's values nest at most `MAX_DEPTH` deep (the
    /// compiler checks), which bounds the comparison whatever `v` is.
    pub(crate) fn contains(&self, v: &Value) -> bool {
        let eq = |x: &Value| json_eq(x, v, u32::MAX).unwrap_or(false);
        match &self.index {
            None => self.values.iter().any(eq),
            Some(index) => index
                .get(&json_hash(v))
                .is_some_and(|hits| hits.iter().any(|&i| eq(&self.values[i as usize]))),
        }
    }
}

/// Whether `v` nests at most `depth` containers deep.
pub(crate) fn within_depth(v: &Value, depth: u32) -> bool {
    match v {
        Value::Array(items) => depth > 0 && items.iter().all(|x| within_depth(x, depth - 1)),
        Value::Object(map) => depth > 0 && map.values().all(|x| within_depth(x, depth - 1)),
        _ => true,
    }
}

/// `v` as compact JSON, cut at [`GOT_LIMIT`](crate::text::GOT_LIMIT) characters; the walk stops
/// where the text does, so a huge or deep value costs no more than its beginning.
pub(crate) fn shorten(v: &Value) -> String {
    let mut out = Capped::default();
    write_value(&mut out, v);
    out.finish()
}

fn write_value(out: &mut Capped, v: &Value) {
    if out.stops() {
        return;
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match Num::of(n) {
            Num::Float(f) => out.push_str(&float_text(f)),
            Num::Int(_) => out.push_str(&n.to_string()),
        },
        Value::String(s) => out.push_json_str(s),
        Value::Array(items) => {
            out.push_str("[");
            for (i, item) in items.iter().enumerate() {
                if out.stops() {
                    return;
                }
                if i > 0 {
                    out.push_str(",");
                }
                write_value(out, item);
            }
            out.push_str("]");
        }
        Value::Object(map) => {
            out.push_str("{");
            for (i, (k, x)) in map.iter().enumerate() {
                if out.stops() {
                    return;
                }
                if i > 0 {
                    out.push_str(",");
                }
                out.push_json_str(k);
                out.push_str(":");
                write_value(out, x);
            }
            out.push_str("}");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        let eq = |a: Value, b: Value| json_eq(&a, &b, 10).unwrap();
        assert!(eq(json!(1), json!(1.0)));
        assert!(eq(json!([1, {"a": 2.0}]), json!([1.0, {"a": 2}])));
        assert!(!eq(json!(1), json!(1.5)));
        assert!(!eq(json!(u64::MAX), json!(1.8446744073709552e19)));
        assert!(eq(json!({"a": 1, "b": 2}), json!({"b": 2, "a": 1})));
        assert!(!eq(json!("1"), json!(1)));
        assert_eq!(json_hash(&json!(1)), json_hash(&json!(1.0)));
        assert_eq!(
            json_hash(&json!({"a": [1], "b": null})),
            json_hash(&json!({"b": null, "a": [1.0]}))
        );
    }

    #[test]
    fn equality_gives_up_past_its_depth() {
        let deep = json!([[[[1]]]]);
        assert_eq!(json_eq(&deep, &deep, 2), None);
        assert_eq!(json_eq(&deep, &deep, 4), Some(true));
        assert!(within_depth(&deep, 4) && !within_depth(&deep, 3));
    }

    #[test]
    fn large_sets_are_hashed() {
        let set = ValueSet::new((0..1000).map(Value::from).collect());
        assert!(set.index.is_some());
        assert!(set.contains(&json!(999.0)) && !set.contains(&json!(1000)));
        let small = ValueSet::new(vec![json!("a"), json!({"k": [1]})]);
        assert!(small.contains(&json!({"k": [1.0]})) && !small.contains(&json!("b")));
    }

    #[test]
    fn shortened_values_stop_at_the_limit() {
        let long = Value::Array((0..10_000).map(Value::from).collect());
        let text = shorten(&long);
        assert!(text.chars().count() <= crate::text::GOT_LIMIT + 1 && text.ends_with('…'));
        assert_eq!(
            shorten(&json!({"a": [1, 2.5, null]})),
            r#"{"a":[1,2.5,null]}"#
        );
    }
}
