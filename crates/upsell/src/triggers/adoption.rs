//! Adoption gaps: the features a customer's plan pays for but the customer does not use, how
//! common each gap is, and whether customers with it churn more, so that a retention trigger
//! (help them adopt the feature) can fire before an upsell one.
//!
//! The one idea: a gap is a subgroup of a plan. For plan `P` and an included feature `f`, the
//! customers of `P` whose usage of `f` is below `min_usage` (1 by default: never used) form the
//! gap `plan == "P" && f < min_usage`, and get the statistics of [`discover`](super::discover)'s
//! subgroups, computed against the customers of the same plan (not all customers, so that a plan
//! that churns more does not make all of its gaps look harmful):
//!
//! - the share of the plan's customers with the gap;
//! - the outcome (churn) rate of the gap with its 95 % Wilson interval, and its lift over the
//!   plan's rate with that interval divided by the plan's rate (NaN when no customer of the plan
//!   has the outcome);
//! - the one-sided Fisher exact p-value that the gap's rate is higher than the rest of the plan's,
//!   corrected (Holm by default, or Benjamini-Hochberg) over every gap with at least one customer.
//!
//! Plans and features are described as the subscription generator and the customer tables of
//! [`discover`](super::discover) have them: a plan column of names, one usage count column per
//! feature, and for each plan the feature columns it includes ([`PlanFeatures`]). A missing usage
//! value counts as no usage (usage exports omit features never used); a customer whose plan is
//! missing or not described is an error naming the row, as is a feature column that is not there
//! or not a number.
//!
//! ```
//! use upsell::triggers::{AdoptionOptions, Batch, Column, PlanFeatures, adoption_gaps};
//! let customers = Batch::new(vec![
//!     ("id".to_owned(), Column::strings([Some("a"), Some("b"), Some("c"), Some("d")])),
//!     ("plan".to_owned(), Column::strings([Some("pro"), Some("pro"), Some("pro"), Some("starter")])),
//!     ("reports".to_owned(), Column::ints(vec![0, 4, 0, 0], None)),
//!     ("churned".to_owned(), Column::ints(vec![1, 0, 0, 1], None)),
//! ])?;
//! let options = AdoptionOptions {
//!     customer_column: Some("id".into()),
//!     ..AdoptionOptions::new(vec![
//!         PlanFeatures::new("starter", Vec::<String>::new()),
//!         PlanFeatures::new("pro", ["reports"]),
//!     ])
//! };
//! let found = adoption_gaps(&customers, &options)?;
//! let gap = &found.gaps[0];
//! assert_eq!((gap.plan.as_str(), gap.feature.as_str(), gap.customers, gap.plan_customers), ("pro", "reports", 2, 3));
//! assert_eq!(gap.expression(), r#"plan == "pro" && reports < 1"#);
//! assert!((gap.rate - 0.5).abs() < 1e-12 && (gap.lift - 1.5).abs() < 1e-12);
//! assert_eq!(found.customer_gaps.iter().map(|g| g.customer.as_str()).collect::<Vec<_>>(), ["a", "c"]);
//! # Ok::<(), upsell::Error>(())
//! ```

use std::collections::HashSet;

use super::batch::{Batch, Cells, Column, NULL_CODE};
use super::discover::{RateLift, read_outcome};
use crate::metrics::{Correction, adjust_p_values, fisher_greater};
use crate::{Error, Location, Result};

/// A plan and the feature columns (usage counts) it includes.
///
/// ```
/// let plan = upsell::triggers::PlanFeatures::new("pro", ["usage.reports", "usage.api"]);
/// assert_eq!(plan.features.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFeatures {
    /// The plan's name, as in the plan column.
    pub plan: String,
    /// The usage columns of the features it includes.
    pub features: Vec<String>,
}

impl PlanFeatures {
    /// Plan `plan` including `features`.
    pub fn new<S: Into<String>>(
        plan: impl Into<String>,
        features: impl IntoIterator<Item = S>,
    ) -> Self {
        PlanFeatures {
            plan: plan.into(),
            features: features.into_iter().map(Into::into).collect(),
        }
    }
}

impl std::str::FromStr for PlanFeatures {
    type Err = Error;

