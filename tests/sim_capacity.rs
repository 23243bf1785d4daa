//! What the simulated world may never contain, on `fixtures/small`: an
//! institution above its capacity, a child admitted to an institution under
//! the scenario's minimum admission age, or a sibling group living apart
//! because one of its members left care.

use homeward::domain::{Child, ChildId, ChildIx, Language, PlacementType, Sex, SiblingLink};
use homeward::sim::{self, Scenario, SimOptions, SimResult};
use std::path::Path;

mod common;
use common::date as d;

/// A scenario on fixtures/small: no breakdowns or attrition, many entries
/// and few households, so that admissions decide where entries go.
fn crowded(extra: &str) -> Scenario {
    common::sim::quiet_scenario("crowded", 8, 6, 11, extra)
}

/// Adds a lone child born on `birth`, waiting in emergency care with the
/// birth family at P1 (entries copy it at the same age).
fn add_child(sc: &mut Scenario, id: &str, birth: &str) -> ChildIx {
    let data = &mut sc.data;
    let sr = data.languages.iter().position(|l| l == "sr").expect("sr") as u8;
    let p1 = data
        .places
        .iter()
        .position(|p| p.id.as_str() == "P1")
        .expect("P1");
    let place = homeward::domain::PlaceIx::from_usize(p1);
    data.children.push(Child {
        id: ChildId(id.into()),
        birth_date: d(birth),
        sex: Sex::F,
        institution: None,
        location: place,
        birth_family_place: place,
        school_place: None,
        needs: Vec::new(),
        languages: vec![Language(sr)],
        placement_type: PlacementType::LongTerm,
        entered_care: d("2026-12-01"),
        kin_carers: Vec::new(),
        heritage: None,
    });
    ChildIx::from_usize(data.children.len() - 1)
}

fn col(r: &SimResult, name: &str) -> usize {
    r.series
        .iter()
        .position(|s| s.name == name)
        .unwrap_or_else(|| panic!("no series {name}"))
}

fn total(r: &SimResult, name: &str) -> f64 {
    let c = col(r, name);
    r.raw.iter().map(|rep| rep[c].iter().sum::<f64>()).sum()
}

#[test]
fn no_institution_is_ever_above_its_capacity() {
    let mut sc = crowded("[entries]\nunits_per_month = 3.0\nmin_institution_age = 0\n");
    // I1 holds K1, K2 and K3 at the start: room for one more child.
    sc.data.institutions[0].capacity = 4;
    let r = sim::run(&sc, &SimOptions::default()).expect("run");
    let c = col(&r, "residents:I1");
    for (rep, raw) in r.raw.iter().enumerate() {
        for (t, x) in raw[c].iter().enumerate() {
            assert!(*x <= 4.0, "replication {rep} step {t}: {x} residents in I1");
        }
    }
    // Admissions happened while there was room, and the children who found
    // neither a family nor a place waited in emergency care, counted.
    assert!(total(&r, "admissions") > 0.0);
    assert!(total(&r, "entries_to_emergency_care") > 0.0);
    assert_eq!(total(&r, "entries_under_min_age"), 0.0);
    let i1 = &r.institutions[0];
    assert_eq!(i1.capacity, 4);
    assert!(i1.most_residents <= 4.0 && !i1.over_capacity());
}

#[test]
fn no_child_under_the_minimum_age_is_admitted_to_an_institution() {
    // A baby (1 year old on every entry date: entries copy its age) that
    // no household of the fixture takes without a free baby place.
    let mut sc = crowded("[entries]\nunits_per_month = 4.0\nmin_institution_age = 3\n");
    add_child(&mut sc, "K9", "2026-01-01");
    assert_eq!(sc.spec.entries.min_institution_age, 3);
    let r = sim::run(&sc, &SimOptions::default()).expect("run");
    let u3 = col(&r, "under3_in_institutions");
    for (rep, raw) in r.raw.iter().enumerate() {
        // No under-3 at the start, so never one: admissions are the only way
        // into an institution.
        assert!(
            raw[u3].iter().all(|x| *x == 0.0),
            "replication {rep}: {:?}",
            raw[u3]
        );
    }
    assert!(total(&r, "entries_under_min_age") > 0.0);
    assert!(total(&r, "admissions") > 0.0, "older entries are admitted");
    // The stricter strategy age (7) admits fewer.
    let mut strict = crowded("[entries]\nunits_per_month = 4.0\nmin_institution_age = 7\n");
    add_child(&mut strict, "K9", "2026-01-01");
    let s = sim::run(&strict, &SimOptions::default()).expect("run");
    assert!(total(&s, "entries_under_min_age") > total(&r, "entries_under_min_age"));
    assert!(total(&s, "admissions") < total(&r, "admissions"));
}

#[test]
fn the_minimum_admission_age_is_a_documented_validated_scenario_key() {
    let sc = crowded("");
    assert_eq!(sc.spec.entries.min_institution_age, 3, "default");
    let err = Scenario::from_toml(
        "name = \"x\"\ndata = \"fixtures/small\"\nstart = 2027-01-01\nhorizon_months = 2\n[entries]\nmin_institution_age = 40\n",
        "x.toml",
        Path::new("."),
    )
    .expect_err("40 is rejected")
    .to_string();
    assert!(err.contains("entries.min_institution_age = 40"), "{err}");
    let doc = std::fs::read_to_string("docs/scenario-format.md").expect("docs");
    assert!(doc.contains("min_institution_age"));
    for f in [
        "close-large-2028.toml",
        "close-large-2028-double-specialist.toml",
    ] {
        let text = std::fs::read_to_string(Path::new("fixtures/serbia/scenarios").join(f))
            .expect("bundled scenario");
        assert!(
            text.contains("min_institution_age = "),
            "{f} states the minimum admission age"
        );
    }
}

#[test]
fn a_sibling_group_stays_whole_when_the_member_linking_it_ages_out() {
    // K7 (17, 18 on 2027-02-15) is the centre of a star K7–K2, K7–K3: the
    // only links between K2 and K3 run through K7.
    let mut sc = crowded("");
    let k7 = add_child(&mut sc, "K7", "2009-02-15");
    let data = &mut sc.data;
    let k2 = data.child_ix("K2").expect("K2");
    let k3 = data.child_ix("K3").expect("K3");
    data.sibling_links
        .retain(|l| !(l.keep_together && [l.a, l.b].contains(&k2)));
    for x in [k2, k3] {
        data.sibling_links.push(SiblingLink {
            a: k7,
            b: x,
            keep_together: true,
            reason: None,
        });
    }
    let r = sim::run(&sc, &SimOptions::default()).expect("run");
    assert_eq!(
        total(&r, "exits_aged_out"),
        6.0,
        "K7 leaves in each replication"
    );
    let split = col(&r, "sibling_groups_split");
    for (rep, raw) in r.raw.iter().enumerate() {
        assert!(
            raw[split].iter().all(|x| *x == 0.0),
            "replication {rep}: {:?}",
            raw[split]
        );
    }
    // K2 and K3 are placed (together) once K7 has left.
    let placed = &r.series("placed").expect("placed").mean;
    assert!(placed.last() > placed.first(), "{placed:?}");
}
