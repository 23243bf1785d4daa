//! `homeward models`: the built-in scoring models.

use anyhow::Result;
use homeward::scoring::Model;
use std::io::Write as _;

/// Runs `homeward models`: name, id@version and description of each.
pub fn run() -> Result<()> {
    for (name, text) in homeward::scoring::BUILTIN {
        let m = Model::from_toml(text, name)?;
        outln!("{name:<10} {}  {}", m.tag(), m.description);
    }
    Ok(())
}
