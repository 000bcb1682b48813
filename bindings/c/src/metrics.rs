//! Metrics for C: A/B tests, sample sizes and power as plain structs and numbers; order metrics
//! and forecasts as JSON reports of the core's serde structs (the documents Python reads).
//!
//! The one idea: statistics are the core's; C passes counts and rates in and reads numbers out,
//! and anything shaped like a table crosses as one JSON string the caller frees (order metrics
//! also as an Arrow stream, in `arrow.rs`).

use std::ffi::{c_char, c_int};
use std::path::Path;

use upsell_core::data::{OrderLines, OrderReadOptions, OrderSummary};
use upsell_core::metrics::{
    OrderMetrics, Period, Verdict, ab_test, forecast, minimum_detectable_effect, order_metrics,
    power, sample_size,
};
use upsell_core::pricing::{Currency, Money};

use crate::error::upsell_error;
use crate::ffi::{self, text};
use crate::pricing::currency_from_c;
use crate::status::upsell_status;

/// The verdict of an A/B test at its `alpha`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum upsell_verdict {
    /// No significant difference.
    Inconclusive = 0,
    /// B converts better, significantly.
    BBetter = 1,
    /// A converts better, significantly.
    ABetter = 2,
}

/// The result of `upsell_ab_test`.
///
/// Ownership: a plain struct written into caller storage.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_ab_test_result {
    /// Conversion rate of A.
    pub rate_a: f64,
    /// Conversion rate of B.
    pub rate_b: f64,
    /// `rate_b - rate_a`.
    pub difference: f64,
    /// Lower end of the difference's confidence interval.
    pub difference_low: f64,
    /// Upper end of the difference's confidence interval.
    pub difference_high: f64,
    /// `rate_b / rate_a - 1`, or NaN when `rate_a` is 0.
    pub lift: f64,
    /// Lower end of the lift's confidence interval, or NaN.
    pub lift_low: f64,
    /// Upper end of the lift's confidence interval, or NaN.
    pub lift_high: f64,
    /// The z statistic.
    pub z: f64,
    /// The two-sided p-value.
    pub p_value: f64,
    /// The significance level used (adjusted for `looks`).
    pub alpha: f64,
    /// The verdict.
    pub verdict: upsell_verdict,
    /// 1 when the test was looked at more than once (the core's peeking warning applies; its
    /// text is in Python's and the command line's output), else 0.
    pub peeking_warning: c_int,
}

/// The result of `upsell_sample_size`.
///
/// Ownership: a plain struct written into caller storage.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_sample_size_result {
    /// The baseline conversion rate.
    pub baseline: f64,
    /// `baseline + mde`.
    pub target: f64,
    /// Cohen's h between the two rates.
    pub effect_size: f64,
    /// Visitors per arm before rounding up.
    pub n_per_arm_exact: f64,
    /// Visitors per arm.
    pub n_per_arm: u64,
    /// The significance level.
    pub alpha: f64,
    /// The power.
    pub power: f64,
}

/// The two-proportion z-test of B against A (`conversions_*` of `n_*` visitors) at `alpha`
/// (0.05 on the other surfaces), with `looks` interim looks (1: a single look) adjusting alpha.
/// Bad counts or levels give `UPSELL_STATUS_INVALID_PARAMETER`. Thread-safety: safe from any
/// thread.
///
/// # Safety
///
/// `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ab_test(
    conversions_a: u64,
    n_a: u64,
    conversions_b: u64,
    n_b: u64,
    alpha: f64,
    looks: u32,
    out: *mut upsell_ab_test_result,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        let r = ab_test(conversions_a, n_a, conversions_b, n_b, alpha, looks)?;
        let (lift_low, lift_high) = r.lift_ci.unwrap_or((f64::NAN, f64::NAN));
        let result = upsell_ab_test_result {
            rate_a: r.rate_a,
            rate_b: r.rate_b,
            difference: r.difference,
            difference_low: r.difference_ci.0,
            difference_high: r.difference_ci.1,
            lift: r.lift.unwrap_or(f64::NAN),
            lift_low,
            lift_high,
            z: r.z,
            p_value: r.p_value,
            alpha: r.alpha,
            verdict: match r.verdict {
                Verdict::BBetter => upsell_verdict::BBetter,
                Verdict::ABetter => upsell_verdict::ABetter,
                _ => upsell_verdict::Inconclusive,
            },
            peeking_warning: c_int::from(r.peeking_warning.is_some()),
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(result) };
        Ok(())
    })
}

