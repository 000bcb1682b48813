//! Trigger throughput on issue 16's workload: 50 rules over 1,000,000 customers of 20 columns
//! (the `triggers` bench's seeded customers and rules), in rule evaluations a second:
//!
//! - column evaluation alone (`RuleSet::match_counts`, every rule's verdict for every customer),
//!   1 and 2 threads, and per core;
//! - decisions (`RuleSet::evaluate_batch`: verdicts, suppression, ranking, reasons), 1 and 2 threads;
//! - end to end from a CSV file: `read_customers_csv` with the declared schema, then
//!   `evaluate_batch`, 2 threads;
//! - end to end from a Parquet file (snappy, as pyarrow writes it; money as decimal128(12, 2)):
//!   the `parquet` crate's Arrow reader, `upsell::arrow::customers_from_stream` (what
//!   `upsell triggers eval customers.parquet` does), then `evaluate_batch`, 2 threads;
//! - the published Rust rule engines issue 16 names, on the same rules row by row on one core over
//!   the first `UPSELL_BENCH_PEER_ROWS` customers (100,000 by default), each customer prepared in
//!   the engine's form outside the timing: datalogic-rs (JSONLogic, pre-parsed `ParsedData`),
//!   zen-expression (GoRules ZEN, a scope of decimals), and `cel` (a context; money as doubles,
//!   `cel` has no decimals). The counts of customers each rule fires for are asserted equal to
//!   ours on the same rows, and the ratios upsell / each engine are printed.
//!
//! ```text
//! cargo bench --profile ci -p upsell-benches --bench trigger_throughput
//! ```
//!
//! `UPSELL_BENCH_ROWS` sets the number of customers, `UPSELL_BENCH_RUNS` the timed runs of each
//! path (default 5; the median is reported), `UPSELL_BENCH_DIR` a folder where the CSV and Parquet
//! files and the rule file are kept (to time `upsell triggers eval` on them). Pyarrow's end to end is `benches/trigger_throughput.py`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datalogic_rs::bumpalo::Bump;
use datalogic_rs::{Engine, ParsedData};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use upsell::Control;
use upsell::time::parse_timestamp;
use upsell::triggers::{Batch, BatchOptions, RuleSet, Schema, Value, read_customers_csv};
use upsell_benches::triggers::{
    RULES, cel_value, column_names, conditions, customer_json, customers, customers_csv,
    jsonlogic_conditions, rule_file, zen_conditions,
};
use zen_expression::scope::Scope;
use zen_expression::variable::Variable as ZenVariable;
use zen_expression::vm::VM;

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
    let sample_rows = env_or("UPSELL_BENCH_PEER_ROWS", 100_000).min(rows);
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
            "{what:<56} {:>9.3} s {per_second:>8.1} M evals/s {:>8.1} M/s per core",
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
        "{:<56} {:>9.3} s ({:.0} MB, {:.0} MB/s)",
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
    let csv_end_to_end = line(
        "CSV file end to end (read + decisions), 2 threads",
        time,
        evaluations,
        2,
    );

    let path = dir.join("customers.parquet");
    write_parquet(&table, &path);
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    let (time, read) = median(runs, || read_parquet(&path, declared).len());
    assert_eq!(read, rows);
    println!(
        "{:<56} {:>9.3} s ({:.0} MB)",
        "read the Parquet file",
        time.as_secs_f64(),
        bytes as f64 / 1e6,
    );
    let (time, offers) = median(runs, || {
        let batch = read_parquet(&path, declared);
        rules
            .evaluate_batch(&batch, &options(2), &control)
            .expect("batch")
            .len()
    });
    let from_csv = rules
        .evaluate_batch(
            &read_customers_csv(&dir.join("customers.csv"), declared).expect("read the CSV"),
            &options(2),
            &control,
        )
        .expect("batch")
        .len();
    assert_eq!(
        offers, from_csv,
        "the Parquet and CSV files give other offers"
    );
    let parquet_end_to_end = line(
        "Parquet file end to end (read + decisions), 2 threads",
        time,
        evaluations,
        2,
    );
    if kept.is_none() {
        std::fs::remove_dir_all(&dir).ok();
    }

    // The peers, row by row on one core over the first `sample_rows` customers, each customer
    // prepared in the engine's own form outside the timing; answers asserted equal to ours.
    let (_, sample) = customers(sample_rows);
    let ours = rules
        .match_counts(&sample, &options(1), &control)
        .expect("match counts");
    let peer = |name: &str, (time, fired): (Duration, Vec<u64>)| {
        assert_eq!(ours, fired, "upsell and {name} disagree on the same rules");
        line(
            &format!("{name}, row by row, 1 thread"),
            time,
            RULES * sample_rows,
            1,
        )
    };
    let sample_table = &table[..sample_rows];
    let peers = [
        (
            "datalogic-rs 5.4 (JSONLogic)",
            datalogic(sample_table, runs),
        ),
        ("zen-expression 2.1 (GoRules ZEN)", zen(sample_table, runs)),
        ("cel 0.15 (CEL)", cel(sample_table, runs)),
    ]
    .map(|(name, result)| (name, peer(name, result)));
    println!(
        "same answers on {sample_rows} customers; upsell column evaluation (1 thread) / each, one \
         core each, and CSV and Parquet files end to end on 2 threads / each on 1:"
    );
    for (name, rate) in peers {
        println!(
            "  {name:<34} {:>6.1}x {:>6.1}x {:>6.1}x",
            column[0] / rate,
            csv_end_to_end / rate,
            parquet_end_to_end / rate
        );
    }
}

