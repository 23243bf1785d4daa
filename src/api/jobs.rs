//! Plans and simulations as asynchronous jobs (`/v1/plans`,
//! `/v1/simulations`): a bounded queue (excess jobs get 429 with
//! `Retry-After`), worker threads off the async runtime, progress,
//! cancellation.

use super::{AppState, Config};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;

/// The job queue and the jobs it knows.
pub(crate) struct Jobs {}

impl Jobs {
    pub(crate) fn new(_config: &Config) -> Self {
        Jobs {}
    }

    /// Asks every queued and running job to stop.
    pub(crate) fn cancel_all(&self) {}
}

/// The routes of this module.
pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
}
