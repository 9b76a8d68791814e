"""Parity fixtures for model selection: splitters, parameter sampling, TfidfTransformer,
GridSearchCV and RandomizedSearchCV (scikit-learn 1.9.1).

Writes crates/dklearn-estimators/tests/fixtures/model_selection.json:
- KFold (plain and shuffled), StratifiedKFold (plain and shuffled), ShuffleSplit index sets;
- ParameterSampler candidates (lists only: permutation, tracking selection and reservoir
  sampling; and scipy's uniform / loguniform with lists);
- TfidfTransformer: idf_ and the transformed matrix under all 24 settings, fitted on the
  whole matrix (the Rust test fits it from per-chunk document counts);
and tests/fixtures/search.json of the crate holding the lazy layer (dklearn-lazy):
- GridSearchCV / RandomizedSearchCV over Pipeline(HashingVectorizer, TfidfTransformer,
  SGDClassifier) on in-memory synthetic text with KFold / StratifiedKFold / ShuffleSplit:
  every split score, mean/std test score, ranks and best_params_; scorings accuracy, f1_macro,
  roc_auc (decision_function; MultinomialNB: predict_proba[:, 1]), neg_log_loss and
  roc_auc_ovr on two classes; the multiclass ROC AUC scorers (ovr/ovo, macro/weighted) on
  three topics;
- the chunked search (Chained SGD over partitions, partition-level 3-fold) as a partial_fit loop
  scored with get_scorer(roc_auc / neg_log_loss / accuracy) on each fold's test rows together.

Floats are written as their IEEE bits (unsigned integers) so the comparison is bit-exact
whatever the JSON reader's float parsing.

numpy's float64 log/exp loops on AVX-512 CPUs call Intel's SVML, which differs from libm by
an ulp on ~0.3% of inputs; dklearn uses libm. The fixtures are generated with numpy's libm
loops (NPY_DISABLE_CPU_FEATURES below): this changes no scikit-learn code path, only which
log numpy calls. The script also reports how many idf_ values SVML would change.

Run by `cargo xtask parity` as: python model_selection.py --root ROOT [--xtask BIN --data DIR]
"""
import os
import sys

SVML_OFF = "X86_V4 AVX512_ICL AVX512_SPR"


def _has_avx512():
    try:
        with open("/proc/cpuinfo") as f:
            return "avx512f" in f.read()
    except OSError:
        return False


if _has_avx512() and os.environ.get("NPY_DISABLE_CPU_FEATURES") != SVML_OFF:
    os.environ["NPY_DISABLE_CPU_FEATURES"] = SVML_OFF
    os.execv(sys.executable, [sys.executable] + sys.argv)

import argparse
import json
import math
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.stats import loguniform, uniform
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import get_scorer
from sklearn.model_selection import (GridSearchCV, KFold, ParameterGrid, ParameterSampler,
                                     RandomizedSearchCV, ShuffleSplit, StratifiedKFold)
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import Pipeline

REGEN = "cargo xtask parity"


def bits(a):
    return np.ascontiguousarray(np.asarray(a, dtype=np.float64)).view(np.uint64).tolist()


def splits(cv, n, y=None):
    return [[tr.tolist(), te.tolist()] for tr, te in cv.split(np.zeros((n, 1)), y)]


def jsonable(v):
    if isinstance(v, tuple):
        return {"pair": list(v)}
    if isinstance(v, (bool, np.bool_)):
        return {"bool": bool(v)}
    if isinstance(v, (int, np.integer)):
        return {"int": int(v)}
    if isinstance(v, (float, np.floating)):
        return {"float": bits([v])[0]}
    if isinstance(v, str):
        return {"str": v}
    if v is None:
        return {"none": True}
    raise TypeError(v)


def params_json(p):
    return {k: jsonable(v) for k, v in sorted(p.items())}


