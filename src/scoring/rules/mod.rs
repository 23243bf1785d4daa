//! Hard rules: a pair failing any enabled rule is excluded (never scored, never
//! ranked, never given a decision variable). One file per rule; this module is
//! the ordered registry and the one table of codes, names and sentences (of
//! the hard rules, and of the reasons a plan gives for an unplaced child).

mod accessible;
mod age;
mod household_limit;
mod needs;
mod no_free_place;
mod placement_type;
mod sibling_group_too_large;
mod siblings_not_accepted;
mod travel;
mod unavailable;

pub use travel::too_far;

use super::context::PairCtx;
use crate::domain::{NeedCode, PlacementType};
use std::fmt;

/// Stable reason codes of the hard rules, in registry (evaluation) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleCode {
    /// The household is paused.
    CarerUnavailable,
    /// The child's age is outside the carer's approved range.
    AgeOutsideApproval,
    /// The carer is not approved for the placement type.
    PlacementTypeNotApproved,
    /// A need is not supported at the child's severity.
    NeedNotSupported,
    /// The child's mobility needs require an accessible home.
    HomeNotAccessible,
    /// The household has no free place.
    NoFreePlace,
    /// The sibling group is larger than the free places.
    SiblingGroupTooLarge,
    /// The household does not take sibling groups.
    SiblingsNotAccepted,
    /// The jurisdiction's household limit would be exceeded.
    HouseholdLimitExceeded,
    /// The home is too far from the birth family.
    TravelTooFar,
}

/// The one table: code, short name, sentence.
const TABLE: [(RuleCode, &str, &str, &str); 10] = [
    (
        RuleCode::CarerUnavailable,
        "CARER_UNAVAILABLE",
        "carer unavailable",
        "The household is paused and takes no placements now.",
    ),
    (
        RuleCode::AgeOutsideApproval,
        "AGE_OUTSIDE_APPROVAL",
        "age outside approval",
        "The child's age is outside the household's approved age range.",
    ),
    (
        RuleCode::PlacementTypeNotApproved,
        "PLACEMENT_TYPE_NOT_APPROVED",
        "placement type not approved",
        "The household is not approved for the type of placement the child needs.",
    ),
    (
        RuleCode::NeedNotSupported,
        "NEED_NOT_SUPPORTED",
        "need not supported",
        "The household does not support one of the child's needs at its severity.",
    ),
    (
        RuleCode::HomeNotAccessible,
        "HOME_NOT_ACCESSIBLE",
        "home not accessible",
        "The child's mobility needs require an accessible home.",
    ),
    (
        RuleCode::NoFreePlace,
        "NO_FREE_PLACE",
        "no free place",
        "Every approved place in the household is taken.",
    ),
    (
        RuleCode::SiblingGroupTooLarge,
        "SIBLING_GROUP_TOO_LARGE",
        "sibling group too large",
        "The sibling group has more children than the household has free places.",
    ),
    (
        RuleCode::SiblingsNotAccepted,
        "SIBLINGS_NOT_ACCEPTED",
        "siblings not accepted",
        "The household does not take sibling groups.",
    ),
    (
        RuleCode::HouseholdLimitExceeded,
        "HOUSEHOLD_LIMIT_EXCEEDED",
        "household limit exceeded",
        "The placement would exceed the jurisdiction's limit of children per household.",
    ),
    (
        RuleCode::TravelTooFar,
        "TRAVEL_TOO_FAR",
        "travel too far",
        "The home is further from the birth family than the model allows.",
    ),
];

impl RuleCode {
    /// All rules in registry order.
    pub const ALL: [RuleCode; 10] = [
        Self::CarerUnavailable,
        Self::AgeOutsideApproval,
        Self::PlacementTypeNotApproved,
        Self::NeedNotSupported,
        Self::HomeNotAccessible,
        Self::NoFreePlace,
        Self::SiblingGroupTooLarge,
        Self::SiblingsNotAccepted,
        Self::HouseholdLimitExceeded,
        Self::TravelTooFar,
    ];

