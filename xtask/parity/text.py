"""HashingVectorizer and murmurhash3_32 parity with scikit-learn 1.9.1.

Writes crates/dklearn-text/tests/fixtures/text_vectorizer.json and text_tokenize.json (Python's re.findall of the
token pattern, str.lower, str.split and the \s\s+ clean-up on random Unicode strings; checked by
`cargo test -p dklearn-text`), then checks
`<xtask> vectorize` live against scikit-learn on fresh random Unicode strings and, when --data is given, Reuters texts,
under 10 settings: indices identical, values within 1e-12.
Run by `cargo xtask parity` as: python text.py --root ROOT --xtask BIN --data DIR
"""
import argparse, json, os, random, re, subprocess, sys

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

PIECES = ["The", "cat", "SAT", "on", "mat", "naïve", "café_1", "ΟΔΟΣ", "Σ", "ΑΣ.", "İstanbul", "ıi", "ǅungla",
          "straße", "ﬁne", "٣٤٥", "١٢", "中文字符", "日本語", "한국어", "😀😀", "a_b", "__", "x", "e\u0301te", "ß",
          "ΣΑΣ", "Σ'Σ", "A\u0345Σ", "ⅫⅬ", "²³", "¼½", "\u00a0", "\u2003", "\t", "\n\n", "\x1c", "\u200b", "-", "--",
          "don't", "e-mail", "3.14", "U.S.", "ﾊﾝｶｸ", "Ǆ", "ᾈ", "K", "Å", "ǈ", "\u0130\u0307", "\U0001D400\U0001D401"]
SETTINGS = [
    dict(),
    dict(n_features=2**18, alternate_sign=False),
    dict(n_features=2**10, norm="l1"),
    dict(n_features=2**10, norm=None, binary=True),
    dict(n_features=2**10, ngram_range=(1, 3)),
    dict(n_features=2**12, analyzer="char", ngram_range=(1, 3)),
    dict(n_features=2**12, analyzer="char_wb", ngram_range=(2, 5)),
    dict(n_features=2**12, analyzer="char_wb", ngram_range=(1, 1), alternate_sign=False),
    dict(n_features=7, lowercase=False),
    dict(n_features=2**10, analyzer="char", ngram_range=(3, 3), lowercase=False, norm=None),
    dict(n_features=1, norm=None),
]


def random_string(rng):
    out = []
    for _ in range(rng.randint(0, 12)):
        r = rng.random()
        if r < 0.55:
            out.append(rng.choice(PIECES))
        elif r < 0.75:
            out.append("".join(chr(rng.randint(0x20, 0x2FF)) for _ in range(rng.randint(1, 6))))
        else:
            cps = []
            while len(cps) < rng.randint(1, 4):
                c = rng.randint(0, 0x10FFFF) if rng.random() < 0.5 else rng.randint(0x370, 0x3000)
                if not 0xD800 <= c <= 0xDFFF:
                    cps.append(chr(c))
            out.append("".join(cps))
        out.append(rng.choice([" ", " ", "  ", "\t", "\n", "", ",", "\u3000"]))
    return "".join(out)


def flags(s):
    f = []
    if "n_features" in s: f += ["--n-features", str(s["n_features"])]
    else: f += ["--n-features", str(2**20)]
    f += ["--alternate-sign", "true" if s.get("alternate_sign", True) else "false"]
    norm = s.get("norm", "l2"); f += ["--norm", norm if norm else "none"]
    lo, hi = s.get("ngram_range", (1, 1)); f += ["--ngram-min", str(lo), "--ngram-max", str(hi)]
    f += ["--analyzer", s.get("analyzer", "word")]
    if s.get("binary"): f += ["--binary"]
    f += ["--lowercase", "true" if s.get("lowercase", True) else "false"]
    return f


def expected(s, docs):
    X = HashingVectorizer(**s).transform(docs)
    X.sort_indices()
    rows = []
    for i in range(len(docs)):
        a, b = X.indptr[i], X.indptr[i + 1]
        rows.append([X.indices[a:b].tolist(), X.data[a:b].tolist()])
    return rows


