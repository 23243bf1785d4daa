//! `GET /v1/children/{id}/matches` (ranked households with breakdowns and
//! exclusion counts) and `GET /v1/children/{id}/matches/{carer}` (one pair
//! explained). Officers (their regions) and admins.

use super::{
    ApiPath, AppState, CachedScorer, Caller, MAX_K, Problem, QueryMap, Refusal, ScorerKey,
    blocking, child_in_scope, json_response,
};
use crate::report;
use crate::scoring::{BUILTIN, Model};
use crate::store::Role;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::Response;
use serde::Deserialize;
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

/// The validated query of the matches endpoint (400 when malformed, 422
/// for `k` or `model` out of range), checked before the caller's key.
struct MatchesParams {
    k: usize,
    model: Model,
}

impl<S: Send + Sync> FromRequestParts<S> for MatchesParams {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let q = QueryMap::of(parts)?;
        let k = q.count("k", 10, MAX_K)?;
        let model = query_model(&q)?;
        Ok(MatchesParams { k, model })
    }
}

/// The model named by query `model` (default `default`; 422 for others).
struct ModelParam(Model);

impl<S: Send + Sync> FromRequestParts<S> for ModelParam {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        query_model(&QueryMap::of(parts)?).map(ModelParam)
    }
}

fn query_model(q: &QueryMap) -> Result<Model, Problem> {
    model_by_name(q.get("model").unwrap_or("default"), "query `model`")
}

/// A built-in model by name, from the model registry
/// ([`crate::scoring::BUILTIN`]); 422 for any other name (the API never
/// reads model files from paths).
pub(super) fn model_by_name(name: &str, what: &str) -> Result<Model, Problem> {
    let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name) else {
        let names = BUILTIN.map(|(n, _)| n).join(", ");
        return Err(Problem::invalid(format!(
            "{what}: unknown model {name:?} (built-in: {names})"
        )));
    };
    Model::from_toml(text, name).map_err(Problem::internal)
}

/// Checks role and region for reading child `id`; audits refusals.
fn authorize_child(st: &AppState, caller: &Caller, id: &str, action: &str) -> Result<(), Problem> {
    if caller.key.role == Role::Planner {
        caller.audit(&st.store, action, Some(id), "403")?;
        return Err(Problem::forbidden(
            "matches are for officers and admins; planners use plans",
        ));
    }
    child_in_scope(st, caller, id, action)
}

/// Authorises reading child `id` (auditing refusals) and gets the scorer
/// of the current data set and declines.
fn grant(
    st: &AppState,
    caller: &Caller,
    id: &str,
    action: &str,
    model: Model,
) -> Result<Arc<(ScorerKey, CachedScorer)>, Problem> {
    authorize_child(st, caller, id, action)?;
    let declines = st.store.declines().map_err(Problem::internal)?;
    st.scorer(model, declines).map_err(Problem::internal)
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
        (status = 200, description = "Ranked, explained households", body = super::schemas::RankingSchema, content_type = "application/json"),
        (status = 400, description = "Malformed path or query", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "Planner keys cannot read matches", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such child in the key's regions", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`k` or `model` out of range", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn matches(
    State(st): State<Arc<AppState>>,
    ApiPath(id): ApiPath<String>,
    MatchesParams { k, model }: MatchesParams,
    caller: Caller,
) -> Result<Response, Problem> {
    blocking(move || {
        let action = "GET /v1/children/{id}/matches";
        let scorer = grant(&st, &caller, &id, action, model)?;
        let body = scorer.1.with_dependent(|o, scorer| {
            let cix = o.data.child_ix(&id)?;
            let ranking = scorer.rank(&scorer.unit_of(cix), k);
            Some(serde_json::to_vec(&report::ranking_json(scorer, &ranking)))
        });
        let Some(body) = body else {
            return Err(Problem::not_found(format!("no child with id {id:?}")));
        };
        let body = body.map_err(Problem::internal)?;
        caller.audit(&st.store, action, Some(&id), "200")?;
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
        (status = 200, description = "The pair explained", body = super::schemas::ExplanationSchema, content_type = "application/json"),
        (status = 400, description = "Malformed path or query", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "Planner keys cannot read matches", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such child in the key's regions, or no such household", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Unknown `model`", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn explain(
    State(st): State<Arc<AppState>>,
    ApiPath((id, carer)): ApiPath<(String, String)>,
    ModelParam(model): ModelParam,
    caller: Caller,
) -> Result<Response, Problem> {
    blocking(move || {
        let action = "GET /v1/children/{id}/matches/{carer}";
        let scorer = grant(&st, &caller, &id, action, model)?;
        let body = scorer.1.with_dependent(|o, scorer| {
            let (cix, hix) = (o.data.child_ix(&id)?, o.data.carer_ix(&carer)?);
            let e = scorer.explain(&scorer.unit_of(cix), hix);
            Some(serde_json::to_vec(&report::explanation_json(scorer, &e)))
        });
        let Some(body) = body else {
            caller.audit(&st.store, action, Some(&id), Refusal::NotFound.outcome())?;
            return Err(Problem::not_found(format!(
                "no household with id {carer:?}"
            )));
        };
        let body = body.map_err(Problem::internal)?;
        caller.audit(&st.store, action, Some(&id), "200")?;
        Ok(json_response(body))
    })
    .await
}
