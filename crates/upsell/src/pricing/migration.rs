//! Tier migration: how customers move between plans over time, read from subscription history,
//! so that the tier analysis ([`analyse_tiers`](super::analyse_tiers)) sees the movement behind
//! today's distribution.
//!
//! The one idea: a history is a sequence of plan spells per customer. Each row (customer, UTC
//! date, plan, MRR) says the customer is on that plan from that date; a row whose plan differs
//! from the customer's previous row is a plan change, counted in the from x to matrix. A change
//! to a higher tier is an upgrade, to a lower one a downgrade; rows that keep the plan (an MRR
//! change, a renewal) only extend the spell.
//!
//! - **Tier order** is given (lowest first) or, by default, each plan's median MRR over its rows
//!   (ties by name).
//! - **Time to upgrade** is the whole days from the start of the spell on the lower tier to the
//!   upgrade; medians are the middle value (the mean of the two middle ones for an even count).
//! - **Skipped tiers**: an upgrade from tier 1 to tier 3 skips tier 2. For each tier, the upgrades
//!   that went past it (from below to above) against those that ended in it: a tier most upgrades
//!   pass over is a rung customers do not want.
//! - **Current tiers** ([`TierMigration::current_tiers`]): each customer's last row; a tier's price
//!   is the median (lower middle) MRR of its current customers, in exact minor units, which feeds
//!   [`analyse_tiers`](super::analyse_tiers). Plans with a price of 0 (free plans) are left out
//!   there, as the tier analysis needs positive prices.
//!
//! Rows must be in date order for each customer (customers may interleave); a date at or before
//! the customer's previous one, an unknown plan (when the order is given), a negative MRR, mixed
//! currencies or an empty history is an error naming the row.
//!
//! ```
//! use upsell::pricing::{Currency, Money, MigrationOptions, SubscriptionRecord, tier_migration};
//! let usd = |major: i64| Money::new(major * 100, Currency::USD);
//! let row = |customer: &str, date: &str, plan: &str, mrr: i64| {
//!     SubscriptionRecord::new(customer, date.parse().unwrap(), plan, usd(mrr))
//! };
//! let history = [
//!     row("a", "2026-01-01T00:00:00Z", "starter", 19),
//!     row("a", "2026-01-31T00:00:00Z", "business", 99), // skips pro, after 30 days
//!     row("b", "2026-01-01T00:00:00Z", "pro", 49),
//!     row("b", "2026-03-02T00:00:00Z", "starter", 19),  // a downgrade
//! ];
//! let found = tier_migration(&history, &MigrationOptions::default())?;
//! assert_eq!(found.tiers, ["starter", "pro", "business"]);
//! assert_eq!(found.matrix, [[0, 0, 1], [1, 0, 0], [0, 0, 0]]);
//! assert_eq!((found.upgrades, found.downgrades, found.median_days_to_upgrade), (1, 1, Some(30.0)));
//! assert_eq!(found.by_tier[1].upgrades_past, 1); // pro was skipped once
//! let tiers = found.current_tiers();
//! assert_eq!((tiers[0].name.as_str(), tiers[0].customers), ("starter", 1));
//! # Ok::<(), upsell::Error>(())
//! ```

use std::path::Path;

use rustc_hash::FxHashMap;

use super::money::{Currency, Money};
use super::tiers::Tier;
use crate::data::read::{csv_error, csv_header, csv_reader, header_column};
use crate::time::{Timestamp, days_between, parse_timestamp_at};
use crate::{Error, Location, Result};

/// One row of subscription history: from `date` on, `customer` is on `plan` at `mrr` a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRecord {
    /// The customer.
    pub customer: String,
    /// When the plan (or its MRR) took effect, in UTC.
    pub date: Timestamp,
    /// The plan.
    pub plan: String,
    /// Monthly recurring revenue from then on.
    pub mrr: Money,
}

impl SubscriptionRecord {
    /// A history row.
    pub fn new(
        customer: impl Into<String>,
        date: Timestamp,
        plan: impl Into<String>,
        mrr: Money,
    ) -> Self {
        SubscriptionRecord {
            customer: customer.into(),
            date,
            plan: plan.into(),
            mrr,
        }
    }

