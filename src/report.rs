//! Output of rankings and explanations: JSON wire types (camelCase) and
//! plain-text tables for the command line.

use crate::domain::*;
use crate::scoring::{Criterion, Explanation, Ranking, RuleCode, Score, Scorer};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

/// Points (hundredths) as a number with two decimals.
fn pts(h: u32) -> f64 {
    f64::from(h) / 100.0
}

fn kind_name(k: CarerKind) -> &'static str {
    match k {
        CarerKind::Kinship => "kinship",
        CarerKind::Foster => "foster",
        CarerKind::Specialist => "specialist",
        CarerKind::Emergency => "emergency",
    }
}

/// Model id and version, echoed in every output.
#[derive(Debug, Serialize)]
pub struct ModelRef {
    /// Model id.
    pub id: String,
    /// Model version.
    pub version: String,
}

/// One criterion of a breakdown.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CriterionJson {
    /// Criterion key.
    pub criterion: &'static str,
    /// Value 0–1; absent = not applicable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Weight.
    pub weight: f64,
    /// Points contributed (the points of a breakdown add up to `score`).
    pub points: f64,
    /// Reason.
    pub reason: String,
}

/// JSON breakdown of a score.
pub fn breakdown_json(score: &Score) -> Vec<CriterionJson> {
    score
        .breakdown
        .iter()
        .map(|c| CriterionJson {
            criterion: c.criterion.key(),
            value: c.value.map(|v| (v * 10_000.0).round() / 10_000.0),
            weight: c.weight,
            points: pts(c.contribution),
            reason: c.reason.clone(),
        })
        .collect()
}

/// A ranked household.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchJson {
    /// Rank, 1 = best.
    pub rank: usize,
    /// Household id.
    pub household_id: String,
    /// Kind.
    pub kind: &'static str,
    /// Place name.
    pub place: String,
    /// Region.
    pub region: String,
    /// Free places.
    pub free_places: u8,
    /// Score 0–100.
    pub score: f64,
    /// Breakdown.
    pub breakdown: Vec<CriterionJson>,
}

/// Exclusion count of one rule.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExclusionJson {
    /// Stable code.
    pub code: &'static str,
    /// Sentence.
    pub description: &'static str,
    /// Households failing it.
    pub households: usize,
}

/// `homeward rank --format json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RankingJson {
    /// Model.
    pub model: ModelRef,
    /// Scoring date.
    pub as_of: String,
    /// How travel times were obtained.
    pub travel: String,
    /// Children ranked for (one, or a sibling group).
    pub children: Vec<String>,
    /// Whether the children are a sibling group placed together.
    pub sibling_group: bool,
    /// Placement priority in points.
    pub priority: f64,
    /// Households in the data set.
    pub households: usize,
    /// Eligible households.
    pub eligible: usize,
    /// Excluded households.
    pub excluded: usize,
    /// Households failing each rule (one household may fail several).
    pub excluded_by_rule: Vec<ExclusionJson>,
    /// Top matches.
    pub matches: Vec<MatchJson>,
}

fn model_ref(s: &Scorer<'_>) -> ModelRef {
    ModelRef {
        id: s.model().id.clone(),
        version: s.model().version.clone(),
    }
}

fn match_json(s: &Scorer<'_>, rank: usize, carer: CarerIx, score: &Score) -> MatchJson {
    let d = s.data();
    let c = d.carer(carer);
    let p = d.place(c.place);
    MatchJson {
        rank,
        household_id: c.id.to_string(),
        kind: kind_name(c.kind),
        place: p.name.clone(),
        region: p.region.clone(),
        free_places: c.free_places(),
        score: pts(score.total),
        breakdown: breakdown_json(score),
    }
}

/// JSON view of a ranking.
pub fn ranking_json(s: &Scorer<'_>, r: &Ranking) -> RankingJson {
    let d = s.data();
    RankingJson {
        model: model_ref(s),
        as_of: s.as_of().to_string(),
        travel: s.road_source(),
        children: r
            .unit
            .members
            .iter()
            .map(|m| d.child(*m).id.to_string())
            .collect(),
        sibling_group: r.unit.size() > 1,
        priority: r.priority,
        households: r.households,
        eligible: r.eligible,
        excluded: r.excluded,
        excluded_by_rule: r
            .excluded_by_rule
            .iter()
            .map(|(c, n)| ExclusionJson {
                code: c.as_str(),
                description: c.sentence(),
                households: *n,
            })
            .collect(),
        matches: r
            .matches
            .iter()
            .map(|m| match_json(s, m.rank, m.carer, &m.score))
            .collect(),
    }
}

