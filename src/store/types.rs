//! Public types of the store.

use crate::dataset::InputError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreTarget {
    /// An embedded SQLite database file (created if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user@host:port/db`).
    Postgres(String),
}

/// Kind of a stored record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A place (`places`).
    Place,
    /// A road link between two places (`roads`); id `"<from>~<to>"`.
    Road,
    /// An institution (`institutions`).
    Institution,
    /// A child (`children`).
    Child,
    /// A carer household (`carers`).
    Carer,
    /// A sibling link (`siblings`); id `"<child_id>~<sibling_id>"`.
    SiblingLink,
}

impl RecordKind {
    /// All kinds, in load order of the data-set document.
    pub const ALL: [RecordKind; 6] = [
        Self::Place,
        Self::Road,
        Self::Institution,
        Self::Carer,
        Self::Child,
        Self::SiblingLink,
    ];

    /// Stable name: `place`, `road`, `institution`, `child`, `carer`,
    /// `sibling_link`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Place => "place",
            Self::Road => "road",
            Self::Institution => "institution",
            Self::Child => "child",
            Self::Carer => "carer",
            Self::SiblingLink => "sibling_link",
        }
    }

    /// Parses [`RecordKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Key of the records' array in the JSON data-set document.
    pub fn doc_key(self) -> &'static str {
        match self {
            Self::Place => "places",
            Self::Road => "roads",
            Self::Institution => "institutions",
            Self::Child => "children",
            Self::Carer => "carers",
            Self::SiblingLink => "siblings",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record.
    #[error("{kind} {id} not found")]
    NotFound {
        /// Kind.
        kind: RecordKind,
        /// Id.
        id: String,
    },
    /// A record with this id exists already.
    #[error("{kind} {id} already exists")]
    AlreadyExists {
        /// Kind.
        kind: RecordKind,
        /// Id.
        id: String,
    },
    /// The record changed since the version the caller read.
    #[error("{kind} {id} is at version {current}, not the version given")]
    VersionMismatch {
        /// Kind.
        kind: RecordKind,
        /// Id.
        id: String,
        /// Current version.
        current: i64,
    },
    /// The change would make the data set invalid; every problem is listed.
    #[error("invalid data: {}", errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// Every problem (each names record and field).
        errors: Vec<InputError>,
    },
    /// The change conflicts with other records (e.g. deleting a referenced one).
    #[error("conflict: {message}")]
    Conflict {
        /// What conflicts.
        message: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Backend(String),
    /// A migration failed.
    #[error("migration {version} failed: {message}")]
    Migration {
        /// Migration number.
        version: i64,
        /// Why.
        message: String,
    },
    /// Stored data could not be read back (corrupt row).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The audit log does not verify.
    #[error("audit log broken at row {row}: {reason}")]
    AuditBroken {
        /// First broken row id.
        row: i64,
        /// What is wrong.
        reason: String,
    },
    /// This backend is not available in this build.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

/// One stored record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Kind.
    pub kind: RecordKind,
    /// Id (sibling links: `"<child_id>~<sibling_id>"`).
    pub id: String,
    /// Region of the record's place (see the store docs).
    pub region: Option<String>,
    /// Starts at 1, +1 on every update.
    pub version: i64,
    /// The record object of the JSON data-set document.
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// A page query for [`super::Store::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Only records in these regions (`None` = all).
    pub regions: Option<Vec<String>>,
    /// Only ids greater than this.
    pub after: Option<String>,
    /// At most this many records.
    pub limit: usize,
}

/// How [`super::Store::import`] treats existing records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Insert new records, update changed ones, keep the others.
    Upsert,
    /// Make the store exactly the imported data set.
    Replace,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Records inserted.
    pub created: usize,
    /// Records changed.
    pub updated: usize,
    /// Records already equal.
    pub unchanged: usize,
    /// Records removed (replace mode).
    pub deleted: usize,
    /// Revision after the import.
    pub revision: i64,
}

/// Role of an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Case officer: reads and decides for children of their regions.
    Officer,
    /// Planner: plans and simulations.
    Planner,
    /// Administrator: everything, keys.
    Admin,
}

impl Role {
    /// `officer` | `planner` | `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Officer => "officer",
            Self::Planner => "planner",
            Self::Admin => "admin",
        }
    }
    /// Parses [`Role::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Officer, Self::Planner, Self::Admin]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// An API key (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKey {
    /// Public key id (`k_…`).
    pub id: String,
    /// Role.
    pub role: Role,
    /// Regions the key may see (empty = all).
    pub regions: Vec<String>,
    /// Free label.
    pub label: String,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// Revoked keys never authenticate.
    pub revoked: bool,
}

/// An event to append to the audit log (the store sets the time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// Key id of the caller.
    pub actor: String,
    /// Role of the caller.
    pub role: String,
    /// What was done (`GET /v1/children/{id}/matches`, …).
    pub action: String,
    /// Child concerned, if any.
    pub child_id: Option<String>,
    /// Request id.
    pub request_id: String,
    /// Outcome (`200`, `denied`, …).
    pub outcome: String,
}

/// A stored audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    /// Row number, 1, 2, …
    pub id: i64,
    /// RFC 3339 time.
    pub at: String,
    /// The event.
    #[serde(flatten)]
    pub event: AuditEvent,
    /// Hash of the previous row (hex; 64 zeros for row 1).
    pub prev_hash: String,
    /// SHA-256(prev_hash ‖ canonical row), hex.
    pub hash: String,
}

/// Result of [`super::Store::verify_audit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Rows checked.
    pub rows: u64,
    /// First broken row and why (`None` = the chain verifies).
    pub first_broken: Option<(i64, String)>,
}

impl AuditReport {
    /// Whether the chain verifies.
    pub fn ok(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// An officer's decision on a proposed pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Accepted the proposal.
    Accepted,
    /// Declined the proposal.
    Declined,
    /// Chose a pair against the ranking or a hard rule.
    Overridden,
}

impl DecisionKind {
    /// `accepted` | `declined` | `overridden`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Overridden => "overridden",
        }
    }
    /// Parses [`DecisionKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Accepted, Self::Declined, Self::Overridden]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// A decision to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    /// Child.
    pub child_id: String,
    /// Carer household.
    pub carer_id: String,
    /// What was decided.
    pub decision: DecisionKind,
    /// Why (required for overrides).
    pub reason: Option<String>,
    /// Key id of the officer.
    pub actor: String,
    /// The pair breaks a hard rule (an override then needs a reason and is flagged).
    pub overrides_hard_rule: bool,
}

/// A recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Row number.
    pub id: i64,
    /// Child.
    pub child_id: String,
    /// Carer household.
    pub carer_id: String,
    /// What was decided.
    pub decision: DecisionKind,
    /// Why.
    pub reason: Option<String>,
    /// Key id of the officer.
    pub actor: String,
    /// Overrode a hard rule (for review).
    pub flagged: bool,
    /// RFC 3339 time.
    pub created_at: String,
}

/// Durability settings as read back from the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Durability {
    /// SQLite `journal_mode` (`wal`) or PostgreSQL `synchronous_commit`.
    pub journal_mode: String,
    /// SQLite `synchronous` (`2` = FULL) or PostgreSQL `fsync`.
    pub synchronous: String,
}
