//! Writing a data set as a folder of CSV files or one JSON document.

use super::DataError;
use super::format::{CARERS, CHILDREN, FILES, INSTITUTIONS, PLACES, ROADS, SIBLINGS};
use super::table::{FileSpec, Kind};
use crate::domain::*;
use std::io::Write;
use std::path::Path;

fn needs_text(needs: &[Need]) -> Vec<String> {
    needs
        .iter()
        .map(|n| format!("{}:{}", n.code.as_str(), n.severity))
        .collect()
}

fn ptype(t: PlacementType) -> &'static str {
    match t {
        PlacementType::Emergency => "emergency",
        PlacementType::ShortTerm => "short_term",
        PlacementType::LongTerm => "long_term",
    }
}

fn sex(s: Sex) -> &'static str {
    match s {
        Sex::F => "F",
        Sex::M => "M",
    }
}

/// A value: one text or a list (lists are `;`-joined in CSV, arrays in JSON).
enum V {
    T(String),
    L(Vec<String>),
}

fn t(s: impl ToString) -> V {
    V::T(s.to_string())
}
fn o<T: ToString>(s: Option<T>) -> V {
    V::T(s.map(|x| x.to_string()).unwrap_or_default())
}

fn rows(data: &DataSet, spec: &FileSpec) -> Vec<Vec<V>> {
    let langs = |ls: &[Language]| V::L(ls.iter().map(|l| data.language(*l).to_owned()).collect());
    let pid = |p: PlaceIx| t(&data.place(p).id);
    match spec.name {
        "places" => data
            .places
            .iter()
            .map(|p| {
                vec![
                    t(&p.id),
                    t(&p.name),
                    t(&p.country),
                    t(&p.region),
                    t(p.lat),
                    t(p.lon),
                    t(p.population),
                ]
            })
            .collect(),
        "institutions" => data
            .institutions
            .iter()
            .map(|i| {
                let kind = match i.kind {
                    InstitutionKind::LargeResidential => "large_residential",
                    InstitutionKind::SmallGroupHome => "small_group_home",
                };
                vec![
                    t(&i.id),
                    t(&i.name),
                    pid(i.place),
                    t(kind),
                    t(i.capacity),
                    o(i.planned_closure),
                ]
            })
            .collect(),
        "carers" => data
            .carers
            .iter()
            .map(|c| {
                let kind = match c.kind {
                    CarerKind::Kinship => "kinship",
                    CarerKind::Foster => "foster",
                    CarerKind::Specialist => "specialist",
                    CarerKind::Emergency => "emergency",
                };
                let current = c
                    .current_children
                    .iter()
                    .map(|k| {
                        if k.needs.is_empty() {
                            k.age.to_string()
                        } else {
                            format!("{}/{}", k.age, needs_text(&k.needs).join("+"))
                        }
                    })
                    .collect();
                let supported: Vec<Need> = NeedCode::ALL
                    .iter()
                    .filter(|n| c.supported_needs[n.index()] > 0)
                    .map(|n| Need {
                        code: *n,
                        severity: c.supported_needs[n.index()],
                    })
                    .collect();
                let status = match c.status {
                    CarerStatus::Available => "available",
                    CarerStatus::Paused => "paused",
                };
                vec![
                    t(&c.id),
                    pid(c.place),
                    t(kind),
                    t(c.approved_places),
                    V::L(current),
                    t(c.min_age),
                    t(c.max_age),
                    V::L(
                        c.placement_types
                            .iter()
                            .map(|p| ptype(p).to_owned())
                            .collect(),
                    ),
                    V::L(needs_text(&supported)),
                    t(c.accessible_home),
                    langs(&c.languages),
                    o(c.pref_sex.map(sex)),
                    o(c.pref_min_age),
                    o(c.pref_max_age),
                    t(c.accepts_sibling_groups),
                    t(status),
                    o(c.heritage.as_ref()),
                ]
            })
            .collect(),
        "children" => data
            .children
            .iter()
            .map(|c| {
                vec![
                    t(&c.id),
                    t(c.birth_date),
                    t(sex(c.sex)),
                    o(c.institution.map(|i| &data.institutions[i.get()].id)),
                    if c.institution.is_some() {
                        t("")
                    } else {
                        pid(c.location)
                    },
                    pid(c.birth_family_place),
                    o(c.school_place.map(|p| &data.place(p).id)),
                    V::L(needs_text(&c.needs)),
                    langs(&c.languages),
                    t(ptype(c.placement_type)),
                    t(c.entered_care),
                    V::L(
                        c.kin_carers
                            .iter()
                            .map(|k| data.carer(*k).id.to_string())
                            .collect(),
                    ),
                    o(c.heritage.as_ref()),
                ]
            })
            .collect(),
        "siblings" => data
            .sibling_links
            .iter()
            .map(|l| {
                vec![
                    t(&data.child(l.a).id),
                    t(&data.child(l.b).id),
                    t(l.keep_together),
                    o(l.reason.as_ref()),
                ]
            })
            .collect(),
        "roads" => data
            .roads
            .iter()
            .flatten()
            .map(|r| vec![pid(r.from), pid(r.to), t(r.minutes)])
            .collect(),
        _ => Vec::new(),
    }
}

