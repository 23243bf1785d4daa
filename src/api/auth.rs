//! Authentication and roles as extractors (axum `examples/jwt`): a handler
//! names what it needs in its signature — [`Caller`] for any valid API
//! key, [`Allowed<P>`] for a key whose role holds permission `P` — and the
//! extractor answers 401 (no or unknown key), 429 (over the key's rate
//! limit) or 403 (wrong role) before the handler runs. Put it after the
//! path and query extractors and before the body, as the endpoints'
//! documented order of checks is: malformed path or query, then key, then
//! body.

use super::{AppState, Problem, RequestId, blocking};
use crate::store::{ApiKey, AuditEvent, Role, Store};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

/// An authenticated caller: its API key, and the request's id for the
/// audit rows it writes.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The caller's (valid, unrevoked) key.
    pub(crate) key: ApiKey,
    /// The id of this request.
    pub(crate) request_id: RequestId,
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, st: &Arc<AppState>) -> Result<Self, Problem> {
        let request_id = RequestId::of(&parts.extensions);
        let secret = bearer(&parts.headers);
        let st = Arc::clone(st);
        // The store is synchronous: look the key up on the blocking pool.
        let key = blocking(move || authenticate(&st, secret)).await?;
        Ok(Caller { key, request_id })
    }
}

impl Caller {
    /// Appends an audit row about child data (`child`: the child
    /// concerned, if one); a failed audit write fails the request.
    pub(crate) fn audit(
        &self,
        store: &Store,
        action: &str,
        child: Option<&str>,
        outcome: &str,
    ) -> Result<(), Problem> {
        store
            .append_audit(&self.audit_event(action, child.map(str::to_owned), outcome))
            .map(|_| ())
            .map_err(Problem::internal)
    }

    /// The audit row of this caller doing `action` (for batches).
    pub(crate) fn audit_event(
        &self,
        action: &str,
        child: Option<String>,
        outcome: &str,
    ) -> AuditEvent {
        AuditEvent {
            actor: self.key.id.clone(),
            role: self.key.role.as_str().to_owned(),
            action: action.to_owned(),
            child_id: child,
            request_id: self.request_id.0.clone(),
            outcome: outcome.to_owned(),
        }
    }
}

/// What a group of endpoints may be used for, and by which roles.
pub(crate) trait Permission {
    /// The roles holding it.
    const ROLES: &'static [Role];
    /// What it is for, as the 403 names it ("`WHAT` is for the roles …").
    const WHAT: &'static str;
}

/// A caller whose role holds permission `P` (403 otherwise).
#[derive(Debug)]
pub(crate) struct Allowed<P>(pub(crate) Caller, pub(crate) PhantomData<P>);

impl<P> Deref for Allowed<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl<P: Permission> FromRequestParts<Arc<AppState>> for Allowed<P> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, st: &Arc<AppState>) -> Result<Self, Problem> {
        let caller = Caller::from_request_parts(parts, st).await?;
        if P::ROLES.contains(&caller.key.role) {
            return Ok(Allowed(caller, PhantomData));
        }
        let names: Vec<_> = P::ROLES.iter().map(|r| r.as_str()).collect();
        Err(Problem::forbidden(format!(
            "{} is for the roles {}",
            P::WHAT,
            names.join(", ")
        )))
    }
}

/// Declares permissions: `Name: "what it is for" => [roles]`.
macro_rules! permissions {
    ($($(#[$doc:meta])* $name:ident: $what:literal => [$($role:ident),+];)+) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub(crate) struct $name;
        impl Permission for $name {
            const ROLES: &'static [Role] = &[$(Role::$role),+];
            const WHAT: &'static str = $what;
        }
    )+};
}

permissions! {
    /// Creating, updating, deleting records.
    WriteRecords: "writing records" => [Admin];
    /// Bulk import of a data set.
    Import: "importing" => [Admin];
    /// Listing, creating and revoking API keys.
    ManageKeys: "managing keys" => [Admin];
    /// Reading and recording officers' decisions.
    Decide: "decisions" => [Officer, Admin];
    /// Running and reading plan jobs.
    RunPlans: "/v1/plans" => [Planner, Admin];
    /// Running and reading simulation jobs.
    RunSimulations: "/v1/simulations" => [Planner, Admin];
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| key.trim().to_owned())
}

/// The key of `secret` (401 without a valid one), within its rate limit
/// (429 with `Retry-After` beyond it). Blocking: call on the blocking pool.
fn authenticate(st: &AppState, secret: Option<String>) -> Result<ApiKey, Problem> {
    let unauthorized =
        |detail: &str| Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail);
    let Some(secret) = secret else {
        return Err(unauthorized(
            "send an API key as `Authorization: Bearer <key>`",
        ));
    };
    let key = match st.store.authenticate(&secret) {
        Ok(Some(k)) if !k.revoked => k,
        Ok(_) => return Err(unauthorized("unknown or revoked API key")),
        Err(e) => return Err(Problem::internal(e)),
    };
    if let Some(limiter) = &st.limiter {
        if let Err(not_until) = limiter.check_key(&key.id) {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            return Err(Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
                "this API key is over its rate limit; retry after the given seconds",
            )
            .retry_after(wait.as_secs_f64().ceil() as u64));
        }
    }
    Ok(key)
}
