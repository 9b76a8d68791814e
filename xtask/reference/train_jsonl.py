"""`dklearn train` on JSON lines, done with scikit-learn alone or fed by dask.bag, for
`cargo xtask train-bench --vs-sklearn --vs-dask`.

The same partitions (files in sorted order, cut into byte blocks, a line belonging to the
block it starts in), the same split (partition i's training rows are where
np.random.RandomState([seed, i]).rand(n) < 1 - test_size), the same model
(HashingVectorizer(n_features=2**18, alternate_sign=False), SGDClassifier(random_state=seed)
partial_fit over the training partitions in order with the classes given), and the same two
passes (fit, then score the test rows with the fitted model), so nothing but one block is
held at a time.

--mode sklearn: the blocks are read here (seek, read the block, finish its last line), json.loads.
--mode dask:    dask.bag.read_text(files, blocksize=...).map(json.loads), one partition computed
                at a time (threaded scheduler) feeding the same loop.

Prints one JSON object: accuracy, n_train, n_test, wall_s, peak_rss_mb, partitions.
"""
import argparse, glob, json, os, resource, time

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier


def block_ranges(files, blocksize):
    out = []
    for path in sorted(files):
        size = os.path.getsize(path)
        if blocksize is None or size <= blocksize:
            out.append((path, 0, size))
        else:
            out.extend((path, s, min(s + blocksize, size)) for s in range(0, size, blocksize))
    return out


def read_block(path, start, end):
    """The lines starting in [start, end) (dask's rule), without their newline."""
    with open(path, "rb") as f:
        if start > 0:
            f.seek(start - 1)
            if f.read(1) != b"\n":
                f.readline()
        lines = []
        pos = f.tell()
        while pos < end:
            line = f.readline()
            if not line:
                break
            pos += len(line)
            lines.append(line.rstrip(b"\n"))
        return lines


def sklearn_partitions(files, blocksize):
    for path, s, e in block_ranges(files, blocksize):
        yield [json.loads(l) for l in read_block(path, s, e) if l.strip()]


def dask_partitions(files, blocksize):
    import dask
    import dask.bag as db
    bag = db.read_text(sorted(files), blocksize=blocksize).map(json.loads)
    for p in bag.to_delayed():
        yield dask.compute(p, scheduler="threads")[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--blocksize", type=int, default=None)
    ap.add_argument("--mode", choices=["sklearn", "dask"], default="sklearn")
    ap.add_argument("--text-field", default="text")
    ap.add_argument("--label-field", default="label")
    ap.add_argument("--classes", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test-size", type=float, default=0.2)
    a = ap.parse_args()
    files = glob.glob(a.input)
    parts = sklearn_partitions if a.mode == "sklearn" else dask_partitions
    classes = np.array(sorted(a.classes.split(",")), dtype=object)
    vect = HashingVectorizer(n_features=2**18, alternate_sign=False)
    clf = SGDClassifier(random_state=a.seed)
    t0 = time.perf_counter()
    n_train = 0
    npart = 0
    for i, recs in enumerate(parts(files, a.blocksize)):
        npart += 1
        m = np.random.RandomState([a.seed, i]).rand(len(recs)) < 1.0 - a.test_size
        xs = [r[a.text_field] for r, k in zip(recs, m) if k]
        ys = np.array([str(r[a.label_field]) for r, k in zip(recs, m) if k], dtype=object)
        if len(ys):
            clf.partial_fit(vect.transform(xs), ys, classes=classes)
            n_train += len(ys)
    hits = n_test = 0
    for i, recs in enumerate(parts(files, a.blocksize)):
        m = np.random.RandomState([a.seed, i]).rand(len(recs)) < 1.0 - a.test_size
        xs = [r[a.text_field] for r, k in zip(recs, m) if not k]
        ys = [str(r[a.label_field]) for r, k in zip(recs, m) if not k]
        if ys:
            pred = clf.predict(vect.transform(xs))
            hits += int(sum(p == y for p, y in zip(pred, ys)))
            n_test += len(ys)
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "mode": a.mode, "accuracy": hits / n_test, "n_train": n_train, "n_test": n_test,
        "wall_s": wall, "peak_rss_mb": peak_kb * 1024 / 1e6, "partitions": npart,
    }))


if __name__ == "__main__":
    main()
