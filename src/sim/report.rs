//! Simulation outputs: CSV and JSON time series, SVG charts drawn with
//! `plotters` (its SVG backend: text is SVG `<text>` in the viewer's generic
//! sans-serif, no font files), and one self-contained HTML report written
//! with `maud` templates (checked at compile time, every value escaped;
//! inline SVG and CSS, no links).
//!
//! Every "mean [band]" cell shows the mean and the 5th–95th percentile of
//! the same replications, rounded alike (integers when all three are
//! integers, else one decimal each). Tables show only horizons within the
//! scenario: the start, each whole year before the end, and the end.

use super::{Band, Comparison, GapReport, GapRow, Series, SeriesGroup, SimResult};
use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use plotters::prelude::*;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::Path;

/// Files written by [`write_all`] (and [`write_compare`]).
pub const FILES: [&str; 6] = [
    "timeseries.csv",
    "timeseries.json",
    "summary.json",
    "capacity_gap.csv",
    "report.html",
    "charts/*.svg",
];

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw chart {title:?}: {message}")]
pub struct ChartError {
    /// The chart.
    pub title: String,
    /// The drawing backend's message.
    pub message: String,
}

impl From<ChartError> for std::io::Error {
    fn from(e: ChartError) -> Self {
        std::io::Error::other(e)
    }
}

const COLORS: [RGBColor; 8] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x17, 0xbe, 0xcf),
];

// ---------------------------------------------------------------- numbers

fn is_int(x: f64) -> bool {
    (x - x.round()).abs() < 1e-9
}

/// The three numbers of a band, rounded alike: integers when all three are,
/// else one decimal each.
pub fn band_numbers(b: &Band) -> [String; 3] {
    let xs = [b.mean, b.p05, b.p95];
    if xs.iter().all(|x| is_int(*x)) {
        xs.map(|x| format!("{}", x.round() as i64))
    } else {
        xs.map(|x| format!("{:.1}", round1(x)))
    }
}

/// Rounds to one decimal (half away from zero), with −0.0 shown as 0.0.
fn round1(x: f64) -> f64 {
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 { 0.0 } else { r }
}

/// A "mean [p05–p95]" cell; a mean outside its band (an event in fewer
/// than 5% of replications) is marked `†`.
fn band_cell(b: &Band) -> Markup {
    let [m, lo, hi] = band_numbers(b);
    html! {
        (m) " " span.note { "[" (lo) "–" (hi) "]" }
        @if !b.mean_inside() { sup title="rare: the mean lies outside the 90% band" { "†" } }
    }
}

/// Columns of the key table: (step, heading). The start, each whole year
/// strictly before the end (at most four, evenly spread), and the end.
pub fn horizon_columns(dates: &[NaiveDate]) -> Vec<(usize, String)> {
    let Some(last) = dates.len().checked_sub(1) else {
        return Vec::new();
    };
    let per_step = months_per_step(dates);
    let months = last * per_step;
    let mut cols = vec![(0, "start (after the month-0 plan)".to_owned())];
    let years = months.saturating_sub(1) / 12;
    let every = years.div_ceil(4).max(1);
    for y in (every..=years).step_by(every) {
        let m = 12 * y;
        if m % per_step == 0 && m < months {
            cols.push((m / per_step, format!("after {m} months")));
        }
    }
    if last > 0 {
        cols.push((last, format!("end ({months} months)")));
    }
    cols
}

fn months_per_step(dates: &[NaiveDate]) -> usize {
    use chrono::Datelike;
    match (dates.first(), dates.get(1)) {
        (Some(a), Some(b)) => {
            let m = (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32;
            m.max(1) as usize
        }
        _ => 1,
    }
}

// ---------------------------------------------------------------- CSV/JSON

/// A CSV cell: quoted when needed, and a leading `= + - @` neutralised with
/// a `'` so spreadsheets do not run it as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The time series as CSV: one row per step and series.
pub fn timeseries_csv(r: &SimResult) -> String {
    let mut out = String::from("step,date,series,group,mean,p05,p95\n");
    for s in &r.series {
        for (t, d) in r.dates.iter().enumerate() {
            let _ = writeln!(
                out,
                "{t},{d},{},{},{:.4},{:.4},{:.4}",
                csv_field(&s.name),
                group_name(s.group),
                s.mean[t],
                s.p05[t],
                s.p95[t]
            );
        }
    }
    out
}

fn group_name(g: SeriesGroup) -> &'static str {
    match g {
        SeriesGroup::Total => "total",
        SeriesGroup::Institution => "institution",
        SeriesGroup::Region => "region",
    }
}

