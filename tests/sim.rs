//! Simulator tests on `fixtures/small`: conservation at every step, the
//! no-event invariant, birthdays, closures, ageing out, reproducibility
//! across thread counts, scenario validation, reports and comparison.
#![allow(clippy::needless_range_loop)]

use homeward::domain::{
    CarerStatus, Child, ChildId, InstitutionIx, Need, NeedCode, PlacementType, Sex,
};
use homeward::scoring::Model;
use homeward::sim::{self, Scenario, ScenarioError, SimOptions, SimResult};
use homeward::solve::build::Scope;
use homeward::solve::exact::SolveOptions;
use homeward::solve::plan::{PlanOptions, plan};
use std::path::Path;

mod common;
use common::date as d;

/// A scenario on fixtures/small with no random events unless `extra` adds
/// them.
fn scenario(extra: &str) -> Scenario {
    common::sim::quiet_scenario("test", 6, 3, 7, extra)
}

/// Adds K6: in institution I1, behavioural:2, turns 12 on 2027-03-01; pauses
/// H2, so only H8 (ages 12–17) supports K6's need.
fn with_birthday_child(mut sc: Scenario) -> Scenario {
    let data = &mut sc.data;
    let sr = data.languages.iter().position(|l| l == "sr").unwrap() as u8;
    let p1 = data
        .places
        .iter()
        .position(|p| p.id.as_str() == "P1")
        .unwrap();
    let i1 = &data.institutions[0];
    let loc = i1.place;
    data.children.push(Child {
        id: ChildId("K6".into()),
        birth_date: d("2015-03-01"),
        sex: Sex::M,
        institution: Some(InstitutionIx(0)),
        location: loc,
        birth_family_place: homeward::domain::PlaceIx::from_usize(p1),
        school_place: None,
        needs: vec![Need {
            code: NeedCode::Behavioural,
            severity: 2,
        }],
        languages: vec![homeward::domain::Language(sr)],
        placement_type: PlacementType::LongTerm,
        entered_care: d("2022-01-01"),
        kin_carers: Vec::new(),
        heritage: None,
    });
    let h2 = data.carer_ix("H2").unwrap();
    data.carers[h2.get()].status = CarerStatus::Paused;
    sc
}

fn series<'a>(r: &'a SimResult, name: &str) -> &'a [f64] {
    &r.series(name)
        .unwrap_or_else(|| panic!("no series {name}"))
        .mean
}

fn col(r: &SimResult, name: &str) -> usize {
    r.series.iter().position(|s| s.name == name).unwrap()
}

/// Every child is in exactly one state at every step: institutions +
/// emergency care + placed + exited so far = start + entered so far, in
/// every replication; the per-kind and per-institution counts add up.
fn assert_conservation(r: &SimResult, start_children: f64) {
    let c = |n: &str| col(r, n);
    let residents: Vec<usize> = r
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| s.name.starts_with("residents:"))
        .map(|(i, _)| i)
        .collect();
    for (rep, raw) in r.raw.iter().enumerate() {
        let (mut exited, mut entered) = (0.0, 0.0);
        for t in 0..r.dates.len() {
            let v = |n: &str| raw[c(n)][t];
            exited += v("exits_reunified") + v("exits_adopted") + v("exits_aged_out");
            entered += v("entries");
            let total = v("in_institutions") + v("in_emergency_care") + v("placed");
            assert_eq!(
                total + exited,
                start_children + entered,
                "rep {rep} step {t}"
            );
            assert_eq!(v("waiting"), v("in_institutions") + v("in_emergency_care"));
            assert_eq!(
                v("placed"),
                v("placed_kinship")
                    + v("placed_foster")
                    + v("placed_specialist")
                    + v("placed_emergency")
            );
            let sum: f64 = residents.iter().map(|&i| raw[i][t]).sum();
            assert_eq!(sum, v("in_institutions"), "rep {rep} step {t}");
            assert!(v("in_large_institutions") <= v("in_institutions"));
            assert!(v("under3_in_institutions") <= v("in_institutions"));
        }
    }
}

#[test]
fn month_zero_is_the_planner_and_nothing_moves_without_events() {
    let sc = scenario("");
    let r = sim::run(&sc, &SimOptions::default()).unwrap();
    // Month 0 places what the exact planner places for the whole data set.
    let p = plan(
        &sc.data,
        &sc.model,
        sc.spec.start,
        &PlanOptions {
            scope: Scope::All,
            solve: SolveOptions {
                time_limit: None,
                work_limit: None,
                rel_gap: 0.0,
                cancel: None,
            },
            relax: false,
            pinned: Vec::new(),
            forbidden: Vec::new(),
            alternatives: 0,
        },
        None,
    )
    .unwrap();
    let placed: usize = p.placements.iter().map(|x| x.unit.size()).sum();
    assert!(placed > 0);
    assert_eq!(series(&r, "placed")[0], placed as f64);
    // No entries, exits, recruitment, breakdowns or birthdays that matter:
    // every count is the same at every step.
    for n in ["in_institutions", "placed", "waiting", "unused_places"] {
        let s = series(&r, n);
        assert!(s.iter().all(|x| *x == s[0]), "{n}: {s:?}");
    }
    assert_conservation(&r, sc.data.children.len() as f64);
}

