//! Columnar exchange through the Arrow C data interface: baskets (a list column, or long order
//! data), carts and customers come in as an `ArrowArrayStream`, and itemsets, rules,
//! recommendations, trigger offers and order metrics go out as one, so a host with any Arrow
//! implementation (pyarrow, arrow-cpp, arrow-go, nanoarrow, Java's arrow-c-data) hands over a
//! million rows without a row-wise call.
//!
//! The one idea: this file only moves streams across the boundary. The standard structs come from
//! the `arrow-array` crate (`FFI_ArrowArrayStream`), never hand-written; an input stream is moved
//! in and handed to the core's `upsell::arrow`, which reads every column the way every surface
//! reads it, and an output is a stream the caller releases.

use std::ffi::{c_char, c_int};

use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{RecordBatchIterator, RecordBatchReader};
use upsell_core::arrow::{LongColumns, Recommended, Table};
use upsell_core::data::ItemDictionary;
use upsell_core::mining::Itemsets;
use upsell_core::recommend::RecommendOptions;
use upsell_core::triggers::BatchOptions;
use upsell_core::{Control, Error, Location};

use crate::data::upsell_baskets;
use crate::ease::upsell_ease;
use crate::error::upsell_error;
use crate::ffi::{self, Outcome, optional_text, text};
use crate::metrics::read_order_metrics;
use crate::mining::upsell_itemsets;
use crate::pricing::currency_from_c;
use crate::recommend::{ranking_from_c, upsell_recommender};
use crate::rules::upsell_rules;
use crate::status::upsell_status;
use crate::triggers::{history_from_c, now_from_c, upsell_ruleset};

/// Moves the caller's stream in (its `release` becomes NULL, so the caller must not release it)
/// and opens it.
///
/// # Safety
///
/// `stream` is NULL or points to an `ArrowArrayStream`, live or released.
unsafe fn open(stream: *mut FFI_ArrowArrayStream) -> Outcome<ArrowArrayStreamReader> {
    let stream = ffi::out(stream, "stream")?;
    // SAFETY: not NULL; the caller promises an initialised stream struct.
    if unsafe { (*stream).release.is_none() } {
        return Err(
            Error::invalid_input(Location::memory(), "the input stream is released").into(),
        );
    }
    // SAFETY: as above; `from_raw` moves the stream out, leaving a released one behind.
    Ok(unsafe { ArrowArrayStreamReader::from_raw(stream) }.map_err(|e| {
        Error::invalid_input(
            Location::memory(),
            format!("cannot read the input stream's schema: {e}"),
        )
    })?)
}

/// Hands `table` to the caller as a new stream in `*out`.
///
/// # Safety
///
/// `out` is not NULL and writable.
unsafe fn export(out: *mut FFI_ArrowArrayStream, table: Table) {
    let reader: Box<dyn RecordBatchReader + Send> = Box::new(RecordBatchIterator::new(
        table.batches.into_iter().map(Ok),
        table.schema,
    ));
    // SAFETY: forwarded to the caller. `*out` is the caller's uninitialised storage: nothing to
    // release there.
    unsafe { out.write(FFI_ArrowArrayStream::new(reader)) };
}

/// Hands recommendations to the caller: the stream in `*out`, the unknown labels in
/// `*unknown_count` unless it is NULL.
///
/// # Safety
///
/// `out` is not NULL and writable; `unknown_count` is NULL or writable.
unsafe fn export_recommended(
    out: *mut FFI_ArrowArrayStream,
    found: Recommended,
    unknown_count: *mut usize,
) {
    // SAFETY: forwarded to the caller.
    unsafe { export(out, found.table) };
    // SAFETY: forwarded to the caller.
    if let Some(count) = unsafe { unknown_count.as_mut() } {
        *count = found.unknown;
    }
}

/// The labels of `baskets`, when given.
///
/// # Safety
///
/// `baskets` is NULL or a live handle.
unsafe fn labels_of(baskets: *const upsell_baskets) -> Outcome<Option<ItemDictionary>> {
    // SAFETY: forwarded to the caller.
    match unsafe { baskets.as_ref() } {
        Some(baskets) => Ok(Some(baskets.dictionary()?)),
        None => Ok(None),
    }
}

