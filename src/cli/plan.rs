//! `homeward plan`: a placement plan for the waiting children of a region
//! (or a list), or the solution of a raw planner instance.

use super::{Format, write_atomically};
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use homeward::dataset;
use homeward::scoring::{Model, Scorer};
use homeward::solve::build::Scope;
use homeward::solve::exact::SolveOptions;
use homeward::solve::plan::{OptionError, PlanOptions, time_limit_secs};
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

// The options of `plan` (no doc comment: the subcommand's about text is
// the variant's in main.rs).
#[derive(clap::Args)]
pub struct PlanArgs {
    /// Data set: a folder of CSV files or a JSON document.
    #[arg(long, default_value = "fixtures/serbia")]
    data: PathBuf,
    /// Scoring model: a built-in name (default, serbia) or a .toml file.
    #[arg(long, default_value = "default")]
    model: String,
    /// Plan only children living in this region (with their siblings).
    #[arg(long, conflicts_with = "children")]
    region: Option<String>,
    /// Plan only the children listed in this file (one id per line).
    #[arg(long)]
    children: Option<PathBuf>,
    /// Pin a child to a household: CHILD=HOUSEHOLD (repeatable).
    #[arg(long, value_name = "CHILD=HOUSEHOLD")]
    pin: Vec<String>,
    /// Forbid a child–household pair: CHILD=HOUSEHOLD (repeatable).
    #[arg(long, value_name = "CHILD=HOUSEHOLD")]
    forbid: Vec<String>,
    /// Stop after this many seconds with the best plan and its proved
    /// bound (whole plan, relaxation rounds included). Default 30, or
    /// none when --work-limit is given (a time limit makes the plan
    /// depend on the machine).
    #[arg(long, value_name = "SECS")]
    time_limit: Option<f64>,
    /// Stop after N units of work (knapsack evaluations of the bound and
    /// search nodes; README "Placement plans"): the same data and work
    /// limit give the same plan on any machine and any number of
    /// threads. With --time-limit too, the first reached stops it; the
    /// plan says which (stoppedBy). With --relax the limits are shared
    /// between the rounds: the strict round gets at most half, each
    /// relaxation round 1/n of what is left when n rounds may still run
    /// (the last all of it), unused shares carried forward.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    work_limit: Option<u64>,
    /// Stop when (bound − objective) / bound ≤ REL (0 = prove optimal).
    #[arg(long, default_value_t = 0.0, value_name = "REL")]
    gap: f64,
    /// Climb the model's relaxation ladder for children left unplaced.
    #[arg(long)]
    relax: bool,
    /// Alternatives reported per placement.
    #[arg(long, default_value_t = 3)]
    alternatives: usize,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also write the plan document (JSON) here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Solve a planner instance (JSON, e.g. from `generate --family planner`)
    /// instead of a data set, and print the result and timings.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["region", "children", "pin", "forbid", "relax"])]
    instance: Option<PathBuf>,
    /// Write the strict round's exact model in MPS (any MILP solver reads it).
    #[arg(long, value_name = "FILE")]
    export_mps: Option<PathBuf>,
    /// Write the strict round's instance as JSON (units, households, pairs with coefficients).
    #[arg(long, value_name = "FILE")]
    export_json: Option<PathBuf>,
    /// Date on which ages are taken (YYYY-MM-DD; default today).
    #[arg(long)]
    as_of: Option<NaiveDate>,
}

