//! Exact placement solver: Lagrangian household-pattern bound, certified in
//! integer arithmetic, with a forcing-loss branch-and-bound and, behind it,
//! branch-and-price to close the last gap.
//!
//! ## Method
//! The instance is split into the connected components of its candidate
//! graph ([`super::components`]); they are solved in parallel (rayon) and
//! merged in component order, so the plan does not depend on the number of
//! threads. For each component:
//!
//! 1. **Transportation LP** (`y = size·x`, household rules left out) by
//!    successive shortest paths ([`flow`]): exact LP duals `α` for "each unit
//!    at most once", and a first plan by rounding the flow.
//! 2. **Incumbent** `z`: the rounded flow, repaired against
//!    [`Household::allows`](super::Household::allows), greedily filled and
//!    improved by a local search (move / insert / eject one); later also
//!    from the Lagrangian household sets and, on dense components, by a
//!    large-neighbourhood search ([`lns`]: exact re-solves of neighbourhoods
//!    of 40–80 units with the rest of the plan fixed).
//! 3. **Bound**: relaxing "each unit at most once" with `α ≥ 0`,
//!
//!    ```text
//!    L(α) = Σ_u α_u + Σ_h K_h(α),   K_h(α) = max_{S allowed at h} Σ_{u∈S} (c[u,h] − α_u)
//!    ```
//!
//!    is an upper bound on every plan for every `α ≥ 0`. `K_h` is a tiny
//!    knapsack over states (size, developmental, non-exempt) that respects
//!    the household rule exactly. Multipliers are integers in `1/600` of a
//!    coefficient and `L` is recomputed exactly in `i64`, so the reported
//!    `bound = ⌊L(α)⌋` is proved. `α` starts at the LP duals and is improved
//!    by projected subgradient steps (Polyak step towards the incumbent).
//!    On dense components (≥ 100 eligible pairs per unit, like the Serbia
//!    fixture) the subgradient stalls short of `min L`; there, after 100
//!    iterations, [`dual`] solves `min_α L(α)` exactly as a linear program
//!    by cutting planes over household sets (microlp's simplex, box-step
//!    stabilised, `L` re-evaluated exactly at the rounded multipliers), and
//!    the primal of the pooled LP (the Dantzig–Wolfe master) gives a plan:
//!    its whole sets are kept and the rest re-solved exactly.
//! 4. **Proof**: if `z ≥ ⌊L⌋` the incumbent is optimal. Otherwise
//!    ([`bnb`]) pairs whose forcing loss exceeds `L − t − 1` are dropped, the
//!    rest split into components, and each is searched exactly by
//!    branch-and-bound with Lagrangian bounds: this returns either a plan
//!    better than `t`, which is then optimal, or proves that none exists.
//!    Targets `t` go from just below the bound down to `z` (each target
//!    proved empty lowers the bound), so the first searches keep only the
//!    near-zero-loss pairs.
//! 5. **Branch-and-price** ([`branch`]), when a search of step 4 runs out
//!    of nodes (a fractional, degenerate pattern LP: hundreds of zero-loss
//!    pairs that fixed multipliers cannot tell apart): the component is
//!    reduced to the pairs a plan better than `z` can use, split again, and
//!    each part is branched on the master LP's fractional pairs (placed
//!    there / not there), re-optimising the Lagrangian dual in every node
//!    from its parent's multipliers. Nodes are taken best bound first; the
//!    bound is the largest over the open nodes.
//!
//! `time_limit` stops the search and reports [`Status::TimeLimited`] with
//! the best plan and proved bound; `rel_gap > 0` stops as soon as
//! `bound − objective ≤ rel_gap · bound` ([`Status::WithinGap`]).
//! Nothing depends on time except when the time limit is actually hit.
//! `work_limit` stops it the same way after a number of deterministic
//! units of work ([`work`]: knapsack evaluations and search nodes), split
//! over the components in proportion to their eligible pairs: a plan
//! stopped by it is the same on every machine and for every number of
//! threads. [`Solution::stopped_by`] says which limit, if any, ended it.

