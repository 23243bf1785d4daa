//! The data-set format: a folder of CSV files or one JSON document, its
//! column specifications, validation into a [`crate::domain::DataSet`]
//! (every error at once) and writing.

mod errors;
pub mod format;
mod load;
pub mod table;
mod write;

pub use errors::{DataError, ErrorCount, InputError};
pub use load::{
    dataset_from_csv_texts, dataset_from_json_value, load, load_csv_dir, load_json,
    tables_to_dataset,
};
pub use write::{dataset_to_json_map, write_csv_dir, write_json};
