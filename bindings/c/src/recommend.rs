//! "Frequently bought together" for C: fit a recommender from baskets, build one from mined
//! itemsets or load a model file mined offline, then ask it for up to `k` items for a cart.
//!
//! A query writes into a caller-owned array of `upsell_recommendation` and allocates nothing in
//! steady state: each thread keeps one scratch buffer for the queries it makes.

use std::cell::RefCell;
use std::ffi::{CString, c_char, c_int};

use upsell_core::mining::MinSupport;
use upsell_core::recommend::{
    FitOptions, ItemPrices, Ranking, RecommendOptions, Recommendation, Recommender, Scratch,
};
use upsell_core::{Control, Error};

use crate::data::upsell_baskets;
use crate::error::upsell_error;
use crate::ffi::{self, Outcome};
use crate::mining::{min_support_from_c, upsell_itemsets};
use crate::status::upsell_status;

/// A recommendation model: rules indexed by antecedent, with item labels.
///
/// Ownership: created by `upsell_recommender_build`, `upsell_recommender_load` or
/// `upsell_recommender_from_bytes`; freed with `upsell_recommender_free`.
/// Thread-safety: immutable; any number of threads may query it at once.
#[derive(Debug)]
pub struct upsell_recommender {
    pub(crate) inner: Recommender,
    /// NUL-terminated copies of the labels, for `upsell_recommender_label`.
    labels: Vec<CString>,
}

/// How candidates are ranked.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum upsell_ranking {
    /// The smoothed probability that the item joins the cart.
    Confidence = 0,
    /// Smoothed confidence over the item's base rate.
    Lift = 1,
    /// Smoothed confidence times the item's price (models with prices).
    ExpectedRevenue = 2,
}

/// One recommended item.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct upsell_recommendation {
    /// The item id (see `upsell_recommender_label`).
    pub item: u32,
    /// The score under the ranking, higher is better.
    pub score: f64,
    /// The rule behind it (for `upsell_recommender_rule`), or -1 for a popularity fill.
    pub rule: i64,
}

/// A rule of a model, for explanations.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct upsell_model_rule {
    /// The antecedent's items, borrowed from the model (valid until it is freed).
    pub antecedent: *const u32,
    /// The number of antecedent items.
    pub antecedent_len: usize,
    /// The recommended item.
    pub consequent: u32,
    /// Baskets with antecedent and consequent.
    pub count: u64,
    /// Baskets with the antecedent.
    pub antecedent_count: u64,
    /// count / antecedent count.
    pub confidence: f64,
    /// Confidence over the consequent's base rate.
    pub lift: f64,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

fn handle(inner: Recommender) -> *mut upsell_recommender {
    let labels = (0..inner.item_count() as u32)
        .map(|i| {
            CString::new(inner.label(i).unwrap_or_default().replace('\0', "\u{fffd}"))
                .unwrap_or_default()
        })
        .collect();
    ffi::into_handle(upsell_recommender { inner, labels })
}

pub(crate) fn ranking_from_c(raw: c_int) -> Outcome<Ranking> {
    Ok(match raw {
        0 => Ranking::Confidence,
        1 => Ranking::Lift,
        2 => Ranking::ExpectedRevenue,
        other => {
            return Err(Error::invalid_parameter(
                "by",
                format!("{other} is not an upsell_ranking"),
            )
            .into());
        }
    })
}

/// Builds a model from mined `itemsets` (all or closed) and the `baskets` they were mined from:
/// rules with one consequent item, confidence at least `min_confidence` and antecedents of at most
/// `max_antecedent_len` items (at least 1: 0 gives `UPSELL_STATUS_INVALID_PARAMETER`, as on every
/// surface). Labels come from the baskets (ids as text for baskets built from arrays).
///
/// On success `*out` receives a new handle, freed with `upsell_recommender_free`.
///
/// # Safety
///
/// `itemsets` and `baskets` are live handles; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_build(
    itemsets: *const upsell_itemsets,
    baskets: *const upsell_baskets,
    min_confidence: f64,
    max_antecedent_len: u32,
    out: *mut *mut upsell_recommender,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let itemsets = unsafe { ffi::borrow(itemsets, "itemsets")? };
        // SAFETY: forwarded to the caller.
        let baskets = unsafe { ffi::borrow(baskets, "baskets")? };
        let out = ffi::out(out, "out")?;
        let options = FitOptions {
            min_confidence,
            max_antecedent_len: max_antecedent_len as usize,
            ..FitOptions::new(MinSupport::count(1))
        };
        let items = baskets.dictionary()?;
        let model = Recommender::from_itemsets(
            itemsets.inner(),
            &baskets.baskets,
            &items,
            &options,
            &Control::default(),
        )?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle(model)) };
        Ok(())
    })
}

