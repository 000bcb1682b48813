//! Bundle candidates from what already sells together, priced and ranked by the revenue they add.
//!
//! Candidates are the frequent itemsets of 2 to 4 items of the order baskets ([`crate::mining`]).
//! Each is priced by [`price_bundle`](super::price_bundle) and scored by a simple, stated model of
//! expected incremental revenue, per 1,000 orders:
//!
//! - for each item `i` of bundle `B`, the orders holding `B - {i}` but not `i` are the upsell
//!   opportunity; a share of them equal to the rule confidence `conf(B - {i} -> i)` is expected to
//!   take the bundle, adding `price(i) - saving` each;
//! - the orders that already hold all of `B` now pay the bundle price: they cost the `saving` each
//!   (cannibalisation).
//!
//! So `E = sum_i (n(B-i) - n(B)) x n(B)/n(B-i) x (p_i - saving) - n(B) x saving`, over the number of
//! orders, times 1,000. Each term is an exact rational rounded once, half-even, to a minor unit; with
//! unit costs the same model gives the expected incremental margin (`p_i - cost_i - saving`).
//! Confidence here is an estimate of the take rate, not a promise: the forecast and A/B test
//! modules are how a shop checks it.

use rustc_hash::FxHashMap;

use super::bundle::{BundlePolicy, BundleQuote, Refusal, quote};
use super::money::{Money, Rounding};
use super::price_list::PriceList;
use crate::data::{ItemId, OrderLines};
use crate::mining::{MinSupport, MiningOptions, mine_with};
use crate::{Control, Error, Result};

/// What to look for and how to price it.
///
/// ```
/// use upsell::mining::MinSupport;
/// use upsell::pricing::BundleOptions;
/// let options = BundleOptions::new(MinSupport::count(5));
/// assert_eq!((options.min_items, options.max_items, options.top), (2, 4, 10));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BundleOptions {
    /// Support threshold of the candidate itemsets.
    pub min_support: MinSupport,
    /// The fewest items in a bundle (at least 2).
    pub min_items: usize,
    /// The most items in a bundle.
    pub max_items: usize,
    /// How many bundles to return, best first.
    pub top: usize,
    /// The pricing policy.
    pub policy: BundlePolicy,
    /// Worker threads for mining (`None`: the crate's pool).
    pub threads: Option<usize>,
}

impl BundleOptions {
    /// Bundles of 2-4 items at `min_support`, the top 10, under the default policy.
    pub fn new(min_support: MinSupport) -> Self {
        BundleOptions {
            min_support,
            min_items: 2,
            max_items: 4,
            top: 10,
            policy: BundlePolicy::default(),
            threads: None,
        }
    }

    fn validate(&self) -> Result<()> {
        if self.min_items < 2 {
            return Err(Error::invalid_parameter(
                "min_items",
                format!("a bundle has at least 2 items, got {}", self.min_items),
            ));
        }
        if self.max_items < self.min_items {
            return Err(Error::invalid_parameter(
                "max_items",
                format!(
                    "max_items ({}) is smaller than min_items ({})",
                    self.max_items, self.min_items
                ),
            ));
        }
        if self.top == 0 {
            return Err(Error::invalid_parameter("top", "must be at least 1"));
        }
        Ok(())
    }
}

/// A bundle found in the data, priced and scored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RankedBundle {
    /// Prices, sum and saving.
    pub quote: BundleQuote,
    /// Item descriptions, when the order file has them.
    pub descriptions: Vec<Option<String>>,
    /// Orders holding every item of the bundle.
    pub orders: u64,
    /// `orders` over all orders.
    pub support: f64,
    /// The smallest confidence `conf(B - {i} -> i)` over the items.
    pub min_confidence: f64,
    /// Expected incremental revenue per 1,000 orders (see the module docs).
    pub revenue_per_1000_orders: Money,
    /// Expected incremental margin per 1,000 orders, when costs were given.
    pub margin_per_1000_orders: Option<Money>,
}

