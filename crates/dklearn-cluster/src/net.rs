//! Connecting the processes (bounded in time, checked by a handshake) and
//! the control links that notice a lost process.
//!
//! timely's own `create_sockets` retries a refused connection forever and
//! prints to stdout; its TCP threads panic when a peer's socket closes and
//! nothing tells the workers which peer it was. So this module opens the
//! sockets itself (timely's `initialize_networking_from_sockets` takes them
//! as they are) and a second, control, socket per pair of processes that
//! carries heartbeats and a clean goodbye.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam::channel::Sender;

use crate::config::Config;

const MAGIC: &[u8; 4] = b"DKLC";
const VERSION: u32 = 1;
const DATA: u8 = 0;
const CONTROL: u8 = 1;
const HELLO_LEN: usize = 4 + 4 + 8 + 8 + 8 + 1;

/// The sockets of one run: per process, a data socket (for timely) and a
/// control socket (ours); `None` at this process's own index.
pub(crate) struct Links {
    pub data: Vec<Option<TcpStream>>,
    pub control: Vec<Option<TcpStream>>,
}

fn hello(me: usize, processes: usize, fingerprint: u64, kind: u8) -> [u8; HELLO_LEN] {
    let mut b = [0u8; HELLO_LEN];
    b[..4].copy_from_slice(MAGIC);
    b[4..8].copy_from_slice(&VERSION.to_le_bytes());
    b[8..16].copy_from_slice(&(me as u64).to_le_bytes());
    b[16..24].copy_from_slice(&(processes as u64).to_le_bytes());
    b[24..32].copy_from_slice(&fingerprint.to_le_bytes());
    b[32] = kind;
    b
}

struct Hello {
    from: usize,
    processes: usize,
    fingerprint: u64,
    kind: u8,
}

fn read_hello(s: &mut TcpStream, who: &str) -> Result<Hello, String> {
    let mut b = [0u8; HELLO_LEN];
    s.read_exact(&mut b)
        .map_err(|e| format!("no handshake from {who}: {e}"))?;
    if &b[..4] != MAGIC {
        return Err(format!(
            "{who} is not a dklearn cluster process (bad handshake)"
        ));
    }
    let version = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
    if version != VERSION {
        return Err(format!(
            "{who} speaks cluster protocol version {version}, this process {VERSION}"
        ));
    }
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        u64::from_le_bytes(w)
    };
    Ok(Hello {
        from: word(8) as usize,
        processes: word(16) as usize,
        fingerprint: word(24),
        kind: b[32],
    })
}

fn check(
    h: &Hello,
    expect_from: Option<usize>,
    cfg: &Config,
    fp: u64,
    who: &str,
) -> Result<(), String> {
    if h.processes != cfg.processes() {
        return Err(format!(
            "{who} says the cluster has {} processes, this process (-p {}) says {}",
            h.processes,
            cfg.process(),
            cfg.processes()
        ));
    }
    if let Some(f) = expect_from {
        if h.from != f {
            return Err(format!(
                "{who} says it is process {} (expected {f})",
                h.from
            ));
        }
    }
    if h.fingerprint != fp {
        return Err(format!(
            "process {} runs a different graph or compute call (fingerprint {:016x}, here {fp:016x}): every process must build the same graph and call compute in the same order",
            h.from, h.fingerprint
        ));
    }
    Ok(())
}

fn resolve(addr: &str) -> Result<Vec<SocketAddr>, String> {
    let v: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {addr}: {e}"))?
        .collect();
    if v.is_empty() {
        return Err(format!("{addr} resolves to no address"));
    }
    Ok(v)
}

