//! Pricing one bundle under a policy: a discount band, a margin floor, a cap on the saving in money,
//! and a price ending.
//!
//! The one idea: every rule narrows an interval of allowed prices, in exact minor units, and the
//! bundle gets the highest allowed price with the wanted ending inside it (the smallest discount the
//! band permits: the shop gives away no more than its policy asks). When the interval is empty the
//! bundle is refused with the rule that emptied it, never priced outside the policy.

use std::str::FromStr;

use super::ending::{Direction, PriceEnding};
use super::money::{Money, Rounding};
use super::price_list::PriceList;
use crate::{Error, Result};

/// Basis points in one whole (100 %).
pub const BASIS_POINTS: u32 = 10_000;

/// The allowed discount off the sum of item prices, in basis points (1 % = 100 bp).
///
/// ```
/// use upsell::pricing::DiscountBand;
/// let band: DiscountBand = "15-25".parse()?;
/// assert_eq!((band.min_bp(), band.max_bp()), (1500, 2500));
/// assert!(DiscountBand::percent(10, 120).is_err()); // outside 0-100 %
/// assert!("25-15".parse::<DiscountBand>().is_err());
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DiscountBand {
    min_bp: u32,
    max_bp: u32,
}

impl DiscountBand {
    /// A band from `min_bp` to `max_bp` basis points; both within 0..=10000, min not above max.
    pub fn new(min_bp: u32, max_bp: u32) -> Result<Self> {
        if min_bp > BASIS_POINTS || max_bp > BASIS_POINTS {
            return Err(Error::invalid_parameter(
                "discount_band",
                format!(
                    "{} % to {} % is outside 0-100 %",
                    bp_text(min_bp),
                    bp_text(max_bp)
                ),
            ));
        }
        if min_bp > max_bp {
            return Err(Error::invalid_parameter(
                "discount_band",
                format!(
                    "the lower bound {} % is above the upper bound {} %",
                    bp_text(min_bp),
                    bp_text(max_bp)
                ),
            ));
        }
        Ok(DiscountBand { min_bp, max_bp })
    }

    /// A band in whole percent (`percent(15, 25)`); negative or above 100 is refused.
    pub fn percent(min: i64, max: i64) -> Result<Self> {
        let to_bp = |p: i64| {
            u32::try_from(p)
                .ok()
                .and_then(|p| p.checked_mul(100))
                .ok_or_else(|| {
                    Error::invalid_parameter(
                        "discount_band",
                        format!("{min} % to {max} % is outside 0-100 %"),
                    )
                })
        };
        DiscountBand::new(to_bp(min)?, to_bp(max)?)
    }

    /// The smallest discount, in basis points.
    pub fn min_bp(&self) -> u32 {
        self.min_bp
    }

    /// The largest discount, in basis points.
    pub fn max_bp(&self) -> u32 {
        self.max_bp
    }
}

impl Default for DiscountBand {
    /// 15-25 % off the sum of item prices.
    fn default() -> Self {
        DiscountBand {
            min_bp: 1500,
            max_bp: 2500,
        }
    }
}

impl DiscountBand {
    /// A band from two percentages written as decimals (`"15"`, `"12.5"`, up to two decimals).
    ///
    /// ```
    /// use upsell::pricing::DiscountBand;
    /// assert_eq!(DiscountBand::parse_percent("12.5", "20")?.min_bp(), 1250);
    /// assert!(DiscountBand::parse_percent("-5", "20").is_err());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn parse_percent(low: &str, high: &str) -> Result<Self> {
        let bp = |t: &str| -> Result<u32> {
            let bp = percent_to_bp("discount_band", t)?;
            if bp > BASIS_POINTS {
                return Err(Error::invalid_parameter(
                    "discount_band",
                    format!("{low} % to {high} % is outside 0-100 %"),
                ));
            }
            Ok(bp)
        };
        DiscountBand::new(bp(low)?, bp(high)?)
    }
}

