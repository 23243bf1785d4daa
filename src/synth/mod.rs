//! Every synthetic generator: data sets on real geography ([`dataset`]) and
//! the seeded random families of planner instances ([`instances`]).

pub mod dataset;
pub mod instances;

pub use instances::{
    random_assignment_instance, random_dense_instance, random_instance, random_instance_grouped,
};
