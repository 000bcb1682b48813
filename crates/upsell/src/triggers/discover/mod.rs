//! Subgroup discovery: which customers have an outcome (upgraded, churned) at a rate well above
//! the rest, found from one row per customer and written as trigger rules.
//!
//! The one idea: a subgroup is an itemset. Every candidate condition (`plan == "starter"`,
//! `usage.feature_x_30d >= 21`) is an item, every customer a basket of the conditions it meets,
//! so the conjunctions of up to three conditions held by at least `min_size` customers are exactly
//! the frequent itemsets of length at most 3, found by the mining core; a second mining run over
//! the customers with the outcome counts each subgroup's positives.
//!
//! - **Conditions.** A string or boolean column gives `column == value` for each value held by at
//!   least `min_size` customers. A numeric column gives two thresholds chosen from the data, not
//!   fixed bins: every distinct value (the percentiles' when there are more than 100) is tried as
//!   a cut point, and the one that maximises the pooled two-proportion z statistic of the
//!   customers above against all others gives `column >= t`, the one that maximises it for those
//!   below gives `column < t` (each only when that side's rate is higher). The threshold written
//!   is the roundest number between the cut value and the value below it, so it selects the same
//!   customers. A missing value meets no condition. Times, durations and lists are not used:
//!   derive a number (days since) first.
//! - **Statistics** per subgroup of `n` customers with `a` positives, out of `N` with `A`: the rate
//!   `a / n` with its 95 % Wilson interval; the lift `rate / base rate` (`A / N`), its interval the
//!   Wilson interval divided by the base rate (the base rate, estimated from all customers, taken
//!   as known); the one-sided Fisher exact p-value that the subgroup's rate is higher than the
//!   other customers' ([`crate::metrics::fisher_greater`]).
//! - **Multiple tests.** The p-values are corrected (Holm by default, or Benjamini-Hochberg) for
//!   every subgroup that could have been tested: a subgroup counts once for every combination of
//!   cut points its thresholds were chosen from (`x >= t && y < u` chosen among 100 cut points
//!   each counts 10,000 times; the ones not computed count as p = 1, which only makes the
//!   correction stricter), so that the search for thresholds cannot manufacture a discovery.
//! - **Redundancy.** A subgroup of two or more conditions is kept only if it beats every subgroup
//!   with one condition fewer: a higher rate, and a Fisher test of the subgroup against the rest of
//!   that parent significant at `alpha` divided by the number of such comparisons (Bonferroni).
//!   Adding a condition that changes nothing, or only by chance, is pruned.
//!
//! The subgroups come most significant first (by `ln p`, which stays finite where the p-value
//! underflows), and as a rule file that [`crate::triggers::RuleSet`] loads.
//!
//! ```
//! use upsell::triggers::{Batch, Column, DiscoverOptions, discover};
//! // Starter customers who use feature X at least 20 times upgrade far more often.
//! let n = 2_000;
//! let plan: Vec<Option<&str>> = (0..n).map(|i| Some(if i % 2 == 0 { "starter" } else { "pro" })).collect();
//! let usage: Vec<i64> = (0..n).map(|i| (i as i64 * 7919) % 40).collect();
//! let upgraded: Vec<i64> = (0..n)
//!     .map(|i| i64::from(if plan[i] == Some("starter") && usage[i] >= 20 { i % 3 != 0 } else { i % 10 == 0 }))
//!     .collect();
//! let batch = Batch::new(vec![
//!     ("plan".to_owned(), Column::strings(plan)),
//!     ("usage".to_owned(), Column::ints(usage, None)),
//!     ("upgraded".to_owned(), Column::ints(upgraded, None)),
//! ])?;
//! let found = discover(&batch, &DiscoverOptions::new("upgraded"))?;
//! assert_eq!(found.subgroups[0].expression(), r#"plan == "starter" && usage >= 20"#);
//! let rules = upsell::triggers::RuleSet::from_yaml_str(&found.rules_yaml)?;
//! assert_eq!(rules.rules()[0].name, "upgraded-1");
//! # Ok::<(), upsell::Error>(())
//! ```

