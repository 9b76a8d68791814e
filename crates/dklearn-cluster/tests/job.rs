//! The Reuters job (on generated SGML) on clusters of 2 and 3 processes:
//! the same scores, bit for bit, as the threaded scheduler, and the chained
//! model crossing processes at most P-1 times.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use dklearn_cluster::Cluster;
use dklearn_executor::Threaded;
use dklearn_reuters::{build, JobConfig};

/// Six small SGML files of acquisition and grain stories (one chunk each).
fn corpus() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dklearn-cluster-job-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut id = 0;
    for f in 0..6 {
        let mut s = String::from("<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n");
        for i in 0..40 {
            id += 1;
            let (topic, body) = match (i * 7 + f) % 5 {
                0 | 1 => (
                    "<D>acq</D>",
                    "company agreed to acquire the stake shares merger",
                ),
                2 | 3 => ("<D>grain</D>", "wheat crop harvest tonnes exports grain"),
                _ => (
                    "<D>acq</D><D>grain</D>",
                    "stake in a grain exporter acquired",
                ),
            };
            s.push_str(&format!(
                "<REUTERS TOPICS=\"YES\" LEWISSPLIT=\"TRAIN\" CGISPLIT=\"TRAINING-SET\" NEWID=\"{id}\">\n\
                 <TOPICS>{topic}</TOPICS>\n<TEXT>\n<TITLE>DOC {id}</TITLE>\n\
                 <BODY>{body} number {id} item {i}\n</BODY></TEXT>\n</REUTERS>\n"
            ));
        }
        std::fs::write(dir.join(format!("reut2-{f:03}.sgm")), s).unwrap();
    }
    dir
}

#[test]
fn worker_process() {
    let Some((role, cfg, extra)) = common::worker_setup() else {
        return;
    };
    assert_eq!(role, "job");
    let cluster = Cluster::new(cfg);
    let job = build(&JobConfig::new(std::path::Path::new(&extra), "acq", 3).unwrap()).unwrap();
    match job.compute(&cluster, &[]) {
        Ok(r) => {
            let rep = cluster.last_report().unwrap();
            let models = rep
                .sent
                .iter()
                .filter(|s| s.key.name() == "partial_fit")
                .count();
            let chunks = rep
                .sent
                .iter()
                .filter(|s| s.key.name() == "hashingvectorizer")
                .count();
            println!(
                "@@OK {:x} {:x} {} {} models {models} chunks {chunks} bytes {}",
                r.chained_sgd.to_bits(),
                r.averaged_lr.to_bits(),
                r.n_train,
                r.n_test,
                rep.bytes_sent()
            );
        }
        Err(e) => println!("@@ERR {e}"),
    }
    std::process::exit(0);
}

#[test]
fn threaded_2_and_2x1_and_3x1_give_the_same_bits() {
    let dir = corpus();
    let job = build(&JobConfig::new(&dir, "acq", 3).unwrap()).unwrap();
    let r = job.compute(&Threaded::new(2), &[]).unwrap();
    let want = format!(
        "OK {:x} {:x} {} {}",
        r.chained_sgd.to_bits(),
        r.averaged_lr.to_bits(),
        r.n_train,
        r.n_test
    );
    for processes in [2, 3] {
        let (mut children, _) = common::spawn("job", processes, 1, &dir.display().to_string());
        let results = common::wait_all(&mut children, Duration::from_secs(120));
        for (p, (ok, lines, _)) in results.iter().enumerate() {
            assert!(ok, "process {p} of {processes} crashed");
            let last = lines.last().cloned().unwrap_or_default();
            assert!(
                last.starts_with(&want),
                "process {p} of {processes}: {last} (want {want})"
            );
            let words: Vec<&str> = last.split(' ').collect();
            assert_eq!(words[8], "0", "a feature chunk crossed processes: {last}");
        }
        // The chain: each partial_fit reads the previous model; count the
        // steps whose previous model was made on another process.
        let (graph, _) = dklearn_graph::merge_graphs(&[
            job.fit1.as_any(),
            job.fit2.as_any(),
            job.score1.as_any(),
            job.score2.as_any(),
        ]);
        // The job is built by typed APIs only: every task records its
        // output type, so the cluster checks every crossing before running.
        let untyped: Vec<_> = graph
            .iter()
            .filter(|(_, t)| t.output_type().is_none())
            .map(|(k, _)| k.clone())
            .collect();
        assert!(
            untyped.is_empty(),
            "tasks without an output type: {untyped:?}"
        );
        let keys = [
            job.fit1.key().clone(),
            job.score1.key().clone(),
            job.score2.key().clone(),
        ];
        let home: std::collections::HashMap<_, _> =
            dklearn_cluster::placement(&graph, &keys, processes)
                .unwrap()
                .into_iter()
                .collect();
        let mut steps = 0;
        let mut crossings = 0;
        for (k, h) in &home {
            if k.name() != "partial_fit" {
                continue;
            }
            steps += 1;
            for d in graph.get(k).unwrap().deps() {
                if d.name() == "partial_fit" && home[d] != *h {
                    crossings += 1;
                }
            }
        }
        assert_eq!(steps, 6);
        assert!(
            (1..processes).contains(&crossings),
            "the chained model crossed {crossings} times on {processes} processes"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
