//! Router tests (`oneshot`, no socket) for every endpoint and error path of
//! the HTTP service, and the role × endpoint authorisation matrix, over a
//! fresh SQLite store holding fixtures/small (officer region: South, which
//! holds children K1–K3 and households H3, H7). With
//! `HOMEWARD_TEST_DATABASE_URL` set (`.ci/pg-test`) the same tests run on
//! PostgreSQL, each app in a fresh schema.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use homeward::api::{AppState, Config};
use homeward::store::{ImportMode, Role, Store, StoreTarget};
use serde_json::{Value, json};
use std::num::NonZeroU32;
use tower::ServiceExt;

struct App {
    /// The router and store; dropped off the runtime (see [`off_runtime`]).
    parts: Option<(Router, Store)>,
    admin: String,
    officer: String,
    north: String,
    planner: String,
    _dir: tempfile::TempDir,
}

/// Runs `f` on a plain thread: the synchronous PostgreSQL client cannot run
/// on a thread that drives the async runtime (the service itself calls the
/// store on tokio's blocking pool).
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

fn app_with(config: Config) -> App {
    off_runtime(|| app_on_store(config))
}

fn app_on_store(config: Config) -> App {
    let dir = tempfile::tempdir().unwrap();
    let target = match std::env::var("HOMEWARD_TEST_DATABASE_URL") {
        Ok(url) => StoreTarget::Postgres(homeward::store::pg_fresh_schema(&url).unwrap()),
        Err(_) => StoreTarget::Sqlite(dir.path().join("t.db")),
    };
    let store = Store::open(&target).unwrap();
    let data = homeward::dataset::load(std::path::Path::new("fixtures/small")).unwrap();
    store.import(&data, ImportMode::Replace).unwrap();
    let (_, admin) = store.create_key(Role::Admin, &[], "admin").unwrap();
    let (_, officer) = store
        .create_key(Role::Officer, &["South".into()], "officer")
        .unwrap();
    let (_, north) = store
        .create_key(Role::Officer, &["North".into()], "north")
        .unwrap();
    let (_, planner) = store.create_key(Role::Planner, &[], "planner").unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 6, 1);
    let router = homeward::api::router(AppState::with_config(store.clone(), date, config));
    App {
        parts: Some((router, store)),
        admin,
        officer,
        north,
        planner,
        _dir: dir,
    }
}

fn app() -> App {
    app_with(Config {
        rate_limit: None,
        ..Config::default()
    })
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
    text: String,
}

impl Drop for App {
    fn drop(&mut self) {
        let parts = self.parts.take();
        off_runtime(move || drop(parts));
    }
}