    /// A plan and its usage columns written `PLAN=COLUMN,COLUMN,...` (the CLI's `--plan`); `free=`
    /// is a plan including no feature.
    ///
    /// ```
    /// use upsell::triggers::PlanFeatures;
    /// let plan: PlanFeatures = "pro=usage.reports, usage.api".parse()?;
    /// assert_eq!(plan, PlanFeatures::new("pro", ["usage.reports", "usage.api"]));
    /// assert!("free=".parse::<PlanFeatures>()?.features.is_empty());
    /// assert!("pro".parse::<PlanFeatures>().is_err());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    fn from_str(text: &str) -> Result<Self> {
        let (plan, columns) = text.split_once('=').ok_or_else(|| {
            Error::invalid_parameter(
                "plans",
                format!(
                    "'{text}': expected PLAN=COLUMN,COLUMN,..., such as pro=usage.reports,usage.api"
                ),
            )
        })?;
        let features = columns.split(',').map(str::trim).filter(|c| !c.is_empty());
        Ok(PlanFeatures::new(plan.trim(), features))
    }
}

/// What to look for in [`adoption_gaps`].
///
/// ```
/// use upsell::triggers::{AdoptionOptions, PlanFeatures};
/// let options = AdoptionOptions::new(vec![PlanFeatures::new("pro", ["reports"])]);
/// assert_eq!((options.plan_column.as_str(), options.outcome.as_str(), options.min_usage), ("plan", "churned", 1));
/// assert!(AdoptionOptions { min_usage: 0, ..options }.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AdoptionOptions {
    /// Each plan and the features it includes (every plan customers are on must be listed).
    pub plans: Vec<PlanFeatures>,
    /// The column of plan names (default `plan`).
    pub plan_column: String,
    /// The 0/1 outcome column the gaps are associated with (default `churned`).
    pub outcome: String,
    /// The column of customer ids for [`AdoptionGaps::customer_gaps`]; `None` names customers
    /// by row number (1-based).
    pub customer_column: Option<String>,
    /// A feature used fewer times than this is unused (default 1: never used); at least 1.
    pub min_usage: i64,
    /// The significance level of the corrected p-values (default 0.05).
    pub alpha: f64,
    /// The correction for the number of gaps tested (default Holm).
    pub correction: Correction,
}

impl AdoptionOptions {
    /// Defaults for the plans `plans`.
    pub fn new(plans: Vec<PlanFeatures>) -> Self {
        AdoptionOptions {
            plans,
            plan_column: "plan".to_owned(),
            outcome: "churned".to_owned(),
            customer_column: None,
            min_usage: 1,
            alpha: 0.05,
            correction: Correction::Holm,
        }
    }

    /// Checks every parameter before any work starts.
    pub fn validate(&self) -> Result<()> {
        if self.plans.is_empty() {
            return Err(Error::invalid_parameter(
                "plans",
                "must describe at least one plan and its features",
            ));
        }
        let mut seen = HashSet::new();
        for plan in &self.plans {
            if !seen.insert(plan.plan.as_str()) {
                return Err(Error::invalid_parameter(
                    "plans",
                    format!("plan '{}' is described twice", plan.plan),
                ));
            }
            let mut features = HashSet::new();
            if let Some(twice) = plan.features.iter().find(|f| !features.insert(f.as_str())) {
                return Err(Error::invalid_parameter(
                    "plans",
                    format!("plan '{}' lists feature '{twice}' twice", plan.plan),
                ));
            }
        }
        if self.min_usage < 1 {
            return Err(Error::invalid_parameter(
                "min_usage",
                format!("must be at least 1, got {}", self.min_usage),
            ));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::invalid_parameter(
                "alpha",
                format!("must be between 0 and 1, got {}", self.alpha),
            ));
        }
        for (name, column) in [
            ("plan_column", &self.plan_column),
            ("outcome", &self.outcome),
        ] {
            if column.is_empty() {
                return Err(Error::invalid_parameter(name, "must name a column"));
            }
        }
        Ok(())
    }
}

/// One (plan, feature) gap with its statistics (see the module documentation).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AdoptionGap {
    /// The plan.
    pub plan: String,
    /// The feature (its usage column).
    pub feature: String,
    /// Customers on the plan.
    pub plan_customers: u64,
    /// Of them, customers with the outcome.
    pub plan_positives: u64,
    /// Customers of the plan with the gap.
    pub customers: u64,
    /// Of them, customers with the outcome.
    pub positives: u64,
    /// `customers / plan_customers`.
    pub share: f64,
    /// `positives / customers` (NaN for a gap no customer has).
    pub rate: f64,
    /// The 95 % Wilson interval of the rate.
    pub rate_low: f64,
    /// See `rate_low`.
    pub rate_high: f64,
    /// `rate / (plan_positives / plan_customers)`.
    pub lift: f64,
    /// The rate's interval divided by the plan's rate.
    pub lift_low: f64,
    /// See `lift_low`.
    pub lift_high: f64,
    /// The one-sided Fisher exact p-value against the plan's other customers (1 for an empty gap).
    pub p_value: f64,
    /// Its natural logarithm (finite where `p_value` underflows to 0).
    pub ln_p_value: f64,
    /// The p-value corrected over every gap with at least one customer.
    pub p_adjusted: f64,
    /// `p_adjusted <= alpha`.
    pub significant: bool,
    /// The rule condition selecting the gap's customers.
    condition: String,
}

