//! The data-set format: files and columns. Documented in `docs/data-format.md`.

use super::table::{Column, FileSpec, Kind};

const fn req(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        required: true,
        kind,
    }
}
const fn opt(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        required: false,
        kind,
    }
}

/// `places.csv`.
pub const PLACES: FileSpec = FileSpec {
    name: "places",
    required: true,
    columns: &[
        req("id", Kind::Text),
        req("name", Kind::Text),
        opt("country", Kind::Text),
        req("region", Kind::Text),
        req("lat", Kind::Float),
        req("lon", Kind::Float),
        opt("population", Kind::Int),
    ],
};

/// `institutions.csv`.
pub const INSTITUTIONS: FileSpec = FileSpec {
    name: "institutions",
    required: false,
    columns: &[
        req("id", Kind::Text),
        req("name", Kind::Text),
        req("place_id", Kind::Text),
        req("kind", Kind::Text),
        req("capacity", Kind::Int),
        opt("planned_closure", Kind::Text),
    ],
};

/// `children.csv`.
pub const CHILDREN: FileSpec = FileSpec {
    name: "children",
    required: true,
    columns: &[
        req("id", Kind::Text),
        req("birth_date", Kind::Text),
        req("sex", Kind::Text),
        opt("institution_id", Kind::Text),
        opt("current_place_id", Kind::Text),
        req("birth_family_place_id", Kind::Text),
        opt("school_place_id", Kind::Text),
        opt("needs", Kind::List),
        req("languages", Kind::List),
        req("placement_type", Kind::Text),
        req("entered_care", Kind::Text),
        opt("kin_carer_ids", Kind::List),
        opt("heritage", Kind::Text),
    ],
};

/// `carers.csv`.
pub const CARERS: FileSpec = FileSpec {
    name: "carers",
    required: true,
    columns: &[
        req("id", Kind::Text),
        req("place_id", Kind::Text),
        req("kind", Kind::Text),
        req("approved_places", Kind::Int),
        opt("current_children", Kind::List),
        req("min_age", Kind::Int),
        req("max_age", Kind::Int),
        req("placement_types", Kind::List),
        opt("supported_needs", Kind::List),
        opt("accessible_home", Kind::Bool),
        req("languages", Kind::List),
        opt("pref_sex", Kind::Text),
        opt("pref_min_age", Kind::Int),
        opt("pref_max_age", Kind::Int),
        opt("accepts_sibling_groups", Kind::Bool),
        opt("status", Kind::Text),
        opt("heritage", Kind::Text),
    ],
};

/// `siblings.csv`.
pub const SIBLINGS: FileSpec = FileSpec {
    name: "siblings",
    required: false,
    columns: &[
        req("child_id", Kind::Text),
        req("sibling_id", Kind::Text),
        req("keep_together", Kind::Bool),
        opt("reason", Kind::Text),
    ],
};

/// `roads.csv` (optional; without it a k-nearest-neighbour graph is built).
pub const ROADS: FileSpec = FileSpec {
    name: "roads",
    required: false,
    columns: &[
        req("from_place_id", Kind::Text),
        req("to_place_id", Kind::Text),
        req("minutes", Kind::Float),
    ],
};

/// All files, in load order.
pub const FILES: [FileSpec; 6] = [PLACES, INSTITUTIONS, CARERS, CHILDREN, SIBLINGS, ROADS];
