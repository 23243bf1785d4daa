//! `homeward` command line: rank households for a child, generate and check
//! data sets. The only place `anyhow` is used.

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use homeward::io::{self, generate, report};
use homeward::scoring::{Model, Scorer};
use homeward::solve::build::Scope;
use homeward::solve::exact::SolveOptions;
use homeward::solve::plan::PlanOptions;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// `println!` that returns the write error instead of panicking (a closed
/// pipe, e.g. `homeward rank … | head`, ends the command quietly).
macro_rules! outln {
    ($($t:tt)*) => { writeln!(std::io::stdout().lock(), $($t)*)? };
}
/// `print!` that returns the write error instead of panicking.
macro_rules! out {
    ($($t:tt)*) => { write!(std::io::stdout().lock(), $($t)*)? };
}

#[derive(Parser)]
#[command(
    name = "homeward",
    version,
    about = "Foster-care placement matching: which households fit a child, and why"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Family {
    /// A data set on real geography (CSV folder or JSON document).
    Realistic,
    /// A random planner instance: 30 candidate households per child, scores
    /// 1–1000, free places 1–4 (mean 2.1), sibling groups of 2–4.
    Planner,
    /// The same without sibling groups, capacity 2 (pure assignment).
    PlannerAssignment,
}

/// Which store to open.
#[derive(clap::Args)]
struct DbArgs {
    /// SQLite database file (default homeward.db).
    #[arg(long, conflicts_with = "database_url")]
    db: Option<PathBuf>,
    /// PostgreSQL URL (postgres://user@host:port/db).
    #[arg(long, env = "HOMEWARD_DATABASE_URL")]
    database_url: Option<String>,
}

impl DbArgs {
    fn open(&self) -> Result<homeward::store::Store> {
        use homeward::store::{Store, StoreTarget};
        let target = match (&self.database_url, &self.db) {
            (Some(url), _) => StoreTarget::Postgres(url.clone()),
            (None, Some(p)) => StoreTarget::Sqlite(p.clone()),
            (None, None) => StoreTarget::Sqlite(PathBuf::from("homeward.db")),
        };
        Store::open(&target).context("opening the store")
    }
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the audit log's hash chain; exits non-zero at the first broken row.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Rank the eligible households for a child (or the child's sibling group).
    Rank {
        /// Data set: a folder of CSV files or a JSON document.
        #[arg(long, default_value = "fixtures/serbia")]
        data: PathBuf,
        /// Child id.
        #[arg(long)]
        child: String,
        /// How many households to show.
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// Scoring model: a built-in name (default, serbia) or a .toml file.
        #[arg(long, default_value = "default")]
        model: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Explain one household in full instead of ranking.
        #[arg(long, value_name = "HOUSEHOLD")]
        explain: Option<String>,
        /// Date on which ages are taken (YYYY-MM-DD; default today).
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
    /// Generate a deterministic synthetic data set on real geography.
    Generate {
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
    },
    /// Plan the placement of all waiting children of a region (or a list)
    /// at once: an exact integer program, with reasons for every child left
    /// unplaced.
    Plan {
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
    },
    /// Validate a data set and print a summary, or every error found; with
    /// --plan, check a plan against the data set independently.
    Check {
        /// Data set: a folder of CSV files or a JSON document.
        #[arg(long, default_value = "fixtures/serbia")]
        data: PathBuf,
        /// A plan document written by `plan --out`.
        #[arg(long)]
        plan: Option<PathBuf>,
        /// Scoring model the plan was made with (default: the plan's own id).
        #[arg(long)]
        model: Option<String>,
    },
    /// Convert a data set: CSV folder ↔ JSON document.
    Export {
        /// Data set to read.
        #[arg(long)]
        data: PathBuf,
        /// Output folder (CSV files), or a file ending in .json.
        #[arg(long)]
        out: PathBuf,
    },
    /// List the built-in scoring models.
    Models,
    /// The store's audit log: `audit verify` checks the hash chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Import a data set into the store: one transaction, validated with the
    /// loader's rules, all-or-nothing.
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// Data set: a folder of CSV files or a JSON document.
        #[arg(long)]
        data: PathBuf,
        /// Make the store exactly this data set (default: insert or update).
        #[arg(long)]
        replace: bool,
    },
    /// Serve ranked, explained matches over HTTP (see README "HTTP service").
    /// On first start: creates the store, seeds it from the bundled Serbia
    /// fixture (or --seed DATA) and prints an admin, an officer and a
    /// planner API key once.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on (port 0 picks a free port; the bound
        /// address is printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Seed an empty store from this data set instead of the bundled
        /// Serbia fixture.
        #[arg(long)]
        seed: Option<PathBuf>,
        /// Date on which ages are taken (YYYY-MM-DD; default: the day of
        /// each request).
        #[arg(long)]
        as_of: Option<NaiveDate>,
        #[command(flatten)]
        limits: ServeLimits,
    },
    /// Print the HTTP API's OpenAPI 3.1 document (also served at
    /// `/openapi.json`).
    Openapi,
    /// Simulate a deinstitutionalisation scenario (TOML, see
    /// docs/scenario-format.md): `simulate SCENARIO.toml [--out DIR]`, or
    /// `simulate compare A.toml B.toml [--out DIR]` (common random numbers).
    Simulate {
        /// SCENARIO.toml, or `compare` A.toml B.toml.
        #[arg(num_args = 1..=3, required = true)]
        files: Vec<PathBuf>,
        /// Output folder (CSV, JSON, SVG charts, report.html).
        #[arg(long, default_value = "sim-out")]
        out: PathBuf,
        /// Override the scenario's number of replications.
        #[arg(long)]
        replications: Option<u32>,
    },
}

