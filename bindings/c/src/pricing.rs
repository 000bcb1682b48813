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
    BundleOptions, BundlePolicy, BundleQuote, Currency, DiscountBand, FillerCandidate,
    MigrationOptions, MixedOptions, MixedSearch, Money, PriceEnding, PriceList, Refusal,
    SubscriptionRecord, ThresholdOptions, Tier, TierMigration, TierOptions, analyse_tiers,
    fill_threshold, fill_threshold_for_invoice, fill_threshold_from_orders, find_bundles,
    optimise_mixed_bundle, price_bundle, price_bundle_amounts, tier_migration,
};
use upsell_core::time::from_unix_seconds;
use upsell_core::{Control, Error, Location};

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
        let prices = money(prices);
        let quote = price_bundle_amounts(&prices, costs.as_deref(), &policy)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(quote_to_c(quote, prices, currency)?) };
        Ok(())
    })
}

/// A quote for C; a refusal keeps the sum of `prices`.
fn quote_to_c(
    quote: std::result::Result<BundleQuote, Refusal>,
    prices: Vec<Money>,
    currency: Currency,
) -> Outcome<upsell_bundle_quote> {
    Ok(match quote {
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
            sum_minor: Money::sum(prices, currency)?.minor(),
            price_minor: 0,
            saving_minor: 0,
            saving_bp: 0,
        },
    })
}

/// Prices (or unit costs) by item label, in one currency, none negative: the core's price list,
/// which `upsell_bundle_price_labels` looks items up in.
///
/// Ownership: created by `upsell_price_list_new`, freed with `upsell_price_list_free`.
/// Thread-safety: immutable; any number of threads may use it at once.
#[derive(Debug)]
pub struct upsell_price_list {
    inner: PriceList,
}

/// A price list of `len` items in `currency` (an ISO 4217 code): item `labels[i]` costs
/// `amounts[i]`, decimal text the core parses exactly (`"12.00"`, or `"12.00 GBP"` naming the
/// list's currency), as Python's `price_bundle` reads its `prices` dict. A text that is not an
/// amount, a negative amount or another currency gives `UPSELL_STATUS_INVALID_INPUT` naming the
/// item; a label given twice keeps its last amount.
///
/// On success `*out` receives a new list the caller frees with `upsell_price_list_free`.
/// Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `currency` is NUL-terminated; `labels` and `amounts` point to `len` NUL-terminated strings
/// each (NULL when `len` is 0); `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_price_list_new(
    currency: *const c_char,
    labels: *const *const c_char,
    amounts: *const *const c_char,
    len: usize,
    out: *mut *mut upsell_price_list,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { currency_from_c(currency) }?;
        // SAFETY: forwarded to the caller.
        let labels = unsafe { texts(labels, len, "labels") }?;
        // SAFETY: forwarded to the caller.
        let amounts = unsafe { texts(amounts, len, "amounts") }?;
        let inner = PriceList::parse(currency, labels.into_iter().zip(amounts))?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(ffi::into_handle(upsell_price_list { inner })) };
        Ok(())
    })
}

/// Frees a price list; NULL is ignored.
///
/// # Safety
///
/// `list` is NULL or a live price list not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_price_list_free(list: *mut upsell_price_list) {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { ffi::free_box(list) })
}

/// Prices the bundle of `item_count` items named by label, as Python's `price_bundle`: their
/// prices from `prices` and, when `costs` is not NULL, their unit costs from `costs` (for the
/// policy's margin floor), under `policy`. An item without a price (or without a cost) gives
/// `UPSELL_STATUS_INVALID_INPUT` naming it; otherwise as `upsell_bundle_price`: `*out` holds the
/// quote in minor units of the lists' currency, or the refusal.
///
/// Ownership: every argument is borrowed for the call. Thread-safety: safe to call concurrently.
///
/// # Safety
///
/// `items` points to `item_count` NUL-terminated strings; `prices` is a live price list; `costs`
/// is NULL or a live price list; `policy` points to a readable policy; `out` to a writable quote;
/// `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_bundle_price_labels(
    items: *const *const c_char,
    item_count: usize,
    prices: *const upsell_price_list,
    costs: *const upsell_price_list,
    policy: *const upsell_bundle_policy,
    out: *mut upsell_bundle_quote,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let items = unsafe { texts(items, item_count, "items") }?;
        // SAFETY: forwarded to the caller.
        let prices = &unsafe { ffi::borrow(prices, "prices") }?.inner;
        // SAFETY: forwarded to the caller: NULL or a live price list.
        let costs = unsafe { costs.as_ref() }.map(|c| &c.inner);
        let currency = prices.currency();
        let policy = ffi::not_null(policy, "policy")?;
        // SAFETY: forwarded to the caller; not NULL.
        let policy = unsafe { policy_from_c(policy, currency) }?;
        let quote = price_bundle(&items, prices, costs, &policy)?;
        let item_prices = items.iter().map(|&label| prices.require(label));
        let item_prices = item_prices.collect::<upsell_core::Result<Vec<Money>>>()?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(quote_to_c(quote, item_prices, currency)?) };
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

