"""The main job with scikit-learn alone (or as a dask.delayed graph), for `cargo xtask accuracy --vs-sklearn`
and `cargo xtask bench --vs-sklearn --vs-dask`.

Same data, chunks and splits as dklearn: one chunk per .sgm file, documents without any <D> label dropped,
text = title + "\n\n" + body, label = topic in labels, and per chunk i the training mask
np.random.RandomState([seed, i]).rand(n) < 1 - test_size (dklearn's train_test_split draws the same numbers).
The parser is the scikit-learn out-of-core example's ReutersParser (html.parser based, Python 3).

Run: python sklearn_job.py DATA_DIR [--seeds 0,1] [--topic acq] [--mode sklearn|dask-threads|dask-processes]
     [--workers 2] [--repeat 1]
Prints one JSON object per seed (and per repeat) on stdout.
"""
import argparse, glob, json, os, re, time
from html.parser import HTMLParser

import numpy as np
import scipy.sparse as sp


class ReutersParser(HTMLParser):
    """The example's parser: every <D> value goes into the document's label list."""

    def __init__(self):
        super().__init__()
        self.docs = []
        self._reset()

    def _reset(self):
        self.in_title = self.in_body = self.in_d = False
        self.title = self.body = self.d = ""
        self.labels = []

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        elif tag == "body":
            self.in_body = True
        elif tag == "d":
            self.in_d = True

    def handle_endtag(self, tag):
        if tag == "reuters":
            self.docs.append({"title": self.title, "body": re.sub(r"\s+", " ", self.body), "labels": self.labels})
            self._reset()
        elif tag == "title":
            self.in_title = False
        elif tag == "body":
            self.in_body = False
        elif tag == "d":
            self.in_d = False
            self.labels.append(self.d)
            self.d = ""

    def handle_data(self, data):
        if self.in_body:
            self.body += data
        elif self.in_title:
            self.title += data
        elif self.in_d:
            self.d += data


def parse(path):
    p = ReutersParser()
    with open(path, "rb") as f:
        for line in f:
            p.feed(line.decode("latin-1"))
    p.close()
    return [d for d in p.docs if d["labels"]]


def vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer
    return HashingVectorizer(decode_error="ignore", n_features=2**18, alternate_sign=False)


def split(X, docs, topic, seed, i, test_size):
    y = np.array([topic in d["labels"] for d in docs], dtype="i1")
    m = np.random.RandomState([seed, i]).rand(len(y)) < 1.0 - test_size
    return (X[m], y[m]), (X[~m], y[~m])


def text(d):
    return "{}\n\n{}".format(d["title"], d["body"])


def run_sklearn(files, topic, seed, test_size):
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    t = {}
    t0 = time.perf_counter()
    per_file = [parse(f) for f in files]
    t1 = time.perf_counter(); t["parse_s"] = t1 - t0
    vec = vectorizer()
    Xs = [vec.transform([text(d) for d in docs]) for docs in per_file]
    t2 = time.perf_counter(); t["vectorize_s"] = t2 - t1
    parts = [split(X, docs, topic, seed, i, test_size) for i, (X, docs) in enumerate(zip(Xs, per_file))]
    Xte = sp.vstack([p[1][0] for p in parts]); yte = np.concatenate([p[1][1] for p in parts])
    t3 = time.perf_counter()
    sgd = SGDClassifier(random_state=seed)
    for (Xc, yc), _ in parts:
        sgd.partial_fit(Xc, yc, classes=[0, 1])
    s1 = sgd.score(Xte, yte)
    t4 = time.perf_counter(); t["chained_sgd_s"] = t4 - t3
    coefs, ints, lr = [], [], None
    for (Xc, yc), _ in parts:
        if len(set(yc)) < 2:
            continue
        lr = LogisticRegression(solver="liblinear").fit(Xc, yc)
        coefs.append(lr.coef_); ints.append(lr.intercept_)
    lr.coef_ = np.mean(coefs, axis=0); lr.intercept_ = np.mean(ints, axis=0)
    s2 = lr.score(Xte, yte)
    t5 = time.perf_counter(); t["averaged_lr_s"] = t5 - t4
    t["total_s"] = t5 - t0
    return dict(chained_sgd=float(s1), averaged_lr=float(s2), n_train=int(sum(len(p[0][1]) for p in parts)),
                n_test=int(len(yte)), **t)


# dask.delayed graph of the same job: one parse+vectorize+split task per file, a chain of partial_fit
# tasks, one LogisticRegression fit per chunk, an average, two scores; one compute.
def _parse_split(path, topic, seed, i, test_size):
    docs = parse(path)
    return split(vectorizer().transform([text(d) for d in docs]), docs, topic, seed, i, test_size)


def _sgd_step(model, part, seed):
    from sklearn.linear_model import SGDClassifier
    model = SGDClassifier(random_state=seed) if model is None else model
    model.partial_fit(part[0][0], part[0][1], classes=[0, 1])
    return model


def _lr_fit(part):
    from sklearn.linear_model import LogisticRegression
    X, y = part[0]
    return LogisticRegression(solver="liblinear").fit(X, y) if len(set(y)) > 1 else None


def _average(models):
    models = [m for m in models if m is not None]
    m = models[0]
    m.coef_ = np.mean([x.coef_ for x in models], axis=0)
    m.intercept_ = np.mean([x.intercept_ for x in models], axis=0)
    return m


def _score(model, parts):
    X = sp.vstack([p[1][0] for p in parts]); y = np.concatenate([p[1][1] for p in parts])
    return float(model.score(X, y))


def run_dask(files, topic, seed, test_size, scheduler, workers):
    import dask
    from dask import delayed
    t0 = time.perf_counter()
    parts = [delayed(_parse_split)(f, topic, seed, i, test_size) for i, f in enumerate(files)]
    sgd = None
    for p in parts:
        sgd = delayed(_sgd_step)(sgd, p, seed)
    lr = delayed(_average)([delayed(_lr_fit)(p) for p in parts])
    s1, s2 = dask.compute(delayed(_score)(sgd, parts), delayed(_score)(lr, parts),
                          scheduler=scheduler, num_workers=workers)
    return dict(chained_sgd=s1, averaged_lr=s2, total_s=time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--topic", default="acq")
    ap.add_argument("--test-size", type=float, default=0.2)
    ap.add_argument("--mode", default="sklearn", choices=["sklearn", "dask-threads", "dask-processes"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(a.data, "*.sgm")))
    if not files:
        raise SystemExit(f"no .sgm files in {a.data}")
    for seed in [int(s) for s in a.seeds.split(",")]:
        for _ in range(a.repeat):
            if a.mode == "sklearn":
                r = run_sklearn(files, a.topic, seed, a.test_size)
            else:
                r = run_dask(files, a.topic, seed, a.test_size, a.mode.split("-")[1], a.workers)
            r.update(seed=seed, topic=a.topic, mode=a.mode)
            print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
