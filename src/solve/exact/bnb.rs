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

use petgraph::unionfind::UnionFind;
use rayon::prelude::*;

use super::Stop;
use super::knapsack::{self, Item, Rule};
use super::problem::{Lagrange, Prob, SCALE, Scratch};

const INF: i64 = 1 << 52;

/// A component's search result: minimum loss and pair per local unit.
type Found = Option<(i64, Vec<Option<u32>>)>;
const NONE: u32 = u32::MAX;

/// Search nodes per reduced component before giving up (deterministic):
/// the proof step then falls back to branch-and-price ([`super::branch`]).
pub(crate) const NODE_LIMIT: u64 = 20_000;
/// The same in heuristic re-solves, whose plans are used but not their
/// proofs (a proof there is only worth a short search).
pub(crate) const HEURISTIC_NODE_LIMIT: u64 = 20_000;

/// Search nodes between two looks at the clock and the work meter (one
/// unit of work per node, charged in blocks of this many).
const NODES_PER_CHECK: u64 = 1024;

/// The time limit (or the node limit) was reached before the proof finished.
pub(crate) struct TimeUp;

/// The pairs of each household whose forcing loss is at most `g`, with
/// that loss (the only pairs a plan of loss `≤ g` can use).
pub(crate) fn kept_pairs(prob: &Prob, lag: &Lagrange, g: i64) -> Vec<Vec<(u32, i64)>> {
    (0..prob.households())
        .into_par_iter()
        .with_min_len(64)
        .map_init(Scratch::default, |sc, h| {
            let mut l = prob.forcing_losses(h, &lag.alpha, sc);
            l.retain(|&(_, f)| f <= g);
            l
        })
        .collect()
}

