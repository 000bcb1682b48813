//! `upsell._upsell.Recommender`, `EaseRecommender`, `evaluate` and `affinity`: translation of
//! `upsell::recommend` and `upsell::rules::affinity`.
//!
//! Labels cross as `str`: a model is self-contained, so its labels are strings (the Python layer
//! turns other labels into strings before they reach here). One cart is answered on the calling
//! thread, holding the GIL (microseconds: less than releasing it costs); batches, fitting and
//! evaluation release it.

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use upsell::data::ItemDictionary;
use upsell::recommend::{
    Ease, EaseOptions, EaseRecommendation, EvaluationOptions, FitOptions, RecommendOptions, Recommendation, Recommender,
    RuleCounts, RuleTable, Split, cart_ids, evaluate as evaluate_core,
};
use upsell::rules::{Affinity, Pair, affinity as affinity_core};
use upsell::sequence::parse_times;
use upsell::time::{Timestamp, basket_times as basket_times_core, from_unix_seconds, parse_timestamp_parameter};
use upsell::{Error, Location};

use crate::errors::{PyUpsellResult, Threads};
use crate::data::PyBaskets;
use crate::mining::threshold;
use crate::gil;

/// A recommendation model (see `upsell.Recommender` for the Python-facing class).
#[pyclass(frozen, name = "Recommender", module = "upsell._upsell")]
pub(crate) struct PyRecommender {
    inner: Recommender,
}

/// One answer: labels, scores, rule indices (-1 for a popularity fill).
type Answer = (Vec<String>, Vec<f64>, Vec<i64>);

fn options(by: &str, smoothing: f64, backfill: bool) -> upsell::Result<RecommendOptions> {
    let options = RecommendOptions { by: by.parse()?, smoothing, backfill, ..RecommendOptions::default() };
    options.validate()?;
    Ok(options)
}

/// A count column of a rules frame: basket counts (int64) or supports (float64).
#[derive(FromPyObject)]
enum CountColumn<'py> {
    Counts(PyReadonlyArray1<'py, i64>),
    Supports(PyReadonlyArray1<'py, f64>),
}

impl From<CountColumn<'_>> for RuleCounts {
    fn from(column: CountColumn<'_>) -> Self {
        match column {
            CountColumn::Counts(counts) => RuleCounts::Counts(counts.as_array().to_vec()),
            CountColumn::Supports(supports) => RuleCounts::Supports(supports.as_array().to_vec()),
        }
    }
}

impl PyRecommender {
    fn answer(&self, found: &[Recommendation]) -> Answer {
        let labels = found.iter().map(|r| self.inner.label(r.item).unwrap_or_default().to_owned()).collect();
        let scores = found.iter().map(|r| r.score).collect();
        let rules = found.iter().map(|r| r.rule.map_or(-1, i64::from)).collect();
        (labels, scores, rules)
    }
}

#[pymethods]
impl PyRecommender {
    /// Mines `baskets` and builds a model from its single-consequent rules.
    #[staticmethod]
    #[pyo3(signature = (baskets, labels, min_support, *, min_confidence=0.01, max_antecedent_len=3, threads=None))]
    fn fit(
        py: Python<'_>,
        baskets: &Bound<'_, PyBaskets>,
        labels: Vec<String>,
        min_support: &Bound<'_, PyAny>,
        min_confidence: f64,
        max_antecedent_len: usize,
        threads: Option<Threads>,
    ) -> PyUpsellResult<Self> {
        let threads = threads.map(Threads::get);
        let support = threshold(min_support)?;
        let items = ItemDictionary::from_labels(labels)?;
        let baskets = &baskets.get().inner;
        let options = FitOptions { min_confidence, max_antecedent_len, threads, ..FitOptions::new(support) };
        let inner = gil::run(py, |control| Recommender::fit(baskets, &items, &options, control))?;
        Ok(PyRecommender { inner })
    }

