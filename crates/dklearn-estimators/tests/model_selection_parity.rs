//! Splitters, parameter samplers and TfidfTransformer against scikit-learn
//! 1.9.1 (fixture written by `xtask/parity/model_selection.py`; floats are
//! compared bit for bit).

mod common;

use common::{fixture, usizes};
use dklearn_estimators::model_selection::{
    CrossValidator, Distribution, KFold, ParamSampler, ParamValue, Params, ShuffleSplit, Size,
    Split, StratifiedKFold,
};
use dklearn_estimators::{DocumentFrequency, TfidfTransformer};
use dklearn_sparse::{CsrMatrix, Norm};
use serde_json::Value;

fn bits(v: &Value) -> f64 {
    f64::from_bits(v.as_u64().unwrap())
}

fn bits_vec(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(bits).collect()
}

fn csr_bits(v: &Value) -> CsrMatrix {
    CsrMatrix::try_from_csr(
        v["n_rows"].as_u64().unwrap() as usize,
        v["n_cols"].as_u64().unwrap() as usize,
        usizes(&v["indptr"]),
        usizes(&v["indices"]),
        bits_vec(&v["data"]),
    )
    .unwrap()
}

fn value(v: &Value) -> ParamValue {
    let (k, x) = v.as_object().unwrap().iter().next().unwrap();
    match k.as_str() {
        "int" => ParamValue::Int(x.as_i64().unwrap()),
        "float" => ParamValue::Float(bits(x)),
        "bool" => ParamValue::Bool(x.as_bool().unwrap()),
        "str" => ParamValue::Str(x.as_str().unwrap().into()),
        "pair" => ParamValue::Pair(x[0].as_i64().unwrap(), x[1].as_i64().unwrap()),
        "none" => ParamValue::None,
        _ => panic!("unknown value {v}"),
    }
}

fn size(v: &Value) -> Option<Size> {
    match value(v) {
        ParamValue::Int(i) => Some(Size::Count(i as usize)),
        ParamValue::Float(f) => Some(Size::Fraction(f)),
        _ => None,
    }
}

fn expected_splits(v: &Value) -> Vec<Split> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| (usizes(&s[0]), usizes(&s[1])))
        .collect()
}

fn seed(v: &Value) -> Option<u32> {
    v.as_u64().map(|s| s as u32)
}

#[test]
fn splitters_give_scikit_learns_index_sets() {
    let f = fixture("model_selection.json");
    let cases = f["splitters"].as_array().unwrap();
    for c in cases {
        let n = c["n"].as_u64().unwrap() as usize;
        let k = c["n_splits"].as_u64().unwrap() as usize;
        let want = expected_splits(&c["splits"]);
        let got = match c["cv"].as_str().unwrap() {
            "kfold" => {
                let cv = KFold::new(k).unwrap();
                let cv = match seed(&c["seed"]) {
                    Some(s) => cv.shuffle(s),
                    None => cv,
                };
                cv.split(n, &[0u8; 0]).unwrap()
            }
            "stratified" => {
                let y: Vec<i64> = c["y"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_i64().unwrap())
                    .collect();
                let cv = StratifiedKFold::new(k).unwrap();
                let cv = match seed(&c["seed"]) {
                    Some(s) => cv.shuffle(s),
                    None => cv,
                };
                cv.split(n, &y).unwrap()
            }
            "shuffle" => {
                let mut cv = ShuffleSplit::new(k, seed(&c["seed"]).unwrap()).unwrap();
                if let Some(t) = size(&c["test_size"]) {
                    cv = cv.test_size(t);
                }
                if let Some(t) = size(&c["train_size"]) {
                    cv = cv.train_size(t);
                }
                cv.split(n, &[0u8; 0]).unwrap()
            }
            other => panic!("unknown splitter {other}"),
        };
        assert_eq!(got, want, "{c}");
    }
    assert!(cases.len() >= 70);
}

/// A distribution as the fixture writes it.
pub fn distribution(v: &Value) -> Distribution {
    let (k, x) = v.as_object().unwrap().iter().next().unwrap();
    match k.as_str() {
        "choice" => Distribution::Choice(x.as_array().unwrap().iter().map(value).collect()),
        "uniform" => Distribution::Uniform {
            loc: bits(&x[0]),
            scale: bits(&x[1]),
        },
        "loguniform" => Distribution::LogUniform {
            a: bits(&x[0]),
            b: bits(&x[1]),
        },
        _ => panic!("unknown distribution {v}"),
    }
}