/// The customers as a Parquet file, typed as pyarrow writes a frame of them: strings, int64,
/// money as decimal128(12, 2), float64 and booleans, snappy-compressed.
fn write_parquet(table: &[Vec<Value>], path: &Path) {
    let columns: Vec<(String, ArrayRef)> = column_names()
        .into_iter()
        .enumerate()
        .map(|(c, name)| {
            let cells = table.iter().map(|row| &row[c]);
            let array: ArrayRef = match &table[0][c] {
                Value::Str(_) => Arc::new(StringArray::from_iter_values(cells.map(|v| match v {
                    Value::Str(s) => s.to_string(),
                    _ => unreachable!("a string column"),
                }))),
                Value::Int(_) => Arc::new(Int64Array::from_iter_values(cells.map(|v| match v {
                    Value::Int(i) => *i,
                    _ => unreachable!("an int column"),
                }))),
                Value::Decimal(_) => Arc::new(
                    Decimal128Array::from_iter_values(cells.map(|v| match v {
                        Value::Decimal(d) => i128::from(d.units() / 10_000),
                        _ => unreachable!("a decimal column"),
                    }))
                    .with_precision_and_scale(12, 2)
                    .expect("decimal type"),
                ),
                Value::Float(_) => {
                    Arc::new(Float64Array::from_iter_values(cells.map(|v| match v {
                        Value::Float(x) => *x,
                        _ => unreachable!("a float column"),
                    })))
                }
                _ => Arc::new(BooleanArray::from_iter(cells.map(|v| match v {
                    Value::Bool(b) => Some(*b),
                    _ => unreachable!("a bool column"),
                }))),
            };
            (name, array)
        })
        .collect();
    let batch = RecordBatch::try_from_iter(columns).expect("a record batch");
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let file = std::fs::File::create(path).expect("create the Parquet file");
    let mut writer =
        ArrowWriter::try_new(file, batch.schema(), Some(properties)).expect("a Parquet writer");
    writer.write(&batch).expect("write the Parquet file");
    writer.close().expect("close the Parquet file");
}

/// The customers of a Parquet file as the command line reads them.
fn read_parquet(path: &Path, declared: Option<&Schema>) -> Batch {
    let file = std::fs::File::open(path).expect("open the Parquet file");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .expect("a Parquet reader");
    upsell::arrow::customers_from_stream(reader, declared, Some(2)).expect("read the Parquet file")
}

/// How many of `rows` each rule fires for, counted by `fired(program, row)` for every program.
fn counts<P, R>(programs: &[P], rows: &[R], mut fired: impl FnMut(&P, &R) -> bool) -> Vec<u64> {
    let mut counts = vec![0u64; programs.len()];
    for row in rows {
        for (count, program) in counts.iter_mut().zip(programs) {
            if fired(program, row) {
                *count += 1;
            }
        }
    }
    counts
}

/// datalogic-rs (JSONLogic): each customer pre-parsed into its `ParsedData`.
fn datalogic(table: &[Vec<Value>], runs: usize) -> (Duration, Vec<u64>) {
    let engine = Engine::new();
    let programs: Vec<_> = jsonlogic_conditions()
        .iter()
        .map(|rule| {
            engine
                .compile(rule.as_str())
                .expect("datalogic compiles the rule")
        })
        .collect();
    let documents: Vec<ParsedData> = table
        .iter()
        .map(|row| ParsedData::from_json(&customer_json(row)).expect("customer JSON"))
        .collect();
    median(runs.min(3), || {
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
    })
}

/// zen-expression (GoRules ZEN): compiled expressions run on one reused VM, each customer a
/// prepared scope (an object of decimals, strings and booleans made from its JSON).
fn zen(table: &[Vec<Value>], runs: usize) -> (Duration, Vec<u64>) {
    let programs: Vec<_> = zen_conditions()
        .iter()
        .map(|rule| zen_expression::compile_expression(rule).expect("zen compiles the rule"))
        .collect();
    let scopes: Vec<Scope> = table
        .iter()
        .map(|row| {
            let json: serde_json::Value =
                serde_json::from_str(&customer_json(row)).expect("customer JSON");
            Scope::new(ZenVariable::from(json))
        })
        .collect();
    let mut vm = VM::new();
    median(runs.min(3), || {
        counts(&programs, &scopes, |program, scope| {
            program
                .evaluate_with_scope(scope, &mut vm)
                .expect("evaluates")
                == ZenVariable::Bool(true)
        })
    })
}

/// The `cel` crate (CEL, the language our rules are a subset of, so the rules are the same text):
/// each customer a prepared context of its 19 columns.
fn cel(table: &[Vec<Value>], runs: usize) -> (Duration, Vec<u64>) {
    let programs: Vec<cel::Program> = conditions()
        .iter()
        .map(|c| cel::Program::compile(c).expect("cel compiles the rule"))
        .collect();
    let contexts: Vec<cel::Context> = table
        .iter()
        .map(|row| {
            let mut context = cel::Context::default();
            for (column, value) in row.iter().enumerate().skip(1) {
                context.add_variable_from_value(format!("c{column:02}"), cel_value(value));
            }
            context
        })
        .collect();
    median(runs.min(3), || {
        counts(&programs, &contexts, |program, context| {
            program.execute(context) == Ok(cel::Value::Bool(true))
        })
    })
}
