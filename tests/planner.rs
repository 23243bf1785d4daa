//! Planner tests on real data sets: hand-worked plans on `fixtures/small`,
//! apart siblings, pins, forbids, the relaxation ladder, and the Serbia
//! fixture. Every plan is re-checked by the independent checker.

use chrono::NaiveDate;
use homeward::domain::DataSet;
use homeward::plan_document::check::check_plan;
use homeward::plan_document::{PlanJson, plan_json};
use homeward::scoring::{Model, Scorer};
use homeward::solve::build::Scope;
use homeward::solve::exact::{SolveOptions, Status};
use homeward::solve::plan::{Plan, PlanOptions, UnplacedReason, plan};

mod common;
use common::{as_of, small};

fn options() -> PlanOptions {
    PlanOptions {
        scope: Scope::All,
        solve: SolveOptions::default(),
        relax: false,
        pinned: vec![],
        forbidden: vec![],
        alternatives: 3,
    }
}

/// Plans, renders the plan document, and checks it independently.
fn planned(data: &DataSet, model: &Model, opts: &PlanOptions) -> (Plan, PlanJson) {
    planned_on(data, model, opts, as_of())
}

/// [`planned`] with ages as of `day`.
fn planned_on(
    data: &DataSet,
    model: &Model,
    opts: &PlanOptions,
    day: NaiveDate,
) -> (Plan, PlanJson) {
    let p = plan(data, model, day, opts, None).unwrap();
    let doc = plan_json(&Scorer::new(data, model, day), "test", &p);
    let report = check_plan(data, model, &doc);
    assert!(report.problems.is_empty(), "checker: {:?}", report.problems);
    assert_eq!(report.objective, doc.total_objective);
    assert!(p.bound >= p.objective);
    (p, doc)
}

fn placed(doc: &PlanJson) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = doc
        .placements
        .iter()
        .map(|p| (p.children.join("+"), p.household_id.clone()))
        .collect();
    v.sort();
    v
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Worked by hand (see `fixtures/small/README.md`): values K1 260, K2+K3 670,
/// K4 120, K5 120 points; scores 86.36, 87.83, 89.47, 82.14.
#[test]
fn small_fixture_plan_is_the_hand_worked_optimum() {
    let data = small();
    let model = Model::load("default").unwrap();
    let (p, doc) = planned(&data, &model, &options());
    assert_eq!(p.status, Status::Optimal);
    assert_eq!(
        p.objective,
        (260 + 670 + 120 + 120) * 100 + 8636 + 8783 + 8947 + 8214
    );
    assert_eq!(
        placed(&doc),
        pairs(&[("K1", "H1"), ("K2+K3", "H2"), ("K4", "H6"), ("K5", "H7")])
    );
    assert!(doc.unplaced.is_empty());
}

#[test]
fn apart_siblings_never_share_a_household() {
    // K5 becomes a long-term placement without needs: H1 (two free places,
    // at the birth family's door) is then the best home for both K1 and K5,
    // who must live apart; H2 is taken by the K2+K3 sibling group.
    let mut data = small();
    let k5 = data.child_ix("K5").unwrap();
    data.children[k5.get()].placement_type = homeward::domain::PlacementType::LongTerm;
    data.children[k5.get()].needs.clear();
    let model = Model::load("default").unwrap();
    let home = |doc: &PlanJson, id: &str| {
        doc.placements
            .iter()
            .find(|x| x.children.contains(&id.to_string()))
            .map(|x| x.household_id.clone())
    };
    let (p, doc) = planned(&data, &model, &options());
    assert_eq!(p.status, Status::Optimal);
    assert_eq!(home(&doc, "K2"), Some("H2".into()));
    assert_eq!(
        [home(&doc, "K1"), home(&doc, "K5")]
            .iter()
            .filter(|h| h.as_deref() == Some("H1"))
            .count(),
        1,
        "exactly one of the two apart siblings gets H1"
    );
    // Without the apart link both would share H1.
    data.sibling_links.retain(|l| l.keep_together);
    let (_, doc) = planned(&data, &model, &options());
    assert_eq!(
        (home(&doc, "K1"), home(&doc, "K5")),
        (Some("H1".into()), Some("H1".into()))
    );
}

