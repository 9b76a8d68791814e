//! HashingVectorizer's stop_words, strip_accents and token_pattern against
//! scikit-learn 1.9.1 (fixture from xtask/parity/text_options.py), and the Rust
//! closures (preprocessor, tokenizer) that break parity on purpose.

use dklearn_text::{Analyzer, HashingVectorizer, StopWords, StripAccents};
use serde_json::Value;

fn build(p: &Value) -> HashingVectorizer {
    let mut b = HashingVectorizer::params();
    if let Some(r) = p.get("ngram_range") {
        b = b.ngram_range(
            r[0].as_u64().unwrap() as usize,
            r[1].as_u64().unwrap() as usize,
        );
    }
    if let Some(a) = p.get("analyzer") {
        b = b.analyzer(a.as_str().unwrap().parse::<Analyzer>().unwrap());
    }
    if let Some(l) = p.get("lowercase") {
        b = b.lowercase(l.as_bool().unwrap());
    }
    match p.get("stop_words") {
        None => {}
        Some(Value::String(s)) if s == "english" => b = b.stop_words(Some(StopWords::English)),
        Some(Value::Array(v)) => {
            b = b.stop_words(Some(StopWords::List(
                v.iter().map(|w| w.as_str().unwrap().to_string()).collect(),
            )))
        }
        Some(other) => panic!("stop_words {other}"),
    }
    if let Some(s) = p.get("strip_accents") {
        b = b.strip_accents(Some(s.as_str().unwrap().parse::<StripAccents>().unwrap()));
    }
    if let Some(t) = p.get("token_pattern") {
        b = b.token_pattern(t.as_str().unwrap());
    }
    b.build().unwrap()
}

#[test]
fn options_match_scikit_learn() {
    let cases: Vec<Value> =
        serde_json::from_str(include_str!("fixtures/text_options.json")).unwrap();
    assert!(cases.len() >= 10);
    for c in &cases {
        let v = build(&c["params"]);
        let docs: Vec<&str> = c["docs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        let x = v.transform(&docs);
        for (i, want) in c["rows"].as_array().unwrap().iter().enumerate() {
            let (idx, val) = x.row(i);
            let wi: Vec<usize> = want["indices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j.as_u64().unwrap() as usize)
                .collect();
            assert_eq!(idx, wi.as_slice(), "{v:?} doc {:?}", docs[i]);
            for (g, w) in val.iter().zip(want["data"].as_array().unwrap()) {
                assert!(
                    (g - w.as_f64().unwrap()).abs() <= 1e-12,
                    "{v:?} doc {:?}",
                    docs[i]
                );
            }
        }
    }
}

#[test]
fn other_token_patterns_are_a_clear_error() {
    let e = HashingVectorizer::params()
        .token_pattern(r"\S+")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("token_pattern") && e.contains("tokenizer"),
        "{e}"
    );
}

#[test]
fn reprs_name_the_options_as_scikit_learn() {
    let v = HashingVectorizer::params()
        .stop_words(Some(StopWords::English))
        .strip_accents(Some(StripAccents::Unicode))
        .token_pattern(dklearn_text::SINGLE_CHAR_TOKEN_PATTERN)
        .build()
        .unwrap();
    assert_eq!(
        format!("{v:?}"),
        r"HashingVectorizer(stop_words='english', strip_accents='unicode', token_pattern='(?u)\\b\\w+\\b')"
    );
}

#[test]
fn rust_closures_replace_preprocessing_and_tokenizing() {
    // Preprocessor: replaces lowercasing (so "ABC" stays upper case).
    let upper = HashingVectorizer::params()
        .preprocessor(|s: &str| s.replace('-', " "))
        .build()
        .unwrap();
    let plain = HashingVectorizer::params()
        .lowercase(false)
        .build()
        .unwrap();
    assert_eq!(upper.transform_one("AB-CD"), plain.transform_one("AB CD"));
    // Tokenizer: whitespace split, single letters kept; stop words still apply.
    let t = HashingVectorizer::params()
        .tokenizer(|s: &str| s.split_whitespace().map(str::to_string).collect())
        .stop_words(Some(StopWords::List(vec!["x".into()])))
        .build()
        .unwrap();
    let same = HashingVectorizer::params()
        .token_pattern(dklearn_text::SINGLE_CHAR_TOKEN_PATTERN)
        .build()
        .unwrap();
    assert_eq!(t.transform_one("a b x"), same.transform_one("a b"));
    // Two different closures never share a repr (graph keys hash it).
    let t2 = HashingVectorizer::params()
        .tokenizer(|s: &str| vec![s.to_string()])
        .build()
        .unwrap();
    assert_ne!(format!("{t:?}"), format!("{t2:?}"));
    assert_eq!(format!("{t:?}"), format!("{:?}", t.clone()));
}
