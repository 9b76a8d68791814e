//! `dklearn train --processes 2` (a local cluster on loopback ports, started
//! by the command) against the threaded run on the committed generated data:
//! the same report at process 0 (but the wall time and peak memory) and the
//! same saved model, byte for byte. Every run is bounded in time and killed
//! if it overruns.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `dklearn args...` for at most `bound`: (success, stdout, stderr).
fn dklearn(args: &[String], bound: Duration) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dklearn"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dklearn");
    // Read both pipes on threads so a full pipe cannot stall the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("waiting for dklearn") {
            break s;
        }
        if start.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            panic!("dklearn {args:?} did not end within {bound:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status.success(), out.join().unwrap(), err.join().unwrap())
}

/// The report without its machine-dependent lines (wall time, peak RSS) and
/// the saved file's name.
fn stable(report: &str) -> Vec<String> {
    report
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            !(l.starts_with("wall time") || l.starts_with("peak RSS") || l.starts_with("saved"))
        })
        .map(String::from)
        .collect()
}

#[test]
fn two_processes_print_and_save_what_the_threaded_run_does() {
    let dir = std::env::temp_dir().join(format!("dklearn-train-cluster-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = manifest()
        .join("tests/data/jsonl/*.jsonl")
        .to_string_lossy()
        .into_owned();
    let bound = Duration::from_secs(120);
    // A chained model (crosses once between the processes) and an averaged
    // one (one partial sum per process); small models keep the debug build fast.
    for model in ["sgd", "lr"] {
        let run = |extra: &[&str], save: &str| {
            let mut args: Vec<String> = [
                "train",
                "--input",
                &input,
                "--text-field",
                "text",
                "--label-field",
                "topic",
                "--model",
                model,
                "--n-features",
                "4096",
                "--save",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            args.push(dir.join(save).display().to_string());
            args.extend(extra.iter().map(|s| s.to_string()));
            let (ok, out, err) = dklearn(&args, bound);
            assert!(ok, "{model} {extra:?}: {err}");
            out
        };
        let threaded = run(&["--workers", "2"], &format!("{model}-threaded.skops"));
        let cluster = run(&["--processes", "2"], &format!("{model}-cluster.skops"));
        assert_eq!(stable(&cluster), stable(&threaded), "{model}");
        // The report holds what matters: the accuracy, the split, the reads
        // of every process's partitions, "2 workers".
        let report = stable(&cluster).join("\n");
        for want in [
            "accuracy",
            "426 train / 114 test",
            "540 records",
            "2 workers",
        ] {
            assert!(report.contains(want), "{model}: {want} in\n{report}");
        }
        let a = std::fs::read(dir.join(format!("{model}-threaded.skops"))).unwrap();
        let b = std::fs::read(dir.join(format!("{model}-cluster.skops"))).unwrap();
        assert!(a == b, "{model}: the saved models differ");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_failing_cluster_run_is_an_error_within_the_bound() {
    let missing = std::env::temp_dir().join(format!("dklearn-no-such-{}", std::process::id()));
    let args: Vec<String> = [
        "train",
        "--input",
        &missing.join("*.jsonl").display().to_string(),
        "--text-field",
        "text",
        "--label-field",
        "topic",
        "--processes",
        "2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let start = Instant::now();
    let (ok, _, err) = dklearn(&args, Duration::from_secs(60));
    assert!(!ok);
    assert!(err.contains("dklearn train: process "), "{err}");
    assert!(err.contains(" of 2 failed"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(30));
    // Bad cluster flags are usage errors before anything starts.
    let (ok, _, err) = dklearn(
        &["train", "--input", "x.jsonl", "--process", "1"].map(String::from),
        Duration::from_secs(30),
    );
    assert!(!ok);
    assert!(err.contains("--process needs --hostfile FILE"), "{err}");
}
