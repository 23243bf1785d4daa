//! `kinship`: 1 when the household is known kin of the child, 0 otherwise;
//! not applicable to a child with no known kin carers.
use super::{PairCtx, Spec};
use std::fmt;

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

/// Why `kinship` gave its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The child has no known kin carers (not applicable).
    NoKnownKin,
    /// The household is known kin.
    Kin,
    /// The household is not kin, though the child has known kin carers.
    NotKin,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::NoKnownKin => "no known kin carers: not applicable",
            Reason::Kin => "known kin of the child",
            Reason::NotKin => "not kin; the child has known kin carers",
        })
    }
}

pub(super) fn reason(ctx: &PairCtx<'_>, p: &[f64]) -> Reason {
    match value(ctx, p) {
        None => Reason::NoKnownKin,
        Some(v) if v > 0.0 => Reason::Kin,
        Some(_) => Reason::NotKin,
    }
}
