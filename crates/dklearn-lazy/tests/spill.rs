//! A user's own pipelines under a memory limit: every value the lazy layer
//! produces (texts, labels, masks, CSR chunks, models, `Option` fits, the
//! Averaged running sum, predictions, scores) is registered by default, so a
//! limit of 0 bytes spills everything spillable and the results are the same
//! bits as without a limit, on 1 and 2 workers, with and without classes.

use dklearn_estimators::{LogisticRegression, SGDClassifier};
use dklearn_executor::{Profiler, Threaded};
use dklearn_graph::{Bag, Compute, Scheduler, Sequential};
use dklearn_lazy::{train_test_split, Averaged, Chained, FitParams, Matrix, Pipeline};
use dklearn_text::HashingVectorizer;

fn scores<S: Scheduler>(sched: &S, classes: bool, prof: &Profiler) -> (f64, f64, Vec<u64>) {
    let docs: Vec<(String, i8)> = (0..300)
        .map(|i| {
            let acq = i % 3 == 0;
            let text = if acq {
                "company acquires stake in bank"
            } else {
                "wheat crop exports rise"
            };
            (format!("{text} report {i} {}", i % 7), i8::from(acq))
        })
        .collect();
    let bag = Bag::from_sequence(docs, 6);
    let x = bag.map("text", |d: &(String, i8)| d.0.clone());
    let y = Matrix::from_bag(&bag.map("label", |d: &(String, i8)| d.1));
    let split = train_test_split(&x, &y, 0.25, 3).unwrap();
    let vect = HashingVectorizer::params()
        .n_features(1 << 12)
        .build()
        .unwrap();
    let sgd = SGDClassifier::params()
        .random_state(Some(0))
        .build()
        .unwrap();
    let lr = LogisticRegression::params().build().unwrap();
    let pipe1 = Pipeline::new(("vect", vect.clone()), ("sgd", Chained::new(sgd)));
    let pipe2 = Pipeline::new(("vect", vect), ("lr", Averaged::new(lr)));
    let params = if classes {
        FitParams::new().classes(vec![0i8, 1])
    } else {
        FitParams::new()
    };
    let fit1 = pipe1.fit(&split.x_train, &split.y_train, params).unwrap();
    let fit2 = pipe2
        .fit(&split.x_train, &split.y_train, FitParams::new())
        .unwrap();
    let s1 = fit1.score(&split.x_test, &split.y_test).unwrap();
    let s2 = fit2.score(&split.x_test, &split.y_test).unwrap();
    let (a, b, m) = (&s1, &s2, fit1.model())
        .compute_with(sched, &[prof])
        .unwrap();
    let coef = m.coef_().unwrap().iter().map(|v| v.to_bits()).collect();
    (a, b, coef)
}

#[test]
fn same_bits_with_everything_spilled() {
    for classes in [true, false] {
        let want = scores(&Sequential, classes, &Profiler::new());
        for workers in [1, 2] {
            let prof = Profiler::new();
            let got = scores(&Threaded::new(workers).memory_limit(0), classes, &prof);
            assert_eq!(got, want, "{workers} workers, classes {classes}");
            let (written, read) = prof.spill_bytes();
            assert!(written > 0, "nothing spilled");
            assert!(read <= written);
            // Every kind of intermediate went to disk at least once.
            let names: std::collections::BTreeSet<String> = prof
                .spills()
                .iter()
                .map(|r| r.key.name().to_string())
                .collect();
            for want in ["hashingvectorizer", "train-y", "split-mask"] {
                assert!(
                    names.iter().any(|n| n.contains(want)),
                    "{want} not spilled: {names:?}"
                );
            }
        }
    }
}
