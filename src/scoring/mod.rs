//! Scoring: hard rules exclude pairs with a stable reason code; soft criteria
//! give a weighted, explained score from 0 to 100.
//!
//! ## The score
//! For a pair, each soft criterion `c` gives a value `v_c ∈ [0, 1]` or "not
//! applicable". With `w_c` the model's weight and `W = Σ w_c` over the
//! criteria that apply (and have a positive weight), the contribution of `c`
//! is `100 · w_c · v_c / W` points and the total is their sum, so the total is
//! between 0 and 100. Points are kept in hundredths: the total is rounded to a
//! hundredth, and the contributions are rounded (largest remainder, ties in
//! registry order) so that they add up **exactly** to the total.
//!
//! ## Sibling groups
//! A sibling group is ranked as one unit: a household is eligible when it
//! passes every hard rule for every member (capacity rules with the group's
//! size); each criterion's group value is the mean of the members' values
//! (over the members it applies to), and the total is computed from the group
//! values as for one child.

pub mod context;
pub mod criteria;
mod model;
pub mod priority;
mod relax;
pub mod rules;

pub use criteria::Criterion;
pub use model::{
    BUILTIN, CriterionParams, Geography, HouseholdRules, Model, ModelError, PriorityWeights,
    Relaxation, Thresholds,
};
pub use relax::Needed;
pub use rules::{Detail, RuleCode, UnplacedCode, Violation};

use crate::domain::*;
use crate::geo::{RoadGraph, TravelTimes};
use chrono::NaiveDate;
use context::{CarerRow, ChildProfile, PairCtx};
use rayon::prelude::*;
use std::collections::HashMap;

/// Errors of scoring requests.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScoreError {
    /// No child with that id.
    #[error("no child with id {0:?} in the data set")]
    UnknownChild(String),
    /// No carer with that id.
    #[error("no household with id {0:?} in the data set")]
    UnknownCarer(String),
}

/// A placement unit: a sibling group placed together or a lone child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Members, sorted by child id.
    pub members: Vec<ChildIx>,
}

impl Unit {
    /// Number of children.
    pub fn size(&self) -> usize {
        self.members.len()
    }
}

/// One criterion's part of a score.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionScore {
    /// Which criterion.
    pub criterion: Criterion,
    /// Value in [0, 1]; `None` = not applicable.
    pub value: Option<f64>,
    /// Weight from the model.
    pub weight: f64,
    /// Points in hundredths (Σ over criteria = total).
    pub contribution: u32,
    /// One-line reason.
    pub reason: String,
}

/// A score with its breakdown.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Total in hundredths of a point (0–10000).
    pub total: u32,
    /// Per-criterion breakdown in registry order (forbidden criteria omitted).
    pub breakdown: Vec<CriterionScore>,
}

/// A ranked household.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// 1-based rank among eligible households.
    pub rank: usize,
    /// The household.
    pub carer: CarerIx,
    /// Its score.
    pub score: Score,
}

/// Ranked households for one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// The unit ranked for.
    pub unit: Unit,
    /// Its placement priority (points).
    pub priority: f64,
    /// Households in the data set.
    pub households: usize,
    /// Households passing every hard rule.
    pub eligible: usize,
    /// Top matches, best first (ties by household id).
    pub matches: Vec<Match>,
    /// Households failing each rule (a household may fail several), registry order, non-zero only.
    pub excluded_by_rule: Vec<(RuleCode, usize)>,
    /// Households failing at least one rule.
    pub excluded: usize,
}

/// Every hard rule's result for one member of a unit.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRules {
    /// The child.
    pub child: ChildIx,
    /// Each enabled rule with its violation, if any.
    pub results: Vec<(RuleCode, Option<Detail>)>,
}

/// One pair in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The unit.
    pub unit: Unit,
    /// The household.
    pub carer: CarerIx,
    /// Hard-rule results per member.
    pub rules: Vec<MemberRules>,
    /// Passes every hard rule.
    pub eligible: bool,
    /// Score (computed for excluded pairs too, for information only).
    pub score: Score,
    /// Rank among eligible households (eligible pairs only).
    pub rank: Option<usize>,
    /// Eligible households for the unit.
    pub eligible_count: usize,
    /// The best-ranked household, for comparison.
    pub best: Option<Match>,
}