fn short(c: Criterion) -> &'static str {
    c.label()
}

fn unit_line(s: &Scorer<'_>, members: &[ChildIx]) -> String {
    let d = s.data();
    let describe = |m: ChildIx| {
        let c = d.child(m);
        let needs = if c.needs.is_empty() {
            "no needs".to_owned()
        } else {
            c.needs
                .iter()
                .map(|n| format!("{}:{}", n.code.as_str(), n.severity))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let lives = match c.institution {
            Some(i) => format!("in {}", d.institutions[i.get()].name),
            None => format!("at {}", d.place(c.location).name),
        };
        format!(
            "{} (age {}, {}, {lives}; family in {})",
            c.id,
            c.age_on(s.as_of()),
            needs,
            d.place(c.birth_family_place).name
        )
    };
    if members.len() == 1 {
        format!("child {}", describe(members[0]))
    } else {
        format!(
            "sibling group of {} placed together:\n  {}",
            members.len(),
            members
                .iter()
                .map(|m| describe(*m))
                .collect::<Vec<_>>()
                .join("\n  ")
        )
    }
}

fn header(s: &Scorer<'_>) -> String {
    format!(
        "model {} · ages as of {} · {}",
        s.model().tag(),
        s.as_of(),
        s.road_source()
    )
}

/// Plain-text view of a ranking.
pub fn ranking_text(s: &Scorer<'_>, r: &Ranking) -> String {
    let d = s.data();
    let mut out = String::new();
    out.push_str(&format!(
        "Households for {}\n",
        unit_line(s, &r.unit.members)
    ));
    out.push_str(&format!("{}\n", header(s)));
    out.push_str(&format!(
        "placement priority {:.0} points · {} households: {} eligible, {} excluded\n\n",
        r.priority, r.households, r.eligible, r.excluded
    ));
    if r.matches.is_empty() {
        out.push_str("No household passes every hard rule (see the exclusions below).\n");
    } else {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        let crits: Vec<Criterion> = r.matches[0]
            .score
            .breakdown
            .iter()
            .map(|c| c.criterion)
            .collect();
        let mut head = vec!["#", "household", "kind", "place (region)", "free", "score"];
        head.extend(crits.iter().map(|c| short(*c)));
        t.set_header(head);
        for m in &r.matches {
            let c = d.carer(m.carer);
            let p = d.place(c.place);
            let mut row = vec![
                Cell::new(m.rank),
                Cell::new(&c.id),
                Cell::new(kind_name(c.kind)),
                Cell::new(format!("{} ({})", p.name, p.region)),
                Cell::new(c.free_places()).set_alignment(CellAlignment::Right),
                Cell::new(format!("{:.2}", pts(m.score.total))).set_alignment(CellAlignment::Right),
            ];
            for cs in &m.score.breakdown {
                let text = if cs.value.is_none() {
                    "n/a".to_owned()
                } else {
                    format!("{:.2}", pts(cs.contribution))
                };
                row.push(Cell::new(text).set_alignment(CellAlignment::Right));
            }
            t.add_row(row);
        }
        out.push_str(&format!("{t}\n"));
        out.push_str("Columns after score: points per criterion (they add up to the score); n/a = criterion does not apply.\n");
        if let Some(best) = r.matches.first() {
            out.push_str(&format!(
                "\nWhy #1 {} scores {:.2}:\n",
                d.carer(best.carer).id,
                pts(best.score.total)
            ));
            out.push_str(&breakdown_text(&best.score));
        }
    }
    if !r.excluded_by_rule.is_empty() {
        out.push_str("\nExcluded households by rule (a household may fail several):\n");
        for (code, n) in &r.excluded_by_rule {
            out.push_str(&format!(
                "  {:<28} {:>7}  {}\n",
                code.as_str(),
                n,
                code.sentence()
            ));
        }
    }
    out.push_str("\nRecommendations only: the placement officer decides. Explain any household with --explain ID.\n");
    out
}

fn breakdown_text(score: &Score) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["criterion", "value", "weight", "points", "reason"]);
    for c in &score.breakdown {
        t.add_row(vec![
            Cell::new(c.criterion.key()),
            Cell::new(c.value.map_or("n/a".to_owned(), |v| format!("{v:.2}")))
                .set_alignment(CellAlignment::Right),
            Cell::new(format!("{}", c.weight)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.2}", pts(c.contribution))).set_alignment(CellAlignment::Right),
            Cell::new(&c.reason),
        ]);
    }
    t.add_row(vec![
        Cell::new("total"),
        Cell::new(""),
        Cell::new(""),
        Cell::new(format!("{:.2}", pts(score.total))).set_alignment(CellAlignment::Right),
        Cell::new(""),
    ]);
    format!("{t}\n")
}