/// A string array of `len` NUL-terminated UTF-8 strings, each named `name` in errors.
///
/// # Safety
///
/// `ptr` points to `len` pointers (NULL when `len` is 0), each NULL or NUL-terminated.
unsafe fn texts<'a>(
    ptr: *const *const c_char,
    len: usize,
    name: &'static str,
) -> Outcome<Vec<&'a str>> {
    // SAFETY: forwarded to the caller.
    let pointers = unsafe { ffi::slice(ptr, len, name) }?;
    pointers
        .iter()
        // SAFETY: forwarded to the caller: each NULL or NUL-terminated.
        .map(|&p| unsafe { crate::ffi::text(p, name) })
        .collect()
}

/// Threshold fillers from an order file, as Python's `threshold_fillers`: the items (or pairs)
/// that bring a cart to `threshold_minor` (minor units of `currency`) with the least overshoot,
/// weighted by how often they were bought with the cart's items in the orders of `path` (the
/// order file `upsell_bundles_json` reads; prices are each item's most common price there).
///
/// The cart is either invoice `invoice` of the file (its items and total), or, when `invoice` is
/// NULL, the `cart_len` item labels `cart` (its total from the file's prices). Giving both is
/// `UPSELL_STATUS_INVALID_PARAMETER`; an invoice not in the file, `UPSELL_STATUS_INVALID_INPUT`.
/// `top` fillers at most, pairs searched when `pairs` is nonzero among the `max_candidates`
/// candidates of highest affinity (Python's defaults: 10, 1, 200).
///
/// On success `*out_json` receives a new JSON string `{"summary": ..., "fill": ...}` (the core's
/// serde structs, money as `{"minor": 255, "currency": "GBP"}`, the document Python reads), freed
/// with `upsell_string_free`. Thread-safety: safe to call concurrently.
///
/// # Safety
///
/// `path` and `currency` are NUL-terminated; `invoice` is NULL or NUL-terminated; `cart` points
/// to `cart_len` NUL-terminated strings (NULL when 0); `out_json` is writable; `err` is NULL or
/// writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_threshold_fillers_json(
    path: *const c_char,
    currency: *const c_char,
    threshold_minor: i64,
    invoice: *const c_char,
    cart: *const *const c_char,
    cart_len: usize,
    top: usize,
    pairs: c_int,
    max_candidates: usize,
    out_json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out_json, "out_json")?;
        // SAFETY: forwarded to the caller.
        let path = unsafe { ffi::path(path, "path") }?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { currency_from_c(currency) }?;
        // SAFETY: forwarded to the caller.
        let cart = unsafe { texts(cart, cart_len, "cart") }?;
        let invoice = if invoice.is_null() {
            None
        } else {
            // SAFETY: forwarded to the caller; not NULL.
            Some(unsafe { crate::ffi::text(invoice, "invoice") }?)
        };
        if invoice.is_some() && !cart.is_empty() {
            return Err(
                Error::invalid_parameter("cart", "give exactly one of invoice and cart").into(),
            );
        }
        let threshold = Money::new(threshold_minor, currency);
        let options = ThresholdOptions {
            top,
            pairs: pairs != 0,
            max_candidates,
            ..ThresholdOptions::default()
        };
        let orders = OrderLines::read(
            path,
            &OrderReadOptions {
                currency,
                ..OrderReadOptions::default()
            },
        )?;
        let fill = match invoice {
            Some(invoice) => fill_threshold_for_invoice(&orders, invoice, threshold, &options)?,
            None => fill_threshold_from_orders(&orders, &cart, None, threshold, &options)?,
        };
        #[derive(serde::Serialize)]
        struct Document<'a> {
            summary: &'a upsell_core::data::OrderSummary,
            fill: &'a upsell_core::pricing::ThresholdFill,
        }
        let document = Document {
            summary: orders.summary(),
            fill: &fill,
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json(out, &document) }
    })
}

