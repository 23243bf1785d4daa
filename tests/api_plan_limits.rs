//! The plan job's work limit over HTTP (issue 15, point 2): `workLimit` is
//! validated, passed to the planner and recorded in the plan document with
//! what stopped the plan. On a temporary SQLite store seeded from
//! fixtures/small, through the router with `oneshot` (no sockets).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward::api::{AppState, Config, router};
use homeward::store::{ImportMode, Role, Store, StoreTarget};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// POSTs or GETs `uri` as `key`: status and JSON body.
async fn call(
    app: &axum::Router,
    uri: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(if body.is_some() { "POST" } else { "GET" })
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/json");
    let req = req
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn a_plan_job_takes_a_work_limit_and_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreTarget::Sqlite(dir.path().join("jobs.db"))).unwrap();
    let data = homeward::dataset::load(Path::new("fixtures/small")).unwrap();
    store.import(&data, ImportMode::Replace).unwrap();
    let key = store.create_key(Role::Planner, &[], "t").unwrap().1;
    let config = Config {
        rate_limit: None,
        work_dir: dir.path().join("work"),
        ..Config::default()
    };
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 1);
    let app = router(AppState::with_config(store, as_of, config));

    let (status, p) = call(&app, "/v1/plans", &key, Some(json!({ "workLimit": 0 }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "workLimit", "{p}");

    let body = json!({ "workLimit": 5000, "timeLimitSecs": 60, "relax": true });
    let (status, j) = call(&app, "/v1/plans", &key, Some(body)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{j}");
    let uri = format!("/v1/plans/{}", j["id"].as_str().unwrap());
    let t = Instant::now();
    let j = loop {
        let (_, j) = call(&app, &uri, &key, None).await;
        if !j["finishedAt"].is_null() {
            break j;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "job stuck: {j}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(j["status"], "succeeded", "{j}");
    let plan = &j["result"];
    assert_eq!(
        plan["limits"],
        json!({ "timeLimitSecs": 60.0, "workLimit": 5000, "gap": 0.0 }),
        "{plan}"
    );
    assert_eq!(plan["stoppedBy"], "proved", "{plan}");
    assert_eq!(plan["rounds"][0]["workShare"], 2500, "{plan}");
    assert_eq!(j["check"]["valid"], true, "{j}");
}
