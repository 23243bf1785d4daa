//! Domain types: places, children, carers (households), institutions and
//! sibling links. Free of I/O; built and validated by [`crate::dataset`].
//!
//! Records refer to each other by index ([`PlaceIx`], [`ChildIx`], …) into the
//! vectors of one [`DataSet`]; the public, stable identifiers are the string
//! newtypes ([`PlaceId`], [`ChildId`], …) carried on every record.

mod canonical;
mod ids;
mod siblings;

pub use ids::*;
pub use siblings::{SiblingGroup, sibling_groups};

use chrono::{Datelike, NaiveDate};

/// A populated place with coordinates (WGS84), e.g. a GeoNames town.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// Stable id (GeoNames id in the bundled fixtures).
    pub id: PlaceId,
    /// Human name.
    pub name: String,
    /// ISO 3166-1 alpha-2 country code (`RS`, `MK`, `XK`, …); may be empty.
    pub country: String,
    /// Region used for access control and planning (a district in Serbia).
    pub region: String,
    /// Latitude in degrees, −90…90.
    pub lat: f64,
    /// Longitude in degrees, −180…180.
    pub lon: f64,
    /// Inhabitants (0 = unknown).
    pub population: u64,
}

/// Kind of residential institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstitutionKind {
    /// A large residential institution (the ones being closed).
    LargeResidential,
    /// A small group home in the community.
    SmallGroupHome,
}

/// A residential institution where children live while waiting for a family.
#[derive(Debug, Clone, PartialEq)]
pub struct Institution {
    /// Stable id.
    pub id: InstitutionId,
    /// Name.
    pub name: String,
    /// Where it stands.
    pub place: PlaceIx,
    /// Large residential or small group home.
    pub kind: InstitutionKind,
    /// Approved number of residents.
    pub capacity: u32,
    /// Planned closure date, if any.
    pub planned_closure: Option<NaiveDate>,
}

/// Child's sex as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    /// Female.
    F,
    /// Male.
    M,
}

/// Kind of placement a child needs and a carer is approved for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlacementType {
    /// Immediate, days to weeks.
    Emergency,
    /// Weeks to months, e.g. while reunification is assessed.
    ShortTerm,
    /// Until adulthood or permanence.
    LongTerm,
}

impl PlacementType {
    /// All placement types, in a fixed order.
    pub const ALL: [PlacementType; 3] = [Self::Emergency, Self::ShortTerm, Self::LongTerm];

    /// Bit used in [`PlacementTypes`].
    pub const fn bit(self) -> u8 {
        match self {
            Self::Emergency => 1,
            Self::ShortTerm => 2,
            Self::LongTerm => 4,
        }
    }
}

/// A set of placement types (bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct PlacementTypes(pub u8);

impl PlacementTypes {
    /// Whether `t` is in the set.
    pub const fn contains(self, t: PlacementType) -> bool {
        self.0 & t.bit() != 0
    }
    /// Adds `t`.
    pub fn insert(&mut self, t: PlacementType) {
        self.0 |= t.bit();
    }
    /// The types in the set, in [`PlacementType::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = PlacementType> {
        PlacementType::ALL
            .into_iter()
            .filter(move |t| self.contains(*t))
    }
}

/// Kind of care need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NeedCode {
    /// Physical disability affecting mobility.
    Mobility,
    /// Intellectual disability.
    Intellectual,
    /// Hearing or vision impairment.
    Sensory,
    /// Chronic illness or medical care at home.
    Medical,
    /// Behavioural difficulties.
    Behavioural,
    /// Emotional or mental-health needs (trauma, attachment).
    Emotional,
}

impl NeedCode {
    /// Number of need codes.
    pub const COUNT: usize = 6;
    /// All codes in a fixed order (also their index order).
    pub const ALL: [NeedCode; Self::COUNT] = [
        Self::Mobility,
        Self::Intellectual,
        Self::Sensory,
        Self::Medical,
        Self::Behavioural,
        Self::Emotional,
    ];
    /// Index into per-need arrays.
    pub const fn index(self) -> usize {
        self as usize
    }
    /// Wire name (`mobility`, `intellectual`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Mobility => "mobility",
            Self::Intellectual => "intellectual",
            Self::Sensory => "sensory",
            Self::Medical => "medical",
            Self::Behavioural => "behavioural",
            Self::Emotional => "emotional",
        }
    }
    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One care need of a child: a code and a severity 1 (mild) … 3 (severe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Need {
    /// Which need.
    pub code: NeedCode,
    /// Severity 1–3.
    pub severity: u8,
}

/// Index into [`DataSet::languages`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language(pub u8);

/// A child in care waiting for (or being reviewed for) a family placement.
/// Pseudonymous: no names.
#[derive(Debug, Clone, PartialEq)]
pub struct Child {
    /// Pseudonymous id.
    pub id: ChildId,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Sex.
    pub sex: Sex,
    /// Institution the child lives in, if any.
    pub institution: Option<InstitutionIx>,
    /// Where the child is now (the institution's place when in one).
    pub location: PlaceIx,
    /// Where the birth family lives (contact visits).
    pub birth_family_place: PlaceIx,
    /// Where the child goes to school, if at school.
    pub school_place: Option<PlaceIx>,
    /// Care needs, sorted by code.
    pub needs: Vec<Need>,
    /// Languages, first = main language.
    pub languages: Vec<Language>,
    /// Placement type needed.
    pub placement_type: PlacementType,
    /// Date the child entered care.
    pub entered_care: NaiveDate,
    /// Known kin households that could care for the child.
    pub kin_carers: Vec<CarerIx>,
    /// Cultural community (special-category data; optional).
    pub heritage: Option<String>,
}

impl Child {
    /// Age in whole years on `as_of`.
    pub fn age_on(&self, as_of: NaiveDate) -> u32 {
        age_years(self.birth_date, as_of)
    }
    /// Severity of need `code` (0 when the child has none).
    pub fn severity(&self, code: NeedCode) -> u8 {
        self.needs
            .iter()
            .find(|n| n.code == code)
            .map_or(0, |n| n.severity)
    }
}

/// Whole years between `birth` and `as_of` (0 if `as_of` is before `birth`).
pub fn age_years(birth: NaiveDate, as_of: NaiveDate) -> u32 {
    if as_of < birth {
        return 0;
    }
    let mut years = as_of.year() - birth.year();
    if (as_of.month(), as_of.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// Kind of carer household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CarerKind {
    /// Relatives or friends of the family.
    Kinship,
    /// General foster carers.
    Foster,
    /// Specialist foster carers for children with disabilities or high needs.
    Specialist,
    /// Emergency foster carers.
    Emergency,
}

/// Whether a household takes placements now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CarerStatus {
    /// Takes placements.
    Available,
    /// Paused (leave, review, training).
    Paused,
}

/// A child already living in a household.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CurrentChild {
    /// Age in years.
    pub age: u8,
    /// The child's needs.
    pub needs: Vec<Need>,
}

