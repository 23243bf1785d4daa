//! Integration tests for the data-set loader (`homeward::dataset`): every test
//! copies the valid hand-made fixture `fixtures/small` into a temporary
//! folder, breaks exactly one thing, loads it and checks that the error names
//! the right file, line (or JSON path) and field, and says what is wrong and
//! how to fix it.

use homeward::dataset::format::CHILDREN;
use homeward::dataset::table::MAX_ERRORS_PER_FILE;
use homeward::dataset::{
    DataError, InputError, load, load_csv_dir, load_json, write_csv_dir, write_json,
};
use homeward::domain::DataSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tempfile::TempDir;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Errors allowed from one file: `MAX_ERRORS_PER_FILE` plus the loader's
/// summary line ("more errors not shown"), with a little slack.
const ERROR_BOUND_PER_FILE: usize = 210;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/small")
}

/// A fresh copy of `fixtures/small` (CSV files only) in a temporary folder.
fn copy_fixture() -> TempDir {
    let tmp = tempfile::tempdir().expect("create temp dir");
    for entry in std::fs::read_dir(fixture_dir()).expect("read fixtures/small") {
        let entry = entry.expect("dir entry");
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "csv") {
            std::fs::copy(&path, tmp.path().join(entry.file_name())).expect("copy fixture file");
        }
    }
    tmp
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).expect("read fixture copy")
}

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).expect("write fixture copy");
}

fn lines_of(dir: &Path, file: &str) -> Vec<String> {
    read(dir, file).lines().map(str::to_owned).collect()
}

fn write_lines(dir: &Path, file: &str, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    write(dir, file, &text);
}

/// Replaces 1-based `line` (the header is line 1) of `file`.
fn replace_line(dir: &Path, file: &str, line: usize, new: &str) {
    let mut lines = lines_of(dir, file);
    lines[line - 1] = new.to_owned();
    write_lines(dir, file, &lines);
}

/// Appends one row to `file`; returns its 1-based line number.
fn append_line(dir: &Path, file: &str, new: &str) -> u64 {
    let mut lines = lines_of(dir, file);
    lines.push(new.to_owned());
    write_lines(dir, file, &lines);
    lines.len() as u64
}

/// Sets `column` on 1-based `line` of `file`. The fixture has no quoted
/// fields, so splitting on ',' is exact.
fn set_cell(dir: &Path, file: &str, line: usize, column: &str, value: &str) {
    let mut lines = lines_of(dir, file);
    let c = lines[0]
        .split(',')
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("{file} has no column {column}"));
    let mut cells: Vec<String> = lines[line - 1].split(',').map(str::to_owned).collect();
    cells[c] = value.to_owned();
    lines[line - 1] = cells.join(",");
    write_lines(dir, file, &lines);
}

/// Removes `column` (header and every row) from `file`.
fn drop_column(dir: &Path, file: &str, column: &str) {
    let lines = lines_of(dir, file);
    let c = lines[0]
        .split(',')
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("{file} has no column {column}"));
    let out: Vec<String> = lines
        .iter()
        .map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            cells.remove(c);
            cells.join(",")
        })
        .collect();
    write_lines(dir, file, &out);
}

/// Appends a column named `header` with `value` in every row.
fn add_column(dir: &Path, file: &str, header: &str, value: &str) {
    let lines = lines_of(dir, file);
    let out: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{l},{}", if i == 0 { header } else { value }))
        .collect();
    write_lines(dir, file, &out);
}

fn show(errors: &[InputError]) -> String {
    errors
        .iter()
        .map(|e| format!("  - {e}  [{e:?}]"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads `path` and returns the errors; fails the test when it loads.
#[track_caller]
fn load_errors(path: &Path) -> Vec<InputError> {
    match load(path) {
        Ok(data) => panic!(
            "expected the data set to be rejected, but it loaded: {} children, {} carers",
            data.children.len(),
            data.carers.len()
        ),
        Err(DataError::Invalid { errors, .. }) => {
            assert!(!errors.is_empty(), "Invalid with no errors");
            for e in &errors {
                assert_clear(e);
            }
            errors
        }
        Err(other) => panic!("expected DataError::Invalid, got: {other}"),
    }
}

/// Every error must say what is wrong and how to fix it, and name its file.
#[track_caller]
fn assert_clear(e: &InputError) {
    assert!(!e.file.trim().is_empty(), "error without a file: {e:?}");
    assert!(
        !e.problem.trim().is_empty(),
        "error without a problem: {e:?}"
    );
    assert!(!e.fix.trim().is_empty(), "error without a fix: {e:?}");
    let shown = e.to_string();
    assert!(shown.contains(&e.file), "display lacks the file: {shown}");
    assert!(
        shown.contains(&e.problem),
        "display lacks the problem: {shown}"
    );
    assert!(shown.contains(&e.fix), "display lacks the fix: {shown}");
}

/// Finds the error at `file`/`line`/`field` whose problem contains `problem`
/// (case-insensitive); fails the test with the full list otherwise.
#[track_caller]
fn expect_error<'a>(
    errors: &'a [InputError],
    file: &str,
    line: Option<u64>,
    field: Option<&str>,
    problem: &str,
) -> &'a InputError {
    let needle = problem.to_lowercase();
    errors
        .iter()
        .find(|e| {
            e.file == file
                && e.line == line
                && e.field.as_deref() == field
                && e.problem.to_lowercase().contains(&needle)
        })
        .unwrap_or_else(|| {
            panic!(
                "no error at {file} line {line:?} field {field:?} with problem containing \
                 {problem:?}; got:\n{}",
                show(errors)
            )
        })
}

/// Like [`expect_error`] for JSON documents: located by path, not line.
#[track_caller]
fn expect_json_error<'a>(
    errors: &'a [InputError],
    file: &str,
    path: Option<&str>,
    field: Option<&str>,
    problem: &str,
) -> &'a InputError {
    let needle = problem.to_lowercase();
    errors
        .iter()
        .find(|e| {
            e.file == file
                && e.path.as_deref() == path
                && e.field.as_deref() == field
                && e.problem.to_lowercase().contains(&needle)
        })
        .unwrap_or_else(|| {
            panic!(
                "no error in {file} at {path:?} field {field:?} with problem containing \
                 {problem:?}; got:\n{}",
                show(errors)
            )
        })
}

