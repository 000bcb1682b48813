//! Bundle pricing and threshold fillers for C: amounts in minor units of a currency named by its
//! ISO 4217 code, a policy struct the caller fills (after `upsell_bundle_policy_default`), results
//! written into caller-owned structs.
//!
//! The one idea: C passes integers and the core decides. A price, cost or cap is an `int64_t` of
//! minor units (255 is 2.55 GBP), never a double, and the core checks signs, currencies and the
//! band, so C gets the same errors as Rust and Python.

use std::ffi::{CStr, c_char, c_int};
use std::mem::size_of;
use std::ptr::addr_of;

use upsell_core::data::{OrderLines, OrderReadOptions};
use upsell_core::mining::MinSupport;
use upsell_core::pricing::{
    BundleOptions, BundlePolicy, Currency, DiscountBand, FillerCandidate, Money, PriceEnding,
    Refusal, ThresholdOptions, fill_threshold, find_bundles, price_bundle_amounts,
};
use upsell_core::{Control, Error};

use crate::error::upsell_error;
use crate::ffi::{self, Outcome};
use crate::status::upsell_status;

/// The ending a bundle price must have.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum upsell_price_ending {
    /// Any minor unit.
    Exact = 0,
    /// The last minor digit is 9 (2.49, 17.09); the default.
    Nine = 1,
    /// `.99` of the major unit.
    Cents99 = 2,
    /// `.95` of the major unit.
    Cents95 = 3,
    /// Whole major units.
    Whole = 4,
    /// Whole major units ending in 9 (19.00, 29.00).
    WholeNine = 5,
}

/// Why a bundle could not be priced (`UPSELL_BUNDLE_REFUSAL_NONE` when it was).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum upsell_bundle_refusal {
    /// Priced.
    None = 0,
    /// The margin floor is above the band's highest price.
    MarginFloor = 1,
    /// The cap on the saving leaves no price in the band.
    MaxDiscount = 2,
    /// No price with the wanted ending lies in the allowed interval.
    Ending = 3,
}

const _: [(); size_of::<c_int>()] = [(); size_of::<upsell_price_ending>()];

/// How a bundle is priced. Fill it with `upsell_bundle_policy_default`, then change what differs.
///
/// Ownership: a plain struct owned by the caller. Thread-safety: read-only during a call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_bundle_policy {
    /// The smallest discount off the sum of item prices, in basis points (1500 = 15 %).
    pub min_discount_bp: u32,
    /// The largest discount, in basis points (2500 = 25 %); at most 10000.
    pub max_discount_bp: u32,
    /// The margin floor over the bundle's unit cost, in basis points (used when costs are given).
    pub min_margin_bp: u32,
    /// The largest saving allowed, in minor units; negative for no cap (the default, -1).
    pub max_saving_minor: i64,
    /// The price ending; `UPSELL_PRICE_ENDING_NINE` by default.
    pub ending: upsell_price_ending,
}

/// A priced bundle, in minor units of the call's currency.
///
/// Ownership: a plain struct owned by the caller, written by `upsell_bundle_price`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_bundle_quote {
    /// `UPSELL_BUNDLE_REFUSAL_NONE` when priced; otherwise the rule that left no price, and only
    /// `sum_minor` is set (the other amounts are 0).
    pub refusal: upsell_bundle_refusal,
    /// The sum of the item prices.
    pub sum_minor: i64,
    /// The bundle price.
    pub price_minor: i64,
    /// `sum - price`.
    pub saving_minor: i64,
    /// The saving in basis points of the sum.
    pub saving_bp: u32,
}

/// One threshold filler: one candidate (`second == SIZE_MAX`) or a pair, by index into the
/// candidates given.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct upsell_filler {
    /// Index of the first candidate.
    pub first: usize,
    /// Index of the second candidate, or `SIZE_MAX` for a single item.
    pub second: usize,
    /// What the filler adds, in minor units.
    pub added_minor: i64,
    /// How far the new total passes the threshold, in minor units.
    pub overshoot_minor: i64,
    /// The filler's affinity (a pair: the smaller of its items').
    pub affinity: u64,
    /// `affinity x gap / (gap + overshoot)`; higher is better.
    pub score: f64,
}

fn ending_from_c(raw: c_int) -> Outcome<PriceEnding> {
    Ok(match raw {
        0 => PriceEnding::Exact,
        1 => PriceEnding::Nine,
        2 => PriceEnding::Cents99,
        3 => PriceEnding::Cents95,
        4 => PriceEnding::Whole,
        5 => PriceEnding::WholeNine,
        other => {
            return Err(Error::invalid_parameter(
                "ending",
                format!("{other} is not an upsell_price_ending"),
            )
            .into());
        }
    })
}

/// # Safety
///
/// `code` is NULL or a NUL-terminated string.
pub(crate) unsafe fn currency_from_c(code: *const c_char) -> Outcome<Currency> {
    let code = ffi::not_null(code, "currency")?;
    // SAFETY: forwarded to the caller; `code` is not NULL.
    let text = unsafe { CStr::from_ptr(code) }
        .to_str()
        .map_err(|_| Error::invalid_parameter("currency", "not UTF-8"))?;
    Ok(Currency::from_code(text)?)
}

