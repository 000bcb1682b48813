//! Column-wise trigger evaluation for C, the fast path: the host hands over one array per field
//! (customers in rows), the core evaluates every rule over whole columns, and the offers come back
//! in one handle read by index.
//!
//! The one idea: columns are copied once into the core's `Column`s, with an optional validity
//! array per column (NULL: every value present), so a C array of a million customers crosses
//! without per-row work here.

use std::ffi::{CString, c_char, c_int};

use upsell_core::Control;
use upsell_core::triggers::{Batch, BatchOffer, BatchOptions, Column, read_customers_csv};

use crate::error::upsell_error;
use crate::ffi::{self, Outcome, text};
use crate::status::upsell_status;
use crate::triggers::{c_string, history_from_c, now_from_c, upsell_ruleset};

/// Customers by column, built with `upsell_batch_new` and the `upsell_batch_add_*` calls (every
/// column the same length), then evaluated with `upsell_ruleset_evaluate_batch` (or read by
/// `upsell_adoption_gaps_json`).
///
/// Ownership: created by `upsell_batch_new`, freed with `upsell_batch_free`; column data is
/// copied in, so the caller's arrays may be freed after each `add` call.
/// Thread-safety: adding columns needs exclusive access; once built, any number of threads may
/// evaluate it at once.
#[derive(Debug, Default)]
pub struct upsell_batch {
    columns: Vec<(String, Column)>,
}

impl upsell_batch {
    /// The columns as the core's batch (checked: names unique, lengths equal).
    pub(crate) fn table(&self) -> upsell_core::Result<Batch> {
        Batch::new(self.columns.clone())
    }

    /// A copy of the core's batch `table`, column by column.
    pub(crate) fn from_table(table: &Batch) -> Self {
        let names = table.schema().fields().map(|(name, _)| name.to_owned());
        let columns = names
            .enumerate()
            .filter_map(|(k, name)| Some((name, table.column(k)?.clone())))
            .collect();
        upsell_batch { columns }
    }
}

/// The offers decided for a batch: one entry per (customer, offer), customers in row order.
///
/// Ownership: created by `upsell_ruleset_evaluate_batch`, freed with `upsell_batch_offers_free`;
/// every string read from it is owned by it. Thread-safety: immutable; any number of threads may
/// read it at once.
#[derive(Debug)]
pub struct upsell_batch_offers {
    offers: Vec<COffer>,
}

#[derive(Debug)]
struct COffer {
    row: usize,
    customer: CString,
    rule: CString,
    kind: CString,
    target: CString,
    priority: i64,
    held_out: bool,
}

/// One offer of a batch, as `upsell_batch_offers_get` writes it. Strings are NUL-terminated,
/// owned by the `upsell_batch_offers` and valid until it is freed.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_batch_offer {
    /// The customer's row in the batch.
    pub row: usize,
    /// The customer id (the text of the id column).
    pub customer: *const c_char,
    /// The rule that made the offer.
    pub rule: *const c_char,
    /// `upgrade`, `cross_sell`, `bundle` or `threshold_fill`.
    pub kind: *const c_char,
    /// What is offered.
    pub target: *const c_char,
    /// The rule's priority.
    pub priority: i64,
    /// 1 when the offer was withheld because the customer is in the rule's control group.
    pub held_out: c_int,
}

/// A new, empty batch, or NULL on an internal error. Free it with `upsell_batch_free`.
/// Thread-safety: safe to call from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn upsell_batch_new() -> *mut upsell_batch {
    ffi::infallible(|| ffi::into_handle(upsell_batch::default()))
}

/// Frees a batch; NULL is ignored.
///
/// # Safety
///
/// `batch` is NULL or a live batch not yet freed, used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_batch_free(batch: *mut upsell_batch) {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { ffi::free_box(batch) })
}

/// Reads customers from a CSV file with the core's reader, as `upsell triggers eval` reads them:
/// a header line of field names, one customer a row, an empty cell a missing value. Column types
/// come from the schema `rules` declares; with NULL, or rules that declare none, they are
/// inferred from the values (int, decimal, float, bool, RFC 3339 time, string). A declared column
/// the file lacks, or a value not of its column's type, gives `UPSELL_STATUS_INVALID_INPUT`
/// naming the column; a missing file, `UPSELL_STATUS_IO`.
///
/// On success `*out` receives a new batch, freed with `upsell_batch_free`, to evaluate with
/// `upsell_ruleset_evaluate_batch` (its first column is the customer id there by default).
/// Thread-safety: safe to call from any thread; `rules` may be in use by other threads.
///
/// # Safety
///
/// `path` is NUL-terminated; `rules` is NULL or a live rule set; `out` is writable; `err` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_batch_from_csv_file(
    path: *const c_char,
    rules: *const upsell_ruleset,
    out: *mut *mut upsell_batch,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let path = unsafe { ffi::path(path, "path") }?;
        // SAFETY: forwarded to the caller: NULL or a live rule set.
        let schema = unsafe { rules.as_ref() }.and_then(|r| r.inner.declared_schema());
        let table = read_customers_csv(&path, schema)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(ffi::into_handle(upsell_batch::from_table(&table))) };
        Ok(())
    })
}

