//! `HOUSEHOLD_LIMIT_EXCEEDED`: the jurisdiction's limit on children per
//! household (Serbia: 3, or 2 when any child there or arriving has
//! developmental difficulties). A sibling group placed together is exempt
//! when the model says so.
use super::{Detail, PairCtx};

#[inline]
pub(super) fn check(ctx: &PairCtx<'_>) -> Option<Detail> {
    let h = &ctx.model.household;
    if ctx.unit_size > 1 && h.sibling_groups_exempt {
        return None;
    }
    let developmental = ctx.unit_developmental || ctx.carer.current_developmental;
    let limit = if developmental {
        h.max_children_with_developmental.or(h.max_children)
    } else {
        h.max_children
    }?;
    let after = ctx.carer.current.saturating_add(ctx.unit_size);
    (after > limit).then_some(Detail::HouseholdLimit {
        after,
        limit,
        developmental,
    })
}
