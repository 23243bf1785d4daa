//! Simulation outputs: CSV and JSON time series, hand-written SVG charts
//! (no fonts or external files: text uses the viewer's generic sans-serif),
//! and one self-contained HTML report (inline SVG and CSS, no links).

use super::{Comparison, GapReport, Series, SeriesGroup, SimResult};
use crate::domain::NeedCode;
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

const COLORS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn num(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.2}")
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

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn group_name(g: SeriesGroup) -> &'static str {
    match g {
        SeriesGroup::Total => "total",
        SeriesGroup::Institution => "institution",
        SeriesGroup::Region => "region",
    }
}

fn series_json(dates: &[chrono::NaiveDate], series: &[Series]) -> Value {
    json!({
        "dates": dates.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        "series": series.iter().map(|s| json!({
            "name": s.name, "label": s.label, "group": group_name(s.group),
            "mean": s.mean, "p05": s.p05, "p95": s.p95,
        })).collect::<Vec<_>>(),
    })
}

fn gap_json(g: &GapReport) -> Value {
    let band = |b: (f64, f64, f64)| json!({"mean": b.0, "p05": b.1, "p95": b.2});
    json!({
        "rows": g.rows.iter().map(|r| json!({
            "region": r.region, "need": r.need, "ageBand": r.age_band, "places": r.places,
            "meanUnits": r.mean_units, "p95Units": r.p95_units, "households": r.households,
            "supportedNeeds": supported_text(&r.supported),
        })).collect::<Vec<_>>(),
        "leftAtClosure": band(g.baseline_left),
        "leftAtClosureWithGapFilled": g.with_gap_filled_left.map(band),
        "reRunReplications": g.replications,
    })
}

fn supported_text(s: &[u8; NeedCode::COUNT]) -> String {
    let v: Vec<String> = NeedCode::ALL
        .iter()
        .filter(|c| s[c.index()] > 0)
        .map(|c| format!("{}:{}", c.as_str(), s[c.index()]))
        .collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(";")
    }
}

/// The summary document: scenario, planner statistics, timings, capacity gap.
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
        })).collect::<Vec<_>>(),
        "capacityGap": r.gap.as_ref().map(gap_json),
    })
}

/// The capacity-gap table as CSV.
pub fn gap_csv(g: &GapReport) -> String {
    let mut out = String::from(
        "region,need,age_band,places,households_to_recruit,mean_units_left,p95_units_left,supported_needs\n",
    );
    for r in &g.rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{:.2},{:.2},{}",
            csv_field(&r.region),
            r.need,
            r.age_band,
            r.places,
            r.households,
            r.mean_units,
            r.p95_units,
            supported_text(&r.supported)
        );
    }
    out
}

/// One line of a chart: a series drawn as its mean with its 90% band.
pub struct Line<'a> {
    /// Legend text.
    pub label: String,
    /// The series.
    pub series: &'a Series,
}