#[test]
fn a_birthday_makes_a_child_eligible_and_only_planned_placements_change_institutions() {
    let sc = with_birthday_child(scenario(""));
    let r = sim::run(&sc, &SimOptions::default()).unwrap();
    let inst = series(&r, "in_institutions");
    let placed = series(&r, "placed");
    // K6 is 11 until 2027-03-01 (step 2), when H8 (12–17) can take him.
    assert_eq!(inst[1], inst[0]);
    assert_eq!(inst[2], inst[0] - 1.0);
    assert!(inst[2..].iter().all(|x| *x == inst[2]));
    assert_eq!(placed[2], placed[0] + 1.0);
    assert_eq!(series(&r, "placements")[2], 1.0);
    assert_eq!(
        series(&r, "placed_foster")[2],
        series(&r, "placed_foster")[0] + 1.0
    );
    assert_conservation(&r, sc.data.children.len() as f64);
}

#[test]
fn closure_dates_are_respected() {
    let sc = with_birthday_child(scenario(
        "[[closures]]\ninstitution = \"I1\"\nclose = 2027-04-01\nno_admissions_from = 2027-01-01\n",
    ));
    let r = sim::run(&sc, &SimOptions::default()).unwrap();
    let res = series(&r, "residents:I1");
    // K2 + K3 (intellectual needs; H2 paused) wait in I1 until it closes.
    assert!(res[2] >= 2.0, "{res:?}");
    for (t, date) in r.dates.iter().enumerate() {
        if *date >= d("2027-04-01") {
            assert_eq!(res[t], 0.0, "step {t} ({date})");
        } else {
            assert!(res[t] > 0.0);
        }
    }
    let moved = series(&r, "closure_residents");
    assert_eq!(*moved.last().unwrap(), res[2]);
    let emergency = series(&r, "in_emergency_care");
    assert_eq!(emergency[3], emergency[2] + res[2]);
    assert_conservation(&r, sc.data.children.len() as f64);
}

#[test]
fn children_age_out_at_eighteen() {
    // K4 was born 2011-01-01: 18 on 2029-01-01, step 2 of a start in 2028-11.
    let mut sc = scenario("");
    sc.spec.start = d("2028-11-01");
    let r = sim::run(&sc, &SimOptions::default()).unwrap();
    let aged: Vec<f64> = series(&r, "exits_aged_out").to_vec();
    assert_eq!(aged[1], 0.0);
    assert_eq!(aged[2], 1.0);
    assert_eq!(aged.iter().sum::<f64>(), 1.0);
    assert_conservation(&r, sc.data.children.len() as f64);
}

const BUSY: &str = r#"
[[recruitment]]
kind = "foster"
per_month = 0.8
[[recruitment]]
kind = "specialist"
per_month = 0.3
supported_needs = { intellectual = 3 }
[entries]
units_per_month = 1.5
[exits]
reunification_per_year = 0.2
adoption_under5_per_year = 0.3
adoption_per_year = 0.05
[[closures]]
institution = "large"
close = 2027-05-01
"#;

fn busy() -> Scenario {
    let mut sc = scenario(BUSY);
    sc.spec.replications = 8;
    sc.spec.horizon_months = 12;
    sc.spec.breakdowns.bands = vec![homeward::sim::scenario::BandSpec {
        below: 101.0,
        per_year: 0.5,
    }];
    sc.spec.carers.attrition_per_year = 0.2;
    sc
}

#[test]
fn counts_add_up_at_every_step_with_every_event() {
    let sc = busy();
    let r = sim::run(&sc, &SimOptions::default()).unwrap();
    assert_conservation(&r, sc.data.children.len() as f64);
    // The events happened.
    let total = |n: &str| -> f64 {
        r.raw
            .iter()
            .map(|x| x[col(&r, n)].iter().sum::<f64>())
            .sum()
    };
    for n in [
        "entries",
        "recruited",
        "exits_reunified",
        "breakdowns",
        "placements",
        "carers_left",
    ] {
        assert!(total(n) > 0.0, "{n} never happened");
    }
    // Bands contain the mean.
    for s in &r.series {
        for t in 0..r.dates.len() {
            assert!(
                s.p05[t] <= s.mean[t] + 1e-9 && s.mean[t] <= s.p95[t] + 1e-9,
                "{}",
                s.name
            );
        }
    }
}

#[test]
fn same_seed_same_result_for_any_thread_count() {
    let sc = busy();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| sim::run(&sc, &SimOptions::default()).unwrap())
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.raw, b.raw);
    assert_eq!(
        sim::report::timeseries_csv(&a),
        sim::report::timeseries_csv(&b)
    );
    // A different seed gives a different history.
    let mut sc2 = busy();
    sc2.spec.seed = 8;
    let c = sim::run(&sc2, &SimOptions::default()).unwrap();
    assert_ne!(a.raw, c.raw);
}