mod conditions;
mod json;
mod rules_file;
mod synthetic;

use rustc_hash::FxHashMap;

use self::conditions::{ColumnConditions, candidate_conditions};
use super::batch::{Batch, Cells};
use super::file::OfferKind;
use super::value::{Type, Value};
use crate::data::Baskets;
use crate::metrics::{Correction, adjust_p_values, fisher_greater, wilson_interval};
use crate::mining::{Algorithm, MinSupport, MiningOptions, mine_with};
use crate::pricing::Money;
use crate::{Control, Error, Location, Result};

pub use synthetic::{PlantedEffect, SubscriptionGenerator};

/// The largest number of conditions in a subgroup.
pub const MAX_CONDITIONS: usize = 3;

/// What to discover, and how the rules are written.
///
/// ```
/// use upsell::triggers::DiscoverOptions;
/// let options = DiscoverOptions { max_conditions: 4, ..DiscoverOptions::new("upgraded") };
/// assert!(options.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoverOptions {
    /// The 0/1 outcome column (`upgraded`, `churned`): integers or floats 0 and 1, or booleans.
    pub outcome: String,
    /// The smallest subgroup: a count of customers or a fraction of them (default 1 %, at least
    /// 1 customer).
    pub min_size: MinSupport,
    /// Conditions per subgroup, 1 to [`MAX_CONDITIONS`] (default 3).
    pub max_conditions: usize,
    /// The significance level of the corrected p-values and of the redundancy test (default 0.05).
    pub alpha: f64,
    /// The correction for the number of subgroups tested (default Holm).
    pub correction: Correction,
    /// Columns not used for conditions (customer ids, other outcomes).
    pub ignore: Vec<String>,
    /// Report every subgroup tested (with [`Subgroup::significant`] and [`Subgroup::redundant`]),
    /// not only the significant, non-redundant ones with a rate above the base rate.
    pub keep_all: bool,
    /// Report at most this many subgroups (the most significant); `None` for all.
    pub top: Option<usize>,
    /// The offer of the rules written: its kind (default upgrade).
    pub offer_kind: OfferKind,
    /// The offer's target (default: the outcome column's name).
    pub offer_target: Option<String>,
    /// Plan prices, for the rules' `expected_value`.
    pub prices: Option<PlanPrices>,
    /// Worker threads (see [`crate::mining::MiningOptions::threads`]).
    pub threads: Option<usize>,
}

impl DiscoverOptions {
    /// Defaults for the outcome column `outcome`.
    pub fn new(outcome: impl Into<String>) -> Self {
        DiscoverOptions {
            outcome: outcome.into(),
            min_size: MinSupport::Fraction {
                numerator: 1,
                denominator: 100,
            },
            max_conditions: MAX_CONDITIONS,
            alpha: 0.05,
            correction: Correction::Holm,
            ignore: Vec::new(),
            keep_all: false,
            top: None,
            offer_kind: OfferKind::Upgrade,
            offer_target: None,
            prices: None,
            threads: None,
        }
    }

    /// Checks every parameter before any work starts.
    pub fn validate(&self) -> Result<()> {
        if self.outcome.is_empty() {
            return Err(Error::invalid_parameter("outcome", "must name a column"));
        }
        if !(1..=MAX_CONDITIONS).contains(&self.max_conditions) {
            return Err(Error::invalid_parameter(
                "max_conditions",
                format!(
                    "must be between 1 and {MAX_CONDITIONS}, got {}",
                    self.max_conditions
                ),
            ));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::invalid_parameter(
                "alpha",
                format!("must be between 0 and 1, got {}", self.alpha),
            ));
        }
        if self.min_size == MinSupport::Count(0) {
            return Err(Error::invalid_parameter(
                "min_size",
                "must be at least 1 customer",
            ));
        }
        if self.top == Some(0) {
            return Err(Error::invalid_parameter(
                "top",
                "must be at least 1 (or unset for all)",
            ));
        }
        if let Some(prices) = &self.prices {
            prices.validate()?;
        }
        crate::parallel::check_threads(self.threads)
    }
}

