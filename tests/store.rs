//! The store: records, validation, import, keys, audit chain, decisions,
//! durability. Every test runs on SQLite (a temporary file) and, when
//! `HOMEWARD_TEST_DATABASE_URL` is set, also on PostgreSQL (each test in its
//! own fresh schema).

use homeward::store::*;
use serde_json::{Map, Value, json};
use std::path::PathBuf;

/// Raw SQL access to the database behind a store, for tampering.
enum Raw {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Raw {
    fn exec(&self, sql: &str) -> Result<(), String> {
        match self {
            Raw::Sqlite(p) => {
                let c = rusqlite::Connection::open(p).map_err(|e| e.to_string())?;
                c.execute_batch(sql).map_err(|e| e.to_string())
            }
            Raw::Postgres(url) => homeward::store::pg_raw_exec(url, sql).map_err(|e| e.to_string()),
        }
    }
}

/// Runs `f` on every configured backend.
fn each(f: impl Fn(&Store, &Raw)) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("homeward.db");
    let store = Store::open(&StoreTarget::Sqlite(path.clone())).unwrap();
    f(&store, &Raw::Sqlite(path));
    drop(store);
    if let Ok(url) = std::env::var("HOMEWARD_TEST_DATABASE_URL") {
        let url = homeward::store::pg_fresh_schema(&url).unwrap();
        let store = Store::open(&StoreTarget::Postgres(url.clone())).unwrap();
        f(&store, &Raw::Postgres(url));
    }
}

fn seeded(store: &Store) -> ImportSummary {
    assert!(store.is_empty().unwrap());
    let s = store.seed_serbia().unwrap();
    assert!(!store.is_empty().unwrap());
    s
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

fn new_child(id: &str) -> Map<String, Value> {
    obj(json!({
        "id": id,
        "birth_date": "2016-05-01",
        "sex": "F",
        "current_place_id": "792680",
        "birth_family_place_id": "792680",
        "languages": ["sr"],
        "placement_type": "long_term",
        "entered_care": "2020-01-01"
    }))
}

#[test]
fn seed_counts_and_dataset_round_trip() {
    each(|store, _| {
        let s = seeded(store);
        assert_eq!(s.created, 436 + 35 + 4300 + 1500 + 313);
        assert_eq!(s.updated, 0);
        assert_eq!(s.revision, 1);
        let (data, rev) = store.dataset().unwrap();
        assert_eq!(rev, 1);
        assert_eq!(data.children.len(), 1500);
        assert_eq!(data.carers.len(), 4300);
        assert_eq!(data.sibling_links.len(), 313);
        // Seeding again changes nothing but still counts as a revision.
        let again = store.seed_serbia().unwrap();
        assert_eq!(again.unchanged, s.created);
        assert_eq!(again.created + again.updated + again.deleted, 0);
    });
}

#[test]
fn crud_versions_pagination_and_regions() {
    each(|store, _| {
        seeded(store);
        let c = store.get(RecordKind::Child, "C000002").unwrap().unwrap();
        assert_eq!(c.version, 1);
        assert_eq!(c.fields["birth_date"], "2013-09-08");
        assert_eq!(c.fields["institution_id"], "I001");
        assert!(c.region.is_some());
        assert!(store.get(RecordKind::Child, "nope").unwrap().is_none());

        // Pagination: pages of 7 cover all children in id order, once.
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .list(
                    RecordKind::Child,
                    &ListQuery {
                        regions: None,
                        after: after.clone(),
                        limit: 700,
                    },
                )
                .unwrap();
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 700);
            after = page.last().map(|r| r.id.clone());
            seen.extend(page.into_iter().map(|r| r.id));
        }
        assert_eq!(seen.len(), 1500);
        assert!(seen.windows(2).all(|w| w[0] < w[1]));

        // Region filter: only Belgrade children, and all of them.
        let bg = store
            .list(
                RecordKind::Child,
                &ListQuery {
                    regions: Some(vec!["City of Belgrade".into()]),
                    after: None,
                    limit: 10_000,
                },
            )
            .unwrap();
        assert!(!bg.is_empty() && bg.len() < 1500);
        assert!(
            bg.iter()
                .all(|r| r.region.as_deref() == Some("City of Belgrade"))
        );
        let (data, _) = store.dataset().unwrap();
        let expected = data
            .children
            .iter()
            .filter(|c| data.place(c.location).region == "City of Belgrade")
            .count();
        assert_eq!(bg.len(), expected);

        // Create, update (versions), mismatch, delete.
        let rev0 = store.revision().unwrap();
        let r = store
            .create(RecordKind::Child, new_child("C999999"))
            .unwrap();
        assert_eq!(
            (r.version, r.region.as_deref()),
            (1, Some("City of Belgrade"))
        );
        assert!(matches!(
            store.create(RecordKind::Child, new_child("C999999")),
            Err(StoreError::AlreadyExists { .. })
        ));
        let mut f = new_child("C999999");
        f.insert("sex".into(), json!("M"));
        let r2 = store
            .update(RecordKind::Child, "C999999", Some(1), f.clone())
            .unwrap();
        assert_eq!(r2.version, 2);
        assert_eq!(r2.fields["sex"], "M");
        match store.update(RecordKind::Child, "C999999", Some(1), f) {
            Err(StoreError::VersionMismatch { current, .. }) => assert_eq!(current, 2),
            other => panic!("expected a version mismatch, got {other:?}"),
        }
        assert!(store.revision().unwrap() >= rev0 + 2);
        assert!(matches!(
            store.delete(RecordKind::Child, "C999999", Some(1)),
            Err(StoreError::VersionMismatch { .. })
        ));
        store.delete(RecordKind::Child, "C999999", Some(2)).unwrap();
        assert!(store.get(RecordKind::Child, "C999999").unwrap().is_none());
        assert!(matches!(
            store.delete(RecordKind::Child, "C999999", None),
            Err(StoreError::NotFound { .. })
        ));

        // A referenced place cannot be deleted.
        match store.delete(RecordKind::Place, "792680", None) {
            Err(StoreError::Conflict { message }) => assert!(message.contains("792680")),
            other => panic!("expected a conflict, got {other:?}"),
        }

        // Sibling links are keyed by the ordered pair.
        let s = store
            .get(RecordKind::SiblingLink, "C000002~C000003")
            .unwrap()
            .unwrap();
        assert_eq!(s.fields["keep_together"], true);
    });
}

