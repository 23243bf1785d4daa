//! Simulation reports a planner can act on, on `fixtures/small`: every mean
//! inside its own band (rounded alike), no column past the horizon, the
//! capacity gap in words and rounded up, escaped HTML and SVG, readable
//! charts.

use homeward::sim::report::{self, band_numbers, horizon_columns};
use homeward::sim::{self, Band, Scenario, SimOptions, SimResult};
use std::path::Path;

/// A busy scenario of `months` on fixtures/small; `extra` TOML is appended
/// (the capacity gap is off unless the test turns it on).
fn scenario(months: u32, extra: &str) -> Scenario {
    let text = format!(
        r#"
name = "report test"
data = "fixtures/small"
start = 2027-01-01
horizon_months = {months}
replications = 8
seed = 5
[[recruitment]]
kind = "foster"
per_month = 0.5
[entries]
units_per_month = 1.0
[exits]
reunification_per_year = 0.2
[policy]
model = "serbia"
gap = 0.0
candidates_per_unit = 0
[capacity_gap]
enabled = false
replications = 2
{extra}
"#
    );
    Scenario::from_toml(&text, "report.toml", Path::new(".")).expect("scenario")
}

fn run(sc: &Scenario) -> SimResult {
    sim::run(sc, &SimOptions::default()).expect("run")
}

/// Every "mean [lo–hi]" cell of an HTML report: (mean, lo, hi, marked rare).
fn cells(html: &str) -> Vec<(f64, f64, f64, bool)> {
    let mut out = Vec::new();
    let mut rest = html;
    // A cell is `<td>MEAN <span class="note">[LO–HI]</span>` (maud quotes
    // attributes); a rare mean is followed by `<sup`.
    while let Some(i) = rest.find("<td>") {
        rest = &rest[i + 4..];
        let Some(end) = rest.find("</td>") else { break };
        let cell = &rest[..end];
        let Some((mean, band)) = cell.split_once(" <span class=\"note\">[") else {
            continue;
        };
        let Some((band, tail)) = band.split_once("]</span>") else {
            continue;
        };
        let Some((lo, hi)) = band.split_once('–') else {
            continue;
        };
        let p = |s: &str| s.trim().parse::<f64>().unwrap_or_else(|_| panic!("{cell}"));
        out.push((p(mean), p(lo), p(hi), tail.contains("<sup")));
    }
    out
}

#[test]
fn a_mean_and_its_band_are_rounded_alike() {
    // The case of the issue: every replication 117.62, shown as
    // 117.60 [117.62–117.62].
    let b = Band::of(&[117.62; 100]);
    assert!(b.mean_inside(), "{b:?}");
    let [m, lo, hi] = band_numbers(&b);
    assert_eq!(
        (m.as_str(), lo.as_str(), hi.as_str()),
        ("117.6", "117.6", "117.6")
    );
    let [m, lo, hi] = band_numbers(&Band::of(&[3.0, 4.0, 5.0]));
    assert_eq!(
        (m.as_str(), lo.as_str(), hi.as_str()),
        ("4.0", "3.1", "4.9")
    );
    // A rare event: the mean lies outside the band and is flagged as such.
    let mut xs = vec![0.0; 100];
    xs[0] = 1.0;
    assert!(!Band::of(&xs).mean_inside());
}

#[test]
fn every_reported_mean_lies_inside_its_band() {
    let mut sc = scenario(
        24,
        "[[closures]]\ninstitution = \"I1\"\nclose = 2027-06-01\n",
    );
    sc.spec.capacity_gap.enabled = true;
    let r = run(&sc);
    // Every series: the mean lies within its replications' values (the
    // floating-point sum cannot push it out), the band is ordered.
    for (i, s) in r.series.iter().enumerate() {
        for t in 0..r.dates.len() {
            let xs: Vec<f64> = r.raw.iter().map(|rep| rep[i][t]).collect();
            let (lo, hi) = xs
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                    (a.min(*x), b.max(*x))
                });
            assert!(lo <= s.mean[t] && s.mean[t] <= hi, "{} step {t}", s.name);
            assert!(s.p05[t] <= s.p95[t], "{} step {t}", s.name);
        }
    }
    let html = report::report_html(&r).expect("report");
    let cells = cells(&html);
    assert!(cells.len() > 40, "{} cells", cells.len());
    for (mean, lo, hi, rare) in cells {
        assert!(
            rare || (lo <= mean && mean <= hi),
            "{mean} [{lo}–{hi}] in the report"
        );
    }
}

