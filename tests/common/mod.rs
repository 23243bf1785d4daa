//! Helpers shared by the integration tests: each test file that needs them
//! says `mod common;`. A test binary uses only some of them, hence the
//! `dead_code` allowance for the whole module.
#![allow(dead_code)]

pub mod server;
pub mod sim;
pub mod solve;

use chrono::NaiveDate;
use homeward::domain::DataSet;
use std::path::PathBuf;
use std::process::Output;

/// A date written `YYYY-MM-DD` in a test.
pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

/// The day ages are taken on in the fixtures' hand-worked answers
/// (`fixtures/small/README.md`): 2026-06-01.
pub fn as_of() -> NaiveDate {
    date("2026-06-01")
}

/// The path of a bundled fixture (`small`, `serbia`, …).
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// A bundled fixture, loaded.
pub fn load(name: &str) -> DataSet {
    homeward::dataset::load(&fixture(name)).expect("the fixture loads")
}

/// `fixtures/small`, loaded.
pub fn small() -> DataSet {
    load("small")
}

/// The `homeward` binary, ready for arguments.
pub fn homeward() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("homeward").expect("homeward binary")
}

/// Standard output of a command that must have succeeded (its standard
/// error in the failure message otherwise).
pub fn success_stdout(out: &Output) -> &[u8] {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    &out.stdout
}
