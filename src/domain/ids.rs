//! Identifier newtypes (stable, public) and index newtypes (into a data set).

use std::fmt;

macro_rules! string_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

macro_rules! index {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// Index from a `usize` position (data sets hold < 2³² records).
            pub fn from_usize(i: usize) -> Self {
                Self(i as u32)
            }
            /// Position as `usize`.
            pub fn get(self) -> usize {
                self.0 as usize
            }
        }
    };
}

string_id!(
    /// Stable id of a place (GeoNames id in the fixtures).
    PlaceId
);
string_id!(
    /// Stable id of an institution.
    InstitutionId
);
string_id!(
    /// Pseudonymous id of a child.
    ChildId
);
string_id!(
    /// Stable id of a carer household.
    CarerId
);

index!(
    /// Position of a place in [`super::DataSet::places`].
    PlaceIx
);
index!(
    /// Position of an institution in [`super::DataSet::institutions`].
    InstitutionIx
);
index!(
    /// Position of a child in [`super::DataSet::children`].
    ChildIx
);
index!(
    /// Position of a carer in [`super::DataSet::carers`].
    CarerIx
);
