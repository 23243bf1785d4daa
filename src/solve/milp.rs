//! The placement integer program as a good_lp model: one binary variable per
//! eligible pair, solved by microlp (pure Rust, default) or HiGHS (cargo
//! feature `highs`). The same model is exported to MPS by [`super::mps`].
//!
//! ## Formulation
//! Columns (all binary):
//! - `x_<u>_<h>` for every eligible pair (objective coefficient `coef`);
//! - `z_<h>`: "the household limit binds at `h`" — a counted unit is placed
//!   there, where a unit is *counted* when it is not exempt, or always when
//!   `limit_always` is set (so with nothing placed the limit never binds,
//!   as in [`Household::allows`]);
//! - `y_<h>`: "a child with developmental difficulties is at `h`" — only when
//!   `h` is not already developmental, has a developmental candidate and a
//!   developmental limit different from its limit.
//!
//! Rows (all `≤`; `u` ranges over units, `h` over households):
//! ```text
//! unit_<u>:       Σ_h x[u,h]                       ≤ 1          (units with ≥ 2 pairs)
//! cap_<h>:        Σ_u size[u]·x[u,h]               ≤ capacity[h]
//! count_<u>_<h>:  x[u,h] − z[h]                    ≤ 0          (counted u)
//! dev_<u>_<h>:    x[u,h] − y[h]                    ≤ 0          (developmental u)
//! devonly_<h>:    y[h] − Σ_dev x[v,h]              ≤ 0          (only when limit_dev > limit)
//! limit_<h>:      Σ size·x + (L − D)·y[h] + M·z[h] ≤ L − current + M
//! apart_<a>_<b>_<h>: x[a,h] + x[b,h]                ≤ 1          (units a, b kept apart)
//! ```
//! where `L = limit`, `D = limit_developmental` (falling back to `L`). The
//! last row is `current + Σ size·x ≤ L − (L − D)·y + M·(1 − z)`. When `y` is
//! not a column the limit is a constant: `D` if `current_developmental`, else
//! `L`, and the row reads `Σ size·x + M·z ≤ lim − current + M`.
//!
//! **Big-M.** `M = capacity + current − lim_min`, with `lim_min` the smallest
//! limit the row can take (`min(L, D)` with `y`, else the constant). With
//! `z = 0` the row must not cut any plan allowed by the capacity row
//! (`Σ size·x ≤ capacity`): its left side is at most
//! `capacity + max(0, L − D)·y`, and its right side is
//! `L − current + M = capacity + L − lim_min`, which is at least that for
//! `y ∈ {0, 1}`. When `M ≤ 0` the limit can never bind (`current + capacity
//! ≤ lim_min`) and the row and `z` are left out; so are they when `h` has no
//! counted candidate. Note that `M = capacity` (the textbook choice) is not
//! valid when a household is already above its limit (`current > lim_min`),
//! where exempt groups may still be placed.
//!
//! **Exactness.** For fixed `x`, some `z, y` satisfy the rows iff every
//! household's placed set passes [`Household::allows`]: a counted unit forces
//! `z = 1`; `y` is at least "a developmental unit is placed" and, when
//! `D > L` (where `y = 1` would loosen the row), also at most that; `z` and
//! `y` may otherwise be chosen as the indicators themselves. The property
//! tests in `tests/milp.rs` check the optimum against brute force.

use std::fmt::Write as _;
use std::time::Duration;

use good_lp::solvers::microlp::microlp;
use good_lp::{
    Constraint, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus,
    SolverModel, Variable, WithTimeLimit, variable,
};

use super::instance::{Assignment, Household, Instance};

/// Why the placement model could not be solved to proven optimality.
#[derive(Debug, thiserror::Error)]
pub enum MilpError {
    /// The solver reports the model infeasible. Never expected: placing no
    /// one is always feasible, so this is a bug in the model or the solver.
    #[error(
        "the placement model is infeasible (placing no one is always feasible: a model or solver bug)"
    )]
    Infeasible,
    /// The time limit ran out before optimality was proved.
    #[error("time limit reached before optimality was proved ({})",
        if incumbent.is_some() { "a feasible plan was found" } else { "no plan found" })]
    TimeLimit {
        /// The best plan found, checked feasible, if any.
        incumbent: Option<Assignment>,
    },
    /// The instance breaks its own invariants (a pair out of range,
    /// unsorted or duplicated).
    #[error("invalid instance: {0}")]
    InvalidInstance(String),
    /// The solver failed for another reason.
    #[error("{solver} failed: {message}")]
    Solver {
        /// Solver name.
        solver: &'static str,
        /// What it reported.
        message: String,
    },
    /// The solver returned a plan that the independent check
    /// ([`Instance::feasible`]) rejects.
    #[error("{solver} returned a plan the checker rejects: {problem}")]
    Check {
        /// Solver name.
        solver: &'static str,
        /// What is wrong with the plan.
        problem: String,
    },
}

