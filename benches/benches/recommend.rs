//! The recommender's hot path: one 5-item cart against a model of over 100,000 rules on one core.
//!
//! The model is mined from retail (`../shared/data`, support 10, confidence 0.01, antecedents up to
//! 3 items: 385,666 rules), or from a Quest sample when the data is absent. Carts are 5 items of
//! real baskets. Criterion reports the mean; a timing loop of 100,000 calls prints p50 / p99.
//!
//! `cargo bench -p upsell-benches --bench recommend`

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use upsell::data::{Baskets, Dataset, ItemDictionary, ReadOptions};
use upsell::mining::{MinSupport, MiningOptions, mine};
use upsell::recommend::{RecommendOptions, Recommender, Scratch};
use upsell::rules::{RuleOptions, generate};
use upsell_benches::{Quest, Rng, data_dir, quest};

fn model() -> (Recommender, Vec<Vec<u32>>) {
    let baskets: Baskets = match data_dir() {
        Some(dir) => Dataset::read(dir.join("retail.dat.gz"), &ReadOptions::default()).expect("retail").baskets,
        None => quest(&Quest::new(10.0, 4.0, 100_000)),
    };
    let mining = MiningOptions { max_len: Some(4), ..MiningOptions::new(MinSupport::count(10)) };
    let itemsets = mine(&baskets, &mining).expect("mine");
    let options = RuleOptions { min_confidence: 0.01, max_consequent_len: Some(1), ..RuleOptions::default() };
    let rules = generate(&itemsets, &options).expect("rules");
    let labels = ItemDictionary::from_labels((0..baskets.item_count()).map(|i| i.to_string())).expect("labels");
    let model = Recommender::new(&rules, &labels, &baskets).expect("model");
    let mut rng = Rng::new(7);
    let long: Vec<&[u32]> = baskets.iter().filter(|b| b.len() >= 5).collect();
    let carts = (0..1000)
        .map(|_| {
            let basket = long[rng.below(long.len() as u64) as usize];
            let start = rng.below((basket.len() - 4) as u64) as usize;
            basket[start..start + 5].to_vec()
        })
        .collect();
    (model, carts)
}

fn one_cart(c: &mut Criterion) {
    let (model, carts) = model();
    let options = RecommendOptions::default();
    let mut scratch = Scratch::default();
    let mut out = Vec::with_capacity(5);
    let mut times = Vec::with_capacity(100_000);
    for call in 0..100_000 {
        let cart = &carts[call % carts.len()];
        let started = Instant::now();
        model.recommend_into(black_box(cart), 5, &options, &mut scratch, &mut out);
        times.push(started.elapsed());
        black_box(&out);
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "recommend/5-item-cart ({} rules): p50 {:?}  p99 {:?}  p99.9 {:?}  ({} calls, one core)",
        model.rule_count(),
        at(0.50),
        at(0.99),
        at(0.999),
        times.len()
    );
    let mut k = 0;
    c.bench_function("recommend/5-item-cart", |b| {
        b.iter(|| {
            k = (k + 1) % carts.len();
            model.recommend_into(black_box(&carts[k]), 5, &options, &mut scratch, &mut out);
        })
    });
}

criterion_group!(benches, one_cart);
criterion_main!(benches);
