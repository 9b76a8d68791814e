//! GridSearchCV / RandomizedSearchCV: scikit-learn 1.9.1's cv_results_ on
//! in-memory data (fixture from `xtask/parity/model_selection.py`, floats as
//! bits), shared work counted per task name, and bad searches refused before
//! anything runs.

use dklearn_estimators::model_selection::{
    CrossValidator, Distribution, KFold, ParamGrid, ParamSampler, ParamValue, Params,
    PartitionKFold, ShuffleSplit, Size, StratifiedKFold,
};
use dklearn_estimators::{
    Fit, LogisticRegression, MultinomialNB, Predict, ResponseMethods, SGDClassifier,
    TfidfTransformer,
};
use dklearn_executor::Threaded;
use dklearn_graph::{Bag, Callback, Key, Sequential};
use dklearn_lazy::{
    Averaged, Chained, FitParams, GridSearchCV, Matrix, Pipeline, Plain, RandomizedSearchCV,
    Scoring, SearchCV, SearchResults, SetParam,
};
use dklearn_sparse::CsrMatrix;
use dklearn_text::HashingVectorizer;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Mutex;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/search.json");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run `cargo xtask parity`)"));
    serde_json::from_str(&text).unwrap()
}

fn bits(v: &Value) -> f64 {
    f64::from_bits(v.as_u64().unwrap())
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

fn params(v: &Value) -> Params {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, x)| (k.clone(), value(x)))
        .collect()
}

fn distribution(v: &Value) -> Distribution {
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

type Pipe<E> = Pipeline<HashingVectorizer, Plain<E>>;

/// The fixture's pipeline: HashingVectorizer(alternate_sign=False) ->
/// TfidfTransformer() -> `last` (SGDClassifier(random_state=0, max_iter=30,
/// tol=None) or MultinomialNB()).
fn pipeline<E>(last: (&str, E)) -> Pipe<E> {
    let vect = HashingVectorizer::params()
        .alternate_sign(false)
        .build()
        .unwrap();
    Pipeline::new(("vect", vect), (last.0, Plain::new(last.1)))
        .with_fitted_step(("tfidf", TfidfTransformer::params().build().unwrap()))
}

fn fixture_sgd() -> SGDClassifier<i64> {
    SGDClassifier::params()
        .random_state(Some(0))
        .max_iter(30)
        .tol(None)
        .build()
        .unwrap()
}

fn run<C: CrossValidator, E>(
    case: &Value,
    pipe: Pipe<E>,
    cv: C,
    docs: &[String],
    y: &[i64],
) -> SearchResults<HashingVectorizer, E>
where
    E: Fit<i64> + Predict<i64> + ResponseMethods<i64> + SetParam + Clone + Debug + Send + Sync,
    E: 'static,
{
    let space: Vec<(String, Distribution)> = case["space"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, d)| (k.clone(), distribution(d)))
        .collect();
    let scoring = Scoring::parse(case["scoring"].as_str().unwrap()).unwrap();
    let search = if case["kind"] == "grid" {
        let grid = ParamGrid::new().grid(space.into_iter().map(|(k, d)| match d {
            Distribution::Choice(v) => (k, v),
            other => panic!("grid of {other:?}"),
        }));
        GridSearchCV::new(pipe, grid, cv)
    } else {
        let sampler = ParamSampler::new(
            space,
            case["n_iter"].as_u64().unwrap() as usize,
            case["seed"].as_u64().unwrap() as u32,
        );
        RandomizedSearchCV::new(pipe, sampler, cv)
    };
    search
        .scoring(scoring)
        .fit_rows(docs.to_vec(), y.to_vec(), &Threaded::new(2), &[])
        .unwrap()
}

