//! Clusters on 127.0.0.1: the test binary re-executes itself as the
//! worker processes (test `worker_process`, active only when
//! `DKLEARN_CLUSTER_ROLE` is set), with free ports, every wait bounded and
//! every child killed when the test ends, passing or not.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{free_ports, spawn, wait_all, Children};

use dklearn_cluster::{Cluster, Config, RunReport};
use dklearn_graph::{Codecs, Delayed, ErrorKind, Graph, Key, Scheduler, Sequential, Task, Value};

/// A small deterministic generator (splitmix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn k(i: usize) -> Key {
    Key::from_string(format!("t{i}"))
}

/// A random DAG of i64 and Vec<f64> values; returns it and the requested keys.
fn random_graph(seed: u64) -> (Graph, Vec<Key>) {
    let mut r = Rng(seed);
    let n = 1 + r.below(40) as usize;
    let mut g = Graph::new();
    for i in 0..n {
        let nd = if i == 0 { 0 } else { r.below(4) as usize };
        let deps: Vec<Key> = (0..nd).map(|_| k(r.below(i as u64) as usize)).collect();
        if deps.is_empty() {
            if r.below(2) == 0 {
                // A computed leaf (placed by range) or, below, a literal
                // (computed wherever it is read).
                let x = r.next() as i64 >> 8;
                g.insert(
                    k(i),
                    Task::new(vec![], move |_: &[Value]| Ok(Arc::new(x) as Value)),
                );
            } else {
                let v: Vec<f64> = (0..r.below(50))
                    .map(|_| (r.next() >> 11) as f64 * 1e-3)
                    .collect();
                g.insert(k(i), Task::literal(Arc::new(v)));
            }
            continue;
        }
        let salt = r.next() as i64;
        let as_vec = r.below(3) == 0;
        g.insert(
            k(i),
            Task::new(deps, move |v: &[Value]| {
                let mut acc = salt;
                let mut fl = 0.0f64;
                for x in v {
                    if let Some(a) = x.downcast_ref::<i64>() {
                        acc = acc.wrapping_mul(31).wrapping_add(*a);
                    } else if let Some(a) = x.downcast_ref::<Vec<f64>>() {
                        for f in a {
                            fl = fl * 0.5 + f;
                        }
                        acc = acc.wrapping_add(a.len() as i64);
                    } else {
                        return Err("unexpected input type".into());
                    }
                }
                if as_vec {
                    Ok(Arc::new(vec![fl, acc as f64, fl / 3.0]) as Value)
                } else {
                    Ok(Arc::new(acc ^ fl.to_bits() as i64) as Value)
                }
            }),
        );
    }
    let nk = 1 + r.below(3) as usize;
    let keys = (0..nk).map(|_| k(r.below(n as u64) as usize)).collect();
    (g, keys)
}

/// The values as one line of text, floats by bit pattern.
fn show(vals: &[Value]) -> String {
    let mut s = String::new();
    for v in vals {
        if let Some(a) = v.downcast_ref::<i64>() {
            s.push_str(&format!("i{a} "));
        } else if let Some(a) = v.downcast_ref::<Vec<f64>>() {
            s.push('[');
            for f in a {
                s.push_str(&format!("{:x},", f.to_bits()));
            }
            s.push_str("] ");
        } else {
            s.push_str("? ");
        }
    }
    s
}

/// A chain of slow steps over 12 leaves (for the kill test).
fn slow_chain(step: Duration) -> (Graph, Vec<Key>) {
    let mut g = Graph::new();
    for c in 0..12 {
        // Computed leaves (a literal is computed wherever it is read, so a
        // chain over literals would never leave process 0).
        g.insert(
            Key::from_string(format!("x{c}")),
            Task::new(vec![], move |_: &[Value]| Ok(Arc::new(c as i64) as Value)),
        );
        let deps = if c == 0 {
            vec![Key::from_string("x0")]
        } else {
            vec![
                Key::from_string(format!("m{}", c - 1)),
                Key::from_string(format!("x{c}")),
            ]
        };
        g.insert(
            Key::from_string(format!("m{c}")),
            Task::new(deps, move |v: &[Value]| {
                std::thread::sleep(step);
                let s: i64 = v.iter().filter_map(|x| x.downcast_ref::<i64>()).sum();
                Ok(Arc::new(s) as Value)
            }),
        );
    }
    (g, vec![Key::from_string("m11")])
}

