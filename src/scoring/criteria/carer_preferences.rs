//! `carer_preferences`: share of the household's stated preferences (sex,
//! age range) that the child meets; not applicable when it states none.
use super::{PairCtx, Spec};
use std::fmt;

/// Declaration of `carer_preferences`.
pub(super) const SPEC: Spec = Spec {
    key: "carer_preferences",
    label: "prefs",
    params: &[],
};

fn checks(ctx: &PairCtx<'_>) -> (u32, u32) {
    let (c, h) = (ctx.child, ctx.carer);
    let mut met = 0;
    let mut stated = 0;
    if let Some(s) = h.pref_sex {
        stated += 1;
        met += u32::from(s == c.sex);
    }
    if h.pref_min_age.is_some() || h.pref_max_age.is_some() {
        stated += 1;
        let lo = h.pref_min_age.unwrap_or(0);
        let hi = h.pref_max_age.unwrap_or(u8::MAX);
        met += u32::from(c.age >= lo && c.age <= hi);
    }
    (met, stated)
}

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>, _p: &[f64]) -> Option<f64> {
    let (met, stated) = checks(ctx);
    (stated > 0).then(|| met as f64 / stated as f64)
}

/// Why `carer_preferences` gave its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The household states no preferences (not applicable).
    NoneStated,
    /// The child meets `met` of the `stated` preferences.
    Meets {
        /// Preferences met.
        met: u32,
        /// Preferences stated.
        stated: u32,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NoneStated => f.write_str("no stated preferences: not applicable"),
            Reason::Meets { met, stated } => {
                write!(f, "meets {met} of {stated} stated preference(s)")
            }
        }
    }
}

pub(super) fn reason(ctx: &PairCtx<'_>, _p: &[f64]) -> Reason {
    let (met, stated) = checks(ctx);
    if stated == 0 {
        Reason::NoneStated
    } else {
        Reason::Meets { met, stated }
    }
}
