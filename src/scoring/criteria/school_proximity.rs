//! `school_proximity`: `0.5^(minutes / school_half_minutes)` of travel to
//! the child's current school, so the child can stay there; not applicable
//! to a child not at school.
use super::{Param, PairCtx, Spec, decay};

/// Declaration of `school_proximity`.
pub(super) const SPEC: Spec = Spec {
    key: "school_proximity",
    label: "school",
    params: &[
        Param {
            key: "school_half_minutes",
            doc: "Minutes at which the value halves.",
            min: 1.0,
            max: 10_000.0,
            default: 30.0,
        },
    ],
};
const HALF: usize = 0;

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>, p: &[f64]) -> Option<f64> {
    ctx.school_minutes
        .map(|m| decay(m, p[HALF]))
}

pub(super) fn reason(ctx: &PairCtx<'_>, _p: &[f64]) -> String {
    match ctx.school_minutes {
        None => "not at school: not applicable".into(),
        Some(m) if m.is_finite() => format!("{m:.0} min to the current school"),
        Some(_) => "no route to the current school".into(),
    }
}
