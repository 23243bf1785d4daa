//! The planner instance as a JSON document (`homeward-instance/1`), so that a
//! placement problem can be saved, shared and solved elsewhere.
//!
//! ```json
//! {"format": "homeward-instance/1",
//!  "units": [{"id": "G12", "size": 2, "value": 30000, "developmental": false, "exempt": true}],
//!  "households": [{"id": "H7", "capacity": 3, "current": 1, "currentDevelopmental": false,
//!                  "limit": 3, "limitDevelopmental": 2, "limitAlways": false}],
//!  "pairs": [{"unit": "G12", "household": "H7", "score": 8150, "coef": 38150}]}
//! ```
//! Ids are strings (child or sibling-group ids, household ids; numbered
//! `U000001`, `H000001` by [`InstanceIds::numbered`]). Fields are camelCase.
//! `limit` and `limitDevelopmental` may be absent or `null` (no limit); the
//! flags `developmental`, `exempt`, `currentDevelopmental` and `limitAlways`
//! default to `false`; every other field is required. Unknown fields are
//! errors (a misspelt field must not be silently ignored).
//!
//! [`read_instance_json`] validates the whole document and reports every
//! problem with its JSON path (`households[3]`), record id and field.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::dataset::{DataError, InputError};
use crate::solve::{Household, Instance, Pair, Unit};

/// The `format` value of this version of the document.
pub const FORMAT: &str = "homeward-instance/1";

/// Largest unit size (children in a sibling group).
pub const MAX_SIZE: u8 = 9;
/// Largest household capacity (free places).
pub const MAX_CAPACITY: u8 = 9;
/// Largest number of children already in a household, and largest limit.
pub const MAX_CURRENT: u8 = 99;
/// Largest match score (hundredths of a point).
pub const MAX_SCORE: u32 = 10_000;
/// Largest absolute placement value: keeps every objective exact in `f64`.
pub const MAX_ABS_VALUE: i64 = 1_000_000_000_000;
/// At most this many errors are listed, then one summary line.
pub const MAX_ERRORS: usize = 200;

/// The whole document (wire type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstanceDoc {
    /// Always [`FORMAT`].
    pub format: String,
    /// Placement units.
    pub units: Vec<UnitRecord>,
    /// Households.
    pub households: Vec<HouseholdRecord>,
    /// Eligible unit–household pairs.
    pub pairs: Vec<PairRecord>,
}

/// A placement unit (wire type of [`Unit`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UnitRecord {
    /// Child or sibling-group id.
    pub id: String,
    /// Children in the unit, 1–9.
    pub size: u8,
    /// Placement value in hundredths of a point.
    pub value: i64,
    /// Any member has developmental difficulties.
    #[serde(default)]
    pub developmental: bool,
    /// Exempt from the household limit.
    #[serde(default)]
    pub exempt: bool,
}

/// A household (wire type of [`Household`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HouseholdRecord {
    /// Household (carer) id.
    pub id: String,
    /// Free places, 0–9.
    pub capacity: u8,
    /// Children already there.
    pub current: u8,
    /// A child already there has developmental difficulties.
    #[serde(default)]
    pub current_developmental: bool,
    /// Limit on children in the household.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u8>,
    /// Limit when a child with developmental difficulties is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_developmental: Option<u8>,
    /// The limit applies whatever is placed.
    #[serde(default)]
    pub limit_always: bool,
}

/// An eligible pair (wire type of [`Pair`]), by ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PairRecord {
    /// Unit id.
    pub unit: String,
    /// Household id.
    pub household: String,
    /// Match score in hundredths, 0–10000.
    pub score: u32,
    /// Objective coefficient: the unit's value plus the score.
    pub coef: i64,
}

/// The ids of an instance's units and households, by index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InstanceIds {
    /// `units[u]` is the id of unit `u`.
    pub units: Vec<String>,
    /// `households[h]` is the id of household `h`.
    pub households: Vec<String>,
}

impl InstanceIds {
    /// Numbered ids `U000001…`, `H000001…` (for generated instances).
    pub fn numbered(units: usize, households: usize) -> Self {
        InstanceIds {
            units: (1..=units).map(|i| format!("U{i:06}")).collect(),
            households: (1..=households).map(|i| format!("H{i:06}")).collect(),
        }
    }
}