/// Plan prices per period, to value an upgrade: a subgroup's rule gets `expected_value = rate x
/// (target price - current plan price)`, a number when the subgroup fixes the plan, an expression
/// over the plan column otherwise (a plan without a price counts as the target's price: no gain).
///
/// ```
/// use upsell::pricing::{Currency, Money};
/// use upsell::triggers::PlanPrices;
/// let prices = PlanPrices::new("plan", "pro", vec![
///     ("starter".into(), Money::new(1900, Currency::USD)),
///     ("pro".into(), Money::new(4900, Currency::USD)),
/// ]);
/// assert!(prices.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PlanPrices {
    /// The column holding each customer's current plan.
    pub column: String,
    /// The plan offered; it must have a price.
    pub target: String,
    /// Each plan's price, in one currency.
    pub prices: Vec<(String, Money)>,
}

impl PlanPrices {
    /// Prices of plans in `column`, valuing upgrades to `target`.
    pub fn new(
        column: impl Into<String>,
        target: impl Into<String>,
        prices: Vec<(String, Money)>,
    ) -> Self {
        PlanPrices {
            column: column.into(),
            target: target.into(),
            prices,
        }
    }

    /// Checks that the target has a price, no plan is priced twice and all share a currency.
    pub fn validate(&self) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for (plan, price) in &self.prices {
            if !seen.insert(plan.as_str()) {
                return Err(Error::invalid_parameter(
                    "prices",
                    format!("plan '{plan}' is priced twice"),
                ));
            }
            if let Some((_, first)) = self.prices.first() {
                first.same_currency(*price)?;
            }
        }
        if self.target_price().is_none() {
            return Err(Error::invalid_parameter(
                "prices",
                format!("the target plan '{}' has no price", self.target),
            ));
        }
        Ok(())
    }

    fn price(&self, plan: &str) -> Option<Money> {
        self.prices.iter().find(|(p, _)| p == plan).map(|(_, m)| *m)
    }

    fn target_price(&self) -> Option<Money> {
        self.price(&self.target)
    }
}

/// How a condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionOp {
    /// `column == value`.
    Eq,
    /// `column >= value`.
    Ge,
    /// `column < value`.
    Lt,
}

impl ConditionOp {
    /// The operator as written in rules.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionOp::Eq => "==",
            ConditionOp::Ge => ">=",
            ConditionOp::Lt => "<",
        }
    }
}

impl std::str::FromStr for ConditionOp {
    type Err = Error;

    /// The operator as written in rules (`==`, `>=`, `<`), as every surface reads it.
    ///
    /// ```
    /// use upsell::triggers::ConditionOp;
    /// assert_eq!(">=".parse::<ConditionOp>()?, ConditionOp::Ge);
    /// assert!("<=".parse::<ConditionOp>().unwrap_err().to_string().contains("'<='"));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        [ConditionOp::Eq, ConditionOp::Ge, ConditionOp::Lt]
            .into_iter()
            .find(|op| op.as_str() == s.trim())
            .ok_or_else(|| Error::invalid_parameter("op", format!("'{s}' is not one of ==, >=, <")))
    }
}

/// One condition of a subgroup.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The column.
    pub column: String,
    /// The comparison.
    pub op: ConditionOp,
    /// The value compared with: a string or boolean for `==`, a number for thresholds.
    pub value: Value,
}

