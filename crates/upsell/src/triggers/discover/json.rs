//! Discovery options from one JSON document, so that the C library and the Python package pass
//! through the same parsing and validation.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{DiscoverOptions, PlanPrices};
use crate::mining::MinSupport;
use crate::pricing::{Currency, Money};
use crate::{Error, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    outcome: String,
    #[serde(default)]
    min_size: Option<serde_json::Value>,
    #[serde(default)]
    max_conditions: Option<usize>,
    #[serde(default)]
    alpha: Option<f64>,
    #[serde(default)]
    correction: Option<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    keep_all: Option<bool>,
    #[serde(default)]
    top: Option<usize>,
    #[serde(default)]
    offer_kind: Option<String>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    prices: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    target_plan: Option<String>,
    #[serde(default)]
    plan_column: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    threads: Option<usize>,
}

/// Text of a JSON number or string.
fn text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl DiscoverOptions {
    /// Options from JSON: `outcome` (required), `min_size` (a count `50` or a fraction `0.01`),
    /// `max_conditions`, `alpha`, `correction` (`holm` | `bh`), `ignore` (columns), `keep_all`,
    /// `top`, `offer_kind`, `target`, `prices` (plan to amount, `{"pro": "49.00"}`) with
    /// `target_plan`, `plan_column` (default `plan`) and `currency` (default `USD`), `threads`.
    ///
    /// ```
    /// use upsell::triggers::DiscoverOptions;
    /// let options = DiscoverOptions::from_json(r#"{"outcome": "upgraded", "min_size": 50, "correction": "bh"}"#)?;
    /// assert_eq!(options.min_size, upsell::mining::MinSupport::count(50));
    /// assert!(DiscoverOptions::from_json(r#"{"outcome": "x", "alpha": 2}"#).is_err());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_json(text_in: &str) -> Result<Self> {
        let raw: Raw = serde_json::from_str(text_in)
            .map_err(|e| Error::invalid_parameter("options", format!("not valid options: {e}")))?;
        let mut options = DiscoverOptions::new(raw.outcome);
        if let Some(value) = &raw.min_size {
            let text = text(value).ok_or_else(|| {
                Error::invalid_parameter("min_size", format!("{value}: expected a number"))
            })?;
            options.min_size = MinSupport::parse(&text)?;
        }
        if let Some(n) = raw.max_conditions {
            options.max_conditions = n;
        }
        if let Some(alpha) = raw.alpha {
            options.alpha = alpha;
        }
        if let Some(correction) = &raw.correction {
            options.correction = correction.parse()?;
        }
        options.ignore = raw.ignore;
        options.keep_all = raw.keep_all.unwrap_or(false);
        options.top = raw.top;
        if let Some(kind) = &raw.offer_kind {
            options.offer_kind = kind.parse()?;
        }
        options.offer_target = raw.target;
        options.threads = raw.threads;
        if let Some(prices) = raw.prices {
            let currency = match &raw.currency {
                Some(code) => Currency::from_code(code)?,
                None => Currency::USD,
            };
            let target = raw.target_plan.ok_or_else(|| {
                Error::invalid_parameter("target_plan", "prices need the plan the upgrade leads to")
            })?;
            let mut parsed = Vec::with_capacity(prices.len());
            for (plan, amount) in prices {
                let amount = text(&amount).ok_or_else(|| {
                    Error::invalid_parameter("prices", format!("{plan}: {amount} is not an amount"))
                })?;
                parsed.push((plan, Money::parse(&amount, currency)?));
            }
            let column = raw.plan_column.unwrap_or_else(|| "plan".to_owned());
            options.prices = Some(PlanPrices::new(column, target, parsed));
        }
        options.validate()?;
        Ok(options)
    }
}
