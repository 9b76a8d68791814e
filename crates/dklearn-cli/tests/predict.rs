//! `dklearn predict` end to end: the binary on a saved model.

use dklearn_estimators::{Fit, Loss, SGDClassifier};
use dklearn_skops::{FittedTextPipeline, Skops};
use dklearn_text::HashingVectorizer;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn texts() -> Vec<String> {
    (0..60)
        .map(|i| match i % 3 {
            0 => format!("wheat grain harvest crop {i}"),
            1 => format!("oil crude barrel opec {i}"),
            _ => format!("shares profit quarter dividend {i}"),
        })
        .collect()
}

/// A fitted pipeline saved under a fresh directory of the target dir.
fn model(name: &str, loss: Loss) -> (PathBuf, FittedTextPipeline<String>) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("predict-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let vect = HashingVectorizer::params()
        .n_features(1 << 12)
        .build()
        .unwrap();
    let t = texts();
    let y: Vec<String> = (0..t.len())
        .map(|i| ["grain", "crude", "earn"][i % 3].to_string())
        .collect();
    let mut sgd = SGDClassifier::params()
        .loss(loss)
        .random_state(Some(0))
        .build()
        .unwrap();
    sgd.fit(&vect.transform(&t), &y).unwrap();
    let pipe = FittedTextPipeline::new(vect, sgd).unwrap();
    let path = dir.join("model.skops");
    pipe.save(&path).unwrap();
    (path, pipe)
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dklearn"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_string();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(data.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn lines(text: &[String]) -> String {
    text.iter()
        .map(|t| serde_json::Value::from(t.as_str()).to_string() + "\n")
        .collect()
}

#[test]
fn predicts_labels_decisions_and_probabilities() {
    let (path, pipe) = model("proba", Loss::LogLoss);
    let p = path.to_str().unwrap();
    let t = texts();
    let out = run(&["predict", "--model", p], &lines(&t));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got, pipe.predict_texts(&t).unwrap());

    let out = run(
        &["predict", "--model", p, "--decision-function", "--proba"],
        &lines(&t),
    );
    assert!(out.status.success());
    let dec = pipe.decision_function_texts(&t).unwrap();
    let proba = pipe.predict_proba_texts(&t).unwrap();
    for (i, l) in String::from_utf8(out.stdout).unwrap().lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["label"], serde_json::Value::from(got[i].as_str()));
        let d: Vec<f64> = serde_json::from_value(v["decision"].clone()).unwrap();
        let pr: Vec<f64> = serde_json::from_value(v["proba"].clone()).unwrap();
        assert_eq!(d, dec.row(i).to_vec(), "line {i}");
        assert_eq!(pr, proba.row(i).to_vec(), "line {i}");
    }
}

#[test]
fn bad_lines_are_named_or_skipped() {
    let (path, pipe) = model("bad", Loss::Hinge);
    let p = path.to_str().unwrap();
    let input = "\"wheat grain\"\r\n\"oil crude\"\nnot json\n42\n\"profit shares\"\n";
    let out = run(&["predict", "--model", p], input);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stdin line 3: not a JSON string"), "{err}");

    let out = run(&["predict", "--model", p, "--skip-bad-lines"], input);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("skipped stdin line 3") && err.contains("skipped stdin line 4"),
        "{err}"
    );
    assert!(err.contains("2 of 5 lines skipped"), "{err}");
    let got: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        got,
        pipe.predict_texts(&["wheat grain", "oil crude", "profit shares"])
            .unwrap()
    );
}

#[test]
fn refuses_what_the_model_cannot_do() {
    let (path, _) = model("hinge", Loss::Hinge);
    let p = path.to_str().unwrap();
    let out = run(&["predict", "--model", p, "--proba"], "\"x\"\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no predict_proba"));
    let out = run(&["predict", "--model", "/nonexistent/model.skops"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/model.skops"));
    let out = run(&["predict"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let (path, _) = model("pipe", Loss::Hinge);
    let mut child = Command::new(env!("CARGO_BIN_EXE_dklearn"))
        .args(["predict", "--model", path.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // Close our end of stdout right away, then feed more than one batch.
    let mut first = [0u8; 1];
    let writer = std::thread::spawn(move || {
        let line = "\"wheat grain harvest crop and more words here\"\n".repeat(1000);
        for _ in 0..100 {
            if input.write_all(line.as_bytes()).is_err() {
                break;
            }
        }
    });
    let _ = stdout.read(&mut first);
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(
        out.status.success(),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
