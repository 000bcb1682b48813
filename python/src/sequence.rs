//! `upsell._upsell.sequences_from_path` and `sequences_from_arrays`: time-window affinity as flat
//! numpy arrays, one entry per rule; `sequence_counts_from_arrays` and `sequence_rules_from_counts`:
//! the same job in two halves, with the exact counts of disjoint customers added up in between
//! (what `upsell.spark.sequential_affinity` runs on the executors and on the driver).
//!
//! Mirrors `upsell::sequence`. Inputs are copied out of numpy (or Python lists of time texts)
//! while the GIL is held; parsing, counting and filtering run in the core with the GIL released.
//! `upsell/sequence.py` assembles the DataFrame.

use std::path::PathBuf;

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use upsell::data::ItemDictionary;
use upsell::data::ItemId;
use upsell::sequence::{
    DEFAULT_MAX_PAIRS, PurchaseColumns, Purchases, SequenceCounts, SequenceOptions, SequenceRules, parse_times,
    sequential_affinity,
};

use crate::errors::{PyUpsellResult, Threads};
use crate::gil;

/// Builds the core's options from the keyword arguments shared by both entry points.
#[allow(clippy::too_many_arguments)]
fn options(
    windows: Vec<i64>,
    min_customers: u64,
    min_support: f64,
    min_confidence: f64,
    top: Option<usize>,
    threads: Option<usize>,
    max_pairs: u64,
) -> SequenceOptions {
    SequenceOptions { windows, min_customers, min_support, min_confidence, top, threads, max_pairs }
}

/// Time-window affinity of a long CSV file (plain or gzip).
#[pyfunction]
#[pyo3(signature = (path, *, customer, time, item, delimiter=",", windows=vec![7, 30, 60, 90], min_customers=1, min_support=0.0, min_confidence=0.0, top=None, threads=None, max_pairs=DEFAULT_MAX_PAIRS))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn sequences_from_path<'py>(
    py: Python<'py>,
    path: PathBuf,
    customer: String,
    time: String,
    item: String,
    delimiter: &str,
    windows: Vec<i64>,
    min_customers: u64,
    min_support: f64,
    min_confidence: f64,
    top: Option<usize>,
    threads: Option<Threads>,
    max_pairs: u64,
) -> PyUpsellResult<Bound<'py, PyDict>> {
    let threads = threads.map(Threads::get);
    let options = options(windows, min_customers, min_support, min_confidence, top, threads, max_pairs);
    let delimiter = upsell::data::parse_delimiter(delimiter)?;
    let columns = PurchaseColumns { delimiter, ..PurchaseColumns::new(customer, time, item) };
    let rules = gil::run(py, move |control| {
        options.validate()?;
        let purchases = Purchases::read(&path, &columns)?;
        sequential_affinity(&purchases, &options, control)
    })?;
    Ok(arrays(py, &rules)?)
}

/// Time-window affinity of in-memory rows: customer codes (int64, negative: no customer), item
/// codes (uint32) naming `labels`, and times as Unix seconds (`seconds`) or texts (`times`, parsed
/// by the core; `None` is a missing time). `time_column` names the time column in errors.
#[pyfunction]
#[pyo3(signature = (customers, items, labels, *, seconds=None, times=None, time_column="time".to_owned(), windows=vec![7, 30, 60, 90], min_customers=1, min_support=0.0, min_confidence=0.0, top=None, threads=None, max_pairs=DEFAULT_MAX_PAIRS))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn sequences_from_arrays<'py>(
    py: Python<'py>,
    customers: PyReadonlyArray1<'py, i64>,
    items: PyReadonlyArray1<'py, u32>,
    labels: Vec<String>,
    seconds: Option<PyReadonlyArray1<'py, i64>>,
    times: Option<Vec<Option<String>>>,
    time_column: String,
    windows: Vec<i64>,
    min_customers: u64,
    min_support: f64,
    min_confidence: f64,
    top: Option<usize>,
    threads: Option<Threads>,
    max_pairs: u64,
) -> PyUpsellResult<Bound<'py, PyDict>> {
    let threads = threads.map(Threads::get);
    let options = options(windows, min_customers, min_support, min_confidence, top, threads, max_pairs);
    let customers = customers.as_array().to_vec();
    let items = items.as_array().to_vec();
    let seconds = seconds.map(|s| s.as_array().to_vec());
    let rules = gil::run(py, move |control| {
        options.validate()?;
        let seconds = match (seconds, times) {
            (Some(seconds), None) => seconds,
            (None, Some(times)) => parse_times(&times, &time_column)?,
            _ => {
                return Err(upsell::Error::invalid_parameter("times", "give exactly one of seconds= and times="));
            }
        };
        let labels = ItemDictionary::from_labels(&labels)?;
        let purchases = Purchases::from_arrays(&customers, &items, &seconds, Some(labels))?;
        sequential_affinity(&purchases, &options, control)
    })?;
    Ok(arrays(py, &rules)?)
}

