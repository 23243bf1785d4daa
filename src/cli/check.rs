//! `homeward check`: validate a data set, or check a plan against it with
//! the independent checker.

use anyhow::{Context, Result, bail};
use homeward::dataset;
use homeward::scoring::Model;
use std::io::Write as _;
use std::path::{Path, PathBuf};

// The options of `check` (no doc comment: the subcommand's about text is
// the variant's in main.rs).
#[derive(clap::Args)]
pub struct CheckArgs {
    /// Data set: a folder of CSV files or a JSON document.
    #[arg(long, default_value = "fixtures/serbia")]
    data: PathBuf,
    /// A plan document written by `plan --out`.
    #[arg(long)]
    plan: Option<PathBuf>,
    /// Scoring model the plan was made with (default: the plan's own id).
    #[arg(long)]
    model: Option<String>,
}

/// Runs `homeward check`.
pub fn run(args: CheckArgs) -> Result<()> {
    match &args.plan {
        Some(plan) => check_plan(&args.data, plan, args.model.as_deref()),
        None => check_data(&args.data),
    }
}

/// `check --plan FILE`: the independent checker's verdict; every problem on
/// standard error and a failure exit when there is one.
fn check_plan(data: &Path, plan: &Path, model: Option<&str>) -> Result<()> {
    let d = dataset::load(data)?;
    let text = std::fs::read(plan).with_context(|| format!("reading {}", plan.display()))?;
    let doc: homeward::plan_document::PlanJson = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a plan document", plan.display()))?;
    let model = Model::load(model.unwrap_or(&doc.model.id))?;
    let report = homeward::plan_document::check::check_plan(&d, &model, &doc);
    if report.problems.is_empty() {
        outln!(
            "{}: valid — {} placements, {} children placed, objective {} recomputed and equal",
            plan.display(),
            report.placements,
            report.children,
            report.objective
        );
    } else {
        for p in &report.problems {
            eprintln!("  - {p}");
        }
        bail!(
            "{}: {} problem(s) found",
            plan.display(),
            report.problems.len()
        );
    }
    Ok(())
}

/// `check` without a plan: a summary of the valid data set (the loader
/// reports every error at once otherwise).
fn check_data(data: &Path) -> Result<()> {
    let d = dataset::load(data)?;
    let groups = homeward::domain::sibling_groups(&d);
    outln!(
        "{}: valid — {} places, {} institutions, {} children ({} in {} sibling groups), {} households, {}",
        data.display(),
        d.places.len(),
        d.institutions.len(),
        d.children.len(),
        groups.iter().map(|g| g.members.len()).sum::<usize>(),
        groups.len(),
        d.carers.len(),
        if d.roads.is_some() {
            "roads file present"
        } else {
            "no roads file (travel times will be estimated)"
        }
    );
    Ok(())
}