fn series_json(dates: &[NaiveDate], series: &[Series]) -> Value {
    json!({
        "dates": dates.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        "series": series.iter().map(|s| json!({
            "name": s.name, "label": s.label, "group": group_name(s.group),
            "mean": s.mean, "p05": s.p05, "p95": s.p95,
        })).collect::<Vec<_>>(),
    })
}

fn band_json(b: &Band) -> Value {
    json!({"mean": b.mean, "p05": b.p05, "p95": b.p95})
}

/// Machine form of a row's need group (`intellectual:3`, or `none`).
fn need_code(r: &GapRow) -> String {
    r.need.map_or_else(
        || "none".into(),
        |n| format!("{}:{}", n.code.as_str(), n.severity),
    )
}

fn gap_json(g: &GapReport) -> Value {
    json!({
        "rows": g.rows.iter().map(|r| json!({
            "region": r.region, "needGroup": need_code(r), "needGroupText": r.need_words(),
            "ageBand": r.age_band.as_str(), "ageBandText": r.age_band.words(),
            "householdsToRecruit": r.households,
            "expectedUnits": r.mean_units, "p05Units": r.p05_units, "p95Units": r.p95_units,
            "places": r.places, "mustSupport": r.supported_words(),
        })).collect::<Vec<_>>(),
        "leftAtClosure": band_json(&g.baseline_left),
        "leftAtClosureWithGapFilled": g.with_gap_filled_left.as_ref().map(band_json),
        "reRunReplications": g.replications,
    })
}

/// The summary document: scenario, planner statistics, timings,
/// institutions (capacity and most residents), capacity gap.
pub fn summary_json(r: &SimResult) -> Value {
    let st = &r.stats;
    json!({
        "scenario": r.name, "description": r.description, "source": r.source,
        "model": r.model, "replications": r.replications, "seed": r.seed,
        "start": r.dates.first().map(|d| d.to_string()),
        "end": r.dates.last().map(|d| d.to_string()),
        "steps": r.dates.len().saturating_sub(1),
        "planner": {
            "solves": st.solves, "optimal": st.optimal, "withinGap": st.within_gap,
            "timeLimited": st.time_limited, "stepsWithNothingToPlan": st.empty,
            "pairsScored": st.pairs_scored, "pairsPlanned": st.pairs_planned,
            "scoringSeconds": st.scoring_seconds, "solveSeconds": st.solve_seconds,
            "eventsSeconds": st.events_seconds,
            "initialPlan": {"pairsPlanned": r.initial_stats.pairs_planned,
                "optimal": r.initial_stats.optimal, "withinGap": r.initial_stats.within_gap,
                "timeLimited": r.initial_stats.time_limited},
        },
        "timing": {"totalSeconds": r.timing.total, "initialPlanSeconds": r.timing.initial_plan,
            "replicationsSeconds": r.timing.replications, "capacityGapSeconds": r.timing.capacity_gap,
            "threads": r.timing.threads},
        "institutions": r.institutions.iter().map(|i| json!({
            "id": i.id, "name": i.name, "large": i.large,
            "close": i.close.map(|d| d.to_string()),
            "noAdmissionsFrom": i.no_admissions_from.map(|d| d.to_string()),
            "capacity": i.capacity, "mostResidents": i.most_residents,
            "overCapacity": i.over_capacity(),
        })).collect::<Vec<_>>(),
        "institutionsOverCapacity": r.institutions.iter().filter(|i| i.over_capacity())
            .map(|i| i.id.clone()).collect::<Vec<_>>(),
        "capacityGap": r.gap.as_ref().map(gap_json),
    })
}

/// The capacity-gap table as CSV, biggest first.
pub fn gap_csv(g: &GapReport) -> String {
    let mut out = String::from(
        "region,need_group,age_band,households_to_recruit,expected_units,p05_units,p95_units,places,must_support\n",
    );
    for r in &g.rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{:.2},{:.2},{:.2},{},{}",
            csv_field(&r.region),
            csv_field(&r.need_words()),
            csv_field(&r.age_band.words()),
            r.households,
            r.mean_units,
            r.p05_units,
            r.p95_units,
            r.places,
            csv_field(&r.supported_words())
        );
    }
    out
}