/// Validity as the core wants it: `None` when every value is present.
///
/// # Safety
///
/// `valid` is NULL or points to `len` bytes.
unsafe fn validity(valid: *const u8, len: usize) -> Outcome<Option<Vec<bool>>> {
    if valid.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded to the caller; not NULL.
    let bytes = unsafe { ffi::slice(valid, len, "valid") }?;
    Ok(Some(bytes.iter().map(|&b| b != 0).collect()))
}

/// Adds a column built by `make` under the name at `name`.
///
/// # Safety
///
/// `batch` is NULL or a live batch; `name` NULL or NUL-terminated.
unsafe fn add(
    batch: *mut upsell_batch,
    name: *const c_char,
    make: impl FnOnce() -> Outcome<Column>,
) -> Outcome {
    // SAFETY: forwarded to the caller.
    let batch = unsafe { batch.as_mut() }.ok_or(ffi::Failure::NullParameter("batch"))?;
    // SAFETY: forwarded to the caller.
    let name = unsafe { text(name, "name") }?.to_owned();
    let column = make()?;
    batch.columns.push((name, column));
    Ok(())
}

/// Adds an integer column `name` of `len` values; `valid` is NULL (all present) or `len` bytes,
/// 0 for a missing value. The data is copied. Every column of a batch must have the same length
/// (checked when it is evaluated). Thread-safety: needs exclusive access to `batch`.
///
/// # Safety
///
/// `batch` is a live batch; `name` NUL-terminated; `values` points to `len` values (NULL when 0);
/// `valid` is NULL or points to `len` bytes; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_batch_add_ints(
    batch: *mut upsell_batch,
    name: *const c_char,
    values: *const i64,
    valid: *const u8,
    len: usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        unsafe {
            add(batch, name, || {
                let values = ffi::slice(values, len, "values")?.to_vec();
                Ok(Column::ints(values, validity(valid, len)?))
            })
        }
    })
}

/// Adds a column of numbers with a fraction, read as on every surface: exact decimals when every
/// valid value has at most six decimal places (0.1 is 0.1), else doubles; as
/// `upsell_batch_add_ints` otherwise.
///
/// # Safety
///
/// As for `upsell_batch_add_ints`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_batch_add_floats(
    batch: *mut upsell_batch,
    name: *const c_char,
    values: *const f64,
    valid: *const u8,
    len: usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        unsafe {
            add(batch, name, || {
                let values = ffi::slice(values, len, "values")?.to_vec();
                Ok(Column::numbers(values, validity(valid, len)?))
            })
        }
    })
}

/// Adds a boolean column (`values`: `len` bytes, nonzero is true); as `upsell_batch_add_ints`
/// otherwise.
///
/// # Safety
///
/// As for `upsell_batch_add_ints`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_batch_add_bools(
    batch: *mut upsell_batch,
    name: *const c_char,
    values: *const u8,
    valid: *const u8,
    len: usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        unsafe {
            add(batch, name, || {
                let values = ffi::slice(values, len, "values")?;
                Ok(Column::bools(
                    values.iter().map(|&b| b != 0).collect(),
                    validity(valid, len)?,
                ))
            })
        }
    })
}

/// Adds a time column of Unix seconds (UTC); as `upsell_batch_add_ints` otherwise.
///
/// # Safety
///
/// As for `upsell_batch_add_ints`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_batch_add_timestamps(
    batch: *mut upsell_batch,
    name: *const c_char,
    seconds: *const i64,
    valid: *const u8,
    len: usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        unsafe {
            add(batch, name, || {
                let values = ffi::slice(seconds, len, "seconds")?.to_vec();
                Ok(Column::timestamps(values, validity(valid, len)?))
            })
        }
    })
}

