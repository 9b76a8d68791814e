"""skops round trip, both ways, for dklearn-skops.

Regenerate the fixtures with `cargo xtask parity --only skops` (this script,
run in the parity venv with scikit-learn 1.9.1 and skops 0.16.0).

(a) Python -> Rust fixtures, written into crates/dklearn-skops/tests/fixtures/:
    texts.json                  the test texts every case predicts
    <case>.skops                a Pipeline([("vect", HashingVectorizer), (name, classifier)])
                                fitted by scikit-learn and dumped by skops
    <case>.expected.json        {"predict": [...]} on the test texts
    <case>.decision.npy / .proba.npy   decision_function / predict_proba (when defined)
    standalone_hv.skops, standalone_sgd.skops   the first case's two steps, dumped alone
    The Rust test tests/fixtures.rs loads each and compares bit for bit.

(b) Rust -> Python, live: every case's unfitted vectorizer and classifier are
    dumped to a temporary directory; `xtask skops-models` loads them in
    dklearn, fits, saves the fitted pipeline and its outputs; this script then
    checks each dklearn file: no untrusted types, loads, same class and
    get_params() as scikit-learn's, the same set of attributes as a
    scikit-learn fit sets, and predict / decision_function / predict_proba
    equal to dklearn's bit for bit (score runs too).

Usage (called by `cargo xtask parity`):
    python xtask/parity/skops_roundtrip.py --root ROOT --xtask XTASK --data DATA
"""

import argparse
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import skops
import skops.io as sio
import sklearn
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import (
    LogisticRegression,
    PassiveAggressiveClassifier,
    Perceptron,
    SGDClassifier,
)
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import Pipeline

warnings.simplefilter("ignore", FutureWarning)  # PassiveAggressiveClassifier is deprecated in 1.8


def synthetic_text(n_docs, seed):
    """Documents from three topics sharing a common vocabulary (some non-ASCII)."""
    rng = np.random.RandomState(seed)
    common = [f"word{i}" for i in range(120)] + ["Überweisung", "café", "naïve", "ÆSIR"]
    topics = [[f"t{k}term{i}" for i in range(30)] for k in range(3)]
    docs, labels = [], []
    for _ in range(n_docs):
        k = rng.randint(3)
        n = rng.randint(6, 20)
        words = [
            topics[k][rng.randint(30)] if rng.rand() < 0.4 else common[rng.randint(len(common))]
            for _ in range(n)
        ]
        docs.append(" ".join(words))
        labels.append(int(k))
    return docs, np.array(labels)


NAMES = np.array(["acq", "earn", "grain"])


def cases():
    """(name, vectorizer, step name, classifier, n_classes, label kind, partial_fit chunks)."""
    hv = dict(n_features=2**9)
    return [
        ("sgd_hinge_bin_int", HashingVectorizer(**hv), "sgd", SGDClassifier(random_state=0), 2, "int", 0),
        (
            "sgd_log_3_str",
            HashingVectorizer(ngram_range=(1, 2), **hv),
            "sgd",
            SGDClassifier(loss="log_loss", alpha=1e-3, random_state=1),
            3,
            "str",
            0,
        ),
        (
            "sgd_mhuber_3_int_avg",
            HashingVectorizer(**hv),
            "sgd",
            SGDClassifier(loss="modified_huber", average=True, random_state=2),
            3,
            "int",
            3,
        ),
        (
            "sgd_log_bin_str_avg10",
            HashingVectorizer(**hv),
            "sgd",
            SGDClassifier(
                loss="log_loss",
                average=10,
                penalty="elasticnet",
                learning_rate="invscaling",
                eta0=0.1,
                random_state=3,
            ),
            2,
            "str",
            2,
        ),
        (
            "sgd_mhuber_bin_int",
            HashingVectorizer(lowercase=False, **hv),
            "clf",
            SGDClassifier(loss="modified_huber", tol=None, max_iter=7, random_state=4),
            2,
            "int",
            0,
        ),
        ("perceptron_3_int", HashingVectorizer(**hv), "perceptron", Perceptron(), 3, "int", 0),
        (
            "pa_bin_str",
            HashingVectorizer(**hv),
            "pa",
            PassiveAggressiveClassifier(loss="squared_hinge", C=0.5, random_state=0),
            2,
            "str",
            2,
        ),
        (
            "lr_bin_int",
            HashingVectorizer(**hv),
            "lr",
            LogisticRegression(solver="liblinear", C=10.0),
            2,
            "int",
            0,
        ),
        (
            "nb_3_str",
            HashingVectorizer(alternate_sign=False, norm=None, **hv),
            "nb",
            MultinomialNB(alpha=0.5),
            3,
            "str",
            2,
        ),
        (
            "sgd_charwb_3_int",
            HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=2**10, binary=True, norm="l1"),
            "sgd",
            SGDClassifier(penalty="l1", random_state=5),
            3,
            "int",
            0,
        ),
    ]