/// A percentage written as a decimal (`"15"`, `"12.5"`, `"12.5%"`, up to two decimals) in basis
/// points, exactly: more decimals, a negative value or anything else is an invalid parameter
/// naming `name`. Every surface turns a percent (a discount band, `min_margin`) into basis points
/// here, so none rounds its own way.
///
/// ```
/// use upsell::pricing::percent_to_bp;
/// assert_eq!(percent_to_bp("min_margin", "12.5")?, 1250);
/// assert_eq!(percent_to_bp("min_margin", "150 %")?, 15000); // a margin may exceed 100 %
/// assert!(percent_to_bp("min_margin", "12.345").is_err());  // not a whole basis point
/// assert!(percent_to_bp("min_margin", "-1").unwrap_err().to_string().contains("'min_margin'"));
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn percent_to_bp(name: &'static str, text: &str) -> Result<u32> {
    let t = text.trim().trim_end_matches('%').trim();
    let not_percent = || {
        Error::invalid_parameter(
            name,
            format!("'{text}' is not a percentage >= 0 with at most two decimals"),
        )
    };
    let minor = super::money::Money::parse(t, super::money::Currency::GBP)
        .map_err(|_| not_percent())?
        .minor();
    u32::try_from(minor).map_err(|_| not_percent())
}

impl FromStr for DiscountBand {
    type Err = Error;
    /// `"15-25"`, `"15%-25%"`, `"12.5-20"` (percent, up to two decimals).
    fn from_str(s: &str) -> Result<Self> {
        // The separator is the first '-' after the first character, so "-5-20" reads as -5 to 20.
        let split = s
            .char_indices()
            .skip(1)
            .find(|&(_, c)| c == '-')
            .map(|(i, _)| i);
        let (low, high) = split.map(|i| (&s[..i], &s[i + 1..])).ok_or_else(|| {
            Error::invalid_parameter(
                "discount_band",
                format!("'{s}' is not a band like 15-25 (percent)"),
            )
        })?;
        DiscountBand::parse_percent(low, high)
    }
}

fn bp_text(bp: u32) -> String {
    if bp % 100 == 0 {
        (bp / 100).to_string()
    } else {
        format!("{}.{:02}", bp / 100, bp % 100)
    }
}

/// How bundles are priced.
///
/// ```
/// use upsell::pricing::{BundlePolicy, PriceEnding};
/// let policy = BundlePolicy::default();
/// assert_eq!(policy.band.min_bp(), 1500);
/// assert_eq!(policy.ending, PriceEnding::Nine);
/// assert_eq!(policy.min_margin_bp, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BundlePolicy {
    /// The discount band below the sum of item prices.
    pub band: DiscountBand,
    /// The margin floor over the bundle's unit cost, in basis points: price >= cost x (1 + margin).
    /// Applies when costs are known.
    pub min_margin_bp: u32,
    /// The largest saving allowed, in money; `None` for no cap.
    pub max_discount: Option<Money>,
    /// The ending the bundle price must have.
    pub ending: PriceEnding,
}

impl Default for BundlePolicy {
    fn default() -> Self {
        BundlePolicy {
            band: DiscountBand::default(),
            min_margin_bp: 0,
            max_discount: None,
            ending: PriceEnding::Nine,
        }
    }
}

/// A priced bundle: each item's price, their sum, the bundle price and the saving.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BundleQuote {
    /// Item labels, in the order given.
    pub items: Vec<String>,
    /// Each item's price.
    pub item_prices: Vec<Money>,
    /// The sum of item prices.
    pub sum: Money,
    /// The bundle price.
    pub price: Money,
    /// `sum - price`.
    pub saving: Money,
    /// The saving in basis points of the sum (rounded half-even).
    pub saving_bp: u32,
    /// The bundle's unit cost, when costs were given.
    pub cost: Option<Money>,
    /// The lowest price the policy allowed (band, margin floor, cap).
    pub floor: Money,
    /// The highest price the policy allowed (band).
    pub ceiling: Money,
}

