//! Time-window affinity: when a customer buys A, how often do they buy B within the next N days?
//!
//! Basket mining sees one visit at a time; this module follows customers across visits. Its input is
//! long data, one line item a row with a customer, an item and a UTC time ([`Purchases`]); its output
//! is one [`SequenceRule`] per ordered pair (A, B) and window, which reads as
//! "B: 37% of buyers of A within 30 days" ([`SequenceRules::describe`]).
//!
//! # Semantics
//!
//! The same definitions hold on every surface (Rust, the `upsell sequences` command, Python, C):
//!
//! - A **basket** is everything one customer bought at one instant (the same timestamp). With
//!   day-granular data (`2015-07-21`) a basket is a customer-day.
//! - The **anchor** of A for a customer is their *first* purchase of A.
//! - A customer bought **A then B within W days** when they bought B strictly after the anchor and
//!   at most W x 86,400 seconds after it: `0 < t(B) - t(first A) <= W days`. B in the same basket
//!   as the anchor does not count ("then" means a later visit); a purchase of B before A neither
//!   helps nor hurts. A and B are different items; (A, B) and (B, A) are different rules.
//! - `antecedent_customers`: customers who bought A at all. `customers`: customers who bought A then
//!   B within W days. `support = customers / all customers`; `confidence = customers /
//!   antecedent_customers`.
//! - **Base rate** of B over W: the share of all customers who bought B within W days after their
//!   first purchase of anything, with the same "strictly after, at most W days" rule
//!   (`baseline_customers / all customers`). It answers "how likely is any customer to buy B in the
//!   W days after a visit", so `lift = confidence / base_rate` says how much buying A raises that.
//!   When no customer bought B within W days of a first visit the lift is undefined (`None`).
//! - Windows are cumulative: a customer counted within 7 days is also counted within 30.
//! - The end of the data is not corrected for: a customer whose anchor lies less than W days
//!   before the last recorded purchase had less than W days to buy B, so long windows on short
//!   data give lower bounds. Confidence and base rate are affected alike.
//!
//! Rows without a customer are excluded and counted ([`SequenceRules::excluded_rows`]).
//!
//! ```
//! use upsell::Control;
//! use upsell::sequence::{sequential_affinity, PurchaseColumns, Purchases, SequenceOptions};
//!
//! let text = "customer,day,item\n\
//!             ann,2026-01-01,tent\nann,2026-01-05,stove\n\
//!             bob,2026-01-02,tent\nbob,2026-03-01,stove\n\
//!             cat,2026-01-03,stove\n";
//! let columns = PurchaseColumns::new("customer", "day", "item");
//! let purchases = Purchases::from_reader(text.as_bytes(), "orders.csv", &columns)?;
//! let options = SequenceOptions { windows: vec![7, 90], ..SequenceOptions::default() };
//! let rules = sequential_affinity(&purchases, &options, &Control::new())?;
//! let lines: Vec<String> = rules.rules().iter().map(|rule| rules.describe(rule)).collect();
//! assert_eq!(lines, ["stove: 50% of buyers of tent within 7 days", "stove: 100% of buyers of tent within 90 days"]);
//! # Ok::<(), upsell::Error>(())
//! ```

mod count;
mod purchases;

use std::cmp::Ordering;

pub use purchases::{PurchaseColumns, Purchases, parse_times};

use crate::data::{ItemDictionary, ItemId};
use crate::{Control, Error, Result};

/// The windows used when none are given: 7, 30, 60 and 90 days.
pub const DEFAULT_WINDOWS: [i64; 4] = [7, 30, 60, 90];

/// The default budget of distinct (A, B) pairs counted before stopping with
/// [`Error::LimitExceeded`]: each costs 8 bytes plus 8 per window while counting.
pub const DEFAULT_MAX_PAIRS: u64 = 20_000_000;

/// The most windows in one run.
pub const MAX_WINDOWS: usize = 64;