#[test]
fn pinned_and_forbidden_pairs_are_respected() {
    let data = small();
    let model = Model::load("default").unwrap();
    let mut o = options();
    o.pinned = vec![("K4".into(), "H8".into())];
    o.forbidden = vec![("K1".into(), "H1".into())];
    let (_, doc) = planned(&data, &model, &o);
    let p = placed(&doc);
    assert!(p.contains(&("K4".into(), "H8".into())));
    assert!(!p.contains(&("K1".into(), "H1".into())));
    assert!(
        doc.placements
            .iter()
            .any(|x| x.pinned && x.household_id == "H8")
    );
    // A pin that breaks a hard rule is refused with the rule.
    let mut bad = options();
    bad.pinned = vec![("K1".into(), "H3".into())];
    let err = plan(&data, &model, as_of(), &bad, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("TRAVEL_TOO_FAR"), "{err}");
}

#[test]
fn unplaced_children_get_reasons() {
    let data = small();
    let model = Model::load("default").unwrap();
    let mut o = options();
    // Without H7, K5 (emergency, medical) has no eligible household.
    o.forbidden = vec![("K5".into(), "H7".into())];
    let (p, doc) = planned(&data, &model, &o);
    let k5 = p
        .unplaced
        .iter()
        .find(|u| data.child(u.unit.members[0]).id.as_str() == "K5")
        .unwrap();
    assert!(matches!(
        k5.reasons[0],
        UnplacedReason::NoEligibleHousehold { .. }
    ));
    assert_eq!(doc.unplaced[0].reasons[0].code, "NO_ELIGIBLE_HOUSEHOLD");
}

#[test]
fn relaxation_ladder_places_with_a_longer_journey_and_says_so() {
    // K1's only other homes are forbidden; H3 is 260 min from the birth
    // family: over the 240-minute limit, within 1.5 × 240.
    let data = small();
    let model = Model::load("default").unwrap();
    let mut o = options();
    o.forbidden = vec![("K1".into(), "H1".into()), ("K1".into(), "H2".into())];
    let (strict, _) = planned(&data, &model, &o);
    assert!(
        strict
            .unplaced
            .iter()
            .any(|u| data.child(u.unit.members[0]).id.as_str() == "K1")
    );
    o.relax = true;
    let (_, doc) = planned(&data, &model, &o);
    let k1 = doc
        .placements
        .iter()
        .find(|x| x.children == ["K1"])
        .expect("K1 placed after relaxing");
    assert_eq!(k1.household_id, "H3");
    assert_eq!(k1.relaxed, ["travel limit ×1.5"]);
}

#[test]
fn checker_rejects_a_tampered_plan() {
    let data = small();
    let model = Model::load("default").unwrap();
    let (_, mut doc) = planned(&data, &model, &options());
    // Move K1 into H3 (too far), split the sibling group, inflate a score.
    let k1 = doc
        .placements
        .iter_mut()
        .find(|x| x.children == ["K1"])
        .unwrap();
    k1.household_id = "H3".into();
    let g = doc
        .placements
        .iter_mut()
        .find(|x| x.children.len() == 2)
        .unwrap();
    g.children.pop();
    doc.placements[0].score += 1;
    let report = check_plan(&data, &model, &doc);
    let all = report.problems.join("\n");
    assert!(all.contains("TRAVEL_TOO_FAR"), "{all}");
    assert!(all.contains("not placed together"), "{all}");
    assert!(all.contains("recomputed"), "{all}");
}

#[test]
fn serbia_regions_plan_optimally_and_check_clean_for_any_thread_count() {
    let data = common::load("serbia");
    let model = Model::load("serbia").unwrap();
    for region in ["Bor", "Pčinja", "Central Banat"] {
        let mut o = options();
        o.scope = Scope::Region(region.into());
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| planned(&data, &model, &o))
        };
        let (p1, one) = run(1);
        assert_eq!(p1.status, Status::Optimal, "{region}");
        assert!(one.children_placed > 0, "{region}");
        let (_, two) = run(2);
        assert_eq!(placed(&one), placed(&two), "{region}");
        assert_eq!(one.objective, two.objective, "{region}");
    }
}

#[test]
fn whole_serbia_fixture_plan_checks_clean_within_a_time_limit() {
    let data = common::load("serbia");
    let model = Model::load("serbia").unwrap();
    let mut o = options();
    o.alternatives = 0;
    // Long enough for the first incumbent in a debug build on a loaded
    // 2-core machine (3 s failed under a parallel release build).
    o.solve.time_limit = Some(std::time::Duration::from_secs(8));
    let (p, doc) = planned(&data, &model, &o);
    assert!(doc.children_placed > 900, "{}", doc.children_placed);
    // Whatever the status, the bound is proved and the gap is reported.
    assert!(p.bound >= p.objective);
    assert!(doc.gap >= 0.0 && doc.gap < 0.05, "{}", doc.gap);
}

