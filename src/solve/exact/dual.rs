//! The Lagrangian dual solved exactly, by cutting planes over household sets
//! (column generation seen from the dual side).
//!
//! `min_α L(α)` is the linear program
//!
//! ```text
//! min Σ_u α_u + Σ_h β_h
//!   s.t. β_h + Σ_{u∈S} α_u ≥ Σ_{u∈S} c[u,h]   for every set S allowed at h
//!        α, β ≥ 0
//! ```
//!
//! (`β_h` plays `K_h(α)`); its optimum is the Dantzig–Wolfe bound over
//! household patterns. The subgradient method approaches it slowly on dense
//! components (hundreds of candidate households per unit, many near ties),
//! where the last few thousandths of the gap are what the proof step needs.
//! Here the LP is solved over a growing pool of sets with the pure-Rust
//! simplex of `microlp`: start from the households' current best sets, the
//! incumbent's sets and each household's best single candidates; solve;
//! round `α` to the `1/SCALE` grid and evaluate `L(α)` exactly with the
//! household knapsacks (so the bound stays a proof whatever the LP's
//! floating-point error); every household whose knapsack value exceeds its
//! `β_h` contributes its best set (and its most violated single candidates)
//! as new constraints; repeat until nothing is violated. The pool and the
//! order of constraints are deterministic.

use std::collections::HashSet;

use microlp::{ComparisonOp, OptimizationDirection, Problem, Variable};

use super::component::solve_component;
use super::heuristic::Plan;
use super::lns::sub_instance;
use super::problem::{Lagrange, Prob, SCALE};
use super::{SolveOptions, Stop};

/// Single candidates per household put into the first pool, by reduced
/// profit at the starting multipliers.
const FIRST_SINGLES: usize = 8;
/// Most violated single candidates added per household and round.
const ROUND_SINGLES: usize = 4;
/// Half-width of the first box around the multipliers, in coefficient units.
const BOX_START: f64 = 600.0;
/// Largest half-width of the box, in coefficient units (the first box is
/// doubled up to this while the box binds).
const BOX_MAX: f64 = 4800.0;
/// Up to this many new cuts are added to the solved LP; more, and it is
/// rebuilt.
const WARM_CUTS: usize = 200;
/// Rounds before giving up (each adds every violated household's set).
const MAX_ROUNDS: usize = 60;

/// A constraint of the pool: household and ascending units.
pub(crate) type Cut = (u32, Vec<u32>);

/// The pairs a master LP takes fractionally, with their values `x[u,h]`,
/// by pair.
pub(crate) type Fractional = Vec<(u32, f64)>;