/// Adds a text column of `len` NUL-terminated UTF-8 strings; a NULL entry is a missing value.
/// The strings are copied. Thread-safety: needs exclusive access to `batch`.
///
/// # Safety
///
/// `batch` is a live batch; `name` NUL-terminated; `values` points to `len` pointers, each NULL
/// or NUL-terminated (`values` may be NULL when `len` is 0); `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_batch_add_strings(
    batch: *mut upsell_batch,
    name: *const c_char,
    values: *const *const c_char,
    len: usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        unsafe {
            add(batch, name, || {
                let pointers = ffi::slice(values, len, "values")?;
                let texts = pointers
                    .iter()
                    .map(|&p| {
                        if p.is_null() {
                            Ok(None)
                        } else {
                            text(p, "values").map(Some)
                        }
                    })
                    .collect::<Outcome<Vec<Option<&str>>>>()?;
                Ok(Column::strings(texts))
            })
        }
    })
}

/// Decides the offers for every customer (row) of `batch` at once, evaluating each condition over
/// whole columns. `now` is an RFC 3339 time or NULL for the current time; `id_column` names the
/// customer-id column (NULL: the first column); `history_json` is NULL or an offer history as for
/// `upsell_ruleset_evaluate_json`; `threads` is 0 for the library's pool, 1 for the calling
/// thread only. Results do not depend on `threads`.
///
/// On success `*out` receives the offers, freed with `upsell_batch_offers_free`. Columns of
/// different lengths, a type a condition cannot use or an unknown `id_column` give
/// `UPSELL_STATUS_INVALID_INPUT` or `UPSELL_STATUS_INVALID_PARAMETER`.
/// Thread-safety: `rules` and `batch` may be used by several threads at once.
///
/// # Safety
///
/// `rules` and `batch` are live handles; `now`, `id_column` and `history_json` are NULL or
/// NUL-terminated; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_ruleset_evaluate_batch(
    rules: *const upsell_ruleset,
    batch: *const upsell_batch,
    now: *const c_char,
    id_column: *const c_char,
    history_json: *const c_char,
    threads: u32,
    out: *mut *mut upsell_batch_offers,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let rules = unsafe { ffi::borrow(rules, "rules") }?;
        // SAFETY: forwarded to the caller.
        let batch = unsafe { ffi::borrow(batch, "batch") }?;
        // SAFETY: forwarded to the caller.
        let now = unsafe { now_from_c(now) }?;
        let id_column = if id_column.is_null() {
            None
        } else {
            // SAFETY: forwarded to the caller; not NULL.
            Some(unsafe { text(id_column, "id_column") }?.to_owned())
        };
        // SAFETY: forwarded to the caller.
        let history = unsafe { history_from_c(history_json) }?;
        let options = BatchOptions {
            now,
            history: history.as_ref(),
            id_column,
            threads: (threads != 0).then_some(threads as usize),
        };
        let columns = batch.table()?;
        let offers = rules
            .inner
            .evaluate_batch(&columns, &options, &Control::default())?;
        let offers = offers.iter().map(COffer::new).collect();
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(ffi::into_handle(upsell_batch_offers { offers })) };
        Ok(())
    })
}

impl COffer {
    fn new(offer: &BatchOffer) -> Self {
        COffer {
            row: offer.row,
            customer: c_string(&offer.customer),
            rule: c_string(&offer.offer.rule),
            kind: c_string(offer.offer.kind.as_str()),
            target: c_string(&offer.offer.target),
            priority: offer.offer.priority,
            held_out: offer.held_out,
        }
    }
}

/// The number of offers (0 if `offers` is NULL). Thread-safety: safe from any thread.
///
/// # Safety
///
/// `offers` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_batch_offers_count(offers: *const upsell_batch_offers) -> usize {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { offers.as_ref() }.map_or(0, |o| o.offers.len()))
}

/// Offer `index` into `*out`; an index out of range gives `UPSELL_STATUS_INVALID_PARAMETER`.
/// The strings in `*out` are owned by `offers`. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `offers` is a live handle; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_batch_offers_get(
    offers: *const upsell_batch_offers,
    index: usize,
    out: *mut upsell_batch_offer,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let offers = unsafe { ffi::borrow(offers, "offers") }?;
        let out = ffi::out(out, "out")?;
        let offer = offers.offers.get(index).ok_or_else(|| {
            upsell_core::Error::invalid_parameter(
                "index",
                format!(
                    "offer index {index} out of range (the batch has {} offers)",
                    offers.offers.len()
                ),
            )
        })?;
        let entry = upsell_batch_offer {
            row: offer.row,
            customer: offer.customer.as_ptr(),
            rule: offer.rule.as_ptr(),
            kind: offer.kind.as_ptr(),
            target: offer.target.as_ptr(),
            priority: offer.priority,
            held_out: c_int::from(offer.held_out),
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(entry) };
        Ok(())
    })
}

/// Frees batch offers and every string read from them; NULL is ignored.
///
/// # Safety
///
/// `offers` is NULL or a live handle not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_batch_offers_free(offers: *mut upsell_batch_offers) {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { ffi::free_box(offers) })
}
