//! What can go wrong reading or writing a data set: one [`InputError`] per
//! problem found, counted by [`ErrorCount`], gathered in a [`DataError`].

use std::fmt;

/// One problem in an input file: where, which field, the bad value, what is
/// wrong and what would fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InputError {
    /// File name (`children.csv`) or JSON document.
    pub file: String,
    /// 1-based line (CSV; the header is line 1).
    pub line: Option<u64>,
    /// JSON path such as `children[3]`.
    pub path: Option<String>,
    /// Id of the record, when known.
    pub record: Option<String>,
    /// Field (column) name.
    pub field: Option<String>,
    /// The offending value (shortened).
    pub value: Option<String>,
    /// What is wrong.
    pub problem: String,
    /// How to fix it.
    pub fix: String,
    /// Set only on the line that closes a capped list of errors (`None` on
    /// every real error): how many more errors were found and not listed —
    /// at least this many, as reading and checking stop at the cap.
    #[serde(rename = "notShown", skip_serializing_if = "Option::is_none")]
    pub not_shown: Option<usize>,
}

impl InputError {
    /// The line that closes a capped list of `file`'s errors, standing for
    /// at least `not_shown` more.
    pub fn not_shown(file: &str, not_shown: usize, problem: String, fix: &str) -> InputError {
        InputError {
            file: file.to_owned(),
            line: None,
            path: None,
            record: None,
            field: None,
            value: None,
            problem,
            fix: fix.to_owned(),
            not_shown: Some(not_shown),
        }
    }
}

/// How many errors a list of [`InputError`]s stands for: the ones listed,
/// and, when a cap cut the list, at least how many were found in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCount {
    /// Real errors listed (closing "not shown" lines excluded).
    pub listed: usize,
    /// Errors found: `listed` plus every closing line's `not_shown` (a
    /// lower bound when `capped`).
    pub at_least: usize,
    /// Whether a cap cut the list (some closing line is present).
    pub capped: bool,
}

impl ErrorCount {
    /// Counts `errors`.
    pub fn of(errors: &[InputError]) -> ErrorCount {
        let listed = errors.iter().filter(|e| e.not_shown.is_none()).count();
        let more: usize = errors.iter().filter_map(|e| e.not_shown).sum();
        ErrorCount {
            listed,
            at_least: listed + more,
            capped: errors.iter().any(|e| e.not_shown.is_some()),
        }
    }

    /// `3 error(s)`, or `first 200 of at least 201 error(s)` for a capped
    /// list (with `noun` instead of `error`).
    pub fn describe(self, noun: &str) -> String {
        if self.capped {
            format!(
                "first {} of at least {} {noun}(s)",
                self.listed, self.at_least
            )
        } else {
            format!("{} {noun}(s)", self.listed)
        }
    }
}

impl fmt::Display for ErrorCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe("error"))
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, " line {l}")?;
        }
        if let Some(p) = &self.path {
            write!(f, " {p}")?;
        }
        if let Some(r) = &self.record {
            write!(f, " (id {r})")?;
        }
        if let Some(fl) = &self.field {
            write!(f, ", field `{fl}`")?;
        }
        if let Some(v) = &self.value {
            write!(f, " = {v:?}")?;
        }
        write!(f, ": {}; fix: {}", self.problem, self.fix)
    }
}

/// Why a data set could not be loaded or written.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The data-set path does not exist or is not a folder/JSON file.
    #[error("cannot read data set {path}: {reason}")]
    Unreadable {
        /// The path given.
        path: String,
        /// Why.
        reason: String,
    },
    /// The data set has errors; all of them are listed.
    #[error(
        "data set {path} has {}:\n{}",
        ErrorCount::of(errors),
        join_errors(errors)
    )]
    Invalid {
        /// The path given.
        path: String,
        /// Every problem found.
        errors: Vec<InputError>,
    },
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// Target path.
        path: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
}

fn join_errors(errors: &[InputError]) -> String {
    errors
        .iter()
        .map(|e| format!("  - {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}