/// Moves `lag` to (the `1/SCALE` grid point nearest) the exact minimiser
/// of `L`, if it finds a lower `L` than `lag`'s, and improves `plan` from
/// the LP's primal ([`master_plan`]) whenever the LP has converged within
/// its box. Stops early (keeping the best multipliers seen) at `stop` or
/// when `L` reaches the incumbent's value. Returns the pairs the last
/// master LP takes fractionally, with their values `x[u,h]` (branching
/// candidates for [`super::branch`]; empty when no master was solved or
/// its solution is integral).
pub(crate) fn minimise(
    prob: &Prob,
    lag: &mut Lagrange,
    plan: &mut Plan,
    stop: Stop<'_>,
) -> Fractional {
    let nu = prob.units();
    let nh = prob.households();
    let mut seen: HashSet<Cut> = HashSet::new();
    let mut pool: Vec<Cut> = Vec::new();
    let mut push = |h: usize, mut units: Vec<u32>, pool: &mut Vec<Cut>| {
        if units.is_empty() {
            return;
        }
        units.sort_unstable();
        let cut = (h as u32, units);
        if seen.insert(cut.clone()) {
            pool.push(cut);
        }
    };
    for h in 0..nh {
        push(h, lag.sel[h].clone(), &mut pool);
        push(h, plan.at[h].clone(), &mut pool);
        for u in best_singles(prob, h, &lag.alpha, i64::MIN, FIRST_SINGLES) {
            push(h, vec![u], &mut pool);
        }
    }
    let mut best_value = lag.value;
    let mut best_alpha = lag.alpha.clone();
    let mut delta = BOX_START * SCALE as f64;
    // The LP restricted to a box around a centre (box-step stabilisation:
    // without it the cutting planes jump between far-apart degenerate
    // vertices). New cuts are added to the solved LP (dual simplex warm
    // start); the box moves, and the LP is rebuilt, only when nothing is
    // violated but the box binds.
    let mut lp: Option<Lp> = None;
    let mut fresh = 0;
    let mut master_at = usize::MAX;
    // The master is solved at most twice: when the LP first converges
    // within its box, and at the end if the pool grew since and the plan
    // is still below the first master's value (rounded down; a plan there
    // cannot improve from a master over a slightly larger pool).
    let mut master_lp = i64::MAX;
    let mut fractional = Vec::new();
    for round in 0..MAX_ROUNDS {
        if stop.now() || best_value.div_euclid(SCALE) <= plan.value {
            break;
        }
        let t = std::time::Instant::now();
        // Many new cuts: rebuilding is faster than re-optimising after each.
        let warm = lp
            .take()
            .filter(|_| pool.len() - fresh <= WARM_CUTS)
            .and_then(|l| l.add_cuts(prob, &pool[fresh..]));
        let current = match warm {
            Some(l) => l,
            None => {
                let bounds = box_bounds(&best_alpha, delta);
                match Lp::build(prob, nh, &bounds, &pool) {
                    Some(l) => l,
                    None => break,
                }
            }
        };
        fresh = pool.len();
        let (alpha, beta) = current.values();
        let lp_value = current.objective();
        let lp_secs = t.elapsed().as_secs_f64();
        let mut at_box = 0usize;
        let changes: Vec<(u32, i64)> = alpha
            .iter()
            .enumerate()
            .filter_map(|(u, &a)| {
                let (lo, hi) = current.bounds[u];
                if (a - hi).abs() < 1e-6 || (lo > 0.0 && (a - lo).abs() < 1e-6) {
                    at_box += 1;
                }
                let a = (a * SCALE as f64).round().max(0.0) as i64;
                (a != lag.alpha[u]).then_some((u as u32, a))
            })
            .collect();
        // The round's work: its LP (grows with the households) and the
        // households re-evaluated at the rounded multipliers.
        stop.charge(1 + nh as u64 + lag.update(prob, &changes) as u64);
        if lag.value < best_value {
            best_value = lag.value;
            best_alpha.clone_from(&lag.alpha);
        }
        tracing::debug!(
            round,
            cuts = pool.len(),
            lp = lp_value,
            lp_secs,
            bound = lag.value as f64 / SCALE as f64,
            best_bound = best_value.div_euclid(SCALE),
            box_width = delta / SCALE as f64,
            at_box,
            incumbent = plan.value,
            "dual lp round"
        );
        // Separation at the rounded multipliers: a household whose best set
        // is worth more than its β.
        for h in 0..nh {
            let b = (beta[h] * SCALE as f64).round() as i64;
            if lag.k[h] > b + 1 {
                push(h, lag.sel[h].clone(), &mut pool);
                for u in best_singles(prob, h, &lag.alpha, b + 1, ROUND_SINGLES) {
                    push(h, vec![u], &mut pool);
                }
            }
        }
        // The LP value is a lower bound on `L` within the box: once the
        // best `L` meets it, only a larger box could still help.
        let converged = (best_value as f64) <= (lp_value + 1.0) * SCALE as f64;
        if pool.len() == fresh || converged {
            // Converged within the box: an incumbent from the master may
            // already meet the bound (then the box's other vertices do not
            // matter).
            if master_at == usize::MAX && plan.value < master_lp {
                master_at = pool.len();
                (master_lp, fractional) = improve_from_master(prob, &pool, plan, stop);
            }
            if at_box == 0
                || delta >= BOX_MAX * SCALE as f64
                || best_value.div_euclid(SCALE) <= plan.value
            {
                break;
            }
            delta *= 2.0;
            fresh = 0; // rebuild around the best multipliers
        } else {
            lp = Some(current);
        }
    }
    if master_at != pool.len() && plan.value < master_lp && !stop.now() {
        fractional = improve_from_master(prob, &pool, plan, stop).1;
    }
    if lag.value != best_value {
        let changes: Vec<(u32, i64)> = (0..nu)
            .filter(|&u| lag.alpha[u] != best_alpha[u])
            .map(|u| (u as u32, best_alpha[u]))
            .collect();
        stop.charge(lag.update(prob, &changes) as u64);
    }
    fractional
}