/// Reads baskets from a stream whose column `column` (NULL: the first) is a list (or large list)
/// of item labels: strings (plain, large, view or dictionary-encoded) or integers, which are
/// labelled by their decimal text. One row is one basket; a null list is an empty basket and a
/// null item is `UPSELL_STATUS_INVALID_INPUT` naming the row. Duplicate items in a basket count
/// once. Items are numbered in order of first appearance; `upsell_baskets_item_label` gives each
/// id's label.
///
/// Ownership: the stream is moved in: on return (success or failure) its `release` is NULL and
/// the library has released it, so the caller must not. On success `*out` receives a new handle
/// the caller frees with `upsell_baskets_free`. Thread-safety: safe from any thread; the stream
/// is read on the calling thread.
///
/// # Safety
///
/// `stream` points to an `ArrowArrayStream` the caller owns; `column` is NULL or NUL-terminated;
/// `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_from_arrow(
    stream: *mut FFI_ArrowArrayStream,
    column: *const c_char,
    out: *mut *mut upsell_baskets,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let reader = unsafe { open(stream) }?;
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let column = unsafe { optional_text(column, "column") }?;
        let data = upsell_core::arrow::baskets(reader, column)?;
        let handle = ffi::into_handle(upsell_baskets::new(data.baskets, Some(data.items), None));
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Reads long order data from a stream, one line item a row: the basket key (invoice) in
/// `basket_column` and the item in `item_column` (strings of any kind or integers), and
/// optionally each basket's customer (`customer_column`, the first row's) and time
/// (`time_column`: a timestamp or date column, or text in the forms every surface reads; a
/// basket's time is its earliest row's). Baskets and items are numbered in order of first
/// appearance; `upsell_baskets_key`, `upsell_baskets_customer` and `upsell_baskets_time` read the
/// keys back, as for `upsell_baskets_from_long_file`. A null key, item or time is
/// `UPSELL_STATUS_INVALID_INPUT` naming the column and row (1-based across the stream).
///
/// Ownership: the stream is moved in, as for `upsell_baskets_from_arrow`. On success `*out`
/// receives a new handle freed with `upsell_baskets_free`. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `stream` points to an `ArrowArrayStream` the caller owns; the column names are NULL
/// (customer and time only) or NUL-terminated; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_from_arrow_long(
    stream: *mut FFI_ArrowArrayStream,
    basket_column: *const c_char,
    item_column: *const c_char,
    customer_column: *const c_char,
    time_column: *const c_char,
    out: *mut *mut upsell_baskets,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let reader = unsafe { open(stream) }?;
        let out = ffi::out(out, "out")?;
        // SAFETY (all four): forwarded to the caller.
        let columns = LongColumns {
            basket_column: unsafe { text(basket_column, "basket_column") }?,
            item_column: unsafe { text(item_column, "item_column") }?,
            customer_column: unsafe { optional_text(customer_column, "customer_column") }?,
            time_column: unsafe { optional_text(time_column, "time_column") }?,
        };
        let data = upsell_core::arrow::long_baskets(reader, &columns)?;
        let handle = ffi::into_handle(upsell_baskets::new(
            data.baskets,
            Some(data.items),
            data.keys,
        ));
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Decides the offers for every customer (row) of an Arrow stream, column-wise as
/// `upsell_ruleset_evaluate_batch` (the fast path), and returns them as a stream in `*out` with
/// the columns of the Python surface's `RuleSet.evaluate`: customer, rule, kind, target,
/// priority (int64), reason, expected_value (decimal128(38, 6)) and held_out (bool), one row per
/// (customer, offer), customers in input order.
///
/// Columns are read by type: booleans, integers, floats (exact decimals when they have at most
/// six decimal places, as every surface reads them), decimals, timestamps and dates (seconds,
/// UTC), durations, strings (plain, large, view or dictionary-encoded), lists of strings, and
/// null columns; another type is `UPSELL_STATUS_INVALID_INPUT` naming the column. `now`,
/// `id_column`, `history_json` and `threads` are as for `upsell_ruleset_evaluate_batch`. Each
/// input batch is evaluated as it is read; results do not depend on the batch sizes or `threads`.
///
/// Ownership: `customers` is moved in as for `upsell_baskets_from_arrow`. On success `*out`
/// receives a new stream that the caller releases (`out->release(out)`); it does not borrow
/// `rules`. Thread-safety: `rules` may be used by several threads at once.
///
/// # Safety
///
/// `rules` is a live handle; `customers` points to an `ArrowArrayStream` the caller owns; `now`,
/// `id_column` and `history_json` are NULL or NUL-terminated; `out` points to writable storage for
/// an `ArrowArrayStream`; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_ruleset_evaluate_arrow(
    rules: *const upsell_ruleset,
    customers: *mut FFI_ArrowArrayStream,
    now: *const c_char,
    id_column: *const c_char,
    history_json: *const c_char,
    threads: u32,
    out: *mut FFI_ArrowArrayStream,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let reader = unsafe { open(customers) }?;
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let rules = unsafe { ffi::borrow(rules, "rules") }?;
        // SAFETY: forwarded to the caller.
        let now = unsafe { now_from_c(now) }?;
        // SAFETY: forwarded to the caller.
        let id_column = unsafe { optional_text(id_column, "id_column") }?.map(str::to_owned);
        // SAFETY: forwarded to the caller.
        let history = unsafe { history_from_c(history_json) }?;
        let options = BatchOptions {
            now,
            history: history.as_ref(),
            id_column,
            threads: (threads != 0).then_some(threads as usize),
        };
        let offers =
            upsell_core::arrow::evaluate(&rules.inner, reader, &options, &Control::default())?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { export(out, offers) };
        Ok(())
    })
}

