//! Validation: tables of text → a [`DataSet`], reporting every error at once.

use super::format::{CARERS, CHILDREN, FILES, INSTITUTIONS, PLACES, ROADS, SIBLINGS};
use super::table::{
    FileSpec, MAX_ERRORS_PER_FILE, Row, Table, read_csv, read_json, read_json_value, truncate,
};
use super::{DataError, InputError};
use crate::domain::*;
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;
use std::path::Path;

/// Loads a data set from a folder of CSV files or a `.json` document.
///
/// # Errors
/// [`DataError::Unreadable`] when the path is neither; [`DataError::Invalid`]
/// with every problem found otherwise.
pub fn load(path: &Path) -> Result<DataSet, DataError> {
    if path.is_dir() {
        load_csv_dir(path)
    } else if path.is_file() {
        load_json(path)
    } else {
        Err(DataError::Unreadable {
            path: path.display().to_string(),
            reason: "no such folder or file".into(),
        })
    }
}

/// Loads a folder of CSV files (see the data format).
///
/// # Errors
/// [`DataError::Invalid`] listing every problem.
pub fn load_csv_dir(dir: &Path) -> Result<DataSet, DataError> {
    let mut errors = Vec::new();
    let tables: Vec<Table> = FILES
        .iter()
        .map(|spec| read_csv(spec, &dir.join(spec.csv_name()), &mut errors))
        .collect();
    finish(dir, tables, errors)
}

