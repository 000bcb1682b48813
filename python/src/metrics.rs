//! `upsell._upsell` metrics functions: A/B tests, sample sizes, order metrics, forecasts.
//!
//! Mirrors `upsell::metrics`; results cross as JSON of the core's serde structs, which
//! `upsell/metrics.py` turns into dataclasses and DataFrames.

use pyo3::prelude::*;
use upsell::data::{OrderLines, OrderReadOptions};
use upsell::metrics::{
    ab_test, forecast, minimum_detectable_effect, order_metrics, power, sample_size,
};
use upsell::pricing::{Currency, Money};

use crate::errors::PyUpsellResult;
use crate::pricing::to_json;

/// The A/B test of B against A: JSON of the core's result.
#[pyfunction]
#[pyo3(signature = (conversions_a, n_a, conversions_b, n_b, alpha=0.05, looks=1))]
pub(crate) fn ab_test_json(
    conversions_a: u64,
    n_a: u64,
    conversions_b: u64,
    n_b: u64,
    alpha: f64,
    looks: u32,
) -> PyUpsellResult<String> {
    Ok(to_json(&ab_test(conversions_a, n_a, conversions_b, n_b, alpha, looks)?)?)
}

/// Visitors per arm for a baseline and an absolute minimum detectable effect: JSON.
#[pyfunction]
#[pyo3(signature = (baseline, mde, alpha=0.05, power=0.8))]
pub(crate) fn sample_size_json(
    baseline: f64,
    mde: f64,
    alpha: f64,
    power: f64,
) -> PyUpsellResult<String> {
    Ok(to_json(&sample_size(baseline, mde, alpha, power)?)?)
}

/// The smallest absolute increase detectable with `n` visitors per arm.
#[pyfunction]
#[pyo3(name = "minimum_detectable_effect", signature = (baseline, n, alpha=0.05, power=0.8))]
pub(crate) fn mde(baseline: f64, n: f64, alpha: f64, power: f64) -> PyUpsellResult<f64> {
    Ok(minimum_detectable_effect(baseline, n, alpha, power)?)
}

/// Power of the two-sided two-sample z-test (NormalIndPower).
#[pyfunction]
#[pyo3(name = "power", signature = (effect_size, n, alpha=0.05))]
pub(crate) fn test_power(effect_size: f64, n: f64, alpha: f64) -> PyUpsellResult<f64> {
    Ok(power(effect_size, n, alpha)?)
}

/// Order metrics of an order file: JSON `{"summary": ..., "rows": [...]}`.
#[pyfunction]
#[pyo3(signature = (path, *, currency="GBP", period="all", by_segment=false))]
pub(crate) fn order_metrics_json(
    path: String,
    currency: &str,
    period: &str,
    by_segment: bool,
) -> PyUpsellResult<String> {
    let currency = Currency::from_code(currency)?;
    let period = period.parse()?;
    let orders = OrderLines::read(
        &path,
        &OrderReadOptions {
            currency,
            ..OrderReadOptions::default()
        },
    )?;
    let rows = order_metrics(&orders, period, by_segment)?;
    Ok(to_json(&serde_json::json!({ "summary": orders.summary(), "rows": rows }))?)
}

/// Expected revenue of an offer: JSON of the core's forecast.
#[pyfunction]
#[pyo3(signature = (segment, offer, eligible, takes, shown, value, *, currency="GBP", alpha=0.05))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn forecast_json(
    segment: &str,
    offer: &str,
    eligible: u64,
    takes: u64,
    shown: u64,
    value: &str,
    currency: &str,
    alpha: f64,
) -> PyUpsellResult<String> {
    let value = Money::parse_tagged(value, Currency::from_code(currency)?)?;
    Ok(to_json(&forecast(segment, offer, eligible, takes, shown, value, alpha)?)?)
}