/// Why a bundle could not be priced under its policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The margin floor is above the band's highest price.
    MarginFloor,
    /// The cap on the saving leaves no price in the band.
    MaxDiscount,
    /// No price with the wanted ending lies inside the allowed interval.
    Ending,
}

impl Refusal {
    /// A short phrase for summaries.
    ///
    /// ```
    /// assert_eq!(upsell::pricing::Refusal::Ending.describe(), "no price with the ending inside the band");
    /// ```
    pub fn describe(self) -> &'static str {
        match self {
            Refusal::MarginFloor => "margin floor above the band",
            Refusal::MaxDiscount => "discount cap leaves no price in the band",
            Refusal::Ending => "no price with the ending inside the band",
        }
    }
}

/// Prices the bundle of `items` from `prices` (and optional unit `costs`) under `policy`.
///
/// Fails with a clear error when an item has no price (or no cost, when costs are given) or a
/// currency differs; returns `Ok(Err(refusal))` when the policy leaves no allowed price.
///
/// ```
/// use upsell::pricing::{price_bundle, BundlePolicy, Currency, PriceList};
/// let prices = PriceList::parse(Currency::GBP, [("MUG", "12.00"), ("TEA", "8.00")])?;
/// let quote = price_bundle(&["MUG", "TEA"], &prices, None, &BundlePolicy::default())?.unwrap();
/// assert_eq!(quote.sum.to_string(), "20.00 GBP");
/// assert_eq!(quote.price.to_string(), "16.99 GBP"); // at most 17.00 (15 % off), ending in 9
/// assert_eq!(quote.saving.to_string(), "3.01 GBP");
/// assert_eq!(quote.saving_bp, 1505);
/// assert!(price_bundle(&["MUG", "SPOON"], &prices, None, &BundlePolicy::default()).is_err());
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn price_bundle(
    items: &[&str],
    prices: &PriceList,
    costs: Option<&PriceList>,
    policy: &BundlePolicy,
) -> Result<std::result::Result<BundleQuote, Refusal>> {
    if items.is_empty() {
        return Err(Error::invalid_parameter(
            "items",
            "a bundle needs at least one item",
        ));
    }
    let currency = prices.currency();
    let item_prices = items
        .iter()
        .map(|&label| {
            prices.require(label).map_err(|_| {
                Error::invalid_input(
                    crate::Location::memory(),
                    format!("bundle item '{label}' has no price"),
                )
            })
        })
        .collect::<Result<Vec<Money>>>()?;
    let cost = match costs {
        Some(costs) => {
            let each = items
                .iter()
                .map(|&label| {
                    costs.require(label).map_err(|_| {
                        Error::invalid_input(
                            crate::Location::memory(),
                            format!("bundle item '{label}' has no unit cost"),
                        )
                    })
                })
                .collect::<Result<Vec<Money>>>()?;
            Some(Money::sum(each, currency)?)
        }
        None => None,
    };
    quote(items, item_prices, cost, policy)
}