/// The exact counts of in-memory rows (arguments as for `sequences_from_arrays`; `labels=None` names
/// items by their codes), as a dict: `window_days`, `customers`, `rows`, `excluded_rows`, and the
/// numpy arrays `item_customers`, `baseline` (one row per item, one column per window),
/// `antecedent`, `consequent` and `pair_counts` (one row per pair). No customer gives zero counts.
#[pyfunction]
#[pyo3(signature = (customers, items, labels=None, *, seconds=None, times=None, time_column="time".to_owned(), windows=vec![7, 30, 60, 90], threads=None, max_pairs=DEFAULT_MAX_PAIRS))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn sequence_counts_from_arrays<'py>(
    py: Python<'py>,
    customers: PyReadonlyArray1<'py, i64>,
    items: PyReadonlyArray1<'py, u32>,
    labels: Option<Vec<String>>,
    seconds: Option<PyReadonlyArray1<'py, i64>>,
    times: Option<Vec<Option<String>>>,
    time_column: String,
    windows: Vec<i64>,
    threads: Option<Threads>,
    max_pairs: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let options =
        SequenceOptions { windows, threads: threads.map(Threads::get), max_pairs, ..SequenceOptions::default() };
    let customers = customers.as_array().to_vec();
    let items = items.as_array().to_vec();
    let seconds = seconds.map(|s| s.as_array().to_vec());
    let counts = gil::run(py, move |control| {
        options.validate()?;
        let seconds = match (seconds, times) {
            (Some(seconds), None) => seconds,
            (None, Some(times)) => parse_times(&times, &time_column)?,
            _ => {
                return Err(upsell::Error::invalid_parameter("times", "give exactly one of seconds= and times="));
            }
        };
        let labels = labels.map(|labels| ItemDictionary::from_labels(&labels)).transpose()?;
        let purchases = Purchases::from_arrays(&customers, &items, &seconds, labels)?;
        SequenceCounts::count(&purchases, &options, control)
    })?;
    let windows = counts.window_days.len();
    let wide = |values: &[u64]| PyArray1::from_iter(py, values.iter().map(|&v| i64::try_from(v).unwrap_or(i64::MAX)));
    let out = PyDict::new(py);
    out.set_item("window_days", counts.window_days.clone())?;
    out.set_item("customers", counts.customers)?;
    out.set_item("rows", counts.rows)?;
    out.set_item("excluded_rows", counts.excluded_rows)?;
    out.set_item("item_customers", wide(&counts.item_customers))?;
    out.set_item("baseline", wide(&counts.baseline).reshape([counts.item_customers.len(), windows])?)?;
    out.set_item("antecedent", PyArray1::from_iter(py, counts.pairs.iter().map(|p| p.0)))?;
    out.set_item("consequent", PyArray1::from_iter(py, counts.pairs.iter().map(|p| p.1)))?;
    out.set_item("pair_counts", wide(&counts.pair_counts).reshape([counts.pairs.len(), windows])?)?;
    Ok(out)
}

