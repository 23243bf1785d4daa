//! Command-line tests on `fixtures/small` with expected rankings.

use predicates::prelude::*;

mod common;
use common::{homeward, success_stdout};

fn small() -> std::path::PathBuf {
    common::fixture("small")
}

fn rank_json(child: &str, extra: &[&str]) -> serde_json::Value {
    let out = homeward()
        .args(["rank", "--data"])
        .arg(small())
        .args([
            "--child",
            child,
            "--as-of",
            "2026-06-01",
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    serde_json::from_slice(success_stdout(&out)).unwrap()
}

#[test]
fn rank_prints_the_hand_worked_ranking_as_json() {
    let v = rank_json("K1", &[]);
    assert_eq!(v["model"]["id"], "default");
    assert_eq!(v["model"]["version"], "1.1.0");
    let m: Vec<(String, f64)> = v["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["householdId"].as_str().unwrap().to_owned(),
                m["score"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(m, [("H1".to_owned(), 86.36), ("H2".to_owned(), 78.5)]);
    assert_eq!(v["eligible"], 2);
    assert_eq!(v["excluded"], 6);
    let travel = v["excludedByRule"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "TRAVEL_TOO_FAR")
        .unwrap();
    assert_eq!(travel["households"], 1);
    // Breakdown points add up to the score (to the hundredth).
    for m in v["matches"].as_array().unwrap() {
        let sum: f64 = m["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["points"].as_f64().unwrap())
            .sum();
        assert!((sum - m["score"].as_f64().unwrap()).abs() < 0.005);
    }
}

#[test]
fn rank_for_a_sibling_group_ranks_the_whole_group() {
    let v = rank_json("K2", &[]);
    assert_eq!(v["children"], serde_json::json!(["K2", "K3"]));
    assert_eq!(v["siblingGroup"], true);
    assert_eq!(v["matches"][0]["householdId"], "H2");
    assert_eq!(v["matches"][0]["score"], 87.83);
}

#[test]
fn top_limits_the_number_of_matches() {
    let v = rank_json("K1", &["--top", "1"]);
    assert_eq!(v["matches"].as_array().unwrap().len(), 1);
    assert_eq!(v["eligible"], 2);
}

#[test]
fn serbia_model_is_echoed() {
    let v = rank_json("K4", &["--model", "serbia"]);
    assert_eq!(v["model"]["id"], "serbia");
    // The serbia model adds culture matching: K4 and kin H6 share it.
    let b = v["matches"][0]["breakdown"].as_array().unwrap();
    assert!(
        b.iter()
            .any(|c| c["criterion"] == "culture" && c["value"] == 1.0)
    );
}

#[test]
fn rank_table_shows_breakdown_and_exclusions() {
    homeward()
        .args(["rank", "--data"])
        .arg(small())
        .args(["--child", "K1", "--as-of", "2026-06-01"])
        .assert()
        .success()
        .stdout(predicate::str::contains("86.36"))
        .stdout(predicate::str::contains("78.50"))
        .stdout(predicate::str::contains("TRAVEL_TOO_FAR"))
        .stdout(predicate::str::contains("model default@1.1.0"));
}

#[test]
fn explain_shows_the_failing_rule() {
    homeward()
        .args(["rank", "--data"])
        .arg(small())
        .args(["--child", "K1", "--as-of", "2026-06-01", "--explain", "H3"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "FAIL  TRAVEL_TOO_FAR: 260 min to the birth family > limit 240 min",
        ))
        .stdout(predicate::str::contains("never recommended"));
    let out = homeward()
        .args(["rank", "--data"])
        .arg(small())
        .args([
            "--child",
            "K1",
            "--as-of",
            "2026-06-01",
            "--explain",
            "H2",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["eligible"], true);
    assert_eq!(v["rank"], 2);
    assert_eq!(v["best"]["householdId"], "H1");
}

#[test]
fn unknown_ids_and_models_fail_with_a_clear_message() {
    homeward()
        .args(["rank", "--data"])
        .arg(small())
        .args(["--child", "K99"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no child with id \"K99\""));
    homeward()
        .args(["rank", "--data"])
        .arg(small())
        .args(["--child", "K1", "--explain", "H99"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no household with id \"H99\""));
    homeward()
        .args(["rank", "--data"])
        .arg(small())
        .args(["--child", "K1", "--model", "nonexistent"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no model named"));
}

#[test]
fn bad_data_set_lists_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(small()).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dir.path().join(f.file_name())).unwrap();
    }
    let carers = std::fs::read_to_string(dir.path().join("carers.csv")).unwrap();
    std::fs::write(
        dir.path().join("carers.csv"),
        carers.replace("H2,P2,specialist,3,10,0,12", "H2,P2,specialist,3,10,12,4"),
    )
    .unwrap();
    homeward()
        .args(["check", "--data"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "carers.csv line 3 (id H2), field `max_age`",
        ))
        .stderr(predicate::str::contains("inverted"));
}

#[test]
fn check_and_export_round_trip_through_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("small.json");
    homeward()
        .args(["export", "--data"])
        .arg(small())
        .arg("--out")
        .arg(&json)
        .assert()
        .success();
    homeward()
        .args(["check", "--data"])
        .arg(&json)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "5 children (2 in 1 sibling groups), 8 households",
        ));
    let v = {
        let out = homeward()
            .args(["rank", "--data"])
            .arg(&json)
            .args(["--child", "K1", "--as-of", "2026-06-01", "--format", "json"])
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    assert_eq!(v["matches"][0]["score"], 86.36);
}

#[test]
fn models_lists_the_built_in_models() {
    homeward()
        .arg("models")
        .assert()
        .success()
        .stdout(predicate::str::contains("serbia@2026.2"))
        .stdout(predicate::str::contains("default@1.1.0"));
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    // `homeward rank … | head -1`: the reader goes away after one line. The
    // command must stop with success and without a panic message.
    use std::io::{BufRead, BufReader};
    use std::process::{Command as Std, Stdio};
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("homeward"))
        .args(["rank", "--data", "fixtures/serbia", "--child", "C000009"])
        // JSON: ~100 KB, more than a pipe buffer holds.
        .args(["--top", "4000", "--as-of", "2026-06-01", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first.trim(), "{");
    // The reader (and with it the pipe) is dropped here.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "status {:?}, stderr {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn plan_prints_the_independent_checkers_verdict() {
    let args = ["--as-of", "2026-06-01", "--work-limit", "100000"];
    let table = homeward()
        .args(["plan", "--data"])
        .arg(small())
        .args(args)
        .assert()
        .success();
    table.stdout(predicate::str::ends_with(
        "checker: valid — 4 placements, 5 children placed, objective 151580 recomputed and equal\n",
    ));
    let out = homeward()
        .args(["plan", "--data"])
        .arg(small())
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "homeward-plan/1");
    assert_eq!(
        v["check"],
        serde_json::json!({ "valid": true, "problems": [] })
    );
}
