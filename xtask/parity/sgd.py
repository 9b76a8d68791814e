"""Parity fixtures for the SGD family and the metrics of dklearn-estimators.

Writes into crates/dklearn-estimators/tests/fixtures/:
- sgd_data.json: the input matrices (CSR) and labels: hashed synthetic text
  (HashingVectorizer, 2**10 features, l2 rows) and random sparse data;
- sgd_cases_<k>.json: scikit-learn 1.9.1's fitted coef_, intercept_, t_,
  n_iter_ and decision_function for SGDClassifier (every loss x penalty,
  every learning rate, averaging, several partial_fit calls, multi-class,
  fit with max_iter / tol / shuffle), Perceptron and PassiveAggressiveClassifier;
- sgd_metrics.json: precision / recall / f1 / confusion matrix / ROC AUC /
  log loss on fixed predictions.

The Rust tests (tests/sgd_parity.rs, tests/metrics.rs) replay every case.

Usage (called by `cargo xtask parity`):
    python xtask/parity/sgd.py --root ROOT --xtask XTASK --data DATA
"""

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn import metrics
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import PassiveAggressiveClassifier, Perceptron, SGDClassifier

REGEN = "cargo xtask parity"
MAX_FILE = 180_000


def synthetic_text(n_docs, seed):
    """Documents from three topics sharing a common vocabulary."""
    rng = np.random.RandomState(seed)
    common = [f"word{i}" for i in range(150)]
    topics = [[f"t{k}term{i}" for i in range(40)] for k in range(3)]
    docs, labels = [], []
    for _ in range(n_docs):
        k = rng.randint(3)
        n = rng.randint(8, 25)
        words = [
            topics[k][rng.randint(40)] if rng.rand() < 0.4 else common[rng.randint(150)]
            for _ in range(n)
        ]
        docs.append(" ".join(words))
        labels.append(int(k))
    return docs, np.array(labels)


def csr_json(x):
    x = sp.csr_matrix(x)
    x.sort_indices()
    return {
        "n_rows": x.shape[0],
        "n_cols": x.shape[1],
        "indptr": x.indptr.tolist(),
        "indices": x.indices.tolist(),
        "data": x.data.tolist(),
    }


def datasets():
    docs, topic = synthetic_text(120, 0)
    xt = HashingVectorizer(n_features=2**10, alternate_sign=False).transform(docs)
    rng = np.random.RandomState(1)
    dense = rng.randn(100, 30) * (rng.rand(100, 30) < 0.25)
    w = rng.randn(30)
    score = dense @ w
    xr = sp.csr_matrix(dense)
    return {
        "text": {
            "x": xt,
            "y_bin": (topic == 1).astype(int),
            "y_multi": topic,
        },
        "random": {
            "x": xr,
            "y_bin": (score > 0).astype(int),
            "y_multi": np.digitize(score, np.quantile(score, [0.25, 0.5, 0.75])),
        },
    }


