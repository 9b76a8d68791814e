//! HashingVectorizer and murmurhash3_32 against scikit-learn 1.9.1, from the
//! committed fixture (regenerate with `cargo xtask parity`), plus properties.

use dklearn_text::{murmurhash3_32_str, Analyzer, HashingVectorizer, Norm};
use proptest::prelude::*;
use serde_json::Value;

fn fixture() -> Value {
    let text = include_str!("fixtures/text_vectorizer.json");
    serde_json::from_str(text).expect("fixture is JSON")
}

fn build(s: &Value) -> HashingVectorizer {
    let ngram = s.get("ngram_range").map_or((1, 1), |r| {
        (
            r[0].as_u64().unwrap() as usize,
            r[1].as_u64().unwrap() as usize,
        )
    });
    let norm = match s.get("norm") {
        None => Some(Norm::L2),
        Some(Value::Null) => None,
        Some(v) if v == "l1" => Some(Norm::L1),
        Some(_) => Some(Norm::L2),
    };
    HashingVectorizer::params()
        .n_features(
            s.get("n_features")
                .map_or(1 << 20, |v| v.as_u64().unwrap() as usize),
        )
        .alternate_sign(s.get("alternate_sign").is_none_or(|v| v.as_bool().unwrap()))
        .norm(norm)
        .ngram_range(ngram.0, ngram.1)
        .analyzer(
            s.get("analyzer")
                .map_or(Analyzer::Word, |v| v.as_str().unwrap().parse().unwrap()),
        )
        .binary(s.get("binary").is_some_and(|v| v.as_bool().unwrap()))
        .lowercase(s.get("lowercase").is_none_or(|v| v.as_bool().unwrap()))
        .build()
        .unwrap()
}

#[test]
fn murmurhash3_matches_sklearn() {
    let f = fixture();
    let cases = f["murmur"].as_array().unwrap();
    assert!(cases.len() > 100);
    for c in cases {
        let (s, seed, want) = (
            c[0].as_str().unwrap(),
            c[1].as_u64().unwrap(),
            c[2].as_i64().unwrap(),
        );
        assert_eq!(
            i64::from(murmurhash3_32_str(s, seed as u32)),
            want,
            "{s:?} seed {seed}"
        );
    }
}

#[test]
fn vectorizer_matches_sklearn_on_every_setting() {
    let f = fixture();
    let cases = f["cases"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for case in cases {
        let v = build(&case["settings"]);
        let docs: Vec<&str> = case["docs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        let x = v.transform(&docs);
        for (i, row) in case["rows"].as_array().unwrap().iter().enumerate() {
            let want: Vec<(u64, f64)> = row[0]
                .as_array()
                .unwrap()
                .iter()
                .zip(row[1].as_array().unwrap())
                .map(|(j, v)| (j.as_u64().unwrap(), v.as_f64().unwrap()))
                .filter(|p| p.1 != 0.0)
                .collect();
            let (idx, val) = x.row(i);
            let got: Vec<(u64, f64)> = idx
                .iter()
                .zip(val)
                .map(|(j, v)| (*j as u64, *v))
                .filter(|p| p.1 != 0.0)
                .collect();
            assert_eq!(got.len(), want.len(), "{v:?} doc {:?}", docs[i]);
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.0, w.0, "{v:?} doc {:?}", docs[i]);
                assert!(
                    (g.1 - w.1).abs() <= 1e-12,
                    "{v:?} doc {:?}: {} vs {}",
                    docs[i],
                    g.1,
                    w.1
                );
            }
        }
    }
}

#[test]
fn invalid_settings_are_errors() {
    assert!(HashingVectorizer::params().n_features(0).build().is_err());
    assert!(HashingVectorizer::params()
        .ngram_range(0, 1)
        .build()
        .is_err());
    assert!(HashingVectorizer::params()
        .ngram_range(3, 2)
        .build()
        .is_err());
    assert!("words".parse::<Analyzer>().is_err());
    let e = HashingVectorizer::params()
        .n_features(0)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("n_features"), "{e}");
}

