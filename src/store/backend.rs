//! The one interface between the store's logic and a database.
//!
//! A backend stores rows and runs transactions; it knows its SQL dialect,
//! its connections and its locks, and nothing else. Everything that gives the
//! rows meaning — record ids, validation by the data-set loader, regions,
//! versions, the revision cache, decision rules, key checks and the audit
//! hash chain — is written once in the store's logic over this trait.
//!
//! Rows cross the trait as plain text and numbers ([`RecordRow`],
//! [`KeyRow`], [`DecisionRow`], [`AuditRow`]); the logic parses them, so a
//! corrupt row is reported the same way on every backend.

use super::{AuditRow, Decision, Durability, RecordKind, StoreError};

/// One row of `records`, as stored.
pub(crate) struct RecordRow {
    /// Record kind, as text.
    pub kind: String,
    /// Record id.
    pub id: String,
    /// Record version.
    pub version: i64,
    /// Region, when the record has one.
    pub region: Option<String>,
    /// The fields: a JSON object, as text.
    pub fields: String,
}

/// One row of `api_keys`, as stored.
pub(crate) struct KeyRow {
    /// Key id.
    pub id: String,
    /// Role, as text.
    pub role: String,
    /// Regions: a JSON array, as text.
    pub regions: String,
    /// Label.
    pub label: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// 0 when active, 1 when revoked.
    pub revoked: i64,
    /// SHA-256 of the secret, hex.
    pub secret_sha256: String,
}

/// One row of `decisions`, as stored.
pub(crate) struct DecisionRow {
    /// Decision id.
    pub id: i64,
    /// Child id.
    pub child_id: String,
    /// Carer id.
    pub carer_id: String,
    /// Decision kind, as text.
    pub decision: String,
    /// Reason, when given.
    pub reason: Option<String>,
    /// Who decided.
    pub actor: String,
    /// 1 when flagged (an override of a hard rule), else 0.
    pub flagged: i64,
    /// Decision time (RFC 3339).
    pub created_at: String,
}

/// A record row to write (insert, or update on `(kind, id)`).
pub(crate) struct RecordWrite<'a> {
    /// Record kind.
    pub kind: RecordKind,
    /// Record id.
    pub id: &'a str,
    /// Region.
    pub region: Option<&'a str>,
    /// Version.
    pub version: i64,
    /// The fields: a JSON object, as text.
    pub fields: &'a str,
}

/// A consistent read-only view: revision and records of the same moment.
pub(crate) trait SnapshotTx {
    /// The revision counter.
    fn revision(&mut self) -> Result<i64, StoreError>;
    /// Every record row.
    fn load_all(&mut self) -> Result<Vec<RecordRow>, StoreError>;
}

