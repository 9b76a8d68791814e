"""Parity fixtures for LogisticRegression(solver='liblinear') and MultinomialNB.

Writes into crates/dklearn-estimators/tests/fixtures/:

- logistic_{text,random}_{binary,3class}.json: a sparse X (CSR arrays), labels,
  and for several (C, tol, max_iter) scikit-learn's fitted coef_ (sparse rows),
  intercept_, n_iter_, decision_function, predict and predict_proba on X, and
  the estimator's repr. Binary problems use LogisticRegression(solver=
  'liblinear'); 3-class problems call sklearn.svm._base._fit_liblinear with
  the arguments LogisticRegression passes (liblinear's own one-vs-rest, which
  LogisticRegression 1.9.1 refuses for >2 classes), probabilities as
  _predict_proba_lr.
- logistic_synthetic_chunk.json: one 720 x 2**18 chunk of the benchmark's
  synthetic text-shaped data (SplitMix64 generator below, also written in
  Rust in the bench and the tests): fitted intercept_, n_iter_, coef_ norms,
  the largest weights and the first rows' decision values.
- nb_counts.json: MultinomialNB fit with several parameter sets and a
  sequence of partial_fit calls on word counts: class_count_, feature_count_,
  feature_log_prob_, class_log_prior_ and predictions on test rows.

Prints the time scikit-learn takes for 22 liblinear fits on the synthetic
chunks (the reference workload's shape).

Usage (called by `cargo xtask parity`):
    python xtask/parity/liblinear.py --root ROOT --xtask XTASK --data DATA
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm._base import _fit_liblinear

REGEN = "cargo xtask parity"
N_DECISION = 60  # rows of decision_function stored per case (keeps files < 200 KB)
MASK = np.uint64(0xFFFFFFFFFFFFFFFF)

# ---------------------------------------------------------------- synthetic data
GAMMA = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
N_FEATURES_SYN = 1 << 18
ROWS_SYN = 720
TOKENS_SYN = 57
TOPIC_SYN = 5
DRAWS_PER_ROW = 1 + 2 * TOKENS_SYN + TOPIC_SYN


def splitmix64(seed, idx):
    """Output number idx (0-based) of SplitMix64 started at `seed`."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (idx.astype(np.uint64) + np.uint64(1)) * GAMMA
        z = (z ^ (z >> np.uint64(30))) * M1
        z = (z ^ (z >> np.uint64(27))) * M2
        return z ^ (z >> np.uint64(31))


def synthetic_chunk(chunk):
    """Rows of ~57 tokens with a log-uniform (Zipf-like) rank, hashed to 2**18
    columns, counts l2-normalised; 1 in 4 rows is positive and gets 5 extra
    tokens from a 64-token topic. The Rust twin is in
    benches/benches/estimators_liblinear.rs and tests/logistic_parity.rs."""
    seed = 1000 + chunk
    d = splitmix64(seed, np.arange(ROWS_SYN * DRAWS_PER_ROW)).reshape(ROWS_SYN, DRAWS_PER_ROW)
    y = (d[:, 0] % np.uint64(4) == 0).astype(np.int64)
    bits = np.uint64(1) + d[:, 1 : 1 + TOKENS_SYN] % np.uint64(18)
    rank = d[:, 1 + TOKENS_SYN : 1 + 2 * TOKENS_SYN] % (np.uint64(1) << bits)
    topic = np.uint64(1 << 20) + d[:, 1 + 2 * TOKENS_SYN :] % np.uint64(64)
    with np.errstate(over="ignore"):
        cols = (rank * np.uint64(2654435761)) % np.uint64(N_FEATURES_SYN)
        tcols = (topic * np.uint64(2654435761)) % np.uint64(N_FEATURES_SYN)
    rows, cs = [], []
    for i in range(ROWS_SYN):
        c = list(cols[i])
        if y[i] == 1:
            c += list(tcols[i])
        rows += [i] * len(c)
        cs += c
    X = sp.coo_matrix(
        (np.ones(len(cs)), (np.array(rows), np.array(cs, dtype=np.int64))),
        shape=(ROWS_SYN, N_FEATURES_SYN),
    ).tocsr()
    X.sum_duplicates()
    X.sort_indices()
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sp.diags(1.0 / norms) @ X
    return X.tocsr(), y


