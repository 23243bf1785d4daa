//! Generic tables: the files of a data set as rows of optional text fields,
//! read from CSV or from one JSON document, with locations for error reports.
//!
//! Reading is bounded: a CSV line longer than [`MAX_LINE_BYTES`] stops the
//! file with an error (a 100 MB file of junk never becomes one 100 MB record),
//! and a file stops being read after [`MAX_ERRORS_PER_FILE`] errors.

use super::InputError;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Longest CSV line accepted, in bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Errors collected from one file before the rest of it is skipped.
pub const MAX_ERRORS_PER_FILE: usize = 200;

/// How a column's values are typed in JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text or an id.
    Text,
    /// Integer.
    Int,
    /// Decimal number.
    Float,
    /// `true` / `false`.
    Bool,
    /// `;`-separated list (a JSON array).
    List,
}

/// One column of a data-set file.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Header name.
    pub name: &'static str,
    /// Must be present in the header and non-empty in every row.
    pub required: bool,
    /// Value kind (for JSON output).
    pub kind: Kind,
}

/// One file of a data set.
#[derive(Debug, Clone, Copy)]
pub struct FileSpec {
    /// File stem: `children` → `children.csv` and the JSON key `children`.
    pub name: &'static str,
    /// Whether the file must exist.
    pub required: bool,
    /// Columns, in output order.
    pub columns: &'static [Column],
}

impl FileSpec {
    /// CSV file name.
    pub fn csv_name(&self) -> String {
        format!("{}.csv", self.name)
    }
    /// Position of column `name`.
    pub fn col(&self, name: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .unwrap_or(usize::MAX)
    }
}

/// Where a row came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    /// File name (`children.csv`) or JSON document name.
    pub file: String,
    /// 1-based line in a CSV file (the header is line 1).
    pub line: Option<u64>,
    /// JSON path such as `children[3]`.
    pub path: Option<String>,
}

/// A row: values in the order of [`FileSpec::columns`]; `None` = absent/empty.
#[derive(Debug, Clone)]
pub struct Row {
    /// Origin, for errors.
    pub loc: Loc,
    /// Values, trimmed; empty text is `None`.
    pub values: Vec<Option<String>>,
}

/// All rows of one file (empty when an optional file is absent).
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Whether the file was present.
    pub present: bool,
    /// Rows in file order.
    pub rows: Vec<Row>,
}

/// A reader that fails once a line exceeds [`MAX_LINE_BYTES`], so that memory
/// stays bounded whatever the input. It also turns CRLF and lone CR line ends
/// into LF and makes sure the text ends with LF: the `csv` crate counts lines
/// by LF only, and mis-numbers records after a CRLF (rust-csv #395).
struct LineLimit<R> {
    inner: R,
    since_newline: usize,
    /// The last byte read was CR (a following LF is dropped).
    after_cr: bool,
    /// Something was emitted and the last emitted byte was not LF.
    open_line: bool,
    done: bool,
}

impl<R> LineLimit<R> {
    fn new(inner: R) -> Self {
        LineLimit {
            inner,
            since_newline: 0,
            after_cr: false,
            open_line: false,
            done: false,
        }
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.done {
                return Ok(0);
            }
            let n = self.inner.read(buf)?;
            if n == 0 {
                self.done = true;
                if self.open_line {
                    self.open_line = false;
                    buf[0] = b'\n';
                    return Ok(1);
                }
                return Ok(0);
            }
            let mut w = 0;
            for r in 0..n {
                let mut b = buf[r];
                if b == b'\n' && self.after_cr {
                    self.after_cr = false;
                    continue; // the LF of a CRLF
                }
                self.after_cr = b == b'\r';
                if b == b'\r' {
                    b = b'\n';
                }
                if b == b'\n' {
                    self.since_newline = 0;
                } else {
                    self.since_newline += 1;
                    if self.since_newline > MAX_LINE_BYTES {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("a line is longer than {MAX_LINE_BYTES} bytes"),
                        ));
                    }
                }
                buf[w] = b;
                w += 1;
            }
            if w > 0 {
                self.open_line = buf[w - 1] != b'\n';
                return Ok(w);
            }
        }
    }
}

