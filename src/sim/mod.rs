//! Deinstitutionalisation simulator: multi-year scenarios of closures,
//! recruitment, entries, exits and breakdowns, with the exact planner run
//! every step, Monte Carlo bands over replications, a capacity-gap report
//! and scenario comparison on common random numbers.
//!
//! ```no_run
//! use homeward::sim::{self, Scenario, SimOptions};
//! let sc = Scenario::load(std::path::Path::new("fixtures/serbia/scenarios/close-large-2028.toml"))?;
//! let result = sim::run(&sc, &SimOptions::default())?;
//! sim::report::write_all(&result, std::path::Path::new("out"))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The step logic is documented in [`engine`]; the scenario format in
//! [`scenario`] and `docs/scenario-format.md`.

pub mod engine;
pub mod report;
pub mod scenario;

pub use engine::{ChildState, ExitKind, Geography, PlanStats};

/// The series a run is summed up by (the `simulate` command's lines and the
/// API's job summary), in that order.
pub const HEADLINE_SERIES: [&str; 5] = [
    "in_institutions",
    "under3_in_institutions",
    "placed",
    "waiting",
    "closure_residents",
];
pub use scenario::{Scenario, ScenarioError, ScenarioSpec};

use crate::domain::*;
use engine::{Ctx, World};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// Why a simulation stopped.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SimError {
    /// The cancel flag was set.
    #[error("simulation cancelled")]
    Cancelled,
    /// Two scenarios that cannot be compared.
    #[error("cannot compare the scenarios: {0}")]
    Incomparable(String),
}

/// Progress and cancellation hooks.
#[derive(Default, Clone, Copy)]
pub struct SimOptions<'a> {
    /// Called with (steps done, steps in total) as replications advance.
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
    /// Set to stop the run ([`SimError::Cancelled`]).
    pub cancel: Option<&'a AtomicBool>,
}

/// What a series measures (for grouping in reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SeriesGroup {
    /// Whole jurisdiction.
    Total,
    /// One institution.
    Institution,
    /// One region.
    Region,
}

/// One time series aggregated over replications.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Machine name, e.g. `in_institutions`, `residents:I001`, `waiting:Srem`.
    pub name: String,
    /// Human label.
    pub label: String,
    /// Grouping.
    pub group: SeriesGroup,
    /// Mean per step.
    pub mean: Vec<f64>,
    /// 5th percentile per step (lower end of the 90% band).
    pub p05: Vec<f64>,
    /// 95th percentile per step.
    pub p95: Vec<f64>,
}

impl Series {
    /// Mean and band at step `t` (zeros past the end).
    pub fn band(&self, t: usize) -> Band {
        Band {
            mean: self.mean.get(t).copied().unwrap_or(0.0),
            p05: self.p05.get(t).copied().unwrap_or(0.0),
            p95: self.p95.get(t).copied().unwrap_or(0.0),
        }
    }
}

/// Age band of the oldest child of a unit, as the capacity gap groups it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgeBand {
    /// 0–2 years.
    Under3,
    /// 3–6 years.
    From3To6,
    /// 7–11 years.
    From7To11,
    /// 12–17 years (and older).
    From12To17,
}

impl AgeBand {
    /// The band of an age in years.
    pub fn of(age: u32) -> Self {
        match age {
            0..=2 => Self::Under3,
            3..=6 => Self::From3To6,
            7..=11 => Self::From7To11,
            _ => Self::From12To17,
        }
    }
    /// Youngest and oldest age of the band.
    pub fn range(self) -> (u8, u8) {
        match self {
            Self::Under3 => (0, 2),
            Self::From3To6 => (3, 6),
            Self::From7To11 => (7, 11),
            Self::From12To17 => (12, 17),
        }
    }
    /// Machine name (`0-2`, `3-6`, `7-11`, `12-17`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Under3 => "0-2",
            Self::From3To6 => "3-6",
            Self::From7To11 => "7-11",
            Self::From12To17 => "12-17",
        }
    }
    /// In words (`ages 7–11`).
    pub fn words(self) -> String {
        let (lo, hi) = self.range();
        format!("ages {lo}–{hi}")
    }
}