impl Condition {
    /// The condition in the rule language (`plan == "starter"`, `` `seat count` >= 5 ``).
    ///
    /// ```
    /// use upsell::triggers::{Condition, ConditionOp, Value};
    /// let c = Condition { column: "seat count".into(), op: ConditionOp::Ge, value: Value::Int(5) };
    /// assert_eq!(c.expression(), "`seat count` >= 5");
    /// ```
    pub fn expression(&self) -> String {
        let value = match &self.value {
            Value::Str(s) => serde_json::Value::from(&**s).to_string(),
            other => other.to_string(),
        };
        format!("{} {} {value}", field_name(&self.column), self.op.as_str())
    }
}

/// A field name as the rule language reads it: as it is when it is a dotted path of identifiers,
/// else between backticks.
pub(crate) fn field_name(name: &str) -> String {
    let plain = name.split('.').all(|part| {
        let mut chars = part.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !matches!(part, "true" | "false" | "null" | "in")
    });
    if plain {
        name.to_owned()
    } else {
        format!("`{name}`")
    }
}

/// A subgroup with its statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Subgroup {
    /// The conditions, all of which its customers meet (in column order).
    pub conditions: Vec<Condition>,
    /// Customers in the subgroup.
    pub size: u64,
    /// Of them, customers with the outcome.
    pub positives: u64,
    /// `positives / size`.
    pub rate: f64,
    /// The 95 % Wilson interval of the rate.
    pub rate_low: f64,
    /// See `rate_low`.
    pub rate_high: f64,
    /// `rate / base rate`.
    pub lift: f64,
    /// The rate's interval divided by the base rate.
    pub lift_low: f64,
    /// See `lift_low`.
    pub lift_high: f64,
    /// The one-sided Fisher exact p-value against the other customers.
    pub p_value: f64,
    /// Its natural logarithm (finite where `p_value` underflows to 0).
    pub ln_p_value: f64,
    /// The p-value corrected for every subgroup tested.
    pub p_adjusted: f64,
    /// `p_adjusted <= alpha`.
    pub significant: bool,
    /// A refinement that does not beat one of its parents (see the module documentation).
    pub redundant: bool,
    /// `rate x (target price - plan price)` as a number or an expression, when prices are given.
    pub expected_value: Option<String>,
}

impl Subgroup {
    /// The subgroup as a rule condition: its conditions joined by `&&`.
    pub fn expression(&self) -> String {
        self.conditions
            .iter()
            .map(Condition::expression)
            .collect::<Vec<_>>()
            .join(" && ")
    }
}

/// A column that gave no condition, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedColumn {
    /// The column.
    pub column: String,
    /// Why (`all values missing`, `constant`, ...).
    pub reason: String,
}

/// What [`discover`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Discovery {
    /// Customers (rows).
    pub customers: u64,
    /// Customers with the outcome.
    pub positives: u64,
    /// `positives / customers`.
    pub base_rate: f64,
    /// The smallest subgroup, as a count.
    pub min_size: u64,
    /// Subgroups tested, the number the p-values are corrected for.
    pub tests: u64,
    /// The subgroups reported, most significant first.
    pub subgroups: Vec<Subgroup>,
    /// Columns that gave no condition.
    pub skipped: Vec<SkippedColumn>,
    /// The rule file (YAML) of the significant, non-redundant subgroups reported.
    pub rules_yaml: String,
}

/// Finds the subgroups of `customers` with the highest outcome rate (see the module
/// documentation).
pub fn discover(customers: &Batch, options: &DiscoverOptions) -> Result<Discovery> {
    discover_with(customers, options, &Control::new())
}

