//! `homeward` command line: rank households for a child, plan placements,
//! generate and check data sets, serve the HTTP API, simulate. This file only
//! parses the arguments and dispatches to `cli/`, one file per command; the
//! binary is the only place `anyhow` is used.

mod cli;

use anyhow::Result;
use clap::{Parser, Subcommand};

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

#[derive(Subcommand)]
enum Command {
    /// Rank the eligible households for a child (or the child's sibling group).
    Rank(cli::rank::RankArgs),
    /// Generate a deterministic synthetic data set on real geography.
    Generate(cli::generate::GenerateArgs),
    /// Plan the placement of all waiting children of a region (or a list)
    /// at once: an exact integer program, with reasons for every child left
    /// unplaced.
    Plan(cli::plan::PlanArgs),
    /// Validate a data set and print a summary, or every error found; with
    /// --plan, check a plan against the data set independently.
    Check(cli::check::CheckArgs),
    /// Convert a data set: CSV folder ↔ JSON document.
    Export(cli::export::ExportArgs),
    /// List the built-in scoring models.
    Models,
    /// The store's audit log: `audit verify` checks the hash chain.
    Audit {
        #[command(subcommand)]
        command: cli::audit::AuditCommand,
    },
    /// Import a data set into the store: one transaction, validated with the
    /// loader's rules, all-or-nothing.
    Import(cli::import::ImportArgs),
    /// Serve ranked, explained matches over HTTP (see README "HTTP service").
    /// On first start: creates the store, seeds it from the bundled Serbia
    /// fixture (or --seed DATA) and prints an admin, an officer and a
    /// planner API key once.
    Serve(cli::serve::ServeArgs),
    /// Print the HTTP API's OpenAPI 3.1 document (also served at
    /// `/openapi.json`).
    Openapi,
    /// Simulate a deinstitutionalisation scenario (TOML, see
    /// docs/scenario-format.md): `simulate SCENARIO.toml [--out DIR]`, or
    /// `simulate compare A.toml B.toml [--out DIR]` (common random numbers).
    Simulate(cli::simulate::SimulateArgs),
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
            .with(cli::log_filter(tracing_subscriber::filter::Targets::new()))
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

/// Runs the command the arguments name.
fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Rank(a) => cli::rank::run(a),
        Command::Generate(a) => cli::generate::run(a),
        Command::Plan(a) => cli::plan::run(a),
        Command::Check(a) => cli::check::run(a),
        Command::Export(a) => cli::export::run(a),
        Command::Models => cli::models::run(),
        Command::Audit { command } => cli::audit::run(command),
        Command::Import(a) => cli::import::run(a),
        Command::Serve(a) => cli::serve::run(a),
        Command::Openapi => cli::openapi::run(),
        Command::Simulate(a) => cli::simulate::run(a),
    }
}
