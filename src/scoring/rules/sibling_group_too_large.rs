//! `SIBLING_GROUP_TOO_LARGE`: a sibling group placed together needs as many
//! free places as it has children (a household with none fails
//! `NO_FREE_PLACE` instead).
use super::{Detail, PairCtx};

#[inline]
pub(super) fn check(ctx: &PairCtx<'_>) -> Option<Detail> {
    let (size, free) = (ctx.unit_size, ctx.carer.free);
    (size > 1 && free > 0 && size > free).then_some(Detail::GroupTooLarge { size, free })
}
