//! The simulation loop: one replication is a sequence of monthly steps on
//! its own copy of the data set; replications run in parallel (rayon) and
//! are aggregated in replication order.
//!
//! ## A step (date `d`)
//! 1. **Age**: ages are taken on `d`; a waiting child whose age changed is
//!    re-scored (eligibility changes only on birthdays).
//! 2. **Exits**: children reaching `exits.age_out` leave; each unit is
//!    reunified or adopted with the monthly share of the yearly rates.
//!    A placed child leaving frees the household's place.
//! 3. **Breakdowns**: each placement breaks down with the monthly share of
//!    the yearly rate of its match-score band; the unit returns to emergency
//!    care and is never placed with that household again.
//! 4. **Carers**: households without a child placed by the simulation leave
//!    with the attrition rate; recruitment rules add households (Poisson),
//!    each a copy of a household of the data set of that kind (and region)
//!    with the rule's overrides.
//! 5. **Closures**: an institution whose closure date has come closes; its
//!    residents move to emergency care (and are counted for the capacity
//!    gap).
//! 6. **Entries**: new units (Poisson), copies of units of the start data set
//!    (age, needs, sibling mix, birth-family place), wait in emergency care.
//! 7. **Plan**: the exact planner places waiting units (institutions and
//!    emergency care) in households with free places. Only pairs that can
//!    have become eligible are scored: changed units (new, returned, birthday,
//!    or left over with an eligible pair) × all free households, and the
//!    other waiting units × changed households (new or with a freed place).
//!    A waiting unit is otherwise ineligible for every unchanged household
//!    (else the previous plan, which maximises a positive objective, would
//!    have used the pair), so this is the same plan as planning everyone.
//! 8. New entries still waiting are admitted, unit by unit, to the nearest
//!    institution that admits and has room for the whole unit (if
//!    `entries.admit_unplaced_to_institutions`); never a unit with a member
//!    under `entries.min_institution_age`. The others wait in emergency
//!    care (counted as `entries_to_emergency_care`). Nothing else admits to
//!    an institution, so no institution goes above its capacity unless the
//!    start data set puts it there.
//!
//! Month 0 is the initial plan of the start data set; it has no random
//! events and is computed once and shared by every replication.
//!
//! ## Randomness
//! Every draw is a hash of (seed, replication, event kind, subject, month):
//! independent of thread scheduling and of the order of processing, and the
//! same for two scenarios run with the same seed (common random numbers)
//! whenever the subject exists in both.

use super::scenario::Scenario;
use crate::domain::*;
use crate::geo::{RoadGraph, TravelTimes};
use crate::scoring::{Model, Scorer};
use crate::solve::build::{Built, Occupancy, build_from};
use crate::solve::exact::{self, SolveOptions, Status};
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Where a child is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildState {
    /// Living in an institution (index into the data set's institutions).
    Institution(u32),
    /// Waiting outside institutions (emergency or other temporary care).
    Emergency,
    /// In a family (index of the placement record).
    Placed(u32),
    /// Left care.
    Exited(ExitKind),
}

/// Why a child left care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// Returned to the birth family.
    Reunified,
    /// Adopted.
    Adopted,
    /// Reached the age of leaving care.
    AgedOut,
}

/// A placement made by the simulation.
#[derive(Debug, Clone)]
pub struct PlacementRecord {
    /// Children placed together.
    pub members: Vec<ChildIx>,
    /// Household.
    pub carer: CarerIx,
    /// Match score (hundredths).
    pub score: u32,
    /// Step of the placement.
    pub step: u32,
    /// Needed the travel relaxation.
    pub relaxed: bool,
}

/// A unit still in a closing institution on its closure date.
#[derive(Debug, Clone, PartialEq)]
pub struct GapUnit {
    /// Region of the birth family.
    pub region: String,
    /// Highest severity per need over the members.
    pub needs: [u8; NeedCode::COUNT],
    /// Ages of the members on the closure date.
    pub ages: Vec<u32>,
    /// Languages of the members.
    pub languages: Vec<Language>,
}

/// Event counters of one step.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counters {
    pub breakdowns: u32,
    pub reunified: u32,
    pub adopted: u32,
    pub aged_out: u32,
    pub entries: u32,
    pub recruited: u32,
    pub carers_left: u32,
    pub admissions: u32,
    /// New entries left in emergency care: no family and no institution
    /// place (too young, no room, or admissions off).
    pub entries_no_place: u32,
    /// Of those, units with a member under the minimum admission age.
    pub entries_too_young: u32,
    pub placements: u32,
    pub placed_children: u32,
    pub closure_residents: u32,
    pub relaxed: u32,
}

