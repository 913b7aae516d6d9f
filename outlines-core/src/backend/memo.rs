//! What a backend derives from a request's schema — the provider's form of it, a compiled grammar —
//! kept per schema.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

/// How many schemas a backend keeps the provider form of; the oldest is forgotten first.
const CAPACITY: usize = 64;

/// The provider forms of the schemas a backend has seen, keyed by the shared schema itself (and a
/// variant, such as tool or response format). Every request for one type carries the same `Arc`
/// ([`SchemaSpec::of`](super::SchemaSpec::of)), so a transform runs once per type and variant, not
/// once per request. An entry holds its key's `Arc`, so a key's address is never reused while it is
/// remembered; a schema built by hand for each request simply misses and is transformed each time.
///
/// For backends written outside this crate too: the local backend keeps its compiled grammars here.
pub struct SchemaMemo<K, V> {
    entries: Mutex<VecDeque<(Arc<Value>, K, V)>>,
}

impl<K, V> Default for SchemaMemo<K, V> {
    fn default() -> Self {
        SchemaMemo {
            entries: Mutex::new(VecDeque::new()),
        }
    }
}

impl<K, V> fmt::Debug for SchemaMemo<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("SchemaMemo").field("schemas", &len).finish()
    }
}

impl<K: PartialEq, V: Clone> SchemaMemo<K, V> {
    /// The form of `schema` for `variant`, made by `make` the first time.
    pub fn get_or_make(&self, schema: &Arc<Value>, variant: K, make: impl FnOnce() -> V) -> V {
        let found = |entries: &VecDeque<(Arc<Value>, K, V)>| {
            entries
                .iter()
                .find(|(s, k, _)| Arc::ptr_eq(s, schema) && *k == variant)
                .map(|(_, _, v)| v.clone())
        };
        if let Some(value) = found(&self.lock()) {
            return value;
        }
        // Made without the lock: a race makes it twice, and the first stays.
        let value = make();
        let mut entries = self.lock();
        if found(&entries).is_none() {
            if entries.len() == CAPACITY {
                entries.pop_front();
            }
            entries.push_back((schema.clone(), variant, value.clone()));
        }
        value
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(Arc<Value>, K, V)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use serde_json::json;

    use super::*;

    #[test]
    fn makes_each_form_once_per_schema_and_variant() {
        let memo = SchemaMemo::<bool, Arc<String>>::default();
        let made = Cell::new(0);
        let make = |s: &str| {
            made.set(made.get() + 1);
            Arc::new(s.to_owned())
        };
        let a = Arc::new(json!({"type": "integer"}));
        let equal_but_separate = Arc::new(json!({"type": "integer"}));
        assert_eq!(*memo.get_or_make(&a, false, || make("a")), "a");
        assert_eq!(*memo.get_or_make(&a, false, || make("again")), "a");
        assert_eq!(*memo.get_or_make(&a, true, || make("a tool")), "a tool");
        assert_eq!(
            *memo.get_or_make(&equal_but_separate, false, || make("b")),
            "b"
        );
        assert_eq!(made.get(), 3);
    }

    #[test]
    fn forgets_the_oldest_beyond_its_capacity() {
        let memo = SchemaMemo::<(), usize>::default();
        let schemas: Vec<_> = (0..=CAPACITY).map(|i| Arc::new(json!(i))).collect();
        for (i, schema) in schemas.iter().enumerate() {
            memo.get_or_make(schema, (), || i);
        }
        assert_eq!(memo.lock().len(), CAPACITY);
        // The first was forgotten (made again), the last is remembered.
        assert_eq!(memo.get_or_make(&schemas[0], (), || 1000), 1000);
        assert_eq!(memo.get_or_make(&schemas[CAPACITY], (), || 2000), CAPACITY);
    }
}
