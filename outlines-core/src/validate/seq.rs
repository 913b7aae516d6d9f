//! Arrays: growable collections, sets, fixed-size arrays and tuples.

use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, SeqAccess};

use super::expect::{Container, Expect};
use super::leaf::mismatch;
use super::{Cx, Seg};
use crate::diagnostics::ErrorKind;
use crate::schema::Constraints;
use crate::structured::Structured;
use crate::validate::count::check_count;

/// `T::__deserialize` as a serde seed, so it can read one element or map value.
pub(crate) struct Seed<'c, 'p, T> {
    cx: &'c mut Cx<'p>,
    c: &'static Constraints,
    _t: PhantomData<T>,
}

impl<'c, 'p, T> Seed<'c, 'p, T> {
    /// A seed reading `T` under constraints `c`.
    pub(crate) fn new(cx: &'c mut Cx<'p>, c: &'static Constraints) -> Self {
        Seed {
            cx,
            c,
            _t: PhantomData,
        }
    }
}

impl<'de, T: Structured> DeserializeSeed<'de> for Seed<'_, '_, T> {
    type Value = Option<T>;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        T::__deserialize(de, self.cx, self.c)
    }
}

/// Skips the rest of an array (after a depth error).
fn drain<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<usize, A::Error> {
    let mut n = 0;
    while seq.next_element::<IgnoredAny>()?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// A collection built item by item.
pub(crate) trait Collection: Structured {
    type Item: Structured;
    fn with_capacity(n: usize) -> Self;
    /// Adds an item; `false` when it equals one already present (sets).
    fn add(&mut self, item: Self::Item) -> bool;
}

/// Reads a JSON array into a collection, checking each item against `c.inner` and the count against `c`.
pub(crate) fn deserialize_collection<'de, C: Collection, D: Deserializer<'de>>(
    de: D,
    cx: &mut Cx<'_>,
    c: &'static Constraints,
) -> Result<Option<C>, D::Error> {
    de.deserialize_any(Expect(CollectionVisitor::<C> {
        cx,
        c,
        _t: PhantomData,
    }))
}

struct CollectionVisitor<'c, 'p, C> {
    cx: &'c mut Cx<'p>,
    c: &'static Constraints,
    _t: PhantomData<C>,
}

impl<'de, C: Collection> Container<'de> for CollectionVisitor<'_, '_, C> {
    type Value = Option<C>;

    fn reject(self, got: String) -> Self::Value {
        mismatch::<C>(self.cx, self.c, got);
        None
    }

    fn seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let cx = self.cx;
        if !cx.enter() {
            drain(&mut seq)?;
            return Ok(None);
        }
        let item_c = self.c.inner.unwrap_or(Constraints::none());
        // Like serde: trust the size hint only so far, so a lying input cannot reserve gigabytes.
        let mut out = C::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        let mut ok = true;
        let mut n = 0;
        loop {
            let item = cx.at(Seg::Index(n), |cx| {
                let item = seq.next_element_seed(Seed::<C::Item>::new(cx, item_c))?;
                Ok::<_, A::Error>(item.map(|item| match item {
                    Some(v) => {
                        let added = out.add(v);
                        if !added {
                            cx.error(
                                ErrorKind::Constraint,
                                "array with no duplicate items",
                                None,
                                "duplicate item",
                            );
                        }
                        added
                    }
                    None => false,
                }))
            })?;
            match item {
                None => break,
                Some(valid) => ok &= valid,
            }
            n += 1;
        }
        cx.leave();
        ok &= check_count(n, self.c, cx, "items");
        Ok(ok.then_some(out))
    }
}

/// Reads the elements of a fixed-length array one at a time; used by tuples, `[T; N]`, tuple structs
/// and tuple variants.
pub struct TupleReader<'a, 'c, 'p, A> {
    seq: &'a mut A,
    cx: &'c mut Cx<'p>,
    seen: usize,
    ended: bool,
}

impl<'de, 'p, A: SeqAccess<'de>> TupleReader<'_, '_, 'p, A> {
    /// The next element; `None` when it is invalid or the array ended early (reported once, at the end).
    pub fn next<T: Structured>(&mut self, c: &'static Constraints) -> Result<Option<T>, A::Error> {
        self.next_checked(c, |_, _| true)
    }