/// Planner statistics over steps.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PlanStats {
    /// Planner solves (rounds) run.
    pub solves: u64,
    /// Proved optimal.
    pub optimal: u64,
    /// Stopped within the relative gap.
    pub within_gap: u64,
    /// Stopped by the time or node limit.
    pub time_limited: u64,
    /// Steps with nothing to plan (no eligible pair).
    pub empty: u64,
    /// Pairs scored.
    pub pairs_scored: u64,
    /// Eligible pairs given to the planner.
    pub pairs_planned: u64,
    /// Seconds building scorers and scoring pairs.
    pub scoring_seconds: f64,
    /// Seconds in the exact solver.
    pub solve_seconds: f64,
    /// Seconds in the rest of the step (events, metrics).
    pub events_seconds: f64,
}

impl PlanStats {
    pub(crate) fn add(&mut self, o: &PlanStats) {
        self.solves += o.solves;
        self.optimal += o.optimal;
        self.within_gap += o.within_gap;
        self.time_limited += o.time_limited;
        self.empty += o.empty;
        self.pairs_scored += o.pairs_scored;
        self.pairs_planned += o.pairs_planned;
        self.scoring_seconds += o.scoring_seconds;
        self.solve_seconds += o.solve_seconds;
        self.events_seconds += o.events_seconds;
    }
}

/// Road graph and all-pairs travel minutes, computed once per run.
#[derive(Debug, Clone)]
pub struct Geography {
    /// The road graph.
    pub graph: RoadGraph,
    /// Travel minutes from every place.
    pub travel: TravelTimes,
}

impl Geography {
    /// Computes the geography of `data` under `model`'s parameters.
    pub fn new(data: &DataSet, model: &Model) -> Self {
        let graph = RoadGraph::build(data, model.geo);
        let travel = TravelTimes::compute(
            &graph,
            data.places.len(),
            (0..data.places.len()).map(PlaceIx::from_usize),
        );
        Geography { graph, travel }
    }

    /// Minutes between two places (∞ = no route).
    pub fn minutes(&self, a: PlaceIx, b: PlaceIx) -> f32 {
        self.travel.minutes(a, b).unwrap_or(f32::INFINITY)
    }
}

/// One replication's world.
#[derive(Debug, Clone)]
pub(crate) struct World {
    pub data: DataSet,
    pub st: Vec<ChildState>,
    pub recs: Vec<Option<PlacementRecord>>,
    pub sim_kids: Vec<Vec<ChildIx>>,
    pub base_kids: Vec<Vec<CurrentChild>>,
    pub dirty_child: Vec<bool>,
    pub dirty_carer: Vec<bool>,
    pub forbidden: BTreeSet<(ChildIx, CarerIx)>,
    pub closed: Vec<bool>,
    /// Original keep-together group of each child (for split detection).
    pub group: Vec<u32>,
    pub gap_units: Vec<GapUnit>,
    pub counters: Counters,
    pub stats: PlanStats,
    pub new_entries: Vec<ChildIx>,
}

const NO_GROUP: u32 = u32::MAX;

// Event kinds of the random streams.
const K_REUNIFY: u64 = 1;
const K_ADOPT: u64 = 2;
const K_BREAK: u64 = 3;
const K_ATTRITION: u64 = 4;
const K_RECRUIT: u64 = 5;
const K_ENTRY: u64 = 6;

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A hash of the draw's coordinates.
pub(crate) fn key(seed: u64, rep: u32, kind: u64, subject: u64, step: u32) -> u64 {
    let mut h = splitmix(seed);
    for x in [u64::from(rep), kind, subject, u64::from(step)] {
        h = splitmix(h ^ x);
    }
    h
}

/// A uniform draw in [0, 1) at these coordinates.
fn uniform(seed: u64, rep: u32, kind: u64, subject: u64, step: u32) -> f64 {
    (key(seed, rep, kind, subject, step) >> 11) as f64 / (1u64 << 53) as f64
}

/// Poisson draw (Knuth for small means, normal approximation above 60).
fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 60.0 {
        // Box–Muller.
        let (u1, u2): (f64, f64) = (rng.r#gen::<f64>().max(1e-12), rng.r#gen());
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        return (mean + z * mean.sqrt()).round().max(0.0) as u32;
    }
    let l = (-mean).exp();
    let (mut k, mut p) = (0u32, 1.0f64);
    loop {
        p *= rng.r#gen::<f64>();
        if p <= l {
            return k;
        }
        k += 1;
    }
}

