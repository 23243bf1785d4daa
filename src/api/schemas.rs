//! OpenAPI schemas of the ranking and explanation payloads, so that the
//! document (and the contract test) describes them field by field instead
//! of `Object`. The payloads themselves are the report types of
//! [`crate::report`] (`RankingJson`, `ExplanationJson`), shared with
//! `homeward rank --format json`; these types only describe them and must
//! follow them field for field (`tests/api_router.rs` checks real responses
//! against this document).

#![allow(dead_code)] // schema-only types: described, never constructed

use utoipa::ToSchema;

/// Model id and version, echoed in every output.
#[derive(ToSchema)]
#[schema(as = ModelRef)]
pub(crate) struct ModelRefSchema {
    /// Model id.
    id: String,
    /// Model version.
    version: String,
}

/// One criterion of a score breakdown.
#[derive(ToSchema)]
#[schema(as = CriterionPoints, rename_all = "camelCase")]
pub(crate) struct CriterionSchema {
    /// Criterion key.
    criterion: String,
    /// Value 0–1; absent = not applicable.
    value: Option<f64>,
    /// Weight.
    weight: f64,
    /// Points contributed (the points of a breakdown add up to `score`).
    points: f64,
    /// Why, in words.
    reason: String,
}

/// A ranked household.
#[derive(ToSchema)]
#[schema(as = Match, rename_all = "camelCase")]
pub(crate) struct MatchSchema {
    /// Rank, 1 = best.
    rank: u64,
    /// Household id.
    household_id: String,
    /// Kind: `kinship`, `foster`, `specialist` or `emergency`.
    kind: String,
    /// Place name.
    place: String,
    /// Region.
    region: String,
    /// Free places.
    free_places: u8,
    /// Score 0–100.
    score: f64,
    /// The score by criterion.
    breakdown: Vec<CriterionSchema>,
}

/// How many households one hard rule excluded.
#[derive(ToSchema)]
#[schema(as = Exclusion, rename_all = "camelCase")]
pub(crate) struct ExclusionSchema {
    /// Stable rule code.
    code: String,
    /// The rule in one sentence.
    description: String,
    /// Households failing it.
    households: u64,
}

/// Ranked, explained households for one child (and its sibling group):
/// the payload of `homeward rank --format json`.
#[derive(ToSchema)]
#[schema(as = Ranking, rename_all = "camelCase")]
pub(crate) struct RankingSchema {
    /// Model.
    model: ModelRefSchema,
    /// Scoring date (ages are taken on it).
    as_of: String,
    /// How travel times were obtained.
    travel: String,
    /// Children ranked for (one, or a sibling group).
    children: Vec<String>,
    /// Whether the children are a sibling group placed together.
    sibling_group: bool,
    /// Placement priority in points.
    priority: f64,
    /// Households in the data set.
    households: u64,
    /// Eligible households.
    eligible: u64,
    /// Excluded households.
    excluded: u64,
    /// Households failing each rule (one household may fail several).
    excluded_by_rule: Vec<ExclusionSchema>,
    /// Top matches, best first.
    matches: Vec<MatchSchema>,
}

/// One hard rule's result for one child of the pair.
#[derive(ToSchema)]
#[schema(as = RuleResult, rename_all = "camelCase")]
pub(crate) struct RuleSchema {
    /// Child id.
    child_id: String,
    /// Stable rule code.
    code: String,
    /// Whether the pair passes it.
    passed: bool,
    /// Why it failed (absent when passed).
    detail: Option<String>,
}

/// One child–household pair explained: the payload of
/// `homeward rank --explain <household> --format json`.
#[derive(ToSchema)]
#[schema(as = Explanation, rename_all = "camelCase")]
pub(crate) struct ExplanationSchema {
    /// Model.
    model: ModelRefSchema,
    /// Scoring date (ages are taken on it).
    as_of: String,
    /// How travel times were obtained.
    travel: String,
    /// Children (one, or a sibling group).
    children: Vec<String>,
    /// Household.
    household_id: String,
    /// Passes every hard rule.
    eligible: bool,
    /// Every hard rule for every child.
    rules: Vec<RuleSchema>,
    /// Score 0–100 (for an excluded pair: for information only, never ranked).
    score: f64,
    /// The score by criterion.
    breakdown: Vec<CriterionSchema>,
    /// Rank among eligible households (absent when excluded).
    rank: Option<u64>,
    /// Eligible households.
    eligible_households: u64,
    /// The best match, for comparison (absent when none is eligible).
    best: Option<MatchSchema>,
}
