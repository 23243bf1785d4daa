//! The command line's commands, one file each: a file declares its
//! command's options (clap `Args`) and runs it, returning `anyhow` errors;
//! `main.rs` parses the arguments, routes to the file and prints the error.
//!
//! This module belongs to the binary, not the library: it is the outermost
//! layer (it may use every library module, none uses it).

use anyhow::{Context, Result};
use clap::ValueEnum;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// `println!` that returns the write error instead of panicking (a closed
/// pipe, e.g. `homeward rank … | head`, ends the command quietly).
macro_rules! outln {
    ($($t:tt)*) => { writeln!(std::io::stdout().lock(), $($t)*)? };
}
/// `print!` that returns the write error instead of panicking.
macro_rules! out {
    ($($t:tt)*) => { write!(std::io::stdout().lock(), $($t)*)? };
}

pub mod audit;
pub mod check;
pub mod export;
pub mod generate;
pub mod import;
pub mod models;
pub mod openapi;
pub mod plan;
pub mod rank;
pub mod serve;
pub mod simulate;

/// Output format on standard output.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Which store to open.
#[derive(clap::Args)]
pub struct DbArgs {
    /// SQLite database file (default homeward.db).
    #[arg(long, conflicts_with = "database_url")]
    db: Option<PathBuf>,
    /// PostgreSQL URL (postgres://user@host:port/db).
    #[arg(long, env = "HOMEWARD_DATABASE_URL")]
    database_url: Option<String>,
}

impl DbArgs {
    /// Opens the store named by the arguments.
    fn open(&self) -> Result<homeward::store::Store> {
        use homeward::store::{Store, StoreTarget};
        let target = match (&self.database_url, &self.db) {
            (Some(url), _) => StoreTarget::Postgres(url.clone()),
            (None, Some(p)) => StoreTarget::Sqlite(p.clone()),
            (None, None) => StoreTarget::Sqlite(PathBuf::from("homeward.db")),
        };
        Store::open(&target).context("opening the store")
    }
}

/// A path that names a JSON document (else a CSV folder).
fn is_json(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Writes a data set as a JSON document or a CSV folder (with the
/// attribution beside it).
fn write_dataset(
    data: &homeward::domain::DataSet,
    out: &Path,
    attribution: Option<&str>,
) -> Result<()> {
    if is_json(out) {
        homeward::dataset::write_json(data, out, attribution)?;
    } else {
        homeward::dataset::write_csv_dir(data, out)?;
        if let Some(a) = attribution {
            std::fs::write(out.join("ATTRIBUTION.txt"), format!("{a}\n"))
                .with_context(|| format!("writing {}", out.display()))?;
        }
    }
    Ok(())
}

/// Writes a file through a temporary name, so that a failure never leaves a
/// half-written file.
fn write_atomically(
    path: &Path,
    f: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut w = std::io::BufWriter::new(
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?,
    );
    f(&mut w).with_context(|| format!("writing {}", path.display()))?;
    w.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Filter for `tracing` events from `RUST_LOG` (`target=level` directives,
/// e.g. `homeward::solve=debug`), or `default` when it is unset or invalid.
pub fn log_filter(
    default: tracing_subscriber::filter::Targets,
) -> tracing_subscriber::filter::Targets {
    std::env::var("RUST_LOG")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}
