//! Time-window affinity for C: parallel arrays in (customer ids, item ids, Unix-second times), one
//! call, and the rules read back by index through accessors.
//!
//! Mirrors `upsell::sequence`. The definitions (first purchase of A as the anchor, "then" meaning
//! strictly later, base rate from each customer's first visit) and every parameter check are the
//! core's; this file only translates numbers and pointers.

use std::ffi::{CStr, CString, c_char};

use upsell_core::data::ItemDictionary;
use upsell_core::sequence::{
    DEFAULT_MAX_PAIRS, DEFAULT_WINDOWS, Purchases, SequenceOptions, sequential_affinity,
};
use upsell_core::{Control, Error, Location};

use crate::control::upsell_control;
use crate::error::upsell_error;
use crate::ffi::{self, Outcome};
use crate::status::upsell_status;

/// What `upsell_sequential_affinity` counts and reports. Fill it with
/// `upsell_sequence_options_default`, then change what differs.
///
/// Ownership: a plain struct owned by the caller; `windows` and `control` are borrowed for the
/// call only. Thread-safety: read-only during the call; may be shared by concurrent calls.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_sequence_options {
    /// Window lengths in days (each at least 1, distinct), or NULL with `windows_len` 0 for the
    /// default 7, 30, 60 and 90 days.
    pub windows: *const i64,
    /// The number of entries at `windows`.
    pub windows_len: usize,
    /// Report a rule only when at least this many customers bought A then B within the window
    /// (1 by default).
    pub min_customers: u64,
    /// Report a rule only when its support (a fraction of all customers) is at least this (0 by
    /// default).
    pub min_support: f64,
    /// Report a rule only when its confidence is at least this (0 by default).
    pub min_confidence: f64,
    /// Keep at most this many rules per window, the most confident first; 0 keeps all (default).
    pub top: u64,
    /// Worker threads; 1 runs on the calling thread; 0 uses the library's pool (default).
    pub threads: u32,
    /// Fail with `UPSELL_STATUS_LIMIT_EXCEEDED` beyond this many distinct pairs; 0 for the
    /// default (20 million).
    pub max_pairs: u64,
    /// Cancellation and progress (in anchors: one per customer and item bought) for the call, or NULL for none. Borrowed.
    pub control: *const upsell_control,
}

/// One rule: customers who bought `antecedent` (A) then `consequent` (B) within `window_days`.
///
/// Ownership: a plain struct written by `upsell_sequence_rules_get` into caller storage.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_sequence_rule {
    /// A, the item bought first (an item id of the input).
    pub antecedent: u32,
    /// B, the item bought later.
    pub consequent: u32,
    /// The window W, in days.
    pub window_days: i64,
    /// Customers who bought A.
    pub antecedent_customers: u64,
    /// Customers who bought B strictly after, and at most W days after, their first purchase of A.
    pub customers: u64,
    /// Customers who bought B within W days after their first purchase of anything.
    pub baseline_customers: u64,
    /// `customers / all customers`.
    pub support: f64,
    /// `customers / antecedent_customers`.
    pub confidence: f64,
    /// `baseline_customers / all customers`.
    pub base_rate: f64,
    /// `confidence / base_rate`, or NaN when the base rate is 0.
    pub lift: f64,
}

/// The rules found by `upsell_sequential_affinity`, sorted by window, then confidence (highest
/// first), then customers; the same order for any thread count.
///
/// Ownership: created by `upsell_sequential_affinity`, owned by the caller, freed with
/// `upsell_sequence_rules_free`. Thread-safety: immutable; any number of threads may read it.
#[derive(Debug)]
pub struct upsell_sequence_rules {
    rules: upsell_core::sequence::SequenceRules,
    descriptions: Vec<CString>,
}

/// Fills `*out` with the defaults: windows 7, 30, 60 and 90 days, at least 1 customer, no support
/// or confidence floor, every rule, the library's pool, the default pair budget, no control.
///
/// Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `out` is NULL or points to writable storage for an `upsell_sequence_options`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_sequence_options_default(
    out: *mut upsell_sequence_options,
) -> upsell_status {
    ffi::fallible(std::ptr::null_mut(), || {
        let out = ffi::out(out, "out")?;
        let core = SequenceOptions::default();
        let options = upsell_sequence_options {
            windows: std::ptr::null(),
            windows_len: 0,
            min_customers: core.min_customers,
            min_support: core.min_support,
            min_confidence: core.min_confidence,
            top: 0,
            threads: 0,
            max_pairs: 0,
            control: std::ptr::null(),
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(options) };
        Ok(())
    })
}