/// A need in words, e.g. `intellectual disability` (for reports).
pub fn need_name(code: NeedCode) -> &'static str {
    match code {
        NeedCode::Mobility => "physical disability (mobility)",
        NeedCode::Intellectual => "intellectual disability",
        NeedCode::Sensory => "hearing or vision impairment",
        NeedCode::Medical => "medical needs",
        NeedCode::Behavioural => "behavioural difficulties",
        NeedCode::Emotional => "emotional or mental-health needs",
    }
}

/// A severity in words: the support a household must give.
pub fn support_words(severity: u8) -> &'static str {
    match severity {
        0 | 1 => "light support",
        2 => "moderate support",
        _ => "high support",
    }
}

/// A need and its severity in words, e.g. `intellectual disability, high
/// support`; `None` is `no special needs`.
pub fn need_words(need: Option<Need>) -> String {
    match need {
        None => "no special needs".to_owned(),
        Some(n) => format!("{}, {}", need_name(n.code), support_words(n.severity)),
    }
}

/// One row of the capacity-gap table: households to recruit for one
/// birth-family region × need group × age band.
#[derive(Debug, Clone, PartialEq)]
pub struct GapRow {
    /// Region of the children's birth families.
    pub region: String,
    /// Need group: the unit's highest need (severity first, then the order
    /// of [`NeedCode::ALL`]), `None` for units without needs.
    pub need: Option<Need>,
    /// Age band of the unit's oldest child on the closure date.
    pub age_band: AgeBand,
    /// Places the households need: the largest unit of the row.
    pub places: u8,
    /// Expected number of such units left in closing institutions at
    /// closure (mean over replications).
    pub mean_units: f64,
    /// 5th percentile over replications.
    pub p05_units: f64,
    /// 95th percentile over replications.
    pub p95_units: f64,
    /// Households to recruit: the expected number rounded up.
    pub households: u32,
    /// Highest severity per need the households must support.
    pub supported: [u8; NeedCode::COUNT],
    /// Youngest child of these units on the closure date (years).
    pub youngest: u8,
}

impl GapRow {
    /// The need group in words.
    pub fn need_words(&self) -> String {
        need_words(self.need)
    }
    /// Every need the households must support, in words (`none` if none).
    pub fn supported_words(&self) -> String {
        let v: Vec<String> = NeedCode::ALL
            .iter()
            .filter(|c| self.supported[c.index()] > 0)
            .map(|c| {
                format!(
                    "{} ({})",
                    need_name(*c),
                    support_words(self.supported[c.index()])
                )
            })
            .collect();
        if v.is_empty() {
            "none".into()
        } else {
            v.join("; ")
        }
    }
}

/// The capacity-gap report: missing households and the re-run with them.
#[derive(Debug, Clone, PartialEq)]
pub struct GapReport {
    /// Missing households by region × need group × age band, biggest first.
    pub rows: Vec<GapRow>,
    /// Children still in closing institutions at closure, per replication
    /// mean and 90% band, without the hypothetical households.
    pub baseline_left: Band,
    /// The same with the hypothetical households recruited at the start
    /// (after the month-0 plan: they take children from month 1).
    pub with_gap_filled_left: Option<Band>,
    /// Replications of the re-run.
    pub replications: u32,
}

/// Timings of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timing {
    /// Whole run (seconds).
    pub total: f64,
    /// Month-0 plan, shared by replications.
    pub initial_plan: f64,
    /// Replications.
    pub replications: f64,
    /// Capacity-gap re-run.
    pub capacity_gap: f64,
    /// Worker threads.
    pub threads: usize,
}

/// An institution as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct InstitutionInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Large residential.
    pub large: bool,
    /// Closure date in the scenario.
    pub close: Option<chrono::NaiveDate>,
    /// No admissions from.
    pub no_admissions_from: Option<chrono::NaiveDate>,
    /// Approved number of residents.
    pub capacity: u32,
    /// Most residents in any step of any replication.
    pub most_residents: f64,
}

impl InstitutionInfo {
    /// Above its capacity in some step of some replication.
    pub fn over_capacity(&self) -> bool {
        self.most_residents > f64::from(self.capacity)
    }
}