#[test]
fn compare_uses_common_random_numbers() {
    let a = busy();
    // Identical scenarios: every difference is exactly zero.
    let same = sim::compare(&a, &busy(), &SimOptions::default()).unwrap();
    assert!(
        same.diff
            .iter()
            .all(|s| s.mean.iter().chain(&s.p05).chain(&s.p95).all(|x| *x == 0.0))
    );
    // More recruitment never places fewer children at month 0 and the
    // difference report has every common series.
    let mut b = busy();
    b.spec.seed = 99; // ignored: B runs on A's seed
    b.recruits[0].spec.per_month = 5.0;
    let c = sim::compare(&a, &b, &SimOptions::default()).unwrap();
    assert_eq!(c.b.seed, a.spec.seed);
    assert_eq!(c.diff.len(), c.a.series.len());
    let rec = c.diff.iter().find(|s| s.name == "recruited").unwrap();
    assert!(rec.mean.iter().sum::<f64>() > 0.0);
}

#[test]
fn capacity_gap_names_the_missing_households_and_reports_are_self_contained() {
    let mut sc = with_birthday_child(scenario(
        "[[closures]]\ninstitution = \"I1\"\nclose = 2027-04-01\n",
    ));
    sc.spec.capacity_gap.enabled = true;
    sc.spec.capacity_gap.replications = 2;
    let r = sim::run(&sc, &SimOptions::default()).unwrap();
    let g = r.gap.as_ref().unwrap();
    // K2 + K3, a sibling group with intellectual:2, aged 5 and 7 in April 2027.
    let row = g
        .rows
        .iter()
        .find(|x| x.places == 2)
        .unwrap_or_else(|| panic!("{:?}", g.rows));
    assert_eq!(
        row.need,
        Some(Need {
            code: NeedCode::Intellectual,
            severity: 2
        })
    );
    assert_eq!(row.age_band, sim::AgeBand::From7To11);
    assert_eq!(row.households, 1);
    assert!(g.baseline_left.mean >= 2.0);
    // With the hypothetical household the group leaves I1 before closure.
    let with = g.with_gap_filled_left.unwrap();
    assert!(
        with.mean < g.baseline_left.mean,
        "{with:?} vs {:?}",
        g.baseline_left
    );
    let dir = tempfile::tempdir().unwrap();
    sim::report::write_all(&r, dir.path()).unwrap();
    for f in [
        "timeseries.csv",
        "timeseries.json",
        "summary.json",
        "capacity_gap.csv",
        "report.html",
        "charts/institutions.svg",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(
        html.contains("<svg")
            && html.contains("Capacity gap")
            && html.contains("intellectual disability, moderate support")
    );
    assert!(
        !html.contains("href=") && !html.contains("src="),
        "no external links"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("timeseries.json")).unwrap())
            .unwrap();
    assert_eq!(json["dates"].as_array().unwrap().len(), 7);
}

#[test]
fn scenario_errors_name_the_key_and_value() {
    let bad = |text: &str| -> String {
        match Scenario::from_toml(text, "s.toml", Path::new(".")) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted: {text}"),
        }
    };
    let base = "name = \"x\"\ndata = \"fixtures/small\"\nstart = 2027-01-01\nhorizon_months = 12\n";
    let e = bad(&format!("{base}colour = 1\n"));
    assert!(e.contains("colour"), "{e}");
    let e = bad(&format!(
        "{base}[[closures]]\ninstitution = \"I9\"\nclose = 2028-01-01\n"
    ));
    assert!(
        e.contains("closures[0].institution") && e.contains("I9"),
        "{e}"
    );
    let e = bad(&format!(
        "{base}[[recruitment]]\nkind = \"aunt\"\nper_month = 1.0\n"
    ));
    assert!(
        e.contains("recruitment[0].kind") && e.contains("aunt"),
        "{e}"
    );
    let e = bad(&format!("{base}[exits]\nreunification_per_year = 1.5\n"));
    assert!(e.contains("exits.reunification_per_year = 1.5"), "{e}");
    let e = bad(&format!(
        "{base}[breakdowns]\nbands = [{{ below = 50.0, per_year = 0.1 }}]\n"
    ));
    assert!(e.contains("above 100"), "{e}");
    let e = bad(
        "name = \"x\"\ndata = \"fixtures/small\"\nstart = \"2027-02-30\"\nhorizon_months = 12\n",
    );
    assert!(e.contains("2027-02-30"), "{e}");
    assert!(matches!(
        Scenario::from_toml(
            &format!("{base}[policy]\nmodel = \"nope\"\n"),
            "s.toml",
            Path::new(".")
        ),
        Err(ScenarioError::Model { .. })
    ));
    // The bundled scenarios load.
    for f in [
        "close-large-2028.toml",
        "close-large-2028-double-specialist.toml",
    ] {
        let sc = Scenario::load(&Path::new("fixtures/serbia/scenarios").join(f)).unwrap();
        assert_eq!(sc.steps(), 60);
        assert!(sc.closures.iter().filter(|c| c.close.is_some()).count() == 5);
        let _ = Model::load("serbia").unwrap();
    }
}
