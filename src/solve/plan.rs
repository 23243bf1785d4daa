//! Whole-region placement plans: build the instance, solve it exactly, explain
//! every placement and every unplaced child, and (opt-in) climb the model's
//! relaxation ladder for the children the strict plan cannot place.
//!
//! ## Objective
//! `maximise Σ x[u,h] · (value[u] + score[u,h])`, in hundredths of a point:
//! `value[u]` is the unit's placement priority ([`crate::scoring::priority`],
//! ×100) and `score[u,h]` its match score (0–10000). Priority values are in the
//! hundreds of points while scores are at most 100, so placing more
//! (priority-weighted) children wins first and fit decides between plans
//! that place the same children.

use super::build::{
    Built, Occupancy, PlacedThere, PlanError, Room, Scope, build, instance_unit, room_for,
    scope_units,
};
use super::exact::{self, ComponentReport, SolveOptions, Status, StoppedBy};
use super::instance::Unit as IUnit;
use crate::domain::{CarerIx, ChildIx, DataSet};
use crate::scoring::{Model, Relaxation, RuleCode, Score, Scorer, Unit, UnplacedCode};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// What to plan and how.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Children covered.
    pub scope: Scope,
    /// Solver limits.
    pub solve: SolveOptions,
    /// Climb the model's relaxation ladder for children left unplaced.
    pub relax: bool,
    /// Pairs an officer fixed: (child id, household id); the child's unit
    /// is placed there.
    pub pinned: Vec<(String, String)>,
    /// Pairs an officer ruled out: (child id, household id).
    pub forbidden: Vec<(String, String)>,
    /// Alternatives reported per placed unit.
    pub alternatives: usize,
}

/// A plan option out of its range (found by [`PlanOptions::validate`] or
/// [`time_limit_secs`]); each caller words it for its own input (a CLI
/// flag, an API field).
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum OptionError {
    /// The time limit is not a positive number of seconds.
    #[error("the time limit must be a positive number of seconds")]
    TimeLimit,
    /// A work limit of 0 units.
    #[error("the work limit must be at least 1 unit of work")]
    WorkLimit,
    /// The relative gap is not in [0, 1).
    #[error("the relative gap {0} must be at least 0 and below 1")]
    Gap(f64),
}

/// A time limit given in seconds, checked: positive and finite.
///
/// # Errors
/// [`OptionError::TimeLimit`] for 0, a negative number, NaN or infinity.
pub fn time_limit_secs(secs: f64) -> Result<Duration, OptionError> {
    if secs.is_finite() && secs > 0.0 {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(OptionError::TimeLimit)
    }
}

