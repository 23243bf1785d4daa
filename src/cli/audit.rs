//! `homeward audit`: the store's audit log.

use super::DbArgs;
use anyhow::{Result, bail};
use std::io::Write as _;

/// The `audit` subcommands.
#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Verify the audit log's hash chain; exits non-zero at the first broken row.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Runs `homeward audit …`.
pub fn run(command: AuditCommand) -> Result<()> {
    let AuditCommand::Verify { db } = command;
    let report = db.open()?.verify_audit()?;
    match report.first_broken {
        None => outln!("audit log OK: {} rows checked", report.rows),
        Some((row, reason)) => {
            bail!(
                "audit log broken at row {row}: {reason} ({} rows checked)",
                report.rows
            )
        }
    }
    Ok(())
}
