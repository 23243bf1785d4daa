//! The independent plan checker: from the data set, the model and a plan
//! document alone, verifies every child at most once, sibling co-location and
//! apart links, every hard rule of every placement (allowing only what the
//! placement says it relaxed, and requiring that it needs every relaxation
//! it lists), capacities and household rules, every unplaced reason against
//! the plan's placements, and recomputes the objective. It shares the rule
//! definitions with scoring but nothing with the solvers.

use super::{PlanJson, UnplacedJson};
use crate::domain::{CarerIx, ChildIx, DataSet, sibling_groups};
use crate::scoring::{Model, Relaxation, RuleCode, Scorer, Unit, UnplacedCode};
use crate::solve::build::{PlacedThere, Room, instance_household, instance_unit, room_for};
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
    // Split sibling groups and the distance their households may be apart.
    let mut split_within: BTreeMap<ChildIx, f64> = BTreeMap::new();
    let mut seen: BTreeMap<ChildIx, usize> = BTreeMap::new();
    let mut household_of: BTreeMap<ChildIx, CarerIx> = BTreeMap::new();
    let mut at: BTreeMap<CarerIx, PlacedThere> = BTreeMap::new();
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
        let whole = strict.unit_of(unit.members[0]);
        if !unit.members.iter().all(|m| whole.members.contains(m)) {
            problems.push(format!(
                "{what}: children of different sibling groups or lone children placed as one unit"
            ));
        }
        // Relaxations: each listed one must be in the ladder and needed by
        // this pair; every strict rule it breaks must be lifted by them.
        let split = check_relaxations(&strict, &what, &unit, carer, &p.relaxed, &mut problems);
        if let Some(within) = split {
            for m in &whole.members {
                let w = split_within.entry(*m).or_insert(within);
                *w = w.min(within);
            }
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
        at.entry(carer).or_default().push(iu, &unit.members);
    }
    for (carer, there) in &at {
        let h = instance_household(&strict, *carer, Default::default());
        if !h.allows(there.units.iter()) {
            problems.push(format!(
                "household {}: {} children placed ({} free places, {} already there) break its capacity or the household limit",
                data.carer(*carer).id,
                there.units.iter().map(|u| u32::from(u.size)).sum::<u32>(),
                h.capacity,
                h.current
            ));
        }
    }
    for u in &plan.unplaced {
        check_unplaced(&strict, u, &household_of, &at, &mut problems);
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
        match g
            .members
            .iter()
            .filter_map(|m| split_within.get(m))
            .copied()
            .reduce(f64::min)
        {
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
    // The headline adds up: pinned placements and every round.
    if !plan.rounds.is_empty() {
        let rounds: i64 = plan.rounds.iter().map(|r| r.objective).sum();
        if plan.pinned_objective + rounds != plan.total_objective {
            problems.push(format!(
                "total objective {} is not pinned {} + rounds {rounds}",
                plan.total_objective, plan.pinned_objective
            ));
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

/// Checks the reasons of one unplaced unit against the plan's placements
/// (`at`, by household): every named household must pass every strict
/// hard rule for the unit, hold the units the reason says, and refuse the
/// unit for the reason given.
fn check_unplaced(
    strict: &Scorer<'_>,
    u: &UnplacedJson,
    household_of: &BTreeMap<ChildIx, CarerIx>,
    at: &BTreeMap<CarerIx, PlacedThere>,
    problems: &mut Vec<String>,
) {
    let data = strict.data();
    let what = format!("unplaced {}", u.children.join("+"));
    let mut members = Vec::new();
    for id in &u.children {
        match data.child_ix(id) {
            None => problems.push(format!("{what}: unknown child {id}")),
            Some(c) if household_of.contains_key(&c) => {
                problems.push(format!("{what}: child {id} is also placed"))
            }
            Some(c) => members.push(c),
        }
    }
    if members.is_empty() || members.len() != u.children.len() {
        return;
    }
    members.sort_by(|a, b| data.child(*a).id.cmp(&data.child(*b).id));
    let unit = Unit { members };
    let iu = instance_unit(strict, &unit);
    let nobody = PlacedThere::default();
    if u.reasons.is_empty() {
        problems.push(format!("{what}: no reason given"));
    }
    for r in &u.reasons {
        let Some(code) = UnplacedCode::parse(&r.code) else {
            problems.push(format!("{what}: unknown reason code {:?}", r.code));
            continue;
        };
        let room = match code {
            UnplacedCode::Outcompeted => Room::Full,
            UnplacedCode::HouseholdLimitBinding => Room::LimitBinds,
            UnplacedCode::SiblingToLiveApartThere => Room::SiblingApart,
            UnplacedCode::RoomLeftUnused => Room::Free,
            UnplacedCode::NoEligibleHousehold => {
                let masks = strict.masks(&unit);
                for rc in &r.rules {
                    let Some(rule) = RuleCode::parse(&rc.code) else {
                        problems.push(format!("{what}: {code} counts unknown rule {:?}", rc.code));
                        continue;
                    };
                    let n = masks.iter().filter(|m| **m & rule.bit() != 0).count();
                    if n != rc.households {
                        problems.push(format!(
                            "{what}: {code} says {} household(s) fail {rule}, recounted {n}",
                            rc.households
                        ));
                    }
                }
                continue;
            }
            UnplacedCode::SiblingGroupLargerThanAnyEligibleHousehold => continue,
        };
        if r.households.is_empty() {
            problems.push(format!("{what}: {code} names no household"));
        }
        for h in &r.households {
            let Some(carer) = data.carer_ix(&h.household_id) else {
                problems.push(format!(
                    "{what}: {code} names unknown household {}",
                    h.household_id
                ));
                continue;
            };
            let hid = &h.household_id;
            if let Some((child, v)) = strict.violations(&unit, carer).first() {
                problems.push(format!(
                    "{what}: {code} names household {hid}, which is not eligible (child {} breaks {})",
                    data.child(*child).id,
                    v.code
                ));
                continue;
            }
            let there = at.get(&carer).unwrap_or(&nobody);
            let mut claimed: Vec<Vec<String>> = h.placed_there.clone();
            let mut actual: Vec<Vec<String>> = there
                .members
                .iter()
                .map(|m| m.iter().map(|c| data.child(*c).id.to_string()).collect())
                .collect();
            for v in claimed.iter_mut().chain(actual.iter_mut()) {
                v.sort();
            }
            claimed.sort();
            actual.sort();
            if claimed != actual {
                problems.push(format!(
                    "{what}: {code} says household {hid} holds {claimed:?}, the plan places {actual:?} there"
                ));
            }
            let found = room_for(strict, carer, &iu, &unit.members, there);
            if found != room {
                let why = match found {
                    Room::Full => "it has no room left for them",
                    Room::LimitBinds => "the household limit refuses them there",
                    Room::SiblingApart => "a sibling they must live apart from is placed there",
                    Room::Free => "it has room and its rules allow them",
                };
                problems.push(format!("{what}: {code} names household {hid}, but {why}"));
            }
        }
    }
}

/// Checks the relaxations a placement of `unit` at `carer` lists against
/// those it needs; returns the distance its sibling group's households may
/// be apart when it is a part of a split group.
fn check_relaxations(
    strict: &Scorer<'_>,
    what: &str,
    unit: &Unit,
    carer: CarerIx,
    labels: &[String],
    problems: &mut Vec<String>,
) -> Option<f64> {
    let (data, model) = (strict.data(), strict.model());
    let ladder = &model.relaxations;
    let mut listed = Vec::new();
    for label in labels {
        match ladder.iter().position(|r| &r.label() == label) {
            Some(i) => listed.push(i),
            None => problems.push(format!(
                "{what}: claims relaxation {label:?}, which model {} does not allow",
                model.tag()
            )),
        }
    }
    let needed = strict.relaxations_needed(unit, carer, &listed);
    for i in listed.iter().filter(|i| !needed.steps.contains(i)) {
        problems.push(format!(
            "{what}: lists relaxation {:?}, which it does not need",
            ladder[*i].label()
        ));
    }
    for (child, v) in &needed.unlifted {
        problems.push(format!(
            "{what}: child {} breaks {} ({}){}",
            data.child(*child).id,
            v.code,
            v.detail,
            if listed.is_empty() {
                ""
            } else {
                " even with the relaxations it lists"
            }
        ));
    }
    if let Some(n) = needed.unsplit {
        let split = ladder
            .iter()
            .find(|r| matches!(r, Relaxation::SplitSiblingGroups { min_size, .. } if n >= usize::from(*min_size)))
            .map_or_else(
                || format!("a split relaxation (model {} has none for {n} children)", model.tag()),
                |r| format!("{:?}", r.label()),
            );
        problems.push(format!(
            "{what}: is part of a sibling group of {n} children but does not list {split}"
        ));
    }
    needed
        .steps
        .iter()
        .filter_map(|i| match ladder[*i] {
            Relaxation::SplitSiblingGroups { within_minutes, .. } => Some(within_minutes),
            Relaxation::TravelLimit { .. } => None,
        })
        .reduce(f64::min)
}
