//! `household_composition`: fit with the children already there. The age gap
//! to the nearest of them, over `composition_age_gap_years` (capped at 1);
//! when the child has needs, minus `composition_load_per_needs_child` for
//! each child there who has needs. 1 in a household with no children.
use super::{Param, PairCtx, Spec};
use std::fmt;

/// Declaration of `household_composition`.
pub(super) const SPEC: Spec = Spec {
    key: "household_composition",
    label: "house",
    params: &[
        Param {
            key: "composition_age_gap_years",
            doc: "Age gap (years) to the nearest child already there at which the fit is full.",
            min: 0.1,
            max: 18.0,
            default: 3.0,
        },
        Param {
            key: "composition_load_per_needs_child",
            doc: "Value lost per child already there with needs, when the child has needs.",
            min: 0.0,
            max: 1.0,
            default: 0.25,
        },
    ],
};
const AGE_GAP: usize = 0;
const LOAD: usize = 1;

fn nearest_gap(ctx: &PairCtx<'_>) -> Option<u8> {
    ctx.carer
        .ages()
        .iter()
        .map(|a| a.abs_diff(ctx.child.age))
        .min()
}

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>, p: &[f64]) -> Option<f64> {
    let Some(gap) = nearest_gap(ctx) else {
        return Some(1.0);
    };
    let mut v = (gap as f64 / p[AGE_GAP]).min(1.0);
    if ctx.child.has_needs {
        v *= (1.0 - p[LOAD] * ctx.carer.current_with_needs as f64)
            .max(0.0);
    }
    Some(v)
}

/// Why `household_composition` gave its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// No children in the household.
    NoChildren,
    /// Children already there.
    Children {
        /// How many.
        count: u8,
        /// Age gap to the nearest of them, in years.
        nearest_gap: u8,
        /// How many of them have needs, when the child has needs and any do.
        with_needs: Option<u8>,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reason::NoChildren => f.write_str("no other children in the household"),
            Reason::Children {
                count,
                nearest_gap,
                with_needs,
            } => {
                write!(
                    f,
                    "{count} child(ren) there, nearest age gap {nearest_gap} year(s)"
                )?;
                match with_needs {
                    Some(n) => write!(f, "; {n} child(ren) there with needs"),
                    None => Ok(()),
                }
            }
        }
    }
}

pub(super) fn reason(ctx: &PairCtx<'_>, _p: &[f64]) -> Reason {
    match nearest_gap(ctx) {
        None => Reason::NoChildren,
        Some(nearest_gap) => Reason::Children {
            count: ctx.carer.current,
            nearest_gap,
            with_needs: (ctx.child.has_needs && ctx.carer.current_with_needs > 0)
                .then_some(ctx.carer.current_with_needs),
        },
    }
}
