//! `sibling_contact`: contact with the siblings who live apart from the child
//! (linked apart, or placed elsewhere — another household or an
//! institution). For each such sibling, `0.5^(minutes /
//! sibling_contact_half_minutes)` of travel from the home to the sibling's
//! home (0 with no route); the value is their mean. Not applicable to a
//! child without siblings living apart.
use super::{Param, PairCtx, Spec, decay};
use std::fmt;

/// Declaration of `sibling_contact`.
pub(super) const SPEC: Spec = Spec {
    key: "sibling_contact",
    label: "siblings",
    params: &[Param {
        key: "sibling_contact_half_minutes",
        doc: "Minutes of travel to a sibling's home at which the value halves.",
        min: 1.0,
        max: 10_000.0,
        default: 60.0,
    }],
};
const HALF: usize = 0;

/// Travel minutes from the home to each sibling living apart (∞ = no route).
fn minutes<'a>(ctx: &'a PairCtx<'_>) -> impl Iterator<Item = f32> + 'a {
    let place = ctx.carer.place.get();
    ctx.apart_sibling_rows
        .iter()
        .map(move |row| row.get(place).copied().unwrap_or(f32::INFINITY))
}

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>, p: &[f64]) -> Option<f64> {
    let n = ctx.apart_sibling_rows.len();
    (n > 0).then(|| minutes(ctx).map(|m| decay(m, p[HALF])).sum::<f64>() / n as f64)
}

/// Why `sibling_contact` gave its value.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// No siblings live apart from the child (not applicable).
    NoneApart,
    /// Minutes of travel to each sibling living apart (`None` = no route).
    Apart(Vec<Option<f32>>),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let each = |m: &Option<f32>| match m {
            Some(m) => format!("{m:.0} min"),
            None => "no route".to_owned(),
        };
        match self {
            Reason::NoneApart => f.write_str("no siblings living apart: not applicable"),
            Reason::Apart(ms) if ms.len() == 1 => {
                write!(f, "{} to the sibling living apart", each(&ms[0]))
            }
            Reason::Apart(ms) => write!(
                f,
                "{} siblings living apart: {}",
                ms.len(),
                ms.iter().map(each).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

pub(super) fn reason(ctx: &PairCtx<'_>, _p: &[f64]) -> Reason {
    if ctx.apart_sibling_rows.is_empty() {
        Reason::NoneApart
    } else {
        Reason::Apart(minutes(ctx).map(|m| m.is_finite().then_some(m)).collect())
    }
}
