//! Proof step: forcing losses, reduction, and a branch-and-bound on what
//! remains.
//!
//! For multipliers `α ≥ 0` and any feasible plan `P`,
//!
//! ```text
//! value(P) = L(α) − Σ_{u unplaced in P} α_u − Σ_h (K_h(α) − Σ_{u ∈ P_h} (c[u,h] − α_u))
//! ```
//!
//! and every term subtracted is ≥ 0 (the last because `P_h` is allowed at
//! `h`, so its reduced value is at most the knapsack optimum `K_h`). A plan
//! better than the incumbent `z` has total *loss* `≤ G = L(α) − (z + 1)`. The
//! loss of putting `u` at `h` is at least the *forcing loss* `F[u,h] = K_h −
//! max{reduced value of an allowed set at h containing u}`; pairs with
//! `F > G` cannot appear in a better plan and are dropped. What remains
//! splits into small connected components; units left without a pair must
//! stay unplaced (loss `α_u`), households left without a pair stay empty
//! (loss `K_h`). Each component is searched depth first for its minimum-loss
//! plan, with the lower bound "losses so far + Σ_h (K_h − best completion of
//! h's forced set with undecided candidates)". All arithmetic is in integers
//! (`1/SCALE` units), so the outcome is a proof: either the combined
//! minimum-loss plan, which is optimal whenever it beats `z`, or none, and
//! then `z` is optimal.

use std::time::Instant;

use rayon::prelude::*;

use super::knapsack::{self, Item, Rule};
use super::problem::{Lagrange, Prob, SCALE, Scratch};

const INF: i64 = 1 << 52;
const NONE: u32 = u32::MAX;

/// The time limit was reached before the proof finished.
pub(crate) struct TimeUp;

/// Outcome of the proof step: `Ok(None)`: the incumbent is optimal;
/// `Ok(Some(pairs))`: this better plan (pair index per unit) is optimal.
pub(crate) fn prove(
    prob: &Prob,
    lag: &Lagrange,
    z: i64,
    deadline: Option<Instant>,
) -> Result<Option<Vec<Option<u32>>>, TimeUp> {
    let g = lag.value - SCALE * (z + 1);
    if g < 0 {
        return Ok(None);
    }
    let nu = prob.units();
    let nh = prob.households();
    let losses: Vec<Vec<(u32, i64)>> = (0..nh)
        .into_par_iter()
        .with_min_len(64)
        .map_init(Scratch::default, |sc, h| {
            let mut l = prob.forcing_losses(h, &lag.alpha, sc);
            l.retain(|&(_, f)| f <= g);
            l
        })
        .collect();
    // Union–find over units and households on kept pairs.
    let mut parent: Vec<u32> = (0..(nu + nh) as u32).collect();
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    let mut unit_kept = vec![false; nu];
    let mut fixed = 0i64;
    for (h, l) in losses.iter().enumerate() {
        if l.is_empty() {
            fixed += lag.k[h];
        }
        for &(pi, _) in l {
            let u = prob.unit_of(pi as usize);
            unit_kept[u] = true;
            let a = find(&mut parent, u as u32);
            let b = find(&mut parent, (nu + h) as u32);
            if a != b {
                parent[a.max(b) as usize] = a.min(b);
            }
        }
    }
    for u in 0..nu {
        if !unit_kept[u] {
            fixed += lag.alpha[u];
        }
    }
    if fixed > g {
        return Ok(None);
    }
    // Group kept units and households by root (roots are smallest ids, so
    // the order is by smallest unit).
    let mut comp_of = vec![NONE; nu + nh];
    let mut comps: Vec<(Vec<u32>, Vec<u32>)> = Vec::new();
    for u in 0..nu {
        if unit_kept[u] {
            let r = find(&mut parent, u as u32) as usize;
            if comp_of[r] == NONE {
                comp_of[r] = comps.len() as u32;
                comps.push((Vec::new(), Vec::new()));
            }
            comps[comp_of[r] as usize].0.push(u as u32);
        }
    }
    for (h, l) in losses.iter().enumerate() {
        if !l.is_empty() {
            let r = find(&mut parent, (nu + h) as u32) as usize;
            comps[comp_of[r] as usize].1.push(h as u32);
        }
    }
    let mut subs: Vec<Sub> = comps
        .into_par_iter()
        .map(|(us, hs)| Sub::new(prob, lag, &losses, us, hs))
        .collect();
    let total_root = subs.iter().fold(fixed, |a, s| a.saturating_add(s.root));
    if total_root > g {
        return Ok(None);
    }
    let results: Vec<Result<Option<(i64, Vec<Option<u32>>)>, TimeUp>> = subs
        .par_iter_mut()
        .map(|s| {
            let budget = g - (total_root - s.root);
            s.search(budget, deadline)
        })
        .collect();
    let mut timed_out = false;
    let mut plan = vec![None; nu];
    for (s, r) in subs.iter().zip(results) {
        match r {
            Ok(None) => return Ok(None),
            Ok(Some((_, pairs))) => {
                for (i, p) in pairs.into_iter().enumerate() {
                    plan[s.units[i] as usize] = p;
                }
            }
            Err(TimeUp) => timed_out = true,
        }
    }
    if timed_out {
        return Err(TimeUp);
    }
    let value: i64 = plan
        .iter()
        .flatten()
        .map(|&pi| prob.inst.pairs[pi as usize].coef)
        .sum();
    Ok((value > z).then_some(plan))
}

