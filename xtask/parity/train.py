"""Parity of `dklearn train` with the equivalent scikit-learn loop.

Writes a small generated data set (the same records as JSON lines, CSV and text files in
label directories) under crates/dklearn-cli/tests/data/ and, for a list of configurations,
the accuracy, split sizes and classes scikit-learn gets, in
crates/dklearn-cli/tests/fixtures/train_parity.json. The Rust test runs the `dklearn` binary
with each configuration's flags and compares exactly.

The loop written here is what `dklearn train` does: partitions are the files in sorted path
order, each cut into byte blocks of `blocksize` with a line belonging to the block it starts
in (dask's rule); a partition's test rows are those where
np.random.RandomState([seed, partition]).rand(n) >= 1 - test_size; then
HashingVectorizer(n_features, alternate_sign=False, ngram_range) and either partial_fit over
the training partitions in order (chained, classes given) or one fit per training partition
with coef_/intercept_ averaged (averaged); accuracy over all test rows.
"""
import argparse, csv, io, json, os, random, shutil

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import (LogisticRegression, PassiveAggressiveClassifier, Perceptron,
                                  SGDClassifier)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import MultinomialNB

CLASSES = ["politics", "sports", "tech"]
WORDS = {
    "politics": "vote election senate law minister party policy tax campaign debate".split(),
    "sports": "goal match team score league coach season player win cup".split(),
    "tech": "software chip cloud data startup code device network robot app".split(),
}
COMMON = "the a of and to in is it for on with said new year café naïve über".split()


def generate(rng, n):
    recs = []
    for i in range(n):
        label = rng.choice(CLASSES)
        words = []
        for _ in range(rng.randint(4, 18)):
            r = rng.random()
            if r < 0.45:
                words.append(rng.choice(WORDS[label]))
            elif r < 0.6:
                words.append(rng.choice(WORDS[rng.choice(CLASSES)]))
            else:
                words.append(rng.choice(COMMON))
        text = " ".join(words)
        if i % 7 == 0:
            text += ', "quoted", comma'
        recs.append({"id": i, "text": text, "topic": label, "extra": {"k": [1, 2]}})
    return recs


