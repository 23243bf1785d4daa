//! Case tables for every hard rule and soft criterion, model validation, and
//! the hand-worked rankings of `fixtures/small`.

use homeward::domain::*;
use homeward::scoring::context::{CarerRow, ChildProfile, PairCtx};
use homeward::scoring::criteria::{Reason, sibling_contact};
use homeward::scoring::{Criterion, Detail, Model, ModelError, RuleCode, Scorer};

mod common;
use common::as_of;
use std::path::Path;

fn model(name: &str) -> Model {
    Model::load(name).unwrap()
}

fn child() -> ChildProfile {
    ChildProfile {
        ix: ChildIx(0),
        age: 8,
        sex: Sex::F,
        placement_type: PlacementType::LongTerm,
        needs: [0; NeedCode::COUNT],
        has_needs: false,
        developmental: false,
        lang_main: 1,
        lang_all: 1,
        kin: vec![],
        heritage: 0,
        birth_place: PlaceIx(0),
        school_place: None,
    }
}

fn carer() -> CarerRow {
    let mut pt = PlacementTypes::default();
    pt.insert(PlacementType::ShortTerm);
    pt.insert(PlacementType::LongTerm);
    CarerRow {
        ix: CarerIx(0),
        place: PlaceIx(0),
        kind: CarerKind::Foster,
        available: true,
        min_age: 0,
        max_age: 17,
        approved: 2,
        current: 0,
        free: 2,
        placement_types: pt,
        supported: [0; NeedCode::COUNT],
        accessible: false,
        langs: 1,
        pref_sex: None,
        pref_min_age: None,
        pref_max_age: None,
        accepts_siblings: true,
        heritage: 0,
        current_developmental: false,
        current_with_needs: 0,
        current_ages: [0; 8],
    }
}

fn ctx<'a>(c: &'a ChildProfile, h: &'a CarerRow, m: &'a Model) -> PairCtx<'a> {
    PairCtx {
        child: c,
        carer: h,
        unit_size: 1,
        unit_developmental: c.developmental,
        birth_minutes: 0.0,
        school_minutes: None,
        apart_sibling_rows: &[],
        model: m,
        declined: None,
    }
}

fn with_need(mut c: ChildProfile, code: NeedCode, sev: u8) -> ChildProfile {
    c.needs[code.index()] = sev;
    c.has_needs = true;
    c
}

