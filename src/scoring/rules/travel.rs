//! `TRAVEL_TOO_FAR`: the home must be within the model's travel limit of the
//! birth family, so that contact can continue (kinship carers may be exempt).
use super::{Detail, PairCtx};
use crate::domain::CarerKind;

#[inline]
pub(super) fn check(ctx: &PairCtx<'_>) -> Option<Detail> {
    let t = &ctx.model.thresholds;
    if t.kinship_exempt_from_travel_limit && ctx.carer.kind == CarerKind::Kinship {
        return None;
    }
    let max = t.max_travel_minutes_birth_family as f32;
    (ctx.birth_minutes > max).then_some(Detail::Travel {
        minutes: ctx.birth_minutes,
        max,
    })
}
