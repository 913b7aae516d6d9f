//! Scalars: `bool`, integers, floats, `String`, `char`, `()`, and `serde_json::Value`.

use serde::Deserializer;
use serde_json::Value;

use crate::partial::NodeRef;
use crate::rules::{check_str, range};
use crate::schema::{Constraints, IntRange, Kind, Schema};
use crate::structured::{Structured, whole};
use crate::text::float_text;
use crate::validate::Cx;
use crate::validate::leaf::{Leaf, Outcome, deserialize_leaf};

macro_rules! leaf_structured {
    ($t:ty, $kind:expr) => {
        leaf_structured!($t, $kind, whole);
    };
    ($t:ty, $kind:expr, $partial:expr) => {
        impl Structured for $t {
            type Partial = $t;

            fn schema() -> Schema {
                Schema::new($kind)
            }

            fn partial(node: NodeRef<'_>) -> Option<$t> {
                $partial(node)
            }

            #[inline]
            fn __deserialize<'de, D: Deserializer<'de>>(
                de: D,
                cx: &mut Cx<'_>,
                c: &'static Constraints,
            ) -> Result<Option<Self>, D::Error> {
                deserialize_leaf::<Self, D>(de, cx, c)
            }
        }
    };
}

leaf_structured!(bool, Kind::Bool, |node: NodeRef<'_>| node.as_bool());

impl Leaf for bool {
    #[inline]
    fn on_bool(v: bool, _: &'static Constraints, _: &mut Cx<'_>) -> Outcome<Self> {
        Outcome::Valid(v)
    }
}

leaf_structured!((), Kind::Null);

impl Leaf for () {
    #[inline]
    fn on_null(_: &'static Constraints, _: &mut Cx<'_>) -> Outcome<Self> {
        Outcome::Valid(())
    }
}

/// 128-bit integers are read within the range JSON parsers carry exactly (`i64::MIN..=u64::MAX`).
const WIDE_MIN: i128 = i64::MIN as i128;
const WIDE_MAX: i128 = u64::MAX as i128;

macro_rules! integer {
    ($($t:ty => $min:expr, $max:expr;)*) => {$(
        // Read from the tree's number directly (a partial is built often).
        leaf_structured!($t, Kind::Integer(<$t as IntLimits>::RANGE), |node: NodeRef<'_>| {
            let n = node.as_number()?;
            n.as_i64()
                .and_then(|v| <$t>::try_from(v).ok())
                .or_else(|| n.as_u64().and_then(|v| <$t>::try_from(v).ok()))
        });

        impl IntLimits for $t {
            const RANGE: IntRange = IntRange::of($min, $max, <$t>::BITS as u8, stringify!($t));
        }

        impl Leaf for $t {
            #[inline]
            fn on_u64(v: u64, c: &'static Constraints, cx: &mut Cx<'_>) -> Outcome<Self> {
                integer_outcome(i128::from(v), c, cx)
            }

            #[inline]
            fn on_i64(v: i64, c: &'static Constraints, cx: &mut Cx<'_>) -> Outcome<Self> {
                integer_outcome(i128::from(v), c, cx)
            }

            #[inline]
            fn on_f64(v: f64, c: &'static Constraints, cx: &mut Cx<'_>) -> Outcome<Self> {
                float_for_integer::<Self>(v, c, cx)
            }
        }
    )*};
}

/// The natural range of an integer type.
trait IntLimits {
    const RANGE: IntRange;
}

integer! {
    u8 => 0, u8::MAX as i128;
    u16 => 0, u16::MAX as i128;
    u32 => 0, u32::MAX as i128;
    u64 => 0, u64::MAX as i128;
    usize => 0, usize::MAX as i128;
    u128 => 0, WIDE_MAX;
    i8 => i8::MIN as i128, i8::MAX as i128;
    i16 => i16::MIN as i128, i16::MAX as i128;
    i32 => i32::MIN as i128, i32::MAX as i128;
    i64 => i64::MIN as i128, i64::MAX as i128;
    isize => isize::MIN as i128, isize::MAX as i128;
    i128 => WIDE_MIN, WIDE_MAX;
}

