//! `NO_FREE_PLACE`: the household has no free approved place at all.
use super::{Detail, PairCtx};

#[inline]
pub(super) fn check(ctx: &PairCtx<'_>) -> Option<Detail> {
    (ctx.carer.free == 0).then_some(Detail::Full {
        approved: ctx.carer.approved,
        current: ctx.carer.current,
    })
}
