//! Indexed view of one component and the Lagrangian bound over it.

use rayon::prelude::*;

use super::knapsack::{self, Item, Rule};
use crate::solve::instance::Instance;

/// Objective scale: all multipliers and profits are kept as integers in
/// units of `1/SCALE` of a coefficient. 60 makes the transportation LP's
/// per-child prices (coef / size, size ≤ 5) integral; the extra factor gives
/// the subgradient a finer grid.
pub(crate) const SCALE: i64 = 600;

/// One component with adjacency in both directions.
pub(crate) struct Prob<'a> {
    pub(crate) inst: &'a Instance,
    pub(crate) rules: Vec<Rule>,
    pub(crate) size: Vec<u8>,
    pub(crate) flags: Vec<u8>,
    /// `SCALE · coef` per pair.
    pub(crate) c: Vec<i64>,
    /// Pairs of unit `u`: `ustart[u]..ustart[u+1]`.
    pub(crate) ustart: Vec<u32>,
    /// Pair indices of household `h`: `hpairs[hstart[h]..hstart[h+1]]`,
    /// ascending (so by unit).
    pub(crate) hstart: Vec<u32>,
    pub(crate) hpairs: Vec<u32>,
    /// Unit and `SCALE · coef` of each entry of `hpairs` (read in order by
    /// the household knapsack instead of gathering them by pair index).
    hunit: Vec<u32>,
    hc: Vec<i64>,
}

impl<'a> Prob<'a> {
    pub(crate) fn new(inst: &'a Instance) -> Self {
        let nu = inst.units.len();
        let nh = inst.households.len();
        let mut ustart = vec![0u32; nu + 1];
        let mut hstart = vec![0u32; nh + 1];
        for p in &inst.pairs {
            ustart[p.unit as usize + 1] += 1;
            hstart[p.household as usize + 1] += 1;
        }
        for i in 0..nu {
            ustart[i + 1] += ustart[i];
        }
        for i in 0..nh {
            hstart[i + 1] += hstart[i];
        }
        let mut fill = hstart.clone();
        let mut hpairs = vec![0u32; inst.pairs.len()];
        for (i, p) in inst.pairs.iter().enumerate() {
            let f = &mut fill[p.household as usize];
            hpairs[*f as usize] = i as u32;
            *f += 1;
        }
        let hunit = hpairs
            .iter()
            .map(|&pi| inst.pairs[pi as usize].unit)
            .collect();
        let hc = hpairs
            .iter()
            .map(|&pi| inst.pairs[pi as usize].coef * SCALE)
            .collect();
        Self {
            inst,
            hunit,
            hc,
            rules: inst.households.iter().map(Rule::new).collect(),
            size: inst.units.iter().map(|u| u.size).collect(),
            flags: inst.units.iter().map(knapsack::unit_flags).collect(),
            c: inst.pairs.iter().map(|p| p.coef * SCALE).collect(),
            ustart,
            hstart,
            hpairs,
        }
    }

    pub(crate) fn units(&self) -> usize {
        self.size.len()
    }

    pub(crate) fn households(&self) -> usize {
        self.rules.len()
    }

    /// Pair index range of unit `u`.
    pub(crate) fn upairs(&self, u: usize) -> std::ops::Range<usize> {
        self.ustart[u] as usize..self.ustart[u + 1] as usize
    }

    /// Pair indices of household `h`.
    pub(crate) fn hpairs(&self, h: usize) -> &[u32] {
        &self.hpairs[self.hstart[h] as usize..self.hstart[h + 1] as usize]
    }

    /// Index of the pair (u, h), if eligible.
    pub(crate) fn pair_index(&self, u: usize, h: usize) -> Option<usize> {
        let r = self.upairs(u);
        let start = r.start;
        self.inst.pairs[r]
            .binary_search_by_key(&(h as u32), |p| p.household)
            .ok()
            .map(|i| start + i)
    }

    pub(crate) fn unit_of(&self, pair: usize) -> usize {
        self.inst.pairs[pair].unit as usize
    }

    pub(crate) fn household_of(&self, pair: usize) -> usize {
        self.inst.pairs[pair].household as usize
    }

    /// Fills `sc.items`/`sc.ids` with the useful candidates of `h` at
    /// multipliers `alpha` (all candidates if `all`) and the backward table.
    /// Returns `K_h(alpha)`.
    pub(crate) fn knapsack(&self, h: usize, alpha: &[i64], all: bool, sc: &mut Scratch) -> i64 {
        let rule = &self.rules[h];
        sc.items.clear();
        sc.ids.clear();
        let range = self.hstart[h] as usize..self.hstart[h + 1] as usize;
        for ((&pi, &u), &c) in self.hpairs[range.clone()]
            .iter()
            .zip(&self.hunit[range.clone()])
            .zip(&self.hc[range])
        {
            let u = u as usize;
            let profit = c - alpha[u];
            if all || rule.useful(profit, self.flags[u]) {
                sc.items.push(Item {
                    profit,
                    size: self.size[u],
                    flags: self.flags[u],
                });
                sc.ids.push(pi);
            }
        }
        knapsack::backward(rule, &sc.items, &mut sc.suf);
        sc.suf[rule.init()]
    }

