//! The harness shared by the cluster tests: free loopback ports, worker
//! processes re-executed from the test binary, killed on drop, waited for
//! with a bound.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const ROLE: &str = "DKLEARN_CLUSTER_ROLE";

pub(crate) fn free_ports(n: usize) -> Vec<String> {
    // Bound all at once so the ports differ; released just before use.
    let ls: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port"))
        .collect();
    ls.iter()
        .map(|l| format!("127.0.0.1:{}", l.local_addr().unwrap().port()))
        .collect()
}

/// Children that are killed when this is dropped.
pub(crate) struct Children(pub(crate) Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub(crate) fn spawn(
    role: &str,
    processes: usize,
    threads: usize,
    extra: &str,
) -> (Children, Vec<String>) {
    let addrs = free_ports(processes);
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut children = Children(Vec::new());
    for p in 0..processes {
        let child = Command::new(&exe)
            .args([
                "worker_process",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(ROLE, role)
            .env(
                "DKLEARN_CLUSTER_ME",
                format!("{threads} {p} {}", addrs.join(",")),
            )
            .env("DKLEARN_CLUSTER_EXTRA", extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("re-executing the test binary");
        children.0.push(child);
    }
    (children, addrs)
}

/// Waits for every child, at most `bound`, returning (exit ok, stdout lines).
pub(crate) fn wait_all(
    children: &mut Children,
    bound: Duration,
) -> Vec<(bool, Vec<String>, Duration)> {
    let start = Instant::now();
    let mut out = Vec::new();
    for c in &mut children.0 {
        let status = loop {
            if let Some(s) = c.try_wait().expect("waiting for a child") {
                break s;
            }
            assert!(
                start.elapsed() < bound,
                "a worker process did not end within {bound:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        let took = start.elapsed();
        let lines = BufReader::new(c.stdout.take().expect("piped stdout"))
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| l.find("@@").map(|at| l[at + 2..].to_string()))
            .collect();
        out.push((status.success(), lines, took));
    }
    out
}

/// In a worker process: its role, configuration and extra argument.
pub(crate) fn worker_setup() -> Option<(String, dklearn_cluster::Config, String)> {
    let role = std::env::var(ROLE).ok()?;
    let me = std::env::var("DKLEARN_CLUSTER_ME").expect("DKLEARN_CLUSTER_ME");
    let mut parts = me.split(' ');
    let threads: usize = parts.next().unwrap().parse().unwrap();
    let process: usize = parts.next().unwrap().parse().unwrap();
    let addrs: Vec<String> = parts.next().unwrap().split(',').map(String::from).collect();
    let extra = std::env::var("DKLEARN_CLUSTER_EXTRA").unwrap_or_default();
    let cfg = dklearn_cluster::Config::cluster(threads, process, addrs)
        .unwrap()
        .connect_timeout(Duration::from_secs(20))
        .heartbeat_timeout(Duration::from_secs(3));
    Some((role, cfg, extra))
}
