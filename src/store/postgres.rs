//! PostgreSQL backend: the same tables, migrations and queries as SQLite
//! (placeholders `$n`; dialect file `*.pg.sql` for the audit triggers), over a
//! pool of pure-Rust `postgres` connections, plus one plain client for the
//! audit writer thread. A change locks its table (`LOCK TABLE … IN EXCLUSIVE
//! MODE`: readers go on, writers queue), the way SQLite's `BEGIN IMMEDIATE`
//! does; a snapshot is a read-only `REPEATABLE READ` transaction.

use super::backend::{
    AuditConnection, AuditTx, Backend, DecisionRow, KeyRow, Migrate, MigrationTx, RecordRow,
    RecordWrite, RecordsTx, SnapshotTx, migrate,
};
use super::{AuditEvent, AuditRow, Decision, Durability, MIGRATIONS_PG, RecordKind, StoreError};
use ::postgres::{Client, GenericClient, NoTls, Statement, Transaction};
use r2d2_postgres::PostgresConnectionManager;

/// Pooled connections.
type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

impl From<::postgres::Error> for StoreError {
    fn from(e: ::postgres::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

/// The PostgreSQL store's connections.
pub(crate) struct Postgres {
    url: String,
    pool: Pool,
}

impl Postgres {
    /// Opens the pool and migrates.
    pub(crate) fn open(url: &str) -> Result<Postgres, StoreError> {
        let config: ::postgres::Config = url.parse().map_err(|e: ::postgres::Error| {
            StoreError::Backend(format!("bad database URL: {e}"))
        })?;
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .build(PostgresConnectionManager::new(config, NoTls))?;
        let mut c = pool.get()?;
        migrate(&mut Migrating(&mut c), MIGRATIONS_PG)?;
        Ok(Postgres {
            url: url.to_owned(),
            pool,
        })
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>, StoreError> {
        Ok(self.pool.get()?)
    }
}

/// A plain client.
fn client(url: &str) -> Result<Client, StoreError> {
    Ok(Client::connect(url, NoTls)?)
}

/// The migrating connection.
struct Migrating<'a>(&'a mut Client);

impl Migrate for Migrating<'_> {
    fn create_table(&mut self) -> Result<(), StoreError> {
        self.0.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )?;
        Ok(())
    }

    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn MigrationTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut tx = self.0.transaction()?;
        tx.batch_execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")?;
        f(&mut tx)?;
        tx.commit()?;
        Ok(())
    }
}

impl MigrationTx for Transaction<'_> {
    fn is_applied(&mut self, version: i64) -> Result<bool, StoreError> {
        Ok(self
            .query_opt(
                "SELECT version FROM schema_migrations WHERE version = $1",
                &[&version],
            )?
            .is_some())
    }

    fn apply(&mut self, sql: &str) -> Result<(), String> {
        self.batch_execute(sql).map_err(|e| e.to_string())
    }

    fn record(&mut self, version: i64, name: &str, at: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&version, &name, &at],
        )?;
        Ok(())
    }
}

const SELECT_RECORDS: &str = "SELECT kind, id, version, region, fields FROM records";

fn record_row(r: &::postgres::Row) -> RecordRow {
    RecordRow {
        kind: r.get(0),
        id: r.get(1),
        version: r.get(2),
        region: r.get(3),
        fields: r.get(4),
    }
}

fn revision(c: &mut impl GenericClient) -> Result<i64, StoreError> {
    Ok(
        c.query_one("SELECT value FROM meta WHERE key = 'revision'", &[])?
            .get(0),
    )
}

fn load_all(c: &mut impl GenericClient) -> Result<Vec<RecordRow>, StoreError> {
    Ok(c.query(SELECT_RECORDS, &[])?
        .iter()
        .map(record_row)
        .collect())
}

/// A records transaction with its statements prepared once.
struct RecordsWrite<'a> {
    tx: Transaction<'a>,
    upsert: Option<Statement>,
    delete: Option<Statement>,
}

/// `stmt`, prepared on first use.
fn prepared<'s>(
    tx: &mut Transaction<'_>,
    stmt: &'s mut Option<Statement>,
    sql: &str,
) -> Result<&'s Statement, StoreError> {
    if stmt.is_none() {
        *stmt = Some(tx.prepare(sql)?);
    }
    stmt.as_ref()
        .ok_or_else(|| StoreError::Backend("statement not prepared".into()))
}

impl SnapshotTx for RecordsWrite<'_> {
    fn revision(&mut self) -> Result<i64, StoreError> {
        revision(&mut self.tx)
    }

    fn load_all(&mut self) -> Result<Vec<RecordRow>, StoreError> {
        load_all(&mut self.tx)
    }
}

