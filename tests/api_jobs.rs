//! Plans and simulations as asynchronous jobs over HTTP, on a temporary
//! SQLite store seeded from fixtures/small, through the router with
//! `tower::ServiceExt::oneshot` (no sockets).

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward::api::{AppState, Config, router};
use homeward::store::{ImportMode, Role, Store, StoreTarget};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tower::ServiceExt;

struct App {
    router: Router,
    planner: String,
    other_planner: String,
    officer: String,
    admin: String,
    db: PathBuf,
    _dir: tempfile::TempDir,
}

fn app(max_jobs: usize, job_workers: usize) -> App {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jobs.db");
    let store = Store::open(&StoreTarget::Sqlite(db.clone())).unwrap();
    let data = homeward::dataset::load(Path::new("fixtures/small")).unwrap();
    store.import(&data, ImportMode::Replace).unwrap();
    let key = |role, regions: &[String]| store.create_key(role, regions, "t").unwrap().1;
    let (planner, other_planner) = (key(Role::Planner, &[]), key(Role::Planner, &[]));
    let officer = key(Role::Officer, &["South".to_owned()]);
    let admin = key(Role::Admin, &[]);
    let config = Config {
        max_jobs,
        job_workers,
        rate_limit: None,
        work_dir: dir.path().join("work"),
        ..Config::default()
    };
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 1);
    App {
        router: router(AppState::with_config(store, as_of, config)),
        planner,
        other_planner,
        officer,
        admin,
        db,
        _dir: dir,
    }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// Asserts a problem document with `status`; returns it.
    fn problem(&self, status: StatusCode) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header(header::CONTENT_TYPE),
            Some("application/problem+json")
        );
        let p = self.json();
        assert_eq!(p["status"], status.as_u16());
        p
    }
}

async fn send(
    app: &App,
    method: &str,
    uri: &str,
    key: Option<&str>,
    body: Option<(&str, String)>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        req = req.header(header::AUTHORIZATION, format!("Bearer {k}"));
    }
    let req = match body {
        Some((ct, b)) => req.header(header::CONTENT_TYPE, ct).body(Body::from(b)),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    }
}

async fn get(app: &App, uri: &str, key: &str) -> Reply {
    send(app, "GET", uri, Some(key), None).await
}

async fn delete(app: &App, uri: &str, key: &str) -> Reply {
    send(app, "DELETE", uri, Some(key), None).await
}

async fn post(app: &App, uri: &str, key: &str, body: Value) -> Reply {
    send(
        app,
        "POST",
        uri,
        Some(key),
        Some(("application/json", body.to_string())),
    )
    .await
}

