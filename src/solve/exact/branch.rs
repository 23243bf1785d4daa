//! Branch-and-price: the proof step's fallback when the forcing-loss search
//! ([`bnb`]) runs out of nodes.
//!
//! That happens when the household-pattern LP is fractional and degenerate
//! (the Serbia fixture on some dates: a bound of …187.5 over hundreds of
//! zero-loss pairs), so fixed multipliers cannot tell the plans apart.
//! Here the multipliers are re-optimised after every branching decision:
//!
//! 1. **Reduce.** A plan better than the incumbent `z` uses only pairs
//!    whose forcing loss is at most `G = L(α) − (z + 1)` ([`bnb::kept_pairs`]),
//!    so the problem restricted to those pairs has the same plans above
//!    `z`. It splits into connected components, each solved exactly on its
//!    own (most are tiny).
//! 2. **Branch.** A node is the component with some pairs *fixed* (the unit
//!    placed there: it leaves the problem, the household keeps its place
//!    and rule state as `current`, `current_developmental`,
//!    `limit_always`) and some *forbidden*. Its bound is the exact
//!    Lagrangian dual ([`dual::minimise`], warm-started from the parent's
//!    multipliers, `L` evaluated in integers), its plans come from the
//!    rounded flow and the dual's master LP, and the forcing-loss search
//!    with a small node limit may close it at once. Otherwise it branches
//!    on the pair the master LP takes closest to one half: placed there /
//!    not placed there. Nodes are taken best bound first (ties by creation
//!    order), so the result does not depend on timing unless the time
//!    limit is hit.
//!
//! The proved bound is the largest bound over the open nodes of each
//! component, summed, and never below the best plan.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::component::flow_plan;
use super::heuristic::Plan;
use super::lns::sub_instance;
use super::problem::{Lagrange, Prob, SCALE};
use super::subgradient::plan_from_sets;
use super::{Stop, bnb, dual, largest, trace};
use crate::solve::components::connected_components;
use crate::solve::instance::{Instance, Pair};

/// Nodes evaluated per component before giving up (deterministic).
const MAX_NODES: usize = 400;
/// Forcing-loss search nodes per reduced component inside a node.
const NODE_SEARCH: u64 = 20_000;

/// Searches for a plan better than `z` (pair index per unit) and proves a
/// bound: `(Some(plan), bound)` when one is found (`bound` = its value
/// when it is optimal), `(None, bound)` otherwise (`bound = z` when `z` is
/// optimal).
pub(crate) fn solve(
    prob: &Prob,
    lag: &Lagrange,
    z: i64,
    stop: Stop<'_>,
) -> (Option<Vec<Option<u32>>>, i64) {
    solve_with(prob, lag, z, stop, Limits::DEFAULT)
}

/// Node limits of the search (tests lower them to force branching).
#[derive(Clone, Copy)]
struct Limits {
    /// Nodes evaluated per component before giving up.
    nodes: usize,
    /// Forcing-loss search nodes inside a node.
    search: u64,
}

impl Limits {
    const DEFAULT: Limits = Limits {
        nodes: MAX_NODES,
        search: NODE_SEARCH,
    };
}

fn solve_with(
    prob: &Prob,
    lag: &Lagrange,
    z: i64,
    stop: Stop<'_>,
    limits: Limits,
) -> (Option<Vec<Option<u32>>>, i64) {
    let g = lag.value - SCALE * (z + 1);
    if g < 0 {
        return (None, z);
    }
    let inst = prob.inst;
    stop.charge(prob.households() as u64);
    let mut kept: Vec<u32> = bnb::kept_pairs(prob, lag, g)
        .into_iter()
        .flatten()
        .map(|(pi, _)| pi)
        .collect();
    kept.sort_unstable();
    let reduced = Instance {
        units: inst.units.clone(),
        households: inst.households.clone(),
        pairs: kept.iter().map(|&pi| inst.pairs[pi as usize]).collect(),
        apart: Vec::new(),
    };
    let rprob = Prob::new(&reduced);
    let comps = connected_components(&reduced);
    if trace() {
        let sz = largest(comps.iter().map(|c| c.units.len()), 6);
        tracing::debug!(
            incumbent = z,
            target = g / SCALE,
            kept_pairs = kept.len(),
            components = comps.len(),
            largest = ?sz,
            "branch"
        );
    }
    // Each part branches on its own share of the work left.
    let weights: Vec<u64> = comps.iter().map(|c| c.pairs as u64).collect();
    let meters = stop.split(&weights);
    let results: Vec<(Outcome, &[u32])> = comps
        .par_iter()
        .zip(&meters)
        .map(|(c, m)| {
            let (sub, back) = sub_instance(&rprob, &c.units, &c.households);
            let warm = c.units.iter().map(|&u| lag.alpha[u as usize]).collect();
            let r = component(&sub, warm, stop.with(m), limits);
            let plan = r
                .plan
                .iter()
                .map(|p| p.map(|q| kept[back[q as usize] as usize]))
                .collect();
            (Outcome { plan, ..r }, &c.units[..])
        })
        .collect();
    stop.absorb(&meters);
    let mut plan = vec![None; prob.units()];
    let (mut value, mut bound) = (0i64, 0i64);
    for (r, units) in results {
        for (&u, q) in units.iter().zip(r.plan) {
            plan[u as usize] = q;
        }
        value += r.value;
        bound = bound.saturating_add(r.bound);
    }
    if value > z {
        (Some(plan), bound.max(value))
    } else {
        (None, bound.max(z))
    }
}