impl AdoptionGap {
    /// The gap as a rule condition, `plan == "pro" && usage.reports < 1`, for a retention rule.
    pub fn expression(&self) -> String {
        self.condition.clone()
    }
}

/// One customer missing one feature of its plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CustomerGap {
    /// The customer's row (0-based).
    pub row: u64,
    /// Its id (the customer column's text, or the 1-based row number).
    pub customer: String,
    /// Its plan.
    pub plan: String,
    /// The feature it does not use.
    pub feature: String,
}

/// What [`adoption_gaps`] found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AdoptionGaps {
    /// Customers (rows).
    pub customers: u64,
    /// Customers with the outcome.
    pub positives: u64,
    /// Every (plan, feature) pair, in the order of the plans and features given.
    pub gaps: Vec<AdoptionGap>,
    /// Every customer's unused features, by row then in the plan's feature order.
    pub customer_gaps: Vec<CustomerGap>,
}

/// Finds the adoption gaps of `customers` (see the module documentation).
pub fn adoption_gaps(customers: &Batch, options: &AdoptionOptions) -> Result<AdoptionGaps> {
    options.validate()?;
    let outcome = read_outcome(customers, &options.outcome)?;
    let plans = plan_of_each_row(customers, options)?;
    let ids = match &options.customer_column {
        Some(name) => Some(column_named(customers, name, || {
            format!("customer column '{name}'")
        })?),
        None => None,
    };
    let mut gaps = Vec::new();
    let mut unused_by_gap: Vec<Vec<bool>> = Vec::new();
    for (index, plan) in options.plans.iter().enumerate() {
        let rows: Vec<usize> = (0..plans.len()).filter(|&r| plans[r] == index).collect();
        let plan_customers = rows.len() as u64;
        let plan_positives = rows.iter().filter(|&&r| outcome[r]).count() as u64;
        for feature in &plan.features {
            let unused = unused_rows(customers, feature, &plan.plan, options.min_usage)?;
            let with_gap: Vec<usize> = rows.iter().copied().filter(|&r| unused[r]).collect();
            let size = with_gap.len() as u64;
            let hits = with_gap.iter().filter(|&&r| outcome[r]).count() as u64;
            let (stats, p_value, ln_p_value) = if size == 0 {
                (None, 1.0, 0.0)
            } else {
                let base_rate = plan_positives as f64 / plan_customers as f64;
                let (p, ln_p) = fisher_greater(plan_customers, plan_positives, size, hits)?;
                (Some(RateLift::new(hits, size, base_rate)?), p, ln_p)
            };
            let nan = f64::NAN;
            let stat = |f: fn(&RateLift) -> f64| stats.as_ref().map_or(nan, f);
            gaps.push(AdoptionGap {
                plan: plan.plan.clone(),
                feature: feature.clone(),
                plan_customers,
                plan_positives,
                customers: size,
                positives: hits,
                share: if plan_customers == 0 {
                    nan
                } else {
                    size as f64 / plan_customers as f64
                },
                rate: stat(|s| s.rate),
                rate_low: stat(|s| s.rate_low),
                rate_high: stat(|s| s.rate_high),
                lift: stat(|s| s.lift),
                lift_low: stat(|s| s.lift_low),
                lift_high: stat(|s| s.lift_high),
                p_value,
                ln_p_value,
                p_adjusted: 1.0,
                significant: false,
                condition: gap_condition(
                    &options.plan_column,
                    &plan.plan,
                    feature,
                    options.min_usage,
                ),
            });
            unused_by_gap.push(unused);
        }
    }
    let tested: Vec<usize> = (0..gaps.len()).filter(|&k| gaps[k].customers > 0).collect();
    let p_values: Vec<f64> = tested.iter().map(|&k| gaps[k].p_value).collect();
    if !p_values.is_empty() {
        let adjusted = adjust_p_values(&p_values, p_values.len() as u64, options.correction)?;
        for (&k, p) in tested.iter().zip(adjusted) {
            gaps[k].p_adjusted = p;
            gaps[k].significant = p <= options.alpha;
        }
    }
    let mut customer_gaps = Vec::new();
    for (row, &plan) in plans.iter().enumerate() {
        let first: usize = options.plans[..plan].iter().map(|p| p.features.len()).sum();
        for (k, feature) in options.plans[plan].features.iter().enumerate() {
            if unused_by_gap[first + k][row] {
                customer_gaps.push(CustomerGap {
                    row: row as u64,
                    customer: ids.map_or_else(|| (row + 1).to_string(), |c| c.text(row)),
                    plan: options.plans[plan].plan.clone(),
                    feature: feature.clone(),
                });
            }
        }
    }
    Ok(AdoptionGaps {
        customers: outcome.len() as u64,
        positives: outcome.iter().filter(|&&y| y).count() as u64,
        gaps,
        customer_gaps,
    })
}