def write_data(root):
    d = os.path.join(root, "crates/dklearn-cli/tests/data")
    if os.path.isdir(d):
        shutil.rmtree(d)
    rng = random.Random(20261201)
    parts = [generate(rng, n) for n in (180, 140, 220)]
    for sub in ("jsonl", "csv", "text"):
        os.makedirs(os.path.join(d, sub))
    for k, recs in enumerate(parts):
        with open(os.path.join(d, "jsonl", f"part-{k}.jsonl"), "w", encoding="utf-8", newline="\n") as f:
            for r in recs:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        with open(os.path.join(d, "csv", f"part-{k}.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["id", "topic", "text"])
            for r in recs:
                w.writerow([r["id"], r["topic"], r["text"]])
    # Text: one directory per label, the records of each part in part order.
    for label in CLASSES:
        os.makedirs(os.path.join(d, "text", label))
        for k, recs in enumerate(parts):
            with open(os.path.join(d, "text", label, f"part-{k}.txt"), "w", encoding="utf-8", newline="\n") as f:
                for r in recs:
                    if r["topic"] == label:
                        f.write(r["text"] + "\n")
    return d


def blocks(path, blocksize):
    """Lines (bytes, without the newline) of each block, dask's rule."""
    data = open(path, "rb").read()
    size = len(data)
    if blocksize is None or size <= blocksize:
        ranges = [(0, size)]
    else:
        ranges = [(s, min(s + blocksize, size)) for s in range(0, size, blocksize)]
    out = []
    for start, end in ranges:
        pos = start
        if start > 0 and data[start - 1:start] != b"\n":
            nl = data.find(b"\n", start)
            pos = size if nl < 0 else nl + 1
        lines = []
        while pos < end:
            nl = data.find(b"\n", pos)
            stop = size if nl < 0 else nl
            lines.append((data[pos:stop], pos))
            pos = stop + 1
        out.append(lines)
    return out


def records(fmt, files, blocksize, text_field="text", label_field="topic"):
    """The (text, label) pairs of each partition, in partition order."""
    parts = []
    for path in sorted(files):
        if fmt == "csv":
            header = next(csv.reader(io.StringIO(open(path, encoding="utf-8").readline())))
            ti, li = header.index(text_field), header.index(label_field)
        for blk in blocks(path, blocksize):
            recs = []
            for line, off in blk:
                s = line.decode("utf-8")
                if fmt == "csv":
                    if off == 0:
                        continue  # the header
                    row = next(csv.reader([s]))
                    recs.append((row[ti], row[li]))
                elif fmt == "jsonl":
                    if not s.strip():
                        continue
                    o = json.loads(s)
                    recs.append((o[text_field], str(o[label_field])))
                else:
                    if not s.strip():
                        continue
                    recs.append((s, os.path.basename(os.path.dirname(path))))
            parts.append(recs)
    return parts


class Linear:
    """predict of a one-vs-rest linear model: the class of the largest decision value."""

    def __init__(self, classes):
        self.classes_ = classes

    def predict(self, X):
        d = X @ self.coef_.T + self.intercept_
        return self.classes_[np.argmax(d, axis=1)]


def make(model, seed):
    if model == "sgd":
        return SGDClassifier(random_state=seed)
    if model == "perceptron":
        return Perceptron(random_state=seed)
    if model == "pa":
        return PassiveAggressiveClassifier(random_state=seed)
    if model == "nb":
        return MultinomialNB()
    if model == "lr":
        return LogisticRegression(solver="liblinear")
    raise ValueError(model)


def run(cfg, data):
    fmt = cfg["format"]
    sub = {"jsonl": "jsonl/*.jsonl", "csv": "csv/*.csv", "text": "text/*/*.txt"}[fmt]
    import glob
    files = glob.glob(os.path.join(data, sub))
    parts = records(fmt, files, cfg.get("blocksize"))
    seed, test_size = cfg["seed"], cfg["test_size"]
    vect = HashingVectorizer(n_features=cfg["n_features"], alternate_sign=False,
                             ngram_range=(cfg["ngram_min"], cfg["ngram_max"]))
    classes = np.array(sorted({l for p in parts for _, l in p}), dtype=object)
    train, test = [], []
    for i, p in enumerate(parts):
        m = np.random.RandomState([seed, i]).rand(len(p)) < 1.0 - test_size
        train.append(([t for (t, _), k in zip(p, m) if k], [l for (_, l), k in zip(p, m) if k]))
        test.append(([t for (t, _), k in zip(p, m) if not k], [l for (_, l), k in zip(p, m) if not k]))
    model = cfg["model"]
    if cfg["fit"] == "chained":
        clf = make(model, seed)
        for xs, ys in train:
            if not ys:
                continue
            clf.partial_fit(vect.transform(xs), np.array(ys, dtype=object), classes=classes)
    else:
        coefs, icepts, clf = [], [], None
        for xs, ys in train:
            if len(set(ys)) < 2:
                continue
            X, Y = vect.transform(xs), np.array(ys, dtype=object)
            if model == "lr" and len(classes) > 2:
                # scikit-learn >= 1.8's liblinear is binary only; liblinear's own multiclass
                # scheme (dklearn's) is one binary problem per class, as OneVsRestClassifier.
                o = OneVsRestClassifier(LogisticRegression(solver="liblinear")).fit(X, Y)
                assert list(o.classes_) == list(classes), "every chunk must hold every class"
                coefs.append(np.vstack([e.coef_ for e in o.estimators_]))
                icepts.append(np.concatenate([e.intercept_ for e in o.estimators_]))
                clf = Linear(classes)
                continue
            c = make(model, seed).fit(X, Y)
            assert list(c.classes_) == list(classes), "every chunk must hold every class"
            coefs.append(c.coef_)
            icepts.append(c.intercept_)
            clf = c
        clf.coef_ = np.mean(coefs, axis=0)
        clf.intercept_ = np.mean(icepts, axis=0)
    hits = n = 0
    for xs, ys in test:
        if not ys:
            continue
        pred = clf.predict(vect.transform(xs))
        hits += int(sum(a == b for a, b in zip(pred, ys)))
        n += len(ys)
    return {
        "accuracy": hits / n,
        "n_train": sum(len(y) for _, y in train),
        "n_test": n,
        "classes": [str(c) for c in classes],
    }


CONFIGS = [
    dict(name="jsonl-sgd", format="jsonl", model="sgd", fit="chained"),
    dict(name="jsonl-sgd-blocks-seed3", format="jsonl", model="sgd", fit="chained", blocksize=4000, seed=3, test_size=0.25),
    dict(name="jsonl-nb", format="jsonl", model="nb", fit="chained", blocksize=6000),
    dict(name="jsonl-perceptron", format="jsonl", model="perceptron", fit="chained", seed=5),
    dict(name="jsonl-pa", format="jsonl", model="pa", fit="chained", blocksize=5000),
    dict(name="jsonl-lr-averaged", format="jsonl", model="lr", fit="averaged", blocksize=9000),
    dict(name="jsonl-sgd-averaged", format="jsonl", model="sgd", fit="averaged", seed=2),
    dict(name="jsonl-sgd-bigrams", format="jsonl", model="sgd", fit="chained", n_features=1024, ngram_min=1, ngram_max=2),
    dict(name="csv-sgd-blocks", format="csv", model="sgd", fit="chained", blocksize=3000),
    dict(name="csv-nb", format="csv", model="nb", fit="chained"),
    dict(name="text-sgd", format="text", model="sgd", fit="chained"),
    dict(name="text-pa-blocks", format="text", model="pa", fit="chained", blocksize=2500, seed=1),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True); ap.add_argument("--xtask", default=""); ap.add_argument("--data", default="")
    a = ap.parse_args()
    data = write_data(a.root)
    out = []
    for c in CONFIGS:
        cfg = dict(seed=0, test_size=0.2, n_features=2**18, ngram_min=1, ngram_max=1, blocksize=None)
        cfg.update(c)
        cfg["expected"] = run(cfg, data)
        out.append(cfg)
    path = os.path.join(a.root, "crates/dklearn-cli/tests/fixtures/train_parity.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    for c in out:
        print(f"train parity: {c['name']}: {c['expected']}")


if __name__ == "__main__":
    main()
