//! read_text / JSON lines / CSV against files written here.

use dklearn_graph::{Bag, Sequential};
use dklearn_io::{read_text, CsvOptions, Files, IoError};
use proptest::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
fn scratch(name: &str) -> Dir {
    let d = std::env::temp_dir().join(format!("dklearn-io-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Dir(d)
}
fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p.to_string_lossy().into_owned()
}
fn all<T: Clone + Send + Sync + 'static>(b: &Bag<T>) -> Vec<T> {
    b.compute(&Sequential).unwrap()
}
fn err<T: Clone + Send + Sync + std::fmt::Debug + 'static>(b: &Bag<T>) -> String {
    b.compute(&Sequential).unwrap_err().to_string()
}

/// The reference: the file split at `\n`, a final `\r` dropped, no empty last line.
fn reference_lines(data: &str) -> Vec<String> {
    let mut v: Vec<String> = data
        .split_inclusive('\n')
        .map(|l| match l.strip_suffix('\n') {
            Some(l) => l.strip_suffix('\r').unwrap_or(l).to_string(),
            None => l.to_string(),
        })
        .collect();
    if v.last().is_some_and(|l| l.is_empty()) && !data.ends_with('\n') {
        v.pop();
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn any_blocksize_gives_the_lines_of_a_whole_read(
        lines in prop::collection::vec("[a-zé\r ]{0,12}", 0..40),
        trailing_newline in any::<bool>(),
        bs in 1u64..80,
    ) {
        let d = scratch(&format!("prop-{bs}"));
        let mut data = lines.join("\n");
        if trailing_newline && !data.is_empty() {
            data.push('\n');
        }
        let p = write(&d.0, "a.txt", data.as_bytes());
        let whole = all(&read_text(&[&p], None).unwrap());
        prop_assert_eq!(&whole, &reference_lines(&data));
        let r = Files::open(&[&p]).unwrap().blocksize(Some(bs)).lines().unwrap();
        let expect_parts = if data.len() as u64 > bs { (data.len() as u64).div_ceil(bs) } else { 1 };
        prop_assert_eq!(r.bag.npartitions() as u64, expect_parts);
        prop_assert_eq!(all(&r.bag), whole);
        let t = r.stats.total();
        prop_assert_eq!(t.bytes, data.len() as u64);
        prop_assert_eq!(t.records as usize, reference_lines(&data).len());
    }
}

#[test]
fn globs_expand_sorted_and_gz_is_read_whole() {
    let d = scratch("glob");
    write(&d.0, "b.txt", b"b1\nb2\n");
    write(&d.0, "a.txt", b"a1\na2");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"c1\nc2\nc3\n").unwrap();
    write(&d.0, "c.txt.gz", &gz.finish().unwrap());
    let pat = format!("{}/*", d.0.display());
    let r = Files::open(&[&pat])
        .unwrap()
        .blocksize(Some(2))
        .lines()
        .unwrap();
    assert!(
        r.blocks.iter().filter(|b| b.gzip).count() == 1,
        "gz is one block"
    );
    assert_eq!(all(&r.bag), ["a1", "a2", "b1", "b2", "c1", "c2", "c3"]);
    // A directory means its files.
    let dir = d.0.to_string_lossy().into_owned();
    assert_eq!(all(&read_text(&[&dir], None).unwrap()).len(), 7);
}

#[test]
fn nothing_matching_is_an_error_naming_the_pattern() {
    let d = scratch("nomatch");
    let pat = format!("{}/*.jsonl", d.0.display());
    match Files::open(&[&pat]) {
        Err(IoError::NoMatch { pattern }) => assert_eq!(pattern, pat),
        other => panic!("{other:?}"),
    }
    let missing = format!("{}/nope.txt", d.0.display());
    let e = Files::open(&[&missing]).unwrap_err().to_string();
    assert!(e.contains("nope.txt"), "{e}");
    assert!(Files::open(&[&missing]).unwrap_err().to_string().len() > 10);
    assert!(matches!(
        Files::open(&[&format!("{}", d.0.display())]),
        Err(IoError::NoMatch { .. })
    ));
}