/// The bundles and what happened to every candidate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BundleReport {
    /// The best bundles, by expected margin when costs were given, else by expected revenue.
    pub bundles: Vec<RankedBundle>,
    /// Candidate itemsets of the wanted sizes.
    pub candidates: u64,
    /// Candidates the policy could not price, per reason.
    pub refused: Vec<(Refusal, u64)>,
    /// Orders mined.
    pub orders: u64,
}

/// Finds, prices and ranks bundles in `orders`.
///
/// Fails when an item in a candidate has no cost while `costs` are given (prices come from the
/// orders themselves, see [`OrderLines::price_list`]).
///
/// ```
/// use upsell::Control;
/// use upsell::data::{OrderLines, OrderReadOptions, OrderColumns};
/// use upsell::mining::MinSupport;
/// use upsell::pricing::{find_bundles, BundleOptions};
/// let mut csv = String::from("InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\n");
/// for order in 0..10 {
///     csv += &format!("{order},MUG,1,2010-12-01,6.00\n{order},TEA,1,2010-12-01,4.00\n");
///     if order < 5 { csv += &format!("{order},SPOON,1,2010-12-01,1.50\n"); }
/// }
/// csv += "10,MUG,1,2010-12-01,6.00\n";
/// let options = OrderReadOptions { columns: OrderColumns { description: None, customer: None, segment: None,
///     ..Default::default() }, ..Default::default() };
/// let orders = OrderLines::from_reader(csv.as_bytes(), "mem.csv", &options)?;
/// let report = find_bundles(&orders, None, &BundleOptions::new(MinSupport::count(3)), &Control::default())?;
/// let mug_tea = report.bundles.iter().find(|b| b.quote.items == ["MUG", "TEA"]).unwrap();
/// assert_eq!(mug_tea.quote.price.to_string(), "8.49 GBP"); // 10.00 less at least 15 %, ending in 9
/// // MUG and TEA already sell together: the bundle mostly gives the saving away, so the bundle
/// // that can still win SPOON buyers ranks first.
/// assert_eq!(report.bundles[0].quote.items, ["TEA", "SPOON"]);
/// assert!(mug_tea.revenue_per_1000_orders.is_negative());
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn find_bundles(
    orders: &OrderLines,
    costs: Option<&PriceList>,
    options: &BundleOptions,
    control: &Control,
) -> Result<BundleReport> {
    options.validate()?;
    let prices = orders.price_list();
    if let Some(costs) = costs {
        if costs.currency() != prices.currency() {
            return Err(Error::invalid_input(
                crate::Location::memory(),
                format!(
                    "unit costs are in {}, prices in {}: currencies cannot be mixed",
                    costs.currency(),
                    prices.currency()
                ),
            ));
        }
    }
    let baskets = orders.baskets();
    let mining = MiningOptions {
        max_len: Some(options.max_items),
        threads: options.threads,
        ..MiningOptions::new(options.min_support)
    };
    let itemsets = mine_with(&baskets, &mining, control)?;
    let counts: FxHashMap<&[ItemId], u64> = itemsets.iter().collect();
    let total = itemsets.baskets();
    let mut refused: FxHashMap<Refusal, u64> = FxHashMap::default();
    let mut ranked = Vec::new();
    let mut candidates = 0u64;
    for (set, count) in itemsets.iter() {
        if set.len() < options.min_items {
            continue;
        }
        control.check()?;
        candidates += 1;
        match score(orders, &prices, costs, options, set, count, total, &counts)? {
            Ok(bundle) => ranked.push(bundle),
            Err(refusal) => *refused.entry(refusal).or_default() += 1,
        }
    }
    let key = |b: &RankedBundle| {
        b.margin_per_1000_orders
            .unwrap_or(b.revenue_per_1000_orders)
            .minor()
    };
    ranked.sort_by(|a, b| {
        key(b)
            .cmp(&key(a))
            .then_with(|| b.orders.cmp(&a.orders))
            .then_with(|| a.quote.items.cmp(&b.quote.items))
    });
    ranked.truncate(options.top);
    let mut refused: Vec<(Refusal, u64)> = refused.into_iter().collect();
    refused.sort();
    Ok(BundleReport {
        bundles: ranked,
        candidates,
        refused,
        orders: total,
    })
}