fn load_fixture() -> DataSet {
    load(&fixture_dir()).unwrap_or_else(|e| panic!("fixtures/small must load: {e}"))
}

// ---------------------------------------------------------------------------
// The valid fixture
// ---------------------------------------------------------------------------

#[test]
fn loads_valid_fixture_with_expected_counts() {
    let dir = copy_fixture();
    let data = load(dir.path()).unwrap_or_else(|e| panic!("valid fixture rejected: {e}"));
    assert_eq!(data.children.len(), 5);
    assert_eq!(data.carers.len(), 8);
    assert_eq!(data.places.len(), 4);
    assert_eq!(data.institutions.len(), 1);
    assert_eq!(data.sibling_links.len(), 2);
    let roads = data.roads.as_ref().expect("roads.csv is present");
    assert_eq!(roads.len(), 4);
    assert_eq!(data, load_csv_dir(dir.path()).expect("load_csv_dir"));
}

#[test]
fn round_trips_valid_fixture_through_json() {
    let data = load_fixture();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("small.json");
    write_json(&data, &path, None).expect("write_json");
    let back = load_json(&path).unwrap_or_else(|e| panic!("written JSON rejected: {e}"));
    assert_eq!(back, data);
    // `load` dispatches a file to the JSON reader.
    assert_eq!(load(&path).expect("load json"), data);
}

#[test]
fn round_trips_valid_fixture_through_csv_dir() {
    let data = load_fixture();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_csv_dir(&data, &out).expect("write_csv_dir");
    let back = load_csv_dir(&out).unwrap_or_else(|e| panic!("written CSV rejected: {e}"));
    assert_eq!(back, data);
}

#[test]
fn reports_missing_data_set_path_as_unreadable() {
    let tmp = tempfile::tempdir().unwrap();
    match load(&tmp.path().join("nope")) {
        Err(DataError::Unreadable { path, reason }) => {
            assert!(path.contains("nope"));
            assert!(!reason.is_empty());
        }
        other => panic!("expected Unreadable, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Header and row shape
// ---------------------------------------------------------------------------

#[test]
fn rejects_missing_required_column_naming_header_and_column() {
    let dir = copy_fixture();
    drop_column(dir.path(), "children.csv", "sex");
    let errors = load_errors(dir.path());
    expect_error(
        &errors,
        "children.csv",
        Some(1),
        Some("sex"),
        "required column is missing",
    );
}

#[test]
fn rejects_unknown_extra_column_naming_header_and_column() {
    let dir = copy_fixture();
    add_column(dir.path(), "children.csv", "favourite_colour", "blue");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "children.csv",
        Some(1),
        Some("favourite_colour"),
        "unknown column",
    );
    assert!(
        e.fix.contains("birth_date"),
        "fix lists the known columns: {e}"
    );
}

#[test]
fn rejects_duplicate_header_column() {
    let dir = copy_fixture();
    add_column(dir.path(), "children.csv", "sex", "F");
    let errors = load_errors(dir.path());
    expect_error(
        &errors,
        "children.csv",
        Some(1),
        Some("sex"),
        "appears twice",
    );
}

#[test]
fn rejects_row_with_too_many_fields_naming_line() {
    let dir = copy_fixture();
    let lines = lines_of(dir.path(), "children.csv");
    replace_line(
        dir.path(),
        "children.csv",
        3,
        &format!("{},extra", lines[2]),
    );
    let errors = load_errors(dir.path());
    let e = expect_error(&errors, "children.csv", Some(3), None, "fields");
    assert!(e.problem.contains("14") && e.problem.contains("13"), "{e}");
}

#[test]
fn rejects_row_with_too_few_fields_naming_line() {
    let dir = copy_fixture();
    let lines = lines_of(dir.path(), "children.csv");
    let short = lines[3].rsplit_once(',').unwrap().0.to_owned();
    replace_line(dir.path(), "children.csv", 4, &short);
    let errors = load_errors(dir.path());
    let e = expect_error(&errors, "children.csv", Some(4), None, "fields");
    assert!(e.problem.contains("12") && e.problem.contains("13"), "{e}");
}

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

fn assert_bad_birth_date(value: &str) {
    let dir = copy_fixture();
    set_cell(dir.path(), "children.csv", 3, "birth_date", value);
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "children.csv",
        Some(3),
        Some("birth_date"),
        "not a valid date",
    );
    assert_eq!(e.value.as_deref(), Some(value));
    assert_eq!(e.record.as_deref(), Some("K2"));
    assert!(e.fix.contains("YYYY-MM-DD"), "{e}");
}

#[test]
fn rejects_month_13_naming_line_and_field() {
    assert_bad_birth_date("2020-13-01");
}

#[test]
fn rejects_february_30_naming_line_and_field() {
    assert_bad_birth_date("2020-02-30");
}

#[test]
fn rejects_non_date_text_naming_line_and_field() {
    assert_bad_birth_date("yesterday");
}

#[test]
fn rejects_entered_care_before_birth_date() {
    let dir = copy_fixture();
    // K1 was born 2018-03-01.
    set_cell(dir.path(), "children.csv", 2, "entered_care", "2017-01-01");
    let errors = load_errors(dir.path());
    expect_error(
        &errors,
        "children.csv",
        Some(2),
        Some("entered_care"),
        "before the birth date",
    );
}

// ---------------------------------------------------------------------------
// References and duplicate ids
// ---------------------------------------------------------------------------

#[test]
fn rejects_unknown_place_id_naming_line_and_field() {
    let dir = copy_fixture();
    set_cell(dir.path(), "carers.csv", 4, "place_id", "P9");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "carers.csv",
        Some(4),
        Some("place_id"),
        "unknown place id",
    );
    assert_eq!(e.value.as_deref(), Some("P9"));
    assert_eq!(e.record.as_deref(), Some("H3"));
}

