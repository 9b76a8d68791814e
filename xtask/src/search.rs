//! `cargo xtask search [--json]`: model parallelism on the Reuters job's
//! training part. `HashingVectorizer(alternate_sign=False)` ->
//! `Chained(SGDClassifier(random_state=seed))`, 24 candidates
//! (`vect__n_features` x `vect__ngram_range` x `sgd__alpha` x `sgd__loss`),
//! partition-level 3-fold (fold k tests the training partitions p with
//! p % 3 == k), classes [0, 1], all in one graph where equal work is one task.
//!
//! `--scoring NAME` picks scikit-learn's scorer (default `accuracy`;
//! `roc_auc` reads the SGD's decision_function; `neg_log_loss` needs
//! predict_proba, which the grid's hinge candidates lack: an error before
//! anything runs). `--memory-limit SIZE` bounds the values held between tasks
//! by spilling (same scores). The search runs on
//! `Threaded::strict_priority`, so candidates sharing a prefix finish one
//! after another and the prefix's features are freed before the next
//! prefix's are made (`--no-strict-priority` compares the default order).
//!
//! `--vs-sklearn` also runs the same search in scikit-learn
//! (`xtask/reference/sklearn_search.py`: the same loop, vectorizing each
//! fold's data per candidate as `GridSearchCV` would), checks every
//! mean_test_score is identical, and prints the wall-time ratio and the tasks
//! run with sharing against without; `--vs-dask` adds dask-ml's
//! `GridSearchCV` (row-level folds given as index lists, `fit` instead of the
//! `partial_fit` chain: a timing comparison only).

use crate::Msg;
use dklearn_estimators::model_selection::{params_repr, ParamGrid, ParamValue, PartitionKFold};
use dklearn_executor::{process_cpu_time, render_html, Profiler, ResourceProfiler};
use dklearn_graph::{Callback, Key, SpillEvent, SpillKind};
use dklearn_lazy::{Chained, FitParams, GridSearchCV, Pipeline, Scoring};
use dklearn_reuters::{documents, sgd, split, vectorizer, JobConfig};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Flags of `cargo xtask search`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Reuters-21578 directory (default: $DKLEARN_DATA, ../shared/data/reuters21578, ./data/reuters21578).
    #[arg(long)]
    pub(crate) data: Option<PathBuf>,
    /// Topic to classify.
    #[arg(long, default_value = "acq")]
    pub(crate) topic: String,
    /// Seed of the train/test split and of the SGD.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub(crate) workers: Option<usize>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub(crate) json: bool,
    /// Where to write the profile (HTML), with the task counts by name.
    #[arg(long, default_value = "target/dklearn/search-profile.html")]
    pub(crate) profile: PathBuf,
    /// Also run the same search in scikit-learn: scores must be identical; prints the wall ratio.
    #[arg(long)]
    pub(crate) vs_sklearn: bool,
    /// Also time dask-ml's GridSearchCV on the same row sets (needs --vs-sklearn).
    #[arg(long)]
    pub(crate) vs_dask: bool,
    /// The scorer, as scikit-learn names it: `accuracy`, `roc_auc`,
    /// `neg_log_loss` (needs predict_proba: not with the grid's hinge
    /// candidates), `f1_macro`...
    #[arg(long, default_value = "accuracy")]
    pub(crate) scoring: String,
    /// Keep the values between tasks under SIZE (`128MB`, `64MiB` or bytes)
    /// by spilling to `target/dklearn/spill` (see `Threaded::memory_limit`);
    /// the scores are the same bits.
    #[arg(long, value_name = "SIZE", value_parser = crate::size::parse_size)]
    pub(crate) memory_limit: Option<usize>,
    /// Run with the scheduler's default order (each worker's own ready
    /// tasks first) instead of `Threaded::strict_priority`, to compare
    /// memory: every candidate's chain then advances chunk by chunk at once.
    #[arg(long)]
    pub(crate) no_strict_priority: bool,
}

/// Counts task runs by key name, and spills (values written, bytes).
#[derive(Default)]
struct Counter(Mutex<BTreeMap<String, usize>>, Mutex<(usize, usize)>);

impl Callback for Counter {
    fn pretask(&self, key: &Key, _worker: usize) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry(key.name().to_string()).or_default() += 1;
    }
    fn spill(&self, event: &SpillEvent) {
        if event.kind == SpillKind::Spill {
            let mut s = self.1.lock().unwrap_or_else(|e| e.into_inner());
            s.0 += 1;
            s.1 += event.bytes;
        }
    }
}