#[test]
fn hard_rules_case_table() {
    let m = model("serbia");
    type Case = (
        &'static str,
        fn(&mut ChildProfile, &mut CarerRow, &mut u8, &mut f32),
        Option<RuleCode>,
    );
    let cases: Vec<Case> = vec![
        ("a plain pair passes", |_, _, _, _| {}, None),
        (
            "paused household",
            |_, h, _, _| h.available = false,
            Some(RuleCode::CarerUnavailable),
        ),
        (
            "child older than approval",
            |c, h, _, _| {
                c.age = 13;
                h.max_age = 12
            },
            Some(RuleCode::AgeOutsideApproval),
        ),
        (
            "child younger than approval",
            |c, h, _, _| {
                c.age = 3;
                h.min_age = 4
            },
            Some(RuleCode::AgeOutsideApproval),
        ),
        (
            "age at the edge passes",
            |c, h, _, _| {
                c.age = 12;
                h.max_age = 12
            },
            None,
        ),
        (
            "emergency placement with a long-term carer",
            |c, _, _, _| c.placement_type = PlacementType::Emergency,
            Some(RuleCode::PlacementTypeNotApproved),
        ),
        (
            "need not supported at all",
            |c, _, _, _| *c = with_need(c.clone(), NeedCode::Medical, 1),
            Some(RuleCode::NeedNotSupported),
        ),
        (
            "need more severe than supported",
            |c, h, _, _| {
                *c = with_need(c.clone(), NeedCode::Sensory, 3);
                h.supported[NeedCode::Sensory.index()] = 2
            },
            Some(RuleCode::NeedNotSupported),
        ),
        (
            "need supported at its severity",
            |c, h, _, _| {
                *c = with_need(c.clone(), NeedCode::Sensory, 2);
                h.supported[NeedCode::Sensory.index()] = 2
            },
            None,
        ),
        (
            "mobility 2 needs an accessible home",
            |c, h, _, _| {
                *c = with_need(c.clone(), NeedCode::Mobility, 2);
                h.supported[NeedCode::Mobility.index()] = 3
            },
            Some(RuleCode::HomeNotAccessible),
        ),
        (
            "mobility 1 does not",
            |c, h, _, _| {
                *c = with_need(c.clone(), NeedCode::Mobility, 1);
                h.supported[NeedCode::Mobility.index()] = 3
            },
            None,
        ),
        (
            "no free place",
            |_, h, _, _| {
                h.current = 2;
                h.free = 0
            },
            Some(RuleCode::NoFreePlace),
        ),
        (
            "group larger than free places",
            |_, h, s, _| {
                *s = 3;
                h.free = 2
            },
            Some(RuleCode::SiblingGroupTooLarge),
        ),
        (
            "household takes no sibling groups",
            |_, h, s, _| {
                *s = 2;
                h.accepts_siblings = false
            },
            Some(RuleCode::SiblingsNotAccepted),
        ),
        (
            "Serbia: a fourth child",
            |_, h, _, _| {
                h.approved = 5;
                h.current = 3;
                h.free = 2
            },
            Some(RuleCode::HouseholdLimitExceeded),
        ),
        (
            "Serbia: a third child when one has developmental difficulties",
            |_, h, _, _| {
                h.approved = 4;
                h.current = 2;
                h.free = 2;
                h.current_developmental = true
            },
            Some(RuleCode::HouseholdLimitExceeded),
        ),
        (
            "Serbia: a sibling group is exempt",
            |_, h, s, _| {
                h.approved = 6;
                h.current = 2;
                h.free = 4;
                *s = 3
            },
            None,
        ),
        (
            "too far from the birth family",
            |_, _, _, t| *t = 181.0,
            Some(RuleCode::TravelTooFar),
        ),
        (
            "no route to the birth family",
            |_, _, _, t| *t = f32::INFINITY,
            Some(RuleCode::TravelTooFar),
        ),
        (
            "kinship carers are exempt from the travel limit",
            |_, h, _, t| {
                h.kind = CarerKind::Kinship;
                *t = 500.0
            },
            None,
        ),
    ];
    for (name, setup, expected) in cases {
        let (mut c, mut h, mut size, mut minutes) = (child(), carer(), 1u8, 10.0f32);
        setup(&mut c, &mut h, &mut size, &mut minutes);
        let mut x = ctx(&c, &h, &m);
        x.unit_size = size;
        x.birth_minutes = minutes;
        let failed: Vec<RuleCode> = RuleCode::ALL
            .into_iter()
            .filter(|r| r.check(&x).is_some())
            .collect();
        assert_eq!(
            failed,
            expected.into_iter().collect::<Vec<_>>(),
            "case: {name}"
        );
    }
}

#[test]
fn violations_carry_details_that_read_well() {
    let m = model("default");
    let mut c = child();
    c.age = 13;
    let mut h = carer();
    h.max_age = 12;
    let d = RuleCode::AgeOutsideApproval
        .check(&ctx(&c, &h, &m))
        .unwrap();
    assert_eq!(
        d,
        Detail::Age {
            age: 13,
            min: 0,
            max: 12
        }
    );
    assert_eq!(d.to_string(), "child is 13, approved ages 0–12");
    let d = Detail::Travel {
        minutes: f32::INFINITY,
        max: 240.0,
    };
    assert!(d.to_string().contains("no route"));
}

#[test]
fn rule_codes_are_stable_and_parse() {
    let codes: Vec<&str> = RuleCode::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        codes,
        [
            "CARER_UNAVAILABLE",
            "AGE_OUTSIDE_APPROVAL",
            "PLACEMENT_TYPE_NOT_APPROVED",
            "NEED_NOT_SUPPORTED",
            "HOME_NOT_ACCESSIBLE",
            "NO_FREE_PLACE",
            "SIBLING_GROUP_TOO_LARGE",
            "SIBLINGS_NOT_ACCEPTED",
            "HOUSEHOLD_LIMIT_EXCEEDED",
            "TRAVEL_TOO_FAR"
        ]
    );
    for r in RuleCode::ALL {
        assert_eq!(RuleCode::parse(r.as_str()), Some(r));
        assert!(!r.sentence().is_empty());
    }
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    }
}

