//! skops files written by scikit-learn 1.9.1 + skops 0.16.0 (fitted in
//! Python by `xtask/parity/skops_roundtrip.py`; regenerate with
//! `cargo xtask parity --only skops`) load in dklearn and predict, decide and
//! give probabilities bit for bit as scikit-learn did; saving them again and
//! loading gives the same model.

use dklearn_skops::npy::{self, NpyData};
use dklearn_skops::{FittedTextPipeline, Label, Model, Skops, SkopsLabel};
use dklearn_text::HashingVectorizer;
use ndarray::Array2;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn test_texts() -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("texts.json")).unwrap()).unwrap();
    serde_json::from_value(v["test"].clone()).unwrap()
}

fn cases() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.strip_suffix(".expected.json").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 10, "fixtures missing: {names:?}");
    names
}

fn read_npy(path: &Path) -> Option<Array2<f64>> {
    let bytes = std::fs::read(path).ok()?;
    let a = npy::read(&bytes).unwrap();
    match (a.data, a.shape.as_slice()) {
        (NpyData::F64(v), &[r, c]) => Some(Array2::from_shape_vec((r, c), v).unwrap()),
        other => panic!("{}: unexpected {other:?}", path.display()),
    }
}

/// Equal bit for bit, or within `ulps` units in the last place.
fn assert_bits(name: &str, what: &str, got: &Array2<f64>, want: &Array2<f64>, ulps: u64) {
    assert_eq!(got.dim(), want.dim(), "{name} {what} shape");
    for ((i, g), w) in got.indexed_iter().zip(want.iter()) {
        let d = (g.to_bits() as i64).abs_diff(w.to_bits() as i64);
        assert!(
            d <= ulps,
            "{name} {what} at {i:?}: dklearn {g:e}, scikit-learn {w:e} ({d} ulps apart)"
        );
    }
}

#[test]
fn sklearn_pipelines_predict_identically() {
    let texts = test_texts();
    for name in cases() {
        let path = dir().join(format!("{name}.skops"));
        let pipe =
            FittedTextPipeline::<Label>::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir().join(format!("{name}.expected.json"))).unwrap(),
        )
        .unwrap();
        let pred: Vec<serde_json::Value> = pipe
            .predict_texts(&texts)
            .unwrap()
            .iter()
            .map(SkopsLabel::to_json)
            .collect();
        assert_eq!(
            serde_json::Value::from(pred),
            expected["predict"],
            "{name} predict"
        );
        match read_npy(&dir().join(format!("{name}.decision.npy"))) {
            Some(want) => {
                assert!(pipe.est.has_decision_function(), "{name}");
                let got = pipe.decision_function_texts(&texts).unwrap();
                assert_bits(&name, "decision_function", &got, &want, 0);
            }
            None => assert!(!pipe.est.has_decision_function(), "{name}"),
        }
        match read_npy(&dir().join(format!("{name}.proba.npy"))) {
            Some(want) => {
                assert!(pipe.est.has_predict_proba(), "{name}");
                let got = pipe.predict_proba_texts(&texts).unwrap();
                // MultinomialNB's probabilities are numpy's `exp` of the log
                // probabilities: numpy's own SIMD exp (AVX-512 builds) can
                // differ from the C library's by an ulp; everything else is exact.
                let ulps = if name.starts_with("nb_") { 4 } else { 0 };
                assert_bits(&name, "predict_proba", &got, &want, ulps);
            }
            None => assert!(!pipe.est.has_predict_proba(), "{name}"),
        }
        // dklearn's own file of the same model reads back as the same model.
        let again =
            FittedTextPipeline::<Label>::from_skops_bytes(&pipe.to_skops_bytes().unwrap()).unwrap();
        assert_eq!(again, pipe, "{name} round trip");
    }
}

#[test]
fn typed_labels_load_too() {
    let texts = test_texts();
    let ints = FittedTextPipeline::<i64>::load(dir().join("sgd_hinge_bin_int.skops")).unwrap();
    let small = FittedTextPipeline::<i8>::load(dir().join("sgd_hinge_bin_int.skops")).unwrap();
    let p: Vec<i8> = ints
        .predict_texts(&texts)
        .unwrap()
        .iter()
        .map(|&v| v as i8)
        .collect();
    assert_eq!(small.predict_texts(&texts).unwrap(), p);
    let strs = FittedTextPipeline::<String>::load(dir().join("sgd_log_3_str.skops")).unwrap();
    assert_eq!(strs.classes(), ["acq", "earn", "grain"]);
    // Integer classes are not strings, and the error says which array.
    let e = FittedTextPipeline::<String>::load(dir().join("sgd_hinge_bin_int.skops")).unwrap_err();
    assert!(e.to_string().contains("steps[1][1].classes_"), "{e}");
}

#[test]
fn standalone_steps_load() {
    let texts = test_texts();
    let vect = HashingVectorizer::load(dir().join("standalone_hv.skops")).unwrap();
    let est = Model::<i64>::load(dir().join("standalone_sgd.skops")).unwrap();
    let pipe = FittedTextPipeline::<i64>::load(dir().join("sgd_hinge_bin_int.skops")).unwrap();
    assert_eq!(vect, pipe.vect);
    assert_eq!(est, pipe.est);
    let sgd =
        dklearn_estimators::SGDClassifier::<i64>::load(dir().join("standalone_sgd.skops")).unwrap();
    assert_eq!(Model::from(sgd), est);
    assert_eq!(
        est.predict(&vect.transform(&texts)).unwrap(),
        pipe.predict_texts(&texts).unwrap()
    );
    // A file holding one class does not load as another.
    let e = dklearn_estimators::Perceptron::<i64>::load(dir().join("standalone_sgd.skops"))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("not a sklearn.linear_model._perceptron.Perceptron"),
        "{e}"
    );
}