/// [`discover`], cancellable through `control`.
pub fn discover_with(
    customers: &Batch,
    options: &DiscoverOptions,
    control: &Control,
) -> Result<Discovery> {
    options.validate()?;
    let outcome = read_outcome(customers, &options.outcome)?;
    let total = outcome.len() as u64;
    let positives = outcome.iter().filter(|&&y| y).count() as u64;
    if positives == 0 || positives == total {
        return Err(Error::invalid_input(
            Location::memory().column_name(&options.outcome),
            format!(
                "the outcome is {} for every customer: there is no rate to compare",
                u8::from(positives == total)
            ),
        ));
    }
    let min_size = options.min_size.to_count(total)?.max(1);
    if total < min_size {
        return Err(Error::invalid_input(
            Location::memory(),
            format!("{total} customers, fewer than the smallest subgroup ({min_size})"),
        ));
    }
    let columns: Vec<usize> = customers
        .schema()
        .fields()
        .enumerate()
        .filter(|(_, (name, _))| {
            *name != options.outcome && !options.ignore.iter().any(|i| i == name)
        })
        .map(|(k, _)| k)
        .collect();
    control.check()?;
    let runner = crate::parallel::Runner::new(options.threads);
    let found: Vec<ColumnConditions> = runner.map(
        columns.len(),
        || (),
        |_, k| {
            let index = columns[k];
            let (name, _) = customers
                .schema()
                .fields()
                .nth(index)
                .unwrap_or(("", Type::Int));
            candidate_conditions(name, customers.column(index), &outcome, min_size)
        },
    );
    control.check()?;

    let mut conditions = Vec::new();
    let mut skipped = Vec::new();
    for column in &found {
        if let Some(reason) = &column.skipped {
            skipped.push(SkippedColumn {
                column: column.name.clone(),
                reason: reason.clone(),
            });
        }
    }
    let (all, hits) = baskets(customers, &columns, &found, &outcome, &mut conditions)?;
    let tries: Vec<u64> = found.iter().flat_map(|c| c.tries.iter().copied()).collect();
    control.check()?;
    // Every customer is a different basket of a few dozen conditions, half of which it meets:
    // vertical bitsets count a conjunction in one pass of AND and popcount, where a prefix tree
    // of a million distinct paths costs ten times more.
    let mining = |min: u64| MiningOptions {
        max_len: Some(options.max_conditions),
        algorithm: Algorithm::Eclat,
        threads: options.threads,
        ..MiningOptions::new(MinSupport::count(min))
    };
    let subgroups = mine_with(&all, &mining(min_size), control)?;
    let positive_counts: FxHashMap<Key, u64> = mine_with(&hits, &mining(1), control)?
        .iter()
        .map(|(items, count)| (key(items), count))
        .collect();
    control.check()?;

    let base_rate = positives as f64 / total as f64;
    let mut tested: Vec<Tested> = Vec::with_capacity(subgroups.len());
    for (items, size) in subgroups.iter() {
        if size == total {
            continue;
        }
        let hits = positive_counts.get(&key(items)).copied().unwrap_or(0);
        let (p_value, ln_p_value) = fisher_greater(total, positives, size, hits)?;
        tested.push(Tested {
            key: key(items),
            size,
            hits,
            p_value,
            ln_p_value,
        });
    }
    // A subgroup stands for every combination of cut points its thresholds were chosen from.
    let tests = tested
        .iter()
        .map(|t| {
            items_of(&t.key)
                .iter()
                .map(|&i| tries[i as usize].max(1))
                .fold(1u64, u64::saturating_mul)
        })
        .fold(0u64, u64::saturating_add);
    // Each refinement is compared with each of its parents.
    let comparisons: usize = tested
        .iter()
        .map(|t| items_of(&t.key).len())
        .filter(|&k| k >= 2)
        .sum();
    let refinement_alpha = options.alpha / comparisons.max(1) as f64;
    let p_values: Vec<f64> = tested.iter().map(|t| t.p_value).collect();
    let adjusted = adjust_p_values(&p_values, tests, options.correction)?;
    let index: FxHashMap<Key, usize> = tested.iter().enumerate().map(|(k, t)| (t.key, k)).collect();

    let mut reported = Vec::new();
    for (k, t) in tested.iter().enumerate() {
        let rate = t.hits as f64 / t.size as f64;
        let redundant = is_redundant(t, &tested, &index, refinement_alpha)?;
        let significant = adjusted[k] <= options.alpha;
        if !(options.keep_all || significant && !redundant && rate > base_rate) {
            continue;
        }
        let stats = RateLift::new(t.hits, t.size, base_rate)?;
        let items = items_of(&t.key);
        let conditions: Vec<Condition> = items
            .iter()
            .map(|&i| conditions[i as usize].clone())
            .collect();
        let expected_value = options
            .prices
            .as_ref()
            .map(|prices| rules_file::expected_value(prices, &conditions, rate));
        reported.push((
            t.ln_p_value,
            items,
            Subgroup {
                conditions,
                size: t.size,
                positives: t.hits,
                rate: stats.rate,
                rate_low: stats.rate_low,
                rate_high: stats.rate_high,
                lift: stats.lift,
                lift_low: stats.lift_low,
                lift_high: stats.lift_high,
                p_value: t.p_value,
                ln_p_value: t.ln_p_value,
                p_adjusted: adjusted[k],
                significant,
                redundant,
                expected_value,
            },
        ));
    }
    reported.sort_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then(b.2.size.cmp(&a.2.size))
            .then(a.1.cmp(&b.1))
    });
    let mut subgroups: Vec<Subgroup> = reported.into_iter().map(|(_, _, s)| s).collect();
    if let Some(top) = options.top {
        subgroups.truncate(top);
    }
    let mut discovery = Discovery {
        customers: total,
        positives,
        base_rate,
        min_size,
        tests,
        subgroups,
        skipped,
        rules_yaml: String::new(),
    };
    discovery.rules_yaml = rules_file::write(&discovery, customers, options)?;
    Ok(discovery)
}

