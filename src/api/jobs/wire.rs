//! Wire types of the job endpoints: jobs as served, and the bodies that
//! submit them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

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
    pub(super) fn prefix(self) -> &'static str {
        match self {
            JobKind::Plan => "p",
            JobKind::Simulation => "s",
        }
    }
    pub(super) fn base(self) -> &'static str {
        match self {
            JobKind::Plan => "/v1/plans",
            JobKind::Simulation => "/v1/simulations",
        }
    }
    pub(super) fn noun(self) -> &'static str {
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
    pub(super) fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
        )
    }
    pub(super) fn as_str(self) -> &'static str {
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
    pub(super) done: u64,
    /// Work in total (0 while unknown).
    pub(super) total: u64,
}

/// The independent checker's verdict on a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub(crate) struct CheckBody {
    /// No problem found: every child at most once, siblings together,
    /// every hard rule and capacity respected, objective recomputed equal.
    pub(super) valid: bool,
    /// Every problem found.
    pub(super) problems: Vec<String>,
}

/// A JSON document shared between the job table and responses.
#[derive(Debug, Clone)]
pub(super) struct SharedJson(pub(super) Arc<serde_json::Value>);

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
    pub(super) id: String,
    /// What the job computes.
    pub(super) kind: JobKind,
    /// Where the job is.
    pub(super) status: JobStatus,
    /// What was asked: the plan's scope and model, or the scenario's name.
    pub(super) description: String,
    /// How far the job is.
    pub(super) progress: Progress,
    /// When the job was submitted (RFC 3339, UTC).
    pub(super) created_at: DateTime<Utc>,
    /// When a worker started it (`null` while queued, or when it was
    /// cancelled before it started).
    #[schema(required = true)]
    pub(super) started_at: Option<DateTime<Utc>>,
    /// When it stopped (`null` until then; a job cancelled while running
    /// stops within moments of the `DELETE`).
    #[schema(required = true)]
    pub(super) finished_at: Option<DateTime<Utc>>,
    /// Id of the API key that submitted it.
    pub(super) owner: String,
    /// Why the job failed (`null` unless `failed`).
    #[schema(required = true)]
    pub(super) error: Option<String>,
    /// The result once `succeeded` (`null` before, and in lists). Plans:
    /// the plan document of `homeward plan --format json` (placements with
    /// score breakdowns and alternatives, unplaced children with reasons,
    /// rounds, model id@version). Simulations: `files` (names for
    /// `GET /v1/simulations/{id}/files/{name}`) and `summary`.
    #[schema(value_type = Option<Object>, required = true)]
    pub(super) result: Option<SharedJson>,
    /// Plans: the independent checker's verdict on the result (`null`
    /// before it succeeded, in lists, and for simulations).
    #[schema(required = true)]
    pub(super) check: Option<CheckBody>,
}

/// Jobs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct JobList {
    /// The jobs the key may see (results left out: read each job).
    pub(super) jobs: Vec<JobBody>,
}

/// Body of `POST /v1/plans`. Every field is optional: `{}` plans every
/// child under the default model within 30 s.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PlanRequest {
    /// Plan the children living in this region (the region of their
    /// institution or current place), with their sibling groups.
    #[schema(example = "South")]
    pub(super) region: Option<String>,
    /// Plan these children (ids), with their sibling groups. Give `region`
    /// or `children`, not both; neither plans every child.
    #[schema(min_items = 1)]
    pub(super) children: Option<Vec<String>>,
    /// Scoring model: `default` or `serbia` (default `default`).
    #[schema(example = "default")]
    pub(super) model: Option<String>,
    /// Time limit in seconds, above 0 and at most 300 (default 30): the
    /// best plan found and its proved bound are returned when it is reached.
    #[schema(exclusive_minimum = 0, maximum = 300, example = 30)]
    pub(super) time_limit_secs: Option<f64>,
    /// Work limit in units of work (at least 1; default none): stops the
    /// search after a count of steps that is the same on every machine, so
    /// the same data and work limit give the same plan again (README
    /// *Placement plans*). With the time limit, the first reached stops it;
    /// the plan's `stoppedBy` says which.
    #[schema(minimum = 1, example = 200000)]
    pub(super) work_limit: Option<u64>,
    /// Relative gap at which to stop, at least 0 and below 1 (default 0:
    /// prove optimality).
    #[schema(minimum = 0, exclusive_maximum = 1, example = 0)]
    pub(super) gap: Option<f64>,
    /// Climb the model's relaxation ladder for children the strict plan
    /// leaves unplaced (default false).
    pub(super) relax: Option<bool>,
    /// Alternative households reported per placement, 0–5 (default 0).
    #[schema(maximum = 5)]
    pub(super) alternatives: Option<u32>,
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
    pub(super) scenario: String,
    /// Override the scenario's `replications` (1–10000).
    #[schema(minimum = 1, maximum = 10000)]
    pub(super) replications: Option<u32>,
}
