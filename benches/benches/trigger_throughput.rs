//! Trigger throughput on issue 16's workload: 50 rules over 1,000,000 customers of 20 columns
//! (the `triggers` bench's seeded customers and rules), in rule evaluations a second:
//!
//! - column evaluation alone (`RuleSet::match_counts`, every rule's verdict for every customer),
//!   1 and 2 threads, and per core;
//! - decisions (`RuleSet::evaluate_batch`: verdicts, suppression, ranking, reasons), 1 and 2 threads;
//! - end to end from a CSV file: `read_customers_csv` with the declared schema, then
//!   `evaluate_batch`, 2 threads;
//! - datalogic-rs (JSONLogic) on the same rules, row by row on one core over the first
//!   `UPSELL_BENCH_DATALOGIC_ROWS` customers (100,000 by default), each customer pre-parsed into
//!   its `ParsedData` outside the timing; the counts of customers each rule fires for are asserted
//!   equal to ours on the same rows, and the ratio upsell / datalogic-rs is printed.
//!
//! ```text
//! cargo bench --profile ci -p upsell-benches --bench trigger_throughput
//! ```
//!
//! `UPSELL_BENCH_ROWS` sets the number of customers, `UPSELL_BENCH_RUNS` the timed runs of each
//! path (default 5; the median is reported), `UPSELL_BENCH_DIR` a folder where the CSV file and
//! the rule file are kept (to time `upsell triggers eval` on them). Pyarrow's end to end is `benches/trigger_throughput.py`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use datalogic_rs::bumpalo::Bump;
use datalogic_rs::{Engine, ParsedData};
use upsell::Control;
use upsell::time::parse_timestamp;
use upsell::triggers::{BatchOptions, RuleSet, read_customers_csv};
use upsell_benches::triggers::{
    RULES, customer_json, customers, customers_csv, jsonlogic_conditions, rule_file,
};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The median of `runs` timings of `f` (after one untimed run), and its last result.
fn median<R>(runs: usize, mut f: impl FnMut() -> R) -> (Duration, R) {
    let mut last = f();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        last = black_box(f());
        times.push(started.elapsed());
    }
    times.sort_unstable();
    (times[times.len() / 2], last)
}

fn rate(evaluations: usize, time: Duration) -> f64 {
    evaluations as f64 / time.as_secs_f64() / 1e6
}

fn main() {
    let rows = env_or("UPSELL_BENCH_ROWS", 1_000_000);
    let runs = env_or("UPSELL_BENCH_RUNS", 5).max(1);
    let sample_rows = env_or("UPSELL_BENCH_DATALOGIC_ROWS", 100_000).min(rows);
    let evaluations = RULES * rows;
    let (table, batch) = customers(rows);
    let rules = RuleSet::from_yaml_str(&rule_file()).expect("bench rules");
    let now = parse_timestamp("2026-11-23T10:00:00Z").expect("time");
    let control = Control::new();
    let options = |threads: usize| {
        let mut options = BatchOptions::new(now);
        options.threads = Some(threads);
        options
    };
    println!("{RULES} rules x {rows} customers x 20 columns, median of {runs} runs");
    let line = |what: &str, time: Duration, evaluations: usize, cores: usize| {
        let per_second = rate(evaluations, time);
        println!(
            "{what:<48} {:>9.3} s {per_second:>8.1} M evals/s {:>8.1} M/s per core",
            time.as_secs_f64(),
            per_second / cores as f64
        );
        per_second
    };

    let mut column = [0.0; 2];
    for threads in [1, 2] {
        let (time, _) = median(runs, || {
            rules
                .match_counts(&batch, &options(threads), &control)
                .expect("match counts")
        });
        column[threads - 1] = line(
            &format!("column evaluation, {threads} thread(s)"),
            time,
            evaluations,
            threads,
        );
    }
    for threads in [1, 2] {
        let (time, offers) = median(runs, || {
            rules
                .evaluate_batch(&batch, &options(threads), &control)
                .expect("batch")
                .len()
        });
        line(
            &format!("decisions ({offers} offers), {threads} thread(s)"),
            time,
            evaluations,
            threads,
        );
    }

    // `UPSELL_BENCH_DIR` keeps the files, to time the command line on them.
    let kept = std::env::var_os("UPSELL_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = kept.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("upsell-trigger-throughput-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).expect("bench dir");
    let path = dir.join("customers.csv");
    std::fs::write(&path, customers_csv(&table)).expect("write the CSV");
    std::fs::write(dir.join("rules.yaml"), rule_file()).expect("write the rules");
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    let declared = rules.declared_schema();
    let (time, read) = median(runs, || {
        read_customers_csv(&path, declared)
            .expect("read the CSV")
            .len()
    });
    assert_eq!(read, rows);
    println!(
        "{:<48} {:>9.3} s ({:.0} MB, {:.0} MB/s)",
        "read the CSV file",
        time.as_secs_f64(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / time.as_secs_f64()
    );
    let (time, _) = median(runs, || {
        let batch = read_customers_csv(&path, declared).expect("read the CSV");
        rules
            .evaluate_batch(&batch, &options(2), &control)
            .expect("batch")
            .len()
    });
    let end_to_end = line(
        "CSV file end to end (read + decisions), 2 threads",
        time,
        evaluations,
        2,
    );
    if kept.is_none() {
        std::fs::remove_dir_all(&dir).ok();
    }

    let engine = Engine::new();
    let programs: Vec<_> = jsonlogic_conditions()
        .iter()
        .map(|rule| {
            engine
                .compile(rule.as_str())
                .expect("datalogic compiles the rule")
        })
        .collect();
    let documents: Vec<ParsedData> = table[..sample_rows]
        .iter()
        .map(|row| ParsedData::from_json(&customer_json(row)).expect("customer JSON"))
        .collect();
    let (time, fired) = median(runs.min(3), || {
        let mut arena = Bump::new();
        let mut fired = vec![0u64; programs.len()];
        for document in &documents {
            for (count, program) in fired.iter_mut().zip(&programs) {
                let verdict = engine
                    .evaluate(program, document, &arena)
                    .expect("evaluates");
                if verdict.as_bool() == Some(true) {
                    *count += 1;
                }
            }
            arena.reset();
        }
        fired
    });
    let datalogic = line(
        "datalogic-rs 5.4, row by row, 1 thread",
        time,
        RULES * sample_rows,
        1,
    );
    let (_, sample) = customers(sample_rows);
    let ours = rules
        .match_counts(&sample, &options(1), &control)
        .expect("match counts");
    assert_eq!(
        ours, fired,
        "upsell and datalogic-rs disagree on the same rules"
    );
    println!(
        "same answers on {sample_rows} customers; upsell column evaluation / datalogic-rs, one \
         core each: {:.1}x; CSV end to end on 2 threads / datalogic-rs on 1: {:.1}x",
        column[0] / datalogic,
        end_to_end / datalogic
    );
}