    /// Stable code, e.g. `AGE_OUTSIDE_APPROVAL`.
    pub fn as_str(self) -> &'static str {
        TABLE[self as usize].1
    }
    /// Short human name.
    pub fn name(self) -> &'static str {
        TABLE[self as usize].2
    }
    /// One-sentence explanation.
    pub fn sentence(self) -> &'static str {
        TABLE[self as usize].3
    }
    /// Parses a stable code.
    pub fn parse(s: &str) -> Option<Self> {
        TABLE.iter().find(|t| t.1 == s).map(|t| t.0)
    }
    /// Bit of this rule in a violation mask.
    pub const fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// Evaluates this rule on a pair.
    #[inline]
    pub fn check(self, ctx: &PairCtx<'_>) -> Option<Detail> {
        match self {
            Self::CarerUnavailable => unavailable::check(ctx),
            Self::AgeOutsideApproval => age::check(ctx),
            Self::PlacementTypeNotApproved => placement_type::check(ctx),
            Self::NeedNotSupported => needs::check(ctx),
            Self::HomeNotAccessible => accessible::check(ctx),
            Self::NoFreePlace => no_free_place::check(ctx),
            Self::SiblingGroupTooLarge => sibling_group_too_large::check(ctx),
            Self::SiblingsNotAccepted => siblings_not_accepted::check(ctx),
            Self::HouseholdLimitExceeded => household_limit::check(ctx),
            Self::TravelTooFar => travel::check(ctx),
        }
    }
}

impl fmt::Display for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stable codes of the reasons a plan gives for a child it leaves unplaced.
/// They share the table's form with [`RuleCode`]: code, name, sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnplacedCode {
    /// No household passes every hard rule.
    NoEligibleHousehold,
    /// Households pass every other rule but none has room for the whole group.
    SiblingGroupLargerThanAnyEligibleHousehold,
    /// Eligible households are full with the plan's placements.
    Outcompeted,
    /// An eligible household has a free place, but the household limit
    /// refuses the unit given the children the plan places there.
    HouseholdLimitBinding,
    /// An eligible household has room, but a sibling the child must live
    /// apart from is placed there.
    SiblingToLiveApartThere,
    /// An eligible household has room the rules allow, but the plan left it
    /// unused.
    RoomLeftUnused,
}

/// The table of unplaced-reason codes: code, short name, sentence.
const UNPLACED_TABLE: [(UnplacedCode, &str, &str, &str); 6] = [
    (
        UnplacedCode::NoEligibleHousehold,
        "NO_ELIGIBLE_HOUSEHOLD",
        "no eligible household",
        "No household passes every hard rule for the child (or sibling group).",
    ),
    (
        UnplacedCode::SiblingGroupLargerThanAnyEligibleHousehold,
        "SIBLING_GROUP_LARGER_THAN_ANY_ELIGIBLE_HOUSEHOLD",
        "sibling group larger than any eligible household",
        "Households pass every other rule, but none has enough free places for the whole sibling group.",
    ),
    (
        UnplacedCode::Outcompeted,
        "OUTCOMPETED",
        "outcompeted",
        "Eligible, but the eligible households have no room left: their places went to children the plan values more.",
    ),
    (
        UnplacedCode::HouseholdLimitBinding,
        "HOUSEHOLD_LIMIT_BINDING",
        "household limit binding",
        "An eligible household still has a free place, but the jurisdiction's limit of children per household refuses the child given the children the plan places there.",
    ),
    (
        UnplacedCode::SiblingToLiveApartThere,
        "SIBLING_TO_LIVE_APART_THERE",
        "sibling to live apart placed there",
        "An eligible household has room, but a sibling the child must live apart from is placed there.",
    ),
    (
        UnplacedCode::RoomLeftUnused,
        "ROOM_LEFT_UNUSED",
        "room left unused",
        "An eligible household still has room that its rules allow, but the plan did not use it (the solve stopped at its time, work or gap limit first).",
    ),
];

impl UnplacedCode {
    /// Every code in table order.
    pub const ALL: [UnplacedCode; 6] = [
        Self::NoEligibleHousehold,
        Self::SiblingGroupLargerThanAnyEligibleHousehold,
        Self::Outcompeted,
        Self::HouseholdLimitBinding,
        Self::SiblingToLiveApartThere,
        Self::RoomLeftUnused,
    ];
    /// Stable code, e.g. `HOUSEHOLD_LIMIT_BINDING`.
    pub fn as_str(self) -> &'static str {
        UNPLACED_TABLE[self as usize].1
    }
    /// Short human name.
    pub fn name(self) -> &'static str {
        UNPLACED_TABLE[self as usize].2
    }
    /// One-sentence explanation.
    pub fn sentence(self) -> &'static str {
        UNPLACED_TABLE[self as usize].3
    }
    /// Parses a stable code.
    pub fn parse(s: &str) -> Option<Self> {
        UNPLACED_TABLE.iter().find(|t| t.1 == s).map(|t| t.0)
    }
}

