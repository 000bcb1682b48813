//! Batch trigger evaluation through the C library's Arrow stream against the core's columnar
//! evaluator, on the same customers (1,000,000 by default, 20 columns) and the same 50 rules as
//! the `triggers` bench: prints each path's throughput (rule evaluations a second) and the ratio
//! C / Rust, whose target is at least 80%.
//!
//! The C side is what a host does: libupsell.so is loaded at run time (`dlopen`, as any FFI
//! loads it), the customers cross as an Arrow C stream (`RecordBatchReader` exported with
//! arrow-rs, as pyarrow's `_export_to_c` would), `upsell_ruleset_evaluate_arrow` converts the
//! columns and evaluates, and the offers stream it returns is read to its end. The Rust side is
//! `RuleSet::evaluate_batch` on the prebuilt `Batch` (the `triggers` bench's `upsell-columnar`).
//!
//! ```text
//! cargo build --profile ci -p upsell-capi
//! cargo bench --profile ci -p upsell-benches --bench capi_arrow
//! ```
//!
//! `UPSELL_CAPI_LIB` names the library (default `target/ci/libupsell_capi.so`, what a plain `cargo
//! build` names libupsell.so; `cargo cinstall` installs it under its C name), `UPSELL_BENCH_ROWS` the
//! number of customers, `UPSELL_BENCH_BATCH_ROWS` the rows of each Arrow batch (default: one
//! batch), `UPSELL_BENCH_RUNS` the timed rounds, each a run of the Rust path then one of the C path
//! (default 5; the medians are reported, and the median of the rounds' ratios).

