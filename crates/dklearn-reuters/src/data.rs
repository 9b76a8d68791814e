//! Where the Reuters-21578 files are.

use crate::error::{Error, ErrorKind};
use std::path::{Path, PathBuf};

/// Finds the Reuters-21578 directory: `explicit` (a `--data DIR` flag), else
/// `$DKLEARN_DATA`, else `<root>/../shared/data/reuters21578`, else
/// `<root>/data/reuters21578` (`root` is the workspace root for `cargo
/// xtask`). A directory counts when it holds at least one `*.sgm` file. The
/// error lists every place looked at; a directory that exists but cannot be
/// read, or holds an `.sgm` entry that is not a regular file, is an error of
/// its own (never "not found").
pub fn find_reuters(explicit: Option<&Path>, root: &Path) -> Result<PathBuf, Error> {
    let mut tried: Vec<(String, PathBuf)> = Vec::new();
    if let Some(p) = explicit {
        tried.push(("--data".into(), p.to_path_buf()));
    } else {
        if let Some(p) = std::env::var_os("DKLEARN_DATA") {
            tried.push(("$DKLEARN_DATA".into(), PathBuf::from(p)));
        }
        tried.push((
            "shared data".into(),
            root.join("..").join("shared/data/reuters21578"),
        ));
        tried.push(("local data".into(), root.join("data/reuters21578")));
    }
    for (_, dir) in &tried {
        if !sgm_files(dir)?.is_empty() {
            return Ok(dir.clone());
        }
    }
    Err(Error::new(ErrorKind::NoData { tried }))
}

/// The `*.sgm` files of `dir`, sorted by name; empty when `dir` does not
/// exist. Only regular files (or links to them) are data: a FIFO or a
/// directory named `*.sgm` is an error naming it (opening a FIFO would block
/// forever), as is a directory that exists but cannot be read.
pub fn sgm_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let io = |path: &Path, source| {
        Error::new(ErrorKind::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(dir, e)),
    };
    let mut files = Vec::new();
    for entry in rd {
        let path = entry.map_err(|e| io(dir, e))?.path();
        if path.extension().is_none_or(|x| x != "sgm") {
            continue;
        }
        let meta = std::fs::metadata(&path).map_err(|e| io(&path, e))?;
        if !meta.is_file() {
            return Err(io(
                &path,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "not a regular file (only regular files are read as data)",
                ),
            ));
        }
        files.push(path);
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dklearn-data-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    }

    #[test]
    fn an_empty_directory_is_a_clear_error_naming_it() {
        let d = temp_dir("empty");
        let e = find_reuters(Some(&d), Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no Reuters-21578 files"), "{e}");
        assert!(e.contains(&d.display().to_string()), "{e}");
        assert!(e.contains("cargo xtask fetch-data"), "{e}");
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn files_that_are_not_sgm_are_ignored() {
        let d = temp_dir("other");
        std::fs::write(d.join("README.txt"), "not data").unwrap();
        std::fs::write(d.join("reut2-000.sgm.bak"), "old").unwrap();
        assert!(sgm_files(&d).unwrap().is_empty());
        assert!(find_reuters(Some(&d), Path::new(".")).is_err());
        std::fs::write(d.join("reut2-001.sgm"), "").unwrap();
        std::fs::write(d.join("reut2-000.sgm"), "").unwrap();
        let files = sgm_files(&d).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["reut2-000.sgm", "reut2-001.sgm"]);
        assert_eq!(find_reuters(Some(&d), Path::new(".")).unwrap(), d);
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_missing_directory_is_an_error_not_a_panic() {
        let d = std::env::temp_dir().join("dklearn-data-does-not-exist-7d1f");
        assert!(sgm_files(&d).unwrap().is_empty());
        let e = find_reuters(Some(&d), Path::new(".")).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::NoData { .. }), "{e}");
        assert!(e.to_string().contains("--data"), "{e}");
    }

    #[test]
    fn a_directory_named_sgm_is_refused_by_name() {
        let d = temp_dir("notfile");
        std::fs::write(d.join("reut2-000.sgm"), "").unwrap();
        std::fs::create_dir(d.join("reut2-001.sgm")).unwrap();
        let e = sgm_files(&d).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Io { .. }), "{e}");
        assert!(e.to_string().contains("reut2-001.sgm"), "{e}");
        assert!(e.to_string().contains("not a regular file"), "{e}");
        std::fs::remove_dir_all(&d).ok();
    }
}
