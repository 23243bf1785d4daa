//! `past_declines`: 0 when an officer declined this household for this child
//! before, 1 for the other households; not applicable to a child with no
//! recorded declines (so it never changes scores until an officer declines).
use super::{PairCtx, Spec};
use std::fmt;

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

/// Why `past_declines` gave its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// No declines are recorded for the child (not applicable).
    NoDeclines,
    /// An officer declined this household for this child before.
    Declined,
    /// Not declined, though the child has other declines.
    NotDeclined,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::NoDeclines => "no past declines for the child: not applicable",
            Reason::Declined => "declined for this child before",
            Reason::NotDeclined => "not declined before (the child has other declines)",
        })
    }
}

pub(super) fn reason(ctx: &PairCtx<'_>, _p: &[f64]) -> Reason {
    match ctx.declined {
        None => Reason::NoDeclines,
        Some(true) => Reason::Declined,
        Some(false) => Reason::NotDeclined,
    }
}
