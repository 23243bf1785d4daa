//! API keys (admin): list, create (the secret is shown once), revoke.

use super::auth::{Allowed, ManageKeys};
use super::{ApiJson, ApiPath, AppState, Problem, blocking};
use crate::store::{ApiKey, Role};
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
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

/// An API key (never its secret).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct KeyBody {
    /// Public key id (`k_…`).
    id: String,
    /// `officer`, `planner` or `admin`.
    role: String,
    /// Regions the key may see (empty = all).
    regions: Vec<String>,
    /// Free label.
    label: String,
    /// RFC 3339 creation time.
    created_at: String,
    /// Revoked keys never authenticate.
    revoked: bool,
}

impl From<ApiKey> for KeyBody {
    fn from(k: ApiKey) -> Self {
        KeyBody {
            id: k.id,
            role: k.role.as_str().to_owned(),
            regions: k.regions,
            label: k.label,
            created_at: k.created_at,
            revoked: k.revoked,
        }
    }
}

/// A key to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewKey {
    /// `officer`, `planner` or `admin`.
    role: String,
    /// Regions an officer may see (required, non-empty, for officers).
    #[serde(default)]
    regions: Vec<String>,
    /// Free label (who holds the key).
    #[serde(default)]
    label: String,
}

/// A created key with its secret.
#[derive(Serialize, ToSchema)]
struct CreatedKey {
    /// The key.
    key: KeyBody,
    /// The secret to send as `Authorization: Bearer <secret>`: shown only
    /// now, only its hash is stored.
    secret: String,
}

/// Every key, newest last.
#[utoipa::path(
    get,
    path = "/v1/keys",
    tag = "keys",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Keys", body = Vec<KeyBody>),
        (status = 403, description = "Admins only", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn list(
    State(st): State<Arc<AppState>>,
    _: Allowed<ManageKeys>,
) -> Result<Response, Problem> {
    blocking(move || {
        let keys = st.store.list_keys().map_err(Problem::internal)?;
        let body: Vec<KeyBody> = keys.into_iter().map(Into::into).collect();
        Ok(axum::Json(body).into_response())
    })
    .await
}

/// Creates a key; the secret is in this response only.
#[utoipa::path(
    post,
    path = "/v1/keys",
    tag = "keys",
    request_body = NewKey,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CreatedKey),
        (status = 403, description = "Admins only", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn create(
    State(st): State<Arc<AppState>>,
    admin: Allowed<ManageKeys>,
    ApiJson(new): ApiJson<NewKey>,
) -> Result<Response, Problem> {
    blocking(move || {
        let Some(role) = Role::parse(&new.role) else {
            return Err(Problem::invalid(format!(
                "field `role` = {:?}: use officer, planner or admin",
                new.role
            )));
        };
        if role == Role::Officer && new.regions.is_empty() {
            return Err(Problem::invalid(
                "field `regions`: an officer key needs at least one region",
            ));
        }
        if new.label.len() > 200
            || new
                .regions
                .iter()
                .any(|r| r.trim().is_empty() || r.len() > 200)
        {
            return Err(Problem::invalid(
                "fields `label` and `regions`: at most 200 characters, regions not blank",
            ));
        }
        let (key, secret) = st
            .store
            .create_key(role, &new.regions, &new.label)
            .map_err(Problem::internal)?;
        tracing::info!(request_id = %admin.request_id.0, key = %key.id, role = role.as_str(), "API key created");
        Ok((
            StatusCode::CREATED,
            axum::Json(CreatedKey {
                key: key.into(),
                secret,
            }),
        )
            .into_response())
    })
    .await
}

/// Revokes a key: it never authenticates again.
#[utoipa::path(
    delete,
    path = "/v1/keys/{id}",
    tag = "keys",
    params(("id" = String, Path, description = "Key id (`k_…`)")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Admins only", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such key", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "A key cannot revoke itself", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn revoke(
    State(st): State<Arc<AppState>>,
    ApiPath(id): ApiPath<String>,
    admin: Allowed<ManageKeys>,
) -> Result<Response, Problem> {
    blocking(move || {
        if admin.key.id == id {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "Conflict",
                "a key cannot revoke itself (that would lock its holder out); use another admin key"));
        }
        match st.store.revoke_key(&id) {
            Ok(()) => {
                tracing::info!(request_id = %admin.request_id.0, key = %id, "API key revoked");
                Ok(StatusCode::NO_CONTENT.into_response())
            }
            Err(crate::store::StoreError::Conflict { .. }) => {
                Err(Problem::not_found(format!("no API key {id:?}")))
            }
            Err(e) => Err(Problem::internal(e)),
        }
    })
    .await
}