fn werr(path: &Path) -> impl FnOnce(std::io::Error) -> DataError + '_ {
    move |source| DataError::Write {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `data` as CSV files into `dir` (created if needed). Each file is
/// written to a temporary name and renamed, so a failure never leaves a
/// half-written file behind. `roads.csv` is written only when the data set
/// has roads.
///
/// # Errors
/// [`DataError::Write`] on any I/O failure.
pub fn write_csv_dir(data: &DataSet, dir: &Path) -> Result<(), DataError> {
    std::fs::create_dir_all(dir).map_err(werr(dir))?;
    for spec in [PLACES, INSTITUTIONS, CARERS, CHILDREN, SIBLINGS, ROADS] {
        if spec.name == "roads" && data.roads.is_none() {
            continue;
        }
        let path = dir.join(spec.csv_name());
        let tmp = dir.join(format!(".{}.tmp", spec.csv_name()));
        let file = std::fs::File::create(&tmp).map_err(werr(&tmp))?;
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
        let io = |e: csv::Error| std::io::Error::other(e.to_string());
        w.write_record(spec.columns.iter().map(|c| c.name))
            .map_err(io)
            .map_err(werr(&path))?;
        for row in rows(data, &spec) {
            let fields: Vec<String> = row
                .into_iter()
                .map(|v| match v {
                    V::T(s) => s,
                    V::L(l) => l.join(";"),
                })
                .collect();
            w.write_record(&fields).map_err(io).map_err(werr(&path))?;
        }
        let mut inner = w
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
            .map_err(werr(&path))?;
        inner.flush().map_err(werr(&path))?;
        inner.get_ref().sync_all().map_err(werr(&path))?;
        std::fs::rename(&tmp, &path).map_err(werr(&path))?;
    }
    Ok(())
}

/// The JSON document of `data` (see [`write_json`]) as a map from file name
/// (`places`, `children`, …) to arrays of record objects.
pub fn dataset_to_json_map(data: &DataSet) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::{Map, Value};
    let mut doc = Map::new();
    for spec in FILES {
        if spec.name == "roads" && data.roads.is_none() {
            continue;
        }
        let items: Vec<Value> = rows(data, &spec)
            .into_iter()
            .map(|row| {
                let mut obj = Map::new();
                for (col, v) in spec.columns.iter().zip(row) {
                    let value = match v {
                        V::L(l) if l.is_empty() => continue,
                        V::L(l) => Value::Array(l.into_iter().map(Value::String).collect()),
                        V::T(s) if s.is_empty() => continue,
                        V::T(s) => match col.kind {
                            Kind::Int => s
                                .parse::<i64>()
                                .map(Value::from)
                                .unwrap_or(Value::String(s)),
                            Kind::Float => s
                                .parse::<f64>()
                                .ok()
                                .and_then(serde_json::Number::from_f64)
                                .map(Value::Number)
                                .unwrap_or(Value::String(s)),
                            Kind::Bool => s
                                .parse::<bool>()
                                .map(Value::Bool)
                                .unwrap_or(Value::String(s)),
                            _ => Value::String(s),
                        },
                    };
                    obj.insert(col.name.to_owned(), value);
                }
                Value::Object(obj)
            })
            .collect();
        doc.insert(spec.name.to_owned(), Value::Array(items));
    }
    doc
}

/// Writes `data` as one JSON document (same fields as the CSV files; numbers,
/// booleans and lists typed), atomically via a temporary file.
///
/// # Errors
/// [`DataError::Write`] on any I/O failure.
pub fn write_json(data: &DataSet, path: &Path, attribution: Option<&str>) -> Result<(), DataError> {
    use serde_json::{Map, Value};
    let mut doc = Map::new();
    if let Some(a) = attribution {
        doc.insert("attribution".into(), Value::String(a.to_owned()));
    }
    doc.extend(dataset_to_json_map(data));
    let tmp = path.with_extension("json.tmp");
    let file = std::fs::File::create(&tmp).map_err(werr(&tmp))?;
    let mut w = std::io::BufWriter::new(file);
    serde_json::to_writer(&mut w, &Value::Object(doc))
        .map_err(|e| std::io::Error::other(e.to_string()))
        .map_err(werr(path))?;
    w.flush().map_err(werr(path))?;
    w.get_ref().sync_all().map_err(werr(path))?;
    std::fs::rename(&tmp, path).map_err(werr(path))?;
    Ok(())
}
