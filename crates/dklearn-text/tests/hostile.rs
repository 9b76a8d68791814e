//! Hostile input to the vectorizer and the Reuters reader: empty and
//! token-free documents, degenerate `n_features` and n-gram ranges, rows
//! whose features cancel, huge tokens, invalid UTF-8 and broken SGML. Each
//! gives a clear error or a documented result, with one row per document.

use dklearn_text::{
    murmurhash3_32_str, Analyzer, ErrorKind, HashingVectorizer, Norm, ReutersReader,
};

fn params() -> dklearn_text::HashingVectorizerParams {
    HashingVectorizer::params()
}

#[test]
fn empty_inputs_give_empty_rows_one_per_document() {
    for analyzer in [Analyzer::Word, Analyzer::Char, Analyzer::CharWb] {
        let v = params().analyzer(analyzer).build().unwrap();
        let none: [&str; 0] = [];
        assert_eq!(v.transform(&none).shape(), (0, 1 << 20));
        assert_eq!(v.transform(&none).nnz(), 0);
        let x = v.transform(&["", "", ""]);
        assert_eq!(x.shape(), (3, 1 << 20));
        assert_eq!(x.nnz(), 0, "{analyzer}");
        assert_eq!(x.indptr(), &[0, 0, 0, 0]);
    }
    // No token of two word characters: an empty row under the word analyzer.
    let v = HashingVectorizer::default();
    for doc in [
        "a b c",
        "!!! ... ---",
        " \t\n\u{a0}\u{3000}",
        "\u{0}\u{0}",
        "\u{feff}",
    ] {
        assert_eq!(v.transform_one(doc).0.len(), 0, "{doc:?}");
    }
    // Many empty documents, still one row each.
    let many = vec![""; 100_000];
    let x = v.transform(&many);
    assert_eq!((x.n_rows(), x.nnz()), (100_000, 0));
}

#[test]
fn n_features_zero_and_too_large_are_errors_naming_the_parameter() {
    for n in [0, i32::MAX as usize + 1, usize::MAX] {
        let e = params().n_features(n).build().unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::InvalidParameter { .. }),
            "{n}: {e}"
        );
        assert!(e.to_string().contains("n_features"), "{e}");
    }
    for (lo, hi) in [(0, 0), (0, 2), (3, 2), (2, 1)] {
        let e = params().ngram_range(lo, hi).build().unwrap_err();
        assert!(e.to_string().contains("ngram_range"), "({lo}, {hi}): {e}");
    }
    // The largest allowed n_features works and keeps columns in bounds.
    let v = params().n_features(i32::MAX as usize).build().unwrap();
    let (cols, _) = v.transform_one("the largest feature space");
    assert!(cols.iter().all(|&c| c < i32::MAX as usize));
}

/// A word whose hash is non-negative (sign +1), found by search.
fn positive_word() -> String {
    (0..1000)
        .map(|i| format!("w{i}"))
        .find(|w| murmurhash3_32_str(w, 0) >= 0)
        .expect("half of all words hash non-negative")
}

#[test]
fn n_features_one_sums_signs_and_a_cancelled_row_stays_zero_not_nan() {
    assert!(murmurhash3_32_str("foo", 0) < 0);
    let pos = positive_word();
    let v = params().n_features(1).build().unwrap();
    // foo (-1) and pos (+1) land in column 0 and cancel: the row keeps an
    // explicit zero (as scikit-learn) and l2 normalisation leaves it at 0.
    let (cols, vals) = v.transform_one(&format!("foo {pos}"));
    assert_eq!((cols.as_slice(), vals.as_slice()), (&[0][..], &[0.0][..]));
    let (_, vals) = v.transform_one(&format!("foo {pos} foo"));
    assert_eq!(vals, vec![-1.0]);
    for norm in [None, Some(Norm::L1), Some(Norm::L2)] {
        let v = params().n_features(1).norm(norm).build().unwrap();
        let x = v.transform(&[format!("foo {pos}"), "foo foo foo".into(), String::new()]);
        assert!(x.data().iter().all(|v| v.is_finite()), "{norm:?}");
        assert_eq!(x.row(0).1, &[0.0]);
        let want = if norm.is_some() { -1.0 } else { -3.0 };
        assert_eq!(x.row(1).1, &[want]);
        assert!(x.row(2).0.is_empty());
    }
    // Without signs, column 0 counts the tokens.
    let v = params()
        .n_features(1)
        .alternate_sign(false)
        .norm(None)
        .build()
        .unwrap();
    assert_eq!(v.transform_one(&format!("foo {pos} foo")).1, vec![3.0]);
}

