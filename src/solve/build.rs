//! From a data set to a planner [`Instance`]: units in scope, households,
//! eligible pairs scored by the [`Scorer`], household rules from the model,
//! pinned and forbidden pairs, and occupancy left by earlier rounds.

use super::instance::{Household, Instance, Pair, Unit as IUnit};
use crate::domain::{CarerIx, ChildIx, DataSet};
use crate::scoring::context::is_developmental;
use crate::scoring::{Candidate, Model, Scorer, Unit, priority};
use std::collections::{BTreeMap, BTreeSet};

/// Which children a plan covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every child of the data set.
    All,
    /// Children living in a region (the region of their institution or
    /// current place), with their sibling groups.
    Region(String),
    /// The listed children, with their sibling groups.
    Children(Vec<String>),
}

/// Why a plan could not be set up.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    /// A child id that is not in the data set.
    #[error("no child with id {0:?} in the data set")]
    UnknownChild(String),
    /// A household id that is not in the data set.
    #[error("no household with id {0:?} in the data set")]
    UnknownCarer(String),
    /// A region no child lives in.
    #[error("no child lives in region {region:?}; regions with children: {known}")]
    UnknownRegion {
        /// The region asked for.
        region: String,
        /// Regions that have children.
        known: String,
    },
    /// A pinned pair that breaks a hard rule or the household's capacity.
    #[error("cannot pin child {child} to household {carer}: {why}")]
    BadPin {
        /// Child id.
        child: String,
        /// Household id.
        carer: String,
        /// Why.
        why: String,
    },
}

/// Children and places already taken in a household (pinned placements or
/// earlier rounds of the relaxation ladder).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Occupancy {
    /// Children placed.
    pub children: u8,
    /// One of them has developmental difficulties.
    pub developmental: bool,
    /// One of the placed units is not exempt from the household limit.
    pub non_exempt: bool,
}

/// An instance together with what its indices mean.
#[derive(Debug, Clone)]
pub struct Built {
    /// The numbers the solvers see.
    pub instance: Instance,
    /// Children of each instance unit.
    pub units: Vec<Unit>,
    /// Household of each instance household.
    pub carers: Vec<CarerIx>,
}

/// Units (sibling groups and lone children) in `scope`, sorted by first id.
///
/// # Errors
/// [`PlanError::UnknownChild`] or [`PlanError::UnknownRegion`].
pub fn scope_units(scorer: &Scorer<'_>, scope: &Scope) -> Result<Vec<Unit>, PlanError> {
    let data = scorer.data();
    let all = scorer.units();
    match scope {
        Scope::All => Ok(all),
        Scope::Region(r) => {
            let region_of = |c: ChildIx| &data.place(data.child(c).location).region;
            let units: Vec<Unit> = all
                .into_iter()
                .filter(|u| u.members.iter().any(|&c| region_of(c) == r))
                .collect();
            if units.is_empty() {
                let known: BTreeSet<&str> = data
                    .children
                    .iter()
                    .map(|c| data.place(c.location).region.as_str())
                    .collect();
                return Err(PlanError::UnknownRegion {
                    region: r.clone(),
                    known: known.into_iter().collect::<Vec<_>>().join(", "),
                });
            }
            Ok(units)
        }
        Scope::Children(ids) => {
            let mut want = BTreeSet::new();
            for id in ids {
                want.insert(
                    data.child_ix(id)
                        .ok_or_else(|| PlanError::UnknownChild(id.clone()))?,
                );
            }
            Ok(all
                .into_iter()
                .filter(|u| u.members.iter().any(|c| want.contains(c)))
                .collect())
        }
    }
}

/// Placement value of a unit in hundredths of a point.
pub fn unit_value(data: &DataSet, model: &Model, unit: &Unit, as_of: chrono::NaiveDate) -> i64 {
    (priority::unit_value(data, model, &unit.members, as_of) * 100.0).round() as i64
}

/// The instance unit of a scoring unit.
pub fn instance_unit(scorer: &Scorer<'_>, unit: &Unit) -> IUnit {
    let (data, model) = (scorer.data(), scorer.model());
    IUnit {
        size: unit.size().min(9) as u8,
        value: unit_value(data, model, unit, scorer.as_of()),
        developmental: unit
            .members
            .iter()
            .any(|&c| is_developmental(model, &data.child(c).needs)),
        exempt: unit.size() > 1 && model.household.sibling_groups_exempt,
    }
}

/// The instance household of a carer, given what is already placed there.
pub fn instance_household(scorer: &Scorer<'_>, carer: CarerIx, occ: Occupancy) -> Household {
    let (data, model) = (scorer.data(), scorer.model());
    let c = data.carer(carer);
    Household {
        capacity: c.free_places().saturating_sub(occ.children),
        current: (c.current_children.len().min(255) as u8).saturating_add(occ.children),
        current_developmental: occ.developmental
            || c.current_children
                .iter()
                .any(|k| is_developmental(model, &k.needs)),
        limit: model.household.max_children,
        limit_developmental: model.household.max_children_with_developmental,
        limit_always: occ.non_exempt,
    }
}

