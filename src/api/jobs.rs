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

pub(crate) use queue::Jobs;

use super::auth::{Allowed, Caller, RunPlans, RunSimulations};
use super::{ApiJson, ApiPath, AppState, Problem, blocking, json_response};
use crate::domain::DataSet;
use crate::io::plan_report;
use crate::scoring::{Model, Scorer};
use crate::sim::{self, Scenario, ScenarioError, SimOptions, SimResult};
use crate::solve::build::Scope;
use crate::solve::check::check_plan;
use crate::solve::exact::SolveOptions;
use crate::solve::plan::PlanOptions;
use crate::store::Role;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use queue::{CancelError, Outcome, Refusal, RunCtx, Work};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

// ---------------------------------------------------------------- wire types

/// What a job computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum JobKind {
    /// A placement plan (`POST /v1/plans`).
    Plan,
    /// A simulation (`POST /v1/simulations`).
    Simulation,
}

impl JobKind {
    fn prefix(self) -> &'static str {
        match self {
            JobKind::Plan => "p",
            JobKind::Simulation => "s",
        }
    }
    fn base(self) -> &'static str {
        match self {
            JobKind::Plan => "/v1/plans",
            JobKind::Simulation => "/v1/simulations",
        }
    }
    fn noun(self) -> &'static str {
        match self {
            JobKind::Plan => "plan",
            JobKind::Simulation => "simulation",
        }
    }
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// On a worker.
    Running,
    /// Finished with a result.
    Succeeded,
    /// Finished without a result (`error` says why).
    Failed,
    /// Cancelled (`DELETE`, or the service shutting down).
    Cancelled,
}

impl JobStatus {
    fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
        )
    }
    fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }
}

/// How far a running job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub(crate) struct Progress {
    /// Work done: components solved (plans), replication-steps run
    /// (simulations).
    done: u64,
    /// Work in total (0 while unknown).
    total: u64,
}

/// The independent checker's verdict on a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub(crate) struct CheckBody {
    /// No problem found: every child at most once, siblings together,
    /// every hard rule and capacity respected, objective recomputed equal.
    valid: bool,
    /// Every problem found.
    problems: Vec<String>,
}

/// A JSON document shared between the job table and responses.
#[derive(Debug, Clone)]
struct SharedJson(Arc<serde_json::Value>);

impl Serialize for SharedJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// A plan or simulation job.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JobBody {
    /// Job id: `p_…` for plans, `s_…` for simulations.
    #[schema(example = "p_3f2a9c0d41b7e655")]
    id: String,
    /// What the job computes.
    kind: JobKind,
    /// Where the job is.
    status: JobStatus,
    /// What was asked: the plan's scope and model, or the scenario's name.
    description: String,
    /// How far the job is.
    progress: Progress,
    /// When the job was submitted (RFC 3339, UTC).
    created_at: DateTime<Utc>,
    /// When a worker started it (`null` while queued, or when it was
    /// cancelled before it started).
    #[schema(required = true)]
    started_at: Option<DateTime<Utc>>,
    /// When it stopped (`null` until then; a job cancelled while running
    /// stops within moments of the `DELETE`).
    #[schema(required = true)]
    finished_at: Option<DateTime<Utc>>,
    /// Id of the API key that submitted it.
    owner: String,
    /// Why the job failed (`null` unless `failed`).
    #[schema(required = true)]
    error: Option<String>,
    /// The result once `succeeded` (`null` before, and in lists). Plans:
    /// the plan document of `homeward plan --format json` (placements with
    /// score breakdowns and alternatives, unplaced children with reasons,
    /// rounds, model id@version). Simulations: `files` (names for
    /// `GET /v1/simulations/{id}/files/{name}`) and `summary`.
    #[schema(value_type = Option<Object>, required = true)]
    result: Option<SharedJson>,
    /// Plans: the independent checker's verdict on the result (`null`
    /// before it succeeded, in lists, and for simulations).
    #[schema(required = true)]
    check: Option<CheckBody>,
}

/// Jobs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct JobList {
    /// The jobs the key may see (results left out: read each job).
    jobs: Vec<JobBody>,
}