/// What a model column stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    /// `x_<u>_<h>`: index into `Instance::pairs`.
    Place(usize),
    /// `z_<h>`: the household limit binds.
    Counted(u32),
    /// `y_<h>`: a developmental child is placed.
    Developmental(u32),
}

/// One binary column.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) kind: ColumnKind,
    /// Objective coefficient (maximised).
    pub(crate) objective: i64,
}

/// One row `Σ coef·column ≤ rhs` (integer data, so exact in any format).
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) name: String,
    pub(crate) terms: Vec<(usize, i64)>,
    pub(crate) rhs: i64,
}

/// The model in solver-neutral form; the single source of both the good_lp
/// model and the MPS file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Formulation {
    pub(crate) columns: Vec<Column>,
    pub(crate) rows: Vec<Row>,
}

impl Formulation {
    /// Builds the model of `inst` (see the module docs).
    ///
    /// # Errors
    /// A description of the first broken instance invariant.
    pub(crate) fn new(inst: &Instance) -> Result<Self, String> {
        check_instance(inst)?;
        let mut f = Formulation::default();
        let nh = inst.households.len();
        let mut by_unit: Vec<Vec<usize>> = vec![Vec::new(); inst.units.len()];
        let mut by_household: Vec<Vec<usize>> = vec![Vec::new(); nh];
        for (i, p) in inst.pairs.iter().enumerate() {
            f.columns.push(Column {
                name: format!("x_{}_{}", p.unit, p.household),
                kind: ColumnKind::Place(i),
                objective: p.coef,
            });
            by_unit[p.unit as usize].push(i);
            by_household[p.household as usize].push(i);
        }
        for (u, cols) in by_unit.iter().enumerate() {
            if cols.len() >= 2 {
                f.rows.push(Row {
                    name: format!("unit_{u}"),
                    terms: cols.iter().map(|&c| (c, 1)).collect(),
                    rhs: 1,
                });
            }
        }
        for (h, cols) in by_household.iter().enumerate() {
            if cols.is_empty() {
                continue;
            }
            let hh = &inst.households[h];
            let sized: Vec<(usize, i64)> = cols
                .iter()
                .map(|&c| (c, i64::from(inst.units[inst.pairs[c].unit as usize].size)))
                .collect();
            f.rows.push(Row {
                name: format!("cap_{h}"),
                terms: sized.clone(),
                rhs: i64::from(hh.capacity),
            });
            f.add_limit(inst, h as u32, hh, cols, sized);
        }
        // Siblings placed apart: never both in one household.
        for &(a, b) in &inst.apart {
            for &ca in by_unit.get(a as usize).map_or(&[][..], |v| v.as_slice()) {
                let h = inst.pairs[ca].household;
                if let Ok(k) = inst
                    .pairs
                    .binary_search_by(|p| (p.unit, p.household).cmp(&(b, h)))
                {
                    f.rows.push(Row {
                        name: format!("apart_{a}_{b}_{h}"),
                        terms: vec![(ca, 1), (k, 1)],
                        rhs: 1,
                    });
                }
            }
        }
        Ok(f)
    }

    /// A binary indicator column with rows `x[c] − indicator ≤ 0` (named
    /// `<prefix>_<unit>_<h>`) for every pair column `c` in `cols`.
    fn indicator(
        &mut self,
        inst: &Instance,
        name: String,
        kind: ColumnKind,
        prefix: &str,
        h: u32,
        cols: &[usize],
    ) -> usize {
        let k = self.columns.len();
        self.columns.push(Column {
            name,
            kind,
            objective: 0,
        });
        for &c in cols {
            self.rows.push(Row {
                name: format!("{prefix}_{}_{h}", inst.pairs[c].unit),
                terms: vec![(c, 1), (k, -1)],
                rhs: 0,
            });
        }
        k
    }

