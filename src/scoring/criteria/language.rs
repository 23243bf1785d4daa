//! `language`: 1 when the household speaks the child's main language,
//! `language_secondary_value` when it speaks another of the child's
//! languages, 0 otherwise.
use super::{Param, PairCtx, Spec};
use std::fmt;

/// Declaration of `language`.
pub(super) const SPEC: Spec = Spec {
    key: "language",
    label: "lang",
    params: &[
        Param {
            key: "language_secondary_value",
            doc: "Value when the carer speaks one of the child's languages but not the main one.",
            min: 0.0,
            max: 1.0,
            default: 0.5,
        },
    ],
};
const SECONDARY: usize = 0;

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>, p: &[f64]) -> Option<f64> {
    let (c, h) = (ctx.child, ctx.carer.langs);
    Some(if c.lang_main & h != 0 {
        1.0
    } else if c.lang_all & h != 0 {
        p[SECONDARY]
    } else {
        0.0
    })
}

/// Why `language` gave its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The household speaks the child's main language.
    Main,
    /// It speaks another of the child's languages, not the main one.
    Other,
    /// It speaks none of them.
    NoneShared,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::Main => "speaks the child's main language",
            Reason::Other => "speaks one of the child's languages, not the main one",
            Reason::NoneShared => "speaks none of the child's languages",
        })
    }
}

pub(super) fn reason(ctx: &PairCtx<'_>, _p: &[f64]) -> Reason {
    let (c, h) = (ctx.child, ctx.carer.langs);
    if c.lang_main & h != 0 {
        Reason::Main
    } else if c.lang_all & h != 0 {
        Reason::Other
    } else {
        Reason::NoneShared
    }
}