impl fmt::Display for UnplacedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The facts behind a violation (rendered to text only when shown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Detail {
    /// Household paused.
    Paused,
    /// Age outside the approved range.
    Age {
        /// Child's age.
        age: u8,
        /// Approved range.
        min: u8,
        /// Approved range.
        max: u8,
    },
    /// Placement type not approved.
    PlacementType {
        /// Needed type.
        needed: PlacementType,
    },
    /// Need not supported.
    Need {
        /// Which need.
        code: NeedCode,
        /// Child's severity.
        severity: u8,
        /// Highest supported severity (0 = none).
        supported: u8,
    },
    /// Accessible home required.
    Accessible {
        /// Child's mobility severity.
        severity: u8,
    },
    /// No free place.
    Full {
        /// Approved places.
        approved: u8,
        /// Children already there.
        current: u8,
    },
    /// Group larger than free places.
    GroupTooLarge {
        /// Group size.
        size: u8,
        /// Free places.
        free: u8,
    },
    /// Sibling groups not taken.
    SiblingsNotAccepted {
        /// Group size.
        size: u8,
    },
    /// Household limit.
    HouseholdLimit {
        /// Children after the placement.
        after: u8,
        /// The limit that applies.
        limit: u8,
        /// Whether the lower, developmental-difficulties limit applies.
        developmental: bool,
    },
    /// Too far from the birth family.
    Travel {
        /// Minutes (∞ = no route).
        minutes: f32,
        /// Limit.
        max: f32,
    },
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Detail::Paused => write!(f, "household status is paused"),
            Detail::Age { age, min, max } => write!(f, "child is {age}, approved ages {min}–{max}"),
            Detail::PlacementType { needed } => write!(
                f,
                "needs a {} placement; not approved",
                placement_name(needed)
            ),
            Detail::Need {
                code,
                severity,
                supported: 0,
                ..
            } => write!(
                f,
                "{} need (severity {severity}) not supported",
                code.as_str()
            ),
            Detail::Need {
                code,
                severity,
                supported,
            } => write!(
                f,
                "{} need severity {severity} > supported {supported}",
                code.as_str()
            ),
            Detail::Accessible { severity } => write!(
                f,
                "mobility need severity {severity} requires an accessible home"
            ),
            Detail::Full { approved, current } => {
                write!(f, "{current} of {approved} approved places taken")
            }
            Detail::GroupTooLarge { size, free } => {
                write!(f, "group of {size} children, {free} free place(s)")
            }
            Detail::SiblingsNotAccepted { size } => write!(
                f,
                "group of {size} siblings; household takes single children only"
            ),
            Detail::HouseholdLimit {
                after,
                limit,
                developmental: true,
            } => write!(
                f,
                "{after} children after placement > limit {limit} (a child with developmental difficulties)"
            ),
            Detail::HouseholdLimit { after, limit, .. } => {
                write!(f, "{after} children after placement > limit {limit}")
            }
            Detail::Travel { minutes, max } if minutes.is_infinite() => {
                write!(f, "no route to the birth family (limit {max:.0} min)")
            }
            Detail::Travel { minutes, max } => write!(
                f,
                "{minutes:.0} min to the birth family > limit {max:.0} min"
            ),
        }
    }
}

/// Human name of a placement type.
pub fn placement_name(t: PlacementType) -> &'static str {
    match t {
        PlacementType::Emergency => "emergency",
        PlacementType::ShortTerm => "short-term",
        PlacementType::LongTerm => "long-term",
    }
}

/// A failed hard rule with its facts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Violation {
    /// Which rule.
    pub code: RuleCode,
    /// Why.
    pub detail: Detail,
}

/// Mask of the enabled rules that `ctx` violates (no details; the hot path:
/// every rule is evaluated, unrolled, and the disabled ones masked off).
#[inline]
pub fn violation_mask(ctx: &PairCtx<'_>) -> u16 {
    let mut m = 0;
    for r in RuleCode::ALL {
        if r.check(ctx).is_some() {
            m |= r.bit();
        }
    }
    m & ctx.model.rule_mask
}

/// Whether `ctx` passes every enabled rule (stops at the first failure).
pub fn passes(ctx: &PairCtx<'_>) -> bool {
    ctx.model
        .enabled_rules
        .iter()
        .all(|r| r.check(ctx).is_none())
}

/// Every enabled rule's result for `ctx`, in registry order.
pub fn evaluate_all(ctx: &PairCtx<'_>) -> Vec<(RuleCode, Option<Detail>)> {
    ctx.model
        .enabled_rules
        .iter()
        .map(|&r| (r, r.check(ctx)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_tables_are_in_enum_order_and_round_trip() {
        for (i, r) in RuleCode::ALL.into_iter().enumerate() {
            assert_eq!(TABLE[i].0, r);
            assert_eq!(RuleCode::parse(r.as_str()), Some(r));
        }
        for (i, c) in UnplacedCode::ALL.into_iter().enumerate() {
            assert_eq!(UNPLACED_TABLE[i].0, c);
            assert_eq!(UnplacedCode::parse(c.as_str()), Some(c));
            assert!(!c.name().is_empty() && c.sentence().ends_with('.'));
        }
    }
}