/// A finished simulation.
#[derive(Debug, Clone)]
pub struct SimResult {
    /// Scenario name.
    pub name: String,
    /// Scenario description.
    pub description: String,
    /// Scenario file.
    pub source: String,
    /// Model id@version.
    pub model: String,
    /// Date of each step (step 0 = start, after the initial plan).
    pub dates: Vec<chrono::NaiveDate>,
    /// Replications.
    pub replications: u32,
    /// Seed.
    pub seed: u64,
    /// Aggregated series.
    pub series: Vec<Series>,
    /// Raw values: `[replication][series][step]`, series in `series` order.
    pub raw: Vec<Vec<Vec<f64>>>,
    /// Capacity gap (when enabled).
    pub gap: Option<GapReport>,
    /// Planner statistics summed over replications (month 0 once).
    pub stats: PlanStats,
    /// Month-0 planner statistics.
    pub initial_stats: PlanStats,
    /// Timings.
    pub timing: Timing,
    /// Institutions of the data set.
    pub institutions: Vec<InstitutionInfo>,
}

impl SimResult {
    /// The series called `name`.
    pub fn series(&self, name: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.name == name)
    }
}

/// Names and labels of the jurisdiction-wide series, in order.
pub const TOTALS: [(&str, &str); 27] = [
    ("in_institutions", "children in institutions"),
    ("in_large_institutions", "children in large institutions"),
    ("in_emergency_care", "children waiting in emergency care"),
    (
        "waiting",
        "children waiting (institutions + emergency care)",
    ),
    ("placed", "children placed in families"),
    ("placed_kinship", "placed with kinship carers"),
    ("placed_foster", "placed with foster carers"),
    ("placed_specialist", "placed with specialist carers"),
    ("placed_emergency", "placed with emergency carers"),
    ("under3_in_institutions", "under-3s in institutions"),
    ("sibling_groups_split", "sibling groups split"),
    (
        "travel_median",
        "median travel minutes to the birth family (placed)",
    ),
    (
        "travel_p90",
        "90th-percentile travel minutes to the birth family",
    ),
    ("breakdowns", "placement breakdowns in the step"),
    ("placements", "placements made in the step"),
    ("placed_relaxed", "placements needing the travel relaxation"),
    ("exits_reunified", "reunified in the step"),
    ("exits_adopted", "adopted in the step"),
    ("exits_aged_out", "aged out in the step"),
    ("entries", "children entering care in the step"),
    ("admissions", "new entries admitted to institutions"),
    ("recruited", "households recruited in the step"),
    ("carers_left", "households leaving in the step"),
    ("unused_places", "free places in available households"),
    (
        "closure_residents",
        "children moved out by closures (cumulative)",
    ),
    (
        "entries_to_emergency_care",
        "new entries with neither a family nor an institution place (to emergency care)",
    ),
    (
        "entries_under_min_age",
        "of them, under the minimum institutional admission age",
    ),
];

fn series_names(sc: &Scenario) -> Vec<(String, String, SeriesGroup)> {
    let mut out: Vec<(String, String, SeriesGroup)> = TOTALS
        .iter()
        .map(|(n, l)| ((*n).to_owned(), (*l).to_owned(), SeriesGroup::Total))
        .collect();
    for i in &sc.data.institutions {
        out.push((
            format!("residents:{}", i.id),
            format!("residents of {} ({})", i.name, i.id),
            SeriesGroup::Institution,
        ));
    }
    for r in regions(&sc.data) {
        out.push((
            format!("waiting:{r}"),
            format!("children waiting, birth family in {r}"),
            SeriesGroup::Region,
        ));
        out.push((
            format!("placed:{r}"),
            format!("children placed, birth family in {r}"),
            SeriesGroup::Region,
        ));
    }
    out
}

