//! Scenario files (TOML): what to simulate, validated like every input.
//! Every key is documented in `docs/scenario-format.md`; unknown keys are
//! rejected and every error names the key (or table) and the value.

use crate::domain::{CarerKind, DataSet, NeedCode};
use crate::scoring::Model;
use chrono::{Months, NaiveDate};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Why a scenario could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Not valid TOML or a key/type the format does not have.
    #[error("scenario {path}: {message}")]
    Syntax {
        /// File.
        path: String,
        /// The TOML parser's message (names the key and line).
        message: String,
    },
    /// Values that parse but make no sense (all of them, one per line).
    #[error("scenario {path} has {} error(s):\n{}", .errors.len(), .errors.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// File.
        path: String,
        /// Each problem: key, value, what is wrong.
        errors: Vec<String>,
    },
    /// The data set named by `data` does not load.
    #[error("scenario {path}: data set: {message}")]
    Data {
        /// File.
        path: String,
        /// The loader's report.
        message: String,
    },
    /// The scoring model named by `policy.model` does not load.
    #[error("scenario {path}: policy.model: {message}")]
    Model {
        /// File.
        path: String,
        /// The model loader's report.
        message: String,
    },
}

/// The scenario file as written (wire type).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// Short name used in reports.
    pub name: String,
    /// What the scenario tests, for the report.
    #[serde(default)]
    pub description: String,
    /// Data set folder or JSON file, relative to the scenario file
    /// (required in files; must be absent in scenarios given with their
    /// data set, [`Scenario::from_toml_with_data`]).
    #[serde(default)]
    pub data: String,
    /// First simulated date (month 0: the initial plan).
    #[serde(deserialize_with = "de_date")]
    pub start: NaiveDate,
    /// Months simulated after month 0.
    pub horizon_months: u32,
    /// Months per step (1 = monthly).
    #[serde(default = "one")]
    pub step_months: u32,
    /// Independent replications.
    #[serde(default = "hundred")]
    pub replications: u32,
    /// Seed of every random stream.
    #[serde(default)]
    pub seed: u64,
    /// Institution closure schedule.
    #[serde(default)]
    pub closures: Vec<ClosureSpec>,
    /// Carer recruitment rules.
    #[serde(default)]
    pub recruitment: Vec<RecruitSpec>,
    /// Households leaving.
    #[serde(default)]
    pub carers: CarersSpec,
    /// New entries into care.
    #[serde(default)]
    pub entries: EntriesSpec,
    /// Exits from care.
    #[serde(default)]
    pub exits: ExitsSpec,
    /// Placement breakdowns by match-score band.
    #[serde(default)]
    pub breakdowns: BreakdownSpec,
    /// How the planner is run each step.
    #[serde(default)]
    pub policy: PolicySpec,
    /// The capacity-gap re-run.
    #[serde(default)]
    pub capacity_gap: GapSpec,
}

/// A date written as a TOML local date (`2028-12-31`) or a string.
fn de_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    use serde::de::Error;
    let v = toml::Value::deserialize(d)?;
    let text = match &v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(dt) => dt.to_string(),
        other => {
            return Err(D::Error::custom(format!(
                "expected a date such as 2028-12-31, found {other}"
            )));
        }
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
        D::Error::custom(format!(
            "{text:?} is not a date; write it as YYYY-MM-DD, e.g. 2028-12-31"
        ))
    })
}

fn de_opt_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    de_date(d).map(Some)
}

fn one() -> u32 {
    1
}
fn hundred() -> u32 {
    100
}

/// One closure: an institution (or `large` / `all`) closes on a date.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClosureSpec {
    /// Institution id, or `large` (every large residential institution),
    /// or `all`.
    pub institution: String,
    /// Date it closes: residents still there move to emergency care.
    #[serde(default, deserialize_with = "de_opt_date")]
    pub close: Option<NaiveDate>,
    /// Date from which it admits no new children.
    #[serde(default, deserialize_with = "de_opt_date")]
    pub no_admissions_from: Option<NaiveDate>,
}