def splitter_cases():
    out = []
    for n in (7, 10, 13):
        for k in (2, 3, 5):
            out.append({"cv": "kfold", "n": n, "n_splits": k, "seed": None,
                        "splits": splits(KFold(k), n)})
            for seed in (0, 42):
                out.append({"cv": "kfold", "n": n, "n_splits": k, "seed": seed,
                            "splits": splits(KFold(k, shuffle=True, random_state=seed), n)})
    rng = np.random.RandomState(5)
    for n, k in ((20, 3), (31, 4), (12, 2)):
        y = rng.choice([3, 1, 1, 2, 2, 2], size=n)
        for seed in (None, 0, 7):
            cv = StratifiedKFold(k) if seed is None else StratifiedKFold(k, shuffle=True,
                                                                         random_state=seed)
            out.append({"cv": "stratified", "n": n, "n_splits": k, "seed": seed,
                        "y": y.tolist(), "splits": splits(cv, n, y)})
    for n in (10, 20, 33):
        for test, train in ((None, None), (0.25, None), (5, None), (0.3, 0.5), (None, 0.6),
                            (None, 4)):
            for seed in (0, 3):
                cv = ShuffleSplit(4, test_size=test, train_size=train, random_state=seed)
                out.append({"cv": "shuffle", "n": n, "n_splits": 4, "seed": seed,
                            "test_size": jsonable(test), "train_size": jsonable(train),
                            "splits": splits(cv, n)})
    return out


def dist_json(d):
    if isinstance(d, list):
        return {"choice": [jsonable(v) for v in d]}
    name = d.dist.name
    if name == "uniform":
        return {"uniform": bits([d.kwds.get("loc", d.args[0] if d.args else 0.0),
                                 d.kwds.get("scale", d.args[1] if len(d.args) > 1 else 1.0)])}
    if name in ("loguniform", "reciprocal"):
        return {"loguniform": bits(list(d.args))}
    raise TypeError(d)


def sampler_cases():
    out = []
    lists = {"a": [1, 2, 3], "b": ["x", "y"], "c": [0.1, 0.2, 0.3, 0.4]}
    big = {"v": list(range(200))}
    spaces = [
        (lists, [1, 5, 24, 30]),
        (big, [1, 2, 150, 199, 200]),
        ({"alpha": loguniform(1e-6, 1e-2), "loss": ["hinge", "log_loss"],
          "eta0": uniform(0.1, 2.0), "ngram": [(1, 1), (1, 2), (2, 2)]}, [1, 7]),
    ]
    for space, iters in spaces:
        for n_iter in iters:
            for seed in (0, 11):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    cands = list(ParameterSampler(space, n_iter, random_state=seed))
                out.append({"space": {k: dist_json(v) for k, v in space.items()},
                            "n_iter": n_iter, "seed": seed,
                            "candidates": [params_json(c) for c in cands]})
    return out


def csr_json(x):
    x = sp.csr_matrix(x)
    x.sort_indices()
    return {"n_rows": x.shape[0], "n_cols": x.shape[1], "indptr": x.indptr.tolist(),
            "indices": x.indices.tolist(), "data": bits(x.data)}


def tfidf_cases():
    rng = np.random.RandomState(3)
    dense = rng.poisson(0.6, size=(30, 12)).astype(float)
    dense[:, 4] = 0.0  # a column no document has
    dense[7] = 0.0  # an empty document
    dense[:, 9] *= 2.5  # non-integer term weights
    x = sp.csr_matrix(dense)
    cases, libm_diff = [], 0
    for norm in ("l2", "l1", None):
        for use_idf in (True, False):
            for smooth in (True, False):
                for sub in (False, True):
                    t = TfidfTransformer(norm=norm, use_idf=use_idf, smooth_idf=smooth,
                                         sublinear_tf=sub).fit(x)
                    xt = t.transform(x)
                    idf = t.idf_ if use_idf else None
                    if idf is not None:
                        n = x.shape[0] + int(smooth)
                        df = np.bincount(x.indices, minlength=x.shape[1]) + float(smooth)
                        libm_diff += int(sum(math.log(n / d) + 1.0 != v
                                             for d, v in zip(df, idf)))
                    cases.append({"norm": norm, "use_idf": use_idf, "smooth_idf": smooth,
                                  "sublinear_tf": sub, "repr": repr(t),
                                  "idf": None if idf is None else bits(idf),
                                  "xt": csr_json(xt)})
    return {"x": csr_json(x), "chunks": [0, 11, 17, 30], "cases": cases}, libm_diff


def synthetic_text(n_docs, seed):
    """Documents from two topics sharing a common vocabulary (labels 0/1, imbalanced)."""
    rng = np.random.RandomState(seed)
    common = [f"word{i}" for i in range(120)]
    topics = [[f"t{k}term{i}" for i in range(30)] for k in range(2)]
    docs, labels = [], []
    for _ in range(n_docs):
        k = int(rng.rand() < 0.35)
        n = rng.randint(6, 20)
        words = [topics[k][rng.randint(30)] if rng.rand() < 0.3 else common[rng.randint(120)]
                 for _ in range(n)]
        if rng.rand() < 0.1:
            k = 1 - k  # label noise, so that scores differ between candidates
        docs.append(" ".join(words))
        labels.append(k)
    return docs, np.array(labels)