#[test]
fn moving_a_place_to_another_region_moves_its_children() {
    each(|store, _| {
        seeded(store);
        let mut p = store.get(RecordKind::Place, "792680").unwrap().unwrap();
        p.fields.insert("region".into(), json!("Test Region"));
        store
            .update(RecordKind::Place, "792680", Some(1), p.fields)
            .unwrap();
        let q = ListQuery {
            regions: Some(vec!["Test Region".into()]),
            after: None,
            limit: 100_000,
        };
        let kids = store.list(RecordKind::Child, &q).unwrap();
        assert!(!kids.is_empty());
        let (data, _) = store.dataset().unwrap();
        let at_place = data
            .children
            .iter()
            .filter(|c| data.place(c.location).id.0 == "792680")
            .count();
        assert_eq!(kids.len(), at_place);
        assert!(kids.iter().all(|k| k.version == 1));
    });
}

#[test]
fn validation_errors_name_record_and_field_and_write_nothing() {
    each(|store, _| {
        seeded(store);
        let rev = store.revision().unwrap();
        let before = store.get(RecordKind::Child, "C000001").unwrap().unwrap();
        let mut f = before.fields.clone();
        f.insert("birth_date".into(), json!("2010-02-31"));
        f.insert("sex".into(), json!("Q"));
        match store.update(RecordKind::Child, "C000001", None, f) {
            Err(StoreError::Invalid { errors }) => {
                assert!(
                    errors.iter().any(|e| e.record.as_deref() == Some("C000001")
                        && e.field.as_deref() == Some("birth_date")),
                    "{errors:?}"
                );
                assert!(
                    errors.iter().any(|e| e.field.as_deref() == Some("sex")),
                    "{errors:?}"
                );
            }
            other => panic!("expected invalid, got {other:?}"),
        }
        assert_eq!(
            store.get(RecordKind::Child, "C000001").unwrap().unwrap(),
            before
        );
        assert_eq!(store.revision().unwrap(), rev);

        // Unknown field and dangling reference on create.
        let mut c = new_child("C888888");
        c.insert("colour".into(), json!("blue"));
        c.insert("birth_family_place_id".into(), json!("nowhere"));
        match store.create(RecordKind::Child, c) {
            Err(StoreError::Invalid { errors }) => {
                assert!(errors.iter().any(|e| e.field.as_deref() == Some("colour")));
            }
            other => panic!("expected invalid, got {other:?}"),
        }
        let mut c = new_child("C888888");
        c.insert("birth_family_place_id".into(), json!("nowhere"));
        match store.create(RecordKind::Child, c) {
            Err(StoreError::Invalid { errors }) => {
                assert!(
                    errors.iter().any(|e| e.record.as_deref() == Some("C888888")
                        && e.field.as_deref() == Some("birth_family_place_id")),
                    "{errors:?}"
                );
            }
            other => panic!("expected invalid, got {other:?}"),
        }
        assert!(store.get(RecordKind::Child, "C888888").unwrap().is_none());
        // Missing id.
        let mut c = new_child("x");
        c.remove("id");
        assert!(matches!(
            store.create(RecordKind::Child, c),
            Err(StoreError::Invalid { .. })
        ));
        assert_eq!(store.revision().unwrap(), rev);
    });
}

