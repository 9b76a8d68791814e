//! `cargo xtask fetch-data`: download Reuters-21578, verify every `reut2-*.sgm`
//! against the pinned SHA-256 sums and move it into place (see `dklearn-fetch`).

use std::path::PathBuf;
use std::time::Duration;

/// Flags of `cargo xtask fetch-data`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Where the tarball is downloaded from (scikit-learn's out-of-core example's URL by default).
    #[arg(long, default_value = dklearn_fetch::REUTERS_URL)]
    url: String,
    /// Destination directory (relative paths are relative to the workspace root).
    #[arg(long, default_value = "data/reuters21578")]
    dest: PathBuf,
    /// Seconds to wait for a connection or for any data before giving up.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

pub(crate) fn run(a: Args) -> crate::Result<()> {
    let dest = if a.dest.is_absolute() {
        a.dest
    } else {
        crate::data::workspace_root().join(a.dest)
    };
    let mut spec = dklearn_fetch::Fetch::reuters(&a.url, &dest);
    spec.timeout = Duration::from_secs(a.timeout.max(1));
    eprintln!("fetching {} into {}", a.url, dest.display());
    let got = dklearn_fetch::fetch(&spec).map_err(|e| e.to_string())?;
    if got.already_present {
        println!(
            "{}: already present, {} files verified",
            got.dest.display(),
            got.verified
        );
    } else {
        println!(
            "{}: {} bytes downloaded, {} files extracted, {} verified against pinned SHA-256 sums",
            got.dest.display(),
            got.downloaded_bytes,
            got.files,
            got.verified
        );
    }
    Ok(())
}