def cases():
    """(name, estimator class, params, dataset, labels, calls)."""
    three = [[0, 40], [40, 80], [80, 120]]
    three_r = [[0, 30], [30, 60], [60, 100]]
    out = []
    losses = ["hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron"]
    penalties = ["l2", "l1", "elasticnet", None]
    for loss in losses:
        for pen in penalties:
            out.append((
                f"sgd_{loss}_{pen}", "SGDClassifier",
                {"loss": loss, "penalty": pen, "shuffle": False},
                "text", "y_bin", [("partial_fit", r) for r in three],
            ))
    for loss in losses:
        out.append((
            f"sgd_random_{loss}_elasticnet", "SGDClassifier",
            {"loss": loss, "penalty": "elasticnet", "alpha": 0.01, "l1_ratio": 0.5,
             "shuffle": False},
            "random", "y_bin", [("partial_fit", r) for r in three_r],
        ))
    for lr, extra in [("constant", {"eta0": 0.1}), ("invscaling", {"eta0": 0.5, "power_t": 0.3}),
                      ("adaptive", {"eta0": 0.1})]:
        out.append((
            f"sgd_rate_{lr}", "SGDClassifier",
            {"learning_rate": lr, "shuffle": False, **extra},
            "text", "y_bin", [("partial_fit", r) for r in three],
        ))
        out.append((
            f"sgd_fit_rate_{lr}", "SGDClassifier",
            {"learning_rate": lr, "shuffle": False, "max_iter": 30, **extra},
            "random", "y_bin", [("fit", [0, 100])],
        ))
    out += [
        ("sgd_average_true", "SGDClassifier", {"average": True, "shuffle": False},
         "text", "y_bin", [("partial_fit", r) for r in three]),
        ("sgd_average_50", "SGDClassifier", {"average": 50, "shuffle": False},
         "text", "y_bin", [("partial_fit", r) for r in three]),
        ("sgd_average_log_l1", "SGDClassifier",
         {"average": True, "loss": "log_loss", "penalty": "l1", "shuffle": False},
         "random", "y_bin", [("partial_fit", r) for r in three_r]),
        ("sgd_average_multi", "SGDClassifier", {"average": 10, "shuffle": False},
         "text", "y_multi", [("partial_fit", r) for r in three]),
        ("sgd_average_fit", "SGDClassifier",
         {"average": True, "shuffle": False, "max_iter": 5, "tol": None},
         "random", "y_bin", [("fit", [0, 100])]),
        ("sgd_multi_hinge", "SGDClassifier", {"shuffle": False},
         "text", "y_multi", [("partial_fit", r) for r in three]),
        ("sgd_multi_log_l1", "SGDClassifier",
         {"loss": "log_loss", "penalty": "l1", "shuffle": False},
         "random", "y_multi", [("partial_fit", r) for r in three_r]),
        ("sgd_no_intercept", "SGDClassifier", {"fit_intercept": False, "shuffle": False},
         "text", "y_bin", [("partial_fit", r) for r in three]),
        ("sgd_fit_max_iter", "SGDClassifier",
         {"shuffle": False, "max_iter": 7, "tol": None}, "text", "y_bin", [("fit", [0, 120])]),
        ("sgd_fit_tol", "SGDClassifier", {"shuffle": False}, "random", "y_bin",
         [("fit", [0, 100])]),
        ("sgd_fit_tol_l1", "SGDClassifier",
         {"shuffle": False, "penalty": "elasticnet", "loss": "modified_huber"},
         "text", "y_bin", [("fit", [0, 120])]),
        ("sgd_fit_shuffle", "SGDClassifier", {"random_state": 42, "max_iter": 20},
         "text", "y_bin", [("fit", [0, 120])]),
        ("sgd_fit_shuffle_multi", "SGDClassifier",
         {"random_state": 7, "loss": "log_loss", "max_iter": 15, "tol": None},
         "text", "y_multi", [("fit", [0, 120])]),
        ("sgd_partial_shuffle", "SGDClassifier", {"random_state": 3},
         "text", "y_bin", [("partial_fit", r) for r in three]),
        ("sgd_fit_then_partial", "SGDClassifier",
         {"shuffle": False, "max_iter": 4, "tol": None},
         "random", "y_bin", [("fit", [0, 60]), ("partial_fit", [60, 100])]),
        ("perceptron_partial", "Perceptron", {"shuffle": False},
         "text", "y_bin", [("partial_fit", r) for r in three]),
        ("perceptron_multi", "Perceptron", {"shuffle": False, "penalty": "l1", "alpha": 1e-3},
         "random", "y_multi", [("partial_fit", r) for r in three_r]),
        ("perceptron_fit", "Perceptron", {}, "text", "y_bin", [("fit", [0, 120])]),
        ("pa1_partial", "PassiveAggressiveClassifier", {"shuffle": False},
         "text", "y_bin", [("partial_fit", r) for r in three]),
        ("pa2_partial", "PassiveAggressiveClassifier",
         {"shuffle": False, "loss": "squared_hinge", "C": 0.1},
         "random", "y_bin", [("partial_fit", r) for r in three_r]),
        ("pa1_multi_average", "PassiveAggressiveClassifier",
         {"shuffle": False, "average": True, "C": 0.5},
         "text", "y_multi", [("partial_fit", r) for r in three]),
        ("pa_fit", "PassiveAggressiveClassifier", {"random_state": 5},
         "random", "y_bin", [("fit", [0, 100])]),
    ]
    return out


