//! Checks of plan and simulation requests: every problem at once, each
//! naming its field (422), before a job is queued.

use super::wire::{PlanRequest, SimulationRequest};
use super::work::PlanJob;
use super::{DEFAULT_TIME_LIMIT_SECS, MAX_ALTERNATIVES, MAX_REPLICATIONS, MAX_TIME_LIMIT_SECS};
use crate::api::{AppState, Problem};
use crate::sim::{Scenario, ScenarioError};
use crate::solve::build::Scope;
use crate::solve::exact::SolveOptions;
use crate::solve::plan::{OptionError, PlanOptions, time_limit_secs};
use axum::http::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;

/// A 422 listing every (field, problem).
fn invalid(errors: Vec<(&'static str, String)>) -> Problem {
    let detail = errors
        .iter()
        .map(|(_, m)| m.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let mut p = Problem::invalid(detail);
    p.errors = errors
        .into_iter()
        .map(|(field, problem)| json!({ "field": field, "problem": problem }))
        .collect();
    p
}

/// Checks a plan request against itself and the data set: every problem
/// at once, each naming its field.
pub(super) fn validate_plan(st: &AppState, req: PlanRequest) -> Result<(PlanJob, String), Problem> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let time_limit = req.time_limit_secs.unwrap_or(DEFAULT_TIME_LIMIT_SECS);
    if time_limit_secs(time_limit).is_err() || time_limit > MAX_TIME_LIMIT_SECS {
        errors.push((
            "timeLimitSecs",
            format!(
                "timeLimitSecs = {time_limit}: must be above 0 and at most {MAX_TIME_LIMIT_SECS} seconds"
            ),
        ));
    }
    let gap = req.gap.unwrap_or(0.0);
    // The work limit and the gap by the planner's own check (the time
    // limit, checked above in seconds with the API's ceiling, is left out).
    let limits = PlanOptions {
        scope: Scope::All,
        solve: SolveOptions {
            time_limit: None,
            work_limit: req.work_limit,
            rel_gap: gap,
            ..SolveOptions::default()
        },
        relax: false,
        pinned: Vec::new(),
        forbidden: Vec::new(),
        alternatives: 0,
    };
    for e in limits.validate().err().unwrap_or_default() {
        match e {
            OptionError::TimeLimit => {}
            OptionError::WorkLimit => errors.push((
                "workLimit",
                "workLimit = 0: must be at least 1 unit of work (or left out for none)".into(),
            )),
            OptionError::Gap(gap) => errors.push((
                "gap",
                format!(
                    "gap = {gap}: must be at least 0 and below 1 (a relative gap, e.g. 0.0001)"
                ),
            )),
        }
    }
    let alternatives = req.alternatives.unwrap_or(0);
    if alternatives > MAX_ALTERNATIVES {
        errors.push((
            "alternatives",
            format!("alternatives = {alternatives}: must be 0–{MAX_ALTERNATIVES}"),
        ));
    }
    let model_name = req.model.as_deref().unwrap_or("default");
    let model = match crate::api::matching::model_by_name(model_name, "model") {
        Ok(m) => Some(m),
        Err(p) if p.status == StatusCode::UNPROCESSABLE_ENTITY => {
            errors.push(("model", p.detail));
            None
        }
        Err(p) => return Err(p),
    };
    let (_, data) = st.dataset().map_err(Problem::from_store)?;
    let scope = match (req.region, req.children) {
        (Some(_), Some(_)) => {
            errors.push((
                "region",
                "region and children: give one of them, not both (neither plans every child)"
                    .into(),
            ));
            None
        }
        (Some(r), None) => {
            let regions: BTreeSet<&str> = data
                .children
                .iter()
                .map(|c| data.place(c.location).region.as_str())
                .collect();
            if regions.contains(r.as_str()) {
                Some((Scope::Region(r.clone()), format!("region {r}")))
            } else {
                errors.push((
                    "region",
                    format!(
                        "region = {r:?}: no child lives in this region (regions with children: {})",
                        regions.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                ));
                None
            }
        }
        (None, Some(ids)) => {
            let unknown: Vec<&str> = ids
                .iter()
                .filter(|id| data.child_ix(id).is_none())
                .map(String::as_str)
                .collect();
            if ids.is_empty() {
                errors.push((
                    "children",
                    "children = []: list at least one child id (or leave it out to plan every child)".into(),
                ));
                None
            } else if !unknown.is_empty() {
                errors.push((
                    "children",
                    format!(
                        "children: no child with id {} in the data set",
                        unknown
                            .iter()
                            .map(|i| format!("{i:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                None
            } else {
                let name = format!("children {}", ids.join(", "));
                Some((Scope::Children(ids), name))
            }
        }
        (None, None) => Some((Scope::All, "all children".to_owned())),
    };
    match (model, scope) {
        (Some(model), Some((scope, scope_name))) if errors.is_empty() => {
            let description = format!("{scope_name}, model {}", model.tag());
            Ok((
                PlanJob {
                    data,
                    model,
                    as_of: st.as_of(),
                    scope,
                    scope_name,
                    time_limit,
                    work_limit: req.work_limit,
                    gap,
                    relax: req.relax.unwrap_or(false),
                    alternatives: alternatives as usize,
                },
                description,
            ))
        }
        _ => Err(invalid(errors)),
    }
}

/// The scenario of a simulation request over the current data set.
pub(super) fn validate_simulation(
    st: &AppState,
    req: SimulationRequest,
) -> Result<Scenario, Problem> {
    if let Some(r) = req.replications {
        if !(1..=MAX_REPLICATIONS).contains(&r) {
            return Err(invalid(vec![(
                "replications",
                format!("replications = {r}: must be 1–{MAX_REPLICATIONS}"),
            )]));
        }
    }
    let (_, data) = st.dataset().map_err(Problem::from_store)?;
    let mut sc =
        Scenario::from_toml_with_data(&req.scenario, "request", (*data).clone()).map_err(|e| {
            let lines = match &e {
                ScenarioError::Invalid { errors, .. } => errors.clone(),
                other => vec![other.to_string()],
            };
            let mut p = Problem::invalid(e.to_string());
            p.errors = lines
                .into_iter()
                .map(|problem| json!({ "field": "scenario", "problem": problem }))
                .collect();
            p
        })?;
    if let Some(r) = req.replications {
        sc.spec.replications = r;
    }
    Ok(sc)
}
