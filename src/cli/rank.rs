//! `homeward rank`: the eligible households for a child, or one household
//! explained in full.

use super::Format;
use anyhow::{Result, bail};
use chrono::NaiveDate;
use homeward::scoring::{Model, Scorer};
use homeward::{dataset, report};
use std::io::Write as _;
use std::path::PathBuf;

// The options of `rank` (no doc comment: the subcommand's about text is
// the variant's in main.rs).
#[derive(clap::Args)]
pub struct RankArgs {
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
}

/// Runs `homeward rank`.
pub fn run(args: RankArgs) -> Result<()> {
    let RankArgs {
        data,
        child,
        top,
        model,
        format,
        explain,
        as_of,
    } = args;
    let model = Model::load(&model)?;
    let data = dataset::load(&data)?;
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
    Ok(())
}
