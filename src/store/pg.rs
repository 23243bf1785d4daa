//! PostgreSQL backend: the same tables, migrations and queries as SQLite
//! (placeholders `$n`; dialect file `*.pg.sql` for the audit triggers), over a
//! pool of pure-Rust `postgres` connections.

use super::{
    All, ApiKey, AuditEvent, AuditRow, Decision, DecisionKind, Durability, MIGRATIONS_PG, Record,
    RecordKind, Role, StoreError, Stored, now, parse_fields,
};
use postgres::{GenericClient, NoTls};
use r2d2_postgres::PostgresConnectionManager;

/// Pooled connections.
pub(crate) type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

/// Opens the pool and migrates.
pub(crate) fn open(url: &str) -> Result<Pool, StoreError> {
    let config: postgres::Config = url
        .parse()
        .map_err(|e: postgres::Error| StoreError::Backend(format!("bad database URL: {e}")))?;
    let pool = r2d2::Pool::builder()
        .max_size(8)
        .build(PostgresConnectionManager::new(config, NoTls))?;
    let mut c = pool.get()?;
    migrate(&mut c)?;
    Ok(pool)
}

/// A plain client (for the audit writer thread).
pub(crate) fn client(url: &str) -> Result<postgres::Client, StoreError> {
    Ok(postgres::Client::connect(url, NoTls)?)
}

