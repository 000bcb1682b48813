//! The six sections of the report, each from the crate's own functions over the same facts.
//!
//! Every section degrades rather than fails: a figure that needs prices, customers, several
//! orders or several products is left out with a [`Missing`] entry saying why.

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use super::{ItemRef, Missing, Rate, ReportOptions};
use crate::data::{Baskets, ItemId, OrderLines};
use crate::metrics::{Period, order_metrics, sample_size};
use crate::mining::MinSupport;
use crate::pricing::{
    BundleOptions, BundlePolicy, Currency, Money, Rounding, ThresholdOptions,
    fill_threshold_for_invoice, find_bundles,
};
use crate::recommend::{
    EaseOptions, EvaluationOptions, FitOptions, ItemPrices, Ranking, RecommendOptions, Recommender,
    Split, evaluate,
};
use crate::rules::affinity as affinity_matrix;
use crate::sequence::{Purchases, SequenceOptions, sequential_affinity};
use crate::triggers::{Batch, BatchOptions, Column, RuleSet};
use crate::{Control, Result};

const DAY: i64 = 86_400;

/// The most items the EASE model of the evaluation is fitted on.
const EASE_ITEMS: usize = 2_000;

/// What every section reads: the orders and what is derived from them once.
pub(super) struct Facts<'a> {
    pub orders: &'a OrderLines,
    pub options: &'a ReportOptions,
    pub baskets: Baskets,
    /// Orders holding each item.
    pub item_orders: Vec<u64>,
    /// Each order's value in minor units (zero without prices).
    pub order_values: Vec<i64>,
    /// Each item's list price in minor units (the modal unit price), when priced.
    pub prices: Vec<Option<i64>>,
    /// Days from the first order to the last, at least 1.
    pub days: i64,
    pub currency: Currency,
}

impl<'a> Facts<'a> {
    pub fn new(orders: &'a OrderLines, options: &'a ReportOptions) -> Self {
        let baskets = orders.baskets();
        let item_orders = baskets.item_frequencies();
        let mut order_values = vec![0i64; orders.orders().len()];
        for line in orders.lines() {
            let value = line.unit_price.minor().saturating_mul(line.quantity);
            order_values[line.order as usize] =
                order_values[line.order as usize].saturating_add(value);
        }
        let list = orders.price_list();
        let prices = (0..orders.items().len() as ItemId)
            .map(|id| {
                orders
                    .has_prices()
                    .then(|| {
                        orders
                            .items()
                            .label(id)
                            .and_then(|l| list.get(l))
                            .map(|m| m.minor())
                    })
                    .flatten()
            })
            .collect();
        let first = orders
            .orders()
            .iter()
            .map(|o| o.time.as_second())
            .min()
            .unwrap_or(0);
        let last = orders
            .orders()
            .iter()
            .map(|o| o.time.as_second())
            .max()
            .unwrap_or(0);
        Facts {
            orders,
            options,
            baskets,
            item_orders,
            order_values,
            prices,
            days: ((last - first) / DAY + 1).max(1),
            currency: orders.currency(),
        }
    }

    pub fn item(&self, id: ItemId) -> ItemRef {
        let item = self.orders.items().label(id).unwrap_or("?").to_owned();
        let name = self
            .orders
            .description(id)
            .map_or_else(|| item.clone(), str::to_owned);
        ItemRef { item, name }
    }

    pub fn money(&self, minor: i64) -> Money {
        Money::new(minor, self.currency)
    }

    pub fn priced(&self) -> bool {
        self.orders.has_prices()
    }

    pub fn has_customers(&self) -> bool {
        self.orders.summary().customers > 0
    }

    /// Orders per year from a count over the observed days.
    pub fn per_year(&self, count: f64) -> f64 {
        count * 365.0 / self.days as f64
    }

    fn no_prices(&self, what: &str) -> Missing {
        Missing::new(
            what,
            "the data has no prices (read without a price column), so no amount of money can be stated",
        )
    }

    /// Itemsets need at least this many orders: the rule support share, and never fewer than 2.
    fn min_count(&self) -> u64 {
        ((self.options.min_rule_support * self.baskets.len() as f64).ceil() as u64).max(2)
    }
}

// ---------------------------------------------------------------- 1. current state

/// A product's share of revenue (or of orders, without prices).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductShare {
    /// The product.
    pub item: ItemRef,
    /// Orders holding it.
    pub orders: u64,
    /// Its revenue (quantity x unit price over its lines), when priced.
    pub revenue: Option<Money>,
    /// Its share of the total (revenue, or order lines without prices).
    pub share: f64,
    /// The share of it and every product above it.
    pub cumulative_share: f64,
}

/// The Pareto curve: products by share, largest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pareto {
    /// `"revenue"`, or `"order lines"` without prices.
    pub basis: String,
    /// Products in the data.
    pub products: u64,
    /// `(share of products, cumulative share of the basis)`, at most 101 points from (0, 0).
    pub points: Vec<(f64, f64)>,
    /// The share of the basis made by the top 20 % of products.
    pub top_20_percent_share: f64,
}

/// One ISO week of the trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    /// `2010-W48`.
    pub week: String,
    /// Orders that week.
    pub orders: u64,
    /// Revenue that week, when priced.
    pub revenue: Option<Money>,
    /// AOV that week, when priced.
    pub aov: Option<Money>,
}

/// Rows left out of the analysis, per reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excluded {
    /// Why.
    pub reason: String,
    /// How many rows.
    pub rows: u64,
}

/// The AOV and its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Aov {
    /// `revenue / orders`, rounded half to even to the minor unit.
    pub value: Money,
    /// Revenue of the kept lines.
    pub revenue: Money,
    /// Orders.
    pub orders: u64,
}

/// 1. Where the shop stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct State {
    /// Data rows read.
    pub rows: u64,
    /// Rows kept as sale lines.
    pub kept_rows: u64,
    /// Rows excluded and why.
    pub excluded: Vec<Excluded>,
    /// Kept rows without a customer (in order figures, not in customer figures).
    pub rows_without_customer: u64,
    /// First and last order day, and the days between (inclusive).
    pub first_day: String,
    /// The last order day.
    pub last_day: String,
    /// Days observed.
    pub days: i64,
    /// Orders.
    pub orders: u64,
    /// Distinct customers, when the data names them.
    pub customers: Option<u64>,
    /// Distinct products.
    pub products: u64,
    /// Revenue, when priced.
    pub revenue: Option<Money>,
    /// Average order value, when priced.
    pub aov: Option<Aov>,
    /// Units per order.
    pub items_per_order: Rate,
    /// Lines per order.
    pub lines_per_order: Rate,
    /// Orders with two or more distinct products.
    pub attach_rate: Rate,
    /// Customers with more than one order.
    pub repeat_rate: Option<Rate>,
    /// The top products.
    pub top_products: Vec<ProductShare>,
    /// The Pareto curve.
    pub pareto: Option<Pareto>,
    /// Orders (and revenue) by ISO week.
    pub weeks: Vec<Week>,
    /// What could not be computed.
    pub missing: Vec<Missing>,
}