/// A value type with no encoding.
#[derive(Clone, Debug)]
struct Opaque(i64);

/// Tasks run in this process by the graphs of [`encodings_graph`].
static RUNS: AtomicUsize = AtomicUsize::new(0);

/// Typed graphs whose `opaque` value (an [`Opaque`], no encoding) crosses
/// processes on 2 processes (`cross`: its reader `sum` runs on the other
/// process; `requested`: it is requested, so returned on every process), or
/// stays where it is made (`local`: read there only, by `unwrap`). Every
/// task counts its runs in [`RUNS`]. Returns the graph, the requested keys
/// and the `opaque` key.
fn encodings_graph(case: &str) -> (Graph, Vec<Key>, Key) {
    let a = Delayed::value("a", 1i64);
    let b = Delayed::value("b", 2i64);
    let opaque = a.map("opaque", |v| {
        RUNS.fetch_add(1, Ordering::SeqCst);
        Opaque(*v)
    });
    let b2 = b.map("b2", |v| {
        RUNS.fetch_add(1, Ordering::SeqCst);
        v + 1
    });
    let out: Delayed<i64> = match case {
        "cross" => opaque.join(&b2, "sum", |o, b| {
            RUNS.fetch_add(1, Ordering::SeqCst);
            o.0 + b
        }),
        "local" => opaque
            .map("unwrap", |o| {
                RUNS.fetch_add(1, Ordering::SeqCst);
                o.0 * 10
            })
            .join(&b2, "sum", |a, b| {
                RUNS.fetch_add(1, Ordering::SeqCst);
                a + b
            }),
        _ => {
            let (g, k) = opaque.clone().into_parts();
            return (g, vec![k.clone()], k);
        }
    };
    let (g, k) = out.into_parts();
    (g, vec![k], opaque.key().clone())
}

/// The worker side: does nothing unless started by `spawn`.
#[test]
fn worker_process() {
    let Some((role, cfg, extra)) = common::worker_setup() else {
        return;
    };
    let cluster = Cluster::new(cfg);
    let finish = |r: Result<String, String>| {
        match r {
            Ok(s) => println!("@@OK {s}"),
            Err(e) => println!("@@ERR {e}"),
        }
        std::process::exit(0);
    };
    match role.as_str() {
        "random" => {
            let mut lines = Vec::new();
            for seed in extra.split(',') {
                let (g, keys) = random_graph(seed.parse().unwrap());
                match cluster.get(&g, &keys, &[]) {
                    Ok(v) => lines.push(show(&v)),
                    Err(e) => finish(Err(e.to_string())),
                }
                let rep = cluster.last_report().unwrap();
                println!("@@SENT {}", rep.bytes_sent());
            }
            finish(Ok(lines.join("|")));
        }
        "encodings" => {
            // Each case on its own: runs counted, then the outcome.
            for case in extra.split(',') {
                let (g, keys, _) = encodings_graph(case);
                let before = RUNS.load(Ordering::SeqCst);
                let r = cluster.get(&g, &keys, &[]);
                let runs = RUNS.load(Ordering::SeqCst) - before;
                match r {
                    Ok(v) => println!("@@{case} {runs} OK {}", show(&v)),
                    Err(e) => println!("@@{case} {runs} ERR {e}"),
                }
            }
            finish(Ok(String::new()));
        }
        "kill" => {
            println!("@@STARTED");
            let (g, keys) = slow_chain(Duration::from_millis(150));
            finish(
                cluster
                    .get(&g, &keys, &[])
                    .map(|v| show(&v))
                    .map_err(|e| e.to_string()),
            );
        }
        _ => panic!("unknown role {role}"),
    }
}