/// A carer household.
#[derive(Debug, Clone, PartialEq)]
pub struct Carer {
    /// Stable id.
    pub id: CarerId,
    /// Where the household lives.
    pub place: PlaceIx,
    /// Kinship, foster, specialist or emergency.
    pub kind: CarerKind,
    /// Approved number of children in placement (1–9).
    pub approved_places: u8,
    /// Children already placed or living there.
    pub current_children: Vec<CurrentChild>,
    /// Youngest approved age in years.
    pub min_age: u8,
    /// Oldest approved age in years.
    pub max_age: u8,
    /// Approved placement types.
    pub placement_types: PlacementTypes,
    /// Highest severity supported per need ([`NeedCode::index`]); 0 = not supported.
    pub supported_needs: [u8; NeedCode::COUNT],
    /// Step-free, adapted home.
    pub accessible_home: bool,
    /// Languages spoken at home.
    pub languages: Vec<Language>,
    /// Preferred sex of child, if any.
    pub pref_sex: Option<Sex>,
    /// Preferred youngest age, if any.
    pub pref_min_age: Option<u8>,
    /// Preferred oldest age, if any.
    pub pref_max_age: Option<u8>,
    /// Whether the household will take a sibling group.
    pub accepts_sibling_groups: bool,
    /// Available or paused.
    pub status: CarerStatus,
    /// Cultural community (special-category data; optional).
    pub heritage: Option<String>,
}

impl Carer {
    /// Free places: approved places minus children already there (≥ 0).
    pub fn free_places(&self) -> u8 {
        self.approved_places
            .saturating_sub(self.current_children.len().min(255) as u8)
    }
}

/// A link between two children who are siblings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiblingLink {
    /// One child.
    pub a: ChildIx,
    /// The other child.
    pub b: ChildIx,
    /// Keep together (one placement unit) or apart.
    pub keep_together: bool,
    /// Why apart (required when `keep_together` is false).
    pub reason: Option<String>,
}

/// An undirected road link between two places.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Road {
    /// One end.
    pub from: PlaceIx,
    /// Other end.
    pub to: PlaceIx,
    /// Travel minutes.
    pub minutes: f64,
}

/// A validated data set. Every index inside refers into these vectors.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataSet {
    /// Places.
    pub places: Vec<Place>,
    /// Institutions.
    pub institutions: Vec<Institution>,
    /// Children.
    pub children: Vec<Child>,
    /// Carer households.
    pub carers: Vec<Carer>,
    /// Sibling links.
    pub sibling_links: Vec<SiblingLink>,
    /// Road links; `None` when the data set has no roads file.
    pub roads: Option<Vec<Road>>,
    /// Language codes (ISO 639), indexed by [`Language`].
    pub languages: Vec<String>,
}

impl DataSet {
    /// Finds a child by id.
    pub fn child_ix(&self, id: &str) -> Option<ChildIx> {
        self.children
            .iter()
            .position(|c| c.id.as_str() == id)
            .map(ChildIx::from_usize)
    }
    /// Finds a carer by id.
    pub fn carer_ix(&self, id: &str) -> Option<CarerIx> {
        self.carers
            .iter()
            .position(|c| c.id.as_str() == id)
            .map(CarerIx::from_usize)
    }
    /// The child at `ix`.
    pub fn child(&self, ix: ChildIx) -> &Child {
        &self.children[ix.get()]
    }
    /// The carer at `ix`.
    pub fn carer(&self, ix: CarerIx) -> &Carer {
        &self.carers[ix.get()]
    }
    /// The place at `ix`.
    pub fn place(&self, ix: PlaceIx) -> &Place {
        &self.places[ix.get()]
    }
    /// Language code of `l`.
    pub fn language(&self, l: Language) -> &str {
        &self.languages[l.0 as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_years(d("2010-06-15"), d("2026-06-14")), 15);
        assert_eq!(age_years(d("2010-06-15"), d("2026-06-15")), 16);
        assert_eq!(age_years(d("2010-06-15"), d("2009-01-01")), 0);
        assert_eq!(age_years(d("2008-02-29"), d("2026-02-28")), 17);
        assert_eq!(age_years(d("2008-02-29"), d("2026-03-01")), 18);
    }

    #[test]
    fn need_codes_round_trip() {
        for c in NeedCode::ALL {
            assert_eq!(NeedCode::parse(c.as_str()), Some(c));
            assert_eq!(NeedCode::ALL[c.index()], c);
        }
        assert_eq!(NeedCode::parse("unknown"), None);
    }
}