pub(super) fn state(facts: &Facts<'_>) -> Result<State> {
    let orders = facts.orders;
    let summary = orders.summary();
    let mut missing = Vec::new();
    let order_count = orders.orders().len() as u64;
    let units: i64 = orders.lines().iter().map(|l| l.quantity).sum();
    let attached = facts.baskets.iter().filter(|b| b.len() > 1).count() as u64;
    let overall = order_metrics(orders, Period::All, false)?;
    let all = overall.first();
    let revenue = all.filter(|_| facts.priced()).map(|m| m.revenue);
    let aov = all.filter(|_| facts.priced()).map(|m| Aov {
        value: m.aov,
        revenue: m.revenue,
        orders: m.orders,
    });
    if !facts.priced() {
        missing.push(facts.no_prices("revenue, AOV and revenue shares"));
    }
    let repeat_rate = if facts.has_customers() {
        let mut per_customer: FxHashMap<&str, u64> = FxHashMap::default();
        for order in orders.orders() {
            if let Some(c) = order.customer.as_deref() {
                *per_customer.entry(c).or_default() += 1;
            }
        }
        Some(Rate::new(
            per_customer.values().filter(|&&n| n > 1).count() as u64,
            per_customer.len() as u64,
        ))
    } else {
        missing.push(Missing::new(
            "customers and repeat rate",
            "the data names no customer (no customer column, or every value empty)",
        ));
        None
    };
    if order_count < 2 {
        missing.push(Missing::new(
            "attach rate and trends",
            "the data holds a single order",
        ));
    }
    // Product totals: revenue when priced, else order lines.
    let mut totals = vec![0i64; orders.items().len()];
    for line in orders.lines() {
        let value = if facts.priced() {
            line.unit_price.minor().saturating_mul(line.quantity)
        } else {
            1
        };
        totals[line.item as usize] = totals[line.item as usize].saturating_add(value);
    }
    let grand: i128 = totals.iter().map(|&v| i128::from(v)).sum();
    let mut ranked: Vec<ItemId> = (0..totals.len() as ItemId)
        .filter(|&i| facts.item_orders[i as usize] > 0)
        .collect();
    ranked.sort_by(|&a, &b| totals[b as usize].cmp(&totals[a as usize]).then(a.cmp(&b)));
    let share = |v: i64| {
        if grand == 0 {
            0.0
        } else {
            v as f64 / grand as f64
        }
    };
    let mut cumulative = 0i64;
    let mut curve = Vec::with_capacity(ranked.len());
    for &id in &ranked {
        cumulative = cumulative.saturating_add(totals[id as usize]);
        curve.push(share(cumulative));
    }
    let top_products = ranked
        .iter()
        .zip(&curve)
        .take(facts.options.top)
        .map(|(&id, &cumulative_share)| ProductShare {
            item: facts.item(id),
            orders: facts.item_orders[id as usize],
            revenue: facts.priced().then(|| facts.money(totals[id as usize])),
            share: share(totals[id as usize]),
            cumulative_share,
        })
        .collect();
    let products = ranked.len() as u64;
    let pareto = (products >= 2).then(|| {
        let n = ranked.len();
        let steps = n.min(100);
        let mut points = vec![(0.0, 0.0)];
        for s in 1..=steps {
            let k = (s * n).div_ceil(steps);
            points.push((k as f64 / n as f64, curve[k - 1]));
        }
        let top = (n as f64 * 0.2).ceil() as usize;
        Pareto {
            basis: if facts.priced() {
                "revenue"
            } else {
                "order lines"
            }
            .to_owned(),
            products,
            points,
            top_20_percent_share: curve[top.clamp(1, n) - 1],
        }
    });
    if products < 2 {
        missing.push(Missing::new(
            "Pareto curve",
            "the data holds a single product",
        ));
    }
    let weeks = order_metrics(orders, Period::Week, false)?
        .into_iter()
        .map(|m| Week {
            week: m.period,
            orders: m.orders,
            revenue: facts.priced().then_some(m.revenue),
            aov: facts.priced().then_some(m.aov),
        })
        .collect();
    let day = |s: i64| {
        crate::time::Timestamp::from_second(s)
            .map(|t| Period::Day.label(t))
            .unwrap_or_default()
    };
    let first = orders
        .orders()
        .iter()
        .map(|o| o.time.as_second())
        .min()
        .unwrap_or(0);
    let last = orders
        .orders()
        .iter()
        .map(|o| o.time.as_second())
        .max()
        .unwrap_or(0);
    Ok(State {
        rows: summary.rows,
        kept_rows: summary.kept,
        excluded: summary
            .excluded
            .iter()
            .map(|(reason, rows)| Excluded {
                reason: reason.describe().to_owned(),
                rows: *rows,
            })
            .collect(),
        rows_without_customer: summary.kept_without_customer,
        first_day: day(first),
        last_day: day(last),
        days: facts.days,
        orders: order_count,
        customers: facts.has_customers().then_some(summary.customers),
        products,
        revenue,
        aov,
        items_per_order: Rate::new(units.max(0) as u64, order_count),
        lines_per_order: Rate::new(orders.lines().len() as u64, order_count),
        attach_rate: Rate::new(attached, order_count),
        repeat_rate,
        top_products,
        pareto,
        weeks,
        missing,
    })
}

// ---------------------------------------------------------------- 2. affinity

/// Where a pair's offer belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// On A's product page: B joins A's orders often enough to show before the cart.
    ProductPage,
    /// In the cart: B is a small add-on to A.
    Cart,
    /// After the purchase (email, thank-you page): related, but not bought in the same breath.
    PostPurchase,
}

/// One pair that sells together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairFinding {
    /// The anchor: the direction with the higher confidence starts here.
    pub a: ItemRef,
    /// The item to offer.
    pub b: ItemRef,
    /// Orders holding A.
    pub orders_a: u64,
    /// Orders holding B.
    pub orders_b: u64,
    /// Orders holding both.
    pub orders_both: u64,
    /// All orders.
    pub orders: u64,
    /// `orders_both / orders`.
    pub support: f64,
    /// `P(B | A) = orders_both / orders_a`.
    pub confidence: f64,
    /// `P(A | B)`.
    pub confidence_reverse: f64,
    /// `confidence / (orders_b / orders)`.
    pub lift: f64,
    /// Where to place the offer.
    pub placement: Placement,
    /// Why there.
    pub placement_reason: String,
}

/// The lift of the top items against each other.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heatmap {
    /// The items, most frequent first.
    pub items: Vec<ItemRef>,
    /// `lift[i][j]`; the diagonal is 1 by convention of the chart (an item with itself).
    pub lift: Vec<Vec<f64>>,
    /// Orders holding both.
    pub counts: Vec<Vec<u64>>,
}

/// "37% of buyers of A buy B within 30 days".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SequenceFinding {
    /// Bought first.
    pub a: ItemRef,
    /// Bought within the window after.
    pub b: ItemRef,
    /// The window.
    pub window_days: i64,
    /// Customers who bought A.
    pub customers_a: u64,
    /// Of those, customers who bought B within the window after A.
    pub customers_then_b: u64,
    /// `customers_then_b / customers_a`.
    pub confidence: f64,
    /// The share of all customers who bought B within the window of their first purchase.
    pub base_rate: f64,
    /// `confidence / base_rate`.
    pub lift: Option<f64>,
    /// The sentence.
    pub sentence: String,
}

