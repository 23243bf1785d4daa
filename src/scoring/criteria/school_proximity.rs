//! `school_proximity`: `0.5^(minutes / school_half_minutes)` of travel to
//! the child's current school, so the child can stay there; not applicable
//! to a child not at school.
use super::{PairCtx, decay};

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>) -> Option<f64> {
    ctx.school_minutes
        .map(|m| decay(m, ctx.model.params.school_half_minutes))
}

pub(super) fn reason(ctx: &PairCtx<'_>) -> String {
    match ctx.school_minutes {
        None => "not at school: not applicable".into(),
        Some(m) if m.is_finite() => format!("{m:.0} min to the current school"),
        Some(_) => "no route to the current school".into(),
    }
}