impl PlanOptions {
    /// Checks the solver limits of a plan request, every problem at once, in
    /// the order time limit, work limit, gap. The one check of these
    /// options, used by `homeward plan` and the API's plan jobs.
    ///
    /// # Errors
    /// Every [`OptionError`] found.
    pub fn validate(&self) -> Result<(), Vec<OptionError>> {
        let mut errors = Vec::new();
        if self.solve.time_limit == Some(Duration::ZERO) {
            errors.push(OptionError::TimeLimit);
        }
        if self.solve.work_limit == Some(0) {
            errors.push(OptionError::WorkLimit);
        }
        if !(0.0..1.0).contains(&self.solve.rel_gap) {
            errors.push(OptionError::Gap(self.solve.rel_gap));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Another household for a placed unit and what choosing it would cost.
#[derive(Debug, Clone, PartialEq)]
pub struct AlternativeView {
    /// The household.
    pub carer: CarerIx,
    /// Its match score for the unit (hundredths).
    pub score: u32,
    /// The plan's objective drops by at least this much (hundredths)…
    pub drop_low: i64,
    /// …and at most this much (exact when equal).
    pub drop_high: i64,
}

/// One placement of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// Children placed together.
    pub unit: Unit,
    /// Household.
    pub carer: CarerIx,
    /// Placement value (hundredths).
    pub value: i64,
    /// Match score with breakdown.
    pub score: Score,
    /// Relaxations this placement needs, judged from the pair itself
    /// ([`Scorer::relaxations_needed`]; empty = strict rules).
    pub relaxed: Vec<String>,
    /// Fixed by an officer.
    pub pinned: bool,
    /// Next-best households and the cost of choosing them.
    pub alternatives: Vec<AlternativeView>,
}

/// Why a child is not placed.
#[derive(Debug, Clone, PartialEq)]
pub enum UnplacedReason {
    /// No household passes every hard rule; the rules that exclude most.
    NoEligibleHousehold {
        /// (rule, households failing it), most first.
        rules: Vec<(RuleCode, usize)>,
    },
    /// Households pass every other rule but none has enough free places for
    /// the sibling group.
    GroupLargerThanAnyEligibleHousehold {
        /// Children in the group.
        size: usize,
        /// Most free places among those households.
        largest_free: u8,
    },
    /// Households pass every hard rule, but given the plan's placements none
    /// takes the unit: one reason per kind of [`Room`] among them (`Full` is
    /// `OUTCOMPETED`, `LimitBinds` is `HOUSEHOLD_LIMIT_BINDING`, …).
    Blocked {
        /// Why these households do not take the unit.
        room: Room,
        /// Eligible households of this kind.
        households: usize,
        /// The best of them by match score (at most 3, ties by id) and the
        /// units the plan places there.
        by: Vec<(CarerIx, Vec<Vec<ChildIx>>)>,
    },
}

impl UnplacedReason {
    /// Stable code of the reason.
    pub fn code(&self) -> UnplacedCode {
        match self {
            Self::NoEligibleHousehold { .. } => UnplacedCode::NoEligibleHousehold,
            Self::GroupLargerThanAnyEligibleHousehold { .. } => {
                UnplacedCode::SiblingGroupLargerThanAnyEligibleHousehold
            }
            Self::Blocked { room, .. } => room_code(*room),
        }
    }
}

/// The unplaced-reason code of households with `room` for a unit the plan
/// leaves out.
pub fn room_code(room: Room) -> UnplacedCode {
    match room {
        Room::Full => UnplacedCode::Outcompeted,
        Room::LimitBinds => UnplacedCode::HouseholdLimitBinding,
        Room::SiblingApart => UnplacedCode::SiblingToLiveApartThere,
        Room::Free => UnplacedCode::RoomLeftUnused,
    }
}

/// A unit the plan leaves unplaced.
#[derive(Debug, Clone, PartialEq)]
pub struct Unplaced {
    /// Children.
    pub unit: Unit,
    /// Placement value (hundredths).
    pub value: i64,
    /// Why.
    pub reasons: Vec<UnplacedReason>,
}

/// One solve of the ladder.
#[derive(Debug, Clone)]
pub struct Round {
    /// `strict` or the relaxations in force.
    pub label: String,
    /// Units in the round.
    pub units: usize,
    /// Units placed in it.
    pub placed: usize,
    /// Children placed in it.
    pub children_placed: usize,
    /// Objective of the round (hundredths).
    pub objective: i64,
    /// Proved bound of the round.
    pub bound: i64,
    /// Status of the round.
    pub status: Status,
    /// Per-component reports.
    pub components: Vec<ComponentReport>,
    /// Wall time.
    pub millis: f64,
    /// What ended the round's search (the last in [`StoppedBy`]'s order
    /// over its solves).
    pub stopped_by: StoppedBy,
    /// Units of work the round used (all its solves).
    pub work: u64,
    /// The round's share of the plan's time limit (see [`plan`]).
    pub time_share: Option<Duration>,
    /// The round's share of the plan's work limit (see [`plan`]).
    pub work_share: Option<u64>,
}

impl Round {
    /// The report of one solve of `built`, started at `started`.
    fn new(label: String, built: &Built, sol: &exact::Solution, started: Instant) -> Self {
        Round {
            label,
            units: built.units.len(),
            placed: sol.assignment.placed.iter().flatten().count(),
            children_placed: sol
                .assignment
                .placed
                .iter()
                .zip(&built.units)
                .filter(|(h, _)| h.is_some())
                .map(|(_, u)| u.size())
                .sum(),
            objective: sol.objective,
            bound: sol.bound,
            status: sol.status,
            components: sol.components.clone(),
            millis: started.elapsed().as_secs_f64() * 1000.0,
            stopped_by: sol.stopped_by,
            work: sol.work,
            time_share: None,
            work_share: None,
        }
    }

    /// The same report with the share it was given and what all of its
    /// solves used and met.
    fn spent(self, share: &Share) -> Self {
        Round {
            stopped_by: self.stopped_by.max(share.stopped_by),
            work: share.used,
            time_share: share.time,
            work_share: share.work,
            ..self
        }
    }
}

/// The limits a plan was made under.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Time limit of the whole plan.
    pub time_limit: Option<Duration>,
    /// Work limit of the whole plan (units of work, see
    /// [`SolveOptions::work_limit`]).
    pub work_limit: Option<u64>,
    /// Relative gap at which each round stops.
    pub rel_gap: f64,
}

/// How the plan's time and work limits are shared between the rounds of
/// the relaxation ladder, so that every round that runs gets its share:
/// with `n` rounds that may still run (this one included), a round gets
///
/// - everything left when it is the last (`n = 1`; so without `--relax`
///   the strict round gets the whole limit),
/// - half of what is left when it is the strict round of a ladder,
/// - `1/n` of what is left when it is a relaxation round,
///
/// where "what is left" is the limit minus what the rounds before it used,
/// so a round that finishes early hands its unused share on. Work used is
/// counted exactly, so with a work limit the shares are the same on every
/// machine; time used includes the work between solves (scoring, building
/// the next round).
struct Ladder {
    started: Instant,
    time: Option<Duration>,
    work: Option<u64>,
    work_used: u64,
    /// Rounds given a share so far.
    taken: usize,
    /// Rounds the ladder may run (the strict one included).
    rounds: usize,
}

/// One round's share of the limits and what its solves used of it.
struct Share {
    deadline: Option<Instant>,
    time: Option<Duration>,
    work: Option<u64>,
    used: u64,
    stopped_by: StoppedBy,
}

impl Ladder {
    /// The ladder of a plan under `opts` with `relaxations` relaxation
    /// rounds after the strict one.
    fn new(opts: &SolveOptions, relaxations: usize) -> Self {
        Ladder {
            started: Instant::now(),
            time: opts.time_limit,
            work: opts.work_limit,
            work_used: 0,
            taken: 0,
            rounds: 1 + relaxations,
        }
    }

