//! Runs `xtask/reference/sklearn_job.py` (scikit-learn alone or dask) in the
//! venv under `target/` and reads its JSON lines.

use std::path::Path;
use std::process::Command;

/// Runs the reference script on `data` with `args`; one JSON value per line.
pub(crate) fn run_reference(data: &Path, args: &[&str]) -> crate::Result<Vec<serde_json::Value>> {
    let needs_dask = args.iter().any(|a| a.starts_with("dask"));
    let python = crate::parity::venv_python(if needs_dask { &["dask"] } else { &[] })?;
    let script = crate::data::workspace_root().join("xtask/reference/sklearn_job.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(data)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| format!("reference output {l:?}: {e}")))
        .collect()
}
