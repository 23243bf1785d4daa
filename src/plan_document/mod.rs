//! The plan document (`homeward-plan/1`): the JSON output of placement plans
//! (also the input of `homeward check --plan`), its plain-text summary, and
//! the independent [`check`]er that reads it.

pub mod check;

use crate::domain::{ChildIx, DataSet};
use crate::report::{CriterionJson, breakdown_json};
use crate::scoring::Scorer;
use crate::solve::build::Room;
use crate::solve::exact::{Status, StoppedBy};
use crate::solve::plan::{Limits, Plan, UnplacedReason};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use serde::{Deserialize, Serialize};

/// Format tag of plan documents.
pub const PLAN_FORMAT: &str = "homeward-plan/1";

/// The objective, as stated in every plan.
pub const OBJECTIVE_FORMULA: &str = "maximise Σ over placements of (value + score), in hundredths of a point: value = placement priority of the unit × 100 (model [priority]), score = match score 0–10000";

/// Status name.
pub fn status_name(s: Status) -> &'static str {
    match s {
        Status::Optimal => "optimal",
        Status::WithinGap => "within_gap",
        Status::TimeLimited => "time_limited",
    }
}

/// What ended a plan's or a round's search, on the wire.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StoppedByJson {
    /// Proved optimal.
    Proved,
    /// The relative gap was reached.
    Gap,
    /// A node limit of the proof search was reached first.
    NodeLimit,
    /// The work limit was reached first (the plan is reproducible).
    WorkLimit,
    /// The time limit was reached first (the plan depends on the machine).
    TimeLimit,
    /// The solve was cancelled.
    Cancelled,
}

impl From<StoppedBy> for StoppedByJson {
    fn from(s: StoppedBy) -> Self {
        match s {
            StoppedBy::Proved => StoppedByJson::Proved,
            StoppedBy::Gap => StoppedByJson::Gap,
            StoppedBy::NodeLimit => StoppedByJson::NodeLimit,
            StoppedBy::WorkLimit => StoppedByJson::WorkLimit,
            StoppedBy::TimeLimit => StoppedByJson::TimeLimit,
            StoppedBy::Cancelled => StoppedByJson::Cancelled,
        }
    }
}

impl From<StoppedByJson> for StoppedBy {
    fn from(s: StoppedByJson) -> Self {
        match s {
            StoppedByJson::Proved => StoppedBy::Proved,
            StoppedByJson::Gap => StoppedBy::Gap,
            StoppedByJson::NodeLimit => StoppedBy::NodeLimit,
            StoppedByJson::WorkLimit => StoppedBy::WorkLimit,
            StoppedByJson::TimeLimit => StoppedBy::TimeLimit,
            StoppedByJson::Cancelled => StoppedBy::Cancelled,
        }
    }
}

/// The limits a plan was made under: quote them (with the data set and
/// model) to make the same plan again — exactly so when it was not stopped
/// by the time limit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LimitsJson {
    /// Time limit of the whole plan, seconds (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit_secs: Option<f64>,
    /// Work limit of the whole plan, units of work (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_limit: Option<u64>,
    /// Relative gap at which each round stops (0: prove optimality).
    pub gap: f64,
}

impl From<&Limits> for LimitsJson {
    fn from(l: &Limits) -> Self {
        LimitsJson {
            time_limit_secs: l.time_limit.map(|t| t.as_secs_f64()),
            work_limit: l.work_limit,
            gap: l.rel_gap,
        }
    }
}

/// Model id and version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ModelTag {
    /// Id.
    pub id: String,
    /// Version.
    pub version: String,
}

/// An alternative household for a placement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlternativeJson {
    /// Household.
    pub household_id: String,
    /// Its match score (hundredths).
    pub score: u32,
    /// The objective drops by at least this (hundredths).
    pub objective_drop_at_least: i64,
    /// … and at most this (equal = exact).
    pub objective_drop_at_most: i64,
}

/// One placement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlacementJson {
    /// Children placed together.
    pub children: Vec<String>,
    /// Household.
    pub household_id: String,
    /// Placement value (hundredths).
    pub value: i64,
    /// Match score (hundredths).
    pub score: i64,
    /// Relaxations needed (empty = strict).
    #[serde(default)]
    pub relaxed: Vec<String>,
    /// Fixed by an officer.
    #[serde(default)]
    pub pinned: bool,
    /// Score breakdown (points).
    #[serde(default, skip_deserializing)]
    pub breakdown: Vec<CriterionJson>,
    /// Next-best households and their cost to the plan.
    #[serde(default)]
    pub alternatives: Vec<AlternativeJson>,
}