    /// The share of the next round (see [`Ladder`]).
    fn next(&mut self) -> Share {
        let n = self.rounds.saturating_sub(self.taken).max(1);
        let divisor = if n == 1 {
            1
        } else if self.taken == 0 {
            2
        } else {
            n
        };
        self.taken += 1;
        let time = self
            .time
            .map(|t| t.saturating_sub(self.started.elapsed()) / divisor as u32);
        let work = self
            .work
            .map(|w| w.saturating_sub(self.work_used) / divisor as u64);
        Share {
            deadline: time.map(|t| Instant::now() + t),
            time,
            work,
            used: 0,
            stopped_by: StoppedBy::Proved,
        }
    }

    /// Counts what a finished round used.
    fn spent(&mut self, share: &Share) {
        self.work_used = self.work_used.saturating_add(share.used);
    }
}

impl Share {
    /// Options for the next solve of the round: what is left of its share.
    fn options(&self, base: &SolveOptions) -> SolveOptions {
        SolveOptions {
            time_limit: self
                .deadline
                .map(|d| d.saturating_duration_since(Instant::now())),
            work_limit: self.work.map(|w| w.saturating_sub(self.used)),
            ..base.clone()
        }
    }

    /// Counts a finished solve of the round.
    fn record(&mut self, sol: &exact::Solution) {
        self.used = self.used.saturating_add(sol.work);
        self.stopped_by = self.stopped_by.max(sol.stopped_by);
    }
}

/// A placement plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Status of the strict plan (what is proved).
    pub status: Status,
    /// Objective of the strict plan.
    pub objective: i64,
    /// Proved upper bound of the strict plan.
    pub bound: i64,
    /// Objective of the whole plan: pinned placements and every round
    /// (= `pinned_objective` + Σ round objectives).
    pub total_objective: i64,
    /// Objective of the officers' pinned placements.
    pub pinned_objective: i64,
    /// Placements, strict first, by first child id.
    pub placements: Vec<Placement>,
    /// Units left unplaced.
    pub unplaced: Vec<Unplaced>,
    /// Every solve.
    pub rounds: Vec<Round>,
    /// The limits it was made under.
    pub limits: Limits,
    /// Units of work used by all rounds.
    pub work: u64,
    /// What ended its search: the last over the rounds in [`StoppedBy`]'s
    /// order (`Proved` when every round was proved optimal).
    pub stopped_by: StoppedBy,
}