/// An SVG line chart of `lines` over `dates`, each with its 90% band.
pub fn chart_svg(
    title: &str,
    y_label: &str,
    dates: &[chrono::NaiveDate],
    lines: &[Line<'_>],
) -> String {
    let (w, h) = (760.0, 360.0);
    let (l, r, t, b) = (64.0, 180.0, 36.0, 44.0);
    let pw = w - l - r;
    let ph = h - t - b;
    let n = dates.len().max(2);
    let ymax = lines
        .iter()
        .flat_map(|x| x.series.p95.iter().chain(&x.series.mean))
        .copied()
        .fold(0.0f64, f64::max);
    let ymin = lines
        .iter()
        .flat_map(|x| x.series.p05.iter().chain(&x.series.mean))
        .copied()
        .fold(0.0f64, f64::min);
    let (ymin, ymax) = nice_range(ymin, ymax);
    let x = |i: usize| l + pw * i as f64 / (n - 1) as f64;
    let y = |v: f64| t + ph * (1.0 - (v - ymin) / (ymax - ymin));
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="sans-serif" font-size="12"><rect width="{w}" height="{h}" fill="white"/><text x="{l}" y="22" font-size="15" font-weight="bold">{}</text>"#,
        esc(title)
    );
    // Axes and grid.
    for k in 0..=5 {
        let v = ymin + (ymax - ymin) * f64::from(k) / 5.0;
        let yy = y(v);
        let _ = write!(
            s,
            r##"<line x1="{l}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            l + pw,
            l - 6.0,
            yy + 4.0,
            num((v * 100.0).round() / 100.0)
        );
    }
    let every = (n / 8).max(1);
    for (i, d) in dates.iter().enumerate() {
        if i % every == 0 || i + 1 == dates.len() {
            let _ = write!(
                s,
                r##"<line x1="{0:.1}" x2="{0:.1}" y1="{1}" y2="{2}" stroke="#999"/><text x="{0:.1}" y="{3}" text-anchor="middle">{4}</text>"##,
                x(i),
                t + ph,
                t + ph + 4.0,
                t + ph + 18.0,
                d.format("%Y-%m")
            );
        }
    }
    let _ = write!(
        s,
        r##"<rect x="{l}" y="{t}" width="{pw}" height="{ph}" fill="none" stroke="#555"/><text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"##,
        t + ph / 2.0,
        esc(y_label)
    );
    for (k, line) in lines.iter().enumerate() {
        let c = COLORS[k % COLORS.len()];
        let sr = line.series;
        let mut band = String::new();
        for (i, v) in sr.p95.iter().enumerate() {
            let _ = write!(band, "{:.1},{:.1} ", x(i), y(*v));
        }
        for (i, v) in sr.p05.iter().enumerate().rev() {
            let _ = write!(band, "{:.1},{:.1} ", x(i), y(*v));
        }
        let mut mean = String::new();
        for (i, v) in sr.mean.iter().enumerate() {
            let _ = write!(mean, "{:.1},{:.1} ", x(i), y(*v));
        }
        let ly = t + 14.0 + 18.0 * k as f64;
        let _ = write!(
            s,
            r#"<polygon points="{band}" fill="{c}" fill-opacity="0.18" stroke="none"/><polyline points="{mean}" fill="none" stroke="{c}" stroke-width="2"/><line x1="{0}" x2="{1}" y1="{ly:.1}" y2="{ly:.1}" stroke="{c}" stroke-width="3"/><text x="{2}" y="{3:.1}">{4}</text>"#,
            l + pw + 10.0,
            l + pw + 28.0,
            l + pw + 32.0,
            ly + 4.0,
            esc(&line.label)
        );
    }
    let _ = write!(
        s,
        r##"<text x="{}" y="{}" fill="#555">lines: mean over replications · shaded: 90% band (5th–95th percentile)</text></svg>"##,
        l,
        h - 6.0
    );
    s
}

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

/// The charts of a result: (file stem, title, SVG).
pub fn charts(r: &SimResult) -> Vec<(String, String, String)> {
    let get = |n: &str| r.series(n);
    let mut out = Vec::new();
    let mut chart = |stem: &str, title: &str, ylab: &str, names: &[(&str, &str)]| {
        let lines: Vec<Line<'_>> = names
            .iter()
            .filter_map(|(n, l)| {
                get(n).map(|s| Line {
                    label: (*l).to_owned(),
                    series: s,
                })
            })
            .collect();
        if !lines.is_empty() {
            out.push((
                stem.to_owned(),
                title.to_owned(),
                chart_svg(title, ylab, &r.dates, &lines),
            ));
        }
    };
    chart(
        "institutions",
        "Children left in institutions",
        "children",
        &[
            ("in_institutions", "all institutions"),
            ("in_large_institutions", "large institutions"),
            ("under3_in_institutions", "under-3s"),
        ],
    );
    chart(
        "placed",
        "Children placed in families, by carer kind",
        "children",
        &[
            ("placed", "all"),
            ("placed_foster", "foster"),
            ("placed_specialist", "specialist"),
            ("placed_kinship", "kinship"),
            ("placed_emergency", "emergency"),
        ],
    );
    chart(
        "waiting",
        "Children waiting for a family",
        "children",
        &[
            ("waiting", "waiting (all)"),
            ("in_emergency_care", "in emergency care"),
        ],
    );
    chart(
        "travel",
        "Travel to the birth family (placed children)",
        "minutes",
        &[
            ("travel_median", "median"),
            ("travel_p90", "90th percentile"),
        ],
    );
    chart(
        "flows",
        "Placements and breakdowns per step",
        "per step",
        &[
            ("placements", "placements"),
            ("breakdowns", "breakdowns"),
            ("entries", "entries"),
            ("recruited", "households recruited"),
        ],
    );
    chart(
        "places",
        "Unused places in available households",
        "places",
        &[("unused_places", "free places")],
    );
    // Residents of each large institution.
    let large: Vec<(String, String)> = r
        .institutions
        .iter()
        .filter(|i| i.large)
        .map(|i| (format!("residents:{}", i.id), i.name.clone()))
        .collect();
    let lines: Vec<Line<'_>> = large
        .iter()
        .filter_map(|(n, l)| {
            get(n).map(|s| Line {
                label: l
                    .trim_start_matches("Home for Children and Youth ")
                    .to_owned(),
                series: s,
            })
        })
        .collect();
    if !lines.is_empty() {
        out.push((
            "large_institutions".into(),
            "Residents of each large institution".into(),
            chart_svg(
                "Residents of each large institution",
                "children",
                &r.dates,
                &lines,
            ),
        ));
    }
    out
}

