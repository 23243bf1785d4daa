//! `HOME_NOT_ACCESSIBLE`: a child whose mobility need reaches the model's
//! threshold needs an accessible home.
use super::{Detail, PairCtx};
use crate::domain::NeedCode;

#[inline]
pub(super) fn check(ctx: &PairCtx<'_>) -> Option<Detail> {
    let severity = ctx.child.needs[NeedCode::Mobility.index()];
    let from = ctx.model.thresholds.accessible_home_from_mobility_severity;
    (severity > 0 && severity >= from && !ctx.carer.accessible)
        .then_some(Detail::Accessible { severity })
}