def synthetic_text_multi(n_docs, seed, k=3):
    """Documents from `k` topics sharing a common vocabulary (labels 0..k-1, imbalanced)."""
    rng = np.random.RandomState(seed)
    common = [f"word{i}" for i in range(120)]
    topics = [[f"t{t}term{i}" for i in range(30)] for t in range(k)]
    docs, labels = [], []
    for _ in range(n_docs):
        t = int(np.searchsorted(np.cumsum([0.5, 0.3, 0.2][:k]), rng.rand() * 0.999999))
        n = rng.randint(6, 20)
        words = [topics[t][rng.randint(30)] if rng.rand() < 0.3 else common[rng.randint(120)]
                 for _ in range(n)]
        if rng.rand() < 0.1:
            t = int(rng.randint(k))  # label noise
        docs.append(" ".join(words))
        labels.append(t)
    return docs, np.array(labels)


def pipeline(final="sgd"):
    last = (("sgd", SGDClassifier(random_state=0, max_iter=30, tol=None)) if final == "sgd"
            else ("nb", MultinomialNB()))
    return Pipeline([("vect", HashingVectorizer(alternate_sign=False)),
                     ("tfidf", TfidfTransformer()), last])


def cv_json(cv):
    if isinstance(cv, StratifiedKFold):
        return {"stratified": [cv.n_splits, cv.random_state]}
    if isinstance(cv, KFold):
        return {"kfold": [cv.n_splits, cv.random_state if cv.shuffle else None]}
    if isinstance(cv, ShuffleSplit):
        return {"shuffle": [cv.n_splits, cv.random_state], "test_size": jsonable(cv.test_size)}
    raise TypeError(cv)


def search_result(s, docs=None, y=None):
    docs, y = (SEARCH_DOCS, SEARCH_Y) if docs is None else (docs, y)
    r = s.cv_results_
    n = len(r["params"])
    k = s.n_splits_
    return {
        "params": [params_json(p) for p in r["params"]],
        "split_scores": [bits([r[f"split{i}_test_score"][c] for i in range(k)])
                         for c in range(n)],
        "mean_test_score": bits(r["mean_test_score"]),
        "std_test_score": bits(r["std_test_score"]),
        "rank_test_score": r["rank_test_score"].tolist(),
        "best_index": int(s.best_index_),
        "best_params": params_json(s.best_params_),
        "best_score": bits([s.best_score_])[0],
        "refit_train_score": bits([s.best_estimator_.score(docs, y)])[0],
    }


SEARCH_DOCS, SEARCH_Y = synthetic_text(90, 4)


