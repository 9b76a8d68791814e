//! `fetch` against an HTTP server on 127.0.0.1 in this process, serving generated
//! tarballs: the good case and every way a download goes wrong. After each failure
//! the destination, the temporary directory and any parent created are gone.

use dklearn_fetch::{fetch, parse_sums, Fetch, FetchError, Pinned};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How the server answers every request.
#[derive(Clone)]
enum Reply {
    /// 200 with the body and a correct Content-Length.
    Ok(Vec<u8>),
    /// 200, Content-Length of the whole body, but only the first `n` bytes sent.
    Truncated(Vec<u8>, usize),
    /// A status line with an empty body.
    Status(u16),
    /// 200 with Content-Length, `n` bytes, then silence until the server stops.
    Stall(Vec<u8>, usize),
}

struct Server {
    url: String,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Server {
    fn start(reply: Reply) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let handle = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            while !stop2.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((s, _)) => serve(s, &reply, &stop2, deadline),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server {
            url: format!("http://127.0.0.1:{port}/reuters21578.tar.gz"),
            stop,
            handle: Some(handle),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn serve(mut s: TcpStream, reply: &Reply, stop: &AtomicBool, deadline: Instant) {
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    // Read the request head.
    let mut r = BufReader::new(match s.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut line = String::new();
    loop {
        line.clear();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let head = |code: u16, len: usize| {
        format!("HTTP/1.1 {code} X\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    let _ = match reply {
        Reply::Ok(b) => s
            .write_all(head(200, b.len()).as_bytes())
            .and_then(|_| s.write_all(b)),
        Reply::Truncated(b, n) => s
            .write_all(head(200, b.len()).as_bytes())
            .and_then(|_| s.write_all(&b[..*n])),
        Reply::Status(code) => s.write_all(head(*code, 0).as_bytes()),
        Reply::Stall(b, n) => {
            let r = s
                .write_all(head(200, b.len()).as_bytes())
                .and_then(|_| s.write_all(&b[..*n]))
                .and_then(|_| s.flush());
            while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            r
        }
    };
    let _ = s.flush();
}

/// An entry of a generated tarball.
enum Entry {
    File(&'static str, Vec<u8>),
    /// A regular file whose stored name is written raw (may hold `..`).
    RawName(&'static str, Vec<u8>),
    Symlink(&'static str, &'static str),
}

fn tarball(entries: &[Entry]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        match e {
            Entry::File(name, data) => {
                h.set_size(data.len() as u64);
                h.set_entry_type(tar::EntryType::Regular);
                b.append_data(&mut h, name, data.as_slice()).unwrap();
            }
            Entry::RawName(name, data) => {
                h.set_size(data.len() as u64);
                h.set_entry_type(tar::EntryType::Regular);
                let field = &mut h.as_gnu_mut().unwrap().name;
                field[..name.len()].copy_from_slice(name.as_bytes());
                h.set_cksum();
                b.append(&h, data.as_slice()).unwrap();
            }
            Entry::Symlink(name, target) => {
                h.set_size(0);
                h.set_entry_type(tar::EntryType::Symlink);
                b.append_link(&mut h, name, target).unwrap();
            }
        }
    }
    b.into_inner().unwrap().finish().unwrap()
}

fn sha_line(name: &str, data: &[u8]) -> String {
    let d = Sha256::digest(data);
    let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}  {name}\n")
}

fn doc(i: usize) -> Vec<u8> {
    format!("<REUTERS NEWID=\"{i}\"><BODY>text {i}</BODY></REUTERS>\n")
        .repeat(50 + i)
        .into_bytes()
}

/// Two pinned sgm files and one README, with the sums.
fn good_archive() -> (Vec<u8>, Vec<Pinned>) {
    let a = doc(0);
    let b = doc(1);
    let sums = parse_sums(&(sha_line("reut2-000.sgm", &a) + &sha_line("reut2-001.sgm", &b)))
        .expect("sums");
    let tgz = tarball(&[
        Entry::File("README.txt", b"readme".to_vec()),
        Entry::File("reut2-000.sgm", a),
        Entry::File("reut2-001.sgm", b),
    ]);
    (tgz, sums)
}

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Dir {
    let d = std::env::temp_dir().join(format!("dklearn-fetch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Dir(d)
}

fn spec(url: &str, dest: &Path, pinned: Vec<Pinned>) -> Fetch {
    Fetch {
        url: url.to_string(),
        dest: dest.to_path_buf(),
        pinned,
        pinned_pattern: Some(("reut2-".into(), ".sgm".into())),
        timeout: Duration::from_millis(800),
        progress: false,
    }
}

/// Nothing but the scratch root itself remains (no dest, no `.partial`, no created parent).
fn assert_clean(root: &Path) {
    let left: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

fn failing(name: &str, reply: Reply, pinned: Vec<Pinned>) -> FetchError {
    let root = scratch(name);
    let server = Server::start(reply);
    // Two missing parents: they must be removed again.
    let dest = root.0.join("data/sub/reuters21578");
    let err = fetch(&spec(&server.url, &dest, pinned)).expect_err("must fail");
    drop(server);
    assert_clean(&root.0);
    err
}

#[test]
fn good_archive_is_extracted_and_verified() {
    let (tgz, sums) = good_archive();
    let n = tgz.len() as u64;
    let root = scratch("good");
    let server = Server::start(Reply::Ok(tgz));
    let dest = root.0.join("data/reuters21578");
    let got = fetch(&spec(&server.url, &dest, sums.clone())).unwrap();
    assert_eq!(got.files, 3);
    assert_eq!(got.verified, 2);
    assert_eq!(got.downloaded_bytes, n);
    assert!(!got.already_present);
    assert_eq!(std::fs::read(dest.join("reut2-001.sgm")).unwrap(), doc(1));
    assert_eq!(std::fs::read(dest.join("README.txt")).unwrap(), b"readme");
    let entries: Vec<_> = std::fs::read_dir(root.0.join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, ["reuters21578"], "no temporary directory remains");
    // A second run finds it in place and downloads nothing.
    let again = fetch(&spec(&server.url, &dest, sums)).unwrap();
    assert!(again.already_present);
    assert_eq!(again.downloaded_bytes, 0);
}

#[test]
fn an_existing_destination_with_other_content_is_refused_untouched() {
    let (tgz, sums) = good_archive();
    let root = scratch("exists");
    let server = Server::start(Reply::Ok(tgz));
    let dest = root.0.join("reuters21578");
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::write(dest.join("reut2-000.sgm"), b"edited").unwrap();
    let e = fetch(&spec(&server.url, &dest, sums)).unwrap_err();
    assert!(matches!(e, FetchError::DestExists { .. }), "{e}");
    assert!(e.to_string().contains("SHA-256 mismatch"), "{e}");
    assert_eq!(
        std::fs::read(dest.join("reut2-000.sgm")).unwrap(),
        b"edited"
    );
}

#[test]
fn a_wrong_checksum_is_refused() {
    let (tgz, mut sums) = good_archive();
    sums[1].sha256[0] ^= 1;
    let e = failing("checksum", Reply::Ok(tgz), sums);
    assert!(matches!(e, FetchError::Checksum { ref name, .. } if name == "reut2-001.sgm"));
    assert!(
        e.to_string().contains("SHA-256 mismatch for reut2-001.sgm"),
        "{e}"
    );
}

#[test]
fn a_pinned_file_missing_from_the_archive_is_refused() {
    let (tgz, mut sums) = good_archive();
    sums.push(Pinned {
        name: "reut2-002.sgm".into(),
        sha256: [0; 32],
    });
    let e = failing("missing", Reply::Ok(tgz), sums);
    assert!(
        e.to_string().contains("lacks pinned files: reut2-002.sgm"),
        "{e}"
    );
}

#[test]
fn an_unpinned_data_file_is_refused() {
    let (_, sums) = good_archive();
    let tgz = tarball(&[
        Entry::File("reut2-000.sgm", doc(0)),
        Entry::File("reut2-001.sgm", doc(1)),
        Entry::File("reut2-099.sgm", b"extra".to_vec()),
    ]);
    let e = failing("unpinned", Reply::Ok(tgz), sums);
    assert!(matches!(e, FetchError::NotPinned { .. }), "{e}");
}

#[test]
fn a_truncated_body_is_refused() {
    let (tgz, sums) = good_archive();
    for cut in [10, tgz.len() / 2, tgz.len() - 3] {
        let e = failing(
            &format!("trunc{cut}"),
            Reply::Truncated(tgz.clone(), cut),
            sums.clone(),
        );
        let msg = e.to_string();
        assert!(
            matches!(
                e,
                FetchError::Archive { .. } | FetchError::Truncated { .. } | FetchError::Http { .. }
            ),
            "cut {cut}: {msg}"
        );
    }
}

#[test]
fn corrupt_gzip_is_refused() {
    let (mut tgz, sums) = good_archive();
    let mid = tgz.len() / 2;
    tgz[mid] ^= 0xff;
    let e = failing("corrupt", Reply::Ok(tgz), sums);
    // Either the deflate stream or CRC breaks, or it inflates to other bytes.
    assert!(
        matches!(e, FetchError::Archive { .. } | FetchError::Checksum { .. }),
        "{e}"
    );
}

#[test]
fn http_errors_name_the_status() {
    for code in [404, 500] {
        let (_, sums) = good_archive();
        let e = failing(&format!("status{code}"), Reply::Status(code), sums);
        assert!(
            e.to_string().contains(&format!("HTTP status {code}")),
            "{e}"
        );
        assert!(std::error::Error::source(&e).is_some());
    }
}

#[test]
fn path_traversal_is_refused() {
    let (_, sums) = good_archive();
    for name in ["../evil.sgm", "a/../../evil.sgm", "/tmp/dklearn-evil.sgm"] {
        let tgz = tarball(&[
            Entry::File("reut2-000.sgm", doc(0)),
            Entry::RawName(name, b"pwned".to_vec()),
        ]);
        let e = failing("traversal", Reply::Ok(tgz), sums.clone());
        assert!(matches!(e, FetchError::UnsafeEntry { .. }), "{name}: {e}");
        assert!(!Path::new("/tmp/dklearn-evil.sgm").exists());
    }
}

#[test]
fn symlinks_are_refused() {
    let (_, sums) = good_archive();
    let tgz = tarball(&[
        Entry::Symlink("reut2-000.sgm", "/etc/passwd"),
        Entry::File("reut2-001.sgm", doc(1)),
    ]);
    let e = failing("symlink", Reply::Ok(tgz), sums);
    assert!(e.to_string().contains("symbolic link"), "{e}");
}

#[test]
fn a_stalled_server_times_out() {
    let (tgz, sums) = good_archive();
    let cut = tgz.len() / 2;
    let t = Instant::now();
    let e = failing("stall", Reply::Stall(tgz, cut), sums);
    assert!(t.elapsed() < Duration::from_secs(25), "bounded");
    let mut chain = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        chain.push_str(&format!(" / {s}"));
        src = s.source();
    }
    assert!(chain.to_lowercase().contains("timeout"), "{chain}");
}

#[test]
fn a_server_that_accepts_nothing_is_a_connection_error() {
    let (_, sums) = good_archive();
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }; // closed again: nothing listens
    let root = scratch("refused");
    let dest = root.0.join("d");
    let e = fetch(&spec(
        &format!("http://127.0.0.1:{port}/x.tar.gz"),
        &dest,
        sums,
    ))
    .unwrap_err();
    assert!(matches!(e, FetchError::Http { .. }), "{e}");
    assert_clean(&root.0);
}