impl RecordsTx for RecordsWrite<'_> {
    fn upsert(&mut self, row: &RecordWrite<'_>) -> Result<(), StoreError> {
        let stmt = prepared(
            &mut self.tx,
            &mut self.upsert,
            "INSERT INTO records (kind, id, region, version, fields) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (kind, id) DO UPDATE SET region = excluded.region,
                 version = excluded.version, fields = excluded.fields",
        )?;
        self.tx.execute(
            stmt,
            &[
                &row.kind.as_str(),
                &row.id,
                &row.region,
                &row.version,
                &row.fields,
            ],
        )?;
        Ok(())
    }

    fn delete(&mut self, kind: RecordKind, id: &str) -> Result<(), StoreError> {
        let stmt = prepared(
            &mut self.tx,
            &mut self.delete,
            "DELETE FROM records WHERE kind = $1 AND id = $2",
        )?;
        self.tx.execute(stmt, &[&kind.as_str(), &id])?;
        Ok(())
    }

    fn bump_revision(&mut self) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE meta SET value = value + 1 WHERE key = 'revision'",
            &[],
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

fn key_row(r: &::postgres::Row) -> KeyRow {
    KeyRow {
        id: r.get(0),
        role: r.get(1),
        regions: r.get(2),
        label: r.get(3),
        created_at: r.get(4),
        revoked: r.get(5),
        secret_sha256: r.get(6),
    }
}

fn audit_row(r: &::postgres::Row) -> AuditRow {
    AuditRow {
        id: r.get(0),
        at: r.get(1),
        event: AuditEvent {
            actor: r.get(2),
            role: r.get(3),
            action: r.get(4),
            child_id: r.get(5),
            request_id: r.get(6),
            outcome: r.get(7),
        },
        prev_hash: r.get(8),
        hash: r.get(9),
    }
}

impl Backend for Postgres {
    fn write_records(
        &self,
        f: &mut dyn FnMut(&mut dyn RecordsTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        tx.batch_execute("LOCK TABLE records IN EXCLUSIVE MODE")?;
        let mut w = RecordsWrite {
            tx,
            upsert: None,
            delete: None,
        };
        f(&mut w)?;
        w.tx.commit()?;
        Ok(())
    }

    fn read_snapshot(
        &self,
        f: &mut dyn FnMut(&mut dyn SnapshotTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut c = self.conn()?;
        let mut tx = c
            .build_transaction()
            .isolation_level(::postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        f(&mut tx)?;
        tx.commit()?;
        Ok(())
    }

    fn revision(&self) -> Result<i64, StoreError> {
        revision(&mut *self.conn()?)
    }

    fn record_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()?
            .query_one("SELECT COUNT(*) FROM records", &[])?
            .get(0))
    }

    fn get(&self, kind: RecordKind, id: &str) -> Result<Option<RecordRow>, StoreError> {
        Ok(self
            .conn()?
            .query_opt(
                &format!("{SELECT_RECORDS} WHERE kind = $1 AND id = $2"),
                &[&kind.as_str(), &id],
            )?
            .map(|r| record_row(&r)))
    }

    fn list(
        &self,
        kind: RecordKind,
        after: &str,
        limit: i64,
        regions: Option<&[String]>,
    ) -> Result<Vec<RecordRow>, StoreError> {
        let mut c = self.conn()?;
        let rows = match regions {
            None => c.query(
                &format!("{SELECT_RECORDS} WHERE kind = $1 AND id > $2 ORDER BY id LIMIT $3"),
                &[&kind.as_str(), &after, &limit],
            )?,
            Some(regions) => c.query(
                &format!(
                    "{SELECT_RECORDS} WHERE kind = $1 AND id > $2 AND region = ANY($4)
                     ORDER BY id LIMIT $3"
                ),
                &[&kind.as_str(), &after, &limit, &regions],
            )?,
        };
        Ok(rows.iter().map(record_row).collect())
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.conn()?.batch_execute("SELECT 1")?;
        Ok(())
    }

    fn durability(&self) -> Result<Durability, StoreError> {
        let mut c = self.conn()?;
        let sc: String = c.query_one("SHOW synchronous_commit", &[])?.get(0);
        let fsync: String = c.query_one("SHOW fsync", &[])?.get(0);
        Ok(Durability {
            journal_mode: sc,
            synchronous: fsync,
        })
    }

    fn insert_decision(&self, d: &Decision) -> Result<i64, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        tx.batch_execute("LOCK TABLE decisions IN EXCLUSIVE MODE")?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO decisions (id, child_id, carer_id, decision, reason, actor, flagged, created_at)
                 VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM decisions), $1, $2, $3, $4, $5, $6, $7)
                 RETURNING id",
                &[
                    &d.child_id,
                    &d.carer_id,
                    &d.decision.as_str(),
                    &d.reason,
                    &d.actor,
                    &i64::from(d.flagged),
                    &d.created_at,
                ],
            )?
            .get(0);
        tx.commit()?;
        Ok(id)
    }

    fn decisions(&self, child_id: Option<&str>) -> Result<Vec<DecisionRow>, StoreError> {
        let rows = self.conn()?.query(
            "SELECT id, child_id, carer_id, decision, reason, actor, flagged, created_at
             FROM decisions WHERE ($1::TEXT IS NULL OR child_id = $1) ORDER BY id",
            &[&child_id],
        )?;
        Ok(rows
            .iter()
            .map(|r| DecisionRow {
                id: r.get(0),
                child_id: r.get(1),
                carer_id: r.get(2),
                decision: r.get(3),
                reason: r.get(4),
                actor: r.get(5),
                flagged: r.get(6),
                created_at: r.get(7),
            })
            .collect())
    }

    fn declines(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self
            .conn()?
            .query(
                "SELECT DISTINCT child_id, carer_id FROM decisions WHERE decision = 'declined'
                 ORDER BY child_id, carer_id",
                &[],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn insert_key(&self, key: &KeyRow) -> Result<(), StoreError> {
        self.conn()?.execute(
            "INSERT INTO api_keys (id, secret_sha256, role, regions, label, created_at, revoked)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &key.id,
                &key.secret_sha256,
                &key.role,
                &key.regions,
                &key.label,
                &key.created_at,
                &key.revoked,
            ],
        )?;
        Ok(())
    }

    fn keys(&self, secret_sha256: Option<&str>) -> Result<Vec<KeyRow>, StoreError> {
        Ok(self
            .conn()?
            .query(
                "SELECT id, role, regions, label, created_at, revoked, secret_sha256
                 FROM api_keys WHERE ($1::TEXT IS NULL OR secret_sha256 = $1) ORDER BY id",
                &[&secret_sha256],
            )?
            .iter()
            .map(key_row)
            .collect())
    }

    fn revoke_key(&self, id: &str) -> Result<u64, StoreError> {
        Ok(self
            .conn()?
            .execute("UPDATE api_keys SET revoked = 1 WHERE id = $1", &[&id])?)
    }

    fn audit_rows(&self, tail: Option<i64>) -> Result<Vec<AuditRow>, StoreError> {
        let sql =
            "SELECT id, at, actor, role, action, child_id, request_id, outcome, prev_hash, hash
                   FROM audit_log";
        let mut c = self.conn()?;
        let rows = match tail {
            None => c.query(&format!("{sql} ORDER BY id"), &[])?,
            Some(n) => c.query(&format!("{sql} ORDER BY id DESC LIMIT $1"), &[&n])?,
        };
        Ok(rows.iter().map(audit_row).collect())
    }

    fn audit_connection(&self) -> Result<Box<dyn AuditConnection>, StoreError> {
        Ok(Box::new(AuditConn(client(&self.url)?)))
    }
}