/// Builds the instance for `units`: every eligible unit–household pair
/// (hard rules of the scorer's model), minus `forbidden` pairs, on
/// households reduced by `occupied`, keeping only pairs whose unit fits
/// the household on its own. Households without any pair are left out.
pub fn build(
    scorer: &Scorer<'_>,
    units: Vec<Unit>,
    occupied: &BTreeMap<CarerIx, Occupancy>,
    forbidden: &BTreeSet<(ChildIx, CarerIx)>,
) -> Built {
    let candidates = scorer.candidates(&units);
    build_from(scorer, units, candidates, occupied, forbidden)
}

/// [`build`] on pairs the caller has already scored and selected, for
/// callers that score only some of the pairs (the simulator re-scores only
/// what changed since its previous step, and keeps the best few households
/// of each unit). `candidates` index into `units`, are eligible under the
/// scorer's hard rules, and hold each unit–household pair at most once, in
/// any order; the rest is as in [`build`].
pub fn build_from(
    scorer: &Scorer<'_>,
    units: Vec<Unit>,
    candidates: Vec<Candidate>,
    occupied: &BTreeMap<CarerIx, Occupancy>,
    forbidden: &BTreeSet<(ChildIx, CarerIx)>,
) -> Built {
    let iunits: Vec<IUnit> = units.iter().map(|u| instance_unit(scorer, u)).collect();
    let mut households: BTreeMap<CarerIx, Household> = BTreeMap::new();
    let mut kept = Vec::with_capacity(candidates.len());
    for c in candidates {
        let u = &units[c.unit as usize];
        if u.members.iter().any(|m| forbidden.contains(&(*m, c.carer))) {
            continue;
        }
        let h = households.entry(c.carer).or_insert_with(|| {
            instance_household(
                scorer,
                c.carer,
                occupied.get(&c.carer).copied().unwrap_or_default(),
            )
        });
        if h.allows([&iunits[c.unit as usize]]) {
            kept.push(c);
        }
    }
    let carers: Vec<CarerIx> = households.keys().copied().collect();
    let index: BTreeMap<CarerIx, u32> = carers
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, i as u32))
        .collect();
    let mut pairs: Vec<Pair> = kept
        .into_iter()
        .map(|c| Pair {
            unit: c.unit,
            household: index[&c.carer],
            score: c.score,
            coef: iunits[c.unit as usize].value + i64::from(c.score),
        })
        .collect();
    pairs.sort_by_key(|p| (p.unit, p.household));
    let apart = apart_units(scorer.data(), &units);
    let instance = Instance {
        units: iunits,
        households: households.into_values().collect(),
        pairs,
        apart,
    };
    Built {
        instance,
        units,
        carers,
    }
}

/// Pairs of instance units holding children that must be placed apart.
fn apart_units(data: &DataSet, units: &[Unit]) -> Vec<(u32, u32)> {
    let mut unit_of: BTreeMap<ChildIx, u32> = BTreeMap::new();
    for (i, u) in units.iter().enumerate() {
        for m in &u.members {
            unit_of.insert(*m, i as u32);
        }
    }
    let mut out: Vec<(u32, u32)> = data
        .sibling_links
        .iter()
        .filter(|l| !l.keep_together)
        .filter_map(|l| Some((*unit_of.get(&l.a)?, *unit_of.get(&l.b)?)))
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether a household can still take a unit, given what a plan places
/// there (the unit itself passes every hard rule there on its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Room {
    /// Fewer free places are left than the unit has children.
    Full,
    /// The places are there, but the household limit refuses the unit
    /// together with the units placed there.
    LimitBinds,
    /// The household would take it, but a child the unit must live apart
    /// from is placed there.
    SiblingApart,
    /// The household could take it.
    Free,
}

/// What a plan places in one household: its units (as the instance sees
/// them) and their children.
#[derive(Debug, Clone, Default)]
pub struct PlacedThere {
    /// Units placed there.
    pub units: Vec<IUnit>,
    /// Their children, unit by unit.
    pub members: Vec<Vec<ChildIx>>,
}

impl PlacedThere {
    /// Adds a unit placed there.
    pub fn push(&mut self, unit: IUnit, members: &[ChildIx]) {
        self.units.push(unit);
        self.members.push(members.to_vec());
    }

    /// Whether `child` is placed there.
    pub fn holds(&self, child: ChildIx) -> bool {
        self.members.iter().any(|m| m.contains(&child))
    }

    /// The occupancy these units leave.
    pub fn occupancy(&self) -> Occupancy {
        self.units
            .iter()
            .fold(Occupancy::default(), |o, u| Occupancy {
                children: o.children.saturating_add(u.size),
                developmental: o.developmental || u.developmental,
                non_exempt: o.non_exempt || !u.exempt,
            })
    }
}

/// The [`Room`] household `carer` has for `unit` (children `members`) under
/// the scorer's household rules, given what is placed there.
pub fn room_for(
    scorer: &Scorer<'_>,
    carer: CarerIx,
    unit: &IUnit,
    members: &[ChildIx],
    there: &PlacedThere,
) -> Room {
    let h = instance_household(scorer, carer, there.occupancy());
    if unit.size > h.capacity {
        return Room::Full;
    }
    if !h.allows([unit]) {
        return Room::LimitBinds;
    }
    let apart = scorer.data().sibling_links.iter().any(|l| {
        !l.keep_together
            && ((members.contains(&l.a) && there.holds(l.b))
                || (members.contains(&l.b) && there.holds(l.a)))
    });
    if apart {
        Room::SiblingApart
    } else {
        Room::Free
    }
}