/// Body of `POST /v1/plans`. Every field is optional: `{}` plans every
/// child under the default model within 30 s.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PlanRequest {
    /// Plan the children living in this region (the region of their
    /// institution or current place), with their sibling groups.
    #[schema(example = "South")]
    region: Option<String>,
    /// Plan these children (ids), with their sibling groups. Give `region`
    /// or `children`, not both; neither plans every child.
    #[schema(min_items = 1)]
    children: Option<Vec<String>>,
    /// Scoring model: `default` or `serbia` (default `default`).
    #[schema(example = "default")]
    model: Option<String>,
    /// Time limit in seconds, above 0 and at most 300 (default 30): the
    /// best plan found and its proved bound are returned when it is reached.
    #[schema(exclusive_minimum = 0, maximum = 300, example = 30)]
    time_limit_secs: Option<f64>,
    /// Work limit in units of work (at least 1; default none): stops the
    /// search after a count of steps that is the same on every machine, so
    /// the same data and work limit give the same plan again (README
    /// *Placement plans*). With the time limit, the first reached stops it;
    /// the plan's `stoppedBy` says which.
    #[schema(minimum = 1, example = 200000)]
    work_limit: Option<u64>,
    /// Relative gap at which to stop, at least 0 and below 1 (default 0:
    /// prove optimality).
    #[schema(minimum = 0, exclusive_maximum = 1, example = 0)]
    gap: Option<f64>,
    /// Climb the model's relaxation ladder for children the strict plan
    /// leaves unplaced (default false).
    relax: Option<bool>,
    /// Alternative households reported per placement, 0–5 (default 0).
    #[schema(maximum = 5)]
    alternatives: Option<u32>,
}

/// Body of `POST /v1/simulations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SimulationRequest {
    /// The scenario as TOML (docs/scenario-format.md) **without** the
    /// `data` key: it starts from the service's current data set.
    /// `policy.model` must be a built-in model (`default`, `serbia`).
    #[schema(
        example = "name = \"short\"\nstart = 2027-01-01\nhorizon_months = 3\nreplications = 2\n[capacity_gap]\nenabled = false\n"
    )]
    scenario: String,
    /// Override the scenario's `replications` (1–10000).
    #[schema(minimum = 1, maximum = 10000)]
    replications: Option<u32>,
}

// ------------------------------------------------------------------ the work

/// A plan job's inputs, validated.
struct PlanJob {
    data: Arc<DataSet>,
    model: Model,
    as_of: NaiveDate,
    scope: Scope,
    scope_name: String,
    time_limit: f64,
    work_limit: Option<u64>,
    gap: f64,
    relax: bool,
    alternatives: usize,
}

fn plan_work(p: PlanJob) -> Work {
    Box::new(move |ctx: &RunCtx| {
        let opts = PlanOptions {
            scope: p.scope,
            solve: SolveOptions {
                time_limit: Some(Duration::from_secs_f64(p.time_limit)),
                work_limit: p.work_limit,
                rel_gap: p.gap,
                cancel: Some(Arc::clone(&ctx.cancel)),
            },
            relax: p.relax,
            pinned: Vec::new(),
            forbidden: Vec::new(),
            alternatives: p.alternatives,
        };
        let progress = |done: usize, total: usize| ctx.progress.set(done, total);
        let plan = crate::solve::plan::plan(&p.data, &p.model, p.as_of, &opts, Some(&progress))
            .map_err(|e| e.to_string())?;
        if ctx.cancel.load(Ordering::Relaxed) {
            return Err("cancelled".into());
        }
        let scorer = Scorer::new(&p.data, &p.model, p.as_of);
        let doc = plan_report::plan_json(&scorer, &p.scope_name, &plan);
        // Every plan is re-checked by the independent checker.
        let report = check_plan(&p.data, &p.model, &doc);
        if !report.problems.is_empty() {
            tracing::error!(problems = ?report.problems, "the checker rejected a plan");
        }
        let result = serde_json::to_value(&doc).map_err(|e| {
            tracing::error!(error = %e, "plan document");
            "internal error: the plan could not be written".to_owned()
        })?;
        Ok(Outcome {
            result,
            check: Some(CheckBody {
                valid: report.problems.is_empty(),
                problems: report.problems,
            }),
            files: Vec::new(),
        })
    })
}

