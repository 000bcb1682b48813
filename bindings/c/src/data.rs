//! Baskets for C: read from a file (FIMI or one basket a line) or given as two flat arrays, the
//! same layout the core stores, so arrays cross with one copy and no per-basket allocation.

use std::ffi::c_char;

use upsell_core::Error;
use upsell_core::data::{BasketKeys, Baskets, Dataset, ItemDictionary, ItemId, ReadOptions};

use crate::error::upsell_error;
use crate::ffi::{self, Outcome, text};
use crate::status::upsell_status;

/// A collection of baskets (transactions), each a set of item ids, with item labels when read
/// from a file.
///
/// Ownership: created by `upsell_baskets_from_fimi_file`, `upsell_baskets_from_csv_file` or
/// `upsell_baskets_from_arrays`; owned by the caller, who frees it with `upsell_baskets_free`.
/// Thread-safety: immutable once built; any number of threads may read or mine it at once.
#[derive(Debug)]
pub struct upsell_baskets {
    pub(crate) baskets: Baskets,
    items: Option<ItemDictionary>,
    /// Long data: each basket's key, customer and time.
    keys: Option<BasketKeys>,
}

impl upsell_baskets {
    pub(crate) fn new(
        baskets: Baskets,
        items: Option<ItemDictionary>,
        keys: Option<BasketKeys>,
    ) -> Self {
        upsell_baskets {
            baskets,
            items,
            keys,
        }
    }

    /// Each basket's time, for baskets read as long data with a time column.
    pub(crate) fn times(&self) -> Option<&[upsell_core::time::Timestamp]> {
        self.keys.as_ref()?.time.as_deref()
    }

    /// The labels, or each id as text for baskets built from arrays.
    pub(crate) fn dictionary(&self) -> upsell_core::Result<ItemDictionary> {
        match &self.items {
            Some(items) => Ok(items.clone()),
            None => {
                ItemDictionary::from_labels((0..self.baskets.item_count()).map(|i| i.to_string()))
            }
        }
    }
}

fn read(path: *const c_char, options: &ReadOptions, out: *mut *mut upsell_baskets) -> Outcome {
    let out = ffi::out(out, "out")?;
    // SAFETY: the caller passes NULL or a NUL-terminated string.
    let path = unsafe { ffi::path(path, "path")? };
    let Dataset {
        baskets,
        items,
        keys,
        ..
    } = Dataset::read(path, options)?;
    let handle = ffi::into_handle(upsell_baskets {
        baskets,
        items: Some(items),
        keys,
    });
    // SAFETY: `out` is not NULL and the caller promises it is writable.
    unsafe { out.write(handle) };
    Ok(())
}

/// Reads a FIMI file (one basket a line, integer items separated by spaces or tabs), plain or
/// gzip-compressed. Items are renumbered by descending frequency: id 0 is the most frequent item,
/// and `upsell_baskets_item_label` gives each id's original text.
///
/// On success `*out` receives a new handle the caller frees with `upsell_baskets_free`. On failure
/// (`UPSELL_STATUS_IO` for a missing file, `UPSELL_STATUS_INVALID_INPUT` with the line and column
/// of bad data) `*out` is untouched and, if `err` is not NULL, `*err` receives an error to free
/// with `upsell_error_free`. Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `path` is NULL or NUL-terminated; `out` is NULL or writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_from_fimi_file(
    path: *const c_char,
    out: *mut *mut upsell_baskets,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || read(path, &ReadOptions::fimi(), out))
}

/// Reads a delimited text file with one basket a line, item names separated by `delimiter`
/// (for example `','`), plain or gzip-compressed. Items are numbered by descending frequency and
/// `upsell_baskets_item_label` gives each id's name.
///
/// Ownership, errors and thread-safety as for `upsell_baskets_from_fimi_file`.
///
/// # Safety
///
/// `path` is NULL or NUL-terminated; `out` is NULL or writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_from_csv_file(
    path: *const c_char,
    delimiter: c_char,
    out: *mut *mut upsell_baskets,
    err: *mut *mut upsell_error,
) -> upsell_status {
    // A C `char` is one byte whatever its signedness: keep the byte.
    let delimiter = delimiter as u8;
    ffi::fallible(err, || read(path, &ReadOptions::baskets(delimiter), out))
}