/// One rule count.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleCountJson {
    /// Rule code.
    pub code: String,
    /// Households failing it.
    pub households: usize,
}

/// An eligible household named by a reason, and who the plan places there.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompetitorJson {
    /// Household.
    pub household_id: String,
    /// Children placed there instead.
    pub placed_there: Vec<Vec<String>>,
}

/// A reason a unit is unplaced.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasonJson {
    /// A code of the unplaced-reason table ([`crate::scoring::UnplacedCode`]):
    /// `NO_ELIGIBLE_HOUSEHOLD`, `SIBLING_GROUP_LARGER_THAN_ANY_ELIGIBLE_HOUSEHOLD`,
    /// `OUTCOMPETED`, `HOUSEHOLD_LIMIT_BINDING`, `SIBLING_TO_LIVE_APART_THERE`
    /// or `ROOM_LEFT_UNUSED`.
    pub code: String,
    /// One sentence.
    pub message: String,
    /// Rules excluding most households.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleCountJson>,
    /// The best eligible households the reason is about (at most 3) and who
    /// the plan places there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub households: Vec<CompetitorJson>,
}

/// An unplaced unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnplacedJson {
    /// Children.
    pub children: Vec<String>,
    /// Placement value (hundredths).
    pub value: i64,
    /// Why.
    pub reasons: Vec<ReasonJson>,
}

/// One component of a round.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentJson {
    /// Units.
    pub units: usize,
    /// Households.
    pub households: usize,
    /// Candidate pairs.
    pub pairs: usize,
    /// Objective.
    pub objective: i64,
    /// Bound.
    pub bound: i64,
    /// Status.
    pub status: String,
    /// Milliseconds.
    pub millis: f64,
    /// Method.
    pub method: String,
    /// Units of work it used.
    #[serde(default)]
    pub work: u64,
    /// What ended its search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<StoppedByJson>,
}

/// One solve.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoundJson {
    /// `strict` or the relaxations in force.
    pub label: String,
    /// Units.
    pub units: usize,
    /// Units placed.
    pub placed: usize,
    /// Children placed.
    #[serde(default)]
    pub children_placed: usize,
    /// Objective.
    pub objective: i64,
    /// Bound.
    pub bound: i64,
    /// Status.
    pub status: String,
    /// Milliseconds.
    pub millis: f64,
    /// What ended the round's search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<StoppedByJson>,
    /// Units of work the round used.
    #[serde(default)]
    pub work: u64,
    /// The round's share of the plan's time limit, seconds (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_share_secs: Option<f64>,
    /// The round's share of the plan's work limit (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_share: Option<u64>,
    /// Components (largest first).
    pub components: Vec<ComponentJson>,
}

/// A plan document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanJson {
    /// `homeward-plan/1`.
    pub format: String,
    /// Scoring model.
    pub model: ModelTag,
    /// Ages taken on.
    pub as_of: String,
    /// What was planned.
    pub scope: String,
    /// Travel-time source.
    pub travel: String,
    /// The objective.
    pub objective_formula: String,
    /// Status of the strict plan.
    pub status: String,
    /// Objective of the strict plan (hundredths, pinned placements included).
    pub objective: i64,
    /// Proved upper bound of the strict plan.
    pub bound: i64,
    /// (bound − objective) / bound.
    pub gap: f64,
    /// The limits it was made under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<LimitsJson>,
    /// What ended its search: `proved`, `gap`, `node_limit`, `work_limit`,
    /// `time_limit` or `cancelled` (the last of the rounds' in this order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<StoppedByJson>,
    /// Units of work used by all rounds.
    #[serde(default)]
    pub work: u64,
    /// Objective of the whole plan (= Σ value + score of all placements =
    /// `pinnedObjective` + Σ rounds' objectives).
    pub total_objective: i64,
    /// The weakest status of any round (`optimal`: every round proved
    /// optimal given the rounds before it).
    #[serde(default)]
    pub total_status: String,
    /// Objective of the officers' pinned placements (in no round).
    #[serde(default)]
    pub pinned_objective: i64,
    /// Children in scope.
    pub children: usize,
    /// Children placed.
    pub children_placed: usize,
    /// Placements.
    pub placements: Vec<PlacementJson>,
    /// Unplaced units.
    pub unplaced: Vec<UnplacedJson>,
    /// Every solve.
    pub rounds: Vec<RoundJson>,
}

