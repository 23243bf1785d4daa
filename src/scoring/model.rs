//! Scoring models: versioned TOML files in `models/` holding jurisdiction
//! rules, hard-rule switches and thresholds, soft weights and their
//! parameters, priority weights and the geography parameters.
//!
//! Loading rejects unknown keys and out-of-range values with a message naming
//! the key. The models in `models/` are embedded in the binary, so a model can
//! be named (`serbia`) or given as a file path.

use super::criteria::Criterion;
use super::rules::RuleCode;
use crate::domain::NeedCode;
use crate::geo::GeoParams;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Models shipped in `models/` and embedded in the binary: (name, TOML).
pub const BUILTIN: [(&str, &str); 2] = [
    ("default", include_str!("../../models/default.toml")),
    ("serbia", include_str!("../../models/serbia.toml")),
];

/// Why a model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Not a built-in name and not a readable file.
    #[error("no model named {0:?}: use one of {names} or a path to a .toml file", names = BUILTIN.map(|b| b.0).join(", "))]
    NotFound(String),
    /// The file could not be read.
    #[error("cannot read model file {path}: {source}")]
    Read {
        /// Path.
        path: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// TOML syntax error, unknown key or wrong type.
    #[error("model {source_name}: {message}")]
    Syntax {
        /// File or model name.
        source_name: String,
        /// Parser message (names the key and line).
        message: String,
    },
    /// Values out of range or inconsistent; every problem is listed.
    #[error("model {source_name} is invalid:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// File or model name.
        source_name: String,
        /// Each problem, naming the key.
        problems: Vec<String>,
    },
}

/// Household rules of a jurisdiction (e.g. Serbia: at most 3 children, or 2
/// when a child with developmental difficulties is placed; sibling groups
/// exempt).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdRules {
    /// Most children in placement in one household after a placement (absent = no limit).
    pub max_children: Option<u8>,
    /// Most children when any of them has developmental difficulties (absent = no limit).
    pub max_children_with_developmental: Option<u8>,
    /// Need codes that count as developmental difficulties.
    pub developmental_needs: Vec<String>,
    /// Lowest severity that counts (1–3).
    pub developmental_min_severity: u8,
    /// A sibling group placed together may exceed the limits.
    pub sibling_groups_exempt: bool,
}

/// Thresholds of hard rules.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Most travel minutes from the carer's home to the birth family.
    pub max_travel_minutes_birth_family: f64,
    /// Kinship carers are exempt from the travel limit.
    pub kinship_exempt_from_travel_limit: bool,
    /// Mobility-need severity from which an accessible home is required (1–3; 4 = never).
    pub accessible_home_from_mobility_severity: u8,
}

/// Parameters of the soft criteria, validated against each criterion's own
/// declaration ([`Spec::params`](super::criteria::Spec::params)): per
/// criterion, its parameter values in declaration order.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionParams {
    by_criterion: Vec<Vec<f64>>,
}

impl CriterionParams {
    /// The parameter values of `c`, in the order of its declaration.
    #[inline]
    pub fn of(&self, c: Criterion) -> &[f64] {
        self.by_criterion.get(c.index()).map_or(&[], Vec::as_slice)
    }

    /// The value of the parameter with key `key`, if any criterion declares it.
    pub fn get(&self, key: &str) -> Option<f64> {
        Criterion::ALL.into_iter().find_map(|c| {
            let i = c.spec().params.iter().position(|q| q.key == key)?;
            self.of(c).get(i).copied()
        })
    }