#[test]
fn criteria_case_table() {
    let m = model("serbia");
    type Case = (
        &'static str,
        Criterion,
        fn(&mut ChildProfile, &mut CarerRow, &mut PairCtxPatch),
        Option<f64>,
    );
    #[derive(Default)]
    struct PairCtxPatch {
        birth: Option<f32>,
        school: Option<f32>,
    }
    let cases: Vec<Case> = vec![
        (
            "age: no carer-set edges",
            Criterion::AgeFit,
            |_, _, _| {},
            Some(1.0),
        ),
        (
            "age: at the edge",
            Criterion::AgeFit,
            |c, h, _| {
                c.age = 12;
                h.max_age = 12
            },
            Some(1.0 / 3.0),
        ),
        (
            "age: one year inside",
            Criterion::AgeFit,
            |c, h, _| {
                c.age = 5;
                h.min_age = 4
            },
            Some(2.0 / 3.0),
        ),
        (
            "age: deep inside",
            Criterion::AgeFit,
            |c, h, _| {
                c.age = 8;
                h.min_age = 4;
                h.max_age = 14
            },
            Some(1.0),
        ),
        (
            "needs: none is not applicable",
            Criterion::NeedsFit,
            |_, _, _| {},
            None,
        ),
        (
            "needs: exact support",
            Criterion::NeedsFit,
            |c, h, _| {
                *c = with_need(c.clone(), NeedCode::Intellectual, 2);
                h.supported[NeedCode::Intellectual.index()] = 2
            },
            Some(0.6),
        ),
        (
            "needs: two levels of headroom",
            Criterion::NeedsFit,
            |c, h, _| {
                *c = with_need(c.clone(), NeedCode::Intellectual, 1);
                h.supported[NeedCode::Intellectual.index()] = 3
            },
            Some(1.0),
        ),
        (
            "needs: specialist bonus",
            Criterion::NeedsFit,
            |c, h, _| {
                *c = with_need(c.clone(), NeedCode::Medical, 2);
                h.supported[NeedCode::Medical.index()] = 2;
                h.kind = CarerKind::Specialist
            },
            Some(0.8),
        ),
        (
            "needs: mean over needs",
            Criterion::NeedsFit,
            |c, h, _| {
                *c = with_need(
                    with_need(c.clone(), NeedCode::Medical, 2),
                    NeedCode::Sensory,
                    1,
                );
                h.supported[NeedCode::Medical.index()] = 2;
                h.supported[NeedCode::Sensory.index()] = 2
            },
            Some(0.7),
        ),
        (
            "family: at the door",
            Criterion::BirthFamilyProximity,
            |_, _, p| p.birth = Some(0.0),
            Some(1.0),
        ),
        (
            "family: one half-life",
            Criterion::BirthFamilyProximity,
            |_, _, p| p.birth = Some(60.0),
            Some(0.5),
        ),
        (
            "family: two half-lives",
            Criterion::BirthFamilyProximity,
            |_, _, p| p.birth = Some(120.0),
            Some(0.25),
        ),
        (
            "family: no route",
            Criterion::BirthFamilyProximity,
            |_, _, p| p.birth = Some(f32::INFINITY),
            Some(0.0),
        ),
        (
            "school: not at school",
            Criterion::SchoolProximity,
            |_, _, _| {},
            None,
        ),
        (
            "school: one half-life",
            Criterion::SchoolProximity,
            |_, _, p| p.school = Some(30.0),
            Some(0.5),
        ),
        (
            "language: main",
            Criterion::Language,
            |_, _, _| {},
            Some(1.0),
        ),
        (
            "language: secondary",
            Criterion::Language,
            |c, h, _| {
                c.lang_main = 2;
                c.lang_all = 3;
                h.langs = 1
            },
            Some(0.5),
        ),
        (
            "language: none",
            Criterion::Language,
            |_, h, _| h.langs = 4,
            Some(0.0),
        ),
        (
            "kinship: no known kin",
            Criterion::Kinship,
            |_, _, _| {},
            None,
        ),
        (
            "kinship: kin",
            Criterion::Kinship,
            |c, _, _| c.kin = vec![CarerIx(0)],
            Some(1.0),
        ),
        (
            "kinship: not kin",
            Criterion::Kinship,
            |c, _, _| c.kin = vec![CarerIx(7)],
            Some(0.0),
        ),
        (
            "household: empty",
            Criterion::HouseholdComposition,
            |_, _, _| {},
            Some(1.0),
        ),
        (
            "household: same age there",
            Criterion::HouseholdComposition,
            |_, h, _| {
                h.current = 1;
                h.current_ages[0] = 8
            },
            Some(0.0),
        ),
        (
            "household: gap of 2",
            Criterion::HouseholdComposition,
            |_, h, _| {
                h.current = 1;
                h.current_ages[0] = 10
            },
            Some(2.0 / 3.0),
        ),
        (
            "household: needs load",
            Criterion::HouseholdComposition,
            |c, h, _| {
                *c = with_need(c.clone(), NeedCode::Emotional, 1);
                h.current = 1;
                h.current_ages[0] = 14;
                h.current_with_needs = 1
            },
            Some(0.75),
        ),
        (
            "preferences: none stated",
            Criterion::CarerPreferences,
            |_, _, _| {},
            None,
        ),
        (
            "preferences: sex met",
            Criterion::CarerPreferences,
            |_, h, _| h.pref_sex = Some(Sex::F),
            Some(1.0),
        ),
        (
            "preferences: sex met, age not",
            Criterion::CarerPreferences,
            |_, h, _| {
                h.pref_sex = Some(Sex::F);
                h.pref_max_age = Some(5)
            },
            Some(0.5),
        ),
        (
            "culture: child's not recorded",
            Criterion::Culture,
            |_, _, _| {},
            None,
        ),
        (
            "culture: shared",
            Criterion::Culture,
            |c, h, _| {
                c.heritage = 1;
                h.heritage = 1
            },
            Some(1.0),
        ),
        (
            "culture: not shared",
            Criterion::Culture,
            |c, h, _| {
                c.heritage = 1;
                h.heritage = 2
            },
            Some(0.0),
        ),
    ];
    for (name, crit, setup, expected) in cases {
        let (mut c, mut h, mut p) = (child(), carer(), PairCtxPatch::default());
        setup(&mut c, &mut h, &mut p);
        let mut x = ctx(&c, &h, &m);
        x.birth_minutes = p.birth.unwrap_or(0.0);
        x.school_minutes = p.school;
        let v = crit.value(&x);
        assert!(
            close(v, expected),
            "case {name}: got {v:?}, want {expected:?}"
        );
        assert!(!crit.reason(&x).is_empty(), "case {name}: empty reason");
    }
}

