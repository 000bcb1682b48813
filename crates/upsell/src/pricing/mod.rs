//! Pricing: money, bundles, mixed bundling, threshold fillers and tiers.
//!
//! The one idea: money is exact. Every amount is a [`Money`], whole minor units of one ISO 4217
//! [`Currency`], parsed from decimal text without floats and combined with checked arithmetic that
//! refuses overflow and mixed currencies. Policies (a discount band, a margin floor, a price ending)
//! narrow intervals of whole minor units; ratios that are not money (support, affinity, shares) may
//! be floats.
//!
//! - [`money`](Money): [`Money`], [`Currency`], [`Rounding`]; [`PriceEnding`] for published prices.
//! - [`price_bundle`]: one bundle under a [`BundlePolicy`]; [`find_bundles`]: bundles found in
//!   orders, priced and ranked by expected incremental revenue.
//! - [`optimise_mixed_bundle`]: prices from a willingness-to-pay sample (Adams & Yellen).
//! - [`fill_threshold`]: items that bring a cart to a free-shipping threshold.
//! - [`analyse_tiers`]: plan distribution, step ratios, gaps, decoys and upgrade values;
//!   [`tier_migration`]: upgrades, downgrades and skipped tiers from subscription history.
//!
//! ```
//! use upsell::pricing::{price_bundle, BundlePolicy, Currency, DiscountBand, PriceEnding, PriceList};
//! let prices = PriceList::parse(Currency::GBP, [("LANTERN", "3.39"), ("HOLDER", "2.55"), ("BOTTLE", "3.39")])?;
//! let policy = BundlePolicy { band: "20-30".parse()?, ending: PriceEnding::Cents95, ..BundlePolicy::default() };
//! let quote = price_bundle(&["LANTERN", "HOLDER", "BOTTLE"], &prices, None, &policy)?.unwrap();
//! assert_eq!((quote.sum.to_string(), quote.price.to_string()), ("9.33 GBP".into(), "6.95 GBP".into()));
//! # Ok::<(), upsell::Error>(())
//! ```

mod bundle;
mod bundles;
mod ending;
mod migration;
mod mixed;
mod money;
mod price_list;
mod threshold;
mod tiers;

pub use bundle::{
    BASIS_POINTS, BundlePolicy, BundleQuote, DiscountBand, Refusal, percent_to_bp, price_bundle,
    price_bundle_amounts,
};
pub use bundles::{BundleOptions, BundleReport, RankedBundle, find_bundles};
pub use ending::{Direction, PriceEnding};
pub use migration::{
    HistoryColumns, MigrationOptions, SubscriptionRecord, TierMigration, TierMovement, tier_migration,
};
pub use mixed::{
    MixedOptions, MixedOutcome, MixedSearch, MixedSolution, evaluate_mixed_offer,
    optimise_mixed_bundle,
};
pub use money::{Currency, Money, Rounding};
pub use price_list::PriceList;
pub use threshold::{
    Filler, FillerCandidate, ThresholdFill, ThresholdOptions, fill_threshold,
    fill_threshold_for_invoice, fill_threshold_from_orders,
};
pub use tiers::{Tier, TierOptions, TierRow, analyse_tiers};
