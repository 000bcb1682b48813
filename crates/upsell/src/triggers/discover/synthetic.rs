//! A synthetic subscription (SaaS) customer table with effects planted by parameters, so that
//! discovery can be tested against a known truth and demonstrated without real data.
//!
//! Each customer gets a plan (lower plans more common), seats, tenure in months, and monthly usage
//! counts of a number of features (exponential around a mean that grows with the plan), then two
//! outcomes, `upgraded` and `churned`, drawn at base rates multiplied by the lift of every planted
//! effect whose condition the customer meets. Deterministic for a seed, on every platform (SplitMix64,
//! no `rand` crate).

use super::ConditionOp;
use crate::triggers::batch::{Batch, Column};
use crate::{Error, Result};

/// An effect planted in the data: customers (of `plan`, when given) whose `column` compares with
/// `threshold` by `op` have the `outcome` at `lift` times its base rate.
///
/// ```
/// use upsell::triggers::{ConditionOp, PlantedEffect};
/// let effect = PlantedEffect::new("upgraded", "usage.feature_1", ConditionOp::Ge, 20, 3.0).plan("starter");
/// assert_eq!(effect.plan.as_deref(), Some("starter"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedEffect {
    /// `upgraded` or `churned`.
    pub outcome: String,
    /// Only customers of this plan; `None` for all.
    pub plan: Option<String>,
    /// A numeric column: `seats`, `tenure_months` or `usage.feature_<k>`.
    pub column: String,
    /// `>=` or `<`.
    pub op: ConditionOp,
    /// The threshold.
    pub threshold: i64,
    /// The factor on the base rate.
    pub lift: f64,
}

impl PlantedEffect {
    /// An effect on all plans.
    pub fn new(
        outcome: impl Into<String>,
        column: impl Into<String>,
        op: ConditionOp,
        threshold: i64,
        lift: f64,
    ) -> Self {
        PlantedEffect {
            outcome: outcome.into(),
            plan: None,
            column: column.into(),
            op,
            threshold,
            lift,
        }
    }

    /// The same effect on one plan only.
    #[must_use]
    pub fn plan(mut self, plan: impl Into<String>) -> Self {
        self.plan = Some(plan.into());
        self
    }
}

/// The parameters of a synthetic customer table (see the module documentation).
///
/// ```
/// use upsell::triggers::{ConditionOp, PlantedEffect, SubscriptionGenerator};
/// let generator = SubscriptionGenerator {
///     customers: 1_000,
///     effects: vec![PlantedEffect::new("churned", "tenure_months", ConditionOp::Lt, 6, 3.0)],
///     ..SubscriptionGenerator::default()
/// };
/// let customers = generator.generate()?;
/// assert_eq!(customers.len(), 1_000);
/// assert_eq!(customers.schema().get("usage.feature_1"), Some(upsell::triggers::Type::Int));
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionGenerator {
    /// Customers (rows).
    pub customers: usize,
    /// Plan names, lowest first; plan `k` is drawn with weight `1 / (k + 1)`.
    pub plans: Vec<String>,
    /// Usage columns `usage.feature_1` ... `usage.feature_<features>`.
    pub features: usize,
    /// Mean monthly usage count on the lowest plan (each plan up adds half of it).
    pub mean_usage: f64,
    /// The base rate of `upgraded`.
    pub upgrade_rate: f64,
    /// The base rate of `churned`.
    pub churn_rate: f64,
    /// The planted effects.
    pub effects: Vec<PlantedEffect>,
    /// The seed.
    pub seed: u64,
}

impl Default for SubscriptionGenerator {
    fn default() -> Self {
        SubscriptionGenerator {
            customers: 10_000,
            plans: vec!["starter".into(), "team".into(), "pro".into()],
            features: 5,
            mean_usage: 10.0,
            upgrade_rate: 0.05,
            churn_rate: 0.03,
            effects: Vec::new(),
            seed: 42,
        }
    }
}

