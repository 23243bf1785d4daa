//! Records: children, carers, institutions, places, sibling links.

use super::AppState;
use crate::store::ApiKey;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;

/// Whether `key` may see a record in `region` (keys without regions see all).
pub(crate) fn in_regions(key: &ApiKey, region: Option<&str>) -> bool {
    key.regions.is_empty() || region.is_some_and(|g| key.regions.iter().any(|r| r == g))
}

/// The routes of this module.
pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
}
