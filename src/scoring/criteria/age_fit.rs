//! `age_fit`: how far inside the approved age range the child is. Full (1)
//! from `age_fit_margin_years` inside the range; at a range edge set by the
//! carer it is `1 / margin`. The natural bounds 0 and 17 are not edges.
use super::{Param, PairCtx, Spec};

/// Declaration of `age_fit`.
pub(super) const SPEC: Spec = Spec {
    key: "age_fit",
    label: "age",
    params: &[
        Param {
            key: "age_fit_margin_years",
            doc: "Years from the edge of the approved range at which the fit is full.",
            min: 0.1,
            max: 18.0,
            default: 3.0,
        },
    ],
};
const MARGIN: usize = 0;

fn edge_distance(ctx: &PairCtx<'_>) -> Option<f64> {
    let (a, lo, hi) = (ctx.child.age as f64, ctx.carer.min_age, ctx.carer.max_age);
    let below = (lo > 0).then_some(a - lo as f64);
    let above = (hi < 17).then_some(hi as f64 - a);
    match (below, above) {
        (None, None) => None,
        (x, y) => Some(x.unwrap_or(f64::MAX).min(y.unwrap_or(f64::MAX))),
    }
}

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>, p: &[f64]) -> Option<f64> {
    let m = p[MARGIN];
    Some(edge_distance(ctx).map_or(1.0, |d| ((d + 1.0) / m).min(1.0)))
}

pub(super) fn reason(ctx: &PairCtx<'_>, _p: &[f64]) -> String {
    let (a, lo, hi) = (ctx.child.age, ctx.carer.min_age, ctx.carer.max_age);
    match edge_distance(ctx) {
        None => format!("age {a}; household approved for all ages {lo}–{hi}"),
        Some(d) => format!("age {a} in approved {lo}–{hi}, {d:.0} year(s) from the edge"),
    }
}
