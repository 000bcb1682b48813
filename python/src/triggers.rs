//! `upsell._upsell.RuleSet` and `History`: the trigger engine for Python.
//!
//! Translation only. A DataFrame crosses as an Arrow stream (`arrow.rs`) whose columns the core
//! reads, and the offers go back as one, so no Python object is made per cell. One customer
//! (`explain`, `evaluate_one`) crosses as a dict, converted here: `int`, `float`, `bool`, `str`,
//! `decimal.Decimal` (exact), `datetime` (naive is UTC), lists of `str`, nested dicts as dotted
//! names.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyCapsule, PyDict, PyFloat, PyInt, PyList, PyString};
use upsell::time::{now_or_parse, parse_timestamp};
use upsell::triggers::{
    BatchOptions, Context, Decimal, Decision, Format, History, Offer, Outcome, RuleSet, Value,
};
use upsell::{Error, Location};

use crate::errors::{PyUpsellResult, Threads};
use crate::{arrow, gil};

/// A loaded, checked rule set.
#[pyclass(name = "RuleSet", module = "upsell._upsell", frozen)]
pub(crate) struct PyRuleSet {
    inner: RuleSet,
}

/// Offer histories of many customers (shown / accepted / rejected events).
#[pyclass(name = "History", module = "upsell._upsell")]
#[derive(Default)]
pub(crate) struct PyHistory {
    inner: History,
}

#[pymethods]
impl PyRuleSet {
    /// Loads rules from text in `format` (`yaml`, `json` or `toml`).
    #[staticmethod]
    #[pyo3(signature = (text, format, path=None))]
    fn from_text(text: &str, format: &str, path: Option<&str>) -> PyUpsellResult<Self> {
        let format = format.parse::<Format>()?;
        let inner = RuleSet::load(text, format, path.map(std::path::Path::new))?;
        Ok(PyRuleSet { inner })
    }

    /// Loads a rule file (format from the extension).
    #[staticmethod]
    fn from_path(path: std::path::PathBuf) -> PyUpsellResult<Self> {
        Ok(PyRuleSet {
            inner: RuleSet::from_path(path)?,
        })
    }

    /// The rule names, in file order.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.inner.rules().into_iter().map(|r| r.name).collect()
    }

    /// The declared schema as `(name, type)` pairs, or None.
    #[getter]
    fn schema(&self) -> Option<Vec<(String, String)>> {
        self.inner.declared_schema().map(|s| {
            s.fields()
                .map(|(n, t)| (n.to_owned(), t.name().to_owned()))
                .collect()
        })
    }

    /// Every rule's condition for one customer: `[(rule, fired, trace)]`.
    #[pyo3(signature = (row, now=None))]
    fn explain(
        &self,
        row: &Bound<'_, PyDict>,
        now: Option<&str>,
    ) -> PyUpsellResult<Vec<(String, bool, String)>> {
        let now = now_or_parse(now)?;
        let context = context_of(row)?;
        let explained = self.inner.explain(&context, now)?;
        Ok(explained
            .into_iter()
            .map(|e| (e.rule, e.fired, e.trace))
            .collect())
    }

    /// The decision for one customer, as a dict.
    #[pyo3(signature = (row, now=None, history=None))]
    fn evaluate_one<'py>(
        &self,
        py: Python<'py>,
        row: &Bound<'py, PyDict>,
        now: Option<&str>,
        history: Option<PyRef<'py, PyHistory>>,
    ) -> PyUpsellResult<Bound<'py, PyDict>> {
        let now = now_or_parse(now)?;
        let context = context_of(row)?;
        let customer = history.as_ref().and_then(|h| h.inner.of(&context));
        let decision = self.inner.evaluate(&context, customer, now)?;
        Ok(decision_dict(py, &decision)?)
    }

    /// Each cross-sell sequence's status for one customer: a list of dicts (`sequence`, `day`,
    /// `step`, `offer`, `reason`).
    #[pyo3(signature = (row, now=None, history=None))]
    fn sequences<'py>(
        &self,
        py: Python<'py>,
        row: &Bound<'py, PyDict>,
        now: Option<&str>,
        history: Option<PyRef<'py, PyHistory>>,
    ) -> PyUpsellResult<Bound<'py, PyList>> {
        let now = now_or_parse(now)?;
        let context = context_of(row)?;
        let customer = history.as_ref().and_then(|h| h.inner.of(&context));
        let statuses = self.inner.sequences(&context, customer, now)?;
        let out = PyList::empty(py);
        for status in &statuses {
            let d = PyDict::new(py);
            d.set_item("sequence", &status.sequence)?;
            d.set_item("day", status.day)?;
            d.set_item("step", status.step)?;
            match &status.offer {
                Some(offer) => d.set_item("offer", offer_dict(py, offer)?)?,
                None => d.set_item("offer", py.None())?,
            }
            d.set_item("reason", &status.reason)?;
            out.append(d)?;
        }
        Ok(out)
    }

    /// Evaluates the customers of `data` (an object with `__arrow_c_stream__`) with the GIL
    /// released; returns the offers as a capsule holding an Arrow stream.
    #[pyo3(signature = (data, now=None, history=None, id_column=None, threads=None))]
    fn evaluate_arrow<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        now: Option<&str>,
        history: Option<PyRef<'py, PyHistory>>,
        id_column: Option<String>,
        threads: Option<Threads>,
    ) -> PyUpsellResult<Bound<'py, PyCapsule>> {
        let now = now_or_parse(now)?;
        let stream = arrow::stream(py, data)?;
        let history = history.as_ref().map(|h| &h.inner);
        let offers = gil::run(py, |control| {
            let mut options = BatchOptions::new(now);
            options.history = history;
            options.id_column = id_column;
            options.threads = threads.map(Threads::get);
            upsell::arrow::evaluate(&self.inner, stream, &options, control)
        })?;
        Ok(arrow::capsule(py, offers)?)
    }

    fn __repr__(&self) -> String {
        format!("RuleSet({} rules)", self.inner.rules().len())
    }

    /// Pickles as the rule text, its format and its path (`RuleSet::source`): unpickling loads
    /// the same rules again, so a rule set can be broadcast to Spark executors.
    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (String, &'static str, Option<String>))> {
        let inner = &slf.get().inner;
        let (text, format) = inner.source();
        let format = format.name();
        let path = inner.path().map(|p| p.display().to_string());
        Ok((slf.getattr("from_text")?, (text.to_owned(), format, path)))
    }
}