#[test]
fn rejects_unknown_institution_id_naming_line_and_field() {
    let dir = copy_fixture();
    set_cell(dir.path(), "children.csv", 3, "institution_id", "I9");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "children.csv",
        Some(3),
        Some("institution_id"),
        "unknown institution id",
    );
    assert_eq!(e.value.as_deref(), Some("I9"));
}

#[test]
fn rejects_unknown_kin_carer_id_naming_line_and_field() {
    let dir = copy_fixture();
    set_cell(dir.path(), "children.csv", 5, "kin_carer_ids", "H6;H99");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "children.csv",
        Some(5),
        Some("kin_carer_ids"),
        "unknown carer id",
    );
    assert_eq!(e.value.as_deref(), Some("H99"));
}

#[test]
fn rejects_unknown_child_id_in_siblings_naming_line_and_field() {
    let dir = copy_fixture();
    let line = append_line(dir.path(), "siblings.csv", "K2,K9,true,");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "siblings.csv",
        Some(line),
        Some("sibling_id"),
        "unknown child id",
    );
    assert_eq!(e.value.as_deref(), Some("K9"));
}

#[test]
fn rejects_duplicate_child_id_naming_first_line() {
    let dir = copy_fixture();
    let line = append_line(
        dir.path(),
        "children.csv",
        "K1,2018-03-01,F,I1,,P1,P3,,sr,long_term,2020-01-01,,",
    );
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "children.csv",
        Some(line),
        Some("id"),
        "duplicate id",
    );
    assert!(e.problem.contains("line 2"), "names the first line: {e}");
}

#[test]
fn rejects_duplicate_carer_id_naming_first_line() {
    let dir = copy_fixture();
    let lines = lines_of(dir.path(), "carers.csv");
    let line = append_line(dir.path(), "carers.csv", &lines[1]);
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "carers.csv",
        Some(line),
        Some("id"),
        "duplicate id",
    );
    assert!(e.problem.contains("line 2"), "names the first line: {e}");
}

#[test]
fn rejects_duplicate_place_id_naming_first_line() {
    let dir = copy_fixture();
    let line = append_line(
        dir.path(),
        "places.csv",
        "P1,Epsilon,RS,East,43.0,21.0,1000",
    );
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "places.csv",
        Some(line),
        Some("id"),
        "duplicate id",
    );
    assert!(e.problem.contains("line 2"), "names the first line: {e}");
}

#[test]
fn rejects_child_in_two_institutions() {
    let dir = copy_fixture();
    append_line(
        dir.path(),
        "institutions.csv",
        "I2,Delta Group Home,P4,small_group_home,8,",
    );
    let line = append_line(
        dir.path(),
        "children.csv",
        "K1,2018-03-01,F,I2,,P1,P3,,sr,long_term,2020-01-01,,",
    );
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "children.csv",
        Some(line),
        Some("institution_id"),
        "two institutions",
    );
    assert!(e.problem.contains("line 2"), "names the first line: {e}");
    let v = e.value.as_deref().unwrap_or_default();
    assert!(v.contains("I1") && v.contains("I2"), "names both: {e}");
}

// ---------------------------------------------------------------------------
// Numbers and ranges
// ---------------------------------------------------------------------------

#[test]
fn rejects_zero_institution_capacity() {
    let dir = copy_fixture();
    set_cell(dir.path(), "institutions.csv", 2, "capacity", "0");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "institutions.csv",
        Some(2),
        Some("capacity"),
        "out of range",
    );
    assert_eq!(e.value.as_deref(), Some("0"));
}

#[test]
fn rejects_negative_institution_capacity() {
    let dir = copy_fixture();
    set_cell(dir.path(), "institutions.csv", 2, "capacity", "-3");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "institutions.csv",
        Some(2),
        Some("capacity"),
        "out of range",
    );
    assert_eq!(e.value.as_deref(), Some("-3"));
}

#[test]
fn rejects_zero_approved_places() {
    let dir = copy_fixture();
    set_cell(dir.path(), "carers.csv", 2, "approved_places", "0");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "carers.csv",
        Some(2),
        Some("approved_places"),
        "out of range",
    );
    assert_eq!(e.record.as_deref(), Some("H1"));
}

#[test]
fn rejects_inverted_age_range_naming_line_and_field() {
    let dir = copy_fixture();
    set_cell(dir.path(), "carers.csv", 5, "min_age", "12");
    set_cell(dir.path(), "carers.csv", 5, "max_age", "4");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "carers.csv",
        Some(5),
        Some("max_age"),
        "age range is inverted",
    );
    assert_eq!(e.record.as_deref(), Some("H4"));
}

#[test]
fn rejects_inverted_preferred_age_range_naming_line_and_field() {
    let dir = copy_fixture();
    set_cell(dir.path(), "carers.csv", 2, "pref_min_age", "12");
    set_cell(dir.path(), "carers.csv", 2, "pref_max_age", "4");
    let errors = load_errors(dir.path());
    expect_error(
        &errors,
        "carers.csv",
        Some(2),
        Some("pref_max_age"),
        "preferred age range is inverted",
    );
}

#[test]
fn rejects_latitude_above_90() {
    let dir = copy_fixture();
    set_cell(dir.path(), "places.csv", 2, "lat", "91");
    let errors = load_errors(dir.path());
    let e = expect_error(&errors, "places.csv", Some(2), Some("lat"), "out of range");
    assert_eq!(e.value.as_deref(), Some("91"));
}