/// An instance read from JSON, with the ids of its units and households.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentifiedInstance {
    /// The instance (pairs sorted by unit, then household index).
    pub instance: Instance,
    /// The ids, by index.
    pub ids: InstanceIds,
}

/// Writes `inst` as a `homeward-instance/1` document, one record per line.
///
/// # Errors
/// [`io::ErrorKind::InvalidInput`] when `ids` does not match `inst` (wrong
/// lengths, duplicate or empty ids) or a pair is out of range; any error of
/// `w`.
pub fn write_instance_json(
    inst: &Instance,
    ids: &InstanceIds,
    mut w: impl Write,
) -> io::Result<()> {
    let invalid = |m: String| io::Error::new(io::ErrorKind::InvalidInput, m);
    for (what, list, n) in [
        ("unit", &ids.units, inst.units.len()),
        ("household", &ids.households, inst.households.len()),
    ] {
        if list.len() != n {
            return Err(invalid(format!(
                "{} {what} ids for {n} {what}s",
                list.len()
            )));
        }
        let mut seen = HashMap::with_capacity(n);
        for id in list {
            if id.is_empty() || seen.insert(id.as_str(), ()).is_some() {
                return Err(invalid(format!("{what} id {id:?} is empty or repeated")));
            }
        }
    }
    let to_io = |e: serde_json::Error| io::Error::other(e);
    write!(w, "{{\"format\":")?;
    serde_json::to_writer(&mut w, FORMAT).map_err(to_io)?;
    write!(w, ",\n\"units\":[")?;
    for (i, (u, id)) in inst.units.iter().zip(&ids.units).enumerate() {
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        let rec = UnitRecord {
            id: id.clone(),
            size: u.size,
            value: u.value,
            developmental: u.developmental,
            exempt: u.exempt,
        };
        serde_json::to_writer(&mut w, &rec).map_err(to_io)?;
    }
    write!(w, "],\n\"households\":[")?;
    for (i, (h, id)) in inst.households.iter().zip(&ids.households).enumerate() {
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        let rec = HouseholdRecord {
            id: id.clone(),
            capacity: h.capacity,
            current: h.current,
            current_developmental: h.current_developmental,
            limit: h.limit,
            limit_developmental: h.limit_developmental,
            limit_always: h.limit_always,
        };
        serde_json::to_writer(&mut w, &rec).map_err(to_io)?;
    }
    write!(w, "],\n\"pairs\":[")?;
    for (i, p) in inst.pairs.iter().enumerate() {
        let (Some(unit), Some(household)) = (
            ids.units.get(p.unit as usize),
            ids.households.get(p.household as usize),
        ) else {
            return Err(invalid(format!(
                "pair {i} ({}, {}) is out of range",
                p.unit, p.household
            )));
        };
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        let rec = PairRecord {
            unit: unit.clone(),
            household: household.clone(),
            score: p.score,
            coef: p.coef,
        };
        serde_json::to_writer(&mut w, &rec).map_err(to_io)?;
    }
    write!(w, "]")?;
    if !inst.apart.is_empty() {
        write!(w, ",\n\"apart\":[")?;
        for (i, (a, b)) in inst.apart.iter().enumerate() {
            let (Some(a), Some(b)) = (ids.units.get(*a as usize), ids.units.get(*b as usize))
            else {
                return Err(invalid(format!("apart pair {i} is out of range")));
            };
            w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut w, &serde_json::json!({"unit": a, "other": b}))
                .map_err(to_io)?;
        }
        write!(w, "]")?;
    }
    writeln!(w, "}}")?;
    Ok(())
}

