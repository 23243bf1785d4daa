//! `language`: 1 when the household speaks the child's main language,
//! `language_secondary_value` when it speaks another of the child's
//! languages, 0 otherwise.
use super::PairCtx;

#[inline]
pub(super) fn value(ctx: &PairCtx<'_>) -> Option<f64> {
    let (c, h) = (ctx.child, ctx.carer.langs);
    Some(if c.lang_main & h != 0 {
        1.0
    } else if c.lang_all & h != 0 {
        ctx.model.params.language_secondary_value
    } else {
        0.0
    })
}

pub(super) fn reason(ctx: &PairCtx<'_>) -> String {
    let (c, h) = (ctx.child, ctx.carer.langs);
    if c.lang_main & h != 0 {
        "speaks the child's main language".into()
    } else if c.lang_all & h != 0 {
        "speaks one of the child's languages, not the main one".into()
    } else {
        "speaks none of the child's languages".into()
    }
}
