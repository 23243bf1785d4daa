//! HTTP service (issue 4): ranked, explained matches, records, decisions,
//! keys, plans and simulations over `/v1`, with API keys from the store,
//! officers limited to their regions, an audit row for every read or change
//! of child data, RFC 9457 problem bodies, per-key rate limits, request
//! timeouts, Prometheus metrics and an OpenAPI 3.1 document.
//!
//! Layout: this module holds the shared state and the middleware; `auth`
//! the authentication and role extractors (handlers name the caller they
//! need in their signature), `extract` the other extractors, `problem` the
//! errors as responses (the request id is added by the request-id layer,
//! never passed by hand). Each group of endpoints lives in its own module
//! and contributes its routes and their OpenAPI description through
//! [`utoipa_axum::router::OpenApiRouter`].
//! Store calls and solves run off the async runtime (tokio's blocking pool
//! or the job workers).

mod auth;
mod decisions;
mod extract;
mod jobs;
mod keys;
mod matching;
mod metrics;
mod openapi;
mod problem;
mod records;
mod schemas;

use crate::domain::DataSet;
use crate::scoring::{Model, Scorer};
use crate::store::{Store, StoreError};
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use openapi::openapi_json;
pub use problem::{Problem, ProblemBody};

use auth::Caller;
use extract::{ApiJson, ApiPath, QueryMap};

/// Largest `k` a matches request may ask for.
pub const MAX_K: usize = 100;

/// Limits and resources of the service (`homeward serve` flags).
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest request body, bytes (the import endpoint allows 8×).
    pub body_limit: usize,
    /// Longest time a request may take before it is answered 503.
    pub timeout: Duration,
    /// Requests per second per API key (bursts up to the same number);
    /// `None`: unlimited.
    pub rate_limit: Option<NonZeroU32>,
    /// Plan and simulation jobs queued or running at once; more get 429.
    pub max_jobs: usize,
    /// Worker threads for jobs (each job also uses rayon inside).
    pub job_workers: usize,
    /// Folder for simulation result files (created when needed).
    pub work_dir: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            body_limit: 2 * 1024 * 1024,
            timeout: Duration::from_secs(30),
            rate_limit: NonZeroU32::new(50),
            max_jobs: 4,
            job_workers: 1,
            work_dir: std::env::temp_dir().join("homeward-jobs"),
        }
    }
}

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
    /// Held while a data set or scorer is built, so that concurrent cache
    /// misses (a cold start under load) build it once instead of each.
    building: Mutex<()>,
    /// The same for the data set (taken inside `building` by `scorer`).
    snapshot_building: Mutex<()>,
    next_request: AtomicU64,
    request_salt: u64,
    /// Date on which ages are taken; `None` = today.
    as_of: Option<chrono::NaiveDate>,
    config: Config,
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    metrics: metrics::Metrics,
    jobs: jobs::Jobs,
}

impl AppState {
    /// State over an opened store with the default [`Config`]; ages are
    /// taken on `as_of` (`None`: the current date of every request).
    pub fn new(store: Store, as_of: Option<chrono::NaiveDate>) -> Arc<Self> {
        Self::with_config(store, as_of, Config::default())
    }

    /// State over an opened store with explicit limits.
    pub fn with_config(
        store: Store,
        as_of: Option<chrono::NaiveDate>,
        config: Config,
    ) -> Arc<Self> {
        let salt = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let limiter = config
            .rate_limit
            .map(|n| RateLimiter::keyed(Quota::per_second(n).allow_burst(n)));
        let metrics = metrics::Metrics::new();
        let jobs = jobs::Jobs::new(&config, metrics.jobs_active.clone());
        Arc::new(AppState {
            store,
            snapshot: Mutex::new(None),
            building: Mutex::new(()),
            snapshot_building: Mutex::new(()),
            scorers: Mutex::new(HashMap::new()),
            next_request: AtomicU64::new(1),
            request_salt: salt,
            as_of,
            config,
            limiter,
            metrics,
            jobs,
        })
    }

