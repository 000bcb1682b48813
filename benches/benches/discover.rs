//! Subgroup discovery (issue 21): the synthetic subscription table of 1,000,000 customers with 30
//! condition columns (plan, seats, tenure and 27 usage counts) and one planted effect, discovered
//! with up to 3 conditions per subgroup at a minimum size of 1 %, serial and on 2 threads.
//!
//! `cargo bench -p upsell-benches --bench discover` (`UPSELL_BENCH_ROWS` sets the customers,
//! 1,000,000 by default). The target of the issue: under 10 s on 2 cores.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use upsell::triggers::{
    ConditionOp, DiscoverOptions, PlantedEffect, SubscriptionGenerator, discover,
};

fn bench(c: &mut Criterion) {
    let rows = std::env::var("UPSELL_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let customers = SubscriptionGenerator {
        customers: rows,
        features: 27,
        effects: vec![
            PlantedEffect::new("upgraded", "usage.feature_3", ConditionOp::Ge, 20, 3.0)
                .plan("starter"),
        ],
        ..SubscriptionGenerator::default()
    }
    .generate()
    .expect("valid generator");
    let mut group = c.benchmark_group("discover");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    for threads in [1, 2] {
        let options = DiscoverOptions {
            ignore: vec!["id".into(), "churned".into()],
            threads: Some(threads),
            ..DiscoverOptions::new("upgraded")
        };
        group.bench_with_input(
            BenchmarkId::new(format!("{rows}x30"), format!("{threads} threads")),
            &options,
            |b, options| b.iter(|| black_box(discover(&customers, options).expect("discovers"))),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