/// A subgroup's rate with its 95 % Wilson interval, and its lift over `base_rate` with the
/// interval divided by the base rate: what every subgroup reports, in discovery and adoption gaps.
pub(crate) struct RateLift {
    pub(crate) rate: f64,
    pub(crate) rate_low: f64,
    pub(crate) rate_high: f64,
    pub(crate) lift: f64,
    pub(crate) lift_low: f64,
    pub(crate) lift_high: f64,
}

impl RateLift {
    /// `hits` of `size` customers (`size >= 1`) against `base_rate` (a lift of 0 / 0 is NaN).
    pub(crate) fn new(hits: u64, size: u64, base_rate: f64) -> Result<Self> {
        let (rate_low, rate_high) = wilson_interval(hits, size, 0.05)?;
        let rate = hits as f64 / size as f64;
        Ok(RateLift {
            rate,
            rate_low,
            rate_high,
            lift: rate / base_rate,
            lift_low: rate_low / base_rate,
            lift_high: rate_high / base_rate,
        })
    }
}

/// Up to three item ids, unused slots `u32::MAX`, sorted ascending.
type Key = [u32; MAX_CONDITIONS];

fn key(items: &[u32]) -> Key {
    let mut key = [u32::MAX; MAX_CONDITIONS];
    key[..items.len()].copy_from_slice(items);
    key
}

fn items_of(key: &Key) -> Vec<u32> {
    key.iter().copied().filter(|&i| i != u32::MAX).collect()
}

struct Tested {
    key: Key,
    size: u64,
    hits: u64,
    p_value: f64,
    ln_p_value: f64,
}

