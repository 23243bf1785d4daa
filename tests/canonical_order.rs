//! Same records, same answers: `rank`, `plan --relax` and `simulate` give the
//! same output whatever the order of the rows and columns in the data-set
//! files (and whatever `RAYON_NUM_THREADS`), because the loader puts every
//! data set in one canonical order (records by id).

use chrono::NaiveDate;
use homeward::domain::DataSet;
use homeward::scoring::{Model, Scorer};
use homeward::sim::{self, Scenario, SimOptions};
use homeward::solve::build::Scope;
use homeward::solve::exact::SolveOptions;
use homeward::solve::plan::{PlanOptions, plan};
use homeward::synth::dataset::{GenParams, generate};
use homeward::{plan_document, report};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::path::Path;

mod common;

const AS_OF: &str = "2026-01-01";
/// The plans' deterministic limit (units of work): only a limit that stops
/// every run at the same point can promise byte-identical plans.
const WORK_LIMIT: u64 = 50_000_000;

fn as_of() -> NaiveDate {
    common::date(AS_OF)
}

/// A generated data set written as CSV files into `dir`.
fn generated(dir: &Path, children: usize, carers: usize, seed: u64, country: &str) {
    let data = generate(&GenParams {
        children,
        carers,
        seed,
        country: country.to_owned(),
        as_of: as_of(),
    })
    .unwrap();
    homeward::dataset::write_csv_dir(&data, dir).unwrap();
}

/// Copies every CSV file of `from` to `to` with its data rows and its
/// columns in a random order (seeded).
fn shuffled_copy(from: &Path, to: &Path, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    std::fs::create_dir_all(to).unwrap();
    let mut files: Vec<_> = std::fs::read_dir(from)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap();
        if path.is_dir() {
            continue;
        }
        if path.extension().is_none_or(|e| e != "csv") {
            std::fs::copy(&path, to.join(name)).unwrap();
            continue;
        }
        let mut rdr = csv::Reader::from_path(&path).unwrap();
        let header = rdr.headers().unwrap().clone();
        let mut rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        let mut cols: Vec<usize> = (0..header.len()).collect();
        cols.shuffle(&mut rng);
        rows.shuffle(&mut rng);
        let mut w = csv::Writer::from_path(to.join(name)).unwrap();
        let pick =
            |r: &csv::StringRecord| cols.iter().map(|&c| r[c].to_owned()).collect::<Vec<_>>();
        w.write_record(pick(&header)).unwrap();
        for r in &rows {
            w.write_record(pick(r)).unwrap();
        }
        w.flush().unwrap();
    }
}

/// The JSON ranking of every `step`-th child.
fn rankings(data: &DataSet, model: &Model, step: usize) -> Vec<Value> {
    data.children
        .iter()
        .step_by(step)
        .map(|c| {
            let cix = data.child_ix(c.id.as_str()).unwrap();
            let scorer = Scorer::for_children(data, model, as_of(), &[cix]);
            let r = scorer.rank(&scorer.unit_of(cix), 10);
            serde_json::to_value(report::ranking_json(&scorer, &r)).unwrap()
        })
        .collect()
}