fn params(v: &Value) -> Params {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, x)| (k.clone(), value(x)))
        .collect()
}

#[test]
fn parameter_sampler_draws_scikit_learns_candidates() {
    let f = fixture("model_selection.json");
    for c in f["samplers"].as_array().unwrap() {
        let space: Vec<(String, Distribution)> = c["space"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, d)| (k.clone(), distribution(d)))
            .collect();
        let s = ParamSampler::new(
            space,
            c["n_iter"].as_u64().unwrap() as usize,
            c["seed"].as_u64().unwrap() as u32,
        );
        let want: Vec<Params> = c["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(params)
            .collect();
        assert_eq!(s.candidates().unwrap(), want, "{}", c["space"]);
    }
}

#[test]
fn tfidf_fitted_from_chunk_counts_is_scikit_learns() {
    let f = fixture("model_selection.json");
    let t = &f["tfidf"];
    let x = csr_bits(&t["x"]);
    let bounds = usizes(&t["chunks"]);
    let chunks: Vec<CsrMatrix> = bounds
        .windows(2)
        .map(|w| x.select_rows(&(w[0]..w[1]).collect::<Vec<_>>()).unwrap())
        .collect();
    for c in t["cases"].as_array().unwrap() {
        let norm = match c["norm"].as_str() {
            Some("l1") => Some(Norm::L1),
            Some("l2") => Some(Norm::L2),
            _ => None,
        };
        let unfitted = TfidfTransformer::params()
            .norm(norm)
            .use_idf(c["use_idf"].as_bool().unwrap())
            .smooth_idf(c["smooth_idf"].as_bool().unwrap())
            .sublinear_tf(c["sublinear_tf"].as_bool().unwrap())
            .build()
            .unwrap();
        assert_eq!(format!("{unfitted:?}"), c["repr"].as_str().unwrap());
        let mut df = DocumentFrequency::of(&chunks[0]);
        for ch in &chunks[1..] {
            df.merge(&DocumentFrequency::of(ch)).unwrap();
        }
        let fitted = unfitted.fit_df(&df).unwrap();
        let mut whole = unfitted.clone();
        whole.fit(&x).unwrap();
        assert_eq!(fitted, whole);
        match &c["idf"] {
            Value::Null => assert!(fitted.idf_().is_none()),
            v => {
                let got: Vec<u64> = fitted.idf_().unwrap().iter().map(|v| v.to_bits()).collect();
                let want: Vec<u64> = bits_vec(v).iter().map(|v| v.to_bits()).collect();
                assert_eq!(got, want, "idf_ of {c:?}", c = c["repr"]);
            }
        }
        let want = csr_bits(&c["xt"]);
        let got = fitted.transform(&x).unwrap();
        assert_eq!(got.indptr(), want.indptr());
        assert_eq!(got.indices(), want.indices());
        let gb: Vec<u64> = got.data().iter().map(|v| v.to_bits()).collect();
        let wb: Vec<u64> = want.data().iter().map(|v| v.to_bits()).collect();
        assert_eq!(gb, wb, "transform under {}", c["repr"]);
        // Per chunk, the same rows.
        let parts: Vec<CsrMatrix> = chunks
            .iter()
            .map(|ch| fitted.transform(ch).unwrap())
            .collect();
        let refs: Vec<&CsrMatrix> = parts.iter().collect();
        assert_eq!(dklearn_sparse::vstack(&refs).unwrap(), got);
    }
}

#[test]
fn tfidf_errors() {
    let t = TfidfTransformer::params().build().unwrap();
    let x = CsrMatrix::zeros(2, 3);
    assert!(t
        .transform(&x)
        .unwrap_err()
        .to_string()
        .contains("not fitted"));
    let fitted = t.fit_df(&DocumentFrequency::of(&x)).unwrap();
    let e = fitted.transform(&CsrMatrix::zeros(1, 4)).unwrap_err();
    assert!(e.to_string().contains("4 features"), "{e}");
    assert!(t
        .fit_df(&DocumentFrequency::of(&CsrMatrix::zeros(0, 3)))
        .is_err());
    let mut df = DocumentFrequency::of(&x);
    assert!(df
        .merge(&DocumentFrequency::of(&CsrMatrix::zeros(1, 2)))
        .is_err());
}
