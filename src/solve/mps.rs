//! Export of the placement model in free MPS, so that any other solver
//! (HiGHS, CBC, GLPK with `--freemps`, SCIP, …) can check a plan.
//!
//! The file holds exactly the model of [`super::milp`] (same columns, names,
//! rows and order; both are built from one formulation). Conventions:
//! - **Objective negated.** MPS minimises, and not every reader honours an
//!   `OBJSENSE` section, so the objective row `negvalue` holds `−coef` and
//!   the file minimises `−Σ coef·x`: **the plan's value is minus the
//!   optimum** a solver reports. A comment at the top says so.
//! - **Free MPS** (names are longer than the 8 characters of fixed MPS):
//!   fields separated by spaces, names without spaces.
//! - Every column is binary: between `MARKER INTORG` / `INTEND` markers, with
//!   `UP 1` in `BOUNDS` (lower bounds are 0, the default).
//! - Rows are all `L` (≤); right-hand sides of 0 are left out.
//! - Coefficients are integers and written exactly.

use std::io::{self, Write};

use super::instance::Instance;
use super::milp::Formulation;

/// Name of the objective row.
pub const OBJECTIVE_ROW: &str = "negvalue";

/// Writes the placement model of `inst` in free MPS (see the module docs:
/// the objective is negated).
///
/// # Errors
/// [`io::ErrorKind::InvalidInput`] when the instance breaks its invariants
/// (a pair out of range, unsorted or duplicated); any error of `w`.
pub fn write_mps(inst: &Instance, w: &mut impl Write) -> io::Result<()> {
    let f = Formulation::new(inst).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    write_formulation(&f, w)
}

pub(crate) fn write_formulation(f: &Formulation, w: &mut impl Write) -> io::Result<()> {
    writeln!(
        w,
        "* homeward placement model (free MPS), all columns binary."
    )?;
    writeln!(
        w,
        "* Maximises the plan value sum(coef * x); written as minimise {OBJECTIVE_ROW} = -sum(coef * x),"
    )?;
    writeln!(w, "* so the plan value is MINUS the optimal objective.")?;
    writeln!(w, "NAME homeward_placement")?;
    writeln!(w, "ROWS")?;
    writeln!(w, " N {OBJECTIVE_ROW}")?;
    for r in &f.rows {
        writeln!(w, " L {}", r.name)?;
    }

    // Column-wise entries, in row order within each column.
    let mut entries: Vec<Vec<(usize, i64)>> = vec![Vec::new(); f.columns.len()];
    for (ri, r) in f.rows.iter().enumerate() {
        for &(c, a) in &r.terms {
            if a != 0 {
                entries[c].push((ri, a));
            }
        }
    }
    writeln!(w, "COLUMNS")?;
    writeln!(w, "    MARKER 'MARKER' 'INTORG'")?;
    for (c, col) in f.columns.iter().enumerate() {
        if col.objective != 0 || entries[c].is_empty() {
            writeln!(w, "    {} {OBJECTIVE_ROW} {}", col.name, -col.objective)?;
        }
        for &(ri, a) in &entries[c] {
            writeln!(w, "    {} {} {a}", col.name, f.rows[ri].name)?;
        }
    }
    writeln!(w, "    MARKER 'MARKER' 'INTEND'")?;
    writeln!(w, "RHS")?;
    for r in f.rows.iter().filter(|r| r.rhs != 0) {
        writeln!(w, "    RHS {} {}", r.name, r.rhs)?;
    }
    writeln!(w, "BOUNDS")?;
    for col in &f.columns {
        writeln!(w, " UP BND {} 1", col.name)?;
    }
    writeln!(w, "ENDATA")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::{Household, Pair, Unit};

    #[test]
    fn writes_sections_binary_markers_and_negated_objective() {
        let inst = Instance {
            units: vec![Unit {
                size: 2,
                value: 5000,
                developmental: false,
                exempt: false,
            }],
            households: vec![Household {
                capacity: 3,
                current: 1,
                current_developmental: false,
                limit: Some(2),
                limit_developmental: None,
                limit_always: false,
            }],
            pairs: vec![Pair {
                unit: 0,
                household: 0,
                score: 700,
                coef: 5700,
            }],
            apart: Vec::new(),
        };
        let mut out = Vec::new();
        write_mps(&inst, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let body: Vec<&str> = text.lines().filter(|l| !l.starts_with('*')).collect();
        assert_eq!(
            body,
            [
                "NAME homeward_placement",
                "ROWS",
                " N negvalue",
                " L cap_0",
                " L count_0_0",
                " L limit_0",
                "COLUMNS",
                "    MARKER 'MARKER' 'INTORG'",
                "    x_0_0 negvalue -5700",
                "    x_0_0 cap_0 2",
                "    x_0_0 count_0_0 1",
                "    x_0_0 limit_0 2",
                "    z_0 count_0_0 -1",
                "    z_0 limit_0 2",
                "    MARKER 'MARKER' 'INTEND'",
                "RHS",
                "    RHS cap_0 3",
                "    RHS limit_0 3",
                "BOUNDS",
                " UP BND x_0_0 1",
                " UP BND z_0 1",
                "ENDATA",
            ]
        );
    }
}
