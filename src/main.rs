//! `homeward` command line: rank households for a child, generate and check
//! data sets. The only place `anyhow` is used.

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use homeward::io::{self, generate, report};
use homeward::scoring::{Model, Scorer};
use std::path::PathBuf;
use std::time::Instant;

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
    },
    /// Validate a data set and print a summary, or every error found.
    Check {
        /// Data set: a folder of CSV files or a JSON document.
        #[arg(long, default_value = "fixtures/serbia")]
        data: PathBuf,
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
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
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
                        Format::Table => print!("{}", report::explanation_text(&scorer, &e)),
                        Format::Json => println!(
                            "{}",
                            serde_json::to_string_pretty(&report::explanation_json(&scorer, &e))?
                        ),
                    }
                }
                None => {
                    let r = scorer.rank(&unit, top);
                    match format {
                        Format::Table => print!("{}", report::ranking_text(&scorer, &r)),
                        Format::Json => println!(
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
            country,
            as_of,
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
        Command::Check { data } => {
            let d = io::load(&data)?;
            let groups = homeward::domain::sibling_groups(&d);
            println!(
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
        Command::Models => {
            for (name, text) in homeward::scoring::BUILTIN {
                let m = Model::from_toml(text, name)?;
                println!("{name:<10} {}  {}", m.tag(), m.description);
            }
        }
    }
    Ok(())
}