#[inline]
fn integer_outcome<T>(v: i128, c: &'static Constraints, cx: &mut Cx<'_>) -> Outcome<T>
where
    T: IntLimits + TryFrom<i128>,
{
    if !range::check_int(v, T::RANGE, c, cx) {
        return Outcome::Invalid;
    }
    match T::try_from(v) {
        Ok(v) => Outcome::Valid(v),
        Err(_) => Outcome::Invalid,
    }
}

/// JSON parsers hand integer fields a float in two cases: the text had a fraction or exponent
/// (`30.0`, `1e19`: serde rejects them for integers, a type error), or the integer was too large for
/// 64 bits — a range error when it is also beyond the type's range.
fn float_for_integer<T: IntLimits + Structured>(
    v: f64,
    c: &'static Constraints,
    cx: &mut Cx<'_>,
) -> Outcome<T> {
    let range = T::RANGE;
    // Compared as integers: `u64::MAX as f64` rounds up to 2^64, beyond the range. -2^63 is also
    // taken as overflow: the parser reads that literal as an `i64`, so as a float it stands for a
    // more negative integer rounded to it.
    let whole = v as i128; // saturating
    let beyond = whole < range.min || whole > range.max || whole <= i128::from(i64::MIN);
    if v.is_finite() && v.fract() == 0.0 && beyond {
        let merged = crate::schema::Merged::of(&[c]);
        let (min, max) = T::RANGE.narrowed(&merged);
        cx.error(
            crate::diagnostics::ErrorKind::Range,
            crate::schema::expected::numeric_phrase("integer", Some(min), Some(max), &merged),
            Some(float_text(v)),
            format!("out of range for {}", T::RANGE.name),
        );
        return Outcome::Invalid;
    }
    Outcome::Mismatch
}

macro_rules! float {
    ($($t:ty => $single:expr;)*) => {$(
        leaf_structured!($t, Kind::Number { single: $single }, |node: NodeRef<'_>| node
            .as_number()?
            .as_f64()
            .map(|v| v as $t));

        impl Leaf for $t {
            #[inline]
            fn on_u64(v: u64, c: &'static Constraints, cx: &mut Cx<'_>) -> Outcome<Self> {
                float_outcome(v as f64, $single, c, cx).map(|v| v as $t)
            }

            #[inline]
            fn on_i64(v: i64, c: &'static Constraints, cx: &mut Cx<'_>) -> Outcome<Self> {
                float_outcome(v as f64, $single, c, cx).map(|v| v as $t)
            }

            #[inline]
            fn on_f64(v: f64, c: &'static Constraints, cx: &mut Cx<'_>) -> Outcome<Self> {
                float_outcome(v, $single, c, cx).map(|v| v as $t)
            }
        }
    )*};
}

float! {
    f32 => true;
    f64 => false;
}

#[inline]
fn float_outcome(v: f64, single: bool, c: &'static Constraints, cx: &mut Cx<'_>) -> Outcome<f64> {
    if range::check_float(v, single, c, cx) {
        Outcome::Valid(v)
    } else {
        Outcome::Invalid
    }
}

impl<T> Outcome<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        match self {
            Outcome::Valid(v) => Outcome::Valid(f(v)),
            Outcome::Invalid => Outcome::Invalid,
            Outcome::Mismatch => Outcome::Mismatch,
        }
    }
}

// A string grows as it is written.
leaf_structured!(String, Kind::String { char: false }, |node: NodeRef<'_>| {
    node.as_str().map(str::to_owned)
});

impl Leaf for String {
    #[inline]
    fn on_str(v: &str, c: &'static Constraints, cx: &mut Cx<'_>) -> Outcome<Self> {
        if check_str(v, c, cx) {
            Outcome::Valid(v.to_owned())
        } else {
            Outcome::Invalid
        }
    }

    #[inline]
    fn on_string(
        v: String,
        c: &'static Constraints,
        cx: &mut Cx<'_>,
    ) -> Result<Outcome<Self>, String> {
        Ok(if check_str(&v, c, cx) {
            Outcome::Valid(v)
        } else {
            Outcome::Invalid
        })
    }
}

leaf_structured!(char, Kind::String { char: true });

