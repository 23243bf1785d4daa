//! Synthetic data sets: children, carer households, institutions and sibling
//! links on the real geography of Serbia (`RS`), North Macedonia (`MK`) or
//! Kosovo (`XK`).
//!
//! Places are the GeoNames towns embedded in the binary
//! (`fixtures/reference/places-western-balkans.csv`, CC BY 4.0: write
//! [`ATTRIBUTION`] into every output derived from them). People and
//! institutions are synthetic, grounded in published figures:
//!
//! - about 70% of the children live in institutions (55% in large residential
//!   institutions, 15% in small group homes of at most 12), the rest in
//!   emergency or other care near their birth family; very few children under
//!   3 live in institutions (banned since 2011, about 2% remain);
//! - two thirds of institution residents have at least one care need (most
//!   often intellectual, several in large institutions), a quarter of the
//!   others;
//! - about 30% of the children are in keep-together sibling groups of 2–5 (most
//!   of 2–3) and about 2% are in sibling pairs placed apart by decision;
//! - about 25% are Roma (60% of them speak Romani first), about 10% of the
//!   children from Vojvodina speak Hungarian;
//! - carer households are spread by population: about 80% general foster,
//!   12% specialist, 5% emergency carers, plus kinship carers (3% of the smaller
//!   of the two counts) each tied to one child (and that child's siblings);
//!   1–4 approved places (mean ≈ 2.1).
//!
//! Everything derives from one seed through fixed ChaCha8 sub-streams, so the
//! same [`GenParams`] always give the same [`DataSet`]. The cost is linear in
//! the number of records (370,000 children and 215,000 carers take well
//! under a second in a release build).

use crate::domain::{
    Carer, CarerId, CarerIx, CarerKind, CarerStatus, Child, ChildId, ChildIx, CurrentChild,
    DataSet, Institution, InstitutionId, InstitutionIx, InstitutionKind, Language, Need, NeedCode,
    Place, PlaceId, PlaceIx, PlacementType, PlacementTypes, Sex, SiblingLink,
};
use chrono::{Datelike, Days, Months, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The embedded GeoNames extract (Serbia, North Macedonia, Kosovo).
const REFERENCE_CSV: &str = include_str!("../../fixtures/reference/places-western-balkans.csv");

/// Attribution line for the embedded GeoNames places; write it into every
/// output generated from them (CC BY 4.0).
pub const ATTRIBUTION: &str = "Places from GeoNames (https://www.geonames.org/), cities1000, \
licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); \
children, carers and institutions are synthetic.";

/// Country codes the generator knows.
pub const COUNTRIES: [&str; 3] = ["RS", "MK", "XK"];

/// Standard sizes: (tier, children, carers).
pub const TIERS: [(&str, usize, usize); 4] = [
    ("S", 500, 300),
    ("M", 1_500, 4_300),
    ("L", 60_000, 33_000),
    ("XL", 370_000, 215_000),
];

/// Most children, and most carers, one data set may have.
pub const MAX_RECORDS: usize = 2_000_000;

/// Reference date the CLI uses by default: 2026-01-01.
pub const DEFAULT_AS_OF: NaiveDate = match NaiveDate::from_ymd_opt(2026, 1, 1) {
    Some(d) => d,
    None => panic!("2026-01-01 is a valid date"),
};

/// Children and carers of a standard tier (`S`, `M`, `L`, `XL`; case-insensitive).
pub fn tier(name: &str) -> Option<(usize, usize)> {
    TIERS
        .iter()
        .find(|(t, _, _)| t.eq_ignore_ascii_case(name))
        .map(|(_, c, h)| (*c, *h))
}

/// Parameters of a synthetic data set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenParams {
    /// Number of children.
    pub children: usize,
    /// Number of carer households.
    pub carers: usize,
    /// Seed; the same parameters always give the same data set.
    pub seed: u64,
    /// Country: `RS`, `MK` or `XK` (see [`COUNTRIES`]; case-insensitive).
    pub country: String,
    /// Reference date for ages (the CLI passes [`DEFAULT_AS_OF`]).
    pub as_of: NaiveDate,
}

impl Default for GenParams {
    /// The Serbia fixture: tier M (1,500 children, 4,300 carers), seed 2026,
    /// ages as of 2026-01-01.
    fn default() -> Self {
        GenParams {
            children: 1_500,
            carers: 4_300,
            seed: 2026,
            country: "RS".to_owned(),
            as_of: DEFAULT_AS_OF,
        }
    }
}

/// Why a data set could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenError {
    /// The country is not one of [`COUNTRIES`].
    #[error("unknown country {country:?}; known countries: {}", COUNTRIES.join(", "))]
    UnknownCountry {
        /// The code given.
        country: String,
    },
    /// Zero children or zero carers were asked for.
    #[error("cannot generate a data set with zero {what}; ask for at least one")]
    Empty {
        /// `children` or `carers`.
        what: &'static str,
    },
    /// More records than [`MAX_RECORDS`] were asked for.
    #[error("{requested} {what} is more than the generator supports (at most {max})")]
    TooLarge {
        /// `children` or `carers`.
        what: &'static str,
        /// The number asked for.
        requested: usize,
        /// The limit.
        max: usize,
    },
    /// The reference date would give birth dates outside 1900…2200.
    #[error("reference date {as_of} is out of range; use a date from 1920-01-01 to 2200-12-31")]
    AsOf {
        /// The date given.
        as_of: NaiveDate,
    },
    /// The embedded reference places are malformed.
    #[error("bad embedded reference data: {0}")]
    Reference(String),
}

// ---------------------------------------------------------------------------
// Reference places
// ---------------------------------------------------------------------------

/// Serbia's 25 districts and their seats (Kosovo's districts are not in RS).
const SERBIA_DISTRICTS: [(&str, &str); 25] = [
    ("City of Belgrade", "Belgrade"),
    ("North Bačka", "Subotica"),
    ("Central Banat", "Zrenjanin"),
    ("North Banat", "Kikinda"),
    ("South Banat", "Pančevo"),
    ("West Bačka", "Sombor"),
    ("South Bačka", "Novi Sad"),
    ("Srem", "Sremska Mitrovica"),
    ("Mačva", "Šabac"),
    ("Kolubara", "Valjevo"),
    ("Podunavlje", "Smederevo"),
    ("Braničevo", "Požarevac"),
    ("Pomoravlje", "Jagodina"),
    ("Bor", "Bor"),
    ("Zaječar", "Zaječar"),
    ("Zlatibor", "Užice"),
    ("Moravica", "Čačak"),
    ("Šumadija", "Kragujevac"),
    ("Raška", "Kraljevo"),
    ("Rasina", "Kruševac"),
    ("Nišava", "Niš"),
    ("Toplica", "Prokuplje"),
    ("Pirot", "Pirot"),
    ("Jablanica", "Leskovac"),
    ("Pčinja", "Vranje"),
];

/// Kosovo's first-level units: GeoNames admin1 code (the `admin1` column of
/// the reference places; ISO 3166-2 has no official codes for Kosovo) and the
/// district's name (GeoNames admin1 names; "Pec" written Peja).
const KOSOVO_DISTRICTS: [(&str, &str); 7] = [
    ("10096138", "Ferizaj"),
    ("10096859", "Gjakova"),
    ("10097357", "Gjilan"),
    ("10097358", "Mitrovica"),
    ("10097359", "Peja"),
    ("10097360", "Pristina"),
    ("10097361", "Prizren"),
];