fn migrate(c: &mut postgres::Client) -> Result<(), StoreError> {
    c.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    for &(version, name, sql) in MIGRATIONS_PG {
        let mut tx = c.transaction()?;
        tx.batch_execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")?;
        let done = tx
            .query_opt(
                "SELECT version FROM schema_migrations WHERE version = $1",
                &[&version],
            )?
            .is_some();
        if !done {
            tx.batch_execute(sql).map_err(|e| StoreError::Migration {
                version,
                message: e.to_string(),
            })?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                &[&version, &name, &now()],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

pub(crate) fn load_all(c: &mut impl GenericClient) -> Result<All, StoreError> {
    let mut all = All::new();
    for r in c.query("SELECT kind, id, version, region, fields FROM records", &[])? {
        let kind: String = r.get(0);
        let id: String = r.get(1);
        let k = RecordKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown record kind {kind:?}")))?;
        let text: String = r.get(4);
        let fields = std::sync::Arc::new(parse_fields(&kind, &id, &text)?);
        all.insert(
            (k, id),
            Stored {
                version: r.get(2),
                region: r.get(3),
                fields,
            },
        );
    }
    Ok(all)
}

pub(crate) fn revision(c: &mut impl GenericClient) -> Result<i64, StoreError> {
    Ok(
        c.query_one("SELECT value FROM meta WHERE key = 'revision'", &[])?
            .get(0),
    )
}

pub(crate) fn write_changes(
    tx: &mut postgres::Transaction<'_>,
    before: &All,
    after: &All,
) -> Result<i64, StoreError> {
    let ins = tx.prepare(
        "INSERT INTO records (kind, id, region, version, fields) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (kind, id) DO UPDATE SET region = excluded.region,
             version = excluded.version, fields = excluded.fields",
    )?;
    let mut changed = 0usize;
    for (key, s) in after {
        let same = before.get(key).is_some_and(|b| {
            b.version == s.version
                && b.region == s.region
                && (std::sync::Arc::ptr_eq(&b.fields, &s.fields) || b.fields == s.fields)
        });
        if !same {
            let text = serde_json::Value::Object((*s.fields).clone()).to_string();
            tx.execute(
                &ins,
                &[&key.0.as_str(), &key.1, &s.region, &s.version, &text],
            )?;
            changed += 1;
        }
    }
    let del = tx.prepare("DELETE FROM records WHERE kind = $1 AND id = $2")?;
    for key in before.keys() {
        if !after.contains_key(key) {
            tx.execute(&del, &[&key.0.as_str(), &key.1])?;
            changed += 1;
        }
    }
    if changed > 0 {
        tx.execute(
            "UPDATE meta SET value = value + 1 WHERE key = 'revision'",
            &[],
        )?;
    }
    revision(tx)
}

fn row_record(r: &postgres::Row) -> Result<Record, StoreError> {
    let kind: String = r.get(0);
    let id: String = r.get(1);
    let k = RecordKind::parse(&kind)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown record kind {kind:?}")))?;
    let text: String = r.get(4);
    Ok(Record {
        fields: parse_fields(&kind, &id, &text)?,
        kind: k,
        id,
        version: r.get(2),
        region: r.get(3),
    })
}

pub(crate) fn get(
    c: &mut impl GenericClient,
    kind: RecordKind,
    id: &str,
) -> Result<Option<Record>, StoreError> {
    c.query_opt(
        "SELECT kind, id, version, region, fields FROM records WHERE kind = $1 AND id = $2",
        &[&kind.as_str(), &id],
    )?
    .map(|r| row_record(&r))
    .transpose()
}

pub(crate) fn list(
    c: &mut impl GenericClient,
    kind: RecordKind,
    after: &str,
    limit: i64,
    regions: Option<&[String]>,
) -> Result<Vec<Record>, StoreError> {
    let rows = match regions {
        None => c.query(
            "SELECT kind, id, version, region, fields FROM records
             WHERE kind = $1 AND id > $2 ORDER BY id LIMIT $3",
            &[&kind.as_str(), &after, &limit],
        )?,
        Some(regions) => c.query(
            "SELECT kind, id, version, region, fields FROM records
             WHERE kind = $1 AND id > $2 AND region = ANY($4) ORDER BY id LIMIT $3",
            &[&kind.as_str(), &after, &limit, &regions],
        )?,
    };
    rows.iter().map(row_record).collect()
}

pub(crate) fn durability(c: &mut impl GenericClient) -> Result<Durability, StoreError> {
    let sc: String = c.query_one("SHOW synchronous_commit", &[])?.get(0);
    let fsync: String = c.query_one("SHOW fsync", &[])?.get(0);
    Ok(Durability {
        journal_mode: sc,
        synchronous: fsync,
    })
}

pub(crate) fn insert_decision(c: &mut postgres::Client, d: &Decision) -> Result<i64, StoreError> {
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

pub(crate) fn list_decisions(
    c: &mut impl GenericClient,
    child_id: Option<&str>,
) -> Result<Vec<Decision>, StoreError> {
    let rows = c.query(
        "SELECT id, child_id, carer_id, decision, reason, actor, flagged, created_at
         FROM decisions WHERE ($1::TEXT IS NULL OR child_id = $1) ORDER BY id",
        &[&child_id],
    )?;
    rows.iter()
        .map(|r| {
            let dk: String = r.get(3);
            let flagged: i64 = r.get(6);
            Ok(Decision {
                id: r.get(0),
                child_id: r.get(1),
                carer_id: r.get(2),
                decision: DecisionKind::parse(&dk)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown decision {dk:?}")))?,
                reason: r.get(4),
                actor: r.get(5),
                flagged: flagged != 0,
                created_at: r.get(7),
            })
        })
        .collect()
}

pub(crate) fn declines(c: &mut impl GenericClient) -> Result<Vec<(String, String)>, StoreError> {
    Ok(c.query(
        "SELECT DISTINCT child_id, carer_id FROM decisions WHERE decision = 'declined'
             ORDER BY child_id, carer_id",
        &[],
    )?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect())
}

pub(crate) fn insert_key(
    c: &mut impl GenericClient,
    key: &ApiKey,
    hash: &str,
    regions: &str,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO api_keys (id, secret_sha256, role, regions, label, created_at, revoked)
         VALUES ($1, $2, $3, $4, $5, $6, 0)",
        &[
            &key.id,
            &hash,
            &key.role.as_str(),
            &regions,
            &key.label,
            &key.created_at,
        ],
    )?;
    Ok(())
}

fn row_key(r: &postgres::Row) -> Result<(ApiKey, String), StoreError> {
    let role: String = r.get(1);
    let regions: String = r.get(2);
    let revoked: i64 = r.get(5);
    Ok((
        ApiKey {
            id: r.get(0),
            role: Role::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?,
            regions: serde_json::from_str(&regions)
                .map_err(|e| StoreError::Corrupt(format!("key regions: {e}")))?,
            label: r.get(3),
            created_at: r.get(4),
            revoked: revoked != 0,
        },
        r.get(6),
    ))
}

/// Keys with their stored hash; only the one with `hash` when given.
pub(crate) fn keys(
    c: &mut impl GenericClient,
    hash: Option<&str>,
) -> Result<Vec<(ApiKey, String)>, StoreError> {
    c.query(
        "SELECT id, role, regions, label, created_at, revoked, secret_sha256
         FROM api_keys WHERE ($1::TEXT IS NULL OR secret_sha256 = $1) ORDER BY id",
        &[&hash],
    )?
    .iter()
    .map(row_key)
    .collect()
}

pub(crate) fn revoke(c: &mut impl GenericClient, id: &str) -> Result<u64, StoreError> {
    Ok(c.execute("UPDATE api_keys SET revoked = 1 WHERE id = $1", &[&id])?)
}

/// Appends a batch in one transaction (table lock keeps the chain linear).
pub(crate) fn write_audit_batch(
    c: &mut postgres::Client,
    events: &[&AuditEvent],
) -> Result<Vec<i64>, StoreError> {
    let mut tx = c.transaction()?;
    tx.batch_execute("LOCK TABLE audit_log IN EXCLUSIVE MODE")?;
    let last = tx.query_opt(
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
        &[],
    )?;
    let (mut id, mut prev): (i64, String) = last
        .map(|r| (r.get(0), r.get(1)))
        .unwrap_or((0, super::audit::GENESIS.to_owned()));
    let ins = tx.prepare(
        "INSERT INTO audit_log (id, at, actor, role, action, child_id, request_id, outcome, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )?;
    let mut ids = Vec::with_capacity(events.len());
    for e in events {
        id += 1;
        let at = now();
        let hash = super::audit::chain_hash(&prev, &super::audit::canonical(id, &at, e));
        tx.execute(
            &ins,
            &[
                &id,
                &at,
                &e.actor,
                &e.role,
                &e.action,
                &e.child_id,
                &e.request_id,
                &e.outcome,
                &prev,
                &hash,
            ],
        )?;
        prev = hash;
        ids.push(id);
    }
    tx.commit()?;
    Ok(ids)
}

/// Audit rows, ascending (all) or the last `tail` rows.
pub(crate) fn audit_rows(
    c: &mut impl GenericClient,
    tail: Option<i64>,
) -> Result<Vec<AuditRow>, StoreError> {
    let sql = "SELECT id, at, actor, role, action, child_id, request_id, outcome, prev_hash, hash
               FROM audit_log";
    let rows = match tail {
        None => c.query(&format!("{sql} ORDER BY id"), &[])?,
        Some(n) => c.query(&format!("{sql} ORDER BY id DESC LIMIT $1"), &[&n])?,
    };
    let mut out: Vec<AuditRow> = rows
        .iter()
        .map(|r| AuditRow {
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
        })
        .collect();
    if tail.is_some() {
        out.reverse();
    }
    Ok(out)
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
