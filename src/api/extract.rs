//! Request extractors whose rejections are problems: a JSON body, path
//! parameters, the query string as a map, and the request id. axum's own
//! rejections are plain text; these answer `application/problem+json`
//! with the same status and message.

use super::{Problem, RequestId};
use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::Extensions;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// A JSON request body; axum's plain-text rejections (malformed JSON,
/// wrong content type, body too large) become problems.
pub(crate) struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => {
                let status = e.status();
                let title = status.canonical_reason().unwrap_or("Bad request");
                Err(Problem::new(status, title, e.body_text()))
            }
        }
    }
}

/// Path parameters; a malformed path is 400.
pub(crate) struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(Problem::bad_request)
    }
}

/// The query string as a map (each endpoint validates its parameters); a
/// malformed one is 400.
pub(crate) struct QueryMap(pub HashMap<String, String>);

impl QueryMap {
    /// Parses the query of `parts` (400 when malformed).
    pub(crate) fn of(parts: &Parts) -> Result<Self, Problem> {
        Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map(|Query(q)| QueryMap(q))
            .map_err(Problem::bad_request)
    }

    /// Parameter `name` as a whole number from 1 to `max` (`default` when
    /// absent; 422 otherwise).
    pub(crate) fn count(&self, name: &str, default: usize, max: usize) -> Result<usize, Problem> {
        match self.0.get(name) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(Problem::invalid(format!(
                    "query `{name}` = {v:?}: must be a whole number from 1 to {max}"
                ))),
            },
        }
    }

    /// Parameter `name`, if given.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

impl RequestId {
    /// The id the request-id layer gave this request (`-` outside it).
    pub(crate) fn of(extensions: &Extensions) -> RequestId {
        extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId("-".into()))
    }
}
