//! Valid input allocates nothing beyond `T` itself: `T::from_json` makes exactly the allocations plain
//! `serde_json::from_str::<T>` makes (the strings and vectors inside `T`), no more.

// A counting global allocator needs `unsafe impl GlobalAlloc`; the library itself forbids unsafe code.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use outlines::Structured;

#[path = "../benches/support/order.rs"]
mod order;

/// Counts allocations (and bytes) made by the current thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

// SAFETY: forwards to the system allocator; the bookkeeping touches only a const-initialized
// thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| {
            let (n, bytes) = c.get();
            c.set((n + 1, bytes + layout.size()));
        });
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| {
            let (n, bytes) = c.get();
            c.set((n + 1, bytes + new_size));
        });
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations<T>(f: impl FnOnce() -> T) -> ((usize, usize), T) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    let after = ALLOCATIONS.with(Cell::get);
    ((after.0 - before.0, after.1 - before.1), out)
}

#[test]
fn valid_input_allocates_only_the_value() {
    let json = order::order_json();
    // Warm up: regexes compile and caches fill on first use.
    order::Order::from_json(&json).expect("valid");

    let (ours, a) = allocations(|| order::Order::from_json(&json).expect("valid"));
    let (serde, b) = allocations(|| serde_json::from_str::<order::Order>(&json).expect("valid"));
    assert_eq!(a, b);
    assert_eq!(ours, serde, "(allocations, bytes): outlines vs serde_json");
    assert!(serde.0 > 20, "the value itself allocates: {serde:?}");
}

#[test]
fn valid_value_input_allocates_only_the_value() {
    let value: serde_json::Value = serde_json::from_str(&order::order_json()).expect("json");
    order::Order::from_value(&value).expect("valid");
    let (ours, a) = allocations(|| order::Order::from_value(&value).expect("valid"));
    let (serde, b) = allocations(|| order::Order::deserialize_from(&value));
    assert_eq!(a, b);
    assert_eq!(ours, serde, "(allocations, bytes): outlines vs serde_json");
}

trait FromValueRef: Sized {
    fn deserialize_from(value: &serde_json::Value) -> Self;
}

impl<T: serde::de::DeserializeOwned> FromValueRef for T {
    fn deserialize_from(value: &serde_json::Value) -> Self {
        T::deserialize(value).expect("valid")
    }
}