/// North Macedonia's first-level units: GeoNames admin1 code and name. The
/// GeoNames admin1 units of MK are its municipalities (opštini), named after
/// their seats; each is named here after the most populous place of that
/// code in the reference places (`fixtures/reference`), in Latin script,
/// which is the seat except for B7 and C7: there the most populous listed
/// places, Negotino and Kamenjane (former municipalities merged in 2004),
/// are not the seats, so the seats Vrapčište and Bogovinje name them. The
/// one place with code `00` (no unit in GeoNames) takes the region of its
/// nearest place. Municipalities are small for planning (many have one or
/// two listed places); they are kept because they are the country's first
/// level.
const MACEDONIA_MUNICIPALITIES: [(&str, &str); 72] = [
    ("01", "Aračinovo"),
    ("04", "Berovo"),
    ("06", "Bitola"),
    ("08", "Bogdanci"),
    ("11", "Bosilovo"),
    ("12", "Brvenica"),
    ("18", "Centar Župa"),
    ("19", "Obleševo"),
    ("20", "Čučer-Sandevo"),
    ("22", "Delčevo"),
    ("25", "Demir Kapija"),
    ("28", "Dolneni"),
    ("33", "Gevgelija"),
    ("35", "Gradsko"),
    ("36", "Ilinden"),
    ("40", "Karbinci"),
    ("43", "Kičevo"),
    ("46", "Kočani"),
    ("47", "Konče"),
    ("51", "Kratovo"),
    ("52", "Kriva Palanka"),
    ("53", "Krivogaštani"),
    ("54", "Kruševo"),
    ("59", "Lipkovo"),
    ("60", "Lozovo"),
    ("62", "Makedonska Kamenica"),
    ("69", "Negotino"),
    ("72", "Novo Selo"),
    ("75", "Orašac"),
    ("78", "Pehčevo"),
    ("79", "Petrovec"),
    ("80", "Plasnica"),
    ("83", "Probištip"),
    ("84", "Radoviš"),
    ("85", "Rankovce"),
    ("86", "Resen"),
    ("87", "Rosoman"),
    ("92", "Sopište"),
    ("97", "Staro Nagoričane"),
    ("98", "Štip"),
    ("A2", "Studeničani"),
    ("A4", "Sveti Nikole"),
    ("A5", "Tearce"),
    ("A9", "Vasilevo"),
    ("B3", "Vevčani"),
    ("B4", "Vinica"),
    ("B7", "Vrapčište"),
    ("C2", "Zelenikovo"),
    ("C3", "Želino"),
    ("C6", "Zrnovci"),
    ("C7", "Bogovinje"),
    ("C9", "Čaška"),
    ("D2", "Debar"),
    ("D3", "Demir Hisar"),
    ("D4", "Gostivar"),
    ("D5", "Jegunovce"),
    ("D6", "Kavadarci"),
    ("D7", "Kumanovo"),
    ("D8", "Makedonski Brod"),
    ("D9", "Mogila"),
    ("E1", "Novaci"),
    ("E2", "Ohrid"),
    ("E3", "Prilep"),
    ("E4", "Rostuše"),
    ("E5", "Star Dojran"),
    ("E6", "Struga"),
    ("E7", "Strumica"),
    ("E8", "Tetovo"),
    ("E9", "Valandovo"),
    ("F1", "Veles"),
    ("F5", "Belčišta"),
    ("F6", "Skopje"),
];

/// Serbia's large residential institutions: (listed town, historical locality).
/// Kulina and Stamnica are not in the extract; the nearest listed towns are
/// Aleksinac and Petrovac (na Mlavi).
const SERBIA_INSTITUTIONS: [(&str, &str); 5] = [
    ("Sremčica", "Sremčica"),
    ("Veternik", "Veternik"),
    ("Kanjiža", "Stara Kanjiža"),
    ("Aleksinac", "Kulina"),
    ("Petrovac", "Stamnica"),
];

/// One row of the embedded CSV.
struct RefRow {
    id: String,
    name: String,
    country: String,
    admin1: String,
    lat: f64,
    lon: f64,
    population: u64,
}

fn reference_rows(country: &str) -> Result<Vec<RefRow>, GenError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(REFERENCE_CSV.as_bytes());
    let expected = [
        "geonameid",
        "name",
        "country",
        "admin1",
        "latitude",
        "longitude",
        "population",
    ];
    let headers = rdr
        .headers()
        .map_err(|e| GenError::Reference(e.to_string()))?;
    if !headers.iter().map(str::trim).eq(expected) {
        return Err(GenError::Reference(format!(
            "header is {:?}, expected {}",
            headers.iter().collect::<Vec<_>>(),
            expected.join(",")
        )));
    }
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| GenError::Reference(format!("line {line}: {e}")))?;
        let field = |k: usize| rec.get(k).map_or("", str::trim);
        if field(2) != country {
            continue;
        }
        let bad = |k: usize| {
            GenError::Reference(format!("line {line}: bad {} {:?}", expected[k], field(k)))
        };
        let id = field(0);
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(0));
        }
        let lat: f64 = field(4).parse().map_err(|_| bad(4))?;
        let lon: f64 = field(5).parse().map_err(|_| bad(5))?;
        if !(-90.0..=90.0).contains(&lat) {
            return Err(bad(4));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(bad(5));
        }
        let population: u64 = field(6).parse().map_err(|_| bad(6))?;
        if field(1).is_empty() {
            return Err(GenError::Reference(format!("line {line}: empty name")));
        }
        rows.push(RefRow {
            id: id.to_owned(),
            name: field(1).to_owned(),
            country: country.to_owned(),
            admin1: field(3).to_owned(),
            lat,
            lon,
            population,
        });
    }
    if rows.is_empty() {
        return Err(GenError::Reference(format!("no places for {country}")));
    }
    Ok(rows)
}

/// `rs` → `RS` when known.
fn country_code(country: &str) -> Result<&'static str, GenError> {
    COUNTRIES
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(country.trim()))
        .ok_or_else(|| GenError::UnknownCountry {
            country: country.to_owned(),
        })
}

/// Name folded for lenient matching: lower case, Serbian diacritics dropped.
fn fold(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'č' | 'ć' | 'Č' | 'Ć' => 'c',
            'š' | 'Š' => 's',
            'ž' | 'Ž' => 'z',
            'đ' | 'Đ' => 'd',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Position of the place called `name`: exact spelling, else the same name
/// without diacritics, else the first listed name that starts with it.
fn find_place(rows: &[RefRow], name: &str) -> Result<usize, GenError> {
    if let Some(i) = rows.iter().position(|r| r.name == name) {
        return Ok(i);
    }
    let f = fold(name);
    rows.iter()
        .position(|r| fold(&r.name) == f)
        .or_else(|| rows.iter().position(|r| fold(&r.name).starts_with(&f)))
        .ok_or_else(|| GenError::Reference(format!("town {name:?} is not in the reference places")))
}

/// Great-circle distance in kilometres.
fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let dla = la2 - la1;
    let dlo = (b.1 - a.1).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

/// The region of every row: for Serbia the district of the nearest district
/// seat; for North Macedonia and Kosovo the name of the row's admin1 unit
/// ([`MACEDONIA_MUNICIPALITIES`], [`KOSOVO_DISTRICTS`]), or, for a row whose
/// code names no unit, the region of the nearest row that has one.
fn regions(rows: &[RefRow], country: &str) -> Result<Vec<String>, GenError> {
    if country != "RS" {
        let units: &[(&str, &str)] = match country {
            "MK" => &MACEDONIA_MUNICIPALITIES,
            _ => &KOSOVO_DISTRICTS,
        };
        let unit = |r: &RefRow| {
            units
                .iter()
                .find(|(code, _)| *code == r.admin1)
                .map(|(_, name)| *name)
        };
        return rows
            .iter()
            .map(|r| {
                unit(r)
                    .or_else(|| {
                        rows.iter()
                            .filter_map(|o| {
                                Some((distance_km((r.lat, r.lon), (o.lat, o.lon)), unit(o)?))
                            })
                            .min_by(|a, b| a.0.total_cmp(&b.0))
                            .map(|(_, name)| name)
                    })
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        GenError::Reference(format!(
                            "no {country} place has a known first-level unit (admin1 {})",
                            r.admin1
                        ))
                    })
            })
            .collect();
    }
    let seats = SERBIA_DISTRICTS
        .iter()
        .map(|(_, seat)| find_place(rows, seat).map(|i| (rows[i].lat, rows[i].lon)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .iter()
        .map(|r| {
            let mut best = (f64::INFINITY, 0);
            for (k, s) in seats.iter().enumerate() {
                let d = distance_km((r.lat, r.lon), *s);
                if d < best.0 {
                    best = (d, k);
                }
            }
            SERBIA_DISTRICTS[best.1].0.to_owned()
        })
        .collect())
}

