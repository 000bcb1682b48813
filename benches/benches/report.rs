//! The upsell report of a generated order log of 1,000,000 lines: the time of each section and of
//! the rendering, the slowest section named. One measured run (the whole job is seconds long;
//! criterion's repetitions would add nothing): `cargo bench --profile ci -p upsell-benches --bench report`.
//!
//! The log: 100,000 orders of 10 lines on average over 90 days, 30,000 customers, 5,000 products
//! with skewed popularity, planted pairs, GBP prices; seeded, so every run reads the same bytes.

use std::time::Instant;

use upsell::Control;
use upsell::data::{OrderColumns, OrderLines, OrderReadOptions};
use upsell::report::{ReportOptions, build_report_timed};

/// xorshift64*: a small seeded generator, enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn order_log(lines: usize) -> String {
    let mut rng = Rng(0x5eed);
    let products = 5_000u64;
    let mut out = String::with_capacity(lines * 48);
    out.push_str("InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n");
    let (mut written, mut order) = (0usize, 0u64);
    while written < lines {
        order += 1;
        let customer = rng.below(30_000);
        let day = rng.below(90);
        let size = 1 + rng.below(19) as usize;
        for _ in 0..size.min(lines - written) {
            // Skewed popularity: the minimum of two draws favours low ids; planted pairs: an
            // even item often brings its odd neighbour.
            let item = rng.below(products).min(rng.below(products));
            let item = if rng.below(4) == 0 { item | 1 } else { item };
            let price = 50 + (item * 7919) % 4_950;
            let time = format!("2024-{:02}-{:02} 10:00", 1 + day / 30, 1 + day % 28);
            out.push_str(&format!(
                "{order},P{item},{},{time},{}.{:02},{customer}\n",
                1 + rng.below(3),
                price / 100,
                price % 100
            ));
            written += 1;
        }
    }
    out
}

fn main() {
    let lines = 1_000_000;
    let started = Instant::now();
    let log = order_log(lines);
    eprintln!(
        "generated {lines} lines ({} MB) in {:.2} s",
        log.len() / 1_000_000,
        started.elapsed().as_secs_f64()
    );
    let total = Instant::now();
    let options = OrderReadOptions {
        columns: OrderColumns {
            description: None,
            segment: None,
            ..OrderColumns::default()
        },
        ..OrderReadOptions::default()
    };
    let clock = Instant::now();
    let orders =
        OrderLines::from_reader(log.as_bytes(), "generated.csv", &options).expect("the log reads");
    let mut timings = vec![("read", clock.elapsed())];
    let (report, sections) = build_report_timed(
        &orders,
        &ReportOptions::new("generated.csv", "2026-12-03"),
        &Control::new(),
    )
    .expect("the report builds");
    timings.extend(sections);
    let clock = Instant::now();
    let dir = std::env::temp_dir().join("upsell-report-bench");
    report.write(&dir).expect("the report writes");
    timings.push(("render and write", clock.elapsed()));
    for (name, time) in &timings {
        println!("report/1M/{name:<18} {:>8.3} s", time.as_secs_f64());
    }
    let slowest = timings
        .iter()
        .max_by_key(|(_, t)| *t)
        .map_or("-", |(n, _)| n);
    println!(
        "report/1M/total              {:>8.3} s (slowest: {slowest})",
        total.elapsed().as_secs_f64()
    );
}
