//! Plans and simulations as asynchronous jobs (`/v1/plans`,
//! `/v1/simulations`): a bounded queue (excess jobs get 429 with
//! `Retry-After`), worker threads off the async runtime, progress,
//! cancellation.
//!
//! A job is `queued`, then `running` on one of
//! [`Config::job_workers`](super::Config::job_workers) threads (the solver
//! and the simulator use rayon inside), and ends `succeeded`, `failed` or
//! `cancelled`. At most [`Config::max_jobs`](super::Config::max_jobs) jobs
//! are queued or running at once; the last [`queue::KEEP_FINISHED`]
//! finished jobs are kept (older ones, and their files, are dropped), so
//! memory and disk stay bounded. Jobs live in memory: a restart forgets
//! them; simulation files are written under `work_dir/<job id>/`.
//!
//! Planners see their own jobs (others answer 404, like unknown ids);
//! admins see every job. Submissions are audited, and so is every read of a
//! finished plan (it names children).

mod queue;
mod validate;
mod wire;
mod work;

pub(crate) use queue::Jobs;

use super::auth::{Allowed, Caller, RunPlans, RunSimulations};
use super::{ApiJson, ApiPath, AppState, Problem, blocking, json_response};
use crate::store::Role;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use queue::{CancelError, Refusal, Work};
use serde::Serialize;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validate::{validate_plan, validate_simulation};
use wire::{
    CheckBody, JobBody, JobKind, JobList, JobStatus, PlanRequest, Progress, SharedJson,
    SimulationRequest,
};
use work::{plan_work, simulation_work};

/// `Retry-After` of a 429 for a full queue, seconds.
const QUEUE_FULL_RETRY_SECS: u64 = 5;
/// Largest plan time limit, seconds.
const MAX_TIME_LIMIT_SECS: f64 = 300.0;
/// Default plan time limit, seconds.
const DEFAULT_TIME_LIMIT_SECS: f64 = 30.0;
/// Most alternatives per placement.
const MAX_ALTERNATIVES: u32 = 5;
/// Most simulation replications.
const MAX_REPLICATIONS: u32 = 10_000;

/// The routes of this module.
pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(submit_plan, list_plans))
        .routes(routes!(get_plan, cancel_plan))
        .routes(routes!(submit_simulation, list_simulations))
        .routes(routes!(get_simulation, cancel_simulation))
        .routes(routes!(simulation_file))
}

// ----------------------------------------------------------------- helpers
/// Jobs a caller may see: its own (planners) or all (admins: `None`).
fn viewer(caller: &Caller) -> Option<&str> {
    (caller.key.role != Role::Admin).then_some(caller.key.id.as_str())
}

fn not_found(kind: JobKind, id: &str) -> Problem {
    Problem::not_found(format!("no {} job with id {id:?}", kind.noun()))
}

fn refused(r: Refusal) -> Problem {
    match r {
        Refusal::Full { max_jobs } => Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            format!(
                "{max_jobs} plan and simulation jobs are queued or running, the most the service takes; retry after the given seconds"
            ))
        .retry_after(QUEUE_FULL_RETRY_SECS),
        Refusal::Closed => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Shutting down",
            "the service is shutting down and takes no new jobs; retry later")
        .retry_after(QUEUE_FULL_RETRY_SECS),
    }
}

/// `body` as JSON with `status` (and `Location`).
fn respond(
    status: StatusCode,
    body: &impl Serialize,
    location: Option<&str>,
) -> Result<Response, Problem> {
    let bytes = serde_json::to_vec(body).map_err(Problem::internal)?;
    let mut res = json_response(bytes);
    *res.status_mut() = status;
    if let Some(v) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Queues `work`, audits the submission and answers 202; a failed audit
/// write cancels the job and fails the request.
fn accept(
    st: &AppState,
    caller: &Caller,
    kind: JobKind,
    description: String,
    work: Work,
) -> Result<Response, Problem> {
    let job = st
        .jobs
        .submit(kind, &caller.key.id, description, work)
        .map_err(refused)?;
    let action = format!("POST {}", kind.base());
    if let Err(p) = caller.audit(&st.store, &action, None, "202") {
        let _ = st.jobs.cancel(kind, &job.id, None);
        return Err(p);
    }
    let location = format!("{}/{}", kind.base(), job.id);
    respond(StatusCode::ACCEPTED, &job, Some(&location))
}

async fn get_job(
    st: Arc<AppState>,
    caller: Caller,
    id: String,
    kind: JobKind,
) -> Result<Response, Problem> {
    blocking(move || {
        let job = st
            .jobs
            .get(kind, &id, viewer(&caller))
            .ok_or_else(|| not_found(kind, &id))?;
        if kind == JobKind::Plan && job.status == JobStatus::Succeeded {
            // The result names children.
            caller.audit(&st.store, "GET /v1/plans/{id}", None, "200")?;
        }
        respond(StatusCode::OK, &job, None)
    })
    .await
}

async fn cancel_job(
    st: Arc<AppState>,
    caller: Caller,
    id: String,
    kind: JobKind,
) -> Result<Response, Problem> {
    blocking(move || match st.jobs.cancel(kind, &id, viewer(&caller)) {
        Ok(job) => respond(StatusCode::OK, &job, None),
        Err(CancelError::NotFound) => Err(not_found(kind, &id)),
        Err(CancelError::Finished(s)) => Err(Problem::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!(
                "{} job {id:?} has already ended ({}); there is nothing to cancel",
                kind.noun(),
                s.as_str()
            ),
        )),
    })
    .await
}

