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
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use upsell::Control;
use upsell::time::parse_timestamp;
use upsell::triggers::{Batch, BatchOptions, Column, Context, Decimal, RuleSet, Value};

const RULES: usize = 50;
const CEL_ROWS: usize = 20_000;

/// A small xorshift generator: the same data for the same seed, no `rand` crate.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Column kinds of the 20 columns: `id`, then c01..c19.
fn kind(column: usize) -> &'static str {
    match column {
        1..=5 | 18 | 19 => "int",
        6..=9 => "decimal",
        10..=12 => "string",
        13..=15 => "float",
        _ => "bool",
    }
}

/// Customers as rows of values (for `cel` and single-customer runs) and as a batch.
fn customers(rows: usize) -> (Vec<Vec<Value>>, Batch) {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut table = Vec::with_capacity(rows);
    let labels = ["v0", "v1", "v2", "v3", "v4"];
    for row in 0..rows {
        let mut values = vec![Value::from(format!("cust-{row}").as_str())];
        for column in 1..20 {
            values.push(match kind(column) {
                "int" if column >= 18 => Value::Int(rng.below(1000) as i64),
                "int" => Value::Int(rng.below(100) as i64),
                "decimal" => Value::Decimal(Decimal::from_units(rng.below(20_000) as i64 * 10_000)),
                "string" => Value::from(labels[rng.below(5) as usize]),
                "float" => Value::Float(rng.below(10_000) as f64 / 10_000.0),
                _ => Value::Bool(rng.below(2) == 0),
            });
        }
        table.push(values);
    }
    let mut columns = Vec::new();
    for column in 0..20 {
        let name = if column == 0 {
            "id".to_owned()
        } else {
            format!("c{column:02}")
        };
        let ty = table
            .first()
            .and_then(|r: &Vec<Value>| r[column].type_of())
            .expect("typed");
        let values: Vec<Value> = table.iter().map(|r| r[column].clone()).collect();
        columns.push((name, Column::from_values(ty, &values).expect("column")));
    }
    (table, Batch::new(columns).expect("batch"))
}

/// 50 conditions in the language subset that `upsell` and CEL share.
fn conditions() -> Vec<String> {
    (0..RULES)
        .map(|k| {
            let int = 1 + k % 5;
            let dec = 6 + k % 4;
            let string = 10 + k % 3;
            let float = 13 + k % 3;
            let flag = 16 + k % 2;
            let big = 18 + k % 2;
            match k % 5 {
                0 => format!(
                    "c{int:02} > {} && c{string:02} == \"v{}\"",
                    90 + k % 7,
                    k % 5
                ),
                1 => format!(
                    "c{dec:02} >= {}.50 && c{int:02} < {}",
                    180 + k % 15,
                    10 + k % 20
                ),
                2 => format!(
                    "(c{int:02} > 95 || c{big:02} < {}) && c{string:02} in [\"v1\", \"v2\"]",
                    5 + k % 10
                ),
                3 => format!("c{float:02} > 0.9{} && c{flag:02}", k % 10),
                _ => format!(
                    "!(c{string:02} == \"v0\") && c{int:02} + c{:02} > {}",
                    1 + (k + 1) % 5,
                    185 + k % 10
                ),
            }
        })
        .collect()
}

fn rule_file() -> String {
    rule_file_of(RULES)
}

/// A YAML file of `count` rules, the 50 conditions repeated.
fn rule_file_of(count: usize) -> String {
    // A declared schema: the production set-up, checked once at load.
    let mut yaml =
        String::from("settings: { max_offers_per_interaction: 1 }\nschema:\n  id: string\n");
    for column in 1..20 {
        yaml.push_str(&format!("  c{column:02}: {}\n", kind(column)));
    }
    yaml.push_str("rules:\n");
    for (k, when) in conditions().iter().cycle().take(count).enumerate() {
        yaml.push_str(&format!(
            "  - name: r{k:02}\n    when: '{}'\n    offer: {{ kind: upgrade, target: t{k:02} }}\n    priority: {}\n",
            when.replace('\'', "''"),
            k % 7
        ));
    }
    yaml
}

fn cel_value(value: &Value) -> cel::Value {
    match value {
        Value::Int(i) => cel::Value::Int(*i),
        Value::Decimal(d) => cel::Value::Float(d.to_f64()),
        Value::Float(x) => cel::Value::Float(*x),
        Value::Bool(b) => cel::Value::Bool(*b),
        Value::Str(s) => cel::Value::String(Arc::new(s.to_string())),
        _ => cel::Value::Null,
    }
}

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
