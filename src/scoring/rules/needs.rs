//! `NEED_NOT_SUPPORTED`: every need of the child must be supported at (at
//! least) its severity. Reports the first need, in code order.
use super::{Detail, PairCtx};
use crate::domain::NeedCode;

#[inline]
pub(super) fn check(ctx: &PairCtx<'_>) -> Option<Detail> {
    NeedCode::ALL.into_iter().find_map(|code| {
        let (severity, supported) = (
            ctx.child.needs[code.index()],
            ctx.carer.supported[code.index()],
        );
        (severity > supported).then_some(Detail::Need {
            code,
            severity,
            supported,
        })
    })
}