// ---------------------------------------------------------------- charts

/// One line of a chart: a series drawn as its mean with its 90% band.
pub struct Line<'a> {
    /// Legend text.
    pub label: String,
    /// The series.
    pub series: &'a Series,
}

/// A chart: lines over the steps `from..` of `dates`.
pub struct Chart<'a> {
    /// Title.
    pub title: String,
    /// Y-axis label.
    pub y_label: String,
    /// Dates of every step.
    pub dates: &'a [NaiveDate],
    /// First step drawn (1 leaves out the month-0 plan of per-step flows).
    pub from: usize,
    /// The lines.
    pub lines: Vec<Line<'a>>,
}

/// Nice bounds and tick step for [lo, hi].
fn nice_range(lo: f64, hi: f64) -> (f64, f64) {
    let hi = if hi <= lo { lo + 1.0 } else { hi };
    let span = hi - lo;
    let mag = 10f64.powf(span.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag / 5.0)
        .find(|st| span / st <= 5.0)
        .unwrap_or(mag);
    ((lo / step).floor() * step, (hi / step).ceil() * step)
}

/// Steps labelled on the x axis: at most eight, on whole years when the
/// chart spans more than a year.
fn x_ticks(dates: &[NaiveDate], from: usize, last: usize) -> Vec<usize> {
    let per = months_per_step(dates);
    let span_months = (last - from) * per;
    let mut months = 1;
    for m in [1, 2, 3, 6, 12, 24, 36, 60, 120] {
        months = m;
        if span_months / m < 8 {
            break;
        }
    }
    let every = (months / per).max(1);
    (from..=last).filter(|t| t % every == 0).collect()
}

impl Chart<'_> {
    /// The chart as an SVG document.
    ///
    /// # Errors
    /// [`ChartError`] when the backend fails (it writes to a string).
    pub fn svg(&self) -> Result<String, ChartError> {
        let err = |e: &dyn std::fmt::Display| ChartError {
            title: self.title.clone(),
            message: e.to_string(),
        };
        let last = self.dates.len().saturating_sub(1).max(self.from + 1);
        let from = self.from.min(last.saturating_sub(1));
        let values = |s: &Series| {
            let n = s.mean.len();
            (from.min(n)..n)
                .flat_map(|t| [s.mean[t], s.p05[t], s.p95[t]])
                .collect::<Vec<_>>()
        };
        let all: Vec<f64> = self.lines.iter().flat_map(|l| values(l.series)).collect();
        let ymax = all.iter().copied().fold(0.0f64, f64::max);
        let ymin = all.iter().copied().fold(0.0f64, f64::min);
        let (ymin, ymax) = nice_range(ymin, ymax);
        let ticks = x_ticks(self.dates, from, last);
        let dates = self.dates;
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (760, 380)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| err(&e))?;
            // The legend sits right of the plot, never over a line.
            let (plot, legend) = root.split_horizontally(590);
            let mut chart = ChartBuilder::on(&plot)
                .caption(&self.title, ("sans-serif", 17))
                .margin(12)
                .margin_right(8)
                .x_label_area_size(34)
                .y_label_area_size(58)
                .build_cartesian_2d(
                    (from as i64..last as i64)
                        .with_key_points(ticks.iter().map(|t| *t as i64).collect()),
                    ymin..ymax,
                )
                .map_err(|e| err(&e))?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .max_light_lines(0)
                .y_labels(8)
                .y_desc(self.y_label.as_str())
                .x_label_formatter(&|t| {
                    usize::try_from(*t)
                        .ok()
                        .and_then(|t| dates.get(t))
                        .map_or_else(String::new, |d| d.format("%Y-%m").to_string())
                })
                .y_label_formatter(&|v| {
                    if is_int(*v) {
                        format!("{}", v.round() as i64)
                    } else {
                        format!("{v:.1}")
                    }
                })
                .label_style(("sans-serif", 12))
                .axis_desc_style(("sans-serif", 13))
                .draw()
                .map_err(|e| err(&e))?;
            for (k, line) in self.lines.iter().enumerate() {
                let c = COLORS[k % COLORS.len()];
                let s = line.series;
                let n = s.mean.len();
                let steps = from.min(n)..n;
                let mut band: Vec<(i64, f64)> =
                    steps.clone().map(|t| (t as i64, s.p95[t])).collect();
                band.extend(steps.clone().rev().map(|t| (t as i64, s.p05[t])));
                chart
                    .draw_series(std::iter::once(Polygon::new(band, c.mix(0.18).filled())))
                    .map_err(|e| err(&e))?;
                chart
                    .draw_series(LineSeries::new(
                        steps.map(|t| (t as i64, s.mean[t])),
                        c.stroke_width(2),
                    ))
                    .map_err(|e| err(&e))?;
                let y = 48 + 20 * k as i32;
                legend
                    .draw(&PathElement::new(vec![(4, y), (24, y)], c.stroke_width(3)))
                    .map_err(|e| err(&e))?;
                legend
                    .draw(&Text::new(
                        line.label.as_str(),
                        (30, y - 7),
                        ("sans-serif", 12).into_font(),
                    ))
                    .map_err(|e| err(&e))?;
            }
            legend
                .draw(&Text::new(
                    "line: mean · shade: 90% band",
                    (4, 48 + 20 * self.lines.len() as i32),
                    ("sans-serif", 11).into_font().color(&BLACK.mix(0.6)),
                ))
                .map_err(|e| err(&e))?;
            root.present().map_err(|e| err(&e))?;
        }
        Ok(out)
    }
}