    /// `K_h(alpha)` and the units of a best set.
    pub(crate) fn best_set(&self, h: usize, alpha: &[i64], sc: &mut Scratch) -> (i64, Vec<u32>) {
        let k = self.knapsack(h, alpha, false, sc);
        let rule = &self.rules[h];
        knapsack::choose(rule, &sc.items, &sc.suf, rule.init(), &mut sc.chosen);
        let units = sc
            .chosen
            .iter()
            .map(|&i| self.inst.pairs[sc.ids[i as usize] as usize].unit)
            .collect();
        (k, units)
    }

    /// For every pair of household `h`: `K_h − (best value of a set that
    /// contains the pair's unit)`, the *forcing loss* (≥ 0). Written into
    /// `loss[pair]`.
    pub(crate) fn forcing_losses(
        &self,
        h: usize,
        alpha: &[i64],
        sc: &mut Scratch,
    ) -> Vec<(u32, i64)> {
        let k = self.knapsack(h, alpha, false, sc);
        let rule = &self.rules[h];
        knapsack::forced(
            rule,
            &sc.items,
            &sc.suf,
            rule.init(),
            &mut sc.pre,
            &mut sc.out,
        );
        let mut res = Vec::with_capacity(self.hpairs(h).len());
        let mut j = 0;
        for &pi in self.hpairs(h) {
            let with = if j < sc.ids.len() && sc.ids[j] == pi {
                j += 1;
                sc.out[j - 1]
            } else {
                // Not a useful item: nothing else in the set changes.
                let u = self.unit_of(pi as usize);
                let profit = self.c[pi as usize] - alpha[u];
                match rule.step(rule.init(), self.size[u], self.flags[u]) {
                    Some(t) if sc.suf[t] > knapsack::NEG => profit + sc.suf[t],
                    _ => knapsack::NEG,
                }
            };
            res.push((
                pi,
                if with <= knapsack::NEG {
                    i64::MAX / 4
                } else {
                    k - with
                },
            ));
        }
        res
    }
}

/// Per-thread buffers for the household knapsacks.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) items: Vec<Item>,
    pub(crate) ids: Vec<u32>,
    pub(crate) suf: Vec<i64>,
    pub(crate) chosen: Vec<u32>,
    pub(crate) pre: Vec<i64>,
    pub(crate) out: Vec<i64>,
}

/// `L(α) = Σ_u α_u + Σ_h K_h(α)` with the knapsack solutions, updated
/// incrementally when some multipliers change.
pub(crate) struct Lagrange {
    pub(crate) alpha: Vec<i64>,
    pub(crate) k: Vec<i64>,
    pub(crate) sel: Vec<Vec<u32>>,
    /// How many household sets contain each unit.
    pub(crate) count: Vec<u32>,
    pub(crate) value: i64,
    dirty: Vec<bool>,
}

impl Lagrange {
    pub(crate) fn new(prob: &Prob, alpha: Vec<i64>) -> Self {
        let nh = prob.households();
        let res: Vec<(i64, Vec<u32>)> = (0..nh)
            .into_par_iter()
            .with_min_len(64)
            .map_init(Scratch::default, |sc, h| prob.best_set(h, &alpha, sc))
            .collect();
        let mut count = vec![0u32; prob.units()];
        let mut k = Vec::with_capacity(nh);
        let mut sel = Vec::with_capacity(nh);
        for (kh, s) in res {
            for &u in &s {
                count[u as usize] += 1;
            }
            k.push(kh);
            sel.push(s);
        }
        let value = alpha.iter().sum::<i64>() + k.iter().sum::<i64>();
        Self {
            alpha,
            k,
            sel,
            count,
            value,
            dirty: vec![false; nh],
        }
    }

    /// Sets new multipliers for the listed units and re-evaluates the
    /// households they touch; returns how many households it re-evaluated
    /// (units of work, see `work`).
    pub(crate) fn update(&mut self, prob: &Prob, changes: &[(u32, i64)]) -> usize {
        let mut hs = Vec::new();
        for &(u, a) in changes {
            self.value += a - self.alpha[u as usize];
            self.alpha[u as usize] = a;
            for pi in prob.upairs(u as usize) {
                let h = prob.household_of(pi);
                if !self.dirty[h] {
                    self.dirty[h] = true;
                    hs.push(h as u32);
                }
            }
        }
        hs.sort_unstable();
        let alpha = &self.alpha;
        let res: Vec<(i64, Vec<u32>)> = hs
            .par_iter()
            .with_min_len(256)
            .map_init(Scratch::default, |sc, &h| {
                prob.best_set(h as usize, alpha, sc)
            })
            .collect();
        for (&h, (kh, s)) in hs.iter().zip(res) {
            let h = h as usize;
            self.dirty[h] = false;
            for &u in &self.sel[h] {
                self.count[u as usize] -= 1;
            }
            for &u in &s {
                self.count[u as usize] += 1;
            }
            self.value += kh - self.k[h];
            self.k[h] = kh;
            self.sel[h] = s;
        }
        hs.len()
    }
}