/// `value` without its timings (`millis` anywhere, and the rounds' shares of
/// a time limit, which are what was left of it when the round started).
fn without_timings(mut value: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("millis");
                m.remove("timeShareSecs");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

/// The `plan --relax` document of all children, timings stripped.
fn relaxed_plan(data: &DataSet, model: &Model) -> Value {
    let opts = PlanOptions {
        scope: Scope::All,
        // A work limit, not a time limit: a plan stopped by the clock may
        // differ between runs whatever the row order (the limit is far
        // above what these instances need to prove).
        solve: SolveOptions {
            time_limit: None,
            work_limit: Some(WORK_LIMIT),
            rel_gap: 0.0,
            ..SolveOptions::default()
        },
        relax: true,
        pinned: Vec::new(),
        forbidden: Vec::new(),
        alternatives: 2,
    };
    let p = plan(data, model, as_of(), &opts, None).unwrap();
    let scorer = Scorer::new(data, model, as_of());
    without_timings(
        serde_json::to_value(plan_document::plan_json(&scorer, "all children", &p)).unwrap(),
    )
}

/// A three-month simulation of the data set in `dir` (two replications).
fn simulated(dir: &Path) -> (Vec<sim::Series>, Vec<Vec<Vec<f64>>>) {
    let text = format!(
        r#"name = "order"
data = "{}"
start = 2026-01-01
horizon_months = 3
replications = 2
seed = 5
[entries]
units_per_month = 1.0
[policy]
model = "serbia"
gap = 0.0
[capacity_gap]
enabled = false
"#,
        dir.display()
    );
    let sc = Scenario::from_toml(&text, "order.toml", dir).unwrap();
    let r = sim::run(
        &sc,
        &SimOptions {
            progress: None,
            cancel: None,
        },
    )
    .unwrap();
    (r.series, r.raw)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn shuffled_rows_and_columns_give_the_same_rankings_plans_and_simulations(
        children in 40usize..=80,
        seed in 0u64..1_000,
        shuffle in any::<u64>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        generated(&a, children, children * 3 / 4, seed, "RS");
        shuffled_copy(&a, &b, shuffle);
        let (da, db) = (homeward::dataset::load(&a).unwrap(), homeward::dataset::load(&b).unwrap());
        prop_assert_eq!(&da, &db, "one data set in canonical order");
        let model = Model::load("serbia").unwrap();
        prop_assert_eq!(rankings(&da, &model, 7), rankings(&db, &model, 7));
        prop_assert_eq!(relaxed_plan(&da, &model), relaxed_plan(&db, &model));
        prop_assert_eq!(simulated(&a), simulated(&b));
    }
}

/// The hand-written fixture's rows reversed give the same data set.
#[test]
fn reversed_small_fixture_loads_equal() {
    let dir = tempfile::tempdir().unwrap();
    let small = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/small");
    shuffled_copy(&small, dir.path(), 99);
    assert_eq!(
        homeward::dataset::load(&small).unwrap(),
        homeward::dataset::load(dir.path()).unwrap()
    );
}

/// Asserts two documents are equal, naming the first line that differs
/// (the documents are too large to print whole).
fn assert_same(a: &Value, b: &Value, what: &str) {
    let (a, b) = (
        serde_json::to_string_pretty(a).unwrap(),
        serde_json::to_string_pretty(b).unwrap(),
    );
    if let Some((i, (x, y))) = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
    {
        panic!("{what}: line {} differs:\n  {x}\n  {y}", i + 1);
    }
    assert_eq!(
        a.lines().count(),
        b.lines().count(),
        "{what}: lengths differ"
    );
}

fn plan_via_binary(dir: &Path, threads: &str, extra: &[&str]) -> Value {
    let out = common::homeward()
        .env("RAYON_NUM_THREADS", threads)
        .args(["plan", "--data", dir.to_str().unwrap(), "--relax"])
        .args(["--format", "json", "--as-of", AS_OF, "--model", "serbia"])
        .args(["--work-limit", &WORK_LIMIT.to_string()])
        .args(extra)
        .output()
        .unwrap();
    without_timings(serde_json::from_slice(common::success_stdout(&out)).unwrap())
}

#[test]
fn the_binary_plans_shuffled_files_alike_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    generated(&a, 120, 90, 11, "RS");
    shuffled_copy(&a, &b, 7);
    let one = plan_via_binary(&a, "1", &[]);
    assert_same(&one, &plan_via_binary(&b, "2", &[]), "shuffled, 2 threads");
    assert_same(&one, &plan_via_binary(&b, "1", &[]), "shuffled, 1 thread");
}

/// The Serbia fixture with its rows (and columns) shuffled plans Belgrade
/// exactly as the fixture does.
#[test]
fn shuffled_serbia_fixture_plans_belgrade_alike() {
    let dir = tempfile::tempdir().unwrap();
    let serbia = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/serbia");
    shuffled_copy(&serbia, dir.path(), 2026);
    let region = ["--region", "City of Belgrade"];
    let original = plan_via_binary(&serbia, "2", &region);
    let shuffled = plan_via_binary(dir.path(), "2", &region);
    assert_same(&original, &shuffled, "Belgrade plan");
}