    /// Reads a history CSV with a header (delimiter `,`), one row per plan start or change, each
    /// customer's rows in date order. Dates are RFC 3339 or `YYYY-MM-DD` (read as UTC), MRR a
    /// decimal amount in `currency`. A missing column, or a date or amount that does not read, is
    /// an error naming the file, line and column.
    ///
    /// ```
    /// use upsell::pricing::{Currency, HistoryColumns, SubscriptionRecord};
    /// let text = "customer,date,plan,mrr\na,2026-01-01,starter,19.00\na,2026-02-01,pro,49.00\n";
    /// let columns = HistoryColumns::default();
    /// let history =
    ///     SubscriptionRecord::from_csv_reader(text.as_bytes(), "history.csv", &columns, Currency::USD)?;
    /// assert_eq!((history.len(), history[1].plan.as_str(), history[1].mrr.minor()), (2, "pro", 4900));
    /// let columns = HistoryColumns { mrr: "amount".into(), ..columns };
    /// let err = SubscriptionRecord::from_csv_reader(text.as_bytes(), "history.csv", &columns, Currency::USD);
    /// assert!(err.unwrap_err().to_string().contains("no column 'amount'"));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_csv_reader(
        source: impl std::io::Read,
        name: impl AsRef<Path>,
        columns: &HistoryColumns,
        currency: Currency,
    ) -> Result<Vec<Self>> {
        let name = name.as_ref();
        let mut reader = csv_reader(source, b',', true);
        let header = csv_header(&mut reader, name)?;
        let names = [&columns.customer, &columns.date, &columns.plan, &columns.mrr];
        let [customer, date, plan, mrr] = names.map(|column| header_column(&header, column, name));
        let (customer, date, plan, mrr) = (customer?, date?, plan?, mrr?);
        let mut history = Vec::new();
        let mut record = csv::StringRecord::new();
        while reader
            .read_record(&mut record)
            .map_err(|e| csv_error(name, e))?
        {
            let line = record.position().map_or(0, |p| p.line());
            let field = |i: usize| record.get(i).unwrap_or("").trim();
            let at = |column: &str| Location::file(name).line(line).column_name(column);
            history.push(SubscriptionRecord::new(
                field(customer),
                parse_timestamp_at(field(date), || at(&columns.date))?,
                field(plan),
                Money::parse_at(field(mrr), currency, || at(&columns.mrr))?,
            ));
        }
        Ok(history)
    }

    /// [`SubscriptionRecord::from_csv_reader`] on the file at `path`.
    pub fn read_csv(
        path: impl AsRef<Path>,
        columns: &HistoryColumns,
        currency: Currency,
    ) -> Result<Vec<Self>> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|source| Error::io(path, source))?;
        Self::from_csv_reader(std::io::BufReader::new(file), path, columns, currency)
    }
}

/// The header names of a history file's columns (see [`SubscriptionRecord::read_csv`]).
///
/// ```
/// let columns = upsell::pricing::HistoryColumns::default();
/// assert_eq!([columns.customer, columns.date, columns.plan, columns.mrr], ["customer", "date", "plan", "mrr"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryColumns {
    /// The customer column. Default `customer`.
    pub customer: String,
    /// The date column. Default `date`.
    pub date: String,
    /// The plan column. Default `plan`.
    pub plan: String,
    /// The monthly recurring revenue column. Default `mrr`.
    pub mrr: String,
}

impl Default for HistoryColumns {
    fn default() -> Self {
        HistoryColumns {
            customer: "customer".to_owned(),
            date: "date".to_owned(),
            plan: "plan".to_owned(),
            mrr: "mrr".to_owned(),
        }
    }
}

/// How to read the history.
///
/// ```
/// let options = upsell::pricing::MigrationOptions { tiers: Some(vec!["starter".into(), "pro".into()]) };
/// assert!(options.validate().is_ok());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationOptions {
    /// The tiers, lowest first; every plan in the history must be among them. `None`: ordered by
    /// each plan's median MRR.
    pub tiers: Option<Vec<String>>,
}

