"""The timing half of `cargo xtask predict-bench`.

python predict_bench.py DKLEARN_BIN MODEL TEXTS_JSONL OUT_JSONL RUNS

Runs `dklearn predict --model MODEL < TEXTS > OUT` RUNS times (wall time, and
CPU time of the child from getrusage), then loads the same skops pipeline in
scikit-learn (no untrusted types allowed) and times decoding the JSON lines
and `pipeline.predict(texts)` (wall and process CPU time), checks the labels
equal dklearn's, and prints one JSON object. Fastest of RUNS for each.
"""

import json
import resource
import subprocess
import sys
import time

import skops.io as sio


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main():
    binary, model, texts_path, out_path, runs = sys.argv[1:6]
    runs = int(runs)
    dk_wall = dk_cpu = float("inf")
    for _ in range(runs):
        with open(texts_path, "rb") as fin, open(out_path, "wb") as fout:
            c0, t0 = child_cpu(), time.perf_counter()
            subprocess.run([binary, "predict", "--model", model], stdin=fin, stdout=fout, check=True)
            dk_wall = min(dk_wall, time.perf_counter() - t0)
            dk_cpu = min(dk_cpu, child_cpu() - c0)
    untrusted = sio.get_untrusted_types(file=model)
    if untrusted:
        raise SystemExit(f"untrusted types in {model}: {untrusted}")
    pipe = sio.load(model)
    with open(texts_path, encoding="utf-8") as f:
        raw = f.readlines()
    res = {k: float("inf") for k in ("parse_wall", "parse_cpu", "predict_wall", "predict_cpu")}
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        texts = [json.loads(l) for l in raw]
        res["parse_wall"] = min(res["parse_wall"], time.perf_counter() - t0)
        res["parse_cpu"] = min(res["parse_cpu"], time.process_time() - c0)
        c0, t0 = time.process_time(), time.perf_counter()
        pred = pipe.predict(texts)
        res["predict_wall"] = min(res["predict_wall"], time.perf_counter() - t0)
        res["predict_cpu"] = min(res["predict_cpu"], time.process_time() - c0)
    with open(out_path, encoding="utf-8") as f:
        dk = [json.loads(l) for l in f]
    res["labels_equal"] = len(dk) == len(pred) and all(a == b for a, b in zip(pred.tolist(), dk))
    res["dklearn_wall"], res["dklearn_cpu"] = dk_wall, dk_cpu
    print(json.dumps(res))


if __name__ == "__main__":
    main()