#[test]
fn rejects_longitude_below_minus_180() {
    let dir = copy_fixture();
    set_cell(dir.path(), "places.csv", 3, "lon", "-181");
    let errors = load_errors(dir.path());
    let e = expect_error(&errors, "places.csv", Some(3), Some("lon"), "out of range");
    assert_eq!(e.value.as_deref(), Some("-181"));
}

#[test]
fn rejects_non_numeric_latitude() {
    let dir = copy_fixture();
    set_cell(dir.path(), "places.csv", 4, "lat", "abc");
    let errors = load_errors(dir.path());
    let e = expect_error(&errors, "places.csv", Some(4), Some("lat"), "not a number");
    assert_eq!(e.value.as_deref(), Some("abc"));
}

// ---------------------------------------------------------------------------
// Sibling links
// ---------------------------------------------------------------------------

#[test]
fn rejects_self_sibling_link() {
    let dir = copy_fixture();
    let line = append_line(dir.path(), "siblings.csv", "K1,K1,true,");
    let errors = load_errors(dir.path());
    expect_error(
        &errors,
        "siblings.csv",
        Some(line),
        Some("sibling_id"),
        "own sibling",
    );
}

#[test]
fn rejects_sibling_link_listed_twice() {
    let dir = copy_fixture();
    let line = append_line(dir.path(), "siblings.csv", "K2,K3,true,");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "siblings.csv",
        Some(line),
        Some("sibling_id"),
        "listed twice",
    );
    assert!(e.problem.contains("line 2"), "names the first line: {e}");
}

#[test]
fn rejects_sibling_link_listed_twice_in_reversed_order() {
    let dir = copy_fixture();
    let line = append_line(dir.path(), "siblings.csv", "K3,K2,true,");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "siblings.csv",
        Some(line),
        Some("sibling_id"),
        "listed twice",
    );
    assert!(e.problem.contains("line 2"), "names the first line: {e}");
}

#[test]
fn rejects_apart_link_inside_keep_together_group() {
    let dir = copy_fixture();
    // K2–K3 (line 2) are kept together; K1–K2 joins K1 to their group, so
    // K1 and K3 cannot also be kept apart.
    append_line(dir.path(), "siblings.csv", "K1,K2,true,");
    let line = append_line(dir.path(), "siblings.csv", "K1,K3,false,court order");
    let errors = load_errors(dir.path());
    assert_eq!(
        errors.len(),
        1,
        "only the apart link is wrong:\n{}",
        show(&errors)
    );
    let e = expect_error(
        &errors,
        "siblings.csv",
        Some(line),
        Some("keep_together"),
        "apart",
    );
    let record = e.record.as_deref().unwrap_or_default();
    assert!(record.contains("K1") && record.contains("K3"), "{e}");
}

#[test]
fn rejects_apart_link_without_reason() {
    let dir = copy_fixture();
    let line = append_line(dir.path(), "siblings.csv", "K1,K2,false,");
    let errors = load_errors(dir.path());
    expect_error(
        &errors,
        "siblings.csv",
        Some(line),
        Some("reason"),
        "reason is required",
    );
}

// ---------------------------------------------------------------------------
// Encoding and whole files
// ---------------------------------------------------------------------------

#[test]
fn rejects_invalid_utf8_value_naming_line_and_field() {
    let dir = copy_fixture();
    let mut bytes = read(dir.path(), "places.csv").into_bytes();
    let at = bytes
        .windows(4)
        .position(|w| w == b"Beta")
        .expect("P2 is named Beta");
    // "Beta" → "Be\xff\xfeta" on line 3.
    bytes.splice(at + 2..at + 2, [0xff, 0xfe]);
    std::fs::write(dir.path().join("places.csv"), bytes).unwrap();
    let errors = load_errors(dir.path());
    let e = expect_error(&errors, "places.csv", Some(3), Some("name"), "utf-8");
    assert!(e.fix.contains("UTF-8"), "{e}");
}

#[test]
fn rejects_empty_children_file() {
    let dir = copy_fixture();
    write(dir.path(), "children.csv", "");
    let errors = load_errors(dir.path());
    let e = expect_error(&errors, "children.csv", Some(1), None, "file is empty");
    assert!(e.fix.contains("birth_date"), "fix shows the header: {e}");
}

#[test]
fn accepts_header_only_children_file() {
    let dir = copy_fixture();
    let header = lines_of(dir.path(), "children.csv").remove(0);
    write(dir.path(), "children.csv", &format!("{header}\n"));
    // The sibling links name children, so they go too.
    let header = lines_of(dir.path(), "siblings.csv").remove(0);
    write(dir.path(), "siblings.csv", &format!("{header}\n"));
    let data = load(dir.path()).unwrap_or_else(|e| panic!("header-only children.csv: {e}"));
    assert_eq!(data.children.len(), 0);
    assert_eq!(data.carers.len(), 8);
}

#[test]
fn rejects_missing_required_file_naming_it() {
    let dir = copy_fixture();
    std::fs::remove_file(dir.path().join("carers.csv")).unwrap();
    let errors = load_errors(dir.path());
    expect_error(
        &errors,
        "carers.csv",
        None,
        None,
        "required file is missing",
    );
}

// ---------------------------------------------------------------------------
// Line endings and line numbers
// ---------------------------------------------------------------------------

const CSV_FILES: [&str; 6] = [
    "places.csv",
    "institutions.csv",
    "carers.csv",
    "children.csv",
    "siblings.csv",
    "roads.csv",
];

/// Rewrites every CSV file of `dir` with `eol` instead of "\n".
fn set_line_endings(dir: &Path, eol: &str) {
    for file in CSV_FILES {
        let text = read(dir, file).replace('\n', eol);
        write(dir, file, &text);
    }
}