#[allow(clippy::too_many_arguments)]
fn score(
    orders: &OrderLines,
    prices: &PriceList,
    costs: Option<&PriceList>,
    options: &BundleOptions,
    set: &[ItemId],
    count: u64,
    total: u64,
    counts: &FxHashMap<&[ItemId], u64>,
) -> Result<std::result::Result<RankedBundle, Refusal>> {
    let labels: Vec<&str> = set
        .iter()
        .map(|&i| orders.items().label(i).unwrap_or("?"))
        .collect();
    let item_prices = labels
        .iter()
        .map(|l| prices.require(l))
        .collect::<Result<Vec<Money>>>()?;
    let item_costs = match costs {
        Some(costs) => Some(
            labels
                .iter()
                .map(|l| {
                    costs.require(l).map_err(|_| {
                        Error::invalid_input(
                            crate::Location::memory(),
                            format!("bundle item '{l}' has no unit cost"),
                        )
                    })
                })
                .collect::<Result<Vec<Money>>>()?,
        ),
        None => None,
    };
    let cost = item_costs
        .as_ref()
        .map(|c| Money::sum(c.iter().copied(), prices.currency()))
        .transpose()?;
    let quote = match quote(&labels, item_prices, cost, &options.policy)? {
        Ok(q) => q,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let mut min_confidence = f64::INFINITY;
    let mut revenue = -per_thousand(count, 1, quote.saving.minor(), total);
    let mut margin = item_costs.as_ref().map(|_| revenue);
    let mut rest = Vec::with_capacity(set.len());
    for (position, _) in set.iter().enumerate() {
        rest.clear();
        rest.extend(
            set.iter()
                .enumerate()
                .filter(|&(k, _)| k != position)
                .map(|(_, &i)| i),
        );
        let without = counts
            .get(rest.as_slice())
            .copied()
            .unwrap_or(count)
            .max(count);
        min_confidence = min_confidence.min(count as f64 / without as f64);
        let opportunity = without - count;
        let gain = quote.item_prices[position].minor() - quote.saving.minor();
        revenue += per_thousand(opportunity * count, without, gain, total);
        if let (Some(margin), Some(costs)) = (margin.as_mut(), item_costs.as_ref()) {
            *margin += per_thousand(
                opportunity * count,
                without,
                gain - costs[position].minor(),
                total,
            );
        }
    }
    let currency = prices.currency();
    let money = |minor: i128| {
        i64::try_from(minor)
            .map(|m| Money::new(m, currency))
            .map_err(|_| Error::LimitExceeded {
                what: "money amount in minor units",
                limit: i64::MAX as u64,
                hint: "expected revenue overflows".to_owned(),
            })
    };
    Ok(Ok(RankedBundle {
        descriptions: set
            .iter()
            .map(|&i| orders.description(i).map(str::to_owned))
            .collect(),
        orders: count,
        support: if total == 0 {
            0.0
        } else {
            count as f64 / total as f64
        },
        min_confidence,
        revenue_per_1000_orders: money(revenue)?,
        margin_per_1000_orders: margin.map(money).transpose()?,
        quote,
    }))
}

/// `numerator / denominator x amount / orders x 1000`, rounded half-even to a minor unit.
fn per_thousand(numerator: u64, denominator: u64, amount: i64, orders: u64) -> i128 {
    let top = i128::from(numerator) * i128::from(amount) * 1000;
    let bottom = i128::from(denominator) * i128::from(orders);
    Rounding::HalfEven.divide(top, bottom)
}
