//! Brute force for the solver tests: the reference every exact solver is
//! cross-checked against on small instances.

use homeward::solve::{Assignment, Household, Instance, Unit};

/// The best objective over every assignment `Instance::feasible` accepts
/// (capacity pruning on the way: it only ever removes infeasible plans).
pub fn brute_force(inst: &Instance) -> i64 {
    fn go(
        inst: &Instance,
        options: &[Vec<(u32, i64)>],
        u: usize,
        placed: &mut Vec<Option<u32>>,
        load: &mut [u32],
        value: i64,
        best: &mut i64,
    ) {
        if u == options.len() {
            let plan = Assignment {
                placed: placed.clone(),
            };
            if value > *best && inst.feasible(&plan) {
                *best = value;
            }
            return;
        }
        placed[u] = None;
        go(inst, options, u + 1, placed, load, value, best);
        let size = u32::from(inst.units[u].size);
        for &(h, coef) in &options[u] {
            let h_ = h as usize;
            if load[h_] + size <= u32::from(inst.households[h_].capacity) {
                load[h_] += size;
                placed[u] = Some(h);
                go(inst, options, u + 1, placed, load, value + coef, best);
                placed[u] = None;
                load[h_] -= size;
            }
        }
    }
    let mut options = vec![Vec::new(); inst.units.len()];
    for p in &inst.pairs {
        options[p.unit as usize].push((p.household, p.coef));
    }
    let mut best = 0; // placing no one is always feasible
    let mut placed = vec![None; inst.units.len()];
    let mut load = vec![0; inst.households.len()];
    go(inst, &options, 0, &mut placed, &mut load, 0, &mut best);
    best
}

/// A one-child unit worth `value`, with no developmental or exemption flags.
pub fn lone(value: i64) -> Unit {
    Unit {
        size: 1,
        value,
        developmental: false,
        exempt: false,
    }
}

/// An empty household with `capacity` places and no placement limits.
pub fn free(capacity: u8) -> Household {
    Household {
        capacity,
        current: 0,
        current_developmental: false,
        limit: None,
        limit_developmental: None,
        limit_always: false,
    }
}
