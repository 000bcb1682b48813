//! Time-window affinity: serial (`threads = 1`) and parallel (`threads = 2`) twins on a seeded
//! synthetic purchase history and, when present, on groceries_members.csv.
//!
//! `cargo bench -p upsell-benches --bench sequence` (`-- --test` runs each case once). The
//! synthetic history spreads Quest baskets over customers and days: basket `b` belongs to customer
//! `b % customers` and happens on day `3 * (b / customers)`, so every customer has a long history.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use upsell::Control;
use upsell::sequence::{PurchaseColumns, Purchases, SequenceOptions, sequential_affinity};
use upsell_benches::{Quest, data_dir, quest};

const THREADS: [usize; 2] = [1, 2];

fn bench_purchases(c: &mut Criterion, name: &str, purchases: &Purchases) {
    let mut group = c.benchmark_group(format!("sequence/{name}"));
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    // Every rule (output-bound) and rules of at least 20 customers (count-bound).
    for (min_customers, threads) in [1, 20].into_iter().flat_map(|m| THREADS.map(|t| (m, t))) {
        let options = SequenceOptions { threads: Some(threads), min_customers, ..SequenceOptions::default() };
        let id = BenchmarkId::new(format!("min_customers={min_customers}"), format!("threads={threads}"));
        group.bench_with_input(id, &options, |b, o| {
            b.iter(|| match sequential_affinity(black_box(purchases), o, &Control::new()) {
                Ok(rules) => rules.rules().len(),
                Err(err) => panic!("{name}: {err}"),
            });
        });
    }
    group.finish();
}

fn synthetic(c: &mut Criterion) {
    let params = Quest::new(4.0, 2.0, 40_000);
    let baskets = quest(&params);
    let customers = 4_000;
    let (mut customer_ids, mut items, mut seconds) = (Vec::new(), Vec::new(), Vec::new());
    for (b, basket) in baskets.iter().enumerate() {
        for &item in basket {
            customer_ids.push((b % customers) as i64);
            items.push(item);
            seconds.push((3 * (b / customers) as i64) * 86_400);
        }
    }
    let purchases = match Purchases::from_arrays(&customer_ids, &items, &seconds, None) {
        Ok(purchases) => purchases,
        Err(err) => panic!("synthetic purchases: {err}"),
    };
    bench_purchases(c, &format!("{}-{customers}-customers", params.name()), &purchases);
}

fn real(c: &mut Criterion) {
    let Some(dir) = data_dir() else {
        eprintln!("real data not found (set UPSELL_DATA_DIR): skipping the real-data bench");
        return;
    };
    let columns = PurchaseColumns::new("Member_number", "Date", "itemDescription");
    match Purchases::read(dir.join("groceries_members.csv"), &columns) {
        Ok(purchases) => bench_purchases(c, "groceries_members", &purchases),
        Err(err) => eprintln!("skipping groceries_members.csv: {err}"),
    }
}

criterion_group!(benches, synthetic, real);
criterion_main!(benches);
