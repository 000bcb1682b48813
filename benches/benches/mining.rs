//! Frequent itemset mining: every algorithm, serial (`threads = 1`) and parallel (`threads = 2`)
//! twins, on seeded synthetic data and, when present, on the shared real data sets.
//!
//! `cargo bench -p upsell-benches --bench mining` (add `-- fpgrowth` to filter, `-- --test` to run
//! each case once). Real data: `UPSELL_DATA_DIR`, else `../shared/data` beside the workspace.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use upsell::data::{Baskets, Dataset, ReadOptions};
use upsell::mining::{Algorithm, MinSupport, MiningOptions, mine};
use upsell_benches::{Quest, data_dir, quest};

const ALGORITHMS: [(Algorithm, &str); 3] =
    [(Algorithm::FpGrowth, "fpgrowth"), (Algorithm::Eclat, "eclat"), (Algorithm::Apriori, "apriori")];
const THREADS: [usize; 2] = [1, 2];

fn bench_dataset(c: &mut Criterion, name: &str, baskets: &Baskets, min_support: MinSupport) {
    let mut group = c.benchmark_group(format!("mining/{name}@{min_support}"));
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for (algorithm, algorithm_name) in ALGORITHMS {
        for threads in THREADS {
            let options = MiningOptions { algorithm, threads: Some(threads), ..MiningOptions::new(min_support) };
            let id = BenchmarkId::new(algorithm_name, format!("threads={threads}"));
            group.bench_with_input(id, &options, |b, options| {
                b.iter(|| match mine(black_box(baskets), options) {
                    Ok(itemsets) => itemsets.len(),
                    Err(err) => panic!("{name}: {err}"),
                });
            });
        }
    }
    group.finish();
}

fn synthetic(c: &mut Criterion) {
    let params = Quest::new(10.0, 4.0, 20_000);
    let baskets = quest(&params);
    // 0.25% of 20,000 baskets: 50, about the density of t10i4d100k at 0.05%.
    bench_dataset(c, &params.name(), &baskets, MinSupport::Count(50));
}

fn real(c: &mut Criterion) {
    let Some(dir) = data_dir() else {
        eprintln!("real data not found (set UPSELL_DATA_DIR): skipping the real-data benches");
        return;
    };
    for (file, support) in [("t10i4d100k.dat.gz", "0.001"), ("mushroom.dat.gz", "0.1")] {
        let path = dir.join(file);
        let data = match Dataset::read(&path, &ReadOptions::default()) {
            Ok(data) => data,
            Err(err) => {
                eprintln!("skipping {file}: {err}");
                continue;
            }
        };
        let min_support = match MinSupport::parse(support) {
            Ok(min_support) => min_support,
            Err(err) => panic!("{err}"),
        };
        let name = file.trim_end_matches(".dat.gz");
        bench_dataset(c, name, &data.baskets, min_support);
    }
}

criterion_group!(benches, synthetic, real);
criterion_main!(benches);
