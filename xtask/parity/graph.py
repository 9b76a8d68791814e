"""Parity fixtures for dklearn-graph.

1. tokens.json: tokens and keys computed by an independent pure-Python
   SipHash-1-3-128 over the byte encoding documented in
   crates/dklearn-graph/src/token.rs (little-endian integers, f64 bits,
   length-prefixed strings/slices, fixed keys "dklearn-" / "graph v1").
   The Rust tests recompute the same cases, so keys are proven stable across
   languages, runs and machines.
2. bag_partitions.json: partition sizes of dask.bag.from_sequence(range(n),
   npartitions=p), which Bag::from_sequence must reproduce.

Usage (called by `cargo xtask parity`):
    python xtask/parity/graph.py --root ROOT --xtask XTASK --data DATA
"""

import argparse
import json
import math
import struct
import sys
from pathlib import Path

MASK = (1 << 64) - 1
K0 = int.from_bytes(b"dklearn-", "little")
K1 = int.from_bytes(b"graph v1", "little")


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK


def sipround(v):
    v0, v1, v2, v3 = v
    v0 = (v0 + v1) & MASK
    v1 = rotl(v1, 13) ^ v0
    v0 = rotl(v0, 32)
    v2 = (v2 + v3) & MASK
    v3 = rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & MASK
    v3 = rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & MASK
    v1 = rotl(v1, 17) ^ v2
    v2 = rotl(v2, 32)
    return [v0, v1, v2, v3]


def siphash13_128(data: bytes) -> int:
    """SipHash-1-3 with 128-bit output; returns h1 | h2 << 64."""
    v = [
        K0 ^ 0x736F6D6570736575,
        K1 ^ 0x646F72616E646F6D ^ 0xEE,
        K0 ^ 0x6C7967656E657261,
        K1 ^ 0x7465646279746573,
    ]
    n = len(data)
    full = n - n % 8
    for i in range(0, full, 8):
        m = int.from_bytes(data[i : i + 8], "little")
        v[3] ^= m
        v = sipround(v)
        v[0] ^= m
    b = ((n & 0xFF) << 56) | int.from_bytes(data[full:], "little")
    v[3] ^= b
    v = sipround(v)
    v[0] ^= b
    v[2] ^= 0xEE
    for _ in range(3):
        v = sipround(v)
    h1 = v[0] ^ v[1] ^ v[2] ^ v[3]
    v[1] ^= 0xDD
    for _ in range(3):
        v = sipround(v)
    h2 = v[0] ^ v[1] ^ v[2] ^ v[3]
    return h1 | (h2 << 64)


# The encoding of Tokenize, one function per Rust type.
def u64(x):
    return struct.pack("<Q", x & MASK)


def i64(x):
    return struct.pack("<q", x)


def f64(x):
    return struct.pack("<d", x)


def u8(x):
    return bytes([x])


def string(s):
    b = s.encode("utf-8")
    return u64(len(b)) + b


def vec(items, enc):
    return u64(len(items)) + b"".join(enc(x) for x in items)


def option(x, enc):
    return u8(0) if x is None else u8(1) + enc(x)


def tokenize(name, encoded_inputs: bytes) -> str:
    return "%032x" % siphash13_128(string(name) + encoded_inputs)


def key(name, token_hex):
    return f"{name}-{token_hex}"


def token_cases():
    cases = {}
    cases["add_1_2"] = tokenize("add", i64(1) + i64(2))
    cases["stable_tuple"] = tokenize("dklearn", string("stable") + u64(42) + f64(1.5))
    cases["unicode_str"] = tokenize("s", string("héllo ☃"))
    cases["long_str"] = tokenize("s", string("0123456789" * 10))
    cases["vec_i64"] = tokenize("v", vec([-1, 0, 2**63 - 1], i64))
    cases["options"] = tokenize("o", option(3, u64) + option(None, u64))
    cases["floats"] = tokenize("f", f64(-0.0) + f64(math.inf))
    cases["empty"] = tokenize("", b"")
    cases["bool_unit"] = tokenize("b", u8(1) + u8(0))
    # Delayed::value("x", vec![1u32, 2, 3]) and .map_with("scale", &0.5f64, ..)
    x = key("x", tokenize("x", vec([1, 2, 3], u64)))
    cases["delayed_x"] = x
    # Derived keys (map, filter, ...) also hash the closure's identity (type
    # and call site, `FnId`), which only the Rust binary knows: they are
    # checked in Rust (equal for the same closure and call site, different
    # otherwise), not here.
    # Bag::from_sequence(vec![1u32..=5], 2): partition i keyed by (token, i).
    seq = tokenize("from_sequence", vec([1, 2, 3, 4, 5], u64) + u64(2))
    seq_bytes = int(seq, 16).to_bytes(16, "little")
    parts = [key("from_sequence", "%032x" % siphash13_128(seq_bytes + u64(i))) for i in range(3)]
    cases["bag_part0"] = parts[0]
    cases["bag_part1"] = parts[1]
    return cases


def bag_partitions():
    import dask.bag as db

    out = []
    for n in [0, 1, 3, 5, 10, 11, 22, 100, 101]:
        for p in [1, 2, 3, 4, 6, 10, 22, 200]:
            b = db.from_sequence(list(range(n)), npartitions=p)
            sizes = b.map_partitions(lambda part: [len(list(part))]).compute(scheduler="sync")
            out.append({"n": n, "npartitions": p, "sizes": sizes})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--xtask", default="")
    ap.add_argument("--data", default="")
    args = ap.parse_args()
    fixtures = Path(args.root) / "crates" / "dklearn-graph" / "tests" / "fixtures"
    fixtures.mkdir(parents=True, exist_ok=True)

    tokens = token_cases()
    (fixtures / "tokens.json").write_text(
        json.dumps({"_regenerate": "cargo xtask parity", "cases": tokens}, indent=1) + "\n"
    )
    try:
        parts = bag_partitions()
    except ImportError as e:
        print(f"graph: dask not importable ({e})", file=sys.stderr)
        return 1
    (fixtures / "bag_partitions.json").write_text(
        json.dumps({"_regenerate": "cargo xtask parity", "cases": parts}) + "\n"
    )
    # No live check against the xtask binary: the Rust tests (tests/parity.rs)
    # compare siphasher-based tokens and Bag partitioning with these fixtures.
    print(f"graph: {len(tokens)} token cases, {len(parts)} dask bag partitionings written to {fixtures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