/// The grid of the issue.
pub(crate) fn grid() -> ParamGrid {
    ParamGrid::new().grid([
        (
            "vect__n_features",
            vec![ParamValue::Int(1 << 18), ParamValue::Int(1 << 20)],
        ),
        (
            "vect__ngram_range",
            vec![ParamValue::Pair(1, 1), ParamValue::Pair(1, 2)],
        ),
        ("sgd__alpha", vec![1e-4.into(), 1e-5.into(), 1e-6.into()]),
        ("sgd__loss", vec!["hinge".into(), "log_loss".into()]),
    ])
}

/// A parameter value in JSON, as scikit-learn spells it (a pair as a list).
fn value_json(v: &ParamValue) -> Value {
    match v {
        ParamValue::Int(i) => json!(i),
        ParamValue::Float(f) => json!(f),
        ParamValue::Bool(b) => json!(b),
        ParamValue::Str(s) => json!(s),
        ParamValue::Pair(a, b) => json!([a, b]),
        ParamValue::None => Value::Null,
    }
}

fn params_json(p: &dklearn_estimators::model_selection::Params) -> Value {
    Value::Object(
        p.iter()
            .map(|(k, v)| (k.clone(), value_json(v)))
            .collect::<Map<String, Value>>(),
    )
}

/// What one search run gives.
pub(crate) struct Outcome {
    /// The `--json` object.
    pub(crate) json: Value,
    /// Mean test scores, in candidate order.
    pub(crate) means: Vec<f64>,
    /// Task runs by name with sharing.
    pub(crate) tasks_by_name: BTreeMap<String, usize>,
    /// Task runs by name if every (candidate, fold) were computed alone.
    pub(crate) unshared_by_name: BTreeMap<String, usize>,
    /// Seconds, build to results (no refit).
    pub(crate) wall_s: f64,
    /// The table of candidates.
    pub(crate) table: String,
    /// Process CPU seconds over the same span (all threads).
    pub(crate) cpu_s: Option<f64>,
    /// Values spilled to disk under `--memory-limit`, and their bytes.
    pub(crate) spilled: (usize, usize),
}

/// Builds and runs the search (no refit: the issue asks for the table and
/// the best; refit is the library's default elsewhere).
pub(crate) fn run_search(
    cfg: &JobConfig,
    workers: usize,
    scoring: &str,
    memory_limit: Option<usize>,
    strict_priority: bool,
    callbacks: &[&dyn Callback],
) -> crate::Result<Outcome> {
    let t0 = Instant::now();
    let c0 = process_cpu_time();
    let data = split(&documents(&cfg.files), cfg).msg()?;
    let pipe = Pipeline::new(
        ("vect", vectorizer().msg()?),
        ("sgd", Chained::new(sgd(cfg).msg()?)),
    );
    let search = GridSearchCV::new(pipe, grid(), PartitionKFold::new(3).msg()?)
        .fit_params(FitParams::new().classes(vec![0i8, 1]))
        .scoring(Scoring::parse(scoring).msg()?)
        .refit(false);
    let g = search.build_chunks(&data.x_train, &data.y_train).msg()?;
    let counter = Counter::default();
    let mut cbs: Vec<&dyn Callback> = vec![&counter];
    cbs.extend_from_slice(callbacks);
    let r = g
        .compute(
            &crate::scale::scheduler(workers, memory_limit).strict_priority(strict_priority),
            &cbs,
        )
        .msg()?;
    let wall_s = t0.elapsed().as_secs_f64();
    let cpu_s = match (c0, process_cpu_time()) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a).as_secs_f64()),
        _ => None,
    };
    // Without sharing: every (candidate, fold) its own graph, i.e. the
    // tasks each score needs, summed.
    let mut unshared: BTreeMap<String, usize> = BTreeMap::new();
    for k in g.keys() {
        let mut seen: HashSet<&Key> = HashSet::new();
        let mut stack = vec![k];
        while let Some(k) = stack.pop() {
            if !seen.insert(k) {
                continue;
            }
            *unshared.entry(k.name().to_string()).or_default() += 1;
            if let Some(t) = g.graph().get(k) {
                stack.extend(t.deps());
            }
        }
    }
    let spilled = *counter.1.lock().unwrap_or_else(|e| e.into_inner());
    let tasks_by_name = counter.0.into_inner().unwrap_or_else(|e| e.into_inner());
    let best = (0..r.params.len())
        .min_by_key(|&i| r.rank_test_score[i])
        .ok_or("no candidates")?;
    let candidates: Vec<Value> = (0..r.params.len())
        .map(|i| {
            json!({
                "params": params_json(&r.params[i]),
                "split_scores": r.split_test_scores[i],
                "mean_test_score": r.mean_test_score[i],
                "std_test_score": r.std_test_score[i],
            })
        })
        .collect();
    let json = json!({
        "candidates": candidates,
        "best_params": params_json(&r.params[best]),
        "best_score": r.mean_test_score[best],
        "tasks_run": tasks_by_name.values().sum::<usize>(),
        "tasks_by_name": tasks_by_name,
        "wall_s": wall_s,
    });
    Ok(Outcome {
        cpu_s,
        spilled,
        table: table(&r),
        json,
        means: r.mean_test_score.clone(),
        tasks_by_name,
        unshared_by_name: unshared,
        wall_s,
    })
}

