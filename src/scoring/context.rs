//! Compact, precomputed views of children and carers for the scoring hot loop
//! (kept small so that scoring all pairs is bound by memory, not arithmetic).

use super::Model;
use crate::domain::*;
use chrono::NaiveDate;

/// Bit mask of languages (bit = [`Language`] index).
pub type LangMask = u64;

fn mask(langs: &[Language]) -> LangMask {
    langs.iter().fold(0, |m, l| m | (1u64 << l.0))
}

/// Whether `needs` include a developmental difficulty under `model`.
pub fn is_developmental(model: &Model, needs: &[Need]) -> bool {
    needs.iter().any(|n| {
        model.developmental[n.code.index()]
            && n.severity >= model.household.developmental_min_severity
    })
}

/// One child, as seen by the rules and criteria.
#[derive(Debug, Clone)]
pub struct ChildProfile {
    /// Which child.
    pub ix: ChildIx,
    /// Age in years on the scoring date.
    pub age: u8,
    /// Sex.
    pub sex: Sex,
    /// Placement type needed.
    pub placement_type: PlacementType,
    /// Severity per need code (0 = none).
    pub needs: [u8; NeedCode::COUNT],
    /// Has at least one need.
    pub has_needs: bool,
    /// Has a developmental difficulty (household rule).
    pub developmental: bool,
    /// Main language bit.
    pub lang_main: LangMask,
    /// All languages.
    pub lang_all: LangMask,
    /// Known kin households.
    pub kin: Vec<CarerIx>,
    /// Interned heritage (0 = unknown).
    pub heritage: u32,
    /// Birth-family place.
    pub birth_place: PlaceIx,
    /// School place.
    pub school_place: Option<PlaceIx>,
}

impl ChildProfile {
    /// Builds the profile of child `ix` on date `as_of`.
    pub fn new(
        data: &DataSet,
        model: &Model,
        ix: ChildIx,
        as_of: NaiveDate,
        heritage: u32,
    ) -> Self {
        let c = data.child(ix);
        let mut needs = [0u8; NeedCode::COUNT];
        for n in &c.needs {
            needs[n.code.index()] = n.severity;
        }
        ChildProfile {
            ix,
            age: c.age_on(as_of).min(255) as u8,
            sex: c.sex,
            placement_type: c.placement_type,
            needs,
            has_needs: !c.needs.is_empty(),
            developmental: is_developmental(model, &c.needs),
            lang_main: c.languages.first().map_or(0, |l| 1u64 << l.0),
            lang_all: mask(&c.languages),
            kin: c.kin_carers.clone(),
            heritage,
            birth_place: c.birth_family_place,
            school_place: c.school_place,
        }
    }
}

/// One carer household, as seen by the rules and criteria.
#[derive(Debug, Clone)]
pub struct CarerRow {
    /// Which carer.
    pub ix: CarerIx,
    /// Home place.
    pub place: PlaceIx,
    /// Kind.
    pub kind: CarerKind,
    /// Not paused.
    pub available: bool,
    /// Approved age range.
    pub min_age: u8,
    /// Approved age range.
    pub max_age: u8,
    /// Approved places.
    pub approved: u8,
    /// Children already there.
    pub current: u8,
    /// Free places.
    pub free: u8,
    /// Approved placement types.
    pub placement_types: PlacementTypes,
    /// Highest supported severity per need.
    pub supported: [u8; NeedCode::COUNT],
    /// Accessible home.
    pub accessible: bool,
    /// Languages spoken.
    pub langs: LangMask,
    /// Preferred sex.
    pub pref_sex: Option<Sex>,
    /// Preferred ages.
    pub pref_min_age: Option<u8>,
    /// Preferred ages.
    pub pref_max_age: Option<u8>,
    /// Takes sibling groups.
    pub accepts_siblings: bool,
    /// Interned heritage (0 = unknown).
    pub heritage: u32,
    /// A child already there has developmental difficulties.
    pub current_developmental: bool,
    /// Children already there with at least one need.
    pub current_with_needs: u8,
    /// Ages of children already there (first `current.min(8)` entries).
    pub current_ages: [u8; 8],
}

impl CarerRow {
    /// Builds the row of carer `ix`.
    pub fn new(data: &DataSet, model: &Model, ix: CarerIx, heritage: u32) -> Self {
        let c = data.carer(ix);
        let mut ages = [0u8; 8];
        for (slot, k) in ages.iter_mut().zip(&c.current_children) {
            *slot = k.age;
        }
        CarerRow {
            ix,
            place: c.place,
            kind: c.kind,
            available: c.status == CarerStatus::Available,
            min_age: c.min_age,
            max_age: c.max_age,
            approved: c.approved_places,
            current: c.current_children.len().min(255) as u8,
            free: c.free_places(),
            placement_types: c.placement_types,
            supported: c.supported_needs,
            accessible: c.accessible_home,
            langs: mask(&c.languages),
            pref_sex: c.pref_sex,
            pref_min_age: c.pref_min_age,
            pref_max_age: c.pref_max_age,
            accepts_siblings: c.accepts_sibling_groups,
            heritage,
            current_developmental: c
                .current_children
                .iter()
                .any(|k| is_developmental(model, &k.needs)),
            current_with_needs: c
                .current_children
                .iter()
                .filter(|k| !k.needs.is_empty())
                .count()
                .min(255) as u8,
            current_ages: ages,
        }
    }

    /// Ages of the children already there.
    pub fn ages(&self) -> &[u8] {
        &self.current_ages[..(self.current as usize).min(8)]
    }
}

/// Everything a rule or criterion may look at for one child–carer pair.
#[derive(Debug, Clone, Copy)]
pub struct PairCtx<'a> {
    /// The child (one member of the unit).
    pub child: &'a ChildProfile,
    /// The carer.
    pub carer: &'a CarerRow,
    /// Children placed together (1 for a lone child).
    pub unit_size: u8,
    /// Any member of the unit has developmental difficulties.
    pub unit_developmental: bool,
    /// Travel minutes carer ↔ birth family (∞ = no route).
    pub birth_minutes: f32,
    /// Travel minutes carer ↔ school.
    pub school_minutes: Option<f32>,
    /// Travel rows (minutes, indexed by place) from the homes of the child's
    /// siblings living apart from it; empty when it has none.
    pub apart_sibling_rows: &'a [&'a [f32]],
    /// The scoring model.
    pub model: &'a Model,
    /// Whether an officer declined this household for this child before;
    /// `None` when no declines are known for the child.
    pub declined: Option<bool>,
}
