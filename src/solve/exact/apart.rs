//! The `apart` links ("these two must not live together"), handled by
//! branching around the core method, which sees only the household rules.
//!
//! Every feasible plan keeps, for each apart pair `(a, b)` sharing a
//! household `h` in a relaxed plan, either `a` or `b` out of `h`; so the
//! two branches cover every feasible plan and the best over the leaves is
//! optimal. A branch only removes pairs, so its parent's proved bound holds
//! for it; the proved bound of the whole search is the best over the leaves
//! and the branches left unexplored.

use std::time::Instant;

use super::parallel::solve_core;
use super::stop::Stop;
use super::types::{Solution, SolveOptions, Status, StoppedBy};
use crate::solve::instance::{Assignment, Instance};

/// Solves `inst` exactly (see [the method](super)), components in parallel,
/// merged deterministically; `progress(done, total)` is called after each
/// component. Its `apart` pairs are respected by branching around the core
/// method, which sees only the household rules: whenever two units that
/// must live apart share a household, both ways out are tried (the one or
/// the other leaves that household) and the better result is kept — exact,
/// since every feasible plan lies in one of the branches. A branch starts
/// its bound from its parent's multipliers. Conflicts are rare (links
/// between siblings placed apart), so the tree stays tiny; past
/// `MAX_APART_BRANCHES` solves the best plan found so far is returned with
/// the bound of the unexplored branches.
pub fn solve(
    inst: &Instance,
    opts: &SolveOptions,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Solution {
    if inst.apart.is_empty() {
        return solve_core(inst, opts, progress, None);
    }
    let root = inst;
    let apart = &inst.apart;
    const MAX_APART_BRANCHES: usize = 64;
    let deadline = opts.time_limit.map(|t| Instant::now() + t);
    // Each open branch with the proved bound of its parent: a branch only
    // removes pairs, so the parent's bound holds for it too.
    // … and the parent's multipliers, a warm start for the child's bound.
    let mut stack = vec![(inst.clone(), i64::MAX, Vec::new())];
    let mut best: Option<Solution> = None;
    // The proved bound of the whole search: the best bound over the leaves
    // (branches without a conflict) and over branches left unexplored.
    let mut open_bound = i64::MIN;
    let mut limited = false;
    // What cut the search short (the last in `StoppedBy` order), and the
    // work used by every solve so far (the branches run one after another,
    // so each gets what the ones before it left).
    let mut reason = StoppedBy::Proved;
    let mut work_used = 0u64;
    let mut solves = 0;
    while let Some((inst, parent_bound, warm)) = stack.pop() {
        if best.as_ref().is_some_and(|b| parent_bound <= b.objective) {
            continue; // nothing better in this branch: no need to solve it
        }
        let warm = (!warm.is_empty()).then_some(&warm[..]);
        let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let work_left = opts.work_limit.map(|w| w.saturating_sub(work_used));
        // The root is always solved, whatever is left of the budget: a
        // zero-budget solve still computes its first plan, and a plan out of
        // time must still place children (not return none at all).
        let out_of_budget = if best.is_none() && solves == 0 {
            None
        } else if solves >= MAX_APART_BRANCHES {
            Some(StoppedBy::NodeLimit)
        } else if Stop::new(None, opts, None).now() {
            Some(StoppedBy::Cancelled)
        } else if remaining.is_some_and(|r| r.is_zero()) {
            Some(StoppedBy::TimeLimit)
        } else if work_left == Some(0) {
            Some(StoppedBy::WorkLimit)
        } else {
            None
        };
        if let Some(why) = out_of_budget {
            // Out of budget: this branch's bound from a zero-budget solve.
            let zero = SolveOptions {
                time_limit: Some(std::time::Duration::ZERO),
                work_limit: Some(0),
                ..opts.clone()
            };
            let b = solve_core(&inst, &zero, None, warm).bound.min(parent_bound);
            open_bound = open_bound.max(b);
            limited = true;
            reason = reason.max(why);
            continue;
        }
        solves += 1;
        let mut sol = solve_core(
            &inst,
            &SolveOptions {
                time_limit: remaining,
                work_limit: work_left,
                ..opts.clone()
            },
            progress,
            warm,
        );
        work_used = work_used.saturating_add(sol.work);
        sol.bound = sol.bound.min(parent_bound).max(sol.objective);
        if best.as_ref().is_some_and(|b| sol.bound <= b.objective) {
            continue; // nothing better in this branch
        }
        let placed = &sol.assignment.placed;
        let conflict =
            apart
                .iter()
                .find_map(|&(a, b)| match (placed[a as usize], placed[b as usize]) {
                    (Some(x), Some(y)) if x == y => Some((a, b, x)),
                    _ => None,
                });
        match conflict {
            None => {
                open_bound = open_bound.max(sol.bound);
                if sol.status == Status::TimeLimited {
                    limited = true;
                    reason = reason.max(sol.stopped_by);
                }
                if best.as_ref().is_none_or(|b| sol.objective > b.objective) {
                    best = Some(sol);
                }
            }
            Some((a, b, h)) => {
                // A feasible incumbent from this plan, so that a search cut
                // short by its budget still returns a plan: the lower-valued
                // unit of every conflicting pair leaves.
                if let Some(r) = without_apart_conflicts(root, &sol) {
                    if best.as_ref().is_none_or(|b| r.objective > b.objective) {
                        best = Some(r);
                    }
                }
                // Every plan of this branch keeps a or b out of h.
                for u in [b, a] {
                    let mut next = inst.clone();
                    next.pairs.retain(|p| !(p.unit == u && p.household == h));
                    stack.push((next, sol.bound, sol.multipliers.clone()));
                }
            }
        }
    }
    let mut sol = best.unwrap_or_else(|| {
        let empty = Instance {
            units: inst.units.clone(),
            households: inst.households.clone(),
            pairs: Vec::new(),
            apart: Vec::new(),
        };
        solve_core(&empty, opts, None, None)
    });
    sol.bound = sol.bound.max(open_bound).max(sol.objective);
    sol.work = work_used;
    if sol.bound > sol.objective {
        let gap = (sol.bound - sol.objective) as f64 / sol.bound.max(1) as f64;
        (sol.status, sol.stopped_by) = if !limited && gap <= opts.rel_gap {
            (Status::WithinGap, StoppedBy::Gap)
        } else if limited {
            (Status::TimeLimited, reason.max(StoppedBy::NodeLimit))
        } else {
            // Every leaf stopped at its gap, the whole is not within it.
            (Status::TimeLimited, StoppedBy::Gap)
        };
    } else {
        (sol.status, sol.stopped_by) = (Status::Optimal, StoppedBy::Proved);
    }
    sol
}

/// `sol` with, for every apart pair sharing a household, the unit of lower
/// coefficient (then higher index) moved to its best other household that
/// allows it (or unplaced); `None` if that is not feasible
/// for `inst` (removing a unit never breaks a household rule, so it is).
/// Its own bound field is its objective: the search's bound comes from its
/// leaves and unexplored branches, which cover every feasible plan.
fn without_apart_conflicts(inst: &Instance, sol: &Solution) -> Option<Solution> {
    let mut placed = sol.assignment.placed.clone();
    let mut dropped = Vec::new();
    for &(a, b) in &inst.apart {
        let (a, b) = (a as usize, b as usize);
        if let (Some(x), Some(y)) = (placed[a], placed[b]) {
            if x == y {
                let ca = inst.pair(a as u32, x).map_or(0, |p| p.coef);
                let cb = inst.pair(b as u32, y).map_or(0, |p| p.coef);
                let drop = if (ca, std::cmp::Reverse(a)) < (cb, std::cmp::Reverse(b)) {
                    a
                } else {
                    b
                };
                placed[drop] = None;
                dropped.push(drop);
            }
        }
    }
    // Each dropped unit goes to its best household (coefficient, then
    // index) that still allows it and holds no unit it must live apart from.
    let mut at: Vec<Vec<usize>> = vec![Vec::new(); inst.households.len()];
    for (u, h) in placed.iter().enumerate() {
        if let Some(h) = h {
            at[*h as usize].push(u);
        }
    }
    for u in dropped {
        let lo = inst.pairs.partition_point(|p| (p.unit as usize) < u);
        let hi = inst.pairs.partition_point(|p| (p.unit as usize) <= u);
        let mut cands: Vec<&crate::solve::instance::Pair> = inst.pairs[lo..hi].iter().collect();
        cands.sort_by_key(|p| (std::cmp::Reverse(p.coef), p.household));
        for p in cands {
            let h = p.household as usize;
            let apart_ok = at[h].iter().all(|&v| {
                let key = (u.min(v) as u32, u.max(v) as u32);
                inst.apart.binary_search(&key).is_err()
            });
            let allowed = inst.households[h].allows(
                at[h]
                    .iter()
                    .map(|&v| &inst.units[v])
                    .chain([&inst.units[u]]),
            );
            if apart_ok && allowed && p.coef > 0 {
                placed[u] = Some(h as u32);
                at[h].push(u);
                break;
            }
        }
    }
    let assignment = Assignment { placed };
    if !inst.feasible(&assignment) {
        return None;
    }
    let objective = inst.objective(&assignment)?;
    Some(Solution {
        assignment,
        objective,
        bound: objective,
        status: Status::TimeLimited,
        components: sol.components.clone(),
        work: sol.work,
        stopped_by: sol.stopped_by,
        multipliers: sol.multipliers.clone(),
    })
}