/// 2. What sells together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AffinitySection {
    /// Least support of a pair.
    pub min_support: f64,
    /// Least lift of a pair.
    pub min_lift: f64,
    /// Pairs searched among this many most frequent items.
    pub items_searched: usize,
    /// Orders.
    pub orders: u64,
    /// Pairs passing both floors (before taking the top).
    pub pairs_found: usize,
    /// The pairs an offer can win most from: ranked by orders with A but not B times `P(B | A)`.
    pub pairs: Vec<PairFinding>,
    /// The heatmap of the top items.
    pub heatmap: Option<Heatmap>,
    /// Windows of the time-window affinity, in days.
    pub windows_days: Vec<i64>,
    /// Least customers behind a time-window finding.
    pub min_customers: u64,
    /// The time-window findings, most confident first.
    pub sequences: Vec<SequenceFinding>,
    /// What could not be computed.
    pub missing: Vec<Missing>,
}

pub(super) fn affinity(facts: &Facts<'_>, control: &Control) -> Result<AffinitySection> {
    let options = facts.options;
    let mut missing = Vec::new();
    let distinct = facts.item_orders.iter().filter(|&&c| c > 0).count();
    let (mut pairs, mut heatmap, mut found) = (Vec::new(), None, 0);
    if distinct < 2 {
        missing.push(Missing::new(
            "pairs and heatmap",
            "the data holds a single product: no pair can sell together",
        ));
    } else if facts.baskets.len() < 2 {
        missing.push(Missing::new(
            "pairs and heatmap",
            "the data holds a single order: lift needs several orders to compare with chance",
        ));
    } else {
        let matrix = affinity_matrix(&facts.baskets, options.pair_items, options.threads)?;
        let all = matrix.actionable_pairs(options.min_pair_support, options.min_lift)?;
        found = all.len();
        // Oriented from the item whose buyers take the other more often, and ranked by what an
        // offer can still win: orders with A but not B, times P(B | A).
        let mut oriented: Vec<_> = all
            .into_iter()
            .map(|p| {
                if p.confidence_ab >= p.confidence_ba {
                    (p.a, p.b, p.confidence_ab, p.confidence_ba, p)
                } else {
                    (p.b, p.a, p.confidence_ba, p.confidence_ab, p)
                }
            })
            .collect();
        let open = |a: ItemId, count: u64, confidence: f64| {
            (facts.item_orders[a as usize] - count) as f64 * confidence
        };
        oriented.sort_by(|x, y| {
            open(y.0, y.4.count, y.2)
                .total_cmp(&open(x.0, x.4.count, x.2))
                .then(y.4.lift.total_cmp(&x.4.lift))
                .then((x.0, x.1).cmp(&(y.0, y.1)))
        });
        for (a, b, confidence, reverse, p) in oriented.into_iter().take(options.top) {
            let (placement, placement_reason) = place(facts, a, b, confidence);
            pairs.push(PairFinding {
                a: facts.item(a),
                b: facts.item(b),
                orders_a: facts.item_orders[a as usize],
                orders_b: facts.item_orders[b as usize],
                orders_both: p.count,
                orders: facts.baskets.len() as u64,
                support: p.support,
                confidence,
                confidence_reverse: reverse,
                lift: p.lift,
                placement,
                placement_reason,
            });
        }
        if found == 0 {
            missing.push(Missing::new(
                "pairs",
                format!(
                    "no pair of the {} most frequent products is in at least {:.1}% of orders with lift at least {}",
                    matrix.items.len(),
                    options.min_pair_support * 100.0,
                    options.min_lift
                ),
            ));
        }
        let n = matrix.items.len().min(options.heatmap_items);
        heatmap = Some(Heatmap {
            items: matrix.items[..n].iter().map(|&i| facts.item(i)).collect(),
            lift: (0..n)
                .map(|i| {
                    (0..n)
                        .map(|j| if i == j { 1.0 } else { matrix.lift[[i, j]] })
                        .collect()
                })
                .collect(),
            counts: (0..n)
                .map(|i| (0..n).map(|j| matrix.counts[[i, j]]).collect())
                .collect(),
        });
    }
    control.check()?;
    let min_customers = options.min_sequence_customers;
    let mut sequences = Vec::new();
    if !facts.has_customers() {
        missing.push(Missing::new(
            "time-window affinity",
            "the data names no customer, so nobody's later purchases can be followed",
        ));
    } else {
        let mut ids: FxHashMap<&str, i64> = FxHashMap::default();
        let (mut customers, mut items, mut seconds) = (Vec::new(), Vec::new(), Vec::new());
        for line in facts.orders.lines() {
            let order = &facts.orders.orders()[line.order as usize];
            let next = ids.len() as i64;
            let customer = order
                .customer
                .as_deref()
                .map_or(-1, |c| *ids.entry(c).or_insert(next));
            customers.push(customer);
            items.push(line.item);
            seconds.push(order.time.as_second());
        }
        let purchases = Purchases::from_arrays(
            &customers,
            &items,
            &seconds,
            Some(facts.orders.items().clone()),
        )?;
        let sequence_options = SequenceOptions {
            windows: options.windows_days.clone(),
            min_customers,
            top: Some(options.top),
            threads: options.threads,
            ..SequenceOptions::default()
        };
        let rules = sequential_affinity(&purchases, &sequence_options, control)?;
        let mut kept: Vec<_> = rules
            .rules()
            .iter()
            .filter(|r| r.lift.is_some_and(|l| l > 1.0))
            .collect();
        kept.sort_by(|x, y| {
            y.confidence
                .total_cmp(&x.confidence)
                .then(x.window_days.cmp(&y.window_days))
                .then((x.antecedent, x.consequent).cmp(&(y.antecedent, y.consequent)))
        });
        sequences = kept
            .into_iter()
            .take(options.top)
            .map(|r| SequenceFinding {
                a: facts.item(r.antecedent),
                b: facts.item(r.consequent),
                window_days: r.window_days,
                customers_a: r.antecedent_customers,
                customers_then_b: r.customers,
                confidence: r.confidence,
                base_rate: r.base_rate,
                lift: r.lift,
                sentence: format!(
                    "{:.0}% of buyers of {} buy {} within {} days",
                    r.confidence * 100.0,
                    facts.item(r.antecedent).name,
                    facts.item(r.consequent).name,
                    r.window_days
                ),
            })
            .collect();
        if sequences.is_empty() {
            missing.push(Missing::new(
                "time-window affinity",
                format!(
                    "no product is bought after another, within {} days, by at least {min_customers} customers more often than by chance",
                    options.windows_days.iter().map(i64::to_string).collect::<Vec<_>>().join(" or ")
                ),
            ));
        }
    }
    Ok(AffinitySection {
        min_support: options.min_pair_support,
        min_lift: options.min_lift,
        items_searched: options.pair_items.min(distinct),
        orders: facts.baskets.len() as u64,
        pairs_found: found,
        pairs,
        heatmap,
        windows_days: options.windows_days.clone(),
        min_customers,
        sequences,
        missing,
    })
}

/// Product page when B joins a third of A's orders already; cart when B costs at most half of A;
/// after the purchase otherwise.
fn place(facts: &Facts<'_>, a: ItemId, b: ItemId, confidence: f64) -> (Placement, String) {
    if confidence >= 1.0 / 3.0 {
        return (
            Placement::ProductPage,
            format!(
                "{:.0}% of orders with A already hold B: show it beside A",
                confidence * 100.0
            ),
        );
    }
    match (facts.prices[a as usize], facts.prices[b as usize]) {
        (Some(pa), Some(pb)) if pb * 2 <= pa => (
            Placement::Cart,
            format!(
                "B ({}) costs at most half of A ({}): a small add-on in the cart",
                facts.money(pb).amount_string(),
                facts.money(pa).amount_string()
            ),
        ),
        _ => (
            Placement::PostPurchase,
            "related, but not usually bought in the same order: suggest it after the purchase"
                .to_owned(),
        ),
    }
}