/// Loads one JSON document (see the data format).
///
/// # Errors
/// [`DataError::Unreadable`] when the file cannot be opened;
/// [`DataError::Invalid`] listing every problem.
pub fn load_json(path: &Path) -> Result<DataSet, DataError> {
    let file = std::fs::File::open(path).map_err(|e| DataError::Unreadable {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut errors = Vec::new();
    let tables = read_json(&FILES, &name, std::io::BufReader::new(file), &mut errors);
    finish(path, tables, errors)
}

/// Validates a parsed JSON data-set document (the same object [`load_json`]
/// reads) with the loader's rules; `doc_name` names the document in errors.
///
/// # Errors
/// Every problem found (capped like the file loaders).
pub fn dataset_from_json_value(
    value: &serde_json::Value,
    doc_name: &str,
) -> Result<DataSet, Vec<InputError>> {
    let mut errors = Vec::new();
    let tables = read_json_value(&FILES, doc_name, value, &mut errors);
    let data = tables_to_dataset(&tables, &mut errors);
    if errors.is_empty() {
        Ok(data)
    } else {
        Err(cap_errors(errors))
    }
}

/// Validates a data set given as CSV texts by file name (`places.csv`,
/// `children.csv`, …, as in a data-set folder), e.g. from an HTTP import.
///
/// # Errors
/// Every problem found, including unknown file names.
pub fn dataset_from_csv_texts(
    files: &std::collections::BTreeMap<String, String>,
) -> Result<DataSet, Vec<InputError>> {
    let mut errors = Vec::new();
    for name in files.keys() {
        if !FILES.iter().any(|spec| &spec.csv_name() == name) {
            let known: Vec<String> = FILES.iter().map(|s| s.csv_name()).collect();
            errors.push(file_error(
                name.strip_suffix(".csv").unwrap_or(name),
                "unknown file of a data set",
                &format!("use the names {}", known.join(", ")),
            ));
        }
    }
    let tables: Vec<Table> = FILES
        .iter()
        .map(|spec| {
            let name = spec.csv_name();
            match files.get(&name) {
                Some(text) => {
                    super::table::read_csv_from(spec, &name, text.as_bytes(), &mut errors)
                }
                None => {
                    if spec.required {
                        errors.push(file_error(
                            name.strip_suffix(".csv").unwrap_or(&name),
                            "required file is missing",
                            "add the file with its header row (see the data format in the README)",
                        ));
                    }
                    Table::default()
                }
            }
        })
        .collect();
    let data = tables_to_dataset(&tables, &mut errors);
    if errors.is_empty() {
        Ok(data)
    } else {
        Err(cap_errors(errors))
    }
}

fn finish(
    path: &Path,
    tables: Vec<Table>,
    mut errors: Vec<InputError>,
) -> Result<DataSet, DataError> {
    let data = tables_to_dataset(&tables, &mut errors);
    if errors.is_empty() {
        Ok(data)
    } else {
        Err(DataError::Invalid {
            path: path.display().to_string(),
            errors: cap_errors(errors),
        })
    }
}

/// Field access for one row, pushing typed errors.
struct Fields<'a, 'e> {
    spec: &'a FileSpec,
    row: &'a Row,
    id: Option<String>,
    errors: &'e mut Vec<InputError>,
    bad: bool,
    /// Once `errors` is this long, further problems only mark the row bad:
    /// a file of bad rows must not grow the error list without bound.
    stop_at: usize,
}

impl<'a, 'e> Fields<'a, 'e> {
    fn new(
        spec: &'a FileSpec,
        row: &'a Row,
        errors: &'e mut Vec<InputError>,
        stop_at: usize,
    ) -> Self {
        let id = row.values.first().cloned().flatten();
        let id = if spec.columns[0].name == "id" {
            id
        } else {
            None
        };
        Fields {
            spec,
            row,
            id,
            errors,
            bad: false,
            stop_at,
        }
    }

    fn raw(&self, name: &str) -> Option<&'a str> {
        let c = self.spec.col(name);
        self.row.values.get(c).and_then(|v| v.as_deref())
    }

    fn fail(
        &mut self,
        field: &str,
        value: Option<&str>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.bad = true;
        if self.errors.len() >= self.stop_at {
            // Counted, not listed: on the file's one closing line, which
            // `cap_errors` turns into "more errors not shown (at least N)".
            let file = &self.row.loc.file;
            match self.errors.last_mut() {
                Some(InputError {
                    not_shown: Some(n),
                    problem,
                    file: f,
                    ..
                }) if problem == MORE && f == file => *n += 1,
                _ => self
                    .errors
                    .push(InputError::not_shown(file, 1, MORE.into(), MORE_FIX)),
            }
            return;
        }
        self.errors.push(InputError {
            file: self.row.loc.file.clone(),
            line: self.row.loc.line,
            path: self.row.loc.path.clone(),
            record: self.id.clone(),
            field: Some(field.to_owned()),
            value: value.map(|v| truncate(v, 80)),
            problem: problem.into(),
            fix: fix.into(),
            not_shown: None,
        });
    }

    /// Required text.
    fn text(&mut self, name: &str) -> Option<&'a str> {
        let v = self.raw(name);
        if v.is_none() && self.spec.columns[self.spec.col(name)].required {
            self.fail(name, None, "value is missing", "fill in the field");
        }
        v
    }

    fn id(&mut self, name: &str) -> Option<&'a str> {
        let v = self.text(name)?;
        if v.chars().count() > 64 || !v.chars().all(|c| c.is_alphanumeric() || "-_.:".contains(c)) {
            self.fail(
                name,
                Some(v),
                "not a valid id",
                "use at most 64 letters, digits, '-', '_', '.' or ':'",
            );
            return None;
        }
        Some(v)
    }

    fn parse<T: std::str::FromStr>(&mut self, name: &str, what: &str, fix: &str) -> Option<T> {
        let v = self.text(name)?;
        match v.parse::<T>() {
            Ok(x) => Some(x),
            Err(_) => {
                self.fail(name, Some(v), format!("not {what}"), fix);
                None
            }
        }
    }

    fn int_in(&mut self, name: &str, lo: i64, hi: i64) -> Option<i64> {
        let x: i64 = self.parse(
            name,
            "a whole number",
            &format!("write a whole number from {lo} to {hi}"),
        )?;
        if x < lo || x > hi {
            let v = x.to_string();
            self.fail(
                name,
                Some(&v),
                format!("out of range {lo}…{hi}"),
                format!("use a value from {lo} to {hi}"),
            );
            return None;
        }
        Some(x)
    }

    fn float_in(&mut self, name: &str, lo: f64, hi: f64) -> Option<f64> {
        let x: f64 = self.parse(
            name,
            "a number",
            &format!("write a decimal number from {lo} to {hi}"),
        )?;
        if !x.is_finite() || x < lo || x > hi {
            let v = self.raw(name).unwrap_or_default();
            self.fail(
                name,
                Some(v),
                format!("out of range {lo}…{hi}"),
                format!("use a value from {lo} to {hi}"),
            );
            return None;
        }
        Some(x)
    }

    fn date(&mut self, name: &str) -> Option<NaiveDate> {
        let v = self.text(name)?;
        match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) if (1900..=2200).contains(&d.year()) => Some(d),
            Ok(_) => {
                self.fail(
                    name,
                    Some(v),
                    "date out of range 1900…2200",
                    "check the year",
                );
                None
            }
            Err(_) => {
                self.fail(
                    name,
                    Some(v),
                    "not a valid date",
                    "write the date as YYYY-MM-DD, e.g. 2019-04-30",
                );
                None
            }
        }
    }

    fn bool_or(&mut self, name: &str, default: bool) -> Option<bool> {
        match self.raw(name) {
            None => Some(default),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Some(true),
                "false" | "no" | "0" => Some(false),
                _ => {
                    self.fail(name, Some(v), "not a boolean", "write true or false");
                    None
                }
            },
        }
    }

    fn choice<T: Copy>(&mut self, name: &str, options: &[(&str, T)]) -> Option<T> {
        let v = self.text(name)?;
        match options.iter().find(|(k, _)| *k == v) {
            Some((_, t)) => Some(*t),
            None => {
                let allowed = options
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ");
                self.fail(
                    name,
                    Some(v),
                    "not an allowed value",
                    format!("use one of: {allowed}"),
                );
                None
            }
        }
    }

    fn list(&self, name: &str) -> Vec<&'a str> {
        self.raw(name)
            .map(|v| {
                v.split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `code:severity;…` → needs sorted by code.
    fn needs(&mut self, name: &str) -> Vec<Need> {
        let items = self.list(name);
        parse_needs(self, name, &items)
    }
}

fn parse_needs(f: &mut Fields<'_, '_>, name: &str, items: &[&str]) -> Vec<Need> {
    let mut out: Vec<Need> = Vec::new();
    for item in items {
        let (code, sev) = item.split_once(':').unwrap_or((item, ""));
        let Some(code) = NeedCode::parse(code.trim()) else {
            let allowed = NeedCode::ALL.map(|c| c.as_str()).join(", ");
            f.fail(
                name,
                Some(item),
                "unknown need code",
                format!("use code:severity with a code from {allowed}"),
            );
            continue;
        };
        let severity = match sev.trim().parse::<u8>() {
            Ok(s @ 1..=3) => s,
            _ => {
                f.fail(
                    name,
                    Some(item),
                    "severity must be 1, 2 or 3",
                    "write e.g. intellectual:2",
                );
                continue;
            }
        };
        if out.iter().any(|n| n.code == code) {
            f.fail(name, Some(item), "need listed twice", "list each need once");
            continue;
        }
        out.push(Need { code, severity });
    }
    out.sort();
    out
}

/// Index of a record whose row has errors: its id is known, so references
/// to it are not reported again as unknown.
const INVALID: u32 = u32::MAX;

struct Index<'a> {
    map: HashMap<&'a str, (u32, Option<u64>)>,
}

