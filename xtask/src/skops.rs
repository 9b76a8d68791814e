//! `cargo xtask skops-models --dir DIR`: the Rust half of the live skops round
//! trip run by `xtask/parity/skops_roundtrip.py`.
//!
//! `DIR/cases.json` lists cases `{name, train, labels, test, chunks}`; for each,
//! scikit-learn wrote the unfitted vectorizer `DIR/<name>.hv.skops` and the
//! unfitted classifier `DIR/<name>.est.skops`. This loads both (so reading
//! parameters is exercised too), fits the classifier on the hashed training
//! texts (`fit`, or `partial_fit` over `chunks` chunks when `chunks > 0`),
//! saves the fitted pipeline as `DIR/<name>.dklearn.skops`, and writes its
//! predictions on the test texts to `DIR/<name>.dklearn.json` and its
//! decision values / probabilities (when the model has them) to
//! `DIR/<name>.dklearn.decision.npy` / `.proba.npy`, for Python to compare.

use dklearn_skops::{npy, FittedTextPipeline, Label, Model, Skops, SkopsLabel};
use dklearn_text::HashingVectorizer;
use std::path::PathBuf;

/// Flags of `cargo xtask skops-models`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The directory with cases.json and the unfitted models.
    #[arg(long)]
    pub dir: PathBuf,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    train: Vec<String>,
    labels: Vec<serde_json::Value>,
    test: Vec<String>,
    chunks: usize,
}

fn label(v: &serde_json::Value) -> crate::Result<Label> {
    match v {
        serde_json::Value::String(s) => Ok(Label::Str(s.clone())),
        v => v
            .as_i64()
            .map(Label::Int)
            .ok_or_else(|| format!("label {v} is neither an integer nor a string")),
    }
}

fn write_npy(path: PathBuf, a: &ndarray::Array2<f64>) -> crate::Result<()> {
    let a = a.as_standard_layout();
    let bytes = npy::write_f64(&[a.nrows(), a.ncols()], a.as_slice().unwrap_or(&[]));
    std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn run(args: Args) -> crate::Result<()> {
    let cases_path = args.dir.join("cases.json");
    let text = std::fs::read_to_string(&cases_path)
        .map_err(|e| format!("{}: {e}", cases_path.display()))?;
    let cases: Vec<Case> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", cases_path.display()))?;
    let err = |e: dklearn_skops::Error| e.to_string();
    for case in &cases {
        let vect = HashingVectorizer::load(args.dir.join(format!("{}.hv.skops", case.name)))
            .map_err(err)?;
        let mut est =
            Model::<Label>::load(args.dir.join(format!("{}.est.skops", case.name))).map_err(err)?;
        let y: Vec<Label> = case.labels.iter().map(label).collect::<Result<_, _>>()?;
        let x = vect.transform(&case.train);
        if case.chunks == 0 {
            est.fit(&x, &y).map_err(err)?;
        } else {
            let mut classes = y.clone();
            classes.sort();
            classes.dedup();
            let n = case.train.len();
            for c in 0..case.chunks {
                let (lo, hi) = (c * n / case.chunks, (c + 1) * n / case.chunks);
                let xc = vect.transform(&case.train[lo..hi]);
                est.partial_fit(&xc, &y[lo..hi], Some(&classes))
                    .map_err(err)?;
            }
        }
        let pipe = FittedTextPipeline::new(vect, est).map_err(err)?;
        pipe.save(args.dir.join(format!("{}.dklearn.skops", case.name)))
            .map_err(err)?;
        let pred = pipe.predict_texts(&case.test).map_err(err)?;
        let pred: Vec<serde_json::Value> = pred.iter().map(SkopsLabel::to_json).collect();
        let out = args.dir.join(format!("{}.dklearn.json", case.name));
        std::fs::write(&out, serde_json::Value::from(pred).to_string())
            .map_err(|e| format!("{}: {e}", out.display()))?;
        if pipe.est.has_decision_function() {
            let d = pipe.decision_function_texts(&case.test).map_err(err)?;
            write_npy(
                args.dir.join(format!("{}.dklearn.decision.npy", case.name)),
                &d,
            )?;
        }
        if pipe.est.has_predict_proba() {
            let p = pipe.predict_proba_texts(&case.test).map_err(err)?;
            write_npy(
                args.dir.join(format!("{}.dklearn.proba.npy", case.name)),
                &p,
            )?;
        }
        println!("skops-models: {} written", case.name);
    }
    Ok(())
}
