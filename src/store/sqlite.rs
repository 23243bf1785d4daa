//! SQLite backend: an embedded database file in WAL mode
//! (`synchronous=FULL`, foreign keys on, busy timeout), one writer
//! connection behind a mutex plus a few reader connections, and one more
//! connection for the audit writer thread. Write transactions are
//! `BEGIN IMMEDIATE`, so a change holds the write lock from its first read.

use super::backend::{
    AuditConnection, AuditTx, Backend, DecisionRow, KeyRow, Migrate, MigrationTx, RecordRow,
    RecordWrite, RecordsTx, SnapshotTx, migrate,
};
use super::{
    AuditEvent, AuditRow, Decision, Durability, MIGRATIONS_SQLITE, RecordKind, StoreError,
};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Readers in the pool.
const READERS: usize = 4;
/// How long a connection waits for a lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

/// The SQLite store's connections.
pub(crate) struct Sqlite {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock leaves SQLite consistent (the
    // transaction is rolled back on drop), so a poisoned lock is usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Backend(format!(
            "cannot switch {} to WAL (journal_mode is {mode})",
            path.display()
        )));
    }
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
    Ok(conn)
}

/// The migrating connection.
struct Migrating<'a>(&'a mut Connection);

const CREATE_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

impl Migrate for Migrating<'_> {
    fn create_table(&mut self) -> Result<(), StoreError> {
        self.0.execute_batch(CREATE_MIGRATIONS)?;
        Ok(())
    }

    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn MigrationTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut tx = self
            .0
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        f(&mut tx)?;
        tx.commit()?;
        Ok(())
    }
}

impl MigrationTx for Transaction<'_> {
    fn is_applied(&mut self, version: i64) -> Result<bool, StoreError> {
        let done: Option<i64> = self
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()?;
        Ok(done.is_some())
    }

    fn apply(&mut self, sql: &str) -> Result<(), String> {
        self.execute_batch(sql).map_err(|e| e.to_string())
    }

    fn record(&mut self, version: i64, name: &str, at: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![version, name, at],
        )?;
        Ok(())
    }
}

const SELECT_RECORDS: &str = "SELECT kind, id, version, region, fields FROM records";

fn record_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RecordRow> {
    Ok(RecordRow {
        kind: r.get(0)?,
        id: r.get(1)?,
        version: r.get(2)?,
        region: r.get(3)?,
        fields: r.get(4)?,
    })
}

fn revision(conn: &Connection) -> Result<i64, StoreError> {
    Ok(
        conn.query_row("SELECT value FROM meta WHERE key = 'revision'", [], |r| {
            r.get(0)
        })?,
    )
}