/// Visitors per arm to detect an absolute change `mde` from the conversion rate `baseline` at
/// `alpha` with `power` (0.05 and 0.8 on the other surfaces). Thread-safety: safe from any thread.
///
/// # Safety
///
/// `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_sample_size(
    baseline: f64,
    mde: f64,
    alpha: f64,
    power: f64,
    out: *mut upsell_sample_size_result,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        let r = sample_size(baseline, mde, alpha, power)?;
        let result = upsell_sample_size_result {
            baseline: r.baseline,
            target: r.target,
            effect_size: r.effect_size,
            n_per_arm_exact: r.n_per_arm_exact,
            n_per_arm: r.n_per_arm,
            alpha: r.alpha,
            power: r.power,
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(result) };
        Ok(())
    })
}

/// The power of the two-sided two-sample z-test for effect size `effect_size` (Cohen's h) with
/// `n` visitors per arm at `alpha`, into `*out`. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_power(
    effect_size: f64,
    n: f64,
    alpha: f64,
    out: *mut f64,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        let value = power(effect_size, n, alpha)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(value) };
        Ok(())
    })
}

/// The smallest absolute increase over `baseline` detectable with `n` visitors per arm at
/// `alpha` and `power`, into `*out`. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_minimum_detectable_effect(
    baseline: f64,
    n: f64,
    alpha: f64,
    power: f64,
    out: *mut f64,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        let value = minimum_detectable_effect(baseline, n, alpha, power)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(value) };
        Ok(())
    })
}

/// Order metrics of an order file (the long CSV `upsell metrics` reads, amounts in `currency`):
/// average order value, items per order and attach rates per `period` (`"all"`, `"day"`,
/// `"week"`, `"month"`), per segment when `by_segment` is nonzero.
///
/// On success `*out_json` receives a new JSON string `{"summary": ..., "rows": [...]}` (the
/// document Python's `upsell.order_metrics` reads), freed with `upsell_string_free`. A missing
/// file gives `UPSELL_STATUS_IO`; a bad row `UPSELL_STATUS_INVALID_INPUT` with its line.
/// Thread-safety: safe to call concurrently.
///
/// # Safety
///
/// `path`, `currency` and `period` are NUL-terminated; `out_json` is writable; `err` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_order_metrics_json(
    path: *const c_char,
    currency: *const c_char,
    period: *const c_char,
    by_segment: c_int,
    out_json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out_json, "out_json")?;
        // SAFETY: forwarded to the caller.
        let path = unsafe { ffi::path(path, "path") }?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { currency_from_c(currency) }?;
        // SAFETY: forwarded to the caller.
        let period = unsafe { text(period, "period") }?.parse()?;
        let (orders, rows) = read_order_metrics(&path, currency, period, by_segment != 0)?;
        #[derive(serde::Serialize)]
        struct Document<'a> {
            summary: &'a OrderSummary,
            rows: &'a [OrderMetrics],
        }
        let document = Document {
            summary: orders.summary(),
            rows: &rows,
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json(out, &document) }
    })
}

/// Reads an order file in `currency` and computes its metrics, for the JSON and Arrow outputs.
pub(crate) fn read_order_metrics(
    path: &Path,
    currency: Currency,
    period: Period,
    by_segment: bool,
) -> upsell_core::Result<(OrderLines, Vec<OrderMetrics>)> {
    let orders = OrderLines::read(
        path,
        &OrderReadOptions {
            currency,
            ..OrderReadOptions::default()
        },
    )?;
    let rows = order_metrics(&orders, period, by_segment)?;
    Ok((orders, rows))
}

/// The expected revenue of an offer to a segment: `eligible` customers, of whom `takes` took it
/// when `shown` were shown it, each take worth `value_minor` minor units of `currency`, with a
/// confidence interval at `alpha`. On success `*out_json` receives the core's forecast as a new
/// JSON string (as Python's `upsell.forecast`), freed with `upsell_string_free`.
/// Thread-safety: safe from any thread.
///
/// # Safety
///
/// `segment`, `offer` and `currency` are NUL-terminated; `out_json` is writable; `err` is NULL
/// or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_forecast_json(
    segment: *const c_char,
    offer: *const c_char,
    eligible: u64,
    takes: u64,
    shown: u64,
    value_minor: i64,
    currency: *const c_char,
    alpha: f64,
    out_json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out_json, "out_json")?;
        // SAFETY: forwarded to the caller.
        let segment = unsafe { text(segment, "segment") }?;
        // SAFETY: forwarded to the caller.
        let offer = unsafe { text(offer, "offer") }?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { currency_from_c(currency) }?;
        let value = Money::new(value_minor, currency);
        let result = forecast(segment, offer, eligible, takes, shown, value, alpha)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json(out, &result) }
    })
}
