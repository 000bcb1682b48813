//! `upsell._upsell.discover_arrow`, `adoption_gaps_arrow` and `synthetic_subscriptions`:
//! subgroup discovery, adoption gaps and the synthetic subscription table for Python.
//!
//! Translation only: the customers arrive as an Arrow stream (`arrow.rs`) read by the core, the
//! options as one JSON document parsed by the core (`DiscoverOptions::from_json`, the same as the
//! C library's), and the subgroups leave as parallel lists that `upsell/triggers.py` makes a frame.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use upsell::triggers::{
    AdoptionOptions, DiscoverOptions, PlanFeatures, PlantedEffect,
    SubscriptionGenerator, Value, adoption_gaps, discover_with,
};

use crate::errors::PyUpsellResult;
use crate::gil;

/// Discovers subgroups of the customers of `data` (an object with `__arrow_c_stream__`);
/// `options` is the core's JSON options document.
#[pyfunction]
pub(crate) fn discover_arrow<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    options: &str,
) -> PyUpsellResult<Bound<'py, PyDict>> {
    let options = DiscoverOptions::from_json(options)?;
    let stream = crate::arrow::stream(py, data)?;
    let found = gil::run(py, |control| {
        let batch = upsell::arrow::customers_from_stream(stream, None, options.threads)?;
        discover_with(&batch, &options, control)
    })?;
    let out = PyDict::new(py);
    let subgroups = &found.subgroups;
    out.set_item("subgroup", subgroups.iter().map(|s| s.expression()).collect::<Vec<_>>())?;
    out.set_item("conditions", subgroups.iter().map(|s| s.conditions.len()).collect::<Vec<_>>())?;
    out.set_item("size", subgroups.iter().map(|s| s.size).collect::<Vec<_>>())?;
    out.set_item("positives", subgroups.iter().map(|s| s.positives).collect::<Vec<_>>())?;
    out.set_item("rate", subgroups.iter().map(|s| s.rate).collect::<Vec<_>>())?;
    out.set_item("rate_low", subgroups.iter().map(|s| s.rate_low).collect::<Vec<_>>())?;
    out.set_item("rate_high", subgroups.iter().map(|s| s.rate_high).collect::<Vec<_>>())?;
    out.set_item("lift", subgroups.iter().map(|s| s.lift).collect::<Vec<_>>())?;
    out.set_item("lift_low", subgroups.iter().map(|s| s.lift_low).collect::<Vec<_>>())?;
    out.set_item("lift_high", subgroups.iter().map(|s| s.lift_high).collect::<Vec<_>>())?;
    out.set_item("p_value", subgroups.iter().map(|s| s.p_value).collect::<Vec<_>>())?;
    out.set_item("ln_p_value", subgroups.iter().map(|s| s.ln_p_value).collect::<Vec<_>>())?;
    out.set_item("p_adjusted", subgroups.iter().map(|s| s.p_adjusted).collect::<Vec<_>>())?;
    out.set_item("significant", subgroups.iter().map(|s| s.significant).collect::<Vec<_>>())?;
    out.set_item("redundant", subgroups.iter().map(|s| s.redundant).collect::<Vec<_>>())?;
    out.set_item(
        "expected_value",
        subgroups.iter().map(|s| s.expected_value.clone()).collect::<Vec<_>>(),
    )?;
    out.set_item("rules", &found.rules_yaml)?;
    out.set_item("customers", found.customers)?;
    out.set_item("positives_total", found.positives)?;
    out.set_item("base_rate", found.base_rate)?;
    out.set_item("min_size", found.min_size)?;
    out.set_item("tests", found.tests)?;
    out.set_item(
        "skipped",
        found.skipped.iter().map(|s| (s.column.clone(), s.reason.clone())).collect::<Vec<_>>(),
    )?;
    Ok(out)
}

