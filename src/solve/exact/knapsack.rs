//! The household subproblem: the best set of candidate units a household may
//! take, for given (reduced) profits, exactly under [`Household::allows`].
//!
//! A set's effect on the rule is summarised by a *state*
//! `(size, developmental present, non-exempt present)`: the size is at most
//! the capacity (≤ 9), so a household has at most 40 states, and whether a
//! set is allowed depends on its state alone. The tables below are 0/1
//! knapsacks over states.
//!
//! Only units with a positive profit can improve a set, with one exception:
//! when the developmental limit is *higher* than the plain one, adding a
//! developmental unit can make a larger set allowed; such units are kept
//! whatever their profit. Dropping any other unit with profit ≤ 0 from an
//! allowed set keeps it allowed (size and flags only shrink) and does not
//! lower its value, so restricting the items this way is exact.

use crate::solve::instance::{Household, Unit};

/// "Impossible" value.
pub(crate) const NEG: i64 = i64::MIN / 4;

/// The rule of one household, as state transitions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule {
    cap: u8,
    current: u8,
    limit: Option<u8>,
    limit_dev: u8,
    init: u8,
    /// A developmental unit can relax the limit.
    pub(crate) relax: bool,
}

/// A knapsack item: profit and the unit's effect on the state.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item {
    pub(crate) profit: i64,
    pub(crate) size: u8,
    /// bit 1: developmental, bit 0: not exempt.
    pub(crate) flags: u8,
}

/// The state flags of a unit.
pub(crate) fn unit_flags(u: &Unit) -> u8 {
    (u8::from(u.developmental) << 1) | u8::from(!u.exempt)
}

impl Rule {
    pub(crate) fn new(h: &Household) -> Self {
        let limit_dev = h.limit.map_or(0, |l| h.limit_developmental.unwrap_or(l));
        Self {
            cap: h.capacity,
            current: h.current,
            limit: h.limit,
            limit_dev,
            init: (u8::from(h.current_developmental) << 1) | u8::from(h.limit_always),
            relax: h
                .limit
                .is_some_and(|l| !h.current_developmental && limit_dev > l),
        }
    }

    /// Number of states.
    #[inline]
    pub(crate) fn states(&self) -> usize {
        (self.cap as usize + 1) * 4
    }

    /// The state of the empty set.
    #[inline]
    pub(crate) fn init(&self) -> usize {
        self.init as usize
    }

    /// The state after adding an item, if within capacity.
    #[inline]
    pub(crate) fn step(&self, s: usize, size: u8, flags: u8) -> Option<usize> {
        let t = s + 4 * size as usize;
        if t >= self.states() {
            None
        } else {
            Some(t | flags as usize)
        }
    }

    /// Whether a set in state `s` is allowed (mirrors `Household::allows`).
    #[inline]
    pub(crate) fn allowed(&self, s: usize) -> bool {
        let size = (s / 4) as u32;
        let Some(limit) = self.limit else { return true };
        if s & 1 == 0 || size == 0 {
            return true;
        }
        let lim = if s & 2 != 0 { self.limit_dev } else { limit };
        u32::from(self.current) + size <= u32::from(lim)
    }

    /// Whether a unit with this profit and flags can matter in a best set.
    #[inline]
    pub(crate) fn useful(&self, profit: i64, flags: u8) -> bool {
        profit > 0 || (self.relax && flags & 2 != 0)
    }
}

/// Backward tables: `suf[i*ns + s]` = best value addable from state `s`
/// with items `i..` such that the final state is allowed (`NEG` if none).
pub(crate) fn backward(rule: &Rule, items: &[Item], suf: &mut Vec<i64>) {
    let ns = rule.states();
    let k = items.len();
    suf.clear();
    suf.resize((k + 1) * ns, NEG);
    for s in 0..ns {
        if rule.allowed(s) {
            suf[k * ns + s] = 0;
        }
    }
    for i in (0..k).rev() {
        let it = items[i];
        let (lo, hi) = suf.split_at_mut((i + 1) * ns);
        let cur = &mut lo[i * ns..];
        let next = &hi[..ns];
        for s in 0..ns {
            let mut best = next[s];
            if let Some(t) = rule.step(s, it.size, it.flags) {
                if next[t] > NEG {
                    best = best.max(it.profit + next[t]);
                }
            }
            cur[s] = best;
        }
    }
}