/// The audit writer's connection.
struct AuditConn(Client);

/// An audit transaction with its insert prepared once.
struct AuditWrite<'a> {
    tx: Transaction<'a>,
    insert: Option<Statement>,
}

impl AuditTx for AuditWrite<'_> {
    fn last(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .tx
            .query_opt(
                "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
                &[],
            )?
            .map(|r| (r.get(0), r.get(1))))
    }

    fn insert(&mut self, row: &AuditRow) -> Result<(), StoreError> {
        let stmt = prepared(
            &mut self.tx,
            &mut self.insert,
            "INSERT INTO audit_log (id, at, actor, role, action, child_id, request_id, outcome, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )?;
        let e = &row.event;
        self.tx.execute(
            stmt,
            &[
                &row.id,
                &row.at,
                &e.actor,
                &e.role,
                &e.action,
                &e.child_id,
                &e.request_id,
                &e.outcome,
                &row.prev_hash,
                &row.hash,
            ],
        )?;
        Ok(())
    }
}

impl AuditConnection for AuditConn {
    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn AuditTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut tx = self.0.transaction()?;
        // The table lock keeps the chain linear across writers.
        tx.batch_execute("LOCK TABLE audit_log IN EXCLUSIVE MODE")?;
        let mut w = AuditWrite { tx, insert: None };
        f(&mut w)?;
        w.tx.commit()?;
        Ok(())
    }
}

/// Test support: runs raw SQL.
///
/// # Errors
/// [`StoreError::Backend`].
pub fn pg_raw_exec(url: &str, sql: &str) -> Result<(), StoreError> {
    client(url)?.batch_execute(sql)?;
    Ok(())
}

/// Test support: creates a fresh schema and returns `url` with its
/// `search_path` set to it, so tests can run in parallel.
///
/// # Errors
/// [`StoreError::Backend`].
pub fn pg_fresh_schema(url: &str) -> Result<String, StoreError> {
    use rand::RngCore;
    let mut b = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let schema = format!(
        "t_{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    );
    client(url)?.batch_execute(&format!("CREATE SCHEMA {schema}"))?;
    let sep = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{sep}options=-csearch_path%3D{schema}"))
}