    /// A model of a rules table's columns (`upsell::recommend::RuleTable`): antecedent and
    /// consequent labels, and the three counts of each rule as int64 counts or float64 supports.
    #[staticmethod]
    fn from_rules(
        antecedents: Vec<Vec<String>>,
        consequents: Vec<Vec<String>>,
        counts: CountColumn<'_>,
        antecedent_counts: CountColumn<'_>,
        consequent_counts: CountColumn<'_>,
        baskets: u64,
    ) -> PyUpsellResult<Self> {
        let table = RuleTable {
            antecedents,
            consequents,
            counts: counts.into(),
            antecedent_counts: antecedent_counts.into(),
            consequent_counts: consequent_counts.into(),
            baskets,
        };
        Ok(PyRecommender { inner: Recommender::from_rule_table(&table)? })
    }

    /// Loads a model file (JSON or binary).
    #[staticmethod]
    fn load(path: std::path::PathBuf) -> PyUpsellResult<Self> {
        Ok(PyRecommender { inner: Recommender::load(path)? })
    }

    /// A model from JSON text.
    #[staticmethod]
    fn from_json(text: &str) -> PyUpsellResult<Self> {
        Ok(PyRecommender { inner: Recommender::from_json(text)? })
    }

    /// A model from the compact binary encoding.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyUpsellResult<Self> {
        Ok(PyRecommender { inner: Recommender::from_bytes(data)? })
    }

    /// Saves the model (JSON when the name ends in .json, else binary).
    fn save(&self, path: std::path::PathBuf) -> PyUpsellResult<()> {
        Ok(self.inner.save(path)?)
    }

    /// The model as JSON text.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The model in the compact binary encoding.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// The number of rules.
    #[getter]
    fn rule_count(&self) -> usize {
        self.inner.rule_count()
    }

    /// The item labels by id.
    #[getter]
    fn labels(&self) -> Vec<String> {
        (0..self.inner.item_count() as u32).filter_map(|i| self.inner.label(i).map(str::to_owned)).collect()
    }

    /// Up to `k` items for one cart: (labels, scores, rule indices), and the unknown cart labels.
    #[pyo3(signature = (cart, k=5, *, by="confidence", smoothing=5.0, backfill=true))]
    fn recommend(&self, cart: Vec<String>, k: usize, by: &str, smoothing: f64, backfill: bool) -> PyUpsellResult<(Answer, Vec<String>)> {
        let options = options(by, smoothing, backfill)?;
        let answer = self.inner.recommend_labels(&cart, k, &options);
        Ok((self.answer(&answer.items), answer.unknown))
    }

    /// Answers for many carts in parallel, in cart order, and the number of unknown labels.
    #[pyo3(signature = (carts, k=5, *, by="confidence", smoothing=5.0, backfill=true, threads=None))]
    #[allow(clippy::too_many_arguments)]
    fn recommend_batch(
        &self,
        py: Python<'_>,
        carts: Vec<Vec<String>>,
        k: usize,
        by: &str,
        smoothing: f64,
        backfill: bool,
        threads: Option<Threads>,
    ) -> PyUpsellResult<(Vec<Answer>, usize)> {
        let threads = threads.map(Threads::get);
        let options = options(by, smoothing, backfill)?;
        let (ids, unknown) = cart_ids(&carts, |label| self.inner.item(label));
        let found = gil::run(py, |_| Ok(self.inner.recommend_batch(&ids, k, &options, threads)))?;
        Ok((found.iter().map(|f| self.answer(f)).collect(), unknown))
    }

    /// Rule `index`: (antecedent labels, consequent label, count, antecedent count, consequent
    /// count, support, confidence, lift).
    #[allow(clippy::type_complexity)]
    fn rule(&self, index: u32) -> Option<(Vec<String>, String, u64, u64, u64, f64, f64, f64)> {
        let rule = self.inner.rule(index)?;
        let label = |i: u32| self.inner.label(i).unwrap_or_default().to_owned();
        Some((
            rule.antecedent.iter().map(|&i| label(i)).collect(),
            label(rule.consequent),
            rule.count,
            rule.antecedent_count,
            rule.consequent_count,
            rule.support(),
            rule.confidence(),
            rule.lift(),
        ))
    }
}