mod bnb;
mod branch;
mod dual;
mod flow;
mod heuristic;
mod knapsack;
mod lns;
mod problem;
mod work;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use self::heuristic::Plan;
use self::problem::{Lagrange, Prob, SCALE, Scratch};
use self::work::Meter;
use super::components::connected_components;
use super::instance::{Assignment, Instance};

/// Solver parameters.
#[derive(Debug, Clone, Default)]
pub struct SolveOptions {
    /// Stop after this long (wall clock, whole instance) with the best plan
    /// and bound found so far.
    pub time_limit: Option<Duration>,
    /// Stop after this many units of work (whole instance): household
    /// knapsack evaluations of the bound and search nodes, counted the
    /// same on every machine and for any number of threads, so the plan it
    /// stops at is reproducible (see the README's *Placement plans*). With
    /// a time limit too, the first reached stops it.
    pub work_limit: Option<u64>,
    /// Relative gap at which to stop; `0.0` proves optimality.
    pub rel_gap: f64,
    /// Set to `true` (from any thread) to stop early, as if the time limit
    /// had been reached: the solve returns its best plan and proved bound
    /// with [`Status::TimeLimited`] (or better) within milliseconds.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// What ended a search (or a part of it): a proof, the gap, or one of the
/// limits. Ordered from the most to the least conclusive; a solve made of
/// several parts reports the last of its parts' in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StoppedBy {
    /// The plan is proved optimal.
    Proved,
    /// The relative gap was reached.
    Gap,
    /// A deterministic node limit of the proof search (or of the apart
    /// branching) was reached first.
    NodeLimit,
    /// The work limit was reached first (reproducible).
    WorkLimit,
    /// The time limit was reached first (depends on the machine).
    TimeLimit,
    /// The solve was cancelled.
    Cancelled,
}

impl StoppedBy {
    /// Stable name: `proved`, `gap`, `node_limit`, `work_limit`,
    /// `time_limit`, `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            StoppedBy::Proved => "proved",
            StoppedBy::Gap => "gap",
            StoppedBy::NodeLimit => "node_limit",
            StoppedBy::WorkLimit => "work_limit",
            StoppedBy::TimeLimit => "time_limit",
            StoppedBy::Cancelled => "cancelled",
        }
    }

    /// The variant named `s` by [`StoppedBy::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [
            StoppedBy::Proved,
            StoppedBy::Gap,
            StoppedBy::NodeLimit,
            StoppedBy::WorkLimit,
            StoppedBy::TimeLimit,
            StoppedBy::Cancelled,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for StoppedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When to stop searching: a deadline, a cancel flag and/or a work meter.
#[derive(Clone, Copy)]
pub(crate) struct Stop<'a> {
    deadline: Option<Instant>,
    cancel: Option<&'a AtomicBool>,
    /// The work budget of this thread of control ([`work`]).
    meter: Option<&'a Meter>,
    /// A heuristic re-solve (a neighbourhood, a master's residual, inside a
    /// branch-and-price node): its plan is used, its proof is not, so the
    /// proof step gets a small node limit and no branch-and-price fallback.
    heuristic: bool,
}

