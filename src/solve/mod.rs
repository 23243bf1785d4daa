//! Placement plans: the integer program over units and households, its
//! solvers, the independent checker and exports.

pub mod build;
pub mod check;
pub mod instance;
pub mod plan;

pub use instance::{Assignment, Household, Instance, Pair, Unit};
pub mod exact;