/// The reference places of `country` (`RS`, `MK` or `XK`), in file order,
/// with ids = GeoNames ids. The region of a Serbian place is the district
/// whose seat is nearest (great-circle); elsewhere it is the name of the
/// place's first-level unit (a municipality in North Macedonia, a district
/// in Kosovo).
///
/// # Errors
/// [`GenError::UnknownCountry`] for another code; [`GenError::Reference`] if
/// the embedded data are malformed.
pub fn reference_places(country: &str) -> Result<Vec<Place>, GenError> {
    let code = country_code(country)?;
    let rows = reference_rows(code)?;
    Ok(places_of(&rows, &regions(&rows, code)?))
}

fn places_of(rows: &[RefRow], regions: &[String]) -> Vec<Place> {
    rows.iter()
        .zip(regions)
        .map(|(r, region)| Place {
            id: PlaceId(r.id.clone()),
            name: r.name.clone(),
            country: r.country.clone(),
            region: region.clone(),
            lat: r.lat,
            lon: r.lon,
            population: r.population,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Sampling helpers
// ---------------------------------------------------------------------------

/// Weighted sampling by prefix sums and binary search.
struct Weighted {
    cum: Vec<f64>,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cum = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        Weighted { cum }
    }

    fn sample(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = self.cum.last().copied().unwrap_or(0.0);
        let x = rng.r#gen::<f64>() * total;
        self.cum
            .partition_point(|&c| c <= x)
            .min(self.cum.len().saturating_sub(1))
    }
}

/// Index drawn from small fixed weights (linear scan).
fn pick(rng: &mut ChaCha8Rng, w: &[f64]) -> usize {
    let total: f64 = w.iter().sum();
    let mut x = rng.r#gen::<f64>() * total;
    for (i, &wi) in w.iter().enumerate() {
        if x < wi {
            return i;
        }
        x -= wi;
    }
    w.iter().rposition(|&wi| wi > 0.0).unwrap_or(0)
}

/// A sub-stream of the seed: independent, fixed per purpose.
fn stream(seed: u64, purpose: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(purpose);
    rng
}

/// Population weight: unknown (0) counts as 1,000.
fn pop_weight(p: u64) -> f64 {
    if p == 0 { 1_000.0 } else { p as f64 }
}

// ---------------------------------------------------------------------------
// Geography
// ---------------------------------------------------------------------------

/// Neighbours kept per place.
const NEAR: usize = 8;

struct Geo {
    places: Vec<Place>,
    vojvodina: Vec<bool>,
    weight: Weighted,
    /// Place indices by population, largest first.
    by_size: Vec<usize>,
    /// `k` nearest other places of each place, flattened.
    near: Vec<u32>,
    k: usize,
}

impl Geo {
    fn new(rows: &[RefRow], regions: &[String], country: &str) -> Self {
        let places = places_of(rows, regions);
        let vojvodina = rows
            .iter()
            .map(|r| country == "RS" && r.admin1 == "VO")
            .collect();
        let weight = Weighted::new(places.iter().map(|p| pop_weight(p.population)));
        let mut by_size: Vec<usize> = (0..places.len()).collect();
        by_size.sort_by(|&a, &b| {
            pop_weight(places[b].population)
                .total_cmp(&pop_weight(places[a].population))
                .then(a.cmp(&b))
        });
        let n = places.len();
        let k = NEAR.min(n.saturating_sub(1));
        let mut near = Vec::with_capacity(n * k);
        let mut dists: Vec<(f64, usize)> = Vec::with_capacity(n);
        for (i, p) in places.iter().enumerate() {
            dists.clear();
            dists.extend(
                places
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(j, q)| (distance_km((p.lat, p.lon), (q.lat, q.lon)), j)),
            );
            dists.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            near.extend(dists.iter().take(k).map(|(_, j)| *j as u32));
        }
        Geo {
            places,
            vojvodina,
            weight,
            by_size,
            near,
            k,
        }
    }

    /// A place drawn by population.
    fn weighted(&self, rng: &mut ChaCha8Rng) -> PlaceIx {
        PlaceIx::from_usize(self.weight.sample(rng))
    }

    /// One of the nearest places of `p` (or `p` itself when alone).
    fn nearby(&self, rng: &mut ChaCha8Rng, p: PlaceIx) -> PlaceIx {
        if self.k == 0 {
            return p;
        }
        let j = rng.gen_range(0..self.k);
        PlaceIx(self.near[p.get() * self.k + j])
    }

    /// `p` with probability `stay`, else a nearby place.
    fn around(&self, rng: &mut ChaCha8Rng, p: PlaceIx, stay: f64) -> PlaceIx {
        if rng.gen_bool(stay) {
            p
        } else {
            self.nearby(rng, p)
        }
    }
}

// ---------------------------------------------------------------------------
// Institutions
// ---------------------------------------------------------------------------

/// Share of children in large institutions and in small group homes.
const SHARE_LARGE: f64 = 0.55;
const SHARE_SMALL: f64 = 0.15;
/// Residents a large institution holds on average at most before another is
/// added (keeps capacities within the format's limit of 100,000).
const LARGE_MAX_AVG: usize = 50_000;
/// Children per small group home.
const CHILDREN_PER_HOME: usize = 50;
/// Small group homes stand in this many of the largest towns.
const HOME_TOWNS: usize = 30;
/// Relative sizes of the large institutions (cycled).
const LARGE_WEIGHTS: [f64; 5] = [1.25, 1.1, 1.0, 0.9, 0.75];

struct Institutions {
    list: Vec<Institution>,
    large: Weighted,
    n_large: usize,
    /// Homes (offsets from `n_large`) with free room.
    open: Vec<u32>,
    /// Free room per home.
    room: Vec<u8>,
}

impl Institutions {
    fn new(
        rng: &mut ChaCha8Rng,
        geo: &Geo,
        rows: &[RefRow],
        country: &str,
        children: usize,
    ) -> Result<Self, GenError> {
        let mut towns: Vec<(usize, String)> = Vec::new();
        if country == "RS" {
            for (town, locality) in SERBIA_INSTITUTIONS {
                towns.push((find_place(rows, town)?, locality.to_owned()));
            }
        } else {
            let base = if country == "MK" { 3 } else { 2 };
            for &p in geo.by_size.iter().take(base) {
                towns.push((p, geo.places[p].name.clone()));
            }
        }
        let wanted = (children as f64 * SHARE_LARGE / LARGE_MAX_AVG as f64).ceil() as usize;
        for &p in &geo.by_size {
            if towns.len() >= wanted {
                break;
            }
            if !towns.iter().any(|(t, _)| *t == p) {
                towns.push((p, geo.places[p].name.clone()));
            }
        }
        let start = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or(DEFAULT_AS_OF);
        let mut list: Vec<Institution> = towns
            .iter()
            .enumerate()
            .map(|(i, (p, locality))| Institution {
                id: InstitutionId(format!("I{:03}", i + 1)),
                name: format!("Home for Children and Youth {locality}"),
                place: PlaceIx::from_usize(*p),
                kind: InstitutionKind::LargeResidential,
                capacity: 1,
                planned_closure: rng
                    .gen_bool(0.5)
                    .then(|| start + Days::new(rng.gen_range(0..730))),
            })
            .collect();
        if list.iter().all(|i| i.planned_closure.is_none()) {
            if let Some(first) = list.first_mut() {
                first.planned_closure = Some(start + Days::new(rng.gen_range(0..730)));
            }
        }
        let n_large = list.len();
        let large = Weighted::new((0..n_large).map(|i| LARGE_WEIGHTS[i % LARGE_WEIGHTS.len()]));

        let n_homes = children.div_ceil(CHILDREN_PER_HOME).max(3);
        let home_towns = &geo.by_size[..HOME_TOWNS.min(geo.by_size.len())];
        let town_w = Weighted::new(
            home_towns
                .iter()
                .map(|&p| pop_weight(geo.places[p].population)),
        );
        let mut per_town = vec![0u32; geo.places.len()];
        let mut room = Vec::with_capacity(n_homes);
        for h in 0..n_homes {
            let p = home_towns[town_w.sample(rng)];
            per_town[p] += 1;
            let cap: u8 = rng.gen_range(8..=12);
            room.push(cap);
            list.push(Institution {
                id: InstitutionId(format!("I{:03}", n_large + h + 1)),
                name: format!("Small Group Home {} {}", geo.places[p].name, per_town[p]),
                place: PlaceIx::from_usize(p),
                kind: InstitutionKind::SmallGroupHome,
                capacity: u32::from(cap),
                planned_closure: None,
            });
        }
        Ok(Institutions {
            list,
            large,
            n_large,
            open: (0..n_homes as u32).collect(),
            room,
        })
    }

    fn pick_large(&self, rng: &mut ChaCha8Rng) -> usize {
        self.large.sample(rng)
    }

    /// A small group home with room for `need` children (reserved), if one is
    /// found in a few random tries.
    fn take_home(&mut self, rng: &mut ChaCha8Rng, need: usize) -> Option<usize> {
        for _ in 0..8 {
            if self.open.is_empty() {
                return None;
            }
            let slot = rng.gen_range(0..self.open.len());
            let h = self.open[slot] as usize;
            if usize::from(self.room[h]) >= need {
                self.room[h] -= need as u8;
                if self.room[h] == 0 {
                    self.open.swap_remove(slot);
                }
                return Some(self.n_large + h);
            }
        }
        None
    }

    /// Sets the large institutions' capacities from their residents.
    fn finish(mut self, rng: &mut ChaCha8Rng, children: &[Child]) -> Vec<Institution> {
        let mut residents = vec![0u32; self.list.len()];
        for c in children {
            if let Some(i) = c.institution {
                residents[i.get()] += 1;
            }
        }
        for (inst, &r) in self.list.iter_mut().zip(&residents).take(self.n_large) {
            let headroom = rng.gen_range(1.05..1.30);
            let cap = ((f64::from(r.max(8)) * headroom / 10.0).ceil() as u32) * 10;
            inst.capacity = cap.clamp(r.max(1), 100_000.max(r));
        }
        self.list
    }
}

// ---------------------------------------------------------------------------
// Children
// ---------------------------------------------------------------------------

/// Provisional language indices (renumbered by first use at the end).
const L_BASE: u8 = 0;
const L_ROM: u8 = 1;
const L_HU: u8 = 2;

const HERITAGE_ROMA: &str = "roma";
const HERITAGE_HUNGARIAN: &str = "hungarian";

/// Where a child lives now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setting {
    Large,
    Small,
    Community,
}