#[test]
fn reading_happens_in_the_task_not_when_the_bag_is_built() {
    let d = scratch("lazy");
    let p = write(&d.0, "a.txt", b"x\ny\n");
    let bag = read_text(&[&p], None).unwrap();
    std::fs::remove_file(&p).unwrap();
    let e = err(&bag);
    assert!(e.contains("a.txt"), "{e}");
}

#[test]
fn invalid_utf8_names_file_and_line_in_any_block() {
    let d = scratch("utf8");
    let mut data = Vec::new();
    for i in 0..50 {
        data.extend_from_slice(format!("line {i}\n").as_bytes());
    }
    data.extend_from_slice(b"bad \xff here\nlast\n");
    let p = write(&d.0, "t.txt", &data);
    for bs in [None, Some(7), Some(64)] {
        let e = err(&Files::open(&[&p])
            .unwrap()
            .blocksize(bs)
            .lines()
            .unwrap()
            .bag);
        assert!(e.contains(&format!("{p}:51: invalid UTF-8")), "{bs:?}: {e}");
    }
    let r = Files::open(&[&p])
        .unwrap()
        .blocksize(Some(64))
        .lenient()
        .lines()
        .unwrap();
    assert_eq!(all(&r.bag).len(), 51);
    let t = r.stats.total();
    assert_eq!(t.skipped, 1);
    assert!(t.first_skipped.unwrap().contains(":51:"));
}

#[derive(serde::Deserialize, Clone, Debug, PartialEq)]
struct Review {
    text: String,
    stars: u8,
}

#[test]
fn jsonl_typed_and_by_fields_with_file_line_errors() {
    let d = scratch("jsonl");
    let good = "{\"text\":\"good \\\"film\\\"\",\"stars\":5,\"x\":[1,{\"a\":2}]}\n\n{\"stars\":1,\"text\":\"bad\"}\n";
    let p1 = write(&d.0, "1.jsonl", good.as_bytes());
    let p2 = write(
        &d.0,
        "2.jsonl",
        b"{\"text\":\"ok\",\"stars\":3}\n{\"text\":\"broken\",\n{\"text\":\"t\"}\n",
    );
    let typed = Files::open(&[&p1]).unwrap().jsonl::<Review>().unwrap();
    assert_eq!(
        all(&typed.bag),
        [
            Review {
                text: "good \"film\"".into(),
                stars: 5
            },
            Review {
                text: "bad".into(),
                stars: 1
            }
        ]
    );
    let pairs = Files::open(&[&p1])
        .unwrap()
        .jsonl_fields("text", "stars")
        .unwrap();
    assert_eq!(
        all(&pairs.bag),
        [
            ("good \"film\"".to_string(), "5".to_string()),
            ("bad".into(), "1".into())
        ]
    );
    let labels = Files::open(&[&p1]).unwrap().jsonl_field("stars").unwrap();
    assert_eq!(all(&labels.bag), ["5", "1"]);
    let both = [p1.clone(), p2.clone()];
    for bs in [None, Some(5)] {
        let e = err(&Files::open(&both)
            .unwrap()
            .blocksize(bs)
            .jsonl_fields("text", "stars")
            .unwrap()
            .bag);
        assert!(e.contains(&format!("{p2}:2:")), "{e}");
    }
    let r = Files::open(&both)
        .unwrap()
        .lenient()
        .jsonl_fields("text", "stars")
        .unwrap();
    assert_eq!(all(&r.bag).len(), 3);
    let t = r.stats.total();
    assert_eq!((t.records, t.skipped), (3, 2));
    assert!(t.first_skipped.unwrap().starts_with(&format!("{p2}:2:")));
    // A missing field is named; a text that is not a string is refused.
    let p3 = write(&d.0, "3.jsonl", b"{\"text\":1,\"stars\":2}\n");
    let e = err(&Files::open(&[&p3])
        .unwrap()
        .jsonl_fields("text", "stars")
        .unwrap()
        .bag);
    assert!(e.contains("3.jsonl:1: invalid type"), "{e}");
    let e = err(&Files::open(&[&p1])
        .unwrap()
        .jsonl_fields("body", "stars")
        .unwrap()
        .bag);
    assert!(e.contains("1.jsonl:1: missing field \"body\""), "{e}");
}