#[pymethods]
impl PyHistory {
    #[new]
    fn new() -> Self {
        PyHistory::default()
    }

    /// Reads a history from its JSON text.
    #[staticmethod]
    fn from_json(text: &str) -> PyUpsellResult<Self> {
        Ok(PyHistory {
            inner: History::from_json_str(text, "<history>")?,
        })
    }

    /// The history as JSON text (the caller stores it).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| PyTypeError::new_err(e.to_string()))
    }

    /// Records an outcome (`shown`, `accepted`, `rejected`) of `target` for `customer` at `at`
    /// (RFC 3339).
    fn record(
        &mut self,
        customer: &str,
        target: &str,
        outcome: &str,
        at: &str,
    ) -> PyUpsellResult<()> {
        let outcome: Outcome = outcome.parse()?;
        let at = now_or_parse(Some(at))?;
        self.inner.record(customer, target, outcome, at);
        Ok(())
    }

    /// The number of customers with events.
    fn __len__(&self) -> usize {
        self.inner.customers.len()
    }
}

fn offer_dict<'py>(py: Python<'py>, offer: &Offer) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("rule", &offer.rule)?;
    d.set_item("kind", offer.kind.as_str())?;
    d.set_item("target", &offer.target)?;
    d.set_item("channel", offer.channel.as_deref())?;
    d.set_item("message", offer.message.as_deref())?;
    d.set_item("priority", offer.priority)?;
    d.set_item("expected_value", offer.expected_value.to_string())?;
    d.set_item("reason", &offer.reason)?;
    Ok(d)
}

fn decision_dict<'py>(py: Python<'py>, decision: &Decision) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let offers = PyList::empty(py);
    for offer in &decision.offers {
        offers.append(offer_dict(py, offer)?)?;
    }
    let held = PyList::empty(py);
    for offer in &decision.held_out {
        held.append(offer_dict(py, offer)?)?;
    }
    d.set_item("offers", offers)?;
    d.set_item("held_out", held)?;
    d.set_item("suppressed_by", decision.suppressed_by.clone())?;
    d.set_item("skipped", decision.skipped.clone())?;
    Ok(d)
}

fn bad_value(name: &str, message: String) -> Error {
    Error::invalid_input(Location::memory().column_name(name), message)
}

/// One Python value as a rule value.
fn value_of(name: &str, value: &Bound<'_, PyAny>) -> PyUpsellResult<Value> {
    if value.is_none() {
        return Ok(Value::Null);
    }
    if value.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(value.extract()?));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(Value::Int(value.extract()?));
    }
    if value.is_instance_of::<PyFloat>() {
        return Ok(Value::number(value.extract()?));
    }
    if value.is_instance_of::<PyString>() {
        return Ok(Value::from(value.extract::<String>()?.as_str()));
    }
    if let Ok(items) = value.cast::<PyList>() {
        let mut list = Vec::with_capacity(items.len());
        for item in items.iter() {
            let text: String = item
                .extract()
                .map_err(|_| bad_value(name, format!("lists hold strings, found {}", item.get_type())))?;
            list.push(Value::from(text.as_str()));
        }
        return Ok(Value::List(list.into()));
    }
    let type_name = value.get_type().name()?.to_string();
    let text = value.str()?.to_string();
    match type_name.as_str() {
        "Decimal" => Ok(text.parse::<Decimal>().map(Value::Decimal).map_err(|m| bad_value(name, m))?),
        "datetime" | "Timestamp" | "date" => {
            let iso: String = value.call_method0("isoformat")?.extract()?;
            let time = parse_timestamp(&iso).ok_or_else(|| bad_value(name, format!("'{iso}' is not a time")))?;
            Ok(Value::Timestamp(time))
        }
        other => Err(bad_value(name, format!("cannot use a {other} ({text}) in rules")).into()),
    }
}

fn flatten(prefix: &str, row: &Bound<'_, PyDict>, context: &mut Context) -> PyUpsellResult<()> {
    for (key, value) in row.iter() {
        let key: String = key.str()?.extract()?;
        let name = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        if let Ok(inner) = value.cast::<PyDict>() {
            flatten(&name, inner, context)?;
            continue;
        }
        let converted = value_of(&name, &value)?;
        context.insert(name, converted);
    }
    Ok(())
}

fn context_of(row: &Bound<'_, PyDict>) -> PyUpsellResult<Context> {
    let mut context = Context::new();
    flatten("", row, &mut context)?;
    if let Some(id) = row.get_item("id")? {
        if !id.is_none() {
            context = context.with_id(id.str()?.to_string());
        }
    }
    Ok(context)
}