impl App {
    fn store(&self) -> &Store {
        &self.parts.as_ref().unwrap().1
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let router = self.parts.as_ref().unwrap().0.clone();
        let res = router.oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        assert!(
            headers.contains_key("x-request-id"),
            "every response carries X-Request-Id"
        );
        if status.is_client_error() || status.is_server_error() {
            assert_eq!(
                headers[header::CONTENT_TYPE],
                "application/problem+json",
                "{status} is a problem: {text}"
            );
            assert_eq!(body["status"], status.as_u16(), "{text}");
            assert!(body["requestId"].is_string(), "{text}");
            assert!(body["title"].is_string() && body["detail"].is_string());
        }
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    async fn call(&self, method: &str, uri: &str, key: Option<&str>, body: Option<Value>) -> Reply {
        let mut b = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(uri);
        if let Some(k) = key {
            b = b.header(header::AUTHORIZATION, format!("Bearer {k}"));
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        };
        self.send(req.unwrap()).await
    }
}

fn new_carer(id: &str) -> Value {
    json!({
        "id": id, "place_id": "P3", "kind": "foster", "approved_places": 2,
        "min_age": 0, "max_age": 17, "placement_types": ["short_term", "long_term"],
        "accessible_home": false, "languages": ["sr"], "accepts_sibling_groups": true,
        "status": "available"
    })
}

#[tokio::test]
async fn authorisation_matrix_role_by_endpoint() {
    let a = app();
    // (method, uri, body, [none, admin, officer South, planner])
    let cases: Vec<(&str, String, Option<Value>, [u16; 4])> = vec![
        ("GET", "/livez".into(), None, [200, 200, 200, 200]),
        ("GET", "/readyz".into(), None, [200, 200, 200, 200]),
        ("GET", "/metrics".into(), None, [200, 200, 200, 200]),
        ("GET", "/openapi.json".into(), None, [200, 200, 200, 200]),
        ("GET", "/v1/children".into(), None, [401, 200, 200, 200]),
        ("GET", "/v1/children/K1".into(), None, [401, 200, 200, 200]),
        ("GET", "/v1/children/K4".into(), None, [401, 200, 404, 200]),
        ("GET", "/v1/carers/H1".into(), None, [401, 200, 404, 200]),
        ("GET", "/v1/carers/H7".into(), None, [401, 200, 200, 200]),
        (
            "GET",
            "/v1/institutions/I1".into(),
            None,
            [401, 200, 200, 200],
        ),
        (
            "GET",
            "/v1/sibling-links".into(),
            None,
            [401, 200, 200, 200],
        ),
        (
            "POST",
            "/v1/carers".into(),
            Some(new_carer("H90")),
            [401, 201, 403, 403],
        ),
        (
            "GET",
            "/v1/children/K1/matches".into(),
            None,
            [401, 200, 200, 403],
        ),
        (
            "GET",
            "/v1/children/K4/matches".into(),
            None,
            [401, 200, 404, 403],
        ),
        (
            "GET",
            "/v1/children/K1/matches/H1".into(),
            None,
            [401, 200, 200, 403],
        ),
        (
            "GET",
            "/v1/children/K1/decisions".into(),
            None,
            [401, 200, 200, 403],
        ),
        (
            "POST",
            "/v1/children/K1/decisions".into(),
            Some(json!({"carerId": "H7", "decision": "declined", "reason": "too far"})),
            [401, 201, 201, 403],
        ),
        (
            "POST",
            "/v1/plans".into(),
            Some(json!({"region": "South", "timeLimitSecs": 5})),
            [401, 202, 403, 202],
        ),
        ("GET", "/v1/plans".into(), None, [401, 200, 403, 200]),
        (
            "GET",
            "/v1/plans/p_0000000000000000".into(),
            None,
            [401, 404, 403, 404],
        ),
        ("GET", "/v1/simulations".into(), None, [401, 200, 403, 200]),
        (
            "POST",
            "/v1/simulations".into(),
            Some(json!({"scenario": "name = 1"})),
            [401, 422, 403, 422],
        ),
        ("GET", "/v1/keys".into(), None, [401, 200, 403, 403]),
        (
            "POST",
            "/v1/keys".into(),
            Some(json!({"role": "planner", "label": "p2"})),
            [401, 201, 403, 403],
        ),
        (
            "DELETE",
            "/v1/keys/k_nope".into(),
            None,
            [401, 404, 403, 403],
        ),
        (
            "POST",
            "/v1/import".into(),
            Some(json!({"places": []})),
            [401, 422, 403, 403],
        ),
    ];
    for (method, uri, body, expected) in cases {
        let keys = [None, Some(&a.admin), Some(&a.officer), Some(&a.planner)];
        let roles = ["no key", "admin", "officer", "planner"];
        for ((key, want), role) in keys.into_iter().zip(expected).zip(roles) {
            // Writes that succeed once would then conflict: fresh ids per role.
            let body = body.clone().map(|mut b| {
                if uri == "/v1/carers" {
                    b["id"] = json!(format!("H9{}", want));
                }
                b
            });
            let r = a.call(method, &uri, key.map(String::as_str), body).await;
            assert_eq!(
                r.status.as_u16(),
                want,
                "{method} {uri} as {role}: {}",
                r.text
            );
        }
    }
    // Every read of child data, allowed or refused, was audited.
    let report = off_runtime(|| a.store().verify_audit().unwrap());
    assert!(report.ok());
    assert!(report.rows >= 10, "{} audit rows", report.rows);
}

#[tokio::test]
async fn updates_need_the_current_etag() {
    let a = app();
    let r = a.call("GET", "/v1/carers/H7", Some(&a.admin), None).await;
    assert_eq!(r.status, 200);
    let etag = r.headers[header::ETAG].to_str().unwrap().to_owned();
    assert_eq!(etag, "\"1\"");
    let mut data = r.body["data"].clone();
    data["approved_places"] = json!(3);

    let r = a
        .call("PUT", "/v1/carers/H7", Some(&a.admin), Some(data.clone()))
        .await;
    assert_eq!(r.status, 428, "If-Match is required: {}", r.text);

    let put = |tag: &str| {
        Request::builder()
            .method("PUT")
            .uri("/v1/carers/H7")
            .header(header::AUTHORIZATION, format!("Bearer {}", a.admin))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::IF_MATCH, tag)
            .body(Body::from(data.to_string()))
            .unwrap()
    };
    let r = a.send(put("\"7\"")).await;
    assert_eq!(r.status, 412, "{}", r.text);
    let r = a.send(put(&etag)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.headers[header::ETAG], "\"2\"");
    assert_eq!(r.body["data"]["approved_places"], 3);
    // A second writer with the old ETag loses.
    let r = a.send(put(&etag)).await;
    assert_eq!(r.status, 412, "{}", r.text);

