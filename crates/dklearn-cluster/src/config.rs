//! The cluster's shape: timely's `-w/-n/-p/-h` conventions, checked.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How many processes, which one this is, where they all listen, and the
/// time bounds of connecting and of noticing a lost process.
///
/// Parsed from timely-dataflow's own flags by [`Config::from_args`]
/// (`-w/--threads`, `-n/--processes`, `-p/--process`, `-h/--hostfile`), or
/// built in code:
///
/// ```
/// use dklearn_cluster::Config;
/// let c = Config::from_args(["-w", "2", "-n", "1"].iter().map(|s| s.to_string())).unwrap().0;
/// assert_eq!((c.threads(), c.processes(), c.process()), (2, 1, 0));
/// let c = Config::cluster(1, 1, vec!["127.0.0.1:4000".into(), "127.0.0.1:4001".into()]).unwrap();
/// assert_eq!(c.processes(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    threads: usize,
    process: usize,
    addresses: Vec<String>,
    connect_timeout: Duration,
    heartbeat_timeout: Duration,
}

/// A configuration that cannot describe a cluster (bad flag, unreadable or
/// inconsistent hostfile). Its message names the flag, file and line.
#[derive(Debug)]
pub struct ConfigError {
    message: String,
    source: Option<std::io::Error>,
}

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> ConfigError {
        ConfigError {
            message: message.into(),
            source: None,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The default bound on connecting to every peer at the start of a run.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time without a heartbeat after which a peer is declared lost.
pub const DEFAULT_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(5);

impl Config {
    /// One process with `threads` task threads (no network).
    pub fn single(threads: usize) -> Config {
        Config {
            threads: threads.max(1),
            process: 0,
            addresses: vec![String::new()],
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            heartbeat_timeout: DEFAULT_HEARTBEAT_TIMEOUT,
        }
    }

    /// Process `process` of a cluster whose processes listen at `addresses`
    /// (`host:port`, one per process, in process order), each running
    /// `threads` task threads.
    pub fn cluster(
        threads: usize,
        process: usize,
        addresses: Vec<String>,
    ) -> Result<Config, ConfigError> {
        if threads == 0 {
            return Err(ConfigError::new("-w/--threads must be at least 1"));
        }
        if addresses.is_empty() {
            return Err(ConfigError::new("a cluster needs at least one process"));
        }
        if process >= addresses.len() {
            return Err(ConfigError::new(format!(
                "-p/--process {process} is not below -n/--processes {}",
                addresses.len()
            )));
        }
        Ok(Config {
            threads,
            process,
            addresses,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            heartbeat_timeout: DEFAULT_HEARTBEAT_TIMEOUT,
        })
    }

    /// The bound on connecting to every peer at the start of each run
    /// (default 30 s): an unreachable host is an error after this long.
    pub fn connect_timeout(mut self, t: Duration) -> Config {
        self.connect_timeout = t;
        self
    }

    /// The time without a heartbeat (sent every tenth of it) after which a
    /// peer counts as lost (default 5 s). A peer whose connection closes is
    /// lost at once.
    pub fn heartbeat_timeout(mut self, t: Duration) -> Config {
        self.heartbeat_timeout = t.max(Duration::from_millis(100));
        self
    }

    /// Parses timely's flags, returning the configuration and the arguments
    /// that are not its flags, in order.
    ///
    /// `-w/--threads N` (task threads per process, default 1),
    /// `-n/--processes N` (default 1), `-p/--process I` (default 0),
    /// `-h/--hostfile FILE` (one `host:port` per line, exactly N lines;
    /// blank lines and `#` comments skipped). Without a hostfile, N > 1
    /// processes listen on `localhost:2101+i`, as timely does.
    pub fn from_args(
        args: impl IntoIterator<Item = String>,
    ) -> Result<(Config, Vec<String>), ConfigError> {
        let mut threads = 1usize;
        let mut processes = 1usize;
        let mut process = 0usize;
        let mut hostfile: Option<PathBuf> = None;
        let mut free = Vec::new();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let name = match flag.as_str() {
                "-w" | "--threads" => "threads",
                "-n" | "--processes" => "processes",
                "-p" | "--process" => "process",
                "-h" | "--hostfile" => "hostfile",
                _ => {
                    free.push(arg);
                    continue;
                }
            };
            let value = match inline.or_else(|| it.next()) {
                Some(v) => v,
                None => return Err(ConfigError::new(format!("{flag} needs a value"))),
            };
            let number = || {
                value
                    .parse::<usize>()
                    .map_err(|e| ConfigError::new(format!("{flag} {value:?}: {e}")))
            };
            match name {
                "threads" => threads = number()?,
                "processes" => processes = number()?,
                "process" => process = number()?,
                _ => hostfile = Some(PathBuf::from(&value)),
            }
        }
        if processes == 0 {
            return Err(ConfigError::new("-n/--processes must be at least 1"));
        }
        let addresses = match &hostfile {
            Some(path) => {
                let addresses = read_hostfile(path)?;
                if addresses.len() != processes {
                    return Err(ConfigError::new(format!(
                        "hostfile {} lists {} process addresses but -n/--processes is {processes}",
                        path.display(),
                        addresses.len()
                    )));
                }
                addresses
            }
            None if processes == 1 => vec![String::new()],
            None => (0..processes)
                .map(|i| format!("localhost:{}", 2101 + i))
                .collect(),
        };
        Ok((Config::cluster(threads, process, addresses)?, free))
    }

    /// Task threads per process.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Number of processes.
    pub fn processes(&self) -> usize {
        self.addresses.len()
    }

    /// This process's index.
    pub fn process(&self) -> usize {
        self.process
    }

    /// Every process's `host:port`, in process order.
    pub fn addresses(&self) -> &[String] {
        &self.addresses
    }

    pub(crate) fn connect_bound(&self) -> Duration {
        self.connect_timeout
    }

    pub(crate) fn heartbeat_bound(&self) -> Duration {
        self.heartbeat_timeout
    }
}

/// The non-blank, non-comment lines of a hostfile, each one `host:port`.
pub fn read_hostfile(path: &Path) -> Result<Vec<String>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        message: format!("cannot read hostfile {}: {e}", path.display()),
        source: Some(e),
    })?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                out.push(line.to_string())
            }
            _ => {
                return Err(ConfigError::new(format!(
                    "{}:{}: expected host:port, found {line:?}",
                    path.display(),
                    n + 1
                )))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn timely_flags() {
        let (c, free) = Config::from_args(args("job -w 2 --processes=3 -p 1 --x")).unwrap();
        assert_eq!((c.threads(), c.processes(), c.process()), (2, 3, 1));
        assert_eq!(c.addresses()[2], "localhost:2103");
        assert_eq!(free, args("job --x"));
        let e = Config::from_args(args("-n 2 -p 2")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "-p/--process 2 is not below -n/--processes 2"
        );
        let e = Config::from_args(args("-w")).unwrap_err();
        assert_eq!(e.to_string(), "-w needs a value");
        let e = Config::from_args(args("-w x")).unwrap_err();
        assert!(e.to_string().starts_with("-w \"x\": invalid digit"), "{e}");
    }

    #[test]
    fn hostfile_must_agree_with_n() {
        let dir = std::env::temp_dir().join(format!("dklearn-cluster-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("hosts");
        std::fs::write(&f, "# two hosts\n10.0.0.1:2101\n\n10.0.0.2:2101\n").unwrap();
        let fs = f.display().to_string();
        let (c, _) = Config::from_args(args(&format!("-n 2 -p 1 -h {fs}"))).unwrap();
        assert_eq!(c.addresses(), ["10.0.0.1:2101", "10.0.0.2:2101"]);
        let e = Config::from_args(args(&format!("-n 3 -h {fs}"))).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("hostfile {fs} lists 2 process addresses but -n/--processes is 3")
        );
        std::fs::write(&f, "10.0.0.1:2101\nnoport\n").unwrap();
        let e = Config::from_args(args(&format!("-n 2 -h {fs}"))).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{fs}:2: expected host:port, found \"noport\"")
        );
        let e = Config::from_args(args("-n 2 -h /nonexistent/hosts")).unwrap_err();
        assert!(std::error::Error::source(&e).is_some());
        std::fs::remove_dir_all(&dir).ok();
    }
}