fn ids(data: &DataSet, members: &[ChildIx]) -> Vec<String> {
    members
        .iter()
        .map(|c| data.child(*c).id.to_string())
        .collect()
}

/// JSON view of a plan.
pub fn plan_json(scorer: &Scorer<'_>, scope: &str, plan: &Plan) -> PlanJson {
    let data = scorer.data();
    let carer_id = |c: crate::domain::CarerIx| data.carer(c).id.to_string();
    let placements: Vec<PlacementJson> = plan
        .placements
        .iter()
        .map(|p| PlacementJson {
            children: ids(data, &p.unit.members),
            household_id: carer_id(p.carer),
            value: p.value,
            score: i64::from(p.score.total),
            relaxed: p.relaxed.clone(),
            pinned: p.pinned,
            breakdown: breakdown_json(&p.score),
            alternatives: p
                .alternatives
                .iter()
                .map(|a| AlternativeJson {
                    household_id: carer_id(a.carer),
                    score: a.score,
                    objective_drop_at_least: a.drop_low,
                    objective_drop_at_most: a.drop_high,
                })
                .collect(),
        })
        .collect();
    let unplaced: Vec<UnplacedJson> = plan
        .unplaced
        .iter()
        .map(|u| UnplacedJson {
            children: ids(data, &u.unit.members),
            value: u.value,
            reasons: u.reasons.iter().map(|r| reason_json(data, r)).collect(),
        })
        .collect();
    let placed: usize = placements.iter().map(|p| p.children.len()).sum();
    let unplaced_children: usize = unplaced.iter().map(|u| u.children.len()).sum();
    PlanJson {
        format: PLAN_FORMAT.into(),
        model: ModelTag {
            id: scorer.model().id.clone(),
            version: scorer.model().version.clone(),
        },
        as_of: scorer.as_of().to_string(),
        scope: scope.into(),
        travel: scorer.road_source(),
        objective_formula: OBJECTIVE_FORMULA.into(),
        status: status_name(plan.status).into(),
        objective: plan.objective,
        bound: plan.bound,
        gap: plan.gap(),
        limits: Some(LimitsJson::from(&plan.limits)),
        stopped_by: Some(plan.stopped_by.into()),
        work: plan.work,
        total_objective: plan.total_objective,
        total_status: status_name(
            plan.rounds
                .iter()
                .map(|r| r.status)
                .max()
                .unwrap_or(plan.status),
        )
        .into(),
        pinned_objective: plan.pinned_objective,
        children: placed + unplaced_children,
        children_placed: placed,
        placements,
        unplaced,
        rounds: plan
            .rounds
            .iter()
            .map(|r| {
                let mut components: Vec<ComponentJson> = r
                    .components
                    .iter()
                    .map(|c| ComponentJson {
                        units: c.units,
                        households: c.households,
                        pairs: c.pairs,
                        objective: c.objective,
                        bound: c.bound,
                        status: status_name(c.status).into(),
                        millis: c.millis,
                        method: c.method.into(),
                        work: c.work,
                        stopped_by: Some(c.stopped_by.into()),
                    })
                    .collect();
                components.sort_by(|a, b| b.units.cmp(&a.units).then(b.pairs.cmp(&a.pairs)));
                RoundJson {
                    label: r.label.clone(),
                    units: r.units,
                    placed: r.placed,
                    children_placed: r.children_placed,
                    objective: r.objective,
                    bound: r.bound,
                    status: status_name(r.status).into(),
                    millis: r.millis,
                    stopped_by: Some(r.stopped_by.into()),
                    work: r.work,
                    time_share_secs: r.time_share.map(|t| t.as_secs_f64()),
                    work_share: r.work_share,
                    components,
                }
            })
            .collect(),
    }
}