impl Plan {
    /// Relative gap of the strict plan: (bound − objective) / bound.
    pub fn gap(&self) -> f64 {
        if self.bound <= 0 {
            0.0
        } else {
            (self.bound - self.objective) as f64 / self.bound as f64
        }
    }
}

/// Pins, forbidden pairs and the instance of the strict round.
struct Prepared {
    placements: Vec<Placement>,
    occupied: BTreeMap<CarerIx, Occupancy>,
    forbidden: BTreeSet<(ChildIx, CarerIx)>,
    built: Built,
}

/// The child and household of an officer's (child id, household id) pair.
fn resolve(data: &DataSet, child: &str, carer: &str) -> Result<(ChildIx, CarerIx), PlanError> {
    let c = data
        .child_ix(child)
        .ok_or_else(|| PlanError::UnknownChild(child.to_owned()))?;
    let h = data
        .carer_ix(carer)
        .ok_or_else(|| PlanError::UnknownCarer(carer.to_owned()))?;
    Ok((c, h))
}

fn prepare(scorer: &Scorer<'_>, opts: &PlanOptions) -> Result<Prepared, PlanError> {
    let data = scorer.data();
    let units = scope_units(scorer, &opts.scope)?;
    let mut occupied: BTreeMap<CarerIx, Occupancy> = BTreeMap::new();
    let mut placements = Vec::new();
    // Officers' pins first.
    let mut pinned_units = BTreeSet::new();
    for (child, carer) in &opts.pinned {
        let (c, h) = resolve(data, child, carer)?;
        let unit = scorer.unit_of(c);
        let bad = |why: String| PlanError::BadPin {
            child: child.clone(),
            carer: carer.clone(),
            why,
        };
        if let Some(v) = scorer.violations(&unit, h).first() {
            return Err(bad(format!("{} ({})", v.1.code, v.1.detail)));
        }
        let iu = super::build::instance_unit(scorer, &unit);
        let occ = occupied.get(&h).copied().unwrap_or_default();
        if !super::build::instance_household(scorer, h, occ).allows([&iu]) {
            return Err(bad(
                "the household has no room left for it after other pins".into(),
            ));
        }
        occupy(&mut occupied, h, &iu);
        pinned_units.insert(unit.members.clone());
        placements.push(Placement {
            value: iu.value,
            score: scorer.score_pair(&unit, h),
            unit,
            carer: h,
            relaxed: Vec::new(),
            pinned: true,
            alternatives: Vec::new(),
        });
    }
    let mut forbidden = BTreeSet::new();
    for (child, carer) in &opts.forbidden {
        let (c, h) = resolve(data, child, carer)?;
        for m in scorer.unit_of(c).members {
            forbidden.insert((m, h));
        }
    }
    let waiting: Vec<Unit> = units
        .into_iter()
        .filter(|u| !pinned_units.contains(&u.members))
        .collect();

    let built = build(scorer, waiting, &occupied, &forbidden);
    Ok(Prepared {
        placements,
        occupied,
        forbidden,
        built,
    })
}

