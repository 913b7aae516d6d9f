//! Per-type caches: each type's definition, JSON Schema and description are built once.
//!
//! A `static` inside a generic function is shared by every instantiation, so generic types
//! (`Page<Person>`, `Page<Order>`) cannot cache in a plain `OnceLock`; the caches here are keyed by
//! `TypeId`. Entries are leaked on purpose: there is one per type, for the life of the program.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// A map from a type to a value computed once for it.
#[derive(Debug)]
pub struct TypeCache<V: 'static> {
    entries: RwLock<Option<HashMap<TypeId, &'static V>>>,
}

impl<V: Send + Sync + 'static> TypeCache<V> {
    /// An empty cache, usable in a `static`.
    pub const fn new() -> Self {
        TypeCache {
            entries: RwLock::new(None),
        }
    }

    /// The value for `T`, computing it with `init` the first time.
    ///
    /// `init` runs without the lock held, so it may itself use this cache (for other types). If two
    /// threads race, both compute and the first to finish wins; the other value is dropped.
    pub fn get_or_init<T: 'static>(&self, init: impl FnOnce() -> V) -> &'static V {
        let id = TypeId::of::<T>();
        if let Some(found) = self.lookup(id) {
            return found;
        }
        let value = init();
        let mut guard = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        let map = guard.get_or_insert_with(HashMap::new);
        map.entry(id).or_insert_with(|| Box::leak(Box::new(value)))
    }

    fn lookup(&self, id: TypeId) -> Option<&'static V> {
        let guard = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        guard.as_ref().and_then(|map| map.get(&id).copied())
    }
}

impl<V: Send + Sync + 'static> Default for TypeCache<V> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_once_per_type() {
        static CACHE: TypeCache<String> = TypeCache::new();
        let a = CACHE.get_or_init::<u8>(|| "u8".to_owned());
        let b = CACHE.get_or_init::<u8>(|| unreachable!("cached"));
        let c = CACHE.get_or_init::<u16>(|| "u16".to_owned());
        assert!(std::ptr::eq(a, b));
        assert_eq!(c, "u16");
    }

    #[test]
    fn init_may_reenter_for_other_types() {
        static CACHE: TypeCache<String> = TypeCache::new();
        let outer = CACHE
            .get_or_init::<i8>(|| format!("outer+{}", CACHE.get_or_init::<i16>(|| "inner".into())));
        assert_eq!(outer, "outer+inner");
    }
}
