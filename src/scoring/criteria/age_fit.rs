//! `age_fit`: how far inside the approved age range the child is. Full (1)
//! from `age_fit_margin_years` inside the range; at a range edge set by the
//! carer it is `1 / margin`. The natural bounds 0 and 17 are not edges.
use super::{Param, PairCtx, Spec};
use std::fmt;

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

/// Why `age_fit` gave its value.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The carer set no edge to the approved range.
    AllAges {
        /// The child's age.
        age: u8,
        /// Youngest approved age.
        min: u8,
        /// Oldest approved age.
        max: u8,
    },
    /// The child is `years` from the nearest edge the carer set.
    FromEdge {
        /// The child's age.
        age: u8,
        /// Youngest approved age.
        min: u8,
        /// Oldest approved age.
        max: u8,
        /// Years to the nearest edge.
        years: f64,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reason::AllAges { age, min, max } => {
                write!(f, "age {age}; household approved for all ages {min}–{max}")
            }
            Reason::FromEdge {
                age,
                min,
                max,
                years,
            } => write!(
                f,
                "age {age} in approved {min}–{max}, {years:.0} year(s) from the edge"
            ),
        }
    }
}

pub(super) fn reason(ctx: &PairCtx<'_>, _p: &[f64]) -> Reason {
    let (age, min, max) = (ctx.child.age, ctx.carer.min_age, ctx.carer.max_age);
    match edge_distance(ctx) {
        None => Reason::AllAges { age, min, max },
        Some(years) => Reason::FromEdge {
            age,
            min,
            max,
            years,
        },
    }
}
