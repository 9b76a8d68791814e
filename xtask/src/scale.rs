//! `cargo xtask scale`: the job over the corpus streamed K times, to show
//! memory stays flat and time grows linearly with the data.
//!
//! The graph is the main job's fit (Chained SGD and Averaged LR over every
//! training chunk of every copy) with an out-of-core score: each test chunk
//! is vectorized as soon as it is split off and its features are spilled to
//! a file under `target/dklearn/` (deleted after use), then read back and
//! predicted by one task per chunk once both models exist, so no chunk of
//! text or features waits in memory for the fits to finish and every file is
//! parsed once. Each K runs in a child process so its peak RSS is its own.

use crate::Msg;
use dklearn_estimators::{LogisticRegression, Predict, SGDClassifier};
use dklearn_executor::{peak_rss_bytes, Threaded};
use dklearn_graph::{downcast_input, Compute, Delayed, GraphBuilder, Key, TaskError};
use dklearn_lazy::{transform_chunks, Averaged, AveragedFit, Chained, FitParams};
use dklearn_reuters::{documents_copies, sgd, vectorizer, JobConfig};
use dklearn_sparse::CsrMatrix;
use dklearn_text::ReutersDocument;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// Flags of `cargo xtask scale`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Copies of the corpus, one run each: a list such as `1,4,16,64`.
    #[arg(long, default_value = "1,4,16,64", value_delimiter = ',')]
    pub copies: Vec<u64>,
    /// Print a JSON array: [{"copies","docs","bytes","wall_s","peak_rss_mb",...}].
    #[arg(long)]
    pub json: bool,
    /// Reuters-21578 directory.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Run one K in this process and print its JSON object (used by the series).
    #[arg(long, hide = true)]
    pub one: bool,
    /// With `--one`: write the task/memory profile of the run to this HTML file.
    #[arg(long)]
    pub profile: Option<PathBuf>,
}

/// The directory of one run's spill files, removed with everything in it
/// when the run ends (also on error).
struct SpillDir {
    path: PathBuf,
}