#[test]
fn no_column_past_the_horizon() {
    let r = run(&scenario(6, ""));
    let html = report::report_html(&r).expect("report");
    assert!(!html.contains("after 12 months"), "a 6-month scenario");
    assert!(html.contains("end (6 months)"));
    let heads: Vec<String> = horizon_columns(&r.dates).into_iter().map(|c| c.1).collect();
    assert_eq!(heads, ["start (after the month-0 plan)", "end (6 months)"]);
    // Five years: the start, four whole years, the end.
    let dates: Vec<_> = (0..=60)
        .map(|m| {
            chrono::NaiveDate::from_ymd_opt(2027, 1, 1)
                .and_then(|d| d.checked_add_months(chrono::Months::new(m)))
                .expect("date")
        })
        .collect();
    let cols = horizon_columns(&dates);
    let steps: Vec<usize> = cols.iter().map(|c| c.0).collect();
    assert_eq!(steps, [0, 12, 24, 36, 48, 60]);
    assert_eq!(cols[5].1, "end (60 months)");
    // Exactly twelve months: no "after 12 months" beside the end.
    let cols = horizon_columns(&dates[..=12]);
    assert_eq!(cols.iter().map(|c| c.0).collect::<Vec<_>>(), [0, 12]);
}

#[test]
fn capacity_gap_rows_are_rounded_up_in_words_and_biggest_first() {
    let mut sc = scenario(
        6,
        "[[closures]]\ninstitution = \"I1\"\nclose = 2027-03-01\n",
    );
    sc.spec.capacity_gap.enabled = true;
    let r = run(&sc);
    let g = r.gap.as_ref().expect("gap");
    assert!(!g.rows.is_empty());
    for row in &g.rows {
        assert_eq!(f64::from(row.households), (row.mean_units - 1e-9).ceil());
        assert!(row.households >= 1);
        let need = row.need_words();
        assert!(!need.contains(':') && !need.contains(';'), "{need}");
        assert!(row.age_band.words().starts_with("ages "));
        assert!(!row.supported_words().contains(':'));
        assert!(row.p05_units <= row.mean_units + 1e-9);
    }
    for w in g.rows.windows(2) {
        assert!(
            (w[0].households, w[0].mean_units) >= (w[1].households, w[1].mean_units),
            "biggest first"
        );
    }
    let csv = report::gap_csv(g);
    let header = csv.lines().next().expect("header");
    assert!(header.starts_with(
        "region,need_group,age_band,households_to_recruit,expected_units,p05_units,p95_units"
    ));
    assert!(csv.contains("ages "), "{csv}");
    let html = report::report_html(&r).expect("report");
    assert!(html.contains(&g.rows[0].need_words()));
    assert!(
        !html.contains("intellectual:"),
        "no need codes in the report"
    );
}

#[test]
fn the_html_and_svg_escape_a_hostile_scenario_and_institution_name() {
    let mut sc = scenario(3, "");
    sc.spec.name = "<script>alert(1)</script>".into();
    sc.spec.description = "\"><img src=x onerror=alert(2)>".into();
    sc.data.institutions[0].name = "<script>alert(3)</script> & Co".into();
    let r = run(&sc);
    let html = report::report_html(&r).expect("report");
    assert!(!html.contains("<script"), "unescaped script");
    assert!(!html.contains("<img"), "unescaped tag");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    for (stem, _, svg) in report::charts(&r).expect("charts") {
        assert!(!svg.contains("<script"), "{stem}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    report::write_all(&r, dir.path()).expect("write");
    let svg = std::fs::read_to_string(dir.path().join("charts/large_institutions.svg"))
        .expect("chart of the large institution");
    assert!(
        svg.contains("&lt;script&gt;alert(3)"),
        "the legend is escaped"
    );
}

#[test]
fn charts_have_readable_axes_and_flows_start_at_month_one() {
    let mut sc = scenario(60, "");
    sc.spec.replications = 2;
    let r = run(&sc);
    let charts = report::charts(&r).expect("charts");
    for (stem, _, svg) in &charts {
        assert!(svg.starts_with("<svg"), "{stem}");
        // At most eight date labels, none repeated.
        let labels: Vec<&str> = svg
            .split("</text>")
            .filter_map(|s| s.rsplit_once('>').map(|x| x.1.trim()))
            .filter(|s| s.len() == 7 && s.starts_with("20") && s.as_bytes()[4] == b'-')
            .collect();
        assert!((2..=8).contains(&labels.len()), "{stem}: {labels:?}");
        let mut dedup = labels.clone();
        dedup.dedup();
        assert_eq!(dedup, labels, "{stem}");
    }
    let flows = &charts
        .iter()
        .find(|c| c.0 == "flows")
        .expect("flows chart")
        .2;
    let has = |svg: &str, label: &str| {
        svg.split("</text>")
            .any(|s| s.rsplit_once('>').is_some_and(|x| x.1.trim() == label))
    };
    assert!(!has(flows, "2027-01"), "flows start at month 1");
    assert!(has(flows, "2028-01"));
    let institutions = &charts
        .iter()
        .find(|c| c.0 == "institutions")
        .expect("chart")
        .2;
    assert!(has(institutions, "2027-01") && has(institutions, "2032-01"));
}
