//! Parity with an independent Python implementation of the token encoding
//! and with dask.bag's partitioning. Fixtures: `cargo xtask parity`
//! (xtask/parity/graph.py) regenerates `tests/fixtures/*.json`.

use dklearn_graph::{tokenize, Bag, Delayed, Sequential};
use serde_json::Value as Json;

fn fixture(name: &str) -> Json {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn tokens_match_the_python_reimplementation() {
    let fx = fixture("tokens.json");
    let cases = &fx["cases"];
    let want = |name: &str| -> &str {
        cases[name]
            .as_str()
            .unwrap_or_else(|| panic!("case {name} missing"))
    };
    let got: Vec<(&str, String)> = vec![
        ("add_1_2", tokenize("add", &(1i64, 2i64)).to_string()),
        (
            "stable_tuple",
            tokenize("dklearn", &("stable", 42u64, 1.5f64)).to_string(),
        ),
        ("unicode_str", tokenize("s", "héllo ☃").to_string()),
        (
            "long_str",
            tokenize("s", &"0123456789".repeat(10)).to_string(),
        ),
        (
            "vec_i64",
            tokenize("v", &vec![-1i64, 0, i64::MAX]).to_string(),
        ),
        (
            "options",
            tokenize("o", &(Some(3u32), None::<u32>)).to_string(),
        ),
        (
            "floats",
            tokenize("f", &(-0.0f64, f64::INFINITY)).to_string(),
        ),
        ("empty", tokenize("", &()).to_string()),
        ("bool_unit", tokenize("b", &(true, false, ())).to_string()),
    ];
    for (name, token) in &got {
        assert_eq!(token, want(name), "case {name}");
    }
    let x = Delayed::value("x", vec![1u32, 2, 3]);
    assert_eq!(x.key().as_str(), want("delayed_x"));
    let bag = Bag::from_sequence((1..=5u32).collect(), 2);
    assert_eq!(bag.keys()[0].as_str(), want("bag_part0"));
    assert_eq!(bag.keys()[1].as_str(), want("bag_part1"));
}

#[test]
fn from_sequence_partitions_like_dask() {
    let fx = fixture("bag_partitions.json");
    let cases = fx["cases"].as_array().expect("cases");
    assert!(cases.len() > 10);
    for c in cases {
        let n = c["n"].as_u64().expect("n") as u32;
        let p = c["npartitions"].as_u64().expect("npartitions") as usize;
        let want: Vec<u64> = c["sizes"]
            .as_array()
            .expect("sizes")
            .iter()
            .map(|s| s.as_u64().expect("size"))
            .collect();
        let bag = Bag::from_sequence((0..n).collect(), p);
        let sizes = bag
            .map_partitions("len", |part| vec![part.len() as u64])
            .compute(&Sequential)
            .expect("compute");
        assert_eq!(sizes, want, "n={n} npartitions={p}");
    }
}