/// Writes the itemsets to `*out` as a stream of one batch with the columns of the Python
/// surface: itemset (a list of the item labels of `labels`, the baskets they were mined from, or
/// of the ids as uint32 when `labels` is NULL), count (int64) and support (float64).
///
/// Ownership: `*out` receives a new stream the caller releases; it borrows nothing.
/// Thread-safety: safe from any thread.
///
/// # Safety
///
/// `itemsets` is a live handle; `labels` is NULL or a live handle; `out` points to writable
/// storage for an `ArrowArrayStream`; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_itemsets_to_arrow(
    itemsets: *const upsell_itemsets,
    labels: *const upsell_baskets,
    out: *mut FFI_ArrowArrayStream,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let itemsets: &Itemsets = unsafe { ffi::borrow(itemsets, "itemsets") }?.inner();
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let labels = unsafe { labels_of(labels) }?;
        let batch = upsell_core::arrow::itemsets(itemsets, labels.as_ref())?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { export(out, Table::from(batch)) };
        Ok(())
    })
}

/// Writes the rules to `*out` as a stream of one batch with the columns of the Python surface:
/// antecedents and consequents (lists of labels from `labels`, or of uint32 ids when it is NULL),
/// every measure in mlxtend's order under its name ("antecedent support", "consequent support",
/// "support", "confidence", "lift", "representativity", "leverage", "conviction",
/// "zhangs_metric", "jaccard", "certainty", "kulczynski"; float64), then count, "antecedent
/// count" and "consequent count" (int64).
///
/// Ownership: `*out` receives a new stream the caller releases; it borrows nothing.
/// Thread-safety: safe from any thread.
///
/// # Safety
///
/// `rules` is a live handle; `labels` is NULL or a live handle; `out` points to writable storage
/// for an `ArrowArrayStream`; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_rules_to_arrow(
    rules: *const upsell_rules,
    labels: *const upsell_baskets,
    out: *mut FFI_ArrowArrayStream,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let rules = unsafe { ffi::borrow(rules, "rules") }?.inner();
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let labels = unsafe { labels_of(labels) }?;
        let batch = upsell_core::arrow::rules(rules, labels.as_ref())?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { export(out, Table::from(batch)) };
        Ok(())
    })
}

/// Recommends up to `k` items for every cart (row) of an Arrow stream, as `upsell_recommend`
/// does for one, on `threads` workers (0: the library's default; answers do not depend on it), and
/// returns them as a stream in `*out` with one row per (cart, rank): cart (int64, the cart's
/// 0-based row across the input stream), rank (int64, from 1), item (its label), score
/// (float64), rule (int64, the model rule behind it as for `upsell_recommender_rule`; null for a
/// popularity fill), antecedent (a list of labels, empty for a fill), and the rule's confidence,
/// lift and support (float64, null for a fill): the data columns of Python's
/// `Recommender.recommend_batch`.
///
/// Carts are column `column` (NULL: the first), a list (or large list) of item labels: strings
/// (plain, large, view or dictionary-encoded) or integers, read as their decimal text. A null list
/// is an empty cart; labels the model does not know (and null items) are ignored and counted in
/// `*unknown_count` when it is not NULL. `k`, `by`, `smoothing` and `backfill` are as for
/// `upsell_recommend`.
///
/// Ownership: `carts` is moved in as for `upsell_baskets_from_arrow`. On success `*out` receives
/// a new stream that the caller releases; it does not borrow `model`. Thread-safety: any number of
/// threads may query one model at once.
///
/// # Safety
///
/// `model` is a live handle; `carts` points to an `ArrowArrayStream` the caller owns; `column` is
/// NULL or NUL-terminated; `out` points to writable storage for an `ArrowArrayStream`;
/// `unknown_count` is NULL or writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_recommend_arrow(
    model: *const upsell_recommender,
    carts: *mut FFI_ArrowArrayStream,
    column: *const c_char,
    k: usize,
    by: c_int,
    smoothing: f64,
    backfill: c_int,
    threads: u32,
    out: *mut FFI_ArrowArrayStream,
    unknown_count: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let reader = unsafe { open(carts) }?;
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let model = &unsafe { ffi::borrow(model, "model") }?.inner;
        // SAFETY: forwarded to the caller.
        let column = unsafe { optional_text(column, "column") }?;
        let options = RecommendOptions {
            by: ranking_from_c(by)?,
            smoothing,
            backfill: backfill != 0,
            ..RecommendOptions::default()
        };
        let threads = (threads != 0).then_some(threads as usize);
        let found =
            upsell_core::arrow::recommendations(model, reader, column, k, &options, threads)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable; the caller promises
        // `unknown_count` NULL or writable.
        unsafe { export_recommended(out, found, unknown_count) };
        Ok(())
    })
}

