//! The deterministic work meter behind [`SolveOptions::work_limit`](super::SolveOptions::work_limit).
//!
//! A time limit stops a search wherever a machine happens to be when the
//! clock runs out; a work limit stops it after a count of steps that is the
//! same on every machine and for every number of threads, so a plan stopped
//! by it can be made again. One **unit of work** is
//!
//! - one household knapsack evaluated for the Lagrangian bound (a
//!   subgradient step or a cutting-plane round re-evaluates the households
//!   whose multipliers moved; a fresh bound evaluates every household;
//!   finding the forcing losses of the proof step, one per household),
//! - one household of a cutting-plane round's linear program (its solve
//!   grows with the households),
//! - one node of the forcing-loss branch-and-bound,
//!
//! and every subgradient step, cutting-plane round, neighbourhood re-solve
//! and branch-and-price node counts at least one. These are the steps whose
//! cost dominates the solve, so the count is roughly proportional to time.
//!
//! The budget is never a counter shared by threads: every meter is used by
//! one thread of control at a time. Parallel parts get meters of their own,
//! split from their parent's remaining budget in proportion to their size
//! before they start ([`super::Stop::split`]), and their use is added back
//! to the parent after all of them have finished, in a fixed order. Every
//! decision that depends on the budget therefore depends only on the
//! instance and the limit, not on thread timing.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use super::StoppedBy;

/// A budget of work units and what has been used of it.
#[derive(Debug)]
pub(crate) struct Meter {
    limit: u64,
    used: AtomicU64,
    /// The first limit found reached ([`StoppedBy`] code, 0 = none).
    tripped: AtomicU8,
}

impl Meter {
    /// A meter of `limit` units (`None`: unlimited, it only counts).
    pub(crate) fn new(limit: Option<u64>) -> Self {
        Meter {
            limit: limit.unwrap_or(u64::MAX),
            used: AtomicU64::new(0),
            tripped: AtomicU8::new(0),
        }
    }

    /// Counts `n` units as used.
    pub(crate) fn charge(&self, n: u64) {
        // One thread of control per meter: load + store is exact.
        let u = self.used.load(Ordering::Relaxed);
        self.used.store(u.saturating_add(n), Ordering::Relaxed);
    }

    /// Units used so far.
    pub(crate) fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// Units left (0 once the limit is reached).
    pub(crate) fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used())
    }

    /// Whether a real limit was set.
    pub(crate) fn limited(&self) -> bool {
        self.limit != u64::MAX
    }

    /// Whether the budget is spent.
    pub(crate) fn exhausted(&self) -> bool {
        self.used() >= self.limit
    }

    /// Records `why` as what stopped the search, unless something already did.
    pub(crate) fn trip(&self, why: StoppedBy) {
        let _ = self
            .tripped
            .compare_exchange(0, code(why), Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The first limit recorded as reached, if any.
    pub(crate) fn tripped(&self) -> Option<StoppedBy> {
        decode(self.tripped.load(Ordering::Relaxed))
    }

    /// Meters for parallel parts of sizes `weights`: each gets its share of
    /// what remains here, in proportion to its weight (rounded down; all of
    /// it to each part when nothing is limited).
    pub(crate) fn split(&self, weights: &[u64]) -> Vec<Meter> {
        let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
        let left = self.remaining();
        weights
            .iter()
            .map(|&w| {
                if !self.limited() {
                    return Meter::new(None);
                }
                let share = (u128::from(left) * u128::from(w))
                    .checked_div(total)
                    .map_or(left, |s| u64::try_from(s).unwrap_or(u64::MAX));
                Meter::new(Some(share))
            })
            .collect()
    }

    /// Adds the use of `parts` (meters from [`Meter::split`], all finished)
    /// and the first limit any of them reached, in their order.
    pub(crate) fn absorb(&self, parts: &[Meter]) {
        for p in parts {
            self.charge(p.used());
            if let Some(why) = p.tripped() {
                self.trip(why);
            }
        }
    }
}

fn code(s: StoppedBy) -> u8 {
    match s {
        StoppedBy::Proved => 1,
        StoppedBy::Gap => 2,
        StoppedBy::NodeLimit => 3,
        StoppedBy::WorkLimit => 4,
        StoppedBy::TimeLimit => 5,
        StoppedBy::Cancelled => 6,
    }
}

fn decode(c: u8) -> Option<StoppedBy> {
    Some(match c {
        1 => StoppedBy::Proved,
        2 => StoppedBy::Gap,
        3 => StoppedBy::NodeLimit,
        4 => StoppedBy::WorkLimit,
        5 => StoppedBy::TimeLimit,
        6 => StoppedBy::Cancelled,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_shares_follow_the_weights_and_absorb_adds_back_in_order() {
        let parent = Meter::new(Some(100));
        parent.charge(10);
        let parts = parent.split(&[1, 2, 0]);
        let limits: Vec<u64> = parts.iter().map(Meter::remaining).collect();
        assert_eq!(limits, [30, 60, 0]);
        parts[1].charge(70);
        parts[1].trip(StoppedBy::WorkLimit);
        parts[0].charge(5);
        parent.absorb(&parts);
        assert_eq!(parent.used(), 85);
        assert_eq!(parent.tripped(), Some(StoppedBy::WorkLimit));
        assert!(!parent.exhausted());
    }

    #[test]
    fn an_unlimited_meter_only_counts() {
        let m = Meter::new(None);
        m.charge(u64::MAX / 2);
        assert!(!m.exhausted() && !m.limited());
        assert!(m.split(&[1, 1]).iter().all(|p| !p.limited()));
    }
}