/// Connects process `cfg.process()` to every other: processes with a
/// higher index connect to those with a lower one (as timely does), twice
/// (data, control), each side checking the other's handshake. Every step is
/// bounded by the configuration's connect timeout.
pub(crate) fn connect(cfg: &Config, fingerprint: u64) -> Result<Links, String> {
    let p = cfg.processes();
    let me = cfg.process();
    let mut links = Links {
        data: (0..p).map(|_| None).collect(),
        control: (0..p).map(|_| None).collect(),
    };
    if p == 1 {
        return Ok(links);
    }
    let deadline = Instant::now() + cfg.connect_bound();
    let own = &cfg.addresses()[me];
    let listener = if me + 1 < p {
        let addrs = resolve(own)?;
        let l = TcpListener::bind(&addrs[..]).map_err(|e| {
            format!("process {me} cannot listen on {own}: {e} (is the port in use?)")
        })?;
        l.set_nonblocking(true)
            .map_err(|e| format!("listening on {own}: {e}"))?;
        Some(l)
    } else {
        None
    };
    let lower: Vec<(usize, Vec<SocketAddr>)> = (0..me)
        .map(|j| resolve(&cfg.addresses()[j]).map(|a| (j, a)))
        .collect::<Result<_, _>>()?;
    std::thread::scope(|s| -> Result<(), String> {
        let dialer = s.spawn(|| -> Result<Vec<(usize, u8, TcpStream)>, String> {
            let mut out = Vec::new();
            for (j, addrs) in &lower {
                for kind in [DATA, CONTROL] {
                    let mut stream = dial(*j, &cfg.addresses()[*j], addrs, deadline)?;
                    let who = format!("process {j} at {}", cfg.addresses()[*j]);
                    stream
                        .write_all(&hello(me, p, fingerprint, kind))
                        .map_err(|e| format!("handshake with {who}: {e}"))?;
                    let h = read_hello(&mut stream, &who)?;
                    check(&h, Some(*j), cfg, fingerprint, &who)?;
                    out.push((*j, kind, stream));
                }
            }
            Ok(out)
        });
        let mut accepted = Vec::new();
        if let Some(l) = &listener {
            let want = 2 * (p - me - 1);
            while accepted.len() < want {
                match l.accept() {
                    Ok((mut stream, from)) => {
                        let who = format!("a peer at {from}");
                        stream
                            .set_nonblocking(false)
                            .and_then(|()| stream.set_read_timeout(Some(remaining(deadline))))
                            .map_err(|e| format!("accepting {who}: {e}"))?;
                        let h = read_hello(&mut stream, &who)?;
                        check(&h, None, cfg, fingerprint, &who)?;
                        if h.from <= me || h.from >= p || h.kind > CONTROL {
                            return Err(format!("{who} sent a bad handshake (process {})", h.from));
                        }
                        stream
                            .write_all(&hello(me, p, fingerprint, h.kind))
                            .map_err(|e| format!("handshake with process {}: {e}", h.from))?;
                        accepted.push((h.from, h.kind, stream));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        if Instant::now() >= deadline {
                            let mut missing: Vec<usize> = (me + 1..p)
                                .filter(|j| accepted.iter().filter(|a| a.0 == *j).count() < 2)
                                .collect();
                            missing.dedup();
                            return Err(format!(
                                "process{} {missing:?} did not connect to process {me} at {own} within {:?}",
                                if missing.len() > 1 { "es" } else { "" },
                                cfg.connect_bound()
                            ));
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(e) => return Err(format!("accepting on {own}: {e}")),
                }
            }
        }
        let dialed = dialer
            .join()
            .map_err(|_| "the connecting thread panicked".to_string())??;
        for (j, kind, stream) in dialed.into_iter().chain(accepted) {
            let slot = if kind == DATA {
                &mut links.data[j]
            } else {
                &mut links.control[j]
            };
            if slot.is_some() {
                return Err(format!("process {j} connected twice"));
            }
            stream
                .set_nodelay(true)
                .and_then(|()| stream.set_read_timeout(None))
                .map_err(|e| format!("socket to process {j}: {e}"))?;
            *slot = Some(stream);
        }
        Ok(())
    })?;
    Ok(links)
}

fn remaining(deadline: Instant) -> Duration {
    deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(10))
}

fn dial(
    j: usize,
    text: &str,
    addrs: &[SocketAddr],
    deadline: Instant,
) -> Result<TcpStream, String> {
    loop {
        let mut last = None;
        for a in addrs {
            match TcpStream::connect_timeout(a, remaining(deadline).min(Duration::from_secs(1))) {
                Ok(s) => {
                    s.set_read_timeout(Some(remaining(deadline)))
                        .map_err(|e| format!("socket to process {j}: {e}"))?;
                    return Ok(s);
                }
                Err(e) => last = Some(e),
            }
        }
        if Instant::now() >= deadline {
            let why = last.map_or_else(String::new, |e| format!(": {e}"));
            return Err(format!(
                "could not connect to process {j} at {text} before the connect timeout{why}"
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What the control links report to the run.
pub(crate) enum Signal {
    /// Process `.0` is gone: its connection closed without a goodbye, or no
    /// heartbeat came for the timeout, or writing to it failed.
    Lost(usize, String),
    /// Process `.0` gave up because it lost process `.1` (`None`: for
    /// another reason), before this process noticed.
    Aborted(usize, Option<usize>),
}

const HEARTBEAT: u8 = 1;
const GOODBYE: u8 = 2;
/// Followed by 4 bytes: the index of the process the sender lost
/// (`u32::MAX` for none).
const ABORT: u8 = 3;

/// Heartbeats out, and one reader per peer. Dropping it stops the heartbeat
/// thread; [`Control::goodbye`] ends the links cleanly.
pub(crate) struct Control {
    streams: Vec<(usize, TcpStream)>,
    stop: Arc<AtomicBool>,
}

impl Control {
    pub(crate) fn start(
        links: Vec<Option<TcpStream>>,
        timeout: Duration,
        signals: Sender<Signal>,
    ) -> Result<Control, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let mut streams = Vec::new();
        for (j, s) in links.into_iter().enumerate() {
            let Some(s) = s else { continue };
            let mut reader = s
                .try_clone()
                .map_err(|e| format!("control socket to process {j}: {e}"))?;
            reader
                .set_read_timeout(Some(timeout))
                .map_err(|e| format!("control socket to process {j}: {e}"))?;
            let tx = signals.clone();
            let stop_r = Arc::clone(&stop);
            std::thread::Builder::new()
                .name(format!("dklearn-cluster:control-{j}"))
                .spawn(move || {
                    let mut b = [0u8; 1];
                    loop {
                        match reader.read(&mut b) {
                            Ok(1) if b[0] == HEARTBEAT => continue,
                            Ok(1) if b[0] == GOODBYE => return,
                            Ok(1) if b[0] == ABORT => {
                                let mut w = [0u8; 4];
                                let lost = match reader.read_exact(&mut w) {
                                    Ok(()) => usize::try_from(u32::from_le_bytes(w))
                                        .ok()
                                        .filter(|&l| l != u32::MAX as usize),
                                    Err(_) => None,
                                };
                                if !stop_r.load(Ordering::SeqCst) {
                                    let _ = tx.send(Signal::Aborted(j, lost));
                                }
                                return;
                            }
                            Ok(1) => {
                                let _ = tx.send(Signal::Lost(
                                    j,
                                    format!("sent a bad control byte {}", b[0]),
                                ));
                                return;
                            }
                            Ok(_) => {
                                if !stop_r.load(Ordering::SeqCst) {
                                    let _ =
                                        tx.send(Signal::Lost(j, "its connection closed".into()));
                                }
                                return;
                            }
                            Err(e) => {
                                if !stop_r.load(Ordering::SeqCst) {
                                    let why = if matches!(
                                        e.kind(),
                                        std::io::ErrorKind::WouldBlock
                                            | std::io::ErrorKind::TimedOut
                                    ) {
                                        format!("no heartbeat for {timeout:?}")
                                    } else {
                                        format!("its connection failed: {e}")
                                    };
                                    let _ = tx.send(Signal::Lost(j, why));
                                }
                                return;
                            }
                        }
                    }
                })
                .map_err(|e| format!("starting a control thread: {e}"))?;
            streams.push((j, s));
        }
        let mut writers = Vec::new();
        for (j, s) in &streams {
            let w = s
                .try_clone()
                .map_err(|e| format!("control socket to process {j}: {e}"))?;
            w.set_write_timeout(Some(timeout))
                .map_err(|e| format!("control socket to process {j}: {e}"))?;
            writers.push((*j, w));
        }
        let stop_h = Arc::clone(&stop);
        let period = timeout / 10;
        std::thread::Builder::new()
            .name("dklearn-cluster:heartbeat".into())
            .spawn(move || {
                while !stop_h.load(Ordering::SeqCst) {
                    for (j, w) in &mut writers {
                        if w.write_all(&[HEARTBEAT]).is_err() && !stop_h.load(Ordering::SeqCst) {
                            let _ = signals.send(Signal::Lost(*j, "writing to it failed".into()));
                            return;
                        }
                    }
                    std::thread::sleep(period);
                }
            })
            .map_err(|e| format!("starting the heartbeat thread: {e}"))?;
        Ok(Control { streams, stop })
    }

    /// Ends the links cleanly: peers read the goodbye, not a loss.
    pub(crate) fn goodbye(self) {
        self.stop.store(true, Ordering::SeqCst);
        for (_, s) in &self.streams {
            let mut w: &TcpStream = s;
            let _ = w.write_all(&[GOODBYE]);
            let _ = w.flush();
            let _ = s.shutdown(std::net::Shutdown::Write);
        }
    }

    /// Stops reporting losses (after a failed run), tells the peers which
    /// process was lost (so they name it, not this one) and closes the links.
    pub(crate) fn abandon(self, lost: Option<usize>) {
        self.stop.store(true, Ordering::SeqCst);
        let code = lost.map_or(u32::MAX, |l| l as u32).to_le_bytes();
        for (_, s) in &self.streams {
            let mut w: &TcpStream = s;
            let _ = w.write_all(&[ABORT, code[0], code[1], code[2], code[3]]);
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}
