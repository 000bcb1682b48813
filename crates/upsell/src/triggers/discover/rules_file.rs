//! Discovered subgroups as a rule file that the trigger engine loads: one rule per significant,
//! non-redundant subgroup, most significant first and with the highest priority, its statistics in
//! the description, and the schema of the columns the rules read.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Condition, ConditionOp, DiscoverOptions, Discovery, PlanPrices};
use crate::triggers::batch::Batch;
use crate::triggers::value::{Decimal, Value};
use crate::{Error, Result};

#[derive(Serialize)]
struct File {
    version: u32,
    schema: BTreeMap<String, &'static str>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Rule {
    name: String,
    description: String,
    when: String,
    offer: Offer,
    priority: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_value: Option<String>,
}

#[derive(Serialize)]
struct Offer {
    kind: &'static str,
    target: String,
}

/// The rule file of `discovery`'s significant, non-redundant subgroups with a rate above the base.
pub(super) fn write(
    discovery: &Discovery,
    customers: &Batch,
    options: &DiscoverOptions,
) -> Result<String> {
    let chosen: Vec<_> = discovery
        .subgroups
        .iter()
        .filter(|s| s.significant && !s.redundant && s.rate > discovery.base_rate)
        .collect();
    let mut schema = BTreeMap::new();
    let mut declare = |name: &str| {
        if let Some(ty) = customers.schema().get(name) {
            schema.insert(name.to_owned(), ty.name());
        }
    };
    for subgroup in &chosen {
        for condition in &subgroup.conditions {
            declare(&condition.column);
        }
    }
    if let Some(prices) = &options.prices {
        if !chosen.is_empty() {
            declare(&prices.column);
        }
    }
    let target = options
        .offer_target
        .clone()
        .or_else(|| options.prices.as_ref().map(|p| p.target.clone()))
        .unwrap_or_else(|| options.outcome.clone());
    let count = chosen.len() as i64;
    let rules = chosen
        .iter()
        .enumerate()
        .map(|(k, s)| Rule {
            name: format!("{}-{}", options.outcome, k + 1),
            description: format!(
                "{} rate {:.4} ({} of {}, 95% {:.4}-{:.4}), lift {:.2} ({:.2}-{:.2}), p {:.3e} ({}-corrected over {} tests)",
                options.outcome,
                s.rate,
                s.positives,
                s.size,
                s.rate_low,
                s.rate_high,
                s.lift,
                s.lift_low,
                s.lift_high,
                s.p_adjusted,
                options.correction.as_str(),
                discovery.tests
            ),
            when: s.expression(),
            offer: Offer {
                kind: options.offer_kind.as_str(),
                target: target.clone(),
            },
            priority: count - k as i64,
            expected_value: s.expected_value.clone(),
        })
        .collect();
    let file = File {
        version: 1,
        schema,
        rules,
    };
    let body = serde_norway::to_string(&file).map_err(|e| {
        Error::invalid_input(
            crate::Location::memory(),
            format!("cannot write the rules: {e}"),
        )
    })?;
    Ok(format!(
        "# Discovered by upsell from {} customers: outcome '{}' at base rate {:.4}; subgroups of at\n\
         # least {} customers whose rate is higher (one-sided Fisher exact test, {}-corrected, alpha {}).\n{body}",
        discovery.customers,
        options.outcome,
        discovery.base_rate,
        discovery.min_size,
        options.correction.as_str(),
        options.alpha
    ))
}

/// `rate x (target price - current plan price)`: a decimal when the conditions fix the plan, an
/// expression over the plan column otherwise.
pub(super) fn expected_value(prices: &PlanPrices, conditions: &[Condition], rate: f64) -> String {
    let exponent = prices
        .prices
        .first()
        .map_or(2, |(_, m)| u32::from(m.currency().exponent()));
    let target = prices.target_price().map_or(0, |m| m.minor());
    let decimal =
        |minor: i64| Decimal::from_minor_units(minor, exponent).unwrap_or(Decimal::from_units(0));
    let plan = conditions.iter().find_map(|c| match (&c.value, c.op) {
        (Value::Str(plan), ConditionOp::Eq) if c.column == prices.column => Some(plan),
        _ => None,
    });
    if let Some(plan) = plan {
        let current = prices.price(plan).map_or(target, |m| m.minor());
        let value = (rate * (target - current) as f64).round() as i64;
        return decimal(value).to_string();
    }
    let rate = Decimal::from_units((rate * 1e6).round() as i64);
    let field = super::field_name(&prices.column);
    let mut current = decimal(target).to_string();
    for (plan, price) in prices.prices.iter().rev() {
        current = format!(
            "{field} == {} ? {} : {current}",
            serde_json::Value::from(plan.as_str()),
            decimal(price.minor())
        );
    }
    format!("{rate} * ({} - ({current}))", decimal(target))
}
