//! `birth_family_proximity`: `0.5^(minutes / birth_family_half_minutes)` of
//! travel between the home and the birth family (contact visits).
use super::{Param, PairCtx, Spec, decay};
use std::fmt;

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

/// Why `birth_family_proximity` gave its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// Minutes of travel to the birth family.
    Minutes(f32),
    /// No route to the birth family.
    NoRoute,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Minutes(m) => write!(f, "{m:.0} min to the birth family"),
            Reason::NoRoute => f.write_str("no route to the birth family"),
        }
    }
}

pub(super) fn reason(ctx: &PairCtx<'_>, _p: &[f64]) -> Reason {
    if ctx.birth_minutes.is_finite() {
        Reason::Minutes(ctx.birth_minutes)
    } else {
        Reason::NoRoute
    }
}