/// Filter for `tracing` events from `RUST_LOG` (`target=level` directives,
/// e.g. `homeward::solve=debug`), or `default` when it is unset or invalid.
fn log_filter(default: tracing_subscriber::filter::Targets) -> tracing_subscriber::filter::Targets {
    std::env::var("RUST_LOG")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let cli = Cli::parse();
    // CLI commands: diagnostics (e.g. the solver's, `RUST_LOG=homeward::solve=debug`)
    // as plain text on stderr, off unless asked; `serve` sets up its own logs.
    if !matches!(cli.command, Command::Serve { .. }) {
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(tracing::Level::TRACE)
            .finish()
            .with(log_filter(tracing_subscriber::filter::Targets::new()))
            .try_init();
    }
    if let Err(e) = run(cli) {
        let broken_pipe = e.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        });
        if broken_pipe {
            // The reader went away (`| head`): not an error of ours.
            std::process::exit(0);
        }
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn is_json(p: &std::path::Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn write(
    data: &homeward::domain::DataSet,
    out: &std::path::Path,
    attribution: Option<&str>,
) -> Result<()> {
    if is_json(out) {
        io::write_json(data, out, attribution)?;
    } else {
        io::write_csv_dir(data, out)?;
        if let Some(a) = attribution {
            std::fs::write(out.join("ATTRIBUTION.txt"), format!("{a}\n"))
                .with_context(|| format!("writing {}", out.display()))?;
        }
    }
    Ok(())
}

/// Writes a file through a temporary name, so that a failure never leaves a
/// half-written file.
fn write_atomically(
    path: &std::path::Path,
    f: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut w = std::io::BufWriter::new(
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?,
    );
    f(&mut w).with_context(|| format!("writing {}", path.display()))?;
    w.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
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
    let doc = homeward::io::instance_json::read_instance_json(f, &file.display().to_string())?;
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
        "status": homeward::io::plan_report::status_name(sol.status),
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
            homeward::io::plan_report::status_name(sol.status),
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

/// Limits of `homeward serve`.
#[derive(clap::Args, Debug)]
struct ServeLimits {
    /// Requests per second per API key (bursts up to the same number);
    /// 0 = unlimited.
    #[arg(long, default_value_t = 50)]
    rate_limit: u32,
    /// Largest request body in bytes (the bulk import allows 8×).
    #[arg(long, default_value_t = 2 * 1024 * 1024)]
    body_limit: usize,
    /// Seconds a request may take before it is answered 503.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
    /// Plan and simulation jobs queued or running at once (more get 429).
    #[arg(long, default_value_t = 4)]
    max_jobs: usize,
    /// Threads running jobs (each solve also uses every core through rayon).
    #[arg(long, default_value_t = 1)]
    job_workers: usize,
    /// Folder for simulation result files (default: a folder in the
    /// system's temporary directory).
    #[arg(long)]
    work_dir: Option<PathBuf>,
}

impl ServeLimits {
    fn config(&self) -> Result<homeward::api::Config> {
        if !(self.timeout.is_finite() && self.timeout > 0.0) {
            bail!("--timeout must be a positive number of seconds");
        }
        if self.max_jobs == 0 || self.job_workers == 0 {
            bail!("--max-jobs and --job-workers must be at least 1");
        }
        if self.body_limit < 1024 {
            bail!("--body-limit must be at least 1024 bytes");
        }
        let mut c = homeward::api::Config {
            body_limit: self.body_limit,
            timeout: std::time::Duration::from_secs_f64(self.timeout),
            rate_limit: std::num::NonZeroU32::new(self.rate_limit),
            max_jobs: self.max_jobs,
            job_workers: self.job_workers,
            ..homeward::api::Config::default()
        };
        if let Some(d) = &self.work_dir {
            c.work_dir = d.clone();
        }
        Ok(c)
    }
}

/// `homeward serve`: open (and on first start seed) the store, print the
/// keys created on first start and the bound address, serve until ctrl-c.
fn serve(
    db: &DbArgs,
    addr: &str,
    seed: Option<&std::path::Path>,
    as_of: Option<NaiveDate>,
    limits: &ServeLimits,
) -> Result<()> {
    use homeward::store::{ImportMode, Role};
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    // Logs: one JSON object per line on stderr (request ids, routes,
    // statuses; never child data); INFO unless `RUST_LOG` says otherwise.
    let _ = tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::TRACE)
        .finish()
        .with(log_filter(
            tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO),
        ))
        .try_init();
    let config = limits.config()?;
    let store = db.open()?;
    if store.is_empty()? {
        let t = Instant::now();
        let (summary, data) = match seed {
            Some(path) => {
                let data = io::load(path)?;
                (store.import(&data, ImportMode::Replace)?, data)
            }
            None => (store.seed_serbia()?, homeward::store::serbia_dataset()?),
        };
        outln!(
            "seeded the store with {} records from {} in {:.1} s",
            summary.created,
            seed.map_or_else(
                || "the bundled Serbia fixture".to_string(),
                |p| p.display().to_string()
            ),
            t.elapsed().as_secs_f64()
        );
        // The officer's region: Belgrade when present, else the first child's.
        let region = data
            .places
            .iter()
            .find(|p| p.region == "City of Belgrade")
            .map(|p| p.region.clone())
            .or_else(|| {
                data.children
                    .first()
                    .map(|c| data.place(c.location).region.clone())
            })
            .unwrap_or_default();
        let (_, admin) = store.create_key(Role::Admin, &[], "admin (first start)")?;
        let (_, officer) = store.create_key(
            Role::Officer,
            std::slice::from_ref(&region),
            "officer (first start)",
        )?;
        let (_, planner) = store.create_key(Role::Planner, &[], "planner (first start)")?;
        outln!("API keys (shown once; only their hashes are stored):");
        outln!("admin key: {admin}");
        outln!("officer key (regions: {region}): {officer}");
        outln!("planner key: {planner}");
    }
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    // The state outlives the runtime: its last reference (and the store's
    // PostgreSQL connections, whose synchronous client must not be closed on
    // an async thread) is dropped here, after the server stopped.
    let state = homeward::api::AppState::with_config(store, as_of, config);
    let served = Arc::clone(&state);
    let result = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let bound = listener.local_addr()?;
        outln!("listening on http://{bound}");
        std::io::stdout().flush()?;
        homeward::api::serve(listener, served).await?;
        Ok(())
    });
    drop(rt);
    drop(state);
    result
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Rank {
            data,
            child,
            top,
            model,
            format,
            explain,
            as_of,
        } => {
            let model = Model::load(&model)?;
            let data = io::load(&data)?;
            let as_of = as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
            let Some(cix) = data.child_ix(&child) else {
                bail!(
                    "no child with id {child:?} in the data set (ids look like {})",
                    data.children.first().map_or("-", |c| c.id.as_str())
                );
            };
            let scorer = Scorer::for_children(&data, &model, as_of, &[cix]);
            let unit = scorer.unit_of(cix);
            for m in &unit.members {
                let age = data.child(*m).age_on(as_of);
                if age >= 18 {
                    eprintln!(
                        "note: child {} is {age} on {as_of}: aged out of care, no household can be approved",
                        data.child(*m).id
                    );
                }
            }
            match explain {
                Some(h) => {
                    let Some(hix) = data.carer_ix(&h) else {
                        bail!("no household with id {h:?} in the data set")
                    };
                    let e = scorer.explain(&unit, hix);
                    match format {
                        Format::Table => out!("{}", report::explanation_text(&scorer, &e)),
                        Format::Json => outln!(
                            "{}",
                            serde_json::to_string_pretty(&report::explanation_json(&scorer, &e))?
                        ),
                    }
                }
                None => {
                    let r = scorer.rank(&unit, top);
                    match format {
                        Format::Table => out!("{}", report::ranking_text(&scorer, &r)),
                        Format::Json => outln!(
                            "{}",
                            serde_json::to_string_pretty(&report::ranking_json(&scorer, &r))?
                        ),
                    }
                }
            }
        }
        Command::Generate {
            children,
            carers,
            seed,
            out,
            family,
            group_share,
            ..
        } if family != Family::Realistic => {
            if !(0.0..=1.0).contains(&group_share) {
                bail!("--group-share must be between 0 and 1");
            }
            let t = Instant::now();
            let inst = match family {
                Family::PlannerAssignment => {
                    homeward::solve::random_assignment_instance(children, carers, seed)
                }
                _ => homeward::solve::random_instance_grouped(children, carers, group_share, seed),
            };
            let ids = homeward::io::instance_json::InstanceIds::numbered(
                inst.units.len(),
                inst.households.len(),
            );
            write_atomically(&out, |w| {
                homeward::io::instance_json::write_instance_json(&inst, &ids, w)
            })?;
            eprintln!(
                "wrote a planner instance of {} units, {} households, {} pairs to {} in {:.1} s",
                inst.units.len(),
                inst.households.len(),
                inst.pairs.len(),
                out.display(),
                t.elapsed().as_secs_f64()
            );
        }
        Command::Generate {
            children,
            carers,
            seed,
            out,
            country,
            as_of,
            ..
        } => {
            let t = Instant::now();
            let bar = indicatif::ProgressBar::new_spinner().with_message(format!(
                "generating {children} children and {carers} households"
            ));
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            let params = generate::GenParams {
                children,
                carers,
                seed,
                country,
                as_of,
            };
            let data = generate::generate(&params)?;
            bar.set_message(format!("writing {}", out.display()));
            write(&data, &out, Some(generate::ATTRIBUTION))?;
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
        }
        Command::Plan {
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
        } => {
            // Default 30 s, none with only a work limit (reproducible).
            let time_limit = match (time_limit, work_limit) {
                (Some(t), _) if t.is_finite() && t > 0.0 => {
                    Some(std::time::Duration::from_secs_f64(t))
                }
                (Some(_), _) => bail!("--time-limit must be a positive number of seconds"),
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
            let d = io::load(&data)?;
            let as_of = as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
            let (scope, scope_name) = match (region, children) {
                (Some(r), _) => (Scope::Region(r.clone()), format!("region {r}")),
                (None, Some(f)) => {
                    let text = std::fs::read_to_string(&f)
                        .with_context(|| format!("reading {}", f.display()))?;
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
            if !(0.0..1.0).contains(&gap) {
                bail!("--gap must be at least 0 and below 1 (a relative gap, e.g. 0.0001)");
            }
            let opts = PlanOptions {
                scope,
                solve: SolveOptions {
                    time_limit,
                    work_limit,
                    rel_gap: gap,
                    ..SolveOptions::default()
                },
                relax,
                pinned: pin.iter().map(pair).collect::<Result<_>>()?,
                forbidden: forbid.iter().map(pair).collect::<Result<_>>()?,
                alternatives,
            };
            if export_mps.is_some() || export_json.is_some() {
                let built = homeward::solve::plan::strict_instance(&d, &model, as_of, &opts)?;
                let ids = homeward::io::instance_json::InstanceIds {
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
                        homeward::io::instance_json::write_instance_json(&built.instance, &ids, w)
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
            let doc = homeward::io::plan_report::plan_json(&scorer, &scope_name, &plan);
            if let Some(out) = &out {
                let tmp = out.with_extension("json.tmp");
                std::fs::write(&tmp, serde_json::to_vec_pretty(&doc)?)
                    .with_context(|| format!("writing {}", tmp.display()))?;
                std::fs::rename(&tmp, out).with_context(|| format!("writing {}", out.display()))?;
            }
            match format {
                Format::Table => out!("{}", homeward::io::plan_report::plan_text(&doc)),
                Format::Json => outln!("{}", serde_json::to_string_pretty(&doc)?),
            }
        }
        Command::Check {
            data,
            plan: Some(plan),
            model,
        } => {
            let d = io::load(&data)?;
            let text =
                std::fs::read(&plan).with_context(|| format!("reading {}", plan.display()))?;
            let doc: homeward::io::plan_report::PlanJson = serde_json::from_slice(&text)
                .with_context(|| format!("{} is not a plan document", plan.display()))?;
            let model = Model::load(model.as_deref().unwrap_or(&doc.model.id))?;
            let report = homeward::solve::check::check_plan(&d, &model, &doc);
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
        }
        Command::Check {
            data, plan: None, ..
        } => {
            let d = io::load(&data)?;
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
        }
        Command::Export { data, out } => {
            let d = io::load(&data)?;
            write(&d, &out, None)?;
            eprintln!("wrote {}", out.display());
        }
        Command::Simulate {
            files,
            out,
            replications,
        } => simulate(&files, &out, replications)?,
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => {
            let report = db.open()?.verify_audit()?;
            match report.first_broken {
                None => outln!("audit log OK: {} rows checked", report.rows),
                Some((row, reason)) => {
                    bail!(
                        "audit log broken at row {row}: {reason} ({} rows checked)",
                        report.rows
                    )
                }
            }
        }
        Command::Import { db, data, replace } => {
            let d = io::load(&data)?;
            let mode = if replace {
                homeward::store::ImportMode::Replace
            } else {
                homeward::store::ImportMode::Upsert
            };
            let t = Instant::now();
            let s = db.open()?.import(&d, mode)?;
            outln!(
                "imported {}: {} created, {} updated, {} unchanged, {} deleted; revision {} ({:.2} s)",
                data.display(),
                s.created,
                s.updated,
                s.unchanged,
                s.deleted,
                s.revision,
                t.elapsed().as_secs_f64()
            );
        }
        Command::Serve {
            db,
            addr,
            seed,
            as_of,
            limits,
        } => serve(&db, &addr, seed.as_deref(), as_of, &limits)?,
        Command::Openapi => outln!("{}", homeward::api::openapi_json()),
        Command::Models => {
            for (name, text) in homeward::scoring::BUILTIN {
                let m = Model::from_toml(text, name)?;
                outln!("{name:<10} {}  {}", m.tag(), m.description);
            }
        }
    }
    Ok(())
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
    for n in [
        "in_institutions",
        "under3_in_institutions",
        "placed",
        "waiting",
        "closure_residents",
    ] {
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