/// EASE options from what was given, the core's defaults for the rest.
fn ease_options(lambda: Option<f64>, min_count: Option<u64>, max_items: Option<usize>, threads: Option<usize>) -> EaseOptions {
    let default = EaseOptions::default();
    EaseOptions {
        lambda: lambda.unwrap_or(default.lambda),
        min_count: min_count.unwrap_or(default.min_count),
        max_items: max_items.unwrap_or(default.max_items),
        threads,
    }
}

/// An EASE model (see `upsell.EaseRecommender` for the Python-facing class).
#[pyclass(frozen, name = "EaseRecommender", module = "upsell._upsell")]
pub(crate) struct PyEase {
    inner: Ease,
}

/// One EASE answer: labels, scores, the strongest cart item of each (None for a popularity fill)
/// and its weight.
type EaseAnswer = (Vec<String>, Vec<f64>, Vec<Option<String>>, Vec<Option<f32>>);

#[pymethods]
impl PyEase {
    /// Fits the weights to `baskets`.
    #[staticmethod]
    #[pyo3(signature = (baskets, labels, *, lambda_=None, min_count=None, max_items=None, threads=None))]
    fn fit(
        py: Python<'_>,
        baskets: &Bound<'_, PyBaskets>,
        labels: Vec<String>,
        lambda_: Option<f64>,
        min_count: Option<u64>,
        max_items: Option<usize>,
        threads: Option<Threads>,
    ) -> PyUpsellResult<Self> {
        let threads = threads.map(Threads::get);
        let items = ItemDictionary::from_labels(labels)?;
        let options = ease_options(lambda_, min_count, max_items, threads);
        let baskets = &baskets.get().inner;
        let inner = gil::run(py, |control| Ease::fit(baskets, &items, &options, control))?;
        Ok(PyEase { inner })
    }

    /// Loads a model file (JSON or binary).
    #[staticmethod]
    fn load(path: std::path::PathBuf) -> PyUpsellResult<Self> {
        Ok(PyEase { inner: Ease::load(path)? })
    }

    /// A model from JSON text.
    #[staticmethod]
    fn from_json(text: &str) -> PyUpsellResult<Self> {
        Ok(PyEase { inner: Ease::from_json(text)? })
    }

    /// A model from the compact binary encoding.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyUpsellResult<Self> {
        Ok(PyEase { inner: Ease::from_bytes(data)? })
    }

    /// Saves the model (JSON when the name ends in .json, else binary).
    fn save(&self, path: std::path::PathBuf) -> PyUpsellResult<()> {
        Ok(self.inner.save(path)?)
    }

    /// The model as JSON text.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The model in the compact binary encoding.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// The penalty the model was fitted with.
    #[getter]
    fn lambda_(&self) -> f64 {
        self.inner.lambda()
    }

    /// The item labels by id.
    #[getter]
    fn labels(&self) -> Vec<String> {
        (0..self.inner.item_count() as u32).filter_map(|i| self.inner.label(i).map(str::to_owned)).collect()
    }

    /// The candidates' labels, in the order of the weight matrix's rows and columns.
    #[getter]
    fn candidates(&self) -> Vec<String> {
        self.inner.candidates().iter().map(|&i| self.inner.label(i).unwrap_or_default().to_owned()).collect()
    }

    /// The weight matrix (candidates x candidates, row = cart item), a copy.
    fn weights<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let n = self.inner.candidate_count();
        PyArray1::from_slice(py, self.inner.weights()).reshape([n, n])
    }

    /// Up to `k` items for each cart, in parallel with the GIL released, and the number of cart
    /// labels the model does not know.
    #[pyo3(signature = (carts, k=5, threads=None))]
    fn recommend_batch(&self, py: Python<'_>, carts: Vec<Vec<String>>, k: usize, threads: Option<usize>) -> PyUpsellResult<(Vec<EaseAnswer>, usize)> {
        let (ids, unknown) = cart_ids(&carts, |label| self.inner.item(label));
        let found = gil::run(py, |_| Ok(self.inner.recommend_batch(&ids, k, threads)))?;
        Ok((found.iter().map(|f| self.answer(f)).collect(), unknown))
    }

    /// Up to `k` items for one cart, and the cart labels without weights.
    #[pyo3(signature = (cart, k=5))]
    fn recommend(&self, cart: Vec<String>, k: usize) -> (EaseAnswer, Vec<String>) {
        let answer = self.inner.recommend_labels(&cart, k);
        (self.answer(&answer.items), answer.unknown)
    }
}