/// `sibling_contact` with the carer at place 1: each row gives the minutes
/// from a sibling's home to every place (∞ = no route).
#[test]
fn sibling_contact_case_table() {
    let m = model("serbia");
    const NONE: f32 = f32::INFINITY;
    /// (case, travel rows from each sibling's home, expected value)
    type Case<'a> = (&'a str, &'a [&'a [f32]], Option<f64>);
    let cases: [Case; 6] = [
        ("no siblings living apart is not applicable", &[], None),
        ("sibling next door", &[&[5.0, 0.0]], Some(1.0)),
        ("one half-life", &[&[0.0, 60.0]], Some(0.5)),
        ("two half-lives", &[&[0.0, 120.0]], Some(0.25)),
        ("no route", &[&[0.0, NONE]], Some(0.0)),
        (
            "mean over siblings",
            &[&[0.0, 0.0], &[0.0, 60.0]],
            Some(0.75),
        ),
    ];
    for (name, rows, expected) in cases {
        let (c, mut h) = (child(), carer());
        h.place = PlaceIx(1);
        let mut x = ctx(&c, &h, &m);
        x.apart_sibling_rows = rows;
        let v = Criterion::SiblingContact.value(&x);
        assert!(
            close(v, expected),
            "case {name}: got {v:?}, want {expected:?}"
        );
        assert!(!Criterion::SiblingContact.reason(&x).is_empty());
        if rows.is_empty() {
            assert_eq!(
                Criterion::SiblingContact.why(&x),
                Reason::SiblingContact(sibling_contact::Reason::NoneApart)
            );
        }
    }
}

/// K1 and K5 of fixtures/small are siblings linked apart: each is scored on
/// the travel to where the other lives; K2 and K3 (together) are not.
#[test]
fn siblings_linked_apart_are_scored_on_contact() {
    let data = common::small();
    let m = model("default");
    let s = Scorer::new(&data, &m, as_of());
    let point = |child: &str, carer: &str| {
        let e = s.explain(&s.unit_of_id(child).unwrap(), data.carer_ix(carer).unwrap());
        let c = e
            .score
            .breakdown
            .iter()
            .find(|c| c.criterion == Criterion::SiblingContact)
            .unwrap();
        (c.value, c.reason.clone())
    };
    assert_eq!(
        point("K1", "H1"),
        (Some(1.0), "0 min to the sibling living apart".to_owned())
    );
    let (v, reason) = point("K1", "H2");
    assert!(close(v, Some(0.5f64.powf(20.0 / 60.0))), "{v:?}");
    assert_eq!(reason, "20 min to the sibling living apart");
    assert_eq!(point("K3", "H2").0, None);
}