/// Rule result of one member.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleJson {
    /// Child id.
    pub child_id: String,
    /// Stable code.
    pub code: &'static str,
    /// Passed.
    pub passed: bool,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// `homeward rank --explain H --format json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplanationJson {
    /// Model.
    pub model: ModelRef,
    /// Scoring date.
    pub as_of: String,
    /// Travel source.
    pub travel: String,
    /// Children.
    pub children: Vec<String>,
    /// Household.
    pub household_id: String,
    /// Passes every hard rule.
    pub eligible: bool,
    /// Every hard rule for every child.
    pub rules: Vec<RuleJson>,
    /// Score 0–100 (for an excluded pair: for information only, never ranked).
    pub score: f64,
    /// Breakdown.
    pub breakdown: Vec<CriterionJson>,
    /// Rank among eligible households.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
    /// Eligible households.
    pub eligible_households: usize,
    /// The best match, for comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best: Option<MatchJson>,
}

/// JSON view of an explanation.
pub fn explanation_json(s: &Scorer<'_>, e: &Explanation) -> ExplanationJson {
    let d = s.data();
    ExplanationJson {
        model: model_ref(s),
        as_of: s.as_of().to_string(),
        travel: s.road_source(),
        children: e
            .unit
            .members
            .iter()
            .map(|m| d.child(*m).id.to_string())
            .collect(),
        household_id: d.carer(e.carer).id.to_string(),
        eligible: e.eligible,
        rules: e
            .rules
            .iter()
            .flat_map(|mr| {
                mr.results.iter().map(|(code, det)| RuleJson {
                    child_id: d.child(mr.child).id.to_string(),
                    code: code.as_str(),
                    passed: det.is_none(),
                    detail: det.map(|x| x.to_string()),
                })
            })
            .collect(),
        score: pts(e.score.total),
        breakdown: breakdown_json(&e.score),
        rank: e.rank,
        eligible_households: e.eligible_count,
        best: e.best.as_ref().map(|b| match_json(s, 1, b.carer, &b.score)),
    }
}

/// Plain-text view of an explanation.
pub fn explanation_text(s: &Scorer<'_>, e: &Explanation) -> String {
    let d = s.data();
    let c = d.carer(e.carer);
    let p = d.place(c.place);
    let mut out = format!(
        "Household {} ({}, {} ({}), {} of {} places free) for {}\n{}\n\nHard rules:\n",
        c.id,
        kind_name(c.kind),
        p.name,
        p.region,
        c.free_places(),
        c.approved_places,
        unit_line(s, &e.unit.members),
        header(s)
    );
    let failed: Vec<RuleCode> = {
        let mut v: Vec<RuleCode> = e
            .rules
            .iter()
            .flat_map(|mr| {
                mr.results
                    .iter()
                    .filter(|(_, d)| d.is_some())
                    .map(|(c, _)| *c)
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    for mr in &e.rules {
        let who = if e.rules.len() > 1 {
            format!("{}: ", d.child(mr.child).id)
        } else {
            String::new()
        };
        for (code, det) in &mr.results {
            match det {
                None => out.push_str(&format!("  pass  {who}{code}\n")),
                Some(x) => out.push_str(&format!("  FAIL  {who}{code}: {x}\n")),
            }
        }
    }
    if e.eligible {
        out.push_str(&format!(
            "\nEligible: ranked {} of {} eligible households, score {:.2}.\n",
            e.rank.unwrap_or(0),
            e.eligible_count,
            pts(e.score.total)
        ));
    } else {
        out.push_str(&format!(
            "\nExcluded by {}. The score below is for information only; an excluded household is never recommended.\n",
            failed.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    out.push_str(&breakdown_text(&e.score));
    if let Some(b) = &e.best {
        if b.carer != e.carer {
            out.push_str(&format!(
                "\nCompared with #1 {} ({:.2}):\n",
                d.carer(b.carer).id,
                pts(b.score.total)
            ));
            for (mine, theirs) in e.score.breakdown.iter().zip(&b.score.breakdown) {
                let diff = i64::from(mine.contribution) - i64::from(theirs.contribution);
                if diff != 0 {
                    out.push_str(&format!(
                        "  {:<24} {:+.2} points\n",
                        mine.criterion.key(),
                        diff as f64 / 100.0
                    ));
                }
            }
        }
    }
    out
}