#[test]
fn import_is_all_or_nothing_and_replace_removes() {
    each(|store, _| {
        seeded(store);
        let rev = store.revision().unwrap();
        let (mut data, _) = store.dataset().unwrap();
        // An import whose result breaks a loader rule writes nothing.
        data.carers[0].max_age = 40;
        data.children[0].sex = homeward::domain::Sex::M;
        match store.import(&data, ImportMode::Upsert) {
            Err(StoreError::Invalid { errors }) => {
                assert!(errors.iter().any(|e| e.field.as_deref() == Some("max_age")));
            }
            other => panic!("expected invalid, got {other:?}"),
        }
        assert_eq!(store.revision().unwrap(), rev);
        let c0 = data.children[0].id.0.clone();
        let stored = store.get(RecordKind::Child, &c0).unwrap().unwrap();
        assert_eq!(stored.version, 1);

        // Replace with a smaller data set: extra records go.
        let (mut data, _) = store.dataset().unwrap();
        let removed = data.sibling_links.len();
        data.sibling_links.clear();
        let s = store.import(&data, ImportMode::Replace).unwrap();
        assert_eq!(s.deleted, removed);
        assert_eq!(s.created + s.updated, 0);
        assert!(
            store
                .list(
                    RecordKind::SiblingLink,
                    &ListQuery {
                        limit: 10,
                        ..ListQuery::default()
                    }
                )
                .unwrap()
                .is_empty()
        );
    });
}

#[test]
fn api_keys_store_only_hashes_and_revoked_keys_fail() {
    each(|store, _| {
        let (key, secret) = store
            .create_key(Role::Officer, &["City of Belgrade".into()], "officer 1")
            .unwrap();
        assert!(secret.starts_with("hw_") && secret.len() >= 3 + 32);
        let (_, other) = store.create_key(Role::Admin, &[], "admin").unwrap();
        assert_ne!(secret, other);
        let got = store.authenticate(&secret).unwrap().unwrap();
        assert_eq!(got, key);
        assert_eq!(got.regions, vec!["City of Belgrade".to_string()]);
        assert!(store.authenticate("hw_wrong").unwrap().is_none());
        assert!(store.authenticate("").unwrap().is_none());
        assert_eq!(store.list_keys().unwrap().len(), 2);
        store.revoke_key(&key.id).unwrap();
        assert!(store.authenticate(&secret).unwrap().is_none());
        assert!(
            store
                .list_keys()
                .unwrap()
                .iter()
                .any(|k| k.id == key.id && k.revoked)
        );
        assert!(store.revoke_key("k_nope").is_err());
        assert!(store.authenticate(&other).unwrap().is_some());
    });
}

#[test]
fn secret_is_not_stored() {
    // SQLite only: read the raw table back.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    let store = Store::open(&StoreTarget::Sqlite(path.clone())).unwrap();
    let (_, secret) = store.create_key(Role::Planner, &[], "p").unwrap();
    let c = rusqlite::Connection::open(&path).unwrap();
    let (hash, regions): (String, String) = c
        .query_row("SELECT secret_sha256, regions FROM api_keys", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(hash.len(), 64);
    assert!(!hash.contains(&secret[3..]));
    assert_eq!(regions, "[]");
    use sha2::Digest;
    let expected: String = sha2::Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hash, expected);
}

fn event(i: usize) -> AuditEvent {
    AuditEvent {
        actor: format!("k_{}", i % 3),
        role: "officer".into(),
        action: "GET /v1/children/C1/matches".into(),
        child_id: (i % 2 == 0).then(|| format!("C{i}")),
        request_id: format!("r{i}"),
        outcome: "200".into(),
    }
}