#[test]
fn csv_header_delimiter_quoting_and_blocks() {
    let d = scratch("csv");
    let mut data = String::from("id;label;text\n");
    for i in 0..40 {
        data.push_str(&format!("{i};l{};\"say \"\"hi\"\"; {i}\"\n", i % 3));
    }
    let p = write(&d.0, "t.csv", data.as_bytes());
    let opts = CsvOptions {
        delimiter: b';',
        ..CsvOptions::default()
    };
    let whole = all(&Files::open(&[&p])
        .unwrap()
        .csv_fields(&opts, "text", "label")
        .unwrap()
        .bag);
    assert_eq!(whole.len(), 40);
    assert_eq!(whole[7], ("say \"hi\"; 7".to_string(), "l1".to_string()));
    for bs in [1, 13, 50, 200] {
        let r = Files::open(&[&p])
            .unwrap()
            .blocksize(Some(bs))
            .csv_fields(&opts, "text", "label")
            .unwrap();
        assert_eq!(all(&r.bag), whole, "blocksize {bs}");
        assert_eq!(r.stats.total().records, 40);
    }
    #[derive(serde::Deserialize, Clone, Debug, PartialEq)]
    struct Row {
        id: u32,
        label: String,
        text: String,
    }
    let rows = all(&Files::open(&[&p])
        .unwrap()
        .blocksize(Some(50))
        .csv::<Row>(&opts)
        .unwrap()
        .bag);
    assert_eq!(rows.len(), 40);
    assert_eq!(rows[39].id, 39);
    // Quoted newlines in whole-file reads.
    let q = write(&d.0, "q.csv", b"text,label\n\"two\nlines\",a\nplain,b\n");
    let v = all(&Files::open(&[&q])
        .unwrap()
        .csv_fields(&CsvOptions::default(), "text", "label")
        .unwrap()
        .bag);
    assert_eq!(
        v,
        [
            ("two\nlines".to_string(), "a".to_string()),
            ("plain".into(), "b".into())
        ]
    );
}

#[test]
fn csv_errors_name_file_and_line() {
    let d = scratch("csverr");
    let mut data = String::from("text,label\n");
    for i in 0..30 {
        data.push_str(&format!("t{i},a\n"));
    }
    data.push_str("only-one-field\n");
    data.push_str("t,b\n");
    let p = write(&d.0, "e.csv", data.as_bytes());
    for bs in [None, Some(20)] {
        let e = err(&Files::open(&[&p])
            .unwrap()
            .blocksize(bs)
            .csv_fields(&CsvOptions::default(), "text", "label")
            .unwrap()
            .bag);
        assert!(e.contains(&format!("{p}:32:")), "{bs:?}: {e}");
    }
    let r = Files::open(&[&p])
        .unwrap()
        .blocksize(Some(20))
        .lenient()
        .csv_fields(&CsvOptions::default(), "text", "label")
        .unwrap();
    assert_eq!(all(&r.bag).len(), 31);
    assert_eq!(r.stats.total().skipped, 1);
    let e = err(&Files::open(&[&p])
        .unwrap()
        .csv_fields(&CsvOptions::default(), "body", "label")
        .unwrap()
        .bag);
    assert!(e.contains("no column \"body\""), "{e}");
    // Without a header, columns are numbers.
    let n = write(&d.0, "n.csv", b"x,1\ny,2\n");
    let o = CsvOptions {
        has_header: false,
        ..CsvOptions::default()
    };
    let v = all(&Files::open(&[&n])
        .unwrap()
        .csv_fields(&o, "0", "1")
        .unwrap()
        .bag);
    assert_eq!(
        v,
        [("x".to_string(), "1".to_string()), ("y".into(), "2".into())]
    );
}

#[test]
fn text_files_labelled_by_their_directory() {
    let d = scratch("bydir");
    for (label, lines) in [("spam", "buy now\n\nwin\n"), ("ham", "hello\n")] {
        std::fs::create_dir_all(d.0.join(label)).unwrap();
        write(&d.0.join(label), "a.txt", lines.as_bytes());
    }
    let pat = format!("{}/*/*.txt", d.0.display());
    let v = all(&Files::open(&[&pat])
        .unwrap()
        .lines_labelled_by_directory()
        .unwrap()
        .bag);
    assert_eq!(
        v,
        [
            ("hello".to_string(), "ham".to_string()),
            ("buy now".into(), "spam".into()),
            ("win".into(), "spam".into())
        ]
    );
}
