//! TEMPORARY stand-in with the agreed API (greedy, weak bound); replaced by
//! the exact Lagrangian solver.
use super::{Assignment, Instance};
use std::time::Duration;

/// Options.
#[derive(Debug, Clone, Default)]
pub struct SolveOptions {
    /// Time limit.
    pub time_limit: Option<Duration>,
    /// Relative gap.
    pub rel_gap: f64,
}
/// Status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Proved optimal.
    Optimal,
    /// Within gap.
    WithinGap,
    /// Time limited.
    TimeLimited,
}
/// Component report.
#[derive(Debug, Clone)]
pub struct ComponentReport {
    /// Units.
    pub units: usize,
    /// Households.
    pub households: usize,
    /// Pairs.
    pub pairs: usize,
    /// Objective.
    pub objective: i64,
    /// Bound.
    pub bound: i64,
    /// Status.
    pub status: Status,
    /// Time.
    pub millis: f64,
    /// Method.
    pub method: &'static str,
}
/// Solution.
#[derive(Debug, Clone)]
pub struct Solution {
    /// Assignment.
    pub assignment: Assignment,
    /// Objective.
    pub objective: i64,
    /// Bound.
    pub bound: i64,
    /// Status.
    pub status: Status,
    /// Components.
    pub components: Vec<ComponentReport>,
}
/// Alternative.
#[derive(Debug, Clone)]
pub struct Alternative {
    /// Household.
    pub household: u32,
    /// Low.
    pub drop_low: i64,
    /// High.
    pub drop_high: i64,
}
/// Solve (greedy stand-in).
pub fn solve(
    inst: &Instance,
    _o: &SolveOptions,
    _p: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Solution {
    let mut order: Vec<usize> = (0..inst.pairs.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(inst.pairs[i].coef), i));
    let mut a = Assignment {
        placed: vec![None; inst.units.len()],
    };
    let mut at: Vec<Vec<usize>> = vec![Vec::new(); inst.households.len()];
    for i in order {
        let p = inst.pairs[i];
        if a.placed[p.unit as usize].is_some() {
            continue;
        }
        let h = p.household as usize;
        let mut s: Vec<&super::Unit> = at[h].iter().map(|&u| &inst.units[u]).collect();
        s.push(&inst.units[p.unit as usize]);
        if inst.households[h].allows(s) {
            at[h].push(p.unit as usize);
            a.placed[p.unit as usize] = Some(p.household);
        }
    }
    let objective = inst.objective(&a).unwrap_or(0);
    let mut best = vec![0i64; inst.units.len()];
    for p in &inst.pairs {
        best[p.unit as usize] = best[p.unit as usize].max(p.coef);
    }
    let bound = best.iter().sum::<i64>().max(objective);
    Solution {
        assignment: a,
        objective,
        bound,
        status: if bound == objective {
            Status::Optimal
        } else {
            Status::TimeLimited
        },
        components: vec![],
    }
}
/// Alternatives (stand-in: none).
pub fn alternatives(inst: &Instance, _s: &Solution, _k: usize) -> Vec<Vec<Alternative>> {
    vec![Vec::new(); inst.units.len()]
}