fn draw_setting(rng: &mut ChaCha8Rng) -> Setting {
    let r: f64 = rng.r#gen();
    if r < SHARE_LARGE {
        Setting::Large
    } else if r < SHARE_LARGE + SHARE_SMALL {
        Setting::Small
    } else {
        Setting::Community
    }
}

/// How needs are drawn for children in one setting.
struct NeedProfile {
    /// Chance of at least one need.
    any: f64,
    /// Weights of 1, 2, 3, … needs.
    counts: &'static [f64],
    /// Chance that intellectual disability is among them.
    intellectual: f64,
    /// Weights of the other codes ([`NeedCode::index`] order).
    codes: [f64; NeedCode::COUNT],
    /// Weights of severity 1, 2, 3.
    severity: [f64; 3],
}

const NEEDS_LARGE: NeedProfile = NeedProfile {
    any: 0.72,
    counts: &[0.35, 0.35, 0.2, 0.1],
    intellectual: 0.7,
    codes: [2.0, 3.0, 1.5, 2.0, 1.5, 2.0],
    severity: [0.3, 0.4, 0.3],
};
const NEEDS_SMALL: NeedProfile = NeedProfile {
    any: 0.48,
    counts: &[0.55, 0.3, 0.15],
    intellectual: 0.4,
    codes: [1.0, 1.5, 1.0, 1.0, 2.5, 3.0],
    severity: [0.45, 0.4, 0.15],
};
const NEEDS_COMMUNITY: NeedProfile = NeedProfile {
    any: 0.25,
    counts: &[0.7, 0.25, 0.05],
    intellectual: 0.15,
    codes: [0.5, 1.0, 0.7, 1.5, 3.0, 4.0],
    severity: [0.6, 0.3, 0.1],
};

fn draw_needs(rng: &mut ChaCha8Rng, prof: &NeedProfile) -> Vec<Need> {
    if !rng.gen_bool(prof.any) {
        return Vec::new();
    }
    let k = 1 + pick(rng, prof.counts);
    let mut w = prof.codes;
    let mut codes: Vec<NeedCode> = Vec::with_capacity(k);
    if rng.gen_bool(prof.intellectual) {
        codes.push(NeedCode::Intellectual);
        w[NeedCode::Intellectual.index()] = 0.0;
    }
    while codes.len() < k && w.iter().any(|&x| x > 0.0) {
        let c = pick(rng, &w);
        w[c] = 0.0;
        codes.push(NeedCode::ALL[c]);
    }
    let mut needs: Vec<Need> = codes
        .into_iter()
        .map(|code| Need {
            code,
            severity: 1 + pick(rng, &prof.severity) as u8,
        })
        .collect();
    needs.sort();
    needs
}

/// Age weights 0…17: institutions (≈2% under 3) and other care.
fn age_weights(institution: bool) -> Weighted {
    Weighted::new((0..18u32).map(|a| match (institution, a) {
        (true, 0..=2) => 0.02 / 3.0 * 16.0,
        (true, 3..=6) => 0.8,
        (true, _) => 1.0,
        (false, 0..=2) => 1.4,
        (false, 3..=11) => 1.0,
        (false, _) => 0.8,
    }))
}

/// Placement type weights (emergency, short, long): overall ≈ 15/25/60%.
const PTYPES_INSTITUTION: [f64; 3] = [0.064, 0.207, 0.729];
const PTYPES_COMMUNITY: [f64; 3] = [0.35, 0.35, 0.30];

/// Reasons for sibling pairs placed apart.
const APART_REASONS: [&str; 4] = [
    "court order: separate placements",
    "assessed risk of harm between the siblings",
    "different permanence plans",
    "child's wish to live apart, supported by assessment",
];

/// Sibling group sizes 2…5 and their weights (mean ≈ 2.77).
const GROUP_SIZES: [f64; 4] = [0.5, 0.3, 0.13, 0.07];
/// Share of children in keep-together groups, and in apart pairs.
const SHARE_GROUPED: f64 = 0.30;
const SHARE_APART: f64 = 0.02;

/// What siblings share.
#[derive(Clone, Copy)]
struct Family {
    birth: PlaceIx,
    langs: [u8; 2],
    n_langs: u8,
    heritage: Option<&'static str>,
}

/// Birth date of a child aged exactly `age` on `as_of` (always before it).
fn birth_date(rng: &mut ChaCha8Rng, as_of: NaiveDate, age: u32) -> NaiveDate {
    let hi = if age == 0 {
        as_of - Days::new(1)
    } else {
        as_of
            .checked_sub_months(Months::new(12 * age))
            .unwrap_or(as_of)
    };
    let lo = as_of
        .checked_sub_months(Months::new(12 * (age + 1)))
        .map_or(hi, |d| d + Days::new(1));
    let span = (hi - lo).num_days().max(0) as u64;
    lo + Days::new(rng.gen_range(0..=span))
}