def search_cases():
    grid = {"vect__n_features": [2**8, 2**10], "vect__ngram_range": [(1, 1), (1, 2)],
            "tfidf__use_idf": [True, False], "sgd__alpha": [1e-4, 1e-2],
            "sgd__loss": ["hinge", "log_loss"]}
    cvs = [KFold(3), KFold(3, shuffle=True, random_state=0), StratifiedKFold(3),
           StratifiedKFold(3, shuffle=True, random_state=1),
           ShuffleSplit(3, test_size=0.25, random_state=0)]
    out = []
    for cv in cvs:
        for scoring in ("accuracy", "f1_macro"):
            s = GridSearchCV(pipeline(), grid, cv=cv, scoring=scoring).fit(SEARCH_DOCS, SEARCH_Y)
            out.append({"kind": "grid", "space": {k: dist_json(v) for k, v in grid.items()},
                        "cv": cv_json(cv), "scoring": scoring, **search_result(s)})
    # Scorers that read decision_function / predict_proba (scikit-learn's response order:
    # roc_auc takes decision_function where the estimator has it, else predict_proba[:, 1]).
    small = {"vect__n_features": [2**8, 2**10], "sgd__alpha": [1e-4, 1e-2]}
    for scoring, losses, cvs in (
            ("roc_auc", ["hinge", "log_loss"],
             [KFold(3), StratifiedKFold(3, shuffle=True, random_state=1)]),
            ("neg_log_loss", ["log_loss", "modified_huber"],
             [KFold(3, shuffle=True, random_state=0), StratifiedKFold(3)])):
        g = {**small, "sgd__loss": losses}
        for cv in cvs:
            s = GridSearchCV(pipeline(), g, cv=cv, scoring=scoring).fit(SEARCH_DOCS, SEARCH_Y)
            out.append({"kind": "grid", "space": {k: dist_json(v) for k, v in g.items()},
                        "cv": cv_json(cv), "scoring": scoring, **search_result(s)})
    # MultinomialNB has no decision_function: roc_auc reads predict_proba[:, 1].
    nb_grid = {"tfidf__use_idf": [True, False], "nb__alpha": [0.1, 1.0]}
    for scoring in ("roc_auc", "neg_log_loss"):
        s = GridSearchCV(pipeline("nb"), nb_grid, cv=KFold(3), scoring=scoring)
        s.fit(SEARCH_DOCS, SEARCH_Y)
        out.append({"kind": "grid", "final": "nb",
                    "space": {k: dist_json(v) for k, v in nb_grid.items()},
                    "cv": cv_json(KFold(3)), "scoring": scoring, **search_result(s)})
    # roc_auc_ovr on two classes: the scorer passes predict_proba[:, 1].
    g = {**small, "sgd__loss": ["log_loss", "modified_huber"]}
    s = GridSearchCV(pipeline(), g, cv=KFold(3), scoring="roc_auc_ovr").fit(SEARCH_DOCS, SEARCH_Y)
    out.append({"kind": "grid", "space": {k: dist_json(v) for k, v in g.items()},
                "cv": cv_json(KFold(3)), "scoring": "roc_auc_ovr", **search_result(s)})
    dists = {"vect__n_features": [2**8, 2**10], "tfidf__sublinear_tf": [True, False],
             "sgd__alpha": loguniform(1e-5, 1e-1), "sgd__loss": ["hinge", "log_loss"]}
    for cv in (KFold(3), StratifiedKFold(4, shuffle=True, random_state=2)):
        s = RandomizedSearchCV(pipeline(), dists, n_iter=6, cv=cv, random_state=0)
        s.fit(SEARCH_DOCS, SEARCH_Y)
        out.append({"kind": "random", "space": {k: dist_json(v) for k, v in dists.items()},
                    "n_iter": 6, "seed": 0, "cv": cv_json(cv), "scoring": "accuracy",
                    **search_result(s)})
    return {"docs": SEARCH_DOCS, "y": SEARCH_Y.tolist(), "cases": out,
            "chunked": chunked_cases(), "multiclass": multiclass_cases()}


def multiclass_cases():
    """The multiclass ROC AUC scorers (predict_proba of SGD's one-vs-rest and of naive Bayes)
    on three topics, stratified so that every test fold holds every class."""
    docs, y = synthetic_text_multi(120, 5)
    small = {"vect__n_features": [2**8, 2**10], "sgd__alpha": [1e-4, 1e-2],
             "sgd__loss": ["log_loss", "modified_huber"]}
    out = []
    for scoring, cv in (("roc_auc_ovr", StratifiedKFold(3)),
                        ("roc_auc_ovo", StratifiedKFold(3, shuffle=True, random_state=1)),
                        ("roc_auc_ovr_weighted", StratifiedKFold(3, shuffle=True, random_state=2)),
                        ("roc_auc_ovo_weighted", StratifiedKFold(4))):
        s = GridSearchCV(pipeline(), small, cv=cv, scoring=scoring).fit(docs, y)
        out.append({"kind": "grid", "space": {k: dist_json(v) for k, v in small.items()},
                    "cv": cv_json(cv), "scoring": scoring, **search_result(s, docs, y)})
    nb_grid = {"tfidf__use_idf": [True, False], "nb__alpha": [0.1, 1.0]}
    s = GridSearchCV(pipeline("nb"), nb_grid, cv=StratifiedKFold(3), scoring="roc_auc_ovo")
    s.fit(docs, y)
    out.append({"kind": "grid", "final": "nb",
                "space": {k: dist_json(v) for k, v in nb_grid.items()},
                "cv": cv_json(StratifiedKFold(3)), "scoring": "roc_auc_ovo",
                **search_result(s, docs, y)})
    return {"docs": docs, "y": y.tolist(), "cases": out}


# Partition sizes of the chunked search (one empty partition: Chained passes the model through).
CHUNK_SIZES = [14, 9, 0, 16, 11, 13, 12]