impl<'a> Index<'a> {
    fn new() -> Self {
        Index {
            map: HashMap::new(),
        }
    }
}

fn dup_error(f: &mut Fields<'_, '_>, first: Option<u64>) {
    let id = f.id.clone().unwrap_or_default();
    let where_ = first.map_or_else(|| "earlier".to_owned(), |l| format!("on line {l}"));
    f.fail(
        "id",
        Some(&id),
        format!("duplicate id (first {where_})"),
        "give every record its own id",
    );
}

struct Langs {
    codes: Vec<String>,
    map: HashMap<String, Language>,
}

impl Langs {
    fn get(&mut self, f: &mut Fields<'_, '_>, field: &str, code: &str) -> Option<Language> {
        if let Some(l) = self.map.get(code) {
            return Some(*l);
        }
        let valid = (2..=8).contains(&code.len())
            && code.chars().all(|c| c.is_ascii_lowercase() || c == '-');
        if !valid {
            f.fail(
                field,
                Some(code),
                "not a language code",
                "use ISO 639 codes in lower case, e.g. sr;rom",
            );
            return None;
        }
        if self.codes.len() >= 64 {
            f.fail(
                field,
                Some(code),
                "more than 64 distinct languages in one data set",
                "map rare languages to a shared code",
            );
            return None;
        }
        let l = Language(self.codes.len() as u8);
        self.codes.push(code.to_owned());
        self.map.insert(code.to_owned(), l);
        Some(l)
    }