fn simulation_work(sc: Scenario) -> Work {
    Box::new(move |ctx: &RunCtx| {
        let progress = |done: usize, total: usize| ctx.progress.set(done, total);
        let opts = SimOptions {
            progress: Some(&progress),
            cancel: Some(&ctx.cancel),
        };
        let r = sim::run(&sc, &opts).map_err(|e| e.to_string())?;
        let files = write_files(&r, &ctx.dir).map_err(|e| {
            tracing::error!(error = %e, dir = %ctx.dir.display(), "simulation files");
            "internal error: the result files could not be written".to_owned()
        })?;
        Ok(Outcome {
            result: json!({ "files": files, "summary": summary(&r) }),
            check: None,
            files,
        })
    })
}

/// Writes the report files of `r` into `dir` with flat names (charts as
/// `chart-<name>.svg`); their names, sorted.
fn write_files(r: &SimResult, dir: &std::path::Path) -> std::io::Result<Vec<String>> {
    sim::report::write_all(r, dir)?;
    let charts = dir.join("charts");
    if charts.is_dir() {
        for e in std::fs::read_dir(&charts)? {
            let e = e?;
            let name = format!("chart-{}", e.file_name().to_string_lossy());
            std::fs::rename(e.path(), dir.join(name))?;
        }
        std::fs::remove_dir(&charts)?;
    }
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_file() {
            files.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    files.sort();
    Ok(files)
}

/// A short summary of a run (the whole one is `summary.json`).
fn summary(r: &SimResult) -> serde_json::Value {
    let last = r.dates.len().saturating_sub(1);
    let mut series = serde_json::Map::new();
    for n in [
        "in_institutions",
        "under3_in_institutions",
        "placed",
        "waiting",
        "closure_residents",
    ] {
        if let Some(s) = r.series(n) {
            series.insert(
                n.to_owned(),
                json!({
                    "start": s.mean.first(),
                    "end": s.mean.get(last),
                    "endP05": s.p05.get(last),
                    "endP95": s.p95.get(last),
                }),
            );
        }
    }
    json!({
        "scenario": r.name,
        "model": r.model,
        "replications": r.replications,
        "seed": r.seed,
        "start": r.dates.first().map(|d| d.to_string()),
        "end": r.dates.last().map(|d| d.to_string()),
        "steps": last,
        "timing": {
            "totalSeconds": r.timing.total,
            "initialPlanSeconds": r.timing.initial_plan,
            "replicationsSeconds": r.timing.replications,
            "capacityGapSeconds": r.timing.capacity_gap,
        },
        "planner": {
            "solves": r.stats.solves,
            "optimal": r.stats.optimal,
            "withinGap": r.stats.within_gap,
            "timeLimited": r.stats.time_limited,
        },
        "series": series,
        "capacityGapHouseholds": r.gap.as_ref().map(|g| g.rows.iter().map(|x| x.households).sum::<u32>()),
    })
}

// ------------------------------------------------------------------ helpers

/// A 422 listing every (field, problem).
fn invalid(errors: Vec<(&'static str, String)>) -> Problem {
    let detail = errors
        .iter()
        .map(|(_, m)| m.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let mut p = Problem::invalid(detail);
    p.errors = errors
        .into_iter()
        .map(|(field, problem)| json!({ "field": field, "problem": problem }))
        .collect();
    p
}

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

/// Checks a plan request against itself and the data set: every problem
/// at once, each naming its field.
fn validate_plan(st: &AppState, req: PlanRequest) -> Result<(PlanJob, String), Problem> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let time_limit = req.time_limit_secs.unwrap_or(DEFAULT_TIME_LIMIT_SECS);
    if !(time_limit.is_finite() && time_limit > 0.0 && time_limit <= MAX_TIME_LIMIT_SECS) {
        errors.push((
            "timeLimitSecs",
            format!(
                "timeLimitSecs = {time_limit}: must be above 0 and at most {MAX_TIME_LIMIT_SECS} seconds"
            ),
        ));
    }
    if req.work_limit == Some(0) {
        errors.push((
            "workLimit",
            "workLimit = 0: must be at least 1 unit of work (or left out for none)".into(),
        ));
    }
    let gap = req.gap.unwrap_or(0.0);
    if !(0.0..1.0).contains(&gap) {
        errors.push((
            "gap",
            format!("gap = {gap}: must be at least 0 and below 1 (a relative gap, e.g. 0.0001)"),
        ));
    }
    let alternatives = req.alternatives.unwrap_or(0);
    if alternatives > MAX_ALTERNATIVES {
        errors.push((
            "alternatives",
            format!("alternatives = {alternatives}: must be 0–{MAX_ALTERNATIVES}"),
        ));
    }
    let model_name = req.model.as_deref().unwrap_or("default");
    let model = match super::matching::model_by_name(model_name, "model") {
        Ok(m) => Some(m),
        Err(p) if p.status == StatusCode::UNPROCESSABLE_ENTITY => {
            errors.push(("model", p.detail));
            None
        }
        Err(p) => return Err(p),
    };
    let (_, data) = st.dataset().map_err(Problem::from_store)?;
    let scope = match (req.region, req.children) {
        (Some(_), Some(_)) => {
            errors.push((
                "region",
                "region and children: give one of them, not both (neither plans every child)"
                    .into(),
            ));
            None
        }
        (Some(r), None) => {
            let regions: BTreeSet<&str> = data
                .children
                .iter()
                .map(|c| data.place(c.location).region.as_str())
                .collect();
            if regions.contains(r.as_str()) {
                Some((Scope::Region(r.clone()), format!("region {r}")))
            } else {
                errors.push((
                    "region",
                    format!(
                        "region = {r:?}: no child lives in this region (regions with children: {})",
                        regions.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                ));
                None
            }
        }
        (None, Some(ids)) => {
            let unknown: Vec<&str> = ids
                .iter()
                .filter(|id| data.child_ix(id).is_none())
                .map(String::as_str)
                .collect();
            if ids.is_empty() {
                errors.push((
                    "children",
                    "children = []: list at least one child id (or leave it out to plan every child)".into(),
                ));
                None
            } else if !unknown.is_empty() {
                errors.push((
                    "children",
                    format!(
                        "children: no child with id {} in the data set",
                        unknown
                            .iter()
                            .map(|i| format!("{i:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                None
            } else {
                let name = format!("children {}", ids.join(", "));
                Some((Scope::Children(ids), name))
            }
        }
        (None, None) => Some((Scope::All, "all children".to_owned())),
    };
    match (model, scope) {
        (Some(model), Some((scope, scope_name))) if errors.is_empty() => {
            let description = format!("{scope_name}, model {}", model.tag());
            Ok((
                PlanJob {
                    data,
                    model,
                    as_of: st.as_of(),
                    scope,
                    scope_name,
                    time_limit,
                    work_limit: req.work_limit,
                    gap,
                    relax: req.relax.unwrap_or(false),
                    alternatives: alternatives as usize,
                },
                description,
            ))
        }
        _ => Err(invalid(errors)),
    }
}

/// The scenario of a simulation request over the current data set.
fn validate_simulation(st: &AppState, req: SimulationRequest) -> Result<Scenario, Problem> {
    if let Some(r) = req.replications {
        if !(1..=MAX_REPLICATIONS).contains(&r) {
            return Err(invalid(vec![(
                "replications",
                format!("replications = {r}: must be 1–{MAX_REPLICATIONS}"),
            )]));
        }
    }
    let (_, data) = st.dataset().map_err(Problem::from_store)?;
    let mut sc =
        Scenario::from_toml_with_data(&req.scenario, "request", (*data).clone()).map_err(|e| {
            let lines = match &e {
                ScenarioError::Invalid { errors, .. } => errors.clone(),
                other => vec![other.to_string()],
            };
            let mut p = Problem::invalid(e.to_string());
            p.errors = lines
                .into_iter()
                .map(|problem| json!({ "field": "scenario", "problem": problem }))
                .collect();
            p
        })?;
    if let Some(r) = req.replications {
        sc.spec.replications = r;
    }
    Ok(sc)
}

// ----------------------------------------------------------------- handlers

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
