//! Hostile and unsupported skops files: each is a clear error, never a panic
//! and never a half-loaded model.

use dklearn_skops::{ErrorKind, FittedTextPipeline, Label, Skops};
use serde_json::{json, Value};
use std::io::{Cursor, Read, Write};
use std::path::Path;

/// A sklearn-written fixture's members: `(name, bytes)`, schema.json parsed.
fn unpack(bytes: &[u8]) -> (Value, Vec<(String, Vec<u8>)>) {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut members = Vec::new();
    let mut schema = Value::Null;
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        if f.name() == "schema.json" {
            schema = serde_json::from_slice(&b).unwrap();
        } else {
            members.push((f.name().to_string(), b));
        }
    }
    (schema, members)
}

fn pack(schema: &Value, members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (n, b) in members {
        z.start_file(n.as_str(), o).unwrap();
        z.write_all(b).unwrap();
    }
    z.start_file("schema.json", o).unwrap();
    z.write_all(&serde_json::to_vec(schema).unwrap()).unwrap();
    z.finish().unwrap().into_inner()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

/// The estimator node (steps[1][1]) and the vectorizer node of a pipeline schema.
fn est(schema: &mut Value) -> &mut Value {
    &mut schema["content"]["content"]["steps"]["content"][1]["content"][1]["content"]["content"]
}
fn vect(schema: &mut Value) -> &mut Value {
    &mut schema["content"]["content"]["steps"]["content"][0]["content"][1]["content"]["content"]
}

/// The key_types list of the estimator's attribute dict (one per key).
fn est_key_types(schema: &mut Value) -> &mut Vec<Value> {
    schema["content"]["content"]["steps"]["content"][1]["content"][1]["content"]["key_types"]
        ["content"]
        .as_array_mut()
        .unwrap()
}

fn load_err(bytes: &[u8]) -> String {
    match FittedTextPipeline::<Label>::from_skops_bytes(bytes) {
        Ok(_) => panic!("a hostile file loaded"),
        Err(e) => e.to_string(),
    }
}

fn edited(f: impl FnOnce(&mut Value, &mut Vec<(String, Vec<u8>)>)) -> String {
    let (mut schema, mut members) = unpack(&fixture("sgd_log_3_str.skops"));
    f(&mut schema, &mut members);
    load_err(&pack(&schema, &members))
}

fn json_node(v: Value) -> Value {
    json!({"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode",
           "content": v.to_string(), "is_json": true, "__id__": 77})
}

#[test]
fn truncated_files_are_errors() {
    let good = fixture("sgd_log_3_str.skops");
    assert!(FittedTextPipeline::<Label>::from_skops_bytes(&good).is_ok());
    for cut in [
        0,
        1,
        4,
        30,
        100,
        good.len() / 3,
        good.len() / 2,
        good.len() - 22,
        good.len() - 1,
    ] {
        let e = load_err(&good[..cut]);
        assert!(!e.is_empty(), "cut {cut}");
    }
    // A flipped byte inside a member fails its checksum.
    let mut bad = good.clone();
    bad[200] ^= 0x55;
    load_err(&bad);
}

#[test]
fn missing_and_malformed_arrays() {
    let e = edited(|s, m| {
        let file = est(s)["coef_"]["file"].as_str().unwrap().to_string();
        m.retain(|(n, _)| *n != file);
    });
    assert!(
        e.contains("steps[1][1].coef_") && e.contains("no member"),
        "{e}"
    );

    // Wrong dtype: classes_ where coef_ should be.
    let e = edited(|s, _| {
        let classes = est(s)["classes_"].clone();
        est(s)["coef_"] = classes;
    });
    assert!(
        e.contains("steps[1][1].coef_") && e.contains("float64"),
        "{e}"
    );

    // Wrong shape: intercept_ where coef_ should be (1-D).
    let e = edited(|s, _| {
        let i = est(s)["intercept_"].clone();
        est(s)["coef_"] = i;
    });
    assert!(e.contains("2-D"), "{e}");

    // Truncated .npy data.
    let e = edited(|s, m| {
        let file = est(s)["coef_"]["file"].as_str().unwrap().to_string();
        for (n, b) in m.iter_mut() {
            if *n == file {
                b.truncate(b.len() - 8);
            }
        }
    });
    assert!(e.contains("needs") && e.contains("bytes"), "{e}");

    // n_features_in_ that disagrees with coef_.
    let e = edited(|s, _| est(s)["n_features_in_"] = json_node(json!(7)));
    assert!(e.contains("n_features_in_"), "{e}");
}

#[test]
fn nan_coefficients_are_refused() {
    let e = edited(|s, m| {
        let file = est(s)["coef_"]["file"].as_str().unwrap().to_string();
        for (n, b) in m.iter_mut() {
            if *n == file {
                let at = b.len() - 8;
                b[at..].copy_from_slice(&f64::NAN.to_le_bytes());
            }
        }
    });
    assert!(e.contains("NaN"), "{e}");
}

#[test]
fn untrusted_types_are_never_loaded() {
    // A class outside the allow-list, wherever it sits.
    let e = edited(|s, _| {
        let v = est(s)["alpha"].clone();
        est(s)["alpha"] = json!({"__class__": "system", "__module__": "os",
            "__loader__": "FunctionNode", "content": {"module_path": "os", "function": "system"},
            "__id__": 5});
        let _ = v;
    });
    assert!(
        e.contains("untrusted type os.system") && e.contains("steps[1][1].alpha"),
        "{e}"
    );
    // A scikit-learn class dklearn does not implement.
    let e = edited(|s, _| {
        s["content"]["content"]["steps"]["content"][1]["content"][1]["__class__"] =
            json!("RandomForestClassifier");
    });
    assert!(e.contains("untrusted type"), "{e}");
    // A custom tokenizer is a function: untrusted, named by its parameter.
    let e = edited(|s, _| {
        vect(s)["tokenizer"] = json!({"__class__": "function", "__module__": "builtins",
            "__loader__": "FunctionNode", "content": {"module_path": "mymod", "function": "tok"},
            "__id__": 6});
    });
    assert!(
        e.contains("steps[0][1].tokenizer") && e.contains("untrusted"),
        "{e}"
    );
    // An unknown loader.
    let e = edited(|s, _| est(s)["t_"]["__loader__"] = json!("ReduceNode"));
    assert!(e.contains("untrusted type"), "{e}");
    // An ndarray subclass.
    let e = edited(|s, _| est(s)["coef_"]["__class__"] = json!("matrix"));
    assert!(e.contains("untrusted type numpy.matrix"), "{e}");
}

#[test]
fn protocols_and_memo_ids() {
    let e = edited(|s, _| s["protocol"] = json!(3));
    assert!(e.contains("protocol 3"), "{e}");
    let e = edited(|s, _| s["protocol"] = json!("2"));
    assert!(e.contains("protocol"), "{e}");
    let e = edited(|s, _| {
        s.as_object_mut().unwrap().remove("protocol");
    });
    assert!(e.contains("protocol"), "{e}");
    // A reused __id__ naming a different node would load as the first one in
    // Python: refused.
    let e = edited(|s, _| {
        let id = est(s)["alpha"]["__id__"].clone();
        est(s)["l1_ratio"]["__id__"] = id;
        est(s)["l1_ratio"]["content"] = json!("0.5");
    });
    assert!(e.contains("reused"), "{e}");
    let e = edited(|s, _| {
        est(s)["alpha"].as_object_mut().unwrap().remove("__id__");
    });
    assert!(e.contains("__id__"), "{e}");
}

#[test]
fn unsupported_parameters_name_themselves() {
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "class_weight",
            Box::new(|s| est(s)["class_weight"] = json_node(json!("balanced"))),
        ),
        (
            "warm_start",
            Box::new(|s| est(s)["warm_start"] = json_node(json!(true))),
        ),
        (
            "early_stopping",
            Box::new(|s| est(s)["early_stopping"] = json_node(json!(true))),
        ),
        (
            "loss",
            Box::new(|s| est(s)["loss"] = json_node(json!("huber"))),
        ),
        (
            "learning_rate",
            Box::new(|s| est(s)["learning_rate"] = json_node(json!("pa1"))),
        ),
        (
            "random_state",
            Box::new(|s| est(s)["random_state"] = json_node(json!(-1))),
        ),
        (
            "stop_words",
            Box::new(|s| vect(s)["stop_words"] = json_node(json!("english"))),
        ),
        (
            "strip_accents",
            Box::new(|s| vect(s)["strip_accents"] = json_node(json!("ascii"))),
        ),
        (
            "token_pattern",
            Box::new(|s| vect(s)["token_pattern"] = json_node(json!("\\w+"))),
        ),
        (
            "input",
            Box::new(|s| vect(s)["input"] = json_node(json!("filename"))),
        ),
        (
            "norm",
            Box::new(|s| vect(s)["norm"] = json_node(json!("max"))),
        ),
        (
            "new_param",
            Box::new(|s| {
                est(s)["new_param"] = json_node(json!(1));
                let k = est_key_types(s)[0].clone();
                est_key_types(s).push(k);
            }),
        ),
    ];
    for (param, edit) in cases {
        let (mut schema, members) = unpack(&fixture("sgd_log_3_str.skops"));
        edit(&mut schema);
        match FittedTextPipeline::<Label>::from_skops_bytes(&pack(&schema, &members)) {
            Ok(_) => panic!("{param}: loaded"),
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains(param), "{param}: {msg}");
                assert!(
                    matches!(e.kind(), ErrorKind::Unsupported { .. }),
                    "{param}: {msg}"
                );
            }
        }
    }
    // Class weights show in the fitted attribute too.
    let e = edited(|s, m| {
        let file = est(s)["_expanded_class_weight"]["file"]
            .as_str()
            .unwrap()
            .to_string();
        for (n, b) in m.iter_mut() {
            if *n == file {
                let at = b.len() - 8;
                b[at..].copy_from_slice(&2.0f64.to_le_bytes());
            }
        }
    });
    assert!(e.contains("class_weight"), "{e}");
    // A LogisticRegression from another solver.
    let (mut schema, members) = unpack(&fixture("lr_bin_int.skops"));
    est(&mut schema)["solver"] = json_node(json!("lbfgs"));
    let e = load_err(&pack(&schema, &members));
    assert!(e.contains("solver") && e.contains("lbfgs"), "{e}");
}

#[test]
fn half_fitted_and_mismatched_models() {
    let e = edited(|s, _| {
        est(s).as_object_mut().unwrap().remove("coef_");
        est_key_types(s).pop();
    });
    assert!(e.contains("half-fitted"), "{e}");
    // A pipeline whose vectorizer makes a different number of features.
    let e = edited(|s, _| vect(s)["n_features"] = json_node(json!(1024)));
    assert!(e.contains("features"), "{e}");
    // Not JSON at all.
    let (_, members) = unpack(&fixture("sgd_log_3_str.skops"));
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    for (n, b) in &members {
        z.start_file(n.as_str(), o).unwrap();
        z.write_all(b).unwrap();
    }
    z.start_file("schema.json", o).unwrap();
    z.write_all(b"{\"protocol\": 2, ").unwrap();
    let e = load_err(&z.finish().unwrap().into_inner());
    assert!(e.contains("JSON"), "{e}");
}

#[test]
fn saving_to_a_bad_path_leaves_nothing() {
    let pipe =
        FittedTextPipeline::<Label>::from_skops_bytes(&fixture("sgd_log_3_str.skops")).unwrap();
    let e = pipe
        .save("/nonexistent-dir/model.skops")
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent-dir/model.skops"), "{e}");
}
