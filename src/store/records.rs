//! Records: ids, the data-set document, validation by the loader, regions,
//! versions, the revision cache, and the changes (create, update, delete,
//! import) written once over [`super::backend::RecordsTx`].

use super::backend::{RecordRow, RecordWrite, RecordsTx};
use super::{
    All, Cached, DOC, ImportMode, ImportSummary, ListQuery, Record, RecordKind, Store, StoreError,
    Stored, invalid,
};
use crate::domain::DataSet;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

fn text_field<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The id of a record with these fields.
fn record_id(kind: RecordKind, fields: &Map<String, Value>) -> Result<String, StoreError> {
    match kind {
        RecordKind::SiblingLink => {
            let a = text_field(fields, "child_id").ok_or_else(|| {
                invalid(
                    "child_id",
                    None,
                    "missing child id",
                    "give child_id as text",
                )
            })?;
            let b = text_field(fields, "sibling_id").ok_or_else(|| {
                invalid(
                    "sibling_id",
                    None,
                    "missing sibling id",
                    "give sibling_id as text",
                )
            })?;
            Ok(if a <= b {
                format!("{a}~{b}")
            } else {
                format!("{b}~{a}")
            })
        }
        RecordKind::Road => {
            let from = text_field(fields, "from_place_id").ok_or_else(|| {
                invalid(
                    "from_place_id",
                    None,
                    "missing place id",
                    "give from_place_id as text",
                )
            })?;
            let to = text_field(fields, "to_place_id").ok_or_else(|| {
                invalid(
                    "to_place_id",
                    None,
                    "missing place id",
                    "give to_place_id as text",
                )
            })?;
            Ok(format!("{from}~{to}"))
        }
        _ => text_field(fields, "id")
            .map(str::to_owned)
            .ok_or_else(|| invalid("id", None, "missing id", "give the record an id (text)")),
    }
}

fn parse_fields(kind: &str, id: &str, text: &str) -> Result<Map<String, Value>, StoreError> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(StoreError::Corrupt(format!(
            "record {kind} {id}: fields are not a JSON object"
        ))),
    }
}

