//! `upsell._upsell.sequences_from_path` and `sequences_from_arrays`: time-window affinity as flat
//! numpy arrays, one entry per rule.
//!
//! Mirrors `upsell::sequence`. Inputs are copied out of numpy (or Python lists of time texts)
//! while the GIL is held; parsing, counting and filtering run in the core with the GIL released.
//! `upsell/sequence.py` assembles the DataFrame.

use std::path::PathBuf;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use upsell::data::ItemDictionary;
use upsell::sequence::{
    DEFAULT_MAX_PAIRS, PurchaseColumns, Purchases, SequenceOptions, SequenceRules, parse_times, sequential_affinity,
};

use crate::errors::Threads;
use crate::{errors, gil};

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
) -> PyResult<Bound<'py, PyDict>> {
    let threads = threads.map(Threads::get);
    let options = options(windows, min_customers, min_support, min_confidence, top, threads, max_pairs);
    let delimiter = errors::map(py, crate::data::delimiter_byte(delimiter))?;
    let columns = PurchaseColumns { delimiter, ..PurchaseColumns::new(customer, time, item) };
    let rules = gil::run(py, move |control| {
        options.validate()?;
        let purchases = Purchases::read(&path, &columns)?;
        sequential_affinity(&purchases, &options, control)
    })?;
    arrays(py, &rules)
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
) -> PyResult<Bound<'py, PyDict>> {
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
            _ => return Err(upsell::Error::invalid_parameter("times", "give exactly one of seconds= and times=")),
        };
        let labels = ItemDictionary::from_labels(&labels)?;
        let purchases = Purchases::from_arrays(&customers, &items, &seconds, Some(labels))?;
        sequential_affinity(&purchases, &options, control)
    })?;
    arrays(py, &rules)
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