#[test]
fn random_dags_match_sequential() {
    let seeds: Vec<u64> = (1..=24).collect();
    let mut case = 0;
    for processes in 1..=3 {
        for threads in 1..=2 {
            let mine: Vec<u64> = seeds[case * 4..case * 4 + 4].to_vec();
            case += 1;
            let list = mine
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let want: Vec<String> = mine
                .iter()
                .map(|&s| {
                    let (g, keys) = random_graph(s);
                    show(&Sequential.get(&g, &keys, &[]).unwrap())
                })
                .collect();
            let want = format!("OK {}", want.join("|"));
            let (mut children, _) = spawn("random", processes, threads, &list);
            let results = wait_all(&mut children, Duration::from_secs(60));
            for (p, (ok, lines, _)) in results.iter().enumerate() {
                assert!(ok, "process {p} of {processes}x{threads} failed");
                let last = lines.last().cloned().unwrap_or_default();
                assert_eq!(
                    last, want,
                    "process {p} of {processes}x{threads}, seeds {list}"
                );
            }
        }
    }
}

/// Issue 14: a typed value that must cross and has no encoding fails every
/// process before any task runs, naming its key and type; the same value
/// kept on its process runs fine.
#[test]
fn unencodable_crossing_value_fails_before_anything_runs() {
    // The cases' premises, from the placement every process computes.
    let home = |g: &Graph, keys: &[Key], k: &Key| {
        let p = dklearn_cluster::placement(g, keys, 2).unwrap();
        p.iter().find(|(x, _)| x == k).map(|(_, h)| *h).unwrap()
    };
    let (g, keys, opaque) = encodings_graph("cross");
    assert_ne!(
        home(&g, &keys, &opaque),
        home(&g, &keys, &keys[0]),
        "sum reads opaque elsewhere"
    );
    let (g, keys, opaque) = encodings_graph("local");
    let reader = g
        .iter()
        .find(|(_, t)| t.deps() == [opaque.clone()])
        .unwrap()
        .0
        .clone();
    assert_eq!(
        home(&g, &keys, &opaque),
        home(&g, &keys, &reader),
        "unwrap reads opaque where it is"
    );
    // On one process nothing crosses: no check, the graph runs.
    let (g, keys, _) = encodings_graph("cross");
    assert!(Cluster::new(Config::single(1)).get(&g, &keys, &[]).is_ok());

    let (mut children, _) = spawn("encodings", 2, 1, "cross,requested,local");
    let results = wait_all(&mut children, Duration::from_secs(60));
    let ty = std::any::type_name::<Opaque>();
    let (_, _, opaque) = encodings_graph("cross");
    let mut local_runs = 0;
    for (p, (ok, lines, _)) in results.iter().enumerate() {
        assert!(ok, "process {p} failed");
        let line = |case: &str| {
            lines
                .iter()
                .find(|l| l.starts_with(&format!("{case} ")))
                .unwrap_or_else(|| panic!("process {p}: no {case} line in {lines:?}"))
                .clone()
        };
        let to = 1 - home(&g, &keys, &opaque);
        assert_eq!(
            line("cross"),
            format!(
                "cross 0 ERR value of {opaque} must be sent from process {} to process {to} \
                 but its type {ty} has no encoding (register it in the scheduler's Codecs)",
                1 - to
            ),
            "process {p}"
        );
        let requested = line("requested");
        assert!(
            requested.starts_with(&format!(
                "requested 0 ERR value of {opaque} must be sent from process "
            )),
            "process {p}: {requested}"
        );
        assert!(requested.contains(&format!("(it is requested, and requested values are returned on every process) but its type {ty} has no encoding")), "{requested}");
        let local = line("local");
        let (runs, rest) = local["local ".len()..].split_once(' ').unwrap();
        assert_eq!(rest, "OK i13 ", "process {p}");
        local_runs += runs.parse::<usize>().unwrap();
    }
    // opaque, b2, unwrap, sum (the counting tasks): each ran once, somewhere.
    assert_eq!(local_runs, 4);
    // In one process, the kind names the key and the type.
    let (g, keys, opaque) = encodings_graph("requested");
    let addrs = free_ports(2);
    let cfg = Config::cluster(1, 0, addrs).unwrap();
    let e = Cluster::new(cfg).get(&g, &keys, &[]).unwrap_err();
    match e.kind() {
        ErrorKind::NoEncoding { key, type_name, .. } => {
            assert_eq!((key, *type_name), (&opaque, ty));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(e.key(), Some(&opaque));
}

#[test]
fn killed_process_fails_the_others_naming_it() {
    let (mut children, addrs) = spawn("kill", 3, 1, "");
    // Let the run start, then kill process 2 mid-run.
    let reader = BufReader::new(children.0[2].stdout.take().unwrap());
    let started = reader
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("@@STARTED"));
    assert!(started, "process 2 ended before starting its run");
    std::thread::sleep(Duration::from_millis(600));
    children.0[2].kill().unwrap();
    let killed_at = Instant::now();
    let mut others = Children(children.0.drain(..2).collect());
    let results = wait_all(&mut others, Duration::from_secs(10));
    for (p, (ok, lines, _)) in results.iter().enumerate() {
        assert!(ok, "process {p} crashed instead of reporting");
        let last = lines.last().cloned().unwrap_or_default();
        assert!(
            last.starts_with(&format!(
                "ERR scheduler failed: lost process 2 ({})",
                addrs[2]
            )),
            "process {p}: {last}"
        );
    }
    assert!(killed_at.elapsed() < Duration::from_secs(10));
}

#[test]
fn silent_process_is_lost_after_the_heartbeat_timeout() {
    // A stopped process keeps its sockets open: only heartbeats tell.
    let (mut children, addrs) = spawn("kill", 3, 1, "");
    let reader = BufReader::new(children.0[1].stdout.take().unwrap());
    let started = reader
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("@@STARTED"));
    assert!(started, "process 1 ended before starting its run");
    std::thread::sleep(Duration::from_millis(600));
    let pid = children.0[1].id().to_string();
    let stopped = Command::new("kill").args(["-STOP", &pid]).status();
    assert!(
        stopped.map(|s| s.success()).unwrap_or(false),
        "kill -STOP {pid}"
    );
    let stopped_at = Instant::now();
    let mut others = Children(vec![children.0.remove(0), children.0.remove(1)]);
    let results = wait_all(&mut others, Duration::from_secs(10));
    for (p, (ok, lines, _)) in results.iter().enumerate() {
        assert!(ok, "a process crashed instead of reporting");
        let last = lines.last().cloned().unwrap_or_default();
        assert!(
            last.starts_with(&format!(
                "ERR scheduler failed: lost process 1 ({}): ",
                addrs[1]
            )) && (last.ends_with("no heartbeat for 3s") || last.contains("reported by process")),
            "process {}: {last}",
            if p == 0 { 0 } else { 2 }
        );
    }
    assert!(stopped_at.elapsed() < Duration::from_secs(10));
}

