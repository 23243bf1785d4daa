//! `culture`: 1 when child and household share a recorded cultural community,
//! 0 when they differ or the household's is not recorded; not applicable when
//! the child's is not recorded. Special-category data: models may forbid it
//! (then it is never computed).
use super::{PairCtx, Spec};

/// Declaration of `culture`.
pub(super) const SPEC: Spec = Spec {
    key: "culture",
    label: "culture",
    params: &[],
};

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>, _p: &[f64]) -> Option<f64> {
    if ctx.child.heritage == 0 {
        return None;
    }
    Some(if ctx.child.heritage == ctx.carer.heritage {
        1.0
    } else {
        0.0
    })
}

pub(super) fn reason(ctx: &PairCtx<'_>, p: &[f64]) -> String {
    match value(ctx, p) {
        None => "child's cultural background not recorded: not applicable".into(),
        Some(v) if v > 0.0 => "shares the child's cultural background".into(),
        Some(_) => "does not share the child's recorded cultural background".into(),
    }
}