    // Invalid fields: 422 naming the field; nothing written.
    let mut bad = data.clone();
    bad["approved_places"] = json!("many");
    let r = a
        .send(
            Request::builder()
                .method("PUT")
                .uri("/v1/carers/H7")
                .header(header::AUTHORIZATION, format!("Bearer {}", a.admin))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::IF_MATCH, "\"2\"")
                .body(Body::from(bad.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("approved_places"), "{}", r.text);
    let r = a.call("GET", "/v1/carers/H7", Some(&a.admin), None).await;
    assert_eq!(r.body["version"], 2);

    // Delete: If-Match required, referenced records conflict.
    let r = a
        .call("DELETE", "/v1/carers/H7", Some(&a.admin), None)
        .await;
    assert_eq!(r.status, 428);
    let del = |uri: &str, tag: &str| {
        Request::builder()
            .method("DELETE")
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {}", a.admin))
            .header(header::IF_MATCH, tag)
            .body(Body::empty())
            .unwrap()
    };
    let r = a.send(del("/v1/places/P1", "*")).await;
    assert_eq!(r.status, 409, "P1 is referenced: {}", r.text);
    let r = a.send(del("/v1/carers/H7", "\"2\"")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = a.call("GET", "/v1/carers/H7", Some(&a.admin), None).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn create_reports_location_and_conflicts() {
    let a = app();
    let r = a
        .call("POST", "/v1/carers", Some(&a.admin), Some(new_carer("H50")))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.headers[header::LOCATION], "/v1/carers/H50");
    assert_eq!(r.headers[header::ETAG], "\"1\"");
    let r = a
        .call("POST", "/v1/carers", Some(&a.admin), Some(new_carer("H50")))
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    let mut bad = new_carer("H51");
    bad["place_id"] = json!("P404");
    let r = a
        .call("POST", "/v1/carers", Some(&a.admin), Some(bad))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.body["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["field"] == "place_id")),
        "{}",
        r.text
    );
    let r = a
        .call("POST", "/v1/widgets", Some(&a.admin), Some(json!({})))
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn planners_do_not_see_health_or_heritage() {
    let a = app();
    let officer = a
        .call("GET", "/v1/children/K2", Some(&a.officer), None)
        .await;
    assert!(
        officer.body["data"].get("needs").is_some(),
        "{}",
        officer.text
    );
    assert_eq!(officer.body["redacted"], json!([]));
    let planner = a
        .call("GET", "/v1/children/K4", Some(&a.planner), None)
        .await;
    assert_eq!(planner.status, 200);
    assert!(
        planner.body["data"].get("needs").is_none(),
        "{}",
        planner.text
    );
    assert!(planner.body["data"].get("heritage").is_none());
    assert!(
        planner.body["redacted"]
            .as_array()
            .unwrap()
            .contains(&json!("needs"))
    );
    let page = a
        .call("GET", "/v1/children?limit=500", Some(&a.planner), None)
        .await;
    assert!(
        page.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["data"].get("needs").is_none())
    );
}

#[tokio::test]
async fn lists_page_with_cursors_within_the_officers_regions() {
    let a = app();
    let mut ids = Vec::new();
    let mut uri = "/v1/children?limit=2".to_owned();
    loop {
        let r = a.call("GET", &uri, Some(&a.admin), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        ids.extend(items.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        match r.body["nextCursor"].as_str() {
            Some(c) => uri = format!("/v1/children?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(ids, ["K1", "K2", "K3", "K4", "K5"]);
    let r = a.call("GET", "/v1/children", Some(&a.officer), None).await;
    let ids: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["K1", "K2", "K3"], "South only");
    let r = a.call("GET", "/v1/children", Some(&a.north), None).await;
    assert_eq!(
        r.body["items"].as_array().unwrap().len(),
        2,
        "North: K4, K5"
    );
    // Roads are stored too (travel times as in the CLI).
    let r = a.call("GET", "/v1/roads", Some(&a.officer), None).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 4, "{}", r.text);
    assert!(r.body["items"][0]["id"].as_str().unwrap().contains('~'));
    for q in ["limit=0", "limit=501", "limit=x", "cursor=zz", "cursor=abc"] {
        let r = a
            .call("GET", &format!("/v1/children?{q}"), Some(&a.admin), None)
            .await;
        assert_eq!(r.status, 422, "{q}: {}", r.text);
    }
}

#[tokio::test]
async fn bulk_import_is_all_or_nothing_and_reports_every_error() {
    let a = app();
    let places = std::fs::read_to_string("fixtures/small/places.csv").unwrap();
    let mut files = serde_json::Map::new();
    for f in [
        "places",
        "institutions",
        "children",
        "carers",
        "siblings",
        "roads",
    ] {
        let text = std::fs::read_to_string(format!("fixtures/small/{f}.csv")).unwrap();
        files.insert(format!("{f}.csv"), json!(text));
    }
    let r = a
        .call(
            "POST",
            "/v1/import?mode=upsert",
            Some(&a.admin),
            Some(json!({ "csv": files.clone() })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["created"], 0);
    let before = off_runtime(|| a.store().revision().unwrap());

    // Two broken places, an unknown file: every problem listed, nothing written.
    let broken = places
        .replace(
            "P1,Alpha,RS,North,44.0,20.0",
            "P1,Alpha,RS,North,444.0,20.0",
        )
        .replace(
            "P2,Beta,RS,North,44.1,20.0,20000",
            "P2,Beta,RS,North,44.1,20.0,lots",
        );
    files.insert("places.csv".into(), json!(broken));
    files.insert("pets.csv".into(), json!("id\n"));
    let r = a
        .call(
            "POST",
            "/v1/import?mode=replace",
            Some(&a.admin),
            Some(json!({ "csv": files })),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let errors = r.body["errors"].as_array().unwrap();
    assert!(errors.len() >= 3, "{}", r.text);
    assert!(
        errors
            .iter()
            .any(|e| e["record"] == "P1" && e["field"] == "lat")
    );
    assert!(errors.iter().any(|e| e["record"] == "P2"));
    assert!(errors.iter().any(|e| e["file"] == "pets.csv"));
    assert_eq!(
        off_runtime(|| a.store().revision().unwrap()),
        before,
        "nothing written"
    );

    let r = a
        .call(
            "POST",
            "/v1/import?mode=sideways",
            Some(&a.admin),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn bodies_are_checked_and_rejections_are_problems() {
    let a = app_with(Config {
        rate_limit: None,
        body_limit: 4096,
        ..Config::default()
    });
    let post = |ct: &str, body: String| {
        Request::builder()
            .method("POST")
            .uri("/v1/keys")
            .header(header::AUTHORIZATION, format!("Bearer {}", a.admin))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    let r = a.send(post("application/json", "{\"role\":".into())).await;
    assert_eq!(r.status, 400, "malformed JSON: {}", r.text);
    let r = a.send(post("text/plain", "{}".into())).await;
    assert_eq!(r.status, 415, "{}", r.text);
    let r = a
        .send(post(
            "application/json",
            format!("{{\"label\":\"{}\"}}", "x".repeat(8000)),
        ))
        .await;
    assert_eq!(r.status, 413, "{}", r.text);
    let r = a
        .send(post(
            "application/json",
            "{\"role\":\"planner\",\"pets\":1}".into(),
        ))
        .await;
    assert_eq!(r.status, 422, "unknown field: {}", r.text);
    let r = a
        .send(post("application/json", "{\"role\":\"king\"}".into()))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = a
        .send(post("application/json", "{\"role\":\"officer\"}".into()))
        .await;
    assert_eq!(r.status, 422, "officer needs regions: {}", r.text);
    let r = a
        .call("GET", "/v1/nowhere/at/all", Some(&a.admin), None)
        .await;
    assert_eq!(r.status, 404);
    let r = a.call("PATCH", "/v1/keys", Some(&a.admin), None).await;
    assert_eq!(r.status, 405);
    let r = a.call("GET", "/v1/children", Some("hw_wrong"), None).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.headers[header::WWW_AUTHENTICATE], "Bearer");
    let r = a
        .call("GET", "/v1/children/K1/matches?k=0", Some(&a.admin), None)
        .await;
    assert_eq!(r.status, 422);
    let r = a
        .call(
            "GET",
            "/v1/children/K1/matches?model=nope",
            Some(&a.admin),
            None,
        )
        .await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn keys_are_created_shown_once_and_revoked() {
    let a = app();
    let r = a
        .call(
            "POST",
            "/v1/keys",
            Some(&a.admin),
            Some(json!({"role": "officer", "regions": ["North"], "label": "Ana"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    let id = r.body["key"]["id"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 35, "≥128-bit secret");
    let r = a.call("GET", "/v1/children", Some(&secret), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    let list = a.call("GET", "/v1/keys", Some(&a.admin), None).await;
    assert!(!list.text.contains(&secret), "secrets are never listed");
    let r = a
        .call("DELETE", &format!("/v1/keys/{id}"), Some(&a.admin), None)
        .await;
    assert_eq!(r.status, 204);
    let r = a.call("GET", "/v1/children", Some(&secret), None).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn decisions_feed_declines_and_flag_hard_rule_overrides() {
    let a = app();
    // H3 is in South (P4); find a household a hard rule excludes for K1.
    let r = a
        .call(
            "GET",
            "/v1/children/K1/matches?k=100",
            Some(&a.officer),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let text = r.text.clone();
    let excluded = ["H1", "H2", "H3", "H4", "H5", "H6", "H7", "H8"]
        .into_iter()
        .find(|h| !text.contains(&format!("\"{h}\"")))
        .expect("some household is excluded for K1");
    let ranked: Vec<String> = r.body["matches"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|x| x["householdId"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();

    let decide = |body: Value| {
        a.call(
            "POST",
            "/v1/children/K1/decisions",
            Some(&a.officer),
            Some(body),
        )
    };
    let r = decide(json!({"carerId": excluded, "decision": "accepted"})).await;
    assert_eq!(r.status, 422, "accepting an excluded pair: {}", r.text);
    let r = decide(json!({"carerId": excluded, "decision": "overridden"})).await;
    assert_eq!(r.status, 422, "an override needs a reason: {}", r.text);
    let r =
        decide(json!({"carerId": excluded, "decision": "overridden", "reason": "emergency"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["flagged"], true);
    let r = decide(json!({"carerId": "H404", "decision": "declined"})).await;
    assert_eq!(r.status, 404);
    let r = decide(json!({"carerId": "H1", "decision": "maybe"})).await;
    assert_eq!(r.status, 422);
    if let Some(first) = ranked.first() {
        let r =
            decide(json!({"carerId": first, "decision": "declined", "reason": "family said no"}))
                .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["flagged"], false);
        let again = a
            .call(
                "GET",
                &format!("/v1/children/K1/matches/{first}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert!(again.text.contains("past_declines"), "{}", again.text);
    }
    let r = a
        .call("GET", "/v1/children/K1/decisions", Some(&a.officer), None)
        .await;
    assert_eq!(
        r.body.as_array().unwrap().len(),
        1 + usize::from(!ranked.is_empty())
    );
    // Officers of another region cannot decide for K1.
    let r = a
        .call(
            "POST",
            "/v1/children/K1/decisions",
            Some(&a.north),
            Some(json!({"carerId": "H1", "decision": "declined"})),
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let a = app_with(Config {
        rate_limit: NonZeroU32::new(3),
        ..Config::default()
    });
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = a.call("GET", "/v1/keys", Some(&a.admin), None).await;
        if r.status == 429 {
            assert!(r.headers.contains_key(header::RETRY_AFTER));
        }
        statuses.push(r.status.as_u16());
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    // Other keys have their own budget.
    let r = a.call("GET", "/v1/children", Some(&a.planner), None).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn docs_and_metrics_are_served() {
    let a = app();
    let r = a.call("GET", "/openapi.json", None, None).await;
    assert_eq!(r.body["openapi"], "3.1.0");
    let paths = r.body["paths"].as_object().unwrap();
    for p in [
        "/v1/children/{id}/matches",
        "/v1/{type}/{id}",
        "/v1/import",
        "/v1/keys",
        "/metrics",
    ] {
        assert!(paths.contains_key(p), "{p} documented");
    }
    // Every operation documents the shared error statuses.
    let op = &paths["/v1/{type}/{id}"]["put"]["responses"];
    for s in [
        "200", "400", "401", "404", "412", "413", "415", "422", "428", "429", "500", "503",
    ] {
        assert!(op.get(s).is_some(), "PUT documents {s}");
    }
    let r = a.call("GET", "/docs/", None, None).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("swagger"), "Swagger UI page");
    a.call("GET", "/v1/children", Some(&a.admin), None).await;
    let r = a.call("GET", "/metrics", None, None).await;
    assert!(
        r.text.contains("homeward_http_requests_total"),
        "{}",
        r.text
    );
    assert!(r.text.contains("route=\"/v1/{type}\""), "{}", r.text);
    assert!(!r.text.contains("K1"), "no child ids in metrics");
}

#[tokio::test]
async fn slow_requests_time_out_as_503_problems() {
    // A write that waits for a database lock another connection holds
    // outlasts a 300 ms timeout: 503 with Retry-After, deterministically.
    // (SQLite only: the lock is taken on the database file.)
    if std::env::var("HOMEWARD_TEST_DATABASE_URL").is_ok() {
        return;
    }
    let a = app_with(Config {
        rate_limit: None,
        timeout: std::time::Duration::from_millis(300),
        ..Config::default()
    });
    let r = a.call("GET", "/livez", None, None).await;
    assert_eq!(r.status, 200);
    let blocker = rusqlite::Connection::open(a._dir.path().join("t.db")).unwrap();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let r = a
        .call(
            "POST",
            "/v1/keys",
            Some(&a.admin),
            Some(json!({"role": "planner", "label": "slow"})),
        )
        .await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    blocker.execute_batch("ROLLBACK").unwrap();
    drop(blocker);
    // Reads never wait for the writer (WAL) and are served within the limit.
    let r = a.call("GET", "/v1/children", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// Checks `v` against `schema` of the OpenAPI document `doc`: every field
/// is declared, every required field is present, arrays and nested objects
/// recursively (enough to catch a payload and its schema drifting apart).
fn conforms(doc: &Value, schema: &Value, v: &Value, at: &str) {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    };
    if let Some(one_of) = schema.get("oneOf").and_then(Value::as_array) {
        let s = one_of
            .iter()
            .find(|s| s["type"] != "null")
            .expect("a non-null alternative");
        return conforms(doc, s, v, at);
    }
    match v {
        Value::Object(fields) => {
            let props = schema["properties"]
                .as_object()
                .unwrap_or_else(|| panic!("{at}: schema has no properties: {schema}"));
            for (k, x) in fields {
                let s = props
                    .get(k)
                    .unwrap_or_else(|| panic!("{at}.{k}: not in the schema"));
                conforms(doc, s, x, &format!("{at}.{k}"));
            }
            for r in schema["required"].as_array().into_iter().flatten() {
                let r = r.as_str().unwrap();
                assert!(fields.contains_key(r), "{at}.{r}: required, missing");
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                conforms(doc, &schema["items"], x, &format!("{at}[{i}]"));
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn ranking_and_explanation_follow_their_openapi_schemas() {
    let a = app();
    let doc = a.call("GET", "/openapi.json", None, None).await.body;
    for (uri, path) in [
        ("/v1/children/K1/matches?k=5", "/v1/children/{id}/matches"),
        (
            "/v1/children/K1/matches/H7",
            "/v1/children/{id}/matches/{carer}",
        ),
        (
            "/v1/children/K1/matches/H1",
            "/v1/children/{id}/matches/{carer}",
        ),
    ] {
        let r = a.call("GET", uri, Some(&a.admin), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let schema =
            &doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert!(schema.get("$ref").is_some(), "{path}: typed, not Object");
        conforms(&doc, schema, &r.body, uri);
    }
}