#[test]
fn models_load_and_echo_id_and_version() {
    let s = model("serbia");
    assert_eq!((s.id.as_str(), s.version.as_str()), ("serbia", "2026.2"));
    assert_eq!(s.household.max_children, Some(3));
    let d = model("default");
    assert!(d.forbidden.contains(&Criterion::Culture));
    assert_eq!(d.weight(Criterion::Culture), 0.0);
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/serbia.toml");
    assert_eq!(Model::load(file.to_str().unwrap()).unwrap(), s);
}

fn serbia_with(from: &str, to: &str) -> Result<Model, ModelError> {
    let text = homeward::scoring::BUILTIN[1].1;
    assert!(text.contains(from), "{from}");
    Model::from_toml(&text.replacen(from, to, 1), "test.toml")
}

#[test]
fn model_loading_rejects_bad_models_naming_the_key() {
    let cases = [
        (
            "speed_kmh = 60",
            "speed_kmh = 60\nspeed_mph = 40",
            "speed_mph",
        ),
        ("age_fit = 10", "age_fit = -1", "weights.age_fit"),
        ("age_fit = 10", "age_fit = 10\nastrology = 5", "astrology"),
        ("needs_fit = 25\n", "", "weights.needs_fit is missing"),
        (
            "forbidden_criteria = []",
            "forbidden_criteria = [\"culture\"]",
            "forbidden",
        ),
        (
            "TRAVEL_TOO_FAR = true",
            "TRAVEL_TOO_FARAWAY = true",
            "TRAVEL_TOO_FARAWAY",
        ),
        (
            "max_travel_minutes_birth_family = 180",
            "max_travel_minutes_birth_family = 0",
            "max_travel_minutes_birth_family",
        ),
        ("knn = 6", "knn = 0", "geography.knn"),
        (
            "max_children = 3",
            "max_children = 0",
            "household.max_children",
        ),
        (
            "developmental_needs = [\"intellectual\"",
            "developmental_needs = [\"telepathy\"",
            "telepathy",
        ),
        (
            "needs_fit_base = 0.6",
            "needs_fit_base = 1.6",
            "params.needs_fit_base",
        ),
        ("version = \"2026.2\"", "version = \"\"", "version"),
        ("max_children = 3\n", "", "needs household.max_children"),
    ];
    for (from, to, needle) in cases {
        let err = serbia_with(from, to).expect_err(needle).to_string();
        assert!(err.contains(needle), "error for {needle:?} was: {err}");
    }
    assert!(matches!(
        Model::load("no-such-model"),
        Err(ModelError::NotFound(_))
    ));
}

#[test]
fn a_model_can_switch_off_a_hard_rule() {
    let m = serbia_with("TRAVEL_TOO_FAR = true", "TRAVEL_TOO_FAR = false").unwrap();
    assert!(!m.rule_enabled(RuleCode::TravelTooFar));
    let data = common::small();
    let s = Scorer::new(&data, &m, as_of());
    let r = s.rank(&s.unit_of_id("K1").unwrap(), 10);
    assert!(
        r.matches
            .iter()
            .any(|x| data.carer(x.carer).id.as_str() == "H3")
    );
}

/// Expected top households (id, score in hundredths) and exclusion counts,
/// worked out by hand in `fixtures/small/README.md`.
#[test]
fn small_fixture_rankings_match_the_hand_worked_answers() {
    let data = common::small();
    let m = model("default");
    let s = Scorer::new(&data, &m, as_of());
    type Case<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, u32)]);
    let cases: [Case; 4] = [
        ("K1", &["K1"], &[("H1", 8636), ("H2", 7850)]),
        ("K3", &["K2", "K3"], &[("H2", 8783)]),
        ("K4", &["K4"], &[("H6", 8947), ("H8", 6321)]),
        ("K5", &["K5"], &[("H7", 8214)]),
    ];
    for (child, unit, expected) in cases {
        let u = s.unit_of_id(child).unwrap();
        let ids: Vec<&str> = u
            .members
            .iter()
            .map(|c| data.child(*c).id.as_str())
            .collect();
        assert_eq!(ids, unit);
        let r = s.rank(&u, 10);
        let got: Vec<(&str, u32)> = r
            .matches
            .iter()
            .map(|x| (data.carer(x.carer).id.as_str(), x.score.total))
            .collect();
        assert_eq!(got, expected, "ranking for {child}");
        assert_eq!(r.eligible + r.excluded, 8);
        for x in &r.matches {
            assert_eq!(
                x.score
                    .breakdown
                    .iter()
                    .map(|c| c.contribution)
                    .sum::<u32>(),
                x.score.total
            );
        }
    }
    let r = s.rank(&s.unit_of_id("K1").unwrap(), 10);
    let excl: Vec<(&str, usize)> = r
        .excluded_by_rule
        .iter()
        .map(|(c, n)| (c.as_str(), *n))
        .collect();
    assert_eq!(
        excl,
        [
            ("CARER_UNAVAILABLE", 1),
            ("AGE_OUTSIDE_APPROVAL", 3),
            ("PLACEMENT_TYPE_NOT_APPROVED", 1),
            ("NO_FREE_PLACE", 1),
            ("TRAVEL_TOO_FAR", 1)
        ]
    );
}

