//! Feasible plans: rounding of the LP flow or of the Lagrangian household
//! sets, greedy filling and a local search (move, insert, eject-one).

use super::problem::Prob;

/// A feasible plan under construction.
#[derive(Clone)]
pub(crate) struct Plan {
    /// Pair index of each unit's placement.
    pub(crate) pair: Vec<Option<u32>>,
    /// Units at each household.
    pub(crate) at: Vec<Vec<u32>>,
    /// Objective (coefficients, not scaled).
    pub(crate) value: i64,
}

impl Plan {
    pub(crate) fn empty(prob: &Prob) -> Self {
        Self {
            pair: vec![None; prob.units()],
            at: vec![Vec::new(); prob.households()],
            value: 0,
        }
    }

    fn coef(prob: &Prob, pi: usize) -> i64 {
        prob.inst.pairs[pi].coef
    }

    /// Keeps the placements of units larger than one child, and places the
    /// lone children optimally around them (their transportation problem is
    /// integral), then repairs household rules and improves locally.
    pub(crate) fn reflow_singles(&self, prob: &Prob) -> Plan {
        let mut cap: Vec<i32> = prob
            .inst
            .households
            .iter()
            .map(|h| i32::from(h.capacity))
            .collect();
        let mut plan = Plan::empty(prob);
        for (u, p) in self.pair.iter().enumerate() {
            if let Some(pi) = *p {
                if prob.size[u] > 1 {
                    cap[prob.household_of(pi as usize)] -= i32::from(prob.size[u]);
                    plan.place(prob, pi as usize);
                }
            }
        }
        let fl = super::flow::transport_with(prob, cap, |u| prob.size[u] == 1);
        for (pi, &y) in fl.y.iter().enumerate() {
            if y > 0 {
                plan.place(prob, pi);
            }
        }
        plan.repair(prob);
        plan.fill(prob);
        plan.improve(prob, 2);
        plan
    }

    /// Whether household `h` allows its units plus `add`, minus `remove`.
    pub(crate) fn allows(
        &self,
        prob: &Prob,
        h: usize,
        add: Option<usize>,
        remove: Option<u32>,
    ) -> bool {
        let rule = &prob.rules[h];
        let mut s = rule.init();
        for &v in self.at[h].iter().filter(|&&v| Some(v) != remove) {
            match rule.step(s, prob.size[v as usize], prob.flags[v as usize]) {
                Some(t) => s = t,
                None => return false,
            }
        }
        if let Some(u) = add {
            match rule.step(s, prob.size[u], prob.flags[u]) {
                Some(t) => s = t,
                None => return false,
            }
        }
        rule.allowed(s)
    }

    pub(crate) fn place(&mut self, prob: &Prob, pi: usize) {
        let u = prob.unit_of(pi);
        self.unplace(prob, u);
        let h = prob.household_of(pi);
        self.at[h].push(u as u32);
        self.pair[u] = Some(pi as u32);
        self.value += Self::coef(prob, pi);
    }

    pub(crate) fn unplace(&mut self, prob: &Prob, u: usize) {
        if let Some(pi) = self.pair[u].take() {
            let h = prob.household_of(pi as usize);
            self.at[h].retain(|&v| v as usize != u);
            self.value -= Self::coef(prob, pi as usize);
        }
    }

    /// Removes lowest-coefficient units from households whose set is not
    /// allowed until it is.
    pub(crate) fn repair(&mut self, prob: &Prob) {
        for h in 0..prob.households() {
            while !self.allows(prob, h, None, None) {
                let worst = self.at[h].iter().copied().min_by_key(|&v| {
                    let pi = self.pair[v as usize].unwrap_or(0) as usize;
                    (Self::coef(prob, pi), std::cmp::Reverse(v))
                });
                match worst {
                    Some(v) => self.unplace(prob, v as usize),
                    None => break,
                }
            }
        }
    }