/// Mines `baskets` and builds a model in one call, as every surface fits one (Python's
/// `Recommender.fit`, `upsell rules --model`): itemsets of up to `max_antecedent_len + 1` items
/// at the support given (exactly one of `min_support_fraction` and `min_support_count` nonzero),
/// then rules with one consequent item, confidence at least `min_confidence` (0.01 on the other
/// surfaces) and antecedents of at most `max_antecedent_len` items (3 on the other surfaces; 0
/// gives `UPSELL_STATUS_INVALID_PARAMETER`). `threads` 0 uses the library's pool. Every parameter
/// is checked before any work starts.
///
/// On success `*out` receives a new handle, freed with `upsell_recommender_free`.
/// Thread-safety: safe to call concurrently.
///
/// # Safety
///
/// `baskets` is a live handle; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_fit(
    baskets: *const upsell_baskets,
    min_support_fraction: f64,
    min_support_count: u64,
    min_confidence: f64,
    max_antecedent_len: u32,
    threads: u32,
    out: *mut *mut upsell_recommender,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let baskets = unsafe { ffi::borrow(baskets, "baskets")? };
        let out = ffi::out(out, "out")?;
        let options = FitOptions {
            min_confidence,
            max_antecedent_len: max_antecedent_len as usize,
            threads: (threads != 0).then_some(threads as usize),
            ..FitOptions::new(min_support_from_c(min_support_fraction, min_support_count)?)
        };
        let items = baskets.dictionary()?;
        let model = Recommender::fit(&baskets.baskets, &items, &options, &Control::default())?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle(model)) };
        Ok(())
    })
}

/// Loads a model file written by `upsell_recommender_save`, `upsell rules --model` or Python's
/// `Recommender.save` (JSON or binary). A truncated, corrupt or newer-version file gives
/// `UPSELL_STATUS_PARSE` with a message saying which.
///
/// # Safety
///
/// `path` is a NUL-terminated string; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_load(
    path: *const c_char,
    out: *mut *mut upsell_recommender,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let path = unsafe { ffi::path(path, "path")? };
        let out = ffi::out(out, "out")?;
        let model = Recommender::load(path)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle(model)) };
        Ok(())
    })
}

/// A model from the bytes of a binary model file (`len` bytes at `data`).
///
/// # Safety
///
/// `data` points to `len` readable bytes; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_from_bytes(
    data: *const u8,
    len: usize,
    out: *mut *mut upsell_recommender,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let bytes = unsafe { ffi::slice(data, len, "data")? };
        let out = ffi::out(out, "out")?;
        let model = Recommender::from_bytes(bytes)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle(model)) };
        Ok(())
    })
}

/// A model from JSON text (as `upsell_recommender_to_json` or Python's `Recommender.to_json`
/// write it). Bad or newer-version JSON gives `UPSELL_STATUS_PARSE` with a message saying which.
///
/// On success `*out` receives a new handle, freed with `upsell_recommender_free`.
/// Thread-safety: safe from any thread.
///
/// # Safety
///
/// `json` is a NUL-terminated string; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_from_json(
    json: *const c_char,
    out: *mut *mut upsell_recommender,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let text = unsafe { crate::ffi::text(json, "json")? };
        let out = ffi::out(out, "out")?;
        let model = Recommender::from_json(text)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle(model)) };
        Ok(())
    })
}

/// The model as JSON text, the document `upsell_recommender_save` writes to a `.json` path.
///
/// On success `*json` receives a new string the caller frees with `upsell_string_free`.
/// Thread-safety: safe from any thread, concurrently with queries.
///
/// # Safety
///
/// `model` is a live handle; `json` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_to_json(
    model: *const upsell_recommender,
    json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let model = unsafe { ffi::borrow(model, "model")? };
        let json = ffi::out(json, "json")?;
        // SAFETY: `json` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json_text(json, model.inner.to_json()) }
    })
}

/// The model in the compact binary encoding (what `upsell_recommender_from_bytes` reads).
///
/// On success `*data` receives `*len` new bytes the caller frees with
/// `upsell_bytes_free(*data, *len)`. Thread-safety: safe from any thread, concurrently with
/// queries.
///
/// # Safety
///
/// `model` is a live handle; `data` and `len` are writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_to_bytes(
    model: *const upsell_recommender,
    data: *mut *mut u8,
    len: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let model = unsafe { ffi::borrow(model, "model")? };
        let data = ffi::out(data, "data")?;
        let len = ffi::out(len, "len")?;
        // SAFETY: both are not NULL and the caller promises they are writable.
        unsafe { crate::library::write_bytes(model.inner.to_bytes(), data, len) };
        Ok(())
    })
}

