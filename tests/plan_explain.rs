//! What a plan says about itself must be true and complete: the headline
//! numbers cover every round, each relaxed placement names only the
//! relaxations it uses, and every unplaced reason holds against the plan.
//! The independent checker confirms labels and reasons, and rejects plan
//! documents doctored to say otherwise.

use homeward::domain::DataSet;
use homeward::plan_document::check::check_plan;
use homeward::plan_document::{PlanJson, plan_json, plan_text};
use homeward::scoring::{Model, Scorer};
use homeward::solve::build::Scope;
use homeward::solve::exact::SolveOptions;
use homeward::solve::plan::{PlanOptions, plan};

mod common;
use common::{as_of, small};

fn options(relax: bool) -> PlanOptions {
    PlanOptions {
        scope: Scope::All,
        solve: SolveOptions::default(),
        relax,
        pinned: vec![],
        forbidden: vec![],
        alternatives: 0,
    }
}

const CARERS: &str = "id,place_id,kind,approved_places,current_children,min_age,max_age,placement_types,supported_needs,accessible_home,languages,pref_sex,pref_min_age,pref_max_age,accepts_sibling_groups,status,heritage\n";
const CHILDREN: &str = "id,birth_date,sex,institution_id,current_place_id,birth_family_place_id,school_place_id,needs,languages,placement_type,entered_care,kin_carer_ids,heritage\n";

/// A data set written from CSV rows (headers added) and loaded as a user's
/// would be.
fn data_set(places: &str, carers: &str, children: &str, siblings: &str) -> DataSet {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: String| std::fs::write(dir.path().join(name), body).unwrap();
    write(
        "places.csv",
        format!("id,name,country,region,lat,lon,population\n{places}"),
    );
    write("carers.csv", format!("{CARERS}{carers}"));
    write("children.csv", format!("{CHILDREN}{children}"));
    write(
        "institutions.csv",
        "id,name,place_id,kind,capacity,planned_closure\n".into(),
    );
    write(
        "siblings.csv",
        format!("child_id,sibling_id,keep_together,reason\n{siblings}"),
    );
    homeward::dataset::load(dir.path()).unwrap()
}

/// Plans and renders the plan document; the checker must pass it.
fn planned(data: &DataSet, model: &Model, opts: &PlanOptions) -> PlanJson {
    let p = plan(data, model, as_of(), opts, None).unwrap();
    let doc = plan_json(&Scorer::new(data, model, as_of()), "test", &p);
    let report = check_plan(data, model, &doc);
    assert!(report.problems.is_empty(), "checker: {:?}", report.problems);
    doc
}

/// Round-trips a plan document through its JSON text, as `check --plan`
/// reads it.
fn reread(doc: &PlanJson) -> PlanJson {
    serde_json::from_str(&serde_json::to_string(doc).unwrap()).unwrap()
}

/// K1's only homes within the travel limit are forbidden: the strict round
/// places four children, the travel round K1 at H3 (260 > 240 min).
fn relaxed_small() -> (DataSet, Model, PlanJson) {
    let data = small();
    let model = Model::load("default").unwrap();
    let mut o = options(true);
    o.forbidden = vec![("K1".into(), "H1".into()), ("K1".into(), "H2".into())];
    let doc = planned(&data, &model, &o);
    (data, model, doc)
}

#[test]
fn headline_numbers_cover_every_round() {
    let (_, _, doc) = relaxed_small();
    assert_eq!(doc.rounds.len(), 2);
    let strict = &doc.rounds[0];
    let travel = &doc.rounds[1];
    assert_eq!(doc.objective, strict.objective);
    assert_eq!(doc.total_objective, strict.objective + travel.objective);
    assert_eq!(doc.children_placed, 5);

    // The checker holds the headline to the rounds.
    let mut doctored = reread(&doc);
    doctored.rounds[1].objective += 100;
    let problems = check_plan(&small(), &Model::load("default").unwrap(), &doctored).problems;
    assert!(
        problems.iter().any(|p| p.contains("is not pinned")),
        "{problems:?}"
    );

    // JSON: the whole plan's status, and children placed per round.
    let v = serde_json::to_value(&doc).unwrap();
    assert_eq!(v["totalStatus"], "optimal", "{v}");
    assert_eq!(v["rounds"][0]["childrenPlaced"], 4);
    assert_eq!(v["rounds"][1]["childrenPlaced"], 1);
    assert_eq!(v["rounds"][1]["status"], "optimal");

    // Table: the headline gives the total; each round its numbers; a total row.
    let text = plan_text(&doc);
    let pts = |h: i64| format!("{:.2}", h as f64 / 100.0);
    let headline = text.lines().nth(3).unwrap();
    assert!(
        headline.contains(&format!("total objective {}", pts(doc.total_objective)))
            && headline.contains("5 of 5 children placed"),
        "{text}"
    );
    let row = |label: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("│ {label} ")))
            .unwrap_or_else(|| panic!("no row {label:?} in\n{text}"))
            .to_owned()
    };
    for (label, objective, children) in [
        ("strict", strict.objective, 4),
        ("travel limit ×1.5", travel.objective, 1),
        ("total", doc.total_objective, 5),
    ] {
        let r = row(label);
        assert!(r.contains(&pts(objective)), "{r}");
        assert!(r.contains(&format!(" {children} ")), "{r}");
        assert!(r.contains("optimal"), "{r}");
    }
}

