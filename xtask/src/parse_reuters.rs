//! `cargo xtask parse-reuters` (issue 3).

/// Flags of `cargo xtask parse-reuters`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> crate::Result<()> {
    Err("not yet implemented: see issue 3".into())
}