def compare(rows_py, rows_rs, docs, label):
    bad = 0
    for i, ((ip, dp), (ir, dr)) in enumerate(zip(rows_py, rows_rs)):
        # explicit zeros may be dropped on either side
        p = {j: v for j, v in zip(ip, dp) if v != 0}
        r = {j: v for j, v in zip(ir, dr) if v != 0}
        if p.keys() != r.keys() or any(abs(p[j] - r[j]) > 1e-12 for j in p):
            bad += 1
            if bad <= 3:
                print(f"  MISMATCH {label} doc {i} {docs[i]!r}\n    sklearn {ip} {dp}\n    rust    {ir} {dr}")
    if len(rows_py) != len(rows_rs):
        print(f"  MISMATCH {label}: {len(rows_py)} rows vs {len(rows_rs)}")
        bad += 1
    return bad


def run_rust(xtask, s, docs):
    inp = "".join(json.dumps(d) + "\n" for d in docs)
    out = subprocess.run([xtask, "vectorize", *flags(s)], input=inp, capture_output=True, text=True, check=True)
    return [[r["indices"], r["data"]] for r in map(json.loads, out.stdout.splitlines())]


def reuters_texts(data, limit):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
    from sklearn_job import parse
    import glob
    texts = []
    for f in sorted(glob.glob(os.path.join(data, "*.sgm"))):
        texts += ["{}\n\n{}".format(d["title"], d["body"]) for d in parse(f)]
        if len(texts) >= limit:
            break
    return texts[:limit]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True); ap.add_argument("--xtask", default=""); ap.add_argument("--data", default="")
    a = ap.parse_args()
    rng = random.Random(20261125)
    murmur = []
    for _ in range(200):
        s = random_string(rng)
        seed = rng.choice([0, 0, 1, 42, 2**31, 2**32 - 1])
        murmur.append([s, seed, int(murmurhash3_32(s, seed=seed))])
    murmur.append(["foo", 0, int(murmurhash3_32("foo", seed=0))])
    docs = [random_string(rng) for _ in range(40)] + ["", " ", "a", "ab", "Σ", "ΑΣ", "İ", "I\u0307", "ΑΣ\u0345Β"]
    cases = [dict(settings=s, docs=docs, rows=expected(s, docs)) for s in SETTINGS]
    fixture = {"_regenerate": "cargo xtask parity", "sklearn": __import__("sklearn").__version__,
               "murmur": murmur, "cases": cases}
    path = os.path.join(a.root, "crates/dklearn-text/tests/fixtures/text_vectorizer.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
    size = os.path.getsize(path)
    trng = random.Random(7)
    strings = [random_string(trng) for _ in range(220)] + ["ΟΔΟΣ Σ ΑΣ.", "Σ'Σ", "A\u0345Σ", "İI\u0307ı", "e\u0301te"]
    token_re, ws_re = re.compile(r"(?u)\b\w\w+\b"), re.compile(r"\s\s+")
    tok = {"_regenerate": "cargo xtask parity", "python": sys.version.split()[0],
           "cases": [{"s": t, "tokens": token_re.findall(t), "lower": t.lower(), "split": t.split(),
                      "white_spaces": ws_re.sub(" ", t)} for t in strings]}
    tpath = os.path.join(a.root, "crates/dklearn-text/tests/fixtures/text_tokenize.json")
    with open(tpath, "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, separators=(",", ":"))
    size += os.path.getsize(tpath)
    if not a.xtask:
        print(f"text: wrote fixture ({size} bytes); no --xtask, no live check")
        return
    live = [random_string(rng) for _ in range(300)]
    if a.data:
        live += reuters_texts(a.data, 300)
    bad = 0
    for s in SETTINGS:
        bad += compare(expected(s, live), run_rust(a.xtask, s, live), live, str(s))
    print(f"text: fixture {size} bytes; live: {len(live)} strings x {len(SETTINGS)} settings, {bad} mismatching rows")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