/// Submits a job and checks the 202: `Location`, a queued job body.
async fn submit(app: &App, uri: &str, key: &str, body: Value) -> String {
    let r = post(app, uri, key, body).await;
    assert_eq!(
        r.status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let j = r.json();
    let id = j["id"].as_str().unwrap().to_owned();
    assert_eq!(r.header(header::LOCATION), Some(&*format!("{uri}/{id}")));
    assert_eq!(j["status"], "queued", "{j}");
    for nullable in ["startedAt", "finishedAt", "error", "result", "check"] {
        assert!(j[nullable].is_null(), "{nullable} in {j}");
    }
    id
}

/// Polls a job until `done` holds (at most 60 s).
async fn wait_for(app: &App, uri: &str, key: &str, done: impl Fn(&Value) -> bool) -> Value {
    let t = Instant::now();
    loop {
        let r = get(app, uri, key).await;
        assert_eq!(r.status, StatusCode::OK);
        let j = r.json();
        if done(&j) {
            return j;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "job stuck: {j}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn finished(app: &App, uri: &str, key: &str) -> Value {
    wait_for(app, uri, key, |j| !j["finishedAt"].is_null()).await
}

/// A simulation that runs for minutes unless cancelled.
fn long_scenario() -> Value {
    json!({ "scenario": "name = \"long\"\nstart = 2027-01-01\nhorizon_months = 600\nreplications = 200\n[entries]\nunits_per_month = 1.0\n[capacity_gap]\nenabled = false\n" })
}

#[tokio::test]
async fn plan_job_runs_to_a_plan_the_checker_accepts() {
    let app = app(4, 1);
    let id = submit(
        &app,
        "/v1/plans",
        &app.planner,
        json!({ "region": "South", "timeLimitSecs": 20, "alternatives": 2 }),
    )
    .await;
    assert!(id.starts_with("p_"), "{id}");
    let uri = format!("/v1/plans/{id}");
    let j = finished(&app, &uri, &app.planner).await;
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["kind"], "plan");
    assert!(j["error"].is_null() && !j["startedAt"].is_null(), "{j}");
    let plan = &j["result"];
    assert_eq!(plan["model"]["id"], "default", "{plan}");
    assert_eq!(plan["scope"], "region South", "{plan}");
    assert!(!plan["placements"].as_array().unwrap().is_empty(), "{plan}");
    assert_eq!(j["check"], json!({ "valid": true, "problems": [] }), "{j}");
    assert_eq!(j["progress"]["done"], j["progress"]["total"], "{j}");

    // Listed (without the result) for its owner.
    let list = get(&app, "/v1/plans", &app.planner).await.json();
    assert_eq!(list["jobs"][0]["id"], id.as_str());
    assert!(list["jobs"][0]["result"].is_null());

    // A finished plan cannot be cancelled.
    delete(&app, &uri, &app.planner)
        .await
        .problem(StatusCode::CONFLICT);

    // Audited: the submission and each read of the finished plan.
    let store = Store::open(&StoreTarget::Sqlite(app.db.clone())).unwrap();
    let actions: Vec<(String, String)> = store
        .audit_tail(100)
        .unwrap()
        .into_iter()
        .map(|r| (r.event.action, r.event.outcome))
        .collect();
    assert_eq!(actions[0], ("POST /v1/plans".into(), "202".into()));
    assert!(
        actions.contains(&("GET /v1/plans/{id}".into(), "200".into())),
        "{actions:?}"
    );
    assert!(store.verify_audit().unwrap().ok());
}

#[tokio::test]
async fn bad_plan_requests_are_problems_naming_the_field() {
    let app = app(4, 1);
    let k = app.planner.as_str();
    for (body, field) in [
        (json!({ "region": "Atlantis" }), "region"),
        (json!({ "region": "South", "children": ["K1"] }), "region"),
        (json!({ "children": ["K1", "NOPE"] }), "children"),
        (json!({ "children": [] }), "children"),
        (json!({ "timeLimitSecs": 0 }), "timeLimitSecs"),
        (json!({ "timeLimitSecs": 301 }), "timeLimitSecs"),
        (json!({ "gap": 1.0 }), "gap"),
        (json!({ "alternatives": 6 }), "alternatives"),
        (json!({ "model": "x" }), "model"),
    ] {
        let p = post(&app, "/v1/plans", k, body.clone())
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
        assert!(p["detail"].as_str().unwrap().contains(field), "{p}");
    }
    // Every problem at once.
    let p = post(
        &app,
        "/v1/plans",
        k,
        json!({ "region": "Atlantis", "gap": -1, "timeLimitSecs": 1000 }),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"].as_array().unwrap().len(), 3, "{p}");
    // The shape of the body.
    let p = post(&app, "/v1/plans", k, json!({ "regoin": "South" }))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().unwrap().contains("regoin"), "{p}");
    post(&app, "/v1/plans", k, json!({ "alternatives": -1 }))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let json_body = |b: &str| Some(("application/json", b.to_owned()));
    send(
        &app,
        "POST",
        "/v1/plans",
        Some(k),
        json_body("{\"region\":"),
    )
    .await
    .problem(StatusCode::BAD_REQUEST);
    send(
        &app,
        "POST",
        "/v1/plans",
        Some(k),
        Some(("text/plain", "{}".into())),
    )
    .await
    .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Keys and roles come first.
    send(&app, "POST", "/v1/plans", None, json_body("{}"))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    send(
        &app,
        "POST",
        "/v1/plans",
        Some(&app.officer),
        json_body("{"),
    )
    .await
    .problem(StatusCode::FORBIDDEN);
    for uri in ["/v1/plans", "/v1/plans/p_0", "/v1/simulations"] {
        get(&app, uri, &app.officer)
            .await
            .problem(StatusCode::FORBIDDEN);
        send(&app, "GET", uri, None, None)
            .await
            .problem(StatusCode::UNAUTHORIZED);
    }
    get(&app, "/v1/plans/p_0", k)
        .await
        .problem(StatusCode::NOT_FOUND);
    delete(&app, "/v1/plans/p_0", k)
        .await
        .problem(StatusCode::NOT_FOUND);
    // Nothing was queued.
    assert_eq!(
        get(&app, "/v1/plans", k).await.json(),
        json!({ "jobs": [] })
    );
}

#[tokio::test]
async fn full_queue_answers_429_and_delete_cancels_queued_and_running_jobs() {
    // One worker, two slots: a long simulation runs, a plan waits behind it.
    let app = app(2, 1);
    let k = app.planner.as_str();
    let sim = submit(&app, "/v1/simulations", k, long_scenario()).await;
    let sim_uri = format!("/v1/simulations/{sim}");
    let plan = submit(&app, "/v1/plans", k, json!({ "region": "North" })).await;
    let plan_uri = format!("/v1/plans/{plan}");

    let r = post(&app, "/v1/plans", k, json!({})).await;
    r.problem(StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.header(header::RETRY_AFTER).unwrap().parse().unwrap();
    assert!(wait >= 1);
    post(&app, "/v1/simulations", k, long_scenario())
        .await
        .problem(StatusCode::TOO_MANY_REQUESTS);
    let metrics = get(&app, "/metrics", k).await;
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(text.contains("homeward_jobs_active 2"), "{text}");

    // The queued plan is cancelled without ever running.
    let j = delete(&app, &plan_uri, k).await;
    assert_eq!(j.status, StatusCode::OK);
    let j = j.json();
    assert_eq!(j["status"], "cancelled", "{j}");
    assert!(
        j["startedAt"].is_null() && !j["finishedAt"].is_null(),
        "{j}"
    );
    delete(&app, &plan_uri, k)
        .await
        .problem(StatusCode::CONFLICT);

    // The running simulation stops at its next step.
    let j = wait_for(&app, &sim_uri, k, |j| j["status"] == "running").await;
    assert!(!j["startedAt"].is_null(), "{j}");
    let j = delete(&app, &sim_uri, k).await.json();
    assert_eq!(j["status"], "cancelled", "{j}");
    let j = finished(&app, &sim_uri, k).await;
    assert_eq!(j["status"], "cancelled", "{j}");
    assert!(j["result"].is_null(), "{j}");

    // Slots are free again.
    let id = submit(&app, "/v1/plans", k, json!({ "children": ["K1"] })).await;
    let j = finished(&app, &format!("/v1/plans/{id}"), k).await;
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["check"]["valid"], true, "{j}");
    let metrics = get(&app, "/metrics", k).await;
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(text.contains("homeward_jobs_active 0"), "{text}");
}

#[tokio::test]
async fn planners_see_only_their_own_jobs_and_admins_see_all() {
    let app = app(4, 1);
    let id = submit(
        &app,
        "/v1/plans",
        &app.planner,
        json!({ "region": "North" }),
    )
    .await;
    let uri = format!("/v1/plans/{id}");
    let other = app.other_planner.as_str();
    get(&app, &uri, other).await.problem(StatusCode::NOT_FOUND);
    delete(&app, &uri, other)
        .await
        .problem(StatusCode::NOT_FOUND);
    assert_eq!(
        get(&app, "/v1/plans", other).await.json(),
        json!({ "jobs": [] })
    );
    // A plan id is no simulation id.
    get(&app, &format!("/v1/simulations/{id}"), &app.planner)
        .await
        .problem(StatusCode::NOT_FOUND);
    let j = finished(&app, &uri, &app.admin).await;
    assert_eq!(j["status"], "succeeded", "{j}");
    let list = get(&app, "/v1/plans", &app.admin).await.json();
    assert_eq!(list["jobs"][0]["id"], id.as_str(), "{list}");
    get(&app, &uri, &app.officer)
        .await
        .problem(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn simulation_job_writes_report_files_to_download() {
    let app = app(4, 1);
    let k = app.planner.as_str();
    let scenario = "name = \"tiny\"\nstart = 2027-01-01\nhorizon_months = 3\nreplications = 5\nseed = 7\n[entries]\nunits_per_month = 0.5\n[capacity_gap]\nenabled = false\n";
    let id = submit(
        &app,
        "/v1/simulations",
        k,
        json!({ "scenario": scenario, "replications": 2 }),
    )
    .await;
    assert!(id.starts_with("s_"), "{id}");
    let uri = format!("/v1/simulations/{id}");
    let j = finished(&app, &uri, k).await;
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["kind"], "simulation");
    assert_eq!(j["description"], "tiny");
    assert_eq!(j["progress"], json!({ "done": 6, "total": 6 }), "{j}");
    let summary = &j["result"]["summary"];
    assert_eq!(summary["replications"], 2, "{j}");
    assert_eq!(summary["steps"], 3, "{j}");
    assert!(
        summary["series"]["in_institutions"]["end"].is_number(),
        "{j}"
    );
    let files: Vec<&str> = j["result"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for f in [
        "report.html",
        "summary.json",
        "timeseries.csv",
        "timeseries.json",
    ] {
        assert!(files.contains(&f), "{files:?}");
    }
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("chart-") && f.ends_with(".svg"))
    );

    let r = get(&app, &format!("{uri}/files/summary.json"), k).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), Some("application/json"));
    assert_eq!(r.json()["scenario"], "tiny");
    let r = get(&app, &format!("{uri}/files/report.html"), k).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header(header::CONTENT_TYPE)
            .unwrap()
            .starts_with("text/html")
    );
    let r = get(&app, &format!("{uri}/files/timeseries.csv"), k).await;
    assert!(
        r.header(header::CONTENT_TYPE)
            .unwrap()
            .starts_with("text/csv")
    );
    let chart = files.iter().find(|f| f.ends_with(".svg")).unwrap();
    let r = get(&app, &format!("{uri}/files/{chart}"), k).await;
    assert_eq!(r.header(header::CONTENT_TYPE), Some("image/svg+xml"));
    for bad in [
        "nope.csv",
        "..%2Fjobs.db",
        "..",
        "charts%2Fplaced.svg",
        "%2E%2E%2F%2E%2E%2Fjobs.db",
    ] {
        get(&app, &format!("{uri}/files/{bad}"), k)
            .await
            .problem(StatusCode::NOT_FOUND);
    }
    get(
        &app,
        &format!("{uri}/files/report.html"),
        &app.other_planner,
    )
    .await
    .problem(StatusCode::NOT_FOUND);
    get(&app, &format!("{uri}/files/report.html"), &app.officer)
        .await
        .problem(StatusCode::FORBIDDEN);

    // Bad scenarios are refused at submission.
    for (body, needle) in [
        (
            json!({ "scenario": format!("data = \"fixtures/small\"\n{scenario}") }),
            "data",
        ),
        (json!({ "scenario": "name = " }), "TOML"),
        (
            json!({ "scenario": scenario.replace("horizon_months = 3", "horizon_months = 0") }),
            "horizon_months",
        ),
        (
            json!({ "scenario": format!("{scenario}[policy]\nmodel = \"/etc/x.toml\"\n") }),
            "built-in",
        ),
        (
            json!({ "scenario": scenario, "replications": 0 }),
            "replications",
        ),
        (json!({ "scenario": scenario, "seed": 1 }), "seed"),
    ] {
        let p = post(&app, "/v1/simulations", k, body.clone())
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains(needle), "{body}: {detail}");
    }
    // Cancelling a finished simulation is a conflict; it keeps its files.
    delete(&app, &uri, k).await.problem(StatusCode::CONFLICT);
    assert_eq!(
        get(&app, &format!("{uri}/files/summary.json"), k)
            .await
            .status,
        StatusCode::OK
    );
}