struct ChildGen<'a> {
    geo: &'a Geo,
    as_of: NaiveDate,
    roma: f64,
    ages_inst: Weighted,
    ages_comm: Weighted,
}

impl ChildGen<'_> {
    fn family(&self, rng: &mut ChaCha8Rng, birth: PlaceIx) -> Family {
        let mut f = Family {
            birth,
            langs: [L_BASE, L_BASE],
            n_langs: 1,
            heritage: None,
        };
        if rng.gen_bool(self.roma) {
            f.heritage = Some(HERITAGE_ROMA);
            if rng.gen_bool(0.6) {
                f.langs = [L_ROM, L_BASE];
                f.n_langs = 2;
            }
        } else if self.geo.vojvodina[birth.get()] && rng.gen_bool(0.10) {
            f.heritage = Some(HERITAGE_HUNGARIAN);
            f.langs = [L_HU, L_BASE];
            f.n_langs = 2;
        }
        f
    }

    fn child(
        &self,
        rng: &mut ChaCha8Rng,
        ix: usize,
        setting: Setting,
        institution: Option<InstitutionIx>,
        location: PlaceIx,
        fam: &Family,
    ) -> Child {
        let inst = setting != Setting::Community;
        let ages = if inst {
            &self.ages_inst
        } else {
            &self.ages_comm
        };
        let age = ages.sample(rng) as u32;
        let birth = birth_date(rng, self.as_of, age);
        let sex = if rng.gen_bool(0.52) { Sex::M } else { Sex::F };
        let school_place = (age >= 7).then(|| self.geo.around(rng, location, 0.8));
        let needs = draw_needs(
            rng,
            match setting {
                Setting::Large => &NEEDS_LARGE,
                Setting::Small => &NEEDS_SMALL,
                Setting::Community => &NEEDS_COMMUNITY,
            },
        );
        let placement_type = PlacementType::ALL[pick(
            rng,
            if inst {
                &PTYPES_INSTITUTION
            } else {
                &PTYPES_COMMUNITY
            },
        )];
        let days = (self.as_of - birth).num_days().max(0) as u64;
        let entered_care = if placement_type == PlacementType::Emergency {
            (self.as_of - Days::new(rng.gen_range(0..=days.min(90)))).max(birth)
        } else {
            birth + Days::new(rng.gen_range(0..=days))
        };
        Child {
            id: ChildId(format!("C{:06}", ix + 1)),
            birth_date: birth,
            sex,
            institution,
            location,
            birth_family_place: fam.birth,
            school_place,
            needs,
            languages: fam.langs[..usize::from(fam.n_langs)]
                .iter()
                .map(|&l| Language(l))
                .collect(),
            placement_type,
            entered_care,
            kin_carers: Vec::new(),
            heritage: fam.heritage.map(str::to_owned),
        }
    }
}

/// A family unit for kinship carers: consecutive children `start..start+len`.
#[derive(Clone, Copy)]
struct Unit {
    start: u32,
    len: u8,
}

struct Children {
    children: Vec<Child>,
    links: Vec<SiblingLink>,
    units: Vec<Unit>,
}

fn generate_children(
    rng: &mut ChaCha8Rng,
    cgen: &ChildGen<'_>,
    insts: &mut Institutions,
    n: usize,
) -> Children {
    let geo = cgen.geo;
    let mean_group = GROUP_SIZES
        .iter()
        .enumerate()
        .map(|(i, w)| (i + 2) as f64 * w)
        .sum::<f64>();
    // Chances per unit, so that the shares of children come out right.
    let mean_unit =
        1.0 / (1.0 - SHARE_GROUPED - SHARE_APART + SHARE_GROUPED / mean_group + SHARE_APART / 2.0);
    let q_group = SHARE_GROUPED * mean_unit / mean_group;
    let q_apart = SHARE_APART * mean_unit / 2.0;

    let mut children: Vec<Child> = Vec::with_capacity(n);
    let mut links = Vec::new();
    let mut units = Vec::with_capacity(n);

    // Resolves one child's setting on its own.
    let single = |rng: &mut ChaCha8Rng, insts: &mut Institutions, s: Setting| match s {
        Setting::Large => (Setting::Large, Some(insts.pick_large(rng))),
        Setting::Small => match insts.take_home(rng, 1) {
            Some(h) => (Setting::Small, Some(h)),
            None => (Setting::Large, Some(insts.pick_large(rng))),
        },
        Setting::Community => (Setting::Community, None),
    };

    while children.len() < n {
        let remaining = n - children.len();
        let r: f64 = rng.r#gen();
        let start = children.len();
        if r < q_apart && remaining >= 2 {
            // Two siblings placed apart by decision: separate settings.
            let birth = geo.weighted(rng);
            let fam = cgen.family(rng, birth);
            for k in 0..2 {
                let s = draw_setting(rng);
                let (s, inst) = single(rng, insts, s);
                let loc = inst.map_or_else(|| geo.around(rng, birth, 0.6), |i| insts.list[i].place);
                let inst = inst.map(InstitutionIx::from_usize);
                children.push(cgen.child(rng, start + k, s, inst, loc, &fam));
                units.push(Unit {
                    start: (start + k) as u32,
                    len: 1,
                });
            }
            links.push(SiblingLink {
                a: ChildIx::from_usize(start),
                b: ChildIx::from_usize(start + 1),
                keep_together: false,
                reason: Some(APART_REASONS[rng.gen_range(0..APART_REASONS.len())].to_owned()),
            });
            continue;
        }
        let size = if r < q_apart + q_group && remaining >= 2 {
            (2 + pick(rng, &GROUP_SIZES)).min(remaining)
        } else {
            1
        };
        // Most sibling groups share one setting (and institution).
        let shared = size == 1 || rng.gen_bool(0.85);
        let setting = draw_setting(rng);
        let unit_setting = if shared {
            match setting {
                Setting::Large => Some((Setting::Large, Some(insts.pick_large(rng)))),
                Setting::Small => insts
                    .take_home(rng, size)
                    .map(|h| (Setting::Small, Some(h))),
                Setting::Community => Some((Setting::Community, None)),
            }
        } else {
            None
        };
        let birth = match unit_setting {
            Some((Setting::Small, Some(h))) if rng.gen_bool(0.5) => {
                geo.around(rng, insts.list[h].place, 0.3)
            }
            _ => geo.weighted(rng),
        };
        let fam = cgen.family(rng, birth);
        let home = geo.around(rng, birth, 0.6);
        for k in 0..size {
            let (s, inst) = match unit_setting {
                Some(u) => u,
                None => {
                    let s = if shared { setting } else { draw_setting(rng) };
                    single(rng, insts, s)
                }
            };
            let loc = match inst {
                Some(i) => insts.list[i].place,
                None if shared => home,
                None => geo.around(rng, birth, 0.6),
            };
            let inst = inst.map(InstitutionIx::from_usize);
            children.push(cgen.child(rng, start + k, s, inst, loc, &fam));
        }
        if size > 1 {
            // A sibling group placed together needs one kind of placement.
            let pt = children[start].placement_type;
            for c in &mut children[start + 1..start + size] {
                c.placement_type = pt;
            }
        }
        if size > 1 {
            let star = rng.gen_bool(0.5);
            for k in 1..size {
                links.push(SiblingLink {
                    a: ChildIx::from_usize(if star { start } else { start + k - 1 }),
                    b: ChildIx::from_usize(start + k),
                    keep_together: true,
                    reason: None,
                });
            }
        }
        units.push(Unit {
            start: start as u32,
            len: size as u8,
        });
    }
    Children {
        children,
        links,
        units,
    }
}

// ---------------------------------------------------------------------------
// Carers
// ---------------------------------------------------------------------------

