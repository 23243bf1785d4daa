//! # Homeward
//!
//! Foster-care placement matching: which carer households fit a child, and
//! why. Layers, lowest first; a module uses only its own layer and those
//! before it (checked by `tests/architecture.rs`): [`domain`] (children,
//! carers, institutions, sibling groups) → [`geo`] (travel times) →
//! [`scoring`] (hard rules, soft criteria, ranked matches) → [`solve`]
//! (placement plans) → the formats, each beside what it serialises:
//! [`dataset`] (CSV/JSON data sets, validation), [`report`] (rank and explain
//! documents), [`instance_json`] (planner instance exchange),
//! [`plan_document`] (the plan document and its independent checker) →
//! [`synth`] (synthetic generators) → [`sim`] → [`store`] → [`api`].
//!
//! ```
//! use homeward::{dataset, scoring::{Model, Scorer}};
//! use chrono::NaiveDate;
//!
//! let data = dataset::load(std::path::Path::new("fixtures/small"))?;
//! let model = Model::load("default")?;
//! let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
//! let scorer = Scorer::new(&data, &model, as_of);
//! let ranking = scorer.rank(&scorer.unit_of_id("K1")?, 10);
//!
//! // Best first, with a breakdown that adds up exactly to the score.
//! let best = &ranking.matches[0];
//! assert_eq!(data.carer(best.carer).id.as_str(), "H1");
//! assert_eq!(best.score.total, 8636); // hundredths of a point: 86.36
//! assert_eq!(best.score.breakdown.iter().map(|c| c.contribution).sum::<u32>(), 8636);
//! // Every household left out is counted under the rules it fails.
//! assert_eq!(ranking.eligible + ranking.excluded, data.carers.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod dataset;
pub mod domain;
pub mod geo;
pub mod instance_json;
pub mod plan_document;
pub mod report;
pub mod scoring;
pub mod sim;
pub mod solve;
pub mod store;
pub mod synth;
