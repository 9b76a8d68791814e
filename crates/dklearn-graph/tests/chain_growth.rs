//! Issue 12: building a chain `d = d.map(...)` one step at a time must take
//! linear time. Each `map` used to copy the whole graph (the previous
//! `Delayed` still shared it): 1.7 s for 10,000 maps, 219 s for 100,000.
//!
//! Measured without a clock: a counting allocator sums the bytes allocated
//! while building and computing chains of 10,000 and 40,000 maps. Linear
//! work allocates about 4 times as much for 4 times the steps; copying the
//! graph each step allocated about 16 times as much. This file holds one
//! test, so no other test allocates while it counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use dklearn_graph::{Delayed, Sequential};

struct Counting;

static ALLOCATED: AtomicU64 = AtomicU64::new(0);

// SAFETY: every method forwards to the system allocator unchanged (the
// counter is a side effect), so `System`'s guarantees hold.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new_size as u64, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes allocated building `n` chained maps one at a time, computing the
/// end of the chain, and dropping it.
fn chain_bytes(n: usize) -> u64 {
    let before = ALLOCATED.load(Ordering::Relaxed);
    let mut d = Delayed::value("start", 0i64);
    for _ in 0..n {
        d = d.map("inc", |v| v + 1);
    }
    assert_eq!(d.graph().len(), n + 1);
    assert_eq!(d.compute(&Sequential).expect("chain computes"), n as i64);
    drop(d);
    ALLOCATED.load(Ordering::Relaxed) - before
}

#[test]
fn a_chain_of_maps_builds_in_linear_time() {
    chain_bytes(1_000); // warm up lazily allocated state
    let small = chain_bytes(10_000);
    let large = chain_bytes(40_000);
    let ratio = large as f64 / small as f64;
    assert!(
        ratio < 6.0,
        "4x the maps allocated {ratio:.1}x the bytes ({small} -> {large}): not linear"
    );
}