/// The rules of exact counts (the fields of `sequence_counts_from_arrays`' dict, added up over
/// disjoint customers; pairs in any order), as `sequences_from_arrays` gives them.
#[pyfunction]
#[pyo3(signature = (labels, *, customers, rows, excluded_rows, item_customers, baseline, antecedent, consequent, pair_counts, windows=vec![7, 30, 60, 90], min_customers=1, min_support=0.0, min_confidence=0.0, top=None, threads=None, max_pairs=DEFAULT_MAX_PAIRS))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn sequence_rules_from_counts<'py>(
    py: Python<'py>,
    labels: Vec<String>,
    customers: u64,
    rows: u64,
    excluded_rows: u64,
    item_customers: PyReadonlyArray1<'py, u64>,
    baseline: PyReadonlyArray1<'py, u64>,
    antecedent: PyReadonlyArray1<'py, u32>,
    consequent: PyReadonlyArray1<'py, u32>,
    pair_counts: PyReadonlyArray1<'py, u64>,
    windows: Vec<i64>,
    min_customers: u64,
    min_support: f64,
    min_confidence: f64,
    top: Option<usize>,
    threads: Option<Threads>,
    max_pairs: u64,
) -> PyUpsellResult<Bound<'py, PyDict>> {
    let threads = threads.map(Threads::get);
    let options = options(windows, min_customers, min_support, min_confidence, top, threads, max_pairs);
    let item_customers = item_customers.as_array().to_vec();
    let baseline = baseline.as_array().to_vec();
    let pairs: Vec<(ItemId, ItemId)> =
        antecedent.as_array().iter().copied().zip(consequent.as_array().iter().copied()).collect();
    let pair_counts = pair_counts.as_array().to_vec();
    let rules = gil::run(py, move |control| {
        options.validate()?;
        let mut window_days = options.windows.clone();
        window_days.sort_unstable();
        let width = window_days.len();
        if pairs.len() * width != pair_counts.len() {
            return Err(upsell::Error::invalid_parameter(
                "pair_counts",
                format!("{} counts for {} pairs and {width} windows", pair_counts.len(), pairs.len()),
            ));
        }
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        order.sort_unstable_by_key(|&index| pairs[index]);
        let counts = SequenceCounts {
            window_days,
            customers,
            rows,
            excluded_rows,
            item_customers,
            baseline,
            pairs: order.iter().map(|&index| pairs[index]).collect(),
            pair_counts: order
                .iter()
                .flat_map(|&index| pair_counts[index * width..(index + 1) * width].iter().copied())
                .collect(),
        };
        let labels = ItemDictionary::from_labels(&labels)?;
        counts.rules(&labels, &options, control)
    })?;
    Ok(arrays(py, &rules)?)
}

/// The rules as a dict of equal-length numpy arrays (plus `description`, a list of str), and the
/// run's counts and item labels.
fn arrays<'py>(py: Python<'py>, rules: &SequenceRules) -> PyResult<Bound<'py, PyDict>> {
    let list = rules.rules();
    let wide = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let out = PyDict::new(py);
    out.set_item("antecedent", PyArray1::from_iter(py, list.iter().map(|r| r.antecedent)))?;
    out.set_item("consequent", PyArray1::from_iter(py, list.iter().map(|r| r.consequent)))?;
    out.set_item("window_days", PyArray1::from_iter(py, list.iter().map(|r| r.window_days)))?;
    out.set_item("antecedent_customers", PyArray1::from_iter(py, list.iter().map(|r| wide(r.antecedent_customers))))?;
    out.set_item("customers", PyArray1::from_iter(py, list.iter().map(|r| wide(r.customers))))?;
    out.set_item("baseline_customers", PyArray1::from_iter(py, list.iter().map(|r| wide(r.baseline_customers))))?;
    out.set_item("support", PyArray1::from_iter(py, list.iter().map(|r| r.support)))?;
    out.set_item("confidence", PyArray1::from_iter(py, list.iter().map(|r| r.confidence)))?;
    out.set_item("base_rate", PyArray1::from_iter(py, list.iter().map(|r| r.base_rate)))?;
    out.set_item("lift", PyArray1::from_iter(py, list.iter().map(|r| r.lift.unwrap_or(f64::NAN))))?;
    out.set_item("description", list.iter().map(|r| rules.describe(r)).collect::<Vec<_>>())?;
    out.set_item("labels", rules.labels().labels().collect::<Vec<_>>())?;
    out.set_item("total_customers", rules.customers())?;
    out.set_item("rows", rules.rows())?;
    out.set_item("excluded_rows", rules.excluded_rows())?;
    Ok(out)
}
