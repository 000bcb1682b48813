//! Expansion metrics from order lines: what an average order is worth, how full it is, how often
//! something is attached, and what each customer spends, by segment and period.
//!
//! The one idea: every money figure is summed exactly in minor units and divided once, rounding
//! half-even, so the AOV of a segment times its orders is its revenue to within half a minor unit
//! per order. Orders without a customer count in order metrics (AOV, items per order, attach rate)
//! and not in per-customer ones (revenue per customer, repeat rate); the counts of both are reported
//! so nothing disappears silently.

use std::collections::BTreeMap;
use std::str::FromStr;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::data::{OrderLines, line_value};
use crate::pricing::{Money, Rounding};
use crate::time::Timestamp;
use crate::{Error, Result};

/// How orders are grouped in time (UTC calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// One group for all time.
    #[default]
    All,
    /// Calendar days (`2010-12-01`).
    Day,
    /// ISO weeks (`2010-W48`).
    Week,
    /// Calendar months (`2010-12`).
    Month,
}

impl Period {
    /// The label of the period holding `time`.
    ///
    /// ```
    /// use upsell::metrics::Period;
    /// let t = upsell::time::parse_timestamp("2010-12-01 08:26:00").unwrap();
    /// assert_eq!(Period::Week.label(t), "2010-W48");
    /// assert_eq!(Period::Month.label(t), "2010-12");
    /// ```
    pub fn label(self, time: Timestamp) -> String {
        let date = time.to_zoned(jiff::tz::TimeZone::UTC).date();
        match self {
            Period::All => "all".to_owned(),
            Period::Day => date.to_string(),
            Period::Week => {
                let week = date.iso_week_date();
                format!("{}-W{:02}", week.year(), week.week())
            }
            Period::Month => format!("{}-{:02}", date.year(), date.month()),
        }
    }
}

impl FromStr for Period {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "all" => Ok(Period::All),
            "day" => Ok(Period::Day),
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            _ => Err(Error::invalid_parameter(
                "period",
                format!("'{s}' is not one of all, day, week, month"),
            )),
        }
    }
}

/// The metrics of one segment and period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OrderMetrics {
    /// The segment (`"all"` when not grouped by segment).
    pub segment: String,
    /// The period label.
    pub period: String,
    /// Orders.
    pub orders: u64,
    /// Orders without a customer (in order metrics, not per-customer ones).
    pub orders_without_customer: u64,
    /// Distinct customers.
    pub customers: u64,
    /// Revenue (quantity x unit price), exact.
    pub revenue: Money,
    /// Average order value: revenue over orders, half-even.
    pub aov: Money,
    /// Units per order.
    pub items_per_order: f64,
    /// Lines (distinct items) per order.
    pub lines_per_order: f64,
    /// Share of orders with more than one distinct item (something attached to the first).
    pub attach_rate: f64,
    /// Revenue of orders with a customer over customers, half-even.
    pub revenue_per_customer: Option<Money>,
    /// Share of customers with more than one order in the group.
    pub repeat_rate: Option<f64>,
}

/// Order metrics per segment (when `by_segment`) and period, sorted by segment then period, with
/// an `"all"` segment first when grouping by segment.
///
/// ```
/// use upsell::data::{OrderLines, OrderReadOptions};
/// use upsell::metrics::{order_metrics, Period};
/// let csv = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n\
///            1,MUG,Mug,2,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n\
///            1,TEA,Tea,1,2010-12-01 08:26:00,4.95,17850.0,United Kingdom\n\
///            2,MUG,Mug,1,2010-12-02 10:00:00,2.55,,France\n";
/// let orders = OrderLines::from_reader(csv.as_bytes(), "mem.csv", &OrderReadOptions::default())?;
/// let all = &order_metrics(&orders, Period::All, false)?[0];
/// assert_eq!(all.revenue.to_string(), "12.60 GBP");
/// assert_eq!(all.aov.to_string(), "6.30 GBP");
/// assert_eq!(all.items_per_order, 2.0);
/// assert_eq!(all.orders_without_customer, 1);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn order_metrics(
    orders: &OrderLines,
    period: Period,
    by_segment: bool,
) -> Result<Vec<OrderMetrics>> {
    let currency = orders.currency();
    let mut per_order: Vec<(i64, i64, u64)> = vec![(0, 0, 0); orders.orders().len()];
    for line in orders.lines() {
        let entry = &mut per_order[line.order as usize];
        entry.0 = entry
            .0
            .checked_add(line_value(line)?.minor())
            .ok_or_else(overflow)?;
        entry.1 += line.quantity;
        entry.2 += 1;
    }
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (index, order) in orders.orders().iter().enumerate() {
        let label = period.label(order.time);
        if by_segment {
            let segment = order.segment.clone().unwrap_or_default();
            groups
                .entry((segment, label.clone()))
                .or_default()
                .push(index);
        }
        groups
            .entry((String::new(), label))
            .or_default()
            .push(index);
    }
    let baskets = orders.baskets();
    let mut rows = Vec::with_capacity(groups.len());
    for ((segment, label), members) in groups {
        let segment = if segment.is_empty() {
            "all".to_owned()
        } else {
            segment
        };
        rows.push(group_metrics(
            orders, &baskets, &per_order, &members, segment, label, currency,
        )?);
    }
    rows.sort_by(|a, b| {
        (a.segment != "all", &a.segment, &a.period).cmp(&(
            b.segment != "all",
            &b.segment,
            &b.period,
        ))
    });
    Ok(rows)
}