/// The charts of a result: (file stem, title, SVG).
///
/// # Errors
/// [`ChartError`].
pub fn charts(r: &SimResult) -> Result<Vec<(String, String, String)>, ChartError> {
    let mut out = Vec::new();
    let mut chart =
        |stem: &str, title: &str, ylab: &str, from: usize, names: &[(String, String)]| {
            let lines: Vec<Line<'_>> = names
                .iter()
                .filter_map(|(n, l)| {
                    r.series(n).map(|s| Line {
                        label: l.clone(),
                        series: s,
                    })
                })
                .collect();
            if lines.is_empty() {
                return Ok(());
            }
            let c = Chart {
                title: title.to_owned(),
                y_label: ylab.to_owned(),
                dates: &r.dates,
                from,
                lines,
            };
            out.push((stem.to_owned(), title.to_owned(), c.svg()?));
            Ok::<(), ChartError>(())
        };
    let own = |xs: &[(&str, &str)]| -> Vec<(String, String)> {
        xs.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    };
    chart(
        "institutions",
        "Children left in institutions",
        "children",
        0,
        &own(&[
            ("in_institutions", "all institutions"),
            ("in_large_institutions", "large institutions"),
            ("under3_in_institutions", "under-3s"),
        ]),
    )?;
    chart(
        "placed",
        "Children placed in families, by carer kind",
        "children",
        0,
        &own(&[
            ("placed", "all"),
            ("placed_foster", "foster"),
            ("placed_specialist", "specialist"),
            ("placed_kinship", "kinship"),
            ("placed_emergency", "emergency"),
        ]),
    )?;
    chart(
        "waiting",
        "Children waiting for a family",
        "children",
        0,
        &own(&[
            ("waiting", "waiting (all)"),
            ("in_emergency_care", "in emergency care"),
        ]),
    )?;
    chart(
        "travel",
        "Travel to the birth family (placed children)",
        "minutes",
        0,
        &own(&[
            ("travel_median", "median"),
            ("travel_p90", "90th percentile"),
        ]),
    )?;
    // Per-step flows from month 1: the month-0 plan places the whole
    // backlog at once and would flatten the monthly flows.
    chart(
        "flows",
        "Placements, breakdowns, entries and recruits per step (from month 1)",
        "per step",
        1,
        &own(&[
            ("placements", "placements"),
            ("breakdowns", "breakdowns"),
            ("entries", "entries"),
            ("entries_to_emergency_care", "entries to emergency care"),
            ("recruited", "households recruited"),
        ]),
    )?;
    chart(
        "places",
        "Unused places in available households",
        "places",
        0,
        &own(&[("unused_places", "free places")]),
    )?;
    let large: Vec<(String, String)> = r
        .institutions
        .iter()
        .filter(|i| i.large)
        .map(|i| {
            (
                format!("residents:{}", i.id),
                i.name
                    .trim_start_matches("Home for Children and Youth ")
                    .to_owned(),
            )
        })
        .collect();
    chart(
        "large_institutions",
        "Residents of each large institution",
        "children",
        0,
        &large,
    )?;
    Ok(out)
}

// ---------------------------------------------------------------- HTML

