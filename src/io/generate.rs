//! Synthetic data sets (placeholder until the generator lands).
use crate::domain::DataSet;
/// Attribution.
pub const ATTRIBUTION: &str = "GeoNames";
/// Parameters.
pub struct GenParams {
    /// n
    pub children: usize,
    /// n
    pub carers: usize,
    /// s
    pub seed: u64,
    /// c
    pub country: String,
    /// d
    pub as_of: chrono::NaiveDate,
}
/// Error.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// x
    #[error("x")]
    X,
}
/// Generate.
pub fn generate(_p: &GenParams) -> Result<DataSet, GenError> {
    Err(GenError::X)
}
