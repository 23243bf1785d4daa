//! `CARER_UNAVAILABLE`: the household is paused.
use super::{Detail, PairCtx};

#[inline]
pub(super) fn check(ctx: &PairCtx<'_>) -> Option<Detail> {
    (!ctx.carer.available).then_some(Detail::Paused)
}
