//! `culture`: 1 when child and household share a recorded cultural community,
//! 0 when they differ or the household's is not recorded; not applicable when
//! the child's is not recorded. Special-category data: models may forbid it
//! (then it is never computed).
use super::{PairCtx, Spec};
use std::fmt;

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

/// Why `culture` gave its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The child's cultural background is not recorded (not applicable).
    NotRecorded,
    /// The household shares it.
    Shares,
    /// The household does not share it (or its own is not recorded).
    Differs,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::NotRecorded => "child's cultural background not recorded: not applicable",
            Reason::Shares => "shares the child's cultural background",
            Reason::Differs => "does not share the child's recorded cultural background",
        })
    }
}

pub(super) fn reason(ctx: &PairCtx<'_>, p: &[f64]) -> Reason {
    match value(ctx, p) {
        None => Reason::NotRecorded,
        Some(v) if v > 0.0 => Reason::Shares,
        Some(_) => Reason::Differs,
    }
}
