//! Generated data sets name regions by their real first-level names, never
//! by codes such as `MK-F6` or `XK-10097360`.

use homeward::synth::dataset::{DEFAULT_AS_OF, GenParams, generate, reference_places};
use std::collections::BTreeSet;

/// `MK-F6`, `XK-10097360`, `RS-00`: a country code and a dash.
fn looks_like_a_code(region: &str) -> bool {
    let b = region.as_bytes();
    b.len() >= 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase() && b[2] == b'-'
}

#[test]
fn generated_regions_are_real_names_unique_per_country() {
    for (country, units) in [("MK", 72), ("XK", 7), ("RS", 25)] {
        let data = generate(&GenParams {
            children: 300,
            carers: 200,
            seed: 15,
            country: country.to_owned(),
            as_of: DEFAULT_AS_OF,
        })
        .unwrap();
        let regions: BTreeSet<&str> = data.places.iter().map(|p| p.region.as_str()).collect();
        let codes: Vec<&&str> = regions.iter().filter(|r| looks_like_a_code(r)).collect();
        assert!(
            codes.is_empty(),
            "{country}: regions named by codes {codes:?}"
        );
        assert!(regions.iter().all(|r| !r.trim().is_empty()));
        // One name per first-level unit: as many names as units.
        let all: BTreeSet<String> = reference_places(country)
            .unwrap()
            .into_iter()
            .map(|p| p.region)
            .collect();
        assert_eq!(all.len(), units, "{country}: {all:?}");
    }
}

#[test]
fn kosovo_regions_are_its_seven_districts() {
    let names: BTreeSet<String> = reference_places("XK")
        .unwrap()
        .into_iter()
        .map(|p| p.region)
        .collect();
    let expected = [
        "Ferizaj",
        "Gjakova",
        "Gjilan",
        "Mitrovica",
        "Peja",
        "Pristina",
        "Prizren",
    ];
    assert_eq!(names, expected.into_iter().map(str::to_owned).collect());
    let pristina = reference_places("XK")
        .unwrap()
        .into_iter()
        .find(|p| p.name == "Pristina")
        .unwrap();
    assert_eq!(pristina.region, "Pristina");
}