#[test]
fn accepts_crlf_line_endings() {
    let dir = copy_fixture();
    set_line_endings(dir.path(), "\r\n");
    let data = load(dir.path()).unwrap_or_else(|e| panic!("CRLF fixture rejected: {e}"));
    assert_eq!(data, load_fixture());
}

#[test]
fn accepts_files_without_a_final_newline() {
    let dir = copy_fixture();
    for file in CSV_FILES {
        let text = read(dir.path(), file);
        write(dir.path(), file, text.trim_end_matches('\n'));
    }
    let data = load(dir.path()).unwrap_or_else(|e| panic!("fixture rejected: {e}"));
    assert_eq!(data, load_fixture());
}

#[test]
fn names_the_physical_line_after_a_quoted_value_spanning_lines() {
    let dir = copy_fixture();
    let text = read(dir.path(), "institutions.csv")
        .replace("Gamma Children's Home", "\"Gamma\nChildren's Home\"");
    write(dir.path(), "institutions.csv", &text);
    // Physical lines: header 1, I1 2–3, I2 4.
    let line = append_line(
        dir.path(),
        "institutions.csv",
        "I2,Delta Group Home,P9,small_group_home,8,",
    );
    assert_eq!(line, 4);
    let errors = load_errors(dir.path());
    assert_eq!(errors.len(), 1, "{}", show(&errors));
    expect_error(
        &errors,
        "institutions.csv",
        Some(4),
        Some("place_id"),
        "unknown place id",
    );
}

/// Excel on Windows writes CRLF. The `csv` crate numbers a record by the line
/// where the previous record's terminator began (rust-csv #395), so every row
/// is reported one line too early and the first row as line 1, the header.
#[test]
fn names_the_right_line_with_crlf_line_endings() {
    let dir = copy_fixture();
    set_cell(dir.path(), "children.csv", 2, "sex", "X");
    set_cell(dir.path(), "children.csv", 4, "sex", "X");
    set_line_endings(dir.path(), "\r\n");
    let errors = load_errors(dir.path());
    assert_eq!(errors.len(), 2, "{}", show(&errors));
    expect_error(&errors, "children.csv", Some(2), Some("sex"), "allowed");
    expect_error(&errors, "children.csv", Some(4), Some("sex"), "allowed");
}

/// The `csv` crate skips blank lines but numbers the next record by the blank
/// line (rust-csv #208).
#[test]
fn names_the_right_line_after_blank_lines() {
    let dir = copy_fixture();
    set_cell(dir.path(), "children.csv", 3, "sex", "X");
    let mut lines = lines_of(dir.path(), "children.csv");
    lines.insert(2, String::new());
    lines.insert(2, String::new());
    write_lines(dir.path(), "children.csv", &lines);
    // K2 is now on line 5, after two blank lines.
    let errors = load_errors(dir.path());
    assert_eq!(errors.len(), 1, "{}", show(&errors));
    expect_error(&errors, "children.csv", Some(5), Some("sex"), "allowed");
}

/// Lone CR line ends ("CSV (Macintosh)" from Excel for Mac): the rows parse,
/// but every row is numbered line 1.
#[test]
fn names_the_right_line_with_cr_line_endings() {
    let dir = copy_fixture();
    set_cell(dir.path(), "children.csv", 4, "sex", "X");
    set_line_endings(dir.path(), "\r");
    let errors = load_errors(dir.path());
    assert_eq!(errors.len(), 1, "{}", show(&errors));
    expect_error(&errors, "children.csv", Some(4), Some("sex"), "allowed");
}

/// The 1 MiB line limit counts only LF, so a valid CR-only file over 1 MiB is
/// rejected as "a line is longer than 1048576 bytes".
#[test]
fn accepts_cr_line_endings_in_a_file_over_1_mib() {
    let dir = copy_fixture();
    let mut text = read(dir.path(), "places.csv");
    for i in 0..30_000 {
        text.push_str(&format!("X{i},Extra {i},RS,North,44.2,20.2,100\n"));
    }
    assert!(text.len() > 1 << 20);
    write(dir.path(), "places.csv", &text.replace('\n', "\r"));
    let data = load(dir.path()).unwrap_or_else(|e| panic!("CR-only places.csv: {e}"));
    assert_eq!(data.places.len(), 30_004);
}

// ---------------------------------------------------------------------------
// One error per mistake
// ---------------------------------------------------------------------------

/// A place row with a bad latitude is dropped; every carer, child and road
/// that names it is then told "unknown place id; use an id from places",
/// although the id is in places.csv (children rows already avoid this).
#[test]
fn reports_an_invalid_place_once_not_as_an_unknown_id_everywhere() {
    let dir = copy_fixture();
    set_cell(dir.path(), "places.csv", 2, "lat", "91");
    let errors = load_errors(dir.path());
    assert_eq!(errors.len(), 1, "{}", show(&errors));
    expect_error(&errors, "places.csv", Some(2), Some("lat"), "out of range");
}

#[test]
fn reports_an_invalid_institution_once_not_as_an_unknown_id_everywhere() {
    let dir = copy_fixture();
    set_cell(dir.path(), "institutions.csv", 2, "capacity", "0");
    let errors = load_errors(dir.path());
    assert_eq!(errors.len(), 1, "{}", show(&errors));
}

#[test]
fn reports_an_invalid_carer_once_not_as_an_unknown_id_everywhere() {
    let dir = copy_fixture();
    // H6 is K4's kin carer.
    set_cell(dir.path(), "carers.csv", 7, "approved_places", "0");
    let errors = load_errors(dir.path());
    assert_eq!(errors.len(), 1, "{}", show(&errors));
    expect_error(
        &errors,
        "carers.csv",
        Some(7),
        Some("approved_places"),
        "out of range",
    );
}

// ---------------------------------------------------------------------------
// Codes and enumerations
// ---------------------------------------------------------------------------

