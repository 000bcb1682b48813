//! Pricing: bundles found and priced on the Online Retail week (when present), and the
//! mixed-bundling optimiser, exact and heuristic, on seeded willingness-to-pay samples.
//!
//! `cargo bench -p upsell-benches --bench pricing` (add `-- --test` to run each case once).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use upsell::Control;
use upsell::data::{OrderLines, OrderReadOptions};
use upsell::mining::MinSupport;
use upsell::pricing::{
    BundleOptions, Currency, MixedOptions, MixedSearch, find_bundles, optimise_mixed_bundle,
};
use upsell_benches::{Rng, data_dir};

/// Values in pence, normal around 20.00 with spread 8.00, clipped at 0.
fn willingness_to_pay(customers: usize, items: usize, seed: u64) -> Array2<i64> {
    let mut rng = Rng::new(seed);
    Array2::from_shape_fn((customers, items), |_| {
        rng.normal(2000.0, 800.0).max(0.0).round() as i64
    })
}

fn mixed(c: &mut Criterion) {
    let mut group = c.benchmark_group("pricing/mixed");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let cases = [
        ("exact 2 items x 16", 16, 2, MixedSearch::Exact),
        ("exact 3 items x 6", 6, 3, MixedSearch::Exact),
        ("heuristic 4 items x 300", 300, 4, MixedSearch::Heuristic),
    ];
    for (name, customers, items, search) in cases {
        let wtp = willingness_to_pay(customers, items, 7);
        let options = MixedOptions {
            search,
            ..MixedOptions::default()
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                match optimise_mixed_bundle(
                    black_box(wtp.view()),
                    Currency::GBP,
                    None,
                    &options,
                    &Control::default(),
                ) {
                    Ok(solution) => solution.outcome.profit,
                    Err(err) => panic!("{name}: {err}"),
                }
            });
        });
    }
    group.finish();
}

fn bundles(c: &mut Criterion) {
    let Some(path) = data_dir()
        .map(|d| d.join("online_retail_week.csv"))
        .filter(|p| p.exists())
    else {
        eprintln!("skipped: online_retail_week.csv not found (set UPSELL_DATA_DIR)");
        return;
    };
    let mut group = c.benchmark_group("pricing/bundles");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("read online_retail_week", |b| {
        b.iter(|| {
            OrderLines::read(black_box(&path), &OrderReadOptions::default())
                .map(|o| o.lines().len())
        })
    });
    let orders = match OrderLines::read(&path, &OrderReadOptions::default()) {
        Ok(orders) => orders,
        Err(err) => panic!("{err}"),
    };
    let options = BundleOptions::new(MinSupport::count(10));
    group.bench_function("find and price, support 10", |b| {
        b.iter(|| {
            find_bundles(black_box(&orders), None, &options, &Control::default())
                .map(|r| r.bundles.len())
        })
    });
    group.finish();
}

criterion_group!(benches, mixed, bundles);
criterion_main!(benches);
