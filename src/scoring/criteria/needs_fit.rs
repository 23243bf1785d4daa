//! `needs_fit`: for each need, `base + per_headroom × (supported − severity)`
//! (capped at 1), averaged over the child's needs, plus a bonus for a
//! specialist carer; not applicable to a child without needs.
use super::PairCtx;
use crate::domain::{CarerKind, NeedCode};

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>) -> Option<f64> {
    if !ctx.child.has_needs {
        return None;
    }
    let p = &ctx.model.params;
    let (mut sum, mut n) = (0.0, 0.0);
    for code in NeedCode::ALL {
        let sev = ctx.child.needs[code.index()];
        if sev > 0 {
            let headroom = ctx.carer.supported[code.index()] as f64 - sev as f64;
            sum += (p.needs_fit_base + p.needs_fit_per_headroom * headroom).clamp(0.0, 1.0);
            n += 1.0;
        }
    }
    let bonus = if ctx.carer.kind == CarerKind::Specialist {
        p.needs_fit_specialist_bonus
    } else {
        0.0
    };
    Some((sum / n + bonus).min(1.0))
}

pub(super) fn reason(ctx: &PairCtx<'_>) -> String {
    if !ctx.child.has_needs {
        return "no care needs: not applicable".into();
    }
    let parts: Vec<String> = NeedCode::ALL
        .into_iter()
        .filter(|c| ctx.child.needs[c.index()] > 0)
        .map(|c| {
            format!(
                "{} {}/{} supported",
                c.as_str(),
                ctx.child.needs[c.index()],
                ctx.carer.supported[c.index()]
            )
        })
        .collect();
    let spec = if ctx.carer.kind == CarerKind::Specialist {
        "; specialist carer"
    } else {
        ""
    };
    format!("{}{spec}", parts.join(", "))
}
