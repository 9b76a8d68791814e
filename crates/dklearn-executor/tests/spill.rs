//! Spilling under a memory limit: the same results as `Sequential` without
//! a limit on random DAGs, random value sizes and random limits (1 and N
//! workers); the spill directory removed after the run; clear errors for a
//! full disk (an injected failing writer), an unwritable directory and a
//! corrupt spill file.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use dklearn_executor::{DiskFiles, SpillFiles, Threaded};
use dklearn_graph::codec::{Encode, Error as CodecError, Reader};
use dklearn_graph::{
    Callback, Codecs, ErrorKind, Graph, Key, Scheduler, Sequential, SpillEvent, SpillKind, Task,
    Value,
};
use proptest::prelude::*;

/// A value of a chosen size whose bytes depend on the task and its inputs.
#[derive(Debug, Clone, PartialEq)]
struct Blob(Vec<u8>);

impl Encode for Blob {
    dklearn_graph::codec::encode_fields!("test::Blob"; 0);
}

/// Not registered: legal, never spilled.
#[derive(Debug, Clone, PartialEq)]
struct Opaque(Vec<u8>);

fn codecs() -> Arc<Codecs> {
    Arc::new(Codecs::std().with::<Blob>())
}

fn key(i: usize) -> Key {
    Key::from_string(format!("node-{i}"))
}

fn bytes_of(v: &Value) -> Result<&[u8], &'static str> {
    if let Some(b) = v.downcast_ref::<Blob>() {
        Ok(&b.0)
    } else if let Some(o) = v.downcast_ref::<Opaque>() {
        Ok(&o.0)
    } else {
        Err("not a blob")
    }
}

/// Task `i`: FNV of its inputs, spread over `size` bytes.
fn task(i: usize, deps: Vec<Key>, size: usize, opaque: bool) -> Task {
    Task::new(deps, move |v: &[Value]| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ i as u64;
        for x in v {
            for &b in bytes_of(x)? {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
        }
        let data: Vec<u8> = (0..size)
            .map(|k| (h.rotate_left((k % 64) as u32) as u8) ^ k as u8)
            .collect();
        Ok(if opaque {
            Arc::new(Opaque(data)) as Value
        } else {
            Arc::new(Blob(data)) as Value
        })
    })
}

#[derive(Debug, Clone)]
struct Spec {
    nodes: Vec<(Vec<usize>, usize, bool)>,
    wanted: Vec<usize>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (1usize..40)
        .prop_flat_map(|n| {
            let nodes = (0..n)
                .map(|i| {
                    (
                        proptest::collection::vec(0..i.max(1), if i == 0 { 0..1 } else { 0..4 }),
                        0usize..3000,
                        proptest::bool::weighted(0.1),
                    )
                })
                .collect::<Vec<_>>();
            (nodes, proptest::collection::vec(0..n, 1..4))
        })
        .prop_map(|(nodes, wanted)| Spec { nodes, wanted })
}

fn graph(s: &Spec) -> (Graph, Vec<Key>) {
    let mut g = Graph::new();
    for (i, (deps, size, opaque)) in s.nodes.iter().enumerate() {
        let deps = if i == 0 {
            vec![]
        } else {
            deps.iter().map(|&d| key(d)).collect()
        };
        g.insert(key(i), task(i, deps, *size, *opaque));
    }
    (g, s.wanted.iter().map(|&w| key(w)).collect())
}

fn outputs(v: &[Value]) -> Vec<Vec<u8>> {
    v.iter()
        .map(|x| bytes_of(x).expect("blob").to_vec())
        .collect()
}

fn test_base(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("dklearn-spill-{name}-{}", std::process::id()))
}

/// Runs under the limit and checks the run directory is gone afterwards.
fn run_limited(g: &Graph, keys: &[Key], workers: usize, limit: usize, base: &Path) -> Vec<Vec<u8>> {
    let s = Threaded::new(workers)
        .memory_limit(limit)
        .spill_dir(base)
        .codecs(codecs());
    let out = outputs(&s.get(g, keys, &[]).expect("limited run"));
    let left: Vec<_> = std::fs::read_dir(base)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "spill directory left behind: {left:?}");
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn same_results_as_sequential_without_limit(s in spec(), limit in 0usize..12_000) {
        let (g, keys) = graph(&s);
        let expected = outputs(&Sequential.get(&g, &keys, &[]).expect("sequential"));
        let base = test_base("prop");
        for workers in [1, 3] {
            prop_assert_eq!(&run_limited(&g, &keys, workers, limit, &base), &expected);
        }
        let _ = std::fs::remove_dir_all(&base);
    }
}