// ---------------------------------------------------------------- 3. recommendations

/// One suggestion of "frequently bought together".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The suggested item.
    pub item: ItemRef,
    /// Orders holding both.
    pub orders_both: u64,
    /// `P(item | product)`.
    pub confidence: f64,
    /// The rule's lift.
    pub lift: f64,
}

/// "Frequently bought together" for one product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Together {
    /// The product.
    pub product: ItemRef,
    /// Orders holding it.
    pub orders: u64,
    /// What its buyers also take, best first.
    pub with: Vec<Suggestion>,
}

/// One method of the held-out evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodRow {
    /// `popularity`, `confidence`, `lift`, `expected_revenue` or `ease`.
    pub method: String,
    /// Share of held-out items found among the `k` recommended.
    pub hit_rate: f64,
    /// `hit_rate / popularity's - 1`.
    pub hit_rate_gain: Option<f64>,
    /// Share of held-out revenue recommended (the hidden item's price when it was recommended).
    pub revenue_captured: Option<f64>,
    /// `revenue_captured / popularity's - 1`.
    pub revenue_gain: Option<f64>,
}

/// The held-out evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluated {
    /// Items recommended per cart.
    pub k: usize,
    /// How orders were split.
    pub split: String,
    /// Training orders.
    pub train_orders: usize,
    /// Test orders with two or more items.
    pub test_orders: usize,
    /// Leave-one-out cases.
    pub cases: usize,
    /// Rules in the model.
    pub rules: usize,
    /// Every method, popularity first.
    pub methods: Vec<MethodRow>,
    /// The method with the best hit rate.
    pub best_hit_rate: String,
    /// The method with the best revenue captured, when priced.
    pub best_revenue: Option<String>,
    /// The verdict in one sentence.
    pub verdict: String,
}

/// 3. Recommendations and how far to trust them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendations {
    /// Least orders behind a rule.
    pub min_orders: u64,
    /// "Frequently bought together" of the top products.
    pub together: Vec<Together>,
    /// The held-out evaluation.
    pub evaluation: Option<Evaluated>,
    /// What could not be computed.
    pub missing: Vec<Missing>,
}

pub(super) fn recommendations(facts: &Facts<'_>, control: &Control) -> Result<Recommendations> {
    let options = facts.options;
    let mut missing = Vec::new();
    let min_orders = facts.min_count();
    let items = facts.orders.items();
    let mut together = Vec::new();
    let fit = FitOptions {
        min_confidence: 0.05,
        max_antecedent_len: 1,
        threads: options.threads,
        ..FitOptions::new(MinSupport::count(min_orders))
    };
    let model = Recommender::fit(&facts.baskets, items, &fit, control)?;
    let query = RecommendOptions {
        backfill: false,
        ..RecommendOptions::default()
    };
    let mut top: Vec<ItemId> = (0..facts.item_orders.len() as ItemId)
        .filter(|&i| facts.item_orders[i as usize] > 0)
        .collect();
    top.sort_by(|&a, &b| {
        facts.item_orders[b as usize]
            .cmp(&facts.item_orders[a as usize])
            .then(a.cmp(&b))
    });
    for &product in top.iter().take(5) {
        let label = items.label(product).unwrap_or("?");
        let answer = model.recommend_labels(&[label], options.k, &query);
        let with: Vec<Suggestion> = answer
            .items
            .iter()
            .filter_map(|r| {
                let rule = model.rule(r.rule?)?;
                Some(Suggestion {
                    item: facts.item(r.item),
                    orders_both: rule.count,
                    confidence: rule.confidence(),
                    lift: rule.lift(),
                })
            })
            .collect();
        if !with.is_empty() {
            together.push(Together {
                product: facts.item(product),
                orders: facts.item_orders[product as usize],
                with,
            });
        }
    }
    if together.is_empty() {
        missing.push(Missing::new(
            "frequently bought together",
            format!("no product of the top 5 shares at least {min_orders} orders with another"),
        ));
    }
    let times: Vec<_> = facts.orders.orders().iter().map(|o| o.time).collect();
    let base = EvaluationOptions {
        split: Split::TimeFraction { train: 0.8 },
        k: options.k,
        min_support: MinSupport::count(min_orders),
        min_confidence: 0.01,
        max_antecedent_len: 2,
        prices: facts.priced().then(|| ItemPrices {
            currency: facts.currency.code().to_owned(),
            minor: facts.prices.clone(),
        }),
        threads: options.threads,
        ..EvaluationOptions::new(MinSupport::count(min_orders))
    };
    let replayable = facts.baskets.iter().filter(|b| b.len() >= 2).count();
    let evaluation = if facts.baskets.len() < 10 || replayable < 2 {
        missing.push(Missing::new(
            "held-out evaluation",
            format!("{} orders ({replayable} with two or more products) are too few to train on 80% and replay the other 20%", facts.baskets.len()),
        ));
        None
    } else {
        let mut rankings = vec![Ranking::Confidence, Ranking::Lift];
        if facts.priced() {
            rankings.push(Ranking::ExpectedRevenue);
        } else {
            missing.push(facts.no_prices("revenue captured and expected-revenue ranking"));
        }
        // EASE fits a dense matrix: only items above the count of the EASE_ITEMS-th most ordered
        // one (training counts are at most the full counts, so at most EASE_ITEMS qualify).
        let mut counts = facts.item_orders.clone();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let ease_min_count = counts.get(EASE_ITEMS).map_or(1, |&c| c + 1);
        let mut rows: Vec<MethodRow> = Vec::new();
        let mut shape = None;
        for (n, ranking) in rankings.into_iter().enumerate() {
            let run = EvaluationOptions {
                recommend: RecommendOptions {
                    by: ranking,
                    ..RecommendOptions::default()
                },
                ease: (n == 0).then(|| EaseOptions {
                    max_items: EASE_ITEMS,
                    min_count: ease_min_count,
                    ..EaseOptions::default()
                }),
                ..base.clone()
            };
            let result = evaluate(&facts.baskets, items, Some(&times), &run, control);
            let result = match result {
                Ok(r) => r,
                Err(e)
                    if matches!(
                        e.kind(),
                        crate::ErrorKind::InvalidParameter
                            | crate::ErrorKind::InvalidInput
                            | crate::ErrorKind::LimitExceeded
                    ) =>
                {
                    missing.push(Missing::new(
                        "held-out evaluation",
                        format!("the orders cannot be evaluated: {e}"),
                    ));
                    rows.clear();
                    break;
                }
                Err(e) => return Err(e),
            };
            let name = match ranking {
                Ranking::Lift => "lift",
                Ranking::ExpectedRevenue => "expected_revenue",
                _ => "confidence",
            };
            for m in &result.methods {
                let method = match m.method.as_str() {
                    "rules" => name.to_owned(),
                    other => other.to_owned(),
                };
                if n > 0 && method != name {
                    continue;
                }
                rows.push(MethodRow {
                    method,
                    hit_rate: m.hit_rate,
                    hit_rate_gain: None,
                    revenue_captured: m.revenue_captured,
                    revenue_gain: None,
                });
            }
            shape.get_or_insert((
                result.train_baskets,
                result.test_baskets,
                result.cases,
                result.rules,
            ));
        }
        match shape.filter(|_| !rows.is_empty()) {
            None => None,
            Some((train_orders, test_orders, cases, rules)) => {
                rows.sort_by_key(|r| r.method != "popularity");
                let popular = rows[0].clone();
                for row in &mut rows {
                    row.hit_rate_gain =
                        (popular.hit_rate > 0.0).then(|| row.hit_rate / popular.hit_rate - 1.0);
                    row.revenue_gain = match (row.revenue_captured, popular.revenue_captured) {
                        (Some(r), Some(p)) if p > 0.0 => Some(r / p - 1.0),
                        _ => None,
                    };
                }
                let best = |key: &dyn Fn(&MethodRow) -> f64| {
                    rows.iter()
                        .max_by(|x, y| key(x).total_cmp(&key(y)).then(y.method.cmp(&x.method)))
                        .map(|r| r.method.clone())
                        .unwrap_or_default()
                };
                let best_hit_rate = best(&|r| r.hit_rate);
                let best_revenue = facts
                    .priced()
                    .then(|| best(&|r| r.revenue_captured.unwrap_or(0.0)));
                let winner = rows
                    .iter()
                    .find(|r| r.method == best_hit_rate)
                    .cloned()
                    .unwrap_or(popular.clone());
                let verdict = if best_hit_rate == "popularity"
                    || winner.hit_rate <= popular.hit_rate
                {
                    format!(
                        "No model beats simply showing the best sellers on held-out orders (popularity hit rate@{} {:.1}%): do not trust the pairs as recommendations yet.",
                        options.k,
                        popular.hit_rate * 100.0
                    )
                } else {
                    format!(
                        "{} finds the held-out item in {:.1}% of cases against {:.1}% for best sellers ({:+.0}%): trust it for \"frequently bought together\".",
                        best_hit_rate,
                        winner.hit_rate * 100.0,
                        popular.hit_rate * 100.0,
                        winner.hit_rate_gain.unwrap_or(0.0) * 100.0
                    )
                };
                Some(Evaluated {
                    k: options.k,
                    split: "the first 80% of orders in time train, the last 20% are replayed leaving one item out at a time".to_owned(),
                    train_orders,
                    test_orders,
                    cases,
                    rules,
                    methods: rows,
                    best_hit_rate,
                    best_revenue,
                    verdict,
                })
            }
        }
    };
    Ok(Recommendations {
        min_orders,
        together,
        evaluation,
        missing,
    })
}