/// The instance of the strict round (after pins and forbidden pairs), for
/// export: what `plan` solves first.
///
/// # Errors
/// As [`plan`].
pub fn strict_instance(
    data: &DataSet,
    model: &Model,
    as_of: NaiveDate,
    opts: &PlanOptions,
) -> Result<Built, PlanError> {
    let scorer = Scorer::new(data, model, as_of);
    Ok(prepare(&scorer, opts)?.built)
}

/// Plans `opts.scope` of `data` under `model`, ages on `as_of`.
///
/// The time and work limits of `opts.solve` hold for the whole plan. With
/// `opts.relax`, every round gets a guaranteed share: the strict round at
/// most half, each relaxation round `1/n` of what is left when `n` rounds
/// may still run (the last one all of it), unused shares carried forward.
///
/// # Errors
/// [`PlanError`] for unknown ids, regions or pins that break a rule.
pub fn plan(
    data: &DataSet,
    model: &Model,
    as_of: NaiveDate,
    opts: &PlanOptions,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<Plan, PlanError> {
    // One budget for the whole plan, shared out between the rounds.
    let relaxations = if opts.relax {
        model.relaxations.len()
    } else {
        0
    };
    let mut ladder = Ladder::new(&opts.solve, relaxations);
    let scorer = Scorer::new(data, model, as_of);
    let Prepared {
        mut placements,
        mut occupied,
        forbidden,
        built,
    } = prepare(&scorer, opts)?;
    // Strict round.
    let t = Instant::now();
    let mut share = ladder.next();
    let sol = exact::solve(&built.instance, &share.options(&opts.solve), progress);
    share.record(&sol);
    ladder.spent(&share);
    let alts = if opts.alternatives > 0 {
        exact::alternatives(&built.instance, &sol, opts.alternatives)
    } else {
        Vec::new()
    };
    let strict = Round::new("strict".into(), &built, &sol, t).spent(&share);
    let pinned_value: i64 = placements
        .iter()
        .map(|p| p.value + i64::from(p.score.total))
        .sum();
    let mut rounds = vec![strict];
    let mut left = collect(
        &scorer,
        &built,
        &sol.assignment.placed,
        &alts,
        &|_, _| Vec::new(),
        &mut placements,
        &mut occupied,
    );

    // Relaxation ladder.
    if opts.relax {
        let mut relaxed_model = model.clone();
        let mut labels: Vec<String> = Vec::new();
        for (step, r) in model.relaxations.iter().enumerate() {
            if left.is_empty() {
                break;
            }
            labels.push(r.label());
            let mut split = None;
            match r {
                Relaxation::TravelLimit { factor } => {
                    relaxed_model.thresholds.max_travel_minutes_birth_family *= factor
                }
                Relaxation::SplitSiblingGroups {
                    min_size,
                    within_minutes,
                } => split = Some((*min_size, *within_minutes)),
            }
            let t = Instant::now();
            let mut share = ladder.next();
            let rscorer = Scorer::new(data, &relaxed_model, as_of);
            let (round_units, parent) = round_units(data, &left, split.map(|(min, _)| min), as_of);
            let mut forbid = forbidden.clone();
            let (built, sol) = loop {
                let built = build(&rscorer, round_units.clone(), &occupied, &forbid);
                let sol = exact::solve(&built.instance, &share.options(&opts.solve), progress);
                share.record(&sol);
                // Sub-groups of one split group must live close together: forbid
                // the pair that breaks it and solve again (each pass removes one
                // pair, so this ends).
                let Some((_, within)) = split else {
                    break (built, sol);
                };
                match far_apart(&rscorer, &built, &sol.assignment.placed, &parent, within) {
                    None => break (built, sol),
                    Some((u, h)) => {
                        for m in &built.units[u].members {
                            forbid.insert((*m, built.carers[h as usize]));
                        }
                    }
                }
            };
            ladder.spent(&share);
            rounds.push(Round::new(labels.join(" + "), &built, &sol, t).spent(&share));
            // Every step so far may be needed (a part of a group split in
            // an earlier round still needs its split step).
            let in_force: Vec<usize> = (0..=step).collect();
            left = collect(
                &rscorer,
                &built,
                &sol.assignment.placed,
                &[],
                &|u, h| labels_needed(&scorer, &in_force, u, h),
                &mut placements,
                &mut occupied,
            );
        }
    }

    let unplaced = unplaced_reasons(&scorer, &placements, left, &forbidden);
    placements.sort_by(|a, b| {
        (
            !a.relaxed.is_empty(),
            data.child(a.unit.members[0]).id.as_str(),
        )
            .cmp(&(
                !b.relaxed.is_empty(),
                data.child(b.unit.members[0]).id.as_str(),
            ))
    });
    let total_objective = pinned_value + rounds.iter().map(|r| r.objective).sum::<i64>();
    Ok(Plan {
        status: rounds[0].status,
        objective: rounds[0].objective + pinned_value,
        bound: rounds[0].bound + pinned_value,
        total_objective,
        pinned_objective: pinned_value,
        placements,
        unplaced,
        limits: Limits {
            time_limit: opts.solve.time_limit,
            work_limit: opts.solve.work_limit,
            rel_gap: opts.solve.rel_gap,
        },
        work: rounds.iter().map(|r| r.work).sum(),
        stopped_by: rounds
            .iter()
            .map(|r| r.stopped_by)
            .max()
            .unwrap_or(StoppedBy::Proved),
        rounds,
    })
}

/// The units of a relaxation round: every unit `left`, each of at least
/// `split_min` members (when the round splits groups) as its sub-groups;
/// with, per round unit, the index in `left` of the unit it came from.
fn round_units(
    data: &DataSet,
    left: &[Unit],
    split_min: Option<u8>,
    as_of: NaiveDate,
) -> (Vec<Unit>, Vec<usize>) {
    let mut round_units: Vec<Unit> = Vec::new();
    let mut parent: Vec<usize> = Vec::new();
    for (i, u) in left.iter().enumerate() {
        match split_min {
            Some(min) if u.size() >= usize::from(min) => {
                for part in split_group(data, u, as_of) {
                    round_units.push(part);
                    parent.push(i);
                }
            }
            _ => {
                round_units.push(u.clone());
                parent.push(i);
            }
        }
    }
    (round_units, parent)
}

/// Reasons for every unit still unplaced (under the strict rules, given
/// every placement of the plan).
fn unplaced_reasons(
    scorer: &Scorer<'_>,
    placements: &[Placement],
    left: Vec<Unit>,
    forbidden: &BTreeSet<(ChildIx, CarerIx)>,
) -> Vec<Unplaced> {
    let mut placed_at: BTreeMap<CarerIx, PlacedThere> = BTreeMap::new();
    for p in placements {
        let there = placed_at.entry(p.carer).or_default();
        there.push(instance_unit(scorer, &p.unit), &p.unit.members);
    }
    left.into_iter()
        .map(|u| explain_unplaced(scorer, u, forbidden, &placed_at))
        .collect()
}

fn occupy(occupied: &mut BTreeMap<CarerIx, Occupancy>, h: CarerIx, u: &IUnit) {
    let o = occupied.entry(h).or_default();
    o.children = o.children.saturating_add(u.size);
    o.developmental |= u.developmental;
    o.non_exempt |= !u.exempt;
}

/// The relaxation labels of placing `unit` at `carer`: the steps among
/// `in_force` it needs against the `strict` model, judged from the pair.
fn labels_needed(
    strict: &Scorer<'_>,
    in_force: &[usize],
    unit: &Unit,
    carer: CarerIx,
) -> Vec<String> {
    if in_force.is_empty() {
        return Vec::new();
    }
    let ladder = &strict.model().relaxations;
    strict
        .relaxations_needed(unit, carer, in_force)
        .steps
        .into_iter()
        .map(|i| ladder[i].label())
        .collect()
}

/// Records the placements of one round (each labelled by `label`); returns
/// the units left unplaced.
fn collect(
    scorer: &Scorer<'_>,
    built: &Built,
    placed: &[Option<u32>],
    alts: &[Vec<exact::Alternative>],
    label: &dyn Fn(&Unit, CarerIx) -> Vec<String>,
    placements: &mut Vec<Placement>,
    occupied: &mut BTreeMap<CarerIx, Occupancy>,
) -> Vec<Unit> {
    let mut left = Vec::new();
    for (u, h) in placed.iter().enumerate() {
        let unit = &built.units[u];
        match h {
            None => left.push(unit.clone()),
            Some(h) => {
                let carer = built.carers[*h as usize];
                let iu = &built.instance.units[u];
                occupy(occupied, carer, iu);
                let alternatives = alts
                    .get(u)
                    .map(|v| {
                        v.iter()
                            .map(|a| AlternativeView {
                                carer: built.carers[a.household as usize],
                                score: built
                                    .instance
                                    .pair(u as u32, a.household)
                                    .map_or(0, |p| p.score),
                                drop_low: a.drop_low,
                                drop_high: a.drop_high,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                placements.push(Placement {
                    unit: unit.clone(),
                    carer,
                    value: iu.value,
                    score: scorer.score_pair(unit, carer),
                    relaxed: label(unit, carer),
                    pinned: false,
                    alternatives,
                });
            }
        }
    }
    // Parts of a split group that were not all placed go back whole.
    left.sort_by_key(|u| u.members.clone());
    left
}

/// Splits a sibling group into sub-groups of 2–3 children, by age (oldest
/// first, ties by id): sizes 4 → 2+2, 5 → 3+2, 6 → 3+3, 7 → 3+2+2, …
fn split_group(data: &DataSet, unit: &Unit, as_of: NaiveDate) -> Vec<Unit> {
    let mut m = unit.members.clone();
    m.sort_by_key(|c| {
        (
            std::cmp::Reverse(data.child(*c).age_on(as_of)),
            data.child(*c).id.clone(),
        )
    });
    let n = m.len();
    let k = n.div_ceil(3);
    let sizes: Vec<usize> = (0..k).map(|i| n / k + usize::from(i < n % k)).collect();
    let mut out = Vec::new();
    let mut it = m.into_iter();
    for s in sizes {
        let mut part: Vec<ChildIx> = it.by_ref().take(s).collect();
        part.sort_by(|a, b| data.child(*a).id.cmp(&data.child(*b).id));
        out.push(Unit { members: part });
    }
    out
}

/// A placed sub-group whose household is more than `within` minutes from
/// the household of an earlier sub-group of the same split group.
fn far_apart(
    scorer: &Scorer<'_>,
    built: &Built,
    placed: &[Option<u32>],
    parent: &[usize],
    within: f64,
) -> Option<(usize, u32)> {
    let mut first: BTreeMap<usize, CarerIx> = BTreeMap::new();
    for (u, h) in placed.iter().enumerate() {
        let Some(h) = h else { continue };
        let carer = built.carers[*h as usize];
        match first.get(&parent[u]) {
            None => {
                first.insert(parent[u], carer);
            }
            Some(&c0) if f64::from(scorer.carer_minutes(c0, carer)) > within => {
                return Some((u, *h));
            }
            Some(_) => {}
        }
    }
    None
}

/// Why `unit` is left unplaced, under the strict rules and given every
/// placement of the plan (`placed_at`, by household).
fn explain_unplaced(
    scorer: &Scorer<'_>,
    unit: Unit,
    forbidden: &BTreeSet<(ChildIx, CarerIx)>,
    placed_at: &BTreeMap<CarerIx, PlacedThere>,
) -> Unplaced {
    let data = scorer.data();
    let value = super::build::unit_value(data, scorer.model(), &unit, scorer.as_of());
    let masks = scorer.masks(&unit);
    let eligible: Vec<CarerIx> = masks
        .iter()
        .enumerate()
        .filter(|(i, m)| {
            **m == 0
                && !unit
                    .members
                    .iter()
                    .any(|c| forbidden.contains(&(*c, CarerIx::from_usize(*i))))
        })
        .map(|(i, _)| CarerIx::from_usize(i))
        .collect();
    let reasons = if eligible.is_empty() {
        no_eligible_household(scorer, &unit, &masks)
    } else {
        blocked(scorer, &unit, &eligible, placed_at)
    };
    Unplaced {
        unit,
        value,
        reasons,
    }
}

/// Reasons of a unit no household is eligible for: the rules that exclude
/// most households, after the group-size reason when it applies.
fn no_eligible_household(scorer: &Scorer<'_>, unit: &Unit, masks: &[u16]) -> Vec<UnplacedReason> {
    let data = scorer.data();
    let mut reasons = Vec::new();
    let capacity = RuleCode::NoFreePlace.bit()
        | RuleCode::SiblingGroupTooLarge.bit()
        | RuleCode::HouseholdLimitExceeded.bit();
    if unit.size() > 1 {
        let roomless: Vec<u8> = masks
            .iter()
            .enumerate()
            .filter(|(_, m)| **m != 0 && **m & !capacity == 0)
            .map(|(i, _)| data.carers[i].free_places())
            .collect();
        if let Some(&largest_free) = roomless.iter().max() {
            reasons.push(UnplacedReason::GroupLargerThanAnyEligibleHousehold {
                size: unit.size(),
                largest_free,
            });
        }
    }
    let mut counts: Vec<(RuleCode, usize)> = RuleCode::ALL
        .into_iter()
        .map(|r| (r, masks.iter().filter(|m| **m & r.bit() != 0).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    counts.sort_by_key(|(r, n)| (std::cmp::Reverse(*n), *r));
    counts.truncate(3);
    reasons.push(UnplacedReason::NoEligibleHousehold { rules: counts });
    reasons
}

/// Reasons of a unit whose `eligible` households all refuse it given the
/// plan's placements: one per kind of [`Room`], naming the best households
/// of that kind and who is placed there; the kind with the best household
/// first.
fn blocked(
    scorer: &Scorer<'_>,
    unit: &Unit,
    eligible: &[CarerIx],
    placed_at: &BTreeMap<CarerIx, PlacedThere>,
) -> Vec<UnplacedReason> {
    let data = scorer.data();
    let iu = instance_unit(scorer, unit);
    let nobody = PlacedThere::default();
    let mut best: Vec<(u32, CarerIx)> = eligible
        .iter()
        .map(|&c| (scorer.score_pair(unit, c).total, c))
        .collect();
    best.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| data.carer(a.1).id.cmp(&data.carer(b.1).id))
    });
    // Kinds in order of their best household.
    let mut reasons: Vec<UnplacedReason> = Vec::new();
    for (_, c) in best {
        let there = placed_at.get(&c).unwrap_or(&nobody);
        let room = room_for(scorer, c, &iu, &unit.members, there);
        let k = match reasons
            .iter()
            .position(|r| matches!(r, UnplacedReason::Blocked { room: k, .. } if *k == room))
        {
            Some(k) => k,
            None => {
                reasons.push(UnplacedReason::Blocked {
                    room,
                    households: 0,
                    by: Vec::new(),
                });
                reasons.len() - 1
            }
        };
        if let UnplacedReason::Blocked { households, by, .. } = &mut reasons[k] {
            *households += 1;
            if by.len() < 3 {
                by.push((c, units_there(data, there)));
            }
        }
    }
    reasons
}

/// The units placed in a household, in order of their first child's id.
fn units_there(data: &DataSet, there: &PlacedThere) -> Vec<Vec<ChildIx>> {
    let mut units = there.members.clone();
    units.sort_by(|a, b| {
        let id = |m: &Vec<ChildIx>| m.first().map(|c| data.child(*c).id.as_str());
        id(a).cmp(&id(b))
    });
    units
}
