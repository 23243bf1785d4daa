//! One connected component, steps 1–5 of the [method](super) in order: the
//! transportation LP's duals and first plan ([`flow_plan`]), the bound by
//! subgradient ([`subgradient`]), and, while `z < ⌊L(α)⌋`, the proof by
//! forcing-loss branch-and-bound against deepening targets
//! ([`prove_deepening`]) and, when that runs out of nodes, branch-and-price
//! ([`branch`]).
//!
//! The reported bound is always a proved one: `⌊L(α)⌋` at integer
//! multipliers, lowered only by targets proved empty, and equal to the
//! objective once a proof closes the gap.

use super::bnb;
use super::branch;
use super::flow;
use super::heuristic::Plan;
use super::problem::{Lagrange, Prob, SCALE};
use super::stop::{Stop, gap_ok};
use super::subgradient::subgradient;
use super::types::{SolveOptions, Status, StoppedBy};
use super::work::Meter;
use crate::solve::instance::Instance;

/// One component's plan (a pair index per unit), its proof and final
/// multipliers.
pub(super) struct ComponentResult {
    pub(super) plan: Vec<Option<u32>>,
    pub(super) objective: i64,
    pub(super) bound: i64,
    pub(super) status: Status,
    pub(super) stopped_by: StoppedBy,
    pub(super) method: &'static str,
    pub(super) alpha: Vec<i64>,
}

/// `warm`: starting multipliers per unit (see [`solve_core`](super::parallel::solve_core)); with them a
/// dense component goes to the exact dual at once.
pub(super) fn solve_component(
    inst: &Instance,
    opts: &SolveOptions,
    stop: Stop<'_>,
    warm: Option<Vec<i64>>,
) -> ComponentResult {
    let prob = Prob::new(inst);
    if prob.units() == 1 {
        // Every pair is allowed alone: take the best (lowest household on ties).
        let best =
            (0..inst.pairs.len()).max_by_key(|&i| (inst.pairs[i].coef, std::cmp::Reverse(i)));
        let value = best.map_or(0, |i| inst.pairs[i].coef.max(0));
        let plan = vec![best.filter(|&i| inst.pairs[i].coef > 0).map(|i| i as u32)];
        return ComponentResult {
            plan,
            objective: value,
            bound: value,
            status: Status::Optimal,
            stopped_by: StoppedBy::Proved,
            method: "single-unit",
            alpha: vec![value * SCALE],
        };
    }
    let (mut plan, alpha) = flow_plan(&prob);
    let mut lag = Lagrange::new(&prob, alpha);
    stop.charge(prob.households() as u64);
    let mut warmed = false;
    if let Some(w) = warm.map(|w| Lagrange::new(&prob, w)) {
        stop.charge(prob.households() as u64);
        if w.value < lag.value {
            lag = w;
            warmed = true;
        }
    }
    // Without split sibling groups the rounded flow is often already
    // certified (pure assignment: the LP is integral).
    if lag.value.div_euclid(SCALE) > plan.value {
        plan.improve(&prob, 4);
        let p2 = plan.reflow_singles(&prob);
        if p2.value > plan.value {
            plan = p2;
        }
        subgradient(&prob, &mut lag, &mut plan, opts, stop, warmed);
    }
    let mut bound = lag.value.div_euclid(SCALE);
    let (mut status, mut method) = (Status::Optimal, "lagrangian-certified");
    if bound > plan.value {
        method = "lagrangian";
        if gap_ok(plan.value, bound, opts.rel_gap) {
            status = Status::WithinGap;
        } else if stop.now() {
            status = Status::TimeLimited;
        } else {
            let (better, proved) = prove_deepening(&prob, &lag, plan.value, bound, stop);
            bound = proved;
            if let Some(pairs) = better {
                let mut p = Plan::empty(&prob);
                for pi in pairs.into_iter().flatten() {
                    p.place(&prob, pi as usize);
                }
                plan = p;
                bound = plan.value;
            }
            if bound > plan.value && !stop.heuristic && !stop.now() {
                // The forcing-loss search ran out of nodes: re-optimise the
                // multipliers along the branches instead.
                let (better, proved) = branch::solve(&prob, &lag, plan.value, stop);
                if let Some(pairs) = better {
                    let mut p = Plan::empty(&prob);
                    for pi in pairs.into_iter().flatten() {
                        p.place(&prob, pi as usize);
                    }
                    plan = p;
                }
                bound = bound.min(proved).max(plan.value);
                if bound <= plan.value {
                    method = "branch-and-price";
                }
            }
            if bound <= plan.value {
                bound = plan.value;
                if method == "lagrangian" {
                    method = "lagrangian-branch-and-bound";
                }
            } else {
                status = if gap_ok(plan.value, bound, opts.rel_gap) {
                    Status::WithinGap
                } else {
                    Status::TimeLimited
                };
            }
        }
    } else {
        bound = plan.value;
    }
    let stopped_by = match status {
        Status::Optimal => StoppedBy::Proved,
        Status::WithinGap => StoppedBy::Gap,
        // A limit recorded as reached ends every later step; without one,
        // a node limit cut the proof short.
        Status::TimeLimited => stop
            .meter
            .and_then(Meter::tripped)
            .unwrap_or(StoppedBy::NodeLimit),
    };
    ComponentResult {
        plan: plan.pair,
        objective: plan.value,
        bound,
        status,
        stopped_by,
        method,
        alpha: lag.alpha,
    }
}

/// The transportation LP's duals and a first plan from its flow: the units
/// the flow places whole, repaired against the household rules and
/// greedily filled.
pub(super) fn flow_plan(prob: &Prob) -> (Plan, Vec<i64>) {
    let fl = flow::transport(prob);
    let mut plan = Plan::empty(prob);
    for (pi, &y) in fl.y.iter().enumerate() {
        let u = prob.unit_of(pi);
        if y == i32::from(prob.size[u]) && prob.c[pi] > 0 {
            plan.place(prob, pi);
        }
    }
    plan.repair(prob);
    plan.fill(prob);
    (plan, fl.alpha)
}

/// The proof step ([`bnb::prove`]) against targets from just below the
/// bound down to the incumbent `z`: a search for a plan better than `t`
/// keeps only pairs whose forcing loss is below `L − t − 1`, so targets
/// close to the bound search tiny reduced problems. A plan found is optimal
/// (nothing exceeds a plan found above a proved-empty target); each target
/// proved empty lowers the bound to it. Returns the better plan, if any,
/// and the proved bound (`z` when the incumbent is optimal).
fn prove_deepening(
    prob: &Prob,
    lag: &Lagrange,
    z: i64,
    bound: i64,
    stop: Stop<'_>,
) -> (Option<Vec<Option<u32>>>, i64) {
    let mut bound = bound;
    let mut step = 0i64;
    loop {
        let target = (bound - 1 - step).max(z);
        let limit = if stop.heuristic {
            bnb::HEURISTIC_NODE_LIMIT
        } else {
            bnb::NODE_LIMIT
        };
        match bnb::prove(prob, lag, target, stop, limit) {
            Ok(Some(pairs)) => return (Some(pairs), bound),
            Ok(None) => {
                bound = target;
                if target == z {
                    return (None, z);
                }
            }
            Err(bnb::TimeUp) => return (None, bound),
        }
        if stop.now() {
            return (None, bound);
        }
        step = if step == 0 { DEEPEN_FIRST } else { step * 4 };
    }
}

/// First step below the bound of [`prove_deepening`] after the bound itself.
const DEEPEN_FIRST: i64 = 16;