/// The core's policy from a C one.
///
/// # Safety
///
/// `policy` is not NULL and points to a readable `upsell_bundle_policy`.
unsafe fn policy_from_c(
    policy: *const upsell_bundle_policy,
    currency: Currency,
) -> Outcome<BundlePolicy> {
    // SAFETY: forwarded to the caller; plain integer reads, the enum as `int`.
    let (min_bp, max_bp, margin_bp, cap, ending) = unsafe {
        (
            addr_of!((*policy).min_discount_bp).read(),
            addr_of!((*policy).max_discount_bp).read(),
            addr_of!((*policy).min_margin_bp).read(),
            addr_of!((*policy).max_saving_minor).read(),
            addr_of!((*policy).ending).cast::<c_int>().read(),
        )
    };
    Ok(BundlePolicy {
        band: DiscountBand::new(min_bp, max_bp)?,
        min_margin_bp: margin_bp,
        max_discount: (cap >= 0).then(|| Money::new(cap, currency)),
        ending: ending_from_c(ending)?,
    })
}

/// The exponent of an ISO 4217 currency (`code`, such as "GBP"): the number of decimals of its
/// minor unit (2 for GBP, 0 for JPY, 3 for KWD), into `*exponent`. An unknown code gives
/// `UPSELL_STATUS_INVALID_PARAMETER`. Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `code` is a NUL-terminated string; `exponent` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_currency_exponent(
    code: *const c_char,
    exponent: *mut u8,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(exponent, "exponent")?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { currency_from_c(code) }?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(currency.exponent()) };
        Ok(())
    })
}

/// Finds and prices bundles in an order file (long CSV with invoice, item, quantity, price,
/// customer and time columns, named as the command line's `upsell bundles` reads them): item sets
/// bought together in at least `min_support_count` orders, of `min_items` to `max_items` items,
/// the `top` best, each priced under `policy` in `currency`. `threads` 0 uses the library's pool.
///
/// On success `*out_json` receives a new JSON string `{"summary": ..., "report": ...}` (the
/// core's serde structs, money as `{"minor": 255, "currency": "GBP"}`, the same document as
/// Python's `upsell.bundles` reads), freed with `upsell_string_free`.
/// Thread-safety: safe to call concurrently.
///
/// # Safety
///
/// `path` and `currency` are NUL-terminated; `policy` points to a readable policy; `out_json` is
/// writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_bundles_json(
    path: *const c_char,
    currency: *const c_char,
    min_support_count: u64,
    min_items: usize,
    max_items: usize,
    top: usize,
    policy: *const upsell_bundle_policy,
    threads: u32,
    out_json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out_json, "out_json")?;
        // SAFETY: forwarded to the caller.
        let path = unsafe { ffi::path(path, "path") }?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { currency_from_c(currency) }?;
        let policy = ffi::not_null(policy, "policy")?;
        // SAFETY: forwarded to the caller; not NULL.
        let policy = unsafe { policy_from_c(policy, currency) }?;
        let options = BundleOptions {
            min_items,
            max_items,
            top,
            policy,
            threads: (threads != 0).then_some(threads as usize),
            ..BundleOptions::new(MinSupport::count(min_support_count))
        };
        let orders = OrderLines::read(
            path,
            &OrderReadOptions {
                currency,
                ..OrderReadOptions::default()
            },
        )?;
        let report = find_bundles(&orders, None, &options, &Control::default())?;
        #[derive(serde::Serialize)]
        struct Document<'a> {
            summary: &'a upsell_core::data::OrderSummary,
            report: &'a upsell_core::pricing::BundleReport,
        }
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe {
            ffi::write_json(
                out,
                &Document {
                    summary: orders.summary(),
                    report: &report,
                },
            )
        }
    })
}

/// Fills `*out` with the default policy: 15-25 % off, no margin floor, no cap, ending in 9.
///
/// Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `out` is NULL or points to writable storage for an `upsell_bundle_policy`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_bundle_policy_default(
    out: *mut upsell_bundle_policy,
) -> upsell_status {
    ffi::fallible(std::ptr::null_mut(), || {
        let out = ffi::out(out, "out")?;
        let core = BundlePolicy::default();
        let policy = upsell_bundle_policy {
            min_discount_bp: core.band.min_bp(),
            max_discount_bp: core.band.max_bp(),
            min_margin_bp: core.min_margin_bp,
            max_saving_minor: -1,
            ending: upsell_price_ending::Nine,
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(policy) };
        Ok(())
    })
}