/// Reads C options field by field.
///
/// # Safety
///
/// `options` points to a readable `upsell_sequence_options` whose `windows` (unless
/// `windows_len` is 0) and `control` are NULL or live for `'a`.
unsafe fn options_from_c<'a>(
    options: *const upsell_sequence_options,
) -> Outcome<(SequenceOptions, Option<&'a upsell_control>)> {
    // SAFETY: forwarded to the caller; `*options` is a plain struct of numbers and pointers.
    let c = unsafe { options.read() };
    // SAFETY: forwarded to the caller.
    let windows = unsafe { ffi::slice(c.windows, c.windows_len, "options->windows")? };
    let core = SequenceOptions {
        windows: if c.windows_len == 0 {
            DEFAULT_WINDOWS.to_vec()
        } else {
            windows.to_vec()
        },
        min_customers: c.min_customers,
        min_support: c.min_support,
        min_confidence: c.min_confidence,
        top: (c.top != 0).then(|| usize::try_from(c.top).unwrap_or(usize::MAX)),
        threads: (c.threads != 0).then_some(c.threads as usize),
        max_pairs: if c.max_pairs == 0 {
            DEFAULT_MAX_PAIRS
        } else {
            c.max_pairs
        },
    };
    // SAFETY: forwarded to the caller.
    Ok((core, unsafe { c.control.as_ref() }))
}

/// Item labels from C strings, or `None` when the caller gave none.
///
/// # Safety
///
/// Unless `len` is 0, `labels` points to `len` NUL-terminated strings.
unsafe fn labels_from_c(
    labels: *const *const c_char,
    len: usize,
) -> Outcome<Option<ItemDictionary>> {
    if len == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded to the caller.
    let pointers = unsafe { ffi::slice(labels, len, "labels")? };
    let mut texts = Vec::with_capacity(len);
    for (index, &pointer) in pointers.iter().enumerate() {
        let pointer = ffi::not_null(pointer, "labels[i]")?;
        // SAFETY: the caller promises a NUL-terminated string.
        let text = unsafe { CStr::from_ptr(pointer) }.to_str().map_err(|_| {
            Error::invalid_input(
                Location::memory().column(index as u64 + 1),
                format!("label {index} is not UTF-8"),
            )
        })?;
        texts.push(text);
    }
    Ok(Some(ItemDictionary::from_labels(texts)?))
}

/// Time-window affinity of `len` purchases given as parallel arrays: `customers[i]` (negative: no
/// customer; the row is excluded and counted), `items[i]` (an item id) and `seconds[i]` (the time,
/// in seconds since 1970-01-01T00:00:00Z). `labels` names the item ids (`labels_len` of them, each
/// a NUL-terminated UTF-8 string) for the descriptions; with NULL and 0, items are named by their
/// ids. `options` may be NULL for the defaults.
///
/// Definitions: a customer bought A then B within W days when they bought B strictly after their
/// first purchase of A and at most W x 86,400 seconds after it (the same instant does not count);
/// the base rate of B is the share of all customers who bought B within W days after their first
/// purchase of anything; lift = confidence / base rate.
///
/// On success `*out` receives a new handle the caller frees with `upsell_sequence_rules_free`. On
/// failure `*out` is untouched: `UPSELL_STATUS_INVALID_PARAMETER` for a window that is zero,
/// negative or repeated and other bad options (checked before any work),
/// `UPSELL_STATUS_INVALID_INPUT` for an item id without a label, a time outside the years
/// -9999..=9999 (the error names the row) or no customer at all,
/// `UPSELL_STATUS_LIMIT_EXCEEDED` past `max_pairs`, `UPSELL_STATUS_CANCELLED` when
/// `options->control` was cancelled.
///
/// Thread-safety: safe to call from several threads at once; blocks until done, using the
/// library's worker threads.
///
/// # Safety
///
/// Unless `len` is 0, `customers`, `items` and `seconds` point to `len` values each; `labels` is
/// as described; `options` is NULL or readable (its `windows` and `control` as documented);
/// `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_sequential_affinity(
    customers: *const i64,
    items: *const u32,
    seconds: *const i64,
    len: usize,
    labels: *const *const c_char,
    labels_len: usize,
    options: *const upsell_sequence_options,
    out: *mut *mut upsell_sequence_rules,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        let (options, control) = if options.is_null() {
            (SequenceOptions::default(), None)
        } else {
            // SAFETY: not NULL; readable with live pointers, by contract.
            unsafe { options_from_c(options)? }
        };
        options.validate()?;
        // SAFETY: the caller promises `len` values at each pointer.
        let (customers, items, seconds) = unsafe {
            (
                ffi::slice(customers, len, "customers")?,
                ffi::slice(items, len, "items")?,
                ffi::slice(seconds, len, "seconds")?,
            )
        };
        // SAFETY: the caller promises `labels_len` strings.
        let labels = unsafe { labels_from_c(labels, labels_len)? };
        let purchases = Purchases::from_arrays(customers, items, seconds, labels)?;
        let local;
        let control = match control {
            Some(c) => &c.control,
            None => {
                local = Control::new();
                &local
            }
        };
        let rules = sequential_affinity(&purchases, &options, control)?;
        // Descriptions are built once, so the pointers handed out live as long as the handle.
        let descriptions = rules
            .rules()
            .iter()
            .map(|rule| CString::new(rules.describe(rule).replace('\0', " ")).unwrap_or_default())
            .collect();
        let handle = ffi::into_handle(upsell_sequence_rules {
            rules,
            descriptions,
        });
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// The number of rules, or 0 if `rules` is NULL. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `rules` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_sequence_rules_len(rules: *const upsell_sequence_rules) -> usize {
    // SAFETY: the caller passes NULL or a live handle.
    ffi::infallible(|| unsafe { rules.as_ref() }.map_or(0, |r| r.rules.rules().len()))
}