/// Best value and the chosen items (indices into `items`, ascending) from
/// state `start`, given `suf` from [`backward`]. Prefers leaving an item
/// out on ties.
pub(crate) fn choose(
    rule: &Rule,
    items: &[Item],
    suf: &[i64],
    start: usize,
    chosen: &mut Vec<u32>,
) -> i64 {
    let ns = rule.states();
    chosen.clear();
    let value = suf[start];
    if value <= NEG {
        return NEG;
    }
    let mut s = start;
    for (i, it) in items.iter().enumerate() {
        let here = suf[i * ns + s];
        if suf[(i + 1) * ns + s] == here {
            continue;
        }
        // Must take it.
        if let Some(t) = rule.step(s, it.size, it.flags) {
            chosen.push(i as u32);
            s = t;
        }
    }
    value
}

/// For every item, the best value of a set that contains it (`NEG` if no
/// allowed set does), from state `start`, using `suf` from [`backward`].
pub(crate) fn forced(
    rule: &Rule,
    items: &[Item],
    suf: &[i64],
    start: usize,
    pre: &mut Vec<i64>,
    out: &mut Vec<i64>,
) {
    let ns = rule.states();
    pre.clear();
    pre.resize(ns, NEG);
    pre[start] = 0;
    out.clear();
    let mut next = vec![NEG; ns];
    for (i, it) in items.iter().enumerate() {
        let after = &suf[(i + 1) * ns..(i + 2) * ns];
        let mut best = NEG;
        next.copy_from_slice(pre);
        for s in 0..ns {
            if pre[s] <= NEG {
                continue;
            }
            if let Some(t) = rule.step(s, it.size, it.flags) {
                let v = pre[s] + it.profit;
                if after[t] > NEG {
                    best = best.max(v + after[t]);
                }
                if v > next[t] {
                    next[t] = v;
                }
            }
        }
        out.push(best);
        pre.copy_from_slice(&next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(h: &Household, units: &[Unit], profits: &[i64]) -> i64 {
        let n = units.len();
        let mut best = NEG;
        for m in 0u32..(1 << n) {
            let s: Vec<&Unit> = (0..n)
                .filter(|i| m >> i & 1 == 1)
                .map(|i| &units[i])
                .collect();
            if h.allows(s.iter().copied()) {
                let v = (0..n).filter(|i| m >> i & 1 == 1).map(|i| profits[i]).sum();
                best = best.max(v);
            }
        }
        best
    }

    #[test]
    fn household_knapsack_matches_brute_force_with_limits() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..2000 {
            let limit = rng.gen_bool(0.6).then(|| rng.gen_range(0..6u8));
            let h = Household {
                capacity: rng.gen_range(0..7),
                current: rng.gen_range(0..3),
                current_developmental: rng.gen_bool(0.2),
                limit,
                limit_developmental: rng.gen_bool(0.5).then(|| rng.gen_range(0..6u8)),
                limit_always: rng.gen_bool(0.2),
            };
            let n = rng.gen_range(0..7);
            let units: Vec<Unit> = (0..n)
                .map(|_| Unit {
                    size: rng.gen_range(1..4),
                    value: 0,
                    developmental: rng.gen_bool(0.3),
                    exempt: rng.gen_bool(0.4),
                })
                .collect();
            let profits: Vec<i64> = (0..n).map(|_| rng.gen_range(-5..20)).collect();
            let rule = Rule::new(&h);
            let items: Vec<Item> = units
                .iter()
                .zip(&profits)
                .map(|(u, &p)| Item {
                    profit: p,
                    size: u.size,
                    flags: unit_flags(u),
                })
                .collect();
            let mut suf = Vec::new();
            backward(&rule, &items, &mut suf);
            let mut chosen = Vec::new();
            let v = choose(&rule, &items, &suf, rule.init(), &mut chosen);
            assert_eq!(v, brute(&h, &units, &profits));
            let set: Vec<&Unit> = chosen.iter().map(|&i| &units[i as usize]).collect();
            assert!(h.allows(set.iter().copied()));
            assert_eq!(chosen.iter().map(|&i| profits[i as usize]).sum::<i64>(), v);
            let (mut pre, mut out) = (Vec::new(), Vec::new());
            forced(&rule, &items, &suf, rule.init(), &mut pre, &mut out);
            for i in 0..n {
                // Best with item i: brute force with i's profit boosted.
                let mut p2 = profits.clone();
                p2[i] += 1000;
                let b = brute(&h, &units, &p2);
                // Some allowed set contains i when i alone is allowed.
                if h.allows([&units[i]]) {
                    assert_eq!(out[i], b - 1000);
                }
            }
        }
    }
}
