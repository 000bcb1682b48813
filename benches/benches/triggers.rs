//! The trigger engine: 50 rules over customers with 20 columns, column-wise in batch (1 and 2
//! threads) against the same rules run row by row with the `cel` crate, and one customer at a time
//! (mean from criterion, p50 / p99 printed from a timing loop).
//!
//! Loading: rule files of 1,250 to 10,000 rules, YAML and JSON, parsed and checked against their
//! declared schema (issue 16: loading was quadratic, 9.7 s for 10,000 rules).
//!
//! `cargo bench -p upsell-benches --bench triggers` (`UPSELL_BENCH_ROWS` sets the batch size,
//! 1,000,000 by default). The rules use the subset both languages share (comparisons, `in` lists,
//! `&&`, `||`, `!`, arithmetic), so both engines do the same work; money columns are exact decimals
//! for `upsell` and doubles for `cel`, which has no decimal type.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use upsell::Control;
use upsell::time::parse_timestamp;
use upsell::triggers::{BatchOptions, Context, RuleSet, Value};
use upsell_benches::triggers::{
    RULES, cel_value, conditions, customers, kind, rule_file, rule_file_of,
};

const CEL_ROWS: usize = 20_000;

/// Rule evaluations that fired, row by row with `cel`.
fn cel_rows(programs: &[cel::Program], table: &[Vec<Value>]) -> usize {
    let mut fired = 0;
    for row in table {
        let mut context = cel::Context::default();
        for (column, value) in row.iter().enumerate().skip(1) {
            context.add_variable_from_value(format!("c{column:02}"), cel_value(value));
        }
        for program in programs {
            if program.execute(&context) == Ok(cel::Value::Bool(true)) {
                fired += 1;
            }
        }
    }
    fired
}

fn batch(c: &mut Criterion) {
    let rows: usize = std::env::var("UPSELL_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let (table, batch) = customers(rows);
    let rules = RuleSet::from_yaml_str(&rule_file()).expect("bench rules");
    let now = parse_timestamp("2026-11-23T10:00:00Z").expect("time");
    let mut group = c.benchmark_group(format!("triggers/{RULES}-rules-x-{rows}-customers"));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements((RULES * rows) as u64));
    for threads in [1, 2] {
        let mut options = BatchOptions::new(now);
        options.threads = Some(threads);
        group.bench_with_input(
            BenchmarkId::new("upsell-columnar", format!("threads={threads}")),
            &options,
            |b, o| {
                b.iter(|| {
                    rules
                        .evaluate_batch(black_box(&batch), o, &Control::new())
                        .expect("batch")
                        .len()
                });
            },
        );
    }
    group.finish();

    let programs: Vec<cel::Program> = conditions()
        .iter()
        .map(|c| cel::Program::compile(c).expect("cel compiles the rule"))
        .collect();
    let sample = &table[..CEL_ROWS.min(table.len())];
    let mut group = c.benchmark_group(format!(
        "triggers/{RULES}-rules-x-{}-customers",
        sample.len()
    ));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements((RULES * sample.len()) as u64));
    group.bench_function("cel-row-by-row/threads=1", |b| {
        b.iter(|| cel_rows(black_box(&programs), sample))
    });
    group.finish();
}

fn single(c: &mut Criterion) {
    let (table, batch) = customers(1_000);
    let rules = RuleSet::from_yaml_str(&rule_file()).expect("bench rules");
    let now = parse_timestamp("2026-11-23T10:00:00Z").expect("time");
    let contexts: Vec<Context> = table
        .iter()
        .map(|row| {
            let mut ctx = Context::new().with_id(row[0].to_string());
            for (index, (name, _)) in batch.schema().fields().enumerate() {
                ctx.insert(name.to_owned(), row[index].clone());
            }
            ctx
        })
        .collect();
    let mut group = c.benchmark_group(format!("triggers/single-customer-{RULES}-rules"));
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let mut k = 0;
    group.bench_function("evaluate", |b| {
        b.iter(|| {
            k = (k + 1) % contexts.len();
            rules
                .evaluate(black_box(&contexts[k]), None, now)
                .expect("evaluate")
                .offers
                .len()
        });
    });
    group.finish();
    // Criterion reports means; the target is a tail latency, so time each call too.
    let mut samples: Vec<Duration> = Vec::with_capacity(100_000);
    for k in 0..100_000 {
        let started = Instant::now();
        black_box(
            rules
                .evaluate(&contexts[k % contexts.len()], None, now)
                .expect("evaluate"),
        );
        samples.push(started.elapsed());
    }
    samples.sort_unstable();
    let pick = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "triggers/single-customer-{RULES}-rules: p50 {:?}  p99 {:?}  p99.9 {:?}  ({} calls)",
        pick(0.50),
        pick(0.99),
        pick(0.999),
        samples.len()
    );
}

/// The same rules as a JSON document, where every `"` of an expression is escaped in the file.
fn json_rule_file_of(count: usize) -> String {
    let schema: serde_json::Map<String, serde_json::Value> =
        std::iter::once(("id".to_owned(), "string".into()))
            .chain((1..20).map(|c| (format!("c{c:02}"), kind(c).into())))
            .collect();
    let rules: Vec<serde_json::Value> = conditions()
        .iter()
        .cycle()
        .take(count)
        .enumerate()
        .map(|(k, when)| {
            serde_json::json!({"name": format!("r{k:02}"), "when": when,
                               "offer": {"kind": "upgrade", "target": format!("t{k:02}")}})
        })
        .collect();
    serde_json::json!({"schema": schema, "rules": rules}).to_string()
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("triggers/load-and-check");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for count in [1_250, 2_500, 5_000, 10_000] {
        let yaml = rule_file_of(count);
        group.bench_function(BenchmarkId::new("yaml", count), |b| {
            b.iter(|| {
                RuleSet::from_yaml_str(black_box(&yaml))
                    .expect("rules")
                    .rules()
                    .len()
            });
        });
        let json = json_rule_file_of(count);
        group.bench_function(BenchmarkId::new("json", count), |b| {
            b.iter(|| {
                RuleSet::from_json_str(black_box(&json))
                    .expect("rules")
                    .rules()
                    .len()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, load, single, batch);
criterion_main!(benches);