/// The condition `plan == "P" && feature < min_usage` in the rule language.
fn gap_condition(plan_column: &str, plan: &str, feature: &str, min_usage: i64) -> String {
    format!(
        "{} == {} && {} < {min_usage}",
        super::discover::field_name(plan_column),
        serde_json::Value::from(plan),
        super::discover::field_name(feature)
    )
}

/// The column `name`; if there is none, an error saying `what` is missing and listing the columns.
fn column_named<'a>(
    customers: &'a Batch,
    name: &str,
    what: impl FnOnce() -> String,
) -> Result<&'a Column> {
    customers
        .schema()
        .fields()
        .position(|(n, _)| n == name)
        .and_then(|k| customers.column(k))
        .ok_or_else(|| {
            let names: Vec<&str> = customers.schema().fields().map(|(n, _)| n).collect();
            Error::invalid_input(
                Location::memory().column_name(name),
                format!("no {} (columns: {})", what(), names.join(", ")),
            )
        })
}

/// Each row's plan as an index into `options.plans`; a missing or undescribed plan is an error
/// naming the row.
fn plan_of_each_row(customers: &Batch, options: &AdoptionOptions) -> Result<Vec<usize>> {
    let name = &options.plan_column;
    let column = column_named(customers, name, || format!("plan column '{name}'"))?;
    let at = |row: usize| Location::memory().column_name(name).line(row as u64 + 1);
    let Cells::Str { codes, dict } = column.cells() else {
        return Err(Error::invalid_input(
            Location::memory().column_name(name),
            format!(
                "the plan column has type {}: expected plan names (strings)",
                column.type_of()
            ),
        ));
    };
    let index: Vec<Option<usize>> = dict
        .iter()
        .map(|plan| options.plans.iter().position(|p| p.plan == **plan))
        .collect();
    codes
        .iter()
        .enumerate()
        .map(|(row, &code)| {
            if code == NULL_CODE {
                return Err(Error::invalid_input(
                    at(row),
                    format!("plan missing in row {}", row + 1),
                ));
            }
            index[code as usize].ok_or_else(|| {
                let known: Vec<&str> = options.plans.iter().map(|p| p.plan.as_str()).collect();
                Error::invalid_input(
                    at(row),
                    format!(
                        "unknown plan '{}' in row {}: its features are not described (plans: {})",
                        dict[code as usize],
                        row + 1,
                        known.join(", ")
                    ),
                )
            })
        })
        .collect()
}

/// Whether each row uses `feature` fewer than `min_usage` times (a missing value: not at all).
fn unused_rows(customers: &Batch, feature: &str, plan: &str, min_usage: i64) -> Result<Vec<bool>> {
    let column = column_named(customers, feature, || {
        format!("usage column '{feature}' (a feature of plan '{plan}')")
    })?;
    let valid = |row: usize| column.validity().is_none_or(|v| v[row]);
    let unused: Vec<bool> = match column.cells() {
        Cells::Int(values) => values
            .iter()
            .enumerate()
            .map(|(r, &v)| !valid(r) || v < min_usage)
            .collect(),
        Cells::Decimal(units) => {
            let limit = i128::from(min_usage) * 1_000_000;
            units
                .iter()
                .enumerate()
                .map(|(r, &u)| !valid(r) || i128::from(u) < limit)
                .collect()
        }
        Cells::Float(values) => values
            .iter()
            .enumerate()
            .map(|(r, &v)| !valid(r) || v.is_nan() || v < min_usage as f64)
            .collect(),
        Cells::Bool(values) => values
            .iter()
            .enumerate()
            .map(|(r, &used)| !valid(r) || !used)
            .collect(),
        Cells::Str { .. } | Cells::Other => {
            return Err(Error::invalid_input(
                Location::memory().column_name(feature),
                format!(
                    "the usage column '{feature}' of plan '{plan}' has type {}: expected counts (numbers) or booleans",
                    column.type_of()
                ),
            ));
        }
    };
    Ok(unused)
}

#[cfg(test)]
mod tests;
