//! `kinship`: 1 when the household is known kin of the child, 0 otherwise;
//! not applicable to a child with no known kin carers.
use super::{PairCtx, Spec};

/// Declaration of `kinship`.
pub(super) const SPEC: Spec = Spec {
    key: "kinship",
    label: "kin",
    params: &[],
};

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>, _p: &[f64]) -> Option<f64> {
    if ctx.child.kin.is_empty() {
        None
    } else {
        Some(if ctx.child.kin.contains(&ctx.carer.ix) {
            1.0
        } else {
            0.0
        })
    }
}

pub(super) fn reason(ctx: &PairCtx<'_>, p: &[f64]) -> String {
    match value(ctx, p) {
        None => "no known kin carers: not applicable".into(),
        Some(v) if v > 0.0 => "known kin of the child".into(),
        Some(_) => "not kin; the child has known kin carers".into(),
    }
}