fn regions(data: &DataSet) -> Vec<String> {
    let set: std::collections::BTreeSet<&str> =
        data.places.iter().map(|p| p.region.as_str()).collect();
    set.into_iter().map(str::to_owned).collect()
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Records the state after a step into `out[series][step]`.
fn record(
    w: &World,
    cx: &Ctx<'_>,
    regions: &[String],
    step: usize,
    cum: &mut u32,
    out: &mut [Vec<f64>],
) {
    let data = &w.data;
    let d = cx.sc.date_of(step as u32);
    let mut v = [0f64; TOTALS.len()];
    let mut residents = vec![0f64; data.institutions.len()];
    let region_ix: BTreeMap<&str, usize> = regions
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), i))
        .collect();
    let mut waiting_r = vec![0f64; regions.len()];
    let mut placed_r = vec![0f64; regions.len()];
    let mut travel = Vec::new();
    for (i, s) in w.st.iter().enumerate() {
        let c = &data.children[i];
        let r = region_ix
            .get(data.place(c.birth_family_place).region.as_str())
            .copied();
        match s {
            ChildState::Institution(ix) => {
                v[0] += 1.0;
                if data.institutions[*ix as usize].kind == InstitutionKind::LargeResidential {
                    v[1] += 1.0;
                }
                v[3] += 1.0;
                if c.age_on(d) < 3 {
                    v[9] += 1.0;
                }
                residents[*ix as usize] += 1.0;
                if let Some(r) = r {
                    waiting_r[r] += 1.0;
                }
            }
            ChildState::Emergency => {
                v[2] += 1.0;
                v[3] += 1.0;
                if let Some(r) = r {
                    waiting_r[r] += 1.0;
                }
            }
            ChildState::Placed(rec) => {
                v[4] += 1.0;
                if let Some(rec) = &w.recs[*rec as usize] {
                    let carer = data.carer(rec.carer);
                    v[5 + match carer.kind {
                        CarerKind::Kinship => 0,
                        CarerKind::Foster => 1,
                        CarerKind::Specialist => 2,
                        CarerKind::Emergency => 3,
                    }] += 1.0;
                    travel.push(cx.geo.minutes(c.birth_family_place, carer.place));
                }
                if let Some(r) = r {
                    placed_r[r] += 1.0;
                }
            }
            ChildState::Exited(_) => {}
        }
    }
    // Sibling groups (original keep-together groups) whose members still in
    // care are not all in the same place (same household, or all waiting).
    let mut where_: BTreeMap<u32, Vec<Option<CarerIx>>> = BTreeMap::new();
    for (i, s) in w.st.iter().enumerate() {
        if w.group[i] == u32::MAX {
            continue;
        }
        let loc = match s {
            ChildState::Placed(r) => w.recs[*r as usize].as_ref().map(|x| x.carer),
            ChildState::Exited(_) => continue,
            _ => None,
        };
        where_.entry(w.group[i]).or_default().push(loc);
    }
    v[10] = where_
        .values()
        .filter(|l| l.iter().any(|x| *x != l[0]))
        .count() as f64;
    travel.sort_by(f32::total_cmp);
    let tq = |q: f64| -> f64 {
        let t: Vec<f64> = travel
            .iter()
            .map(|x| f64::from(*x))
            .filter(|x| x.is_finite())
            .collect();
        quantile(&t, q)
    };
    v[11] = tq(0.5);
    v[12] = tq(0.9);
    let k = &w.counters;
    *cum += k.closure_residents;
    v[13] = f64::from(k.breakdowns);
    v[14] = f64::from(k.placements);
    v[15] = f64::from(k.relaxed);
    v[16] = f64::from(k.reunified);
    v[17] = f64::from(k.adopted);
    v[18] = f64::from(k.aged_out);
    v[19] = f64::from(k.entries);
    v[20] = f64::from(k.admissions);
    v[21] = f64::from(k.recruited);
    v[22] = f64::from(k.carers_left);
    v[23] = data
        .carers
        .iter()
        .filter(|c| c.status == CarerStatus::Available)
        .map(|c| f64::from(c.free_places()))
        .sum();
    v[24] = f64::from(*cum);
    v[25] = f64::from(k.entries_no_place);
    v[26] = f64::from(k.entries_too_young);
    let mut col = 0;
    for x in v {
        out[col][step] = x;
        col += 1;
    }
    for x in residents {
        out[col][step] = x;
        col += 1;
    }
    for r in 0..regions.len() {
        out[col][step] = waiting_r[r];
        out[col + 1][step] = placed_r[r];
        col += 2;
    }
}

