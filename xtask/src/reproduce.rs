//! `cargo xtask reproduce` (issue 6).

/// Flags of `cargo xtask reproduce`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> crate::Result<()> {
    Err("not yet implemented: see issue 6".into())
}