/// What to count and what to report.
///
/// ```
/// use upsell::sequence::SequenceOptions;
/// let options = SequenceOptions { windows: vec![14, 28], min_customers: 5, ..SequenceOptions::default() };
/// assert!(options.validate().is_ok());
/// let zero = SequenceOptions { windows: vec![0, 30], ..SequenceOptions::default() };
/// assert_eq!(zero.validate().unwrap_err().kind(), upsell::ErrorKind::InvalidParameter);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceOptions {
    /// Window lengths in whole days, each positive and distinct; reported in ascending order.
    pub windows: Vec<i64>,
    /// Report a rule only when at least this many customers bought A then B within the window.
    pub min_customers: u64,
    /// Report a rule only when its support (a fraction of all customers) is at least this.
    pub min_support: f64,
    /// Report a rule only when its confidence is at least this.
    pub min_confidence: f64,
    /// Keep at most this many rules per window, the most confident first (`None`: all).
    pub top: Option<usize>,
    /// Worker threads: `Some(1)` runs on the calling thread; `None` uses the crate's pool.
    pub threads: Option<usize>,
    /// Stop with [`Error::LimitExceeded`] rather than count more distinct pairs than this.
    pub max_pairs: u64,
}

impl Default for SequenceOptions {
    fn default() -> Self {
        SequenceOptions {
            windows: DEFAULT_WINDOWS.to_vec(),
            min_customers: 1,
            min_support: 0.0,
            min_confidence: 0.0,
            top: None,
            threads: None,
            max_pairs: DEFAULT_MAX_PAIRS,
        }
    }
}

impl SequenceOptions {
    /// Checks every parameter, naming the first one out of range.
    pub fn validate(&self) -> Result<()> {
        self.window_seconds().map(|_| ())?;
        check_fraction("min_support", self.min_support)?;
        check_fraction("min_confidence", self.min_confidence)?;
        if self.top == Some(0) {
            return Err(Error::invalid_parameter("top", "must be at least 1 (or unset for every rule)"));
        }
        crate::parallel::check_threads(self.threads)?;
        if self.max_pairs == 0 {
            return Err(Error::invalid_parameter("max_pairs", "must be at least 1"));
        }
        Ok(())
    }

    /// The windows in seconds, ascending, after checking them.
    fn window_seconds(&self) -> Result<Vec<i64>> {
        if self.windows.is_empty() {
            return Err(Error::invalid_parameter("windows", "give at least one window (in days), e.g. 7,30,60,90"));
        }
        if self.windows.len() > MAX_WINDOWS {
            return Err(Error::invalid_parameter(
                "windows",
                format!("{} windows given, at most {MAX_WINDOWS} are allowed", self.windows.len()),
            ));
        }
        let mut days = self.windows.clone();
        days.sort_unstable();
        if let Some(&bad) = days.iter().find(|&&d| d <= 0) {
            return Err(Error::invalid_parameter(
                "windows",
                format!("{bad} days: every window must be at least 1 day"),
            ));
        }
        if let Some(pair) = days.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(Error::invalid_parameter("windows", format!("{} days is listed twice", pair[0])));
        }
        days.iter()
            .map(|&d| {
                d.checked_mul(86_400)
                    .ok_or_else(|| Error::invalid_parameter("windows", format!("{d} days is too long a window")))
            })
            .collect()
    }
}

fn check_fraction(name: &'static str, value: f64) -> Result<()> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid_parameter(name, format!("{value} is not a fraction between 0 and 1")))
    }
}

/// "Customers who bought A then bought B within `window_days` days", with its measures.
///
/// See the [module docs](self) for the exact definitions.
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceRule {
    /// A, the item bought first.
    pub antecedent: ItemId,
    /// B, the item bought later.
    pub consequent: ItemId,
    /// The window W, in days.
    pub window_days: i64,
    /// Customers who bought A.
    pub antecedent_customers: u64,
    /// Customers who bought B within W days after their first purchase of A.
    pub customers: u64,
    /// Customers who bought B within W days after their first purchase of anything.
    pub baseline_customers: u64,
    /// `customers / all customers`.
    pub support: f64,
    /// `customers / antecedent_customers`.
    pub confidence: f64,
    /// `baseline_customers / all customers`.
    pub base_rate: f64,
    /// `confidence / base_rate`; `None` when the base rate is 0.
    pub lift: Option<f64>,
}