/// Households recruited each month.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RecruitSpec {
    /// Region (as in places.csv), or `*` for anywhere (population-weighted).
    #[serde(default = "star")]
    pub region: String,
    /// `kinship`, `foster`, `specialist` or `emergency`.
    pub kind: String,
    /// Expected households per month (Poisson).
    pub per_month: f64,
    /// Approved places (default: the template household's).
    #[serde(default)]
    pub places: Option<u8>,
    /// Supported needs with their highest severity, e.g. `{ intellectual = 3 }`
    /// (default: the template household's).
    #[serde(default)]
    pub supported_needs: Option<std::collections::BTreeMap<String, u8>>,
    /// Accessible home (default: the template household's).
    #[serde(default)]
    pub accessible_home: Option<bool>,
    /// Approved ages `[min, max]` (default: the template's).
    #[serde(default)]
    pub ages: Option<[u8; 2]>,
    /// First month of recruitment (default 1).
    #[serde(default = "one")]
    pub from_month: u32,
    /// Last month (default: the horizon).
    #[serde(default)]
    pub until_month: Option<u32>,
}

fn star() -> String {
    "*".into()
}

/// Households leaving the register.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CarersSpec {
    /// Share of households leaving per year (only households without a
    /// child placed by the simulation leave).
    #[serde(default = "attrition")]
    pub attrition_per_year: f64,
}

fn attrition() -> f64 {
    0.08
}

impl Default for CarersSpec {
    fn default() -> Self {
        CarersSpec {
            attrition_per_year: attrition(),
        }
    }
}

/// New entries into care.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EntriesSpec {
    /// Expected placement units (lone children or sibling groups) per month
    /// (Poisson); each copies a unit of the start data set (age, needs,
    /// sibling mix, birth-family place).
    #[serde(default)]
    pub units_per_month: f64,
    /// Only copy units whose members all are at most this old.
    #[serde(default = "seventeen")]
    pub max_age: u8,
    /// Units not placed in their first month are admitted to the nearest
    /// institution that still admits and has room for the whole unit (else
    /// they wait in emergency care).
    #[serde(default = "yes")]
    pub admit_unplaced_to_institutions: bool,
    /// Youngest age (years) at which a child may be admitted to an
    /// institution or small group home; a unit with a younger member waits
    /// in emergency care for a family instead. Default 3: Serbian law bans
    /// institutional placement of children under 3 (the deinstitutionalisation
    /// strategy extends the ban to under 7).
    #[serde(default = "three")]
    pub min_institution_age: u8,
}

fn three() -> u8 {
    3
}

fn seventeen() -> u8 {
    17
}
fn yes() -> bool {
    true
}

impl Default for EntriesSpec {
    fn default() -> Self {
        EntriesSpec {
            units_per_month: 0.0,
            max_age: 17,
            admit_unplaced_to_institutions: true,
            min_institution_age: three(),
        }
    }
}

/// Exits from care.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExitsSpec {
    /// Share of units reunified with the birth family per year.
    #[serde(default)]
    pub reunification_per_year: f64,
    /// Share of units whose youngest member is under 5 adopted per year.
    #[serde(default)]
    pub adoption_under5_per_year: f64,
    /// Share of other units adopted per year.
    #[serde(default)]
    pub adoption_per_year: f64,
    /// Age at which a child leaves care.
    #[serde(default = "eighteen")]
    pub age_out: u8,
}

fn eighteen() -> u8 {
    18
}

impl Default for ExitsSpec {
    fn default() -> Self {
        ExitsSpec {
            reunification_per_year: 0.0,
            adoption_under5_per_year: 0.0,
            adoption_per_year: 0.0,
            age_out: 18,
        }
    }
}

/// Breakdown rate of placements by match-score band.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BreakdownSpec {
    /// Bands, by ascending `below`: a placement whose match score is below
    /// `below` (points, 0–100) uses the first matching band.
    #[serde(default = "bands")]
    pub bands: Vec<BandSpec>,
}

/// One breakdown band.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BandSpec {
    /// Upper end (exclusive) of the band in points; the last band should be
    /// above 100.
    pub below: f64,
    /// Share of placements in the band breaking down per year.
    pub per_year: f64,
}

fn bands() -> Vec<BandSpec> {
    vec![
        BandSpec {
            below: 50.0,
            per_year: 0.25,
        },
        BandSpec {
            below: 70.0,
            per_year: 0.15,
        },
        BandSpec {
            below: 101.0,
            per_year: 0.08,
        },
    ]
}

impl Default for BreakdownSpec {
    fn default() -> Self {
        BreakdownSpec { bands: bands() }
    }
}

