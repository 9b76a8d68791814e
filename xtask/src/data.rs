//! Where things are: the workspace root and the Reuters-21578 files.

use std::path::{Path, PathBuf};

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Finds the Reuters-21578 directory: `explicit` (a `--data DIR` flag), else
/// `$DKLEARN_DATA`, else `../shared/data/reuters21578`, else `./data/reuters21578`
/// (both relative to the workspace root). A directory counts when it holds at
/// least one `reut2-*.sgm`. The error lists every place looked at.
pub fn find_reuters(explicit: Option<&Path>) -> crate::Result<PathBuf> {
    let root = workspace_root();
    let mut candidates: Vec<(String, PathBuf)> = Vec::new();
    if let Some(p) = explicit {
        candidates.push(("--data".into(), p.to_path_buf()));
    } else {
        if let Some(p) = std::env::var_os("DKLEARN_DATA") {
            candidates.push(("$DKLEARN_DATA".into(), PathBuf::from(p)));
        }
        candidates.push((
            "shared data".into(),
            root.join("..").join("shared/data/reuters21578"),
        ));
        candidates.push(("local data".into(), root.join("data/reuters21578")));
    }
    for (_, dir) in &candidates {
        if !sgm_files(dir).is_empty() {
            return Ok(dir.clone());
        }
    }
    let tried: Vec<String> = candidates
        .iter()
        .map(|(what, p)| format!("  {what}: {}", p.display()))
        .collect();
    Err(format!(
        "no Reuters-21578 files (reut2-*.sgm) found; looked in:\n{}\n\
         download it with `cargo xtask fetch-data` (into data/reuters21578), \
         or set DKLEARN_DATA or pass --data DIR",
        tried.join("\n")
    ))
}

/// The `*.sgm` files of `dir`, sorted by name (empty when none or unreadable).
pub fn sgm_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sgm"))
        .collect();
    files.sort();
    files
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
        let e = find_reuters(Some(&d)).unwrap_err();
        assert!(e.contains("no Reuters-21578 files"), "{e}");
        assert!(e.contains(&d.display().to_string()), "{e}");
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn files_that_are_not_sgm_are_ignored() {
        let d = temp_dir("other");
        std::fs::write(d.join("README.txt"), "not data").unwrap();
        std::fs::write(d.join("reut2-000.sgm.bak"), "old").unwrap();
        assert!(sgm_files(&d).is_empty());
        assert!(find_reuters(Some(&d)).is_err());
        std::fs::write(d.join("reut2-001.sgm"), "").unwrap();
        std::fs::write(d.join("reut2-000.sgm"), "").unwrap();
        let files = sgm_files(&d);
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["reut2-000.sgm", "reut2-001.sgm"]);
        assert_eq!(find_reuters(Some(&d)).unwrap(), d);
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_missing_directory_is_an_error_not_a_panic() {
        let d = std::env::temp_dir().join("dklearn-data-does-not-exist-7d1f");
        assert!(sgm_files(&d).is_empty());
        assert!(find_reuters(Some(&d)).unwrap_err().contains("--data"));
    }
}