/// The box of the stabilised LP: `α_u ∈ [max(0, a_u − δ), a_u + δ]` around
/// the centre `a` (both in `1/SCALE` units), in coefficient units.
fn box_bounds(centre: &[i64], delta: f64) -> Vec<(f64, f64)> {
    centre
        .iter()
        .map(|&a| {
            let a = a as f64;
            (
                ((a - delta) / SCALE as f64).max(0.0),
                (a + delta) / SCALE as f64,
            )
        })
        .collect()
}

/// Replaces `plan` by the master's plan if that is better; returns the
/// master LP's value rounded down (`i64::MAX` if it failed) and its
/// fractional pairs.
fn improve_from_master(
    prob: &Prob,
    pool: &[Cut],
    plan: &mut Plan,
    stop: Stop<'_>,
) -> (i64, Fractional) {
    let t = std::time::Instant::now();
    let Some((p, lp, fractional)) = master_plan(prob, pool, stop) else {
        return (i64::MAX, Vec::new());
    };
    {
        tracing::debug!(
            incumbent = p.value,
            secs = t.elapsed().as_secs_f64(),
            "master plan"
        );
        if p.value > plan.value {
            *plan = p;
        }
    }
    ((lp + 1e-6).floor() as i64, fractional)
}

/// A plan from the primal of the pooled LP (the Dantzig–Wolfe master:
/// choose at most one pooled set per household, each unit at most once):
/// the sets the LP takes whole are kept, and the units and households they
/// leave are re-solved exactly (with [`solve_component`]). On the Serbia
/// fixture the master's solution is integral but for a few dozen sets, so
/// this lands at or next to the bound; `None` if the LP fails. Also
/// returns the LP's fractional pairs `(pair, x[u,h])`, by pair.
fn master_plan(prob: &Prob, pool: &[Cut], stop: Stop<'_>) -> Option<(Plan, f64, Fractional)> {
    let nu = prob.units();
    let nh = prob.households();
    let mut p = Problem::new(OptimizationDirection::Maximize);
    let mut rows: Vec<Vec<(Variable, f64)>> = vec![Vec::new(); nu + nh];
    let mut cols = Vec::with_capacity(pool.len());
    for (h, units) in pool {
        let h = *h as usize;
        let Some((pairs, value)) = set_pairs(prob, h, units) else {
            continue;
        };
        let x = p.add_var(value as f64, (0.0, 1.0));
        for &u in units {
            rows[u as usize].push((x, 1.0));
        }
        rows[nu + h].push((x, 1.0));
        cols.push((x, pairs));
    }
    for r in rows.iter().filter(|r| !r.is_empty()) {
        p.add_constraint(&r[..], ComparisonOp::Le, 1.0);
    }
    let t = std::time::Instant::now();
    let sol = p.solve().ok()?.into_solution().ok()?;
    let lp_secs = t.elapsed().as_secs_f64();
    let mut plan = Plan::empty(prob);
    let mut x_pair: std::collections::BTreeMap<u32, f64> = Default::default();
    for (x, pairs) in &cols {
        let v = sol.var_value(*x);
        if v > 1.0 - 1e-6 {
            for &pi in pairs {
                plan.place(prob, pi);
            }
        } else if v > 1e-6 {
            for &pi in pairs {
                *x_pair.entry(pi as u32).or_default() += v;
            }
        }
    }
    let fractional: Fractional = x_pair
        .into_iter()
        .filter(|&(_, v)| v < 1.0 - 1e-6)
        .collect();
    let us: Vec<u32> = (0..nu as u32)
        .filter(|&u| plan.pair[u as usize].is_none())
        .collect();
    let hs: Vec<u32> = (0..nh as u32)
        .filter(|&h| plan.at[h as usize].is_empty())
        .collect();
    tracing::debug!(
        lp = sol.objective(),
        lp_secs,
        whole_sets = plan.value,
        rest_units = us.len(),
        rest_households = hs.len(),
        "master"
    );
    // The residual is solved exactly only when the LP took some set whole:
    // otherwise it is this problem again and the re-solve would recurse
    // into its own dual without end.
    let (sub, back) = sub_instance(prob, &us, &hs);
    if us.len() < nu && !sub.pairs.is_empty() && !stop.now() {
        let r = solve_component(&sub, &SolveOptions::default(), stop.heuristic(), None);
        for q in r.plan.iter().flatten() {
            plan.place(prob, back[*q as usize] as usize);
        }
    }
    Some((plan, sol.objective(), fractional))
}

