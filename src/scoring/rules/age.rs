//! `AGE_OUTSIDE_APPROVAL`: the child's age must lie in the approved range.
use super::{Detail, PairCtx};

#[inline]
pub(super) fn check(ctx: &PairCtx<'_>) -> Option<Detail> {
    let (age, min, max) = (ctx.child.age, ctx.carer.min_age, ctx.carer.max_age);
    (age < min || age > max).then_some(Detail::Age { age, min, max })
}