/// One replication: series × steps, units left at closures, statistics.
type RepOut = (Vec<Vec<f64>>, Vec<engine::GapUnit>, PlanStats);

/// Raw output of the replications of one scenario.
struct Raw {
    raw: Vec<Vec<Vec<f64>>>,
    gap_units: Vec<Vec<engine::GapUnit>>,
    stats: PlanStats,
    initial_stats: PlanStats,
    initial_secs: f64,
    reps_secs: f64,
}

/// Runs `reps` replications of `sc` with `seed`.
#[allow(clippy::too_many_arguments)]
fn run_raw(
    sc: &Scenario,
    extra: &[Carer],
    geo: &Geography,
    seed: u64,
    reps: u32,
    opts: &SimOptions<'_>,
    done: &AtomicUsize,
    total: usize,
) -> Result<Raw, SimError> {
    let cx = Ctx::new(sc, geo, seed);
    let names = series_names(sc);
    let regions = regions(&sc.data);
    let steps = sc.steps() as usize;
    let t0 = Instant::now();
    // Month 0: the initial plan, shared by every replication.
    let mut w0 = World::new(&sc.data);
    engine::close_due(&mut w0, &cx, sc.spec.start);
    engine::plan_step(&mut w0, &cx, 0, sc.spec.start);
    // Hypothetical households (capacity-gap re-run) join after the initial
    // plan and take children from month 1.
    for c in extra {
        w0.add_carer(c.clone());
    }
    let initial_stats = w0.stats;
    w0.stats = PlanStats::default();
    let initial_secs = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let results: Vec<Result<RepOut, SimError>> = (0..reps)
        .into_par_iter()
        .map(|rep| {
            let mut w = w0.clone();
            let mut out = vec![vec![0.0; steps + 1]; names.len()];
            let mut cum = 0;
            record(&w, &cx, &regions, 0, &mut cum, &mut out);
            for k in 1..=steps as u32 {
                if opts.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                    return Err(SimError::Cancelled);
                }
                let d = sc.date_of(k);
                let te = Instant::now();
                engine::events(&mut w, &cx, rep, k, d, sc.date_of(k - 1));
                let ev = te.elapsed().as_secs_f64();
                engine::plan_step(&mut w, &cx, k, d);
                let te = Instant::now();
                engine::admit_entries(&mut w, &cx, d);
                record(&w, &cx, &regions, k as usize, &mut cum, &mut out);
                w.stats.events_seconds += ev + te.elapsed().as_secs_f64();
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if let Some(p) = opts.progress {
                    p(n, total);
                }
            }
            Ok((out, w.gap_units, w.stats))
        })
        .collect();
    let mut raw = Vec::with_capacity(results.len());
    let mut gap_units = Vec::new();
    let mut stats = initial_stats;
    for r in results {
        let (out, g, s) = r?;
        raw.push(out);
        gap_units.push(g);
        stats.add(&s);
    }
    Ok(Raw {
        raw,
        gap_units,
        stats,
        initial_stats,
        initial_secs,
        reps_secs: t1.elapsed().as_secs_f64(),
    })
}

fn aggregate(names: &[(String, String, SeriesGroup)], raw: &[Vec<Vec<f64>>]) -> Vec<Series> {
    let steps = raw.first().and_then(|r| r.first()).map_or(0, Vec::len);
    names
        .iter()
        .enumerate()
        .map(|(s, (name, label, group))| {
            let mut mean = Vec::with_capacity(steps);
            let mut p05 = Vec::with_capacity(steps);
            let mut p95 = Vec::with_capacity(steps);
            for t in 0..steps {
                let xs: Vec<f64> = raw.iter().map(|r| r[s][t]).collect();
                let b = Band::of(&xs);
                mean.push(b.mean);
                p05.push(b.p05);
                p95.push(b.p95);
            }
            Series {
                name: name.clone(),
                label: label.clone(),
                group: *group,
                mean,
                p05,
                p95,
            }
        })
        .collect()
}