    /// Places unplaced units, best coefficient first, where allowed.
    pub(crate) fn fill(&mut self, prob: &Prob) {
        let mut order: Vec<(i64, u32)> = (0..prob.units())
            .filter(|&u| self.pair[u].is_none())
            .filter_map(|u| {
                prob.upairs(u)
                    .map(|pi| Self::coef(prob, pi))
                    .max()
                    .map(|c| (-c, u as u32))
            })
            .collect();
        order.sort_unstable();
        let mut cands: Vec<(i64, u32)> = Vec::new();
        for (_, u) in order {
            let u = u as usize;
            cands.clear();
            cands.extend(prob.upairs(u).map(|pi| (-Self::coef(prob, pi), pi as u32)));
            cands.sort_unstable();
            for &(_, pi) in &cands {
                if self.allows(prob, prob.household_of(pi as usize), Some(u), None) {
                    self.place(prob, pi as usize);
                    break;
                }
            }
        }
    }

    /// First-improvement local search: move a unit to a better household,
    /// possibly ejecting one unit there (which is then re-inserted if it
    /// fits elsewhere). Stops after `passes` passes or when nothing improves.
    pub(crate) fn improve(&mut self, prob: &Prob, passes: usize) {
        for _ in 0..passes {
            let before = self.value;
            for u in 0..prob.units() {
                let cur_pi = self.pair[u];
                let cur = cur_pi.map_or(0, |pi| Self::coef(prob, pi as usize));
                let mut best: Option<(i64, usize, Option<u32>)> = None;
                for pi in prob.upairs(u) {
                    if Some(pi as u32) == cur_pi {
                        continue;
                    }
                    let c = Self::coef(prob, pi);
                    if c <= cur {
                        continue;
                    }
                    let h = prob.household_of(pi);
                    let own = cur_pi.is_some_and(|q| prob.household_of(q as usize) == h);
                    // Leaving a household can break its rule too: when the
                    // developmental limit is the higher one, the household
                    // left behind may fall back to the lower limit.
                    if let Some(q) = cur_pi.filter(|_| !own) {
                        if !self.allows(prob, prob.household_of(q as usize), None, Some(u as u32)) {
                            continue;
                        }
                    }
                    let removed = if own { Some(u as u32) } else { None };
                    if self.allows(prob, h, Some(u), removed) {
                        let gain = c - cur;
                        if best.is_none_or(|b| gain > b.0) {
                            best = Some((gain, pi, None));
                        }
                        continue;
                    }
                    if own {
                        continue;
                    }
                    for &v in &self.at[h] {
                        let vc = self.pair[v as usize].map_or(0, |q| Self::coef(prob, q as usize));
                        let gain = c - cur - vc;
                        if gain > 0
                            && best.is_none_or(|b| gain > b.0)
                            && self.allows(prob, h, Some(u), Some(v))
                        {
                            best = Some((gain, pi, Some(v)));
                        }
                    }
                }
                if let Some((_, pi, eject)) = best {
                    let old_h = cur_pi.map(|q| prob.household_of(q as usize));
                    if let Some(v) = eject {
                        self.unplace(prob, v as usize);
                    }
                    self.place(prob, pi);
                    if let Some(v) = eject {
                        self.reinsert_best(prob, v as usize);
                    }
                    if let Some(oh) = old_h {
                        self.refill_household(prob, oh);
                    }
                }
            }
            self.fill(prob);
            if self.value <= before {
                break;
            }
        }
    }

    /// Places `u` at its best allowed household, if any.
    pub(crate) fn reinsert_best(&mut self, prob: &Prob, u: usize) {
        let mut best: Option<(i64, usize)> = None;
        for pi in prob.upairs(u) {
            let c = Self::coef(prob, pi);
            if best.is_none_or(|b| c > b.0)
                && self.allows(prob, prob.household_of(pi), Some(u), None)
            {
                best = Some((c, pi));
            }
        }
        if let Some((_, pi)) = best {
            self.place(prob, pi);
        }
    }

    /// Fills household `h` with unplaced candidates, best coefficient first.
    pub(crate) fn refill_household(&mut self, prob: &Prob, h: usize) {
        let mut cands: Vec<(i64, u32)> = prob
            .hpairs(h)
            .iter()
            .filter(|&&pi| self.pair[prob.unit_of(pi as usize)].is_none())
            .map(|&pi| (-Self::coef(prob, pi as usize), pi))
            .collect();
        cands.sort_unstable();
        for (_, pi) in cands {
            let u = prob.unit_of(pi as usize);
            if self.allows(prob, h, Some(u), None) {
                self.place(prob, pi as usize);
            }
        }
    }
}