#[test]
fn repr_reads_like_sklearn() {
    let v = HashingVectorizer::default();
    assert_eq!(format!("{v:?}"), "HashingVectorizer()");
    let v = HashingVectorizer::params()
        .analyzer(Analyzer::CharWb)
        .ngram_range(2, 4)
        .norm(None)
        .binary(true)
        .lowercase(false)
        .build()
        .unwrap();
    assert_eq!(
        format!("{v:?}"),
        "HashingVectorizer(analyzer='char_wb', binary=True, lowercase=False, ngram_range=(2, 4), norm=None)"
    );
}

#[test]
fn bytes_are_decoded_dropping_invalid_sequences() {
    let v = HashingVectorizer::default();
    // b"caf\xc3\xa9 \xff\xfeok" decodes (errors='ignore') to "café ok"
    let x = v.transform_bytes(&[b"caf\xc3\xa9 \xe2\x82ok".as_slice()]);
    let y = v.transform(&["café ok"]);
    assert_eq!(x.row(0), y.row(0));
    assert_eq!(dklearn_text::decode_ignore(b"a\xffb\xe2\x82"), "ab");
}

fn settings() -> impl Strategy<Value = HashingVectorizer> {
    (
        1usize..5000,
        any::<bool>(),
        0u8..3,
        1usize..4,
        0usize..3,
        0u8..3,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(n, sign, norm, lo, extra, an, binary, lower)| {
            HashingVectorizer::params()
                .n_features(n)
                .alternate_sign(sign)
                .norm([Some(Norm::L2), Some(Norm::L1), None][norm as usize])
                .ngram_range(lo, lo + extra)
                .analyzer([Analyzer::Word, Analyzer::Char, Analyzer::CharWb][an as usize])
                .binary(binary)
                .lowercase(lower)
                .build()
                .unwrap()
        })
}

proptest! {
    #[test]
    fn rows_are_sorted_in_bounds_and_normalised(v in settings(), docs in proptest::collection::vec(any::<String>(), 0..6)) {
        let x = v.transform(&docs);
        prop_assert_eq!(x.n_rows(), docs.len());
        for (idx, val) in x.rows() {
            prop_assert!(idx.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(idx.iter().all(|&j| j < v.n_features()));
            prop_assert!(val.iter().all(|x| x.is_finite()));
        }
        let dbg = format!("{v:?}");
        if !dbg.contains("norm=") {
            for (_, val) in x.rows() {
                let n: f64 = val.iter().map(|v| v * v).sum();
                prop_assert!(n == 0.0 || (n - 1.0).abs() < 1e-12, "l2 norm^2 {}", n);
            }
        }
    }

    #[test]
    fn lowercase_is_a_no_op_on_lowercase_ascii(s in "[a-z0-9_ ,.\\-]{0,60}") {
        let a = HashingVectorizer::default();
        let b = HashingVectorizer::params().lowercase(false).build().unwrap();
        prop_assert_eq!(a.transform(&[&s]), b.transform(&[&s]));
    }
}

#[test]
fn column_is_abs_hash_mod_n_for_tokens_ending_the_document() {
    // Tokens of every length mod 4 at the very end of the text (the ASCII
    // path reads a token's tail word in one load, past its end).
    let v = HashingVectorizer::params()
        .norm(None)
        .alternate_sign(false)
        .build()
        .unwrap();
    for len in 2..=13 {
        let tok: String = "abcdefghijklm"[..len].to_string();
        for doc in [tok.clone(), format!("x {tok}"), format!("{tok}.")] {
            let (idx, val) = v.transform_one(&doc);
            let col = murmurhash3_32_str(&tok, 0).unsigned_abs() as usize % (1 << 20);
            assert_eq!((idx, val), (vec![col], vec![1.0]), "{doc:?}");
        }
    }
}