/// Approved age ranges and weights per kind.
const AGES_FOSTER: [(u8, u8, f64); 6] = [
    (0, 17, 0.35),
    (0, 6, 0.15),
    (4, 17, 0.15),
    (10, 17, 0.12),
    (0, 10, 0.13),
    (7, 17, 0.10),
];
const AGES_SPECIALIST: [(u8, u8, f64); 3] = [(0, 17, 0.5), (4, 17, 0.25), (10, 17, 0.25)];
const AGES_EMERGENCY: [(u8, u8, f64); 2] = [(0, 17, 0.7), (0, 10, 0.3)];

fn draw_range(rng: &mut ChaCha8Rng, table: &[(u8, u8, f64)]) -> (u8, u8) {
    let w: Vec<f64> = table.iter().map(|t| t.2).collect();
    let (lo, hi, _) = table[pick(rng, &w)];
    (lo, hi)
}

fn types(list: &[PlacementType]) -> PlacementTypes {
    let mut t = PlacementTypes::default();
    for p in list {
        t.insert(*p);
    }
    t
}

/// Supported needs: `n` distinct codes drawn by `weights`, each at a
/// severity in `sev`.
fn supported(
    rng: &mut ChaCha8Rng,
    n: usize,
    weights: [f64; NeedCode::COUNT],
    sev: std::ops::RangeInclusive<u8>,
) -> [u8; NeedCode::COUNT] {
    let mut out = [0u8; NeedCode::COUNT];
    let mut w = weights;
    for _ in 0..n.min(NeedCode::COUNT) {
        let c = pick(rng, &w);
        w[c] = 0.0;
        out[c] = rng.gen_range(sev.clone());
    }
    out
}

struct CarerGen<'a> {
    geo: &'a Geo,
}

impl CarerGen<'_> {
    /// Home languages and heritage of a non-kin household.
    fn languages(&self, rng: &mut ChaCha8Rng, place: PlaceIx) -> (Vec<Language>, Option<String>) {
        if rng.gen_bool(0.08) {
            (
                vec![Language(L_BASE), Language(L_ROM)],
                Some(HERITAGE_ROMA.to_owned()),
            )
        } else if self.geo.vojvodina[place.get()] && rng.gen_bool(0.10) {
            (
                vec![Language(L_HU), Language(L_BASE)],
                Some(HERITAGE_HUNGARIAN.to_owned()),
            )
        } else {
            (vec![Language(L_BASE)], None)
        }
    }

    fn carer(&self, rng: &mut ChaCha8Rng, ix: usize, kind: CarerKind) -> Carer {
        use PlacementType::{Emergency, LongTerm, ShortTerm};
        let place = self.geo.weighted(rng);
        let (approved, (min_age, max_age), placement_types, supported_needs) = match kind {
            CarerKind::Specialist => (
                1 + pick(rng, &[0.4, 0.6]) as u8,
                draw_range(rng, &AGES_SPECIALIST),
                if rng.gen_bool(0.5) {
                    types(&[ShortTerm, LongTerm])
                } else {
                    types(&[LongTerm])
                },
                {
                    let n = rng.gen_range(3..=5);
                    supported(rng, n, [2.0, 3.0, 1.5, 2.0, 1.5, 2.0], 2..=3)
                },
            ),
            CarerKind::Emergency => (
                1 + pick(rng, &[0.5, 0.5]) as u8,
                draw_range(rng, &AGES_EMERGENCY),
                types(&[Emergency, ShortTerm]),
                if rng.gen_bool(0.4) {
                    supported(rng, 1, [0.2, 0.3, 0.2, 0.5, 1.0, 2.0], 1..=1)
                } else {
                    [0; NeedCode::COUNT]
                },
            ),
            // Foster (kinship carers are made by `kin`).
            _ => (
                1 + pick(rng, &[0.25, 0.40, 0.23, 0.12]) as u8,
                draw_range(rng, &AGES_FOSTER),
                types(match pick(rng, &[0.65, 0.2, 0.1, 0.05]) {
                    0 => &[ShortTerm, LongTerm],
                    1 => &[LongTerm],
                    2 => &[ShortTerm],
                    _ => &[Emergency, ShortTerm, LongTerm],
                }),
                if rng.gen_bool(0.5) {
                    let n = 1 + usize::from(rng.gen_bool(0.4));
                    supported(rng, n, [0.3, 1.0, 0.5, 1.0, 1.5, 2.0], 1..=1)
                } else {
                    [0; NeedCode::COUNT]
                },
            ),
        };
        let accessible_home = rng.gen_bool(if kind == CarerKind::Specialist {
            0.4
        } else {
            0.05
        });
        let (languages, heritage) = self.languages(rng, place);
        let n_current = rng.gen_range(0..=approved);
        let current_children = (0..n_current)
            .map(|_| {
                let age = rng.gen_range(min_age..=max_age);
                let needs = if supported_needs.iter().any(|&s| s > 0)
                    && rng.gen_bool(if kind == CarerKind::Specialist {
                        0.6
                    } else {
                        0.15
                    }) {
                    let codes: Vec<usize> = (0..NeedCode::COUNT)
                        .filter(|&c| supported_needs[c] > 0)
                        .collect();
                    let c = codes[rng.gen_range(0..codes.len())];
                    vec![Need {
                        code: NeedCode::ALL[c],
                        severity: rng.gen_range(1..=supported_needs[c]),
                    }]
                } else {
                    Vec::new()
                };
                CurrentChild { age, needs }
            })
            .collect();
        let pref_sex = rng
            .gen_bool(0.10)
            .then(|| if rng.gen_bool(0.6) { Sex::F } else { Sex::M });
        let (pref_min_age, pref_max_age) = if rng.gen_bool(0.2) {
            let lo = rng.gen_range(min_age..=max_age);
            let hi = rng.gen_range(lo..=max_age);
            match rng.gen_range(0..3) {
                0 => (Some(lo), None),
                1 => (None, Some(hi)),
                _ => (Some(lo), Some(hi)),
            }
        } else {
            (None, None)
        };
        Carer {
            id: CarerId(format!("H{:06}", ix + 1)),
            place,
            kind,
            approved_places: approved,
            current_children,
            min_age,
            max_age,
            placement_types,
            supported_needs,
            accessible_home,
            languages,
            pref_sex,
            pref_min_age,
            pref_max_age,
            accepts_sibling_groups: rng.gen_bool(0.7),
            status: if rng.gen_bool(0.08) {
                CarerStatus::Paused
            } else {
                CarerStatus::Available
            },
            heritage,
        }
    }

    /// A kinship household for the children of `unit`, at their birth
    /// family's place, approved for their ages and supporting their needs.
    fn kin(&self, rng: &mut ChaCha8Rng, ix: usize, unit: &[Child], as_of: NaiveDate) -> Carer {
        let (mut lo, mut hi) = (17u8, 0u8);
        let mut supported_needs = [0u8; NeedCode::COUNT];
        for c in unit {
            let age = c.age_on(as_of).min(17) as u8;
            lo = lo.min(age);
            hi = hi.max(age);
            for n in &c.needs {
                let s = &mut supported_needs[n.code.index()];
                *s = (*s).max(n.severity);
            }
        }
        let min_age = lo.saturating_sub(rng.gen_range(0..=2));
        let max_age = (hi + rng.gen_range(0..=2)).min(17);
        let current_children: Vec<CurrentChild> = if rng.gen_bool(0.3) {
            vec![CurrentChild {
                age: rng.gen_range(0..=17),
                needs: Vec::new(),
            }]
        } else {
            Vec::new()
        };
        let first = &unit[0];
        Carer {
            id: CarerId(format!("H{:06}", ix + 1)),
            place: first.birth_family_place,
            kind: CarerKind::Kinship,
            approved_places: (unit.len() + current_children.len()).clamp(1, 9) as u8,
            current_children,
            min_age,
            max_age,
            placement_types: types(&[PlacementType::ShortTerm, PlacementType::LongTerm]),
            supported_needs,
            accessible_home: supported_needs[NeedCode::Mobility.index()] >= 2,
            languages: first.languages.clone(),
            pref_sex: None,
            pref_min_age: None,
            pref_max_age: None,
            accepts_sibling_groups: unit.len() > 1 || rng.gen_bool(0.7),
            status: CarerStatus::Available,
            heritage: first.heritage.clone(),
        }
    }
}