/// Saves the model: JSON when the path ends in `.json`, else the compact binary.
///
/// # Safety
///
/// `model` is a live handle; `path` is a NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_save(
    model: *const upsell_recommender,
    path: *const c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let model = unsafe { ffi::borrow(model, "model")? };
        // SAFETY: forwarded to the caller.
        let path = unsafe { ffi::path(path, "path")? };
        Ok(model.inner.save(path)?)
    })
}

/// The number of items the model knows (ids are `0..count`); 0 for NULL.
///
/// # Safety
///
/// `model` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_item_count(model: *const upsell_recommender) -> usize {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { model.as_ref() }.map_or(0, |m| m.inner.item_count()))
}

/// The number of rules in the model; 0 for NULL.
///
/// # Safety
///
/// `model` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_rule_count(model: *const upsell_recommender) -> usize {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { model.as_ref() }.map_or(0, |m| m.inner.rule_count()))
}

/// The label of item `id`, borrowed from the model (valid until it is freed); NULL when `model`
/// is NULL or `id` is out of range.
///
/// # Safety
///
/// `model` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_label(
    model: *const upsell_recommender,
    id: u32,
) -> *const c_char {
    ffi::infallible(|| {
        // SAFETY: forwarded to the caller.
        let Some(model) = (unsafe { model.as_ref() }) else {
            return std::ptr::null();
        };
        model
            .labels
            .get(id as usize)
            .map_or(std::ptr::null(), |l| l.as_ptr())
    })
}

/// The id of the item labelled `label`: `UPSELL_STATUS_OK` and `*id` set, or
/// `UPSELL_STATUS_INVALID_INPUT` when the model does not know it.
///
/// # Safety
///
/// `model` is a live handle; `label` is a NUL-terminated string; `id` is writable; `err` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_item(
    model: *const upsell_recommender,
    label: *const c_char,
    id: *mut u32,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let model = unsafe { ffi::borrow(model, "model")? };
        let label = ffi::not_null(label, "label")?;
        let id = ffi::out(id, "id")?;
        // SAFETY: `label` is not NULL and the caller promises it is NUL-terminated.
        let text = unsafe { std::ffi::CStr::from_ptr(label) }.to_string_lossy();
        let found = model.inner.item(&text).ok_or_else(|| {
            Error::invalid_input(
                upsell_core::Location::memory(),
                format!("the model does not know the item '{text}'"),
            )
        })?;
        // SAFETY: `id` is not NULL and the caller promises it is writable.
        unsafe { id.write(found) };
        Ok(())
    })
}

/// Recommends up to `k` items not in the cart (`cart_len` item ids at `cart`; ids the model does
/// not know are ignored), best first, into `out` (room for `k` entries); `*out_len` receives the
/// number written. `k` 0 writes nothing and `out` may then be NULL, as for every array output.
/// `by` is an `upsell_ranking`, taken as an `int` so that a value outside the enum is an error,
/// not undefined behaviour; `UPSELL_RANKING_EXPECTED_REVENUE` on a model without prices is
/// `UPSELL_STATUS_INVALID_PARAMETER` (attach them with `upsell_recommender_with_prices`).
/// `smoothing` is the m-estimate's weight of the base rate (0 ranks by raw confidence);
/// `backfill` nonzero fills up with popular items.
///
/// The defaults of the other surfaces (Python's `Recommender.recommend`, `upsell recommend`) are
/// `k` 10, `by` `UPSELL_RANKING_CONFIDENCE`, `smoothing` 5 and `backfill` on; rules with an
/// antecedent seen in fewer baskets than the core's `min_antecedent_count` default are skipped.
/// Thread-safety: any number of threads may query one model at once.
///
/// # Safety
///
/// `model` is a live handle; `cart` points to `cart_len` ids (may be NULL when 0); `out` has room
/// for `k` entries (may be NULL when `k` is 0); `out_len` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_recommend(
    model: *const upsell_recommender,
    cart: *const u32,
    cart_len: usize,
    k: usize,
    by: c_int,
    smoothing: f64,
    backfill: c_int,
    out: *mut upsell_recommendation,
    out_len: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let model = unsafe { ffi::borrow(model, "model")? };
        // SAFETY: forwarded to the caller.
        let cart = unsafe { ffi::slice(cart, cart_len, "cart")? };
        let out_len = ffi::out(out_len, "out_len")?;
        if k > 0 {
            ffi::out(out, "out")?;
        }
        let options = RecommendOptions {
            by: ranking_from_c(by)?,
            smoothing,
            backfill: backfill != 0,
            ..RecommendOptions::default()
        };
        options.validate()?;
        model.inner.check_ranking(options.by)?;
        let mut found: Vec<Recommendation> = Vec::with_capacity(k);
        SCRATCH.with(|scratch| {
            model
                .inner
                .recommend_into(cart, k, &options, &mut scratch.borrow_mut(), &mut found)
        });
        for (slot, r) in found.iter().enumerate() {
            let entry = upsell_recommendation {
                item: r.item,
                score: r.score,
                rule: r.rule.map_or(-1, i64::from),
            };
            // SAFETY: `found` holds at most `k` entries and the caller promises room for `k`.
            unsafe { out.add(slot).write(entry) };
        }
        // SAFETY: `out_len` is not NULL and the caller promises it is writable.
        unsafe { out_len.write(found.len()) };
        Ok(())
    })
}