const CSS: &str = "body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}\
th{background:#f3f3f3}td.l,th.l{text-align:left}h2{margin-top:2em;border-bottom:1px solid #ddd}\
.note{color:#555;font-size:13px}figure{margin:1em 0}";

fn band_cell(s: &Series, t: usize) -> String {
    format!(
        "{} <span class=note>[{}–{}]</span>",
        num((s.mean[t] * 10.0).round() / 10.0),
        num(s.p05[t]),
        num(s.p95[t])
    )
}

fn key_table(r: &SimResult) -> String {
    let mut h = String::from(
        "<table><tr><th class=l>measure</th><th>start (after month-0 plan)</th><th>after 12 months</th><th>end of horizon</th></tr>",
    );
    let last = r.dates.len() - 1;
    let mid = (12 / months_per_step(r)).min(last);
    for n in [
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
    ] {
        if let Some(s) = r.series(n) {
            let _ = write!(
                h,
                "<tr><td class=l>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&s.label),
                band_cell(s, 0),
                band_cell(s, mid),
                band_cell(s, last)
            );
        }
    }
    h.push_str("</table><p class=note>mean over replications [90% band: 5th–95th percentile].</p>");
    h
}

fn months_per_step(r: &SimResult) -> usize {
    match (r.dates.first(), r.dates.get(1)) {
        (Some(a), Some(b)) => {
            use chrono::Datelike;
            let m = (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32;
            m.max(1) as usize
        }
        _ => 1,
    }
}

fn institutions_table(r: &SimResult) -> String {
    let last = r.dates.len() - 1;
    let mut h = String::from(
        "<table><tr><th class=l>institution</th><th class=l>closes</th><th class=l>no admissions from</th><th>residents at start</th><th>residents on the last step before closure</th><th>residents at end</th></tr>",
    );
    for i in &r.institutions {
        let Some(s) = r.series(&format!("residents:{}", i.id)) else {
            continue;
        };
        if !i.large && i.close.is_none() && s.mean.iter().all(|x| *x == 0.0) {
            continue;
        }
        let before = i.close.map(|c| {
            let t = r.dates.iter().rposition(|d| *d < c).unwrap_or(0);
            band_cell(s, t)
        });
        let _ = write!(
            h,
            "<tr><td class=l>{} ({})</td><td class=l>{}</td><td class=l>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&i.name),
            esc(&i.id),
            i.close.map_or("–".into(), |d| d.to_string()),
            i.no_admissions_from.map_or("–".into(), |d| d.to_string()),
            band_cell(s, 0),
            before.unwrap_or_else(|| "–".into()),
            band_cell(s, last)
        );
    }
    h.push_str("</table>");
    h
}

fn gap_html(g: &GapReport) -> String {
    let mut h = String::new();
    let b = g.baseline_left;
    let _ = write!(
        h,
        "<p>Children still in closing institutions on their closure date (moved to emergency care): <b>{}</b> <span class=note>[{}–{}]</span>.",
        num((b.0 * 10.0).round() / 10.0),
        num(b.1),
        num(b.2)
    );
    if let Some(w) = g.with_gap_filled_left {
        let _ = write!(
            h,
            " Re-run with the households below recruited at the start ({} replications): <b>{}</b> <span class=note>[{}–{}]</span>.",
            g.replications,
            num((w.0 * 10.0).round() / 10.0),
            num(w.1),
            num(w.2)
        );
    }
    h.push_str("</p>");
    if g.rows.is_empty() {
        h.push_str(
            "<p>No household is missing: every child left the closing institutions in time.</p>",
        );
        return h;
    }
    let total: u32 = g.rows.iter().map(|r| r.households).sum();
    let _ = write!(
        h,
        "<p>Households to recruit: <b>{total}</b> (one row per region × need × age band × places; households = ceiling of the mean number of such sibling groups or children left at closure).</p>"
    );
    h.push_str("<table><tr><th class=l>region (birth family)</th><th class=l>need (highest)</th><th class=l>age band</th><th>places</th><th>households to recruit</th><th>units left: mean</th><th>p95</th><th class=l>must support</th></tr>");
    for r in &g.rows {
        let _ = write!(
            h,
            "<tr><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td>{}</td><td><b>{}</b></td><td>{:.2}</td><td>{}</td><td class=l>{}</td></tr>",
            esc(&r.region),
            esc(&r.need),
            r.age_band,
            r.places,
            r.households,
            r.mean_units,
            num(r.p95_units),
            supported_text(&r.supported)
        );
    }
    h.push_str("</table>");
    h
}

fn stats_html(r: &SimResult) -> String {
    let s = &r.stats;
    let t = &r.timing;
    format!(
        "<table><tr><th class=l>planner solves</th><td>{}</td></tr><tr><th class=l>proved optimal</th><td>{}</td></tr>\
<tr><th class=l>within the relative gap</th><td>{}</td></tr><tr><th class=l>time- or node-limited</th><td>{}</td></tr>\
<tr><th class=l>steps with nothing to plan</th><td>{}</td></tr><tr><th class=l>pairs scored / planned</th><td>{} / {}</td></tr>\
<tr><th class=l>seconds: month-0 plan / replications / capacity gap / total</th><td>{:.2} / {:.2} / {:.2} / {:.2} ({} threads)</td></tr>\
<tr><th class=l>CPU seconds in scoring / solving / events</th><td>{:.2} / {:.2} / {:.2}</td></tr></table>",
        s.solves,
        s.optimal,
        s.within_gap,
        s.time_limited,
        s.empty,
        s.pairs_scored,
        s.pairs_planned,
        t.initial_plan,
        t.replications,
        t.capacity_gap,
        t.total,
        t.threads,
        s.scoring_seconds,
        s.solve_seconds,
        s.events_seconds
    )
}

/// The self-contained HTML report of one result.
pub fn report_html(r: &SimResult) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Homeward simulation: {0}</title><style>{CSS}</style></head><body><h1>Simulation: {0}</h1><p>{1}</p>\
<p class=note>scenario {2} · model {3} · {4} to {5} · {6} replications · seed {7}</p>",
        esc(&r.name),
        esc(&r.description),
        esc(&r.source),
        esc(&r.model),
        r.dates.first().map(|d| d.to_string()).unwrap_or_default(),
        r.dates.last().map(|d| d.to_string()).unwrap_or_default(),
        r.replications,
        r.seed
    );
    h.push_str("<h2>Key numbers</h2>");
    h.push_str(&key_table(r));
    for (_, title, svg) in charts(r) {
        let _ = write!(h, "<figure aria-label=\"{}\">{svg}</figure>", esc(&title));
    }
    h.push_str("<h2>Institutions</h2>");
    h.push_str(&institutions_table(r));
    h.push_str("<h2>Capacity gap</h2>");
    match &r.gap {
        Some(g) => h.push_str(&gap_html(g)),
        None => h.push_str("<p>Not computed (no closure date in the scenario, or capacity_gap.enabled = false).</p>"),
    }
    h.push_str("<h2>Planner</h2>");
    h.push_str(&stats_html(r));
    h.push_str("<p class=note>Month 0 is the plan of the start data set, computed once and shared by every replication. Assumptions (exit, breakdown and attrition rates) are the scenario's; see docs/scenario-format.md.</p></body></html>\n");
    h
}