/// The result of [`sequential_affinity`]: rules sorted by window, then confidence (highest first),
/// then customers (most first), then antecedent and consequent id.
#[derive(Debug, Clone)]
pub struct SequenceRules {
    rules: Vec<SequenceRule>,
    labels: ItemDictionary,
    customers: u64,
    rows: u64,
    excluded_rows: u64,
    pairs: u64,
}

impl SequenceRules {
    /// The rules that passed the filters.
    pub fn rules(&self) -> &[SequenceRule] {
        &self.rules
    }

    /// The names of the item ids in the rules.
    pub fn labels(&self) -> &ItemDictionary {
        &self.labels
    }

    /// All customers (the denominator of support and base rate).
    pub fn customers(&self) -> u64 {
        self.customers
    }

    /// Rows in the input, excluded ones included.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Rows excluded because they name no customer.
    pub fn excluded_rows(&self) -> u64 {
        self.excluded_rows
    }

    /// Distinct ordered pairs seen within the longest window, before the filters.
    pub fn pairs_counted(&self) -> u64 {
        self.pairs
    }

    /// The rule in words: `"stove: 50% of buyers of tent within 7 days"`.
    ///
    /// Percentages are whole numbers from 1% up and have one decimal below 1% (`0.4%`).
    pub fn describe(&self, rule: &SequenceRule) -> String {
        let name = |id| self.labels.label(id).unwrap_or("?");
        let percent = rule.confidence * 100.0;
        let percent = if percent >= 1.0 || percent == 0.0 { format!("{percent:.0}") } else { format!("{percent:.1}") };
        let days = if rule.window_days == 1 { "day" } else { "days" };
        format!(
            "{}: {percent}% of buyers of {} within {} {days}",
            name(rule.consequent),
            name(rule.antecedent),
            rule.window_days
        )
    }
}

/// Counts, for every ordered pair (A, B) and window W, the customers who bought A then B within W
/// days, and reports the rules that pass the filters of `options`.
///
/// Runs in parallel over antecedents on the crate's pool; the result does not depend on the number
/// of threads. Progress is reported on `control` in anchors (one per customer and item bought);
/// cancelling it stops the work with [`Error::Cancelled`]. The same as
/// [`SequenceCounts::count`] followed by [`SequenceCounts::rules`], which a run over several
/// processes uses with [`SequenceCounts::merge`] in between.
///
/// ```
/// use upsell::Control;
/// use upsell::sequence::{sequential_affinity, Purchases, SequenceOptions};
/// const DAY: i64 = 86_400;
/// // Customer 1 buys item 0, then item 1 two days later; customer 2 buys item 1 only.
/// let purchases = Purchases::from_arrays(&[1, 1, 2], &[0, 1, 1], &[0, 2 * DAY, 0], None)?;
/// let options = SequenceOptions { windows: vec![1, 7], ..SequenceOptions::default() };
/// let rules = sequential_affinity(&purchases, &options, &Control::new())?;
/// let rule = &rules.rules()[0];
/// assert_eq!((rule.antecedent, rule.consequent, rule.window_days), (0, 1, 7));
/// assert_eq!((rule.customers, rule.confidence, rule.support), (1, 1.0, 0.5));
/// // Half of all customers bought item 1 within 7 days of their first visit: lift 1.0 / 0.5.
/// assert_eq!((rule.base_rate, rule.lift), (0.5, Some(2.0)));
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn sequential_affinity(
    purchases: &Purchases,
    options: &SequenceOptions,
    control: &Control,
) -> Result<SequenceRules> {
    SequenceCounts::count(purchases, options, control)?.rules(purchases.labels(), options, control)
}

