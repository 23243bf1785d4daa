//! API keys: random secrets `hw_<40 hex>` (160 bits from the OS), stored as
//! SHA-256 only and compared in constant time.

use super::backend::KeyRow;
use super::{ApiKey, Role, Store, StoreError, now};
use rand::RngCore;
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

/// The key a stored row describes.
fn parse_key(r: KeyRow) -> Result<ApiKey, StoreError> {
    Ok(ApiKey {
        role: Role::parse(&r.role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role {:?}", r.role)))?,
        regions: serde_json::from_str(&r.regions)
            .map_err(|e| StoreError::Corrupt(format!("key regions: {e}")))?,
        id: r.id,
        label: r.label,
        created_at: r.created_at,
        revoked: r.revoked != 0,
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
        self.inner.backend.insert_key(&KeyRow {
            id: key.id.clone(),
            role: role.as_str().to_owned(),
            regions: serde_json::Value::from(key.regions.clone()).to_string(),
            label: key.label.clone(),
            created_at: key.created_at.clone(),
            revoked: 0,
            secret_sha256: sha256_hex(secret.as_bytes()),
        })?;
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
        for row in self.inner.backend.keys(Some(&hash))? {
            if !bool::from(row.secret_sha256.as_bytes().ct_eq(hash.as_bytes())) {
                continue;
            }
            let key = parse_key(row)?;
            return Ok(if key.revoked { None } else { Some(key) });
        }
        Ok(None)
    }

    /// All keys, by id.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn list_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.inner
            .backend
            .keys(None)?
            .into_iter()
            .map(parse_key)
            .collect()
    }

    /// Revokes a key.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] for an unknown key id, [`StoreError::Backend`].
    pub fn revoke_key(&self, key_id: &str) -> Result<(), StoreError> {
        let n = self.inner.backend.revoke_key(key_id)?;
        if n == 0 {
            return Err(StoreError::Conflict {
                message: format!("no API key {key_id}"),
            });
        }
        Ok(())
    }
}
