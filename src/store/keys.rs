//! API keys: random secrets `hw_<40 hex>` (160 bits from the OS), stored as
//! SHA-256 only and compared in constant time.

use super::{ApiKey, Role, Store, StoreError, now};
use rand::RngCore;
use rusqlite::params;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex(&buf)
}

/// SHA-256 of `s`, hex.
pub(crate) fn sha256_hex(s: &[u8]) -> String {
    hex(&Sha256::digest(s))
}

fn row_key(r: &rusqlite::Row<'_>) -> Result<ApiKey, StoreError> {
    let role: String = r.get(1)?;
    let regions: String = r.get(2)?;
    let revoked: i64 = r.get(5)?;
    Ok(ApiKey {
        id: r.get(0)?,
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?,
        regions: serde_json::from_str(&regions)
            .map_err(|e| StoreError::Corrupt(format!("key regions: {e}")))?,
        label: r.get(3)?,
        created_at: r.get(4)?,
        revoked: revoked != 0,
    })
}

impl Store {
    /// Creates a key; returns it and its secret (shown once, never stored).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn create_key(
        &self,
        role: Role,
        regions: &[String],
        label: &str,
    ) -> Result<(ApiKey, String), StoreError> {
        let secret = format!("hw_{}", random_hex(20));
        let mut regions = regions.to_vec();
        regions.sort();
        regions.dedup();
        let key = ApiKey {
            id: format!("k_{}", random_hex(6)),
            role,
            regions,
            label: label.to_owned(),
            created_at: now(),
            revoked: false,
        };
        let hash = sha256_hex(secret.as_bytes());
        let regions_json = serde_json::Value::from(key.regions.clone()).to_string();
        if let Some(mut c) = self.pg()? {
            super::pg::insert_key(&mut *c, &key, &hash, &regions_json)?;
            return Ok((key, secret));
        }
        self.writer()?.execute(
            "INSERT INTO api_keys (id, secret_sha256, role, regions, label, created_at, revoked)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
            params![
                key.id,
                hash,
                role.as_str(),
                regions_json,
                key.label,
                key.created_at
            ],
        )?;
        Ok((key, secret))
    }

    /// The (non-revoked) key with this secret, if any.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn authenticate(&self, secret: &str) -> Result<Option<ApiKey>, StoreError> {
        if !secret.starts_with("hw_") || secret.len() > 128 {
            return Ok(None);
        }
        let hash = sha256_hex(secret.as_bytes());
        if let Some(mut c) = self.pg()? {
            let found = super::pg::keys(&mut *c, Some(&hash))?;
            return Ok(found.into_iter().find_map(|(k, stored)| {
                (bool::from(stored.as_bytes().ct_eq(hash.as_bytes())) && !k.revoked).then_some(k)
            }));
        }
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, role, regions, label, created_at, revoked, secret_sha256
             FROM api_keys WHERE secret_sha256 = ?1",
        )?;
        let mut rows = stmt.query([&hash])?;
        let Some(r) = rows.next()? else {
            return Ok(None);
        };
        let stored: String = r.get(6)?;
        if !bool::from(stored.as_bytes().ct_eq(hash.as_bytes())) {
            return Ok(None);
        }
        let key = row_key(r)?;
        Ok(if key.revoked { None } else { Some(key) })
    }

    /// All keys, by id.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn list_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        if let Some(mut c) = self.pg()? {
            return Ok(super::pg::keys(&mut *c, None)?
                .into_iter()
                .map(|(k, _)| k)
                .collect());
        }
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, role, regions, label, created_at, revoked FROM api_keys ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(row_key(r)?);
        }
        Ok(out)
    }

    /// Revokes a key.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] for an unknown key id, [`StoreError::Backend`].
    pub fn revoke_key(&self, key_id: &str) -> Result<(), StoreError> {
        let n = if let Some(mut c) = self.pg()? {
            super::pg::revoke(&mut *c, key_id)? as usize
        } else {
            self.writer()?
                .execute("UPDATE api_keys SET revoked = 1 WHERE id = ?1", [key_id])?
        };
        if n == 0 {
            return Err(StoreError::Conflict {
                message: format!("no API key {key_id}"),
            });
        }
        Ok(())
    }
}