impl Leaf for char {
    #[inline]
    fn on_str(v: &str, c: &'static Constraints, cx: &mut Cx<'_>) -> Outcome<Self> {
        let mut chars = v.chars();
        match (chars.next(), chars.next()) {
            (Some(ch), None) if check_str(v, c, cx) => Outcome::Valid(ch),
            (Some(_), None) => Outcome::Invalid,
            _ => Outcome::Mismatch,
        }
    }
}

impl Structured for Value {
    /// What has been written so far, open strings and containers included.
    type Partial = Value;

    fn schema() -> Schema {
        Schema::new(Kind::Any)
    }

    fn partial(node: NodeRef<'_>) -> Option<Value> {
        Some(node.to_value())
    }

    fn __deserialize<'de, D: Deserializer<'de>>(
        de: D,
        cx: &mut Cx<'_>,
        _: &'static Constraints,
    ) -> Result<Option<Self>, D::Error> {
        // Built with the same depth limit as everything else: a `Value` handed to `from_value` may
        // be nested arbitrarily deep.
        match crate::validate::buffer::value(de, cx.remaining_depth())? {
            Ok(value) => Ok(Some(value)),
            Err(deep) => {
                cx.too_deep_below(deep.below);
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::ErrorKind;

    #[test]
    fn integers_check_their_natural_range() {
        assert_eq!(u8::from_json("255").unwrap(), 255);
        let err = u8::from_json("300").unwrap_err();
        let e = &err.errors()[0];
        assert_eq!(e.kind(), ErrorKind::Range);
        assert_eq!(e.expected(), "integer between 0 and 255");
        assert_eq!(e.got(), Some("300"));
        assert_eq!(
            i8::from_json("-129").unwrap_err().errors()[0].kind(),
            ErrorKind::Range
        );
        assert_eq!(i64::from_json("-9223372036854775808").unwrap(), i64::MIN);
        assert_eq!(u64::from_json("18446744073709551615").unwrap(), u64::MAX);
        assert_eq!(
            u128::from_json("18446744073709551615").unwrap(),
            u64::MAX as u128
        );
    }

    #[test]
    fn integers_reject_fractions_and_huge_numbers() {
        let err = u32::from_json("30.0").unwrap_err();
        assert_eq!(err.errors()[0].kind(), ErrorKind::Type);
        assert_eq!(err.errors()[0].got(), Some("30.0"));
        let err = u64::from_json("100000000000000000000").unwrap_err();
        assert_eq!(err.errors()[0].kind(), ErrorKind::Range);
    }

    #[test]
    fn floats_accept_integers() {
        assert_eq!(f64::from_json("3").unwrap(), 3.0);
        assert_eq!(f32::from_json("-1.5").unwrap(), -1.5);
        assert_eq!(
            f32::from_json("1e300").unwrap_err().errors()[0].kind(),
            ErrorKind::Constraint
        );
    }

    #[test]
    fn strings_and_chars() {
        assert_eq!(String::from_json(r#""a\nb""#).unwrap(), "a\nb");
        assert_eq!(char::from_json(r#""é""#).unwrap(), 'é');
        assert_eq!(
            char::from_json(r#""ab""#).unwrap_err().errors()[0].kind(),
            ErrorKind::Type
        );
        let err = String::from_json("42").unwrap_err();
        assert_eq!(err.errors()[0].message(), "expected a string");
    }

    #[test]
    fn mismatch_shows_the_value() {
        let err = bool::from_json(r#"{"a": [1, 2]}"#).unwrap_err();
        assert_eq!(err.errors()[0].got(), Some(r#"{"a":[1,2]}"#));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = u8::from_json("[1,").unwrap_err();
        let e = &err.errors()[0];
        assert_eq!(e.kind(), ErrorKind::Syntax);
        assert_eq!(e.location(), Some((1, 3)));
        let err = u8::from_json("1 2").unwrap_err();
        assert!(
            err.errors()[0].message().contains("trailing characters"),
            "{err}"
        );
    }

    #[test]
    fn value_accepts_anything() {
        assert_eq!(
            Value::from_json(r#"{"a":[1,null]}"#).unwrap(),
            serde_json::json!({"a":[1,null]})
        );
    }
}
