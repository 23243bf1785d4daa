//! The OpenAPI 3.1 document (generated from the handlers' annotations),
//! served at `/openapi.json` with Swagger UI (vendored, works offline) at
//! `/docs`, plus the operational endpoints `/livez`, `/readyz`, `/metrics`.
//!
//! Responses every operation can give are added here once ([`Common`]):
//! 401 and 429 (with `Retry-After`) for authenticated operations, 400 for
//! operations with parameters, 400/413/415/422 for operations with a JSON
//! body, 500 and 503 (timeout) everywhere, and the `X-Request-Id` header on
//! every response.

use super::{AppState, Problem, ProblemBody};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, ObjectBuilder, Ref, RefOr, Response as OaResponse, ResponseBuilder, Type,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Homeward",
        description = "Foster-care placement matching: ranked, explained matches for placement officers; placement plans and simulations for planners. Send an API key as `Authorization: Bearer <key>`; errors are RFC 9457 problem documents.",
        license(name = "Apache-2.0")
    ),
    components(schemas(ProblemBody)),
    modifiers(&Common),
    tags(
        (name = "matching", description = "Ranked, explained households for one child"),
        (name = "records", description = "Children, carers, institutions, places, roads and sibling links"),
        (name = "decisions", description = "Officers' decisions on proposals"),
        (name = "plans", description = "Region placement plans (asynchronous jobs)"),
        (name = "simulations", description = "Deinstitutionalisation simulations (asynchronous jobs)"),
        (name = "keys", description = "API keys (admin)"),
        (name = "operations", description = "Health and metrics")
    )
)]
struct ApiDoc;

/// Adds the bearer scheme and the responses every operation shares.
struct Common;

fn problem(description: &str) -> OaResponse {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemBody")))
                .build(),
        )
        .build()
}

fn retry_after(mut r: OaResponse) -> OaResponse {
    r.headers.insert(
        "Retry-After".into(),
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::Integer))
            .description(Some("Seconds to wait before retrying"))
            .build(),
    );
    r
}

impl Modify for Common {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key printed by `homeward serve` or made by an admin (`POST /v1/keys`)"))
                    .build(),
            ),
        );
        for item in doc.paths.paths.values_mut() {
            let path_params = item.parameters.as_ref().is_some_and(|p| !p.is_empty());
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let mut add = |code: &str, r: OaResponse| {
                    op.responses
                        .responses
                        .entry(code.into())
                        .or_insert(RefOr::T(r));
                };
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let params = path_params || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let body = op.request_body.is_some();
                if secured {
                    add(
                        "401",
                        problem("No valid API key (`WWW-Authenticate: Bearer`)"),
                    );
                    add(
                        "429",
                        retry_after(problem("This API key is over its rate limit")),
                    );
                }
                if params || body {
                    add("400", problem("Malformed path, query or JSON body"));
                }
                if body {
                    add("413", problem("Request body too large"));
                    add("415", problem("Body is not `application/json`"));
                    add("422", problem("Body does not have the documented shape"));
                }
                add("500", problem("Internal error (nothing was completed)"));
                add(
                    "503",
                    retry_after(problem(
                        "The request timed out, or the store is unavailable",
                    )),
                );
                let op_rid = HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::String))
                    .description(Some("Id of this request (also in logs and problem bodies)"))
                    .build();
                for r in op.responses.responses.values_mut() {
                    if let RefOr::T(r) = r {
                        r.headers
                            .entry("X-Request-Id".into())
                            .or_insert_with(|| op_rid.clone());
                    }
                }
            }
        }
    }
}

/// Every documented route (the document is finished by `split_for_parts`).
pub(super) fn api_router(body_limit: usize) -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(livez))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
        .merge(super::matching::routes())
        .merge(super::records::routes(body_limit))
        .merge(super::decisions::routes())
        .merge(super::keys::routes())
        .merge(super::jobs::routes())
}

/// `/openapi.json` and `/docs` over the finished document.
pub(super) fn docs_router(doc: Arc<utoipa::openapi::OpenApi>) -> Router<Arc<AppState>> {
    let mut doc = (*doc).clone();
    // The modifier ran before the routes were merged in: run it again so
    // that every operation gets the shared responses.
    Common.modify(&mut doc);
    Router::new().merge(SwaggerUi::new("/docs").url("/openapi.json", doc))
}

/// The OpenAPI document as JSON (for tooling and the contract test).
pub fn openapi_json() -> String {
    let (_, mut doc) = api_router(0).split_for_parts();
    Common.modify(&mut doc);
    doc.to_pretty_json().unwrap_or_default()
}

/// Liveness: the process answers.
#[utoipa::path(
    get,
    path = "/livez",
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = String, content_type = "text/plain"))
)]
async fn livez() -> &'static str {
    "ok"
}

/// Readiness: the store answers.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = String, content_type = "text/plain"),
    )
)]
async fn readyz(State(st): State<Arc<AppState>>) -> Result<&'static str, Problem> {
    let st2 = Arc::clone(&st);
    match tokio::task::spawn_blocking(move || st2.store.ping()).await {
        Ok(Ok(())) => Ok("ready"),
        _ => Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Not ready",
            "the store does not answer",
        )
        .retry_after(5)),
    }
}

/// Prometheus metrics (text exposition format): requests by method, route
/// template and status, latency by route, active jobs. No child data.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Metrics", body = String, content_type = "text/plain"))
)]
async fn metrics(State(st): State<Arc<AppState>>) -> Response {
    let mut res = st.metrics.render().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}
