//! `homeward openapi`: the HTTP API's OpenAPI document.

use anyhow::Result;
use std::io::Write as _;

/// Runs `homeward openapi`.
pub fn run() -> Result<()> {
    outln!("{}", homeward::api::openapi_json());
    Ok(())
}