/// One reduced component.
struct Sub {
    units: Vec<u32>,
    alpha: Vec<i64>,
    /// Options per local unit: (loss estimate, local household or NONE,
    /// pair index), best first.
    opts: Vec<Vec<(i64, u32, u32)>>,
    /// Kept candidates per local household: (local unit, item).
    cands: Vec<Vec<(u32, Item)>>,
    rules: Vec<Rule>,
    k: Vec<i64>,
    root: i64,
    // Search state.
    decided: Vec<bool>,
    forced: Vec<Vec<Item>>,
    lb: Vec<i64>,
    items: Vec<Item>,
    suf: Vec<i64>,
}

impl Sub {
    fn new(
        prob: &Prob,
        lag: &Lagrange,
        losses: &[Vec<(u32, i64)>],
        units: Vec<u32>,
        hs: Vec<u32>,
    ) -> Self {
        let m = units.len();
        let local = |u: usize| units.binary_search(&(u as u32)).map_or(NONE, |i| i as u32);
        let alpha: Vec<i64> = units.iter().map(|&u| lag.alpha[u as usize]).collect();
        let mut opts: Vec<Vec<(i64, u32, u32)>> =
            alpha.iter().map(|&a| vec![(a, NONE, NONE)]).collect();
        let mut cands = Vec::with_capacity(hs.len());
        for (j, &h) in hs.iter().enumerate() {
            let mut c = Vec::new();
            for &(pi, f) in &losses[h as usize] {
                let u = prob.unit_of(pi as usize);
                let i = local(u);
                opts[i as usize].push((f, j as u32, pi));
                c.push((
                    i,
                    Item {
                        profit: prob.c[pi as usize] - lag.alpha[u],
                        size: prob.size[u],
                        flags: prob.flags[u],
                    },
                ));
            }
            cands.push(c);
        }
        for o in &mut opts {
            o.sort_unstable();
        }
        let rules: Vec<Rule> = hs.iter().map(|&h| prob.rules[h as usize]).collect();
        let k: Vec<i64> = hs.iter().map(|&h| lag.k[h as usize]).collect();
        let nh = hs.len();
        let mut s = Self {
            units,
            alpha,
            opts,
            cands,
            rules,
            k,
            root: 0,
            decided: vec![false; m],
            forced: vec![Vec::new(); nh],
            lb: vec![0; nh],
            items: Vec::new(),
            suf: Vec::new(),
        };
        for h in 0..nh {
            s.lb[h] = s.household_lb(h);
            s.root = s.root.saturating_add(s.lb[h]);
        }
        s
    }

    /// `K_h` minus the best allowed completion of `h`'s forced units with
    /// its undecided candidates.
    fn household_lb(&mut self, h: usize) -> i64 {
        let rule = self.rules[h];
        let mut s = rule.init();
        let mut val = 0;
        for it in &self.forced[h] {
            match rule.step(s, it.size, it.flags) {
                Some(t) => s = t,
                None => return INF,
            }
            val += it.profit;
        }
        self.items.clear();
        for &(u, it) in &self.cands[h] {
            if !self.decided[u as usize] && rule.useful(it.profit, it.flags) {
                self.items.push(it);
            }
        }
        knapsack::backward(&rule, &self.items, &mut self.suf);
        let best = self.suf[s];
        if best <= knapsack::NEG {
            INF
        } else {
            self.k[h] - (val + best)
        }
    }