/// Prices a bundle of `item_count` items from their prices (and optional unit costs) in minor
/// units of `currency` (an ISO 4217 code such as "GBP"), under `policy`.
///
/// On `UPSELL_STATUS_OK`, `*out` holds the quote; a policy that leaves no price is not an error:
/// `out->refusal` names the rule. A negative price or cost, an unknown currency or a band outside
/// 0-10000 bp gives `UPSELL_STATUS_INVALID_INPUT` / `UPSELL_STATUS_INVALID_PARAMETER`.
///
/// Ownership: every argument is borrowed for the call. Thread-safety: safe to call concurrently.
///
/// # Safety
///
/// `item_prices_minor` points to `item_count` values; `item_costs_minor` is NULL or points to
/// `item_count` values; `currency` is a NUL-terminated string; `policy` points to a readable
/// policy; `out` to a writable quote; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_bundle_price(
    item_prices_minor: *const i64,
    item_costs_minor: *const i64,
    item_count: usize,
    currency: *const c_char,
    policy: *const upsell_bundle_policy,
    out: *mut upsell_bundle_quote,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        let policy = ffi::not_null(policy, "policy")?;
        // SAFETY: forwarded to the caller.
        let prices = unsafe { ffi::slice(item_prices_minor, item_count, "item_prices_minor") }?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { currency_from_c(currency) }?;
        let costs = if item_costs_minor.is_null() {
            None
        } else {
            // SAFETY: forwarded to the caller; not NULL.
            Some(unsafe { ffi::slice(item_costs_minor, item_count, "item_costs_minor") }?)
        };
        // SAFETY: forwarded to the caller.
        let policy = unsafe { policy_from_c(policy, currency) }?;
        let money = |values: &[i64]| {
            values
                .iter()
                .map(|&m| Money::new(m, currency))
                .collect::<Vec<Money>>()
        };
        let costs = costs.map(money);
        let quote = match price_bundle_amounts(&money(prices), costs.as_deref(), &policy)? {
            Ok(q) => upsell_bundle_quote {
                refusal: upsell_bundle_refusal::None,
                sum_minor: q.sum.minor(),
                price_minor: q.price.minor(),
                saving_minor: q.saving.minor(),
                saving_bp: q.saving_bp,
            },
            Err(refusal) => upsell_bundle_quote {
                refusal: match refusal {
                    Refusal::MarginFloor => upsell_bundle_refusal::MarginFloor,
                    Refusal::MaxDiscount => upsell_bundle_refusal::MaxDiscount,
                    Refusal::Ending => upsell_bundle_refusal::Ending,
                },
                sum_minor: Money::sum(money(prices), currency)?.minor(),
                price_minor: 0,
                saving_minor: 0,
                saving_bp: 0,
            },
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(quote) };
        Ok(())
    })
}

/// Finds the single candidates or pairs that bring a cart of `cart_total_minor` to
/// `threshold_minor` with the least overshoot, weighted by affinity (co-occurrence with the cart).
///
/// Writes up to `capacity` fillers, best first, into `out` and their number into `*written`; a
/// cart at or above the threshold gets none. Candidates need positive prices; only those with
/// affinity of at least 1 are used, and pairs are searched among the 200 of highest affinity.
///
/// Ownership: every argument is borrowed for the call. Thread-safety: safe to call concurrently.
///
/// # Safety
///
/// `prices_minor` and `affinity` point to `candidate_count` values each; `currency` is a
/// NUL-terminated string; `out` points to `capacity` writable fillers (NULL when 0); `written` is
/// writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_threshold_fill(
    cart_total_minor: i64,
    threshold_minor: i64,
    currency: *const c_char,
    prices_minor: *const i64,
    affinity: *const u64,
    candidate_count: usize,
    out: *mut upsell_filler,
    capacity: usize,
    written: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let written = ffi::out(written, "written")?;
        if capacity > 0 {
            ffi::out(out, "out")?;
        }
        // SAFETY: forwarded to the caller.
        let prices = unsafe { ffi::slice(prices_minor, candidate_count, "prices_minor") }?;
        // SAFETY: forwarded to the caller.
        let affinities = unsafe { ffi::slice(affinity, candidate_count, "affinity") }?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { currency_from_c(currency) }?;
        let candidates: Vec<FillerCandidate> = prices
            .iter()
            .zip(affinities)
            .enumerate()
            .map(|(k, (&p, &a))| FillerCandidate {
                item: k.to_string(),
                price: Money::new(p, currency),
                affinity: a,
            })
            .collect();
        let options = ThresholdOptions {
            top: capacity.max(1),
            ..ThresholdOptions::default()
        };
        let fill = fill_threshold(
            Money::new(cart_total_minor, currency),
            Money::new(threshold_minor, currency),
            &candidates,
            &options,
        )?;
        let index = |label: &str| label.parse::<usize>().unwrap_or(usize::MAX);
        let fillers: Vec<upsell_filler> = fill
            .fillers
            .iter()
            .take(capacity)
            .map(|f| upsell_filler {
                first: f.items.first().map_or(usize::MAX, |l| index(l)),
                second: f.items.get(1).map_or(usize::MAX, |l| index(l)),
                added_minor: f.added.minor(),
                overshoot_minor: f.overshoot.minor(),
                affinity: f.affinity,
                score: f.score,
            })
            .collect();
        for (k, filler) in fillers.iter().enumerate() {
            // SAFETY: `out` points to `capacity` writable fillers and `k < capacity`.
            unsafe { out.add(k).write(*filler) };
        }
        // SAFETY: `written` is not NULL and the caller promises it is writable.
        unsafe { written.write(fillers.len()) };
        Ok(())
    })
}
