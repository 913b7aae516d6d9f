//! Compiled outputs, by their canonical text: a schema, regex, choice list or grammar sent again
//! (every request of a client sends the same one) is not compiled again, and a backend's own
//! per-schema caches (the local model's token grammar) hit, since every request made with one
//! compiled output carries the same `Arc`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use outlines::output::{JsonSchema, SchemaError};
use serde_json::Value;

use crate::types::AnyOutput;

/// How many outputs the cache keeps; the oldest goes first.
const ENTRIES: usize = 256;
/// The most bytes of source text it keeps, in all.
const BYTES: usize = 16 << 20;
/// An output whose source is larger than this is compiled for its request and not kept.
const ENTRY_BYTES: usize = 256 << 10;

#[derive(Default)]
pub(crate) struct OutputCache {
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// What the cache holds: a schema stays a [`JsonSchema`], which chat completions name and read
/// as a tool call's arguments; the rest are outputs as they are run.
#[derive(Clone)]
enum Compiled {
    Schema(JsonSchema),
    Output(AnyOutput),
}

#[derive(Default)]
struct Inner {
    by_key: HashMap<String, Compiled>,
    order: VecDeque<String>,
    bytes: usize,
}

impl OutputCache {
    /// `schema` compiled, from the cache when it holds it. Keys are canonical: the same schema
    /// with its keys in another order is a hit.
    pub(crate) fn schema(&self, schema: &Value) -> Result<JsonSchema, SchemaError> {
        self.named_schema(schema, None)
    }

    /// `schema` compiled and named `name` (chat completions name theirs): kept with its name, so
    /// that its description, which names the root, is rendered once rather than per request.
    pub(crate) fn named_schema(
        &self,
        schema: &Value,
        name: Option<&str>,
    ) -> Result<JsonSchema, SchemaError> {
        let mut key = String::from("json_schema:");
        if let Some(name) = name {
            key.push_str(&Value::from(name).to_string());
            key.push(':');
        }
        canonical(schema, &mut key);
        let compile = || {
            let compiled = JsonSchema::compile(schema)?;
            Ok(match name {
                Some(name) => compiled.named(name),
                None => compiled,
            })
        };
        match self.fetch(key, || compile().map(Compiled::Schema))? {
            Compiled::Schema(schema) => Ok(schema),
            // Not stored under a `json_schema:` key; compiled afresh rather than trusted.
            Compiled::Output(_) => compile(),
        }
    }

    /// The output `key` names (a kind and its canonical source, e.g. `regex:[0-9]+`), compiled by
    /// `compile` unless the cache holds it.
    pub(crate) fn output<E>(
        &self,
        key: String,
        compile: impl FnOnce() -> Result<AnyOutput, E>,
    ) -> Result<AnyOutput, E> {
        match self.fetch(key, || compile().map(Compiled::Output))? {
            Compiled::Output(output) => Ok(output),
            Compiled::Schema(schema) => Ok(crate::types::as_json(schema)),
        }
    }

    fn fetch<E>(
        &self,
        key: String,
        compile: impl FnOnce() -> Result<Compiled, E>,
    ) -> Result<Compiled, E> {
        let lock = || self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = lock().by_key.get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(found.clone());
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        // Compiled without the lock; two requests may both compile, and the first stays.
        let compiled = compile()?;
        if key.len() <= ENTRY_BYTES {
            let mut inner = lock();
            if !inner.by_key.contains_key(&key) {
                while inner.order.len() >= ENTRIES || inner.bytes + key.len() > BYTES {
                    let Some(oldest) = inner.order.pop_front() else {
                        break;
                    };
                    inner.bytes -= oldest.len();
                    inner.by_key.remove(&oldest);
                }
                inner.bytes += key.len();
                inner.order.push_back(key.clone());
                inner.by_key.insert(key, compiled.clone());
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
            .by_key
            .len();
        (
            entries,
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Forgets every output.
    pub(crate) fn clear(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner = Inner::default();
    }
}

/// `value` as JSON text with every object's keys sorted, so that one schema is one key whatever
/// order a client wrote it in (serde_json keeps insertion order here: `preserve_order`).
pub(crate) fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_schema_is_compiled_once_and_the_oldest_goes_first() {
        let cache = OutputCache::default();
        let schema =
            json!({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]});
        let first = cache.schema(&schema).unwrap();
        // The same schema with its keys in another order is the same entry.
        let reordered =
            json!({"required": ["a"], "properties": {"a": {"type": "integer"}}, "type": "object"});
        let again = cache.schema(&reordered).unwrap();
        assert!(std::sync::Arc::ptr_eq(
            first.json_schema(),
            again.json_schema()
        ));
        assert_eq!(cache.stats(), (1, 1, 1));
        for i in 0..ENTRIES + 10 {
            cache
                .schema(&json!({"type": "integer", "minimum": i}))
                .unwrap();
        }
        assert_eq!(cache.stats().0, ENTRIES);
        cache.schema(&schema).unwrap();
        assert_eq!(
            cache.stats().2,
            ENTRIES as u64 + 12,
            "the first was evicted"
        );
        assert!(cache.schema(&json!({"type": "nope"})).is_err());
        cache.clear();
        assert_eq!(cache.stats().0, 0);
    }

    #[test]
    fn other_outputs_are_kept_by_kind_and_source() {
        let cache = OutputCache::default();
        let compile = || -> Result<AnyOutput, String> {
            Ok(crate::types::as_json(
                outlines::output::Regex::new("[0-9]+").map_err(|e| e.to_string())?,
            ))
        };
        let first = cache.output("regex:[0-9]+".into(), compile).unwrap();
        let again = cache
            .output("regex:[0-9]+".into(), || Err("compiled again".to_owned()))
            .unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &again));
        assert_eq!(cache.stats(), (1, 1, 1));
        // A failure is the caller's error and is not kept.
        let failed = cache.output("regex:(".into(), || Err("unclosed group".to_owned()));
        assert_eq!(failed.err().as_deref(), Some("unclosed group"));
        assert_eq!(cache.stats().0, 1);
    }

    #[test]
    fn canonical_text_sorts_keys_at_every_depth() {
        let mut out = String::new();
        canonical(&json!({"b": [{"d": 1, "c": "x\"y"}], "a": null}), &mut out);
        assert_eq!(out, r#"{"a":null,"b":[{"c":"x\"y","d":1}]}"#);
    }
}