/// A scored eligible unit–household pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// Index into the unit list it was scored for.
    pub unit: u32,
    /// The household.
    pub carer: CarerIx,
    /// Total in hundredths.
    pub score: u32,
}

/// The unit's members as the rules and criteria see them.
struct UnitView<'s> {
    members: Vec<ChildProfile>,
    birth: Vec<&'s [f32]>,
    school: Vec<Option<&'s [f32]>>,
    /// Per member: travel rows from the homes of its siblings living apart.
    siblings: Vec<Vec<&'s [f32]>>,
    size: u8,
    developmental: bool,
}

/// Scores children against households for one data set, model and date.
pub struct Scorer<'d> {
    data: &'d DataSet,
    model: &'d Model,
    as_of: NaiveDate,
    graph: RoadGraph,
    travel: TravelTimes,
    carers: Vec<CarerRow>,
    id_order: Vec<u32>,
    groups: Vec<SiblingGroup>,
    group_of: Vec<u32>,
    /// Per child: siblings living apart from it (linked apart, or in
    /// another placement unit), for `sibling_contact`.
    apart: Vec<Vec<ChildIx>>,
    heritage: HashMap<String, u32>,
    active: Vec<(Criterion, f64)>,
    /// Households an officer declined before, per child (sorted).
    declines: HashMap<ChildIx, Vec<CarerIx>>,
}

const NO_GROUP: u32 = u32::MAX;

/// Per child, the siblings who live apart from it: linked to it, but not in
/// its placement unit (a link with `keep_together = false`, not overridden by
/// another keep-together path), sorted by child id.
fn apart_siblings(data: &DataSet, group_of: &[u32]) -> Vec<Vec<ChildIx>> {
    let mut apart = vec![Vec::new(); data.children.len()];
    for l in &data.sibling_links {
        let (ga, gb) = (group_of[l.a.get()], group_of[l.b.get()]);
        if ga == NO_GROUP || ga != gb {
            apart[l.a.get()].push(l.b);
            apart[l.b.get()].push(l.a);
        }
    }
    for list in &mut apart {
        list.sort_by(|x, y| data.child(*x).id.cmp(&data.child(*y).id));
        list.dedup();
    }
    apart
}
const N_CRITERIA: usize = Criterion::ALL.len();

impl<'d> Scorer<'d> {
    /// A scorer for every child of `data` (travel from every birth-family and
    /// school place is computed once, here).
    pub fn new(data: &'d DataSet, model: &'d Model, as_of: NaiveDate) -> Self {
        let all: Vec<ChildIx> = (0..data.children.len()).map(ChildIx::from_usize).collect();
        Self::for_children(data, model, as_of, &all)
    }

    /// A scorer that can score only `children` and their sibling groups
    /// (travel is computed only from their places).
    pub fn for_children(
        data: &'d DataSet,
        model: &'d Model,
        as_of: NaiveDate,
        children: &[ChildIx],
    ) -> Self {
        Self::build(data, model, as_of, children, None)
    }

    /// A scorer for every child of `data` on a road graph and travel times
    /// computed beforehand (e.g. once for a whole simulation): `travel` must
    /// hold a row for every birth-family and school place of the children
    /// that will be scored (missing rows read as "no route"), and both must
    /// come from `data`'s places and `model`'s geography.
    pub fn with_travel(
        data: &'d DataSet,
        model: &'d Model,
        as_of: NaiveDate,
        graph: RoadGraph,
        travel: TravelTimes,
    ) -> Self {
        Self::build(data, model, as_of, &[], Some((graph, travel)))
    }