// ---------------------------------------------------------------- 4. bundles and fillers

/// One bundle, priced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BundleFinding {
    /// Its items.
    pub items: Vec<ItemRef>,
    /// Each item's list price (its modal unit price).
    pub item_prices: Vec<Money>,
    /// Their sum.
    pub sum: Money,
    /// The bundle price.
    pub price: Money,
    /// `sum - price`.
    pub saving: Money,
    /// The saving in basis points of the sum.
    pub saving_bp: u32,
    /// Orders holding every item.
    pub orders: u64,
    /// Orders holding the first item.
    pub orders_first: u64,
}

/// One filler for the example cart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FillerFinding {
    /// Items to add.
    pub items: Vec<ItemRef>,
    /// Their prices.
    pub prices: Vec<Money>,
    /// What they add.
    pub added: Money,
    /// How far the cart passes the threshold.
    pub overshoot: Money,
    /// Orders shared with the cart's items.
    pub affinity: u64,
}

/// Threshold fillers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdFinding {
    /// The threshold.
    pub threshold: Money,
    /// `"given"` or how it was derived.
    pub source: String,
    /// The 75th-percentile order value (nearest rank), before rounding.
    pub p75: Money,
    /// Orders at or above the threshold.
    pub orders_at_or_above: u64,
    /// Orders within 30% below it (from 70% of the threshold): the carts a filler can tip over.
    pub near_miss_orders: u64,
    /// The lower end of the near-miss band.
    pub near_miss_from: Money,
    /// The average gap of the near-miss orders.
    pub average_gap: Option<Money>,
    /// The example cart: the near-miss order closest to the threshold that a filler can tip over.
    pub example_invoice: Option<String>,
    /// Its total.
    pub example_total: Option<Money>,
    /// Its gap.
    pub example_gap: Option<Money>,
    /// The fillers for it.
    pub fillers: Vec<FillerFinding>,
}

/// 4. Bundles and threshold fillers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PricingSection {
    /// The discount band, in basis points.
    pub discount_bp: (u32, u32),
    /// The price ending.
    pub ending: String,
    /// Least orders holding a bundle.
    pub min_orders: u64,
    /// Bundle candidates considered.
    pub candidates: u64,
    /// The bundles, best first.
    pub bundles: Vec<BundleFinding>,
    /// Threshold fillers.
    pub threshold: Option<ThresholdFinding>,
    /// What could not be computed.
    pub missing: Vec<Missing>,
}