/// A component's best plan (pair of the component per unit), its value and
/// proved bound.
struct Outcome {
    plan: Vec<Option<u32>>,
    value: i64,
    bound: i64,
}

/// A node: pairs fixed and forbidden (component indices), the parent's
/// bound and multipliers (per component unit).
struct Node {
    bound: i64,
    id: usize,
    fixed: Vec<u32>,
    off: Vec<u32>,
    alpha: Vec<i64>,
}

impl Ord for Node {
    fn cmp(&self, o: &Self) -> Ordering {
        self.bound.cmp(&o.bound).then(o.id.cmp(&self.id))
    }
}
impl PartialOrd for Node {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl PartialEq for Node {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Node {}

/// Best-bound-first branch-and-price on one component (no apart links).
fn component(inst: &Instance, warm: Vec<i64>, stop: Stop<'_>, limits: Limits) -> Outcome {
    let root = Lagrange::new(&Prob::new(inst), warm);
    stop.charge(inst.households.len() as u64);
    let mut best = Outcome {
        plan: vec![None; inst.units.len()],
        value: 0,
        bound: 0,
    };
    let mut heap = BinaryHeap::new();
    heap.push(Node {
        bound: root.value.div_euclid(SCALE),
        id: 0,
        fixed: Vec::new(),
        off: Vec::new(),
        alpha: root.alpha,
    });
    let (mut ids, mut evaluated) = (1usize, 0usize);
    // Largest bound of a node dropped without being settled.
    let mut open = i64::MIN;
    while let Some(node) = heap.pop() {
        if node.bound <= best.value {
            heap.clear();
            break;
        }
        if stop.now() || evaluated >= limits.nodes {
            heap.push(node);
            break;
        }
        evaluated += 1;
        stop.charge(1);
        let r = restrict(inst, &node.fixed, &node.off);
        let take = |pairs: &[Option<u32>], value: i64, best: &mut Outcome| {
            if value > best.value {
                best.value = value;
                best.plan = vec![None; inst.units.len()];
                for &pi in &node.fixed {
                    best.plan[inst.pairs[pi as usize].unit as usize] = Some(pi);
                }
                for (i, p) in pairs.iter().enumerate() {
                    if let Some(q) = p {
                        best.plan[r.units[i] as usize] = Some(r.back[*q as usize]);
                    }
                }
            }
        };
        if r.inst.pairs.is_empty() {
            // Nothing left to place: the fixed pairs are the node's plan.
            take(&[], r.constant, &mut best);
            continue;
        }
        let prob = Prob::new(&r.inst);
        let warm: Vec<i64> = r.units.iter().map(|&u| node.alpha[u as usize]).collect();
        let (lag, plan, fractional) = evaluate(&prob, warm, stop);
        take(&plan.pair, r.constant + plan.value, &mut best);
        let nb = (r.constant + lag.value.div_euclid(SCALE)).min(node.bound);
        if nb <= best.value {
            continue;
        }
        match bnb::prove(&prob, &lag, best.value - r.constant, stop, limits.search) {
            Ok(None) => continue,
            Ok(Some(pairs)) => {
                let v: i64 = pairs
                    .iter()
                    .flatten()
                    .map(|&pi| r.inst.pairs[pi as usize].coef)
                    .sum();
                take(&pairs, r.constant + v, &mut best);
                continue;
            }
            Err(bnb::TimeUp) => {}
        }
        let Some(pi) = branching_pair(&prob, &lag, &fractional) else {
            open = open.max(nb);
            continue;
        };
        let pi = r.back[pi as usize];
        let mut alpha = node.alpha.clone();
        for (i, &u) in r.units.iter().enumerate() {
            alpha[u as usize] = lag.alpha[i];
        }
        let mut fixed = node.fixed.clone();
        fixed.push(pi);
        let mut off = node.off.clone();
        off.push(pi);
        heap.push(Node {
            bound: nb,
            id: ids,
            fixed,
            off: node.off.clone(),
            alpha: alpha.clone(),
        });
        heap.push(Node {
            bound: nb,
            id: ids + 1,
            fixed: node.fixed.clone(),
            off,
            alpha,
        });
        ids += 2;
    }
    let left = heap.iter().map(|n| n.bound).max().unwrap_or(i64::MIN);
    best.bound = left.max(open).max(best.value);
    if trace() && inst.units.len() > 20 {
        tracing::debug!(
            units = inst.units.len(),
            value = best.value,
            bound = best.bound,
            nodes = evaluated,
            "branch component"
        );
    }
    best
}

/// Bound, plan and the master LP's fractional pairs of one node.
fn evaluate(prob: &Prob, warm: Vec<i64>, stop: Stop<'_>) -> (Lagrange, Plan, dual::Fractional) {
    let (mut plan, alpha) = flow_plan(prob);
    let mut lag = Lagrange::new(prob, alpha);
    let w = Lagrange::new(prob, warm);
    stop.charge(2 * prob.households() as u64);
    if w.value < lag.value {
        lag = w;
    }
    let mut fractional = Vec::new();
    if lag.value.div_euclid(SCALE) > plan.value {
        plan.improve(prob, 4);
        fractional = dual::minimise(prob, &mut lag, &mut plan, stop.heuristic());
        let p = plan_from_sets(prob, &lag);
        if p.value > plan.value {
            plan = p;
        }
    }
    (lag, plan, fractional)
}

/// The pair to branch on: the master LP's most fractional pair (ties: the
/// larger coefficient, then the lower index); failing that (the master was
/// integral or not solved), a unit the household sets take more than once,
/// at its best such household; failing that, the best pair of a unit the
/// sets leave out although its multiplier is positive; failing that, the
/// best pair. Each branch removes the pair (forbidden) or its unit (fixed),
/// so the tree is finite and exact whatever the choice. `None` only
/// without pairs.
fn branching_pair(prob: &Prob, lag: &Lagrange, fractional: &[(u32, f64)]) -> Option<u32> {
    let best_of = |pairs: &mut dyn Iterator<Item = usize>| {
        pairs
            .max_by_key(|&pi| (prob.c[pi], std::cmp::Reverse(pi)))
            .map(|pi| pi as u32)
    };
    let by_lp = fractional
        .iter()
        .map(|&(pi, x)| {
            let d = ((x - 0.5).abs() * 1e6).round() as i64;
            (d, std::cmp::Reverse(prob.c[pi as usize]), pi)
        })
        .min()
        .map(|t| t.2);
    by_lp
        .or_else(|| {
            best_of(
                &mut (0..prob.households())
                    .flat_map(|h| lag.sel[h].iter().map(move |&u| (u, h)))
                    .filter(|&(u, _)| lag.count[u as usize] >= 2)
                    .filter_map(|(u, h)| prob.pair_index(u as usize, h)),
            )
        })
        .or_else(|| {
            best_of(
                &mut (0..prob.units())
                    .filter(|&u| lag.count[u] == 0 && lag.alpha[u] > 0)
                    .flat_map(|u| prob.upairs(u)),
            )
        })
        .or_else(|| best_of(&mut (0..prob.c.len())))
}

/// A node's problem: the component with `fixed` pairs placed and `off`
/// pairs forbidden, without the units fixed and without pairs or
/// households left unusable.
struct Restricted {
    inst: Instance,
    /// Component unit of each node unit.
    units: Vec<u32>,
    /// Component pair of each node pair.
    back: Vec<u32>,
    /// Value of the fixed pairs.
    constant: i64,
}

fn restrict(inst: &Instance, fixed: &[u32], off: &[u32]) -> Restricted {
    let mut households = inst.households.clone();
    let mut gone = vec![false; inst.units.len()];
    let mut constant = 0;
    for &pi in fixed {
        let p = inst.pairs[pi as usize];
        let u = &inst.units[p.unit as usize];
        let h = &mut households[p.household as usize];
        h.capacity -= u.size;
        h.current += u.size;
        h.current_developmental |= u.developmental;
        h.limit_always |= !u.exempt;
        gone[p.unit as usize] = true;
        constant += p.coef;
    }
    let mut forbidden = vec![false; inst.pairs.len()];
    for &pi in off {
        forbidden[pi as usize] = true;
    }
    let keep: Vec<usize> = (0..inst.pairs.len())
        .filter(|&pi| {
            let p = inst.pairs[pi];
            !forbidden[pi]
                && !gone[p.unit as usize]
                && households[p.household as usize].allows([&inst.units[p.unit as usize]])
        })
        .collect();
    let mut unit_map = vec![u32::MAX; inst.units.len()];
    let mut house_map = vec![u32::MAX; households.len()];
    let (mut units, mut hs) = (Vec::new(), Vec::new());
    for &pi in &keep {
        let p = inst.pairs[pi];
        if unit_map[p.unit as usize] == u32::MAX {
            unit_map[p.unit as usize] = units.len() as u32;
            units.push(p.unit);
        }
        if house_map[p.household as usize] == u32::MAX {
            house_map[p.household as usize] = 0;
            hs.push(p.household);
        }
    }
    hs.sort_unstable();
    for (j, &h) in hs.iter().enumerate() {
        house_map[h as usize] = j as u32;
    }
    let pairs = keep
        .iter()
        .map(|&pi| {
            let p = inst.pairs[pi];
            Pair {
                unit: unit_map[p.unit as usize],
                household: house_map[p.household as usize],
                ..p
            }
        })
        .collect();
    Restricted {
        inst: Instance {
            units: units
                .iter()
                .map(|&u| inst.units[u as usize].clone())
                .collect(),
            households: hs.iter().map(|&h| households[h as usize].clone()).collect(),
            pairs,
            apart: Vec::new(),
        },
        units,
        back: keep.into_iter().map(|pi| pi as u32).collect(),
        constant,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{SolveOptions, flow};
    use super::*;
    use crate::solve::instance::{Household, Unit};
    use crate::synth::instances::random_dense_instance;

    /// Best plan value by enumeration (each unit: unplaced or one of its pairs).
    fn brute(inst: &Instance) -> i64 {
        fn go(inst: &Instance, u: usize, at: &mut Vec<Vec<usize>>) -> i64 {
            if u == inst.units.len() {
                return 0;
            }
            let mut best = go(inst, u + 1, at);
            for p in inst.pairs.iter().filter(|p| p.unit as usize == u) {
                let h = p.household as usize;
                at[h].push(u);
                if inst.households[h].allows(at[h].iter().map(|&v| &inst.units[v])) {
                    best = best.max(p.coef + go(inst, u + 1, at));
                }
                at[h].pop();
            }
            best
        }
        go(inst, 0, &mut vec![Vec::new(); inst.households.len()])
    }

    /// The value of a plan (pair per unit), after checking it is feasible.
    fn feasible_value(inst: &Instance, plan: &[Option<u32>]) -> i64 {
        let mut at = vec![Vec::new(); inst.households.len()];
        let mut value = 0;
        for (u, p) in plan.iter().enumerate() {
            if let Some(pi) = p {
                let p = inst.pairs[*pi as usize];
                assert_eq!(p.unit as usize, u, "pair of another unit");
                at[p.household as usize].push(&inst.units[u]);
                value += p.coef;
            }
        }
        for (h, us) in at.iter().enumerate() {
            assert!(
                inst.households[h].allows(us.iter().copied()),
                "household {h}"
            );
        }
        value
    }

    /// A small dense near-tie instance without apart links, and its optimum.
    fn small_dense(seed: u64) -> (Instance, i64) {
        let mut inst = random_dense_instance(7, 4, 0.7, seed);
        inst.apart.clear();
        let best = brute(&inst);
        (inst, best)
    }

    fn run(inst: &Instance, z: i64, limits: Limits) -> (Option<Vec<Option<u32>>>, i64) {
        let opts = SolveOptions::default();
        let prob = Prob::new(inst);
        let fl = flow::transport(&prob);
        let lag = Lagrange::new(&prob, fl.alpha);
        solve_with(&prob, &lag, z, Stop::new(None, &opts, None), limits)
    }

    /// Branching is forced (no forcing-loss search inside nodes) on dense
    /// near-tie instances, whose pattern LP is often fractional: the plan
    /// found is feasible, optimal, and the bound proves it.
    #[test]
    fn finds_and_proves_the_brute_force_optimum_by_branching() {
        let forced = Limits {
            nodes: 10_000,
            search: 0,
        };
        for seed in 0..24 {
            let (inst, best) = small_dense(seed);
            let (plan, bound) = run(&inst, 0, forced);
            let plan = plan.unwrap_or_else(|| panic!("seed {seed}: no plan above 0"));
            assert_eq!(feasible_value(&inst, &plan), best, "seed {seed}");
            assert_eq!(bound, best, "seed {seed}");
            // At the optimum nothing better exists, and the bound says so.
            assert_eq!(run(&inst, best, forced), (None, best), "seed {seed}");
            // Just below it the optimum is found again.
            let (again, b) = run(&inst, best - 1, forced);
            assert_eq!(again.map(|p| feasible_value(&inst, &p)), Some(best));
            assert_eq!(b, best);
            // With the default limits too, and the same plan each time.
            let (p1, b1) = run(&inst, 0, Limits::DEFAULT);
            assert_eq!(b1, best, "seed {seed}");
            assert_eq!(p1, run(&inst, 0, Limits::DEFAULT).0, "seed {seed}");
        }
    }

    /// Out of nodes, the bound stays a bound: at least the optimum.
    #[test]
    fn a_node_limit_leaves_a_valid_bound() {
        let tight = Limits {
            nodes: 1,
            search: 0,
        };
        for seed in 0..12 {
            let (inst, best) = small_dense(seed);
            let (plan, bound) = run(&inst, 0, tight);
            assert!(bound >= best, "seed {seed}: bound {bound} < {best}");
            if let Some(p) = plan {
                assert!(feasible_value(&inst, &p) <= best);
            }
        }
    }

    /// A fixed pair leaves its household in the state `Household::allows`
    /// sees with the fixed unit present: for every household variant, fixed
    /// unit and set of other units, the node's household allows the set
    /// exactly when the original allows it with the fixed unit.
    #[test]
    fn restrict_keeps_the_household_rules_of_a_fixed_pair() {
        let kinds: Vec<Unit> = [
            (1, false, false),
            (1, true, false),
            (2, false, true),
            (2, true, true),
        ]
        .into_iter()
        .map(|(size, developmental, exempt)| Unit {
            size,
            value: 100,
            developmental,
            exempt,
        })
        .collect();
        let mut checked = 0;
        for capacity in 1..=4u8 {
            for current in 0..=1u8 {
                for bits in 0..8u8 {
                    let h = Household {
                        capacity,
                        current,
                        current_developmental: bits & 1 != 0,
                        limit: (bits & 2 != 0).then_some(3),
                        limit_developmental: Some(2),
                        limit_always: bits & 4 != 0,
                    };
                    for fixed in &kinds {
                        if !h.allows([fixed]) {
                            continue;
                        }
                        let units: Vec<Unit> = std::iter::once(fixed.clone())
                            .chain(kinds.iter().cloned())
                            .collect();
                        let inst = Instance {
                            pairs: (0..units.len() as u32)
                                .map(|u| Pair {
                                    unit: u,
                                    household: 0,
                                    score: 0,
                                    coef: 100,
                                })
                                .collect(),
                            units,
                            households: vec![h.clone()],
                            apart: Vec::new(),
                        };
                        let r = restrict(&inst, &[0], &[]);
                        assert_eq!(r.constant, 100);
                        assert!(!r.units.contains(&0), "the fixed unit leaves");
                        for set in 0u32..16 {
                            let others: Vec<usize> =
                                (1..5).filter(|&u| set & (1 << (u - 1)) != 0).collect();
                            let with_fixed = inst.households[0].allows(
                                std::iter::once(0)
                                    .chain(others.clone())
                                    .map(|u| &inst.units[u]),
                            );
                            let node = others.is_empty()
                                || others.iter().all(|&u| r.units.contains(&(u as u32)))
                                    && r.inst.households.first().is_some_and(|nh| {
                                        nh.allows(others.iter().map(|&u| &inst.units[u]))
                                    });
                            assert_eq!(node, with_fixed, "{h:?} fixed {fixed:?} others {others:?}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 500);
    }
}