/// The synthetic subscription table as `{name: list}`; `effects` as `(outcome, plan, column, op,
/// threshold, lift)` with `op` `>=` or `<`.
#[pyfunction]
#[pyo3(signature = (customers, plans, features, mean_usage, upgrade_rate, churn_rate, effects, seed))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn synthetic_subscriptions<'py>(
    py: Python<'py>,
    customers: usize,
    plans: Vec<String>,
    features: usize,
    mean_usage: f64,
    upgrade_rate: f64,
    churn_rate: f64,
    effects: Vec<(String, Option<String>, String, String, i64, f64)>,
    seed: u64,
) -> PyUpsellResult<Bound<'py, PyDict>> {
    let mut planted = Vec::with_capacity(effects.len());
    for (outcome, plan, column, op, threshold, lift) in effects {
        let op = op.parse()?;
        let mut effect = PlantedEffect::new(outcome, column, op, threshold, lift);
        effect.plan = plan;
        planted.push(effect);
    }
    let generator = SubscriptionGenerator {
        customers,
        plans,
        features,
        mean_usage,
        upgrade_rate,
        churn_rate,
        effects: planted,
        seed,
    };
    let batch = gil::run(py, |_| generator.generate())?;
    let out = PyDict::new(py);
    for (k, (name, _)) in batch.schema().fields().enumerate() {
        let Some(column) = batch.column(k) else { continue };
        let values = (0..batch.len()).map(|row| column.value(row));
        match column.value(0) {
            Value::Str(_) => out.set_item(name, values.map(|v| match v {
                Value::Str(s) => s.to_string(),
                _ => String::new(),
            }).collect::<Vec<_>>())?,
            _ => out.set_item(name, values.map(|v| match v {
                Value::Int(i) => i,
                _ => 0,
            }).collect::<Vec<_>>())?,
        }
    }
    Ok(out)
}

/// Adoption gaps of the customers of `data` (an object with `__arrow_c_stream__`); `plans` as
/// `(plan, features)`. The gaps and the customers' gaps leave as parallel lists.
#[pyfunction]
#[pyo3(signature = (data, plans, *, plan_column, outcome, customer_column, min_usage, alpha, correction))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn adoption_gaps_arrow<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    plans: Vec<(String, Vec<String>)>,
    plan_column: String,
    outcome: String,
    customer_column: Option<String>,
    min_usage: i64,
    alpha: f64,
    correction: &str,
) -> PyUpsellResult<Bound<'py, PyDict>> {
    let correction = correction.parse()?;
    let options = AdoptionOptions {
        plan_column,
        outcome,
        customer_column,
        min_usage,
        alpha,
        correction,
        ..AdoptionOptions::new(plans.into_iter().map(|(p, f)| PlanFeatures::new(p, f)).collect())
    };
    let stream = crate::arrow::stream(py, data)?;
    let found = gil::run(py, |_| {
        let batch = upsell::arrow::customers_from_stream(stream, None, None)?;
        adoption_gaps(&batch, &options)
    })?;
    let out = PyDict::new(py);
    let gaps = &found.gaps;
    out.set_item("plan", gaps.iter().map(|g| g.plan.clone()).collect::<Vec<_>>())?;
    out.set_item("feature", gaps.iter().map(|g| g.feature.clone()).collect::<Vec<_>>())?;
    out.set_item("plan_customers", gaps.iter().map(|g| g.plan_customers).collect::<Vec<_>>())?;
    out.set_item("plan_positives", gaps.iter().map(|g| g.plan_positives).collect::<Vec<_>>())?;
    out.set_item("customers", gaps.iter().map(|g| g.customers).collect::<Vec<_>>())?;
    out.set_item("positives", gaps.iter().map(|g| g.positives).collect::<Vec<_>>())?;
    out.set_item("share", gaps.iter().map(|g| g.share).collect::<Vec<_>>())?;
    out.set_item("rate", gaps.iter().map(|g| g.rate).collect::<Vec<_>>())?;
    out.set_item("rate_low", gaps.iter().map(|g| g.rate_low).collect::<Vec<_>>())?;
    out.set_item("rate_high", gaps.iter().map(|g| g.rate_high).collect::<Vec<_>>())?;
    out.set_item("lift", gaps.iter().map(|g| g.lift).collect::<Vec<_>>())?;
    out.set_item("lift_low", gaps.iter().map(|g| g.lift_low).collect::<Vec<_>>())?;
    out.set_item("lift_high", gaps.iter().map(|g| g.lift_high).collect::<Vec<_>>())?;
    out.set_item("p_value", gaps.iter().map(|g| g.p_value).collect::<Vec<_>>())?;
    out.set_item("p_adjusted", gaps.iter().map(|g| g.p_adjusted).collect::<Vec<_>>())?;
    out.set_item("significant", gaps.iter().map(|g| g.significant).collect::<Vec<_>>())?;
    out.set_item("condition", gaps.iter().map(|g| g.expression()).collect::<Vec<_>>())?;
    let customer_gaps = &found.customer_gaps;
    out.set_item("gap_customer", customer_gaps.iter().map(|g| g.customer.clone()).collect::<Vec<_>>())?;
    out.set_item("gap_plan", customer_gaps.iter().map(|g| g.plan.clone()).collect::<Vec<_>>())?;
    out.set_item("gap_feature", customer_gaps.iter().map(|g| g.feature.clone()).collect::<Vec<_>>())?;
    out.set_item("customers_total", found.customers)?;
    out.set_item("positives_total", found.positives)?;
    Ok(out)
}