/// All customers (the denominator of support and base rate), or 0 if `rules` is NULL.
/// Thread-safety: safe from any thread.
///
/// # Safety
///
/// `rules` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_sequence_rules_customers(
    rules: *const upsell_sequence_rules,
) -> u64 {
    // SAFETY: the caller passes NULL or a live handle.
    ffi::infallible(|| unsafe { rules.as_ref() }.map_or(0, |r| r.rules.customers()))
}

/// Input rows excluded because their customer id was negative, or 0 if `rules` is NULL.
/// Thread-safety: safe from any thread.
///
/// # Safety
///
/// `rules` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_sequence_rules_excluded_rows(
    rules: *const upsell_sequence_rules,
) -> u64 {
    // SAFETY: the caller passes NULL or a live handle.
    ffi::infallible(|| unsafe { rules.as_ref() }.map_or(0, |r| r.rules.excluded_rows()))
}

/// Rule number `index` (below `upsell_sequence_rules_len`): `*rule` receives its measures and
/// `*description` (if `description` is not NULL) the rule in words, such as
/// "12: 37% of buyers of 4 within 30 days".
///
/// Ownership: `*description` is owned by `rules` and valid until `upsell_sequence_rules_free`; do
/// not free it. An index out of range gives `UPSELL_STATUS_INVALID_PARAMETER`. Thread-safety: safe
/// from any thread.
///
/// # Safety
///
/// `rules` is NULL or a live handle; `rule`, `description` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_sequence_rules_get(
    rules: *const upsell_sequence_rules,
    index: usize,
    rule: *mut upsell_sequence_rule,
    description: *mut *const c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: the caller passes NULL or a live handle.
        let rules = unsafe { ffi::borrow(rules, "rules")? };
        let rule_out = ffi::out(rule, "rule")?;
        let found = rules.rules.rules().get(index).ok_or_else(|| {
            let count = rules.rules.rules().len();
            Error::invalid_parameter(
                "index",
                format!("{index} is not below the number of rules ({count})"),
            )
        })?;
        let c = upsell_sequence_rule {
            antecedent: found.antecedent,
            consequent: found.consequent,
            window_days: found.window_days,
            antecedent_customers: found.antecedent_customers,
            customers: found.customers,
            baseline_customers: found.baseline_customers,
            support: found.support,
            confidence: found.confidence,
            base_rate: found.base_rate,
            lift: found.lift.unwrap_or(f64::NAN),
        };
        // SAFETY: `rule_out` is not NULL and writable; `description` is NULL or writable.
        unsafe {
            rule_out.write(c);
            if !description.is_null() {
                description.write(rules.descriptions[index].as_ptr());
            }
        }
        Ok(())
    })
}

/// Frees `rules`. NULL is accepted and ignored.
///
/// Ownership: takes back ownership; the handle and every description obtained from it must not be
/// used afterwards. Thread-safety: no other thread may use `rules` during or after this call.
///
/// # Safety
///
/// `rules` is NULL or a live handle not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_sequence_rules_free(rules: *mut upsell_sequence_rules) {
    // SAFETY: the caller passes NULL or a live handle it owns.
    ffi::infallible(|| unsafe { ffi::free_box(rules) })
}
