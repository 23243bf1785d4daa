//! Soft criteria: each gives a value in [0, 1] for a pair (or `None` when it
//! does not apply), times a weight from the model. One file per criterion;
//! this module is the ordered registry.

mod age_fit;
mod birth_family_proximity;
mod carer_preferences;
mod culture;
mod household_composition;
mod kinship;
mod language;
mod needs_fit;
mod past_declines;
mod school_proximity;

use super::context::PairCtx;

/// The soft criteria, in registry (output) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Criterion {
    /// How far inside the approved age range the child is.
    AgeFit,
    /// Severity headroom and specialism for the child's needs.
    NeedsFit,
    /// Travel time to the birth family.
    BirthFamilyProximity,
    /// Travel time to the child's school.
    SchoolProximity,
    /// The household speaks the child's language.
    Language,
    /// The household is known kin of the child.
    Kinship,
    /// Fit with the children already in the household.
    HouseholdComposition,
    /// The household's stated preferences (sex, ages).
    CarerPreferences,
    /// Shared cultural community (special-category data; models may forbid it).
    Culture,
    /// The officer has not declined this household for this child before.
    PastDeclines,
}

impl Criterion {
    /// All criteria in registry order.
    pub const ALL: [Criterion; 10] = [
        Self::AgeFit,
        Self::NeedsFit,
        Self::BirthFamilyProximity,
        Self::SchoolProximity,
        Self::Language,
        Self::Kinship,
        Self::HouseholdComposition,
        Self::CarerPreferences,
        Self::Culture,
        Self::PastDeclines,
    ];

    /// Stable key used in models and outputs.
    pub fn key(self) -> &'static str {
        match self {
            Self::AgeFit => "age_fit",
            Self::NeedsFit => "needs_fit",
            Self::BirthFamilyProximity => "birth_family_proximity",
            Self::SchoolProximity => "school_proximity",
            Self::Language => "language",
            Self::Kinship => "kinship",
            Self::HouseholdComposition => "household_composition",
            Self::CarerPreferences => "carer_preferences",
            Self::Culture => "culture",
            Self::PastDeclines => "past_declines",
        }
    }

    /// Parses a key.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == s)
    }

    /// All keys, comma-separated (for messages).
    pub fn keys() -> String {
        Self::ALL.map(|c| c.key()).join(", ")
    }

    /// Value in [0, 1], or `None` when the criterion does not apply.
    #[inline]
    pub fn value(self, ctx: &PairCtx<'_>) -> Option<f64> {
        let v = match self {
            Self::AgeFit => age_fit::value(ctx),
            Self::NeedsFit => needs_fit::value(ctx),
            Self::BirthFamilyProximity => birth_family_proximity::value(ctx),
            Self::SchoolProximity => school_proximity::value(ctx),
            Self::Language => language::value(ctx),
            Self::Kinship => kinship::value(ctx),
            Self::HouseholdComposition => household_composition::value(ctx),
            Self::CarerPreferences => carer_preferences::value(ctx),
            Self::Culture => culture::value(ctx),
            Self::PastDeclines => past_declines::value(ctx),
        };
        v.map(|x| x.clamp(0.0, 1.0))
    }

    /// One-line reason for the value.
    pub fn reason(self, ctx: &PairCtx<'_>) -> String {
        match self {
            Self::AgeFit => age_fit::reason(ctx),
            Self::NeedsFit => needs_fit::reason(ctx),
            Self::BirthFamilyProximity => birth_family_proximity::reason(ctx),
            Self::SchoolProximity => school_proximity::reason(ctx),
            Self::Language => language::reason(ctx),
            Self::Kinship => kinship::reason(ctx),
            Self::HouseholdComposition => household_composition::reason(ctx),
            Self::CarerPreferences => carer_preferences::reason(ctx),
            Self::Culture => culture::reason(ctx),
            Self::PastDeclines => past_declines::reason(ctx),
        }
    }
}

/// `0.5^(minutes / half)`: 1 at the door, ½ at `half` minutes, 0 with no route.
pub(crate) fn decay(minutes: f32, half: f64) -> f64 {
    if minutes.is_finite() {
        (-(minutes as f64) / half).exp2()
    } else {
        0.0
    }
}