/// Reads long data: a delimited file with a header row and one row per (basket, item), such as
/// order lines (`InvoiceNo,StockCode,...,CustomerID,InvoiceDate`). The rows whose columns
/// `basket_columns` (`basket_columns_len` names, at least 1) have the same values form one
/// basket; `item_column` names the item. `customer_column` and `time_column` are NULL or name
/// columns kept per basket (the first row's customer, the earliest time), read back with
/// `upsell_baskets_customer` and `upsell_baskets_time`. Plain or gzip-compressed; items are
/// numbered by descending frequency with their labels.
///
/// A column missing from the header gives `UPSELL_STATUS_INVALID_INPUT` naming it; a bad time
/// names its line. Ownership, errors and thread-safety as for `upsell_baskets_from_fimi_file`.
///
/// # Safety
///
/// `path` and `item_column` are NUL-terminated; `basket_columns` points to `basket_columns_len`
/// NUL-terminated strings; `customer_column` and `time_column` are NULL or NUL-terminated; `out`
/// and `err` are NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_baskets_from_long_file(
    path: *const c_char,
    delimiter: c_char,
    basket_columns: *const *const c_char,
    basket_columns_len: usize,
    item_column: *const c_char,
    customer_column: *const c_char,
    time_column: *const c_char,
    out: *mut *mut upsell_baskets,
    err: *mut *mut upsell_error,
) -> upsell_status {
    // A C `char` is one byte whatever its signedness: keep the byte.
    let delimiter = delimiter as u8;
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let names = unsafe { ffi::slice(basket_columns, basket_columns_len, "basket_columns") }?;
        let names = names
            .iter()
            // SAFETY: forwarded to the caller: each a NUL-terminated string.
            .map(|&name| unsafe { text(name, "basket_columns") }.map(str::to_owned))
            .collect::<Outcome<Vec<String>>>()?;
        // SAFETY: forwarded to the caller.
        let item = unsafe { text(item_column, "item_column") }?;
        let optional = |ptr: *const c_char, name| {
            if ptr.is_null() {
                Ok(None)
            } else {
                // SAFETY: forwarded to the caller; not NULL.
                unsafe { text(ptr, name) }.map(|t| Some(t.to_owned()))
            }
        };
        let options = ReadOptions {
            delimiter: Some(delimiter),
            customer_column: optional(customer_column, "customer_column")?,
            time_column: optional(time_column, "time_column")?,
            ..ReadOptions::long(names, item)
        };
        read(path, &options, out)
    })
}

/// The keys of baskets read as long data, or an `InvalidParameter` failure.
fn keys(baskets: &upsell_baskets) -> Outcome<&BasketKeys> {
    baskets.keys.as_ref().ok_or_else(|| {
        Error::invalid_parameter(
            "baskets",
            "these baskets were not read as long data and have no keys",
        )
        .into()
    })
}

fn basket_index(baskets: &upsell_baskets, index: usize) -> Outcome<usize> {
    if index < baskets.baskets.len() {
        Ok(index)
    } else {
        Err(Error::invalid_parameter(
            "index",
            format!(
                "{index} is not below the number of baskets ({})",
                baskets.baskets.len()
            ),
        )
        .into())
    }
}

/// Writes a borrowed text as pointer and length.
///
/// # Safety
///
/// `text_out` and `len_out` are not NULL and writable.
unsafe fn write_text(value: &str, text_out: *mut *const c_char, len_out: *mut usize) {
    // SAFETY: forwarded to the caller.
    unsafe {
        text_out.write(value.as_ptr().cast::<c_char>());
        len_out.write(value.len());
    }
}

/// The key of basket `index` of long data (its basket columns' values joined by `|`), as
/// `*text` and `*len`: UTF-8, NOT NUL-terminated, owned by `baskets` (the string rule of the
/// header). Baskets not read as long data, or an index out of range, give
/// `UPSELL_STATUS_INVALID_PARAMETER`. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `baskets` is a live handle; `text`, `len` are writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_key(
    baskets: *const upsell_baskets,
    index: usize,
    text: *mut *const c_char,
    len: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: the caller passes NULL or a live handle.
        let baskets = unsafe { ffi::borrow(baskets, "baskets")? };
        let text_out = ffi::out(text, "text")?;
        let len_out = ffi::out(len, "len")?;
        let index = basket_index(baskets, index)?;
        let key = &keys(baskets)?.basket[index];
        // SAFETY: both are not NULL and the caller promises they are writable.
        unsafe { write_text(key, text_out, len_out) };
        Ok(())
    })
}

