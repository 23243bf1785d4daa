//! The store behind the HTTP service: the data set as versioned records,
//! API keys, a hash-chained append-only audit log and officers' decisions.
//!
//! # Layout: one store, one backend trait, two backends
//! ```text
//! mod.rs        Store (open, health), its revision cache, migration lists, helpers
//! records.rs    records: ids, document, validation, regions, versions, changes
//! keys.rs       API keys: random secrets, SHA-256 at rest, constant-time check
//! decisions.rs  officers' decisions: reasons, flags, declines
//! audit.rs      audit log: hash chain, group-commit writer thread, verify
//! types.rs      public types (records, keys, decisions, audit, errors)
//! backend.rs    the Backend trait (rows and transactions) and the migration runner
//! sqlite.rs     Backend on embedded SQLite
//! postgres.rs   Backend on PostgreSQL
//! migrations/   numbered SQL; dialect files `*.sqlite.sql` / `*.pg.sql`
//! ```
//! The logic files never name a database: they call `backend::Backend`
//! (and its transactions `RecordsTx`, `SnapshotTx`, `AuditTx`), so a rule
//! (validation, versions, key checks, audit chaining) is written once and
//! holds on both backends. A backend only runs its SQL dialect, owns its
//! connections and takes its locks; rows cross the trait as text and numbers
//! and are parsed by the logic. Adding a backend is one file implementing the
//! trait, its migration dialect files, and one arm in [`Store::open`].
//!
//! Backends: embedded SQLite (WAL, `synchronous=FULL`, foreign keys on, busy
//! timeout; one writer connection behind a mutex plus a few reader
//! connections) or PostgreSQL (a pool of connections; a change takes a table
//! lock). Each has one more connection of its own for the audit writer.
//! Migrations are embedded in the binary, numbered and recorded in
//! `schema_migrations`.
//!
//! Every change (create, update, delete, import) is validated by rebuilding
//! the JSON data-set document from the stored records plus the change and
//! running the loader ([`crate::dataset::dataset_from_json_value`]): the store
//! accepts exactly what `homeward check` accepts, and writes nothing on error.
//!
//! Regions: places and institutions their own place's region; children the
//! region of the place they are at (the institution's place when in one);
//! carers their `place_id`'s region; sibling links the first child's region.

mod audit;
mod backend;
mod decisions;
mod keys;
mod postgres;
mod records;
mod sqlite;
mod types;

pub use postgres::{pg_fresh_schema, pg_raw_exec};
pub use types::*;

use crate::dataset::InputError;
use crate::domain::DataSet;
use backend::Backend;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Embedded migrations: (number, name, SQL). Dialect-specific files are
/// named `*.sqlite.sql` / `*.pg.sql`.
const MIGRATIONS_SQLITE: &[(i64, &str, &str)] = &[
    (1, "records", include_str!("migrations/0001_records.sql")),
    (
        2,
        "keys_decisions",
        include_str!("migrations/0002_keys_decisions.sql"),
    ),
    (3, "audit", include_str!("migrations/0003_audit.sql")),
    (
        4,
        "audit_guard",
        include_str!("migrations/0004_audit_guard.sqlite.sql"),
    ),
];

/// The same migrations in the PostgreSQL dialect.
const MIGRATIONS_PG: &[(i64, &str, &str)] = &[
    (1, "records", include_str!("migrations/0001_records.sql")),
    (
        2,
        "keys_decisions",
        include_str!("migrations/0002_keys_decisions.sql"),
    ),
    (3, "audit", include_str!("migrations/0003_audit.sql")),
    (
        4,
        "audit_guard",
        include_str!("migrations/0004_audit_guard.pg.sql"),
    ),
];

/// Name of the store's data-set document in validation errors.
const DOC: &str = "store";

/// The store. Cheap to clone; all clones share the connections.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

