//! `past_declines`: 0 when an officer declined this household for this child
//! before, 1 for the other households; not applicable to a child with no
//! recorded declines (so it never changes scores until an officer declines).
use super::{PairCtx, Spec};

/// Declaration of `past_declines`.
pub(super) const SPEC: Spec = Spec {
    key: "past_declines",
    label: "declined",
    params: &[],
};

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>, _p: &[f64]) -> Option<f64> {
    ctx.declined.map(|d| if d { 0.0 } else { 1.0 })
}

pub(super) fn reason(ctx: &PairCtx<'_>, _p: &[f64]) -> String {
    match ctx.declined {
        None => "no past declines for the child: not applicable".into(),
        Some(true) => "declined for this child before".into(),
        Some(false) => "not declined before (the child has other declines)".into(),
    }
}
