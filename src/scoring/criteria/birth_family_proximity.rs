//! `birth_family_proximity`: `0.5^(minutes / birth_family_half_minutes)` of
//! travel between the home and the birth family (contact visits).
use super::{Param, PairCtx, Spec, decay};

/// Declaration of `birth_family_proximity`.
pub(super) const SPEC: Spec = Spec {
    key: "birth_family_proximity",
    label: "family",
    params: &[
        Param {
            key: "birth_family_half_minutes",
            doc: "Minutes at which the value halves.",
            min: 1.0,
            max: 10_000.0,
            default: 60.0,
        },
    ],
};
const HALF: usize = 0;

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>, p: &[f64]) -> Option<f64> {
    Some(decay(
        ctx.birth_minutes,
        p[HALF],
    ))
}

pub(super) fn reason(ctx: &PairCtx<'_>, _p: &[f64]) -> String {
    if ctx.birth_minutes.is_finite() {
        format!("{:.0} min to the birth family", ctx.birth_minutes)
    } else {
        "no route to the birth family".into()
    }
}