def chunked_cases():
    """The chunked search (dklearn's Chained over partitions, PartitionKFold(3): fold k tests the
    partitions p with p % 3 == k), as a loop in scikit-learn: per candidate and fold, a fresh
    SGDClassifier.partial_fit over the training partitions in order (classes=[0, 1], empty ones
    skipped), then the scorer (get_scorer(name)) on all test rows together;
    mean/std of the split scores as GridSearchCV's cv_results_."""
    docs, y = synthetic_text(sum(CHUNK_SIZES), 9)
    bounds = np.concatenate([[0], np.cumsum(CHUNK_SIZES)])
    parts = [(docs[a:b], y[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    n_splits = 3
    out = []
    for scoring, losses in (("roc_auc", ["hinge", "log_loss"]),
                            ("neg_log_loss", ["log_loss", "modified_huber"]),
                            ("accuracy", ["hinge"])):
        grid = {"vect__n_features": [2**8, 2**10], "sgd__alpha": [1e-4, 1e-2],
                "sgd__loss": losses}
        cands = list(ParameterGrid(grid))
        scorer = get_scorer(scoring)
        split_scores = []
        for c in cands:
            vect = HashingVectorizer(alternate_sign=False, n_features=c["vect__n_features"])
            scores = []
            for k in range(n_splits):
                sgd = SGDClassifier(random_state=0, alpha=c["sgd__alpha"], loss=c["sgd__loss"])
                for i, (d, yp) in enumerate(parts):
                    if i % n_splits != k and len(yp):
                        sgd.partial_fit(vect.transform(d), yp, classes=[0, 1])
                test = [(d, yp) for i, (d, yp) in enumerate(parts) if i % n_splits == k]
                xt = vect.transform([t for d, _ in test for t in d])
                yt = np.concatenate([yp for _, yp in test])
                scores.append(float(scorer(sgd, xt, yt)))
            split_scores.append(scores)
        a = np.array(split_scores)
        means = np.average(a, axis=1)
        stds = np.sqrt(np.average((a - means[:, np.newaxis]) ** 2, axis=1))
        out.append({"scoring": scoring, "space": {k: dist_json(v) for k, v in grid.items()},
                    "params": [params_json(c) for c in cands],
                    "split_scores": [bits(r) for r in split_scores],
                    "mean_test_score": bits(means), "std_test_score": bits(stds)})
    return {"sizes": CHUNK_SIZES, "docs": docs, "y": y.tolist(), "cases": out}


def main():
    np.seterr(divide="ignore")  # smooth_idf=False on a column no document has: idf inf
    warnings.simplefilter("ignore", UserWarning)  # StratifiedKFold's small-class warning
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--xtask", default="")
    ap.add_argument("--data", default="")
    args = ap.parse_args()
    root = Path(args.root)
    tfidf, libm_diff = tfidf_cases()
    if libm_diff:
        print(f"model_selection parity: numpy's log differs from libm's on {libm_diff} idf_ "
              "values: its SVML loops are still on (NPY_DISABLE_CPU_FEATURES)", file=sys.stderr)
        return 1
    ms = {"_regenerate": REGEN, "sklearn_version": sklearn.__version__,
          "splitters": splitter_cases(), "samplers": sampler_cases(), "tfidf": tfidf}
    est = root / "crates/dklearn-estimators/tests/fixtures/model_selection.json"
    est.write_text(json.dumps(ms))
    written = [est]
    # The search fixture goes to the crate holding the lazy layer.
    lazy = root / "crates/dklearn-lazy"
    if not lazy.is_dir():
        lazy = root / "crates/dklearn-estimators"
    (lazy / "tests/fixtures").mkdir(parents=True, exist_ok=True)
    search = {"_regenerate": REGEN, "sklearn_version": sklearn.__version__, **search_cases()}
    (lazy / "tests/fixtures/search.json").write_text(json.dumps(search))
    written.append(lazy / "tests/fixtures/search.json")
    sizes = [p.stat().st_size for p in written]
    if max(sizes) > 400_000:
        print(f"model_selection parity: a fixture is {max(sizes)} bytes (> 400 KB)",
              file=sys.stderr)
        return 1
    print(f"model_selection parity: {len(ms['splitters'])} splitter cases, "
          f"{len(ms['samplers'])} sampler cases, {len(tfidf['cases'])} tfidf settings "
          f"(numpy's libm log loops), "
          f"files {sizes} bytes (scikit-learn {sklearn.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