/// Whether a subgroup of two or more conditions fails to beat a parent (one condition fewer): a
/// rate no higher, or no significant difference from the rest of the parent.
fn is_redundant(
    subgroup: &Tested,
    tested: &[Tested],
    index: &FxHashMap<Key, usize>,
    alpha: f64,
) -> Result<bool> {
    let items = items_of(&subgroup.key);
    if items.len() < 2 {
        return Ok(false);
    }
    for drop in 0..items.len() {
        let parent: Vec<u32> = items
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != drop)
            .map(|(_, &i)| i)
            .collect();
        // A parent covering everyone is not a subgroup: it was not tested; compare with all then.
        let Some(&p) = index.get(&key(&parent)) else {
            continue;
        };
        let parent = &tested[p];
        if subgroup.hits * parent.size <= parent.hits * subgroup.size {
            return Ok(true);
        }
        let (p_value, _) = fisher_greater(parent.size, parent.hits, subgroup.size, subgroup.hits)?;
        if p_value > alpha {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The outcome column as booleans: 0/1 integers, floats or decimals, or booleans; anything else,
/// or a missing value, is an error naming the row.
pub(crate) fn read_outcome(customers: &Batch, name: &str) -> Result<Vec<bool>> {
    let at = || Location::memory().column_name(name);
    let index = customers
        .schema()
        .fields()
        .position(|(n, _)| n == name)
        .ok_or_else(|| {
            let names: Vec<&str> = customers.schema().fields().map(|(n, _)| n).collect();
            Error::invalid_input(
                at(),
                format!("no outcome column '{name}' (columns: {})", names.join(", ")),
            )
        })?;
    let column = customers
        .column(index)
        .ok_or_else(|| Error::invalid_input(at(), "no such column"))?;
    if let Some(row) = column.validity().and_then(|v| v.iter().position(|&ok| !ok)) {
        return Err(Error::invalid_input(
            at().line(row as u64 + 1),
            format!("outcome missing in row {}: expected 0 or 1", row + 1),
        ));
    }
    let bad = |row: usize, value: String| {
        Error::invalid_input(
            at().line(row as u64 + 1),
            format!("outcome {value} in row {}: expected 0 or 1", row + 1),
        )
    };
    match column.cells() {
        Cells::Bool(values) => Ok(values.to_vec()),
        Cells::Int(values) => values
            .iter()
            .enumerate()
            .map(|(row, &v)| match v {
                0 | 1 => Ok(v == 1),
                _ => Err(bad(row, v.to_string())),
            })
            .collect(),
        Cells::Decimal(units) => units
            .iter()
            .enumerate()
            .map(|(row, &u)| match u {
                0 | 1_000_000 => Ok(u != 0),
                _ => Err(bad(row, super::value::Decimal::from_units(u).to_string())),
            })
            .collect(),
        Cells::Float(values) => values
            .iter()
            .enumerate()
            .map(|(row, &v)| {
                if v == 0.0 || v == 1.0 {
                    Ok(v == 1.0)
                } else {
                    Err(bad(row, v.to_string()))
                }
            })
            .collect(),
        Cells::Str { .. } | Cells::Other => Err(Error::invalid_input(
            at(),
            format!(
                "the outcome column has type {}: expected 0/1 numbers or booleans",
                column.type_of()
            ),
        )),
    }
}

/// Every customer as a basket of the conditions it meets (item ids in column order, which is
/// ascending), and the same for the customers with the outcome; `conditions` gets the items.
fn baskets(
    customers: &Batch,
    columns: &[usize],
    found: &[ColumnConditions],
    outcome: &[bool],
    conditions: &mut Vec<Condition>,
) -> Result<(Baskets, Baskets)> {
    let mut used = Vec::new();
    for (&index, column) in columns.iter().zip(found) {
        if let (false, Some(data)) = (column.items.is_empty(), customers.column(index)) {
            used.push((column, data, conditions.len() as u32));
            conditions.extend(column.items.iter().cloned());
        }
    }
    let mut all = (Vec::new(), vec![0usize]);
    let mut hits = (Vec::new(), vec![0usize]);
    let mut items = Vec::new();
    for (row, &positive) in outcome.iter().enumerate() {
        items.clear();
        for (column, data, first) in &used {
            column.push_items(data, row, *first, &mut items);
        }
        if positive {
            hits.0.extend_from_slice(&items);
            hits.1.push(hits.0.len());
        }
        all.0.extend_from_slice(&items);
        all.1.push(all.0.len());
    }
    Ok((
        Baskets::from_arrays(all.0, all.1)?,
        Baskets::from_arrays(hits.0, hits.1)?,
    ))
}

#[cfg(test)]
mod tests;