/// Runs `homeward plan`.
pub fn run(args: PlanArgs) -> Result<()> {
    let PlanArgs {
        data,
        model,
        region,
        children,
        pin,
        forbid,
        time_limit,
        work_limit,
        gap,
        relax,
        alternatives,
        format,
        out,
        export_mps,
        export_json,
        instance,
        as_of,
    } = args;
    let time_limit = match (time_limit, work_limit) {
        (Some(t), _) => match time_limit_secs(t) {
            Ok(d) => Some(d),
            Err(_) => bail!("--time-limit must be a positive number of seconds"),
        },
        (None, Some(_)) => None,
        (None, None) => Some(std::time::Duration::from_secs(30)),
    };
    if let Some(file) = instance {
        return solve_instance_file(
            &file,
            (time_limit, work_limit),
            gap,
            export_mps.as_deref(),
            format,
        );
    }
    let model = Model::load(&model)?;
    let d = dataset::load(&data)?;
    let as_of = as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
    let (scope, scope_name) = match (region, children) {
        (Some(r), _) => (Scope::Region(r.clone()), format!("region {r}")),
        (None, Some(f)) => {
            let text =
                std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
            let ids: Vec<String> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned)
                .collect();
            (
                Scope::Children(ids),
                format!("children listed in {}", f.display()),
            )
        }
        (None, None) => (Scope::All, "all children".to_owned()),
    };
    let pair = |s: &String| -> Result<(String, String)> {
        let (c, h) = s
            .split_once('=')
            .with_context(|| format!("{s:?}: write CHILD=HOUSEHOLD"))?;
        Ok((c.trim().to_owned(), h.trim().to_owned()))
    };
    let mut opts = PlanOptions {
        scope,
        solve: SolveOptions {
            time_limit,
            work_limit,
            rel_gap: gap,
            ..SolveOptions::default()
        },
        relax,
        pinned: Vec::new(),
        forbidden: Vec::new(),
        alternatives,
    };
    // The time limit was checked above and clap keeps the work limit at 1
    // or more: only the gap can be out of range here.
    if let Err(errors) = opts.validate() {
        if errors.iter().any(|e| matches!(e, OptionError::Gap(_))) {
            bail!("--gap must be at least 0 and below 1 (a relative gap, e.g. 0.0001)");
        }
        bail!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    opts.pinned = pin.iter().map(pair).collect::<Result<_>>()?;
    opts.forbidden = forbid.iter().map(pair).collect::<Result<_>>()?;
    if export_mps.is_some() || export_json.is_some() {
        let built = homeward::solve::plan::strict_instance(&d, &model, as_of, &opts)?;
        let ids = homeward::instance_json::InstanceIds {
            units: built
                .units
                .iter()
                .map(|u| {
                    u.members
                        .iter()
                        .map(|c| d.child(*c).id.as_str())
                        .collect::<Vec<_>>()
                        .join("+")
                })
                .collect(),
            households: built
                .carers
                .iter()
                .map(|c| d.carer(*c).id.to_string())
                .collect(),
        };
        if let Some(f) = &export_mps {
            write_atomically(f, |w| homeward::solve::write_mps(&built.instance, w))?;
        }
        if let Some(f) = &export_json {
            write_atomically(f, |w| {
                homeward::instance_json::write_instance_json(&built.instance, &ids, w)
            })?;
        }
    }
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} solving {pos}/{len} components {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let progress = |done: usize, total: usize| {
        if started.elapsed().as_secs_f64() > 1.0 {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let plan = homeward::solve::plan::plan(&d, &model, as_of, &opts, Some(&progress))?;
    bar.finish_and_clear();
    let scorer = Scorer::new(&d, &model, as_of);
    let doc = homeward::plan_document::plan_json(&scorer, &scope_name, &plan);
    // Every printed plan is re-checked by the independent checker, as the
    // API does for every plan job.
    let report = homeward::plan_document::check::check_plan(&d, &model, &doc);
    if let Some(out) = &out {
        let tmp = out.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&doc)?)
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, out).with_context(|| format!("writing {}", out.display()))?;
    }
    match format {
        Format::Table => {
            out!("{}", homeward::plan_document::plan_text(&doc));
            outln!("{}", verdict_line(&report));
        }
        Format::Json => {
            // The plan document with the checker's verdict beside it, in
            // the field and shape of the API's plan job (`check`).
            let printed = CheckedPlan {
                doc: &doc,
                check: Verdict {
                    valid: report.problems.is_empty(),
                    problems: &report.problems,
                },
            };
            outln!("{}", serde_json::to_string_pretty(&printed)?);
        }
    }
    if !report.problems.is_empty() {
        for p in &report.problems {
            eprintln!("  - {p}");
        }
        bail!(
            "internal error: the independent checker rejected the plan ({} problem(s))",
            report.problems.len()
        );
    }
    Ok(())
}

