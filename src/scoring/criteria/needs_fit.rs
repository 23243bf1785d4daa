//! `needs_fit`: for each need, `base + per_headroom × (supported − severity)`
//! (capped at 1), averaged over the child's needs, plus a bonus for a
//! specialist carer; not applicable to a child without needs.
use super::{Param, PairCtx, Spec};
use std::fmt;
use crate::domain::{CarerKind, NeedCode};

/// Declaration of `needs_fit`.
pub(super) const SPEC: Spec = Spec {
    key: "needs_fit",
    label: "needs",
    params: &[
        Param {
            key: "needs_fit_base",
            doc: "Value when the carer supports exactly the child's severity.",
            min: 0.0,
            max: 1.0,
            default: 0.6,
        },
        Param {
            key: "needs_fit_per_headroom",
            doc: "Added per level of severity headroom.",
            min: 0.0,
            max: 1.0,
            default: 0.2,
        },
        Param {
            key: "needs_fit_specialist_bonus",
            doc: "Added for a specialist carer.",
            min: 0.0,
            max: 1.0,
            default: 0.2,
        },
    ],
};
const BASE: usize = 0;
const PER_HEADROOM: usize = 1;
const SPECIALIST_BONUS: usize = 2;

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>, p: &[f64]) -> Option<f64> {
    if !ctx.child.has_needs {
        return None;
    }
    let (mut sum, mut n) = (0.0, 0.0);
    for code in NeedCode::ALL {
        let sev = ctx.child.needs[code.index()];
        if sev > 0 {
            let headroom = ctx.carer.supported[code.index()] as f64 - sev as f64;
            sum += (p[BASE] + p[PER_HEADROOM] * headroom).clamp(0.0, 1.0);
            n += 1.0;
        }
    }
    let bonus = if ctx.carer.kind == CarerKind::Specialist {
        p[SPECIALIST_BONUS]
    } else {
        0.0
    };
    Some((sum / n + bonus).min(1.0))
}

/// One of the child's needs against the carer's support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeedSupport {
    /// The need.
    pub code: NeedCode,
    /// The child's severity.
    pub severity: u8,
    /// The highest severity the carer supports.
    pub supported: u8,
}

/// Why `needs_fit` gave its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The child has no care needs (not applicable).
    NoNeeds,
    /// Each need with the carer's support.
    Needs {
        /// The child's needs, in code order.
        needs: Vec<NeedSupport>,
        /// The carer is a specialist.
        specialist: bool,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NoNeeds => f.write_str("no care needs: not applicable"),
            Reason::Needs { needs, specialist } => {
                for (i, n) in needs.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(
                        f,
                        "{sep}{} {}/{} supported",
                        n.code.as_str(),
                        n.severity,
                        n.supported
                    )?;
                }
                if *specialist {
                    f.write_str("; specialist carer")?;
                }
                Ok(())
            }
        }
    }
}

pub(super) fn reason(ctx: &PairCtx<'_>, _p: &[f64]) -> Reason {
    if !ctx.child.has_needs {
        return Reason::NoNeeds;
    }
    let needs = NeedCode::ALL
        .into_iter()
        .filter(|c| ctx.child.needs[c.index()] > 0)
        .map(|code| NeedSupport {
            code,
            severity: ctx.child.needs[code.index()],
            supported: ctx.carer.supported[code.index()],
        })
        .collect();
    Reason::Needs {
        needs,
        specialist: ctx.carer.kind == CarerKind::Specialist,
    }
}