    fn list(&mut self, f: &mut Fields<'_, '_>, field: &str) -> Vec<Language> {
        let items = f.list(field);
        let mut out = Vec::new();
        for it in items {
            if let Some(l) = self.get(f, field, it) {
                if out.contains(&l) {
                    f.fail(
                        field,
                        Some(it),
                        "language listed twice",
                        "list each language once",
                    );
                } else {
                    out.push(l);
                }
            }
        }
        if out.is_empty() && f.raw(field).is_some() && !f.bad {
            f.fail(
                field,
                f.raw(field),
                "no language given",
                "list at least one language code",
            );
        }
        out
    }
}

/// Validates `tables` (in [`FILES`] order) into a data set, appending every
/// problem to `errors`. The returned data set is only meaningful when no
/// errors were added; it is then in canonical order
/// ([`DataSet::canonicalize`]): records by id, so that nothing downstream
/// depends on the order of the input's rows or columns.
pub fn tables_to_dataset(tables: &[Table], errors: &mut Vec<InputError>) -> DataSet {
    let empty = Table::default();
    let table = |name: &str| {
        FILES
            .iter()
            .position(|s| s.name == name)
            .and_then(|i| tables.get(i))
            .unwrap_or(&empty)
    };
    let mut data = DataSet::default();
    let mut langs = Langs {
        codes: Vec::new(),
        map: HashMap::new(),
    };

    // Places.
    let mut places = Index::new();
    let stop_at = errors.len() + MAX_ERRORS_PER_FILE;
    for row in &table("places").rows {
        let mut f = Fields::new(&PLACES, row, errors, stop_at);
        let id = f.id("id");
        let name = f.text("name");
        let region = f.text("region");
        let country = f.raw("country").unwrap_or_default();
        let lat = f.float_in("lat", -90.0, 90.0);
        let lon = f.float_in("lon", -180.0, 180.0);
        let population = match f.raw("population") {
            None => Some(0),
            Some(_) => f.int_in("population", 0, 100_000_000).map(|p| p as u64),
        };
        if let Some(id) = id {
            if let Some((_, first)) = places.map.get(id) {
                let first = *first;
                dup_error(&mut f, first);
            }
        }
        if let (false, Some(id), Some(name), Some(region), Some(lat), Some(lon), Some(population)) =
            (f.bad, id, name, region, lat, lon, population)
        {
            places
                .map
                .insert(id, (data.places.len() as u32, row.loc.line));
            data.places.push(Place {
                id: PlaceId(id.to_owned()),
                name: name.to_owned(),
                country: country.to_owned(),
                region: region.to_owned(),
                lat,
                lon,
                population,
            });
        } else if let Some(id) = id {
            // Known but invalid (reported above): references to it are not
            // "unknown".
            places.map.entry(id).or_insert((INVALID, row.loc.line));
        }
    }
    if table("places").present && table("places").rows.is_empty() {
        errors.push(file_error(
            "places",
            "no places",
            "a data set needs at least one place",
        ));
    }
    let place_ref =
        |f: &mut Fields<'_, '_>, name: &str, required: bool| -> Option<Option<PlaceIx>> {
            let v = if required { f.text(name) } else { f.raw(name) };
            match v {
                None => Some(None),
                Some(v) => match places.map.get(v) {
                    Some((INVALID, _)) => {
                        f.bad = true; // the place row is reported already
                        None
                    }
                    Some((i, _)) => Some(Some(PlaceIx(*i))),
                    None => {
                        f.fail(name, Some(v), "unknown place id", "use an id from places");
                        None
                    }
                },
            }
        };

    // Institutions.
    let mut insts = Index::new();
    let stop_at = errors.len() + MAX_ERRORS_PER_FILE;
    for row in &table("institutions").rows {
        let mut f = Fields::new(&INSTITUTIONS, row, errors, stop_at);
        let id = f.id("id");
        let name = f.text("name");
        let place = place_ref(&mut f, "place_id", true).flatten();
        let kind = f.choice(
            "kind",
            &[
                ("large_residential", InstitutionKind::LargeResidential),
                ("small_group_home", InstitutionKind::SmallGroupHome),
            ],
        );
        let capacity = f.int_in("capacity", 1, 100_000);
        let closure = if f.raw("planned_closure").is_some() {
            f.date("planned_closure").map(Some)
        } else {
            Some(None)
        };
        if let Some(id) = id {
            if let Some((_, first)) = insts.map.get(id) {
                let first = *first;
                dup_error(&mut f, first);
            }
        }
        if let (
            false,
            Some(id),
            Some(name),
            Some(place),
            Some(kind),
            Some(capacity),
            Some(planned_closure),
        ) = (f.bad, id, name, place, kind, capacity, closure)
        {
            insts
                .map
                .insert(id, (data.institutions.len() as u32, row.loc.line));
            data.institutions.push(Institution {
                id: InstitutionId(id.to_owned()),
                name: name.to_owned(),
                place,
                kind,
                capacity: capacity as u32,
                planned_closure,
            });
        } else if let Some(id) = id {
            // Known but invalid (reported above): references to it are not
            // "unknown".
            insts.map.entry(id).or_insert((INVALID, row.loc.line));
        }
    }

    // Carers.
    let mut carers = Index::new();
    let types = [
        ("emergency", PlacementType::Emergency),
        ("short_term", PlacementType::ShortTerm),
        ("long_term", PlacementType::LongTerm),
    ];
    let stop_at = errors.len() + MAX_ERRORS_PER_FILE;
    for row in &table("carers").rows {
        let mut f = Fields::new(&CARERS, row, errors, stop_at);
        let id = f.id("id");
        let place = place_ref(&mut f, "place_id", true).flatten();
        let kind = f.choice(
            "kind",
            &[
                ("kinship", CarerKind::Kinship),
                ("foster", CarerKind::Foster),
                ("specialist", CarerKind::Specialist),
                ("emergency", CarerKind::Emergency),
            ],
        );
        let approved = f.int_in("approved_places", 1, 9);
        let mut current = Vec::new();
        for item in f.list("current_children") {
            let (age, needs) = item.split_once('/').unwrap_or((item, ""));
            let age = match age.trim().parse::<u8>() {
                Ok(a) if a <= 25 => a,
                _ => {
                    f.fail("current_children", Some(item), "age must be a whole number 0…25", "write entries as age or age/need:severity+need:severity, e.g. 7;12/intellectual:2");
                    continue;
                }
            };
            let need_items: Vec<&str> = needs
                .split('+')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            let needs = parse_needs(&mut f, "current_children", &need_items);
            current.push(CurrentChild { age, needs });
        }
        let min_age = f.int_in("min_age", 0, 17);
        let max_age = f.int_in("max_age", 0, 17);
        if let (Some(lo), Some(hi)) = (min_age, max_age) {
            if lo > hi {
                let v = format!("{lo}…{hi}");
                f.fail(
                    "max_age",
                    Some(&v),
                    "approved age range is inverted (min_age > max_age)",
                    "swap min_age and max_age",
                );
            }
        }
        let mut ptypes = PlacementTypes::default();
        for item in f.list("placement_types") {
            match types.iter().find(|(k, _)| *k == item) {
                Some((_, t)) => ptypes.insert(*t),
                None => f.fail(
                    "placement_types",
                    Some(item),
                    "unknown placement type",
                    "use emergency, short_term and/or long_term separated by ;",
                ),
            }
        }
        if ptypes.0 == 0 && !f.bad {
            f.fail(
                "placement_types",
                f.raw("placement_types"),
                "no placement type",
                "list at least one of emergency;short_term;long_term",
            );
        }
        let mut supported = [0u8; NeedCode::COUNT];
        for n in f.needs("supported_needs") {
            supported[n.code.index()] = n.severity;
        }
        let accessible = f.bool_or("accessible_home", false);
        let languages = langs.list(&mut f, "languages");
        let pref_sex = match f.raw("pref_sex") {
            None | Some("any") => Some(None),
            Some(_) => f.choice("pref_sex", &[("F", Some(Sex::F)), ("M", Some(Sex::M))]),
        };
        let pref_min = if f.raw("pref_min_age").is_some() {
            f.int_in("pref_min_age", 0, 17).map(|v| Some(v as u8))
        } else {
            Some(None)
        };
        let pref_max = if f.raw("pref_max_age").is_some() {
            f.int_in("pref_max_age", 0, 17).map(|v| Some(v as u8))
        } else {
            Some(None)
        };
        if let (Some(Some(lo)), Some(Some(hi))) = (pref_min, pref_max) {
            if lo > hi {
                let v = format!("{lo}…{hi}");
                f.fail(
                    "pref_max_age",
                    Some(&v),
                    "preferred age range is inverted",
                    "swap pref_min_age and pref_max_age",
                );
            }
        }
        let siblings = f.bool_or("accepts_sibling_groups", true);
        let status = match f.raw("status") {
            None => Some(CarerStatus::Available),
            Some(_) => f.choice(
                "status",
                &[
                    ("available", CarerStatus::Available),
                    ("paused", CarerStatus::Paused),
                ],
            ),
        };
        let heritage = f.raw("heritage").map(str::to_owned);
        if let Some(id) = id {
            if let Some((_, first)) = carers.map.get(id) {
                let first = *first;
                dup_error(&mut f, first);
            }
        }
        if let (
            false,
            Some(id),
            Some(place),
            Some(kind),
            Some(approved),
            Some(min_age),
            Some(max_age),
            Some(accessible),
            Some(pref_sex),
            Some(pref_min),
            Some(pref_max),
            Some(siblings),
            Some(status),
        ) = (
            f.bad, id, place, kind, approved, min_age, max_age, accessible, pref_sex, pref_min,
            pref_max, siblings, status,
        ) {
            carers
                .map
                .insert(id, (data.carers.len() as u32, row.loc.line));
            data.carers.push(Carer {
                id: CarerId(id.to_owned()),
                place,
                kind,
                approved_places: approved as u8,
                current_children: current,
                min_age: min_age as u8,
                max_age: max_age as u8,
                placement_types: ptypes,
                supported_needs: supported,
                accessible_home: accessible,
                languages,
                pref_sex,
                pref_min_age: pref_min,
                pref_max_age: pref_max,
                accepts_sibling_groups: siblings,
                status,
                heritage,
            });
        } else if let Some(id) = id {
            // Known but invalid (reported above): references to it are not
            // "unknown".
            carers.map.entry(id).or_insert((INVALID, row.loc.line));
        }
    }

    // Children.
    let mut children: HashMap<&str, (u32, Option<u64>, Option<&str>)> = HashMap::new();
    let stop_at = errors.len() + MAX_ERRORS_PER_FILE;
    for row in &table("children").rows {
        let mut f = Fields::new(&CHILDREN, row, errors, stop_at);
        let id = f.id("id");
        let birth = f.date("birth_date");
        let sex = f.choice("sex", &[("F", Sex::F), ("M", Sex::M)]);
        let inst_raw = f.raw("institution_id");
        let institution = match inst_raw {
            None => Some(None),
            Some(v) => match insts.map.get(v) {
                Some((INVALID, _)) => {
                    f.bad = true; // the institution row is reported already
                    None
                }
                Some((i, _)) => Some(Some(InstitutionIx(*i))),
                None => {
                    f.fail(
                        "institution_id",
                        Some(v),
                        "unknown institution id",
                        "use an id from institutions",
                    );
                    None
                }
            },
        };
        let current = place_ref(&mut f, "current_place_id", false);
        let location = match (institution, current) {
            (Some(Some(i)), Some(cur)) => {
                let ip = data.institutions[i.get()].place;
                if cur.is_some_and(|c| c != ip) {
                    f.fail(
                        "current_place_id",
                        f.raw("current_place_id"),
                        "differs from the place of the child's institution",
                        "leave current_place_id empty for children in an institution",
                    );
                    None
                } else {
                    Some(ip)
                }
            }
            (Some(None), Some(Some(p))) => Some(p),
            (Some(None), Some(None)) => {
                f.fail(
                    "current_place_id",
                    None,
                    "value is missing",
                    "give current_place_id, or institution_id for a child in an institution",
                );
                None
            }
            _ => None,
        };
        let birth_place = place_ref(&mut f, "birth_family_place_id", true).flatten();
        let school = place_ref(&mut f, "school_place_id", false);
        let needs = f.needs("needs");
        let languages = langs.list(&mut f, "languages");
        let ptype = f.choice("placement_type", &types);
        let entered = f.date("entered_care");
        if let (Some(b), Some(e)) = (birth, entered) {
            if e < b {
                let v = e.to_string();
                f.fail(
                    "entered_care",
                    Some(&v),
                    "entered care before the birth date",
                    "check birth_date and entered_care",
                );
            }
        }
        let mut kin = Vec::new();
        for k in f.list("kin_carer_ids") {
            match carers.map.get(k) {
                Some((INVALID, _)) => f.bad = true, // reported already
                Some((i, _)) => kin.push(CarerIx(*i)),
                None => f.fail(
                    "kin_carer_ids",
                    Some(k),
                    "unknown carer id",
                    "use ids from carers",
                ),
            }
        }
        let heritage = f.raw("heritage").map(str::to_owned);
        if let Some(id) = id {
            if let Some((_, first, first_inst)) = children.get(id) {
                let (first, first_inst) = (*first, *first_inst);
                match (first_inst, inst_raw) {
                    (Some(a), Some(b)) if a != b => {
                        let v = format!("{a} and {b}");
                        f.fail(
                            "institution_id",
                            Some(&v),
                            format!(
                                "child {id} is listed in two institutions (first on line {})",
                                first.unwrap_or(0)
                            ),
                            "keep one row per child, in the institution where the child lives now",
                        );
                    }
                    _ => dup_error(&mut f, first),
                }
            }
        }
        if let (
            false,
            Some(id),
            Some(birth_date),
            Some(sex),
            Some(institution),
            Some(location),
            Some(birth_family_place),
            Some(school_place),
            Some(placement_type),
            Some(entered_care),
        ) = (
            f.bad,
            id,
            birth,
            sex,
            institution,
            location,
            birth_place,
            school,
            ptype,
            entered,
        ) {
            children.insert(id, (data.children.len() as u32, row.loc.line, inst_raw));
            data.children.push(Child {
                id: ChildId(id.to_owned()),
                birth_date,
                sex,
                institution,
                location,
                birth_family_place,
                school_place,
                needs,
                languages,
                placement_type,
                entered_care,
                kin_carers: kin,
                heritage,
            });
        } else if let Some(id) = id {
            // Remember the id so that later references are not reported twice.
            children
                .entry(id)
                .or_insert((u32::MAX, row.loc.line, inst_raw));
        }
    }

    // Sibling links.
    let mut pairs: HashMap<(u32, u32), Option<u64>> = HashMap::new();
    let mut link_lines = Vec::new();
    let stop_at = errors.len() + MAX_ERRORS_PER_FILE;
    for row in &table("siblings").rows {
        let mut f = Fields::new(&SIBLINGS, row, errors, stop_at);
        let child = |f: &mut Fields<'_, '_>, name: &str| -> Option<u32> {
            let v = f.text(name)?;
            match children.get(v) {
                Some((i, _, _)) if *i != u32::MAX => Some(*i),
                Some(_) => {
                    f.bad = true; // the child row itself is reported already
                    None
                }
                None => {
                    f.fail(name, Some(v), "unknown child id", "use ids from children");
                    None
                }
            }
        };
        let a = child(&mut f, "child_id");
        let b = child(&mut f, "sibling_id");
        let keep = f.parse_bool_required("keep_together");
        let reason = f.raw("reason").map(str::to_owned);
        if keep == Some(false) && reason.is_none() {
            f.fail(
                "reason",
                None,
                "a reason is required when keep_together is false",
                "say why the siblings are placed apart",
            );
        }
        if let (Some(a), Some(b)) = (a, b) {
            if a == b {
                f.fail(
                    "sibling_id",
                    f.raw("sibling_id"),
                    "a child cannot be its own sibling",
                    "link two different children",
                );
            } else if let Some(first) = pairs.get(&(a.min(b), a.max(b))) {
                let first = *first;
                f.fail(
                    "sibling_id",
                    f.raw("sibling_id"),
                    format!("link listed twice (first on line {})", first.unwrap_or(0)),
                    "keep one row per pair of siblings",
                );
            } else {
                pairs.insert((a.min(b), a.max(b)), row.loc.line);
            }
        }
        if let (false, Some(a), Some(b), Some(keep_together)) = (f.bad, a, b, keep) {
            link_lines.push(row.loc.clone());
            data.sibling_links.push(SiblingLink {
                a: ChildIx(a),
                b: ChildIx(b),
                keep_together,
                reason,
            });
        }
    }

    // Roads.
    if table("roads").present {
        let mut roads = Vec::new();
        let stop_at = errors.len() + MAX_ERRORS_PER_FILE;
        for row in &table("roads").rows {
            let mut f = Fields::new(&ROADS, row, errors, stop_at);
            let a = place_ref(&mut f, "from_place_id", true).flatten();
            let b = place_ref(&mut f, "to_place_id", true).flatten();
            let m = f.float_in("minutes", 0.0, 100_000.0);
            if m == Some(0.0) {
                f.fail(
                    "minutes",
                    f.raw("minutes"),
                    "travel time must be positive",
                    "give the minutes of driving, e.g. 35",
                );
            }
            if a.is_some() && a == b {
                f.fail(
                    "to_place_id",
                    f.raw("to_place_id"),
                    "a road cannot link a place to itself",
                    "remove the row",
                );
            }
            if let (false, Some(from), Some(to), Some(minutes)) = (f.bad, a, b, m) {
                roads.push(Road { from, to, minutes });
            }
        }
        data.roads = Some(roads);
    }
    data.languages = langs.codes;

    // Apart links inside one keep-together group.
    if errors.is_empty() {
        let groups = sibling_groups(&data);
        let mut group_of: HashMap<ChildIx, usize> = HashMap::new();
        for (g, grp) in groups.iter().enumerate() {
            for m in &grp.members {
                group_of.insert(*m, g);
            }
        }
        for (link, loc) in data.sibling_links.iter().zip(&link_lines) {
            if errors.len() > MAX_ERRORS_PER_FILE {
                break;
            }
            if !link.keep_together
                && group_of
                    .get(&link.a)
                    .is_some_and(|g| group_of.get(&link.b) == Some(g))
            {
                errors.push(InputError {
                    file: loc.file.clone(),
                    line: loc.line,
                    path: loc.path.clone(),
                    record: Some(format!("{}–{}", data.child(link.a).id, data.child(link.b).id)),
                    field: Some("keep_together".into()),
                    value: Some("false".into()),
                    problem: "these children must be apart but other keep-together links join them into one sibling group".into(),
                    fix: "set keep_together=false on the links that join them, or remove this apart link".into(),
                    not_shown: None,
                });
            }
        }
    }
    // One order for everything downstream, whatever the order of the rows
    // and columns read (only meaningful, and only safe, for a valid set).
    if errors.is_empty() {
        data.canonicalize()
    } else {
        data
    }
}