/// The case's splitter, then [`run`].
fn run_case<E>(
    case: &Value,
    pipe: Pipe<E>,
    docs: &[String],
    y: &[i64],
) -> SearchResults<HashingVectorizer, E>
where
    E: Fit<i64> + Predict<i64> + ResponseMethods<i64> + SetParam + Clone + Debug + Send + Sync,
    E: 'static,
{
    let cv = &case["cv"];
    let seed = |v: &Value| v.as_u64().map(|s| s as u32);
    if let Some(k) = cv.get("kfold") {
        let n = k[0].as_u64().unwrap() as usize;
        match seed(&k[1]) {
            Some(s) => run(case, pipe, KFold::new(n).unwrap().shuffle(s), docs, y),
            None => run(case, pipe, KFold::new(n).unwrap(), docs, y),
        }
    } else if let Some(k) = cv.get("stratified") {
        let n = k[0].as_u64().unwrap() as usize;
        match seed(&k[1]) {
            Some(s) => run(
                case,
                pipe,
                StratifiedKFold::new(n).unwrap().shuffle(s),
                docs,
                y,
            ),
            None => run(case, pipe, StratifiedKFold::new(n).unwrap(), docs, y),
        }
    } else {
        let k = &cv["shuffle"];
        let ParamValue::Float(t) = value(&cv["test_size"]) else {
            panic!("test_size")
        };
        let cv = ShuffleSplit::new(k[0].as_u64().unwrap() as usize, seed(&k[1]).unwrap())
            .unwrap()
            .test_size(Size::Fraction(t));
        run(case, pipe, cv, docs, y)
    }
}

