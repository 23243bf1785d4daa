//! Independent parts of a placement problem.
//!
//! Units and households are the vertices of the *candidate graph*; every
//! eligible pair is an edge. Two connected components share no unit and no
//! household, so the best plan of the whole instance is the union of the best
//! plans of its components, and they can be solved in parallel.
//!
//! [`connected_components`] finds them with a union–find; the order is
//! deterministic (by smallest unit index), and so is the order of the units
//! and households inside each component (ascending). Units without any pair
//! and households without any pair belong to no component: such a unit can
//! never be placed, such a household never receives anyone.

use super::instance::{Assignment, Instance, Pair};
use petgraph::unionfind::UnionFind;

/// One connected component of the candidate graph, as index lists into the
/// original instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Original unit indices, ascending. Local unit `i` is `units[i]`.
    pub units: Vec<u32>,
    /// Original household indices, ascending. Local household `j` is
    /// `households[j]`.
    pub households: Vec<u32>,
    /// Number of pairs inside the component.
    pub pairs: usize,
}

impl Component {
    /// The component as a stand-alone instance with local indices (pairs
    /// still sorted by (unit, household)).
    pub fn sub_instance(&self, inst: &Instance) -> Instance {
        let mut local_h = vec![u32::MAX; inst.households.len()];
        for (j, &h) in self.households.iter().enumerate() {
            local_h[h as usize] = j as u32;
        }
        let mut pairs = Vec::with_capacity(self.pairs);
        for (i, &u) in self.units.iter().enumerate() {
            for p in inst.pairs_of(u) {
                pairs.push(Pair {
                    unit: i as u32,
                    household: local_h[p.household as usize],
                    ..*p
                });
            }
        }
        pairs.sort_unstable_by_key(|p| (p.unit, p.household));
        Instance {
            units: self
                .units
                .iter()
                .map(|&u| inst.units[u as usize].clone())
                .collect(),
            households: self
                .households
                .iter()
                .map(|&h| inst.households[h as usize].clone())
                .collect(),
            pairs,
            apart: {
                // Apart links inside the component, renumbered.
                let local: std::collections::HashMap<u32, u32> = self
                    .units
                    .iter()
                    .enumerate()
                    .map(|(i, &u)| (u, i as u32))
                    .collect();
                let mut apart: Vec<(u32, u32)> = inst
                    .apart
                    .iter()
                    .filter_map(|(a, b)| Some((*local.get(a)?, *local.get(b)?)))
                    .map(|(a, b)| (a.min(b), a.max(b)))
                    .collect();
                apart.sort_unstable();
                apart
            },
        }
    }

    /// Writes a plan of the sub-instance into `into` (a plan of the
    /// original instance), translating indices back.
    pub fn write_back(&self, local: &Assignment, into: &mut Assignment) {
        for (i, h) in local.placed.iter().enumerate() {
            into.placed[self.units[i] as usize] = h.map(|h| self.households[h as usize]);
        }
    }
}

impl Instance {
    /// Pairs of unit `u` (a contiguous slice, households ascending).
    pub fn pairs_of(&self, u: u32) -> &[Pair] {
        let lo = self.pairs.partition_point(|p| p.unit < u);
        let hi = self.pairs.partition_point(|p| p.unit <= u);
        &self.pairs[lo..hi]
    }
}

/// The connected components of the candidate graph that contain at least
/// one pair, ordered by their smallest unit index.
pub fn connected_components(inst: &Instance) -> Vec<Component> {
    let nu = inst.units.len();
    let mut uf = UnionFind::<u32>::new(nu + inst.households.len());
    for p in &inst.pairs {
        uf.union(p.unit, nu as u32 + p.household);
    }
    // Component number by first appearance in unit order.
    let mut id = vec![u32::MAX; nu + inst.households.len()];
    let mut comps: Vec<Component> = Vec::new();
    let mut has_pair = vec![false; nu];
    for p in &inst.pairs {
        has_pair[p.unit as usize] = true;
    }
    for u in 0..nu {
        if !has_pair[u] {
            continue;
        }
        let r = uf.find_mut(u as u32) as usize;
        if id[r] == u32::MAX {
            id[r] = comps.len() as u32;
            comps.push(Component {
                units: Vec::new(),
                households: Vec::new(),
                pairs: 0,
            });
        }
        comps[id[r] as usize].units.push(u as u32);
    }
    let mut seen_h = vec![false; inst.households.len()];
    for p in &inst.pairs {
        seen_h[p.household as usize] = true;
    }
    for (h, _) in seen_h.iter().enumerate().filter(|(_, s)| **s) {
        let r = uf.find_mut((nu + h) as u32) as usize;
        comps[id[r] as usize].households.push(h as u32);
    }
    for p in &inst.pairs {
        let r = uf.find_mut(p.unit) as usize;
        comps[id[r] as usize].pairs += 1;
    }
    comps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::instance::{Household, Unit};

    fn unit() -> Unit {
        Unit {
            size: 1,
            value: 0,
            developmental: false,
            exempt: false,
        }
    }

    fn household() -> Household {
        Household {
            capacity: 2,
            current: 0,
            current_developmental: false,
            limit: None,
            limit_developmental: None,
            limit_always: false,
        }
    }

    fn pair(unit: u32, household: u32, coef: i64) -> Pair {
        Pair {
            unit,
            household,
            score: coef as u32,
            coef,
        }
    }

    #[test]
    fn splits_disconnected_parts_and_maps_indices_back() {
        // Units 0 and 2 share household 1; unit 1 alone with household 0;
        // unit 3 has no pair; household 2 has none.
        let inst = Instance {
            units: vec![unit(); 4],
            households: vec![household(); 3],
            pairs: vec![pair(0, 1, 5), pair(1, 0, 7), pair(2, 1, 3)],
            apart: Vec::new(),
        };
        let comps = connected_components(&inst);
        assert_eq!(comps.len(), 2);
        assert_eq!(comps[0].units, vec![0, 2]);
        assert_eq!(comps[0].households, vec![1]);
        assert_eq!(comps[0].pairs, 2);
        assert_eq!(comps[1].units, vec![1]);
        let sub = comps[0].sub_instance(&inst);
        assert_eq!(sub.pairs, vec![pair(0, 0, 5), pair(1, 0, 3)]);
        let mut back = Assignment {
            placed: vec![None; 4],
        };
        comps[0].write_back(
            &Assignment {
                placed: vec![Some(0), None],
            },
            &mut back,
        );
        assert_eq!(back.placed, vec![Some(1), None, None, None]);
    }
}