#[test]
fn rejects_unknown_need_code() {
    let dir = copy_fixture();
    set_cell(dir.path(), "children.csv", 3, "needs", "telepathy:2");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "children.csv",
        Some(3),
        Some("needs"),
        "unknown need code",
    );
    assert_eq!(e.value.as_deref(), Some("telepathy:2"));
    assert!(e.fix.contains("intellectual"), "fix lists the codes: {e}");
}

#[test]
fn rejects_need_severity_4() {
    let dir = copy_fixture();
    set_cell(dir.path(), "children.csv", 3, "needs", "intellectual:4");
    let errors = load_errors(dir.path());
    let e = expect_error(&errors, "children.csv", Some(3), Some("needs"), "severity");
    assert_eq!(e.value.as_deref(), Some("intellectual:4"));
}

#[test]
fn rejects_malformed_language_code() {
    let dir = copy_fixture();
    set_cell(dir.path(), "children.csv", 2, "languages", "Serbian!");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "children.csv",
        Some(2),
        Some("languages"),
        "not a language code",
    );
    assert_eq!(e.value.as_deref(), Some("Serbian!"));
}

#[test]
fn rejects_unknown_sex() {
    let dir = copy_fixture();
    set_cell(dir.path(), "children.csv", 2, "sex", "X");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "children.csv",
        Some(2),
        Some("sex"),
        "not an allowed value",
    );
    assert!(e.fix.contains('F') && e.fix.contains('M'), "{e}");
}

#[test]
fn rejects_unknown_placement_type() {
    let dir = copy_fixture();
    set_cell(dir.path(), "children.csv", 2, "placement_type", "forever");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "children.csv",
        Some(2),
        Some("placement_type"),
        "not an allowed value",
    );
    assert!(e.fix.contains("long_term"), "{e}");
}

#[test]
fn rejects_unknown_institution_kind() {
    let dir = copy_fixture();
    set_cell(dir.path(), "institutions.csv", 2, "kind", "hotel");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "institutions.csv",
        Some(2),
        Some("kind"),
        "not an allowed value",
    );
    assert!(e.fix.contains("small_group_home"), "{e}");
}

#[test]
fn rejects_unknown_carer_kind() {
    let dir = copy_fixture();
    set_cell(dir.path(), "carers.csv", 3, "kind", "hotel");
    let errors = load_errors(dir.path());
    let e = expect_error(
        &errors,
        "carers.csv",
        Some(3),
        Some("kind"),
        "not an allowed value",
    );
    assert!(e.fix.contains("foster"), "{e}");
}

// ---------------------------------------------------------------------------
// All errors at once
// ---------------------------------------------------------------------------

#[test]
fn reports_every_bad_row_of_a_file_at_once() {
    let dir = copy_fixture();
    set_cell(dir.path(), "children.csv", 2, "sex", "X");
    set_cell(dir.path(), "children.csv", 4, "birth_date", "2020-13-01");
    set_cell(dir.path(), "children.csv", 6, "placement_type", "forever");
    let errors = load_errors(dir.path());
    let mut lines: Vec<u64> = errors
        .iter()
        .filter(|e| e.file == "children.csv")
        .filter_map(|e| e.line)
        .collect();
    lines.sort_unstable();
    lines.dedup();
    assert!(errors.len() >= 3, "{}", show(&errors));
    assert_eq!(lines, [2, 4, 6], "{}", show(&errors));
    expect_error(&errors, "children.csv", Some(2), Some("sex"), "allowed");
    expect_error(&errors, "children.csv", Some(4), Some("birth_date"), "date");
    expect_error(
        &errors,
        "children.csv",
        Some(6),
        Some("placement_type"),
        "allowed",
    );
}

// ---------------------------------------------------------------------------
// Junk input: bounded time, errors and memory
// ---------------------------------------------------------------------------

/// Size of the junk files. The issue asks for 100 MB; generating and writing
/// it takes about a second in a debug build, and the loader stops reading at
/// the first over-long or unreadable header line, or after 200 bad rows, so
/// the full size is kept.
const JUNK_BYTES: usize = 100 * 1024 * 1024;

/// Peak-memory growth allowed while loading a junk file, in MiB.
const MAX_PEAK_GROWTH_MIB: u64 = 200;

/// xorshift64: deterministic pseudo-random bytes without the `rand` crate.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// Writes `prefix` and then `size` pseudo-random bytes to `path`, streaming
/// 1 MiB at a time. `newline_every`: `None` removes every '\n' and '\r';
/// `Some(n)` puts a '\n' after every `n` bytes.
fn write_junk(path: &Path, prefix: &[u8], size: usize, newline_every: Option<usize>) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = std::io::BufWriter::new(file);
    w.write_all(prefix).unwrap();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut buf = vec![0u8; 1 << 20];
    let mut written = 0;
    while written < size {
        for chunk in buf.chunks_exact_mut(8) {
            chunk.copy_from_slice(&rng.next().to_le_bytes());
        }
        match newline_every {
            None => {
                for b in &mut buf {
                    if *b == b'\n' || *b == b'\r' {
                        *b = b'x';
                    }
                }
            }
            Some(n) => {
                for b in buf.iter_mut().skip(n).step_by(n + 1) {
                    *b = b'\n';
                }
            }
        }
        let n = buf.len().min(size - written);
        w.write_all(&buf[..n]).unwrap();
        written += n;
    }
    w.flush().unwrap();
}

/// Serialises the tests that measure memory, so that they do not count each
/// other's allocations (all other tests allocate a few kilobytes).
static MEMORY: Mutex<()> = Mutex::new(());

/// Held by the tests that allocate more than a few kilobytes.
fn memory_lock() -> MutexGuard<'static, ()> {
    MEMORY.lock().unwrap_or_else(PoisonError::into_inner)
}