/// A fixture block's documents and labels.
fn docs_and_labels(f: &Value) -> (Vec<String>, Vec<i64>) {
    let docs: Vec<String> = f["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    let y: Vec<i64> = f["y"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    (docs, y)
}

/// Runs every case of a fixture block; the scorings it used.
fn run_cases(f: &Value) -> Vec<String> {
    let (docs, y) = docs_and_labels(f);
    let mut scorings = std::collections::BTreeSet::new();
    for case in f["cases"].as_array().unwrap() {
        scorings.insert(case["scoring"].as_str().unwrap());
        if case["final"] == "nb" {
            let nb = MultinomialNB::<i64>::params().build().unwrap();
            let r = run_case(case, pipeline(("nb", nb)), &docs, &y);
            check_case(case, &r, &docs, &y);
        } else {
            let r = run_case(case, pipeline(("sgd", fixture_sgd())), &docs, &y);
            check_case(case, &r, &docs, &y);
        }
    }
    scorings.into_iter().map(String::from).collect()
}

#[test]
fn cv_results_are_scikit_learns() {
    let f = fixture();
    assert_eq!(f["cases"].as_array().unwrap().len(), 19);
    assert_eq!(
        run_cases(&f),
        [
            "accuracy",
            "f1_macro",
            "neg_log_loss",
            "roc_auc",
            "roc_auc_ovr"
        ]
    );
}

#[test]
fn multiclass_roc_auc_scorers_are_scikit_learns() {
    // Three classes: SGD's one-vs-rest and naive Bayes' predict_proba,
    // every test fold holding every class.
    let f = &fixture()["multiclass"];
    assert_eq!(f["cases"].as_array().unwrap().len(), 5);
    assert_eq!(
        run_cases(f),
        [
            "roc_auc_ovo",
            "roc_auc_ovo_weighted",
            "roc_auc_ovr",
            "roc_auc_ovr_weighted"
        ]
    );
}

/// Every cv_results_ score, rank, best_* and the refit against the case.
fn check_case<M: Predict<i64>>(
    case: &Value,
    r: &SearchResults<HashingVectorizer, M>,
    docs: &[String],
    y: &[i64],
) {
    let what = format!(
        "{} {} {} {}",
        case["kind"], case["cv"], case["scoring"], case["final"]
    );
    let c = &r.cv_results_;
    let want: Vec<Params> = case["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(params)
        .collect();
    assert_eq!(c.params, want, "{what}");
    let as_bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for (i, s) in case["split_scores"].as_array().unwrap().iter().enumerate() {
        let s: Vec<f64> = s.as_array().unwrap().iter().map(bits).collect();
        assert_eq!(
            as_bits(&c.split_test_scores[i]),
            as_bits(&s),
            "{what}: candidate {i}"
        );
    }
    let mean: Vec<f64> = case["mean_test_score"]
        .as_array()
        .unwrap()
        .iter()
        .map(bits)
        .collect();
    let std: Vec<f64> = case["std_test_score"]
        .as_array()
        .unwrap()
        .iter()
        .map(bits)
        .collect();
    assert_eq!(as_bits(&c.mean_test_score), as_bits(&mean), "{what}");
    assert_eq!(as_bits(&c.std_test_score), as_bits(&std), "{what}");
    let ranks: Vec<usize> = case["rank_test_score"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(c.rank_test_score, ranks, "{what}");
    assert_eq!(
        r.best_index_,
        case["best_index"].as_u64().unwrap() as usize,
        "{what}"
    );
    assert_eq!(r.best_params_, params(&case["best_params"]), "{what}");
    assert_eq!(
        r.best_score_.to_bits(),
        bits(&case["best_score"]).to_bits(),
        "{what}"
    );
    // The refitted best estimator scores the training data as scikit-learn's does.
    let best = r.best_estimator_.as_ref().expect("refit is on by default");
    let pred: Vec<i64> = best.predict(&docs.to_vec()).unwrap();
    let acc = dklearn_estimators::metrics::accuracy_score(y, &pred).unwrap();
    assert_eq!(
        acc.to_bits(),
        bits(&case["refit_train_score"]).to_bits(),
        "{what}"
    );
    assert!(c.mean_fit_time.iter().all(|t| *t > 0.0), "{what}");
}

#[test]
fn chunked_roc_auc_and_log_loss_are_scikit_learns() {
    // Chained SGD over partitions (one empty), partition-level 3-fold: the
    // fixture is scikit-learn's partial_fit loop scored with get_scorer on
    // each fold's test rows together.
    let f = fixture();
    let f = &f["chunked"];
    let sizes: Vec<usize> = f["sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let docs: Vec<String> = f["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    let y: Vec<i8> = f["y"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap() as i8)
        .collect();
    let (mut xs, mut ys, mut at) = (Vec::new(), Vec::new(), 0);
    for (p, &n) in sizes.iter().enumerate() {
        // Distinct names: an empty Vec<String> and an empty Vec<i8> tokenize alike.
        let (xn, yn) = (format!("docs-{p}"), format!("labels-{p}"));
        xs.push(dklearn_graph::Delayed::value(
            &xn,
            docs[at..at + n].to_vec(),
        ));
        ys.push(dklearn_graph::Delayed::value(&yn, y[at..at + n].to_vec()));
        at += n;
    }
    let x = Bag::from_partitions(xs);
    let y = Matrix::from_chunks(ys);
    let vect = HashingVectorizer::params()
        .alternate_sign(false)
        .build()
        .unwrap();
    let sgd = SGDClassifier::<i8>::params()
        .random_state(Some(0))
        .build()
        .unwrap();
    let pipe = Pipeline::new(("vect", vect), ("sgd", Chained::new(sgd)));
    let cases = f["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let what = case["scoring"].as_str().unwrap();
        let grid =
            ParamGrid::new().grid(case["space"].as_object().unwrap().iter().map(|(k, d)| {
                match distribution(d) {
                    Distribution::Choice(v) => (k.clone(), v),
                    other => panic!("grid of {other:?}"),
                }
            }));
        let sr = GridSearchCV::new(pipe.clone(), grid, PartitionKFold::new(3).unwrap())
            .scoring(Scoring::parse(what).unwrap())
            .fit_params(FitParams::new().classes(vec![0, 1]))
            .refit(false);
        let r = sr.fit_chunks(&x, &y, &Threaded::new(2), &[]).unwrap();
        let c = &r.cv_results_;
        let want: Vec<Params> = case["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(params)
            .collect();
        assert_eq!(c.params, want, "{what}");
        let as_bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let fixture_bits = |v: &Value| {
            v.as_array()
                .unwrap()
                .iter()
                .map(|b| b.as_u64().unwrap())
                .collect::<Vec<_>>()
        };
        for (i, s) in case["split_scores"].as_array().unwrap().iter().enumerate() {
            assert_eq!(
                as_bits(&c.split_test_scores[i]),
                fixture_bits(s),
                "{what}: candidate {i}"
            );
        }
        assert_eq!(
            as_bits(&c.mean_test_score),
            fixture_bits(&case["mean_test_score"]),
            "{what}"
        );
        assert_eq!(
            as_bits(&c.std_test_score),
            fixture_bits(&case["std_test_score"]),
            "{what}"
        );
    }
}

#[test]
fn averaged_scores_its_decision_values_and_probabilities() {
    // Averaged LogisticRegression over chunks: roc_auc reads the averaged
    // model's decision_function and neg_log_loss its predict_proba, over the
    // fold's test partitions together: the same as scoring the averaged fit
    // of the training partitions by hand.
    use dklearn_estimators::metrics::{log_loss_binary, roc_auc_score};
    use dklearn_estimators::{DecisionFunction, PredictProba};
    let (x, y) = corpus(48, 4);
    let vect = HashingVectorizer::params().n_features(64).build().unwrap();
    let lr = LogisticRegression::<i8>::params().build().unwrap();
    let pipe = Pipeline::new(("vect", vect.clone()), ("lr", Averaged::new(lr.clone())));
    let grid = || ParamGrid::new().grid([("lr__C", vec![0.5.into(), 2.0.into()])]);
    let search = |scoring: Scoring<i8>| {
        GridSearchCV::new(pipe.clone(), grid(), PartitionKFold::new(2).unwrap())
            .scoring(scoring)
            .refit(false)
            .fit_chunks(&x, &y, &Sequential, &[])
            .unwrap()
    };
    let auc = search(Scoring::RocAuc);
    let nll = search(Scoring::NegLogLoss);
    let xm = dklearn_lazy::transform_chunks(&vect, &x);
    let chunks: Vec<CsrMatrix> = xm
        .chunks()
        .iter()
        .map(|c| c.compute(&Sequential).unwrap())
        .collect();
    let labels: Vec<Vec<i8>> = y
        .chunks()
        .iter()
        .map(|c| c.compute(&Sequential).unwrap())
        .collect();
    for (ci, c) in [0.5, 2.0].into_iter().enumerate() {
        for fold in 0..2 {
            let (train, test): (Vec<usize>, Vec<usize>) = (0..4).partition(|p| p % 2 != fold);
            let pick = |ps: &[usize]| {
                let xs: Vec<_> = ps.iter().map(|&p| xm.chunks()[p].clone()).collect();
                let ys: Vec<_> = ps.iter().map(|&p| y.chunks()[p].clone()).collect();
                (Matrix::from_chunks(xs), Matrix::from_chunks(ys))
            };
            let (tx, ty) = pick(&train);
            let est = Averaged::new(SetParam::set_param(&lr, "C", &c.into()).unwrap());
            let model = dklearn_lazy::LazyEstimator::fit_lazy(&est, &tx, &ty, &FitParams::new())
                .unwrap()
                .compute(&Sequential)
                .unwrap();
            let test_x: Vec<&CsrMatrix> = test.iter().map(|&p| &chunks[p]).collect();
            let test_x = dklearn_sparse::vstack(&test_x).unwrap();
            let test_y: Vec<i8> = test.iter().flat_map(|&p| labels[p].clone()).collect();
            let dec = model.decision_function(&test_x).unwrap();
            let want = roc_auc_score(&test_y, &dec.column(0).to_vec()).unwrap();
            assert_eq!(auc.cv_results_.split_test_scores[ci][fold], want);
            let proba = model.predict_proba(&test_x).unwrap();
            let want = -log_loss_binary(&test_y, &proba.column(1).to_vec()).unwrap();
            assert_eq!(nll.cv_results_.split_test_scores[ci][fold], want);
        }
    }
}

/// Counts task runs by name.
#[derive(Default)]
struct Counter(Mutex<BTreeMap<String, usize>>);

impl Callback for Counter {
    fn pretask(&self, key: &Key, _worker: usize) {
        *self
            .0
            .lock()
            .unwrap()
            .entry(key.name().to_string())
            .or_default() += 1;
    }
}

impl Counter {
    fn counts(&self) -> BTreeMap<String, usize> {
        self.0.lock().unwrap().clone()
    }
}

fn corpus(n: usize, parts: usize) -> (Bag<String>, Matrix<Vec<i8>>) {
    let docs: Vec<String> = (0..n)
        .map(|i| {
            if i % 3 == 0 {
                format!("cheap offer buy now {i} deal")
            } else {
                format!("meeting notes project {} team", i % 7)
            }
        })
        .collect();
    let y: Vec<i8> = (0..n).map(|i| i8::from(i % 3 == 0)).collect();
    (
        Bag::from_sequence(docs, parts),
        Matrix::from_bag(&Bag::from_sequence(y, parts)),
    )
}

#[test]
fn shared_prefixes_run_once() {
    let (x, y) = corpus(60, 6);
    let vect = HashingVectorizer::params().n_features(256).build().unwrap();
    let sgd = SGDClassifier::params()
        .random_state(Some(0))
        .build()
        .unwrap();
    let pipe = Pipeline::new(("vect", vect), ("sgd", Chained::new(sgd)))
        .with_fitted_step(("tfidf", TfidfTransformer::params().build().unwrap()));
    let grid = ParamGrid::new().grid([
        (
            "vect__n_features",
            vec![ParamValue::Int(256), ParamValue::Int(1024)],
        ),
        ("tfidf__use_idf", vec![true.into(), false.into()]),
        ("sgd__alpha", vec![1e-4.into(), 1e-3.into(), 1e-2.into()]),
    ]);
    let search = GridSearchCV::new(pipe, grid, PartitionKFold::new(3).unwrap())
        .fit_params(FitParams::new().classes(vec![0, 1]))
        .refit(false);
    let counter = Counter::default();
    let r = search
        .fit_chunks(&x, &y, &Threaded::new(2), &[&counter])
        .unwrap();
    assert_eq!(r.cv_results_.params.len(), 12);
    let c = counter.counts();
    // 2 vectorizer settings x 6 partitions, not 12 candidates x 3 folds x 6.
    assert_eq!(c["hashingvectorizer"], 2 * 6, "{c:?}");
    assert_eq!(c["document-frequency"], 2 * 6, "{c:?}");
    // One Tfidf fit per (vectorizer setting, tfidf setting, fold).
    assert_eq!(c["tfidftransformer-fit"], 2 * 2 * 3, "{c:?}");
    // Its transform once per chunk of each such fit (4 train + 2 test partitions).
    assert_eq!(c["tfidftransformer"], 2 * 2 * 3 * 6, "{c:?}");
    // The estimator per candidate and fold: 4 training partitions each.
    assert_eq!(c["partial_fit"], 12 * 3 * 4, "{c:?}");
    assert_eq!(c["score"], 12 * 3, "{c:?}");
    assert_eq!(c["predict"], 12 * 3 * 2, "{c:?}");
    // Same results on one thread.
    let r1 = search.fit_chunks(&x, &y, &Sequential, &[]).unwrap();
    assert_eq!(
        r1.cv_results_.split_test_scores,
        r.cv_results_.split_test_scores
    );
    assert_eq!(r1.best_params_, r.best_params_);
}

#[test]
fn same_scores_under_a_tiny_memory_limit() {
    // A search whose every spillable intermediate (vectorized chunks, Tfidf
    // chunks, models, decision values, labels) goes to disk: cv_results_
    // scores are the same bits as without a limit, in the default and the
    // strict priority order.
    let (x, y) = corpus(36, 6);
    let vect = HashingVectorizer::params().n_features(128).build().unwrap();
    let sgd = SGDClassifier::params()
        .random_state(Some(0))
        .build()
        .unwrap();
    let pipe = Pipeline::new(("vect", vect), ("sgd", Chained::new(sgd)))
        .with_fitted_step(("tfidf", TfidfTransformer::params().build().unwrap()));
    let grid = ParamGrid::new().grid([
        (
            "vect__n_features",
            vec![ParamValue::Int(64), ParamValue::Int(128)],
        ),
        ("sgd__alpha", vec![1e-4.into(), 1e-2.into()]),
    ]);
    let search = GridSearchCV::new(pipe, grid, PartitionKFold::new(3).unwrap())
        .scoring(Scoring::RocAuc)
        .fit_params(FitParams::new().classes(vec![0, 1]))
        .refit(false);
    let want = search.fit_chunks(&x, &y, &Sequential, &[]).unwrap();
    let bits = |r: &SearchResults<_, _>| -> Vec<Vec<u64>> {
        r.cv_results_
            .split_test_scores
            .iter()
            .map(|s| s.iter().map(|v| v.to_bits()).collect())
            .collect()
    };
    for (workers, strict) in [(1, false), (2, false), (1, true), (2, true)] {
        let prof = dklearn_executor::Profiler::new();
        let sched = Threaded::new(workers)
            .memory_limit(0)
            .strict_priority(strict);
        let got = search.fit_chunks(&x, &y, &sched, &[&prof]).unwrap();
        assert_eq!(bits(&got), bits(&want), "{sched:?}");
        let names: std::collections::BTreeSet<String> = prof
            .spills()
            .iter()
            .map(|r| r.key.name().to_string())
            .collect();
        for kind in ["hashingvectorizer", "partial_fit", "decision-function"] {
            assert!(names.contains(kind), "{kind} not spilled: {names:?}");
        }
    }
}

#[test]
fn chunked_search_scores_the_union_of_test_partitions() {
    // A fold's score is the accuracy over all rows of its test partitions,
    // which equals refitting by hand on the training partitions.
    let (x, y) = corpus(45, 5);
    let vect = HashingVectorizer::params().n_features(128).build().unwrap();
    let sgd = SGDClassifier::params()
        .random_state(Some(0))
        .build()
        .unwrap();
    let pipe = Pipeline::new(("vect", vect.clone()), ("sgd", Chained::new(sgd.clone())));
    let grid = ParamGrid::new().grid([("sgd__alpha", vec![1e-4.into(), 1e-2.into()])]);
    let r = GridSearchCV::new(pipe, grid, PartitionKFold::new(2).unwrap())
        .fit_params(FitParams::new().classes(vec![0, 1]))
        .fit_chunks(&x, &y, &Sequential, &[])
        .unwrap();
    let docs = x.compute(&Sequential).unwrap();
    let labels: Vec<i8> = y
        .chunks()
        .iter()
        .flat_map(|c| c.compute(&Sequential).unwrap())
        .collect();
    let bounds = [0, 9, 18, 27, 36, 45];
    let part = |p: usize| (bounds[p]..bounds[p + 1]).collect::<Vec<_>>();
    use dklearn_estimators::PartialFit;
    for (ci, alpha) in [1e-4, 1e-2].into_iter().enumerate() {
        for fold in 0..2 {
            let mut m = sgd.clone();
            m = dklearn_lazy::SetParam::set_param(&m, "alpha", &alpha.into()).unwrap();
            for p in (0..5).filter(|p| p % 2 != fold) {
                let rows = part(p);
                let xs: Vec<&String> = rows.iter().map(|&i| &docs[i]).collect();
                let ys: Vec<i8> = rows.iter().map(|&i| labels[i]).collect();
                m.partial_fit(&vect.transform(&xs), &ys, Some(&[0, 1]))
                    .unwrap();
            }
            let test: Vec<usize> = (0..5).filter(|p| p % 2 == fold).flat_map(part).collect();
            let xs: Vec<&String> = test.iter().map(|&i| &docs[i]).collect();
            let ys: Vec<i8> = test.iter().map(|&i| labels[i]).collect();
            let pred = m.predict(&vect.transform(&xs)).unwrap();
            let acc = dklearn_estimators::metrics::accuracy_score(&ys, &pred).unwrap();
            assert_eq!(r.cv_results_.split_test_scores[ci][fold], acc);
        }
    }
    // Refit on every partition: the best candidate's chain over all of them.
    let best = r.best_estimator_.unwrap();
    let preds: Vec<i8> = best.predict(&docs).unwrap();
    assert_eq!(preds.len(), 45);
}

#[test]
fn randomized_search_with_averaged_logistic_regression() {
    let (x, y) = corpus(60, 4);
    let vect = HashingVectorizer::params().n_features(128).build().unwrap();
    let pipe = Pipeline::new(
        ("vect", vect),
        (
            "lr",
            Averaged::new(LogisticRegression::<i8>::params().build().unwrap()),
        ),
    );
    let space = ParamSampler::new(
        [
            ("lr__C", Distribution::LogUniform { a: 0.1, b: 10.0 }),
            (
                "vect__n_features",
                Distribution::Choice(vec![ParamValue::Int(64), ParamValue::Int(128)]),
            ),
            (
                "vect__norm",
                Distribution::Choice(vec!["l1".into(), "l2".into()]),
            ),
        ],
        3,
        0,
    );
    let r = RandomizedSearchCV::new(pipe, space, PartitionKFold::new(2).unwrap())
        .fit_chunks(&x, &y, &Sequential, &[])
        .unwrap();
    assert_eq!(r.cv_results_.params.len(), 3);
    assert!(r.best_estimator_.is_some());
}

fn expect_err<T>(r: Result<T, dklearn_lazy::Error>, has: &str) {
    match r {
        Ok(_) => panic!("expected an error containing {has:?}"),
        Err(e) => assert!(e.to_string().contains(has), "{e} (wanted {has:?})"),
    }
}

#[test]
fn bad_searches_fail_at_fit_before_anything_runs() {
    let (x, y) = corpus(30, 4);
    let vect = HashingVectorizer::params().n_features(64).build().unwrap();
    let sgd = SGDClassifier::<i8>::params().build().unwrap();
    let pipe = Pipeline::new(("vect", vect), ("sgd", Chained::new(sgd)));
    let counter = Counter::default();
    let fit = |grid: ParamGrid, n_splits: usize| -> Result<(), dklearn_lazy::Error> {
        let s: SearchCV<_, _, _, i8> =
            GridSearchCV::new(pipe.clone(), grid, PartitionKFold::new(n_splits).unwrap());
        s.fit_chunks(&x, &y, &Sequential, &[&counter]).map(|_| ())
    };
    let g = |k: &str, v: Vec<ParamValue>| ParamGrid::new().grid([(k.to_string(), v)]);
    expect_err(fit(g("svm__alpha", vec![1.0.into()]), 2), "no step 'svm'");
    expect_err(fit(g("alpha", vec![1.0.into()]), 2), "does not name a step");
    expect_err(
        fit(g("sgd__alpah", vec![1.0.into()]), 2),
        "invalid parameter 'alpah' for estimator SGDClassifier()",
    );
    expect_err(
        fit(g("sgd__alpha", vec![(-1.0).into()]), 2),
        "invalid value -1.0 for parameter 'alpha'",
    );
    expect_err(
        fit(g("vect__ngram_range", vec![(2, 1).into()]), 2),
        "ngram_range",
    );
    expect_err(fit(g("sgd__alpha", vec![]), 2), "empty for 'sgd__alpha'");
    expect_err(fit(ParamGrid::new(), 2), "empty parameter grid");
    expect_err(
        fit(g("sgd__alpha", vec![1e-4.into()]), 5),
        "fewer partitions (4) than folds (n_splits=5)",
    );
    assert!(Scoring::<i8>::parse("f1_bogus").is_err());
    // A scoring the estimator cannot serve: hinge-loss SGD has no predict_proba.
    let scored = |scoring: Scoring<i8>, grid: ParamGrid, classes: Vec<i8>| {
        GridSearchCV::new(pipe.clone(), grid, PartitionKFold::new(2).unwrap())
            .scoring(scoring)
            .fit_params(FitParams::new().classes(classes))
            .fit_chunks(&x, &y, &Sequential, &[&counter])
            .map(|_| ())
    };
    let losses = g("sgd__loss", vec!["log_loss".into(), "hinge".into()]);
    expect_err(
        scored(Scoring::NegLogLoss, losses.clone(), vec![0, 1]),
        "scoring 'neg_log_loss' needs predict_proba, which the final step \
         Chained(SGDClassifier()) of candidate {'sgd__loss': 'hinge'} does not have",
    );
    expect_err(
        scored(Scoring::RocAuc, losses.clone(), vec![0, 1, 2]),
        "scoring 'roc_auc' is binary but the classes given are [0, 1, 2]",
    );
    expect_err(
        scored(
            Scoring::parse("roc_auc_ovo").unwrap(),
            losses,
            vec![0, 1, 2],
        ),
        "scoring 'roc_auc_ovo' needs predict_proba, which the final step \
         Chained(SGDClassifier()) of candidate {'sgd__loss': 'hinge'} does not have",
    );
    assert!(counter.counts().is_empty(), "{:?}", counter.counts());
    for name in [
        "accuracy",
        "roc_auc",
        "roc_auc_ovr",
        "roc_auc_ovo",
        "roc_auc_ovr_weighted",
        "roc_auc_ovo_weighted",
        "neg_log_loss",
        "f1_macro",
    ] {
        assert_eq!(
            Scoring::<i8>::parse(name).unwrap().name().as_deref(),
            Some(name)
        );
    }
}

#[test]
fn in_memory_csr_with_passthrough_equals_documents() {
    // The same search on pre-vectorized rows (a CSR matrix, first step
    // 'passthrough') and on the documents (first step the vectorizer).
    let docs: Vec<String> = (0..40)
        .map(|i| match i % 4 {
            0 => format!("cheap offer {i} buy"),
            1 => format!("offer meeting {i}"),
            _ => format!("team meeting notes {}", i % 5),
        })
        .collect();
    let y: Vec<i8> = (0..40).map(|i| i8::from(i % 4 == 0)).collect();
    // Non-negative counts: sublinear_tf takes their log.
    let vect = HashingVectorizer::params()
        .n_features(64)
        .alternate_sign(false)
        .build()
        .unwrap();
    let sgd = SGDClassifier::params()
        .random_state(Some(0))
        .build()
        .unwrap();
    let tfidf = TfidfTransformer::params().build().unwrap();
    let grid = || {
        ParamGrid::new().grid([
            ("tfidf__sublinear_tf", vec![true.into(), false.into()]),
            ("sgd__alpha", vec![1e-4.into(), 1e-1.into()]),
        ])
    };
    let cv = || StratifiedKFold::new(4).unwrap().shuffle(3);
    let on_docs = GridSearchCV::new(
        Pipeline::new(("vect", vect.clone()), ("sgd", Plain::new(sgd.clone())))
            .with_fitted_step(("tfidf", tfidf.clone())),
        grid(),
        cv(),
    )
    .fit_rows(docs.clone(), y.clone(), &Sequential, &[])
    .unwrap();
    let x = vect.transform(&docs);
    let on_csr = GridSearchCV::new(
        Pipeline::new(
            ("vect", dklearn_lazy::Passthrough),
            ("sgd", Plain::new(sgd)),
        )
        .with_fitted_step(("tfidf", tfidf)),
        grid(),
        cv(),
    )
    .fit_rows(x.clone(), y.clone(), &Threaded::new(2), &[])
    .unwrap();
    assert_eq!(
        on_docs.cv_results_.split_test_scores,
        on_csr.cv_results_.split_test_scores
    );
    assert_eq!(on_docs.best_params_, on_csr.best_params_);
    let a: Vec<i8> = on_docs.best_estimator_.unwrap().predict(&docs).unwrap();
    let b: Vec<i8> = on_csr.best_estimator_.unwrap().predict(&x).unwrap();
    assert_eq!(a, b);
    // A matrix whose rows do not match the labels is refused at fit.
    let bad = GridSearchCV::new(
        Pipeline::new(
            ("vect", dklearn_lazy::Passthrough),
            ("sgd", Plain::new(SGDClassifier::<i8>::default())),
        ),
        grid(),
        cv(),
    )
    .fit_rows(x, y[..39].to_vec(), &Sequential, &[]);
    expect_err(bad, "40 samples but y has 39");
}
