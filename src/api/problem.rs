//! Errors as responses (axum `examples/error-handling`): a handler returns
//! a [`Problem`]; it becomes an RFC 9457 `application/problem+json`
//! response, and the request-id layer ([`super::request_id`]) writes the
//! request's id into it and logs internal causes with that id. No error
//! constructor needs the request id.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::StoreError;

/// An error answered as `application/problem+json` (RFC 9457).
#[derive(Debug)]
pub struct Problem {
    pub(super) status: StatusCode,
    title: &'static str,
    pub(super) detail: String,
    /// Seconds for `Retry-After` (429, 503).
    retry_after: Option<u64>,
    /// Every problem found (validation errors), each naming record and field.
    pub(super) errors: Vec<serde_json::Value>,
    /// What failed inside the service (500 only): logged, never answered.
    cause: Option<String>,
}

/// The body of every error response (RFC 9457 problem details).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProblemBody {
    /// Always `about:blank`: the status code says what kind of problem.
    #[schema(example = "about:blank")]
    r#type: String,
    /// Short summary of the status.
    title: String,
    /// HTTP status code.
    status: u16,
    /// What went wrong with this request and how to fix it.
    detail: String,
    /// The request's `X-Request-Id` (quote it when reporting a problem).
    request_id: String,
    /// Validation problems, one per record and field (422 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    errors: Vec<serde_json::Value>,
}

impl Problem {
    pub(crate) fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            status,
            title,
            detail: detail.into(),
            retry_after: None,
            errors: Vec::new(),
            cause: None,
        }
    }

    /// A failure inside the service: 500 with a fixed detail; `e` is logged
    /// with the request id, never answered.
    pub(crate) fn internal(e: impl std::fmt::Display) -> Self {
        let mut p = Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the request failed inside the service; it was not completed",
        );
        p.cause = Some(e.to_string());
        p
    }

    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "Not found", detail)
    }

    pub(crate) fn forbidden(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::FORBIDDEN, "Forbidden", detail)
    }

    pub(crate) fn invalid(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid request", detail)
    }

    /// A malformed path or query string (axum's rejection, as a problem).
    pub(crate) fn bad_request(e: impl std::fmt::Display) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, "Bad request", e.to_string())
    }

    /// Adds `Retry-After: secs`.
    pub(crate) fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs.max(1));
        self
    }

    /// A store error as the matching problem (404, 409, 412, 422 or 500).
    pub(crate) fn from_store(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { kind, id } => {
                Problem::not_found(format!("no {kind} with id {id:?}"))
            }
            StoreError::AlreadyExists { .. } | StoreError::Conflict { .. } => {
                Problem::new(StatusCode::CONFLICT, "Conflict", e.to_string())
            }
            StoreError::VersionMismatch { current, .. } => Problem::new(
                StatusCode::PRECONDITION_FAILED,
                "Precondition failed",
                format!(
                    "{e}: the record is now at version {current} (ETag \"{current}\"); read it again and retry"
                ),
            ),
            StoreError::Invalid { errors } => {
                let mut p = Problem::invalid(format!(
                    "{} found; nothing was written",
                    crate::dataset::ErrorCount::of(&errors).describe("problem")
                ));
                p.errors = errors
                    .iter()
                    .map(|e| serde_json::to_value(e).unwrap_or_else(|_| e.to_string().into()))
                    .collect();
                p
            }
            other => Problem::internal(other),
        }
    }
}

/// What a problem response carries for the request-id layer: the body's
/// parts (rendered again with the request id) and the internal cause.
#[derive(Debug, Clone)]
struct Pending {
    status: StatusCode,
    title: &'static str,
    detail: String,
    errors: Vec<serde_json::Value>,
    cause: Option<String>,
}

impl Pending {
    fn body(&self, request_id: &str) -> Vec<u8> {
        let body = ProblemBody {
            r#type: "about:blank".into(),
            title: self.title.into(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            request_id: request_id.to_owned(),
            errors: self.errors.clone(),
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

/// The request id of a problem answered outside the request-id layer.
const NO_REQUEST_ID: &str = "-";

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let pending = Pending {
            status: self.status,
            title: self.title,
            detail: self.detail,
            errors: self.errors,
            cause: self.cause,
        };
        let mut res = (self.status, pending.body(NO_REQUEST_ID)).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res.extensions_mut().insert(pending);
        res
    }
}

/// Completes a problem response with the request's id (its body names it)
/// and logs an internal cause with that id; other responses pass as they
/// are. Called by the request-id layer on every response.
pub(super) fn complete(res: &mut Response, request_id: &str) {
    let Some(pending) = res.extensions_mut().remove::<Pending>() else {
        return;
    };
    if let Some(cause) = &pending.cause {
        tracing::error!(request_id = %request_id, error = %cause, "request failed");
    }
    let body = pending.body(request_id);
    res.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    *res.body_mut() = Body::from(body);
}