    fn build(
        data: &'d DataSet,
        model: &'d Model,
        as_of: NaiveDate,
        children: &[ChildIx],
        geography: Option<(RoadGraph, TravelTimes)>,
    ) -> Self {
        let groups = sibling_groups(data);
        let mut group_of = vec![NO_GROUP; data.children.len()];
        for (g, grp) in groups.iter().enumerate() {
            for m in &grp.members {
                group_of[m.get()] = g as u32;
            }
        }
        let apart = apart_siblings(data, &group_of);
        let mut heritage = HashMap::new();
        let mut intern = |h: &Option<String>| -> u32 {
            match h {
                None => 0,
                Some(s) => {
                    let next = heritage.len() as u32 + 1;
                    *heritage.entry(s.clone()).or_insert(next)
                }
            }
        };
        for c in &data.children {
            intern(&c.heritage);
        }
        let carers: Vec<CarerRow> = data
            .carers
            .iter()
            .enumerate()
            .map(|(i, c)| CarerRow::new(data, model, CarerIx::from_usize(i), intern(&c.heritage)))
            .collect();
        let mut by_id: Vec<u32> = (0..data.carers.len() as u32).collect();
        by_id.sort_by(|a, b| {
            data.carers[*a as usize]
                .id
                .cmp(&data.carers[*b as usize].id)
        });
        let mut id_order = vec![0u32; by_id.len()];
        for (pos, c) in by_id.into_iter().enumerate() {
            id_order[c as usize] = pos as u32;
        }
        let (graph, travel) = match geography {
            Some(g) => g,
            None => {
                let graph = RoadGraph::build(data, model.geo);
                let mut sources = Vec::new();
                for &c in children {
                    let members: Vec<ChildIx> = match group_of[c.get()] {
                        NO_GROUP => vec![c],
                        g => groups[g as usize].members.clone(),
                    };
                    for m in members {
                        let child = data.child(m);
                        sources.push(child.birth_family_place);
                        sources.extend(child.school_place);
                        sources.extend(apart[m.get()].iter().map(|s| data.child(*s).location));
                    }
                }
                let travel = TravelTimes::compute(&graph, data.places.len(), sources);
                (graph, travel)
            }
        };
        let active = model
            .weights
            .iter()
            .copied()
            .filter(|(c, w)| *w > 0.0 && !model.forbidden.contains(c))
            .collect();
        Scorer {
            data,
            model,
            as_of,
            graph,
            travel,
            carers,
            id_order,
            groups,
            group_of,
            apart,
            heritage,
            active,
            declines: HashMap::new(),
        }
    }

