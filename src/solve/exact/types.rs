//! The solver's API types: its options ([`SolveOptions`]), what it returns
//! ([`Solution`] with one [`ComponentReport`] per connected component) and
//! how far that is proved ([`Status`], [`StoppedBy`]).
//!
//! A [`Solution`] carries `objective ≤ bound`, both exact integers: the
//! bound is `⌊L(α)⌋` of the Lagrangian dual, evaluated in `i64` at
//! multipliers in `1/600` of a coefficient (see the [method](super)), so
//! `objective == bound` proves optimality.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::problem::SCALE;
use crate::solve::instance::Assignment;

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
    pub(super) multipliers: Vec<i64>,
}

impl Solution {
    /// The final Lagrange multiplier of each unit (its "price": what the
    /// bound says placing it elsewhere is worth), in coefficient units.
    pub fn multipliers(&self) -> impl Iterator<Item = f64> + '_ {
        self.multipliers.iter().map(|&a| a as f64 / SCALE as f64)
    }
}
