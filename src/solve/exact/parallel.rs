//! Connected components solved in parallel and merged in component order.
//!
//! The candidate graph splits into components ([`connected_components`])
//! that share no unit and no household, so the objective, the bound and the
//! multipliers of the whole are the sums (and concatenations) of theirs.
//! They run on rayon's pool; each gets its share of the work limit, in
//! proportion to its eligible pairs, before any starts, and results are
//! merged by component index, so the plan does not depend on the number of
//! threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::component::solve_component;
use super::stop::Stop;
use super::types::{ComponentReport, Solution, SolveOptions, Status, StoppedBy};
use super::work::Meter;
use crate::solve::components::connected_components;
use crate::solve::instance::{Assignment, Instance};

/// Solves `inst` ignoring its `apart` pairs (the core method).
/// `warm`: multipliers per unit to start the bound from (when better than
/// the transportation LP's), e.g. a parent branch's.
pub(super) fn solve_core(
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