    /// The household-limit rows and columns of household `h` (`cols`: its
    /// pair columns; `sized`: the same with unit sizes).
    fn add_limit(
        &mut self,
        inst: &Instance,
        h: u32,
        hh: &Household,
        cols: &[usize],
        mut sized: Vec<(usize, i64)>,
    ) {
        let Some(limit) = hh.limit else { return };
        let unit = |c: usize| &inst.units[inst.pairs[c].unit as usize];
        let counted: Vec<usize> = cols
            .iter()
            .copied()
            .filter(|&c| hh.limit_always || !unit(c).exempt)
            .collect();
        if counted.is_empty() {
            return;
        }
        let l = i64::from(limit);
        let d = hh.limit_developmental.map_or(l, i64::from);
        let dev: Vec<usize> = cols
            .iter()
            .copied()
            .filter(|&c| unit(c).developmental)
            .collect();
        let with_y = !hh.current_developmental && !dev.is_empty() && d != l;
        let lim_min = if hh.current_developmental {
            d
        } else if with_y {
            l.min(d)
        } else {
            l
        };
        let current = i64::from(hh.current);
        let big_m = i64::from(hh.capacity) + current - lim_min;
        if big_m <= 0 {
            return; // the capacity row already implies the limit
        }
        let z = self.indicator(
            inst,
            format!("z_{h}"),
            ColumnKind::Counted(h),
            "count",
            h,
            &counted,
        );
        let lim = if with_y {
            let y = self.indicator(
                inst,
                format!("y_{h}"),
                ColumnKind::Developmental(h),
                "dev",
                h,
                &dev,
            );
            if d > l {
                // y = 1 would loosen the limit: tie it to a developmental placement.
                let mut terms = vec![(y, 1)];
                terms.extend(dev.iter().map(|&c| (c, -1)));
                self.rows.push(Row {
                    name: format!("devonly_{h}"),
                    terms,
                    rhs: 0,
                });
            }
            sized.push((y, l - d));
            l
        } else if hh.current_developmental {
            d
        } else {
            l
        };
        sized.push((z, big_m));
        self.rows.push(Row {
            name: format!("limit_{h}"),
            terms: sized,
            rhs: lim - current + big_m,
        });
    }
}

/// Checks the invariants the model relies on (indices in range, pairs sorted
/// by (unit, household) without duplicates).
fn check_instance(inst: &Instance) -> Result<(), String> {
    let (nu, nh) = (inst.units.len(), inst.households.len());
    let mut last: Option<(u32, u32)> = None;
    for (i, p) in inst.pairs.iter().enumerate() {
        if p.unit as usize >= nu || p.household as usize >= nh {
            return Err(format!(
                "pair {i} ({}, {}) is out of range ({nu} units, {nh} households)",
                p.unit, p.household
            ));
        }
        let key = (p.unit, p.household);
        if last.is_some_and(|l| l >= key) {
            return Err(format!(
                "pair {i} ({}, {}) is not sorted or is a duplicate",
                p.unit, p.household
            ));
        }
        last = Some(key);
    }
    for (i, &(a, b)) in inst.apart.iter().enumerate() {
        if a >= b || b as usize >= nu {
            return Err(format!(
                "apart pair {i} ({a}, {b}) must name two units a < b in range"
            ));
        }
    }
    Ok(())
}

/// The placement MILP of one instance as a good_lp model: variables (one per
/// column of the formulation, named `x_<unit>_<household>`, `z_<h>`,
/// `y_<h>`), the objective expression and the named constraints, in the
/// order of the formulation's rows so that solver constraint references
/// (duals of a relaxation) map back to rows.
pub struct PlacementMilp {
    instance: Instance,
    formulation: Formulation,
    vars: ProblemVariables,
    columns: Vec<Variable>,
    objective: Expression,
    constraints: Vec<Constraint>,
}