/// Share of a yearly rate over `months`.
pub(crate) fn per_step(per_year: f64, months: u32) -> f64 {
    1.0 - (1.0 - per_year.clamp(0.0, 1.0)).powf(f64::from(months) / 12.0)
}

impl ChildState {
    /// Waiting for a family (in an institution or emergency care).
    pub fn waiting(self) -> bool {
        matches!(self, Self::Institution(_) | Self::Emergency)
    }
}

/// Everything the steps need that does not change.
pub(crate) struct Ctx<'a> {
    pub sc: &'a Scenario,
    pub geo: &'a Geography,
    pub relaxed_model: Option<Model>,
    /// Units of the start data set that entries copy.
    pub entry_templates: Vec<Vec<ChildIx>>,
    /// Carers of the start data set by kind (recruitment templates).
    pub kind_templates: BTreeMap<CarerKind, Vec<CarerIx>>,
    /// Places of each region with population weights.
    pub region_places: BTreeMap<String, Vec<(PlaceIx, f64)>>,
    pub seed: u64,
}

impl<'a> Ctx<'a> {
    pub fn new(sc: &'a Scenario, geo: &'a Geography, seed: u64) -> Self {
        let data = &sc.data;
        let start = sc.spec.start;
        let groups = sibling_groups(data);
        let mut in_group = vec![false; data.children.len()];
        let mut entry_templates = Vec::new();
        for g in &groups {
            for m in &g.members {
                in_group[m.get()] = true;
            }
            entry_templates.push(g.members.clone());
        }
        for (i, g) in in_group.iter().enumerate() {
            if !g {
                entry_templates.push(vec![ChildIx::from_usize(i)]);
            }
        }
        let max_age = u32::from(sc.spec.entries.max_age);
        entry_templates.retain(|u| u.iter().all(|c| data.child(*c).age_on(start) <= max_age));
        entry_templates.sort_by(|a, b| data.child(a[0]).id.cmp(&data.child(b[0]).id));
        let mut kind_templates: BTreeMap<CarerKind, Vec<CarerIx>> = BTreeMap::new();
        for (i, c) in data.carers.iter().enumerate() {
            kind_templates
                .entry(c.kind)
                .or_default()
                .push(CarerIx::from_usize(i));
        }
        let mut region_places: BTreeMap<String, Vec<(PlaceIx, f64)>> = BTreeMap::new();
        for (i, p) in data.places.iter().enumerate() {
            region_places
                .entry(p.region.clone())
                .or_default()
                .push((PlaceIx::from_usize(i), p.population.max(1000) as f64));
        }
        let relaxed_model = sc.spec.policy.relax_travel_factor.map(|f| {
            let mut m = sc.model.clone();
            m.thresholds.max_travel_minutes_birth_family *= f;
            m
        });
        Ctx {
            sc,
            geo,
            relaxed_model,
            entry_templates,
            kind_templates,
            region_places,
            seed,
        }
    }
}

impl World {
    /// The world at the start data set, before the initial plan.
    pub fn new(data: &DataSet) -> Self {
        let st = data
            .children
            .iter()
            .map(|c| match c.institution {
                Some(i) => ChildState::Institution(i.0),
                None => ChildState::Emergency,
            })
            .collect();
        let mut group = vec![NO_GROUP; data.children.len()];
        for (g, grp) in sibling_groups(data).iter().enumerate() {
            for m in &grp.members {
                group[m.get()] = g as u32;
            }
        }
        World {
            st,
            recs: Vec::new(),
            sim_kids: vec![Vec::new(); data.carers.len()],
            base_kids: data
                .carers
                .iter()
                .map(|c| c.current_children.clone())
                .collect(),
            dirty_child: vec![true; data.children.len()],
            dirty_carer: vec![true; data.carers.len()],
            forbidden: BTreeSet::new(),
            closed: vec![false; data.institutions.len()],
            group,
            gap_units: Vec::new(),
            counters: Counters::default(),
            stats: PlanStats::default(),
            new_entries: Vec::new(),
            data: data.clone(),
        }
    }

    pub(crate) fn add_carer(&mut self, c: Carer) {
        self.base_kids.push(c.current_children.clone());
        self.data.carers.push(c);
        self.sim_kids.push(Vec::new());
        self.dirty_carer.push(true);
    }