pub(super) fn pricing(facts: &Facts<'_>, control: &Control) -> Result<PricingSection> {
    let options = facts.options;
    let min_orders = facts.min_count();
    let mut section = PricingSection {
        discount_bp: (options.discount.min_bp(), options.discount.max_bp()),
        ending: serde_json::to_value(options.ending)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        min_orders,
        candidates: 0,
        bundles: Vec::new(),
        threshold: None,
        missing: Vec::new(),
    };
    if !facts.priced() {
        section
            .missing
            .push(facts.no_prices("bundle prices and threshold fillers"));
        return Ok(section);
    }
    let bundle_options = BundleOptions {
        top: options.top.min(5),
        max_items: 3,
        policy: BundlePolicy {
            band: options.discount,
            ending: options.ending,
            ..BundlePolicy::default()
        },
        threads: options.threads,
        ..BundleOptions::new(MinSupport::count(min_orders))
    };
    let found = find_bundles(facts.orders, None, &bundle_options, control)?;
    section.candidates = found.candidates;
    let items = facts.orders.items();
    section.bundles = found
        .bundles
        .iter()
        .map(|b| {
            let ids: Vec<ItemId> = b.quote.items.iter().filter_map(|l| items.id(l)).collect();
            BundleFinding {
                items: ids.iter().map(|&i| facts.item(i)).collect(),
                item_prices: b.quote.item_prices.clone(),
                sum: b.quote.sum,
                price: b.quote.price,
                saving: b.quote.saving,
                saving_bp: b.quote.saving_bp,
                orders: b.orders,
                orders_first: ids.first().map_or(0, |&i| facts.item_orders[i as usize]),
            }
        })
        .collect();
    if section.bundles.is_empty() {
        section.missing.push(Missing::new(
            "bundles",
            format!("no set of 2 or 3 products is bought together in at least {min_orders} orders and priceable in the band ({} candidates)", found.candidates),
        ));
    }
    let mut values: Vec<i64> = facts.order_values.clone();
    values.sort_unstable();
    let rank = ((values.len() as f64) * 0.75).ceil() as usize;
    let p75 = values[rank.clamp(1, values.len()) - 1];
    let (threshold, source) = match options.threshold {
        Some(t) => (t.minor(), "given".to_owned()),
        None => {
            let (step, what) = nice_step(p75, facts.currency);
            let rounded = Rounding::HalfUp.divide(i128::from(p75), i128::from(step)) as i64 * step;
            (
                rounded.max(step),
                format!(
                    "the 75th-percentile order value {} rounded to the nearest {what}",
                    facts.money(p75)
                ),
            )
        }
    };
    let from = threshold * 7 / 10;
    let near: Vec<usize> = (0..values.len())
        .filter(|&o| facts.order_values[o] >= from && facts.order_values[o] < threshold)
        .collect();
    let mut finding = ThresholdFinding {
        threshold: facts.money(threshold),
        source,
        p75: facts.money(p75),
        orders_at_or_above: facts
            .order_values
            .iter()
            .filter(|&&v| v >= threshold)
            .count() as u64,
        near_miss_orders: near.len() as u64,
        near_miss_from: facts.money(from),
        average_gap: (!near.is_empty()).then(|| {
            let total: i128 = near
                .iter()
                .map(|&o| i128::from(threshold - facts.order_values[o]))
                .sum();
            facts.money(Rounding::HalfEven.divide(total, near.len() as i128) as i64)
        }),
        example_invoice: None,
        example_total: None,
        example_gap: None,
        fillers: Vec::new(),
    };
    if near.is_empty() {
        section.missing.push(Missing::new(
            "threshold fillers",
            format!(
                "no order lies between {} and the threshold {}",
                facts.money(from),
                facts.money(threshold)
            ),
        ));
    } else {
        // The example: the near-miss cart closest to the threshold that something bought with its
        // items can tip over (at most 50 carts tried).
        let mut by_gap = near.clone();
        by_gap.sort_by_key(|&o| (std::cmp::Reverse(facts.order_values[o]), o));
        let filler_options = ThresholdOptions {
            top: options.top.min(5),
            ..ThresholdOptions::default()
        };
        let mut chosen = None;
        for &o in by_gap.iter().take(50) {
            control.check()?;
            let invoice = facts.orders.orders()[o].invoice.clone();
            let fill = fill_threshold_for_invoice(
                facts.orders,
                &invoice,
                facts.money(threshold),
                &filler_options,
            )?;
            if !fill.fillers.is_empty() {
                chosen = Some((invoice, fill));
                break;
            }
        }
        if let Some((invoice, fill)) = chosen {
            finding.example_invoice = Some(invoice);
            finding.example_total = Some(fill.cart_total);
            finding.example_gap = Some(fill.gap);
            finding.fillers = fill
                .fillers
                .iter()
                .map(|f| FillerFinding {
                    items: f
                        .items
                        .iter()
                        .filter_map(|l| items.id(l))
                        .map(|i| facts.item(i))
                        .collect(),
                    prices: f.prices.clone(),
                    added: f.added,
                    overshoot: f.overshoot,
                    affinity: f.affinity,
                })
                .collect();
        } else {
            section.missing.push(Missing::new("threshold fillers", "for none of the 50 near-miss carts closest to the threshold does a product (or pair) bought with its items close the gap"));
        }
    }
    section.threshold = Some(finding);
    Ok(section)
}

/// The rounding step of a derived threshold: 5 major units up to 100, 10 up to 1,000, else 50.
fn nice_step(minor: i64, currency: Currency) -> (i64, String) {
    let major = currency.minor_per_major().max(1);
    let units = if minor < 100 * major {
        5
    } else if minor < 1_000 * major {
        10
    } else {
        50
    };
    (units * major, format!("{units} {}", currency.code()))
}

// ---------------------------------------------------------------- 5. triggers

/// One rule of the starter rule file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleFinding {
    /// The rule's name in the file.
    pub name: String,
    /// `cross_sell` or `threshold_fill`.
    pub kind: String,
    /// What it offers.
    pub target: String,
    /// Its condition.
    pub when: String,
    /// The finding it comes from.
    pub from: String,
    /// Customers with at least one order on which the rule fires.
    pub reach_customers: Option<u64>,
    /// Orders on which it fires.
    pub reach_orders: u64,
}

/// 5. The starter trigger rule set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerSection {
    /// The rule file's name, written beside the report.
    pub file_name: String,
    /// The rule file (YAML), accepted by `upsell triggers check`.
    pub rule_file: String,
    /// Days an offer is not shown again after the customer rejected it.
    pub rejected_cooldown_days: u32,
    /// The rules, with their reach on today's orders.
    pub rules: Vec<RuleFinding>,
    /// What could not be computed.
    pub missing: Vec<Missing>,
}

#[derive(Serialize)]
struct RuleFile {
    schema: std::collections::BTreeMap<&'static str, &'static str>,
    settings: FileSettings,
    rules: Vec<FileRule>,
}

#[derive(Serialize)]
struct FileSettings {
    max_offers_per_interaction: u32,
    rejected_cooldown_days: u32,
}

#[derive(Serialize)]
struct FileRule {
    name: String,
    description: String,
    when: String,
    offer: FileOffer,
    priority: i64,
    cooldown_days: u32,
    rejected_cooldown_days: u32,
    control_share: f64,
}

#[derive(Serialize)]
struct FileOffer {
    kind: &'static str,
    target: String,
    channel: &'static str,
}

/// A string literal of the rule language (CEL's escapes, which JSON's are a subset of).
fn literal(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A decimal of the rule language for an amount in minor units.
fn decimal(money: Money) -> String {
    money.amount_string()
}

pub(super) fn triggers(
    facts: &Facts<'_>,
    affinity: &AffinitySection,
    pricing: &PricingSection,
    file_name: String,
    control: &Control,
) -> Result<TriggerSection> {
    const REJECTED_COOLDOWN_DAYS: u32 = 30;
    let mut rules = Vec::new();
    let mut findings = Vec::new();
    for (n, pair) in affinity.pairs.iter().take(3).enumerate() {
        let when = format!(
            "{} in cart.items && !({} in cart.items)",
            literal(&pair.a.item),
            literal(&pair.b.item)
        );
        let name = format!("cross-sell-{}", n + 1);
        let from = format!(
            "pair {} + {} (lift {:.2}, confidence {:.0}%)",
            pair.a.name,
            pair.b.name,
            pair.lift,
            pair.confidence * 100.0
        );
        rules.push(FileRule {
            name: name.clone(),
            description: format!("{}: offer {} with {}", from, pair.b.name, pair.a.name),
            when: when.clone(),
            offer: FileOffer {
                kind: "cross_sell",
                target: pair.b.item.clone(),
                channel: placement_channel(pair.placement),
            },
            priority: 10 - n as i64,
            cooldown_days: 7,
            rejected_cooldown_days: REJECTED_COOLDOWN_DAYS,
            control_share: 0.1,
        });
        findings.push((name, "cross_sell", pair.b.item.clone(), when, from));
    }
    if let Some(t) = pricing
        .threshold
        .as_ref()
        .filter(|t| t.near_miss_orders > 0)
    {
        let high = t
            .threshold
            .checked_sub(Money::new(1, t.threshold.currency()))?;
        let when = format!(
            "cart.total in range({}, {})",
            decimal(t.near_miss_from),
            decimal(high)
        );
        let name = "threshold-filler".to_owned();
        let from = format!("free shipping from {}", t.threshold);
        rules.push(FileRule {
            name: name.clone(),
            description: format!(
                "{from}: suggest a filler to carts of {} to {}",
                t.near_miss_from, high
            ),
            when: when.clone(),
            offer: FileOffer {
                kind: "threshold_fill",
                target: format!("free-shipping-{}", decimal(t.threshold)),
                channel: "cart",
            },
            priority: 5,
            cooldown_days: 1,
            rejected_cooldown_days: REJECTED_COOLDOWN_DAYS,
            control_share: 0.1,
        });
        findings.push((
            name,
            "threshold_fill",
            format!("free-shipping-{}", decimal(t.threshold)),
            when,
            from,
        ));
    }
    let file = RuleFile {
        schema: [("cart.items", "list<string>"), ("cart.total", "money")]
            .into_iter()
            .collect(),
        settings: FileSettings {
            max_offers_per_interaction: 1,
            rejected_cooldown_days: REJECTED_COOLDOWN_DAYS,
        },
        rules,
    };
    let header = "# Starter upsell triggers generated by `upsell report` from the findings of the report beside\n\
                  # this file. Check with `upsell triggers check`; evaluate carts with `upsell triggers eval`.\n";
    let yaml = serde_norway::to_string(&file).map_err(|e| {
        crate::Error::invalid_input(
            crate::Location::memory(),
            format!("cannot write the rule file: {e}"),
        )
    })?;
    let rule_file = format!("{header}{yaml}");
    let mut missing = Vec::new();
    let reach = if findings.is_empty() {
        missing.push(Missing::new(
            "trigger rules",
            "no actionable pair and no threshold band were found, so no rule could be derived",
        ));
        Vec::new()
    } else {
        reach(facts, &rule_file, &findings, control)?
    };
    if !facts.has_customers() && !findings.is_empty() {
        missing.push(Missing::new(
            "customers reached",
            "the data names no customer: reach is counted in orders only",
        ));
    }
    let rules = findings
        .into_iter()
        .zip(reach)
        .map(
            |((name, kind, target, when, from), (customers, orders))| RuleFinding {
                name,
                kind: kind.to_owned(),
                target,
                when,
                from,
                reach_customers: facts.has_customers().then_some(customers),
                reach_orders: orders,
            },
        )
        .collect();
    Ok(TriggerSection {
        file_name,
        rule_file,
        rejected_cooldown_days: REJECTED_COOLDOWN_DAYS,
        rules,
        missing,
    })
}

fn placement_channel(placement: Placement) -> &'static str {
    match placement {
        Placement::ProductPage => "product_page",
        Placement::Cart => "cart",
        Placement::PostPurchase => "email",
    }
}

