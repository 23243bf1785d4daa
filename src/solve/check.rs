//! The independent plan checker: from the data set, the model and a plan
//! document alone, verifies every child at most once, sibling co-location and
//! apart links, every hard rule of every placement (allowing only what the
//! placement says it relaxed), capacities and household rules, and
//! recomputes the objective. It shares the rule definitions with scoring but
//! nothing with the solvers.

use super::build::{instance_household, instance_unit};
use crate::domain::{CarerIx, ChildIx, DataSet, sibling_groups};
use crate::io::plan_report::PlanJson;
use crate::scoring::{Model, Relaxation, Scorer, Unit};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// What the checker found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Every problem found (empty = the plan is valid).
    pub problems: Vec<String>,
    /// Objective recomputed from the data (hundredths).
    pub objective: i64,
    /// Placements checked.
    pub placements: usize,
    /// Children placed.
    pub children: usize,
}

/// Checks `plan` against `data` under `model`.
pub fn check_plan(data: &DataSet, model: &Model, plan: &PlanJson) -> CheckReport {
    let mut problems = Vec::new();
    if plan.model.id != model.id || plan.model.version != model.version {
        problems.push(format!(
            "plan was made with model {}@{}, checked with {}",
            plan.model.id,
            plan.model.version,
            model.tag()
        ));
    }
    let as_of = match NaiveDate::parse_from_str(&plan.as_of, "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            problems.push(format!("asOf {:?} is not a date (YYYY-MM-DD)", plan.as_of));
            return CheckReport {
                problems,
                objective: 0,
                placements: 0,
                children: 0,
            };
        }
    };
    let strict = Scorer::new(data, model, as_of);
    // Models for the relaxation labels a placement may carry.
    let mut relaxed_models: BTreeMap<Vec<String>, Model> = BTreeMap::new();
    let mut split_within: Option<f64> = None;
    for p in &plan.placements {
        if p.relaxed.is_empty() || relaxed_models.contains_key(&p.relaxed) {
            continue;
        }
        let mut m = model.clone();
        for label in &p.relaxed {
            match model.relaxations.iter().find(|r| &r.label() == label) {
                Some(Relaxation::TravelLimit { factor }) => {
                    m.thresholds.max_travel_minutes_birth_family *= factor
                }
                Some(Relaxation::SplitSiblingGroups { within_minutes, .. }) => {
                    split_within = Some(*within_minutes)
                }
                None => problems.push(format!(
                    "placement of {} claims relaxation {label:?}, which model {} does not allow",
                    p.children.join("+"),
                    model.tag()
                )),
            }
        }
        relaxed_models.insert(p.relaxed.clone(), m);
    }
    let scorers: BTreeMap<Vec<String>, Scorer<'_>> = relaxed_models
        .iter()
        .map(|(k, m)| (k.clone(), Scorer::new(data, m, as_of)))
        .collect();

    let mut seen: BTreeMap<ChildIx, usize> = BTreeMap::new();
    let mut household_of: BTreeMap<ChildIx, CarerIx> = BTreeMap::new();
    let mut at: BTreeMap<CarerIx, Vec<super::instance::Unit>> = BTreeMap::new();
    let mut objective = 0i64;
    let mut children = 0;
    for (i, p) in plan.placements.iter().enumerate() {
        let what = format!(
            "placement {} ({} → {})",
            i + 1,
            p.children.join("+"),
            p.household_id
        );
        let Some(carer) = data.carer_ix(&p.household_id) else {
            problems.push(format!("{what}: unknown household"));
            continue;
        };
        let mut members = Vec::new();
        for id in &p.children {
            match data.child_ix(id) {
                None => problems.push(format!("{what}: unknown child {id}")),
                Some(c) => {
                    if let Some(first) = seen.insert(c, i) {
                        problems.push(format!(
                            "{what}: child {id} is already placed by placement {}",
                            first + 1
                        ));
                    }
                    household_of.insert(c, carer);
                    members.push(c);
                }
            }
        }
        if members.is_empty() {
            continue;
        }
        members.sort_by(|a, b| data.child(*a).id.cmp(&data.child(*b).id));
        children += members.len();
        let unit = Unit { members };
        let scorer = scorers.get(&p.relaxed).unwrap_or(&strict);
        for (child, v) in scorer.violations(&unit, carer) {
            problems.push(format!(
                "{what}: child {} breaks {} ({})",
                data.child(child).id,
                v.code,
                v.detail
            ));
        }
        let iu = instance_unit(&strict, &unit);
        let score = i64::from(strict.score_pair(&unit, carer).total);
        if iu.value != p.value || score != p.score {
            problems.push(format!(
                "{what}: claims value {} and score {}, recomputed {} and {}",
                p.value, p.score, iu.value, score
            ));
        }
        objective += iu.value + score;
        at.entry(carer).or_default().push(iu);
    }
    for (carer, units) in &at {
        let h = instance_household(&strict, *carer, Default::default());
        if !h.allows(units.iter()) {
            problems.push(format!(
                "household {}: {} children placed ({} free places, {} already there) break its capacity or the household limit",
                data.carer(*carer).id,
                units.iter().map(|u| u32::from(u.size)).sum::<u32>(),
                h.capacity,
                h.current
            ));
        }
    }
    // Siblings.
    for g in sibling_groups(data) {
        let homes: BTreeSet<Option<CarerIx>> = g
            .members
            .iter()
            .map(|c| household_of.get(c).copied())
            .collect();
        if homes.len() <= 1 {
            continue;
        }
        let ids: Vec<&str> = g
            .members
            .iter()
            .map(|c| data.child(*c).id.as_str())
            .collect();
        match split_within {
            Some(within) => {
                let placed: Vec<CarerIx> = homes.iter().flatten().copied().collect();
                for (i, a) in placed.iter().enumerate() {
                    for b in &placed[i + 1..] {
                        let m = strict.carer_minutes(*a, *b);
                        if f64::from(m) > within {
                            problems.push(format!("sibling group {}: split over households {:.0} min apart (> {within})", ids.join("+"), m));
                        }
                    }
                }
            }
            None => problems.push(format!(
                "sibling group {} is not placed together",
                ids.join("+")
            )),
        }
    }
    for l in data.sibling_links.iter().filter(|l| !l.keep_together) {
        if let (Some(a), Some(b)) = (household_of.get(&l.a), household_of.get(&l.b)) {
            if a == b {
                problems.push(format!(
                    "children {} and {} must be placed apart but share household {}",
                    data.child(l.a).id,
                    data.child(l.b).id,
                    data.carer(*a).id
                ));
            }
        }
    }
    if objective != plan.total_objective {
        problems.push(format!(
            "objective claimed {} (total), recomputed {objective}",
            plan.total_objective
        ));
    }
    CheckReport {
        problems,
        objective,
        placements: plan.placements.len(),
        children,
    }
}