/// Outcome of the proof step: `Ok(None)`: no plan is better than `z`;
/// `Ok(Some(pairs))`: this better plan (pair index per unit) is optimal.
/// `node_limit`: search nodes per reduced component before giving up.
pub(crate) fn prove(
    prob: &Prob,
    lag: &Lagrange,
    z: i64,
    stop: Stop<'_>,
    node_limit: u64,
) -> Result<Option<Vec<Option<u32>>>, TimeUp> {
    let g = lag.value - SCALE * (z + 1);
    if g < 0 {
        return Ok(None);
    }
    let nu = prob.units();
    let nh = prob.households();
    let losses = kept_pairs(prob, lag, g);
    stop.charge(nh as u64);
    // Union–find over units and households on kept pairs.
    let mut uf = UnionFind::<u32>::new(nu + nh);
    let mut unit_kept = vec![false; nu];
    let mut fixed = 0i64;
    for (h, l) in losses.iter().enumerate() {
        if l.is_empty() {
            fixed += lag.k[h];
        }
        for &(pi, _) in l {
            let u = prob.unit_of(pi as usize);
            unit_kept[u] = true;
            uf.union(u as u32, (nu + h) as u32);
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
    // Group kept units and households by component, numbered in order of
    // their smallest unit.
    let mut comp_of = vec![NONE; nu + nh];
    let mut comps: Vec<(Vec<u32>, Vec<u32>)> = Vec::new();
    for u in 0..nu {
        if unit_kept[u] {
            let r = uf.find_mut(u as u32) as usize;
            if comp_of[r] == NONE {
                comp_of[r] = comps.len() as u32;
                comps.push((Vec::new(), Vec::new()));
            }
            comps[comp_of[r] as usize].0.push(u as u32);
        }
    }
    for (h, l) in losses.iter().enumerate() {
        if !l.is_empty() {
            let r = uf.find_mut((nu + h) as u32) as usize;
            comps[comp_of[r] as usize].1.push(h as u32);
        }
    }
    let mut subs: Vec<Sub> = comps
        .into_par_iter()
        .map(|(us, hs)| Sub::new(prob, lag, &losses, us, hs))
        .collect();
    let total_root = subs.iter().fold(fixed, |a, s| a.saturating_add(s.root));
    if super::trace() {
        let kept: usize = losses.iter().map(|l| l.len()).sum();
        let sz = super::largest(subs.iter().map(|s| s.units.len()), 8);
        tracing::debug!(
            incumbent = z,
            target = g / SCALE,
            kept_pairs = kept,
            fixed = fixed / SCALE,
            root = total_root / SCALE,
            subs = subs.len(),
            largest = ?sz,
            "bnb"
        );
    }
    if total_root > g {
        return Ok(None);
    }
    // Each reduced component searches on its own share of the work left.
    let weights: Vec<u64> = subs.iter().map(|s| s.units.len() as u64).collect();
    let meters = stop.split(&weights);
    let results: Vec<Result<Found, TimeUp>> = subs
        .par_iter_mut()
        .zip(&meters)
        .map(|(s, m)| {
            let budget = g - (total_root - s.root);
            let stop = stop.with(m);
            let mut nodes = 0;
            let r = s.search(budget, stop, node_limit, &mut nodes);
            stop.charge(nodes % NODES_PER_CHECK);
            r
        })
        .collect();
    stop.absorb(&meters);
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
    /// Households where each local unit is a kept candidate.
    where_: Vec<Vec<u32>>,
    rules: Vec<Rule>,
    k: Vec<i64>,
    root: i64,
    // Search state.
    decided: Vec<bool>,
    /// Chosen option of each decided unit.
    choice: Vec<u32>,
    forced: Vec<Vec<Item>>,
    lb: Vec<i64>,
    /// Undecided units in each household's best completion.
    sel: Vec<Vec<u32>>,
    /// How many completions contain each undecided unit.
    cnt: Vec<u32>,
    /// Undecided units whose multiplier constraint is violated by the
    /// completions (in several, or in none with `α > 0`).
    conflicts: std::collections::BTreeSet<u32>,
    sum_lb: i64,
    items: Vec<Item>,
    ids: Vec<u32>,
    chosen: Vec<u32>,
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
        let mut where_: Vec<Vec<u32>> = vec![Vec::new(); m];
        let mut cands = Vec::with_capacity(hs.len());
        for (j, &h) in hs.iter().enumerate() {
            let mut c = Vec::new();
            for &(pi, f) in &losses[h as usize] {
                let u = prob.unit_of(pi as usize);
                let i = local(u);
                opts[i as usize].push((f, j as u32, pi));
                where_[i as usize].push(j as u32);
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
            where_,
            rules,
            k,
            root: 0,
            decided: vec![false; m],
            choice: vec![0; m],
            forced: vec![Vec::new(); nh],
            lb: vec![0; nh],
            sel: vec![Vec::new(); nh],
            cnt: vec![0; m],
            conflicts: Default::default(),
            sum_lb: 0,
            items: Vec::new(),
            ids: Vec::new(),
            chosen: Vec::new(),
            suf: Vec::new(),
        };
        for h in 0..nh {
            s.recompute(h);
        }
        for u in 0..m {
            s.update_conflict(u);
        }
        s.root = s.sum_lb;
        s
    }

    fn update_conflict(&mut self, u: usize) {
        let c = !self.decided[u] && (self.cnt[u] >= 2 || (self.cnt[u] == 0 && self.alpha[u] > 0));
        if c {
            self.conflicts.insert(u as u32);
        } else {
            self.conflicts.remove(&(u as u32));
        }
    }

    /// Re-evaluates household `h`: `K_h` minus the best allowed completion
    /// of its forced units with its undecided candidates, and that
    /// completion.
    fn recompute(&mut self, h: usize) {
        let rule = self.rules[h];
        let mut s = Some(rule.init());
        let mut val = 0;
        for it in &self.forced[h] {
            s = s.and_then(|s| rule.step(s, it.size, it.flags));
            val += it.profit;
        }
        self.items.clear();
        self.ids.clear();
        for &(u, it) in &self.cands[h] {
            if !self.decided[u as usize] && rule.useful(it.profit, it.flags) {
                self.items.push(it);
                self.ids.push(u);
            }
        }
        let mut new_sel = std::mem::take(&mut self.sel[h]);
        for &u in &new_sel {
            self.cnt[u as usize] -= 1;
        }
        let old_sel = new_sel.clone();
        new_sel.clear();
        let lb = match s {
            None => INF,
            Some(s) => {
                knapsack::backward(&rule, &self.items, &mut self.suf);
                let best = knapsack::choose(&rule, &self.items, &self.suf, s, &mut self.chosen);
                if best <= knapsack::NEG {
                    INF
                } else {
                    new_sel.extend(self.chosen.iter().map(|&i| self.ids[i as usize]));
                    self.k[h] - (val + best)
                }
            }
        };
        for &u in &new_sel {
            self.cnt[u as usize] += 1;
        }
        self.sum_lb = self.sum_lb.saturating_sub(self.lb[h]).saturating_add(lb);
        self.lb[h] = lb;
        for &u in old_sel.iter().chain(&new_sel) {
            self.update_conflict(u as usize);
        }
        self.sel[h] = new_sel;
    }

    fn apply(&mut self, u: usize, j: usize, unpl: &mut i64) {
        let (_, h, _) = self.opts[u][j];
        self.decided[u] = true;
        self.choice[u] = j as u32;
        if h == NONE {
            *unpl += self.alpha[u];
        } else if let Some(&(_, it)) = self.cands[h as usize].iter().find(|c| c.0 as usize == u) {
            self.forced[h as usize].push(it);
        }
        self.update_conflict(u);
        for i in 0..self.where_[u].len() {
            let hh = self.where_[u][i] as usize;
            self.recompute(hh);
        }
    }

    fn undo(&mut self, u: usize, j: usize, unpl: &mut i64) {
        let (_, h, _) = self.opts[u][j];
        self.decided[u] = false;
        if h == NONE {
            *unpl -= self.alpha[u];
        } else {
            self.forced[h as usize].pop();
        }
        for i in 0..self.where_[u].len() {
            let hh = self.where_[u][i] as usize;
            self.recompute(hh);
        }
        self.update_conflict(u);
    }

    /// The plan of the current node: decided units as chosen, the others in
    /// the completion that contains them.
    fn current_plan(&self) -> Vec<Option<u32>> {
        let mut plan = vec![None; self.units.len()];
        for (u, p) in plan.iter_mut().enumerate() {
            if self.decided[u] {
                let pi = self.opts[u][self.choice[u] as usize].2;
                *p = (pi != NONE).then_some(pi);
            }
        }
        for (h, sel) in self.sel.iter().enumerate() {
            for &u in sel {
                plan[u as usize] = self.opts[u as usize]
                    .iter()
                    .find(|o| o.1 as usize == h)
                    .map(|o| o.2);
            }
        }
        plan
    }

    /// Minimum-loss plan with loss ≤ `budget`, if any. Branches only on
    /// conflicting units: when there is none, the completions form a plan
    /// whose loss equals the bound, so the node is solved. Counts its
    /// nodes in `nodes`; every [`NODES_PER_CHECK`] of them are charged to
    /// `stop` (the caller charges the rest).
    fn search(
        &mut self,
        budget: i64,
        stop: Stop<'_>,
        node_limit: u64,
        nodes: &mut u64,
    ) -> Result<Found, TimeUp> {
        let mut best_loss = budget.saturating_add(1);
        let mut best: Option<Vec<Option<u32>>> = None;
        let mut unpl = 0i64;
        let mut stack: Vec<(u32, usize)> = Vec::new();
        if self.sum_lb < best_loss {
            'node: loop {
                match self.conflicts.first() {
                    None => {
                        let total = unpl.saturating_add(self.sum_lb);
                        if total < best_loss {
                            best_loss = total;
                            best = Some(self.current_plan());
                        }
                    }
                    Some(&u) => stack.push((u, usize::MAX)),
                }
                loop {
                    let Some(&(u, j)) = stack.last() else {
                        break 'node;
                    };
                    let u = u as usize;
                    let mut next = 0;
                    if j != usize::MAX {
                        self.undo(u, j, &mut unpl);
                        next = j + 1;
                    }
                    while next < self.opts[u].len() {
                        *nodes += 1;
                        if *nodes > node_limit {
                            return Err(TimeUp);
                        }
                        if *nodes % NODES_PER_CHECK == 0 {
                            stop.charge(NODES_PER_CHECK);
                            if stop.now() {
                                return Err(TimeUp);
                            }
                        }
                        self.apply(u, next, &mut unpl);
                        if unpl.saturating_add(self.sum_lb) < best_loss {
                            if let Some(top) = stack.last_mut() {
                                top.1 = next;
                            }
                            continue 'node;
                        }
                        self.undo(u, next, &mut unpl);
                        next += 1;
                    }
                    stack.pop();
                }
            }
        }
        Ok(best.map(|b| (best_loss, b)))
    }
}
