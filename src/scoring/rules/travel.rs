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
    too_far(ctx.birth_minutes, t.max_travel_minutes_birth_family).then_some(Detail::Travel {
        minutes: ctx.birth_minutes,
        max: t.max_travel_minutes_birth_family as f32,
    })
}

/// Whether a journey of `minutes` breaks a travel limit of `max_minutes`
/// (the rule's comparison, also used to tell which travel relaxations a
/// placement needs).
#[inline]
pub fn too_far(minutes: f32, max_minutes: f64) -> bool {
    minutes > max_minutes as f32
}