    /// Rebuilds a household's current children from its own and the
    /// simulation's placements, ages on `d`.
    fn refresh_carer(&mut self, h: CarerIx, d: NaiveDate) {
        let mut kids = self.base_kids[h.get()].clone();
        for &c in &self.sim_kids[h.get()] {
            let child = &self.data.children[c.get()];
            kids.push(CurrentChild {
                age: child.age_on(d).min(255) as u8,
                needs: child.needs.clone(),
            });
        }
        self.data.carers[h.get()].current_children = kids;
    }

    /// Takes `c` out of its household (exit or breakdown).
    fn leave_household(&mut self, c: ChildIx, d: NaiveDate) {
        if let ChildState::Placed(r) = self.st[c.get()] {
            if let Some(rec) = self.recs[r as usize].as_mut() {
                let h = rec.carer;
                rec.members.retain(|m| *m != c);
                if rec.members.is_empty() {
                    self.recs[r as usize] = None;
                }
                self.sim_kids[h.get()].retain(|m| *m != c);
                self.refresh_carer(h, d);
                self.dirty_carer[h.get()] = true;
            }
        }
    }

    fn exit(&mut self, c: ChildIx, kind: ExitKind, d: NaiveDate) {
        self.leave_household(c, d);
        self.st[c.get()] = ChildState::Exited(kind);
        self.data.children[c.get()].institution = None;
        // The rest of a sibling group stays one (smaller) group: the
        // leaver's keep-together neighbours are linked to each other before
        // its links go. (Dropping the links alone split a group whose
        // links run through the leaver, e.g. the centre of a star, into
        // lone children planned apart.)
        let mut others = Vec::new();
        let mut kept_with = Vec::new();
        self.data.sibling_links.retain(|l| {
            if l.a == c || l.b == c {
                let o = if l.a == c { l.b } else { l.a };
                others.push(o);
                if l.keep_together {
                    kept_with.push(o);
                }
                false
            } else {
                true
            }
        });
        kept_with.sort_unstable();
        kept_with.dedup();
        for pair in kept_with.windows(2) {
            self.data.sibling_links.push(SiblingLink {
                a: pair[0],
                b: pair[1],
                keep_together: true,
                reason: None,
            });
        }
        for o in others {
            self.dirty_child[o.get()] = true;
        }
        match kind {
            ExitKind::Reunified => self.counters.reunified += 1,
            ExitKind::Adopted => self.counters.adopted += 1,
            ExitKind::AgedOut => self.counters.aged_out += 1,
        }
    }

    fn set_state(&mut self, c: ChildIx, s: ChildState) {
        self.st[c.get()] = s;
        self.data.children[c.get()].institution = match s {
            ChildState::Institution(i) => Some(InstitutionIx(i)),
            _ => None,
        };
    }

    /// Units of children not exited (current keep-together links), each
    /// sorted by child id, sorted by first id.
    fn live_units(&self) -> Vec<Vec<ChildIx>> {
        let mut units: Vec<Vec<ChildIx>> = sibling_groups(&self.data)
            .into_iter()
            .map(|g| g.members)
            .collect();
        let mut in_group = vec![false; self.data.children.len()];
        for u in &units {
            for m in u {
                in_group[m.get()] = true;
            }
        }
        for (i, g) in in_group.iter().enumerate() {
            if !g && !matches!(self.st[i], ChildState::Exited(_)) {
                units.push(vec![ChildIx::from_usize(i)]);
            }
        }
        units.sort_by(|a, b| self.data.child(a[0]).id.cmp(&self.data.child(b[0]).id));
        units
    }
}