fn reason_json(data: &DataSet, r: &UnplacedReason) -> ReasonJson {
    match r {
        UnplacedReason::NoEligibleHousehold { rules } => ReasonJson {
            code: "NO_ELIGIBLE_HOUSEHOLD".into(),
            message: format!(
                "no household passes every hard rule (most excluded by {})",
                rules
                    .iter()
                    .map(|(c, n)| format!("{c}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            rules: rules
                .iter()
                .map(|(c, n)| RuleCountJson {
                    code: c.as_str().into(),
                    households: *n,
                })
                .collect(),
            households: Vec::new(),
        },
        UnplacedReason::GroupLargerThanAnyEligibleHousehold { size, largest_free } => ReasonJson {
            code: "SIBLING_GROUP_LARGER_THAN_ANY_ELIGIBLE_HOUSEHOLD".into(),
            message: format!(
                "a group of {size} siblings; households that pass every other rule have at most {largest_free} free place(s)"
            ),
            rules: Vec::new(),
            households: Vec::new(),
        },
        UnplacedReason::Blocked {
            room,
            households,
            by,
        } => ReasonJson {
            code: r.code().as_str().into(),
            message: blocked_message(*room, *households),
            rules: Vec::new(),
            households: by
                .iter()
                .map(|(c, placed)| CompetitorJson {
                    household_id: data.carer(*c).id.to_string(),
                    placed_there: placed.iter().map(|m| ids(data, m)).collect(),
                })
                .collect(),
        },
    }
}

/// The sentence of a [`UnplacedReason::Blocked`] reason over `n` households.
fn blocked_message(room: Room, n: usize) -> String {
    match room {
        Room::Full => format!(
            "eligible, but {n} eligible household(s) have no room left: their places went to children the plan values more"
        ),
        Room::LimitBinds => format!(
            "{n} eligible household(s) still have a free place, but the household limit refuses this placement given the children the plan places there"
        ),
        Room::SiblingApart => format!(
            "{n} eligible household(s) have room, but a sibling the child must live apart from is placed there"
        ),
        Room::Free => format!(
            "{n} eligible household(s) still have room the rules allow, but the plan did not use it (the solve stopped at its time, work or gap limit first)"
        ),
    }
}

/// `limits …; stopped by …` under the headline (empty for documents
/// written before limits were recorded).
fn limits_line(p: &PlanJson) -> String {
    let (Some(l), Some(by)) = (&p.limits, p.stopped_by) else {
        return String::new();
    };
    format!(
        "limits: time {} · work {} · gap {} — stopped by {} after {} units of work\n",
        l.time_limit_secs
            .map_or_else(|| "none".to_owned(), |t| format!("{t} s")),
        l.work_limit
            .map_or_else(|| "none".to_owned(), |w| format!("{w} units")),
        l.gap,
        StoppedBy::from(by),
        p.work
    )
}

/// A round's work and its share of the limits: `used (time s, work units)`.
fn round_share(r: &RoundJson) -> String {
    let mut share = Vec::new();
    if let Some(t) = r.time_share_secs {
        share.push(format!("{t:.1} s"));
    }
    if let Some(w) = r.work_share {
        share.push(format!("{w}"));
    }
    if share.is_empty() {
        r.work.to_string()
    } else {
        format!("{} ({})", r.work, share.join(", "))
    }
}

fn pts(h: i64) -> String {
    format!("{:.2}", h as f64 / 100.0)
}

/// The rounds of a plan, with the pinned placements and the whole plan's
/// totals: objective, units and children placed, status per row.
fn rounds_table(p: &PlanJson) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "round",
        "units",
        "placed",
        "children",
        "objective",
        "bound",
        "status",
        "components (largest)",
        "stopped by",
        "work used (share)",
        "ms",
    ]);
    let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
    let pinned: Vec<&PlacementJson> = p.placements.iter().filter(|x| x.pinned).collect();
    if !pinned.is_empty() {
        t.add_row(vec![
            Cell::new("pinned"),
            right(pinned.len().to_string()),
            right(pinned.len().to_string()),
            right(
                pinned
                    .iter()
                    .map(|x| x.children.len())
                    .sum::<usize>()
                    .to_string(),
            ),
            right(pts(p.pinned_objective)),
            Cell::new(""),
            Cell::new("fixed"),
            Cell::new(""),
            Cell::new(""),
            Cell::new(""),
            Cell::new(""),
        ]);
    }
    for r in &p.rounds {
        let largest = r.components.first().map_or(0, |c| c.units);
        t.add_row(vec![
            Cell::new(&r.label),
            right(r.units.to_string()),
            right(r.placed.to_string()),
            right(r.children_placed.to_string()),
            right(pts(r.objective)),
            right(pts(r.bound)),
            Cell::new(&r.status),
            right(format!("{} ({largest})", r.components.len())),
            Cell::new(
                r.stopped_by
                    .map_or_else(String::new, |b| StoppedBy::from(b).to_string()),
            ),
            right(round_share(r)),
            right(format!("{:.0}", r.millis)),
        ]);
    }
    t.add_row(vec![
        Cell::new("total"),
        Cell::new(""),
        right(p.placements.len().to_string()),
        right(p.children_placed.to_string()),
        right(pts(p.total_objective)),
        Cell::new(""),
        Cell::new(&p.total_status),
        Cell::new(""),
        Cell::new(
            p.stopped_by
                .map_or_else(String::new, |b| StoppedBy::from(b).to_string()),
        ),
        right(p.work.to_string()),
        right(format!(
            "{:.0}",
            p.rounds.iter().map(|r| r.millis).sum::<f64>()
        )),
    ]);
    t
}