/// Each rule's reach on today's orders as carts: (customers, orders) on which it fires, by the
/// trigger engine itself (one rule at a time, so one rule's offer does not hide another's).
fn reach(
    facts: &Facts<'_>,
    rule_file: &str,
    findings: &[(String, &str, String, String, String)],
    control: &Control,
) -> Result<Vec<(u64, u64)>> {
    let orders = facts.orders;
    let mut carts: Vec<Vec<&str>> = vec![Vec::new(); orders.orders().len()];
    for (o, basket) in facts.baskets.iter().enumerate() {
        carts[o] = basket
            .iter()
            .filter_map(|&i| orders.items().label(i))
            .collect();
    }
    let ids: Vec<String> = (0..orders.orders().len()).map(|o| o.to_string()).collect();
    let scale = crate::triggers::Decimal::SCALE / facts.currency.minor_per_major().max(1);
    let batch = Batch::new(vec![
        (
            "order".to_owned(),
            Column::strings(ids.iter().map(|s| Some(s.as_str()))),
        ),
        (
            "cart.items".to_owned(),
            Column::lists(carts.iter().map(|c| Some(c.iter().copied()))),
        ),
        (
            "cart.total".to_owned(),
            Column::decimals(
                facts
                    .order_values
                    .iter()
                    .map(|v| v.saturating_mul(scale))
                    .collect(),
                None,
            ),
        ),
    ])?;
    let all = RuleSet::from_yaml_str(rule_file)?;
    let now = orders
        .orders()
        .iter()
        .map(|o| o.time)
        .max()
        .unwrap_or_default();
    let mut out = Vec::new();
    for (name, ..) in findings {
        // The file with this rule alone: its own cap of one offer per cart does not hide it.
        let single = format!(
            "rules:\n{}",
            all.rules()
                .iter()
                .filter(|r| &r.name == name)
                .map(|r| format!(
                    "  - name: {}\n    when: {}\n    offer: {{kind: {}, target: {}}}\n",
                    literal(&r.name),
                    literal(&r.when),
                    r.offer.kind.as_str(),
                    literal(&r.offer.target)
                ))
                .collect::<String>()
        );
        let one = RuleSet::from_yaml_str(&single)?;
        let offers = one.evaluate_batch(
            &batch,
            &BatchOptions {
                threads: facts.options.threads,
                ..BatchOptions::new(now)
            },
            control,
        )?;
        let mut customers: FxHashSet<&str> = FxHashSet::default();
        for offer in &offers {
            if let Some(c) = orders.orders()[offer.row].customer.as_deref() {
                customers.insert(c);
            }
        }
        out.push((customers.len() as u64, offers.len() as u64));
    }
    Ok(out)
}

// ---------------------------------------------------------------- 6. opportunities

/// Revenue per year: low, expected, high.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct YearRange {
    /// At the low take rate.
    pub low: Money,
    /// At the expected take rate.
    pub expected: Money,
    /// At the high take rate.
    pub high: Money,
}

/// The A/B test that proves an opportunity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbPlan {
    /// What is measured.
    pub metric: String,
    /// Today's rate of the metric.
    pub baseline: f64,
    /// The absolute increase the test must detect: the expected take rate.
    pub expected_lift: f64,
    /// Significance level.
    pub alpha: f64,
    /// Power.
    pub power: f64,
    /// Eligible orders per arm (`metrics::sample_size`), when computable.
    pub n_per_arm: Option<u64>,
    /// Eligible orders per day at today's traffic.
    pub eligible_per_day: f64,
    /// Days to reach the sample in both arms.
    pub days: Option<u64>,
    /// Why the sample size could not be computed.
    pub note: Option<String>,
}

/// One opportunity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Opportunity {
    /// 1 = the largest expected revenue.
    pub rank: usize,
    /// The headline.
    pub title: String,
    /// `cross_sell`, `bundle`, `threshold_fill`, `follow_up`.
    pub kind: String,
    /// Orders (or customers) a year the offer can be shown to.
    pub eligible_per_year: f64,
    /// What one accepted offer adds.
    pub value_per_take: Option<Money>,
    /// Revenue per year, when priced.
    pub revenue_per_year: Option<YearRange>,
    /// The assumptions behind the estimate.
    pub assumptions: Vec<String>,
    /// How to build it.
    pub implementation: String,
    /// How to prove it.
    pub ab_test: AbPlan,
}

/// 6. Opportunities ranked by revenue per year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpportunitySection {
    /// Take rates assumed: low, expected, high.
    pub take_rates: (f64, f64, f64),
    /// Days observed, and the factor to a year (`365 / days`).
    pub days_observed: i64,
    /// `365 / days_observed`.
    pub annualisation: f64,
    /// The opportunities, best first.
    pub opportunities: Vec<Opportunity>,
    /// What could not be computed.
    pub missing: Vec<Missing>,
}

struct Candidate {
    title: String,
    kind: &'static str,
    eligible: u64,
    value: Option<i64>,
    baseline_metric: String,
    baseline: Rate,
    implementation: String,
    assumptions: Vec<String>,
}

