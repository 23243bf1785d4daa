//! HTTP service (first slice of issue 4): ranked, explained matches over
//! `/v1`, with API keys from the store, officers limited to their regions,
//! an audit row for every read of child data, and RFC 9457 problem bodies.
//!
//! Endpoints: `GET /livez`, `GET /readyz` (store ping), `GET
//! /v1/children/{id}/matches?k=10&model=default` (officer, admin), `GET
//! /v1/children/{id}/matches/{carer}` (explain one pair). Every response
//! carries `X-Request-Id`; every error is `application/problem+json` with
//! the request id. Store calls run on tokio's blocking pool.

use crate::domain::DataSet;
use crate::io::report;
use crate::scoring::{Model, Scorer};
use crate::store::{ApiKey, AuditEvent, RecordKind, Role, Store, StoreError};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Largest `k` a matches request may ask for.
pub const MAX_K: usize = 100;

/// What a cached scorer borrows: the data set of one store revision and
/// one model.
struct ScorerOwner {
    data: Arc<DataSet>,
    model: Model,
}

self_cell::self_cell!(
    /// A scorer for every child of one revision, model, date and declines
    /// list: built once (~0.1 s at tier L), then ~1 ms per ranking.
    struct CachedScorer {
        owner: ScorerOwner,
        #[not_covariant]
        dependent: Scorer,
    }
);

/// Which inputs a cached scorer was built from.
#[derive(PartialEq)]
struct ScorerKey {
    revision: i64,
    model: String,
    as_of: chrono::NaiveDate,
    declines: Vec<(String, String)>,
}

/// Shared state of the service.
pub struct AppState {
    /// Scorers by model name, rebuilt when their inputs change.
    scorers: Mutex<HashMap<String, Arc<(ScorerKey, CachedScorer)>>>,
    store: Store,
    /// The validated data set of the store's latest revision.
    snapshot: Mutex<Option<(i64, Arc<DataSet>)>>,
    next_request: AtomicU64,
    request_salt: u64,
    /// Date on which ages are taken; `None` = today.
    as_of: Option<chrono::NaiveDate>,
}

impl AppState {
    /// State over an opened store; ages are taken on `as_of` (`None`:
    /// the current date of every request).
    pub fn new(store: Store, as_of: Option<chrono::NaiveDate>) -> Arc<Self> {
        let salt = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Arc::new(AppState {
            store,
            snapshot: Mutex::new(None),
            scorers: Mutex::new(HashMap::new()),
            next_request: AtomicU64::new(1),
            request_salt: salt,
            as_of,
        })
    }

    /// The scorer for `model` over the store's current revision, today's
    /// date and declines: cached, rebuilt when any of them changed.
    fn scorer(
        &self,
        model: Model,
        declines: Vec<(String, String)>,
    ) -> Result<Arc<(ScorerKey, CachedScorer)>, StoreError> {
        let (revision, data) = self.dataset()?;
        let key = ScorerKey {
            revision,
            model: model.tag(),
            as_of: self.as_of(),
            declines,
        };
        if let Ok(cache) = self.scorers.lock() {
            if let Some(c) = cache.get(&key.model).filter(|c| c.0 == key) {
                return Ok(Arc::clone(c));
            }
        }
        let owner = ScorerOwner { data, model };
        let (as_of, declines) = (key.as_of, key.declines.clone());
        let built = CachedScorer::new(owner, |o| {
            Scorer::new(&o.data, &o.model, as_of).with_declines(&declines)
        });
        let entry = Arc::new((key, built));
        if let Ok(mut cache) = self.scorers.lock() {
            cache.insert(entry.0.model.clone(), Arc::clone(&entry));
        }
        Ok(entry)
    }

    /// The data set of the store's current revision (cached per revision).
    fn dataset(&self) -> Result<(i64, Arc<DataSet>), StoreError> {
        let rev = self.store.revision()?;
        if let Ok(guard) = self.snapshot.lock() {
            if let Some((r, d)) = guard.as_ref() {
                if *r == rev {
                    return Ok((rev, Arc::clone(d)));
                }
            }
        }
        let (data, rev) = self.store.dataset()?;
        let data = Arc::new(data);
        if let Ok(mut guard) = self.snapshot.lock() {
            *guard = Some((rev, Arc::clone(&data)));
        }
        Ok((rev, data))
    }
}

/// The request id of one request (`X-Request-Id`, taken from the request
/// when it sends a sane one, otherwise generated).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// An error answered as `application/problem+json` (RFC 9457).
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    title: &'static str,
    detail: String,
    request_id: String,
}