/// The exact customer counts behind [`sequential_affinity`], before any filter: the part of the
/// job that adds up over disjoint sets of customers.
///
/// Every count is a number of customers, and a customer's counts depend on their own history
/// only, so the counts of customers split over several processes (or Spark partitions) are the
/// sums of each part's counts: count each part with [`SequenceCounts::count`] (the same item ids
/// everywhere, each customer in one part only), add them up with [`SequenceCounts::merge`], and
/// [`SequenceCounts::rules`] gives exactly what one process gives on all the purchases. The fields
/// are plain data so that parts can travel between processes in any encoding; serde gives JSON.
///
/// Histograms are flat, `windows` entries per item or pair, cumulative: entry `k` counts the
/// customers within `window_days[k]` days.
///
/// ```
/// use upsell::Control;
/// use upsell::sequence::{sequential_affinity, Purchases, SequenceCounts, SequenceOptions};
/// const DAY: i64 = 86_400;
/// let options = SequenceOptions { windows: vec![1, 7], ..SequenceOptions::default() };
/// // Customers 1 and 2 on one machine, customer 3 on another: the same item ids on both.
/// let first = Purchases::from_arrays(&[1, 1, 2], &[0, 1, 1], &[0, 2 * DAY, 0], None)?;
/// let second = Purchases::from_arrays(&[3, 3], &[0, 1], &[0, DAY / 2], None)?;
/// let mut counts = SequenceCounts::count(&first, &options, &Control::new())?;
/// counts.merge(&SequenceCounts::count(&second, &options, &Control::new())?)?;
/// assert_eq!((counts.customers, &counts.pairs[..], &counts.pair_counts[..]), (3, &[(0, 1)][..], &[1, 2][..]));
///
/// let all = Purchases::from_arrays(&[1, 1, 2, 3, 3], &[0, 1, 1, 0, 1], &[0, 2 * DAY, 0, 0, DAY / 2], None)?;
/// let rules = counts.rules(all.labels(), &options, &Control::new())?;
/// assert_eq!(rules.rules(), sequential_affinity(&all, &options, &Control::new())?.rules());
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SequenceCounts {
    /// The windows, in days, ascending.
    pub window_days: Vec<i64>,
    /// Customers counted (the denominator of support and base rate).
    pub customers: u64,
    /// Rows read, excluded ones included.
    pub rows: u64,
    /// Rows excluded because they name no customer.
    pub excluded_rows: u64,
    /// Per item id: the customers who bought it.
    pub item_customers: Vec<u64>,
    /// Per item id and window: the customers who bought it within the window after their first
    /// purchase of anything.
    pub baseline: Vec<u64>,
    /// The ordered pairs (A, B) with a customer in the longest window, strictly ascending.
    pub pairs: Vec<(ItemId, ItemId)>,
    /// Per pair and window: the customers who bought B within the window after their first
    /// purchase of A.
    pub pair_counts: Vec<u64>,
}

impl SequenceCounts {
    /// Counts the customers of `purchases` for the windows of `options` (its filters apply later,
    /// in [`SequenceCounts::rules`]). Purchases without any customer give zero counts.
    pub fn count(purchases: &Purchases, options: &SequenceOptions, control: &Control) -> Result<SequenceCounts> {
        options.validate()?;
        let window_seconds = options.window_seconds()?;
        let tally = count::tally(purchases, &window_seconds, options.threads, options.max_pairs, control)?;
        let mut window_days = options.windows.clone();
        window_days.sort_unstable();
        Ok(SequenceCounts {
            window_days,
            customers: purchases.customers() as u64,
            rows: purchases.rows(),
            excluded_rows: purchases.excluded_rows(),
            item_customers: tally.item_customers,
            baseline: tally.baseline,
            pairs: tally.pairs,
            pair_counts: tally.pair_counts,
        })
    }