#[test]
fn audit_chain_verifies_and_finds_edited_row() {
    each(|store, raw| {
        // Concurrent appends (group commit) all land, with distinct ids.
        let mut ids: Vec<i64> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..8)
                .map(|t| {
                    s.spawn(move || {
                        (0..25)
                            .map(|i| store.append_audit(&event(t * 25 + i)).unwrap())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        ids.sort_unstable();
        assert_eq!(ids, (1..=200).collect::<Vec<i64>>());
        let report = store.verify_audit().unwrap();
        assert_eq!(report.rows, 200);
        assert!(report.ok(), "{report:?}");
        let tail = store.audit_tail(3).unwrap();
        assert_eq!(
            tail.iter().map(|r| r.id).collect::<Vec<_>>(),
            [198, 199, 200]
        );
        assert_eq!(tail[1].prev_hash, tail[0].hash);

        // The triggers refuse edits and deletes.
        assert!(
            raw.exec("UPDATE audit_log SET outcome = '403' WHERE id = 17")
                .is_err()
        );
        assert!(raw.exec("DELETE FROM audit_log WHERE id = 17").is_err());
        assert!(store.verify_audit().unwrap().ok());

        // Drop the guard and edit row 17: verify names row 17.
        raw.exec(
            "DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log; \
             UPDATE audit_log SET outcome = '403' WHERE id = 17",
        )
        .or_else(|_| {
            raw.exec(
                "DROP TRIGGER audit_log_no_update; \
                 UPDATE audit_log SET outcome = '403' WHERE id = 17",
            )
        })
        .unwrap();
        let report = store.verify_audit().unwrap();
        assert_eq!(
            report.first_broken.as_ref().map(|b| b.0),
            Some(17),
            "{report:?}"
        );
        assert_eq!(report.rows, 17);
    });
}

#[test]
fn audit_verify_finds_deleted_row() {
    each(|store, raw| {
        for i in 0..10 {
            store.append_audit(&event(i)).unwrap();
        }
        raw.exec("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 5")
            .or_else(|_| {
                raw.exec(
                    "DROP TRIGGER audit_log_no_update ON audit_log; DELETE FROM audit_log WHERE id = 5",
                )
            })
            .unwrap();
        let report = store.verify_audit().unwrap();
        assert_eq!(report.first_broken.map(|b| b.0), Some(5));
        // Appending continues the chain from the last row.
        assert_eq!(store.append_audit(&event(99)).unwrap(), 11);
    });
}

#[test]
fn decisions_and_declines() {
    each(|store, _| {
        seeded(store);
        let d = |child: &str, carer: &str, decision, reason: Option<&str>, hard| NewDecision {
            child_id: child.into(),
            carer_id: carer.into(),
            decision,
            reason: reason.map(str::to_owned),
            actor: "k_1".into(),
            overrides_hard_rule: hard,
        };
        let a = store
            .record_decision(&d(
                "C000002",
                "H000002",
                DecisionKind::Declined,
                None,
                false,
            ))
            .unwrap();
        assert!(!a.flagged);
        store
            .record_decision(&d(
                "C000001",
                "H000001",
                DecisionKind::Accepted,
                None,
                false,
            ))
            .unwrap();
        store
            .record_decision(&d(
                "C000001",
                "H000003",
                DecisionKind::Declined,
                Some("distance"),
                false,
            ))
            .unwrap();
        store
            .record_decision(&d(
                "C000002",
                "H000002",
                DecisionKind::Declined,
                None,
                false,
            ))
            .unwrap();
        // Override of a hard rule: needs a reason, then flagged.
        match store.record_decision(&d(
            "C000001",
            "H000004",
            DecisionKind::Overridden,
            None,
            true,
        )) {
            Err(StoreError::Invalid { errors }) => {
                assert_eq!(errors[0].field.as_deref(), Some("reason"))
            }
            other => panic!("expected invalid, got {other:?}"),
        }
        let o = store
            .record_decision(&d(
                "C000001",
                "H000004",
                DecisionKind::Overridden,
                Some("kin agreed"),
                true,
            ))
            .unwrap();
        assert!(o.flagged);
        assert!(matches!(
            store.record_decision(&d("C404", "H000004", DecisionKind::Declined, None, false)),
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(store.list_decisions(None).unwrap().len(), 5);
        let c1 = store.list_decisions(Some("C000001")).unwrap();
        assert_eq!(c1.len(), 3);
        assert_eq!(c1[2].reason.as_deref(), Some("kin agreed"));
        assert_eq!(
            store.declines().unwrap(),
            vec![
                ("C000001".to_string(), "H000003".to_string()),
                ("C000002".to_string(), "H000002".to_string())
            ]
        );
    });
}

#[test]
fn durability_settings_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreTarget::Sqlite(dir.path().join("d.db"))).unwrap();
    let d = store.durability().unwrap();
    assert_eq!(d.journal_mode, "wal");
    assert_eq!(d.synchronous, "2"); // FULL
    store.ping().unwrap();
    if let Ok(url) = std::env::var("HOMEWARD_TEST_DATABASE_URL") {
        let url = homeward::store::pg_fresh_schema(&url).unwrap();
        let store = Store::open(&StoreTarget::Postgres(url)).unwrap();
        let d = store.durability().unwrap();
        assert_eq!(
            (d.journal_mode.as_str(), d.synchronous.as_str()),
            ("on", "on")
        );
        store.ping().unwrap();
    }
}

#[test]
fn reopen_keeps_data_and_migrations_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    {
        let store = Store::open(&StoreTarget::Sqlite(path.clone())).unwrap();
        store.seed_serbia().unwrap();
        store.append_audit(&event(1)).unwrap();
    }
    let store = Store::open(&StoreTarget::Sqlite(path.clone())).unwrap();
    assert_eq!(store.revision().unwrap(), 1);
    assert!(store.verify_audit().unwrap().ok());
    let c = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = c
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 4);
}

/// Timings at tier L: `HOMEWARD_TIER_L=DIR cargo test --release --test store
/// tier_l -- --ignored --nocapture` (DIR from `homeward generate --children
/// 60000 --carers 33000 --out DIR`).
#[test]
#[ignore]
fn tier_l_timings() {
    use std::time::Instant;
    let Ok(dir) = std::env::var("HOMEWARD_TIER_L") else {
        return;
    };
    let data = homeward::dataset::load(std::path::Path::new(&dir)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreTarget::Sqlite(tmp.path().join("l.db"))).unwrap();
    let t = Instant::now();
    let s = store.import(&data, ImportMode::Upsert).unwrap();
    println!(
        "import {} records: {:.2} s",
        s.created,
        t.elapsed().as_secs_f64()
    );
    let cold = Store::open(&StoreTarget::Sqlite(tmp.path().join("l.db"))).unwrap();
    let t = Instant::now();
    let (d, _) = cold.dataset().unwrap();
    println!(
        "dataset() cold (new Store): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let (d2, _) = cold.dataset().unwrap();
    println!("dataset() warm: {:.2} s", t.elapsed().as_secs_f64());
    assert_eq!(d2.children.len(), d.children.len());
    assert_eq!(d.children.len(), data.children.len());
    let id = d.children[0].id.0.clone();
    let rec = store.get(RecordKind::Child, &id).unwrap().unwrap();
    let t = Instant::now();
    store
        .update(
            RecordKind::Child,
            &id,
            Some(rec.version),
            rec.fields.clone(),
        )
        .unwrap();
    println!(
        "update (whole-set validation): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let n = 1000;
    std::thread::scope(|s| {
        for th in 0..8 {
            let store = &store;
            s.spawn(move || {
                for i in 0..n / 8 {
                    store.append_audit(&event(th * 1000 + i)).unwrap();
                }
            });
        }
    });
    println!(
        "audit: {n} appends from 8 threads: {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    assert!(store.verify_audit().unwrap().ok());
    println!(
        "verify_audit ({n} rows): {:.3} s",
        t.elapsed().as_secs_f64()
    );
}

#[test]
fn cli_import_and_audit_verify() {
    use assert_cmd::Command;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/small");
    let out = Command::cargo_bin("homeward")
        .unwrap()
        .args(["import", "--db"])
        .arg(&db)
        .arg("--data")
        .arg(&data)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("created") && text.contains("revision 1"),
        "{text}"
    );
    {
        let store = Store::open(&StoreTarget::Sqlite(db.clone())).unwrap();
        for i in 0..5 {
            store.append_audit(&event(i)).unwrap();
        }
    }
    let out = Command::cargo_bin("homeward")
        .unwrap()
        .args(["audit", "verify", "--db"])
        .arg(&db)
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("OK: 5 rows checked"));
    Raw::Sqlite(db.clone())
        .exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'x' WHERE id = 3")
        .unwrap();
    let out = Command::cargo_bin("homeward")
        .unwrap()
        .args(["audit", "verify", "--db"])
        .arg(&db)
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("broken at row 3"), "{err}");
}
