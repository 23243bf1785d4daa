//! Seeded random placement problems: the benchmark family of the planner
//! issue.
//!
//! *30 candidate households per child, integer scores 1–1000, free places
//! 1–4 with mean 2.1, 10% of children in sibling groups of 2–4 sharing one
//! candidate list.* Unit values are 0, so the coefficient of a pair is its
//! score; households have no jurisdiction limit; a sibling group is one
//! exempt unit of its size. Pairs whose unit does not fit the household's
//! free places are dropped (as the instance contract requires), so a group
//! of 4 keeps only its candidates with 4 free places.
//!
//! Free places are drawn as 1, 2, 3, 4 with probabilities 0.3, 0.4, 0.2,
//! 0.1 (mean 2.1); group sizes uniformly from 2–4. Everything is drawn from
//! a `ChaCha8Rng` seeded with `seed`, so a (size, seed) pair always gives
//! the same instance.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::solve::instance::{Household, Instance, Pair, Unit};

/// Candidate households drawn per child (or sibling group).
pub const CANDIDATES: usize = 30;

/// The random family with 10% of children in sibling groups.
pub fn random_instance(children: usize, households: usize, seed: u64) -> Instance {
    random_instance_grouped(children, households, 0.10, seed)
}

/// The random family with a given share of children in sibling groups of
/// 2–4 (the L tier of DESIGN §7 has about 0.3).
pub fn random_instance_grouped(
    children: usize,
    households: usize,
    group_share: f64,
    seed: u64,
) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let hs: Vec<Household> = (0..households)
        .map(|_| {
            let r: f64 = rng.r#gen();
            let capacity = if r < 0.3 {
                1
            } else if r < 0.7 {
                2
            } else if r < 0.9 {
                3
            } else {
                4
            };
            free_household(capacity)
        })
        .collect();
    let mut sizes: Vec<u8> = Vec::new();
    let mut grouped = ((children as f64) * group_share.clamp(0.0, 1.0)).round() as usize;
    while grouped >= 2 {
        let mut s = rng.gen_range(2..=4usize).min(grouped);
        if grouped - s == 1 {
            s = if s > 2 { s - 1 } else { s + 1 };
        }
        sizes.push(s as u8);
        grouped -= s;
    }
    let singles = children - sizes.iter().map(|&s| s as usize).sum::<usize>();
    sizes.extend(std::iter::repeat_n(1u8, singles));
    sizes.shuffle(&mut rng);
    let units = sizes
        .iter()
        .map(|&size| Unit {
            size,
            value: 0,
            developmental: false,
            exempt: size > 1,
        })
        .collect();
    let pairs = draw_pairs(&mut rng, &sizes, &hs);
    Instance {
        units,
        households: hs,
        pairs,
        apart: Vec::new(),
    }
}

/// The pure-assignment variant: every child alone (size 1), every household
/// with 2 free places, otherwise as [`random_instance`].
pub fn random_assignment_instance(children: usize, households: usize, seed: u64) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let hs: Vec<Household> = (0..households).map(|_| free_household(2)).collect();
    let sizes = vec![1u8; children];
    let units = sizes
        .iter()
        .map(|&size| Unit {
            size,
            value: 0,
            developmental: false,
            exempt: false,
        })
        .collect();
    let pairs = draw_pairs(&mut rng, &sizes, &hs);
    Instance {
        units,
        households: hs,
        pairs,
        apart: Vec::new(),
    }
}

fn free_household(capacity: u8) -> Household {
    Household {
        capacity,
        current: 0,
        current_developmental: false,
        limit: None,
        limit_developmental: None,
        limit_always: false,
    }
}

fn draw_pairs(rng: &mut ChaCha8Rng, sizes: &[u8], hs: &[Household]) -> Vec<Pair> {
    let k = CANDIDATES.min(hs.len());
    let mut pairs = Vec::with_capacity(sizes.len() * k);
    for (u, &size) in sizes.iter().enumerate() {
        let mut cands = rand::seq::index::sample(rng, hs.len(), k).into_vec();
        cands.sort_unstable();
        for h in cands {
            let score: u32 = rng.gen_range(1..=1000);
            if hs[h].capacity >= size {
                pairs.push(Pair {
                    unit: u as u32,
                    household: h as u32,
                    score,
                    coef: i64::from(score),
                });
            }
        }
    }
    pairs
}

/// A dense instance like the Serbia fixture, for the solver's dense path
/// (cutting-plane dual, master plans): every household is a candidate of
/// each unit with probability `density` (when it fits), near-tie scores
/// 9,000–9,999, the Serbian household limits (3 children, 2 with a
/// developmental one; sibling groups exempt), 15% sibling pairs, 40%
/// developmental units, and apart links between units 0–1 and 2–3.
/// Seeded like the rest of this module.
pub fn random_dense_instance(units: usize, households: usize, density: f64, seed: u64) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let us: Vec<Unit> = (0..units)
        .map(|_| {
            let size = if rng.gen_bool(0.15) { 2 } else { 1 };
            Unit {
                size,
                value: 500 * rng.gen_range(20..40) * i64::from(size),
                developmental: rng.gen_bool(0.4),
                exempt: size > 1,
            }
        })
        .collect();
    let hs: Vec<Household> = (0..households)
        .map(|_| Household {
            capacity: rng.gen_range(1..4),
            current: rng.gen_range(0..2),
            current_developmental: rng.gen_bool(0.1),
            limit: Some(3),
            limit_developmental: Some(2),
            limit_always: false,
        })
        .collect();
    let mut pairs = Vec::new();
    for (u, unit) in us.iter().enumerate() {
        for (h, hh) in hs.iter().enumerate() {
            if rng.gen_bool(density) && hh.allows([unit]) {
                let score = rng.gen_range(9_000..10_000);
                pairs.push(Pair {
                    unit: u as u32,
                    household: h as u32,
                    score,
                    coef: unit.value + i64::from(score),
                });
            }
        }
    }
    let apart = [(0, 1), (2, 3)]
        .into_iter()
        .filter(|&(_, b)| (b as usize) < units)
        .collect();
    Instance {
        units: us,
        households: hs,
        pairs,
        apart,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_instance_and_respects_the_contract() {
        let a = random_instance(300, 200, 7);
        assert_eq!(a, random_instance(300, 200, 7));
        assert_ne!(a, random_instance(300, 200, 8));
        let children: usize = a.units.iter().map(|u| u.size as usize).sum();
        assert_eq!(children, 300);
        assert!(
            a.pairs
                .windows(2)
                .all(|w| (w[0].unit, w[0].household) < (w[1].unit, w[1].household))
        );
        assert!(
            a.pairs
                .iter()
                .all(|p| a.households[p.household as usize].allows([&a.units[p.unit as usize]]))
        );
        let b = random_assignment_instance(100, 60, 1);
        assert_eq!(b.pairs.len(), 100 * 30);
    }
}