/// Applies the random events of step `k` (date `d`, previous date `prev`).
pub(crate) fn events(w: &mut World, cx: &Ctx<'_>, rep: u32, k: u32, d: NaiveDate, prev: NaiveDate) {
    let spec = &cx.sc.spec;
    let months = spec.step_months;
    let seed = cx.seed;
    w.counters = Counters::default();
    w.new_entries.clear();
    // 1. Age.
    for i in 0..w.data.children.len() {
        if w.st[i].waiting() {
            let c = &w.data.children[i];
            if c.age_on(d) != c.age_on(prev) {
                w.dirty_child[i] = true;
            }
        }
    }
    let placed_carers: Vec<CarerIx> = (0..w.sim_kids.len())
        .filter(|&h| !w.sim_kids[h].is_empty())
        .map(CarerIx::from_usize)
        .collect();
    for h in placed_carers {
        w.refresh_carer(h, d);
    }
    // 2. Exits.
    let age_out = u32::from(spec.exits.age_out);
    for i in 0..w.data.children.len() {
        if !matches!(w.st[i], ChildState::Exited(_)) && w.data.children[i].age_on(d) >= age_out {
            w.exit(ChildIx::from_usize(i), ExitKind::AgedOut, d);
        }
    }
    let p_reunify = per_step(spec.exits.reunification_per_year, months);
    let p_adopt5 = per_step(spec.exits.adoption_under5_per_year, months);
    let p_adopt = per_step(spec.exits.adoption_per_year, months);
    if p_reunify > 0.0 || p_adopt5 > 0.0 || p_adopt > 0.0 {
        for u in w.live_units() {
            let subject = u64::from(u[0].0);
            let kind = if uniform(seed, rep, K_REUNIFY, subject, k) < p_reunify {
                Some(ExitKind::Reunified)
            } else {
                let youngest = u.iter().map(|c| w.data.child(*c).age_on(d)).min();
                let p = if youngest.is_some_and(|a| a < 5) {
                    p_adopt5
                } else {
                    p_adopt
                };
                (uniform(seed, rep, K_ADOPT, subject, k) < p).then_some(ExitKind::Adopted)
            };
            if let Some(kind) = kind {
                for c in u {
                    w.exit(c, kind, d);
                }
            }
        }
    }
    // 3. Breakdowns.
    let bands: Vec<(f64, f64)> = spec
        .breakdowns
        .bands
        .iter()
        .map(|b| (b.below * 100.0, per_step(b.per_year, months)))
        .collect();
    for r in 0..w.recs.len() {
        let Some(rec) = &w.recs[r] else { continue };
        let score = f64::from(rec.score);
        let p = bands
            .iter()
            .find(|(below, _)| score < *below)
            .map_or(0.0, |b| b.1);
        if uniform(seed, rep, K_BREAK, u64::from(rec.members[0].0), k) < p {
            let members = rec.members.clone();
            let h = rec.carer;
            for &c in &members {
                w.leave_household(c, d);
                w.set_state(c, ChildState::Emergency);
                w.dirty_child[c.get()] = true;
                w.forbidden.insert((c, h));
            }
            w.counters.breakdowns += 1;
        }
    }
    // 4. Carers leave; recruitment.
    let p_leave = per_step(spec.carers.attrition_per_year, months);
    if p_leave > 0.0 {
        for h in 0..w.data.carers.len() {
            let c = &w.data.carers[h];
            if c.status == CarerStatus::Available
                && w.sim_kids[h].is_empty()
                && uniform(seed, rep, K_ATTRITION, h as u64, k) < p_leave
            {
                w.data.carers[h].status = CarerStatus::Paused;
                w.counters.carers_left += 1;
            }
        }
    }
    let month = k * months;
    for (ri, r) in cx.sc.recruits.iter().enumerate() {
        if month < r.spec.from_month || r.spec.until_month.is_some_and(|u| month > u) {
            continue;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(key(seed, rep, K_RECRUIT, ri as u64, k));
        let n = poisson(&mut rng, r.spec.per_month * f64::from(months));
        let Some(all) = cx.kind_templates.get(&r.kind) else {
            continue;
        };
        let local: Vec<CarerIx> = match &r.region {
            Some(reg) => all
                .iter()
                .copied()
                .filter(|h| cx.sc.data.place(cx.sc.data.carer(*h).place).region == *reg)
                .collect(),
            None => Vec::new(),
        };
        let pool = if local.is_empty() { all } else { &local };
        for j in 0..n {
            let t = pool[rng.gen_range(0..pool.len())];
            let mut c = cx.sc.data.carer(t).clone();
            c.id = CarerId(format!("R{k:03}-{ri:02}-{j:03}"));
            c.current_children.clear();
            c.status = CarerStatus::Available;
            if let Some(reg) = &r.region {
                if let Some(places) = cx.region_places.get(reg) {
                    let total: f64 = places.iter().map(|p| p.1).sum();
                    let mut x = rng.r#gen::<f64>() * total;
                    for (p, wgt) in places {
                        if x < *wgt {
                            c.place = *p;
                            break;
                        }
                        x -= wgt;
                    }
                }
            }
            if let Some(p) = r.spec.places {
                c.approved_places = p;
            }
            if let Some(s) = r.supported {
                c.supported_needs = s;
            }
            if let Some(a) = r.spec.accessible_home {
                c.accessible_home = a;
            }
            if let Some([lo, hi]) = r.spec.ages {
                c.min_age = lo;
                c.max_age = hi;
                c.pref_min_age = None;
                c.pref_max_age = None;
            }
            // Kinship is a relationship, not a capacity: recruited kinship
            // carers are kin of no one in particular.
            w.add_carer(c);
            w.counters.recruited += 1;
        }
    }
    // 5. Closures.
    close_due(w, cx, d);
    // 6. Entries.
    let mut rng = ChaCha8Rng::seed_from_u64(key(seed, rep, K_ENTRY, 0, k));
    let n = poisson(&mut rng, spec.entries.units_per_month * f64::from(months));
    let start = spec.start;
    for j in 0..n {
        if cx.entry_templates.is_empty() {
            break;
        }
        let t = &cx.entry_templates[rng.gen_range(0..cx.entry_templates.len())];
        let first = w.data.children.len();
        for (m, &tc) in t.iter().enumerate() {
            let mut c = cx.sc.data.child(tc).clone();
            c.id = ChildId(format!("N{k:03}-{j:03}-{m}"));
            let days = (d - start).num_days();
            c.birth_date = c
                .birth_date
                .checked_add_signed(chrono::TimeDelta::days(days))
                .unwrap_or(c.birth_date);
            c.entered_care = d;
            c.institution = None;
            c.location = c.birth_family_place;
            c.kin_carers.clear();
            w.data.children.push(c);
            w.st.push(ChildState::Emergency);
            w.dirty_child.push(true);
            w.group.push(if t.len() > 1 {
                (1u32 << 30) + first as u32
            } else {
                NO_GROUP
            });
            w.new_entries.push(ChildIx::from_usize(first + m));
            if m > 0 {
                w.data.sibling_links.push(SiblingLink {
                    a: ChildIx::from_usize(first + m - 1),
                    b: ChildIx::from_usize(first + m),
                    keep_together: true,
                    reason: None,
                });
            }
        }
        w.counters.entries += t.len() as u32;
    }
}

/// Closes institutions whose closure date is on or before `d`.
pub(crate) fn close_due(w: &mut World, cx: &Ctx<'_>, d: NaiveDate) {
    for (i, c) in cx.sc.closures.iter().enumerate() {
        if w.closed[i] || c.close.is_none_or(|cd| cd > d) {
            continue;
        }
        w.closed[i] = true;
        let residents: Vec<ChildIx> = (0..w.st.len())
            .filter(|&c| w.st[c] == ChildState::Institution(i as u32))
            .map(ChildIx::from_usize)
            .collect();
        if residents.is_empty() {
            continue;
        }
        let set: BTreeSet<ChildIx> = residents.iter().copied().collect();
        let mut done = BTreeSet::new();
        for u in w.live_units() {
            if !u.iter().any(|c| set.contains(c)) {
                continue;
            }
            let members: Vec<ChildIx> = u.into_iter().filter(|c| set.contains(c)).collect();
            let mut needs = [0u8; NeedCode::COUNT];
            let mut languages = Vec::new();
            for c in &members {
                let ch = w.data.child(*c);
                for n in &ch.needs {
                    needs[n.code.index()] = needs[n.code.index()].max(n.severity);
                }
                for l in &ch.languages {
                    if !languages.contains(l) {
                        languages.push(*l);
                    }
                }
                done.insert(*c);
            }
            let first = w.data.child(members[0]);
            w.gap_units.push(GapUnit {
                region: w.data.place(first.birth_family_place).region.clone(),
                needs,
                ages: members.iter().map(|c| w.data.child(*c).age_on(d)).collect(),
                languages,
            });
        }
        for c in residents {
            w.set_state(c, ChildState::Emergency);
            w.counters.closure_residents += 1;
        }
    }
}

fn admits(cx: &Ctx<'_>, w: &World, i: usize, d: NaiveDate) -> bool {
    let c = cx.sc.closures[i];
    !w.closed[i] && c.no_admissions_from.is_none_or(|x| x > d) && c.close.is_none_or(|x| x > d)
}

/// Admits this step's new entries still waiting, unit by unit (by first
/// child id), to the nearest institution (travel from the birth family,
/// ties by index) that admits and has room for the whole unit: residents +
/// unit size ≤ capacity. A unit with a member younger than
/// `entries.min_institution_age`, or for which no institution has room,
/// stays in emergency care and is counted (`entries_to_emergency_care`).
pub(crate) fn admit_entries(w: &mut World, cx: &Ctx<'_>, d: NaiveDate) {
    let spec = &cx.sc.spec.entries;
    let entered: BTreeSet<ChildIx> = w
        .new_entries
        .iter()
        .copied()
        .filter(|c| w.st[c.get()] == ChildState::Emergency)
        .collect();
    if entered.is_empty() {
        return;
    }
    let units: Vec<Vec<ChildIx>> = w
        .live_units()
        .into_iter()
        .filter(|u| u.iter().all(|c| entered.contains(c)))
        .collect();
    let mut residents = vec![0u32; w.data.institutions.len()];
    for s in &w.st {
        if let ChildState::Institution(i) = s {
            residents[*i as usize] += 1;
        }
    }
    let open: Vec<usize> = (0..w.data.institutions.len())
        .filter(|&i| admits(cx, w, i, d))
        .collect();
    let min_age = u32::from(spec.min_institution_age);
    for u in units {
        let size = u.len() as u32;
        let too_young = u.iter().any(|c| w.data.child(*c).age_on(d) < min_age);
        let from = w.data.child(u[0]).birth_family_place;
        let best = if !spec.admit_unplaced_to_institutions || too_young {
            None
        } else {
            open.iter()
                .copied()
                .filter(|&i| residents[i] + size <= w.data.institutions[i].capacity)
                .min_by(|&a, &b| {
                    let ma = cx.geo.minutes(from, w.data.institutions[a].place);
                    let mb = cx.geo.minutes(from, w.data.institutions[b].place);
                    ma.total_cmp(&mb).then(a.cmp(&b))
                })
        };
        let Some(best) = best else {
            w.counters.entries_no_place += size;
            if too_young && spec.admit_unplaced_to_institutions {
                w.counters.entries_too_young += size;
            }
            continue;
        };
        residents[best] += size;
        let place = w.data.institutions[best].place;
        for c in u {
            w.set_state(c, ChildState::Institution(best as u32));
            w.data.children[c.get()].location = place;
            w.counters.admissions += 1;
        }
    }
}

/// Runs the planner on who is waiting (strict round, then the travel
/// relaxation if the policy allows it); applies the placements.
pub(crate) fn plan_step(w: &mut World, cx: &Ctx<'_>, k: u32, d: NaiveDate) {
    let mut carry = vec![false; w.data.children.len()];
    let rounds: Vec<(&Model, bool)> = std::iter::once((&cx.sc.model, false))
        .chain(cx.relaxed_model.as_ref().map(|m| (m, true)))
        .collect();
    for (model, relaxed) in rounds {
        let t0 = Instant::now();
        let scorer = Scorer::with_travel(
            &w.data,
            model,
            d,
            cx.geo.graph.clone(),
            cx.geo.travel.clone(),
        );
        let mut seen = vec![false; w.data.children.len()];
        let (mut dirty_units, mut clean_units) = (Vec::new(), Vec::new());
        for i in 0..w.data.children.len() {
            if seen[i] || !w.st[i].waiting() {
                continue;
            }
            let u = scorer.unit_of(ChildIx::from_usize(i));
            for m in &u.members {
                seen[m.get()] = true;
            }
            if u.members.iter().any(|m| !w.st[m.get()].waiting()) {
                continue; // cannot happen: units move together
            }
            if u.members.iter().any(|m| w.dirty_child[m.get()]) {
                dirty_units.push(u);
            } else {
                clean_units.push(u);
            }
        }
        let free: Vec<CarerIx> = (0..w.data.carers.len())
            .filter(|&h| {
                let c = &w.data.carers[h];
                c.status == CarerStatus::Available && c.free_places() > 0
            })
            .map(CarerIx::from_usize)
            .collect();
        let dirty_free: Vec<CarerIx> = free
            .iter()
            .copied()
            .filter(|h| w.dirty_carer[h.get()])
            .collect();
        let mut cands = scorer.candidates_among(&dirty_units, &free);
        let offset = dirty_units.len() as u32;
        let more = scorer.candidates_among(&clean_units, &dirty_free);
        w.stats.pairs_scored +=
            (dirty_units.len() * free.len() + clean_units.len() * dirty_free.len()) as u64;
        cands.extend(more.into_iter().map(|mut c| {
            c.unit += offset;
            c
        }));
        let mut units = dirty_units;
        units.extend(clean_units);
        // Keep units with a pair, households with a pair.
        cands.retain(|c| {
            !units[c.unit as usize]
                .members
                .iter()
                .any(|m| w.forbidden.contains(&(*m, c.carer)))
        });
        // Top-K households per unit (best score first, ties by household id).
        // Month 0 (the shared initial plan) keeps every pair.
        let k_max = cx.sc.spec.policy.candidates_per_unit as usize;
        if k_max > 0 && k > 0 {
            cands.sort_by(|a, b| {
                (a.unit, std::cmp::Reverse(a.score))
                    .cmp(&(b.unit, std::cmp::Reverse(b.score)))
                    .then_with(|| w.data.carer(a.carer).id.cmp(&w.data.carer(b.carer).id))
            });
            let mut run = (u32::MAX, 0usize);
            cands.retain(|c| {
                if c.unit != run.0 {
                    run = (c.unit, 0);
                }
                run.1 += 1;
                run.1 <= k_max
            });
        }
        // Plan only the units with a pair (renumbering their pairs).
        let mut has_pair = vec![false; units.len()];
        for c in &cands {
            has_pair[c.unit as usize] = true;
        }
        let mut new_ix = vec![u32::MAX; units.len()];
        let mut kept_units = Vec::new();
        for (i, u) in units.into_iter().enumerate() {
            if has_pair[i] {
                new_ix[i] = kept_units.len() as u32;
                kept_units.push(u);
            }
        }
        for c in &mut cands {
            c.unit = new_ix[c.unit as usize];
        }
        // A household where the simulation placed a lone child is held to
        // the household limit whatever it is offered.
        let occupied: BTreeMap<CarerIx, Occupancy> = cands
            .iter()
            .map(|c| c.carer)
            .filter(|h| {
                w.sim_kids[h.get()].iter().any(|m| {
                    matches!(w.st[m.get()], ChildState::Placed(r)
                        if w.recs[r as usize].as_ref().is_some_and(|x| x.members.len() == 1))
                })
            })
            .map(|h| {
                let occ = Occupancy {
                    non_exempt: true,
                    ..Occupancy::default()
                };
                (h, occ)
            })
            .collect();
        // Forbidden pairs are already gone (before the top-K cut).
        let Built {
            instance: inst,
            units: kept_units,
            carers,
        } = build_from(&scorer, kept_units, cands, &occupied, &BTreeSet::new());
        w.stats.pairs_planned += inst.pairs.len() as u64;
        w.stats.scoring_seconds += t0.elapsed().as_secs_f64();
        if inst.pairs.is_empty() {
            w.stats.empty += 1;
            continue;
        }
        let t1 = Instant::now();
        let opts = SolveOptions {
            time_limit: cx
                .sc
                .spec
                .policy
                .plan_time_limit_seconds
                .map(Duration::from_secs_f64),
            work_limit: None,
            rel_gap: cx.sc.spec.policy.gap,
            // A cancelled run stops between steps; one step's solve is short.
            cancel: None,
        };
        let sol = exact::solve(&inst, &opts, None);
        w.stats.solve_seconds += t1.elapsed().as_secs_f64();
        w.stats.solves += 1;
        match sol.status {
            Status::Optimal => w.stats.optimal += 1,
            Status::WithinGap => w.stats.within_gap += 1,
            Status::TimeLimited => w.stats.time_limited += 1,
        }
        // Scores of placed pairs, for the breakdown bands.
        let score_of: BTreeMap<(u32, u32), u32> = inst
            .pairs
            .iter()
            .map(|p| ((p.unit, p.household), p.score))
            .collect();
        for (u, h) in sol.assignment.placed.iter().enumerate() {
            let unit = &kept_units[u];
            match h {
                None => {
                    for m in &unit.members {
                        carry[m.get()] = true;
                    }
                }
                Some(h) => {
                    let carer = carers[*h as usize];
                    let r = w.recs.len() as u32;
                    w.recs.push(Some(PlacementRecord {
                        members: unit.members.clone(),
                        carer,
                        score: score_of.get(&(u as u32, *h)).copied().unwrap_or(0),
                        step: k,
                        relaxed,
                    }));
                    for &m in &unit.members {
                        w.set_state(m, ChildState::Placed(r));
                        w.data.children[m.get()].location = w.data.carers[carer.get()].place;
                        w.sim_kids[carer.get()].push(m);
                        carry[m.get()] = false;
                    }
                    w.refresh_carer(carer, d);
                    w.counters.placements += 1;
                    w.counters.placed_children += unit.members.len() as u32;
                    if relaxed {
                        w.counters.relaxed += 1;
                    }
                }
            }
        }
    }
    // Units left with an eligible pair are re-scored next step; everything
    // else is clean now.
    for (i, d) in w.dirty_child.iter_mut().enumerate() {
        *d = carry[i] && w.st[i].waiting();
    }
    for d in w.dirty_carer.iter_mut() {
        *d = false;
    }
}
