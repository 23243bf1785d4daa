//! `homeward generate`: a deterministic synthetic data set on real
//! geography, or a random planner instance.

use super::{write_atomically, write_dataset};
use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::ValueEnum;
use homeward::synth::dataset;
use std::path::PathBuf;
use std::time::Instant;

/// What `generate` makes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Family {
    /// A data set on real geography (CSV folder or JSON document).
    Realistic,
    /// A random planner instance: 30 candidate households per child, scores
    /// 1–1000, free places 1–4 (mean 2.1), sibling groups of 2–4.
    Planner,
    /// The same without sibling groups, capacity 2 (pure assignment).
    PlannerAssignment,
}

// The options of `generate` (no doc comment: the subcommand's about text is
// the variant's in main.rs).
#[derive(clap::Args)]
pub struct GenerateArgs {
    /// Number of children.
    #[arg(long)]
    children: usize,
    /// Number of carer households.
    #[arg(long)]
    carers: usize,
    /// Random seed (same seed, same data set).
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Output folder (CSV files), or a file ending in .json.
    #[arg(long)]
    out: PathBuf,
    /// Country of the real places: RS, MK or XK.
    #[arg(long, default_value = "RS")]
    country: String,
    /// Reference date for ages.
    #[arg(long, default_value = "2026-01-01")]
    as_of: NaiveDate,
    /// What to generate: a realistic data set, or a random planner
    /// instance (JSON; the benchmark family of the planner).
    #[arg(long, value_enum, default_value_t = Family::Realistic)]
    family: Family,
    /// Share of children in sibling groups (planner family only).
    #[arg(long, default_value_t = 0.1)]
    group_share: f64,
}

/// Runs `homeward generate`.
pub fn run(args: GenerateArgs) -> Result<()> {
    if args.family == Family::Realistic {
        realistic(args)
    } else {
        planner(&args)
    }
}

/// `generate --family planner|planner-assignment`: a random instance (JSON).
fn planner(args: &GenerateArgs) -> Result<()> {
    let GenerateArgs {
        children,
        carers,
        seed,
        ref out,
        family,
        group_share,
        ..
    } = *args;
    if !(0.0..=1.0).contains(&group_share) {
        bail!("--group-share must be between 0 and 1");
    }
    let t = Instant::now();
    let inst = match family {
        Family::PlannerAssignment => {
            homeward::synth::random_assignment_instance(children, carers, seed)
        }
        _ => homeward::synth::random_instance_grouped(children, carers, group_share, seed),
    };
    let ids =
        homeward::instance_json::InstanceIds::numbered(inst.units.len(), inst.households.len());
    write_atomically(out, |w| {
        homeward::instance_json::write_instance_json(&inst, &ids, w)
    })?;
    eprintln!(
        "wrote a planner instance of {} units, {} households, {} pairs to {} in {:.1} s",
        inst.units.len(),
        inst.households.len(),
        inst.pairs.len(),
        out.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `generate` (realistic family): a data set on real geography.
fn realistic(args: GenerateArgs) -> Result<()> {
    let GenerateArgs {
        children,
        carers,
        seed,
        out,
        country,
        as_of,
        ..
    } = args;
    let t = Instant::now();
    let bar = indicatif::ProgressBar::new_spinner().with_message(format!(
        "generating {children} children and {carers} households"
    ));
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let params = dataset::GenParams {
        children,
        carers,
        seed,
        country,
        as_of,
    };
    let data = dataset::generate(&params)?;
    bar.set_message(format!("writing {}", out.display()));
    write_dataset(&data, &out, Some(dataset::ATTRIBUTION))?;
    bar.finish_and_clear();
    eprintln!(
        "wrote {} places, {} institutions, {} children, {} households, {} sibling links to {} in {:.1} s",
        data.places.len(),
        data.institutions.len(),
        data.children.len(),
        data.carers.len(),
        data.sibling_links.len(),
        out.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