/// Reads and validates a `homeward-instance/1` document. `file` names the
/// document in error messages.
///
/// Checks: valid JSON; `format`; every field's type and range (sizes 1–9,
/// capacities 0–9, current 0–99, limits 1–99, a developmental limit only
/// with a limit, scores 0–10000, |value| ≤ 10¹²); unknown fields; unique,
/// non-empty ids; pairs naming known units and households, not repeated,
/// with `coef = value + score`, and placeable alone
/// ([`Household::allows`]).
///
/// # Errors
/// [`DataError::Unreadable`] when `r` fails; [`DataError::Invalid`] with
/// every problem found (at most [`MAX_ERRORS`], then a summary line).
pub fn read_instance_json(r: impl Read, file: &str) -> Result<IdentifiedInstance, DataError> {
    let doc: Value = match serde_json::from_reader(io::BufReader::new(r)) {
        Ok(v) => v,
        Err(e) if e.is_io() => {
            return Err(DataError::Unreadable {
                path: file.to_owned(),
                reason: e.to_string(),
            });
        }
        Err(e) => {
            let err = InputError {
                file: file.to_owned(),
                line: Some(e.line() as u64),
                path: None,
                record: None,
                field: None,
                value: None,
                problem: format!("not valid JSON: {e}"),
                fix: "fix the JSON syntax at that line and column".into(),
                not_shown: None,
            };
            return Err(invalid(file, vec![err]));
        }
    };
    let mut v = Validator {
        file,
        errors: Vec::new(),
        dropped: 0,
    };
    let out = v.document(&doc);
    match out {
        Some(inst) if v.errors.is_empty() => Ok(inst),
        _ => {
            let mut errors = v.errors;
            if v.dropped > 0 {
                errors.push(InputError::not_shown(
                    file,
                    v.dropped,
                    format!("{} more error(s) not shown", v.dropped),
                    "fix the errors above and read again",
                ));
            }
            Err(invalid(file, errors))
        }
    }
}

fn invalid(file: &str, errors: Vec<InputError>) -> DataError {
    DataError::Invalid {
        path: file.to_owned(),
        errors,
    }
}

/// Collects errors while walking the document.
struct Validator<'f> {
    file: &'f str,
    errors: Vec<InputError>,
    dropped: usize,
}

/// One JSON object being read: its path, id and fields.
struct Rec<'a> {
    path: String,
    id: Option<String>,
    obj: &'a Map<String, Value>,
    ok: bool,
}

fn shorten(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        let mut t: String = s.chars().take(57).collect();
        t.push_str("...");
        t
    } else {
        s
    }
}

