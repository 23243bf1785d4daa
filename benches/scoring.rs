//! Scoring benchmarks at the scale tiers of DESIGN §7, with a baseline
//! measured in the same run: a deliberately simple scoring function over the
//! same pairs (age range check plus a weighted sum over compact arrays), so
//! that results read as a ratio on whatever machine runs them.
//!
//! `cargo bench --bench scoring` (all tiers; L all-pairs takes minutes), or
//! e.g. `cargo bench --bench scoring -- rank_top10` for one group.

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, black_box, criterion_group, criterion_main};
use homeward::domain::DataSet;
use homeward::scoring::{Model, Scorer};
use homeward::synth::dataset::{GenParams, generate};

const TIERS: [(&str, usize, usize); 3] =
    [("S", 500, 300), ("M", 1_500, 4_300), ("L", 60_000, 33_000)];

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date")
}

fn data(children: usize, carers: usize) -> DataSet {
    let p = GenParams {
        children,
        carers,
        seed: 7,
        country: "RS".into(),
        as_of: as_of(),
    };
    generate(&p).expect("generator works on the bundled places")
}

/// The simple reference: per pair, an age-range check and a weighted sum of
/// three precomputed features.
struct Baseline {
    child_age: Vec<u8>,
    child_feat: Vec<[f32; 3]>,
    carer_lo: Vec<u8>,
    carer_hi: Vec<u8>,
    carer_feat: Vec<[f32; 3]>,
}

impl Baseline {
    fn new(d: &DataSet) -> Self {
        let feat = |i: usize| {
            [
                (i % 7) as f32 / 7.0,
                (i % 11) as f32 / 11.0,
                (i % 13) as f32 / 13.0,
            ]
        };
        Baseline {
            child_age: d
                .children
                .iter()
                .map(|c| c.age_on(as_of()).min(255) as u8)
                .collect(),
            child_feat: (0..d.children.len()).map(feat).collect(),
            carer_lo: d.carers.iter().map(|c| c.min_age).collect(),
            carer_hi: d.carers.iter().map(|c| c.max_age).collect(),
            carer_feat: (0..d.carers.len()).map(|i| feat(i + 3)).collect(),
        }
    }

    fn score_child(&self, i: usize) -> (u32, f32) {
        let (a, f) = (self.child_age[i], self.child_feat[i]);
        let mut n = 0;
        let mut best = 0.0f32;
        for j in 0..self.carer_lo.len() {
            if a >= self.carer_lo[j] && a <= self.carer_hi[j] {
                let g = self.carer_feat[j];
                let s = 10.0 * f[0] * g[0] + 20.0 * f[1] * g[1] + 30.0 * f[2] * g[2];
                n += 1;
                best = best.max(s);
            }
        }
        (n, best)
    }

    fn all_pairs(&self) -> u64 {
        use rayon::prelude::*;
        (0..self.child_age.len())
            .into_par_iter()
            .map(|i| u64::from(self.score_child(i).0))
            .sum()
    }
}

fn benches(c: &mut Criterion) {
    let serbia = Model::load("serbia").expect("built-in model");
    for (tier, children, carers) in TIERS {
        let d = data(children, carers);
        let scorer = Scorer::new(&d, &serbia, as_of());
        let units = scorer.units();
        let base = Baseline::new(&d);
        // A fixed rotation of 64 children, so no single lucky child decides.
        let probe: Vec<_> = (0..64)
            .map(|i| scorer.unit_of(units[(i * 7919) % units.len()].members[0]))
            .collect();

        let mut g = c.benchmark_group("rank_top10");
        g.sample_size(if tier == "L" { 30 } else { 60 });
        let mut i = 0;
        g.bench_function(BenchmarkId::new("homeward", tier), |b| {
            b.iter(|| {
                i = (i + 1) % probe.len();
                black_box(scorer.rank(&probe[i], 10))
            })
        });
        let mut k = 0;
        g.bench_function(BenchmarkId::new("baseline", tier), |b| {
            b.iter(|| {
                k = (k + 1) % probe.len();
                black_box(base.score_child(probe[k].members[0].get()))
            })
        });
        g.finish();

        let mut g = c.benchmark_group("all_pairs");
        g.sample_size(10);
        if tier == "L" {
            g.measurement_time(std::time::Duration::from_secs(60));
        }
        g.bench_function(BenchmarkId::new("homeward", tier), |b| {
            b.iter(|| black_box(scorer.candidates(&units).len()))
        });
        g.bench_function(BenchmarkId::new("baseline", tier), |b| {
            b.iter(|| black_box(base.all_pairs()))
        });
        g.finish();
    }
}

criterion_group!(scoring, benches);
criterion_main!(scoring);