/// Exact numbers of each kind: kinship 3% of the smaller count (capped by the
/// number of family units), the rest 80 : 12 : 5 foster, specialist,
/// emergency.
fn kind_counts(carers: usize, children: usize, units: usize) -> [usize; 4] {
    let kin = ((0.03 * carers.min(children) as f64).round() as usize)
        .min(units)
        .min(carers);
    let rest = carers - kin;
    let specialist = (rest as f64 * 12.0 / 97.0).round() as usize;
    let emergency = (rest as f64 * 5.0 / 97.0).round() as usize;
    let foster = rest - specialist - emergency;
    [kin, foster, specialist, emergency]
}

// ---------------------------------------------------------------------------
// Assembly
// ---------------------------------------------------------------------------

/// Generates a synthetic data set on the real places of `p.country`: see the
/// module documentation for the shares. Deterministic: the same parameters
/// give the same data set. Roads are left out (`roads: None`); the app builds
/// its k-nearest-neighbour graph.
///
/// # Errors
/// [`GenError::UnknownCountry`], [`GenError::Empty`] for zero children or
/// carers, [`GenError::TooLarge`] above [`MAX_RECORDS`], [`GenError::AsOf`]
/// for a reference date outside 1920…2200, [`GenError::Reference`] if the
/// embedded places are malformed.
pub fn generate(p: &GenParams) -> Result<DataSet, GenError> {
    let country = country_code(&p.country)?;
    for (what, n) in [("children", p.children), ("carers", p.carers)] {
        if n == 0 {
            return Err(GenError::Empty { what });
        }
        if n > MAX_RECORDS {
            return Err(GenError::TooLarge {
                what,
                requested: n,
                max: MAX_RECORDS,
            });
        }
    }
    if !(1920..=2200).contains(&p.as_of.year()) {
        return Err(GenError::AsOf { as_of: p.as_of });
    }
    let rows = reference_rows(country)?;
    let regions = regions(&rows, country)?;
    let geo = Geo::new(&rows, &regions, country);

    let mut rng_inst = stream(p.seed, 1);
    let mut insts = Institutions::new(&mut rng_inst, &geo, &rows, country, p.children)?;

    let mut rng_children = stream(p.seed, 2);
    let cgen = ChildGen {
        geo: &geo,
        as_of: p.as_of,
        roma: 0.25,
        ages_inst: age_weights(true),
        ages_comm: age_weights(false),
    };
    let Children {
        mut children,
        links,
        units,
    } = generate_children(&mut rng_children, &cgen, &mut insts, p.children);
    let institutions = insts.finish(&mut rng_inst, &children);

    // Carers: exact numbers per kind, in shuffled order.
    let mut rng_carers = stream(p.seed, 3);
    let counts = kind_counts(p.carers, p.children, units.len());
    let mut kinds: Vec<CarerKind> = Vec::with_capacity(p.carers);
    for (kind, n) in [
        CarerKind::Kinship,
        CarerKind::Foster,
        CarerKind::Specialist,
        CarerKind::Emergency,
    ]
    .into_iter()
    .zip(counts)
    {
        kinds.extend(std::iter::repeat_n(kind, n));
    }
    kinds.shuffle(&mut rng_carers);
    let mut kin_units =
        rand::seq::index::sample(&mut rng_carers, units.len(), counts[0]).into_vec();
    kin_units.sort_unstable();
    let mut kin_units = kin_units.into_iter().map(|u| units[u]);

    let cg = CarerGen { geo: &geo };
    let mut carers = Vec::with_capacity(p.carers);
    for (ix, kind) in kinds.into_iter().enumerate() {
        let unit = if kind == CarerKind::Kinship {
            kin_units.next()
        } else {
            None
        };
        match unit {
            Some(u) => {
                let range = u.start as usize..u.start as usize + usize::from(u.len);
                carers.push(cg.kin(&mut rng_carers, ix, &children[range.clone()], p.as_of));
                for c in &mut children[range] {
                    c.kin_carers.push(CarerIx::from_usize(ix));
                }
            }
            None => {
                let kind = if kind == CarerKind::Kinship {
                    CarerKind::Foster
                } else {
                    kind
                };
                carers.push(cg.carer(&mut rng_carers, ix, kind));
            }
        }
    }

    let base = match country {
        "MK" => "mk",
        "XK" => "sq",
        _ => "sr",
    };
    // Canonical order (records by id, languages by code), as the loader
    // builds it, so that a written set loads equal.
    Ok(DataSet {
        places: geo.places,
        institutions,
        children,
        carers,
        sibling_links: links,
        roads: None,
        languages: [base, "rom", "hu"].map(str::to_owned).to_vec(),
    }
    .canonicalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sibling_groups;

    fn params(children: usize, carers: usize, seed: u64, country: &str) -> GenParams {
        GenParams {
            children,
            carers,
            seed,
            country: country.to_owned(),
            as_of: DEFAULT_AS_OF,
        }
    }

    #[test]
    fn same_seed_same_data_different_seed_different() {
        let a = generate(&params(500, 300, 7, "RS")).unwrap();
        let b = generate(&params(500, 300, 7, "RS")).unwrap();
        let c = generate(&params(500, 300, 8, "RS")).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.children, c.children);
        assert_ne!(a.carers, c.carers);
    }

    #[test]
    fn round_trips_through_csv_and_json() {
        for (country, seed) in [("RS", 1), ("MK", 2), ("XK", 3)] {
            let data = generate(&params(500, 300, seed, country)).unwrap();
            let dir = tempfile::tempdir().unwrap();
            crate::dataset::write_csv_dir(&data, dir.path()).unwrap();
            let loaded = crate::dataset::load_csv_dir(dir.path()).unwrap();
            assert_eq!(loaded, data, "{country} CSV");
            let json = dir.path().join("data.json");
            crate::dataset::write_json(&data, &json, Some(ATTRIBUTION)).unwrap();
            let loaded = crate::dataset::load_json(&json).unwrap();
            assert_eq!(loaded, data, "{country} JSON");
        }
    }

    #[test]
    fn serbia_fixture_shares() {
        let p = GenParams::default();
        let d = generate(&p).unwrap();
        assert_eq!(d.children.len(), 1_500);
        assert_eq!(d.carers.len(), 4_300);
        assert_eq!(d.places.len(), 436);
        let n = d.children.len() as f64;

        let grouped: usize = sibling_groups(&d).iter().map(|g| g.members.len()).sum();
        let share = grouped as f64 / n;
        assert!((0.25..=0.35).contains(&share), "sibling share {share}");
        for g in sibling_groups(&d) {
            assert!((2..=5).contains(&g.members.len()));
            let bp = d.child(g.members[0]).birth_family_place;
            assert!(
                g.members
                    .iter()
                    .all(|m| d.child(*m).birth_family_place == bp)
            );
        }

        let residents: Vec<&Child> = d
            .children
            .iter()
            .filter(|c| c.institution.is_some())
            .collect();
        let inst_share = residents.len() as f64 / n;
        assert!(
            (0.65..=0.75).contains(&inst_share),
            "institution share {inst_share}"
        );
        let with_needs = residents.iter().filter(|c| !c.needs.is_empty()).count() as f64
            / residents.len() as f64;
        assert!(
            (0.60..=0.73).contains(&with_needs),
            "residents with needs {with_needs}"
        );
        let under3 = residents.iter().filter(|c| c.age_on(p.as_of) < 3).count() as f64
            / residents.len() as f64;
        assert!(under3 < 0.05, "under-3s in institutions {under3}");

        for c in &d.children {
            assert!(c.birth_date < p.as_of);
            assert!(c.age_on(p.as_of) <= 17);
            assert!(c.entered_care >= c.birth_date && c.entered_care <= p.as_of);
            assert_eq!(c.school_place.is_some(), c.age_on(p.as_of) >= 7);
            for k in &c.kin_carers {
                let carer = d.carer(*k);
                assert_eq!(carer.kind, CarerKind::Kinship);
                assert_eq!(carer.place, c.birth_family_place);
                let age = c.age_on(p.as_of) as u8;
                assert!(carer.min_age <= age && age <= carer.max_age);
                assert!(
                    c.needs
                        .iter()
                        .all(|n| carer.supported_needs[n.code.index()] >= n.severity)
                );
            }
        }
        let kin = d
            .carers
            .iter()
            .filter(|c| c.kind == CarerKind::Kinship)
            .count();
        assert!(kin >= 10, "kinship carers {kin}");
        for (i, carer) in d.carers.iter().enumerate() {
            if carer.kind == CarerKind::Kinship {
                let ix = CarerIx::from_usize(i);
                assert!(d.children.iter().any(|c| c.kin_carers.contains(&ix)));
            }
            assert!(carer.min_age <= carer.max_age);
            assert!((1..=9).contains(&carer.approved_places));
            assert!(carer.current_children.len() <= usize::from(carer.approved_places));
        }
        let mean_places = d
            .carers
            .iter()
            .map(|c| f64::from(c.approved_places))
            .sum::<f64>()
            / d.carers.len() as f64;
        assert!(
            (1.9..=2.3).contains(&mean_places),
            "mean approved places {mean_places}"
        );

        let roma = d
            .children
            .iter()
            .filter(|c| c.heritage.as_deref() == Some("roma"))
            .count() as f64
            / n;
        assert!((0.2..=0.3).contains(&roma), "Roma share {roma}");
        assert!(d.languages.iter().any(|l| l == "hu"));

        let mut residents_per = vec![0u32; d.institutions.len()];
        for c in &d.children {
            if let Some(i) = c.institution {
                residents_per[i.get()] += 1;
                assert_eq!(c.location, d.institutions[i.get()].place);
            }
        }
        for (inst, r) in d.institutions.iter().zip(residents_per) {
            assert!(inst.capacity >= r, "{} over capacity", inst.id);
            if inst.kind == InstitutionKind::SmallGroupHome {
                assert!(inst.capacity <= 12);
            }
        }
        let large: Vec<&Institution> = d
            .institutions
            .iter()
            .filter(|i| i.kind == InstitutionKind::LargeResidential)
            .collect();
        assert_eq!(large.len(), 5);
        assert!(large.iter().any(|i| i.planned_closure.is_some()));
        assert_eq!(d.institutions[0].id.as_str(), "I001");
        assert_eq!(d.children[0].id.as_str(), "C000001");
        assert_eq!(d.carers[0].id.as_str(), "H000001");
        assert!(d.roads.is_none());

        let apart = d.sibling_links.iter().filter(|l| !l.keep_together).count();
        assert!(apart > 0);
        assert!(
            d.sibling_links
                .iter()
                .all(|l| l.keep_together || l.reason.is_some())
        );
    }

    #[test]
    fn serbian_regions_are_the_25_districts() {
        let places = reference_places("rs").unwrap();
        assert_eq!(places.len(), 436);
        for (district, seat) in SERBIA_DISTRICTS {
            let p = places.iter().find(|p| p.name == seat).unwrap();
            assert_eq!(p.region, district, "seat {seat}");
        }
        let mut regions: Vec<&str> = places.iter().map(|p| p.region.as_str()).collect();
        regions.sort_unstable();
        regions.dedup();
        assert_eq!(regions.len(), 25);
        let mk = reference_places("MK").unwrap();
        assert_eq!(mk.len(), 202);
        assert_eq!(reference_places("XK").unwrap().len(), 64);
    }

    #[test]
    fn every_first_level_code_has_a_name_of_its_own() {
        for (country, units) in [
            ("MK", &MACEDONIA_MUNICIPALITIES[..]),
            ("XK", &KOSOVO_DISTRICTS[..]),
        ] {
            let rows = reference_rows(country).unwrap();
            let mut codes: Vec<&str> = rows
                .iter()
                .map(|r| r.admin1.as_str())
                .filter(|c| *c != "00")
                .collect();
            codes.sort_unstable();
            codes.dedup();
            let mut listed: Vec<&str> = units.iter().map(|(c, _)| *c).collect();
            listed.sort_unstable();
            assert_eq!(codes, listed, "{country}: one name per admin1 code");
            let mut names: Vec<&str> = units.iter().map(|(_, n)| *n).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), units.len(), "{country}: names unique");
        }
        // The seat names its municipality (most populous listed place, or
        // the seat where that is a former municipality's village).
        let mk = reference_places("MK").unwrap();
        for (place, region) in [
            ("Skopje", "Skopje"),
            ("Bitola", "Bitola"),
            ("Kumanovo", "Kumanovo"),
            ("Shtip", "Štip"),
            ("Kochani", "Kočani"),
            ("Vrapčište", "Vrapčište"),
            ("Negotino", "Negotino"),
            ("Bogovinje", "Bogovinje"),
            ("Ognjaci", "Studeničani"), // code 00: nearest listed place, Morani
        ] {
            let found = mk
                .iter()
                .filter(|p| p.name == place)
                .map(|p| p.region.as_str());
            assert!(
                found.clone().any(|r| r == region),
                "{place}: {:?}",
                found.collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        let e = generate(&params(10, 10, 1, "HR")).unwrap_err();
        assert_eq!(
            e,
            GenError::UnknownCountry {
                country: "HR".into()
            }
        );
        assert!(e.to_string().contains("RS, MK, XK"));
        assert!(reference_places("ZZ").is_err());
        assert_eq!(
            generate(&params(0, 10, 1, "RS")).unwrap_err(),
            GenError::Empty { what: "children" }
        );
        assert_eq!(
            generate(&params(10, 0, 1, "RS")).unwrap_err(),
            GenError::Empty { what: "carers" }
        );
        assert!(matches!(
            generate(&params(MAX_RECORDS + 1, 10, 1, "RS")),
            Err(GenError::TooLarge { .. })
        ));
        let mut p = params(10, 10, 1, "RS");
        p.as_of = NaiveDate::from_ymd_opt(1850, 1, 1).unwrap();
        assert!(matches!(generate(&p), Err(GenError::AsOf { .. })));
    }

    #[test]
    fn tiny_sets_are_valid() {
        for (c, h) in [(1, 1), (2, 1), (5, 3), (37, 2)] {
            for country in COUNTRIES {
                let d = generate(&params(c, h, 11, country)).unwrap();
                assert_eq!((d.children.len(), d.carers.len()), (c, h));
                let dir = tempfile::tempdir().unwrap();
                crate::dataset::write_csv_dir(&d, dir.path()).unwrap();
                assert_eq!(crate::dataset::load_csv_dir(dir.path()).unwrap(), d);
            }
        }
        assert_eq!(tier("xl"), Some((370_000, 215_000)));
        assert_eq!(tier("XXL"), None);
    }

    /// XL must generate in under a minute in a release build:
    /// `cargo test --release --lib io::generate -- --ignored`.
    #[test]
    #[ignore = "slow in debug builds; run with --release"]
    fn xl_is_fast() {
        let (children, carers) = tier("XL").unwrap();
        let t = std::time::Instant::now();
        let d = generate(&params(children, carers, 2026, "RS")).unwrap();
        let secs = t.elapsed().as_secs_f64();
        println!("XL generated in {secs:.2} s");
        assert_eq!(d.children.len(), children);
        assert_eq!(d.carers.len(), carers);
        if !cfg!(debug_assertions) {
            assert!(secs < 60.0, "XL took {secs} s");
        }
    }
}