#[test]
fn explain_gives_every_rule_and_the_rank() {
    let data = common::small();
    let m = model("default");
    let s = Scorer::new(&data, &m, as_of());
    let u = s.unit_of_id("K1").unwrap();
    let e = s.explain(&u, data.carer_ix("H2").unwrap());
    assert!(e.eligible);
    assert_eq!(e.rank, Some(2));
    assert_eq!(e.eligible_count, 2);
    assert_eq!(e.rules[0].results.len(), RuleCode::ALL.len());
    assert_eq!(e.score.total, 7850);
    let e = s.explain(&u, data.carer_ix("H3").unwrap());
    assert!(!e.eligible);
    assert_eq!(e.rank, None);
    let failed: Vec<RuleCode> = e.rules[0]
        .results
        .iter()
        .filter(|(_, d)| d.is_some())
        .map(|(c, _)| *c)
        .collect();
    assert_eq!(failed, [RuleCode::TravelTooFar]);
    // A sibling group: every member's rules are listed.
    let g = s.unit_of_id("K2").unwrap();
    let e = s.explain(&g, data.carer_ix("H1").unwrap());
    assert_eq!(e.rules.len(), 2);
    assert!(!e.eligible);
}

#[test]
fn estimated_road_graph_is_announced() {
    let mut data = common::small();
    data.roads = None;
    let m = model("default");
    let s = Scorer::new(&data, &m, as_of());
    assert!(
        s.road_source().contains("no roads file"),
        "{}",
        s.road_source()
    );
}

#[test]
fn past_declines_lowers_a_declined_pair_only() {
    use homeward::scoring::Criterion;
    let m = model("default");
    let (c, h) = (child(), carer());
    let mut x = ctx(&c, &h, &m);
    assert_eq!(Criterion::PastDeclines.value(&x), None);
    x.declined = Some(true);
    assert_eq!(Criterion::PastDeclines.value(&x), Some(0.0));
    assert!(Criterion::PastDeclines.reason(&x).contains("declined"));
    x.declined = Some(false);
    assert_eq!(Criterion::PastDeclines.value(&x), Some(1.0));
    assert!(m.weight(Criterion::PastDeclines) > 0.0);

    // Through the scorer: K1's best household H1 drops below H2 once declined.
    let data = common::small();
    let plain = Scorer::new(&data, &m, as_of());
    let declined = Scorer::new(&data, &m, as_of())
        .with_declines(&[("K1".into(), "H1".into()), ("nobody".into(), "H2".into())]);
    let ids = |s: &Scorer<'_>| -> Vec<(String, u32)> {
        s.rank(&s.unit_of_id("K1").unwrap(), 10)
            .matches
            .iter()
            .map(|x| (data.carer(x.carer).id.as_str().to_owned(), x.score.total))
            .collect()
    };
    let before = ids(&plain);
    let after = ids(&declined);
    assert_eq!(before[0].0, "H1");
    assert_eq!(after[0].0, "H2");
    let h1 = |v: &[(String, u32)]| v.iter().find(|x| x.0 == "H1").map(|x| x.1).unwrap();
    assert!(h1(&after) < h1(&before));
    // Other children are unaffected.
    let k4 = |s: &Scorer<'_>| {
        s.rank(&s.unit_of_id("K4").unwrap(), 10).matches[0]
            .score
            .total
    };
    assert_eq!(k4(&plain), k4(&declined));
}
