//! Placement priority (placement value) of a child, in points, from the
//! model's `[priority]` weights:
//!
//! ```text
//! value = base
//!       + under3_in_institution   if the child is under 3 and lives in an institution
//!       + under7_in_institution   if the child is under 7 and lives in an institution
//!       + per_need_severity       × min(6, Σ severity of the child's needs)
//!       + per_year_in_institution × min(10, whole years since entering care), in an institution
//!       + institution_closing     if the child's institution closes within closing_within_months
//! ```
//! A sibling group's value is the sum of its members'. The planner uses it so
//! that placing more (priority-weighted) children wins first, fit second.

use super::Model;
use crate::domain::{ChildIx, DataSet, age_years};
use chrono::{Months, NaiveDate};

/// Placement value of one child on `as_of`.
pub fn placement_value(data: &DataSet, model: &Model, child: ChildIx, as_of: NaiveDate) -> f64 {
    let p = &model.priority;
    let c = data.child(child);
    let age = c.age_on(as_of);
    let mut v = p.base;
    let severity: u32 = c.needs.iter().map(|n| u32::from(n.severity)).sum();
    v += p.per_need_severity * f64::from(severity.min(6));
    if let Some(i) = c.institution {
        if age < 3 {
            v += p.under3_in_institution;
        }
        if age < 7 {
            v += p.under7_in_institution;
        }
        v += p.per_year_in_institution * f64::from(age_years(c.entered_care, as_of).min(10));
        let horizon = as_of
            .checked_add_months(Months::new(p.closing_within_months))
            .unwrap_or(NaiveDate::MAX);
        if data.institutions[i.get()]
            .planned_closure
            .is_some_and(|d| d <= horizon)
        {
            v += p.institution_closing;
        }
    }
    v
}

/// Placement value of a unit (sum over members).
pub fn unit_value(data: &DataSet, model: &Model, members: &[ChildIx], as_of: NaiveDate) -> f64 {
    members
        .iter()
        .map(|&c| placement_value(data, model, c, as_of))
        .sum()
}
