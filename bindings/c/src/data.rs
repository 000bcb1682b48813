//! Baskets for C: read from a file (FIMI or one basket a line) or given as two flat arrays, the
//! same layout the core stores, so arrays cross with one copy and no per-basket allocation.

use std::ffi::c_char;

use upsell_core::data::{Baskets, Dataset, ItemDictionary, ItemId, ReadOptions};

use crate::error::upsell_error;
use crate::ffi::{self, Outcome};
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
}

impl upsell_baskets {
    pub(crate) fn items(&self) -> Option<&ItemDictionary> {
        self.items.as_ref()
    }
}

fn read(path: *const c_char, options: &ReadOptions, out: *mut *mut upsell_baskets) -> Outcome {
    let out = ffi::out(out, "out")?;
    // SAFETY: the caller passes NULL or a NUL-terminated string.
    let path = unsafe { ffi::path(path, "path")? };
    let Dataset { baskets, items, .. } = Dataset::read(path, options)?;
    let handle = ffi::into_handle(upsell_baskets {
        baskets,
        items: Some(items),
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
        });
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle) };
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
    ffi::infallible(0, || {
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
    ffi::infallible((), || unsafe { ffi::free_box(baskets) })
}