/// Four siblings and two households of two places each at the same place:
/// the group fits nowhere whole, and is split 2 + 2 in the ladder's split
/// round; no travel limit is involved.
fn split_set() -> DataSet {
    data_set(
        "P1,Alpha,RS,North,44.0,20.0,50000\n",
        "H1,P1,foster,2,,0,17,long_term,,false,sr,,,,true,available,\n\
         H2,P1,foster,2,,0,17,long_term,,false,sr,,,,true,available,\n",
        "S1,2014-01-01,F,,P1,P1,,,sr,long_term,2024-01-01,,\n\
         S2,2016-01-01,M,,P1,P1,,,sr,long_term,2024-01-01,,\n\
         S3,2018-01-01,F,,P1,P1,,,sr,long_term,2024-01-01,,\n\
         S4,2020-01-01,M,,P1,P1,,,sr,long_term,2024-01-01,,\n",
        "S1,S2,true,\nS2,S3,true,\nS3,S4,true,\n",
    )
}

const SPLIT: &str = "sibling groups of 4+ split, sub-groups within 30 min";
const TRAVEL: &str = "travel limit ×1.5";

#[test]
fn split_sub_groups_carry_only_the_split_relaxation() {
    let data = split_set();
    let model = Model::load("default").unwrap();
    let doc = planned(&data, &model, &options(true));
    assert_eq!(doc.placements.len(), 2, "{:?}", doc.placements);
    for p in &doc.placements {
        assert_eq!(p.children.len(), 2);
        assert_eq!(p.relaxed, [SPLIT], "{:?}", p.children);
    }
    // The round still says what was in force.
    assert_eq!(
        doc.rounds.last().unwrap().label,
        format!("{TRAVEL} + {SPLIT}")
    );
}

#[test]
fn a_placement_carries_the_travel_relaxation_only_when_its_journey_needs_it() {
    let (_, _, doc) = relaxed_small();
    for p in &doc.placements {
        let want: &[&str] = if p.children == ["K1"] { &[TRAVEL] } else { &[] };
        assert_eq!(p.relaxed, want, "{:?}", p.children);
    }
}

#[test]
fn checker_rejects_spurious_and_missing_relaxation_labels() {
    let model = Model::load("default").unwrap();
    let data = split_set();
    let doc = planned(&data, &model, &options(true));

    // Spurious: a split sub-group that claims the travel limit too.
    let mut spurious = reread(&doc);
    spurious.placements[0].relaxed = vec![TRAVEL.into(), SPLIT.into()];
    let problems = check_plan(&data, &model, &spurious).problems;
    assert!(
        problems
            .iter()
            .any(|p| p.contains(TRAVEL) && p.contains("does not need")),
        "{problems:?}"
    );

    // Missing: a split sub-group that does not say it is one.
    let mut missing = reread(&doc);
    missing.placements[1].relaxed.clear();
    let problems = check_plan(&data, &model, &missing).problems;
    assert!(
        problems
            .iter()
            .any(|p| p.contains(SPLIT) && p.contains("does not list")),
        "{problems:?}"
    );

    // Spurious on a strict placement; missing on a relaxed journey.
    let (small, model, doc) = relaxed_small();
    let mut spurious = reread(&doc);
    let k4 = spurious
        .placements
        .iter_mut()
        .find(|p| p.children == ["K4"])
        .unwrap();
    k4.relaxed = vec![TRAVEL.into()];
    let problems = check_plan(&small, &model, &spurious).problems;
    assert!(
        problems
            .iter()
            .any(|p| p.contains("K4") && p.contains("does not need")),
        "{problems:?}"
    );
    let mut missing = reread(&doc);
    let k1 = missing
        .placements
        .iter_mut()
        .find(|p| p.children == ["K1"])
        .unwrap();
    k1.relaxed.clear();
    let problems = check_plan(&small, &model, &missing).problems;
    assert!(
        problems
            .iter()
            .any(|p| p.contains("K1") && p.contains("TRAVEL_TOO_FAR")),
        "{problems:?}"
    );
}