const CSS: &str = "body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}\
th{background:#f3f3f3}td.l,th.l{text-align:left}h2{margin-top:2em;border-bottom:1px solid #ddd}\
.note{color:#555;font-size:13px}figure{margin:1em 0}.warn{color:#b00020;font-weight:bold}svg{max-width:100%;height:auto}";

const KEY_MEASURES: [&str; 15] = [
    "in_institutions",
    "in_large_institutions",
    "under3_in_institutions",
    "in_emergency_care",
    "waiting",
    "placed",
    "placed_foster",
    "placed_specialist",
    "placed_kinship",
    "sibling_groups_split",
    "travel_median",
    "travel_p90",
    "unused_places",
    "closure_residents",
    "entries_to_emergency_care",
];

fn key_table(r: &SimResult) -> Markup {
    let cols = horizon_columns(&r.dates);
    html! {
        table {
            tr { th.l { "measure" } @for (_, h) in &cols { th { (h) } } }
            @for n in KEY_MEASURES {
                @if let Some(s) = r.series(n) {
                    tr {
                        td.l { (s.label) }
                        @for (t, _) in &cols { td { (band_cell(&s.band(*t))) } }
                    }
                }
            }
        }
        p.note {
            "mean over replications [90% band: 5th–95th percentile of the same replications]; "
            "† marks a mean outside its band (an event in fewer than 5% of replications). "
            "sibling groups split: groups of siblings who must stay together, with at least two "
            "members still in care, who do not all live in one household (members waiting together "
            "for a family count as together)."
        }
    }
}