# ---------------------------------------------------------------- small data sets
def text_docs(seed, n, n_topics):
    """Word-salad documents over a Zipfian vocabulary; topic k > 0 adds its
    own words. Returns (texts, topic per doc)."""
    rng = np.random.RandomState(seed)
    vocab = [f"w{i}" for i in range(400)]
    p = 1.0 / np.arange(1, 401)
    p /= p.sum()
    docs, topics = [], []
    for _ in range(n):
        t = rng.randint(n_topics)
        words = list(rng.choice(vocab, size=rng.randint(4, 18), p=p))
        if t > 0:
            words += [f"topic{t}x{j}" for j in rng.randint(0, 6, size=rng.randint(1, 4))]
        if rng.rand() < 0.1:  # label noise
            t = rng.randint(n_topics)
        rng.shuffle(words)
        docs.append(" ".join(words))
        topics.append(int(t))
    return docs, np.array(topics)


def csr_json(X):
    X = sp.csr_matrix(X)
    X.sort_indices()
    return {
        "n_rows": int(X.shape[0]),
        "n_cols": int(X.shape[1]),
        "indptr": [int(v) for v in X.indptr],
        "indices": [int(v) for v in X.indices],
        "data": [float(v) for v in X.data],
    }


def sparse_rows(W):
    out = []
    for row in np.atleast_2d(W):
        nz = np.flatnonzero(row)
        out.append({"indices": [int(j) for j in nz], "values": [float(row[j]) for j in nz]})
    return out


def proba_lr(dec):
    prob = 1.0 / (1.0 + np.exp(-dec))
    if prob.ndim == 1 or prob.shape[1] == 1:
        prob = prob.reshape(-1)
        return np.stack([1 - prob, prob], axis=1)
    s = prob.sum(axis=1)
    prob[s == 0, :] = 1
    s[s == 0] = prob.shape[1]
    return prob / s[:, None]


def logistic_fixture(name, X, y, configs):
    classes = np.unique(y)
    cases = []
    for k, (C, tol, max_iter) in enumerate(configs):
        est = LogisticRegression(solver="liblinear", C=C, tol=tol, max_iter=max_iter)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if len(classes) == 2:
                est.fit(X, y)
                coef, intercept, n_iter = est.coef_, est.intercept_, est.n_iter_
            else:
                coef, intercept, n_iter = _fit_liblinear(
                    X, y, C, True, 1.0, None, "l2", False, 0, max_iter, tol, None
                )
        dec = np.asarray(X @ coef.T) + intercept
        pred = classes[(dec[:, 0] > 0).astype(int)] if dec.shape[1] == 1 else classes[dec.argmax(axis=1)]
        case = {
            "C": C,
            "tol": tol,
            "max_iter": max_iter,
            "repr": repr(est),
            "coef": sparse_rows(coef),
            "intercept": [float(v) for v in intercept],
            "n_iter": [int(v) for v in n_iter],
            "decision": [[float(v) for v in r] for r in dec[:N_DECISION]],
            "predict": [int(v) for v in pred],
        }
        if k == 0:
            case["predict_proba"] = [[float(v) for v in r] for r in proba_lr(dec)]
        cases.append(case)
    return {
        "_regenerate": REGEN,
        "name": name,
        "X": csr_json(X),
        "y": [int(v) for v in y],
        "classes": [int(v) for v in classes],
        "cases": cases,
    }


def nb_fixture():
    docs, topics = text_docs(7, 160, 3)
    labels = np.array([10, 20, 30])[topics]
    hv = HashingVectorizer(n_features=2**8, alternate_sign=False, norm=None)
    X = hv.transform(docs)
    Xtr, ytr, Xte = X[:130], labels[:130], X[130:]
    fits = []
    for params in [
        {},
        {"alpha": 0.5, "fit_prior": False},
        {"alpha": 0.01, "class_prior": [0.2, 0.3, 0.5]},
        {"alpha": 2.0},
    ]:
        nb = MultinomialNB(**params).fit(Xtr, ytr)
        fits.append(nb_state(nb, params, Xte))
    # partial_fit: chunk 0 lacks class 30, given in `classes`
    order = np.argsort(ytr == 30, kind="stable")
    Xs, ys = Xtr[order], ytr[order]
    n0 = int((ys != 30).sum()) // 2
    bounds = [0, n0, 90, 130]
    nb = MultinomialNB(alpha=0.7)
    steps = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        nb.partial_fit(Xs[a:b], ys[a:b], classes=[10, 20, 30])
        steps.append(nb_state(nb, {"alpha": 0.7}, Xte) | {"rows": [a, b]})
    return {
        "_regenerate": REGEN,
        "X_train": csr_json(Xs),
        "y_train": [int(v) for v in ys],
        "X_fit": csr_json(Xtr),
        "y_fit": [int(v) for v in ytr],
        "X_test": csr_json(Xte),
        "fits": fits,
        "partial_fit_steps": steps,
    }