def fitted(est_name, params, x, y, calls):
    cls = {"SGDClassifier": SGDClassifier, "Perceptron": Perceptron,
           "PassiveAggressiveClassifier": PassiveAggressiveClassifier}[est_name]
    classes = np.unique(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cls(**params)
        for method, (a, b) in calls:
            if method == "fit":
                est.fit(x[a:b], y[a:b])
            else:
                est.partial_fit(x[a:b], y[a:b], classes=classes)
    return est


def sensitivity(est_name, params, data, labels, calls):
    """Relative change of coef_ when X moves by 1e-15 relative: a case must be
    well-conditioned for a 1e-8 comparison to be meaningful."""
    x, y = data["x"], data[labels]
    a = fitted(est_name, params, x, y, calls).coef_
    x2 = x.copy()
    x2.data = x2.data * (1 + 1e-15)
    b = fitted(est_name, params, x2, y, calls).coef_
    return float(np.abs(a - b).max() / max(np.abs(a).max(), 1e-300))


def run_case(est_name, params, data, labels, calls):
    x, y = data["x"], data[labels]
    est = fitted(est_name, params, x, y, calls)
    return _expected(est, x)


def _expected(est, x):
    coef = sp.csr_matrix(est.coef_)
    return {
        "coef_shape": list(est.coef_.shape),
        "coef": csr_json(coef),
        "intercept": est.intercept_.tolist(),
        "t": float(est.t_),
        "n_iter": int(est.n_iter_),
        "classes": est.classes_.tolist(),
        "decision": np.atleast_2d(est.decision_function(x[:20]).T).T.tolist(),
        "predict": est.predict(x).tolist(),
    }


def metrics_fixture():
    rng = np.random.RandomState(11)
    y_true = rng.randint(0, 3, size=60)
    y_pred = np.where(rng.rand(60) < 0.6, y_true, rng.randint(0, 3, size=60))
    yb = (y_true == 1).astype(int)
    pb = (y_pred == 1).astype(int)
    # Scores with ties (rounded to one decimal).
    scores = np.round(yb * 0.3 + rng.rand(60), 1)
    proba = rng.dirichlet([1, 1, 1], size=60)
    proba[0] = [1.0, 0.0, 0.0]  # exercises eps clipping
    pbin = np.clip(scores, 0, 1)
    fixed = np.array([[0.5, 0.25, 0.25], [0.2, 0.6, 0.2], [0.1, 0.3, 0.6], [0.4, 0.4, 0.2]])
    proba_tied = fixed[(y_true + rng.randint(0, 2, size=60)) % 4]
    out = {
        "y_true": y_true.tolist(), "y_pred": y_pred.tolist(),
        "yb_true": yb.tolist(), "yb_pred": pb.tolist(),
        "scores": scores.tolist(), "proba": proba.tolist(), "proba_bin": pbin.tolist(),
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "confusion_matrix": metrics.confusion_matrix(y_true, y_pred).tolist(),
        "binary": {
            "precision": metrics.precision_score(yb, pb),
            "recall": metrics.recall_score(yb, pb),
            "f1": metrics.f1_score(yb, pb),
            "precision_pos0": metrics.precision_score(yb, pb, pos_label=0),
            "recall_pos0": metrics.recall_score(yb, pb, pos_label=0),
            "f1_pos0": metrics.f1_score(yb, pb, pos_label=0),
        },
        "roc_auc": metrics.roc_auc_score(yb, scores),
        # Multiclass ROC AUC from probabilities; the tied version picks rows from four fixed
        # distributions, so most scores tie.
        "proba_tied": proba_tied.tolist(),
        "roc_auc_multi": {
            f"{mc}_{avg}_{name}": metrics.roc_auc_score(y_true, p, multi_class=mc, average=avg)
            for name, p in (("proba", proba), ("tied", proba_tied))
            for mc, avgs in (("ovr", ("macro", "weighted", "micro")), ("ovo", ("macro", "weighted")))
            for avg in avgs
        },
        "log_loss_multi": metrics.log_loss(y_true, proba),
        "log_loss_binary": metrics.log_loss(yb, pbin),
    }
    for avg in ["macro", "micro", "weighted"]:
        out[avg] = {
            "precision": metrics.precision_score(y_true, y_pred, average=avg),
            "recall": metrics.recall_score(y_true, y_pred, average=avg),
            "f1": metrics.f1_score(y_true, y_pred, average=avg),
        }
    # A class never predicted: precision 0 by zero_division="warn" (-> 0.0).
    yz = np.array([0, 1, 2, 2, 1, 0])
    pz = np.array([0, 1, 1, 1, 1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["zero_division"] = {
            "y_true": yz.tolist(), "y_pred": pz.tolist(),
            "macro_precision": metrics.precision_score(yz, pz, average="macro"),
            "macro_f1": metrics.f1_score(yz, pz, average="macro"),
            "weighted_recall": metrics.recall_score(yz, pz, average="weighted"),
        }
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--xtask", default="")
    ap.add_argument("--data", default="")
    args = ap.parse_args()
    fixtures = Path(args.root) / "crates/dklearn-estimators/tests/fixtures"
    fixtures.mkdir(parents=True, exist_ok=True)
    ds = datasets()

    data_json = {"_regenerate": REGEN, "sklearn_version": sklearn.__version__}
    for name, d in ds.items():
        data_json[name] = {"x": csr_json(d["x"]), "y_bin": d["y_bin"].tolist(),
                           "y_multi": d["y_multi"].tolist()}
    (fixtures / "sgd_data.json").write_text(json.dumps(data_json))

    for old in fixtures.glob("sgd_cases_*.json"):
        old.unlink()
    chunk, k, n_cases = [], 0, 0

    def flush():
        nonlocal chunk, k
        if chunk:
            body = {"_regenerate": REGEN, "sklearn_version": sklearn.__version__,
                    "cases": chunk}
            (fixtures / f"sgd_cases_{k}.json").write_text(json.dumps(body))
            k += 1
            chunk = []

    size = 0
    for name, est, params, dname, labels, calls in cases():
        expected = run_case(est, params, ds[dname], labels, calls)
        sens = sensitivity(est, params, ds[dname], labels, calls)
        if sens > 1e-10:
            print(f"sgd parity: case {name} is ill-conditioned (coef_ moves by {sens:.1e} "
                  "when X moves by 1e-15): pick another setting", file=sys.stderr)
            return 1
        case = {"name": name, "estimator": est, "params": params, "data": dname,
                "labels": labels, "calls": [[m, r] for m, r in calls],
                "expected": expected}
        s = len(json.dumps(case))
        if size + s > MAX_FILE:
            flush()
            size = 0
        chunk.append(case)
        size += s
        n_cases += 1
    flush()

    m = {"_regenerate": REGEN, "sklearn_version": sklearn.__version__, **metrics_fixture()}
    (fixtures / "sgd_metrics.json").write_text(json.dumps(m))
    sizes = [p.stat().st_size for p in fixtures.glob("sgd_*.json")]
    if max(sizes) > 200_000:
        print(f"sgd parity: a fixture is {max(sizes)} bytes (> 200 KB)", file=sys.stderr)
        return 1
    print(f"sgd parity: {n_cases} estimator cases in {k} files + metrics fixture "
          f"(scikit-learn {sklearn.__version__}, largest file {max(sizes)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