fn institutions_section(r: &SimResult) -> Markup {
    let last = r.dates.len().saturating_sub(1);
    let over: Vec<_> = r
        .institutions
        .iter()
        .filter(|i| i.over_capacity())
        .collect();
    html! {
        @if over.is_empty() {
            p { "No institution is above its capacity in any step of any replication." }
        } @else {
            p.warn {
                "Above capacity in some step of some replication: "
                @for (k, i) in over.iter().enumerate() {
                    @if k > 0 { "; " }
                    (i.name) " (" (i.id) "): up to " (i.most_residents) " residents, capacity " (i.capacity)
                }
            }
        }
        table {
            tr {
                th.l { "institution" } th { "capacity" } th.l { "closes" } th.l { "no admissions from" }
                th { "residents at start" } th { "on the last step before closure" }
                th { "at end" } th { "most in any step" }
            }
            @for i in &r.institutions {
                @if let Some(s) = r.series(&format!("residents:{}", i.id)) {
                    @if i.large || i.close.is_some() || i.over_capacity() || s.mean.iter().any(|x| *x != 0.0) {
                        tr {
                            td.l { (i.name) " (" (i.id) ")" }
                            td { (i.capacity) }
                            td.l { (i.close.map_or("–".into(), |d| d.to_string())) }
                            td.l { (i.no_admissions_from.map_or("–".into(), |d| d.to_string())) }
                            td { (band_cell(&s.band(0))) }
                            td {
                                @match i.close.and_then(|c| r.dates.iter().rposition(|d| *d < c)) {
                                    Some(t) => (band_cell(&s.band(t))),
                                    None => "–",
                                }
                            }
                            td { (band_cell(&s.band(last))) }
                            td {
                                @if i.over_capacity() { span.warn { (i.most_residents) " over capacity" } }
                                @else { (i.most_residents) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn band_inline(b: &Band) -> Markup {
    let [m, lo, hi] = band_numbers(b);
    html! { b { (m) } " " span.note { "[90% band " (lo) "–" (hi) "]" } }
}

fn gap_section(g: &GapReport) -> Markup {
    let total: u32 = g.rows.iter().map(|r| r.households).sum();
    html! {
        p {
            "Children still in closing institutions on their closure date (moved to emergency care): "
            (band_inline(&g.baseline_left)) "."
            @if let Some(w) = &g.with_gap_filled_left {
                " Re-run with the households below recruited at the start (" (g.replications)
                " replications): " (band_inline(w)) "."
            }
        }
        @if g.rows.is_empty() {
            p { "No household is missing: every child left the closing institutions in time." }
        } @else {
            p {
                "Households to recruit: " b { (total) } ", by the birth family's region, the "
                "children's main need and the age of the oldest child; each number is the expected "
                "number of sibling groups or lone children left at closure, rounded up, biggest first."
            }
            table {
                tr {
                    th.l { "region (birth family)" } th.l { "need group" } th.l { "age band" }
                    th { "households to recruit" } th { "expected [90% band]" } th { "places" }
                    th.l { "must support" }
                }
                @for row in &g.rows {
                    tr {
                        td.l { (row.region) }
                        td.l { (row.need_words()) }
                        td.l { (row.age_band.words()) }
                        td { b { (row.households) } }
                        td { (band_cell(&Band { mean: row.mean_units, p05: row.p05_units, p95: row.p95_units })) }
                        td { (row.places) }
                        td.l { (row.supported_words()) }
                    }
                }
            }
        }
    }
}

fn stats_table(r: &SimResult) -> Markup {
    let s = &r.stats;
    let t = &r.timing;
    html! {
        table {
            tr { th.l { "planner solves" } td { (s.solves) } }
            tr { th.l { "proved optimal" } td { (s.optimal) } }
            tr { th.l { "within the relative gap" } td { (s.within_gap) } }
            tr { th.l { "time- or node-limited" } td { (s.time_limited) } }
            tr { th.l { "steps with nothing to plan" } td { (s.empty) } }
            tr { th.l { "pairs scored / planned" } td { (s.pairs_scored) " / " (s.pairs_planned) } }
            tr {
                th.l { "seconds: month-0 plan / replications / capacity gap / total" }
                td { (format!("{:.2} / {:.2} / {:.2} / {:.2} ({} threads)",
                    t.initial_plan, t.replications, t.capacity_gap, t.total, t.threads)) }
            }
            tr {
                th.l { "CPU seconds in scoring / solving / events" }
                td { (format!("{:.2} / {:.2} / {:.2}", s.scoring_seconds, s.solve_seconds, s.events_seconds)) }
            }
        }
    }
}

fn page(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body { (body) }
        }
    }
    .into_string()
}

/// The self-contained HTML report of one result.
///
/// # Errors
/// [`ChartError`].
pub fn report_html(r: &SimResult) -> Result<String, ChartError> {
    let charts = charts(r)?;
    let month0 = r.series("placements").map_or(0.0, |s| s.band(0).mean);
    let body = html! {
        h1 { "Simulation: " (r.name) }
        p { (r.description) }
        p.note {
            "scenario " (r.source) " · model " (r.model) " · "
            (r.dates.first().map(|d| d.to_string()).unwrap_or_default()) " to "
            (r.dates.last().map(|d| d.to_string()).unwrap_or_default()) " · "
            (r.replications) " replications · seed " (r.seed)
        }
        h2 { "Key numbers" }
        (key_table(r))
        p.note { "The month-0 plan made " (month0) " placements; the flows chart starts at month 1." }
        @for (_, title, svg) in &charts {
            figure aria-label=(title) { (PreEscaped(svg)) }
        }
        h2 { "Institutions" }
        (institutions_section(r))
        h2 { "Capacity gap" }
        @match &r.gap {
            Some(g) => (gap_section(g)),
            None => p { "Not computed (no closure date in the scenario, or capacity_gap.enabled = false)." },
        }
        h2 { "Planner" }
        (stats_table(r))
        p.note {
            "Month 0 is the plan of the start data set, computed once and shared by every replication. "
            "Assumptions (exit, breakdown and attrition rates) are the scenario's; see docs/scenario-format.md."
        }
    };
    Ok(page(&format!("Homeward simulation: {}", r.name), body))
}

/// Writes `timeseries.csv`, `timeseries.json`, `summary.json`,
/// `capacity_gap.csv` (when computed), `charts/*.svg` and `report.html`
/// into `dir` (created if missing).
///
/// # Errors
/// I/O errors (a chart that cannot be drawn is one, [`ChartError`]).
pub fn write_all(r: &SimResult, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("charts"))?;
    std::fs::write(dir.join("timeseries.csv"), timeseries_csv(r))?;
    std::fs::write(
        dir.join("timeseries.json"),
        serde_json::to_string_pretty(&series_json(&r.dates, &r.series))?,
    )?;
    std::fs::write(
        dir.join("summary.json"),
        serde_json::to_string_pretty(&summary_json(r))?,
    )?;
    if let Some(g) = &r.gap {
        std::fs::write(dir.join("capacity_gap.csv"), gap_csv(g))?;
    }
    for (stem, _, svg) in charts(r)? {
        std::fs::write(dir.join("charts").join(format!("{stem}.svg")), svg)?;
    }
    std::fs::write(dir.join("report.html"), report_html(r)?)?;
    Ok(())
}

/// Writes the comparison: `a/` and `b/` (as [`write_all`]),
/// `difference.csv`, `difference.json` and `compare.html`.
///
/// # Errors
/// I/O errors.
pub fn write_compare(c: &Comparison, dir: &Path) -> std::io::Result<()> {
    write_all(&c.a, &dir.join("a"))?;
    write_all(&c.b, &dir.join("b"))?;
    let mut csv = String::from("step,date,series,mean_b_minus_a,p05,p95\n");
    for s in &c.diff {
        for (t, d) in c.a.dates.iter().enumerate() {
            let _ = writeln!(
                csv,
                "{t},{d},{},{:.4},{:.4},{:.4}",
                csv_field(&s.name),
                s.mean[t],
                s.p05[t],
                s.p95[t]
            );
        }
    }
    std::fs::write(dir.join("difference.csv"), csv)?;
    std::fs::write(
        dir.join("difference.json"),
        serde_json::to_string_pretty(&series_json(&c.a.dates, &c.diff))?,
    )?;
    std::fs::write(dir.join("compare.html"), compare_html(c)?)?;
    Ok(())
}

const COMPARE_MEASURES: [&str; 13] = [
    "in_institutions",
    "in_large_institutions",
    "under3_in_institutions",
    "waiting",
    "in_emergency_care",
    "placed",
    "placed_specialist",
    "placed_foster",
    "sibling_groups_split",
    "travel_median",
    "travel_p90",
    "unused_places",
    "closure_residents",
];

/// The self-contained HTML comparison report.
///
/// # Errors
/// [`ChartError`].
pub fn compare_html(c: &Comparison) -> Result<String, ChartError> {
    let last = c.a.dates.len().saturating_sub(1);
    let mut figures = Vec::new();
    for (n, title) in [
        ("in_institutions", "Children in institutions: A and B"),
        ("placed", "Children placed in families: A and B"),
    ] {
        if let (Some(a), Some(b)) = (c.a.series(n), c.b.series(n)) {
            let chart = Chart {
                title: title.into(),
                y_label: "children".into(),
                dates: &c.a.dates,
                from: 0,
                lines: vec![
                    Line {
                        label: "A".into(),
                        series: a,
                    },
                    Line {
                        label: "B".into(),
                        series: b,
                    },
                ],
            };
            figures.push(chart.svg()?);
        }
    }
    for (n, title) in [
        ("in_institutions", "B − A: children in institutions"),
        ("placed_specialist", "B − A: placed with specialist carers"),
    ] {
        if let Some(d) = c.diff.iter().find(|s| s.name == n) {
            let chart = Chart {
                title: title.into(),
                y_label: "children".into(),
                dates: &c.a.dates,
                from: 0,
                lines: vec![Line {
                    label: "B − A".into(),
                    series: d,
                }],
            };
            figures.push(chart.svg()?);
        }
    }
    let body = html! {
        h1 { "Comparison" }
        p {
            b { "A" } ": " (c.a.name) " — " (c.a.description) br;
            b { "B" } ": " (c.b.name) " — " (c.b.description)
        }
        p.note {
            "both run with seed " (c.a.seed) " and " (c.a.replications) " replications on common random "
            "numbers: replication i of A and of B see the same draws for the same children, households "
            "and months; differences are B − A per replication, then mean and 90% band."
        }
        h2 { "Differences at the end of the horizon" }
        table {
            tr { th.l { "measure" } th { "A" } th { "B" } th { "B − A" } }
            @for n in COMPARE_MEASURES {
                @if let (Some(a), Some(b), Some(d)) = (c.a.series(n), c.b.series(n), c.diff.iter().find(|s| s.name == n)) {
                    tr {
                        td.l { (a.label) }
                        td { (band_cell(&a.band(last))) }
                        td { (band_cell(&b.band(last))) }
                        td { (band_cell(&d.band(last))) }
                    }
                }
            }
        }
        @for svg in &figures { figure { (PreEscaped(svg)) } }
        h2 { "Capacity gap" }
        h3 { "A" }
        @match &c.a.gap { Some(g) => (gap_section(g)), None => p { "Not computed." } }
        h3 { "B" }
        @match &c.b.gap { Some(g) => (gap_section(g)), None => p { "Not computed." } }
        p.note { "Full reports of each scenario: a/report.html and b/report.html." }
    };
    Ok(page("Homeward comparison", body))
}