fn primary_need(needs: &[u8; NeedCode::COUNT]) -> Option<Need> {
    let mut best: Option<Need> = None;
    for code in NeedCode::ALL {
        let severity = needs[code.index()];
        if severity > 0 && best.is_none_or(|b| severity > b.severity) {
            best = Some(Need { code, severity });
        }
    }
    best
}

/// A capacity-gap cell: birth-family region × need group × age band.
type Cell = (String, Option<Need>, AgeBand);

/// The capacity-gap rows, biggest first (households, then expected units,
/// then region, need and age band), and the languages seen per cell.
fn gap_rows(per_rep: &[Vec<engine::GapUnit>]) -> (Vec<GapRow>, BTreeMap<Cell, Vec<Language>>) {
    let reps = per_rep.len().max(1);
    let mut counts: BTreeMap<Cell, Vec<f64>> = BTreeMap::new();
    let mut supported: BTreeMap<Cell, [u8; NeedCode::COUNT]> = BTreeMap::new();
    let mut langs: BTreeMap<Cell, Vec<Language>> = BTreeMap::new();
    let mut youngest: BTreeMap<Cell, u8> = BTreeMap::new();
    let mut places: BTreeMap<Cell, u8> = BTreeMap::new();
    for (r, units) in per_rep.iter().enumerate() {
        for u in units {
            let oldest = u.ages.iter().copied().max().unwrap_or(0);
            let cell = (
                u.region.clone(),
                primary_need(&u.needs),
                AgeBand::of(oldest),
            );
            counts
                .entry(cell.clone())
                .or_insert_with(|| vec![0.0; reps])[r] += 1.0;
            let y = u.ages.iter().copied().min().unwrap_or(0).min(17) as u8;
            let e = youngest.entry(cell.clone()).or_insert(y);
            *e = (*e).min(y);
            let p = places.entry(cell.clone()).or_insert(0);
            *p = (*p).max(u.ages.len().clamp(1, 9) as u8);
            let s = supported
                .entry(cell.clone())
                .or_insert([0; NeedCode::COUNT]);
            for (x, n) in s.iter_mut().zip(&u.needs) {
                *x = (*x).max(*n);
            }
            let l = langs.entry(cell).or_default();
            for x in &u.languages {
                if !l.contains(x) {
                    l.push(*x);
                }
            }
        }
    }
    let mut rows: Vec<GapRow> = counts
        .into_iter()
        .map(|(cell, xs)| {
            let b = Band::of(&xs);
            GapRow {
                supported: supported.get(&cell).copied().unwrap_or_default(),
                youngest: youngest.get(&cell).copied().unwrap_or(0),
                places: places.get(&cell).copied().unwrap_or(1),
                region: cell.0,
                need: cell.1,
                age_band: cell.2,
                mean_units: b.mean,
                p05_units: b.p05,
                p95_units: b.p95,
                households: (b.mean - 1e-9).ceil().max(0.0) as u32,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.households
            .cmp(&a.households)
            .then(b.mean_units.total_cmp(&a.mean_units))
            .then_with(|| a.region.cmp(&b.region))
            .then(a.need.cmp(&b.need))
            .then(a.age_band.cmp(&b.age_band))
    });
    (rows, langs)
}

/// The hypothetical households of the gap table, at the most populous place
/// of each region.
fn hypothetical_carers(
    data: &DataSet,
    years_before: u8,
    rows: &[GapRow],
    langs: &BTreeMap<Cell, Vec<Language>>,
) -> Vec<Carer> {
    let mut main_place: BTreeMap<&str, (u64, PlaceIx)> = BTreeMap::new();
    for (i, p) in data.places.iter().enumerate() {
        let e = main_place
            .entry(p.region.as_str())
            .or_insert((p.population, PlaceIx::from_usize(i)));
        if p.population > e.0 {
            *e = (p.population, PlaceIx::from_usize(i));
        }
    }
    let mut out = Vec::new();
    for row in rows {
        let Some(&(_, place)) = main_place.get(row.region.as_str()) else {
            continue;
        };
        // The children are younger when the households join (month 1) than
        // on the closure date their age band is taken on.
        let (lo, hi) = row.age_band.range();
        let lo = lo.min(row.youngest).saturating_sub(years_before);
        let cell = (row.region.clone(), row.need, row.age_band);
        let mut languages = langs.get(&cell).cloned().unwrap_or_default();
        languages.sort();
        let mut types = PlacementTypes::default();
        for t in PlacementType::ALL {
            types.insert(t);
        }
        for _ in 0..row.households {
            out.push(Carer {
                id: CarerId(format!("GAP{:05}", out.len() + 1)),
                place,
                kind: if row.need.is_none() {
                    CarerKind::Foster
                } else {
                    CarerKind::Specialist
                },
                approved_places: row.places,
                current_children: Vec::new(),
                min_age: lo,
                max_age: hi,
                placement_types: types,
                supported_needs: row.supported,
                accessible_home: row.supported[NeedCode::Mobility.index()] > 0,
                languages: languages.clone(),
                pref_sex: None,
                pref_min_age: None,
                pref_max_age: None,
                accepts_sibling_groups: row.places > 1,
                status: CarerStatus::Available,
                heritage: None,
            });
        }
    }
    out
}

/// Mean and 90% band of one quantity over replications, all three from the
/// same values.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Band {
    /// Mean.
    pub mean: f64,
    /// 5th percentile (linear interpolation between order statistics).
    pub p05: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Band {
    /// The band of `xs` (all zero when empty). The mean is held inside the
    /// values' range, which the floating-point sum can leave by an ulp
    /// (100 × 117.62 / 100 is not 117.62).
    pub fn of(xs: &[f64]) -> Band {
        if xs.is_empty() {
            return Band::default();
        }
        let mut s = xs.to_vec();
        s.sort_by(f64::total_cmp);
        let (lo, hi) = (s[0], s[s.len() - 1]);
        let mean = (s.iter().sum::<f64>() / s.len() as f64).clamp(lo, hi);
        Band {
            mean,
            p05: quantile(&s, 0.05),
            p95: quantile(&s, 0.95),
        }
    }
    /// The mean lies inside [p05, p95]. It may not when an event happens in
    /// fewer than 5% of replications (mean 0.03, band 0–0): reports mark such
    /// values as rare.
    pub fn mean_inside(&self) -> bool {
        self.p05 <= self.mean && self.mean <= self.p95
    }
}

/// Runs a scenario: the shared month-0 plan, every replication in
/// parallel, aggregation in replication order, and (when enabled) the
/// capacity-gap re-run. Same scenario and seed, same result, for any
/// number of threads (as long as no plan hits `plan_time_limit_seconds`).
///
/// # Errors
/// [`SimError::Cancelled`] when `opts.cancel` is set.
pub fn run(sc: &Scenario, opts: &SimOptions<'_>) -> Result<SimResult, SimError> {
    run_seeded(sc, sc.spec.seed, opts)
}

fn run_seeded(sc: &Scenario, seed: u64, opts: &SimOptions<'_>) -> Result<SimResult, SimError> {
    let t0 = Instant::now();
    let geo = Geography::new(&sc.data, &sc.model);
    let reps = sc.spec.replications;
    let gap_reps = if sc.spec.capacity_gap.enabled {
        sc.spec.capacity_gap.replications
    } else {
        0
    };
    let steps = sc.steps() as usize;
    let total = steps * (reps + gap_reps) as usize;
    let done = AtomicUsize::new(0);
    let raw = run_raw(sc, &[], &geo, seed, reps, opts, &done, total)?;
    let names = series_names(sc);
    let series = aggregate(&names, &raw.raw);
    let closure_col = TOTALS
        .iter()
        .position(|(n, _)| *n == "closure_residents")
        .unwrap_or(0);
    let left = |r: &[Vec<Vec<f64>>]| -> Vec<f64> {
        r.iter()
            .map(|x| x[closure_col].last().copied().unwrap_or(0.0))
            .collect()
    };
    let tg = Instant::now();
    let gap = if sc.spec.capacity_gap.enabled && sc.closures.iter().any(|c| c.close.is_some()) {
        let (rows, langs) = gap_rows(&raw.gap_units);
        let last_close = sc.closures.iter().filter_map(|c| c.close).max();
        let years = last_close.map_or(0, |c| {
            ((c - sc.spec.start).num_days().max(0) as u64)
                .div_ceil(365)
                .min(17) as u8
        });
        let extra = hypothetical_carers(&sc.data, years, &rows, &langs);
        let with = if extra.is_empty() {
            None
        } else {
            let raw2 = run_raw(sc, &extra, &geo, seed, gap_reps, opts, &done, total)?;
            Some(Band::of(&left(&raw2.raw)))
        };
        Some(GapReport {
            rows,
            baseline_left: Band::of(&left(&raw.raw)),
            with_gap_filled_left: with,
            replications: gap_reps,
        })
    } else {
        None
    };
    let gap_secs = tg.elapsed().as_secs_f64();
    let institutions = sc
        .data
        .institutions
        .iter()
        .zip(&sc.closures)
        .enumerate()
        .map(|(ix, (i, c))| InstitutionInfo {
            id: i.id.to_string(),
            name: i.name.clone(),
            large: i.kind == InstitutionKind::LargeResidential,
            close: c.close,
            no_admissions_from: c.no_admissions_from,
            capacity: i.capacity,
            // Series of institution `ix` follow the totals (`series_names`).
            most_residents: raw
                .raw
                .iter()
                .filter_map(|rep| rep.get(TOTALS.len() + ix))
                .flatten()
                .copied()
                .fold(0.0, f64::max),
        })
        .collect();
    Ok(SimResult {
        name: sc.spec.name.clone(),
        description: sc.spec.description.clone(),
        source: sc.source.clone(),
        model: sc.model.tag(),
        dates: (0..=steps as u32).map(|k| sc.date_of(k)).collect(),
        replications: reps,
        seed,
        series,
        raw: raw.raw,
        gap,
        stats: raw.stats,
        initial_stats: raw.initial_stats,
        timing: Timing {
            total: t0.elapsed().as_secs_f64(),
            initial_plan: raw.initial_secs,
            replications: raw.reps_secs,
            capacity_gap: gap_secs,
            threads: rayon::current_num_threads(),
        },
        institutions,
    })
}

/// Two scenarios run on common random numbers and their differences.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Scenario A.
    pub a: SimResult,
    /// Scenario B (run with A's seed and number of replications).
    pub b: SimResult,
    /// B − A per replication (paired), aggregated: mean and 90% band, for
    /// the series both have.
    pub diff: Vec<Series>,
}