    /// Reads `[params]`: every declared parameter, defaulted when absent and
    /// range-checked; unknown keys are errors. Problems are appended to `p`.
    fn from_raw(raw: &BTreeMap<String, f64>, p: &mut Vec<String>) -> Self {
        let declared = || Criterion::ALL.into_iter().flat_map(|c| c.spec().params);
        for k in raw.keys() {
            if !declared().any(|q| q.key == k) {
                p.push(format!(
                    "params: unknown parameter {k:?} (known: {})",
                    declared().map(|q| q.key).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        let by_criterion = Criterion::ALL
            .into_iter()
            .map(|c| {
                c.spec()
                    .params
                    .iter()
                    .map(|q| {
                        let v = raw.get(q.key).copied().unwrap_or(q.default);
                        if !(v.is_finite() && v >= q.min && v <= q.max) {
                            p.push(format!(
                                "params.{} = {v}: must be {}–{}",
                                q.key, q.min, q.max
                            ));
                        }
                        v
                    })
                    .collect()
            })
            .collect();
        CriterionParams { by_criterion }
    }
}

/// Priority (placement value) weights, in points.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityWeights {
    /// Every child.
    pub base: f64,
    /// A child under 3 living in an institution.
    pub under3_in_institution: f64,
    /// A child under 7 living in an institution.
    pub under7_in_institution: f64,
    /// Per point of need severity (sum over needs), capped at 6 points.
    pub per_need_severity: f64,
    /// Per full year in an institution, capped at 10 years.
    pub per_year_in_institution: f64,
    /// The child's institution closes within `closing_within_months`.
    pub institution_closing: f64,
    /// Window for `institution_closing`.
    pub closing_within_months: u32,
}

/// Geography parameters of the estimated road graph.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Geography {
    /// Neighbours linked per place.
    pub knn: usize,
    /// Road ÷ great-circle distance.
    pub detour_factor: f64,
    /// Average speed, km/h.
    pub speed_kmh: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    id: String,
    version: String,
    description: String,
    #[serde(default)]
    jurisdiction: Option<String>,
    #[serde(default)]
    forbidden_criteria: Vec<String>,
    household: HouseholdRules,
    #[serde(default)]
    hard_rules: BTreeMap<String, bool>,
    thresholds: Thresholds,
    weights: BTreeMap<String, f64>,
    #[serde(default)]
    params: BTreeMap<String, f64>,
    priority: PriorityWeights,
    geography: Geography,
    #[serde(default)]
    relaxations: Vec<Relaxation>,
}

/// One step of the planner's relaxation ladder (`homeward plan --relax`),
/// applied cumulatively after the strict plan, in the model's order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Relaxation {
    /// Multiply the maximum travel minutes to the birth family by `factor`.
    TravelLimit {
        /// Factor > 1.
        factor: f64,
    },
    /// Split sibling groups of at least `min_size` children into sub-groups
    /// of 2–3 (by age), placed in households at most `within_minutes` apart.
    SplitSiblingGroups {
        /// Smallest group that may be split (≥ 3).
        min_size: u8,
        /// Most travel minutes between the sub-groups' households.
        within_minutes: f64,
    },
}

impl Relaxation {
    /// Short label for outputs, e.g. `travel limit ×1.5`.
    pub fn label(&self) -> String {
        match self {
            Relaxation::TravelLimit { factor } => format!("travel limit ×{factor}"),
            Relaxation::SplitSiblingGroups {
                min_size,
                within_minutes,
            } => {
                format!(
                    "sibling groups of {min_size}+ split, sub-groups within {within_minutes} min"
                )
            }
        }
    }
}

/// A validated scoring model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Model id (echoed in every result).
    pub id: String,
    /// Model version (echoed in every result).
    pub version: String,
    /// One-paragraph description.
    pub description: String,
    /// Jurisdiction code, if any.
    pub jurisdiction: Option<String>,
    /// Criteria this model may not use (never computed).
    pub forbidden: Vec<Criterion>,
    /// Household rules.
    pub household: HouseholdRules,
    /// Developmental need codes (parsed from `household.developmental_needs`).
    pub developmental: [bool; NeedCode::COUNT],
    /// Enabled hard rules, in registry order.
    pub enabled_rules: Vec<RuleCode>,
    /// The enabled rules as a mask of [`RuleCode::bit`]s.
    pub rule_mask: u16,
    /// Hard-rule thresholds.
    pub thresholds: Thresholds,
    /// Weight per criterion in registry order (0 for forbidden).
    pub weights: Vec<(Criterion, f64)>,
    /// Soft criterion parameters.
    pub params: CriterionParams,
    /// Priority weights.
    pub priority: PriorityWeights,
    /// Geography parameters.
    pub geo: GeoParams,
    /// Relaxation ladder, in order.
    pub relaxations: Vec<Relaxation>,
}

