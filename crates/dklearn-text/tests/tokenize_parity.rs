//! The tokenizer and text clean-up against Python 3.11 itself, from the
//! committed fixture (regenerate with `cargo xtask parity`): `re.findall`
//! of `(?u)\b\w\w+\b`, `str.lower`, `str.split` and `re.sub(r"\s\s+", " ")`
//! on random Unicode strings (combining marks, other scripts' digits,
//! final sigma, 'İ', emoji, unusual whitespace).

use dklearn_text::{
    collapse_whitespace_into, is_python_word, python_lower, python_split, word_tokens,
};
use proptest::prelude::*;
use serde_json::Value;

fn cases() -> Vec<Value> {
    let text = include_str!("fixtures/text_tokenize.json");
    let v: Value = serde_json::from_str(text).expect("fixture is JSON");
    v["cases"].as_array().expect("cases").clone()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string"))
        .collect()
}

#[test]
fn matches_python_on_every_fixture_string() {
    let cases = cases();
    assert!(cases.len() >= 200);
    for c in &cases {
        let s = c["s"].as_str().expect("s");
        let tokens: Vec<&str> = word_tokens(s).collect();
        assert_eq!(tokens, strings(&c["tokens"]), "tokens of {s:?}");
        assert_eq!(
            python_lower(s),
            c["lower"].as_str().unwrap(),
            "lower of {s:?}"
        );
        let split: Vec<&str> = python_split(s).collect();
        assert_eq!(split, strings(&c["split"]), "split of {s:?}");
        let mut ws = String::new();
        collapse_whitespace_into(s, &mut ws);
        assert_eq!(ws, c["white_spaces"].as_str().unwrap(), "clean-up of {s:?}");
    }
}

proptest! {
    #[test]
    fn tokens_are_maximal_word_runs(s in any::<String>()) {
        let base = s.as_ptr() as usize;
        let mut prev_end = 0;
        for t in word_tokens(&s) {
            let start = t.as_ptr() as usize - base;
            let end = start + t.len();
            prop_assert!(start >= prev_end);
            prop_assert!(t.chars().count() >= 2 && t.chars().all(is_python_word));
            // Maximal: the code points around it are not word characters.
            prop_assert!(!s[..start].chars().next_back().is_some_and(is_python_word));
            prop_assert!(!s[end..].chars().next().is_some_and(is_python_word));
            prev_end = end;
        }
        // Every run of 2+ word characters is a token.
        let runs = s
            .split(|c: char| !is_python_word(c))
            .filter(|r| r.chars().count() >= 2)
            .count();
        prop_assert_eq!(runs, word_tokens(&s).count());
    }

    #[test]
    fn ascii_lowercase_is_make_ascii_lowercase(s in "[ -~]{0,80}") {
        prop_assert_eq!(python_lower(&s), s.to_ascii_lowercase());
    }
}