/// Rule `rule` of the model (as in `upsell_recommendation.rule`), for explanations.
///
/// # Safety
///
/// `model` is a live handle; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_rule(
    model: *const upsell_recommender,
    rule: i64,
    out: *mut upsell_model_rule,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let model = unsafe { ffi::borrow(model, "model")? };
        let out = ffi::out(out, "out")?;
        let found = u32::try_from(rule)
            .ok()
            .and_then(|r| model.inner.rule(r))
            .ok_or_else(|| {
                Error::invalid_parameter(
                    "rule",
                    format!(
                        "{rule} is not a rule of this model ({} rules)",
                        model.inner.rule_count()
                    ),
                )
            })?;
        let info = upsell_model_rule {
            antecedent: found.antecedent.as_ptr(),
            antecedent_len: found.antecedent.len(),
            consequent: found.consequent,
            count: found.count,
            antecedent_count: found.antecedent_count,
            confidence: found.confidence(),
            lift: found.lift(),
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(info) };
        Ok(())
    })
}

/// A copy of `model` with item prices attached, for `UPSELL_RANKING_EXPECTED_REVENUE`:
/// `prices_minor[i]` is item `i`'s price in minor units of `currency` (an ISO 4217 code), one per
/// item of the model (`count` must be `upsell_recommender_item_count`); `known` is NULL (every
/// price known) or `count` bytes, 0 where an item has no price (it then scores 0 under that
/// ranking). A negative price, a wrong count or an unknown currency gives
/// `UPSELL_STATUS_INVALID_PARAMETER`.
///
/// On success `*out` receives a new model the caller frees with `upsell_recommender_free`;
/// `model` is unchanged. Prices are saved with the model by `upsell_recommender_save`.
/// Thread-safety: safe to call concurrently; `model` may be shared.
///
/// # Safety
///
/// `model` is a live handle; `prices_minor` points to `count` values; `known` is NULL or points
/// to `count` bytes; `currency` is NUL-terminated; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_with_prices(
    model: *const upsell_recommender,
    currency: *const c_char,
    prices_minor: *const i64,
    known: *const u8,
    count: usize,
    out: *mut *mut upsell_recommender,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let model = unsafe { ffi::borrow(model, "model")? };
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { crate::pricing::currency_from_c(currency) }?;
        // SAFETY: forwarded to the caller.
        let prices = unsafe { ffi::slice(prices_minor, count, "prices_minor")? };
        let known = if known.is_null() {
            None
        } else {
            // SAFETY: forwarded to the caller; not NULL.
            Some(unsafe { ffi::slice(known, count, "known")? })
        };
        let minor = prices
            .iter()
            .enumerate()
            .map(|(i, &p)| known.is_none_or(|k| k[i] != 0).then_some(p))
            .collect();
        let priced = model.inner.clone().with_prices(ItemPrices {
            currency: currency.code().to_owned(),
            minor,
        })?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle(priced)) };
        Ok(())
    })
}

/// The price of item `id` in minor units into `*price_minor` (`UPSELL_STATUS_OK`), or
/// `UPSELL_STATUS_INVALID_PARAMETER` when the model has no price for it.
/// Thread-safety: safe from any thread.
///
/// # Safety
///
/// `model` is a live handle; `price_minor` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_price(
    model: *const upsell_recommender,
    id: u32,
    price_minor: *mut i64,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let model = unsafe { ffi::borrow(model, "model")? };
        let out = ffi::out(price_minor, "price_minor")?;
        let price = model.inner.price(id).ok_or_else(|| {
            Error::invalid_parameter("id", format!("the model has no price for item id {id}"))
        })?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(price) };
        Ok(())
    })
}

/// Frees a model; NULL is ignored.
///
/// # Safety
///
/// `model` is NULL or a handle not yet freed, and no other thread is using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_recommender_free(model: *mut upsell_recommender) {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { ffi::free_box(model) });
}
