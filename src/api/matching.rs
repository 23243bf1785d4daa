//! `GET /v1/children/{id}/matches` (ranked households with breakdowns and
//! exclusion counts) and `GET /v1/children/{id}/matches/{carer}` (one pair
//! explained). Officers (their regions) and admins.

use super::{
    AppState, CachedScorer, MAX_K, Problem, RequestId, ScorerKey, audit, authenticate, blocking,
    child_in_scope, json_response, query_count,
};
use crate::io::report;
use crate::scoring::Model;
use crate::store::{ApiKey, Role};
use axum::Extension;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module.
pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(matches))
        .routes(routes!(explain))
}

/// Query of the matches endpoint.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query; the handler reads it as a map
struct MatchesQuery {
    /// How many households to return (1–100, default 10).
    k: Option<u32>,
    /// Scoring model: `default` or `serbia` (default `default`).
    model: Option<String>,
}

/// Query of the explain endpoint.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query; the handler reads it as a map
struct ModelQuery {
    /// Scoring model: `default` or `serbia` (default `default`).
    model: Option<String>,
}

/// Checks role and region for reading child `id`; audits refusals.
fn authorize_child(
    st: &AppState,
    key: &ApiKey,
    id: &str,
    action: &str,
    rid: &RequestId,
) -> Result<(), Problem> {
    if key.role == Role::Planner {
        audit(&st.store, key, action, Some(id), rid, "403")?;
        return Err(Problem::forbidden(
            "matches are for officers and admins; planners use plans",
        ));
    }
    child_in_scope(st, key, id, action, rid)
}

pub(super) fn load_model(q: &HashMap<String, String>) -> Result<Model, Problem> {
    let name = q.get("model").map_or("default", String::as_str);
    model_by_name(name, "query `model`")
}

/// A built-in model by name (422 for any other name).
pub(super) fn model_by_name(name: &str, what: &str) -> Result<Model, Problem> {
    if !matches!(name, "default" | "serbia") {
        return Err(Problem::invalid(format!(
            "{what}: unknown model {name:?} (built-in: default, serbia)"
        )));
    }
    Model::load(name).map_err(Problem::internal)
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
    let key = authenticate(st, headers)?;
    authorize_child(st, &key, id, action, rid)?;
    let declines = st.store.declines().map_err(Problem::internal)?;
    let scorer = st.scorer(model, declines).map_err(Problem::internal)?;
    Ok(Granted { key, scorer })
}

/// Ranked households for one child (with its sibling group, as in the
/// CLI): each with its score broken down by criterion, and how many
/// households each hard rule excluded. Officers see children of their
/// regions only (others are 404); planners get 403.
#[utoipa::path(
    get,
    path = "/v1/children/{id}/matches",
    tag = "matching",
    params(("id" = String, Path, description = "Child id"), MatchesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Ranked, explained households", body = Object, content_type = "application/json"),
        (status = 400, description = "Malformed path or query", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "Planner keys cannot read matches", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such child in the key's regions", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`k` or `model` out of range", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn matches(
    State(st): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, Problem> {
    let (Path(id), Query(q)) = (
        id.map_err(Problem::bad_request)?,
        q.map_err(Problem::bad_request)?,
    );
    let k = query_count(&q, "k", 10, MAX_K)?;
    let model = load_model(&q)?;
    blocking(move || {
        let action = "GET /v1/children/{id}/matches";
        let Granted { key, scorer } = grant(&st, &headers, &id, action, model, &rid)?;
        let body = scorer.1.with_dependent(|o, scorer| {
            let cix = o.data.child_ix(&id)?;
            let ranking = scorer.rank(&scorer.unit_of(cix), k);
            Some(serde_json::to_vec(&report::ranking_json(scorer, &ranking)))
        });
        let Some(body) = body else {
            return Err(Problem::not_found(format!("no child with id {id:?}")));
        };
        let body = body.map_err(Problem::internal)?;
        audit(&st.store, &key, action, Some(&id), &rid, "200")?;
        Ok(json_response(body))
    })
    .await
}

/// One child–household pair explained: every criterion's contribution, or
/// the hard rule that excludes the household. Any household can be
/// explained (children may be placed outside the officer's region).
#[utoipa::path(
    get,
    path = "/v1/children/{id}/matches/{carer}",
    tag = "matching",
    params(
        ("id" = String, Path, description = "Child id"),
        ("carer" = String, Path, description = "Carer household id"),
        ModelQuery
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The pair explained", body = Object, content_type = "application/json"),
        (status = 400, description = "Malformed path or query", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "Planner keys cannot read matches", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such child in the key's regions, or no such household", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Unknown `model`", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn explain(
    State(st): State<Arc<AppState>>,
    Extension(rid): Extension<RequestId>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, Problem> {
    let (Path((id, carer)), Query(q)) = (
        path.map_err(Problem::bad_request)?,
        q.map_err(Problem::bad_request)?,
    );
    let model = load_model(&q)?;
    blocking(move || {
        let action = "GET /v1/children/{id}/matches/{carer}";
        let Granted { key, scorer } = grant(&st, &headers, &id, action, model, &rid)?;
        let body = scorer.1.with_dependent(|o, scorer| {
            let (cix, hix) = (o.data.child_ix(&id)?, o.data.carer_ix(&carer)?);
            let e = scorer.explain(&scorer.unit_of(cix), hix);
            Some(serde_json::to_vec(&report::explanation_json(scorer, &e)))
        });
        let Some(body) = body else {
            audit(&st.store, &key, action, Some(&id), &rid, "404")?;
            return Err(Problem::not_found(format!(
                "no household with id {carer:?}"
            )));
        };
        let body = body.map_err(Problem::internal)?;
        audit(&st.store, &key, action, Some(&id), &rid, "200")?;
        Ok(json_response(body))
    })
    .await
}
