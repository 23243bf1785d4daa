//! Simulator benchmark: the bundled Serbia closure scenario with few
//! replications (the full 100-replication run is timed with
//! `homeward simulate`, see the README), and a small scenario.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use homeward::sim::{self, Scenario, SimOptions};
use std::path::Path;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("simulate");
    g.sample_size(10);
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/serbia/scenarios/close-large-2028.toml");
    let Ok(mut sc) = Scenario::load(&path) else {
        return;
    };
    sc.spec.capacity_gap.enabled = false;
    for reps in [2u32, 8] {
        sc.spec.replications = reps;
        g.bench_with_input(BenchmarkId::new("serbia_60_months", reps), &sc, |b, sc| {
            b.iter(|| sim::run(sc, &SimOptions::default()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