    /// Minimum-loss plan with loss ≤ `budget`, if any.
    fn search(
        &mut self,
        budget: i64,
        deadline: Option<Instant>,
    ) -> Result<Option<(i64, Vec<Option<u32>>)>, TimeUp> {
        let m = self.units.len();
        let mut best_loss = budget.saturating_add(1);
        let mut best: Option<Vec<Option<u32>>> = None;
        let mut unpl = 0i64;
        let mut sum_lb: i64 = self.lb.iter().fold(0i64, |a, &b| a.saturating_add(b));
        let mut choice = vec![0usize; m + 1];
        let mut marks = vec![0usize; m + 1];
        let mut log: Vec<(u32, i64)> = Vec::new();
        let mut depth = 0usize;
        let mut nodes = 0u64;
        // Households where each local unit is a candidate.
        let mut where_: Vec<Vec<u32>> = vec![Vec::new(); m];
        for (h, c) in self.cands.iter().enumerate() {
            for &(u, _) in c {
                where_[u as usize].push(h as u32);
            }
        }
        loop {
            if depth == m {
                let total = unpl.saturating_add(sum_lb);
                if total < best_loss {
                    best_loss = total;
                    best = Some(
                        (0..m)
                            .map(|u| {
                                let pi = self.opts[u][choice[u]].2;
                                (pi != NONE).then_some(pi)
                            })
                            .collect(),
                    );
                }
                if depth == 0 {
                    break;
                }
                depth -= 1;
                self.undo(
                    depth,
                    choice[depth],
                    &mut log,
                    marks[depth],
                    &mut sum_lb,
                    &mut unpl,
                );
                choice[depth] += 1;
                continue;
            }
            let u = depth;
            let mut descended = false;
            while choice[u] < self.opts[u].len() {
                nodes += 1;
                if nodes % 4096 == 0 && deadline.is_some_and(|d| Instant::now() >= d) {
                    return Err(TimeUp);
                }
                let (_, h, _) = self.opts[u][choice[u]];
                let item = if h == NONE {
                    None
                } else {
                    self.cands[h as usize]
                        .iter()
                        .find(|c| c.0 as usize == u)
                        .map(|c| c.1)
                };
                marks[u] = log.len();
                self.decided[u] = true;
                match (h, item) {
                    (NONE, _) => unpl += self.alpha[u],
                    (_, Some(it)) => self.forced[h as usize].push(it),
                    _ => {}
                }
                for &hh in &where_[u] {
                    let old = self.lb[hh as usize];
                    let new = self.household_lb(hh as usize);
                    log.push((hh, old));
                    self.lb[hh as usize] = new;
                    sum_lb = sum_lb.saturating_sub(old).saturating_add(new);
                }
                if unpl.saturating_add(sum_lb) < best_loss {
                    depth += 1;
                    choice[depth] = 0;
                    descended = true;
                    break;
                }
                self.undo(u, choice[u], &mut log, marks[u], &mut sum_lb, &mut unpl);
                choice[u] += 1;
            }
            if !descended {
                if depth == 0 {
                    break;
                }
                depth -= 1;
                self.undo(
                    depth,
                    choice[depth],
                    &mut log,
                    marks[depth],
                    &mut sum_lb,
                    &mut unpl,
                );
                choice[depth] += 1;
            }
        }
        Ok(best.map(|b| (best_loss, b)))
    }

    fn undo(
        &mut self,
        u: usize,
        c: usize,
        log: &mut Vec<(u32, i64)>,
        mark: usize,
        sum_lb: &mut i64,
        unpl: &mut i64,
    ) {
        while log.len() > mark {
            if let Some((h, old)) = log.pop() {
                let cur = self.lb[h as usize];
                *sum_lb = sum_lb.saturating_sub(cur).saturating_add(old);
                self.lb[h as usize] = old;
            }
        }
        self.decided[u] = false;
        let (_, h, _) = self.opts[u][c];
        if h == NONE {
            *unpl -= self.alpha[u];
        } else {
            self.forced[h as usize].pop();
        }
    }
}
