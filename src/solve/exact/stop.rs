//! When to stop searching: a deadline, a cancel flag and/or a work meter
//! ([`Stop`]), and the relative-gap test ([`gap_ok`]).
//!
//! Nothing depends on time except when the time limit is actually hit: the
//! deadline and the cancel flag are only read, and the work meter
//! ([`work`](super::work)) counts deterministic units, split over parallel
//! parts before they start. The gap test stops a search at
//! `bound − z ≤ rel_gap · bound` (never when `rel_gap = 0`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::types::{SolveOptions, StoppedBy};
use super::work::Meter;

/// When to stop searching: a deadline, a cancel flag and/or a work meter.
#[derive(Clone, Copy)]
pub(crate) struct Stop<'a> {
    deadline: Option<Instant>,
    cancel: Option<&'a AtomicBool>,
    /// The work budget of this thread of control ([`work`](super::work)).
    pub(super) meter: Option<&'a Meter>,
    /// A heuristic re-solve (a neighbourhood, a master's residual, inside a
    /// branch-and-price node): its plan is used, its proof is not, so the
    /// proof step gets a small node limit and no branch-and-price fallback.
    pub(super) heuristic: bool,
}

impl<'a> Stop<'a> {
    pub(super) fn new(
        deadline: Option<Instant>,
        opts: &'a SolveOptions,
        meter: Option<&'a Meter>,
    ) -> Self {
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

/// Whether `z` is within the relative gap `rel_gap` of `bound`.
pub(super) fn gap_ok(z: i64, bound: i64, rel_gap: f64) -> bool {
    rel_gap > 0.0 && ((bound - z) as f64) <= rel_gap * (bound as f64)
}