fn load_all(conn: &Connection) -> Result<Vec<RecordRow>, StoreError> {
    let mut stmt = conn.prepare_cached(SELECT_RECORDS)?;
    let rows = stmt.query_map([], record_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

impl Sqlite {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub(crate) fn open(path: &Path) -> Result<Sqlite, StoreError> {
        let mut writer = open_connection(path)?;
        migrate(&mut Migrating(&mut writer), MIGRATIONS_SQLITE)?;
        let readers = (0..READERS)
            .map(|_| open_connection(path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Sqlite {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// A free reader connection (or the next one in turn, waiting for it).
    fn reader(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        for m in &self.readers {
            if let Ok(g) = m.try_lock() {
                return Ok(g);
            }
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len().max(1);
        self.readers
            .get(i)
            .map(lock)
            .ok_or_else(|| StoreError::Backend("no reader connections".into()))
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        lock(&self.writer)
    }
}

impl RecordsTx for Transaction<'_> {
    fn upsert(&mut self, row: &RecordWrite<'_>) -> Result<(), StoreError> {
        let mut ins = self.prepare_cached(
            "INSERT INTO records (kind, id, region, version, fields) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (kind, id) DO UPDATE SET region = excluded.region,
                 version = excluded.version, fields = excluded.fields",
        )?;
        ins.execute(params![
            row.kind.as_str(),
            row.id,
            row.region,
            row.version,
            row.fields
        ])?;
        Ok(())
    }

    fn delete(&mut self, kind: RecordKind, id: &str) -> Result<(), StoreError> {
        let mut del = self.prepare_cached("DELETE FROM records WHERE kind = ?1 AND id = ?2")?;
        del.execute(params![kind.as_str(), id])?;
        Ok(())
    }

    fn bump_revision(&mut self) -> Result<(), StoreError> {
        self.execute(
            "UPDATE meta SET value = value + 1 WHERE key = 'revision'",
            [],
        )?;
        Ok(())
    }
}

impl SnapshotTx for Transaction<'_> {
    fn revision(&mut self) -> Result<i64, StoreError> {
        revision(self)
    }

    fn load_all(&mut self) -> Result<Vec<RecordRow>, StoreError> {
        load_all(self)
    }
}

fn key_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<KeyRow> {
    Ok(KeyRow {
        id: r.get(0)?,
        role: r.get(1)?,
        regions: r.get(2)?,
        label: r.get(3)?,
        created_at: r.get(4)?,
        revoked: r.get(5)?,
        secret_sha256: r.get(6)?,
    })
}

fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        id: r.get(0)?,
        at: r.get(1)?,
        event: AuditEvent {
            actor: r.get(2)?,
            role: r.get(3)?,
            action: r.get(4)?,
            child_id: r.get(5)?,
            request_id: r.get(6)?,
            outcome: r.get(7)?,
        },
        prev_hash: r.get(8)?,
        hash: r.get(9)?,
    })
}

const SELECT_AUDIT: &str = "SELECT id, at, actor, role, action, child_id, request_id, outcome, prev_hash, hash FROM audit_log";

impl Backend for Sqlite {
    fn write_records(
        &self,
        f: &mut dyn FnMut(&mut dyn RecordsTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut conn = self.writer();
        let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        f(&mut tx)?;
        tx.commit()?;
        Ok(())
    }

    fn read_snapshot(
        &self,
        f: &mut dyn FnMut(&mut dyn SnapshotTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut conn = self.reader()?;
        let mut tx = conn.transaction()?;
        f(&mut tx)?;
        tx.commit()?;
        Ok(())
    }

    fn revision(&self) -> Result<i64, StoreError> {
        revision(&*self.reader()?)
    }

    fn record_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .reader()?
            .query_row("SELECT COUNT(*) FROM records", [], |r| r.get(0))?)
    }

    fn get(&self, kind: RecordKind, id: &str) -> Result<Option<RecordRow>, StoreError> {
        let conn = self.reader()?;
        let mut stmt =
            conn.prepare_cached(&format!("{SELECT_RECORDS} WHERE kind = ?1 AND id = ?2"))?;
        Ok(stmt
            .query_row(params![kind.as_str(), id], record_row)
            .optional()?)
    }

    fn list(
        &self,
        kind: RecordKind,
        after: &str,
        limit: i64,
        regions: Option<&[String]>,
    ) -> Result<Vec<RecordRow>, StoreError> {
        let conn = self.reader()?;
        let rows = match regions {
            None => {
                let mut stmt = conn.prepare_cached(&format!(
                    "{SELECT_RECORDS} WHERE kind = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
                ))?;
                let rows = stmt.query_map(params![kind.as_str(), after, limit], record_row)?;
                rows.collect::<Result<Vec<_>, _>>()?
            }
            Some(regions) => {
                let regions = Value::from(regions.to_vec()).to_string();
                let mut stmt = conn.prepare_cached(&format!(
                    "{SELECT_RECORDS} WHERE kind = ?1 AND id > ?2
                       AND region IN (SELECT value FROM json_each(?4))
                     ORDER BY id LIMIT ?3"
                ))?;
                let rows =
                    stmt.query_map(params![kind.as_str(), after, limit, regions], record_row)?;
                rows.collect::<Result<Vec<_>, _>>()?
            }
        };
        Ok(rows)
    }

    fn ping(&self) -> Result<(), StoreError> {
        let _: i64 = self.reader()?.query_row("SELECT 1", [], |r| r.get(0))?;
        Ok(())
    }

    fn durability(&self) -> Result<Durability, StoreError> {
        let c = self.writer();
        let journal_mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        Ok(Durability {
            journal_mode,
            synchronous: sync.to_string(),
        })
    }

    fn insert_decision(&self, d: &Decision) -> Result<i64, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO decisions (id, child_id, carer_id, decision, reason, actor, flagged, created_at)
             VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM decisions), ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                d.child_id,
                d.carer_id,
                d.decision.as_str(),
                d.reason,
                d.actor,
                i64::from(d.flagged),
                d.created_at
            ],
        )?;
        let id = tx.query_row("SELECT MAX(id) FROM decisions", [], |r| r.get(0))?;
        tx.commit()?;
        Ok(id)
    }

    fn decisions(&self, child_id: Option<&str>) -> Result<Vec<DecisionRow>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, child_id, carer_id, decision, reason, actor, flagged, created_at
             FROM decisions WHERE (?1 IS NULL OR child_id = ?1) ORDER BY id",
        )?;
        let rows = stmt.query_map(params![child_id], |r| {
            Ok(DecisionRow {
                id: r.get(0)?,
                child_id: r.get(1)?,
                carer_id: r.get(2)?,
                decision: r.get(3)?,
                reason: r.get(4)?,
                actor: r.get(5)?,
                flagged: r.get(6)?,
                created_at: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn declines(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT child_id, carer_id FROM decisions WHERE decision = 'declined'
             ORDER BY child_id, carer_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn insert_key(&self, key: &KeyRow) -> Result<(), StoreError> {
        self.writer().execute(
            "INSERT INTO api_keys (id, secret_sha256, role, regions, label, created_at, revoked)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                key.id,
                key.secret_sha256,
                key.role,
                key.regions,
                key.label,
                key.created_at,
                key.revoked
            ],
        )?;
        Ok(())
    }

    fn keys(&self, secret_sha256: Option<&str>) -> Result<Vec<KeyRow>, StoreError> {
        const SELECT_KEYS: &str =
            "SELECT id, role, regions, label, created_at, revoked, secret_sha256 FROM api_keys";
        let conn = self.reader()?;
        let rows = match secret_sha256 {
            // By the unique index on the hash.
            Some(hash) => {
                let mut stmt =
                    conn.prepare_cached(&format!("{SELECT_KEYS} WHERE secret_sha256 = ?1"))?;
                let rows = stmt.query_map([hash], key_row)?;
                rows.collect::<Result<Vec<_>, _>>()?
            }
            None => {
                let mut stmt = conn.prepare_cached(&format!("{SELECT_KEYS} ORDER BY id"))?;
                let rows = stmt.query_map([], key_row)?;
                rows.collect::<Result<Vec<_>, _>>()?
            }
        };
        Ok(rows)
    }

    fn revoke_key(&self, id: &str) -> Result<u64, StoreError> {
        let n = self
            .writer()
            .execute("UPDATE api_keys SET revoked = 1 WHERE id = ?1", [id])?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn audit_rows(&self, tail: Option<i64>) -> Result<Vec<AuditRow>, StoreError> {
        let conn = self.reader()?;
        let rows = match tail {
            None => {
                let mut stmt = conn.prepare(&format!("{SELECT_AUDIT} ORDER BY id"))?;
                let rows = stmt.query_map([], audit_row)?;
                rows.collect::<Result<Vec<_>, _>>()?
            }
            Some(n) => {
                let mut stmt =
                    conn.prepare_cached(&format!("{SELECT_AUDIT} ORDER BY id DESC LIMIT ?1"))?;
                let rows = stmt.query_map([n], audit_row)?;
                rows.collect::<Result<Vec<_>, _>>()?
            }
        };
        Ok(rows)
    }

    fn audit_connection(&self) -> Result<Box<dyn AuditConnection>, StoreError> {
        Ok(Box::new(AuditConn(open_connection(&self.path)?)))
    }
}

/// The audit writer's connection.
struct AuditConn(Connection);

impl AuditTx for Transaction<'_> {
    fn last(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .query_row(
                "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn insert(&mut self, row: &AuditRow) -> Result<(), StoreError> {
        let mut ins = self.prepare_cached(
            "INSERT INTO audit_log (id, at, actor, role, action, child_id, request_id, outcome, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let e = &row.event;
        ins.execute(params![
            row.id,
            row.at,
            e.actor,
            e.role,
            e.action,
            e.child_id,
            e.request_id,
            e.outcome,
            row.prev_hash,
            row.hash
        ])?;
        Ok(())
    }
}

impl AuditConnection for AuditConn {
    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn AuditTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut tx = self
            .0
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        f(&mut tx)?;
        tx.commit()?;
        Ok(())
    }
}