/// Up to `n` units of household `h` whose reduced profit `c − α` exceeds
/// `above`, best first (ties by unit).
fn best_singles(prob: &Prob, h: usize, alpha: &[i64], above: i64, n: usize) -> Vec<u32> {
    let mut v: Vec<(i64, u32)> = prob
        .hpairs(h)
        .iter()
        .filter_map(|&pi| {
            let u = prob.unit_of(pi as usize);
            let r = prob.c[pi as usize] - alpha[u];
            (r > above && r > 0).then_some((-r, u as u32))
        })
        .collect();
    v.sort_unstable();
    v.truncate(n);
    v.into_iter().map(|x| x.1).collect()
}

/// The restricted dual LP, solved; cuts are added with a warm start.
struct Lp {
    nu: usize,
    vars: Vec<Variable>,
    bounds: Vec<(f64, f64)>,
    sol: microlp::Solution,
}

impl Lp {
    /// Solves the LP over `cuts` with `α_u` in `bounds[u]`; `None` if the
    /// simplex failed (the caller keeps the multipliers it has).
    fn build(prob: &Prob, nh: usize, bounds: &[(f64, f64)], cuts: &[Cut]) -> Option<Self> {
        let nu = bounds.len();
        let mut p = Problem::new(OptimizationDirection::Minimize);
        let vars: Vec<Variable> = (0..nu + nh)
            .map(|i| p.add_var(1.0, bounds.get(i).copied().unwrap_or((0.0, f64::INFINITY))))
            .collect();
        for (h, units) in cuts {
            if let Some((expr, rhs)) = row(prob, nu, &vars, *h as usize, units) {
                p.add_constraint(&expr[..], ComparisonOp::Ge, rhs);
            }
        }
        let sol = p.solve().ok()?.into_solution().ok()?;
        Some(Self {
            nu,
            vars,
            bounds: bounds.to_vec(),
            sol,
        })
    }

    /// Adds `cuts` and re-optimises (dual simplex from the solved basis);
    /// `None` if the simplex failed (the LP must then be rebuilt).
    fn add_cuts(self, prob: &Prob, cuts: &[Cut]) -> Option<Self> {
        let Lp {
            nu,
            vars,
            bounds,
            mut sol,
        } = self;
        for (h, units) in cuts {
            if let Some((expr, rhs)) = row(prob, nu, &vars, *h as usize, units) {
                sol = sol
                    .add_constraint(&expr[..], ComparisonOp::Ge, rhs)
                    .ok()?
                    .into_solution()
                    .ok()?;
            }
        }
        Some(Lp {
            nu,
            vars,
            bounds,
            sol,
        })
    }

    fn values(&self) -> (Vec<f64>, Vec<f64>) {
        let vals: Vec<f64> = self.vars.iter().map(|&v| self.sol.var_value(v)).collect();
        let (a, b) = vals.split_at(self.nu);
        (a.to_vec(), b.to_vec())
    }

    fn objective(&self) -> f64 {
        self.sol.objective()
    }
}

/// `β_h + Σ_{u∈units} α_u ≥ Σ c[u,h]` (in coefficient units), `None` if
/// the set is worth nothing.
fn row(
    prob: &Prob,
    nu: usize,
    vars: &[Variable],
    h: usize,
    units: &[u32],
) -> Option<(Vec<(Variable, f64)>, f64)> {
    let (_, value) = set_pairs(prob, h, units)?;
    let mut expr: Vec<(Variable, f64)> = units.iter().map(|&u| (vars[u as usize], 1.0)).collect();
    expr.push((vars[nu + h], 1.0));
    Some((expr, value as f64))
}

/// The pairs of `units` at household `h` and their total coefficient;
/// `None` if a pair is not eligible or the set is worth nothing.
fn set_pairs(prob: &Prob, h: usize, units: &[u32]) -> Option<(Vec<usize>, i64)> {
    let pairs = units
        .iter()
        .map(|&u| prob.pair_index(u as usize, h))
        .collect::<Option<Vec<usize>>>()?;
    let value: i64 = pairs.iter().map(|&pi| prob.inst.pairs[pi].coef).sum();
    (value > 0).then_some((pairs, value))
}