fn proc_status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `f`; returns its result, the time it took and how far the peak
/// resident memory of the process rose meanwhile, in MiB (Linux only; `None`
/// elsewhere). Writing 5 to `/proc/self/clear_refs` resets the peak to the
/// current size, so earlier tests do not hide growth; without it the growth
/// of the existing peak is used (which can only under-report).
fn measure<T>(f: impl FnOnce() -> T) -> (T, Duration, Option<u64>) {
    let _guard = memory_lock();
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let base = proc_status_kib(if reset { "VmRSS:" } else { "VmHWM:" });
    let started = Instant::now();
    let out = f();
    let elapsed = started.elapsed();
    let peak = proc_status_kib("VmHWM:");
    let growth = base.zip(peak).map(|(b, p)| p.saturating_sub(b) / 1024);
    (out, elapsed, growth)
}

/// Loads `dir` (measured); expects `DataError::Invalid` with at most
/// [`ERROR_BOUND_PER_FILE`] errors for children.csv, each clear and with a
/// short value, and peak memory growth below [`MAX_PEAK_GROWTH_MIB`].
#[track_caller]
fn assert_rejected_in_bounded_memory(dir: &Path) -> Vec<InputError> {
    let (result, elapsed, growth) = measure(|| load(dir));
    let errors = match result {
        Err(DataError::Invalid { errors, .. }) => errors,
        Err(other) => panic!("expected DataError::Invalid, got: {other}"),
        Ok(_) => panic!("junk children.csv was accepted"),
    };
    eprintln!(
        "loaded in {elapsed:?}, {} error(s), peak memory +{growth:?} MiB",
        errors.len()
    );
    for e in &errors {
        assert_clear(e);
        // Values are shortened, so no error carries the junk along.
        let v = e.value.as_deref().unwrap_or_default();
        assert!(v.chars().count() <= 81, "long value in {e:?}");
    }
    let in_children = errors.iter().filter(|e| e.file == "children.csv").count();
    assert!(in_children >= 1, "{}", show(&errors));
    assert!(
        in_children <= ERROR_BOUND_PER_FILE,
        "{in_children} errors for children.csv (limit {MAX_ERRORS_PER_FILE} per file)"
    );
    if let Some(growth) = growth {
        assert!(
            growth < MAX_PEAK_GROWTH_MIB,
            "peak memory grew by {growth} MiB while loading"
        );
    }
    // Generous: a debug build on a slow CI machine.
    assert!(
        elapsed < Duration::from_secs(15),
        "loading took {elapsed:?}"
    );
    errors
}

/// Replaces children.csv with `prefix` + 100 MB of junk and checks that it is
/// rejected quickly, with bounded errors and without holding the junk.
fn assert_junk_rejected(prefix: &[u8], newline_every: Option<usize>) -> Vec<InputError> {
    let dir = copy_fixture();
    let path = dir.path().join("children.csv");
    write_junk(&path, prefix, JUNK_BYTES, newline_every);
    assert!(std::fs::metadata(&path).unwrap().len() >= JUNK_BYTES as u64);
    assert_rejected_in_bounded_memory(dir.path())
}

#[test]
fn rejects_100mb_of_junk_without_newlines_quickly_with_bounded_errors() {
    let errors = assert_junk_rejected(b"", None);
    // The header line alone is longer than 1 MiB.
    expect_error(&errors, "children.csv", None, None, "longer than");
}

#[test]
fn rejects_100mb_of_junk_with_newlines_quickly_with_bounded_errors() {
    let errors = assert_junk_rejected(b"", Some(100));
    // The first junk line is read as the header.
    assert!(
        errors
            .iter()
            .any(|e| e.file == "children.csv" && e.line == Some(1)),
        "{}",
        show(&errors)
    );
}

#[test]
fn rejects_100mb_of_junk_rows_after_a_valid_header_with_bounded_errors() {
    let header = format!("{}\n", lines_of(&fixture_dir(), "children.csv")[0]);
    let errors = assert_junk_rejected(header.as_bytes(), Some(100));
    let lines: std::collections::BTreeSet<u64> = errors
        .iter()
        .filter(|e| e.file == "children.csv")
        .filter_map(|e| e.line)
        .collect();
    assert!(lines.len() > 100, "one error per junk row: {lines:?}");
}

/// `rows` well-formed CSV rows (right number of fields, valid UTF-8) whose
/// values are all wrong: each yields about a dozen validation errors.
fn write_bad_value_rows(dir: &Path, rows: usize) {
    let header = lines_of(dir, "children.csv").remove(0);
    let row = vec!["x"; CHILDREN.columns.len()].join(",");
    let mut text = String::with_capacity(header.len() + rows * (row.len() + 1));
    text.push_str(&header);
    text.push('\n');
    for _ in 0..rows {
        text.push_str(&row);
        text.push('\n');
    }
    write(dir, "children.csv", &text);
}

#[test]
fn caps_errors_for_well_formed_rows_with_bad_values() {
    let _guard = memory_lock(); // many errors before the cap
    let dir = copy_fixture();
    write_bad_value_rows(dir.path(), 5_000);
    let errors = load_errors(dir.path());
    let in_children = errors.iter().filter(|e| e.file == "children.csv").count();
    assert!(
        in_children <= ERROR_BOUND_PER_FILE,
        "{in_children} errors for children.csv (limit {MAX_ERRORS_PER_FILE} per file)"
    );
    expect_error(&errors, "children.csv", Some(2), Some("sex"), "allowed");
}

#[test]
fn caps_errors_for_header_with_many_unknown_columns() {
    let _guard = memory_lock(); // many errors before the cap
    let dir = copy_fixture();
    let header = lines_of(dir.path(), "children.csv").remove(0);
    write(
        dir.path(),
        "children.csv",
        &format!("{header}{}\n", ",".repeat(100_000)),
    );
    let errors = load_errors(dir.path());
    let in_children = errors.iter().filter(|e| e.file == "children.csv").count();
    assert!(
        in_children <= ERROR_BOUND_PER_FILE,
        "{in_children} errors for children.csv (limit {MAX_ERRORS_PER_FILE} per file)"
    );
}