impl Problem {
    fn new(
        status: StatusCode,
        title: &'static str,
        detail: impl Into<String>,
        rid: &RequestId,
    ) -> Self {
        Problem {
            status,
            title,
            detail: detail.into(),
            request_id: rid.0.clone(),
        }
    }
    fn internal(e: impl std::fmt::Display, rid: &RequestId) -> Self {
        tracing_free_log(&rid.0, &e.to_string());
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the request failed inside the service; it was not completed",
            rid,
        )
    }
}

/// Logs an internal failure as one JSON line on stderr (no child data:
/// store and audit errors carry ids at most).
fn tracing_free_log(request_id: &str, message: &str) {
    let line = serde_json::json!({"level": "error", "request_id": request_id, "message": message});
    eprintln!("{line}");
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
            "requestId": self.request_id,
        });
        let mut res = (self.status, body.to_string()).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// The router of the service over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .route("/v1/children/{id}/matches", get(matches))
        .route("/v1/children/{id}/matches/{carer}", get(explain))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            request_id,
        ))
        .with_state(state)
}

async fn request_id(State(st): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned);
    let id = given.unwrap_or_else(|| {
        let n = st.next_request.fetch_add(1, Ordering::Relaxed);
        format!("{:08x}-{n:08}", st.request_salt as u32)
    });
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut res = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

async fn not_found(Extension(rid): Extension<RequestId>) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "Not found", "no such resource", &rid)
}

async fn method_not_allowed(Extension(rid): Extension<RequestId>) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        "this resource does not support that method",
        &rid,
    )
}

async fn livez() -> &'static str {
    "ok"
}

async fn readyz(
    State(st): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
) -> Result<&'static str, Problem> {
    let store = st.store.clone();
    match tokio::task::spawn_blocking(move || store.ping()).await {
        Ok(Ok(())) => Ok("ready"),
        _ => Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Not ready",
            "the store does not answer",
            &rid,
        )),
    }
}

/// Runs `f` on the blocking pool, mapping a panic or cancellation to 500.
async fn blocking<T: Send + 'static>(
    rid: &RequestId,
    f: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(Problem::internal(e, rid)),
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| key.trim().to_owned())
}

/// The caller's key, or 401.
fn authenticate(store: &Store, headers: &HeaderMap, rid: &RequestId) -> Result<ApiKey, Problem> {
    let unauthorized =
        |detail: &str| Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail, rid);
    let Some(secret) = bearer(headers) else {
        return Err(unauthorized(
            "send an API key as `Authorization: Bearer <key>`",
        ));
    };
    match store.authenticate(&secret) {
        Ok(Some(k)) if !k.revoked => Ok(k),
        Ok(_) => Err(unauthorized("unknown or revoked API key")),
        Err(e) => Err(Problem::internal(e, rid)),
    }
}

/// Audits a read of child data; a failed audit write fails the request.
fn audit(
    store: &Store,
    key: &ApiKey,
    action: &str,
    child: &str,
    rid: &RequestId,
    outcome: &str,
) -> Result<(), Problem> {
    store
        .append_audit(&AuditEvent {
            actor: key.id.clone(),
            role: key.role.as_str().to_owned(),
            action: action.to_owned(),
            child_id: Some(child.to_owned()),
            request_id: rid.0.clone(),
            outcome: outcome.to_owned(),
        })
        .map(|_| ())
        .map_err(|e| Problem::internal(e, rid))
}

/// Checks role and region for reading child `id`; audits refusals.
fn authorize_child(
    store: &Store,
    key: &ApiKey,
    id: &str,
    action: &str,
    rid: &RequestId,
) -> Result<(), Problem> {
    if key.role == Role::Planner {
        audit(store, key, action, id, rid, "403")?;
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "matches are for officers and admins; planners use plans",
            rid,
        ));
    }
    let record = store
        .get(RecordKind::Child, id)
        .map_err(|e| Problem::internal(e, rid))?;
    let visible = record.as_ref().is_some_and(|r| {
        key.regions.is_empty() || r.region.as_ref().is_some_and(|g| key.regions.contains(g))
    });
    if !visible {
        // Out-of-region children are indistinguishable from unknown ones.
        audit(store, key, action, id, rid, "404")?;
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "Not found",
            format!("no child with id {id:?}"),
            rid,
        ));
    }
    Ok(())
}

