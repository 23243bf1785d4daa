//! Alternatives: for each placed unit, its next households and bounds on
//! what forcing it there would cost.
//!
//! The low bound is the Lagrangian forcing bound of the unit's component,
//! `objective_c − ⌊L_c(α) − F[u,h]⌋` (clamped at 0 when the plan is
//! optimal); the high bound comes from a feasible plan with the pair
//! pinned: an exact re-solve on components of up to
//! `EXACT_ALTERNATIVES_UNITS` units (then low = high), a local repair of
//! the plan otherwise.

use rayon::prelude::*;

use super::component::solve_component;
use super::heuristic::Plan;
use super::problem::{Prob, SCALE, Scratch};
use super::stop::Stop;
use super::types::{Solution, SolveOptions, Status};
use crate::solve::components::connected_components;
use crate::solve::instance::Instance;

/// An alternative household for a placed unit and what forcing the unit
/// there costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alternative {
    /// The alternative household.
    pub household: u32,
    /// Lower bound on the drop: `objective − (best objective of any plan
    /// with the unit at this household)` is at least this. From the
    /// Lagrangian forcing bound `⌊L(α) − F[u,h]⌋` of the unit's component
    /// (0 when the bound says nothing).
    pub drop_low: i64,
    /// Upper bound on the same drop, from a feasible plan with the pair
    /// pinned (an exact re-solve of small components, a local repair of the
    /// plan otherwise). Equal to `drop_low` when the drop is known exactly.
    pub drop_high: i64,
}

/// Components up to this many units get an exact re-solve per alternative.
const EXACT_ALTERNATIVES_UNITS: usize = 60;

/// For each unit (placed or not, indexed like `inst.units`): its next `k`
/// eligible households other than its own, by coefficient (ties by index),
/// with bounds on how much the objective of `sol` would drop if the unit
/// were forced there. Unplaced units get an empty list.
pub fn alternatives(inst: &Instance, sol: &Solution, k: usize) -> Vec<Vec<Alternative>> {
    let prob = Prob::new(inst);
    let comps = connected_components(inst);
    let nh = inst.households.len();
    let mut comp_of_unit = vec![u32::MAX; inst.units.len()];
    let mut comp_of_h = vec![u32::MAX; nh];
    for (ci, c) in comps.iter().enumerate() {
        for &u in &c.units {
            comp_of_unit[u as usize] = ci as u32;
        }
        for &h in &c.households {
            comp_of_h[h as usize] = ci as u32;
        }
    }
    let alpha = &sol.multipliers;
    let kh: Vec<i64> = (0..nh)
        .into_par_iter()
        .map_init(Scratch::default, |sc, h| prob.knapsack(h, alpha, false, sc))
        .collect();
    let mut lc = vec![0i64; comps.len()];
    let mut objc = vec![0i64; comps.len()];
    for (u, &a) in alpha.iter().enumerate() {
        if comp_of_unit[u] != u32::MAX {
            lc[comp_of_unit[u] as usize] += a;
        }
    }
    for h in 0..nh {
        if comp_of_h[h] != u32::MAX {
            lc[comp_of_h[h] as usize] += kh[h];
        }
    }
    for (u, h) in sol.assignment.placed.iter().enumerate() {
        if let Some(pi) = h.and_then(|h| prob.pair_index(u, h as usize)) {
            objc[comp_of_unit[u] as usize] += inst.pairs[pi].coef;
        }
    }
    let optimal = sol.status == Status::Optimal;
    let mut base = Plan::empty(&prob);
    for (u, h) in sol.assignment.placed.iter().enumerate() {
        if let Some(pi) = h.and_then(|h| prob.pair_index(u, h as usize)) {
            base.place(&prob, pi);
        }
    }
    let sub_instances: Vec<Option<Instance>> = comps
        .iter()
        .map(|c| (c.units.len() <= EXACT_ALTERNATIVES_UNITS).then(|| c.sub_instance(inst)))
        .collect();
    (0..inst.units.len())
        .into_par_iter()
        .map_init(Scratch::default, |sc, u| {
            let Some(cur) = sol.assignment.placed[u] else {
                return Vec::new();
            };
            let ci = comp_of_unit[u] as usize;
            let mut cands: Vec<usize> = prob
                .upairs(u)
                .filter(|&pi| inst.pairs[pi].household != cur)
                .collect();
            cands.sort_by_key(|&pi| {
                (
                    std::cmp::Reverse(inst.pairs[pi].coef),
                    inst.pairs[pi].household,
                )
            });
            cands.truncate(k);
            cands
                .into_iter()
                .map(|pi| {
                    let h = inst.pairs[pi].household as usize;
                    let f = prob
                        .forcing_losses(h, alpha, sc)
                        .into_iter()
                        .find(|&(q, _)| q as usize == pi)
                        .map_or(0, |(_, f)| f);
                    let ub = (lc[ci] - f).div_euclid(SCALE);
                    let mut low = objc[ci] - ub;
                    if optimal {
                        low = low.max(0);
                    }
                    let high = match &sub_instances[ci] {
                        Some(sub) => {
                            pinned_optimum(sub, &comps[ci].units, &comps[ci].households, u, h)
                                .map(|v| objc[ci] - v)
                        }
                        None => None,
                    };
                    match high {
                        Some(d) => Alternative {
                            household: h as u32,
                            drop_low: d,
                            drop_high: d,
                        },
                        None => {
                            let v = repaired_value(&prob, &base, pi);
                            let high = sol.objective - v;
                            Alternative {
                                household: h as u32,
                                drop_low: low.min(high),
                                drop_high: high,
                            }
                        }
                    }
                })
                .collect()
        })
        .collect()
}

/// Exact optimum of the component with unit `u` pinned at household `h`
/// (original indices), if proved.
fn pinned_optimum(sub: &Instance, units: &[u32], hs: &[u32], u: usize, h: usize) -> Option<i64> {
    let lu = units.binary_search(&(u as u32)).ok()? as u32;
    let lh = hs.binary_search(&(h as u32)).ok()? as u32;
    let big = sub.pairs.iter().map(|p| p.coef.abs()).sum::<i64>() + 1;
    let mut pinned = sub.clone();
    pinned.pairs.retain(|p| p.unit != lu || p.household == lh);
    for p in &mut pinned.pairs {
        if p.unit == lu {
            p.coef += big;
        }
    }
    let none = SolveOptions::default();
    let r = solve_component(&pinned, &none, Stop::new(None, &none, None), None);
    (r.status == Status::Optimal).then_some(r.objective - big)
}

/// Objective after forcing pair `pi` into `base` and repairing locally.
fn repaired_value(prob: &Prob, base: &Plan, pi: usize) -> i64 {
    let mut plan = base.clone();
    let u = prob.unit_of(pi);
    let old = plan.pair[u].map(|q| prob.household_of(q as usize));
    plan.place(prob, pi);
    let h = prob.household_of(pi);
    let mut evicted = Vec::new();
    while !plan.allows(prob, h, None, None) {
        let worst = plan.at[h]
            .iter()
            .copied()
            .filter(|&v| v as usize != u)
            .min_by_key(|&v| {
                let q = plan.pair[v as usize].map_or(0, |q| q as usize);
                (prob.inst.pairs[q].coef, std::cmp::Reverse(v))
            });
        match worst {
            Some(v) => {
                plan.unplace(prob, v as usize);
                evicted.push(v as usize);
            }
            None => break,
        }
    }
    for v in evicted {
        plan.reinsert_best(prob, v);
    }
    if let Some(oh) = old {
        plan.refill_household(prob, oh);
    }
    plan.value
}
