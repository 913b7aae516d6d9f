//! `Option` (absent or `null`), and the transparent pointers `Box`, `Arc`, `Rc`.

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use serde::Deserializer;
use serde::de::{self, Visitor};

use crate::partial::NodeRef;
use crate::schema::{Constraints, Kind, Schema};
use crate::structured::Structured;
use crate::validate::Cx;

impl<T: Structured> Structured for Option<T> {
    /// `None` is an explicit `null`; an absent field is no part at all.
    type Partial = Option<T::Partial>;

    fn partial(node: NodeRef<'_>) -> Option<Self::Partial> {
        if node.is_null() {
            return Some(None);
        }
        T::partial(node).map(Some)
    }

    fn schema() -> Schema {
        Schema::new(Kind::Option(Box::new(T::schema())))
    }

    fn __deserialize<'de, D: Deserializer<'de>>(
        de: D,
        cx: &mut Cx<'_>,
        c: &'static Constraints,
    ) -> Result<Option<Self>, D::Error> {
        de.deserialize_option(OptionVisitor::<T> {
            cx,
            c,
            _t: std::marker::PhantomData,
        })
    }

    fn __missing() -> Option<Self> {
        Some(None)
    }
}

struct OptionVisitor<'c, 'p, T> {
    cx: &'c mut Cx<'p>,
    c: &'static Constraints,
    _t: std::marker::PhantomData<T>,
}

impl<'de, T: Structured> Visitor<'de> for OptionVisitor<'_, '_, T> {
    type Value = Option<Option<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Some(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Some(None))
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        // Constraints on an `Option` apply to the value it holds.
        Ok(T::__deserialize(de, self.cx, self.c)?.map(Some))
    }
}

macro_rules! transparent_pointer {
    ($($ptr:ident),*) => {$(
        impl<T: Structured> Structured for $ptr<T> {
            type Partial = Box<T::Partial>;

            fn partial(node: NodeRef<'_>) -> Option<Self::Partial> {
                T::partial(node).map(Box::new)
            }

            fn schema() -> Schema {
                T::schema()
            }

            fn __deserialize<'de, D: Deserializer<'de>>(
                de: D,
                cx: &mut Cx<'_>,
                c: &'static Constraints,
            ) -> Result<Option<Self>, D::Error> {
                Ok(T::__deserialize(de, cx, c)?.map($ptr::new))
            }

            fn __missing() -> Option<Self> {
                T::__missing().map($ptr::new)
            }
        }
    )*};
}

transparent_pointer!(Box, Arc, Rc);

#[cfg(test)]
mod tests {
    use crate::structured::Structured;

    #[test]
    fn option_accepts_null_and_values() {
        assert_eq!(Option::<u8>::from_json("null").unwrap(), None);
        assert_eq!(Option::<u8>::from_json("7").unwrap(), Some(7));
        assert!(Option::<u8>::from_json("\"x\"").is_err());
    }

    #[test]
    fn pointers_are_transparent() {
        assert_eq!(*Box::<u8>::from_json("7").unwrap(), 7);
        assert_eq!(*std::sync::Arc::<String>::from_json("\"a\"").unwrap(), "a");
        assert!(*std::rc::Rc::<bool>::from_json("true").unwrap());
    }
}
