//! `homeward simulate` and `homeward simulate compare` on `fixtures/small`.

use predicates::prelude::*;
use std::path::Path;

mod common;
use common::homeward;

fn write_scenario(dir: &Path, name: &str, foster_per_month: f64) -> std::path::PathBuf {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/small");
    let text = format!(
        r#"name = "{name}"
data = "{}"
start = 2027-01-01
horizon_months = 4
replications = 4
seed = 3
[[closures]]
institution = "I1"
close = 2027-03-01
[[recruitment]]
kind = "foster"
per_month = {foster_per_month}
[entries]
units_per_month = 1.0
[capacity_gap]
replications = 2
"#,
        data.display()
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn simulate_writes_a_self_contained_report() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write_scenario(dir.path(), "a", 0.5);
    let out = dir.path().join("out");
    homeward()
        .args([
            "simulate",
            sc.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("in_institutions").and(predicate::str::contains("report:")),
        );
    for f in [
        "report.html",
        "timeseries.csv",
        "timeseries.json",
        "summary.json",
        "charts/institutions.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
}

#[test]
fn simulate_compare_reports_differences() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_scenario(dir.path(), "a", 0.5);
    let b = write_scenario(dir.path(), "b", 3.0);
    let out = dir.path().join("cmp");
    homeward()
        .args([
            "simulate",
            "compare",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("B − A"));
    for f in [
        "compare.html",
        "difference.csv",
        "a/report.html",
        "b/report.html",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
}

#[test]
fn a_bad_scenario_fails_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "name = \"x\"\ndata = \".\"\nstart = 2027-01-01\nhorizon_months = 0\n",
    )
    .unwrap();
    homeward()
        .args(["simulate", path.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("horizon_months = 0"));
}
