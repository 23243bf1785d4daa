//! Exact planner on the random family of the planner issue, fixed seeds.
//!
//! Each size is measured together with a greedy baseline over the same
//! instance (best coefficient first, first allowed household), so results
//! read as ratios: `exact / greedy`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use homeward::solve::{Assignment, Instance, SolveOptions, solve};
use homeward::synth::{random_assignment_instance, random_instance};

/// Greedy baseline: pairs by coefficient (ties by index), placed if the
/// household still allows the unit.
fn greedy(inst: &Instance) -> Assignment {
    let mut order: Vec<usize> = (0..inst.pairs.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(inst.pairs[i].coef), i));
    let mut placed = vec![None; inst.units.len()];
    let mut at: Vec<Vec<usize>> = vec![Vec::new(); inst.households.len()];
    for i in order {
        let p = inst.pairs[i];
        let (u, h) = (p.unit as usize, p.household as usize);
        if placed[u].is_some() {
            continue;
        }
        let set = at[h].iter().chain([&u]).map(|&v| &inst.units[v]);
        if inst.households[h].allows(set) {
            at[h].push(u);
            placed[u] = Some(p.household);
        }
    }
    Assignment { placed }
}

fn planner(c: &mut Criterion) {
    let mut group = c.benchmark_group("planner");
    group.sample_size(10);
    let cases: Vec<(&str, usize, Instance)> = vec![
        ("random", 5_000, random_instance(5_000, 3_000, 1)),
        ("random", 20_000, random_instance(20_000, 12_000, 1)),
        (
            "assignment",
            20_000,
            random_assignment_instance(20_000, 12_000, 1),
        ),
    ];
    let opts = SolveOptions::default();
    for (name, n, inst) in &cases {
        group.bench_with_input(
            BenchmarkId::new(format!("{name}/exact"), n),
            inst,
            |b, inst| b.iter(|| solve(inst, &opts, None)),
        );
        group.bench_with_input(
            BenchmarkId::new(format!("{name}/greedy"), n),
            inst,
            |b, inst| b.iter(|| greedy(inst)),
        );
    }
    group.finish();
}

criterion_group!(benches, planner);
criterion_main!(benches);
