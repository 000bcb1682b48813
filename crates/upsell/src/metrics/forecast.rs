//! Forecast of expansion revenue: eligible customers x take rate x value, with a range.
//!
//! The one idea: the range comes from the uncertainty of the take rate, which is the only part
//! measured from a sample (an A/B test or past offers): its Wilson interval. The value per take is
//! money and stays exact; the take rate is applied in parts per trillion and rounded half-even once.

use super::expansion::wilson;
use crate::pricing::{Money, Rounding};
use crate::{Error, Result};

/// The expected revenue of one offer in one segment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Forecast {
    /// The segment.
    pub segment: String,
    /// The offer.
    pub offer: String,
    /// Customers who can be shown the offer.
    pub eligible: u64,
    /// Observed take rate (takes over times shown).
    pub take_rate: f64,
    /// The take rate's interval at the chosen level.
    pub take_rate_range: (f64, f64),
    /// Revenue per take.
    pub value: Money,
    /// `eligible x take_rate x value`.
    pub expected: Money,
    /// The same at the low end of the take rate.
    pub low: Money,
    /// The same at the high end of the take rate.
    pub high: Money,
}

/// Forecasts `segment`/`offer` revenue from `eligible` customers, a take rate observed as `takes`
/// out of `shown`, and `value` per take; the range is the Wilson interval at `alpha`.
///
/// ```
/// use upsell::metrics::forecast;
/// use upsell::pricing::{Currency, Money};
/// let f = forecast("UK", "mug+tea bundle", 10_000, 120, 1_000, Money::new(1_499, Currency::GBP), 0.05)?;
/// assert_eq!(f.expected.to_string(), "17988.00 GBP"); // 10,000 x 12 % x 14.99
/// assert!(f.low.minor() < f.expected.minor() && f.expected.minor() < f.high.minor());
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn forecast(
    segment: &str,
    offer: &str,
    eligible: u64,
    takes: u64,
    shown: u64,
    value: Money,
    alpha: f64,
) -> Result<Forecast> {
    if shown == 0 {
        return Err(Error::invalid_parameter(
            "shown",
            "the take rate needs at least one offer shown",
        ));
    }
    if takes > shown {
        return Err(Error::invalid_parameter(
            "takes",
            format!("{takes} takes out of {shown} shown"),
        ));
    }
    if value.is_negative() {
        return Err(Error::invalid_parameter(
            "value",
            format!("must not be negative, got {value}"),
        ));
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid_parameter(
            "alpha",
            format!("must be in (0, 1), got {alpha}"),
        ));
    }
    let rate = takes as f64 / shown as f64;
    let (low_rate, high_rate) = wilson(takes, shown, alpha);
    let total = value.checked_mul(
        i64::try_from(eligible).map_err(|_| Error::invalid_parameter("eligible", "too large"))?,
    )?;
    // The observed rate is exact as a fraction; the interval's ends are applied in parts per trillion.
    let expected = total.ratio(i128::from(takes), i128::from(shown), Rounding::HalfEven)?;
    let ppt = |r: f64| (r.clamp(0.0, 1.0) * 1e12).round() as i128;
    Ok(Forecast {
        segment: segment.to_owned(),
        offer: offer.to_owned(),
        eligible,
        take_rate: rate,
        take_rate_range: (low_rate, high_rate),
        value,
        expected,
        low: total.ratio(ppt(low_rate), 1_000_000_000_000, Rounding::HalfEven)?,
        high: total.ratio(ppt(high_rate), 1_000_000_000_000, Rounding::HalfEven)?,
    })
}