/// The whole Serbia fixture planned with ages as of `day` (no
/// alternatives, no time limit), checked independently ([`planned_on`]),
/// and proved optimal.
fn serbia_proved_optimal(day: NaiveDate) -> (Plan, PlanJson) {
    let data = common::load("serbia");
    // The weights of serbia@2026.1, whose optima HiGHS proved on the MPS
    // exports quoted below: serbia@2026.2 only added `sibling_contact`, and
    // a zero weight leaves every score as it was.
    let mut model = Model::load("serbia").unwrap();
    for (c, w) in &mut model.weights {
        if c.key() == "sibling_contact" {
            *w = 0.0;
        }
    }
    model.version = "2026.1".into();
    let mut o = options();
    o.alternatives = 0;
    let (p, doc) = planned_on(&data, &model, &o, day);
    assert_eq!(p.status, Status::Optimal);
    assert_eq!(p.objective, p.bound);
    (p, doc)
}

/// The "done when": the whole Serbia fixture, ages as of
/// 2026-12-03 (1,018 units in one dense component, 400,623 eligible pairs,
/// 14 apart links), is proved optimal and the checker passes the plan. The
/// optimum is also the root LP bound HiGHS reports on the exported MPS
/// model (apart rows included). About 8 s in a
/// release build, over a minute in a debug build, so it is left out of the
/// default `cargo test` and run by `.ci/run`.
#[test]
#[ignore = "slow in a debug build (~75 s); run by .ci/run"]
fn whole_serbia_fixture_is_proved_optimal() {
    let (p, doc) = serbia_proved_optimal(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap());
    assert_eq!(p.objective, 34_738_869);
    assert_eq!(doc.children_placed, 1090);
}

/// As of 2026-06-01 the household-pattern LP bound is fractional
/// (36,201,187.5), the local search ends at 36,200,955 and the forcing-loss
/// search runs out of nodes: branch-and-price must find and prove the
/// optimum HiGHS 1.16 proves on the MPS export, 36,201,077. About 15 s in a
/// release build; run by `.ci/run`.
#[test]
#[ignore = "slow in a debug build (~2 min); run by .ci/run"]
fn serbia_fixture_with_a_fractional_pattern_lp_is_proved_by_branch_and_price() {
    let (p, _) = serbia_proved_optimal(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
    assert_eq!(p.objective, 36_201_077);
    let largest = p.rounds[0]
        .components
        .iter()
        .max_by_key(|c| c.units)
        .unwrap();
    assert_eq!(largest.method, "branch-and-price");
}

/// Two units that must live apart both prefer household 0 (room for two):
/// the exact solver and the good_lp model (microlp) agree on the optimum, and
/// the exported model carries the apart row.
#[test]
fn apart_pairs_are_part_of_the_model_for_every_solver() {
    use homeward::solve::{Instance, Pair, PlacementMilp, solve, write_mps};
    let unit = common::solve::lone(100);
    let house = common::solve::free;
    let pair = |unit, household, score| Pair {
        unit,
        household,
        score,
        coef: 100 + i64::from(score),
    };
    let inst = Instance {
        units: vec![unit.clone(), unit.clone(), unit],
        households: vec![house(2), house(1)],
        pairs: vec![
            pair(0, 0, 90),
            pair(0, 1, 10),
            pair(1, 0, 80),
            pair(1, 1, 70),
            pair(2, 0, 50),
        ],
        apart: vec![(0, 1)],
    };
    let exact = solve(&inst, &SolveOptions::default(), None);
    assert_eq!(exact.status, Status::Optimal);
    assert!(inst.feasible(&exact.assignment));
    // Best: 0→h0, 2→h0, 1→h1 = 190 + 150 + 170.
    assert_eq!(exact.objective, 510);
    let milp = PlacementMilp::new(&inst)
        .unwrap()
        .solve_microlp(None)
        .unwrap();
    assert_eq!(inst.objective(&milp), Some(510));
    let mut mps = Vec::new();
    write_mps(&inst, &mut mps).unwrap();
    assert!(String::from_utf8(mps).unwrap().contains("apart_0_1_0"));
    // The JSON instance keeps the apart pairs.
    use homeward::instance_json::{InstanceIds, read_instance_json, write_instance_json};
    let mut json = Vec::new();
    write_instance_json(&inst, &InstanceIds::numbered(3, 2), &mut json).unwrap();
    let back = read_instance_json(&json[..], "test.json").unwrap();
    assert_eq!(back.instance, inst);
}