#[test]
fn caps_errors_for_one_row_with_a_long_list_of_unknown_ids() {
    let _guard = memory_lock(); // many errors before the cap
    let dir = copy_fixture();
    let ids: Vec<String> = (0..50_000).map(|i| format!("Z{i}")).collect();
    set_cell(
        dir.path(),
        "children.csv",
        5,
        "kin_carer_ids",
        &ids.join(";"),
    );
    let errors = load_errors(dir.path());
    let in_children = errors.iter().filter(|e| e.file == "children.csv").count();
    assert!(
        in_children <= ERROR_BOUND_PER_FILE,
        "{in_children} errors for children.csv (limit {MAX_ERRORS_PER_FILE} per file)"
    );
    expect_error(
        &errors,
        "children.csv",
        Some(5),
        Some("kin_carer_ids"),
        "unknown carer id",
    );
}

/// 2 MiB of well-formed rows with bad values (~80,000 rows, ~1 million
/// problems): the reported errors are capped, but every one of them is built
/// first, so peak memory grows by several hundred MiB (and 100 MB of such rows
/// needs tens of GiB).
#[test]
fn validates_well_formed_junk_rows_in_bounded_memory() {
    let dir = copy_fixture();
    write_bad_value_rows(dir.path(), (2 << 20) / (2 * CHILDREN.columns.len()));
    assert_rejected_in_bounded_memory(dir.path());
}

/// A header line just under the 1 MiB line limit made of empty column names:
/// one "unknown column" error each (about a million) before the cap.
#[test]
fn reads_header_with_many_unknown_columns_in_bounded_memory() {
    let dir = copy_fixture();
    let header = lines_of(dir.path(), "children.csv").remove(0);
    let commas = ",".repeat(1_000_000);
    write(dir.path(), "children.csv", &format!("{header}{commas}\n"));
    assert_rejected_in_bounded_memory(dir.path());
}

// ---------------------------------------------------------------------------
// JSON documents
// ---------------------------------------------------------------------------

/// The fixture as a JSON value (as written by `write_json`).
fn fixture_json() -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("small.json");
    write_json(&load_fixture(), &path, None).expect("write_json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Writes `text` as `data.json` in a temp dir and returns its errors.
#[track_caller]
fn json_errors(text: &str) -> Vec<InputError> {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("data.json");
    std::fs::write(&path, text).unwrap();
    match load_json(&path) {
        Ok(_) => panic!("expected the JSON document to be rejected"),
        Err(DataError::Invalid { errors, .. }) => {
            assert!(!errors.is_empty());
            for e in &errors {
                assert_clear(e);
            }
            errors
        }
        Err(other) => panic!("expected DataError::Invalid, got: {other}"),
    }
}

#[test]
fn json_rejects_truncated_document_naming_line() {
    let text = serde_json::to_string_pretty(&fixture_json()).unwrap();
    let cut = &text[..text.len() / 2];
    let last_line = 1 + cut.matches('\n').count() as u64;
    assert!(last_line > 10, "the pretty document spans many lines");
    let errors = json_errors(cut);
    assert_eq!(errors.len(), 1, "{}", show(&errors));
    let e = expect_json_error(&errors, "data.json", None, None, "not valid json");
    assert_eq!(e.line, Some(last_line), "{e}");
}

#[test]
fn json_rejects_unknown_top_level_key() {
    let mut doc = fixture_json();
    doc["pets"] = serde_json::json!([]);
    let errors = json_errors(&doc.to_string());
    let e = expect_json_error(
        &errors,
        "data.json",
        None,
        Some("pets"),
        "unknown top-level key",
    );
    assert!(e.fix.contains("children"), "{e}");
}

#[test]
fn json_rejects_record_that_is_not_an_object() {
    let mut doc = fixture_json();
    doc["children"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!(42));
    let errors = json_errors(&doc.to_string());
    expect_json_error(
        &errors,
        "data.json",
        Some("children[5]"),
        None,
        "not an object",
    );
}

#[test]
fn json_rejects_unknown_field_naming_record_path() {
    let mut doc = fixture_json();
    doc["children"][1]["favourite_colour"] = serde_json::json!("blue");
    let errors = json_errors(&doc.to_string());
    let e = expect_json_error(
        &errors,
        "data.json",
        Some("children[1]"),
        Some("favourite_colour"),
        "unknown field",
    );
    assert!(e.fix.contains("birth_date"), "{e}");
}

#[test]
fn json_rejects_nested_object_value() {
    let mut doc = fixture_json();
    doc["children"][0]["sex"] = serde_json::json!({ "value": "F" });
    let errors = json_errors(&doc.to_string());
    expect_json_error(
        &errors,
        "data.json",
        Some("children[0]"),
        Some("sex"),
        "nested object",
    );
}

#[test]
fn json_rejects_inverted_age_range_naming_record_path_and_field() {
    let mut doc = fixture_json();
    assert_eq!(doc["carers"][3]["id"], "H4");
    doc["carers"][3]["min_age"] = serde_json::json!(12);
    doc["carers"][3]["max_age"] = serde_json::json!(4);
    let errors = json_errors(&doc.to_string());
    assert_eq!(errors.len(), 1, "{}", show(&errors));
    let e = expect_json_error(
        &errors,
        "data.json",
        Some("carers[3]"),
        Some("max_age"),
        "age range is inverted",
    );
    assert_eq!(e.line, None);
    assert_eq!(e.record.as_deref(), Some("H4"));
    assert!(e.to_string().contains("carers[3]"), "{e}");
}