/// `plan --format json`: the plan document, its fields in their order,
/// then the checker's verdict.
#[derive(serde::Serialize)]
struct CheckedPlan<'a> {
    #[serde(flatten)]
    doc: &'a homeward::plan_document::PlanJson,
    check: Verdict<'a>,
}

/// The independent checker's verdict, as the API's plan job gives it.
#[derive(serde::Serialize)]
struct Verdict<'a> {
    valid: bool,
    problems: &'a [String],
}

/// The table's last line: the independent checker's verdict on the plan.
fn verdict_line(report: &homeward::plan_document::check::CheckReport) -> String {
    if report.problems.is_empty() {
        format!(
            "checker: valid — {} placements, {} children placed, objective {} recomputed and equal",
            report.placements, report.children, report.objective
        )
    } else {
        format!(
            "checker: INVALID — {} problem(s) found",
            report.problems.len()
        )
    }
}

/// `plan --instance FILE`: solve a raw instance and report timings.
fn solve_instance_file(
    file: &std::path::Path,
    limits: (Option<std::time::Duration>, Option<u64>),
    gap: f64,
    export_mps: Option<&std::path::Path>,
    format: Format,
) -> Result<()> {
    let t = Instant::now();
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let doc = homeward::instance_json::read_instance_json(f, &file.display().to_string())?;
    let read_s = t.elapsed().as_secs_f64();
    if let Some(m) = export_mps {
        write_atomically(m, |w| homeward::solve::write_mps(&doc.instance, w))?;
    }
    let opts = SolveOptions {
        time_limit: limits.0,
        work_limit: limits.1,
        rel_gap: gap,
        ..SolveOptions::default()
    };
    let t = Instant::now();
    let sol = homeward::solve::solve(&doc.instance, &opts, None);
    let solve_s = t.elapsed().as_secs_f64();
    if !doc.instance.feasible(&sol.assignment)
        || doc.instance.objective(&sol.assignment) != Some(sol.objective)
    {
        bail!("internal error: the solver returned a plan that fails the instance check");
    }
    let gap_rel = if sol.bound > 0 {
        (sol.bound - sol.objective) as f64 / sol.bound as f64
    } else {
        0.0
    };
    let placed = sol.assignment.placed.iter().flatten().count();
    let largest = sol.components.iter().map(|c| c.units).max().unwrap_or(0);
    let report = serde_json::json!({
        "instance": file.display().to_string(),
        "units": doc.instance.units.len(),
        "households": doc.instance.households.len(),
        "pairs": doc.instance.pairs.len(),
        "status": homeward::plan_document::status_name(sol.status),
        "stoppedBy": sol.stopped_by.as_str(),
        "work": sol.work,
        "objective": sol.objective,
        "bound": sol.bound,
        "gap": gap_rel,
        "unitsPlaced": placed,
        "components": sol.components.len(),
        "largestComponentUnits": largest,
        "readSeconds": read_s,
        "solveSeconds": solve_s,
    });
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&report)?),
        Format::Table => outln!(
            "{}: {} units, {} households, {} pairs\nstatus {} (stopped by {}, {} units of work) · objective {} · bound {} · gap {:.2e}\n{} units placed · {} components (largest {} units)\nsolve {:.3} s (reading {:.3} s)",
            file.display(),
            doc.instance.units.len(),
            doc.instance.households.len(),
            doc.instance.pairs.len(),
            homeward::plan_document::status_name(sol.status),
            sol.stopped_by,
            sol.work,
            sol.objective,
            sol.bound,
            gap_rel,
            placed,
            sol.components.len(),
            largest,
            solve_s,
            read_s
        ),
    }
    Ok(())
}