    /// Tells the scorer which pairs officers declined before (`(child_id,
    /// carer_id)`, e.g. from the store's `declines()`), for the
    /// `past_declines` criterion. Unknown ids are ignored.
    pub fn with_declines(mut self, declines: &[(String, String)]) -> Self {
        let child_ix: HashMap<&str, ChildIx> = self
            .data
            .children
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.0.as_str(), ChildIx::from_usize(i)))
            .collect();
        let carer_ix: HashMap<&str, CarerIx> = self
            .data
            .carers
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.0.as_str(), CarerIx::from_usize(i)))
            .collect();
        let mut map: HashMap<ChildIx, Vec<CarerIx>> = HashMap::new();
        for (c, h) in declines {
            if let (Some(&c), Some(&h)) = (child_ix.get(c.as_str()), carer_ix.get(h.as_str())) {
                map.entry(c).or_default().push(h);
            }
        }
        for v in map.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        self.declines = map;
        self
    }

    /// The data set.
    pub fn data(&self) -> &'d DataSet {
        self.data
    }
    /// The model.
    pub fn model(&self) -> &'d Model {
        self.model
    }
    /// The scoring date (ages are taken on it).
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }
    /// How travel times were obtained (one line).
    pub fn road_source(&self) -> String {
        self.graph.source.describe()
    }

    /// The unit of `child`: its sibling group, or the child alone.
    pub fn unit_of(&self, child: ChildIx) -> Unit {
        match self.group_of[child.get()] {
            NO_GROUP => Unit {
                members: vec![child],
            },
            g => Unit {
                members: self.groups[g as usize].members.clone(),
            },
        }
    }

    /// The unit of the child with id `id`.
    ///
    /// # Errors
    /// [`ScoreError::UnknownChild`].
    pub fn unit_of_id(&self, id: &str) -> Result<Unit, ScoreError> {
        self.data
            .child_ix(id)
            .map(|c| self.unit_of(c))
            .ok_or_else(|| ScoreError::UnknownChild(id.to_owned()))
    }

    /// Every unit of the data set: sibling groups and lone children, sorted by
    /// their first member's id.
    pub fn units(&self) -> Vec<Unit> {
        let mut units: Vec<Unit> = self
            .groups
            .iter()
            .map(|g| Unit {
                members: g.members.clone(),
            })
            .collect();
        units.extend(
            (0..self.data.children.len())
                .filter(|&i| self.group_of[i] == NO_GROUP)
                .map(|i| Unit {
                    members: vec![ChildIx::from_usize(i)],
                }),
        );
        units.sort_by(|a, b| {
            self.data
                .child(a.members[0])
                .id
                .cmp(&self.data.child(b.members[0]).id)
        });
        units
    }

    fn view(&self, unit: &Unit) -> UnitView<'_> {
        let members: Vec<ChildProfile> = unit
            .members
            .iter()
            .map(|&m| {
                let h = self
                    .data
                    .child(m)
                    .heritage
                    .as_ref()
                    .and_then(|s| self.heritage.get(s))
                    .copied()
                    .unwrap_or(0);
                ChildProfile::new(self.data, self.model, m, self.as_of, h)
            })
            .collect();
        // Travel rows exist for every child given to `for_children`; a unit
        // outside them gets "no route" (never silently a distance).
        static NO_ROUTE: [f32; 0] = [];
        let birth = members
            .iter()
            .map(|p| self.travel.row(p.birth_place).unwrap_or(&NO_ROUTE))
            .collect();
        let school = members
            .iter()
            .map(|p| {
                p.school_place
                    .map(|s| self.travel.row(s).unwrap_or(&NO_ROUTE))
            })
            .collect();
        let siblings = members
            .iter()
            .map(|p| {
                self.apart[p.ix.get()]
                    .iter()
                    .map(|s| {
                        let home = self.data.child(*s).location;
                        self.travel.row(home).unwrap_or(&NO_ROUTE)
                    })
                    .collect()
            })
            .collect();
        UnitView {
            size: unit.size().min(255) as u8,
            siblings,
            developmental: members.iter().any(|p| p.developmental),
            members,
            birth,
            school,
        }
    }

    fn ctx<'a>(&'a self, v: &'a UnitView<'_>, m: usize, r: &'a CarerRow) -> PairCtx<'a> {
        let at = |row: &[f32]| row.get(r.place.get()).copied().unwrap_or(f32::INFINITY);
        PairCtx {
            child: &v.members[m],
            carer: r,
            unit_size: v.size,
            unit_developmental: v.developmental,
            birth_minutes: at(v.birth[m]),
            school_minutes: v.school[m].map(at),
            apart_sibling_rows: &v.siblings[m],
            model: self.model,
            declined: self
                .declines
                .get(&v.members[m].ix)
                .map(|d| d.binary_search(&r.ix).is_ok()),
        }
    }

    fn passes(&self, v: &UnitView<'_>, r: &CarerRow) -> bool {
        (0..v.members.len()).all(|m| rules::passes(&self.ctx(v, m, r)))
    }

    fn mask(&self, v: &UnitView<'_>, r: &CarerRow) -> u16 {
        (0..v.members.len()).fold(0, |acc, m| acc | rules::violation_mask(&self.ctx(v, m, r)))
    }

    /// Group value of criterion `c` (mean over members it applies to).
    fn value(&self, v: &UnitView<'_>, r: &CarerRow, c: Criterion) -> Option<f64> {
        let (mut sum, mut n) = (0.0, 0u32);
        for m in 0..v.members.len() {
            if let Some(x) = c.value(&self.ctx(v, m, r)) {
                sum += x;
                n += 1;
            }
        }
        (n > 0).then(|| sum / f64::from(n))
    }

    /// Group values of the active criteria, in `self.active` order: the mean
    /// over the members each applies to (one context per member).
    fn active_values(&self, v: &UnitView<'_>, r: &CarerRow) -> [Option<f64>; N_CRITERIA] {
        let mut sums = [0.0f64; N_CRITERIA];
        let mut counts = [0u32; N_CRITERIA];
        for m in 0..v.members.len() {
            let ctx = self.ctx(v, m, r);
            for (i, (c, _)) in self.active.iter().enumerate() {
                if let Some(x) = c.value(&ctx) {
                    sums[i] += x;
                    counts[i] += 1;
                }
            }
        }
        let mut out = [None; N_CRITERIA];
        for i in 0..self.active.len() {
            if counts[i] > 0 {
                out[i] = Some(sums[i] / f64::from(counts[i]));
            }
        }
        out
    }

    /// Total in hundredths (the hot path: no breakdown, no text, no allocation).
    fn total(&self, v: &UnitView<'_>, r: &CarerRow) -> u32 {
        let vals = self.active_values(v, r);
        let raw = raw_contributions(&self.active, &vals);
        round_total(&raw[..self.active.len()])
    }

    /// Full score with breakdown.
    fn score(&self, v: &UnitView<'_>, r: &CarerRow) -> Score {
        let vals = self.active_values(v, r);
        let raw = raw_contributions(&self.active, &vals);
        let raw = &raw[..self.active.len()];
        let total = round_total(raw);
        let points = distribute(raw, total);
        let mut breakdown = Vec::new();
        for (c, w) in &self.model.weights {
            if self.model.forbidden.contains(c) {
                continue;
            }
            let (value, contribution) = match self.active.iter().position(|(a, _)| a == c) {
                Some(i) => (vals[i], points[i]),
                None => (self.value(v, r, *c), 0),
            };
            let reason = if v.members.len() == 1 {
                c.reason(&self.ctx(v, 0, r))
            } else {
                (0..v.members.len())
                    .map(|m| {
                        format!(
                            "{}: {}",
                            self.data.child(v.members[m].ix).id,
                            c.reason(&self.ctx(v, m, r))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" | ")
            };
            breakdown.push(CriterionScore {
                criterion: *c,
                value,
                weight: *w,
                contribution,
                reason,
            });
        }
        Score { total, breakdown }
    }

    /// Sort key: best score first, then household id.
    fn key(&self, total: u32, carer: CarerIx) -> (std::cmp::Reverse<u32>, u32) {
        (std::cmp::Reverse(total), self.id_order[carer.get()])
    }

    /// Ranks every household for `unit`: the top `top` eligible households
    /// with breakdowns, and exclusion counts per rule.
    pub fn rank(&self, unit: &Unit, top: usize) -> Ranking {
        let v = self.view(unit);
        // One parallel pass: exclusion counts per rule and the eligible
        // households with their totals (branch-free counting: masks are
        // irregular, so bit loops mispredict).
        type Acc = ([usize; RuleCode::ALL.len()], Vec<(u32, CarerIx)>);
        let (per_rule, mut eligible): Acc = self
            .carers
            .par_iter()
            .with_min_len(2048)
            .fold(
                || ([0; RuleCode::ALL.len()], Vec::new()),
                |(mut counts, mut el): Acc, r| {
                    let m = self.mask(&v, r);
                    if m == 0 {
                        el.push((self.total(&v, r), r.ix));
                    } else {
                        for (i, n) in counts.iter_mut().enumerate() {
                            *n += usize::from((m >> i) & 1);
                        }
                    }
                    (counts, el)
                },
            )
            .reduce(
                || ([0; RuleCode::ALL.len()], Vec::new()),
                |(mut a, mut ea), (b, eb)| {
                    for (x, y) in a.iter_mut().zip(b) {
                        *x += y;
                    }
                    ea.extend(eb);
                    (a, ea)
                },
            );
        let excluded_by_rule: Vec<(RuleCode, usize)> = RuleCode::ALL
            .into_iter()
            .zip(per_rule)
            .filter(|(_, n)| *n > 0)
            .collect();
        let n_eligible = eligible.len();
        let k = top.min(n_eligible);
        if k > 0 && k < n_eligible {
            eligible.select_nth_unstable_by_key(k - 1, |(t, c)| self.key(*t, *c));
            eligible.truncate(k);
        }
        eligible.sort_by_key(|(t, c)| self.key(*t, *c));
        eligible.truncate(k);
        let matches = eligible
            .into_iter()
            .enumerate()
            .map(|(i, (_, c))| Match {
                rank: i + 1,
                carer: c,
                score: self.score(&v, &self.carers[c.get()]),
            })
            .collect();
        Ranking {
            unit: unit.clone(),
            priority: priority::unit_value(self.data, self.model, &unit.members, self.as_of),
            households: self.carers.len(),
            eligible: n_eligible,
            excluded: self.carers.len() - n_eligible,
            excluded_by_rule,
            matches,
        }
    }

    /// One pair in full: every hard rule for every member, every criterion,
    /// the rank among eligible households and the best match for comparison.
    pub fn explain(&self, unit: &Unit, carer: CarerIx) -> Explanation {
        let v = self.view(unit);
        let r = &self.carers[carer.get()];
        let rules = (0..v.members.len())
            .map(|m| MemberRules {
                child: v.members[m].ix,
                results: rules::evaluate_all(&self.ctx(&v, m, r)),
            })
            .collect::<Vec<_>>();
        let eligible = rules
            .iter()
            .all(|mr| mr.results.iter().all(|(_, d)| d.is_none()));
        let score = self.score(&v, r);
        let totals: Vec<Option<u32>> = self
            .carers
            .par_iter()
            .with_min_len(2048)
            .map(|c| self.passes(&v, c).then(|| self.total(&v, c)))
            .collect();
        let own = self.key(score.total, carer);
        let mut rank = None;
        let mut best: Option<(u32, CarerIx)> = None;
        let mut eligible_count = 0;
        let mut ahead = 0;
        for (i, t) in totals.iter().enumerate() {
            let Some(t) = *t else { continue };
            let c = CarerIx::from_usize(i);
            eligible_count += 1;
            if self.key(t, c) < own {
                ahead += 1;
            }
            if best.is_none_or(|(bt, bc)| self.key(t, c) < self.key(bt, bc)) {
                best = Some((t, c));
            }
        }
        if eligible {
            rank = Some(ahead + 1);
        }
        let best = best.map(|(_, c)| Match {
            rank: 1,
            carer: c,
            score: self.score(&v, &self.carers[c.get()]),
        });
        Explanation {
            unit: unit.clone(),
            carer,
            rules,
            eligible,
            score,
            rank,
            eligible_count,
            best,
        }
    }

    /// Violation mask ([`RuleCode::bit`]s) of every household for `unit`, by
    /// household index (0 = eligible).
    pub fn masks(&self, unit: &Unit) -> Vec<u16> {
        let v = self.view(unit);
        self.carers
            .par_iter()
            .with_min_len(2048)
            .map(|r| self.mask(&v, r))
            .collect()
    }

    /// The failed hard rules of one pair, per member (empty = eligible).
    pub fn violations(&self, unit: &Unit, carer: CarerIx) -> Vec<(ChildIx, Violation)> {
        let v = self.view(unit);
        let r = &self.carers[carer.get()];
        let mut out = Vec::new();
        for m in 0..v.members.len() {
            for (code, detail) in rules::evaluate_all(&self.ctx(&v, m, r)) {
                if let Some(detail) = detail {
                    out.push((v.members[m].ix, Violation { code, detail }));
                }
            }
        }
        out
    }

    /// Full score of one pair (whether or not it is eligible).
    pub fn score_pair(&self, unit: &Unit, carer: CarerIx) -> Score {
        let v = self.view(unit);
        self.score(&v, &self.carers[carer.get()])
    }

    /// Travel minutes between the birth family of `child` and `carer`'s home
    /// (∞ = no route; `None` if the child is outside this scorer's children).
    pub fn birth_family_minutes(&self, child: ChildIx, carer: CarerIx) -> Option<f32> {
        let from = self.data.child(child).birth_family_place;
        self.travel.minutes(from, self.data.carer(carer).place)
    }

    /// Travel minutes between two households' homes (∞ = no route).
    pub fn carer_minutes(&self, a: CarerIx, b: CarerIx) -> f32 {
        let (pa, pb) = (self.data.carer(a).place, self.data.carer(b).place);
        if pa == pb {
            return 0.0;
        }
        self.travel
            .minutes(pa, pb)
            .unwrap_or_else(|| self.graph.minutes_from(pa)[pb.get()])
    }

    /// Scores every eligible pair of `units` × households, in parallel over
    /// units. Output order: by unit, then household index — the same for any
    /// thread count.
    pub fn candidates(&self, units: &[Unit]) -> Vec<Candidate> {
        units
            .par_iter()
            .enumerate()
            .flat_map_iter(|(u, unit)| {
                let v = self.view(unit);
                self.carers
                    .iter()
                    .filter(|r| self.passes(&v, r))
                    .map(|r| Candidate {
                        unit: u as u32,
                        carer: r.ix,
                        score: self.total(&v, r),
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

impl Scorer<'_> {
    /// Scores the eligible pairs of `units` × `carers` only (sequentially:
    /// meant for many small calls in parallel, e.g. simulation steps).
    /// Output order: by unit, then the order of `carers`.
    pub fn candidates_among(&self, units: &[Unit], carers: &[CarerIx]) -> Vec<Candidate> {
        let mut out = Vec::new();
        for (u, unit) in units.iter().enumerate() {
            let v = self.view(unit);
            for &c in carers {
                let r = &self.carers[c.get()];
                if self.passes(&v, r) {
                    out.push(Candidate {
                        unit: u as u32,
                        carer: c,
                        score: self.total(&v, r),
                    });
                }
            }
        }
        out
    }
}

/// `10000 · w_c · v_c / W` per active criterion (0 when not applicable), where
/// `W` sums the weights of the applicable ones.
fn raw_contributions(
    active: &[(Criterion, f64)],
    vals: &[Option<f64>; N_CRITERIA],
) -> [f64; N_CRITERIA] {
    let mut w = 0.0;
    for ((_, wc), v) in active.iter().zip(vals) {
        if v.is_some() {
            w += wc;
        }
    }
    let mut out = [0.0; N_CRITERIA];
    for (i, ((_, wc), v)) in active.iter().zip(vals).enumerate() {
        if let Some(x) = v {
            if w > 0.0 {
                out[i] = 10_000.0 * wc * x / w;
            }
        }
    }
    out
}

fn round_total(raw: &[f64]) -> u32 {
    let s: f64 = raw.iter().sum();
    s.round().clamp(0.0, 10_000.0) as u32
}

/// Rounds `raw` to integers summing exactly to `total` (largest remainder;
/// ties in registry order).
fn distribute(raw: &[f64], total: u32) -> Vec<u32> {
    let mut out: Vec<u32> = raw.iter().map(|x| x.floor().max(0.0) as u32).collect();
    let floor_sum: u32 = out.iter().sum();
    let mut order: Vec<usize> = (0..raw.len()).collect();
    order.sort_by(|&a, &b| {
        (raw[b] - raw[b].floor())
            .total_cmp(&(raw[a] - raw[a].floor()))
            .then(a.cmp(&b))
    });
    if total >= floor_sum {
        let extra = (total - floor_sum) as usize;
        for &i in order.iter().take(extra) {
            out[i] += 1;
        }
    } else {
        // Cannot happen (total ≥ Σ floor), kept total-preserving anyway.
        let mut missing = floor_sum - total;
        for i in order.into_iter().rev() {
            if missing == 0 {
                break;
            }
            let take = out[i].min(missing);
            out[i] -= take;
            missing -= take;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribute_sums_to_total() {
        let raw = [3333.4, 3333.3, 3333.3];
        let t = round_total(&raw);
        assert_eq!(t, 10_000);
        let d = distribute(&raw, t);
        assert_eq!(d.iter().sum::<u32>(), t);
        assert_eq!(d, vec![3334, 3333, 3333]);
        let raw = [0.5, 0.5, 0.5];
        let t = round_total(&raw);
        assert_eq!(distribute(&raw, t).iter().sum::<u32>(), t);
    }
}