async fn list_jobs(st: Arc<AppState>, caller: Caller, kind: JobKind) -> Result<Response, Problem> {
    blocking(move || {
        let jobs = st.jobs.list(kind, viewer(&caller));
        respond(StatusCode::OK, &JobList { jobs }, None)
    })
    .await
}

/// Starts a placement plan as a job: a region, a list of children (with
/// their sibling groups) or every child of the current data set, under a
/// model, within a time limit. Answers 202 with the job (`Location`: its
/// URL); poll `GET /v1/plans/{id}` for progress and the result. Unknown
/// regions or children are refused here (422), not as failed jobs.
#[utoipa::path(
    post,
    path = "/v1/plans",
    tag = "plans",
    request_body(content = PlanRequest, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued", body = JobBody, content_type = "application/json",
            headers(("Location" = String, description = "URL of the job"))),
        (status = 403, description = "Officer keys cannot plan", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "A field out of range, an unknown model, region or child, or both `region` and `children`", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "The job queue is full, or this API key is over its rate limit", body = super::ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))),
    )
)]
async fn submit_plan(
    State(st): State<Arc<AppState>>,
    planner: Allowed<RunPlans>,
    ApiJson(req): ApiJson<PlanRequest>,
) -> Result<Response, Problem> {
    blocking(move || {
        let (job, description) = validate_plan(&st, req)?;
        accept(&st, &planner, JobKind::Plan, description, plan_work(job))
    })
    .await
}

/// The plan jobs the key may see (planners: their own; admins: all),
/// newest first, without results.
#[utoipa::path(
    get,
    path = "/v1/plans",
    tag = "plans",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Plan jobs, newest first", body = JobList, content_type = "application/json"),
        (status = 403, description = "Officer keys cannot plan", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn list_plans(
    State(st): State<Arc<AppState>>,
    Allowed(caller, _): Allowed<RunPlans>,
) -> Result<Response, Problem> {
    list_jobs(st, caller, JobKind::Plan).await
}

/// A plan job: status, progress and, once succeeded, the plan document with
/// the independent checker's verdict (`check`). Reading a finished plan is
/// audited.
#[utoipa::path(
    get,
    path = "/v1/plans/{id}",
    tag = "plans",
    params(("id" = String, Path, description = "Plan job id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The job", body = JobBody, content_type = "application/json"),
        (status = 403, description = "Officer keys cannot plan", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such plan job (or another planner's)", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn get_plan(
    State(st): State<Arc<AppState>>,
    ApiPath(id): ApiPath<String>,
    Allowed(caller, _): Allowed<RunPlans>,
) -> Result<Response, Problem> {
    get_job(st, caller, id, JobKind::Plan).await
}

/// Cancels a queued or running plan job: it ends `cancelled` without a
/// result (a running solve stops within moments). A job that has already
/// ended answers 409 and stays as it is.
#[utoipa::path(
    delete,
    path = "/v1/plans/{id}",
    tag = "plans",
    params(("id" = String, Path, description = "Plan job id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cancelled", body = JobBody, content_type = "application/json"),
        (status = 403, description = "Officer keys cannot plan", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such plan job (or another planner's)", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "The job has already ended", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn cancel_plan(
    State(st): State<Arc<AppState>>,
    ApiPath(id): ApiPath<String>,
    Allowed(caller, _): Allowed<RunPlans>,
) -> Result<Response, Problem> {
    cancel_job(st, caller, id, JobKind::Plan).await
}

/// Starts a simulation as a job: a scenario (TOML, without `data`) run
/// from the current data set. Answers 202 with the job (`Location`: its
/// URL); poll `GET /v1/simulations/{id}`; once succeeded its result lists
/// the report files.
#[utoipa::path(
    post,
    path = "/v1/simulations",
    tag = "simulations",
    request_body(content = SimulationRequest, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued", body = JobBody, content_type = "application/json",
            headers(("Location" = String, description = "URL of the job"))),
        (status = 403, description = "Officer keys cannot simulate", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "The scenario does not parse or validate (every problem listed), or `replications` is out of range", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "The job queue is full, or this API key is over its rate limit", body = super::ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))),
    )
)]
async fn submit_simulation(
    State(st): State<Arc<AppState>>,
    planner: Allowed<RunSimulations>,
    ApiJson(req): ApiJson<SimulationRequest>,
) -> Result<Response, Problem> {
    blocking(move || {
        let sc = validate_simulation(&st, req)?;
        let description = sc.spec.name.clone();
        accept(
            &st,
            &planner,
            JobKind::Simulation,
            description,
            simulation_work(sc),
        )
    })
    .await
}