def fl(v):
    """A float for JSON: non-finite values (log of a zero count) as strings."""
    v = float(v)
    if np.isfinite(v):
        return v
    return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")


def nb_state(nb, params, Xte):
    return {
        "params": params,
        "repr": repr(nb),
        "classes": [int(v) for v in nb.classes_],
        "class_count": [fl(v) for v in nb.class_count_],
        "feature_count": [[fl(v) for v in r] for r in nb.feature_count_],
        "feature_log_prob": [[fl(v) for v in r] for r in nb.feature_log_prob_],
        "class_log_prior": [fl(v) for v in nb.class_log_prior_],
        "joint_log_proba": [[fl(v) for v in r] for r in nb.predict_joint_log_proba(Xte)],
        "predict_log_proba": [[fl(v) for v in r] for r in nb.predict_log_proba(Xte)],
        "predict_proba": [[fl(v) for v in r] for r in nb.predict_proba(Xte)],
        "predict": [int(v) for v in nb.predict(Xte)],
    }


def synthetic_fixture():
    X, y = synthetic_chunk(0)
    est = LogisticRegression(solver="liblinear").fit(X, y)
    w = est.coef_[0]
    top = np.argsort(-np.abs(w), kind="stable")[:40]
    dec = est.decision_function(X[:40])
    return {
        "_regenerate": REGEN,
        "chunk": 0,
        "n_rows": int(X.shape[0]),
        "nnz": int(X.nnz),
        "n_active_columns": int(np.unique(X.indices).size),
        "n_positive": int(y.sum()),
        "intercept": [float(v) for v in est.intercept_],
        "n_iter": [int(v) for v in est.n_iter_],
        "coef_l2": float(np.linalg.norm(w)),
        "coef_l1": float(np.abs(w).sum()),
        "top_indices": [int(j) for j in top],
        "top_values": [float(w[j]) for j in top],
        "decision_first_rows": [float(v) for v in dec],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--xtask", default="")
    ap.add_argument("--data", default="")
    args = ap.parse_args()
    out = Path(args.root) / "crates" / "dklearn-estimators" / "tests" / "fixtures"
    out.mkdir(parents=True, exist_ok=True)

    written = {}
    hv = HashingVectorizer(n_features=2**10, alternate_sign=True)
    docs, topics = text_docs(1, 150, 3)
    Xt = hv.transform(docs)
    bin_cfg = [(1.0, 1e-4, 100), (0.1, 1e-4, 100), (10.0, 1e-2, 100), (1.0, 1e-8, 100), (100.0, 1e-4, 3)]
    multi_cfg = [(1.0, 1e-4, 100), (10.0, 1e-6, 100)]
    ybin = np.where(topics == 1, 7, 3)
    written["logistic_text_binary.json"] = logistic_fixture("text_binary", Xt, ybin, bin_cfg)
    written["logistic_text_3class.json"] = logistic_fixture(
        "text_3class", Xt, np.array([-1, 2, 5])[topics], multi_cfg
    )
    rng = np.random.RandomState(2)
    Xr = sp.random(150, 2**10, density=0.01, format="csr", random_state=rng, data_rvs=rng.randn)
    wtrue = rng.randn(2**10)
    score = Xr @ wtrue + 0.3 * rng.randn(150)
    yr = (score > np.median(score)).astype(int)
    written["logistic_random_binary.json"] = logistic_fixture("random_binary", Xr, yr, bin_cfg)
    y3 = np.digitize(score, np.quantile(score, [0.33, 0.66]))
    written["logistic_random_3class.json"] = logistic_fixture("random_3class", Xr, y3, multi_cfg)
    written["logistic_synthetic_chunk.json"] = synthetic_fixture()
    written["nb_counts.json"] = nb_fixture()

    sizes = []
    for fname, obj in written.items():
        text = json.dumps(obj, separators=(",", ":"))
        if len(text) > 200_000:
            print(f"liblinear.py: {fname} is {len(text)} bytes (> 200 KB)", file=sys.stderr)
            return 1
        (out / fname).write_text(text + "\n")
        sizes.append(f"{fname} {len(text) // 1024} KB")

    chunks = [synthetic_chunk(c) for c in range(22)]
    t0 = time.perf_counter()
    iters = 0
    for X, y in chunks:
        est = LogisticRegression(solver="liblinear").fit(X, y)
        iters += int(est.n_iter_.sum())
    dt = time.perf_counter() - t0
    print(
        f"liblinear parity: wrote {len(written)} fixtures ({', '.join(sizes)}); "
        f"scikit-learn 22 synthetic 720x2**18 liblinear fits: {dt * 1000:.0f} ms, {iters} TRON iterations"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
