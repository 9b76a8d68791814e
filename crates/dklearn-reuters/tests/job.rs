//! The job on generated SGML: same bits on 1 and 2 workers, every document
//! accounted for, shared work run once, a broken file named in the error.

use dklearn_executor::Threaded;
use dklearn_graph::{Callback, Key};
use dklearn_reuters::{build, read_copy, JobConfig, JobResult};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

fn run_once(
    cfg: &JobConfig,
    workers: usize,
    callbacks: &[&dyn Callback],
) -> Result<JobResult, String> {
    build(cfg)
        .and_then(|job| job.compute(&Threaded::new(workers), callbacks))
        .map_err(|e| e.to_string())
}

/// Three small SGML files: documents about acquisitions or grain, a few
/// without any label (dropped, as the seed's `remove_empty_topics` does).
fn corpus(name: &str) -> (PathBuf, usize) {
    let dir = std::env::temp_dir().join(format!("dklearn-job-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut id = 0;
    let mut labelled = 0;
    for f in 0..3 {
        let mut s = String::from("<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n");
        for i in 0..60 {
            id += 1;
            let (topic, body) = match (i * 7 + f) % 5 {
                0 | 1 => (
                    "<D>acq</D>",
                    "company agreed to acquire the stake shares merger",
                ),
                2 | 3 => ("<D>grain</D>", "wheat crop harvest tonnes exports grain"),
                _ => ("", "no label at all here"),
            };
            if !topic.is_empty() {
                labelled += 1;
            }
            s.push_str(&format!(
                "<REUTERS TOPICS=\"YES\" LEWISSPLIT=\"TRAIN\" CGISPLIT=\"TRAINING-SET\" NEWID=\"{id}\">\n\
                 <TOPICS>{topic}</TOPICS>\n<TEXT>\n<TITLE>DOC {id} &lt;X&gt;</TITLE>\n\
                 <BODY>{body} number {id}\n</BODY></TEXT>\n</REUTERS>\n"
            ));
        }
        std::fs::write(dir.join(format!("reut2-{f:03}.sgm")), s).unwrap();
    }
    (dir, labelled)
}

#[derive(Default)]
struct Runs(Mutex<HashMap<String, usize>>);
impl Callback for Runs {
    fn pretask(&self, key: &Key, _worker: usize) {
        *self
            .0
            .lock()
            .unwrap()
            .entry(key.name().to_string())
            .or_default() += 1;
    }
}

#[test]
fn the_job_is_the_same_on_1_and_2_workers_and_shares_its_vectorizing() {
    let (dir, labelled) = corpus("workers");
    let cfg = JobConfig::new(&dir, "acq", 3).unwrap();
    let runs = Runs::default();
    let one = run_once(&cfg, 1, &[&runs]).unwrap();
    let two = run_once(&cfg, 2, &[]).unwrap();
    assert_eq!(
        one.n_train + one.n_test,
        labelled,
        "documents in == documents out"
    );
    assert_eq!(
        (one.chained_sgd.to_bits(), one.averaged_lr.to_bits()),
        (two.chained_sgd.to_bits(), two.averaged_lr.to_bits())
    );
    assert_eq!((one.n_train, one.n_test), (two.n_train, two.n_test));
    assert!(one.chained_sgd > 0.9 && one.averaged_lr > 0.9, "{one:?}");
    let runs = runs.0.lock().unwrap();
    // Both pipelines vectorize the same train and test chunks: once each.
    assert_eq!(runs["hashingvectorizer"], 2 * 3);
    assert_eq!(runs["read-reuters"], 3);
    assert_eq!(runs["partial_fit"], 3);
    assert_eq!(runs["fit-logisticregression"], 3);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_broken_file_fails_the_job_naming_the_file_and_line() {
    let (dir, _) = corpus("broken");
    let bad = dir.join("reut2-001.sgm");
    let mut text = std::fs::read_to_string(&bad).unwrap();
    text.truncate(text.len() - 40); // a document without </REUTERS>
    std::fs::write(&bad, text).unwrap();
    let cfg = JobConfig::new(&dir, "acq", 0).unwrap();
    let err = run_once(&cfg, 2, &[]).unwrap_err();
    assert!(err.contains("read-reuters-"), "{err}");
    assert!(err.contains("reut2-001.sgm"), "{err}");
    // The reader's error is kept, not just its text: job -> graph -> text.
    let err = build(&cfg)
        .and_then(|job| job.compute(&Threaded::new(2), &[]))
        .unwrap_err();
    let text = cause::<dklearn_text::Error>(&err).expect("the reader's error");
    assert!(
        matches!(text.kind(), dklearn_text::ErrorKind::Malformed { source, .. }
            if source.ends_with("reut2-001.sgm")),
        "{text:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The first error of type `T` in the `source()` chain of `e`.
fn cause<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(t) = e.downcast_ref::<T>() {
            return Some(t);
        }
        next = e.source();
    }
    None
}

#[test]
fn a_missing_file_is_an_io_error_behind_the_task_error() {
    let err = read_copy(std::path::Path::new("/nonexistent/reut2-000.sgm"), 0).unwrap_err();
    let text = cause::<dklearn_text::Error>(&err).expect("the reader's error");
    assert!(
        matches!(text.kind(), dklearn_text::ErrorKind::Io { .. }),
        "{text}"
    );
    let io = cause::<std::io::Error>(&err).expect("the OS error");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
}
