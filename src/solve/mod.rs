//! Placement plans: the integer program over units and households, its
//! solvers, the independent checker and exports.

pub mod instance;

pub use instance::{Assignment, Household, Instance, Pair, Unit};
