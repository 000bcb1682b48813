//! Tier analysis: how customers spread over plan prices, where the price ladder has holes, whether a
//! tier acts as a decoy, and what upgrades are worth.
//!
//! The one idea: a price ladder is judged by its steps. A step ratio far above the others (29 to 99
//! is 3.4x) leaves customers with no next rung, so a bridge tier at the geometric mean of the two
//! prices (rounded to a plan-price ending) is suggested. A tier priced close under the next one but
//! chosen by few customers is flagged as a decoy: it makes the next tier look cheap, which may be
//! intended; the report says so, it does not judge.

use super::ending::{Direction, PriceEnding};
use super::money::{Money, Rounding};
use crate::{Error, Location, Result};

/// One plan: its name, its price per period and how many customers are on it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tier {
    /// The plan's name.
    pub name: String,
    /// Its price per billing period.
    pub price: Money,
    /// Customers on it.
    pub customers: u64,
}

/// Thresholds of the analysis.
///
/// ```
/// let options = upsell::pricing::TierOptions::default();
/// assert_eq!(options.gap_ratio_bp, 25_000); // a step above 2.5x is a gap
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TierOptions {
    /// A step ratio above this (basis points of 1x) is a gap.
    pub gap_ratio_bp: u32,
    /// A tier within this ratio under the next (basis points) ...
    pub decoy_price_bp: u32,
    /// ... with less than this share of customers (basis points) is a decoy.
    pub decoy_share_bp: u32,
    /// The share of a tier's customers assumed to take an upgrade, for upgrade values (bp).
    pub upgrade_take_bp: u32,
    /// The ending of suggested bridge prices.
    pub ending: PriceEnding,
}

impl Default for TierOptions {
    fn default() -> Self {
        TierOptions {
            gap_ratio_bp: 25_000,
            decoy_price_bp: 8_000,
            decoy_share_bp: 1_000,
            upgrade_take_bp: 500,
            ending: PriceEnding::WholeNine,
        }
    }
}

/// One tier in the report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TierRow {
    /// The tier.
    pub tier: Tier,
    /// Share of customers.
    pub customer_share: f64,
    /// Revenue per period (price x customers).
    pub revenue: Money,
    /// Share of revenue.
    pub revenue_share: f64,
    /// Price over the previous tier's price (`None` for the cheapest).
    pub step_ratio: Option<f64>,
    /// Whether the step up to this tier is a gap.
    pub gap: bool,
    /// For a gap: a bridge price between the previous tier and this one.
    pub bridge_price: Option<Money>,
    /// Whether this tier looks like a decoy for the next one.
    pub decoy: bool,
    /// Price difference to the next tier (`None` for the top).
    pub upgrade_delta: Option<Money>,
    /// Revenue per period if `upgrade_take_bp` of this tier's customers moved up one tier.
    pub upgrade_value: Option<Money>,
}

/// Analyses a set of tiers (any order; reported by ascending price).
///
/// ```
/// use upsell::pricing::{analyse_tiers, Currency, Money, Tier, TierOptions};
/// let tier = |name: &str, price: i64, customers| Tier { name: name.into(), price: Money::new(price * 100, Currency::USD), customers };
/// let rows = analyse_tiers(&[tier("Basic", 9, 500), tier("Pro", 29, 300), tier("Business", 99, 40)], &TierOptions::default())?;
/// assert!(rows[2].gap);                                              // 29 -> 99 is 3.4x
/// assert_eq!(rows[2].bridge_price.unwrap().to_string(), "49.00 USD"); // sqrt(29 x 99) = 53.6 -> 49
/// assert_eq!(rows[1].upgrade_delta.unwrap().to_string(), "70.00 USD");
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn analyse_tiers(tiers: &[Tier], options: &TierOptions) -> Result<Vec<TierRow>> {
    let first = tiers
        .first()
        .ok_or_else(|| Error::invalid_input(Location::memory(), "no tiers given"))?;
    let currency = first.price.currency();
    for tier in tiers {
        first.price.same_currency(tier.price)?;
        if tier.price.minor() <= 0 {
            return Err(Error::invalid_input(
                Location::memory(),
                format!(
                    "tier '{}' has price {}: a plan price must be positive",
                    tier.name, tier.price
                ),
            ));
        }
    }
    let mut sorted = tiers.to_vec();
    sorted.sort_by(|a, b| {
        a.price
            .minor()
            .cmp(&b.price.minor())
            .then_with(|| a.name.cmp(&b.name))
    });
    let customers: u64 = sorted.iter().map(|t| t.customers).sum();
    let revenues = sorted
        .iter()
        .map(|t| t.price.checked_mul(t.customers as i64))
        .collect::<Result<Vec<Money>>>()?;
    let total_revenue = Money::sum(revenues.iter().copied(), currency)?;
    let share = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
    let mut rows = Vec::with_capacity(sorted.len());
    for (k, tier) in sorted.iter().enumerate() {
        let previous = k.checked_sub(1).map(|p| &sorted[p]);
        let next = sorted.get(k + 1);
        let step_ratio = previous.map(|p| tier.price.minor() as f64 / p.price.minor() as f64);
        let gap = previous.is_some_and(|p| {
            i128::from(tier.price.minor()) * 10_000
                > i128::from(p.price.minor()) * i128::from(options.gap_ratio_bp)
        });
        let bridge_price = match previous {
            Some(p) if gap => {
                let mean = isqrt(i128::from(p.price.minor()) * i128::from(tier.price.minor()));
                let mean = Money::new(i64::try_from(mean).unwrap_or(i64::MAX), currency);
                options
                    .ending
                    .round(mean, Direction::Nearest)
                    .filter(|b| b.minor() > p.price.minor() && b.minor() < tier.price.minor())
            }
            _ => None,
        };
        let decoy = next.is_some_and(|n| {
            i128::from(tier.price.minor()) * 10_000
                >= i128::from(n.price.minor()) * i128::from(options.decoy_price_bp)
                && i128::from(tier.customers) * 10_000
                    < i128::from(customers) * i128::from(options.decoy_share_bp)
        });
        let upgrade_delta = next.map(|n| n.price.checked_sub(tier.price)).transpose()?;
        let upgrade_value = upgrade_delta
            .map(|d| {
                d.checked_mul(tier.customers as i64)?.ratio(
                    i128::from(options.upgrade_take_bp),
                    10_000,
                    Rounding::HalfEven,
                )
            })
            .transpose()?;
        rows.push(TierRow {
            tier: tier.clone(),
            customer_share: share(tier.customers as f64, customers as f64),
            revenue: revenues[k],
            revenue_share: share(revenues[k].minor() as f64, total_revenue.minor() as f64),
            step_ratio,
            gap,
            bridge_price,
            decoy,
            upgrade_delta,
            upgrade_value,
        });
    }
    Ok(rows)
}

/// The integer square root (floor) of a non-negative number.
fn isqrt(n: i128) -> i128 {
    if n < 2 {
        return n.max(0);
    }
    let mut x = (n as f64).sqrt() as i128;
    while x * x > n {
        x -= 1;
    }
    while (x + 1) * (x + 1) <= n {
        x += 1;
    }
    x
}