fn group_metrics(
    orders: &OrderLines,
    baskets: &crate::data::Baskets,
    per_order: &[(i64, i64, u64)],
    members: &[usize],
    segment: String,
    period: String,
    currency: crate::pricing::Currency,
) -> Result<OrderMetrics> {
    let count = members.len() as u64;
    let (mut revenue, mut units, mut lines, mut attached, mut customer_revenue) =
        (0i128, 0i128, 0u64, 0u64, 0i128);
    let mut per_customer: FxHashMap<&str, u64> = FxHashMap::default();
    let mut without = 0u64;
    for &m in members {
        let (value, quantity, line_count) = per_order[m];
        revenue += i128::from(value);
        units += i128::from(quantity);
        lines += line_count;
        attached += u64::from(baskets.get(m).map_or(0, <[_]>::len) > 1);
        match orders.orders()[m].customer.as_deref() {
            Some(customer) => {
                *per_customer.entry(customer).or_default() += 1;
                customer_revenue += i128::from(value);
            }
            None => without += 1,
        }
    }
    let money = |v: i128| {
        i64::try_from(v)
            .map(|m| Money::new(m, currency))
            .map_err(|_| overflow())
    };
    let customers = per_customer.len() as u64;
    let ratio = |a: f64, b: u64| if b == 0 { 0.0 } else { a / b as f64 };
    Ok(OrderMetrics {
        segment,
        period,
        orders: count,
        orders_without_customer: without,
        customers,
        revenue: money(revenue)?,
        aov: money(Rounding::HalfEven.divide(revenue, i128::from(count.max(1))))?,
        items_per_order: ratio(units as f64, count),
        lines_per_order: ratio(lines as f64, count),
        attach_rate: ratio(attached as f64, count),
        revenue_per_customer: (customers > 0)
            .then(|| money(Rounding::HalfEven.divide(customer_revenue, i128::from(customers))))
            .transpose()?,
        repeat_rate: (customers > 0).then(|| {
            ratio(
                per_customer.values().filter(|&&n| n > 1).count() as f64,
                customers,
            )
        }),
    })
}

/// The attach rate of `attached` to `anchor`: the share of orders holding the anchor item that also
/// hold the attached one; `None` when no order holds the anchor.
///
/// ```
/// use upsell::data::{OrderLines, OrderReadOptions, OrderColumns};
/// use upsell::metrics::attach_rate;
/// let csv = "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\n\
///            1,PHONE,1,2010-12-01,300\n1,CASE,1,2010-12-01,20\n2,PHONE,1,2010-12-01,300\n";
/// let options = OrderReadOptions { columns: OrderColumns { description: None, customer: None, segment: None,
///     ..Default::default() }, ..Default::default() };
/// let orders = OrderLines::from_reader(csv.as_bytes(), "mem.csv", &options)?;
/// assert_eq!(attach_rate(&orders, "PHONE", "CASE")?, Some(0.5));
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn attach_rate(orders: &OrderLines, anchor: &str, attached: &str) -> Result<Option<f64>> {
    let id = |label: &str| {
        orders.items().id(label).ok_or_else(|| {
            Error::invalid_input(
                crate::Location::memory(),
                format!("item '{label}' does not occur in the orders"),
            )
        })
    };
    let (anchor, attached) = (id(anchor)?, id(attached)?);
    let (mut with_anchor, mut with_both) = (0u64, 0u64);
    for basket in orders.baskets().iter() {
        if basket.binary_search(&anchor).is_ok() {
            with_anchor += 1;
            with_both += u64::from(basket.binary_search(&attached).is_ok());
        }
    }
    Ok((with_anchor > 0).then(|| with_both as f64 / with_anchor as f64))
}

/// One customer's recurring revenue in one period (subscription data).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Subscription {
    /// The customer.
    pub customer: String,
    /// The period (any sortable label: `2026-01`).
    pub period: String,
    /// Recurring revenue in that period.
    pub revenue: Money,
}

/// Net revenue retention and expansion from one period to the next.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Retention {
    /// The earlier period.
    pub from: String,
    /// The later period.
    pub to: String,
    /// Recurring revenue of the earlier period.
    pub starting: Money,
    /// Increase from customers who pay more.
    pub expansion: Money,
    /// Decrease from customers who pay less but stay.
    pub contraction: Money,
    /// Revenue of customers who left.
    pub churned: Money,
    /// Revenue of customers new in the later period.
    pub new: Money,
    /// `(starting + expansion - contraction - churned) / starting`.
    pub net_revenue_retention: f64,
    /// Expansion over all revenue gained (expansion + new).
    pub expansion_share: f64,
    /// Share of the earlier period's customers who pay more in the later one.
    pub upgrade_rate: f64,
}

