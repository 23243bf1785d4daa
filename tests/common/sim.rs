//! Simulation scenarios for the simulator tests.

use homeward::sim::Scenario;
use std::path::Path;

/// A scenario `name` (file `<name>.toml`) on fixtures/small from
/// 2027-01-01, with no random events (no attrition, breakdowns or
/// capacity-gap runs) unless the `extra` TOML appended adds them.
pub fn quiet_scenario(
    name: &str,
    horizon_months: u32,
    replications: u32,
    seed: u64,
    extra: &str,
) -> Scenario {
    let text = format!(
        r#"
name = "{name}"
data = "fixtures/small"
start = 2027-01-01
horizon_months = {horizon_months}
replications = {replications}
seed = {seed}
[carers]
attrition_per_year = 0.0
[breakdowns]
bands = [{{ below = 101.0, per_year = 0.0 }}]
[policy]
model = "serbia"
gap = 0.0
candidates_per_unit = 0
[capacity_gap]
enabled = false
{extra}
"#
    );
    Scenario::from_toml(&text, &format!("{name}.toml"), Path::new(".")).expect("scenario")
}