/// How `upsell_mixed_bundle_json` searches.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum upsell_mixed_search {
    /// Exact when it fits the budget, the heuristic otherwise (the default).
    Auto = 0,
    /// Exact, or `UPSELL_STATUS_LIMIT_EXCEEDED` beyond the budget.
    Exact = 1,
    /// The coordinate search.
    Heuristic = 2,
}

const _: [(); size_of::<c_int>()] = [(); size_of::<upsell_mixed_search>()];

/// The best mixed bundling offer (item prices and a bundle price) for customers' willingness to
/// pay, as Python's `optimise_mixed_bundle`: `wtp_minor` is a row-major `customers` x `items`
/// matrix of amounts in minor units of `currency`; `costs_minor` is NULL or `items` unit costs.
/// `search` is an `upsell_mixed_search` (as `int`); `max_vertex_systems` the exact search's
/// budget (Python's default 20000000).
///
/// On success `*out_json` receives a new JSON string of the core's solution (separate prices,
/// the pure bundle and the mixed offer with their profits; money as `{"minor": ..., "currency":
/// ...}`), freed with `upsell_string_free`. Thread-safety: safe to call concurrently.
///
/// # Safety
///
/// `wtp_minor` points to `customers * items` values; `costs_minor` is NULL or points to `items`
/// values; `currency` is NUL-terminated; `out_json` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_mixed_bundle_json(
    wtp_minor: *const i64,
    customers: usize,
    items: usize,
    costs_minor: *const i64,
    currency: *const c_char,
    search: c_int,
    max_vertex_systems: u64,
    out_json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out_json, "out_json")?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { currency_from_c(currency) }?;
        let size = customers.checked_mul(items).ok_or_else(|| {
            Error::invalid_parameter(
                "customers",
                format!("{customers} x {items} amounts overflow size_t"),
            )
        })?;
        // SAFETY: forwarded to the caller.
        let wtp = unsafe { ffi::slice(wtp_minor, size, "wtp_minor") }?;
        let wtp = ndarray::ArrayView2::from_shape((customers, items), wtp).map_err(|e| {
            Error::invalid_parameter("customers", format!("{customers} x {items} amounts: {e}"))
        })?;
        let costs: Option<Vec<Money>> = if costs_minor.is_null() {
            None
        } else {
            // SAFETY: forwarded to the caller: `items` values.
            let costs = unsafe { ffi::slice(costs_minor, items, "costs_minor") }?;
            Some(costs.iter().map(|&c| Money::new(c, currency)).collect())
        };
        let search = match search {
            0 => MixedSearch::Auto,
            1 => MixedSearch::Exact,
            2 => MixedSearch::Heuristic,
            other => {
                return Err(Error::invalid_parameter(
                    "search",
                    format!("{other} is not an upsell_mixed_search"),
                )
                .into());
            }
        };
        let options = MixedOptions {
            search,
            max_vertex_systems,
        };
        let solution = optimise_mixed_bundle(
            wtp,
            currency,
            costs.as_deref(),
            &options,
            &Control::default(),
        )?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json(out, &solution) }
    })
}