/// The records of `rows`, by kind and id.
fn records(rows: Vec<RecordRow>) -> Result<All, StoreError> {
    let mut all = All::new();
    for r in rows {
        let k = RecordKind::parse(&r.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown record kind {:?}", r.kind)))?;
        let fields = Arc::new(parse_fields(&r.kind, &r.id, &r.fields)?);
        all.insert(
            (k, r.id),
            Stored {
                version: r.version,
                region: r.region,
                fields,
            },
        );
    }
    Ok(all)
}

/// The JSON data-set document of `all`, records sorted by id. Without road
/// records the document has no `roads` (travel is then estimated, as for a
/// data-set folder without `roads.csv`).
fn document(all: &All) -> Value {
    let mut doc = Map::new();
    for kind in RecordKind::ALL {
        if kind != RecordKind::Road {
            doc.insert(kind.doc_key().to_owned(), Value::Array(Vec::new()));
        }
    }
    for ((kind, _), s) in all {
        let items = doc
            .entry(kind.doc_key())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = items {
            items.push(Value::Object((*s.fields).clone()));
        }
    }
    Value::Object(doc)
}

fn validate(all: &All) -> Result<DataSet, StoreError> {
    crate::dataset::dataset_from_json_value(&document(all), DOC)
        .map_err(|errors| StoreError::Invalid { errors })
}

/// Region of every record of `all`, from its validated data set.
fn regions(data: &DataSet, all: &All) -> HashMap<(RecordKind, String), Option<String>> {
    let mut out = HashMap::with_capacity(all.len());
    let mut child_region: HashMap<&str, &str> = HashMap::new();
    for p in &data.places {
        out.insert((RecordKind::Place, p.id.0.clone()), Some(p.region.clone()));
    }
    for i in &data.institutions {
        out.insert(
            (RecordKind::Institution, i.id.0.clone()),
            Some(data.place(i.place).region.clone()),
        );
    }
    for c in &data.children {
        let region = &data.place(c.location).region;
        child_region.insert(&c.id.0, region);
        out.insert((RecordKind::Child, c.id.0.clone()), Some(region.clone()));
    }
    for c in &data.carers {
        out.insert(
            (RecordKind::Carer, c.id.0.clone()),
            Some(data.place(c.place).region.clone()),
        );
    }
    let place_region: HashMap<&str, &str> = data
        .places
        .iter()
        .map(|p| (p.id.0.as_str(), p.region.as_str()))
        .collect();
    for ((kind, id), s) in all {
        if *kind == RecordKind::Road {
            let r = text_field(&s.fields, "from_place_id")
                .and_then(|p| place_region.get(p))
                .map(|r| (*r).to_owned());
            out.insert((*kind, id.clone()), r);
        }
        if *kind == RecordKind::SiblingLink {
            let r = text_field(&s.fields, "child_id")
                .and_then(|c| child_region.get(c))
                .map(|r| (*r).to_owned());
            out.insert((*kind, id.clone()), r);
        }
    }
    out
}

/// Writes the rows of `after` that differ from `before` (fields, version or
/// region) and deletes the rows gone; bumps the revision when anything
/// changed. Returns the revision.
fn write_changes(tx: &mut dyn RecordsTx, before: &All, after: &All) -> Result<i64, StoreError> {
    let mut changed = 0usize;
    for (key, s) in after {
        let same = before.get(key).is_some_and(|b| {
            b.version == s.version
                && b.region == s.region
                && (Arc::ptr_eq(&b.fields, &s.fields) || b.fields == s.fields)
        });
        if !same {
            let text = Value::Object((*s.fields).clone()).to_string();
            tx.upsert(&RecordWrite {
                kind: key.0,
                id: &key.1,
                region: s.region.as_deref(),
                version: s.version,
                fields: &text,
            })?;
            changed += 1;
        }
    }
    for key in before.keys() {
        if !after.contains_key(key) {
            tx.delete(key.0, &key.1)?;
            changed += 1;
        }
    }
    if changed > 0 {
        tx.bump_revision()?;
    }
    tx.revision()
}

/// Validates `after` and fills in regions.
fn finish(mut after: All) -> Result<(All, DataSet), StoreError> {
    let data = validate(&after)?;
    let mut reg = regions(&data, &after);
    for (key, s) in after.iter_mut() {
        s.region = reg.remove(key).flatten();
    }
    Ok((after, data))
}

fn to_record(key: &(RecordKind, String), s: &Stored) -> Record {
    Record {
        kind: key.0,
        id: key.1.clone(),
        region: s.region.clone(),
        version: s.version,
        fields: (*s.fields).clone(),
    }
}

/// The record a stored row describes.
fn parse_record(r: RecordRow) -> Result<Record, StoreError> {
    let kind = RecordKind::parse(&r.kind)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown record kind {:?}", r.kind)))?;
    Ok(Record {
        fields: parse_fields(&r.kind, &r.id, &r.fields)?,
        kind,
        id: r.id,
        version: r.version,
        region: r.region,
    })
}

impl Store {
    /// Runs one change: loads every record under the write lock, lets `f`
    /// compute the new set, validates it, fills regions and writes the rows
    /// that differ. Returns the new set, `f`'s value and the revision.
    fn change<T>(
        &self,
        f: impl FnOnce(&All) -> Result<(All, T), StoreError>,
    ) -> Result<(Arc<All>, T, i64), StoreError> {
        let mut f = Some(f);
        let mut done = None;
        self.inner.backend.write_records(&mut |tx| {
            let f = f
                .take()
                .ok_or_else(|| StoreError::Backend("change ran twice".into()))?;
            let rev0 = tx.revision()?;
            let before = match self.cached(rev0) {
                Some((all, _)) => all,
                None => Arc::new(records(tx.load_all()?)?),
            };
            let (after, t) = f(&before)?;
            let (after, data) = finish(after)?;
            let rev = write_changes(tx, &before, &after)?;
            done = Some((after, data, t, rev));
            Ok(())
        })?;
        let (after, data, t, rev) =
            done.ok_or_else(|| StoreError::Backend("change did not run".into()))?;
        let after = Arc::new(after);
        self.remember(rev, after.clone(), Arc::new(data));
        Ok((after, t, rev))
    }

    fn cached(&self, revision: i64) -> Option<(Arc<All>, Arc<DataSet>)> {
        let c = self.inner.cache.lock().unwrap_or_else(|p| p.into_inner());
        c.as_ref()
            .filter(|c| c.revision == revision)
            .map(|c| (c.all.clone(), c.data.clone()))
    }

    fn remember(&self, revision: i64, all: Arc<All>, data: Arc<DataSet>) {
        let mut c = self.inner.cache.lock().unwrap_or_else(|p| p.into_inner());
        *c = Some(Cached {
            revision,
            all,
            data,
        });
    }

    /// Imports `data` in one transaction, all-or-nothing; the resulting data
    /// set is validated before commit.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] (nothing written), [`StoreError::Backend`].
    pub fn import(&self, data: &DataSet, mode: ImportMode) -> Result<ImportSummary, StoreError> {
        let doc = crate::dataset::dataset_to_json_map(data);
        let (_, mut summary, rev) = self.change(|before| {
            let mut after = match mode {
                ImportMode::Upsert => before.clone(),
                ImportMode::Replace => All::new(),
            };
            let mut summary = ImportSummary::default();
            for kind in RecordKind::ALL {
                let Some(Value::Array(items)) = doc.get(kind.doc_key()) else {
                    continue;
                };
                for item in items {
                    let Value::Object(fields) = item else {
                        continue;
                    };
                    let id = record_id(kind, fields)?;
                    let key = (kind, id);
                    let stored = match before.get(&key) {
                        Some(b) if *b.fields == *fields => {
                            summary.unchanged += 1;
                            b.clone()
                        }
                        Some(b) => {
                            summary.updated += 1;
                            Stored {
                                version: b.version + 1,
                                region: None,
                                fields: Arc::new(fields.clone()),
                            }
                        }
                        None => {
                            summary.created += 1;
                            Stored {
                                version: 1,
                                region: None,
                                fields: Arc::new(fields.clone()),
                            }
                        }
                    };
                    after.insert(key, stored);
                }
            }
            summary.deleted = before.keys().filter(|k| !after.contains_key(*k)).count();
            Ok((after, summary))
        })?;
        summary.revision = rev;
        Ok(summary)
    }

    /// One record.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    pub fn get(&self, kind: RecordKind, id: &str) -> Result<Option<Record>, StoreError> {
        self.inner
            .backend
            .get(kind, id)?
            .map(parse_record)
            .transpose()
    }

    /// A page of records ordered by id: at most `q.limit` records with id
    /// greater than `q.after`, optionally only in `q.regions`.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    pub fn list(&self, kind: RecordKind, q: &ListQuery) -> Result<Vec<Record>, StoreError> {
        let after = q.after.clone().unwrap_or_default();
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        self.inner
            .backend
            .list(kind, &after, limit, q.regions.as_deref())?
            .into_iter()
            .map(parse_record)
            .collect()
    }

    /// Creates a record; the whole resulting data set is validated.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`], [`StoreError::Invalid`] (nothing
    /// written), [`StoreError::Backend`].
    pub fn create(
        &self,
        kind: RecordKind,
        fields: Map<String, Value>,
    ) -> Result<Record, StoreError> {
        let id = record_id(kind, &fields)?;
        self.put((kind, id), fields, |before, key| {
            if before.contains_key(key) {
                return Err(StoreError::AlreadyExists {
                    kind,
                    id: key.1.clone(),
                });
            }
            Ok(1)
        })
    }

    /// Writes `fields` as record `key` at the version `version` computes
    /// from the records before the change (or refuses), validating the
    /// whole result, and returns the stored record.
    fn put(
        &self,
        key: (RecordKind, String),
        fields: Map<String, Value>,
        version: impl FnOnce(&All, &(RecordKind, String)) -> Result<i64, StoreError>,
    ) -> Result<Record, StoreError> {
        let (after, (), _) = self.change(|before| {
            let version = version(before, &key)?;
            let mut after = before.clone();
            after.insert(
                key.clone(),
                Stored {
                    version,
                    region: None,
                    fields: Arc::new(fields),
                },
            );
            Ok((after, ()))
        })?;
        after
            .get(&key)
            .map(|s| to_record(&key, s))
            .ok_or_else(|| StoreError::Corrupt("written record vanished".into()))
    }

    /// Replaces a record's fields (version + 1); with `if_version`, only if
    /// the record is at that version.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::VersionMismatch`],
    /// [`StoreError::Invalid`] (nothing written), [`StoreError::Backend`].
    pub fn update(
        &self,
        kind: RecordKind,
        id: &str,
        if_version: Option<i64>,
        mut fields: Map<String, Value>,
    ) -> Result<Record, StoreError> {
        if kind != RecordKind::SiblingLink && !fields.contains_key("id") {
            fields.insert("id".into(), Value::String(id.to_owned()));
        }
        let new_id = record_id(kind, &fields)?;
        if new_id != id {
            return Err(invalid(
                if kind == RecordKind::SiblingLink {
                    "child_id"
                } else {
                    "id"
                },
                Some(id),
                &format!("the fields name record {new_id}, not {id}"),
                "ids cannot change; create a new record instead",
            ));
        }
        self.put((kind, id.to_owned()), fields, |before, key| {
            Ok(current(before, key, if_version)?.version + 1)
        })
    }

    /// Deletes a record; fails with [`StoreError::Conflict`] when other
    /// records still refer to it.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::VersionMismatch`],
    /// [`StoreError::Conflict`], [`StoreError::Backend`].
    pub fn delete(
        &self,
        kind: RecordKind,
        id: &str,
        if_version: Option<i64>,
    ) -> Result<(), StoreError> {
        let key = (kind, id.to_owned());
        let r = self.change(|before| {
            current(before, &key, if_version)?;
            let mut after = before.clone();
            after.remove(&key);
            Ok((after, ()))
        });
        match r {
            Ok(_) => Ok(()),
            Err(StoreError::Invalid { errors }) => Err(StoreError::Conflict {
                message: format!(
                    "deleting {kind} {id} would leave the data set invalid: {}",
                    errors
                        .iter()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            }),
            Err(e) => Err(e),
        }
    }

    /// The whole data set (validated with the loader's rules) and its revision.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] if stored data no longer validates,
    /// [`StoreError::Backend`].
    pub fn dataset(&self) -> Result<(DataSet, i64), StoreError> {
        let rev = self.revision()?;
        if let Some((_, data)) = self.cached(rev) {
            return Ok(((*data).clone(), rev));
        }
        let mut snapshot = None;
        self.inner.backend.read_snapshot(&mut |tx| {
            let rev = tx.revision()?;
            let rows = tx.load_all()?;
            snapshot = Some((rows, rev));
            Ok(())
        })?;
        let (rows, rev) =
            snapshot.ok_or_else(|| StoreError::Backend("snapshot did not run".into()))?;
        let all = records(rows)?;
        let (all, data) = finish(all)?;
        let data = Arc::new(data);
        self.remember(rev, Arc::new(all), data.clone());
        Ok(((*data).clone(), rev))
    }

    /// Revision counter; bumps on every change of the records.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn revision(&self) -> Result<i64, StoreError> {
        self.inner.backend.revision()
    }
}

/// The stored record at `key`, checking `if_version`.
fn current<'a>(
    all: &'a All,
    key: &(RecordKind, String),
    if_version: Option<i64>,
) -> Result<&'a Stored, StoreError> {
    let Some(cur) = all.get(key) else {
        return Err(StoreError::NotFound {
            kind: key.0,
            id: key.1.clone(),
        });
    };
    if let Some(v) = if_version {
        if v != cur.version {
            return Err(StoreError::VersionMismatch {
                kind: key.0,
                id: key.1.clone(),
                current: cur.version,
            });
        }
    }
    Ok(cur)
}