    /// Like [`TupleReader::next`], then runs the element's own rules (`after`) at its path.
    pub fn next_checked<T: Structured>(
        &mut self,
        c: &'static Constraints,
        after: impl FnOnce(&T, &mut Cx<'_>) -> bool,
    ) -> Result<Option<T>, A::Error> {
        if self.ended {
            return Ok(None);
        }
        let seq = &mut *self.seq;
        let item = self.cx.at(Seg::Index(self.seen), |cx| {
            let item = seq.next_element_seed(Seed::<T>::new(cx, c))?;
            Ok::<_, A::Error>(item.map(|v| v.filter(|v| after(v, cx))))
        })?;
        match item {
            None => {
                self.ended = true;
                Ok(None)
            }
            Some(v) => {
                self.seen += 1;
                Ok(v)
            }
        }
    }

    /// The context at the array's own path (for the container's `check = ...`).
    pub fn cx(&mut self) -> &mut Cx<'p> {
        self.cx
    }
}

/// A fixed-length array shape (tuple, tuple struct, tuple variant) read by [`deserialize_tuple`].
pub trait TupleShape {
    /// The value built.
    type Out;
    /// Number of elements.
    const LEN: usize;
    /// The phrase for a mismatch, e.g. "array of exactly 2 items (Point)".
    fn expected() -> String;
    /// Reads `LEN` elements with `reader.next`; `c` are the constraints declared on the whole array.
    fn visit<'de, A: SeqAccess<'de>>(
        reader: &mut TupleReader<'_, '_, '_, A>,
        c: &'static Constraints,
    ) -> Result<Option<Self::Out>, A::Error>;
}

/// Reads a fixed-length array; a wrong length is one error naming both lengths.
pub fn deserialize_tuple<'de, S: TupleShape, D: Deserializer<'de>>(
    de: D,
    cx: &mut Cx<'_>,
    c: &'static Constraints,
) -> Result<Option<S::Out>, D::Error> {
    de.deserialize_any(Expect(TupleVisitor::<S> {
        cx,
        c,
        _s: PhantomData,
    }))
}

struct TupleVisitor<'c, 'p, S> {
    cx: &'c mut Cx<'p>,
    c: &'static Constraints,
    _s: PhantomData<S>,
}

impl<'de, S: TupleShape> Container<'de> for TupleVisitor<'_, '_, S> {
    type Value = Option<S::Out>;

    fn reject(self, got: String) -> Self::Value {
        self.cx.error(
            ErrorKind::Type,
            S::expected(),
            Some(got),
            "expected an array",
        );
        None
    }

    fn seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let cx = self.cx;
        if !cx.enter() {
            drain(&mut seq)?;
            return Ok(None);
        }
        let mut reader = TupleReader {
            seq: &mut seq,
            cx: &mut *cx,
            seen: 0,
            ended: false,
        };
        let out = S::visit(&mut reader, self.c)?;
        let (seen, ended) = (reader.seen, reader.ended);
        let extra = if ended { 0 } else { drain(&mut seq)? };
        cx.leave();
        if ended || extra > 0 {
            let got = seen + extra;
            cx.error(
                ErrorKind::Type,
                S::expected(),
                Some(format!("{got} item{}", if got == 1 { "" } else { "s" })),
                format!("expected exactly {} items", S::LEN),
            );
            return Ok(None);
        }
        Ok(out)
    }
}

/// `[T; N]`: a tuple shape of `N` elements of `T`, each checked against `inner(...)`.
pub(crate) struct ArrayShape<T, const N: usize>(PhantomData<T>);

impl<T: Structured, const N: usize> TupleShape for ArrayShape<T, N> {
    type Out = [T; N];
    const LEN: usize = N;

    fn expected() -> String {
        crate::schema::expected::expected(&<[T; N]>::schema())
    }

    fn visit<'de, A: SeqAccess<'de>>(
        reader: &mut TupleReader<'_, '_, '_, A>,
        c: &'static Constraints,
    ) -> Result<Option<[T; N]>, A::Error> {
        let item_c = c.inner.unwrap_or(Constraints::none());
        let mut slots: [Option<T>; N] = std::array::from_fn(|_| None);
        let mut ok = true;
        for slot in &mut slots {
            *slot = reader.next::<T>(item_c)?;
            ok &= slot.is_some();
        }
        if !ok {
            return Ok(None);
        }
        Ok(Some(slots.map(|slot| match slot {
            Some(v) => v,
            None => unreachable!("every slot was checked above"),
        })))
    }
}