impl PyEase {
    fn answer(&self, found: &[EaseRecommendation]) -> EaseAnswer {
        let label = |i: u32| self.inner.label(i).unwrap_or_default().to_owned();
        (
            found.iter().map(|r| label(r.item)).collect(),
            found.iter().map(|r| r.score).collect(),
            found.iter().map(|r| r.strongest.map(|(i, _)| label(i))).collect(),
            found.iter().map(|r| r.strongest.map(|(_, w)| w)).collect(),
        )
    }
}

/// A cut-off time: text parsed by the core, or UTC seconds (from a datetime).
#[derive(FromPyObject)]
pub(crate) enum Cutoff {
    Text(String),
    Seconds(i64),
}

/// Each basket's time, the earliest of its rows' (UTC seconds): `row_baskets` gives each row's
/// basket, and the rows' times come as UTC `seconds` or as `times` texts (parsed by the core, named
/// `time_column` in errors).
#[pyfunction]
#[pyo3(signature = (row_baskets, *, seconds=None, times=None, time_column="time"))]
pub(crate) fn basket_times<'py>(
    py: Python<'py>,
    row_baskets: PyReadonlyArray1<'py, u32>,
    seconds: Option<PyReadonlyArray1<'py, i64>>,
    times: Option<Vec<Option<String>>>,
    time_column: &str,
) -> PyUpsellResult<Bound<'py, PyArray1<i64>>> {
    let rows = row_baskets.as_array().to_vec();
    let seconds = seconds.map(|s| s.as_array().to_vec());
    let times = gil::run(py, |_| {
        let seconds = match (seconds, times) {
            (Some(seconds), None) => seconds,
            (None, Some(times)) => parse_times(&times, time_column)?,
            _ => return Err(Error::invalid_parameter("times", "give exactly one of seconds= and times=")),
        };
        basket_times_core(&rows, &seconds)
    })?;
    Ok(PyArray1::from_iter(py, times.iter().map(|t| t.as_second())))
}

/// Rules (and EASE with `ease=True`) against popularity on held-out baskets; `times` are UTC
/// seconds, one per basket (see `basket_times`).
#[pyfunction]
#[pyo3(signature = (baskets, labels, min_support, *, times=None, split="position", train=0.8, cutoff=None, k=5,
    by="confidence", smoothing=5.0, min_confidence=0.01, max_antecedent_len=3, ease=false, ease_lambda=None,
    ease_min_count=None, ease_max_items=None, threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn evaluate<'py>(
    py: Python<'py>,
    baskets: &Bound<'py, PyBaskets>,
    labels: Vec<String>,
    min_support: &Bound<'py, PyAny>,
    times: Option<PyReadonlyArray1<'py, i64>>,
    split: &str,
    train: f64,
    cutoff: Option<Cutoff>,
    k: usize,
    by: &str,
    smoothing: f64,
    min_confidence: f64,
    max_antecedent_len: usize,
    ease: bool,
    ease_lambda: Option<f64>,
    ease_min_count: Option<u64>,
    ease_max_items: Option<usize>,
    threads: Option<Threads>,
) -> PyUpsellResult<Bound<'py, PyDict>> {
    let threads = threads.map(Threads::get);
    if !ease && (ease_lambda.is_some() || ease_min_count.is_some() || ease_max_items.is_some()) {
        let err = Error::invalid_parameter("ease", "ease_lambda, ease_min_count and ease_max_items need ease=True");
        return Err(err.into());
    }
    let seconds = |s: i64| from_unix_seconds(s, Location::memory);
    let times: Option<Vec<Timestamp>> =
        times.map(|t| t.as_array().iter().map(|&s| seconds(s)).collect::<upsell::Result<_>>()).transpose()?;
    let cutoff = match cutoff {
        None => None,
        Some(Cutoff::Text(text)) => Some(parse_timestamp_parameter("cutoff", &text)?),
        Some(Cutoff::Seconds(s)) => Some(seconds(s)?),
    };
    let split = split.parse().and_then(|by| Split::new(by, train, cutoff))?;
    let options = EvaluationOptions {
        split,
        k,
        min_confidence,
        max_antecedent_len,
        recommend: options(by, smoothing, true)?,
        ease: ease.then(|| ease_options(ease_lambda, ease_min_count, ease_max_items, None)),
        threads,
        ..EvaluationOptions::new(threshold(min_support)?)
    };
    let items = ItemDictionary::from_labels(labels)?;
    let baskets = &baskets.get().inner;
    let result = gil::run(py, |control| evaluate_core(baskets, &items, times.as_deref(), &options, control))?;
    let out = PyDict::new(py);
    out.set_item("train_baskets", result.train_baskets)?;
    out.set_item("test_baskets", result.test_baskets)?;
    out.set_item("cases", result.cases)?;
    out.set_item("rules", result.rules)?;
    out.set_item("ease_items", result.ease_items)?;
    out.set_item("k", result.k)?;
    let methods: Vec<(String, f64, f64, f64, f64, Option<f64>)> = result
        .methods
        .iter()
        .map(|m| (m.method.clone(), m.hit_rate, m.precision, m.recall, m.coverage, m.revenue_captured))
        .collect();
    out.set_item("methods", methods)?;
    Ok(out)
}

