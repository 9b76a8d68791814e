"""The search of `cargo xtask search` in scikit-learn alone (and, with --dask, timed with dask-ml's GridSearchCV),
for `cargo xtask search --vs-sklearn [--vs-dask]`.

Same data and training part as dklearn (sklearn_job.py's parser, chunks and per-chunk masks
RandomState([seed, i]).rand(n) < 1 - test_size), partition-level 3-fold (fold k tests the training parts of the files
i with i % 3 == k), grid in ParameterGrid order. For each candidate and fold, as GridSearchCV would: a fresh
HashingVectorizer(alternate_sign=False, n_features, ngram_range) vectorizes that fold's data, SGDClassifier(
random_state=seed, alpha, loss).partial_fit runs over the training parts in file order (classes=[0, 1]; empty parts
skipped, as dklearn's Chained does), the fold's score is the scorer's (--scoring, default accuracy) over all its
test rows together;
mean_test_score = np.average of the three.

--dask also times dask-ml's GridSearchCV(Pipeline(vect, sgd), grid, cv=<the same row sets>) on the threaded
scheduler: it shares the vectorizing like dklearn, but fits each candidate with SGDClassifier.fit on all training rows
(not a partial_fit chain over chunks), so its scores differ; it is a timing comparison only.

Run: python sklearn_search.py DATA_DIR [--topic acq] [--seed 0] [--scoring accuracy] [--dask] [--workers 2]
Prints one JSON object: {"mean_test_score": [...], "mean_test_score_bits": [IEEE bits, for an exact comparison
whatever the JSON reader's float parsing], "split_scores": [[...]], "params": [...], "wall_s": f,
"cpu_s": f, "vectorize_calls": n[, "dask_ml_wall_s": f, "dask_ml_cpu_s": f]}
(cpu_s: the process's CPU time, a fairer figure than wall time on a shared machine)
"""
import argparse, glob, json, os, sys, time

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn_job import parse, text  # noqa: E402

GRID = {
    "vect__n_features": [2**18, 2**20],
    "vect__ngram_range": [(1, 1), (1, 2)],
    "sgd__alpha": [1e-4, 1e-5, 1e-6],
    "sgd__loss": ["hinge", "log_loss"],
}


def training_parts(files, topic, seed, test_size):
    parts = []
    for i, f in enumerate(files):
        docs = parse(f)
        y = np.array([topic in d["labels"] for d in docs], dtype="i1")
        m = np.random.RandomState([seed, i]).rand(len(y)) < 1.0 - test_size
        parts.append(([text(d) for d, keep in zip(docs, m) if keep], y[m]))
    return parts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--topic", default="acq")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test-size", type=float, default=0.2)
    ap.add_argument("--dask", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated candidate indices (default: all)")
    ap.add_argument("--scoring", default="accuracy", help="a scikit-learn scorer name")
    a = ap.parse_args()
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import ParameterGrid

    files = sorted(glob.glob(os.path.join(a.data, "*.sgm")))
    if not files:
        raise SystemExit(f"no .sgm files in {a.data}")
    t0, c0 = time.perf_counter(), time.process_time()
    parts = training_parts(files, a.topic, a.seed, a.test_size)
    n_splits = 3
    cands = list(ParameterGrid(GRID))
    if a.only:
        cands = [cands[int(i)] for i in a.only.split(",")]
    split_scores, calls = [], 0
    scorer = get_scorer(a.scoring)
    for c in cands:
        scores = []
        for k in range(n_splits):
            vect = HashingVectorizer(alternate_sign=False, n_features=c["vect__n_features"],
                                     ngram_range=c["vect__ngram_range"])
            sgd = SGDClassifier(random_state=a.seed, alpha=c["sgd__alpha"], loss=c["sgd__loss"])
            for i, (docs, y) in enumerate(parts):
                if i % n_splits != k and len(y):
                    sgd.partial_fit(vect.transform(docs), y, classes=[0, 1])
                    calls += 1
            test = [(d, y) for i, (d, y) in enumerate(parts) if i % n_splits == k]
            xt = vect.transform([d for docs, _ in test for d in docs])
            calls += 1
            yt = np.concatenate([y for _, y in test])
            scores.append(float(scorer(sgd, xt, yt)))
        split_scores.append(scores)
    means = np.average(np.array(split_scores), axis=1)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = {"cpu_s": cpu, "params": [{k: list(v) if isinstance(v, tuple) else v for k, v in c.items()} for c in cands],
           "split_scores": split_scores, "mean_test_score": means.tolist(),
           "mean_test_score_bits": means.view(np.uint64).tolist(), "wall_s": wall,
           "vectorize_calls": calls}
    if a.dask:
        import dask
        from dask_ml.model_selection import GridSearchCV
        from sklearn.pipeline import Pipeline
        t1, c1 = time.perf_counter(), time.process_time()
        parts = training_parts(files, a.topic, a.seed, a.test_size)
        docs = np.array([d for p, _ in parts for d in p], dtype=object)
        y = np.concatenate([y for _, y in parts])
        owner = np.concatenate([np.full(len(yp), i) for i, (_, yp) in enumerate(parts)])
        cv = [(np.flatnonzero(owner % n_splits != k), np.flatnonzero(owner % n_splits == k))
              for k in range(n_splits)]
        pipe = Pipeline([("vect", HashingVectorizer(alternate_sign=False)),
                         ("sgd", SGDClassifier(random_state=a.seed))])
        with dask.config.set(scheduler="threads", num_workers=a.workers):
            GridSearchCV(pipe, GRID, cv=cv, refit=False).fit(docs, y)
        out["dask_ml_wall_s"] = time.perf_counter() - t1
        out["dask_ml_cpu_s"] = time.process_time() - c1
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
