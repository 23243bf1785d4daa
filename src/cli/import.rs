//! `homeward import`: a data set into the store, in one transaction.

use super::DbArgs;
use anyhow::Result;
use homeward::dataset;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

// The options of `import` (no doc comment: the subcommand's about text is
// the variant's in main.rs).
#[derive(clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Data set: a folder of CSV files or a JSON document.
    #[arg(long)]
    data: PathBuf,
    /// Make the store exactly this data set (default: insert or update).
    #[arg(long)]
    replace: bool,
}

/// Runs `homeward import`.
pub fn run(args: ImportArgs) -> Result<()> {
    let ImportArgs { db, data, replace } = args;
    let d = dataset::load(&data)?;
    let mode = if replace {
        homeward::store::ImportMode::Replace
    } else {
        homeward::store::ImportMode::Upsert
    };
    let t = Instant::now();
    let s = db.open()?.import(&d, mode)?;
    outln!(
        "imported {}: {} created, {} updated, {} unchanged, {} deleted; revision {} ({:.2} s)",
        data.display(),
        s.created,
        s.updated,
        s.unchanged,
        s.deleted,
        s.revision,
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