/// The table of candidates: rank, mean ± std, split scores, parameters.
fn table(r: &dklearn_lazy::CvResults) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "  rank  mean_test  std_test  split scores                  params"
    );
    for i in 0..r.params.len() {
        let splits: Vec<String> = r.split_test_scores[i]
            .iter()
            .map(|v| format!("{v:.4}"))
            .collect();
        let _ = writeln!(
            s,
            "  {:>4}  {:.6}   {:.6}  {:<28}  {}",
            r.rank_test_score[i],
            r.mean_test_score[i],
            r.std_test_score[i],
            splits.join(" "),
            params_repr(&r.params[i])
        );
    }
    s
}

/// Text for HTML (task names are the user's).
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The executor's profile page plus a table of task runs by name, with
/// sharing and without.
fn profile_page(
    prof: &Profiler,
    rprof: &ResourceProfiler,
    shared: &BTreeMap<String, usize>,
    unshared: &BTreeMap<String, usize>,
) -> String {
    let html = render_html(&[prof.into(), rprof.into()]);
    let mut t = String::from(
        "<h2>Shared tasks</h2>\n<p>Task runs by name in this search (one graph: equal work is one task) \
         and what computing every (candidate, fold) alone would run.</p>\n\
         <table border=\"1\" cellpadding=\"4\"><tr><th>task</th><th>runs (shared)</th>\
         <th>runs (each candidate and fold alone)</th></tr>\n",
    );
    let names: std::collections::BTreeSet<&String> = shared.keys().chain(unshared.keys()).collect();
    for n in names {
        let _ = writeln!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(n),
            shared.get(n).copied().unwrap_or(0),
            unshared.get(n).copied().unwrap_or(0)
        );
    }
    let _ = writeln!(
        t,
        "<tr><th>total</th><th>{}</th><th>{}</th></tr>\n</table>",
        shared.values().sum::<usize>(),
        unshared.values().sum::<usize>()
    );
    match html.rfind("</body>") {
        Some(i) => format!("{}{t}{}", &html[..i], &html[i..]),
        None => html + &t,
    }
}

