//! A refused cross-region read answers exactly like a mistyped id (404, the
//! same body), but the audit row tells the two apart: `404 out_of_scope`
//! versus `404 not_found`. Store: fixtures/small; the officer's region is
//! South (K1–K3); K4 lives in the North.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward::api::{AppState, Config};
use homeward::store::{ImportMode, Role, Store, StoreTarget};
use serde_json::Value;
use tower::ServiceExt;

struct App {
    router: Router,
    store: Store,
    officer: String,
    _dir: tempfile::TempDir,
}

fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreTarget::Sqlite(dir.path().join("t.db"))).unwrap();
    let data = homeward::dataset::load(std::path::Path::new("fixtures/small")).unwrap();
    store.import(&data, ImportMode::Replace).unwrap();
    let (_, officer) = store
        .create_key(Role::Officer, &["South".into()], "officer")
        .unwrap();
    let config = Config {
        rate_limit: None,
        ..Config::default()
    };
    let date = chrono::NaiveDate::from_ymd_opt(2026, 6, 1);
    let router = homeward::api::router(AppState::with_config(store.clone(), date, config));
    App {
        router,
        store,
        officer,
        _dir: dir,
    }
}

/// Status and body of `GET uri` as the officer, the body without its
/// request id (which differs per request by design).
async fn get(a: &App, uri: &str) -> (StatusCode, Value) {
    let req = Request::builder()
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {}", a.officer))
        .body(Body::empty())
        .unwrap();
    let res = a.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let mut body: Value = serde_json::from_slice(&bytes).unwrap();
    body.as_object_mut().unwrap().remove("requestId");
    (status, body)
}

/// The outcome of the last audit row.
fn last_outcome(a: &App) -> String {
    a.store.audit_tail(1).unwrap().remove(0).event.outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_tells_out_of_scope_from_not_found_while_responses_match() {
    let a = app();
    for (uri, hidden) in [
        ("/v1/children/K4", "K4"),
        ("/v1/children/K4/matches", "K4"),
        ("/v1/children/K4/decisions", "K4"),
    ] {
        let (status, out_of_scope) = get(&a, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(last_outcome(&a), "404 out_of_scope", "{uri}");
        let mistyped = uri.replace(hidden, "K44");
        let (status, not_found) = get(&a, &mistyped).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(last_outcome(&a), "404 not_found", "{mistyped}");
        // The same answer, but for the id echoed in the message.
        let detail = |v: &Value| v["detail"].as_str().unwrap().replace("K44", "K4");
        assert_eq!(detail(&out_of_scope), detail(&not_found), "{uri}");
        let strip = |mut v: Value| {
            v.as_object_mut().unwrap().remove("detail");
            v
        };
        assert_eq!(strip(out_of_scope), strip(not_found), "{uri}");
    }
    // A child in the officer's region is served and audited as before.
    let (status, _) = get(&a, "/v1/children/K1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(last_outcome(&a), "200");
    assert!(a.store.verify_audit().unwrap().first_broken.is_none());
}