/// A malformed path or query string (axum's rejection, as a problem).
fn bad(e: impl std::fmt::Display, rid: &RequestId) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "Bad request", e.to_string(), rid)
}

fn load_model(q: &HashMap<String, String>, rid: &RequestId) -> Result<Model, Problem> {
    let name = q.get("model").map_or("default", String::as_str);
    if !matches!(name, "default" | "serbia") {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid parameter",
            format!("query `model`: unknown model {name:?} (built-in: default, serbia)"),
            rid,
        ));
    }
    Model::load(name).map_err(|e| Problem::internal(e, rid))
}

impl AppState {
    fn as_of(&self) -> chrono::NaiveDate {
        self.as_of
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }
}

/// What an authorised matching request works with.
struct Granted {
    key: ApiKey,
    scorer: Arc<(ScorerKey, CachedScorer)>,
}

/// Authenticates, authorises reading child `id` (auditing refusals) and
/// gets the scorer of the current data set and declines.
fn grant(
    st: &AppState,
    headers: &HeaderMap,
    id: &str,
    action: &str,
    model: Model,
    rid: &RequestId,
) -> Result<Granted, Problem> {
    let key = authenticate(&st.store, headers, rid)?;
    authorize_child(&st.store, &key, id, action, rid)?;
    let declines = st.store.declines().map_err(|e| Problem::internal(e, rid))?;
    let scorer = st
        .scorer(model, declines)
        .map_err(|e| Problem::internal(e, rid))?;
    Ok(Granted { key, scorer })
}

async fn matches(
    State(st): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, Problem> {
    let (Path(id), Query(q)) = (id.map_err(|e| bad(e, &rid))?, q.map_err(|e| bad(e, &rid))?);
    let k = match q.get("k") {
        None => 10,
        Some(v) => match v.parse::<usize>() {
            Ok(k) if (1..=MAX_K).contains(&k) => k,
            _ => {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Invalid parameter",
                    format!("query `k` = {v:?}: must be a whole number from 1 to {MAX_K}"),
                    &rid,
                ));
            }
        },
    };
    let model = load_model(&q, &rid)?;
    let r2 = rid.clone();
    blocking(&rid, move || {
        let rid = r2;
        let action = "GET /v1/children/{id}/matches";
        let Granted { key, scorer } = grant(&st, &headers, &id, action, model, &rid)?;
        let body = scorer.1.with_dependent(|o, scorer| {
            let cix = o.data.child_ix(&id)?;
            let ranking = scorer.rank(&scorer.unit_of(cix), k);
            Some(serde_json::to_vec(&report::ranking_json(scorer, &ranking)))
        });
        let Some(body) = body else {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "Not found",
                format!("no child with id {id:?}"),
                &rid,
            ));
        };
        let body = body.map_err(|e| Problem::internal(e, &rid))?;
        audit(&st.store, &key, action, &id, &rid, "200")?;
        Ok(json_response(body))
    })
    .await
}

async fn explain(
    State(st): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, Problem> {
    let (Path((id, carer)), Query(q)) = (
        path.map_err(|e| bad(e, &rid))?,
        q.map_err(|e| bad(e, &rid))?,
    );
    let model = load_model(&q, &rid)?;
    let r2 = rid.clone();
    blocking(&rid, move || {
        let rid = r2;
        let action = "GET /v1/children/{id}/matches/{carer}";
        let Granted { key, scorer } = grant(&st, &headers, &id, action, model, &rid)?;
        // Matching ranks households of every region (a child may be placed
        // outside the officer's region), so any household can be explained.
        let body = scorer.1.with_dependent(|o, scorer| {
            let (cix, hix) = (o.data.child_ix(&id)?, o.data.carer_ix(&carer)?);
            let e = scorer.explain(&scorer.unit_of(cix), hix);
            Some(serde_json::to_vec(&report::explanation_json(scorer, &e)))
        });
        let Some(body) = body else {
            audit(&st.store, &key, action, &id, &rid, "404")?;
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "Not found",
                format!("no household with id {carer:?}"),
                &rid,
            ));
        };
        let body = body.map_err(|e| Problem::internal(e, &rid))?;
        audit(&st.store, &key, action, &id, &rid, "200")?;
        Ok(json_response(body))
    })
    .await
}

fn json_response(body: Vec<u8>) -> Response {
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// Serves `router(state)` on `listener` until ctrl-c / SIGTERM, then lets
/// in-flight requests finish.
///
/// # Errors
/// The listener's I/O error.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
