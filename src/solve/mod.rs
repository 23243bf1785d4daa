//! Placement plans: the integer program over units and households, its
//! solvers, the independent checker and exports.

pub mod instance;
pub mod milp;
pub mod mps;

pub use instance::{Assignment, Household, Instance, Pair, Unit};
pub use milp::{MilpError, PlacementMilp};
pub use mps::write_mps;