impl PlacementMilp {
    /// Builds the model of `inst` (see the module docs for the formulation).
    ///
    /// # Errors
    /// [`MilpError::InvalidInstance`] when a pair is out of range, or pairs
    /// are not sorted by (unit, household) without duplicates.
    pub fn new(inst: &Instance) -> Result<Self, MilpError> {
        let formulation = Formulation::new(inst).map_err(MilpError::InvalidInstance)?;
        let mut vars = ProblemVariables::new();
        let columns: Vec<Variable> = formulation
            .columns
            .iter()
            .map(|c| vars.add(variable().binary().name(c.name.clone())))
            .collect();
        let mut objective = Expression::with_capacity(inst.pairs.len());
        for (c, v) in formulation.columns.iter().zip(&columns) {
            if c.objective != 0 {
                objective.add_mul(c.objective as f64, *v);
            }
        }
        let constraints = formulation
            .rows
            .iter()
            .map(|r| {
                let mut lhs = Expression::with_capacity(r.terms.len());
                for &(c, a) in &r.terms {
                    lhs.add_mul(a as f64, columns[c]);
                }
                lhs.leq(r.rhs as f64).set_name(r.name.clone())
            })
            .collect();
        Ok(PlacementMilp {
            instance: inst.clone(),
            formulation,
            vars,
            columns,
            objective,
            constraints,
        })
    }

    /// Number of variables (columns).
    pub fn num_variables(&self) -> usize {
        self.columns.len()
    }

    /// Number of constraints (rows).
    pub fn num_constraints(&self) -> usize {
        self.constraints.len()
    }

    /// Variable names, in column order (as in the MPS export).
    pub fn variable_names(&self) -> impl Iterator<Item = &str> {
        self.formulation.columns.iter().map(|c| c.name.as_str())
    }

    /// Writes this model in free MPS (objective negated; see [`super::mps`]).
    ///
    /// # Errors
    /// Any error of `w`.
    pub fn write_mps(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        super::mps::write_formulation(&self.formulation, w)
    }

    /// Solves with microlp (pure Rust, branch and bound), optionally within
    /// `time_limit`. `Ok` means proved optimal.
    ///
    /// # Errors
    /// [`MilpError::TimeLimit`] (with the best plan found, if any) when the
    /// limit ran out first; [`MilpError::Infeasible`], [`MilpError::Solver`]
    /// or [`MilpError::Check`] when something is wrong.
    pub fn solve_microlp(&self, time_limit: Option<Duration>) -> Result<Assignment, MilpError> {
        const NAME: &str = "microlp";
        if self.columns.is_empty() {
            return Ok(self.empty_plan());
        }
        let mut model = self
            .vars
            .clone()
            .maximise(self.objective.clone())
            .using(microlp);
        if let Some(t) = time_limit {
            model = model.with_time_limit(t.as_secs_f64());
        }
        let refs: Vec<_> = self
            .constraints
            .iter()
            .map(|c| model.add_constraint(c.clone()))
            .collect();
        debug_assert_eq!(refs.len(), self.formulation.rows.len());
        match model.solve() {
            Ok(sol) => self.finish(NAME, &sol, sol.status()),
            Err(ResolutionError::Other(m)) if m.contains("Time limit") => {
                Err(MilpError::TimeLimit { incumbent: None })
            }
            Err(e) => Err(solver_error(NAME, e)),
        }
    }

    /// Solves with HiGHS (one thread, zero gap), optionally within
    /// `time_limit`. `Ok` means proved optimal.
    ///
    /// # Errors
    /// As [`PlacementMilp::solve_microlp`].
    #[cfg(feature = "highs")]
    pub fn solve_highs(&self, time_limit: Option<Duration>) -> Result<Assignment, MilpError> {
        use good_lp::solvers::highs::highs;
        const NAME: &str = "HiGHS";
        if self.columns.is_empty() {
            return Ok(self.empty_plan());
        }
        let mut model = self
            .vars
            .clone()
            .maximise(self.objective.clone())
            .using(highs)
            .set_threads(1)
            .set_mip_rel_gap(0.0)
            .and_then(|m| m.set_mip_abs_gap(0.0))
            .map_err(|e| MilpError::Solver {
                solver: NAME,
                message: e.to_string(),
            })?;
        if let Some(t) = time_limit {
            model = model.set_time_limit(t.as_secs_f64());
        }
        let refs: Vec<_> = self
            .constraints
            .iter()
            .map(|c| model.add_constraint(c.clone()))
            .collect();
        debug_assert_eq!(refs.len(), self.formulation.rows.len());
        match model.solve() {
            Ok(sol) => self.finish(NAME, &sol, sol.status()),
            Err(ResolutionError::Other("NoSolutionFound")) => {
                Err(MilpError::TimeLimit { incumbent: None })
            }
            Err(e) => Err(solver_error(NAME, e)),
        }
    }