/// Serbia's household limit: at most 3 children, 2 when one has
/// developmental difficulties. One household with three free places and
/// three lone children who can live only there, one of them (D1) with an
/// intellectual disability: any two fit, the third is refused by the limit
/// while a place is still free.
fn limit_set() -> DataSet {
    data_set(
        "P1,Alpha,RS,North,44.0,20.0,50000\n",
        "H1,P1,foster,3,,0,17,long_term,intellectual:3,false,sr,,,,true,available,\n",
        "D1,2016-01-01,F,,P1,P1,,intellectual:1,sr,long_term,2024-01-01,,\n\
         L1,2015-01-01,M,,P1,P1,,,sr,long_term,2024-01-01,,\n\
         L2,2017-01-01,F,,P1,P1,,,sr,long_term,2024-01-01,,\n",
        "",
    )
}

#[test]
fn a_binding_household_limit_is_named_not_called_outcompeted() {
    let data = limit_set();
    let model = Model::load("serbia").unwrap();
    let doc = planned(&data, &model, &options(false));
    assert_eq!(doc.children_placed, 2);
    assert_eq!(doc.unplaced.len(), 1);
    let u = &doc.unplaced[0];
    assert_eq!(u.reasons.len(), 1, "{:?}", u.reasons);
    let r = &u.reasons[0];
    assert_eq!(r.code, "HOUSEHOLD_LIMIT_BINDING", "{r:?}");
    assert_eq!(r.households.len(), 1);
    assert_eq!(r.households[0].household_id, "H1");
    let mut there: Vec<String> = r.households[0]
        .placed_there
        .iter()
        .flatten()
        .cloned()
        .collect();
    there.sort();
    let mut expected: Vec<String> = doc
        .placements
        .iter()
        .flat_map(|p| p.children.clone())
        .collect();
    expected.sort();
    assert_eq!(there, expected);
    assert!(r.message.contains("limit"), "{}", r.message);
    assert!(plan_text(&doc).contains("HOUSEHOLD_LIMIT_BINDING"));
}

#[test]
fn checker_rejects_an_unplaced_reason_that_is_false() {
    let data = limit_set();
    let model = Model::load("serbia").unwrap();
    let doc = planned(&data, &model, &options(false));

    // The household still has a free place: OUTCOMPETED is false.
    let mut doctored = reread(&doc);
    doctored.unplaced[0].reasons[0].code = "OUTCOMPETED".into();
    let problems = check_plan(&data, &model, &doctored).problems;
    assert!(
        problems
            .iter()
            .any(|p| p.contains("OUTCOMPETED") && p.contains("H1")),
        "{problems:?}"
    );

    // Without the child with difficulties there, the limit would not bind.
    let mut doctored = reread(&doc);
    let d1_placed = doc
        .placements
        .iter()
        .any(|p| p.children.contains(&"D1".to_string()));
    if d1_placed {
        // Pretend the unplaced child is the only one there.
        doctored
            .placements
            .retain(|p| !p.children.contains(&"D1".to_string()));
        doctored.total_objective = check_plan(&data, &model, &doctored).objective;
    } else {
        // D1 is the one left out; name a household that takes no one.
        doctored.placements.clear();
        doctored.total_objective = 0;
    }
    let problems = check_plan(&data, &model, &doctored).problems;
    assert!(
        problems
            .iter()
            .any(|p| p.contains("HOUSEHOLD_LIMIT_BINDING") && p.contains("H1")),
        "{problems:?}"
    );

    // An unknown reason code is refused.
    let mut doctored = reread(&doc);
    doctored.unplaced[0].reasons[0].code = "BECAUSE".into();
    let problems = check_plan(&data, &model, &doctored).problems;
    assert!(
        problems.iter().any(|p| p.contains("BECAUSE")),
        "{problems:?}"
    );
}

#[test]
fn outcompeted_names_households_that_are_really_full() {
    // Serbia's limit does not bind for three children without difficulties:
    // with four such children and one household of three places, the
    // fourth is outcompeted and the household is full.
    let data = data_set(
        "P1,Alpha,RS,North,44.0,20.0,50000\n",
        "H1,P1,foster,3,,0,17,long_term,,false,sr,,,,true,available,\n",
        "L1,2015-01-01,M,,P1,P1,,,sr,long_term,2024-01-01,,\n\
         L2,2016-01-01,F,,P1,P1,,,sr,long_term,2024-01-01,,\n\
         L3,2017-01-01,M,,P1,P1,,,sr,long_term,2024-01-01,,\n\
         L4,2018-01-01,F,,P1,P1,,,sr,long_term,2024-01-01,,\n",
        "",
    );
    let model = Model::load("serbia").unwrap();
    let doc = planned(&data, &model, &options(false));
    assert_eq!(doc.unplaced.len(), 1);
    assert_eq!(doc.unplaced[0].reasons[0].code, "OUTCOMPETED");
    // Claiming the limit binds is false: the household is full.
    let mut doctored = reread(&doc);
    doctored.unplaced[0].reasons[0].code = "HOUSEHOLD_LIMIT_BINDING".into();
    let problems = check_plan(&data, &model, &doctored).problems;
    assert!(
        problems
            .iter()
            .any(|p| p.contains("HOUSEHOLD_LIMIT_BINDING") && p.contains("H1")),
        "{problems:?}"
    );
}
