//! Which steps of the model's relaxation ladder one placement needs, read
//! from the placement itself (not from the round that made it):
//!
//! - a **split** step when the unit is a proper part of its sibling group —
//!   the first allowed `split_sibling_groups` step whose `min_size` the whole
//!   group reaches;
//! - **travel** steps when a member's journey to the birth family breaks the
//!   strict travel limit — the fewest allowed `travel_limit` steps, taken in
//!   ladder order (their factors multiply, as the ladder applies them), that
//!   bring every member within the limit.
//!
//! The planner labels each placement with [`Scorer::relaxations_needed`];
//! the checker asks the same question of the labels a plan document claims.

use super::rules::too_far;
use super::{Detail, Relaxation, Scorer, Unit, Violation};
use crate::domain::{CarerIx, ChildIx};

/// What the relaxation ladder must lift for one placement.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Needed {
    /// Ladder steps the placement needs: indices into the model's
    /// `relaxations`, ascending.
    pub steps: Vec<usize>,
    /// Strict hard-rule violations (per member) that the allowed steps do
    /// not lift.
    pub unlifted: Vec<(ChildIx, Violation)>,
    /// The unit is a part of a sibling group of this many children, and no
    /// allowed step splits such a group.
    pub unsplit: Option<usize>,
}

impl Needed {
    /// Whether the allowed steps lift everything the placement breaks.
    pub fn is_allowed(&self) -> bool {
        self.unlifted.is_empty() && self.unsplit.is_none()
    }
}

impl Scorer<'_> {
    /// The steps of the model's relaxation ladder, among `allowed` (indices
    /// into `relaxations`), that placing `unit` at `carer` needs, judged
    /// against this scorer's model as the strict one; what they do not lift
    /// is reported in [`Needed::unlifted`] and [`Needed::unsplit`].
    pub fn relaxations_needed(&self, unit: &Unit, carer: CarerIx, allowed: &[usize]) -> Needed {
        let ladder = &self.model().relaxations;
        let mut allowed: Vec<usize> = allowed
            .iter()
            .copied()
            .filter(|&i| i < ladder.len())
            .collect();
        allowed.sort_unstable();
        allowed.dedup();
        let mut needed = Needed::default();

        // A part of a sibling group needs a split step.
        if let Some(&first) = unit.members.first() {
            let whole = self.unit_of(first);
            let part = unit.size() < whole.size()
                && unit.members.iter().all(|m| whole.members.contains(m));
            if part {
                let step = allowed.iter().copied().find(|&i| {
                    matches!(ladder[i], Relaxation::SplitSiblingGroups { min_size, .. }
                        if whole.size() >= usize::from(min_size))
                });
                match step {
                    Some(i) => needed.steps.push(i),
                    None => needed.unsplit = Some(whole.size()),
                }
            }
        }

        // A journey over the strict limit needs the fewest travel steps that
        // cover it; every other violation is not lifted by any step.
        let factors: Vec<(usize, f64)> = allowed
            .iter()
            .filter_map(|&i| match ladder[i] {
                Relaxation::TravelLimit { factor } => Some((i, factor)),
                Relaxation::SplitSiblingGroups { .. } => None,
            })
            .collect();
        let base = self.model().thresholds.max_travel_minutes_birth_family;
        let mut travel_steps = 0;
        for (child, v) in self.violations(unit, carer) {
            let Detail::Travel { minutes, .. } = v.detail else {
                needed.unlifted.push((child, v));
                continue;
            };
            let (mut limit, mut k) = (base, 0);
            while too_far(minutes, limit) && k < factors.len() {
                limit *= factors[k].1;
                k += 1;
            }
            if too_far(minutes, limit) {
                needed.unlifted.push((child, v));
            } else {
                travel_steps = travel_steps.max(k);
            }
        }
        needed
            .steps
            .extend(factors[..travel_steps].iter().map(|(i, _)| *i));
        needed.steps.sort_unstable();
        needed
    }
}
