//! A file with more errors than the cap says how many it lists and at least
//! how many it found ("first 200 of at least 201"), never counting the
//! "more not shown" line as an error — in `check` and in the API's body.

use assert_cmd::Command;
use homeward::dataset::table::MAX_ERRORS_PER_FILE;
use homeward::dataset::{DataError, ErrorCount};
use std::fmt::Write as _;
use std::path::Path;

/// fixtures/small with `bad` extra children whose sex is invalid.
fn with_bad_children(dir: &Path, bad: usize) {
    let small = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/small");
    for e in std::fs::read_dir(&small).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    let mut text = std::fs::read_to_string(small.join("children.csv")).unwrap();
    for i in 0..bad {
        writeln!(text, "X{i},2015-01-01,Q,,P1,P1,,,sr,long_term,2020-01-01,,").unwrap();
    }
    std::fs::write(dir.join("children.csv"), text).unwrap();
}

#[test]
fn a_capped_file_reports_first_200_of_at_least_n() {
    let dir = tempfile::tempdir().unwrap();
    with_bad_children(dir.path(), 300);
    let Err(DataError::Invalid { errors, .. }) = homeward::dataset::load(dir.path()) else {
        panic!("300 bad rows must not load");
    };
    let count = ErrorCount::of(&errors);
    assert_eq!(count.listed, MAX_ERRORS_PER_FILE);
    assert!(count.capped);
    assert_eq!(count.at_least, 300, "every bad row counted, 100 not listed");
    assert_eq!(
        errors.len(),
        MAX_ERRORS_PER_FILE + 1,
        "200 errors and one closing line"
    );
    assert!(errors.last().unwrap().not_shown.is_some());
    let text = DataError::Invalid {
        path: "d".into(),
        errors: errors.clone(),
    }
    .to_string();
    let head = text.lines().next().unwrap();
    assert_eq!(
        head,
        format!(
            "data set d has first 200 of at least {} error(s):",
            count.at_least
        )
    );
    // `check` says the same.
    let out = Command::cargo_bin("homeward")
        .unwrap()
        .args(["check", "--data", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("has first 200 of at least "), "{stderr}");
    assert!(stderr.contains("of at least 300 error(s)"), "{stderr}");
}

#[test]
fn an_uncapped_list_counts_every_error() {
    let dir = tempfile::tempdir().unwrap();
    with_bad_children(dir.path(), 3);
    let Err(e @ DataError::Invalid { .. }) = homeward::dataset::load(dir.path()) else {
        panic!("bad rows must not load");
    };
    assert!(e.to_string().starts_with(&format!(
        "data set {} has 3 error(s):",
        dir.path().display()
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_body_says_first_200_of_at_least_n() {
    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode, header};
    use homeward::store::{Role, Store, StoreTarget};
    use tower::ServiceExt;
    let dir = tempfile::tempdir().unwrap();
    with_bad_children(dir.path(), 250);
    let mut csv = serde_json::Map::new();
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".csv") {
            continue;
        }
        csv.insert(name, std::fs::read_to_string(&p).unwrap().into());
    }
    let store = Store::open(&StoreTarget::Sqlite(dir.path().join("t.db"))).unwrap();
    let (_, admin) = store.create_key(Role::Admin, &[], "admin").unwrap();
    let config = homeward::api::Config {
        rate_limit: None,
        ..homeward::api::Config::default()
    };
    let router = homeward::api::router(homeward::api::AppState::with_config(store, None, config));
    let req = Request::builder()
        .method(Method::POST)
        .uri("/v1/import?mode=replace")
        .header(header::AUTHORIZATION, format!("Bearer {admin}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::json!({ "csv": csv }).to_string()))
        .unwrap();
    let res = router.oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let errors = body["errors"].as_array().expect("errors listed");
    assert_eq!(errors.len(), MAX_ERRORS_PER_FILE + 1);
    let more = errors.last().unwrap()["notShown"].as_u64().unwrap();
    assert_eq!(more, 50, "250 bad rows, 200 listed");
    assert_eq!(
        body["detail"],
        format!(
            "first 200 of at least {} problem(s) found; nothing was written",
            200 + more
        )
    );
}
