//! The transportation LP (`y = size · x`): a min-cost flow solved exactly by
//! successive shortest paths with potentials, one unit at a time.
//!
//! Nodes: units, households and a sink `T`. Unit `u` supplies `size[u]`
//! children; arc `u → h` (uncapacitated) earns `SCALE · coef / size` per
//! child; arc `h → T` has the household's free places; every unit may also
//! send children straight to `T` (not placed) at no cost. Adding units one
//! by one and augmenting along shortest paths keeps the flow optimal for the
//! units added so far, and the potentials stay dual feasible. At the end the
//! per-child price of unit `u` is `π_u − π_T ≥ 0`, so `α_u = size[u]·(π_u −
//! π_T)` (in `1/SCALE` units) are LP-optimal multipliers of "each unit at
//! most once": a good start for the Lagrangian, and exact for pure
//! assignment problems.
//!
//! Household limit rules are not in this LP; it only seeds the multipliers
//! and the incumbent, never the proof.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::problem::Prob;

/// Result of the transportation LP.
pub(crate) struct Flow {
    /// Children of unit `pair.unit` sent to `pair.household`, per pair.
    pub(crate) y: Vec<i32>,
    /// LP multipliers (`1/SCALE` units) per unit.
    pub(crate) alpha: Vec<i64>,
}

const NONE: u32 = u32::MAX;

pub(crate) fn transport(prob: &Prob) -> Flow {
    let cap = prob
        .inst
        .households
        .iter()
        .map(|h| i32::from(h.capacity))
        .collect();
    transport_with(prob, cap, |_| true)
}

/// The same LP with given free places and only the units where `active`
/// holds (the others send nothing).
///
/// One function on purpose (about 160 lines): Dijkstra on reduced costs,
/// the potential update and the augmentation share the flow (`y`, `load`,
/// `hflow`), the potentials and the scratch arrays reset through
/// `touched`; split, they would pass ten mutable arrays between them.
pub(crate) fn transport_with(prob: &Prob, cap: Vec<i32>, active: impl Fn(usize) -> bool) -> Flow {
    let nu = prob.units();
    let nh = prob.households();
    let t = nu + nh;
    let n = t + 1;
    // Profit per child of each pair.
    let p: Vec<i64> = prob
        .inst
        .pairs
        .iter()
        .enumerate()
        .map(|(i, pr)| prob.c[i] / i64::from(prob.size[pr.unit as usize]))
        .collect();
    let mut y = vec![0i32; prob.inst.pairs.len()];
    let mut load = vec![0i32; nh];
    // Pairs with flow, per household.
    let mut hflow: Vec<Vec<u32>> = vec![Vec::new(); nh];
    let mut pot = vec![0i64; n];
    let mut dist = vec![i64::MAX; n];
    let mut prev = vec![NONE; n];
    let mut done = vec![false; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut settled: Vec<u32> = Vec::new();
    let mut heap: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::new();

    for u0 in 0..nu {
        let range = prob.upairs(u0);
        if range.is_empty() || !active(u0) {
            continue;
        }
        // Fresh potential keeps all arcs out of u0 non-negative.
        let mut pu = pot[t];
        for pi in range.clone() {
            pu = pu.max(pot[nu + prob.household_of(pi)] + p[pi]);
        }
        pot[u0] = pu;
        let mut supply = i32::from(prob.size[u0]);
        while supply > 0 {
            // Dijkstra from u0 on reduced costs, stopping at T.
            heap.clear();
            dist[u0] = 0;
            touched.push(u0 as u32);
            heap.push(Reverse((0, u0 as u32)));
            let mut dt = i64::MAX;
            while let Some(Reverse((d, v))) = heap.pop() {
                let v = v as usize;
                if done[v] || d > dist[v] {
                    continue;
                }
                done[v] = true;
                if v == t {
                    dt = d;
                    break;
                }
                settled.push(v as u32);
                let mut relax =
                    |w: usize, nd: i64, via: u32, dist: &mut [i64], prev: &mut [u32]| {
                        if nd < dist[w] {
                            if dist[w] == i64::MAX {
                                touched.push(w as u32);
                            }
                            dist[w] = nd;
                            prev[w] = via;
                            heap.push(Reverse((nd, w as u32)));
                        }
                    };
                if v < nu {
                    // Exit (unit not placed) and arcs to households.
                    relax(t, d + pot[v] - pot[t], v as u32, &mut dist, &mut prev);
                    for pi in prob.upairs(v) {
                        let h = nu + prob.household_of(pi);
                        if !done[h] {
                            relax(
                                h,
                                d - p[pi] + pot[v] - pot[h],
                                pi as u32,
                                &mut dist,
                                &mut prev,
                            );
                        }
                    }
                } else {
                    let h = v - nu;
                    if load[h] < cap[h] {
                        relax(t, d + pot[v] - pot[t], v as u32, &mut dist, &mut prev);
                    }
                    for &pi in &hflow[h] {
                        let w = prob.unit_of(pi as usize);
                        if !done[w] {
                            relax(
                                w,
                                d + p[pi as usize] + pot[v] - pot[w],
                                pi,
                                &mut dist,
                                &mut prev,
                            );
                        }
                    }
                }
            }
            // Potentials: settled nodes move by d − dT (T itself by 0).
            for &v in &settled {
                pot[v as usize] += dist[v as usize] - dt;
            }
            // Bottleneck and augmentation along the prev chain.
            let exit = prev[t] as usize;
            let mut amount = supply;
            if exit >= nu {
                amount = amount.min(cap[exit - nu] - load[exit - nu]);
            }
            let mut v = exit;
            while v != u0 {
                let pi = prev[v] as usize;
                if v < nu {
                    // Reached unit v backwards over its pair with household.
                    amount = amount.min(y[pi]);
                    v = nu + prob.household_of(pi);
                } else {
                    v = prob.unit_of(pi);
                }
            }
            if exit >= nu {
                load[exit - nu] += amount;
            }
            let mut v = exit;
            while v != u0 {
                let pi = prev[v] as usize;
                let h = prob.household_of(pi);
                if v < nu {
                    y[pi] -= amount;
                    if y[pi] == 0 {
                        hflow[h].retain(|&q| q as usize != pi);
                    }
                    v = nu + h;
                } else {
                    if y[pi] == 0 {
                        hflow[h].push(pi as u32);
                    }
                    y[pi] += amount;
                    v = prob.unit_of(pi);
                }
            }
            supply -= amount;
            for &v in &touched {
                dist[v as usize] = i64::MAX;
                prev[v as usize] = NONE;
                done[v as usize] = false;
            }
            touched.clear();
            settled.clear();
            if exit == u0 {
                // The rest of u0 stays unplaced.
                break;
            }
        }
    }
    let alpha = (0..nu)
        .map(|u| i64::from(prob.size[u]) * (pot[u] - pot[t]).max(0))
        .collect();
    Flow { y, alpha }
}
