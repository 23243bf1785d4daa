//! `homeward serve`: the HTTP service over the store.

use super::DbArgs;
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use homeward::dataset;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

// The options of `serve` (no doc comment: the subcommand's about text is
// the variant's in main.rs).
#[derive(clap::Args)]
pub struct ServeArgs {
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
}

/// Limits of `homeward serve`.
#[derive(clap::Args, Debug)]
pub struct ServeLimits {
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
pub fn run(args: ServeArgs) -> Result<()> {
    let ServeArgs {
        db,
        addr,
        seed,
        as_of,
        limits,
    } = args;
    let seed = seed.as_deref();
    let addr = addr.as_str();
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
        .with(super::log_filter(
            tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO),
        ))
        .try_init();
    let config = limits.config()?;
    let store = db.open()?;
    if store.is_empty()? {
        let t = Instant::now();
        let (summary, data) = match seed {
            Some(path) => {
                let data = dataset::load(path)?;
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
