//! `birth_family_proximity`: `0.5^(minutes / birth_family_half_minutes)` of
//! travel between the home and the birth family (contact visits).
use super::{PairCtx, decay};

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>) -> Option<f64> {
    Some(decay(
        ctx.birth_minutes,
        ctx.model.params.birth_family_half_minutes,
    ))
}

pub(super) fn reason(ctx: &PairCtx<'_>) -> String {
    if ctx.birth_minutes.is_finite() {
        format!("{:.0} min to the birth family", ctx.birth_minutes)
    } else {
        "no route to the birth family".into()
    }
}
