//! The placement problem as plain numbers: units, households, eligible pairs
//! with integer objective coefficients, and the household rules. Built from a
//! data set by [`super::build`]; solved by [`super::exact`] (default) or the
//! good_lp model ([`super::milp`]); checked by
//! [`crate::plan_document::check`].
//!
//! ## The integer program
//! Variables `x[u,h] ∈ {0,1}` exist only for eligible unit–household pairs.
//!
//! ```text
//! maximise   Σ c[u,h]·x[u,h]            c[u,h] = value[u] + score[u,h]   (integers, hundredths of a point)
//! subject to Σ_h x[u,h] ≤ 1                       every unit at most once
//!            Σ_u size[u]·x[u,h] ≤ capacity[h]     free places
//!            household rules (below) for the set of units placed at h
//! ```
//!
//! **Household rules** (from the scoring model's `[household]`). For the set
//! `S` of units placed at household `h`, let `total = current[h] + Σ_S size`
//! and `dev = current_developmental[h] or any unit of S is developmental`.
//! When `h` has a `limit`: if `S` contains a unit that is *not exempt* (a lone
//! child, or any unit when groups are not exempt), or `limit_always` is set,
//! then `total ≤ limit_dev` when `dev` (falling back to `limit`), else
//! `total ≤ limit`. A household receiving only exempt sibling groups is
//! bound by its capacity alone. [`Household::allows`] is the reference
//! implementation.

/// A placement unit: a sibling group placed together or a lone child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Children in the unit (1 for a lone child).
    pub size: u8,
    /// Placement value (priority) in hundredths of a point.
    pub value: i64,
    /// Any member has developmental difficulties (household rule).
    pub developmental: bool,
    /// Exempt from the household limit (a sibling group, when the model says so).
    pub exempt: bool,
}

/// A household as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    /// Free places.
    pub capacity: u8,
    /// Children already there (including pinned placements).
    pub current: u8,
    /// A child already there has developmental difficulties.
    pub current_developmental: bool,
    /// Jurisdiction limit on children in the household, if any.
    pub limit: Option<u8>,
    /// Lower limit when a child with developmental difficulties is there.
    pub limit_developmental: Option<u8>,
    /// The limit applies whatever is placed (a non-exempt unit is pinned there).
    pub limit_always: bool,
}

impl Household {
    /// Whether the units `s` may be placed here together (capacity and
    /// household rules). The reference rule every solver must respect.
    pub fn allows<'a>(&self, s: impl IntoIterator<Item = &'a Unit>) -> bool {
        let (mut size, mut dev, mut non_exempt) =
            (0u32, self.current_developmental, self.limit_always);
        for u in s {
            size += u32::from(u.size);
            dev |= u.developmental;
            non_exempt |= !u.exempt;
        }
        if size > u32::from(self.capacity) {
            return false;
        }
        let Some(limit) = self.limit else { return true };
        if !non_exempt || size == 0 {
            return true;
        }
        let limit = if dev {
            self.limit_developmental.unwrap_or(limit)
        } else {
            limit
        };
        u32::from(self.current) + size <= u32::from(limit)
    }
}

/// An eligible unit–household pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// Unit index.
    pub unit: u32,
    /// Household index.
    pub household: u32,
    /// Match score in hundredths (0–10000).
    pub score: u32,
    /// Objective coefficient: unit value + score.
    pub coef: i64,
}

/// A placement problem. `pairs` is sorted by (unit, household), without
/// duplicates, and holds only pairs that can be placed alone
/// (`households[h].allows([&units[u]])`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Instance {
    /// Units.
    pub units: Vec<Unit>,
    /// Households.
    pub households: Vec<Household>,
    /// Eligible pairs.
    pub pairs: Vec<Pair>,
    /// Pairs of units that may not share a household (siblings placed apart
    /// by decision), each `(a, b)` with `a < b`, sorted.
    pub apart: Vec<(u32, u32)>,
}

/// A plan: for each unit, the household it is placed with (or none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// `placed[u]` = household of unit `u`.
    pub placed: Vec<Option<u32>>,
}

impl Instance {
    /// Objective of `a`, or `None` when `a` uses a pair that is not eligible.
    pub fn objective(&self, a: &Assignment) -> Option<i64> {
        let mut total = 0;
        for (u, h) in a.placed.iter().enumerate() {
            if let Some(h) = h {
                total += self.pair(u as u32, *h)?.coef;
            }
        }
        Some(total)
    }

    /// The pair `(u, h)`, if eligible.
    pub fn pair(&self, u: u32, h: u32) -> Option<&Pair> {
        self.pairs
            .binary_search_by(|p| (p.unit, p.household).cmp(&(u, h)))
            .ok()
            .map(|i| &self.pairs[i])
    }

    /// Whether `a` is feasible: every pair eligible, every household's set of
    /// units allowed.
    pub fn feasible(&self, a: &Assignment) -> bool {
        if a.placed.len() != self.units.len() {
            return false;
        }
        let mut at: Vec<Vec<&Unit>> = vec![Vec::new(); self.households.len()];
        for (u, h) in a.placed.iter().enumerate() {
            if let Some(h) = h {
                if self.pair(u as u32, *h).is_none() {
                    return false;
                }
                at[*h as usize].push(&self.units[u]);
            }
        }
        let apart_ok = self.apart.iter().all(|&(x, y)| {
            let (hx, hy) = (
                a.placed.get(x as usize).copied().flatten(),
                a.placed.get(y as usize).copied().flatten(),
            );
            hx.is_none() || hx != hy
        });
        apart_ok
            && self
                .households
                .iter()
                .zip(&at)
                .all(|(h, s)| h.allows(s.iter().copied()))
    }
}