def labels_for(y, n_classes, kind):
    y = y % n_classes if n_classes == 3 else (y == 0).astype(np.int64)
    return NAMES[y] if kind == "str" else y.astype(np.int64)


def fit(pipe, train, y, chunks):
    if chunks == 0:
        return pipe.fit(train, y)
    vect, est = pipe.steps[0][1], pipe.steps[1][1]
    classes = np.unique(y)
    n = len(train)
    for c in range(chunks):
        lo, hi = c * n // chunks, (c + 1) * n // chunks
        est.partial_fit(vect.transform(train[lo:hi]), y[lo:hi], classes=classes)
    return pipe


def outputs(pipe, test):
    est = pipe.steps[1][1]
    out = {"predict": pipe.predict(test)}
    if hasattr(est, "decision_function"):
        out["decision"] = np.atleast_2d(pipe.decision_function(test).T).T
        if out["decision"].ndim == 1:
            out["decision"] = out["decision"][:, None]
    if hasattr(est, "predict_proba"):
        try:
            out["proba"] = pipe.predict_proba(test)
        except (AttributeError, NotImplementedError):
            pass
    return out


def as_2d(a):
    a = np.asarray(a, dtype=np.float64)
    return a[:, None] if a.ndim == 1 else a


def write_fixtures(root, train, ytrain, test):
    fx = root / "crates/dklearn-skops/tests/fixtures"
    fx.mkdir(parents=True, exist_ok=True)
    for old in fx.glob("*"):
        old.unlink()
    (fx / "texts.json").write_text(json.dumps({"test": test}, ensure_ascii=False))
    total = 0
    for i, (name, vect, step, est, k, kind, chunks) in enumerate(cases()):
        y = labels_for(ytrain, k, kind)
        pipe = fit(Pipeline([("vect", vect), (step, est)]), train, y, chunks)
        sio.dump(pipe, fx / f"{name}.skops")
        out = outputs(pipe, test)
        (fx / f"{name}.expected.json").write_text(json.dumps({"predict": out["predict"].tolist()}))
        if "decision" in out:
            np.save(fx / f"{name}.decision.npy", as_2d(out["decision"]))
        if "proba" in out:
            np.save(fx / f"{name}.proba.npy", as_2d(out["proba"]))
        if i == 0:
            sio.dump(pipe.steps[0][1], fx / "standalone_hv.skops")
            sio.dump(pipe.steps[1][1], fx / "standalone_sgd.skops")
    total = sum(p.stat().st_size for p in fx.glob("*"))
    print(f"skops: fixtures written to {fx} ({total / 1024:.0f} KiB)")
    if total > 1_000_000:
        raise SystemExit("skops: fixtures exceed 1 MB")