use std::ffi::{CString, c_char, c_int, c_void};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{
    ArrayRef, BooleanArray, Decimal128Array, Float64Array, Int64Array, RecordBatch,
    RecordBatchIterator, StringArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use upsell::Control;
use upsell::time::parse_timestamp;
use upsell::triggers::{BatchOptions, RuleSet, Value};
use upsell_benches::triggers::{RULES, customers, kind, rule_file};

const NOW: &str = "2026-11-23T10:00:00Z";

type RulesetFromStr =
    unsafe extern "C" fn(*const c_char, c_int, *mut *mut c_void, *mut *mut c_void) -> c_int;
type EvaluateArrow = unsafe extern "C" fn(
    *const c_void,
    *mut FFI_ArrowArrayStream,
    *const c_char,
    *const c_char,
    *const c_char,
    u32,
    *mut FFI_ArrowArrayStream,
    *mut *mut c_void,
) -> c_int;
type Free = unsafe extern "C" fn(*mut c_void);
type Shutdown = unsafe extern "C" fn() -> usize;

/// The entry points of libupsell.so this bench calls.
struct Library {
    ruleset_from_str: RulesetFromStr,
    evaluate_arrow: EvaluateArrow,
    ruleset_free: Free,
    shutdown: Shutdown,
}

impl Library {
    fn open(path: &Path) -> Library {
        let name = CString::new(path.to_string_lossy().as_bytes()).expect("a path without NUL");
        // SAFETY: a NUL-terminated path; the handle is kept for the life of the process.
        let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        assert!(
            !handle.is_null(),
            "cannot load {}: build it with `cargo build --profile ci -p upsell-capi` or set \
             UPSELL_CAPI_LIB",
            path.display()
        );
        let symbol = |name: &str| {
            let name = CString::new(name).expect("a symbol name");
            // SAFETY: `handle` is a loaded library and `name` NUL-terminated.
            let found = unsafe { libc::dlsym(handle, name.as_ptr()) };
            assert!(!found.is_null(), "libupsell has no {name:?}");
            found
        };
        // SAFETY: each symbol is the function of that name in upsell.h, whose C signature the
        // type spells.
        unsafe {
            Library {
                ruleset_from_str: std::mem::transmute::<*mut c_void, RulesetFromStr>(symbol(
                    "upsell_ruleset_from_str",
                )),
                evaluate_arrow: std::mem::transmute::<*mut c_void, EvaluateArrow>(symbol(
                    "upsell_ruleset_evaluate_arrow",
                )),
                ruleset_free: std::mem::transmute::<*mut c_void, Free>(symbol(
                    "upsell_ruleset_free",
                )),
                shutdown: std::mem::transmute::<*mut c_void, Shutdown>(symbol("upsell_shutdown")),
            }
        }
    }
}

/// The customers as Arrow batches of `batch_rows` rows: ids and labels as strings, ints as int64,
/// money as decimal128(38, 6), ratios as float64, flags as booleans.
fn to_arrow(table: &[Vec<Value>], batch_rows: usize) -> (SchemaRef, Vec<RecordBatch>) {
    let name = |column: usize| {
        if column == 0 {
            "id".to_owned()
        } else {
            format!("c{column:02}")
        }
    };
    let fields: Vec<Field> = (0..20)
        .map(|column| {
            let ty = match if column == 0 { "string" } else { kind(column) } {
                "int" => DataType::Int64,
                "decimal" => DataType::Decimal128(38, 6),
                "float" => DataType::Float64,
                "bool" => DataType::Boolean,
                _ => DataType::Utf8,
            };
            Field::new(name(column), ty, false)
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batches = table
        .chunks(batch_rows.max(1))
        .map(|rows| {
            let columns: Vec<ArrayRef> = (0..20)
                .map(|column| -> ArrayRef {
                    let cells = rows.iter().map(|row| &row[column]);
                    match schema.field(column).data_type() {
                        DataType::Int64 => {
                            Arc::new(Int64Array::from_iter_values(cells.map(|v| match v {
                                Value::Int(i) => *i,
                                _ => unreachable!("an int column"),
                            })))
                        }
                        DataType::Decimal128(..) => Arc::new(
                            Decimal128Array::from_iter_values(cells.map(|v| match v {
                                Value::Decimal(d) => i128::from(d.units()),
                                _ => unreachable!("a decimal column"),
                            }))
                            .with_precision_and_scale(38, 6)
                            .expect("decimal128(38, 6)"),
                        ),
                        DataType::Float64 => {
                            Arc::new(Float64Array::from_iter_values(cells.map(|v| match v {
                                Value::Float(x) => *x,
                                _ => unreachable!("a float column"),
                            })))
                        }
                        DataType::Boolean => {
                            Arc::new(BooleanArray::from_iter(cells.map(|v| match v {
                                Value::Bool(b) => Some(*b),
                                _ => unreachable!("a bool column"),
                            })))
                        }
                        _ => Arc::new(StringArray::from_iter_values(cells.map(|v| match v {
                            Value::Str(s) => s.to_string(),
                            _ => unreachable!("a string column"),
                        }))),
                    }
                })
                .collect();
            RecordBatch::try_new(schema.clone(), columns).expect("a record batch")
        })
        .collect();
    (schema, batches)
}

/// The offers of `upsell_ruleset_evaluate_arrow` over `batches`, read to the end.
fn evaluate_c(
    lib: &Library,
    ruleset: *const c_void,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    threads: u32,
) -> usize {
    // The stream owns its batches (a reader handed over C is 'static): clones of the buffers' Arcs.
    let owned: Vec<RecordBatch> = batches.to_vec();
    let reader = RecordBatchIterator::new(owned.into_iter().map(Ok), schema.clone());
    let mut input = FFI_ArrowArrayStream::new(Box::new(reader));
    let mut out = FFI_ArrowArrayStream::empty();
    let now = CString::new(NOW).expect("a time");
    // SAFETY: a live rule set, an exported stream, NUL-terminated strings and writable storage
    // for the result, as upsell.h asks.
    let status = unsafe {
        (lib.evaluate_arrow)(
            ruleset,
            &mut input,
            now.as_ptr(),
            std::ptr::null(),
            std::ptr::null(),
            threads,
            &mut out,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(status, 0, "upsell_ruleset_evaluate_arrow failed");
    ArrowArrayStreamReader::try_new(out)
        .expect("the offers stream")
        .map(|batch| batch.expect("an offers batch").num_rows())
        .sum()
}

/// Times `runs` rounds of `rust` then `c` (after one untimed call of each), so that the machine's
/// speed, which drifts over seconds, weighs on both paths alike. Returns each path's median time,
/// the median over rounds of the ratio C/Rust (throughput, so Rust's time over C's), and the
/// number of offers of each path.
fn rounds(
    runs: usize,
    mut rust: impl FnMut() -> usize,
    mut c: impl FnMut() -> usize,
) -> (Duration, Duration, f64, (usize, usize)) {
    let offers = (black_box(rust()), black_box(c()));
    let time = |run: &mut dyn FnMut() -> usize| {
        let started = Instant::now();
        black_box(run());
        started.elapsed()
    };
    let mut times: Vec<(Duration, Duration)> = (0..runs.max(1))
        .map(|_| (time(&mut rust), time(&mut c)))
        .collect();
    let mut ratios: Vec<f64> = times
        .iter()
        .map(|(rust, c)| rust.as_secs_f64() / c.as_secs_f64())
        .collect();
    ratios.sort_unstable_by(f64::total_cmp);
    let middle = times.len() / 2;
    times.sort_unstable_by_key(|(rust, _)| *rust);
    let rust_median = times[middle].0;
    times.sort_unstable_by_key(|(_, c)| *c);
    (rust_median, times[middle].1, ratios[middle], offers)
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rows = env_number("UPSELL_BENCH_ROWS", 1_000_000);
    let batch_rows = env_number("UPSELL_BENCH_BATCH_ROWS", rows);
    let runs = env_number("UPSELL_BENCH_RUNS", 5);
    let path = std::env::var_os("UPSELL_CAPI_LIB").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/ci/libupsell_capi.so"),
        PathBuf::from,
    );
    let lib = Library::open(&path);
    let (table, batch) = customers(rows);
    let (schema, batches) = to_arrow(&table, batch_rows);
    drop(table);
    let yaml = rule_file();
    let rules = RuleSet::from_yaml_str(&yaml).expect("bench rules");
    let text = CString::new(yaml).expect("rules without NUL");
    let mut ruleset: *mut c_void = std::ptr::null_mut();
    // SAFETY: NUL-terminated YAML (format 0) and writable storage for the handle.
    let status =
        unsafe { (lib.ruleset_from_str)(text.as_ptr(), 0, &mut ruleset, std::ptr::null_mut()) };
    assert_eq!(status, 0, "upsell_ruleset_from_str failed");
    let now = parse_timestamp(NOW).expect("time");
    let evaluations = (RULES * rows) as f64;
    println!(
        "triggers through the C library's Arrow stream: {RULES} rules x {rows} customers, Arrow \
         batches of {} rows, medians of {runs} rounds (Rust then C in each; the ratio is the \
         median of the rounds' ratios), {}",
        batch_rows.min(rows),
        path.display()
    );
    for threads in [1u32, 2] {
        let mut options = BatchOptions::new(now);
        options.threads = Some(threads as usize);
        let (rust, c, ratio, (rust_offers, c_offers)) = rounds(
            runs,
            || {
                rules
                    .evaluate_batch(&batch, &options, &Control::new())
                    .expect("batch")
                    .len()
            },
            || evaluate_c(&lib, ruleset, &schema, &batches, threads),
        );
        assert_eq!(rust_offers, c_offers, "both paths make the same offers");
        let rate = |time: Duration| evaluations / time.as_secs_f64() / 1e6;
        println!(
            "threads={threads}: rust evaluate_batch {rust:.2?} ({:.1} M rule evaluations/s), \
             C Arrow stream {c:.2?} ({:.1} M/s), ratio C/Rust {:.0}% (target >= 80%), {c_offers} \
             offers",
            rate(rust),
            rate(c),
            100.0 * ratio
        );
    }
    // SAFETY: the handle came from upsell_ruleset_from_str and is freed once; no call follows.
    unsafe {
        (lib.ruleset_free)(ruleset);
        (lib.shutdown)();
    }
}