impl SpillDir {
    /// `target/dklearn/spill-<pid>` of the workspace; first removes the
    /// spill directories of runs that were killed (their process is gone).
    fn create() -> crate::Result<SpillDir> {
        let parent = crate::data::workspace_root().join("target/dklearn");
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for e in entries.flatten() {
                let name = e.file_name();
                let Some(pid) = name.to_str().and_then(|n| n.strip_prefix("spill-")) else {
                    continue;
                };
                if !std::path::Path::new("/proc").join(pid).exists() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let path = parent.join(format!("spill-{}", std::process::id()));
        std::fs::create_dir_all(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(SpillDir { path })
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

const SPILL_MAGIC: &[u8; 8] = b"DKSPILL1";

/// Writes a chunk's features and labels: magic, `n_rows`, `n_cols`, `nnz`
/// (u64 LE), `indptr` (u64 LE), `indices` (u32 LE), `data` (f64 bits LE),
/// labels (one byte each).
fn write_spill(path: &std::path::Path, x: &CsrMatrix, y: &[i8]) -> Result<(), TaskError> {
    let err = |e: String| TaskError::new(format!("spill {}: {e}", path.display()));
    if y.len() != x.n_rows() {
        return Err(err(format!("{} rows but {} labels", x.n_rows(), y.len())));
    }
    let mut buf: Vec<u8> = Vec::with_capacity(32 + 8 * (x.n_rows() + 1) + 12 * x.nnz() + y.len());
    buf.extend_from_slice(SPILL_MAGIC);
    for n in [x.n_rows(), x.n_cols(), x.nnz()] {
        buf.extend_from_slice(&(n as u64).to_le_bytes());
    }
    for &p in x.indptr() {
        buf.extend_from_slice(&(p as u64).to_le_bytes());
    }
    for &j in x.indices() {
        let j = u32::try_from(j).map_err(|_| err(format!("column {j} does not fit u32")))?;
        buf.extend_from_slice(&j.to_le_bytes());
    }
    for &v in x.data() {
        buf.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    buf.extend(y.iter().map(|&l| l as u8));
    std::fs::write(path, &buf).map_err(|e| caused(path, e))
}

/// A spill error naming the file, keeping its cause as the source.
fn caused(path: &std::path::Path, e: impl std::error::Error + Send + Sync + 'static) -> TaskError {
    TaskError::with_source(format!("spill {}: {e}", path.display()), e)
}

/// Reads back what [`write_spill`] wrote, checking every length and the CSR
/// invariants.
fn read_spill(path: &std::path::Path) -> Result<(CsrMatrix, Vec<i8>), TaskError> {
    let err = |e: String| TaskError::new(format!("spill {}: {e}", path.display()));
    let bytes = std::fs::read(path).map_err(|e| caused(path, e))?;
    let mut rest = bytes
        .strip_prefix(SPILL_MAGIC)
        .ok_or_else(|| err("not a spill file".into()))?;
    let mut take = |n: usize| -> Result<&[u8], TaskError> {
        if rest.len() < n {
            return Err(err("truncated".into()));
        }
        let (a, b) = rest.split_at(n);
        rest = b;
        Ok(a)
    };
    let mut header = [0usize; 3];
    for h in &mut header {
        let v = u64::from_le_bytes(take(8)?.try_into().expect("8 bytes"));
        *h = usize::try_from(v).map_err(|_| err("size does not fit usize".into()))?;
    }
    let [n_rows, n_cols, nnz] = header;
    // Sizes from the header are checked before any arithmetic on them.
    let bytes_of = |n: usize, width: usize| -> Result<usize, TaskError> {
        n.checked_mul(width)
            .ok_or_else(|| err(format!("{n} elements of {width} bytes overflow")))
    };
    let indptr_len = n_rows
        .checked_add(1)
        .ok_or_else(|| err("row count overflows".into()))?;
    let indptr: Vec<usize> = take(bytes_of(indptr_len, 8)?)?
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")) as usize)
        .collect();
    let indices: Vec<usize> = take(bytes_of(nnz, 4)?)?
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")) as usize)
        .collect();
    let data: Vec<f64> = take(bytes_of(nnz, 8)?)?
        .chunks_exact(8)
        .map(|c| f64::from_bits(u64::from_le_bytes(c.try_into().expect("8 bytes"))))
        .collect();
    let labels: Vec<i8> = take(n_rows)?.iter().map(|&b| b as i8).collect();
    if !rest.is_empty() {
        return Err(err(format!("{} bytes after the labels", rest.len())));
    }
    let x = CsrMatrix::try_from_csr(n_rows, n_cols, indptr, indices, data)
        .map_err(|e| caused(path, e))?;
    Ok((x, labels))
}

/// One run of the series.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Row {
    pub copies: u64,
    pub docs: usize,
    pub bytes: u64,
    pub wall_s: f64,
    pub peak_rss_mb: f64,
    pub docs_per_s: f64,
    pub mb_per_s: f64,
    pub n_train: usize,
    pub n_test: usize,
    pub chained_sgd: f64,
    pub averaged_lr: f64,
}

type Lr = LogisticRegression<i8>;

/// Hits of both models and the count of one test chunk.
type Hits = (usize, usize, usize);

fn run_one(
    cfg: &JobConfig,
    copies: u64,
    workers: usize,
    profile: Option<&std::path::Path>,
) -> crate::Result<Row> {
    let t0 = Instant::now();
    let docs = documents_copies(&cfg.files, copies);
    let n_docs: Delayed<usize> = docs.reduction(
        "count-docs",
        |p: &[ReutersDocument]| p.len(),
        |c| c.iter().copied().sum(),
    );
    let split = dklearn_reuters::split(&docs, cfg).msg()?;
    let vect = vectorizer().msg()?;
    let xt = transform_chunks(&vect, &split.x_train);
    let fit1 = Chained::new(sgd(cfg).msg()?)
        .fit(&xt, &split.y_train, &FitParams::new().classes(vec![0i8, 1]))
        .msg()?;
    let lr: Lr = LogisticRegression::params().build().msg()?;
    let fit2 = Averaged::new(lr).fit(&xt, &split.y_train).msg()?;
    let n_train: Delayed<usize> =
        Delayed::gather(split.y_train.chunks(), "count-train", &(), |c| {
            Ok(c.iter().map(|v| v.len()).sum())
        });

    // Out-of-core scoring. A test chunk is vectorized as soon as it is
    // split off and its features are spilled to a file (freeing the text and
    // the features); one task per chunk reads the file back once both models
    // exist, predicts and deletes it. Nothing waits in memory for the fits.
    let spill = SpillDir::create()?;
    let xs = transform_chunks(&vect, &split.x_test);
    let mut b = GraphBuilder::new();
    b.merge(&fit1);
    b.merge(&fit2);
    let mut hits: Vec<Key> = Vec::new();
    for (i, (xc, yc)) in xs.chunks().iter().zip(split.y_test.chunks()).enumerate() {
        b.merge(xc);
        b.merge(yc);
        let path = spill.path.join(format!("test-{i}.bin"));
        let name = path.to_string_lossy().into_owned();
        let p = path.clone();
        let spilled = b.task("spill-test", &name, &[xc.key(), yc.key()], move |v| {
            let x = downcast_input::<CsrMatrix>(&v[0])?;
            let y = downcast_input::<Vec<i8>>(&v[1])?;
            write_spill(&p, x, y)?;
            Ok(p.clone())
        });
        hits.push(b.task(
            "score-spilled",
            &name,
            &[fit1.key(), fit2.key(), &spilled],
            |v| {
                let m1 = downcast_input::<SGDClassifier<i8>>(&v[0])?;
                let m2 = downcast_input::<AveragedFit<Lr>>(&v[1])?;
                let path = downcast_input::<PathBuf>(&v[2])?;
                let (xt, truth) = read_spill(path)?;
                std::fs::remove_file(path)
                    .map_err(|e| TaskError::new(format!("{}: {e}", path.display())))?;
                if truth.is_empty() {
                    return Ok((0, 0, 0));
                }
                let e = |e: dklearn_estimators::Error| TaskError::new(e.to_string());
                let p1 = m1.predict(&xt).map_err(e)?;
                let p2 = m2.predict(&xt).map_err(e)?;
                let h = |p: &[i8]| p.iter().zip(&truth).filter(|(a, b)| a == b).count();
                Ok((h(&p1), h(&p2), truth.len()))
            },
        ));
    }
    let refs: Vec<&Key> = hits.iter().collect();
    let total = b.task("stream-score-sum", &(), &refs, |v| {
        let mut a: Hits = (0, 0, 0);
        for p in v {
            let p = downcast_input::<Hits>(p)?;
            a = (a.0 + p.0, a.1 + p.1, a.2 + p.2);
        }
        Ok(a)
    });
    let scores: Delayed<Hits> = b.delayed(total);
    let prof = dklearn_executor::Profiler::new();
    let rprof = dklearn_executor::ResourceProfiler::new(std::time::Duration::from_millis(20));
    let callbacks: Vec<&dyn dklearn_graph::Callback> = if profile.is_some() {
        vec![&prof, &rprof]
    } else {
        Vec::new()
    };
    let (n_docs, n_train, (h1, h2, n_test)) = (&n_docs, &n_train, &scores)
        .compute_with(&Threaded::new(workers), &callbacks)
        .map_err(|e| e.to_string())?;
    if let Some(path) = profile {
        dklearn_executor::visualize(&[(&prof).into(), (&rprof).into()], path)
            .map_err(|e| e.to_string())?;
    }
    let wall_s = t0.elapsed().as_secs_f64();
    let file_bytes: u64 = cfg
        .files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let bytes = file_bytes * copies;
    let n_test_f = n_test.max(1) as f64;
    Ok(Row {
        copies,
        docs: n_docs,
        bytes,
        wall_s,
        peak_rss_mb: peak_rss_bytes().map_or(0.0, |b| b as f64 / 1e6),
        docs_per_s: n_docs as f64 / wall_s,
        mb_per_s: bytes as f64 / 1e6 / wall_s,
        n_train,
        n_test,
        chained_sgd: h1 as f64 / n_test_f,
        averaged_lr: h2 as f64 / n_test_f,
    })
}

pub(crate) fn run(args: Args) -> crate::Result<()> {
    let dir = crate::data::find_reuters(args.data.as_deref())?;
    let cfg = JobConfig::new(&dir, "acq", 0).msg()?;
    let workers = args
        .workers
        .unwrap_or_else(crate::reproduce::default_workers)
        .max(1);
    if args.copies.is_empty() || args.copies.contains(&0) {
        return Err("--copies needs one or more counts >= 1, e.g. 1,4,16,64".into());
    }
    if args.one {
        let row = run_one(&cfg, args.copies[0], workers, args.profile.as_deref())?;
        println!(
            "{}",
            serde_json::to_string(&row).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let me = std::env::current_exe().map_err(|e| format!("cannot locate the xtask binary: {e}"))?;
    let mut rows = Vec::new();
    if !args.json {
        println!("| copies | documents | SGML | wall | per copy | docs/s | MB/s | peak RSS | Chained SGD | Averaged LR |");
        println!("|---|---|---|---|---|---|---|---|---|---|");
    }
    for &k in &args.copies {
        let out = Command::new(&me)
            .args([
                "scale",
                "--one",
                "--copies",
                &k.to_string(),
                "--workers",
                &workers.to_string(),
            ])
            .arg("--data")
            .arg(&dir)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", me.display()))?;
        if !out.status.success() {
            return Err(format!(
                "scale --copies {k} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let row: Row = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("scale --copies {k}: unreadable output: {e}"))?;
        if !args.json {
            println!(
                "| {} | {} | {:.0} MB | {:.2} s | {:.3} s | {:.0} | {:.0} | {:.0} MB | {:.4} | {:.4} |",
                row.copies,
                row.docs,
                row.bytes as f64 / 1e6,
                row.wall_s,
                row.wall_s / row.copies as f64,
                row.docs_per_s,
                row.mb_per_s,
                row.peak_rss_mb,
                row.chained_sgd,
                row.averaged_lr
            );
        }
        rows.push(row);
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&rows).map_err(|e| e.to_string())?
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dklearn-spill-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn spill_round_trips_bit_for_bit() {
        let x = CsrMatrix::try_from_csr(
            3,
            1 << 18,
            vec![0, 2, 2, 5],
            vec![1, 262_143, 0, 7, 100_000],
            vec![0.5, -1e-300, f64::MIN_POSITIVE, 1.0 / 3.0, 2.0],
        )
        .unwrap();
        let y = vec![1i8, 0, -1];
        let p = tmp("round-trip.bin");
        write_spill(&p, &x, &y).unwrap();
        let (x2, y2) = read_spill(&p).unwrap();
        assert_eq!(x2.shape(), x.shape());
        assert_eq!(x2.indptr(), x.indptr());
        assert_eq!(x2.indices(), x.indices());
        let bits = |m: &CsrMatrix| m.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&x2), bits(&x));
        assert_eq!(y2, y);

        // Empty chunk.
        let p0 = tmp("empty.bin");
        write_spill(&p0, &CsrMatrix::zeros(0, 16), &[]).unwrap();
        let (e, l) = read_spill(&p0).unwrap();
        assert_eq!((e.shape(), l.len()), ((0, 16), 0));
    }

    #[test]
    fn bad_spill_files_are_errors_naming_the_file() {
        let x = CsrMatrix::try_from_csr(1, 4, vec![0, 1], vec![2], vec![1.0]).unwrap();
        let p = tmp("bad.bin");
        assert!(write_spill(&p, &x, &[1, 0]).is_err(), "labels != rows");
        write_spill(&p, &x, &[1]).unwrap();
        let good = std::fs::read(&p).unwrap();
        for (what, bytes) in [
            ("truncated", good[..good.len() - 1].to_vec()),
            ("trailing", [good.as_slice(), b"x"].concat()),
            ("magic", [b"NOTSPILL".as_slice(), &good[8..]].concat()),
        ] {
            std::fs::write(&p, bytes).unwrap();
            let e = read_spill(&p).unwrap_err().to_string();
            assert!(e.contains("bad.bin"), "{what}: {e}");
        }
        // An index beyond the columns fails the CSR checks (the cause is kept).
        let mut bad = good.clone();
        let at = 8 + 24 + 16; // the one index
        bad[at..at + 4].copy_from_slice(&9u32.to_le_bytes());
        std::fs::write(&p, bad).unwrap();
        let e = read_spill(&p).unwrap_err();
        let cause = std::error::Error::source(&e)
            .and_then(|c| c.downcast_ref::<dklearn_sparse::Error>())
            .expect("the sparse error is the cause");
        assert!(
            matches!(cause.kind(), dklearn_sparse::ErrorKind::InvalidStructure(_)),
            "{cause}"
        );
        let e = read_spill(&tmp("missing.bin")).unwrap_err();
        assert!(e.to_string().contains("missing.bin"), "{e}");
        let io = std::error::Error::source(&e).and_then(|c| c.downcast_ref::<std::io::Error>());
        assert_eq!(io.map(|e| e.kind()), Some(std::io::ErrorKind::NotFound));
        // Header sizes that overflow are errors, not panics.
        for header in [[u64::MAX, 4, 1], [1, 4, u64::MAX], [u64::MAX / 4, 4, 1]] {
            let mut bytes = SPILL_MAGIC.to_vec();
            for h in header {
                bytes.extend_from_slice(&h.to_le_bytes());
            }
            std::fs::write(&p, &bytes).unwrap();
            assert!(read_spill(&p).unwrap_err().to_string().contains("bad.bin"));
        }
    }
}