    /// Adds the counts of `other`, which counted other customers with the same item ids and windows.
    ///
    /// Exact (integer sums); the result does not depend on the order of merging. Counts of the
    /// same customer in both parts would be counted twice: split purchases by customer.
    pub fn merge(&mut self, other: &SequenceCounts) -> Result<()> {
        self.validate()?;
        other.validate()?;
        if self.window_days != other.window_days {
            return Err(Error::invalid_parameter(
                "windows",
                format!(
                    "cannot merge counts for windows {:?} into counts for {:?}",
                    other.window_days, self.window_days
                ),
            ));
        }
        let windows = self.window_days.len();
        let items = self.item_customers.len().max(other.item_customers.len());
        self.item_customers.resize(items, 0);
        self.baseline.resize(items * windows, 0);
        for (mine, theirs) in self.item_customers.iter_mut().zip(&other.item_customers) {
            *mine += theirs;
        }
        for (mine, theirs) in self.baseline.iter_mut().zip(&other.baseline) {
            *mine += theirs;
        }
        let (mut pairs, mut pair_counts) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < self.pairs.len() || j < other.pairs.len() {
            let histogram = |counts: &[u64], at: usize| counts[at * windows..(at + 1) * windows].to_vec();
            let ordering = match (self.pairs.get(i), other.pairs.get(j)) {
                (Some(a), Some(b)) => a.cmp(b),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match ordering {
                Ordering::Less => {
                    pairs.push(self.pairs[i]);
                    pair_counts.extend(histogram(&self.pair_counts, i));
                    i += 1;
                }
                Ordering::Greater => {
                    pairs.push(other.pairs[j]);
                    pair_counts.extend(histogram(&other.pair_counts, j));
                    j += 1;
                }
                Ordering::Equal => {
                    pairs.push(self.pairs[i]);
                    let sums = histogram(&self.pair_counts, i).into_iter().zip(histogram(&other.pair_counts, j));
                    pair_counts.extend(sums.map(|(a, b)| a + b));
                    i += 1;
                    j += 1;
                }
            }
        }
        self.pairs = pairs;
        self.pair_counts = pair_counts;
        self.customers += other.customers;
        self.rows += other.rows;
        self.excluded_rows += other.excluded_rows;
        Ok(())
    }

    /// Checks that the fields fit together: lengths, ascending windows and pairs, cumulative
    /// histograms, no count above the customers it is a share of.
    pub fn validate(&self) -> Result<()> {
        let bad =
            |what: String| Err(Error::invalid_input(crate::Location::memory(), format!("sequence counts: {what}")));
        let windows = self.window_days.len();
        if windows == 0 || windows > MAX_WINDOWS || self.window_days.iter().any(|&d| d <= 0) {
            return bad(format!(
                "{windows} windows {:?}: give 1 to {MAX_WINDOWS}, each at least 1 day",
                self.window_days
            ));
        }
        if self.window_days.windows(2).any(|pair| pair[0] >= pair[1]) {
            return bad(format!("the windows {:?} are not strictly ascending", self.window_days));
        }
        let items = self.item_customers.len();
        if self.baseline.len() != items * windows || self.pair_counts.len() != self.pairs.len() * windows {
            return bad(format!(
                "{} baseline and {} pair counts for {items} items, {} pairs and {windows} windows",
                self.baseline.len(),
                self.pair_counts.len(),
                self.pairs.len()
            ));
        }
        if let Some(pair) = self.pairs.windows(2).find(|pair| pair[0] >= pair[1]) {
            return bad(format!("the pairs are not strictly ascending at {:?}", pair[1]));
        }
        let cumulative = |row: &[u64], most: u64| row.windows(2).all(|w| w[0] <= w[1]) && row[windows - 1] <= most;
        for (item, &customers) in self.item_customers.iter().enumerate() {
            if customers > self.customers
                || !cumulative(&self.baseline[item * windows..(item + 1) * windows], self.customers)
            {
                return bad(format!(
                    "the counts of item {item} exceed the {} customers or are not cumulative",
                    self.customers
                ));
            }
        }
        for (index, &(a, b)) in self.pairs.iter().enumerate() {
            let row = &self.pair_counts[index * windows..(index + 1) * windows];
            let buyers = self.item_customers.get(a as usize).copied();
            if a == b || b as usize >= items || buyers.is_none_or(|buyers| !cumulative(row, buyers)) {
                return bad(format!("the counts of pair ({a}, {b}) name unknown items or are not cumulative"));
            }
        }
        Ok(())
    }

    /// The rules that pass the filters of `options`, whose windows must be these counts' windows;
    /// `labels` names the item ids. Fails when no customer was counted, or when there are more
    /// pairs than `options.max_pairs`.
    pub fn rules(
        &self,
        labels: &ItemDictionary,
        options: &SequenceOptions,
        control: &Control,
    ) -> Result<SequenceRules> {
        options.validate()?;
        self.validate()?;
        let mut days = options.windows.clone();
        days.sort_unstable();
        if days != self.window_days {
            return Err(Error::invalid_parameter(
                "windows",
                format!("the counts are for windows {:?}, not {days:?}", self.window_days),
            ));
        }
        if labels.len() < self.item_customers.len() {
            return Err(Error::invalid_input(
                crate::Location::memory(),
                format!("{} labels for {} item ids", labels.len(), self.item_customers.len()),
            ));
        }
        if self.customers == 0 {
            return Err(Error::invalid_input(
                crate::Location::memory(),
                format!("no purchases with a customer ({} rows without one)", self.excluded_rows),
            ));
        }
        if self.pairs.len() as u64 > options.max_pairs {
            return Err(count::too_many_pairs(options.max_pairs));
        }
        // Each window's rules are built, sorted and cut on their own, in parallel.
        let runner = crate::parallel::Runner::new(options.threads);
        let per_window = runner.map(days.len(), || (), |_, k| self.window_rules(k, options));
        control.check()?;
        Ok(SequenceRules {
            rules: per_window.into_iter().flatten().collect(),
            labels: labels.clone(),
            customers: self.customers,
            rows: self.rows,
            excluded_rows: self.excluded_rows,
            pairs: self.pairs.len() as u64,
        })
    }

    /// The rules of window slot `k` that pass the filters, sorted and cut to `top`.
    fn window_rules(&self, k: usize, options: &SequenceOptions) -> Vec<SequenceRule> {
        let windows = self.window_days.len();
        let customers = self.customers;
        let mut rules = Vec::new();
        for (index, &(antecedent, consequent)) in self.pairs.iter().enumerate() {
            let within = self.pair_counts[index * windows + k];
            let baseline = self.baseline[consequent as usize * windows + k];
            let antecedent_customers = self.item_customers[antecedent as usize];
            let rule = SequenceRule {
                antecedent,
                consequent,
                window_days: self.window_days[k],
                antecedent_customers,
                customers: within,
                baseline_customers: baseline,
                support: within as f64 / customers as f64,
                confidence: within as f64 / antecedent_customers as f64,
                base_rate: baseline as f64 / customers as f64,
                lift: None,
            };
            if passes(&rule, options) {
                rules.push(SequenceRule { lift: (baseline > 0).then(|| rule.confidence / rule.base_rate), ..rule });
            }
        }
        rules.sort_unstable_by(order);
        if let Some(top) = options.top {
            rules.truncate(top);
        }
        rules
    }
}

fn passes(rule: &SequenceRule, options: &SequenceOptions) -> bool {
    rule.customers > 0
        && rule.customers >= options.min_customers
        && rule.support >= options.min_support
        && rule.confidence >= options.min_confidence
}

/// Window ascending, confidence descending (compared exactly as fractions), customers descending,
/// then ids: a total order, so the output is the same whatever order the pairs were counted in.
fn order(a: &SequenceRule, b: &SequenceRule) -> Ordering {
    let confidence =
        |r: &SequenceRule, other: &SequenceRule| u128::from(r.customers) * u128::from(other.antecedent_customers);
    a.window_days
        .cmp(&b.window_days)
        .then_with(|| confidence(b, a).cmp(&confidence(a, b)))
        .then_with(|| b.customers.cmp(&a.customers))
        .then_with(|| a.antecedent.cmp(&b.antecedent))
        .then_with(|| a.consequent.cmp(&b.consequent))
}
