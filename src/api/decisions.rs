//! Officers' decisions on proposals: `POST /v1/children/{id}/decisions`
//! records an accepted, declined or overridden pair with a reason;
//! `GET` lists a child's decisions. Declines feed the "past declines"
//! criterion of later rankings. Whether the pair breaks a hard rule is
//! decided here, from the current data and model, not taken from the
//! caller: accepting such a pair is refused (it is an override), and an
//! override of a hard rule needs a reason and is flagged for review.

use super::auth::{Allowed, Decide};
use super::{ApiJson, ApiPath, AppState, Problem, blocking, child_in_scope};
use crate::store::{DecisionKind, NewDecision};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module.
pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(list, record))
}

/// A decision to record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DecisionRequest {
    /// The household proposed.
    carer_id: String,
    /// `accepted`, `declined` or `overridden` (chosen against the ranking
    /// or a hard rule).
    #[schema(value_type = String, example = "declined")]
    decision: DecisionKind,
    /// Why; required for overrides.
    reason: Option<String>,
    /// Model whose hard rules apply (`default` or `serbia`; default `default`).
    model: Option<String>,
}

/// A recorded decision.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct DecisionBody {
    /// Row number.
    id: i64,
    /// Child.
    child_id: String,
    /// Household.
    carer_id: String,
    /// `accepted`, `declined` or `overridden`.
    #[schema(value_type = String)]
    decision: DecisionKind,
    /// Why.
    reason: Option<String>,
    /// Key id of the officer.
    actor: String,
    /// Overrode a hard rule (for review).
    flagged: bool,
    /// RFC 3339 time.
    created_at: String,
}

impl From<crate::store::Decision> for DecisionBody {
    fn from(d: crate::store::Decision) -> Self {
        DecisionBody {
            id: d.id,
            child_id: d.child_id,
            carer_id: d.carer_id,
            decision: d.decision,
            reason: d.reason,
            actor: d.actor,
            flagged: d.flagged,
            created_at: d.created_at,
        }
    }
}

/// A child's decisions, oldest first (officers of the child's region, admins).
#[utoipa::path(
    get,
    path = "/v1/children/{id}/decisions",
    tag = "decisions",
    params(("id" = String, Path, description = "Child id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decisions, oldest first", body = Vec<DecisionBody>),
        (status = 403, description = "Planners do not see decisions", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such child in the key's regions", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn list(
    State(st): State<Arc<AppState>>,
    ApiPath(id): ApiPath<String>,
    officer: Allowed<Decide>,
) -> Result<Response, Problem> {
    blocking(move || {
        let action = "GET /v1/children/{id}/decisions";
        child_in_scope(&st, &officer, &id, action)?;
        let rows = st
            .store
            .list_decisions(Some(&id))
            .map_err(Problem::internal)?;
        officer.audit(&st.store, action, Some(&id), "200")?;
        let body: Vec<DecisionBody> = rows.into_iter().map(Into::into).collect();
        Ok(axum::Json(body).into_response())
    })
    .await
}

/// Records an officer's decision on a proposed pair.
#[utoipa::path(
    post,
    path = "/v1/children/{id}/decisions",
    tag = "decisions",
    params(("id" = String, Path, description = "Child id")),
    request_body = DecisionRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = DecisionBody),
        (status = 403, description = "Planners do not decide", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such child in the key's regions, or no such household", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn record(
    State(st): State<Arc<AppState>>,
    ApiPath(id): ApiPath<String>,
    officer: Allowed<Decide>,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> Result<Response, Problem> {
    blocking(move || {
        let action = "POST /v1/children/{id}/decisions";
        child_in_scope(&st, &officer, &id, action)?;
        let model = super::matching::model_by_name(
            req.model.as_deref().unwrap_or("default"),
            "field `model`")?;
        let declines = st.store.declines().map_err(Problem::internal)?;
        let scorer = st
            .scorer(model, declines)
            .map_err(Problem::internal)?;
        let eligible = scorer.1.with_dependent(|o, scorer| {
            let cix = o.data.child_ix(&id)?;
            let hix = o.data.carer_ix(&req.carer_id)?;
            Some(scorer.explain(&scorer.unit_of(cix), hix).eligible)
        });
        let Some(eligible) = eligible else {
            return Err(Problem::not_found(
                format!("field `carerId`: no household with id {:?}", req.carer_id)));
        };
        if !eligible && req.decision == DecisionKind::Accepted {
            return Err(Problem::invalid(
                format!(
                    "field `decision`: household {} is excluded by a hard rule for child {id}; record `overridden` with a reason instead",
                    req.carer_id
                )));
        }
        let d = st
            .store
            .record_decision(&NewDecision {
                child_id: id.clone(),
                carer_id: req.carer_id,
                decision: req.decision,
                reason: req.reason,
                actor: officer.key.id.clone(),
                overrides_hard_rule: !eligible,
            })
            .map_err(Problem::from_store)?;
        officer.audit(&st.store, action, Some(&id), "201")?;
        Ok((StatusCode::CREATED, axum::Json(DecisionBody::from(d))).into_response())
    })
    .await
}