/// Runs one graph on an in-process cluster of `p` processes (threads here;
/// each with its own `Cluster`, timely instance and sockets).
fn in_threads(
    p: usize,
    build: impl Fn() -> (Graph, Vec<Key>) + Sync,
    codecs: impl Fn() -> Codecs + Sync,
) -> Vec<Result<String, String>> {
    let addrs = free_ports(p);
    std::thread::scope(|s| {
        let hs: Vec<_> = (0..p)
            .map(|i| {
                let addrs = addrs.clone();
                let (build, codecs) = (&build, &codecs);
                s.spawn(move || {
                    let cfg = Config::cluster(1, i, addrs)
                        .unwrap()
                        .connect_timeout(Duration::from_secs(20));
                    let (g, keys) = build();
                    Cluster::new(cfg)
                        .with_codecs(codecs())
                        .get(&g, &keys, &[])
                        .map(|v| show(&v))
                        .map_err(|e| e.to_string())
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn two_leaves(
    step: impl Fn(&[Value]) -> Result<Value, dklearn_graph::TaskError> + Send + Sync + 'static,
) -> (Graph, Vec<Key>) {
    let mut g = Graph::new();
    g.insert(Key::from_string("a"), Task::literal(Arc::new(1i64)));
    g.insert(Key::from_string("b"), Task::literal(Arc::new(2i64)));
    g.insert(
        Key::from_string("a2"),
        Task::new(vec![Key::from_string("a")], step),
    );
    g.insert(
        Key::from_string("b2"),
        Task::new(vec![Key::from_string("b")], |v: &[Value]| {
            Ok(Arc::new(*v[0].downcast_ref::<i64>().ok_or("b")? + 1) as Value)
        }),
    );
    g.insert(
        Key::from_string("sum"),
        Task::new(
            vec![Key::from_string("a2"), Key::from_string("b2")],
            |v: &[Value]| {
                let s: i64 = v.iter().filter_map(|x| x.downcast_ref::<i64>()).sum();
                Ok(Arc::new(s) as Value)
            },
        ),
    );
    (g, vec![Key::from_string("sum")])
}

#[test]
fn panicking_task_fails_every_process_with_its_key() {
    let out = in_threads(
        2,
        || two_leaves(|_: &[Value]| panic!("a2 exploded")),
        Codecs::std,
    );
    for r in out {
        assert_eq!(r.unwrap_err(), "task a2 failed: a2 exploded");
    }
}

/// Untyped tasks (`Task::new`) record no output type: their value is
/// checked when it is sent.
#[test]
fn value_without_encoding_is_an_error_naming_its_key() {
    let out = in_threads(
        2,
        || {
            two_leaves(|v: &[Value]| {
                Ok(Arc::new(*v[0].downcast_ref::<i64>().ok_or("b")? as i32) as Value)
            })
        },
        || Codecs::new().with::<i64>(),
    );
    // a2 (on process 0) must go to process 1, where `sum` runs.
    for r in out {
        let e = r.unwrap_err();
        assert!(
            e.starts_with(
                "task a2 failed: its value must go to process 1 but its type has no encoding"
            ),
            "{e}"
        );
    }
}

#[test]
fn two_processes_in_threads_agree() {
    let out = in_threads(
        2,
        || {
            two_leaves(|v: &[Value]| {
                Ok(Arc::new(*v[0].downcast_ref::<i64>().ok_or("a")? * 10) as Value)
            })
        },
        Codecs::std,
    );
    assert_eq!(out, vec![Ok("i13 ".to_string()), Ok("i13 ".to_string())]);
}

#[test]
fn port_in_use_and_unreachable_peer_are_clear_errors() {
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_addr = format!("127.0.0.1:{}", busy.local_addr().unwrap().port());
    let other = free_ports(1).remove(0);
    let (g, keys) = slow_chain(Duration::ZERO);
    let cfg = Config::cluster(1, 0, vec![busy_addr.clone(), other.clone()]).unwrap();
    let e = Cluster::new(cfg)
        .get(&g, &keys, &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!(
            "scheduler failed: process 0 cannot listen on {busy_addr}: "
        )),
        "{e}"
    );
    assert!(e.ends_with("(is the port in use?)"), "{e}");
    // Process 1 whose process 0 never comes up.
    let start = Instant::now();
    let cfg = Config::cluster(1, 1, vec![other.clone(), busy_addr])
        .unwrap()
        .connect_timeout(Duration::from_millis(500));
    let e = Cluster::new(cfg)
        .get(&g, &keys, &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!("scheduler failed: could not connect to process 0 at {other} before the connect timeout")),
        "{e}"
    );
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn process_0_callbacks_count_every_process_tasks() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    #[derive(Default)]
    struct Count(AtomicUsize, AtomicUsize);
    impl dklearn_graph::Callback for Count {
        fn start(&self, graph: &Graph, _keys: &[Key]) {
            self.1.store(graph.len(), Ordering::SeqCst);
        }
        fn posttask(&self, _key: &Key, _worker: usize, ok: bool) {
            if ok {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
    let addrs = free_ports(3);
    let counts: Vec<Count> = (0..3).map(|_| Count::default()).collect();
    std::thread::scope(|s| {
        for (i, count) in counts.iter().enumerate() {
            let addrs = addrs.clone();
            s.spawn(move || {
                let cfg = Config::cluster(1, i, addrs)
                    .unwrap()
                    .connect_timeout(Duration::from_secs(20));
                let (g, keys) = slow_chain(Duration::ZERO);
                Cluster::new(cfg).get(&g, &keys, &[count]).unwrap();
            });
        }
    });
    // 24 tasks: process 0 saw all of them finish; the others their own.
    assert_eq!(counts[0].1.load(Ordering::SeqCst), 24);
    assert_eq!(counts[0].0.load(Ordering::SeqCst), 24);
    let others = counts[1].0.load(Ordering::SeqCst) + counts[2].0.load(Ordering::SeqCst);
    assert_eq!(others, 16);
}

#[test]
fn process_0_profile_has_a_row_per_process_with_bytes_sent() {
    use dklearn_executor::Profiler;
    let addrs = free_ports(3);
    let profs: Vec<Profiler> = (0..3).map(|_| Profiler::new()).collect();
    let reports: Vec<RunReport> = std::thread::scope(|s| {
        let runs: Vec<_> = profs
            .iter()
            .enumerate()
            .map(|(i, prof)| {
                let addrs = addrs.clone();
                s.spawn(move || {
                    let cfg = Config::cluster(2, i, addrs)
                        .unwrap()
                        .connect_timeout(Duration::from_secs(20));
                    let (g, keys) = slow_chain(Duration::ZERO);
                    let c = Cluster::new(cfg);
                    c.get(&g, &keys, &[prof]).unwrap();
                    c.last_report().unwrap()
                })
            })
            .collect();
        runs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let sent: Vec<u64> = reports.iter().map(RunReport::bytes_sent).collect();
    // Process 0 heard every process's summary at the end; the others keep none.
    let summary = &reports[0].processes_summary;
    assert_eq!(summary.len(), 3);
    for (p, (s, rep)) in summary.iter().zip(&reports).enumerate() {
        assert_eq!(s.process, p);
        assert_eq!(s.tasks_run, rep.tasks_run, "tasks of process {p}");
        assert_eq!(s.bytes_sent, rep.bytes_sent(), "bytes of process {p}");
        assert_eq!((s.spilled_bytes, s.unspilled_bytes), (0, 0));
        if cfg!(target_os = "linux") {
            assert!(
                s.peak_rss_bytes.is_some_and(|b| b > 0),
                "peak RSS of process {p}"
            );
        }
    }
    assert_eq!(summary.iter().map(|s| s.tasks_run).sum::<usize>(), 24);
    assert!(reports[1..].iter().all(|r| r.processes_summary.is_empty()));
    let r = profs[0].results();
    assert_eq!(r.len(), 24, "process 0 records every process's tasks");
    for (p, &sent_p) in sent.iter().enumerate() {
        let mine: Vec<_> = r.iter().filter(|r| r.process == p).collect();
        assert!(!mine.is_empty(), "no task of process {p}");
        // Global workers: process p has workers 2p and 2p+1.
        assert!(mine.iter().all(|r| r.worker / 2 == p && r.end >= r.start));
        let bytes: u64 = mine.iter().map(|r| r.bytes_sent).sum();
        assert_eq!(bytes, sent_p, "bytes sent by process {p}");
    }
    assert!(sent.iter().sum::<u64>() > 0, "the chain crosses processes");
    // The other processes record only their own tasks.
    assert!(profs[1].results().iter().all(|r| r.process == 1));
}

/// Two memory-limited processes (threads of this test) on `g`: each
/// process's values, and the bytes its profiler saw spilled (checked
/// against what process 0's summary says of each, after a clean run).
fn run_limited(
    g: &Graph,
    keys: &[Key],
    limit: usize,
    base: &std::path::Path,
) -> Vec<(Result<String, String>, u64)> {
    use dklearn_executor::Profiler;
    let addrs = free_ports(2);
    std::thread::scope(|s| {
        let runs: Vec<_> = (0..2)
            .map(|i| {
                let addrs = addrs.clone();
                s.spawn(move || {
                    let cfg = Config::cluster(1, i, addrs)
                        .unwrap()
                        .connect_timeout(Duration::from_secs(20));
                    let c = Cluster::new(cfg).memory_limit(limit).spill_dir(base);
                    let prof = Profiler::new();
                    let r = c
                        .get(g, keys, &[&prof])
                        .map(|v| show(&v))
                        .map_err(|e| e.to_string());
                    let summary = c.last_report().map(|r| r.processes_summary);
                    (r, prof.spill_bytes(), summary.unwrap_or_default())
                })
            })
            .collect();
        let out: Vec<_> = runs.into_iter().map(|h| h.join().unwrap()).collect();
        if out.iter().all(|(r, _, _)| r.is_ok()) {
            let summary = &out[0].2;
            for (p, (_, seen, _)) in out.iter().enumerate() {
                let s = &summary[p];
                assert_eq!((s.spilled_bytes, s.unspilled_bytes), *seen, "process {p}");
            }
        }
        out.into_iter().map(|(r, seen, _)| (r, seen.0)).collect()
    })
}

#[test]
fn memory_limited_processes_spill_and_give_the_same_values() {
    let base = std::env::temp_dir().join(format!("dklearn-cluster-spill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let mut spilled = 0;
    for seed in 1..=8u64 {
        let (g, keys) = random_graph(seed);
        let want = show(&Sequential.get(&g, &keys, &[]).unwrap());
        // Limit 0: every held value that may be spilled is, and read back.
        for (r, bytes) in run_limited(&g, &keys, 0, &base) {
            assert_eq!(r.as_deref(), Ok(want.as_str()), "seed {seed}");
            spilled += bytes;
        }
    }
    let (g, keys) = slow_chain(Duration::ZERO);
    let want = show(&Sequential.get(&g, &keys, &[]).unwrap());
    for (r, bytes) in run_limited(&g, &keys, 0, &base) {
        assert_eq!(r.as_deref(), Ok(want.as_str()));
        assert!(bytes > 0, "each process spilled its chunks");
        spilled += bytes;
    }
    assert!(spilled > 0);
    // Every run removed its directory.
    let left: Vec<_> = std::fs::read_dir(&base)
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn a_spill_that_cannot_be_written_fails_every_process() {
    // The spill base is a file: no directory can be made under it.
    let base =
        std::env::temp_dir().join(format!("dklearn-cluster-spill-file-{}", std::process::id()));
    std::fs::write(&base, b"not a directory").unwrap();
    let (g, keys) = slow_chain(Duration::ZERO);
    let start = Instant::now();
    let out = run_limited(&g, &keys, 0, &base);
    let _ = std::fs::remove_file(&base);
    let errors: Vec<String> = out.into_iter().map(|(r, _)| r.unwrap_err()).collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("spilling") && e.contains(&base.display().to_string())),
        "{errors:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(15));
}

/// A value whose encoding panics (a buggy user `Encode`).
#[derive(Debug)]
struct Exploding;

impl dklearn_graph::codec::Encode for Exploding {
    fn type_tag() -> std::borrow::Cow<'static, str> {
        "test::Exploding".into()
    }
    fn encoded_len(&self) -> usize {
        0
    }
    fn encode(&self, _out: &mut Vec<u8>) {
        panic!("boom in encode");
    }
    fn decode(
        _r: &mut dklearn_graph::codec::Reader<'_>,
    ) -> Result<Self, dklearn_graph::codec::Error> {
        Ok(Exploding)
    }
}

#[test]
fn a_panicking_encoding_fails_every_process_without_a_hang() {
    // `x` is made on process 0 and read on process 1 (its reader `y` also
    // reads a root placed there).
    let mut g = Graph::new();
    g.insert(
        Key::from_string("a"),
        Task::new(vec![], |_: &[Value]| Ok(Arc::new(Exploding) as Value)),
    );
    g.insert(
        Key::from_string("b"),
        Task::new(vec![], |_: &[Value]| Ok(Arc::new(1i64) as Value)),
    );
    g.insert(
        Key::from_string("b2"),
        Task::new(vec![Key::from_string("b")], |v: &[Value]| {
            Ok(Arc::clone(&v[0]))
        }),
    );
    g.insert(
        Key::from_string("y"),
        Task::new(
            vec![Key::from_string("a"), Key::from_string("b2")],
            |_: &[Value]| Ok(Arc::new(2i64) as Value),
        ),
    );
    let keys = [Key::from_string("y")];
    let addrs = free_ports(2);
    let start = Instant::now();
    let errors: Vec<String> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..2)
            .map(|i| {
                let (g, keys, addrs) = (&g, &keys, addrs.clone());
                s.spawn(move || {
                    let cfg = Config::cluster(1, i, addrs)
                        .unwrap()
                        .connect_timeout(Duration::from_secs(20));
                    let codecs = Codecs::std().with::<Exploding>();
                    Cluster::new(cfg)
                        .with_codecs(codecs)
                        .get(g, keys, &[])
                        .map(|v| show(&v))
                        .map_err(|e| e.to_string())
                })
            })
            .collect();
        runs.into_iter()
            .map(|h| h.join().unwrap().unwrap_err())
            .collect()
    });
    assert!(
        errors
            .iter()
            .any(|e| e.contains("encoding its value panicked: boom in encode")),
        "{errors:?}"
    );
    assert!(
        errors.iter().all(|e| e.contains("task a failed")),
        "{errors:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(15));
}