/// 1-based line where `record` starts. `end_line` is the reader's line after
/// the record, i.e. the line after its (LF) terminator. Counting back from the
/// end, rather than using the record's own position, is right also after
/// blank lines, which the `csv` crate skips but counts against the next
/// record (rust-csv #208).
fn start_line(record: &csv::ByteRecord, end_line: u64) -> u64 {
    let inner: u64 = record
        .iter()
        .map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64)
        .sum();
    end_line.saturating_sub(1 + inner).max(1)
}

fn err(
    loc: &Loc,
    field: Option<&str>,
    value: Option<&str>,
    problem: String,
    fix: &str,
) -> InputError {
    InputError {
        file: loc.file.clone(),
        line: loc.line,
        path: loc.path.clone(),
        record: None,
        field: field.map(str::to_owned),
        value: value.map(|v| truncate(v, 80)),
        problem,
        fix: fix.to_owned(),
        not_shown: None,
    }
}

/// Shortens `v` to at most `max` characters for error messages.
pub fn truncate(v: &str, max: usize) -> String {
    if v.chars().count() <= max {
        v.to_owned()
    } else {
        let mut s: String = v.chars().take(max).collect();
        s.push('…');
        s
    }
}

/// Reads `spec` from a CSV file at `path`; pushes problems to `errors`.
pub fn read_csv(spec: &FileSpec, path: &Path, errors: &mut Vec<InputError>) -> Table {
    let file_name = spec.csv_name();
    let file_loc = Loc {
        file: file_name.clone(),
        line: None,
        path: None,
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if spec.required {
                errors.push(err(
                    &file_loc,
                    None,
                    None,
                    "required file is missing".into(),
                    "add the file with its header row (see the data format in the README)",
                ));
            }
            return Table::default();
        }
        Err(e) => {
            errors.push(err(
                &file_loc,
                None,
                None,
                format!("cannot open: {e}"),
                "check the path and permissions",
            ));
            return Table::default();
        }
    };
    read_csv_from(spec, &file_name, BufReader::new(file), errors)
}