#[derive(Default)]
struct Spills {
    spills: AtomicUsize,
    unspills: AtomicUsize,
    written: AtomicUsize,
    read: AtomicUsize,
    limit: AtomicUsize,
}

impl Callback for Spills {
    fn memory_limit(&self, bytes: usize) {
        self.limit.store(bytes, Ordering::SeqCst);
    }
    fn spill(&self, e: &SpillEvent) {
        match e.kind {
            SpillKind::Spill => {
                self.spills.fetch_add(1, Ordering::SeqCst);
                self.written.fetch_add(e.bytes, Ordering::SeqCst);
            }
            SpillKind::Unspill => {
                self.unspills.fetch_add(1, Ordering::SeqCst);
                self.read.fetch_add(e.bytes, Ordering::SeqCst);
            }
        }
    }
}

/// A chain whose side values wait: with a small limit they must go to disk
/// and come back, and every spilled value is read back exactly once.
fn fan() -> (Graph, Vec<Key>) {
    let mut g = Graph::new();
    // 10 producers of 10 kB each, all read by one final task.
    let mut deps = Vec::new();
    for i in 0..10 {
        g.insert(key(i), task(i, vec![], 10_000, false));
        deps.push(key(i));
    }
    g.insert(key(100), task(100, deps, 8, false));
    (g, vec![key(100)])
}

#[test]
fn spills_and_reads_back_with_events() {
    let (g, keys) = fan();
    let expected = outputs(&Sequential.get(&g, &keys, &[]).unwrap());
    let base = test_base("events");
    let cb = Spills::default();
    let s = Threaded::new(2)
        .memory_limit(25_000)
        .spill_dir(&base)
        .codecs(codecs());
    assert_eq!(
        format!("{s:?}"),
        "Threaded(num_workers=2, memory_limit=25000)"
    );
    assert_eq!(outputs(&s.get(&g, &keys, &[&cb]).unwrap()), expected);
    let spills = cb.spills.load(Ordering::SeqCst);
    assert!(spills >= 7, "{spills} spills");
    assert_eq!(spills, cb.unspills.load(Ordering::SeqCst));
    assert_eq!(
        cb.written.load(Ordering::SeqCst),
        cb.read.load(Ordering::SeqCst)
    );
    assert_eq!(cb.limit.load(Ordering::SeqCst), 25_000);
    let _ = std::fs::remove_dir_all(&base);
}

#[derive(Debug)]
struct FullDisk;

impl SpillFiles for FullDisk {
    fn write(&self, _path: &Path, _bytes: &[u8]) -> io::Result<()> {
        Err(io::Error::other("No space left on device (injected)"))
    }
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        DiskFiles.read(path)
    }
}

#[test]
fn disk_full_is_an_error_naming_key_and_path() {
    let (g, keys) = fan();
    let base = test_base("full");
    let s = Threaded::new(1)
        .memory_limit(1)
        .spill_dir(&base)
        .codecs(codecs())
        .spill_files(Arc::new(FullDisk));
    let e = s.get(&g, &keys, &[]).unwrap_err();
    let ErrorKind::Spill {
        key, path, action, ..
    } = e.kind()
    else {
        panic!("not a spill error: {e}");
    };
    assert_eq!(*action, "spilling");
    assert!(key.as_str().starts_with("node-"), "{key}");
    assert!(
        path.contains("value-") && path.starts_with(base.to_str().unwrap()),
        "{path}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("No space left on device") && msg.contains(key.as_str()),
        "{msg}"
    );
    let src = std::error::Error::source(&e).expect("cause kept");
    assert!(src.to_string().contains("injected"));
    // The run directory is removed on error too.
    assert_eq!(std::fs::read_dir(&base).map(|d| d.count()).unwrap_or(0), 0);
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn unwritable_dir_is_an_error_naming_it() {
    let (g, keys) = fan();
    let file = test_base("notadir");
    std::fs::write(&file, b"a file, not a directory").unwrap();
    let base = file.join("spill");
    let s = Threaded::new(2)
        .memory_limit(1)
        .spill_dir(&base)
        .codecs(codecs());
    let e = s.get(&g, &keys, &[]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Spill { .. }), "{e}");
    assert!(e.to_string().contains(base.to_str().unwrap()), "{e}");
    let _ = std::fs::remove_file(&file);
}