/// Recommends up to `k` items with an EASE model for every cart (row) of an Arrow stream, as
/// `upsell_ease_recommend` does for one, on `threads` workers (0: the library's default; answers
/// do not depend on it): Python's `EaseRecommender.recommend_batch`. Returns them as a stream in
/// `*out` with one row per (cart, rank): cart (int64, the cart's 0-based row across the input
/// stream), rank (int64, from 1), item (its label), score (float64), because (the cart item that
/// contributed most, null for a popularity fill) and weight (float64, its weight; null likewise):
/// the data columns of Python's frame.
///
/// Carts are column `column` (NULL: the first), read as for `upsell_recommend_arrow`: a list of
/// labels (strings or integers). A null list is an empty cart; labels the model does not know
/// (and null items) are ignored and counted in `*unknown_count` when it is not NULL.
///
/// Ownership: `carts` is moved in as for `upsell_baskets_from_arrow`. On success `*out` receives
/// a new stream that the caller releases; it does not borrow `model`. Thread-safety: any number of
/// threads may query one model at once.
///
/// # Safety
///
/// `model` is a live handle; `carts` points to an `ArrowArrayStream` the caller owns; `column` is
/// NULL or NUL-terminated; `out` points to writable storage for an `ArrowArrayStream`;
/// `unknown_count` is NULL or writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_ease_recommend_arrow(
    model: *const upsell_ease,
    carts: *mut FFI_ArrowArrayStream,
    column: *const c_char,
    k: usize,
    threads: u32,
    out: *mut FFI_ArrowArrayStream,
    unknown_count: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let reader = unsafe { open(carts) }?;
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let model = &unsafe { ffi::borrow(model, "model") }?.inner;
        // SAFETY: forwarded to the caller.
        let column = unsafe { optional_text(column, "column") }?;
        let threads = (threads != 0).then_some(threads as usize);
        let found = upsell_core::arrow::ease_recommendations(model, reader, column, k, threads)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable; the caller promises
        // `unknown_count` NULL or writable.
        unsafe { export_recommended(out, found, unknown_count) };
        Ok(())
    })
}

/// Reads the order file at `path` (the columns Python's `upsell.order_metrics` and
/// `upsell_order_metrics_json` read, amounts in `currency`) and writes its metrics to `*out` as a
/// stream of one batch with the columns of Python's `upsell.order_metrics`: segment, period
/// (strings), orders, orders_without_customer, customers (int64), revenue and aov (decimal128(38,
/// e) with e the currency's minor-unit exponent: the exact minor units), items_per_order,
/// lines_per_order, attach_rate (float64), revenue_per_customer (decimal, null without a
/// customer), repeat_rate (float64, null likewise) and currency (the ISO code). `period` and
/// `by_segment` are as for `upsell_order_metrics_json`; so are the errors.
///
/// Ownership: `*out` receives a new stream the caller releases. Thread-safety: safe to call
/// concurrently.
///
/// # Safety
///
/// `path`, `currency` and `period` are NUL-terminated; `out` points to writable storage for an
/// `ArrowArrayStream`; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_order_metrics_to_arrow(
    path: *const c_char,
    currency: *const c_char,
    period: *const c_char,
    by_segment: c_int,
    out: *mut FFI_ArrowArrayStream,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let path = unsafe { ffi::path(path, "path") }?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { currency_from_c(currency) }?;
        // SAFETY: forwarded to the caller.
        let period = unsafe { text(period, "period") }?.parse()?;
        let (_, rows) = read_order_metrics(&path, currency, period, by_segment != 0)?;
        let batch = upsell_core::arrow::order_metrics(&rows, currency)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { export(out, Table::from(batch)) };
        Ok(())
    })
}
