//! `SIBLINGS_NOT_ACCEPTED`: the household said it takes single children only.
use super::{Detail, PairCtx};

#[inline]
pub(super) fn check(ctx: &PairCtx<'_>) -> Option<Detail> {
    (ctx.unit_size > 1 && !ctx.carer.accepts_siblings).then_some(Detail::SiblingsNotAccepted {
        size: ctx.unit_size,
    })
}