/// How the planner runs each step.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Scoring model: a built-in name or a .toml path (relative to the
    /// scenario file).
    #[serde(default = "serbia")]
    pub model: String,
    /// Relative gap at which each step's plan stops (0 = prove optimal).
    #[serde(default = "gap")]
    pub gap: f64,
    /// Wall-clock limit per step plan in seconds (none by default: a time
    /// limit makes results depend on machine speed).
    #[serde(default)]
    pub plan_time_limit_seconds: Option<f64>,
    /// Households kept per unit and step: the best `candidates_per_unit`
    /// by match score (ties by household id); 0 keeps every eligible one.
    #[serde(default = "sixteen")]
    pub candidates_per_unit: u32,
    /// Overrides of the model's `[priority]` weights.
    #[serde(default)]
    pub priority: PriorityOverride,
    /// Travel-limit relaxation: units the strict plan leaves waiting are
    /// planned again with the travel limit × this factor (none = strict only).
    #[serde(default)]
    pub relax_travel_factor: Option<f64>,
}

fn sixteen() -> u32 {
    16
}
fn serbia() -> String {
    "serbia".into()
}
fn gap() -> f64 {
    0.001
}

impl Default for PolicySpec {
    fn default() -> Self {
        PolicySpec {
            model: serbia(),
            gap: gap(),
            plan_time_limit_seconds: None,
            candidates_per_unit: 16,
            priority: PriorityOverride::default(),
            relax_travel_factor: None,
        }
    }
}

/// Optional overrides of the model's priority weights (points).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PriorityOverride {
    /// Base points per child.
    pub base: Option<f64>,
    /// Under-3 in an institution.
    pub under3_in_institution: Option<f64>,
    /// Under-7 in an institution.
    pub under7_in_institution: Option<f64>,
    /// Per point of need severity.
    pub per_need_severity: Option<f64>,
    /// Per year in an institution.
    pub per_year_in_institution: Option<f64>,
    /// Institution closing soon.
    pub institution_closing: Option<f64>,
    /// "Soon", in months.
    pub closing_within_months: Option<u32>,
}

/// The capacity-gap re-run.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GapSpec {
    /// Run it.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Replications of the re-run with hypothetical carers.
    #[serde(default = "twenty")]
    pub replications: u32,
}

fn twenty() -> u32 {
    20
}

impl Default for GapSpec {
    fn default() -> Self {
        GapSpec {
            enabled: true,
            replications: 20,
        }
    }
}

/// A closure resolved to institution indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closure {
    /// Closes on this date (residents move to emergency care).
    pub close: Option<NaiveDate>,
    /// Admits no one from this date.
    pub no_admissions_from: Option<NaiveDate>,
}

/// A recruitment rule resolved against the data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Recruit {
    /// The rule as written.
    pub spec: RecruitSpec,
    /// Kind.
    pub kind: CarerKind,
    /// Region (`None` = anywhere).
    pub region: Option<String>,
    /// Supported needs override.
    pub supported: Option<[u8; NeedCode::COUNT]>,
}

/// A validated scenario with its data set and model loaded.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file as written.
    pub spec: ScenarioSpec,
    /// Where it was read from (for messages).
    pub source: String,
    /// The start data set.
    pub data: DataSet,
    /// The scoring model with the policy's priority overrides applied.
    pub model: Model,
    /// Per institution (data-set order): its closure.
    pub closures: Vec<Closure>,
    /// Recruitment rules.
    pub recruits: Vec<Recruit>,
}

/// Parses a carer kind.
pub fn parse_kind(s: &str) -> Option<CarerKind> {
    match s {
        "kinship" => Some(CarerKind::Kinship),
        "foster" => Some(CarerKind::Foster),
        "specialist" => Some(CarerKind::Specialist),
        "emergency" => Some(CarerKind::Emergency),
        _ => None,
    }
}

/// Wire name of a carer kind.
pub fn kind_name(k: CarerKind) -> &'static str {
    match k {
        CarerKind::Kinship => "kinship",
        CarerKind::Foster => "foster",
        CarerKind::Specialist => "specialist",
        CarerKind::Emergency => "emergency",
    }
}

