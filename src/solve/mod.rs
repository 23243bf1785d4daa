//! Placement plans: the integer program over units and households, its
//! solvers and exports (the independent checker is in
//! [`crate::plan_document::check`]).

pub mod build;
// Index loops over parallel arrays read better than zipped iterators in the
// solver code.
#[allow(clippy::needless_range_loop)]
pub mod components;
#[allow(clippy::needless_range_loop)]
pub mod exact;
pub mod instance;
pub mod milp;
pub mod mps;
pub mod plan;

pub use components::{Component, connected_components};
pub use exact::{
    Alternative, ComponentReport, Solution, SolveOptions, Status, StoppedBy, alternatives, solve,
};
pub use instance::{Assignment, Household, Instance, Pair, Unit};
pub use milp::{MilpError, PlacementMilp};
pub use mps::write_mps;
