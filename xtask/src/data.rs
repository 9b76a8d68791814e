//! Where things are: the workspace root, and the Reuters-21578 files looked
//! up from it (`dklearn_reuters::find_reuters` does the looking).

use std::path::{Path, PathBuf};

/// The workspace root (the parent of `xtask/`).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// The Reuters-21578 directory: `--data`, `$DKLEARN_DATA`,
/// `../shared/data/reuters21578` or `./data/reuters21578` from the workspace root.
pub(crate) fn find_reuters(explicit: Option<&Path>) -> crate::Result<PathBuf> {
    dklearn_reuters::find_reuters(explicit, &workspace_root()).map_err(|e| e.to_string())
}
