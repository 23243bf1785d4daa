//! API keys (admin).

use super::AppState;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;

/// The routes of this module.
pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
}
