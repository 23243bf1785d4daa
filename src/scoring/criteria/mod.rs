//! Soft criteria: each gives a value in [0, 1] for a pair (or `None` when it
//! does not apply), times a weight from the model.
//!
//! One file per criterion: it declares its [`Spec`] (key, short label,
//! parameters with ranges and defaults), its `value` and its typed `Reason`
//! (with the one-line text as `Display`). The
//! `registry!` list below is the only other place that names it, and its
//! order is the output order. Adding a criterion is: its file, one registry
//! line, its weight in each `models/*.toml` (and its parameters, when they
//! differ from the defaults).

use super::context::PairCtx;
use std::fmt;

/// A numeric parameter of a criterion, read from the model's `[params]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    /// Key in the model's `[params]` table (prefixed by the criterion's
    /// subject, e.g. `school_half_minutes`).
    pub key: &'static str,
    /// What the parameter means.
    pub doc: &'static str,
    /// Smallest valid value.
    pub min: f64,
    /// Largest valid value.
    pub max: f64,
    /// Value when the model does not give one.
    pub default: f64,
}

/// What a criterion declares about itself in its own file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spec {
    /// Stable key used in models and outputs.
    pub key: &'static str,
    /// Short column label for report tables.
    pub label: &'static str,
    /// Parameters, in the order the criterion reads them (its `value` gets
    /// their values as a slice in this order).
    pub params: &'static [Param],
}

/// Builds the registry from one ordered list of `Variant => module`: the
/// modules, the [`Criterion`] enum, [`Criterion::ALL`] and the dispatch to
/// each module's `SPEC`, `value` and `reason`.
macro_rules! registry {
    ($( $(#[$doc:meta])* $variant:ident => $module:ident, )+) => {
        $( pub mod $module; )+

        /// The soft criteria, in registry (output) order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Criterion {
            $( $(#[$doc])* $variant, )+
        }

        const COUNT: usize = [$(Criterion::$variant),+].len();

        impl Criterion {
            /// All criteria in registry order.
            pub const ALL: [Criterion; COUNT] = [$(Criterion::$variant),+];

            /// The criterion's own declaration.
            pub fn spec(self) -> &'static Spec {
                match self {
                    $( Self::$variant => &$module::SPEC, )+
                }
            }

            #[inline]
            fn raw_value(self, ctx: &PairCtx<'_>, p: &[f64]) -> Option<f64> {
                match self {
                    $( Self::$variant => $module::value(ctx, p), )+
                }
            }

            fn raw_reason(self, ctx: &PairCtx<'_>, p: &[f64]) -> Reason {
                match self {
                    $( Self::$variant => Reason::$variant($module::reason(ctx, p)), )+
                }
            }
        }

        /// Why a criterion gave its value: each criterion's own typed reason
        /// (its file's `Reason`); `Display` gives the one-line text.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Reason {
            $( $(#[$doc])* $variant($module::Reason), )+
        }

        impl fmt::Display for Reason {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $( Reason::$variant(r) => r.fmt(f), )+
                }
            }
        }
    };
}

registry! {
    /// How far inside the approved age range the child is.
    AgeFit => age_fit,
    /// Severity headroom and specialism for the child's needs.
    NeedsFit => needs_fit,
    /// Travel time to the birth family.
    BirthFamilyProximity => birth_family_proximity,
    /// Travel time to the child's school.
    SchoolProximity => school_proximity,
    /// The household speaks the child's language.
    Language => language,
    /// The household is known kin of the child.
    Kinship => kinship,
    /// Fit with the children already in the household.
    HouseholdComposition => household_composition,
    /// The household's stated preferences (sex, ages).
    CarerPreferences => carer_preferences,
    /// Shared cultural community (special-category data; models may forbid it).
    Culture => culture,
    /// The officer has not declined this household for this child before.
    PastDeclines => past_declines,
    /// Travel time to the siblings who live apart from the child.
    SiblingContact => sibling_contact,
}

impl Criterion {
    /// Position in the registry (0-based).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Stable key used in models and outputs.
    pub fn key(self) -> &'static str {
        self.spec().key
    }

    /// Short column label for report tables.
    pub fn label(self) -> &'static str {
        self.spec().label
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
        self.raw_value(ctx, ctx.model.params.of(self))
            .map(|x| x.clamp(0.0, 1.0))
    }

    /// Typed reason for the value.
    pub fn why(self, ctx: &PairCtx<'_>) -> Reason {
        self.raw_reason(ctx, ctx.model.params.of(self))
    }

    /// One-line reason for the value (the text of [`Criterion::why`]).
    pub fn reason(self, ctx: &PairCtx<'_>) -> String {
        self.why(ctx).to_string()
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