/// Reads `spec` from CSV text in `reader` (named `file_name` in errors).
pub fn read_csv_from<R: Read>(
    spec: &FileSpec,
    file_name: &str,
    reader: R,
    errors: &mut Vec<InputError>,
) -> Table {
    let start = errors.len();
    let limited = LineLimit::new(reader);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(limited);
    let loc_at = |line: u64| Loc {
        file: file_name.to_owned(),
        line: Some(line),
        path: None,
    };
    let mut table = Table {
        present: true,
        rows: Vec::new(),
    };
    let mut record = csv::ByteRecord::new();

    // Header.
    match rdr.read_byte_record(&mut record) {
        Ok(false) => {
            errors.push(err(
                &loc_at(1),
                None,
                None,
                "file is empty".into(),
                &format!("start the file with the header row: {}", header_hint(spec)),
            ));
            return table;
        }
        Err(e) => {
            errors.push(csv_error(file_name, &e));
            return table;
        }
        Ok(true) => {}
    }
    let mut mapping: Vec<Option<usize>> = Vec::with_capacity(record.len());
    let mut seen = vec![false; spec.columns.len()];
    let mut header_ok = true;
    for (i, raw) in record.iter().enumerate() {
        if errors.len() - start > MAX_ERRORS_PER_FILE {
            // A header of junk: enough said (the rest is summarised by the
            // loader's per-file cap).
            return table;
        }
        let name = match std::str::from_utf8(raw) {
            Ok(s) => s.trim().trim_start_matches('\u{feff}').to_owned(),
            Err(_) => {
                errors.push(err(
                    &loc_at(1),
                    None,
                    None,
                    format!("header column {} is not valid UTF-8", i + 1),
                    "save the file as UTF-8",
                ));
                header_ok = false;
                mapping.push(None);
                continue;
            }
        };
        match spec.columns.iter().position(|c| c.name == name) {
            Some(c) if seen[c] => {
                errors.push(err(
                    &loc_at(1),
                    Some(&name),
                    None,
                    "column appears twice in the header".into(),
                    "remove the duplicate column",
                ));
                header_ok = false;
                mapping.push(None);
            }
            Some(c) => {
                seen[c] = true;
                mapping.push(Some(c));
            }
            None => {
                errors.push(err(
                    &loc_at(1),
                    Some(&name),
                    None,
                    "unknown column".into(),
                    &format!("remove it or rename it to one of: {}", header_hint(spec)),
                ));
                header_ok = false;
                mapping.push(None);
            }
        }
    }
    for (c, col) in spec.columns.iter().enumerate() {
        if col.required && !seen[c] {
            errors.push(err(
                &loc_at(1),
                Some(col.name),
                None,
                "required column is missing".into(),
                "add the column to the header",
            ));
            header_ok = false;
        }
    }
    if !header_ok {
        return table;
    }

    // Rows.
    loop {
        if errors.len() - start >= MAX_ERRORS_PER_FILE {
            errors.push(InputError::not_shown(
                file_name,
                0,
                format!("too many errors; stopped reading after {MAX_ERRORS_PER_FILE}"),
                "fix the errors above and load again",
            ));
            break;
        }
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Err(e) => {
                errors.push(csv_error(file_name, &e));
                // An I/O error (over-long line, unreadable file) ends the file.
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
            }
            Ok(true) => {
                let line = start_line(&record, rdr.position().line());
                let loc = loc_at(line);
                if record.len() == 1
                    && record
                        .get(0)
                        .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
                {
                    continue; // blank line
                }
                if record.len() != mapping.len() {
                    errors.push(err(
                        &loc,
                        None,
                        None,
                        format!("row has {} fields but the header has {}", record.len(), mapping.len()),
                        "give every row exactly one value per header column (quote values containing commas)",
                    ));
                    continue;
                }
                let mut values = vec![None; spec.columns.len()];
                let mut ok = true;
                for (raw, target) in record.iter().zip(&mapping) {
                    let Some(c) = *target else { continue };
                    match std::str::from_utf8(raw) {
                        Ok(s) => {
                            let s = s.trim();
                            if !s.is_empty() {
                                values[c] = Some(s.to_owned());
                            }
                        }
                        Err(_) => {
                            errors.push(err(
                                &loc,
                                Some(spec.columns[c].name),
                                Some(&String::from_utf8_lossy(raw)),
                                "value is not valid UTF-8".into(),
                                "save the file as UTF-8",
                            ));
                            ok = false;
                        }
                    }
                }
                if ok {
                    table.rows.push(Row { loc, values });
                }
            }
        }
    }
    table
}

fn header_hint(spec: &FileSpec) -> String {
    spec.columns
        .iter()
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(",")
}

fn csv_error(file_name: &str, e: &csv::Error) -> InputError {
    let line = e.position().map(|p| p.line());
    let (problem, fix) = match e.kind() {
        csv::ErrorKind::Io(io) => (
            format!("cannot read: {io}"),
            "the file must be CSV text with lines under 1 MiB",
        ),
        csv::ErrorKind::Utf8 { .. } => (
            "text is not valid UTF-8".to_owned(),
            "save the file as UTF-8",
        ),
        _ => (
            format!("malformed CSV: {e}"),
            "check quoting and field counts",
        ),
    };
    InputError {
        file: file_name.to_owned(),
        line,
        path: None,
        record: None,
        field: None,
        value: None,
        problem,
        fix: fix.to_owned(),
        not_shown: None,
    }
}

/// Reads all `specs` from one JSON document: an object whose keys are the file
/// names (`places`, `children`, …), each an array of objects whose keys are the
/// column names. Values may be strings, numbers or booleans; list columns may
/// also be arrays. `attribution` (text) is allowed and ignored.
pub fn read_json<R: BufRead>(
    specs: &[FileSpec],
    doc_name: &str,
    reader: R,
    errors: &mut Vec<InputError>,
) -> Vec<Table> {
    let tables = vec![Table::default(); specs.len()];
    let value: serde_json::Value = match serde_json::from_reader(reader) {
        Ok(v) => v,
        Err(e) => {
            let loc = Loc {
                file: doc_name.to_owned(),
                line: Some(e.line() as u64),
                path: None,
            };
            errors.push(err(
                &loc,
                None,
                None,
                format!("not valid JSON: {e}"),
                "the document must be one JSON object (see the data format)",
            ));
            return tables;
        }
    };
    read_json_value(specs, doc_name, &value, errors)
}

