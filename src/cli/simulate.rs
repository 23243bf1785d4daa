//! `homeward simulate`: run a deinstitutionalisation scenario, or compare
//! two with common random numbers.

use anyhow::{Context, Result, bail};
use std::io::Write as _;
use std::path::PathBuf;

// The options of `simulate` (no doc comment: the subcommand's about text is
// the variant's in main.rs).
#[derive(clap::Args)]
pub struct SimulateArgs {
    /// SCENARIO.toml, or `compare` A.toml B.toml.
    #[arg(num_args = 1..=3, required = true)]
    files: Vec<PathBuf>,
    /// Output folder (CSV, JSON, SVG charts, report.html).
    #[arg(long, default_value = "sim-out")]
    out: PathBuf,
    /// Override the scenario's number of replications.
    #[arg(long)]
    replications: Option<u32>,
}

/// Runs `homeward simulate`.
pub fn run(args: SimulateArgs) -> Result<()> {
    simulate(&args.files, &args.out, args.replications)
}

/// `homeward simulate …`: run one scenario or compare two, with a progress
/// bar on a terminal.
fn simulate(files: &[PathBuf], out: &std::path::Path, replications: Option<u32>) -> Result<()> {
    use homeward::sim::{self, Scenario, SimOptions};
    let load = |p: &PathBuf| -> Result<Scenario> {
        let mut sc = Scenario::load(p)?;
        if let Some(r) = replications {
            if r == 0 {
                bail!("--replications must be at least 1");
            }
            sc.spec.replications = r;
        }
        Ok(sc)
    };
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} replication-steps {elapsed} (eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let opts = SimOptions {
        progress: Some(&progress),
        cancel: None,
    };
    let compare = files.first().is_some_and(|f| f.as_os_str() == "compare");
    if compare {
        let [_, a, b] = files else {
            bail!("usage: homeward simulate compare A.toml B.toml [--out DIR]");
        };
        let (a, b) = (load(a)?, load(b)?);
        let c = sim::compare(&a, &b, &opts)?;
        bar.finish_and_clear();
        sim::report::write_compare(&c, out)
            .with_context(|| format!("writing {}", out.display()))?;
        let last = c.a.dates.len() - 1;
        for n in ["in_institutions", "placed", "waiting", "closure_residents"] {
            if let Some(d) = c.diff.iter().find(|s| s.name == n) {
                outln!(
                    "{:<22} B − A at {}: {:+.1} [90% band {:+.1} … {:+.1}]",
                    n,
                    c.a.dates[last],
                    d.mean[last],
                    d.p05[last],
                    d.p95[last]
                );
            }
        }
        outln!("report: {}", out.join("compare.html").display());
        return Ok(());
    }
    let [file] = files else {
        bail!(
            "usage: homeward simulate SCENARIO.toml [--out DIR] (or simulate compare A.toml B.toml)"
        );
    };
    let sc = load(file)?;
    let r = sim::run(&sc, &opts)?;
    bar.finish_and_clear();
    sim::report::write_all(&r, out).with_context(|| format!("writing {}", out.display()))?;
    let last = r.dates.len() - 1;
    outln!(
        "{}: {} replications, {} steps, {:.1} s ({:.1} s month-0 plan, {:.1} s replications, {:.1} s capacity gap)",
        r.name,
        r.replications,
        last,
        r.timing.total,
        r.timing.initial_plan,
        r.timing.replications,
        r.timing.capacity_gap
    );
    for n in sim::HEADLINE_SERIES {
        if let Some(s) = r.series(n) {
            let [start, ..] = sim::report::band_numbers(&s.band(0));
            let [mean, lo, hi] = sim::report::band_numbers(&s.band(last));
            outln!("{n:<24} start {start:>7}   end {mean:>7} [90% band {lo} … {hi}]");
        }
    }
    outln!(
        "planner: {} solves, {} optimal, {} within gap, {} limited",
        r.stats.solves,
        r.stats.optimal,
        r.stats.within_gap,
        r.stats.time_limited
    );
    for i in r.institutions.iter().filter(|i| i.over_capacity()) {
        outln!(
            "over capacity: {} ({}) up to {} residents, capacity {}",
            i.name,
            i.id,
            i.most_residents,
            i.capacity
        );
    }
    if let Some(g) = &r.gap {
        let n: u32 = g.rows.iter().map(|x| x.households).sum();
        outln!(
            "capacity gap: {n} households to recruit ({} rows: region × need group × age band), see capacity_gap.csv",
            g.rows.len()
        );
    }
    outln!("report: {}", out.join("report.html").display());
    Ok(())
}
