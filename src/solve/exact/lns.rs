//! Large-neighbourhood search for the incumbent: free a neighbourhood of
//! units and every household they sit in or are drawn to, keep the rest of
//! the plan fixed, and re-solve the neighbourhood exactly with the same
//! solver. Chains of moves that the one-unit local search cannot see (near
//! ties over many households) become single exact re-solves.
//!
//! Neighbourhoods grow from each unit in index order: a unit brings its
//! current household and its best households by reduced profit
//! `c[u,h] − α_u`; a household brings the units placed there and its best
//! unplaced candidates. Everything is deterministic (no time dependence
//! unless the time limit is reached).

use std::collections::{HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};

use super::component::solve_component;
use super::heuristic::Plan;
use super::problem::Prob;
use super::{SolveOptions, Stop};
use crate::solve::instance::{Instance, Pair};

/// Best households per unit taken into a neighbourhood.
const UNIT_FANOUT: usize = 3;
/// Best unplaced candidates per household taken into a neighbourhood.
const HOUSEHOLD_FANOUT: usize = 4;

/// Improves `plan` by exact re-solves of neighbourhoods of about
/// `max_units` units; at most `rounds` sweeps over the seeds. Returns whether
/// anything improved.
pub(crate) fn improve(
    prob: &Prob,
    alpha: &[i64],
    plan: &mut Plan,
    max_units: usize,
    rounds: usize,
    stop: Stop<'_>,
) -> bool {
    let nu = prob.units();
    let nh = prob.households();
    let (top_h, cand_u) = by_reduced_profit(prob, alpha);
    let mut in_u = vec![false; nu];
    let mut in_h = vec![false; nh];
    let mut improved = false;
    let none = SolveOptions::default();
    // Neighbourhoods already solved without improvement (by their unit and
    // household sets, which define the sub-instance).
    let mut tried: HashSet<u64> = HashSet::new();
    for _ in 0..rounds {
        let mut any = false;
        for seed in 0..nu {
            if stop.now() {
                return improved;
            }
            if prob.upairs(seed).is_empty() {
                continue;
            }
            let mut us: Vec<u32> = Vec::new();
            let mut hs: Vec<u32> = Vec::new();
            let mut queue: VecDeque<u32> = VecDeque::new();
            in_u[seed] = true;
            queue.push_back(seed as u32);
            while let Some(u) = queue.pop_front() {
                us.push(u);
                if us.len() + queue.len() >= max_units {
                    continue; // only drain: households already taken stay whole
                }
                let u = u as usize;
                let own = plan.pair[u].map(|pi| prob.household_of(pi as usize) as u32);
                for h in own.into_iter().chain(top_h[u].iter().copied()) {
                    if in_h[h as usize] {
                        continue;
                    }
                    in_h[h as usize] = true;
                    hs.push(h);
                    for &v in &plan.at[h as usize] {
                        if !in_u[v as usize] {
                            in_u[v as usize] = true;
                            queue.push_back(v);
                        }
                    }
                    for &v in cand_u[h as usize]
                        .iter()
                        .filter(|&&v| plan.pair[v as usize].is_none())
                        .take(HOUSEHOLD_FANOUT)
                    {
                        if !in_u[v as usize] {
                            in_u[v as usize] = true;
                            queue.push_back(v);
                        }
                    }
                }
            }
            // A unit whose own household is outside the neighbourhood keeps
            // its place there free: add those households too (whole).
            let mut extra = Vec::new();
            for &u in &us {
                if let Some(pi) = plan.pair[u as usize] {
                    let h = prob.household_of(pi as usize);
                    if !in_h[h] {
                        in_h[h] = true;
                        extra.push(h as u32);
                    }
                }
            }
            hs.extend(extra.iter().copied());
            // Occupants of the extra households join too (not expanded).
            for &h in &extra {
                for &v in &plan.at[h as usize] {
                    if !in_u[v as usize] {
                        in_u[v as usize] = true;
                        us.push(v);
                    }
                }
            }
            us.sort_unstable();
            hs.sort_unstable();
            let current: i64 = us
                .iter()
                .filter_map(|&u| plan.pair[u as usize])
                .map(|pi| prob.inst.pairs[pi as usize].coef)
                .sum();
            let (sub, back) = sub_instance(prob, &us, &hs);
            for &u in &us {
                in_u[u as usize] = false;
            }
            for &h in &hs {
                in_h[h as usize] = false;
            }
            // Neighbourhoods are at most half the component, so nested
            // re-solves (which may search neighbourhoods of their own) end.
            if us.len() < 2 || 2 * us.len() > nu || sub.pairs.is_empty() {
                continue;
            }
            let mut hasher = DefaultHasher::new();
            (&us, &hs, current).hash(&mut hasher);
            if !tried.insert(hasher.finish()) {
                continue;
            }
            stop.charge(1);
            let r = solve_component(&sub, &none, stop.heuristic(), None);
            if r.objective > current {
                for &u in &us {
                    plan.unplace(prob, u as usize);
                }
                for p in r.plan.iter().flatten() {
                    plan.place(prob, back[*p as usize] as usize);
                }
                improved = true;
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    improved
}

/// Best households of each unit (at most `UNIT_FANOUT`) and candidates of
/// each household (all), by reduced profit `c[u,h] − α_u`, ties by index:
/// the lists the neighbourhoods of [`improve`] grow from.
fn by_reduced_profit(prob: &Prob, alpha: &[i64]) -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
    let nu = prob.units();
    let nh = prob.households();
    let top_h: Vec<Vec<u32>> = (0..nu)
        .map(|u| {
            let mut v: Vec<(i64, u32)> = prob
                .upairs(u)
                .map(|pi| (-(prob.c[pi] - alpha[u]), prob.household_of(pi) as u32))
                .collect();
            v.sort_unstable();
            v.truncate(UNIT_FANOUT);
            v.into_iter().map(|x| x.1).collect()
        })
        .collect();
    let cand_u: Vec<Vec<u32>> = (0..nh)
        .map(|h| {
            let mut v: Vec<(i64, u32)> = prob
                .hpairs(h)
                .iter()
                .map(|&pi| {
                    let u = prob.unit_of(pi as usize);
                    (-(prob.c[pi as usize] - alpha[u]), u as u32)
                })
                .collect();
            v.sort_unstable();
            v.into_iter().map(|x| x.1).collect()
        })
        .collect();
    (top_h, cand_u)
}

/// The sub-instance of units `us` and households `hs` (both ascending) with
/// the pairs between them, and the original pair index of each sub pair.
pub(crate) fn sub_instance(prob: &Prob, us: &[u32], hs: &[u32]) -> (Instance, Vec<u32>) {
    let inst = prob.inst;
    let mut pairs = Vec::new();
    let mut back = Vec::new();
    for (lu, &u) in us.iter().enumerate() {
        for pi in prob.upairs(u as usize) {
            let p = inst.pairs[pi];
            if let Ok(lh) = hs.binary_search(&p.household) {
                pairs.push(Pair {
                    unit: lu as u32,
                    household: lh as u32,
                    ..p
                });
                back.push(pi as u32);
            }
        }
    }
    let sub = Instance {
        units: us.iter().map(|&u| inst.units[u as usize].clone()).collect(),
        households: hs
            .iter()
            .map(|&h| inst.households[h as usize].clone())
            .collect(),
        pairs,
        apart: Vec::new(),
    };
    (sub, back)
}