/// Flips one byte of every file it reads back.
#[derive(Debug)]
struct Corrupting;

impl SpillFiles for Corrupting {
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        DiskFiles.write(path, bytes)
    }
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let mut b = DiskFiles.read(path)?;
        let n = b.len();
        b[n / 2] ^= 0x10;
        Ok(b)
    }
}

#[test]
fn corrupt_spill_file_is_a_clear_error() {
    let (g, keys) = fan();
    let base = test_base("corrupt");
    let s = Threaded::new(2)
        .memory_limit(1)
        .spill_dir(&base)
        .codecs(codecs())
        .spill_files(Arc::new(Corrupting));
    let e = s.get(&g, &keys, &[]).unwrap_err();
    let ErrorKind::Spill { action, .. } = e.kind() else {
        panic!("not a spill error: {e}");
    };
    assert_eq!(*action, "reading back");
    assert!(e.to_string().contains("corrupt"), "{e}");
    let src = std::error::Error::source(&e).expect("cause kept");
    assert!(src.downcast_ref::<CodecError>().is_some());
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn truncated_spill_file_is_a_clear_error() {
    #[derive(Debug)]
    struct Truncating;
    impl SpillFiles for Truncating {
        fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
            DiskFiles.write(path, &bytes[..bytes.len() / 2])
        }
        fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
            DiskFiles.read(path)
        }
    }
    let (g, keys) = fan();
    let base = test_base("truncated");
    let s = Threaded::new(1)
        .memory_limit(1)
        .spill_dir(&base)
        .codecs(codecs())
        .spill_files(Arc::new(Truncating));
    let e = s.get(&g, &keys, &[]).unwrap_err();
    assert!(e.to_string().contains("truncated"), "{e}");
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn decode_of_unregistered_tag_reads_as_error() {
    // Bytes of a type the reading registry does not know.
    let v: Value = Arc::new(Blob(vec![1, 2, 3]));
    let bytes = codecs().encode(&v).unwrap();
    let e = Codecs::std().decode(&bytes).unwrap_err();
    assert_eq!(e.to_string(), "no codec registered for type test::Blob");
    let mut r = Reader::new(&[]);
    assert!(Blob::decode(&mut r).is_err());
}

#[test]
fn profile_page_shows_spills_and_the_limit() {
    use dklearn_executor::{render_html, Profiler, ResourceProfiler};
    let (g, keys) = fan();
    let base = test_base("profile");
    let prof = Profiler::new();
    let rprof = ResourceProfiler::new(std::time::Duration::from_millis(5));
    let s = Threaded::new(2)
        .memory_limit(25_000)
        .spill_dir(&base)
        .codecs(codecs());
    s.get(&g, &keys, &[&prof, &rprof]).unwrap();
    let (written, read) = prof.spill_bytes();
    assert!(written > 0 && written == read, "{written} {read}");
    let spills = prof.spills();
    assert!(spills.iter().any(|r| r.kind == SpillKind::Spill));
    assert!(spills
        .iter()
        .all(|r| r.end >= r.start && r.key.as_str().starts_with("node-")));
    assert_eq!(rprof.memory_limit(), Some(25_000));
    let html = render_html(&[(&prof).into(), (&rprof).into()]);
    assert!(html.contains(r#"class="task spill""#), "spill bars");
    assert!(html.contains(r#"class="task unspill""#), "unspill bars");
    assert!(html.contains("spill to disk (") && html.contains("MB written in"));
    assert!(html.contains(r#"class="memory-limit""#) && html.contains("memory limit 0.0 MB"));
    let _ = std::fs::remove_dir_all(&base);
}
