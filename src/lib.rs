//! # Homeward
//!
//! Foster-care placement matching: which carer households fit a child, and
//! why. Data flows one way: [`io`] → [`domain`] → [`geo`] → [`scoring`] →
//! ranked matches.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod domain;
pub mod geo;
pub mod io;
pub mod scoring;