def live_round_trip(xtask, train, ytrain, test):
    failures = []
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        listing = []
        reference = {}
        for name, vect, step, est, k, kind, chunks in cases():
            y = labels_for(ytrain, k, kind)
            sio.dump(vect, d / f"{name}.hv.skops")
            sio.dump(est, d / f"{name}.est.skops")
            listing.append(
                {"name": name, "train": train, "labels": y.tolist(), "test": test, "chunks": chunks}
            )
            sk = fit(Pipeline([("vect", sklearn.base.clone(vect)), (step, sklearn.base.clone(est))]), train, y, chunks)
            reference[name] = (sk, est)
        (d / "cases.json").write_text(json.dumps(listing))
        subprocess.run([xtask, "skops-models", "--dir", str(d)], check=True)
        for name, (sk, est) in reference.items():
            path = d / f"{name}.dklearn.skops"
            problems, notes = [], []
            untrusted = sio.get_untrusted_types(file=path)
            if untrusted:
                problems.append(f"untrusted types {untrusted}")
            pipe = sio.load(path, trusted=untrusted or None)
            loaded = pipe.steps[1][1]
            if type(loaded) is not type(est):
                problems.append(f"class {type(loaded).__name__}, expected {type(est).__name__}")
            if loaded.get_params() != est.get_params():
                problems.append(f"params {loaded.get_params()} != {est.get_params()}")
            if pipe.steps[0][1].get_params() != sk.steps[0][1].get_params():
                problems.append("vectorizer params differ")
            if set(vars(loaded)) != set(vars(sk.steps[1][1])):
                problems.append(
                    f"attributes differ: {sorted(set(vars(loaded)) ^ set(vars(sk.steps[1][1])))}"
                )
            want_pred = json.loads((d / f"{name}.dklearn.json").read_text())
            got = outputs(pipe, test)
            if got["predict"].tolist() != want_pred:
                problems.append("predict differs")
            for key in ("decision", "proba"):
                f = d / f"{name}.dklearn.{key}.npy"
                if f.exists() != (key in got):
                    problems.append(f"{key}: defined on one side only")
                elif f.exists():
                    a, b = np.load(f), as_2d(got[key])
                    # MultinomialNB's probabilities go through numpy's own
                    # SIMD exp, which can differ from the C library's exp
                    # (what dklearn calls) by an ulp; all else is bit-exact.
                    allowed = 4 if key == "proba" and name.startswith("nb_") else 0
                    if a.shape != b.shape:
                        problems.append(f"{key} shape {a.shape} != {b.shape}")
                    else:
                        ulps = int(np.max(np.abs(a.view(np.int64) - b.view(np.int64))))
                        if ulps > allowed:
                            problems.append(f"{key} differs by {ulps} ulps")
                        elif ulps:
                            notes.append(f"{key} within {ulps} ulp")
            pipe.score(test, pipe.predict(test))
            # For information: how close dklearn's fit is to scikit-learn's.
            coef = getattr(loaded, "coef_", getattr(loaded, "feature_log_prob_", None))
            sk_coef = getattr(sk.steps[1][1], "coef_", getattr(sk.steps[1][1], "feature_log_prob_", None))
            diff = float(np.max(np.abs(coef - sk_coef)))
            status = ("ok" + (f" ({', '.join(notes)})" if notes else "")) if not problems else "FAIL: " + "; ".join(problems)
            print(f"skops: live {name}: {status} (fit vs scikit-learn: max |coef diff| {diff:.3g})")
            if problems:
                failures.append(name)
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--xtask", required=True)
    ap.add_argument("--data", default="")
    args = ap.parse_args()
    assert sklearn.__version__ == "1.9.1", sklearn.__version__
    assert skops.__version__ == "0.16.0", skops.__version__
    texts, y = synthetic_text(160, 0)
    train, ytrain, test = texts[:120], y[:120], texts[120:]
    write_fixtures(Path(args.root), train, ytrain, test)
    failures = live_round_trip(args.xtask, train, ytrain, test)
    if failures:
        print(f"skops: {len(failures)} live round trips failed: {failures}")
        sys.exit(1)
    print("skops: every dklearn file loads in scikit-learn with no untrusted types and predicts identically")


if __name__ == "__main__":
    main()