impl<'f> Validator<'f> {
    fn push(&mut self, e: InputError) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(e);
        } else {
            self.dropped += 1;
        }
    }

    fn fail(
        &mut self,
        rec: &mut Rec<'_>,
        field: Option<&str>,
        value: Option<&Value>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) {
        rec.ok = false;
        let e = InputError {
            file: self.file.to_owned(),
            line: None,
            path: Some(rec.path.clone()),
            record: rec.id.clone(),
            field: field.map(str::to_owned),
            value: value.map(shorten),
            problem: problem.into(),
            fix: fix.into(),
            not_shown: None,
        };
        self.push(e);
    }

    /// An error about a whole value at `path` that is not an object.
    fn not_object(&mut self, path: String, v: &Value) {
        let e = InputError {
            file: self.file.to_owned(),
            line: None,
            path: Some(path),
            record: None,
            field: None,
            value: Some(shorten(v)),
            problem: "is not a JSON object".into(),
            fix: "write the record as an object {…}".into(),
            not_shown: None,
        };
        self.push(e);
    }

    /// Starts a record; `None` (with an error) when `v` is not an object.
    fn record<'a>(&mut self, path: String, v: &'a Value, known: &[&str]) -> Option<Rec<'a>> {
        let Some(obj) = v.as_object() else {
            self.not_object(path, v);
            return None;
        };
        let id = match obj.get("id") {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let mut rec = Rec {
            path,
            id,
            obj,
            ok: true,
        };
        for (k, val) in obj {
            if !known.contains(&k.as_str()) {
                self.fail(
                    &mut rec,
                    Some(k),
                    Some(val),
                    "unknown field",
                    format!("remove it or use one of: {}", known.join(", ")),
                );
            }
        }
        Some(rec)
    }

    fn string(&mut self, rec: &mut Rec<'_>, field: &str) -> Option<String> {
        match rec.obj.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(v) => {
                self.fail(
                    rec,
                    Some(field),
                    Some(v),
                    "must be a non-empty string",
                    "give the id as a JSON string",
                );
                None
            }
            None => {
                self.fail(
                    rec,
                    Some(field),
                    None,
                    "is missing",
                    format!("add \"{field}\""),
                );
                None
            }
        }
    }

    /// An integer field in `lo..=hi`; `None` when absent (error if required).
    fn int(
        &mut self,
        rec: &mut Rec<'_>,
        field: &str,
        lo: i64,
        hi: i64,
        required: bool,
    ) -> Option<i64> {
        match rec.obj.get(field) {
            None | Some(Value::Null) if !required => None,
            None => {
                self.fail(
                    rec,
                    Some(field),
                    None,
                    "is missing",
                    format!("add \"{field}\": a whole number from {lo} to {hi}"),
                );
                None
            }
            Some(v) => match v.as_i64() {
                Some(n) if (lo..=hi).contains(&n) => Some(n),
                _ => {
                    self.fail(
                        rec,
                        Some(field),
                        Some(v),
                        format!("must be a whole number from {lo} to {hi}"),
                        format!("give a whole number from {lo} to {hi}"),
                    );
                    None
                }
            },
        }
    }

    fn flag(&mut self, rec: &mut Rec<'_>, field: &str) -> bool {
        match rec.obj.get(field) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(v) => {
                self.fail(
                    rec,
                    Some(field),
                    Some(v),
                    "must be true or false",
                    "write true or false (or leave it out for false)",
                );
                false
            }
        }
    }

    fn array<'a>(&mut self, top: &mut Rec<'a>, field: &str) -> &'a [Value] {
        match top.obj.get(field) {
            Some(Value::Array(a)) => a,
            v => {
                let problem = if v.is_some() {
                    "must be an array"
                } else {
                    "is missing"
                };
                self.fail(
                    top,
                    Some(field),
                    v,
                    problem,
                    format!("give \"{field}\" as an array (possibly empty)"),
                );
                &[]
            }
        }
    }

    fn document(&mut self, doc: &Value) -> Option<IdentifiedInstance> {
        let mut top = self.record(
            "$".into(),
            doc,
            &["format", "units", "households", "pairs", "apart"],
        )?;
        match top.obj.get("format") {
            Some(Value::String(s)) if s == FORMAT => {}
            v => {
                let problem = if v.is_some() {
                    format!("unsupported format (expected {FORMAT:?})")
                } else {
                    "is missing".into()
                };
                self.fail(
                    &mut top,
                    Some("format"),
                    v,
                    problem,
                    format!("set \"format\": {FORMAT:?}"),
                );
            }
        }
        let units = self.array(&mut top, "units");
        let households = self.array(&mut top, "households");
        let pairs = self.array(&mut top, "pairs");

        let (units, unit_ids) = self.units(units);
        let (households, household_ids) = self.households(households);
        let pairs = self.pairs(pairs, &units, &unit_ids, &households, &household_ids);
        let apart_list: &[Value] = if top.obj.contains_key("apart") {
            self.array(&mut top, "apart")
        } else {
            &[]
        };
        let apart = self.apart(apart_list, &unit_ids);
        let units: Option<Vec<Unit>> = units.into_iter().collect();
        let households: Option<Vec<Household>> = households.into_iter().collect();
        let unit_ids: Option<Vec<String>> = unit_ids.into_iter().collect();
        let household_ids: Option<Vec<String>> = household_ids.into_iter().collect();
        if !top.ok || !self.errors.is_empty() {
            return None;
        }
        let mut pairs = pairs?;
        pairs.sort_unstable_by_key(|p| (p.unit, p.household));
        Some(IdentifiedInstance {
            instance: Instance {
                units: units?,
                households: households?,
                pairs,
                apart: apart?,
            },
            ids: InstanceIds {
                units: unit_ids?,
                households: household_ids?,
            },
        })
    }

    /// Checks `id` is not repeated; the first index of each id is kept.
    fn unique(
        &mut self,
        rec: &mut Rec<'_>,
        what: &str,
        index: &mut HashMap<String, usize>,
        id: &str,
        i: usize,
    ) {
        match index.entry(id.to_owned()) {
            Entry::Vacant(e) => {
                e.insert(i);
            }
            Entry::Occupied(e) => {
                let first = *e.get();
                self.fail(
                    rec,
                    Some("id"),
                    Some(&Value::String(id.to_owned())),
                    format!("repeats the id of {what}[{first}]"),
                    "give every record its own id",
                );
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn units(&mut self, list: &[Value]) -> (Vec<Option<Unit>>, Vec<Option<String>>) {
        let mut index = HashMap::with_capacity(list.len());
        let mut out = Vec::with_capacity(list.len());
        let mut ids = Vec::with_capacity(list.len());
        for (i, v) in list.iter().enumerate() {
            let known = ["id", "size", "value", "developmental", "exempt"];
            let Some(mut rec) = self.record(format!("units[{i}]"), v, &known) else {
                out.push(None);
                ids.push(None);
                continue;
            };
            let id = self.string(&mut rec, "id");
            if let Some(id) = &id {
                self.unique(&mut rec, "units", &mut index, id, i);
            }
            let size = self.int(&mut rec, "size", 1, MAX_SIZE.into(), true);
            let value = self.int(&mut rec, "value", -MAX_ABS_VALUE, MAX_ABS_VALUE, true);
            let developmental = self.flag(&mut rec, "developmental");
            let exempt = self.flag(&mut rec, "exempt");
            out.push(match (size, value) {
                (Some(size), Some(value)) if rec.ok => Some(Unit {
                    size: size as u8,
                    value,
                    developmental,
                    exempt,
                }),
                _ => None,
            });
            ids.push(id);
        }
        (out, ids)
    }

    #[allow(clippy::type_complexity)]
    fn households(&mut self, list: &[Value]) -> (Vec<Option<Household>>, Vec<Option<String>>) {
        let mut index = HashMap::with_capacity(list.len());
        let mut out = Vec::with_capacity(list.len());
        let mut ids = Vec::with_capacity(list.len());
        let max_current = i64::from(MAX_CURRENT);
        for (i, v) in list.iter().enumerate() {
            let known = [
                "id",
                "capacity",
                "current",
                "currentDevelopmental",
                "limit",
                "limitDevelopmental",
                "limitAlways",
            ];
            let Some(mut rec) = self.record(format!("households[{i}]"), v, &known) else {
                out.push(None);
                ids.push(None);
                continue;
            };
            let id = self.string(&mut rec, "id");
            if let Some(id) = &id {
                self.unique(&mut rec, "households", &mut index, id, i);
            }
            let capacity = self.int(&mut rec, "capacity", 0, MAX_CAPACITY.into(), true);
            let current = self.int(&mut rec, "current", 0, max_current, true);
            let current_developmental = self.flag(&mut rec, "currentDevelopmental");
            let limit = self.int(&mut rec, "limit", 1, max_current, false);
            let limit_developmental =
                self.int(&mut rec, "limitDevelopmental", 1, max_current, false);
            let limit_always = self.flag(&mut rec, "limitAlways");
            if limit.is_none()
                && limit_developmental.is_some()
                && rec.obj.get("limit").is_none_or(Value::is_null)
            {
                let v = rec.obj.get("limitDevelopmental");
                self.fail(
                    &mut rec,
                    Some("limitDevelopmental"),
                    v,
                    "has no effect without a limit (the rule only applies when \"limit\" is set)",
                    "set \"limit\" as well, or remove \"limitDevelopmental\"",
                );
            }
            out.push(match (capacity, current) {
                (Some(capacity), Some(current)) if rec.ok => Some(Household {
                    capacity: capacity as u8,
                    current: current as u8,
                    current_developmental,
                    limit: limit.map(|l| l as u8),
                    limit_developmental: limit_developmental.map(|l| l as u8),
                    limit_always,
                }),
                _ => None,
            });
            ids.push(id);
        }
        (out, ids)
    }

    /// `apart`: `[{"unit": A, "other": B}]`, units that may not share a household.
    fn apart(&mut self, list: &[Value], unit_ids: &[Option<String>]) -> Option<Vec<(u32, u32)>> {
        let index: HashMap<&str, u32> = unit_ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| Some((id.as_deref()?, i as u32)))
            .collect();
        let mut out = Vec::with_capacity(list.len());
        let mut all_ok = true;
        for (i, v) in list.iter().enumerate() {
            let Some(mut rec) = self.record(format!("apart[{i}]"), v, &["unit", "other"]) else {
                all_ok = false;
                continue;
            };
            let mut ends = Vec::new();
            for field in ["unit", "other"] {
                if let Some(id) = self.string(&mut rec, field) {
                    match index.get(id.as_str()) {
                        Some(u) => ends.push(*u),
                        None => {
                            let value = rec.obj.get(field);
                            self.fail(
                                &mut rec,
                                Some(field),
                                value,
                                "unknown unit id",
                                "use an id from units",
                            );
                        }
                    }
                }
            }
            if let [a, b] = ends[..] {
                if a == b {
                    let value = rec.obj.get("other");
                    self.fail(
                        &mut rec,
                        Some("other"),
                        value,
                        "a unit cannot be apart from itself",
                        "name two different units",
                    );
                } else {
                    out.push((a.min(b), a.max(b)));
                }
            }
            all_ok &= rec.ok;
        }
        out.sort_unstable();
        out.dedup();
        all_ok.then_some(out)
    }

    fn pairs(
        &mut self,
        list: &[Value],
        units: &[Option<Unit>],
        unit_ids: &[Option<String>],
        households: &[Option<Household>],
        household_ids: &[Option<String>],
    ) -> Option<Vec<Pair>> {
        let index = |ids: &[Option<String>]| -> HashMap<String, usize> {
            let mut m = HashMap::with_capacity(ids.len());
            for (i, id) in ids.iter().enumerate() {
                if let Some(id) = id {
                    m.entry(id.clone()).or_insert(i);
                }
            }
            m
        };
        let (unit_index, household_index) = (index(unit_ids), index(household_ids));
        let mut seen: HashMap<(usize, usize), usize> = HashMap::with_capacity(list.len());
        let mut out = Vec::with_capacity(list.len());
        let mut all_ok = true;
        for (i, v) in list.iter().enumerate() {
            let known = ["unit", "household", "score", "coef"];
            let Some(mut rec) = self.record(format!("pairs[{i}]"), v, &known) else {
                all_ok = false;
                continue;
            };
            let unit = self.string(&mut rec, "unit");
            let household = self.string(&mut rec, "household");
            if let (Some(u), Some(h)) = (&unit, &household) {
                rec.id = Some(format!("{u}@{h}"));
            }
            let u = unit.and_then(|id| self.resolve(&mut rec, "unit", &unit_index, id, "units"));
            let h = household.and_then(|id| {
                self.resolve(&mut rec, "household", &household_index, id, "households")
            });
            let score = self.int(&mut rec, "score", 0, MAX_SCORE.into(), true);
            let coef = self.int(&mut rec, "coef", i64::MIN, i64::MAX, true);
            if let (Some(u), Some(h)) = (u, h) {
                match seen.entry((u, h)) {
                    Entry::Vacant(e) => {
                        e.insert(i);
                    }
                    Entry::Occupied(e) => {
                        let first = *e.get();
                        self.fail(
                            &mut rec,
                            None,
                            None,
                            format!("repeats the pair pairs[{first}]"),
                            "list each unit–household pair once",
                        );
                    }
                }
            }
            let unit_rec = u.and_then(|u| units.get(u)).and_then(Option::as_ref);
            let household_rec = h.and_then(|h| households.get(h)).and_then(Option::as_ref);
            if let (Some(unit_rec), Some(score), Some(coef)) = (unit_rec, score, coef) {
                let expected = unit_rec.value + score;
                if coef != expected {
                    let v = rec.obj.get("coef");
                    self.fail(
                        &mut rec,
                        Some("coef"),
                        v,
                        format!(
                            "must be the unit's value plus the score ({} + {score} = {expected})",
                            unit_rec.value
                        ),
                        format!("set \"coef\": {expected}"),
                    );
                }
            }
            if let (Some(unit_rec), Some(hh)) = (unit_rec, household_rec) {
                if !hh.allows([unit_rec]) {
                    let why = if unit_rec.size > hh.capacity {
                        format!(
                            "the unit's {} children exceed the household's {} free places",
                            unit_rec.size, hh.capacity
                        )
                    } else {
                        "placing the unit alone breaks the household limit".to_owned()
                    };
                    self.fail(
                        &mut rec,
                        None,
                        None,
                        format!("the unit cannot be placed at this household even alone: {why}"),
                        "leave ineligible pairs out",
                    );
                }
            }
            match (u, h, score, coef) {
                (Some(u), Some(h), Some(score), Some(coef)) if rec.ok => out.push(Pair {
                    unit: u as u32,
                    household: h as u32,
                    score: score as u32,
                    coef,
                }),
                _ => all_ok = false,
            }
        }
        all_ok.then_some(out)
    }

    fn resolve(
        &mut self,
        rec: &mut Rec<'_>,
        field: &str,
        index: &HashMap<String, usize>,
        id: String,
        list: &str,
    ) -> Option<usize> {
        let found = index.get(&id).copied();
        if found.is_none() {
            self.fail(
                rec,
                Some(field),
                Some(&Value::String(id)),
                format!("unknown {field} id (not in \"{list}\", or that record is invalid)"),
                format!("use the id of a valid record in \"{list}\""),
            );
        }
        found
    }
}
