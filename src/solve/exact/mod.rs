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
//!
//! ## Files, one step each
//! - `types.rs`: the API types ([`SolveOptions`], [`Solution`],
//!   [`ComponentReport`], [`Status`], [`StoppedBy`]); `stop.rs`: the limits
//!   and the gap test; `work.rs`: the deterministic work meter.
//! - `apart.rs`: [`solve`], branching on `apart` links around the core
//!   method; `parallel.rs`: the core method over the components in
//!   parallel, merged in component order.
//! - `component.rs`: one component, steps 1–5 in order; `flow.rs` (step 1),
//!   `heuristic.rs` and `lns.rs` (step 2), `problem.rs`, `knapsack.rs`,
//!   `subgradient.rs` and `dual.rs` (step 3), `bnb.rs` (step 4),
//!   `branch.rs` (step 5).
//! - `alternatives.rs`: [`alternatives`], the next households of each unit
//!   with bounds on what forcing it there costs.

mod alternatives;
mod apart;
mod bnb;
mod branch;
mod component;
mod dual;
mod flow;
mod heuristic;
mod knapsack;
mod lns;
mod parallel;
mod problem;
mod stop;
mod subgradient;
mod types;
mod work;

pub use self::alternatives::{Alternative, alternatives};
pub use self::apart::solve;
pub(crate) use self::stop::Stop;
pub use self::types::{ComponentReport, Solution, SolveOptions, Status, StoppedBy};

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