struct Inner {
    /// The database (see `backend::Backend`).
    backend: Box<dyn Backend>,
    audit: audit::Writer,
    /// The records and their validated data set at a revision (reused while
    /// the stored revision is unchanged; refreshed after every change).
    cache: Mutex<Option<Cached>>,
}

struct Cached {
    revision: i64,
    all: Arc<All>,
    data: Arc<DataSet>,
}

/// One stored record while a change is validated.
#[derive(Clone)]
struct Stored {
    version: i64,
    region: Option<String>,
    /// Shared: a change clones the whole record set cheaply.
    fields: Arc<Map<String, Value>>,
}

type All = BTreeMap<(RecordKind, String), Stored>;

/// Current time, RFC 3339 UTC with microseconds.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn invalid(field: &str, record: Option<&str>, problem: &str, fix: &str) -> StoreError {
    StoreError::Invalid {
        errors: vec![InputError {
            file: DOC.to_owned(),
            line: None,
            path: None,
            record: record.map(str::to_owned),
            field: Some(field.to_owned()),
            value: None,
            problem: problem.to_owned(),
            fix: fix.to_owned(),
            not_shown: None,
        }],
    }
}

/// Bundled Serbia fixtures (CSV), in [`crate::dataset::format::FILES`] order.
const SERBIA: &[(&str, &str)] = &[
    ("places", include_str!("../../fixtures/serbia/places.csv")),
    (
        "institutions",
        include_str!("../../fixtures/serbia/institutions.csv"),
    ),
    ("carers", include_str!("../../fixtures/serbia/carers.csv")),
    (
        "children",
        include_str!("../../fixtures/serbia/children.csv"),
    ),
    (
        "siblings",
        include_str!("../../fixtures/serbia/siblings.csv"),
    ),
];

/// The bundled Serbia data set.
///
/// # Errors
/// [`StoreError::Invalid`] if the bundled files do not validate (a build bug).
pub fn serbia_dataset() -> Result<DataSet, StoreError> {
    use crate::dataset::{format::FILES, table};
    let mut errors = Vec::new();
    let tables: Vec<table::Table> = FILES
        .iter()
        .map(|spec| match SERBIA.iter().find(|(n, _)| *n == spec.name) {
            Some((_, text)) => {
                table::read_csv_from(spec, &spec.csv_name(), text.as_bytes(), &mut errors)
            }
            None => table::Table::default(),
        })
        .collect();
    let data = crate::dataset::tables_to_dataset(&tables, &mut errors);
    if errors.is_empty() {
        Ok(data)
    } else {
        Err(StoreError::Invalid { errors })
    }
}

impl Store {
    /// Opens (creating and migrating if needed) the store at `target`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the database cannot be opened,
    /// [`StoreError::Migration`] when a migration fails.
    pub fn open(target: &StoreTarget) -> Result<Store, StoreError> {
        let backend: Box<dyn Backend> = match target {
            StoreTarget::Sqlite(path) => Box::new(sqlite::Sqlite::open(path)?),
            StoreTarget::Postgres(url) => Box::new(postgres::Postgres::open(url)?),
        };
        let audit = audit::Writer::start(backend.audit_connection()?);
        Ok(Store {
            inner: Arc::new(Inner {
                backend,
                audit,
                cache: Mutex::new(None),
            }),
        })
    }

    /// Checks that the database answers (for `/readyz`).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn ping(&self) -> Result<(), StoreError> {
        self.inner.backend.ping()
    }

    /// Durability settings read back from the database (SQLite:
    /// `journal_mode`, `synchronous`; PostgreSQL: `synchronous_commit`, `fsync`).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn durability(&self) -> Result<Durability, StoreError> {
        self.inner.backend.durability()
    }

    /// Whether the store has no records yet.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.inner.backend.record_count()? == 0)
    }

    /// Imports the bundled Serbia fixtures (upsert).
    ///
    /// # Errors
    /// As [`Store::import`].
    pub fn seed_serbia(&self) -> Result<ImportSummary, StoreError> {
        self.import(&serbia_dataset()?, ImportMode::Upsert)
    }
}
