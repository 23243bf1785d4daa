//! The work of a job, run on a job worker: a plan (re-checked by the
//! independent checker) or a simulation (its report files written).

use super::queue::{Outcome, RunCtx, Work};
use super::wire::CheckBody;
use crate::domain::DataSet;
use crate::plan_document;
use crate::plan_document::check::check_plan;
use crate::scoring::{Model, Scorer};
use crate::sim::{self, Scenario, SimOptions, SimResult};
use crate::solve::build::Scope;
use crate::solve::exact::SolveOptions;
use crate::solve::plan::PlanOptions;
use chrono::NaiveDate;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A plan job's inputs, validated.
pub(super) struct PlanJob {
    pub(super) data: Arc<DataSet>,
    pub(super) model: Model,
    pub(super) as_of: NaiveDate,
    pub(super) scope: Scope,
    pub(super) scope_name: String,
    pub(super) time_limit: f64,
    pub(super) work_limit: Option<u64>,
    pub(super) gap: f64,
    pub(super) relax: bool,
    pub(super) alternatives: usize,
}

pub(super) fn plan_work(p: PlanJob) -> Work {
    Box::new(move |ctx: &RunCtx| {
        let opts = PlanOptions {
            scope: p.scope,
            solve: SolveOptions {
                time_limit: Some(Duration::from_secs_f64(p.time_limit)),
                work_limit: p.work_limit,
                rel_gap: p.gap,
                cancel: Some(Arc::clone(&ctx.cancel)),
            },
            relax: p.relax,
            pinned: Vec::new(),
            forbidden: Vec::new(),
            alternatives: p.alternatives,
        };
        let progress = |done: usize, total: usize| ctx.progress.set(done, total);
        let plan = crate::solve::plan::plan(&p.data, &p.model, p.as_of, &opts, Some(&progress))
            .map_err(|e| e.to_string())?;
        if ctx.cancel.load(Ordering::Relaxed) {
            return Err("cancelled".into());
        }
        let scorer = Scorer::new(&p.data, &p.model, p.as_of);
        let doc = plan_document::plan_json(&scorer, &p.scope_name, &plan);
        // Every plan is re-checked by the independent checker.
        let report = check_plan(&p.data, &p.model, &doc);
        if !report.problems.is_empty() {
            tracing::error!(problems = ?report.problems, "the checker rejected a plan");
        }
        let result = serde_json::to_value(&doc).map_err(|e| {
            tracing::error!(error = %e, "plan document");
            "internal error: the plan could not be written".to_owned()
        })?;
        Ok(Outcome {
            result,
            check: Some(CheckBody {
                valid: report.problems.is_empty(),
                problems: report.problems,
            }),
            files: Vec::new(),
        })
    })
}

pub(super) fn simulation_work(sc: Scenario) -> Work {
    Box::new(move |ctx: &RunCtx| {
        let progress = |done: usize, total: usize| ctx.progress.set(done, total);
        let opts = SimOptions {
            progress: Some(&progress),
            cancel: Some(&ctx.cancel),
        };
        let r = sim::run(&sc, &opts).map_err(|e| e.to_string())?;
        let files = write_files(&r, &ctx.dir).map_err(|e| {
            tracing::error!(error = %e, dir = %ctx.dir.display(), "simulation files");
            "internal error: the result files could not be written".to_owned()
        })?;
        Ok(Outcome {
            result: json!({ "files": files, "summary": summary(&r) }),
            check: None,
            files,
        })
    })
}

/// Writes the report files of `r` into `dir` with flat names (charts as
/// `chart-<name>.svg`); their names, sorted.
fn write_files(r: &SimResult, dir: &std::path::Path) -> std::io::Result<Vec<String>> {
    sim::report::write_all(r, dir)?;
    let charts = dir.join("charts");
    if charts.is_dir() {
        for e in std::fs::read_dir(&charts)? {
            let e = e?;
            let name = format!("chart-{}", e.file_name().to_string_lossy());
            std::fs::rename(e.path(), dir.join(name))?;
        }
        std::fs::remove_dir(&charts)?;
    }
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_file() {
            files.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    files.sort();
    Ok(files)
}

/// A short summary of a run (the whole one is `summary.json`).
fn summary(r: &SimResult) -> serde_json::Value {
    let last = r.dates.len().saturating_sub(1);
    let mut series = serde_json::Map::new();
    for n in crate::sim::HEADLINE_SERIES {
        if let Some(s) = r.series(n) {
            series.insert(
                n.to_owned(),
                json!({
                    "start": s.mean.first(),
                    "end": s.mean.get(last),
                    "endP05": s.p05.get(last),
                    "endP95": s.p95.get(last),
                }),
            );
        }
    }
    json!({
        "scenario": r.name,
        "model": r.model,
        "replications": r.replications,
        "seed": r.seed,
        "start": r.dates.first().map(|d| d.to_string()),
        "end": r.dates.last().map(|d| d.to_string()),
        "steps": last,
        "timing": {
            "totalSeconds": r.timing.total,
            "initialPlanSeconds": r.timing.initial_plan,
            "replicationsSeconds": r.timing.replications,
            "capacityGapSeconds": r.timing.capacity_gap,
        },
        "planner": {
            "solves": r.stats.solves,
            "optimal": r.stats.optimal,
            "withinGap": r.stats.within_gap,
            "timeLimited": r.stats.time_limited,
        },
        "series": series,
        "capacityGapHouseholds": r.gap.as_ref().map(|g| g.rows.iter().map(|x| x.households).sum::<u32>()),
    })
}