#[test]
fn openapi_documents_every_job_route_and_status() {
    let doc: Value = serde_json::from_str(&homeward::api::openapi_json()).unwrap();
    let paths = &doc["paths"];
    for (path, method, tag, statuses) in [
        (
            "/v1/plans",
            "post",
            "plans",
            &["202", "403", "422", "429"][..],
        ),
        ("/v1/plans", "get", "plans", &["200", "403"]),
        ("/v1/plans/{id}", "get", "plans", &["200", "403", "404"]),
        (
            "/v1/plans/{id}",
            "delete",
            "plans",
            &["200", "403", "404", "409"],
        ),
        (
            "/v1/simulations",
            "post",
            "simulations",
            &["202", "403", "422", "429"],
        ),
        ("/v1/simulations", "get", "simulations", &["200", "403"]),
        (
            "/v1/simulations/{id}",
            "get",
            "simulations",
            &["200", "404"],
        ),
        (
            "/v1/simulations/{id}",
            "delete",
            "simulations",
            &["200", "404", "409"],
        ),
        (
            "/v1/simulations/{id}/files/{name}",
            "get",
            "simulations",
            &["200", "404"],
        ),
    ] {
        let op = &paths[path][method];
        assert_eq!(op["tags"], json!([tag]), "{method} {path}");
        assert_eq!(op["security"], json!([{ "bearer": [] }]), "{method} {path}");
        for s in statuses.iter().chain(&["401", "500"]) {
            assert!(op["responses"][s].is_object(), "{method} {path} {s}");
        }
        if method == "post" {
            let r = &op["responses"];
            assert!(r["202"]["headers"]["Location"].is_object(), "{path}");
            assert!(r["429"]["headers"]["Retry-After"].is_object(), "{path}");
            assert!(op["requestBody"]["content"]["application/json"].is_object());
        }
    }
    // Nullable fields are always sent, so they are required (and nullable).
    let job = &doc["components"]["schemas"]["JobBody"];
    for f in ["startedAt", "finishedAt", "error", "result", "check"] {
        assert!(
            job["required"].as_array().unwrap().contains(&json!(f)),
            "{f}"
        );
    }
    assert_eq!(
        job["properties"]["error"]["type"],
        json!(["string", "null"])
    );
}
