//! `upsell._upsell.association_rules`: rules from flat itemset arrays, returned as flat arrays.
//!
//! Mirrors `upsell::rules`. Itemsets arrive as item codes, offsets and counts (the shape `mine`
//! returns); rules leave as antecedent and consequent codes with offsets, three count columns and
//! one float64 column per measure, keyed by mlxtend's column names. `upsell/rules.py` turns codes
//! back into labels.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use upsell::Error;
use upsell::mining::Itemsets;
use upsell::rules::{DEFAULT_MAX_RULES, Measure, RuleOptions, Rules, generate_with};

use crate::errors::{PyUpsellResult, Threads};
use crate::gil;

/// Association rules of flat itemsets, with the GIL released while they are generated.
#[pyfunction]
#[pyo3(signature = (items, offsets, counts, baskets, *, target="all", min_confidence=0.8, min_lift=None,
    max_antecedent_len=None, max_consequent_len=None, consequent_items=None, exclude_items=None,
    prune_redundant=false, max_rules=Some(DEFAULT_MAX_RULES), threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn association_rules<'py>(
    py: Python<'py>,
    items: PyReadonlyArray1<'py, u32>,
    offsets: PyReadonlyArray1<'py, i64>,
    counts: PyReadonlyArray1<'py, i64>,
    baskets: u64,
    target: &str,
    min_confidence: f64,
    min_lift: Option<f64>,
    max_antecedent_len: Option<usize>,
    max_consequent_len: Option<usize>,
    consequent_items: Option<Vec<u32>>,
    exclude_items: Option<Vec<u32>>,
    prune_redundant: bool,
    max_rules: Option<u64>,
    threads: Option<Threads>,
) -> PyUpsellResult<Bound<'py, PyDict>> {
    let threads = threads.map(Threads::get);
    let itemsets = itemsets(&items, &offsets, &counts, baskets, target)?;
    let options = RuleOptions {
        min_confidence,
        min_lift,
        max_antecedent_len,
        max_consequent_len,
        consequent_items,
        exclude_items: exclude_items.unwrap_or_default(),
        prune_redundant,
        max_rules,
        threads,
    };
    let rules = gil::run(py, |control| generate_with(&itemsets, &options, control))?;
    Ok(rules_dict(py, &rules)?)
}

fn itemsets(
    items: &PyReadonlyArray1<'_, u32>,
    offsets: &PyReadonlyArray1<'_, i64>,
    counts: &PyReadonlyArray1<'_, i64>,
    baskets: u64,
    target: &str,
) -> upsell::Result<Itemsets> {
    let negative = |what: &str| Error::invalid_input(upsell::Location::memory(), format!("negative {what}"));
    let offsets = offsets
        .as_array()
        .iter()
        .map(|&o| usize::try_from(o).map_err(|_| negative("offset")))
        .collect::<upsell::Result<Vec<usize>>>()?;
    let counts = counts
        .as_array()
        .iter()
        .map(|&c| u64::try_from(c).map_err(|_| negative("count")))
        .collect::<upsell::Result<Vec<u64>>>()?;
    Itemsets::from_arrays(items.as_array().to_vec(), offsets, counts, baskets, target.parse()?)
}

/// The flat columns of `rules`, as a dict of numpy arrays.
pub(crate) fn rules_dict<'py>(py: Python<'py>, rules: &Rules) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let wide = |v: &u64| i64::try_from(*v).unwrap_or(i64::MAX);
    let offsets = |o: &[usize]| PyArray1::from_iter(py, o.iter().map(|&v| v as i64));
    out.set_item("antecedents", PyArray1::from_slice(py, rules.antecedents()))?;
    out.set_item("antecedent_offsets", offsets(rules.antecedent_offsets()))?;
    out.set_item("consequents", PyArray1::from_slice(py, rules.consequents()))?;
    out.set_item("consequent_offsets", offsets(rules.consequent_offsets()))?;
    out.set_item("count", PyArray1::from_iter(py, rules.counts().iter().map(wide)))?;
    out.set_item("antecedent count", PyArray1::from_iter(py, rules.antecedent_counts().iter().map(wide)))?;
    out.set_item("consequent count", PyArray1::from_iter(py, rules.consequent_counts().iter().map(wide)))?;
    for measure in Measure::ALL {
        out.set_item(measure.name(), PyArray1::from_vec(py, rules.measure(measure)))?;
    }
    Ok(out)
}
