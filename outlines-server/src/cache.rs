//! Compiled schemas, by their text: a schema sent again (every request of a client sends the
//! same one) is not compiled again, and a backend's own per-schema caches (the local model's
//! token grammar) hit, since every request made with one compiled schema carries the same `Arc`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use outlines::output::{JsonSchema, SchemaError};
use serde_json::Value;

/// How many schemas the cache keeps; the oldest goes first.
const ENTRIES: usize = 256;
/// The most bytes of schema text it keeps, in all.
const BYTES: usize = 16 << 20;
/// A schema larger than this is compiled for its request and not kept.
const ENTRY_BYTES: usize = 256 << 10;

#[derive(Default)]
pub(crate) struct SchemaCache {
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Default)]
struct Inner {
    by_text: HashMap<String, JsonSchema>,
    order: VecDeque<String>,
    bytes: usize,
}

impl SchemaCache {
    /// `schema` compiled, from the cache when it holds it.
    pub(crate) fn get(&self, schema: &Value) -> Result<JsonSchema, SchemaError> {
        let text = schema.to_string();
        let lock = || self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = lock().by_text.get(&text) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(found.clone());
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        // Compiled without the lock; two requests may both compile, and the first stays.
        let compiled = JsonSchema::compile(schema)?;
        if text.len() <= ENTRY_BYTES {
            let mut inner = lock();
            if !inner.by_text.contains_key(&text) {
                while inner.order.len() >= ENTRIES || inner.bytes + text.len() > BYTES {
                    let Some(oldest) = inner.order.pop_front() else {
                        break;
                    };
                    inner.bytes -= oldest.len();
                    inner.by_text.remove(&oldest);
                }
                inner.bytes += text.len();
                inner.order.push_back(text.clone());
                inner.by_text.insert(text, compiled.clone());
            }
        }
        Ok(compiled)
    }

    /// (entries, hits, misses).
    pub(crate) fn stats(&self) -> (usize, u64, u64) {
        let entries = self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_text
            .len();
        (
            entries,
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Forgets every schema.
    pub(crate) fn clear(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner = Inner::default();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_schema_is_compiled_once_and_the_oldest_goes_first() {
        let cache = SchemaCache::default();
        let schema = json!({"type": "integer"});
        let first = cache.get(&schema).unwrap();
        let again = cache.get(&schema).unwrap();
        assert!(std::sync::Arc::ptr_eq(
            first.json_schema(),
            again.json_schema()
        ));
        assert_eq!(cache.stats(), (1, 1, 1));
        for i in 0..ENTRIES + 10 {
            cache
                .get(&json!({"type": "integer", "minimum": i}))
                .unwrap();
        }
        assert_eq!(cache.stats().0, ENTRIES);
        cache.get(&schema).unwrap();
        assert_eq!(
            cache.stats().2,
            ENTRIES as u64 + 12,
            "the first was evicted"
        );
        assert!(cache.get(&json!({"type": "nope"})).is_err());
        cache.clear();
        assert_eq!(cache.stats().0, 0);
    }
}