#[test]
fn ngram_ranges_longer_than_the_document() {
    let v = params().ngram_range(1, 50).build().unwrap();
    let (cols, vals) = v.transform_one("just three words");
    // 3 unigrams + 2 bigrams + 1 trigram, all distinct columns here.
    assert_eq!(cols.len(), 6);
    assert!((vals.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-12);
    let v = params().ngram_range(4, 4).build().unwrap();
    assert!(v.transform_one("only three words").0.is_empty());
    let v = params()
        .analyzer(Analyzer::Char)
        .ngram_range(5, 9)
        .build()
        .unwrap();
    assert!(v.transform_one("abcd").0.is_empty());
    assert_eq!(v.transform_one("abcde").0.len(), 1);
    let v = params()
        .analyzer(Analyzer::CharWb)
        .ngram_range(1, 1)
        .build()
        .unwrap();
    // char_wb pads each word with spaces: " a " has ' ' and 'a'.
    assert_eq!(v.transform_one("a").0.len(), 2);
}

#[test]
fn a_huge_token_is_one_feature() {
    let token = "x".repeat(1 << 20);
    let v = HashingVectorizer::default();
    let (cols, vals) = v.transform_one(&token);
    assert_eq!((cols.len(), vals.len()), (1, 1));
    assert_eq!(vals[0].abs(), 1.0);
    let many_words = "ab ".repeat(200_000);
    let (cols, vals) = v.transform_one(&many_words);
    assert_eq!(cols.len(), 1);
    assert_eq!(vals[0].abs(), 1.0);
}

#[test]
fn invalid_utf8_is_dropped_as_python_decode_ignore() {
    let v = HashingVectorizer::default();
    let docs: [&[u8]; 5] = [
        b"caf\xc3\xa9 ol\xe9 ok",
        b"\xff\xfe\xfd",
        b"half \xe2\x82 euro",
        b"\xed\xa0\x80 surrogate",
        b"",
    ];
    let x = v.transform_bytes(&docs);
    assert_eq!(x.n_rows(), docs.len());
    let decoded = ["café ol ok", "", "half  euro", " surrogate", ""];
    let y = v.transform(&decoded);
    assert_eq!(
        (x.indptr(), x.indices(), x.data()),
        (y.indptr(), y.indices(), y.data())
    );
    assert_eq!(dklearn_text::decode_ignore(b"\xc3"), "");
}

fn read(
    data: &[u8],
    lenient: bool,
) -> Result<Vec<dklearn_text::ReutersDocument>, dklearn_text::Error> {
    ReutersReader::new(data, "hostile.sgm")
        .lenient(lenient)
        .collect()
}

#[test]
fn reuters_degenerate_files() {
    // Nothing, or no document at all: an error in strict mode, no documents
    // in lenient mode.
    for data in [
        &b""[..],
        b"\n\n",
        b"<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n",
        b"\xff\xfe",
    ] {
        let e = read(data, false).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("hostile.sgm:1: no <REUTERS> document"),
            "{e}"
        );
        assert!(read(data, true).unwrap().is_empty(), "{data:?}");
    }
    // A NUL byte is malformed in strict mode (it is in no Reuters file), and
    // plain text to the lenient reader, as to HTMLParser.
    let e = read(b"\n\xff\x00\xfe", false).unwrap_err();
    assert!(e.to_string().starts_with("hostile.sgm:2"), "{e}");
    assert!(e.to_string().contains("NUL"), "{e}");
    let nul = b"<REUTERS NEWID=\"4\"><TEXT><TITLE>a\x00b</TITLE></TEXT></REUTERS>";
    assert_eq!(read(nul, true).unwrap()[0].title, "a\u{0}b");
    // An end tag with nothing open: strict names the file and line; lenient
    // emits the (empty) document HTMLParser's handler would.
    let e = read(b"\n\n</REUTERS>", false).unwrap_err();
    assert!(e.to_string().starts_with("hostile.sgm:3"), "{e}");
    let docs = read(b"\n\n</REUTERS>", true).unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].text(), "\n\n");
    // Empty documents count: 3 in, 3 out.
    let three = b"<REUTERS NEWID=\"1\"></REUTERS><REUTERS NEWID=\"2\"></REUTERS>\
        <REUTERS NEWID=\"3\"><TEXT><TITLE></TITLE><BODY></BODY></TEXT></REUTERS>";
    let docs = read(three, false).unwrap();
    assert_eq!(
        docs.iter().map(|d| d.newid).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(docs.iter().all(|d| d.title.is_empty() && d.body.is_empty()));
    // Truncated in the middle of the last document: strict says which one.
    let e = read(&three[..three.len() - 5], false).unwrap_err();
    assert!(e.to_string().contains("NEWID=3"), "{e}");
}