/// Plain-text summary of a plan.
pub fn plan_text(p: &PlanJson) -> String {
    let mut out = format!(
        "Placement plan — {} · model {}@{} · ages as of {}\n{}\n\n",
        p.scope, p.model.id, p.model.version, p.as_of, p.travel
    );
    out.push_str(&format!(
        "total objective {} · status {} · {} of {} children placed in {} placements; {} unit(s) unplaced\n",
        pts(p.total_objective),
        p.total_status,
        p.children_placed,
        p.children,
        p.placements.len(),
        p.unplaced.len()
    ));
    out.push_str(&format!(
        "strict plan: status {} · objective {} · bound {} · gap {:.4}%\n",
        p.status,
        pts(p.objective),
        pts(p.bound),
        p.gap * 100.0,
    ));
    out.push_str(&limits_line(p));
    out.push_str(&format!("objective: {}\n", p.objective_formula));
    out.push_str(&format!("\n{}\n", rounds_table(p)));
    if !p.placements.is_empty() {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_header(vec![
            "children",
            "household",
            "score",
            "value",
            "relaxed",
            "next best (objective drop)",
        ]);
        for pl in &p.placements {
            let alts = pl
                .alternatives
                .iter()
                .map(|a| {
                    if a.objective_drop_at_least == a.objective_drop_at_most {
                        format!("{} (−{})", a.household_id, pts(a.objective_drop_at_most))
                    } else {
                        format!(
                            "{} (−{}…{})",
                            a.household_id,
                            pts(a.objective_drop_at_least),
                            pts(a.objective_drop_at_most)
                        )
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            t.add_row(vec![
                Cell::new(pl.children.join("+")),
                Cell::new(format!(
                    "{}{}",
                    pl.household_id,
                    if pl.pinned { " (pinned)" } else { "" }
                )),
                Cell::new(pts(pl.score)).set_alignment(CellAlignment::Right),
                Cell::new(pts(pl.value)).set_alignment(CellAlignment::Right),
                Cell::new(pl.relaxed.join(" + ")),
                Cell::new(alts),
            ]);
        }
        out.push_str(&format!("\n{t}\n"));
    }
    if !p.unplaced.is_empty() {
        out.push_str("\nUnplaced:\n");
        for u in &p.unplaced {
            for r in &u.reasons {
                let extra = if r.households.is_empty() {
                    String::new()
                } else {
                    format!(
                        " — best households: {}",
                        r.households
                            .iter()
                            .map(|h| format!(
                                "{} (took {})",
                                h.household_id,
                                if h.placed_there.is_empty() {
                                    "no one".into()
                                } else {
                                    h.placed_there
                                        .iter()
                                        .map(|c| c.join("+"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                }
                            ))
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                };
                out.push_str(&format!(
                    "  {:<24} {}: {}{extra}\n",
                    u.children.join("+"),
                    r.code,
                    r.message
                ));
            }
        }
    }
    out.push_str("\nRecommendations only: officers decide. Check this plan independently with `homeward check --plan FILE`.\n");
    out
}