impl Model {
    /// Loads a built-in model by name, or a model file by path.
    ///
    /// # Errors
    /// [`ModelError`] naming the problem.
    pub fn load(name_or_path: &str) -> Result<Model, ModelError> {
        if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Model::from_toml(text, name);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            return Err(ModelError::NotFound(name_or_path.to_owned()));
        }
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Read {
            path: name_or_path.to_owned(),
            source,
        })?;
        Model::from_toml(&text, name_or_path)
    }

    /// Parses and validates model TOML; `source_name` names it in errors.
    ///
    /// # Errors
    /// [`ModelError::Syntax`] or [`ModelError::Invalid`].
    pub fn from_toml(text: &str, source_name: &str) -> Result<Model, ModelError> {
        let raw: RawModel = toml::from_str(text).map_err(|e| ModelError::Syntax {
            source_name: source_name.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        validate(raw).map_err(|problems| ModelError::Invalid {
            source_name: source_name.to_owned(),
            problems,
        })
    }

    /// Weight of `c` (0 when forbidden).
    pub fn weight(&self, c: Criterion) -> f64 {
        self.weights
            .iter()
            .find(|(k, _)| *k == c)
            .map_or(0.0, |(_, w)| *w)
    }

    /// Whether hard rule `r` is enabled.
    pub fn rule_enabled(&self, r: RuleCode) -> bool {
        self.enabled_rules.contains(&r)
    }

    /// `id@version`, for outputs.
    pub fn tag(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }
}

fn validate(raw: RawModel) -> Result<Model, Vec<String>> {
    let mut p = Vec::new();
    let id_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    if !id_ok(&raw.id) {
        p.push(format!(
            "id = {:?}: use 1–64 ASCII letters, digits, '-', '_' or '.'",
            raw.id
        ));
    }
    if !id_ok(&raw.version) {
        p.push(format!(
            "version = {:?}: use 1–64 ASCII letters, digits, '-', '_' or '.'",
            raw.version
        ));
    }
    let mut forbidden = Vec::new();
    for f in &raw.forbidden_criteria {
        match Criterion::parse(f) {
            Some(c) => forbidden.push(c),
            None => p.push(format!(
                "forbidden_criteria: unknown criterion {f:?} (known: {})",
                Criterion::keys()
            )),
        }
    }
    let mut developmental = [false; NeedCode::COUNT];
    for n in &raw.household.developmental_needs {
        match NeedCode::parse(n) {
            Some(c) => developmental[c.index()] = true,
            None => p.push(format!(
                "household.developmental_needs: unknown need code {n:?}"
            )),
        }
    }
    if !(1..=3).contains(&raw.household.developmental_min_severity) {
        p.push("household.developmental_min_severity must be 1, 2 or 3".into());
    }
    for (k, v) in [
        ("household.max_children", raw.household.max_children),
        (
            "household.max_children_with_developmental",
            raw.household.max_children_with_developmental,
        ),
    ] {
        if v == Some(0) {
            p.push(format!(
                "{k} must be at least 1 (leave it out for no limit)"
            ));
        }
    }
    if raw.household.max_children_with_developmental.is_some()
        && raw.household.max_children.is_none()
    {
        p.push("household.max_children_with_developmental needs household.max_children (the limit without developmental difficulties)".into());
    }
    let mut enabled_rules = Vec::new();
    for k in raw.hard_rules.keys() {
        if RuleCode::parse(k).is_none() {
            p.push(format!(
                "hard_rules: unknown rule {k:?} (known: {})",
                RuleCode::ALL.map(|r| r.as_str()).join(", ")
            ));
        }
    }
    for r in RuleCode::ALL {
        if raw.hard_rules.get(r.as_str()).copied().unwrap_or(true) {
            enabled_rules.push(r);
        }
    }
    let t = &raw.thresholds;
    if !(t.max_travel_minutes_birth_family.is_finite() && t.max_travel_minutes_birth_family > 0.0) {
        p.push(
            "thresholds.max_travel_minutes_birth_family must be a positive number of minutes"
                .into(),
        );
    }
    if !(1..=4).contains(&t.accessible_home_from_mobility_severity) {
        p.push(
            "thresholds.accessible_home_from_mobility_severity must be 1–3 (or 4 for never)".into(),
        );
    }
    let mut weights = Vec::new();
    for k in raw.weights.keys() {
        match Criterion::parse(k) {
            None => p.push(format!(
                "weights: unknown criterion {k:?} (known: {})",
                Criterion::keys()
            )),
            Some(c) if forbidden.contains(&c) => p.push(format!(
                "weights.{k}: criterion is forbidden by this model; remove its weight"
            )),
            Some(_) => {}
        }
    }
    let mut total = 0.0;
    for c in Criterion::ALL {
        if forbidden.contains(&c) {
            weights.push((c, 0.0));
            continue;
        }
        match raw.weights.get(c.key()) {
            None => p.push(format!(
                "weights.{} is missing (give 0 to switch the criterion off)",
                c.key()
            )),
            Some(w) if !(w.is_finite() && (0.0..=1000.0).contains(w)) => {
                p.push(format!("weights.{} = {w}: must be 0–1000", c.key()))
            }
            Some(w) => {
                total += w;
                weights.push((c, *w));
            }
        }
    }
    if total <= 0.0 && p.is_empty() {
        p.push("weights: at least one weight must be positive".into());
    }
    let params = CriterionParams::from_raw(&raw.params, &mut p);
    let q = &raw.priority;
    for (k, v) in [
        ("base", q.base),
        ("under3_in_institution", q.under3_in_institution),
        ("under7_in_institution", q.under7_in_institution),
        ("per_need_severity", q.per_need_severity),
        ("per_year_in_institution", q.per_year_in_institution),
        ("institution_closing", q.institution_closing),
    ] {
        if !(v.is_finite() && (0.0..=100_000.0).contains(&v)) {
            p.push(format!("priority.{k} = {v}: must be 0–100000"));
        }
    }
    if q.closing_within_months > 120 {
        p.push("priority.closing_within_months must be at most 120".into());
    }
    let g = &raw.geography;
    if !(1..=50).contains(&g.knn) {
        p.push(format!("geography.knn = {}: must be 1–50", g.knn));
    }
    if !(g.detour_factor.is_finite() && (1.0..=5.0).contains(&g.detour_factor)) {
        p.push(format!(
            "geography.detour_factor = {}: must be 1–5",
            g.detour_factor
        ));
    }
    if !(g.speed_kmh.is_finite() && (5.0..=200.0).contains(&g.speed_kmh)) {
        p.push(format!(
            "geography.speed_kmh = {}: must be 5–200",
            g.speed_kmh
        ));
    }
    for (i, r) in raw.relaxations.iter().enumerate() {
        match r {
            Relaxation::TravelLimit { factor }
                if !(factor.is_finite() && *factor > 1.0 && *factor <= 10.0) =>
            {
                p.push(format!(
                    "relaxations[{i}].factor = {factor}: must be more than 1 and at most 10"
                ));
            }
            Relaxation::SplitSiblingGroups {
                min_size,
                within_minutes,
            } => {
                if *min_size < 3 {
                    p.push(format!(
                        "relaxations[{i}].min_size = {min_size}: must be at least 3"
                    ));
                }
                if !(within_minutes.is_finite() && *within_minutes > 0.0) {
                    p.push(format!(
                        "relaxations[{i}].within_minutes = {within_minutes}: must be positive"
                    ));
                }
            }
            _ => {}
        }
    }
    if !p.is_empty() {
        return Err(p);
    }
    Ok(Model {
        id: raw.id,
        version: raw.version,
        description: raw.description,
        jurisdiction: raw.jurisdiction,
        forbidden,
        household: raw.household,
        developmental,
        rule_mask: enabled_rules.iter().fold(0, |m, r| m | r.bit()),
        enabled_rules,
        thresholds: raw.thresholds,
        weights,
        params,
        priority: raw.priority,
        relaxations: raw.relaxations,
        geo: GeoParams {
            knn: g.knn,
            detour_factor: g.detour_factor,
            speed_kmh: g.speed_kmh,
        },
    })
}