/// Problem of the closing line that counts a file's errors not listed.
const MORE: &str = "more errors not shown";
const MORE_FIX: &str = "fix the errors above and load again";

/// Keeps at most [`MAX_ERRORS_PER_FILE`] errors per file, in order, and
/// replaces the rest of each file's errors, with those only counted while
/// checking, by one closing line that counts them
/// ([`InputError::not_shown`]). Other closing lines (a file whose reading
/// stopped at the cap) are kept; none counts as an error.
fn cap_errors(errors: Vec<InputError>) -> Vec<InputError> {
    let mut count: HashMap<String, usize> = HashMap::new();
    let mut more: std::collections::BTreeMap<String, usize> = Default::default();
    let mut out = Vec::with_capacity(errors.len().min(4 * MAX_ERRORS_PER_FILE));
    for e in errors {
        if let Some(n) = e.not_shown {
            if e.problem == MORE {
                *more.entry(e.file).or_insert(0) += n;
            } else {
                out.push(e);
            }
            continue;
        }
        let n = count.entry(e.file.clone()).or_insert(0);
        *n += 1;
        if *n <= MAX_ERRORS_PER_FILE {
            out.push(e);
        }
    }
    for (file, n) in count {
        if n > MAX_ERRORS_PER_FILE {
            *more.entry(file).or_insert(0) += n - MAX_ERRORS_PER_FILE;
        }
    }
    for (file, n) in more {
        out.push(InputError::not_shown(
            &file,
            n,
            format!("{MORE} (at least {n})"),
            MORE_FIX,
        ));
    }
    out
}

fn file_error(name: &str, problem: &str, fix: &str) -> InputError {
    InputError {
        file: format!("{name}.csv"),
        line: None,
        path: None,
        record: None,
        field: None,
        value: None,
        problem: problem.into(),
        fix: fix.into(),
        not_shown: None,
    }
}

impl Fields<'_, '_> {
    fn parse_bool_required(&mut self, name: &str) -> Option<bool> {
        self.text(name)?;
        self.bool_or(name, false)
    }
}