    fn empty_plan(&self) -> Assignment {
        Assignment {
            placed: vec![None; self.instance.units.len()],
        }
    }

    /// Reads the plan from a solution, checks it, and maps the status.
    fn finish(
        &self,
        solver: &'static str,
        sol: &impl Solution,
        status: SolutionStatus,
    ) -> Result<Assignment, MilpError> {
        let mut plan = self.empty_plan();
        let mut problems = String::new();
        for (c, v) in self.formulation.columns.iter().zip(&self.columns) {
            let ColumnKind::Place(i) = c.kind else {
                continue;
            };
            if sol.value(*v) > 0.5 {
                let p = &self.instance.pairs[i];
                let slot = &mut plan.placed[p.unit as usize];
                if let Some(other) = slot {
                    let _ = write!(
                        problems,
                        "unit {} placed at households {other} and {}; ",
                        p.unit, p.household
                    );
                }
                *slot = Some(p.household);
            }
        }
        if !problems.is_empty() || !self.instance.feasible(&plan) {
            if problems.is_empty() {
                problems = "a household rule or capacity is broken".into();
            }
            return Err(MilpError::Check {
                solver,
                problem: problems,
            });
        }
        match status {
            SolutionStatus::Optimal => Ok(plan),
            SolutionStatus::TimeLimit | SolutionStatus::GapLimit => Err(MilpError::TimeLimit {
                incumbent: Some(plan),
            }),
        }
    }
}

fn solver_error(solver: &'static str, e: ResolutionError) -> MilpError {
    match e {
        ResolutionError::Infeasible => MilpError::Infeasible,
        e => MilpError::Solver {
            solver,
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::{Pair, Unit};

    fn unit(size: u8, developmental: bool, exempt: bool) -> Unit {
        Unit {
            size,
            value: 1000,
            developmental,
            exempt,
        }
    }

    fn household(capacity: u8, current: u8, limit: Option<u8>) -> Household {
        Household {
            capacity,
            current,
            current_developmental: false,
            limit,
            limit_developmental: None,
            limit_always: false,
        }
    }

    fn pairs(list: &[(u32, u32)]) -> Vec<Pair> {
        list.iter()
            .map(|&(unit, household)| Pair {
                unit,
                household,
                score: 0,
                coef: 1000,
            })
            .collect()
    }

    #[test]
    fn names_variables_by_unit_and_household() {
        let inst = Instance {
            units: vec![unit(1, false, false), unit(2, false, true)],
            households: vec![household(3, 1, Some(2))],
            pairs: pairs(&[(0, 0), (1, 0)]),
            apart: Vec::new(),
        };
        let m = PlacementMilp::new(&inst).unwrap();
        let names: Vec<_> = m.variable_names().collect();
        assert_eq!(names, ["x_0_0", "x_1_0", "z_0"]);
    }

    #[test]
    fn household_above_its_limit_still_takes_exempt_groups() {
        // current 3 > limit 2: with M = capacity the limit row would cut the
        // exempt group (z = 0: 2 + 0 ≤ 2 − 3 + 2 fails). The lone child is
        // not placeable alone (outside the instance contract, but the model
        // must still exclude it).
        let inst = Instance {
            units: vec![unit(2, false, true), unit(1, false, false)],
            households: vec![household(2, 3, Some(2))],
            pairs: pairs(&[(0, 0), (1, 0)]),
            apart: Vec::new(),
        };
        let plan = PlacementMilp::new(&inst)
            .unwrap()
            .solve_microlp(None)
            .unwrap();
        assert_eq!(plan.placed, [Some(0), None]);
    }

    #[test]
    fn rejects_unsorted_pairs() {
        let inst = Instance {
            units: vec![unit(1, false, false), unit(1, false, false)],
            households: vec![household(3, 0, None)],
            pairs: pairs(&[(1, 0), (0, 0)]),
            apart: Vec::new(),
        };
        assert!(matches!(
            PlacementMilp::new(&inst),
            Err(MilpError::InvalidInstance(_))
        ));
    }
}
