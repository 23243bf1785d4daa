//! Synthetic data sets.