/// Net revenue retention, expansion share and upgrade rate between consecutive periods.
///
/// ```
/// use upsell::metrics::{net_revenue_retention, Subscription};
/// use upsell::pricing::{Currency, Money};
/// let s = |c: &str, p: &str, m| Subscription { customer: c.into(), period: p.into(), revenue: Money::new(m, Currency::USD) };
/// let data = [s("a", "2026-01", 10_000), s("b", "2026-01", 10_000), s("a", "2026-02", 15_000), s("c", "2026-02", 5_000)];
/// let steps = net_revenue_retention(&data)?;
/// assert_eq!(steps[0].net_revenue_retention, 0.75); // (200 + 50 - 100) / 200
/// assert_eq!(steps[0].expansion_share, 0.5);        // 50 expansion of 100 gained
/// assert_eq!(steps[0].upgrade_rate, 0.5);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn net_revenue_retention(subscriptions: &[Subscription]) -> Result<Vec<Retention>> {
    let first = subscriptions.first().ok_or_else(|| {
        Error::invalid_input(crate::Location::memory(), "no subscription records")
    })?;
    let currency = first.revenue.currency();
    let mut periods: BTreeMap<&str, FxHashMap<&str, i64>> = BTreeMap::new();
    for record in subscriptions {
        first.revenue.same_currency(record.revenue)?;
        if record.revenue.is_negative() {
            return Err(Error::invalid_input(
                crate::Location::memory(),
                format!(
                    "customer '{}' in {} has negative revenue {}",
                    record.customer, record.period, record.revenue
                ),
            ));
        }
        let slot = periods
            .entry(&record.period)
            .or_default()
            .entry(&record.customer)
            .or_default();
        *slot = slot
            .checked_add(record.revenue.minor())
            .ok_or_else(overflow)?;
    }
    let ordered: Vec<(&str, FxHashMap<&str, i64>)> = periods.into_iter().collect();
    let mut steps = Vec::new();
    for pair in ordered.windows(2) {
        let ((from, before), (to, after)) = (&pair[0], &pair[1]);
        let (mut starting, mut expansion, mut contraction, mut churned, mut new) =
            (0i128, 0i128, 0i128, 0i128, 0i128);
        let mut upgraded = 0u64;
        for (customer, &b) in before {
            starting += i128::from(b);
            match after.get(customer) {
                None | Some(0) => churned += i128::from(b),
                Some(&a) if a > b => {
                    expansion += i128::from(a - b);
                    upgraded += 1;
                }
                Some(&a) => contraction += i128::from(b - a),
            }
        }
        let known: FxHashSet<&&str> = before.keys().collect();
        for (customer, &a) in after {
            if !known.contains(customer) {
                new += i128::from(a);
            }
        }
        let money = |v: i128| {
            i64::try_from(v)
                .map(|m| Money::new(m, currency))
                .map_err(|_| overflow())
        };
        let fraction = |a: i128, b: i128| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        steps.push(Retention {
            from: (*from).to_owned(),
            to: (*to).to_owned(),
            starting: money(starting)?,
            expansion: money(expansion)?,
            contraction: money(contraction)?,
            churned: money(churned)?,
            new: money(new)?,
            net_revenue_retention: fraction(starting + expansion - contraction - churned, starting),
            expansion_share: fraction(expansion, expansion + new),
            upgrade_rate: fraction(i128::from(upgraded), before.len() as i128),
        });
    }
    Ok(steps)
}

/// The conversion rate of recommendations: accepted over shown, with its Wilson interval at
/// `alpha`.
///
/// ```
/// let (rate, low, high) = upsell::metrics::conversion_rate(50, 1000, 0.05)?;
/// assert_eq!(rate, 0.05);
/// assert!(low < 0.05 && high > 0.05);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn conversion_rate(accepted: u64, shown: u64, alpha: f64) -> Result<(f64, f64, f64)> {
    if shown == 0 {
        return Err(Error::invalid_parameter(
            "shown",
            "no recommendation was shown",
        ));
    }
    if accepted > shown {
        return Err(Error::invalid_parameter(
            "accepted",
            format!("{accepted} accepted out of {shown} shown"),
        ));
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid_parameter(
            "alpha",
            format!("must be in (0, 1), got {alpha}"),
        ));
    }
    let (low, high) = wilson(accepted, shown, alpha);
    Ok((accepted as f64 / shown as f64, low, high))
}

/// The Wilson score interval of a proportion (statsmodels' `proportion_confint(method="wilson")`).
pub(crate) fn wilson(successes: u64, n: u64, alpha: f64) -> (f64, f64) {
    let z = super::abtest::normal_quantile(1.0 - alpha / 2.0);
    let (x, n) = (successes as f64, n as f64);
    let p = x / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    (centre - half, centre + half)
}

fn overflow() -> Error {
    Error::LimitExceeded {
        what: "money amount in minor units",
        limit: i64::MAX as u64,
        hint: "the sum overflows".to_owned(),
    }
}