/// Writes `timeseries.csv`, `timeseries.json`, `summary.json`,
/// `capacity_gap.csv` (when computed), `charts/*.svg` and `report.html`
/// into `dir` (created if missing).
///
/// # Errors
/// I/O errors.
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
    for (stem, _, svg) in charts(r) {
        std::fs::write(dir.join("charts").join(format!("{stem}.svg")), svg)?;
    }
    std::fs::write(dir.join("report.html"), report_html(r))?;
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
    std::fs::write(dir.join("compare.html"), compare_html(c))?;
    Ok(())
}

/// The self-contained HTML comparison report.
pub fn compare_html(c: &Comparison) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Homeward comparison</title><style>{CSS}</style></head><body><h1>Comparison</h1>\
<p><b>A</b>: {} — {}<br><b>B</b>: {} — {}</p><p class=note>both run with seed {} and {} replications on common random numbers: replication i of A and of B see the same draws for the same children, households and months; differences are B − A per replication, then mean and 90% band.</p>",
        esc(&c.a.name),
        esc(&c.a.description),
        esc(&c.b.name),
        esc(&c.b.description),
        c.a.seed,
        c.a.replications
    );
    let last = c.a.dates.len() - 1;
    h.push_str("<h2>Differences at the end of the horizon</h2><table><tr><th class=l>measure</th><th>A</th><th>B</th><th>B − A</th></tr>");
    for n in [
        "in_institutions",
        "in_large_institutions",
        "under3_in_institutions",
        "waiting",
        "placed",
        "placed_specialist",
        "placed_foster",
        "sibling_groups_split",
        "travel_median",
        "travel_p90",
        "unused_places",
        "closure_residents",
    ] {
        let (Some(a), Some(b), Some(d)) = (
            c.a.series(n),
            c.b.series(n),
            c.diff.iter().find(|s| s.name == n),
        ) else {
            continue;
        };
        let _ = write!(
            h,
            "<tr><td class=l>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.label),
            band_cell(a, last),
            band_cell(b, last),
            band_cell(d, last)
        );
    }
    h.push_str("</table>");
    for (n, title) in [
        ("in_institutions", "Children in institutions: A and B"),
        ("placed", "Children placed in families: A and B"),
    ] {
        if let (Some(a), Some(b)) = (c.a.series(n), c.b.series(n)) {
            let lines = [
                Line {
                    label: "A".into(),
                    series: a,
                },
                Line {
                    label: "B".into(),
                    series: b,
                },
            ];
            let _ = write!(
                h,
                "<figure>{}</figure>",
                chart_svg(title, "children", &c.a.dates, &lines)
            );
        }
    }
    for (n, title) in [
        ("in_institutions", "B − A: children in institutions"),
        ("placed_specialist", "B − A: placed with specialist carers"),
    ] {
        if let Some(d) = c.diff.iter().find(|s| s.name == n) {
            let lines = [Line {
                label: "B − A".into(),
                series: d,
            }];
            let _ = write!(
                h,
                "<figure>{}</figure>",
                chart_svg(title, "children", &c.a.dates, &lines)
            );
        }
    }
    h.push_str("<h2>Capacity gap</h2><h3>A</h3>");
    match &c.a.gap {
        Some(g) => h.push_str(&gap_html(g)),
        None => h.push_str("<p>Not computed.</p>"),
    }
    h.push_str("<h3>B</h3>");
    match &c.b.gap {
        Some(g) => h.push_str(&gap_html(g)),
        None => h.push_str("<p>Not computed.</p>"),
    }
    h.push_str("<p class=note>Full reports of each scenario: a/report.html and b/report.html.</p></body></html>\n");
    h
}