/// The affinity matrices of the top items (see `upsell.Affinity` for the Python-facing class).
#[pyclass(frozen, name = "AffinityMatrix", module = "upsell._upsell")]
pub(crate) struct PyAffinity {
    inner: Affinity,
}

/// The columns of the actionable-pairs table: item ids a and b, count, support, confidence a->b,
/// confidence b->a, lift.
type PairColumns<'py> = (
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

#[pymethods]
impl PyAffinity {
    /// Item ids, item counts, counts, confidence, lift, and the number of baskets (copies).
    #[allow(clippy::type_complexity)]
    fn arrays<'py>(
        &self,
        py: Python<'py>,
    ) -> (
        Bound<'py, PyArray1<u32>>,
        Bound<'py, PyArray1<u64>>,
        Bound<'py, PyArray2<u64>>,
        Bound<'py, PyArray2<f64>>,
        Bound<'py, PyArray2<f64>>,
        u64,
    ) {
        let a = &self.inner;
        (
            PyArray1::from_slice(py, &a.items),
            PyArray1::from_slice(py, &a.item_counts),
            PyArray2::from_owned_array(py, a.counts.clone()),
            PyArray2::from_owned_array(py, a.confidence.clone()),
            PyArray2::from_owned_array(py, a.lift.clone()),
            a.baskets,
        )
    }

    /// The core's actionable pairs, by lift, then count, then item ids.
    fn pairs<'py>(&self, py: Python<'py>, min_support: f64, min_lift: f64) -> PyUpsellResult<PairColumns<'py>> {
        let pairs = self.inner.actionable_pairs(min_support, min_lift)?;
        let column = |f: fn(&Pair) -> f64| PyArray1::from_iter(py, pairs.iter().map(f));
        Ok((
            PyArray1::from_iter(py, pairs.iter().map(|p| p.a)),
            PyArray1::from_iter(py, pairs.iter().map(|p| p.b)),
            PyArray1::from_iter(py, pairs.iter().map(|p| p.count)),
            column(|p| p.support),
            column(|p| p.confidence_ab),
            column(|p| p.confidence_ba),
            column(|p| p.lift),
        ))
    }
}

/// The affinity matrices of the `top` most frequent items.
#[pyfunction]
#[pyo3(signature = (baskets, top=20, *, threads=None))]
pub(crate) fn affinity(py: Python<'_>, baskets: &Bound<'_, PyBaskets>, top: usize, threads: Option<Threads>) -> PyUpsellResult<PyAffinity> {
    let threads = threads.map(Threads::get);
    let baskets = &baskets.get().inner;
    let inner = gil::run(py, |_| affinity_core(baskets, top, threads))?;
    Ok(PyAffinity { inner })
}