impl<'a> Stop<'a> {
    fn new(deadline: Option<Instant>, opts: &'a SolveOptions, meter: Option<&'a Meter>) -> Self {
        Stop {
            deadline,
            cancel: opts.cancel.as_deref(),
            meter,
            heuristic: false,
        }
    }
    /// The same stop, for a heuristic re-solve.
    pub(crate) fn heuristic(self) -> Self {
        Stop {
            heuristic: true,
            ..self
        }
    }
    /// Whether the solve was cancelled, the deadline has passed or the work
    /// budget is spent; the first of these found is recorded on the meter.
    pub(crate) fn now(&self) -> bool {
        let why = if self.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            StoppedBy::Cancelled
        } else if self.deadline.is_some_and(|d| Instant::now() >= d) {
            StoppedBy::TimeLimit
        } else if self.meter.is_some_and(Meter::exhausted) {
            StoppedBy::WorkLimit
        } else {
            return false;
        };
        if let Some(m) = self.meter {
            m.trip(why);
        }
        true
    }
    /// Counts `n` units of work.
    pub(crate) fn charge(&self, n: u64) {
        if let Some(m) = self.meter {
            m.charge(n);
        }
    }
    /// Meters for parallel parts of sizes `weights`, split from this
    /// stop's remaining budget ([`Meter::split`]); give part `i` the stop
    /// [`Stop::with`]`(&parts[i])` and [`Stop::absorb`] them afterwards.
    pub(crate) fn split(&self, weights: &[u64]) -> Vec<Meter> {
        match self.meter {
            Some(m) => m.split(weights),
            None => weights.iter().map(|_| Meter::new(None)).collect(),
        }
    }
    /// The same stop counting on `meter` (a part's own, from [`Stop::split`]).
    pub(crate) fn with<'b>(self, meter: &'b Meter) -> Stop<'b>
    where
        'a: 'b,
    {
        Stop {
            meter: Some(meter),
            ..self
        }
    }
    /// Adds the use of finished parts back (see [`Meter::absorb`]).
    pub(crate) fn absorb(&self, parts: &[Meter]) {
        if let Some(m) = self.meter {
            m.absorb(parts);
        }
    }
}

/// How far a result is proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// `objective == bound`: no better plan exists.
    Optimal,
    /// `bound − objective ≤ rel_gap · bound`.
    WithinGap,
    /// A limit was reached first — the time limit, the work limit or the
    /// proof search's node limit ([`Solution::stopped_by`] says which);
    /// `bound` is still a proved bound.
    TimeLimited,
}

/// What happened in one connected component.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentReport {
    /// Units in the component.
    pub units: usize,
    /// Households in the component.
    pub households: usize,
    /// Eligible pairs in the component.
    pub pairs: usize,
    /// Objective of the component's plan.
    pub objective: i64,
    /// Proved upper bound for the component.
    pub bound: i64,
    /// Proof status of the component.
    pub status: Status,
    /// Wall time spent on it, in milliseconds.
    pub millis: f64,
    /// How it was solved: `"single-unit"`, `"lagrangian-certified"` (the
    /// bound met the incumbent), `"lagrangian-branch-and-bound"` (the
    /// forcing-loss search closed the gap), `"branch-and-price"` (it ran
    /// out of nodes and branch-and-price closed the gap), `"lagrangian"`
    /// (stopped at the gap or a limit).
    pub method: &'static str,
    /// Units of work it used (see [`SolveOptions::work_limit`]).
    pub work: u64,
    /// What ended its search.
    pub stopped_by: StoppedBy,
}

/// A plan with its proof.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// The plan (always feasible).
    pub assignment: Assignment,
    /// Its objective.
    pub objective: i64,
    /// Proved upper bound on any plan's objective (`≥ objective`).
    pub bound: i64,
    /// Optimal iff `objective == bound`.
    pub status: Status,
    /// One report per connected component, by smallest unit index.
    pub components: Vec<ComponentReport>,
    /// Units of work used (see [`SolveOptions::work_limit`]).
    pub work: u64,
    /// What ended the search: [`StoppedBy::Proved`] when optimal,
    /// [`StoppedBy::Gap`] within the gap, otherwise the limit reached
    /// (the last in [`StoppedBy`]'s order over the components).
    pub stopped_by: StoppedBy,
    /// Final Lagrange multipliers, `1/600` of a coefficient, per unit.
    multipliers: Vec<i64>,
}