/// Like [`read_json`], from an already parsed JSON value.
pub fn read_json_value(
    specs: &[FileSpec],
    doc_name: &str,
    value: &serde_json::Value,
    errors: &mut Vec<InputError>,
) -> Vec<Table> {
    let mut tables = vec![Table::default(); specs.len()];
    let doc_loc = Loc {
        file: doc_name.to_owned(),
        line: None,
        path: None,
    };
    let Some(obj) = value.as_object() else {
        errors.push(err(
            &doc_loc,
            None,
            None,
            "top level is not a JSON object".into(),
            "wrap the data in an object with keys places, children, carers, …",
        ));
        return tables;
    };
    for (key, val) in obj {
        if key == "attribution" || key == "format" {
            continue;
        }
        let Some(si) = specs.iter().position(|s| s.name == key) else {
            errors.push(err(
                &doc_loc,
                Some(key),
                None,
                "unknown top-level key".into(),
                "use only: places, institutions, children, carers, siblings, roads, attribution",
            ));
            continue;
        };
        let spec = &specs[si];
        let Some(items) = val.as_array() else {
            errors.push(err(
                &doc_loc,
                Some(key),
                None,
                "must be an array of objects".into(),
                "write it as [ {...}, ... ]",
            ));
            continue;
        };
        let table = &mut tables[si];
        table.present = true;
        let start = errors.len();
        for (i, item) in items.iter().enumerate() {
            if errors.len() - start >= MAX_ERRORS_PER_FILE {
                let mut e = InputError::not_shown(
                    doc_name,
                    0,
                    format!("too many errors; stopped after {MAX_ERRORS_PER_FILE}"),
                    "fix the errors above and load again",
                );
                e.field = Some(key.to_owned());
                errors.push(e);
                break;
            }
            let loc = Loc {
                file: doc_name.to_owned(),
                line: None,
                path: Some(format!("{key}[{i}]")),
            };
            let Some(fields) = item.as_object() else {
                errors.push(err(
                    &loc,
                    None,
                    None,
                    "record is not an object".into(),
                    "write each record as {\"field\": value, ...}",
                ));
                continue;
            };
            let mut values = vec![None; spec.columns.len()];
            let mut ok = true;
            for (fname, fval) in fields {
                if errors.len() - start > MAX_ERRORS_PER_FILE {
                    ok = false;
                    break;
                }
                let Some(c) = spec.columns.iter().position(|c| c.name == fname) else {
                    errors.push(err(
                        &loc,
                        Some(fname),
                        None,
                        "unknown field".into(),
                        &format!("use only: {}", header_hint(spec)),
                    ));
                    ok = false;
                    continue;
                };
                match json_text(fval) {
                    Ok(t) => values[c] = t,
                    Err(problem) => {
                        errors.push(err(
                            &loc,
                            Some(fname),
                            Some(&fval.to_string()),
                            problem,
                            "use a string, number, boolean or (for lists) an array of strings",
                        ));
                        ok = false;
                    }
                }
            }
            if ok {
                table.rows.push(Row { loc, values });
            }
        }
    }
    for (spec, table) in specs.iter().zip(&tables) {
        if spec.required && !table.present {
            errors.push(err(
                &doc_loc,
                Some(spec.name),
                None,
                "required key is missing".into(),
                &format!("add \"{}\": [ ... ]", spec.name),
            ));
        }
    }
    tables
}

fn json_text(v: &serde_json::Value) -> Result<Option<String>, String> {
    use serde_json::Value;
    Ok(match v {
        Value::Null => None,
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_owned())
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let mut parts = Vec::with_capacity(items.len());
            for it in items {
                match it {
                    Value::String(s) => parts.push(s.trim().to_owned()),
                    Value::Number(n) => parts.push(n.to_string()),
                    _ => return Err("list items must be strings or numbers".into()),
                }
            }
            (!parts.is_empty()).then(|| parts.join(";"))
        }
        Value::Object(_) => return Err("nested objects are not allowed".into()),
    })
}