impl MigrationOptions {
    /// Checks that given tiers are not empty and not repeated.
    pub fn validate(&self) -> Result<()> {
        if let Some(tiers) = &self.tiers {
            if tiers.is_empty() {
                return Err(Error::invalid_parameter(
                    "tiers",
                    "must name at least one tier (or be unset to order plans by MRR)",
                ));
            }
            for (k, tier) in tiers.iter().enumerate() {
                if tiers[..k].contains(tier) {
                    return Err(Error::invalid_parameter(
                        "tiers",
                        format!("tier '{tier}' is listed twice"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// One tier's movement.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TierMovement {
    /// The tier.
    pub tier: String,
    /// Customers whose last row is on it.
    pub customers: u64,
    /// The median (lower middle) MRR of those customers (of all its rows when it has none now).
    pub price: Money,
    /// Upgrades from it.
    pub upgrades_from: u64,
    /// Downgrades from it.
    pub downgrades_from: u64,
    /// The median days on it before an upgrade (`None` without upgrades from it).
    pub median_days_to_upgrade: Option<f64>,
    /// Upgrades that ended in it.
    pub upgrades_into: u64,
    /// Upgrades that went past it, from a lower tier to a higher one.
    pub upgrades_past: u64,
    /// `upgrades_past / (upgrades_past + upgrades_into)` (`None` when both are 0).
    pub skip_share: Option<f64>,
}

/// What [`tier_migration`] found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TierMigration {
    /// The tiers, lowest first.
    pub tiers: Vec<String>,
    /// Plan changes: `matrix[from][to]`, indexed as `tiers`.
    pub matrix: Vec<Vec<u64>>,
    /// Customers in the history.
    pub customers: u64,
    /// Changes to a higher tier.
    pub upgrades: u64,
    /// Changes to a lower tier.
    pub downgrades: u64,
    /// The median days on a tier before an upgrade, over all upgrades.
    pub median_days_to_upgrade: Option<f64>,
    /// Each tier, as `tiers`.
    pub by_tier: Vec<TierMovement>,
}

impl TierMigration {
    /// Today's tiers (each customer's last row) for [`analyse_tiers`](super::analyse_tiers):
    /// tiers with a positive price, lowest first.
    pub fn current_tiers(&self) -> Vec<Tier> {
        self.by_tier
            .iter()
            .filter(|t| t.price.minor() > 0)
            .map(|t| Tier {
                name: t.tier.clone(),
                price: t.price,
                customers: t.customers,
            })
            .collect()
    }
}

/// The tier migration of `history` (see the module documentation).
pub fn tier_migration(
    history: &[SubscriptionRecord],
    options: &MigrationOptions,
) -> Result<TierMigration> {
    options.validate()?;
    let first = history.first().ok_or_else(|| {
        Error::invalid_input(Location::memory(), "empty history: no subscription rows")
    })?;
    let currency = first.mrr.currency();
    let at = |row: usize| Location::memory().line(row as u64 + 1);
    for (row, record) in history.iter().enumerate() {
        check_record(record, row, currency)?;
    }
    let tiers = match &options.tiers {
        Some(tiers) => tiers.clone(),
        None => tiers_by_mrr(history),
    };
    let index: FxHashMap<&str, usize> = tiers
        .iter()
        .enumerate()
        .map(|(k, t)| (t.as_str(), k))
        .collect();
    let n = tiers.len();
    let mut matrix = vec![vec![0u64; n]; n];
    let mut days_from: Vec<Vec<i64>> = vec![Vec::new(); n];
    let mut into = vec![0u64; n];
    let mut past = vec![0u64; n];
    let mut all_mrr: Vec<Vec<i64>> = vec![Vec::new(); n];
    // Per customer: (previous row, tier, start of the current spell, current MRR).
    let mut state: FxHashMap<&str, (usize, usize, Timestamp, i64)> = FxHashMap::default();
    let mut order: Vec<&str> = Vec::new();
    for (row, record) in history.iter().enumerate() {
        let tier = *index.get(record.plan.as_str()).ok_or_else(|| {
            Error::invalid_input(
                at(row),
                format!(
                    "unknown plan '{}' in row {} (customer '{}'): not among the tiers {}",
                    record.plan,
                    row + 1,
                    record.customer,
                    tiers.join(", ")
                ),
            )
        })?;
        all_mrr[tier].push(record.mrr.minor());
        let Some(&(last_row, from, since, _)) = state.get(record.customer.as_str()) else {
            order.push(&record.customer);
            state.insert(
                &record.customer,
                (row, tier, record.date, record.mrr.minor()),
            );
            continue;
        };
        let last = &history[last_row];
        if record.date <= last.date {
            return Err(Error::invalid_input(
                at(row),
                format!(
                    "dates out of order in row {}: customer '{}' on {} is not after its previous row {} ({}); give each customer's rows in date order, one a date",
                    row + 1,
                    record.customer,
                    record.date,
                    last_row + 1,
                    last.date
                ),
            ));
        }
        let mut start = since;
        if tier != from {
            matrix[from][tier] += 1;
            start = record.date;
            if tier > from {
                days_from[from].push(days_between(since, record.date));
                into[tier] += 1;
                for skipped in &mut past[from + 1..tier] {
                    *skipped += 1;
                }
            }
        }
        state.insert(&record.customer, (row, tier, start, record.mrr.minor()));
    }
    let mut current: Vec<Vec<i64>> = vec![Vec::new(); n];
    for customer in &order {
        let (_, tier, _, mrr) = state[customer];
        current[tier].push(mrr);
    }
    let mut all_days: Vec<i64> = days_from.iter().flatten().copied().collect();
    let mut by_tier = Vec::with_capacity(n);
    for k in 0..n {
        let source = if current[k].is_empty() {
            &mut all_mrr[k]
        } else {
            &mut current[k]
        };
        source.sort_unstable();
        let price = source.get(source.len().saturating_sub(1) / 2).copied();
        let upgrades_from: u64 = matrix[k][k + 1..].iter().sum();
        let downgrades_from: u64 = matrix[k][..k].iter().sum();
        let seen = past[k] + into[k];
        by_tier.push(TierMovement {
            tier: tiers[k].clone(),
            customers: current[k].len() as u64,
            price: Money::new(price.unwrap_or(0), currency),
            upgrades_from,
            downgrades_from,
            median_days_to_upgrade: median(&mut days_from[k]),
            upgrades_into: into[k],
            upgrades_past: past[k],
            skip_share: (seen > 0).then(|| past[k] as f64 / seen as f64),
        });
    }
    let upgrades = by_tier.iter().map(|t| t.upgrades_from).sum();
    let downgrades = by_tier.iter().map(|t| t.downgrades_from).sum();
    Ok(TierMigration {
        tiers,
        matrix,
        customers: order.len() as u64,
        upgrades,
        downgrades,
        median_days_to_upgrade: median(&mut all_days),
        by_tier,
    })
}

fn check_record(record: &SubscriptionRecord, row: usize, currency: Currency) -> Result<()> {
    let at = || Location::memory().line(row as u64 + 1);
    if record.customer.is_empty() {
        return Err(Error::invalid_input(
            at(),
            format!("customer missing in row {}", row + 1),
        ));
    }
    if record.plan.is_empty() {
        return Err(Error::invalid_input(
            at(),
            format!(
                "plan missing in row {} (customer '{}')",
                row + 1,
                record.customer
            ),
        ));
    }
    if record.mrr.is_negative() {
        return Err(Error::invalid_input(
            at(),
            format!(
                "negative MRR {} in row {} (customer '{}')",
                record.mrr,
                row + 1,
                record.customer
            ),
        ));
    }
    if record.mrr.currency() != currency {
        return Err(Error::invalid_input(
            at(),
            format!(
                "MRR {} in row {} is not in {}, the currency of row 1",
                record.mrr,
                row + 1,
                currency
            ),
        ));
    }
    Ok(())
}

/// The plans ordered by their median (lower middle) MRR over all rows, ties by name.
fn tiers_by_mrr(history: &[SubscriptionRecord]) -> Vec<String> {
    let mut mrr: FxHashMap<&str, Vec<i64>> = FxHashMap::default();
    for record in history {
        mrr.entry(&record.plan)
            .or_default()
            .push(record.mrr.minor());
    }
    let mut plans: Vec<(i64, &str)> = mrr
        .into_iter()
        .map(|(plan, mut values)| {
            values.sort_unstable();
            (values[(values.len() - 1) / 2], plan)
        })
        .collect();
    plans.sort_unstable();
    plans.into_iter().map(|(_, p)| p.to_owned()).collect()
}

/// The median of whole numbers (the mean of the two middle ones for an even count).
fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid] as f64
    } else {
        (values[mid - 1] as f64 + values[mid] as f64) / 2.0
    })
}

#[cfg(test)]
mod tests;