    /// Asks running jobs to stop (shutdown): they end as `cancelled`.
    pub fn cancel_jobs(&self) {
        self.jobs.cancel_all();
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
        let cached = || {
            self.scorers
                .lock()
                .ok()
                .and_then(|cache| cache.get(&key.model).filter(|c| c.0 == key).map(Arc::clone))
        };
        if let Some(c) = cached() {
            return Ok(c);
        }
        let _building = self.building.lock();
        if let Some(c) = cached() {
            return Ok(c);
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
        let cached = || {
            self.snapshot.lock().ok().and_then(|guard| {
                guard
                    .as_ref()
                    .filter(|(r, _)| *r == rev)
                    .map(|(_, d)| Arc::clone(d))
            })
        };
        if let Some(d) = cached() {
            return Ok((rev, d));
        }
        let _building = self.snapshot_building.lock();
        if let Some(d) = cached() {
            return Ok((rev, d));
        }
        let (data, rev) = self.store.dataset()?;
        let data = Arc::new(data);
        if let Ok(mut guard) = self.snapshot.lock() {
            *guard = Some((rev, Arc::clone(&data)));
        }
        Ok((rev, data))
    }

    fn as_of(&self) -> chrono::NaiveDate {
        self.as_of
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }
}

/// The request id of one request (`X-Request-Id`, taken from the request
/// when it sends a sane one, otherwise generated).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The router of the service over `state`: every endpoint, `/openapi.json`
/// and `/docs`.
pub fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.config.body_limit;
    let (api, doc) = openapi::api_router(body_limit).split_for_parts();
    let doc = Arc::new(doc);
    api.route_layer(middleware::from_fn(matched_route))
        .merge(openapi::docs_router(doc))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), timeout))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            request_id,
        ))
        .with_state(state)
}

/// The route template of a matched request, for logs and metrics.
#[derive(Clone)]
struct RouteName(String);

async fn matched_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut res = next.run(req).await;
    if let Some(r) = route {
        res.extensions_mut().insert(RouteName(r));
    }
    res
}

async fn timeout(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(st.config.timeout, next.run(req)).await {
        Ok(res) => res,
        Err(_) => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Timed out",
            format!(
                "the request took longer than {} s and the service stopped waiting; a change it carried may still be applied, so read the resource before retrying",
                st.config.timeout.as_secs_f64()
            ))
        .retry_after(1)
        .into_response(),
    }
}

async fn request_id(State(st): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
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
    let method = req.method().clone();
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut res = next.run(req).await;
    problem::complete(&mut res, &id);
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    // Logs name the route template, never the path: ids of children stay
    // out of the logs.
    let route = res
        .extensions()
        .get::<RouteName>()
        .map_or("unmatched", |r| r.0.as_str());
    let secs = started.elapsed().as_secs_f64();
    st.metrics
        .observe(method.as_str(), route, res.status().as_u16(), secs);
    tracing::info!(
        request_id = %id,
        method = %method,
        route,
        status = res.status().as_u16(),
        ms = secs * 1000.0,
        "request"
    );
    res
}

async fn not_found() -> Problem {
    Problem::not_found("no such resource")
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        "this resource does not support that method",
    )
}

/// Runs `f` on the blocking pool, mapping a panic or cancellation to 500.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(Problem::internal(e)),
    }
}

/// Why a read answered 404. The response is the same either way (an
/// officer must not learn that a child exists outside their regions); the
/// audit row tells the two apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No record with that id (e.g. a mistyped id).
    NotFound,
    /// The record exists, outside the key's regions.
    OutOfScope,
}

impl Refusal {
    /// The audit outcome: `404 not_found` or `404 out_of_scope`.
    pub(crate) const fn outcome(self) -> &'static str {
        match self {
            Refusal::NotFound => "404 not_found",
            Refusal::OutOfScope => "404 out_of_scope",
        }
    }
}

/// Requires child `id` to exist in the key's regions; otherwise audits the
/// refusal (`404 not_found` or `404 out_of_scope`) and answers 404
/// (out-of-region children are indistinguishable from unknown ones).
pub(crate) fn child_in_scope(
    st: &AppState,
    caller: &Caller,
    id: &str,
    action: &str,
) -> Result<(), Problem> {
    let record = st
        .store
        .get(crate::store::RecordKind::Child, id)
        .map_err(Problem::internal)?;
    let refusal = match record {
        Some(r) if records::in_regions(&caller.key, r.region.as_deref()) => return Ok(()),
        Some(_) => Refusal::OutOfScope,
        None => Refusal::NotFound,
    };
    caller.audit(&st.store, action, Some(id), refusal.outcome())?;
    Err(Problem::not_found(format!("no child with id {id:?}")))
}

/// A JSON body with status 200.
pub(crate) fn json_response(body: Vec<u8>) -> Response {
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// Serves `router(state)` on `listener` until ctrl-c / SIGTERM; then stops
/// accepting, cancels running jobs (they end `cancelled`) and lets
/// in-flight requests finish.
///
/// # Errors
/// The listener's I/O error.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    let st = Arc::clone(&state);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("shutting down: cancelling jobs, finishing requests");
            st.cancel_jobs();
        })
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
