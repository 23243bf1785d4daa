//! `school_proximity`: `0.5^(minutes / school_half_minutes)` of travel to
//! the child's current school, so the child can stay there; not applicable
//! to a child not at school.
use super::{Param, PairCtx, Spec, decay};
use std::fmt;

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

/// Why `school_proximity` gave its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// The child is not at school (not applicable).
    NotAtSchool,
    /// Minutes of travel to the current school.
    Minutes(f32),
    /// No route to the current school.
    NoRoute,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NotAtSchool => f.write_str("not at school: not applicable"),
            Reason::Minutes(m) => write!(f, "{m:.0} min to the current school"),
            Reason::NoRoute => f.write_str("no route to the current school"),
        }
    }
}

pub(super) fn reason(ctx: &PairCtx<'_>, _p: &[f64]) -> Reason {
    match ctx.school_minutes {
        None => Reason::NotAtSchool,
        Some(m) if m.is_finite() => Reason::Minutes(m),
        Some(_) => Reason::NoRoute,
    }
}