/// The customer of basket `index` of long data read with a `customer_column`, as for
/// `upsell_baskets_key`. Without a customer column: `UPSELL_STATUS_INVALID_PARAMETER`.
///
/// # Safety
///
/// `baskets` is a live handle; `text`, `len` are writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_customer(
    baskets: *const upsell_baskets,
    index: usize,
    text: *mut *const c_char,
    len: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: the caller passes NULL or a live handle.
        let baskets = unsafe { ffi::borrow(baskets, "baskets")? };
        let text_out = ffi::out(text, "text")?;
        let len_out = ffi::out(len, "len")?;
        let index = basket_index(baskets, index)?;
        let customers = keys(baskets)?.customer.as_ref().ok_or_else(|| {
            Error::invalid_parameter("customer_column", "the baskets were read without one")
        })?;
        // SAFETY: both are not NULL and the caller promises they are writable.
        unsafe { write_text(&customers[index], text_out, len_out) };
        Ok(())
    })
}

/// The time of basket `index` of long data read with a `time_column` (the earliest of its
/// rows'), as Unix seconds (UTC) into `*unix_seconds`. Without a time column:
/// `UPSELL_STATUS_INVALID_PARAMETER`. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `baskets` is a live handle; `unix_seconds` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_time(
    baskets: *const upsell_baskets,
    index: usize,
    unix_seconds: *mut i64,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: the caller passes NULL or a live handle.
        let baskets = unsafe { ffi::borrow(baskets, "baskets")? };
        let out = ffi::out(unix_seconds, "unix_seconds")?;
        let index = basket_index(baskets, index)?;
        let times = keys(baskets)?.time.as_ref().ok_or_else(|| {
            Error::invalid_parameter("time_column", "the baskets were read without one")
        })?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(times[index].as_second()) };
        Ok(())
    })
}

/// Builds baskets from item ids laid end to end (`items`, `items_len` of them) and the offsets
/// where each basket starts (`offsets`, `offsets_len` = number of baskets + 1, first 0, last
/// `items_len`, never decreasing). Basket `b` is `items[offsets[b] .. offsets[b + 1]]`; duplicate
/// items in a basket count once. Ids are the caller's own; these baskets have no labels.
///
/// The arrays are copied: the caller keeps ownership and may free them after the call. A NULL
/// array is accepted when its length is 0. Bad offsets give `UPSELL_STATUS_INVALID_INPUT`.
/// On success `*out` receives a new handle the caller frees with `upsell_baskets_free`; on failure
/// `*out` is untouched. Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `items` points to `items_len` readable ids and `offsets` to `offsets_len` readable offsets
/// (either may be NULL when its length is 0); `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_from_arrays(
    items: *const u32,
    items_len: usize,
    offsets: *const usize,
    offsets_len: usize,
    out: *mut *mut upsell_baskets,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: the caller promises `items_len` readable ids at `items`.
        let items: &[ItemId] = unsafe { ffi::slice(items, items_len, "items")? };
        // SAFETY: the caller promises `offsets_len` readable offsets at `offsets`.
        let offsets = unsafe { ffi::slice(offsets, offsets_len, "offsets")? };
        let baskets = Baskets::from_arrays(items.to_vec(), offsets.to_vec())?;
        let handle = ffi::into_handle(upsell_baskets {
            baskets,
            items: None,
            keys: None,
        });
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Builds baskets from one (basket id, item id) pair per line item, as Python's
/// `Baskets.from_pairs`: `basket_ids[i]` and `item_ids[i]` (`len` of each) put item
/// `item_ids[i]` in basket `basket_ids[i]`. Basket ids are dense `0..n` (n = the largest + 1; an
/// id never given is an empty basket), pairs in any order, a repeated pair counts once. These
/// baskets have no labels.
///
/// The arrays are copied (the caller keeps them). On success `*out` receives a new handle the
/// caller frees with `upsell_baskets_free`; on failure `*out` is untouched. Thread-safety: safe
/// to call from any thread.
///
/// # Safety
///
/// `basket_ids` and `item_ids` point to `len` readable ids each (NULL when `len` is 0); `out`
/// and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_from_pairs(
    basket_ids: *const u32,
    item_ids: *const u32,
    len: usize,
    out: *mut *mut upsell_baskets,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: the caller promises `len` readable ids at each.
        let basket_ids = unsafe { ffi::slice(basket_ids, len, "basket_ids")? };
        // SAFETY: as above.
        let item_ids: &[ItemId] = unsafe { ffi::slice(item_ids, len, "item_ids")? };
        let baskets = Baskets::from_pairs(basket_ids, item_ids)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(ffi::into_handle(upsell_baskets::new(baskets, None, None))) };
        Ok(())
    })
}

