//! Threshold fillers: what to suggest to a cart just below a free-shipping (or reward) threshold.
//!
//! The one idea: a good filler is both wanted and close. "Wanted" is affinity: how often the item
//! was bought together with the cart's items (co-occurrence counts, summed over the cart). "Close"
//! is how little the filler overshoots the gap. The score is `affinity x gap / (gap + overshoot)`,
//! so an exact fit keeps its full affinity and a filler twice the gap keeps half. Single items and
//! pairs are both considered; a pair's affinity is the smaller of its two items' (both must
//! appeal). The search is bounded (pairs only among the `max_candidates` items of highest
//! affinity) and deterministic (ties: less overshoot, then fewer items, then labels).

use std::cmp::Ordering;

use super::money::Money;
use crate::{Error, Result};

/// An item that could be suggested: its label, price and affinity with the cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillerCandidate {
    /// The item.
    pub item: String,
    /// Its price.
    pub price: Money,
    /// Co-occurrence with the cart's items (baskets holding both, summed over the cart items).
    pub affinity: u64,
}

/// Bounds of the search.
///
/// ```
/// let options = upsell::pricing::ThresholdOptions::default();
/// assert_eq!((options.top, options.max_candidates, options.pairs), (10, 200, true));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ThresholdOptions {
    /// Fillers returned, best first.
    pub top: usize,
    /// Candidates (highest affinity first) considered for pairs.
    pub max_candidates: usize,
    /// Whether pairs are suggested.
    pub pairs: bool,
    /// The least affinity a candidate needs (1: bought with the cart at least once).
    pub min_affinity: u64,
}

impl Default for ThresholdOptions {
    fn default() -> Self {
        ThresholdOptions {
            top: 10,
            max_candidates: 200,
            pairs: true,
            min_affinity: 1,
        }
    }
}

/// One suggestion: one or two items that bring the cart to the threshold.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Filler {
    /// The items to add.
    pub items: Vec<String>,
    /// Their prices.
    pub prices: Vec<Money>,
    /// What they add.
    pub added: Money,
    /// How far the new total passes the threshold.
    pub overshoot: Money,
    /// The filler's affinity (a pair: the smaller of its items').
    pub affinity: u64,
    /// `affinity x gap / (gap + overshoot)`.
    pub score: f64,
}

/// The fillers for a cart, and the gap they close.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ThresholdFill {
    /// The cart's total.
    pub cart_total: Money,
    /// The threshold.
    pub threshold: Money,
    /// `threshold - cart_total`, zero when the cart already qualifies.
    pub gap: Money,
    /// The suggestions, best first; empty when the cart already qualifies or nothing fits.
    pub fillers: Vec<Filler>,
    /// Candidates that passed the affinity filter.
    pub candidates: usize,
}

/// Finds the fillers that close `threshold - cart_total` from `candidates`.
///
/// Candidates in the cart should be left out by the caller; prices must be positive and in the
/// cart's currency.
///
/// ```
/// use upsell::pricing::{fill_threshold, Currency, FillerCandidate, Money, ThresholdOptions};
/// let gbp = |text| Money::parse(text, Currency::GBP).unwrap();
/// let candidates = vec![
///     FillerCandidate { item: "CANDLE".into(), price: gbp("12.50"), affinity: 8 },
///     FillerCandidate { item: "MUG".into(), price: gbp("10.00"), affinity: 10 },
///     FillerCandidate { item: "TRAY".into(), price: gbp("30.00"), affinity: 20 },
/// ];
/// let fill = fill_threshold(gbp("90.00"), gbp("100.00"), &candidates, &ThresholdOptions::default())?;
/// assert_eq!(fill.gap.to_string(), "10.00 GBP");
/// assert_eq!(fill.fillers[0].items, ["MUG"]);                 // exact fit, good affinity
/// assert_eq!(fill.fillers[0].overshoot.to_string(), "0.00 GBP");
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn fill_threshold(
    cart_total: Money,
    threshold: Money,
    candidates: &[FillerCandidate],
    options: &ThresholdOptions,
) -> Result<ThresholdFill> {
    cart_total.same_currency(threshold)?;
    if threshold.minor() <= 0 {
        return Err(Error::invalid_parameter(
            "threshold",
            format!("must be positive, got {threshold}"),
        ));
    }
    if cart_total.is_negative() {
        return Err(Error::invalid_parameter(
            "cart_total",
            format!("must not be negative, got {cart_total}"),
        ));
    }
    if options.top == 0 {
        return Err(Error::invalid_parameter("top", "must be at least 1"));
    }
    for candidate in candidates {
        threshold.same_currency(candidate.price)?;
        if candidate.price.minor() <= 0 {
            return Err(Error::invalid_input(
                crate::Location::memory(),
                format!(
                    "candidate '{}' has price {}: a filler needs a positive price",
                    candidate.item, candidate.price
                ),
            ));
        }
    }
    let gap = Money::new(
        (threshold.minor() - cart_total.minor()).max(0),
        threshold.currency(),
    );
    let mut pool: Vec<&FillerCandidate> = candidates
        .iter()
        .filter(|c| c.affinity >= options.min_affinity)
        .collect();
    let eligible = pool.len();
    if gap.minor() == 0 {
        return Ok(ThresholdFill {
            cart_total,
            threshold,
            gap,
            fillers: Vec::new(),
            candidates: eligible,
        });
    }
    pool.sort_by(|a, b| {
        b.affinity
            .cmp(&a.affinity)
            .then_with(|| a.item.cmp(&b.item))
    });
    let mut fillers: Vec<Filler> = pool
        .iter()
        .filter(|c| c.price.minor() >= gap.minor())
        .map(|c| filler(&[c], gap))
        .collect::<Result<_>>()?;
    if options.pairs {
        let bounded = &pool[..pool.len().min(options.max_candidates)];
        for (a_index, a) in bounded.iter().enumerate() {
            // A pair is only worth suggesting when neither item closes the gap alone.
            if a.price.minor() >= gap.minor() {
                continue;
            }
            for b in &bounded[a_index + 1..] {
                if b.price.minor() < gap.minor() && a.price.minor() + b.price.minor() >= gap.minor()
                {
                    fillers.push(filler(&[a, b], gap)?);
                }
            }
        }
    }
    fillers.sort_by(rank);
    fillers.truncate(options.top);
    Ok(ThresholdFill {
        cart_total,
        threshold,
        gap,
        fillers,
        candidates: eligible,
    })
}