/// The tier analysis of a plan ladder, as Python's `analyse_tiers`: `len` plans, each a name,
/// a price in minor units of `currency` and its number of customers, lowest first. Steps above
/// `gap_ratio_bp` (basis points of 1x; Python's default 25000) are gaps, `upgrade_take_bp` (500)
/// is the share of a tier assumed to take an upgrade, and `ending` (an `upsell_price_ending`;
/// Python's default `UPSELL_PRICE_ENDING_WHOLE_NINE`) shapes the bridge prices suggested.
///
/// On success `*out_json` receives a new JSON array of the core's rows (one per tier), freed
/// with `upsell_string_free`. Thread-safety: safe to call concurrently.
///
/// # Safety
///
/// `names` points to `len` NUL-terminated strings; `prices_minor` and `customers` to `len`
/// values each (all NULL when `len` is 0); `currency` is NUL-terminated; `out_json` is writable;
/// `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_tiers_json(
    names: *const *const c_char,
    prices_minor: *const i64,
    customers: *const u64,
    len: usize,
    currency: *const c_char,
    gap_ratio_bp: u32,
    upgrade_take_bp: u32,
    ending: c_int,
    out_json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out_json, "out_json")?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { currency_from_c(currency) }?;
        // SAFETY: forwarded to the caller.
        let names = unsafe { texts(names, len, "names") }?;
        // SAFETY: forwarded to the caller.
        let prices = unsafe { ffi::slice(prices_minor, len, "prices_minor") }?;
        // SAFETY: forwarded to the caller.
        let customers = unsafe { ffi::slice(customers, len, "customers") }?;
        let tiers: Vec<Tier> = names
            .iter()
            .zip(prices)
            .zip(customers)
            .map(|((&name, &price), &customers)| Tier {
                name: name.to_owned(),
                price: Money::new(price, currency),
                customers,
            })
            .collect();
        let options = TierOptions {
            gap_ratio_bp,
            upgrade_take_bp,
            ending: ending_from_c(ending)?,
            ..TierOptions::default()
        };
        let rows = analyse_tiers(&tiers, &options)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json(out, &rows) }
    })
}

/// Tier migration from subscription history, as Python's `tier_migration`: `len` records, each a
/// customer, a date (`seconds`, Unix seconds UTC), a plan and its monthly recurring revenue in
/// minor units of `currency`, each customer's records in date order. `tiers` is NULL for tiers
/// ordered by each plan's median MRR, or `tiers_len` plan names, lowest first.
///
/// On success `*out_json` receives a new JSON string `{"migration": ..., "current_tiers": [...]}`
/// (the core's report: plan changes, median days to upgrade, skipped tiers; and today's tiers,
/// each customer on its last plan, for `upsell_tiers_json`), freed with `upsell_string_free`.
/// Records out of order or in another currency give `UPSELL_STATUS_INVALID_INPUT` naming the row.
/// Thread-safety: safe to call concurrently.
///
/// # Safety
///
/// `customers` and `plans` point to `len` NUL-terminated strings, `seconds` and `mrr_minor` to
/// `len` values (all NULL when `len` is 0); `tiers` is NULL or points to `tiers_len`
/// NUL-terminated strings; `currency` is NUL-terminated; `out_json` is writable; `err` is NULL or
/// writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_tier_migration_json(
    customers: *const *const c_char,
    seconds: *const i64,
    plans: *const *const c_char,
    mrr_minor: *const i64,
    len: usize,
    currency: *const c_char,
    tiers: *const *const c_char,
    tiers_len: usize,
    out_json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out_json, "out_json")?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { currency_from_c(currency) }?;
        // SAFETY: forwarded to the caller.
        let customers = unsafe { texts(customers, len, "customers") }?;
        // SAFETY: forwarded to the caller.
        let plans = unsafe { texts(plans, len, "plans") }?;
        // SAFETY: forwarded to the caller.
        let seconds = unsafe { ffi::slice(seconds, len, "seconds") }?;
        // SAFETY: forwarded to the caller.
        let mrr = unsafe { ffi::slice(mrr_minor, len, "mrr_minor") }?;
        let tiers = if tiers.is_null() {
            None
        } else {
            // SAFETY: forwarded to the caller.
            let names = unsafe { texts(tiers, tiers_len, "tiers") }?;
            Some(names.into_iter().map(str::to_owned).collect())
        };
        let mut history = Vec::with_capacity(len);
        for (row, (((&customer, &second), &plan), &amount)) in customers
            .iter()
            .zip(seconds)
            .zip(&plans)
            .zip(mrr)
            .enumerate()
        {
            let at = || {
                Location::memory()
                    .line(row as u64 + 1)
                    .column_name("seconds")
            };
            let date = from_unix_seconds(second, at)?;
            history.push(SubscriptionRecord::new(
                customer,
                date,
                plan,
                Money::new(amount, currency),
            ));
        }
        let found = tier_migration(&history, &MigrationOptions { tiers })?;
        #[derive(serde::Serialize)]
        struct Document<'a> {
            migration: &'a TierMigration,
            current_tiers: Vec<Tier>,
        }
        let document = Document {
            current_tiers: found.current_tiers(),
            migration: &found,
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json(out, &document) }
    })
}