/// Runs `a` and `b` with the same per-replication random streams (A's seed
/// and replications) and reports B − A with bands.
///
/// # Errors
/// [`SimError::Incomparable`] when start, horizon or step differ;
/// [`SimError::Cancelled`].
pub fn compare(a: &Scenario, b: &Scenario, opts: &SimOptions<'_>) -> Result<Comparison, SimError> {
    let (sa, sb) = (&a.spec, &b.spec);
    if sa.start != sb.start
        || sa.horizon_months != sb.horizon_months
        || sa.step_months != sb.step_months
    {
        return Err(SimError::Incomparable(format!(
            "start/horizon/step differ: {} + {} months by {} vs {} + {} months by {}",
            sa.start,
            sa.horizon_months,
            sa.step_months,
            sb.start,
            sb.horizon_months,
            sb.step_months
        )));
    }
    let ra = run_seeded(a, sa.seed, opts)?;
    let mut b2 = b.clone();
    b2.spec.replications = sa.replications;
    let rb = run_seeded(&b2, sa.seed, opts)?;
    let mut names = Vec::new();
    let mut raw: Vec<Vec<Vec<f64>>> = vec![Vec::new(); ra.raw.len()];
    for (ia, s) in ra.series.iter().enumerate() {
        let Some(ib) = rb.series.iter().position(|x| x.name == s.name) else {
            continue;
        };
        names.push((s.name.clone(), s.label.clone(), s.group));
        for (r, out) in raw.iter_mut().enumerate() {
            out.push(
                rb.raw[r][ib]
                    .iter()
                    .zip(&ra.raw[r][ia])
                    .map(|(y, x)| y - x)
                    .collect(),
            );
        }
    }
    let diff = aggregate(&names, &raw);
    Ok(Comparison { a: ra, b: rb, diff })
}