impl Solution {
    /// The final Lagrange multiplier of each unit (its "price": what the
    /// bound says placing it elsewhere is worth), in coefficient units.
    pub fn multipliers(&self) -> impl Iterator<Item = f64> + '_ {
        self.multipliers.iter().map(|&a| a as f64 / SCALE as f64)
    }
}

/// Solves `inst` exactly (see the module docs), components in parallel,
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
        let out_of_budget = if solves >= MAX_APART_BRANCHES {
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

/// Solves `inst` ignoring its `apart` pairs (the core method).
/// `warm`: multipliers per unit to start the bound from (when better than
/// the transportation LP's), e.g. a parent branch's.
fn solve_core(
    inst: &Instance,
    opts: &SolveOptions,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
    warm: Option<&[i64]>,
) -> Solution {
    let deadline = opts.time_limit.map(|d| Instant::now() + d);
    let comps = connected_components(inst);
    let total = comps.len();
    let done = AtomicUsize::new(0);
    // Each component gets its own share of the work limit, in proportion
    // to its eligible pairs, before any starts: no budget is raced.
    let meter = Meter::new(opts.work_limit);
    let weights: Vec<u64> = comps.iter().map(|c| c.pairs as u64).collect();
    let meters = meter.split(&weights);
    let results: Vec<(Vec<Option<u32>>, Vec<i64>, ComponentReport)> = comps
        .par_iter()
        .zip(&meters)
        .map(|(c, m)| {
            let t0 = Instant::now();
            let sub = c.sub_instance(inst);
            let w = warm.map(|w| c.units.iter().map(|&u| w[u as usize]).collect());
            let r = solve_component(&sub, opts, Stop::new(deadline, opts, Some(m)), w);
            let placed = r
                .plan
                .iter()
                .map(|p| p.map(|pi| sub.pairs[pi as usize].household))
                .collect();
            let report = ComponentReport {
                units: c.units.len(),
                households: c.households.len(),
                pairs: c.pairs,
                objective: r.objective,
                bound: r.bound,
                status: r.status,
                millis: t0.elapsed().as_secs_f64() * 1e3,
                method: r.method,
                work: m.used(),
                stopped_by: r.stopped_by,
            };
            if let Some(f) = progress {
                f(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            }
            (placed, r.alpha, report)
        })
        .collect();
    let mut assignment = Assignment {
        placed: vec![None; inst.units.len()],
    };
    let mut multipliers = vec![0i64; inst.units.len()];
    let mut components = Vec::with_capacity(total);
    for (c, (placed, alpha, report)) in comps.iter().zip(results) {
        c.write_back(&Assignment { placed }, &mut assignment);
        for (i, a) in alpha.into_iter().enumerate() {
            multipliers[c.units[i] as usize] = a;
        }
        components.push(report);
    }
    let objective = components.iter().map(|c| c.objective).sum();
    let bound = components.iter().map(|c| c.bound).sum();
    let status = components
        .iter()
        .map(|c| c.status)
        .max()
        .unwrap_or(Status::Optimal);
    let stopped_by = components
        .iter()
        .map(|c| c.stopped_by)
        .max()
        .unwrap_or(StoppedBy::Proved);
    Solution {
        assignment,
        objective,
        bound,
        status,
        work: meters.iter().map(Meter::used).sum(),
        stopped_by,
        components,
        multipliers,
    }
}

struct ComponentResult {
    plan: Vec<Option<u32>>,
    objective: i64,
    bound: i64,
    status: Status,
    stopped_by: StoppedBy,
    method: &'static str,
    alpha: Vec<i64>,
}

/// `warm`: starting multipliers per unit (see [`solve_core`]); with them a
/// dense component goes to the exact dual at once.
fn solve_component(
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
fn flow_plan(prob: &Prob) -> (Plan, Vec<i64>) {
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

/// The `n` largest of `sizes`, largest first (for trace lines).
pub(crate) fn largest(sizes: impl Iterator<Item = usize>, n: usize) -> Vec<usize> {
    let mut v: Vec<usize> = sizes.collect();
    v.sort_unstable_by(|a, b| b.cmp(a));
    v.truncate(n);
    v
}

/// Whether the solver's diagnostics (bound and incumbent over the
/// subgradient, neighbourhood search, proof-step reduction) are wanted: they
/// are `tracing` events at DEBUG level under `homeward::solve`, shown with
/// `RUST_LOG=homeward::solve=debug`. Guards diagnostics that cost work to
/// compute; the events themselves are filtered by the subscriber.
pub(crate) fn trace() -> bool {
    tracing::enabled!(tracing::Level::DEBUG)
}

/// Subgradient iteration at which dense components switch to the exact
/// dual ([`dual`]): the subgradient's multipliers centre its first box.
const DUAL_AT: usize = 100;
/// Units per large-neighbourhood re-solve.
const LNS_UNITS: usize = 40;
/// Components with at least this many eligible pairs per unit count as dense.
const LNS_DENSE_PAIRS_PER_UNIT: usize = 100;

fn gap_ok(z: i64, bound: i64, rel_gap: f64) -> bool {
    rel_gap > 0.0 && ((bound - z) as f64) <= rel_gap * (bound as f64)
}

/// Plan from the Lagrangian household sets: a unit chosen by several
/// households goes to its best coefficient; then repair, fill, improve.
fn plan_from_sets(prob: &Prob, lag: &Lagrange) -> Plan {
    let mut best: Vec<Option<(i64, u32)>> = vec![None; prob.units()];
    for (h, s) in lag.sel.iter().enumerate() {
        for &u in s {
            if let Some(pi) = prob.pair_index(u as usize, h) {
                let c = prob.inst.pairs[pi].coef;
                if best[u as usize].is_none_or(|b| c > b.0) {
                    best[u as usize] = Some((c, pi as u32));
                }
            }
        }
    }
    let mut plan = Plan::empty(prob);
    for (_, pi) in best.into_iter().flatten() {
        plan.place(prob, pi as usize);
    }
    plan.repair(prob);
    plan.fill(prob);
    plan.improve(prob, 2);
    let p2 = plan.reflow_singles(prob);
    if p2.value > plan.value { p2 } else { plan }
}

/// Projected subgradient with Polyak steps towards the incumbent; keeps the
/// best multipliers in `lag` and improves `plan` from the household sets.
fn subgradient(
    prob: &Prob,
    lag: &mut Lagrange,
    plan: &mut Plan,
    opts: &SolveOptions,
    stop: Stop<'_>,
    warmed: bool,
) {
    // Tuned on the random planner family and the Serbia fixture: patient
    // step halving (60 stalled iterations, down to λ = 1e-4) proves the
    // 20,000-child family optimal in ~3 s where faster halving stalled
    // short of the bound; the deadline and gap still stop it early.
    let max_iter = 20_000;
    let nu = prob.units();
    let mut af: Vec<f64> = lag.alpha.iter().map(|&a| a as f64).collect();
    let mut best_val = lag.value;
    let mut best_alpha = lag.alpha.clone();
    let mut lambda = 0.3f64;
    let stall_max = 60;
    let mut stall = 0;
    let mut g = vec![0i64; nu];
    let mut changes: Vec<(u32, i64)> = Vec::new();
    let (mut heur_at, mut heur_gap) = (10usize, 10usize);
    // Large-neighbourhood search for the incumbent, on dense components
    // only (many candidates per unit: near-ties over many households defeat
    // the one-unit local search; the Serbia fixture has ~390 pairs per
    // unit). Sparse ones (the random family, 30 per unit) are proved
    // without it, and it would only cost time there. At iterations 300,
    // 1200, 4800, … with growing neighbourhoods.
    let dense = prob.inst.pairs.len() >= LNS_DENSE_PAIRS_PER_UNIT * nu;
    let mut lns_at: usize = if dense { 300 } else { usize::MAX };
    let mut lns_units = LNS_UNITS;
    for it in 0..max_iter {
        if best_val.div_euclid(SCALE) <= plan.value
            || gap_ok(plan.value, best_val.div_euclid(SCALE), opts.rel_gap)
            || stop.now()
        {
            break;
        }
        let mut norm2 = 0i64;
        for u in 0..nu {
            let gi = 1 - i64::from(lag.count[u]);
            g[u] = if lag.alpha[u] == 0 && gi > 0 { 0 } else { gi };
            norm2 += g[u] * g[u];
        }

        if dense && it == if warmed { 0 } else { DUAL_AT } {
            // The exact dual by cutting planes, with incumbents from its
            // master LP (dense components: the subgradient stalls there).
            let t = Instant::now();
            tracing::debug!(
                bound = lag.value.div_euclid(SCALE),
                incumbent = plan.value,
                "dual lp start"
            );
            dual::minimise(prob, lag, plan, stop);
            tracing::debug!(
                bound = lag.value.div_euclid(SCALE),
                incumbent = plan.value,
                secs = t.elapsed().as_secs_f64(),
                "dual lp done"
            );
            if lag.value < best_val {
                best_val = lag.value;
                best_alpha.clone_from(&lag.alpha);
            }
            af = lag.alpha.iter().map(|&a| a as f64).collect();
            if best_val.div_euclid(SCALE) <= plan.value || stop.now() {
                break;
            }
        }
        if it == lns_at && prob.units() > 3 * LNS_UNITS {
            let t = Instant::now();
            lns::improve(prob, &lag.alpha, plan, lns_units, 3, stop);
            tracing::debug!(
                units = lns_units,
                incumbent = plan.value,
                secs = t.elapsed().as_secs_f64(),
                "lns"
            );
            lns_at = lns_at.saturating_mul(4);
            lns_units += LNS_UNITS / 2;
        }
        if norm2 == 0 || it == heur_at {
            heur_gap = (heur_gap * 4 / 3).min(100);
            heur_at += heur_gap;
            let p = plan_from_sets(prob, lag);
            if p.value > plan.value {
                *plan = p;
            }
            if norm2 == 0 {
                break;
            }
        }
        // Polyak step towards the incumbent (at least one coefficient unit).
        let step =
            lambda * ((lag.value - SCALE * plan.value) as f64).max(SCALE as f64) / norm2 as f64;
        changes.clear();
        for u in 0..nu {
            if g[u] != 0 {
                af[u] = (af[u] - step * g[u] as f64).max(0.0);
                let r = af[u].round() as i64;
                if r != lag.alpha[u] {
                    changes.push((u as u32, r));
                }
            }
        }
        stop.charge(1 + lag.update(prob, &changes) as u64);
        if it % 100 == 0 {
            tracing::debug!(
                it,
                bound = lag.value.div_euclid(SCALE),
                best_bound = best_val.div_euclid(SCALE),
                incumbent = plan.value,
                lambda,
                norm2,
                "subgradient"
            );
        }
        if lag.value < best_val {
            best_val = lag.value;
            best_alpha.clone_from(&lag.alpha);
            stall = 0;
        } else {
            stall += 1;
            if stall >= stall_max {
                lambda *= 0.5;
                stall = 0;
                if lambda < 1e-4 {
                    break;
                }
            }
        }
    }
    if lag.value != best_val {
        changes.clear();
        for u in 0..nu {
            if lag.alpha[u] != best_alpha[u] {
                changes.push((u as u32, best_alpha[u]));
            }
        }
        stop.charge(lag.update(prob, &changes) as u64);
    }
    let p = plan_from_sets(prob, lag);
    if p.value > plan.value {
        *plan = p;
    }
}

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