/// A write transaction on the records, holding the backend's write lock on
/// them from its start until it ends (it reads as a snapshot too).
pub(crate) trait RecordsTx: SnapshotTx {
    /// Inserts a row, or replaces region, version and fields of the row
    /// with the same kind and id.
    fn upsert(&mut self, row: &RecordWrite<'_>) -> Result<(), StoreError>;
    /// Deletes a row.
    fn delete(&mut self, kind: RecordKind, id: &str) -> Result<(), StoreError>;
    /// Adds one to the revision counter.
    fn bump_revision(&mut self) -> Result<(), StoreError>;
}

/// A transaction on the audit log, holding its append lock (so the chain
/// stays linear) from its start until it ends.
pub(crate) trait AuditTx {
    /// Id and hash of the last row, if any.
    fn last(&mut self) -> Result<Option<(i64, String)>, StoreError>;
    /// Inserts one row.
    fn insert(&mut self, row: &AuditRow) -> Result<(), StoreError>;
}

/// The audit writer thread's own connection.
pub(crate) trait AuditConnection: Send {
    /// Runs `f` in one audit transaction; commits when `f` succeeds, rolls
    /// back otherwise.
    ///
    /// # Errors
    /// `f`'s error, or [`StoreError::Backend`].
    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn AuditTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}

/// A database the store can live in (see [`super::sqlite`] and
/// [`super::postgres`]). Opening and migrating are the backend's own
/// constructors; everything here runs on an open, migrated database.
pub(crate) trait Backend: Send + Sync {
    /// Runs `f` in one write transaction on the records; commits when `f`
    /// succeeds, rolls back (writes nothing) otherwise.
    ///
    /// # Errors
    /// `f`'s error, or [`StoreError::Backend`].
    fn write_records(
        &self,
        f: &mut dyn FnMut(&mut dyn RecordsTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Runs `f` in one read-only transaction that sees a single moment.
    ///
    /// # Errors
    /// `f`'s error, or [`StoreError::Backend`].
    fn read_snapshot(
        &self,
        f: &mut dyn FnMut(&mut dyn SnapshotTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// The revision counter.
    fn revision(&self) -> Result<i64, StoreError>;
    /// How many records are stored.
    fn record_count(&self) -> Result<i64, StoreError>;
    /// The record row with this kind and id.
    fn get(&self, kind: RecordKind, id: &str) -> Result<Option<RecordRow>, StoreError>;
    /// At most `limit` rows of `kind` with id greater than `after`, by id;
    /// only rows in `regions` when given.
    fn list(
        &self,
        kind: RecordKind,
        after: &str,
        limit: i64,
        regions: Option<&[String]>,
    ) -> Result<Vec<RecordRow>, StoreError>;

    /// Checks that the database answers.
    fn ping(&self) -> Result<(), StoreError>;
    /// Durability settings read back from the database.
    fn durability(&self) -> Result<Durability, StoreError>;

    /// Inserts a decision under the next id (one more than the largest);
    /// returns that id.
    fn insert_decision(&self, d: &Decision) -> Result<i64, StoreError>;
    /// Decision rows by id; only those of `child_id` when given.
    fn decisions(&self, child_id: Option<&str>) -> Result<Vec<DecisionRow>, StoreError>;
    /// Declined `(child_id, carer_id)` pairs, sorted, without repeats.
    fn declines(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Inserts an active key.
    fn insert_key(&self, key: &KeyRow) -> Result<(), StoreError>;
    /// Key rows by id; only the one with this secret hash when given.
    fn keys(&self, secret_sha256: Option<&str>) -> Result<Vec<KeyRow>, StoreError>;
    /// Marks a key revoked; returns how many rows changed (0: no such key).
    fn revoke_key(&self, id: &str) -> Result<u64, StoreError>;

    /// Audit rows by id ascending; with `tail`, only the last `tail` rows,
    /// by id descending.
    fn audit_rows(&self, tail: Option<i64>) -> Result<Vec<AuditRow>, StoreError>;
    /// A new connection of its own for the audit writer thread.
    fn audit_connection(&self) -> Result<Box<dyn AuditConnection>, StoreError>;
}

/// A transaction on `schema_migrations`, holding its lock (so two processes
/// opening the same database apply each migration once).
pub(crate) trait MigrationTx {
    /// Whether migration `version` is recorded as applied.
    fn is_applied(&mut self, version: i64) -> Result<bool, StoreError>;
    /// Runs a migration's SQL; the database's message on failure.
    fn apply(&mut self, sql: &str) -> Result<(), String>;
    /// Records migration `version` as applied at `at`.
    fn record(&mut self, version: i64, name: &str, at: &str) -> Result<(), StoreError>;
}

/// A connection being migrated (used once, while a backend opens).
pub(crate) trait Migrate {
    /// Creates `schema_migrations` when missing.
    fn create_table(&mut self) -> Result<(), StoreError>;
    /// Runs `f` in one transaction; commits when `f` succeeds.
    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn MigrationTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}

/// Applies every migration of `list` not applied yet, each in its own
/// transaction, in order.
///
/// # Errors
/// [`StoreError::Migration`] naming the migration that failed,
/// [`StoreError::Backend`].
pub(crate) fn migrate(db: &mut dyn Migrate, list: &[(i64, &str, &str)]) -> Result<(), StoreError> {
    db.create_table()?;
    for &(version, name, sql) in list {
        db.transaction(&mut |tx| {
            if !tx.is_applied(version)? {
                tx.apply(sql)
                    .map_err(|message| StoreError::Migration { version, message })?;
                tx.record(version, name, &super::now())?;
            }
            Ok(())
        })?;
    }
    Ok(())
}