/// Builds baskets from a one-hot matrix, as Python's `Baskets.from_dense`: `rows` baskets over
/// `columns` items, row-major (`cells[r * columns + c]` nonzero: basket `r` holds item `c`).
/// These baskets have no labels.
///
/// The cells are read during the call only. A size `rows * columns` beyond `size_t` gives
/// `UPSELL_STATUS_INVALID_PARAMETER`. Ownership and thread-safety as for
/// `upsell_baskets_from_pairs`.
///
/// # Safety
///
/// `cells` points to `rows * columns` readable bytes (NULL when that is 0); `out` and `err` are
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_from_dense(
    cells: *const u8,
    rows: usize,
    columns: usize,
    out: *mut *mut upsell_baskets,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        let size = rows.checked_mul(columns).ok_or_else(|| {
            Error::invalid_parameter("rows", format!("{rows} x {columns} cells overflow size_t"))
        })?;
        // SAFETY: the caller promises `rows * columns` readable bytes at `cells`.
        let cells = unsafe { ffi::slice(cells, size, "cells")? };
        // A C byte may hold any value: each becomes a bool here, never read as one.
        let holds: Vec<bool> = cells.iter().map(|&cell| cell != 0).collect();
        let matrix =
            ndarray::ArrayView2::from_shape((rows, columns), holds.as_slice()).map_err(|e| {
                Error::invalid_parameter("rows", format!("{rows} x {columns} cells: {e}"))
            })?;
        let baskets = Baskets::from_dense(matrix);
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(ffi::into_handle(upsell_baskets::new(baskets, None, None))) };
        Ok(())
    })
}

/// The number of baskets, or 0 if `baskets` is NULL. Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `baskets` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_len(baskets: *const upsell_baskets) -> usize {
    ffi::infallible(|| {
        // SAFETY: the caller passes NULL or a live handle.
        unsafe { baskets.as_ref() }.map_or(0, |b| b.baskets.len())
    })
}

/// The label (the original text) of item `id` in baskets read from a file.
///
/// On success `*label` points to `*len` bytes of UTF-8, NOT NUL-terminated (print it with
/// `printf("%.*s", (int)len, label)`), owned by `baskets` and valid until `upsell_baskets_free`.
/// Baskets built from arrays have no labels, and an id beyond the items gives
/// `UPSELL_STATUS_INVALID_PARAMETER`. Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `baskets` is NULL or a live handle; `label`, `len` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_item_label(
    baskets: *const upsell_baskets,
    id: u32,
    label: *mut *const c_char,
    len: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: the caller passes NULL or a live handle.
        let baskets = unsafe { ffi::borrow(baskets, "baskets")? };
        let label_out = ffi::out(label, "label")?;
        let len_out = ffi::out(len, "len")?;
        let items = baskets.items.as_ref().ok_or_else(|| {
            upsell_core::Error::invalid_parameter(
                "baskets",
                "these baskets were built from arrays and have no item labels",
            )
        })?;
        let text = items.label(id).ok_or_else(|| {
            upsell_core::Error::invalid_parameter(
                "id",
                format!(
                    "item id {id} is not below the number of items ({})",
                    items.len()
                ),
            )
        })?;
        // SAFETY: both out-parameters are not NULL and the caller promises they are writable.
        unsafe {
            label_out.write(text.as_ptr().cast::<c_char>());
            len_out.write(text.len());
        }
        Ok(())
    })
}

/// Frees `baskets`. NULL is accepted and ignored.
///
/// Ownership: takes back ownership; the handle and every label pointer obtained from it must not
/// be used afterwards. Thread-safety: no other thread may use `baskets` during or after this call.
///
/// # Safety
///
/// `baskets` is NULL or a live handle not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_free(baskets: *mut upsell_baskets) {
    // SAFETY: the caller passes NULL or a live handle it owns.
    ffi::infallible(|| unsafe { ffi::free_box(baskets) })
}