pub(super) fn opportunities(
    facts: &Facts<'_>,
    affinity: &AffinitySection,
    pricing: &PricingSection,
) -> Result<OpportunitySection> {
    let options = facts.options;
    let price = |item: &ItemRef| {
        facts
            .orders
            .items()
            .id(&item.item)
            .and_then(|i| facts.prices[i as usize])
    };
    let mut candidates = Vec::new();
    for (n, pair) in affinity.pairs.iter().take(3).enumerate() {
        let eligible = pair.orders_a - pair.orders_both;
        candidates.push(Candidate {
            title: format!("Offer {} with {}", pair.b.name, pair.a.name),
            kind: "cross_sell",
            eligible,
            value: price(&pair.b),
            baseline_metric: format!(
                "share of orders with {} that also hold {}",
                pair.a.name, pair.b.name
            ),
            baseline: Rate::new(pair.orders_both, pair.orders_a),
            implementation: format!(
                "Rule cross-sell-{} of the rule file: show {} ({}) {}; {}",
                n + 1,
                pair.b.name,
                pair.b.item,
                match pair.placement {
                    Placement::ProductPage => "on the product page of A",
                    Placement::Cart => "in the cart when A is in it",
                    Placement::PostPurchase => "in the order confirmation email after A",
                },
                pair.placement_reason
            ),
            assumptions: vec![format!(
                "eligible: the {eligible} orders with {} but not {} in {} days",
                pair.a.name, pair.b.name, facts.days
            )],
        });
    }
    if let Some(bundle) = pricing.bundles.first() {
        let first = &bundle.items[0];
        let value = bundle.price.minor() - bundle.item_prices[0].minor();
        candidates.push(Candidate {
            title: format!(
                "Bundle {} at {}",
                bundle
                    .items
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" + "),
                bundle.price
            ),
            kind: "bundle",
            eligible: bundle.orders_first.saturating_sub(bundle.orders),
            value: Some(value),
            baseline_metric: format!(
                "share of orders with {} that hold the whole bundle",
                first.name
            ),
            baseline: Rate::new(bundle.orders, bundle.orders_first),
            implementation: format!(
                "Offer the bundle at {} (saving {}) on the page of {} and in the cart",
                bundle.price, bundle.saving, first.name
            ),
            assumptions: vec![
                format!(
                    "eligible: the orders with {} but not the whole bundle",
                    first.name
                ),
                format!(
                    "a take adds the bundle price less {}'s own price: {}",
                    first.name,
                    facts.money(value)
                ),
            ],
        });
    }
    if let Some(t) = pricing
        .threshold
        .as_ref()
        .filter(|t| t.near_miss_orders > 0)
    {
        let reached = t.orders_at_or_above;
        candidates.push(Candidate {
            title: format!("Free shipping from {}, with fillers for carts just below", t.threshold),
            kind: "threshold_fill",
            eligible: t.near_miss_orders,
            value: t.average_gap.map(|g| g.minor()),
            baseline_metric: format!("share of carts of at least {} that reach {}", t.near_miss_from, t.threshold),
            baseline: Rate::new(reached, reached + t.near_miss_orders),
            implementation: format!("Rule threshold-filler of the rule file: show the gap and the fillers in the cart for totals from {} to below {}", t.near_miss_from, t.threshold),
            assumptions: vec![
                format!("eligible: the {} orders from {} to below {}", t.near_miss_orders, t.near_miss_from, t.threshold),
                "a take adds the average gap to the threshold (the least a customer adds to qualify)".to_owned(),
            ],
        });
    }
    if let Some(s) = affinity.sequences.first() {
        candidates.push(Candidate {
            title: format!(
                "Follow-up: {} to buyers of {} within {} days",
                s.b.name, s.a.name, s.window_days
            ),
            kind: "follow_up",
            eligible: s.customers_a.saturating_sub(s.customers_then_b),
            value: price(&s.b),
            baseline_metric: format!(
                "share of buyers of {} who buy {} within {} days",
                s.a.name, s.b.name, s.window_days
            ),
            baseline: Rate::new(s.customers_then_b, s.customers_a),
            implementation: format!(
                "Email buyers of {} who have not bought {} a few days after their purchase",
                s.a.name, s.b.name
            ),
            assumptions: vec![format!(
                "eligible: the customers who bought {} without {} following within {} days",
                s.a.name, s.b.name, s.window_days
            )],
        });
    }
    let (low, expected, high) = options.take_rates;
    let mut missing = Vec::new();
    if !facts.priced() {
        missing.push(facts.no_prices("revenue per year"));
    }
    if candidates.is_empty() {
        missing.push(Missing::new(
            "opportunities",
            "no pair, bundle, threshold band or time-window finding to build on",
        ));
    }
    let mut out: Vec<Opportunity> = candidates
        .into_iter()
        .map(|c| {
            let per_year = facts.per_year(c.eligible as f64);
            let revenue = |rate: f64| facts.money((per_year * rate * c.value.unwrap_or(0) as f64).round() as i64);
            let revenue_per_year = c.value.filter(|_| facts.priced()).map(|_| YearRange { low: revenue(low), expected: revenue(expected), high: revenue(high) });
            let mut assumptions = c.assumptions;
            assumptions.push(format!("{} eligible in {} days is {:.0} a year (x {:.2})", c.eligible, facts.days, per_year, 365.0 / facts.days as f64));
            assumptions.push(format!("take rate {:.0}% expected, {:.0}% to {:.0}% (not measured: the A/B test below measures it)", expected * 100.0, low * 100.0, high * 100.0));
            if let Some(v) = c.value.filter(|_| facts.priced()) {
                assumptions.push(format!("each take adds {}", facts.money(v)));
            }
            let per_day = c.baseline.denominator as f64 / facts.days as f64;
            let plan = match sample_size(c.baseline.value, expected, options.alpha, options.power) {
                Ok(s) => AbPlan {
                    metric: c.baseline_metric,
                    baseline: c.baseline.value,
                    expected_lift: expected,
                    alpha: options.alpha,
                    power: options.power,
                    n_per_arm: Some(s.n_per_arm),
                    eligible_per_day: per_day,
                    days: (per_day > 0.0).then(|| ((2 * s.n_per_arm) as f64 / per_day).ceil() as u64),
                    note: None,
                },
                Err(e) => AbPlan {
                    metric: c.baseline_metric,
                    baseline: c.baseline.value,
                    expected_lift: expected,
                    alpha: options.alpha,
                    power: options.power,
                    n_per_arm: None,
                    eligible_per_day: per_day,
                    days: None,
                    note: Some(format!("no sample size: {e}")),
                },
            };
            Opportunity {
                rank: 0,
                title: c.title,
                kind: c.kind.to_owned(),
                eligible_per_year: per_year,
                value_per_take: c.value.filter(|_| facts.priced()).map(|v| facts.money(v)),
                revenue_per_year,
                assumptions,
                implementation: c.implementation,
                ab_test: plan,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let key = |o: &Opportunity| o.revenue_per_year.map_or(i64::MIN, |r| r.expected.minor());
        key(b)
            .cmp(&key(a))
            .then(b.eligible_per_year.total_cmp(&a.eligible_per_year))
            .then(a.title.cmp(&b.title))
    });
    for (n, o) in out.iter_mut().enumerate() {
        o.rank = n + 1;
    }
    Ok(OpportunitySection {
        take_rates: options.take_rates,
        days_observed: facts.days,
        annualisation: 365.0 / facts.days as f64,
        opportunities: out,
        missing,
    })
}