#[test]
fn reuters_pathological_shapes() {
    // 10,000 labels in one document, and a 1 MB body.
    let mut sgml = b"<REUTERS NEWID=\"7\"><TOPICS>".to_vec();
    for i in 0..10_000 {
        sgml.extend_from_slice(format!("<D>t{i}</D>").as_bytes());
    }
    sgml.extend_from_slice(b"</TOPICS><TEXT><BODY>");
    sgml.extend(std::iter::repeat_n(b"word \n\t".iter().copied(), 150_000).flatten());
    sgml.extend_from_slice(b"</BODY></TEXT></REUTERS>");
    let docs = read(&sgml, false).unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].topics.len(), 10_000);
    assert_eq!(docs[0].body.len(), "word ".len() * 150_000);
    // A tag that never closes and a comment that never ends: no panic, no
    // hang, and the document before them survives in lenient mode.
    for tail in [
        &b"<REUTERS NEWID=\"2\"><TITLE x='"[..],
        b"<!-- never closed",
        b"<",
        b"&#99999999999;",
    ] {
        let mut data = b"<REUTERS NEWID=\"1\"><TEXT><TITLE>ok</TITLE></TEXT></REUTERS>".to_vec();
        data.extend_from_slice(tail);
        let docs = read(&data, true).unwrap();
        assert_eq!(docs[0].title, "ok", "{tail:?}");
        // Strict either accepts (tail is text) or names the file.
        if let Err(e) = read(&data, false) {
            assert!(e.to_string().starts_with("hostile.sgm:"), "{e}");
        }
    }
}

#[test]
fn documents_in_equal_rows_out_through_the_vectorizer() {
    let mut sgml = Vec::new();
    for i in 1..=25u32 {
        let body = if i % 5 == 0 {
            String::new()
        } else {
            format!("shares rose {i}")
        };
        sgml.extend_from_slice(
            format!("<REUTERS NEWID=\"{i}\"><TEXT><TITLE>T{i}</TITLE><BODY>{body}</BODY></TEXT></REUTERS>\n")
                .as_bytes(),
        );
    }
    let docs = read(&sgml, false).unwrap();
    assert_eq!(docs.len(), 25);
    let text: Vec<String> = docs.iter().map(|d| d.text()).collect();
    let x = HashingVectorizer::default().transform(&text);
    assert_eq!(x.n_rows(), 25);
    for (i, (cols, _)) in x.rows().enumerate() {
        // "T5" and friends are two word characters: every row has a token.
        assert!(!cols.is_empty(), "document {}", i + 1);
    }
}