impl Scenario {
    /// Reads, parses and validates a scenario file; loads its data set and
    /// model.
    ///
    /// # Errors
    /// [`ScenarioError`] naming the key and value of every problem.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: name.clone(),
            source,
        })?;
        let base = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
        Self::from_toml(&text, &name, &base)
    }

    /// Parses and validates scenario text; `base` resolves relative paths.
    ///
    /// # Errors
    /// As [`Scenario::load`].
    pub fn from_toml(text: &str, source: &str, base: &Path) -> Result<Scenario, ScenarioError> {
        let spec = parse_spec(text, source)?;
        let mut errors = validate_spec(&spec);
        if spec.data.trim().is_empty() {
            errors.push(
                "data: missing; give the start data set, a folder or JSON file relative to the scenario file"
                    .into(),
            );
        }
        if !errors.is_empty() {
            return Err(ScenarioError::Invalid {
                path: source.to_owned(),
                errors,
            });
        }
        let data_path = base.join(&spec.data);
        let data = crate::dataset::load(&data_path).map_err(|e| ScenarioError::Data {
            path: source.to_owned(),
            message: format!("data = {:?} ({}): {e}", spec.data, data_path.display()),
        })?;
        let model_arg = if spec.policy.model.ends_with(".toml") {
            base.join(&spec.policy.model).display().to_string()
        } else {
            spec.policy.model.clone()
        };
        let model = Model::load(&model_arg).map_err(|e| ScenarioError::Model {
            path: source.to_owned(),
            message: format!("{:?}: {e}", spec.policy.model),
        })?;
        Self::resolve(spec, source, data, model)
    }

    /// Parses and validates scenario text that starts from `data` (e.g. a
    /// service's current data set) instead of a data set it names. Reads no
    /// file: the `data` key is rejected (remove it) and `policy.model` must
    /// be a built-in model name (`default`, `serbia`), not a path.
    ///
    /// # Errors
    /// As [`Scenario::load`] (never [`ScenarioError::Read`] or
    /// [`ScenarioError::Data`]).
    pub fn from_toml_with_data(
        text: &str,
        source: &str,
        data: DataSet,
    ) -> Result<Scenario, ScenarioError> {
        let spec = parse_spec(text, source)?;
        let mut errors = validate_spec(&spec);
        if !spec.data.is_empty() {
            errors.push(format!(
                "data = {:?}: not allowed here, the scenario starts from the given data set; remove the key",
                spec.data
            ));
        }
        if !errors.is_empty() {
            return Err(ScenarioError::Invalid {
                path: source.to_owned(),
                errors,
            });
        }
        let builtin = crate::scoring::BUILTIN.map(|b| b.0);
        if !builtin.contains(&spec.policy.model.as_str()) {
            return Err(ScenarioError::Model {
                path: source.to_owned(),
                message: format!(
                    "{:?}: only a built-in model can be used here ({})",
                    spec.policy.model,
                    builtin.join(", ")
                ),
            });
        }
        let model = Model::load(&spec.policy.model).map_err(|e| ScenarioError::Model {
            path: source.to_owned(),
            message: format!("{:?}: {e}", spec.policy.model),
        })?;
        Self::resolve(spec, source, data, model)
    }

    /// Applies the policy's overrides to `model` and resolves closures and
    /// recruitment against `data`.
    fn resolve(
        spec: ScenarioSpec,
        source: &str,
        data: DataSet,
        mut model: Model,
    ) -> Result<Scenario, ScenarioError> {
        let mut errors = Vec::new();
        let o = &spec.policy.priority;
        let p = &mut model.priority;
        for (dst, src, key) in [
            (&mut p.base, o.base, "base"),
            (
                &mut p.under3_in_institution,
                o.under3_in_institution,
                "under3_in_institution",
            ),
            (
                &mut p.under7_in_institution,
                o.under7_in_institution,
                "under7_in_institution",
            ),
            (
                &mut p.per_need_severity,
                o.per_need_severity,
                "per_need_severity",
            ),
            (
                &mut p.per_year_in_institution,
                o.per_year_in_institution,
                "per_year_in_institution",
            ),
            (
                &mut p.institution_closing,
                o.institution_closing,
                "institution_closing",
            ),
        ] {
            if let Some(v) = src {
                if !(0.0..=10_000.0).contains(&v) || !v.is_finite() {
                    errors.push(format!(
                        "policy.priority.{key} = {v}: must be between 0 and 10000 points"
                    ));
                }
                *dst = v;
            }
        }
        if let Some(m) = o.closing_within_months {
            p.closing_within_months = m;
        }
        // Closures.
        let mut closures = vec![
            Closure {
                close: None,
                no_admissions_from: None
            };
            data.institutions.len()
        ];
        for (i, c) in spec.closures.iter().enumerate() {
            let key = format!("closures[{i}]");
            let targets: Vec<usize> = match c.institution.as_str() {
                "all" => (0..data.institutions.len()).collect(),
                "large" => data
                    .institutions
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.kind == crate::domain::InstitutionKind::LargeResidential)
                    .map(|(i, _)| i)
                    .collect(),
                id => match data.institutions.iter().position(|x| x.id.as_str() == id) {
                    Some(ix) => vec![ix],
                    None => {
                        errors.push(format!(
                            "{key}.institution = {id:?}: no such institution in the data set (use an id from institutions.csv, `large` or `all`)"
                        ));
                        continue;
                    }
                },
            };
            if c.close.is_none() && c.no_admissions_from.is_none() {
                errors.push(format!(
                    "{key}: give `close` and/or `no_admissions_from` for institution {:?}",
                    c.institution
                ));
            }
            for t in targets {
                if c.close.is_some() {
                    closures[t].close = c.close;
                }
                if c.no_admissions_from.is_some() {
                    closures[t].no_admissions_from = c.no_admissions_from;
                }
            }
        }
        // Closure dates feed the priority ("institution closing soon").
        let mut data = data;
        for (inst, c) in data.institutions.iter_mut().zip(&closures) {
            if c.close.is_some() {
                inst.planned_closure = c.close;
            }
        }
        // Recruitment.
        let regions: std::collections::BTreeSet<&str> =
            data.places.iter().map(|p| p.region.as_str()).collect();
        let mut recruits = Vec::new();
        for (i, r) in spec.recruitment.iter().enumerate() {
            let key = format!("recruitment[{i}]");
            let Some(kind) = parse_kind(&r.kind) else {
                errors.push(format!(
                    "{key}.kind = {:?}: expected kinship, foster, specialist or emergency",
                    r.kind
                ));
                continue;
            };
            let region = if r.region == "*" {
                None
            } else if regions.contains(r.region.as_str()) {
                Some(r.region.clone())
            } else {
                errors.push(format!(
                    "{key}.region = {:?}: no place of the data set is in this region (known: {})",
                    r.region,
                    regions.iter().copied().collect::<Vec<_>>().join(", ")
                ));
                continue;
            };
            if !data.carers.iter().any(|c| c.kind == kind) {
                errors.push(format!(
                    "{key}.kind = {:?}: the data set has no household of this kind to copy",
                    r.kind
                ));
            }
            let supported = match &r.supported_needs {
                None => None,
                Some(m) => {
                    let mut s = [0u8; NeedCode::COUNT];
                    for (code, sev) in m {
                        match NeedCode::parse(code) {
                            None => errors.push(format!(
                                "{key}.supported_needs.{code}: unknown need (expected one of {})",
                                NeedCode::ALL.map(|c| c.as_str()).join(", ")
                            )),
                            Some(_) if !(1..=3).contains(sev) => errors.push(format!(
                                "{key}.supported_needs.{code} = {sev}: severity must be 1–3"
                            )),
                            Some(c) => s[c.index()] = *sev,
                        }
                    }
                    Some(s)
                }
            };
            recruits.push(Recruit {
                spec: r.clone(),
                kind,
                region,
                supported,
            });
        }
        if spec
            .start
            .checked_add_months(Months::new(spec.horizon_months))
            .is_none()
        {
            errors.push(format!(
                "horizon_months = {}: the end date is out of range",
                spec.horizon_months
            ));
        }
        if !errors.is_empty() {
            return Err(ScenarioError::Invalid {
                path: source.to_owned(),
                errors,
            });
        }
        Ok(Scenario {
            spec,
            source: source.to_owned(),
            data,
            model,
            closures,
            recruits,
        })
    }

    /// Number of steps after month 0.
    pub fn steps(&self) -> u32 {
        self.spec.horizon_months / self.spec.step_months
    }

    /// Date of step `k` (0 = start).
    pub fn date_of(&self, k: u32) -> NaiveDate {
        self.spec
            .start
            .checked_add_months(Months::new(k * self.spec.step_months))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// The scenario text as written (TOML syntax, keys and types).
fn parse_spec(text: &str, source: &str) -> Result<ScenarioSpec, ScenarioError> {
    toml::from_str(text).map_err(|e| ScenarioError::Syntax {
        path: source.to_owned(),
        message: e.to_string(),
    })
}

fn rate(errors: &mut Vec<String>, key: &str, v: f64, max: f64) {
    if !v.is_finite() || v < 0.0 || v > max {
        errors.push(format!("{key} = {v}: must be between 0 and {max}"));
    }
}

/// Checks of values that need no data set.
fn validate_spec(s: &ScenarioSpec) -> Vec<String> {
    let mut e = Vec::new();
    if s.name.trim().is_empty() {
        e.push("name = \"\": give the scenario a name".into());
    }
    if !(1..=600).contains(&s.horizon_months) {
        e.push(format!(
            "horizon_months = {}: must be 1–600",
            s.horizon_months
        ));
    }
    if !(1..=12).contains(&s.step_months) {
        e.push(format!("step_months = {}: must be 1–12", s.step_months));
    } else if s.horizon_months % s.step_months != 0 {
        e.push(format!(
            "horizon_months = {}: must be a multiple of step_months = {}",
            s.horizon_months, s.step_months
        ));
    }
    if !(1..=10_000).contains(&s.replications) {
        e.push(format!(
            "replications = {}: must be 1–10000",
            s.replications
        ));
    }
    for (i, r) in s.recruitment.iter().enumerate() {
        rate(
            &mut e,
            &format!("recruitment[{i}].per_month"),
            r.per_month,
            1000.0,
        );
        if let Some(p) = r.places {
            if !(1..=9).contains(&p) {
                e.push(format!("recruitment[{i}].places = {p}: must be 1–9"));
            }
        }
        if let Some([lo, hi]) = r.ages {
            if lo > hi || hi > 17 {
                e.push(format!(
                    "recruitment[{i}].ages = [{lo}, {hi}]: need min ≤ max ≤ 17"
                ));
            }
        }
        if r.from_month == 0 {
            e.push(format!(
                "recruitment[{i}].from_month = 0: recruitment starts at month 1 (month 0 is the start data set)"
            ));
        }
        if let Some(u) = r.until_month {
            if u < r.from_month {
                e.push(format!(
                    "recruitment[{i}].until_month = {u}: before from_month = {}",
                    r.from_month
                ));
            }
        }
    }
    rate(
        &mut e,
        "carers.attrition_per_year",
        s.carers.attrition_per_year,
        1.0,
    );
    rate(
        &mut e,
        "entries.units_per_month",
        s.entries.units_per_month,
        10_000.0,
    );
    if s.entries.max_age > 17 {
        e.push(format!(
            "entries.max_age = {}: must be 0–17",
            s.entries.max_age
        ));
    }
    if s.entries.min_institution_age > 18 {
        e.push(format!(
            "entries.min_institution_age = {}: must be 0–18 (18 admits no one)",
            s.entries.min_institution_age
        ));
    }
    rate(
        &mut e,
        "exits.reunification_per_year",
        s.exits.reunification_per_year,
        1.0,
    );
    rate(
        &mut e,
        "exits.adoption_under5_per_year",
        s.exits.adoption_under5_per_year,
        1.0,
    );
    rate(
        &mut e,
        "exits.adoption_per_year",
        s.exits.adoption_per_year,
        1.0,
    );
    if !(1..=25).contains(&s.exits.age_out) {
        e.push(format!("exits.age_out = {}: must be 1–25", s.exits.age_out));
    }
    if s.breakdowns.bands.is_empty() {
        e.push("breakdowns.bands = []: give at least one band".into());
    }
    let mut last = f64::NEG_INFINITY;
    for (i, b) in s.breakdowns.bands.iter().enumerate() {
        if !b.below.is_finite() || b.below <= last {
            e.push(format!(
                "breakdowns.bands[{i}].below = {}: bands must ascend",
                b.below
            ));
        }
        last = b.below;
        rate(
            &mut e,
            &format!("breakdowns.bands[{i}].per_year"),
            b.per_year,
            1.0,
        );
    }
    if last <= 100.0 && !s.breakdowns.bands.is_empty() {
        e.push(format!(
            "breakdowns.bands: the last band's below = {last} must be above 100 so every score has a band"
        ));
    }
    rate(&mut e, "policy.gap", s.policy.gap, 1.0);
    if let Some(t) = s.policy.plan_time_limit_seconds {
        if !t.is_finite() || t <= 0.0 || t > 3600.0 {
            e.push(format!(
                "policy.plan_time_limit_seconds = {t}: must be above 0 and at most 3600"
            ));
        }
    }
    if let Some(f) = s.policy.relax_travel_factor {
        if !f.is_finite() || !(1.0..=10.0).contains(&f) {
            e.push(format!("policy.relax_travel_factor = {f}: must be 1–10"));
        }
    }
    if s.capacity_gap.replications == 0 || s.capacity_gap.replications > 10_000 {
        e.push(format!(
            "capacity_gap.replications = {}: must be 1–10000",
            s.capacity_gap.replications
        ));
    }
    e
}