impl SubscriptionGenerator {
    /// Checks every parameter.
    pub fn validate(&self) -> Result<()> {
        let bad =
            |name: &'static str, message: String| Err(Error::invalid_parameter(name, message));
        if self.customers == 0 || self.customers > u32::MAX as usize {
            return bad(
                "customers",
                format!("must be between 1 and {}, got {}", u32::MAX, self.customers),
            );
        }
        if self.plans.is_empty() {
            return bad("plans", "must name at least one plan".into());
        }
        if !(self.mean_usage.is_finite() && self.mean_usage > 0.0) {
            return bad(
                "mean_usage",
                format!("must be positive, got {}", self.mean_usage),
            );
        }
        for (name, rate) in [
            ("upgrade_rate", self.upgrade_rate),
            ("churn_rate", self.churn_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return bad(name, format!("must be between 0 and 1, got {rate}"));
            }
        }
        for effect in &self.effects {
            if !matches!(effect.outcome.as_str(), "upgraded" | "churned") {
                return bad(
                    "effects",
                    format!("outcome '{}' is not upgraded or churned", effect.outcome),
                );
            }
            if self.column_of(&effect.column).is_none() {
                return bad(
                    "effects",
                    format!("'{}' is not a numeric column of the table", effect.column),
                );
            }
            if effect
                .plan
                .as_ref()
                .is_some_and(|p| !self.plans.contains(p))
            {
                return bad(
                    "effects",
                    format!(
                        "plan '{}' is not among the plans",
                        effect.plan.as_deref().unwrap_or("")
                    ),
                );
            }
            if effect.op == ConditionOp::Eq {
                return bad("effects", "the comparison must be >= or <".into());
            }
            if !(effect.lift.is_finite() && effect.lift >= 0.0) {
                return bad(
                    "effects",
                    format!("lift must be at least 0, got {}", effect.lift),
                );
            }
        }
        Ok(())
    }

    /// The numeric column `name`: 0 seats, 1 tenure, 2 + k feature k + 1.
    fn column_of(&self, name: &str) -> Option<usize> {
        match name {
            "seats" => Some(0),
            "tenure_months" => Some(1),
            _ => name
                .strip_prefix("usage.feature_")
                .and_then(|k| k.parse::<usize>().ok())
                .filter(|k| (1..=self.features).contains(k))
                .map(|k| k + 1),
        }
    }

    /// The table: `id`, `plan`, `seats`, `tenure_months`, the usage columns, `upgraded`, `churned`.
    pub fn generate(&self) -> Result<Batch> {
        self.validate()?;
        let mut rng = SplitMix64(self.seed);
        let n = self.customers;
        let weights: Vec<f64> = (0..self.plans.len())
            .map(|k| 1.0 / (k as f64 + 1.0))
            .collect();
        let total_weight: f64 = weights.iter().sum();
        let mut plan = Vec::with_capacity(n);
        let mut numbers: Vec<Vec<i64>> = vec![Vec::with_capacity(n); 2 + self.features];
        let mut upgraded = Vec::with_capacity(n);
        let mut churned = Vec::with_capacity(n);
        let effects: Vec<(usize, Option<usize>, &PlantedEffect)> = self
            .effects
            .iter()
            .filter_map(|e| {
                let plan = e
                    .plan
                    .as_ref()
                    .and_then(|p| self.plans.iter().position(|q| q == p));
                Some((self.column_of(&e.column)?, plan, e))
            })
            .collect();
        let mut row = vec![0i64; 2 + self.features];
        for _ in 0..n {
            let mut pick = rng.unit() * total_weight;
            let mut tier = 0;
            while tier + 1 < weights.len() && pick >= weights[tier] {
                pick -= weights[tier];
                tier += 1;
            }
            let scale = 1.0 + 0.5 * tier as f64;
            row[0] = 1 + rng.exponential(2.0 * scale) as i64;
            row[1] = 1 + (rng.unit() * 60.0) as i64;
            for value in &mut row[2..] {
                *value = rng.exponential(self.mean_usage * scale) as i64;
            }
            let (mut up, mut churn) = (self.upgrade_rate, self.churn_rate);
            for &(column, only, effect) in &effects {
                let meets = match effect.op {
                    ConditionOp::Ge => row[column] >= effect.threshold,
                    _ => row[column] < effect.threshold,
                };
                if meets && only.is_none_or(|p| p == tier) {
                    if effect.outcome == "upgraded" {
                        up *= effect.lift;
                    } else {
                        churn *= effect.lift;
                    }
                }
            }
            upgraded.push(i64::from(rng.unit() < up.min(1.0)));
            churned.push(i64::from(rng.unit() < churn.min(1.0)));
            plan.push(tier as u32);
            for (column, &value) in numbers.iter_mut().zip(&row) {
                column.push(value);
            }
        }
        let ids: Vec<String> = (1..=n).map(|k| format!("c{k:07}")).collect();
        let mut columns = vec![
            (
                "id".to_owned(),
                Column::strings(ids.iter().map(|s| Some(s.as_str()))),
            ),
            (
                "plan".to_owned(),
                Column::dictionary(plan, self.plans.clone())?,
            ),
        ];
        let mut names = vec!["seats".to_owned(), "tenure_months".to_owned()];
        names.extend((1..=self.features).map(|k| format!("usage.feature_{k}")));
        for (name, values) in names.into_iter().zip(numbers) {
            columns.push((name, Column::ints(values, None)));
        }
        columns.push(("upgraded".to_owned(), Column::ints(upgraded, None)));
        columns.push(("churned".to_owned(), Column::ints(churned, None)));
        Batch::new(columns)
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): tiny, fast, the same on every platform.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Exponential with mean `mean`.
    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
}