pub(crate) fn run(args: Args) -> crate::Result<()> {
    let dir = crate::data::find_reuters(args.data.as_deref())?;
    let cfg = JobConfig::new(&dir, &args.topic, args.seed).msg()?;
    let workers = args
        .workers
        .unwrap_or_else(crate::reproduce::default_workers)
        .max(1);
    let prof = Profiler::new();
    let rprof = ResourceProfiler::new(Duration::from_millis(20));
    let out = run_search(
        &cfg,
        workers,
        &args.scoring,
        args.memory_limit,
        !args.no_strict_priority,
        &[&prof, &rprof],
    )?;
    let root = crate::data::workspace_root();
    let path = if args.profile.is_absolute() {
        args.profile.clone()
    } else {
        root.join(&args.profile)
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let page = profile_page(&prof, &rprof, &out.tasks_by_name, &out.unshared_by_name);
    std::fs::write(&path, page).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    if args.json {
        println!("{}", serde_json::to_string(&out.json).msg()?);
    } else {
        println!(
            "dklearn search: Reuters-21578 training part ({} files), topic '{}', seed {}, {} workers",
            cfg.files.len(),
            cfg.topic,
            cfg.seed,
            workers
        );
        println!(
            "  Pipeline(vect=HashingVectorizer(alternate_sign=False), sgd=Chained(SGDClassifier(random_state={}))), \
             partition-level 3-fold (fold k = partitions p % 3 == k), classes [0, 1]",
            cfg.seed
        );
        println!(
            "  24 candidates x 3 folds in one graph, scoring '{}'\n",
            args.scoring
        );
        print!("{}", out.table);
        println!();
        println!(
            "  best: {} mean_test_score {}",
            out.json["best_params"], out.json["best_score"]
        );
        println!(
            "  tasks run: {} (each candidate and fold alone: {}); hashingvectorizer {} (alone: {})",
            out.tasks_by_name.values().sum::<usize>(),
            out.unshared_by_name.values().sum::<usize>(),
            out.tasks_by_name
                .get("hashingvectorizer")
                .copied()
                .unwrap_or(0),
            out.unshared_by_name
                .get("hashingvectorizer")
                .copied()
                .unwrap_or(0),
        );
        println!("  wall time: {:.3} s", out.wall_s);
        if let Some(limit) = args.memory_limit {
            println!(
                "  memory limit: {:.0} MB; spilled {} values ({:.0} MB)",
                limit as f64 / 1e6,
                out.spilled.0,
                out.spilled.1 as f64 / 1e6
            );
        }
        if let Some(b) = dklearn_executor::peak_rss_bytes() {
            println!("  peak RSS: {:.0} MB", b as f64 / 1e6);
        }
        println!("  profile: {}", path.display());
    }
    if args.vs_sklearn {
        compare(&dir, &cfg, &args.scoring, &out, args.vs_dask)?;
    }
    Ok(())
}

/// Runs the scikit-learn reference, checks every mean score, prints ratios.
fn compare(
    dir: &std::path::Path,
    cfg: &JobConfig,
    scoring: &str,
    out: &Outcome,
    dask: bool,
) -> crate::Result<()> {
    let mut extra = vec![
        "--topic".to_string(),
        cfg.topic.clone(),
        "--seed".to_string(),
        cfg.seed.to_string(),
        "--scoring".to_string(),
        scoring.to_string(),
    ];
    if dask {
        extra.push("--dask".into());
    }
    let refs: Vec<&str> = extra.iter().map(String::as_str).collect();
    let lines =
        crate::reference::run_script("xtask/reference/sklearn_search.py", dir, &refs, dask)?;
    let r = lines.first().ok_or("sklearn_search.py printed nothing")?;
    // Compared as IEEE bits: JSON float text may not parse to the same bits.
    let means: Vec<f64> = r["mean_test_score_bits"]
        .as_array()
        .ok_or("no mean_test_score_bits in the reference output")?
        .iter()
        .filter_map(Value::as_u64)
        .map(f64::from_bits)
        .collect();
    if means.len() != out.means.len() {
        return Err(format!(
            "scikit-learn gave {} candidates, dklearn {}",
            means.len(),
            out.means.len()
        ));
    }
    let differ: Vec<usize> = (0..means.len())
        .filter(|&i| means[i].to_bits() != out.means[i].to_bits())
        .collect();
    let sk = r["wall_s"].as_f64().unwrap_or(f64::NAN);
    eprintln!(
        "vs scikit-learn: {} of {} mean_test_score identical; wall {:.2} s (dklearn) vs {:.2} s (scikit-learn loop), ratio {:.2}x",
        means.len() - differ.len(),
        means.len(),
        out.wall_s,
        sk,
        sk / out.wall_s
    );
    let sk_cpu = r["cpu_s"].as_f64().unwrap_or(f64::NAN);
    if let Some(c) = out.cpu_s {
        eprintln!(
            "CPU time: {c:.2} s (dklearn, all threads) vs {sk_cpu:.2} s (scikit-learn), ratio {:.2}x",
            sk_cpu / c
        );
    }
    if let Some(d) = r.get("dask_ml_wall_s").and_then(Value::as_f64) {
        let dc = r["dask_ml_cpu_s"].as_f64().unwrap_or(f64::NAN);
        eprintln!(
            "vs dask-ml GridSearchCV (fit on rows, same row sets): wall {d:.2} s (ratio {:.2}x), CPU {dc:.2} s",
            d / out.wall_s
        );
    }
    let sum = |m: &BTreeMap<String, usize>| m.values().sum::<usize>();
    eprintln!(
        "tasks: {} with sharing, {} without; hashingvectorizer {} vs {}",
        sum(&out.tasks_by_name),
        sum(&out.unshared_by_name),
        out.tasks_by_name
            .get("hashingvectorizer")
            .copied()
            .unwrap_or(0),
        out.unshared_by_name
            .get("hashingvectorizer")
            .copied()
            .unwrap_or(0)
    );
    if !differ.is_empty() {
        return Err(format!(
            "mean_test_score differs from scikit-learn's for candidates {differ:?}"
        ));
    }
    Ok(())
}