fn filler(items: &[&FillerCandidate], gap: Money) -> Result<Filler> {
    let added = Money::sum(items.iter().map(|c| c.price), gap.currency())?;
    let overshoot = added.checked_sub(gap)?;
    let affinity = items.iter().map(|c| c.affinity).min().unwrap_or(0);
    let score =
        affinity as f64 * gap.minor() as f64 / (gap.minor() as f64 + overshoot.minor() as f64);
    Ok(Filler {
        items: items.iter().map(|c| c.item.clone()).collect(),
        prices: items.iter().map(|c| c.price).collect(),
        added,
        overshoot,
        affinity,
        score,
    })
}

fn rank(a: &Filler, b: &Filler) -> Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.overshoot.minor().cmp(&b.overshoot.minor()))
        .then_with(|| a.items.len().cmp(&b.items.len()))
        .then_with(|| a.items.cmp(&b.items))
}

/// Fillers for a cart of items from `orders`: affinity counted over its orders' baskets, prices from
/// its price list, the cart's total the sum of its items' prices (one unit each) unless given.
///
/// Fails when a cart item is unknown to the orders.
///
/// ```no_run
/// use upsell::data::{OrderLines, OrderReadOptions};
/// use upsell::pricing::{fill_threshold_from_orders, Currency, Money, ThresholdOptions};
/// let orders = OrderLines::read("online_retail_week.csv", &OrderReadOptions::default())?;
/// let fill = fill_threshold_from_orders(&orders, &["85123A", "71053"], None,
///     Money::parse("100.00", Currency::GBP)?, &ThresholdOptions::default())?;
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn fill_threshold_from_orders(
    orders: &crate::data::OrderLines,
    cart: &[&str],
    cart_total: Option<Money>,
    threshold: Money,
    options: &ThresholdOptions,
) -> Result<ThresholdFill> {
    let prices = orders.price_list();
    let mut in_cart = vec![false; orders.items().len()];
    for &label in cart {
        let id = orders.items().id(label).ok_or_else(|| {
            Error::invalid_input(
                crate::Location::memory(),
                format!("cart item '{label}' does not occur in the orders"),
            )
        })?;
        in_cart[id as usize] = true;
    }
    let total = match cart_total {
        Some(total) => total,
        None => Money::sum(
            cart.iter()
                .map(|l| prices.require(l))
                .collect::<Result<Vec<_>>>()?,
            prices.currency(),
        )?,
    };
    let mut affinity = vec![0u64; in_cart.len()];
    for basket in orders.baskets().iter() {
        let shared = basket.iter().filter(|&&i| in_cart[i as usize]).count() as u64;
        if shared > 0 {
            for &i in basket.iter().filter(|&&i| !in_cart[i as usize]) {
                affinity[i as usize] += shared;
            }
        }
    }
    let candidates: Vec<FillerCandidate> = affinity
        .iter()
        .enumerate()
        .filter(|&(i, &a)| a > 0 && !in_cart[i])
        .filter_map(|(i, &a)| {
            let label = orders.items().label(i as u32)?;
            Some(FillerCandidate {
                item: label.to_owned(),
                price: prices.get(label)?,
                affinity: a,
            })
        })
        .collect();
    fill_threshold(total, threshold, &candidates, options)
}

/// Fillers for a real order: the cart is the items of `invoice` and its total what was paid
/// (quantity x unit price of its lines).
///
/// ```no_run
/// use upsell::data::{OrderLines, OrderReadOptions};
/// use upsell::pricing::{fill_threshold_for_invoice, Currency, Money, ThresholdOptions};
/// let orders = OrderLines::read("online_retail_week.csv", &OrderReadOptions::default())?;
/// let fill = fill_threshold_for_invoice(&orders, "536367", Money::parse("100.00", Currency::GBP)?,
///     &ThresholdOptions::default())?;
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn fill_threshold_for_invoice(
    orders: &crate::data::OrderLines,
    invoice: &str,
    threshold: Money,
    options: &ThresholdOptions,
) -> Result<ThresholdFill> {
    let index = orders
        .orders()
        .iter()
        .position(|o| o.invoice == invoice)
        .ok_or_else(|| {
            Error::invalid_input(
                crate::Location::memory(),
                format!("invoice '{invoice}' is not among the kept orders"),
            )
        })?;
    let mut labels: Vec<&str> = Vec::new();
    let mut total = Money::zero(orders.currency());
    for line in orders.lines().iter().filter(|l| l.order as usize == index) {
        total = total.checked_add(crate::data::line_value(line)?)?;
        if let Some(label) = orders.items().label(line.item) {
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
    }
    fill_threshold_from_orders(orders, &labels, Some(total), threshold, options)
}
