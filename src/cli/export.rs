//! `homeward export`: convert a data set between a CSV folder and a JSON
//! document.

use super::write_dataset;
use anyhow::Result;
use homeward::dataset;
use std::path::PathBuf;

// The options of `export` (no doc comment: the subcommand's about text is
// the variant's in main.rs).
#[derive(clap::Args)]
pub struct ExportArgs {
    /// Data set to read.
    #[arg(long)]
    data: PathBuf,
    /// Output folder (CSV files), or a file ending in .json.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `homeward export`.
pub fn run(args: ExportArgs) -> Result<()> {
    let d = dataset::load(&args.data)?;
    write_dataset(&d, &args.out, None)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
