//! `dklearn train` against the scikit-learn loop of xtask/parity/train.py: the same
//! accuracy (exactly), split sizes and classes on the committed generated data, for
//! every format, model and fit mode in the fixture; and bad input named by file:line.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dklearn(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dklearn"))
        .args(args)
        .output()
        .expect("run dklearn")
}

fn input_for(format: &str) -> String {
    let d = manifest().join("tests/data");
    let sub = match format {
        "jsonl" => "jsonl/*.jsonl",
        "csv" => "csv/*.csv",
        _ => "text/*/*.txt",
    };
    d.join(sub).to_string_lossy().into_owned()
}

#[test]
fn accuracy_matches_the_scikit_learn_loop_exactly() {
    let text = std::fs::read_to_string(manifest().join("tests/fixtures/train_parity.json"))
        .expect("fixture: run `cargo xtask parity --only train`");
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 10);
    for c in &cases {
        let s = |k: &str| c[k].as_str().unwrap().to_string();
        let n = |k: &str| c[k].as_u64().unwrap().to_string();
        let mut args: Vec<String> = vec!["train".into(), "--input".into(), input_for(&s("format"))];
        args.extend(["--format".into(), s("format")]);
        if s("format") != "text" {
            args.extend([
                "--text-field".into(),
                "text".into(),
                "--label-field".into(),
                "topic".into(),
            ]);
        }
        args.extend(["--model".into(), s("model"), format!("--{}", s("fit"))]);
        if let Some(bs) = c["blocksize"].as_u64() {
            args.extend(["--blocksize".into(), bs.to_string()]);
        }
        args.extend(["--seed".into(), n("seed")]);
        args.extend([
            "--test-size".into(),
            c["test_size"].as_f64().unwrap().to_string(),
        ]);
        args.extend(["--n-features".into(), n("n_features")]);
        args.extend([
            "--ngram-min".into(),
            n("ngram_min"),
            "--ngram-max".into(),
            n("ngram_max"),
        ]);
        args.extend(["--workers".into(), "2".into(), "--json".into()]);
        let out = dklearn(&args);
        let name = s("name");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
        let want = &c["expected"];
        assert_eq!(got["n_train"], want["n_train"], "{name}");
        assert_eq!(got["n_test"], want["n_test"], "{name}");
        assert_eq!(got["classes"], want["classes"], "{name}");
        assert_eq!(
            got["accuracy"].as_f64(),
            want["accuracy"].as_f64(),
            "{name}: accuracy"
        );
        for k in ["wall_s", "peak_rss_mb", "records", "bytes", "skipped"] {
            assert!(got.get(k).is_some(), "{name}: --json lacks {k}");
        }
    }
}

#[test]
fn bad_records_are_named_by_file_and_line_or_counted() {
    let d = std::env::temp_dir().join(format!("dklearn-cli-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let mut body = String::new();
    for i in 0..60 {
        let label = if i % 2 == 0 { "a" } else { "b" };
        body.push_str(&format!(
            "{{\"t\":\"word{} common\",\"y\":\"{label}\"}}\n",
            i % 2
        ));
        if i == 41 {
            body.push_str("{\"t\": broken\n");
        }
    }
    let f = d.join("x.jsonl");
    std::fs::write(&f, body).unwrap();
    let base: Vec<String> = [
        "train",
        "--input",
        &f.to_string_lossy(),
        "--text-field",
        "t",
        "--label-field",
        "y",
        "--workers",
        "1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = dklearn(&base);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:43:", f.display())), "{err}");
    let mut lenient = base.clone();
    lenient.extend([
        "--lenient".into(),
        "--json".into(),
        "--blocksize".into(),
        "100".into(),
    ]);
    let out = dklearn(&lenient);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["skipped"], 1);
    assert_eq!(got["records"], 60);
    assert_eq!(
        got["n_train"].as_u64().unwrap() + got["n_test"].as_u64().unwrap(),
        60
    );
    assert!(got["first_skipped"].as_str().unwrap().contains(":43:"));
    // A missing field flag, an unknown size and --chained LR are usage errors with a message.
    let out = dklearn(&base[..3]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--text-field is required"));
    let mut bad = base.clone();
    bad.extend(["--blocksize".into(), "12 parsecs".into()]);
    assert!(!dklearn(&bad).status.success());
    let mut lr = base.clone();
    lr.extend(["--model".into(), "lr".into(), "--chained".into()]);
    assert!(String::from_utf8_lossy(&dklearn(&lr).stderr).contains("no partial_fit"));
    let _ = std::fs::remove_dir_all(&d);
}

/// `train --save` writes the fitted pipeline as a skops file that `predict`
/// serves: the saved model's predictions are labels of the training classes,
/// and averaged and chained fits both save.
#[test]
fn train_save_writes_a_model_that_predict_serves() {
    let dir = std::env::temp_dir().join(format!("dklearn-train-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for fit in ["chained", "averaged"] {
        let path = dir.join(format!("{fit}.skops"));
        let out = dklearn(&[
            "train".into(),
            "--input".into(),
            input_for("jsonl"),
            "--text-field".into(),
            "text".into(),
            "--label-field".into(),
            "topic".into(),
            format!("--{fit}"),
            "--json".into(),
            "--save".into(),
            path.to_string_lossy().into_owned(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let classes: Vec<String> = report["classes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        let mut child = Command::new(env!("CARGO_BIN_EXE_dklearn"))
            .args(["predict", "--model"])
            .arg(&path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            writeln!(stdin, "\"wheat crop harvest exports\"").unwrap();
            writeln!(stdin, "\"shares merger acquisition stake\"").unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<String>(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines.iter().all(|l| classes.contains(l)),
            "{lines:?} {classes:?}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
