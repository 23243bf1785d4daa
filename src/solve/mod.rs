//! Placement plans: the integer program over units and households, its
//! solvers, the independent checker and exports.

pub mod build;
pub mod check;
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
pub mod random;

pub use components::{Component, connected_components};
pub use exact::{
    Alternative, ComponentReport, Solution, SolveOptions, Status, StoppedBy, alternatives, solve,
};
pub use instance::{Assignment, Household, Instance, Pair, Unit};
pub use milp::{MilpError, PlacementMilp};
pub use mps::write_mps;
pub use random::{
    random_assignment_instance, random_dense_instance, random_instance, random_instance_grouped,
};
