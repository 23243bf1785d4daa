//! `PLACEMENT_TYPE_NOT_APPROVED`: the household must be approved for the
//! placement type the child needs.
use super::{Detail, PairCtx};

#[inline]
pub(super) fn check(ctx: &PairCtx<'_>) -> Option<Detail> {
    let needed = ctx.child.placement_type;
    (!ctx.carer.placement_types.contains(needed)).then_some(Detail::PlacementType { needed })
}