/// The simulation jobs the key may see (planners: their own; admins: all),
/// newest first, without results.
#[utoipa::path(
    get,
    path = "/v1/simulations",
    tag = "simulations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Simulation jobs, newest first", body = JobList, content_type = "application/json"),
        (status = 403, description = "Officer keys cannot simulate", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn list_simulations(
    State(st): State<Arc<AppState>>,
    Allowed(caller, _): Allowed<RunSimulations>,
) -> Result<Response, Problem> {
    list_jobs(st, caller, JobKind::Simulation).await
}

/// A simulation job: status, progress (replication-steps) and, once
/// succeeded, the report files and a short summary.
#[utoipa::path(
    get,
    path = "/v1/simulations/{id}",
    tag = "simulations",
    params(("id" = String, Path, description = "Simulation job id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The job", body = JobBody, content_type = "application/json"),
        (status = 403, description = "Officer keys cannot simulate", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such simulation job (or another planner's)", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn get_simulation(
    State(st): State<Arc<AppState>>,
    ApiPath(id): ApiPath<String>,
    Allowed(caller, _): Allowed<RunSimulations>,
) -> Result<Response, Problem> {
    get_job(st, caller, id, JobKind::Simulation).await
}

/// Cancels a queued or running simulation job: it ends `cancelled` without
/// files (a running simulation stops at its next step). A job that has
/// already ended answers 409 and stays as it is.
#[utoipa::path(
    delete,
    path = "/v1/simulations/{id}",
    tag = "simulations",
    params(("id" = String, Path, description = "Simulation job id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cancelled", body = JobBody, content_type = "application/json"),
        (status = 403, description = "Officer keys cannot simulate", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such simulation job (or another planner's)", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "The job has already ended", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn cancel_simulation(
    State(st): State<Arc<AppState>>,
    ApiPath(id): ApiPath<String>,
    Allowed(caller, _): Allowed<RunSimulations>,
) -> Result<Response, Problem> {
    cancel_job(st, caller, id, JobKind::Simulation).await
}

/// One report file of a succeeded simulation, by a name from its result's
/// `files`: `report.html` (self-contained), `timeseries.csv`,
/// `timeseries.json`, `summary.json`, `capacity_gap.csv` (when computed)
/// and the charts `chart-<name>.svg`.
#[utoipa::path(
    get,
    path = "/v1/simulations/{id}/files/{name}",
    tag = "simulations",
    params(
        ("id" = String, Path, description = "Simulation job id"),
        ("name" = String, Path, description = "File name from the job's `result.files`"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file", content(
            (String = "text/html"),
            (String = "text/csv"),
            (Object = "application/json"),
            (String = "image/svg+xml"),
        )),
        (status = 403, description = "Officer keys cannot simulate", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such simulation job (or another planner's), or no such file of it", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn simulation_file(
    State(st): State<Arc<AppState>>,
    ApiPath((id, name)): ApiPath<(String, String)>,
    planner: Allowed<RunSimulations>,
) -> Result<Response, Problem> {
    blocking(move || {
        let no_file = || Problem::not_found(format!("simulation job {id:?} has no file {name:?}"));
        if st
            .jobs
            .get(JobKind::Simulation, &id, viewer(&planner))
            .is_none()
        {
            return Err(not_found(JobKind::Simulation, &id));
        }
        if name.contains(['/', '\\']) || name.contains("..") {
            return Err(no_file());
        }
        let Some(file) = st.jobs.file(&id, &name, viewer(&planner)) else {
            return Err(no_file());
        };
        let content_type = match name.rsplit_once('.').map(|(_, ext)| ext) {
            Some("html") => "text/html; charset=utf-8",
            Some("csv") => "text/csv; charset=utf-8",
            Some("json") => "application/json",
            Some("svg") => "image/svg+xml",
            _ => "application/octet-stream",
        };
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(no_file()),
            Err(e) => return Err(Problem::internal(e)),
        };
        let mut res = bytes.into_response();
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
        );
        Ok(res)
    })
    .await
}
