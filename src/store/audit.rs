//! The audit log: append-only (triggers block UPDATE and DELETE), each row
//! chained by `hash = SHA-256(prev_hash ‖ canonical row)`. Appends go through
//! one writer thread that commits concurrent appends together (group commit)
//! and answers each caller once its row is durable.

use super::backend::AuditConnection;
use super::keys::sha256_hex;
use super::{AuditEvent, AuditReport, AuditRow, Store, StoreError, now};
use std::sync::mpsc;

/// Hash of the row before row 1.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Most appends committed in one transaction.
const MAX_BATCH: usize = 512;

type Reply = mpsc::Sender<Result<i64, StoreError>>;

/// Handle of the writer thread (the thread stops when this is dropped).
pub(crate) struct Writer {
    tx: mpsc::Sender<(AuditEvent, Reply)>,
}

/// The canonical text of a row (hashed with the previous row's hash).
pub(crate) fn canonical(id: i64, at: &str, e: &AuditEvent) -> String {
    serde_json::json!([
        id,
        at,
        e.actor,
        e.role,
        e.action,
        e.child_id,
        e.request_id,
        e.outcome
    ])
    .to_string()
}

/// `SHA-256(prev_hash ‖ canonical)`, hex.
pub(crate) fn chain_hash(prev: &str, canonical: &str) -> String {
    let mut buf = Vec::with_capacity(prev.len() + canonical.len());
    buf.extend_from_slice(prev.as_bytes());
    buf.extend_from_slice(canonical.as_bytes());
    sha256_hex(&buf)
}

/// Appends `batch` in one transaction, chaining each row to the one
/// before; returns the new row ids.
fn write_batch(
    conn: &mut dyn AuditConnection,
    batch: &[(AuditEvent, Reply)],
) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::with_capacity(batch.len());
    conn.transaction(&mut |tx| {
        ids.clear();
        let (mut id, mut prev) = tx.last()?.unwrap_or((0, GENESIS.to_owned()));
        for (e, _) in batch {
            id += 1;
            let at = now();
            let hash = chain_hash(&prev, &canonical(id, &at, e));
            let row = AuditRow {
                id,
                at,
                event: e.clone(),
                prev_hash: prev,
                hash,
            };
            tx.insert(&row)?;
            prev = row.hash;
            ids.push(id);
        }
        Ok(())
    })?;
    Ok(ids)
}

impl Writer {
    /// Starts the writer thread on its own connection.
    pub(crate) fn start(mut conn: Box<dyn AuditConnection>) -> Writer {
        let (tx, rx) = mpsc::channel::<(AuditEvent, Reply)>();
        std::thread::Builder::new()
            .name("homeward-audit".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok(x) => batch.push(x),
                            Err(_) => break,
                        }
                    }
                    match write_batch(&mut *conn, &batch) {
                        Ok(ids) => {
                            for ((_, reply), id) in batch.iter().zip(ids) {
                                let _ = reply.send(Ok(id));
                            }
                        }
                        Err(e) => {
                            let msg = e.to_string();
                            for (_, reply) in &batch {
                                let _ = reply.send(Err(StoreError::Backend(msg.clone())));
                            }
                        }
                    }
                }
            })
            .map_or_else(
                |_| {
                    // No thread: appends fail with a clear error.
                    let (tx, _) = mpsc::channel();
                    Writer { tx }
                },
                |_| Writer { tx },
            )
    }
}

impl Store {
    /// Appends an event; returns its row id once the row is committed.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn append_audit(&self, e: &AuditEvent) -> Result<i64, StoreError> {
        let (reply, answer) = mpsc::channel();
        self.inner
            .audit
            .tx
            .send((e.clone(), reply))
            .map_err(|_| StoreError::Backend("audit writer is not running".into()))?;
        answer
            .recv()
            .map_err(|_| StoreError::Backend("audit writer stopped".into()))?
    }

    /// Appends several events (committed together by the group-commit
    /// writer); returns once every row is committed.
    ///
    /// # Errors
    /// [`StoreError::Backend`] (then some rows may be written, none lost
    /// from the chain).
    pub fn append_audit_many(&self, events: &[AuditEvent]) -> Result<(), StoreError> {
        let mut answers = Vec::with_capacity(events.len());
        for e in events {
            let (reply, answer) = mpsc::channel();
            self.inner
                .audit
                .tx
                .send((e.clone(), reply))
                .map_err(|_| StoreError::Backend("audit writer is not running".into()))?;
            answers.push(answer);
        }
        for answer in answers {
            answer
                .recv()
                .map_err(|_| StoreError::Backend("audit writer stopped".into()))??;
        }
        Ok(())
    }

    /// Checks the whole chain: row ids 1, 2, … without gaps, each row's
    /// `prev_hash` equal to the previous row's hash and its hash recomputed.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let rows = self.inner.backend.audit_rows(None)?;
        let mut prev = GENESIS.to_owned();
        let mut checked = 0u64;
        for (expected, row) in (1i64..).zip(rows) {
            checked += 1;
            let broken = if row.id != expected {
                Some((
                    expected,
                    format!("row {expected} is missing (next row is {})", row.id),
                ))
            } else if row.prev_hash != prev {
                Some((
                    row.id,
                    "prev_hash does not match the previous row".to_owned(),
                ))
            } else if chain_hash(&prev, &canonical(row.id, &row.at, &row.event)) != row.hash {
                Some((
                    row.id,
                    "contents do not match the row hash (edited)".to_owned(),
                ))
            } else {
                None
            };
            if let Some(b) = broken {
                return Ok(AuditReport {
                    rows: checked,
                    first_broken: Some(b),
                });
            }
            prev = row.hash;
        }
        Ok(AuditReport {
            rows: checked,
            first_broken: None,
        })
    }

    /// The last `n` rows, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn audit_tail(&self, n: usize) -> Result<Vec<AuditRow>, StoreError> {
        let tail = i64::try_from(n).unwrap_or(i64::MAX);
        let mut out = self.inner.backend.audit_rows(Some(tail))?;
        out.reverse();
        Ok(out)
    }
}