/// Prices a bundle whose item prices (and cost) are already known.
pub(crate) fn quote(
    items: &[&str],
    item_prices: Vec<Money>,
    cost: Option<Money>,
    policy: &BundlePolicy,
) -> Result<std::result::Result<BundleQuote, Refusal>> {
    let currency = item_prices
        .first()
        .map(|p| p.currency())
        .ok_or_else(|| Error::invalid_parameter("items", "a bundle needs at least one item"))?;
    let sum = Money::sum(item_prices.iter().copied(), currency)?;
    if let Some(cap) = policy.max_discount {
        sum.same_currency(cap).map_err(|_| {
            Error::invalid_parameter(
                "max_discount",
                format!("{cap} is not in the prices' currency {currency}"),
            )
        })?;
        if cap.is_negative() {
            return Err(Error::invalid_parameter(
                "max_discount",
                format!("{cap} is negative"),
            ));
        }
    }
    let keep = |bp: u32| i128::from(BASIS_POINTS - bp);
    let ceiling = sum.ratio(
        keep(policy.band.min_bp),
        i128::from(BASIS_POINTS),
        Rounding::Floor,
    )?;
    let mut floor = sum.ratio(
        keep(policy.band.max_bp),
        i128::from(BASIS_POINTS),
        Rounding::Ceiling,
    )?;
    let mut binding = None;
    if let Some(cost) = cost {
        let margin_floor = cost.ratio(
            i128::from(BASIS_POINTS) + i128::from(policy.min_margin_bp),
            i128::from(BASIS_POINTS),
            Rounding::Ceiling,
        )?;
        if margin_floor.minor() > floor.minor() {
            floor = margin_floor;
            binding = Some(Refusal::MarginFloor);
        }
    }
    if let Some(cap) = policy.max_discount {
        let cap_floor = sum.checked_sub(cap)?;
        if cap_floor.minor() > floor.minor() {
            floor = cap_floor;
            binding = Some(Refusal::MaxDiscount);
        }
    }
    if floor.minor() > ceiling.minor() {
        return Ok(Err(binding.unwrap_or(Refusal::Ending)));
    }
    let price = match policy.ending.round(ceiling, Direction::Down) {
        Some(p) if p.minor() >= floor.minor() => p,
        _ => return Ok(Err(Refusal::Ending)),
    };
    let saving = sum.checked_sub(price)?;
    let saving_bp = if sum.minor() == 0 {
        0
    } else {
        Rounding::HalfEven.divide(
            i128::from(saving.minor()) * i128::from(BASIS_POINTS),
            i128::from(sum.minor()),
        ) as u32
    };
    Ok(Ok(BundleQuote {
        items: items.iter().map(|s| (*s).to_owned()).collect(),
        item_prices,
        sum,
        price,
        saving,
        saving_bp,
        cost,
        floor,
        ceiling,
    }))
}

/// Prices a bundle from its items' prices (and optional unit costs) given as amounts, for callers
/// without labels (the C ABI); items are named `"1"`, `"2"`, ... in the quote.
///
/// Prices must be non-negative and share one currency with the costs and the policy's cap.
///
/// ```
/// use upsell::pricing::{price_bundle_amounts, BundlePolicy, Currency, Money};
/// let prices = [Money::new(1200, Currency::EUR), Money::new(800, Currency::EUR)];
/// let quote = price_bundle_amounts(&prices, None, &BundlePolicy::default())?.unwrap();
/// assert_eq!(quote.price.to_string(), "16.99 EUR");
/// assert!(price_bundle_amounts(&[Money::new(-1, Currency::EUR)], None, &BundlePolicy::default()).is_err());
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn price_bundle_amounts(
    item_prices: &[Money],
    item_costs: Option<&[Money]>,
    policy: &BundlePolicy,
) -> Result<std::result::Result<BundleQuote, Refusal>> {
    let first = item_prices
        .first()
        .ok_or_else(|| Error::invalid_parameter("items", "a bundle needs at least one item"))?;
    let labels: Vec<String> = (1..=item_prices.len()).map(|k| k.to_string()).collect();
    for (label, price) in labels.iter().zip(item_prices) {
        first.same_currency(*price)?;
        if price.is_negative() {
            return Err(Error::invalid_input(
                crate::Location::memory(),
                format!("price of item {label} is negative ({price})"),
            ));
        }
    }
    let cost = match item_costs {
        Some(costs) if costs.len() != item_prices.len() => {
            return Err(Error::invalid_parameter(
                "costs",
                format!("{} costs for {} items", costs.len(), item_prices.len()),
            ));
        }
        Some(costs) => {
            for (label, cost) in labels.iter().zip(costs) {
                first.same_currency(*cost)?;
                if cost.is_negative() {
                    return Err(Error::invalid_input(
                        crate::Location::memory(),
                        format!("cost of item {label} is negative ({cost})"),
                    ));
                }
            }
            Some(Money::sum(costs.iter().copied(), first.currency())?)
        }
        None => None,
    };
    let names: Vec<&str> = labels.iter().map(String::as_str).collect();
    quote(&names, item_prices.to_vec(), cost, policy)
}
