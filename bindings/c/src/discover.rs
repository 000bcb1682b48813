//! Subgroup discovery for C: customers from a CSV file and options as JSON in, the discovered
//! subgroups and their rule file (YAML) out, through one handle.
//!
//! The one idea: options cross as the core's JSON document (`DiscoverOptions::from_json`, the
//! Python package's too), so this file only converts; every string read from a discovery is owned
//! by it.

use std::ffi::{CStr, CString, c_char};

use upsell_core::triggers::{DiscoverOptions, Discovery, discover, read_customers_csv};

use crate::error::upsell_error;
use crate::ffi::{self, Failure};
use crate::status::upsell_status;

/// Subgroups discovered from customers (see `upsell_discovery_from_csv`).
///
/// Ownership: created by `upsell_discovery_from_csv`, freed with `upsell_discovery_free`; every
/// string read from it is owned by it and valid until then.
/// Thread-safety: immutable; any number of threads may read it at once.
#[derive(Debug)]
pub struct upsell_discovery {
    inner: Discovery,
    rules_yaml: CString,
    expressions: Vec<CString>,
}

/// One subgroup's statistics (see docs/triggers.md for the method).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_subgroup {
    /// The subgroup as a rule condition (`plan == "starter" && usage >= 20`), owned by the
    /// discovery.
    pub expression: *const c_char,
    /// Customers in the subgroup.
    pub size: u64,
    /// Of them, customers with the outcome.
    pub positives: u64,
    /// `positives / size`.
    pub rate: f64,
    /// The 95 % Wilson interval of the rate.
    pub rate_low: f64,
    /// The 95 % Wilson interval of the rate.
    pub rate_high: f64,
    /// `rate / base rate`.
    pub lift: f64,
    /// The rate's interval divided by the base rate.
    pub lift_low: f64,
    /// The rate's interval divided by the base rate.
    pub lift_high: f64,
    /// The one-sided Fisher exact p-value against the other customers.
    pub p_value: f64,
    /// The p-value corrected for every subgroup tested.
    pub p_adjusted: f64,
}

fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}

/// Discovers the subgroups of the customers in the CSV file `path` (one row a customer, a header
/// of column names, types inferred) whose 0/1 outcome rate is highest. `options_json` is a JSON
/// object: `outcome` (required), `min_size` (a count `50` or a fraction `0.01`), `max_conditions`,
/// `alpha`, `correction` (`"holm"` or `"bh"`), `ignore` (columns not used, such as the customer
/// id), `keep_all`, `top`, `offer_kind`, `target`, `prices` (`{"pro": "49.00"}`) with
/// `target_plan`, `plan_column` and `currency`, `threads`.
///
/// Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `path` and `options_json` are NUL-terminated strings; `out` points to writable storage for a
/// pointer; `err` is NULL or points to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_discovery_from_csv(
    path: *const c_char,
    options_json: *const c_char,
    out: *mut *mut upsell_discovery,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let path = unsafe { ffi::path(path, "path") }?;
        let options = ffi::not_null(options_json, "options_json")?;
        // SAFETY: forwarded to the caller; not NULL.
        let options = unsafe { CStr::from_ptr(options) }.to_str().map_err(|_| {
            Failure::Core(upsell_core::Error::invalid_parameter(
                "options_json",
                "the text is not UTF-8",
            ))
        })?;
        let options = DiscoverOptions::from_json(options)?;
        let customers = read_customers_csv(&path, None)?;
        let found = discover(&customers, &options)?;
        let handle = upsell_discovery {
            rules_yaml: c_string(&found.rules_yaml),
            expressions: found
                .subgroups
                .iter()
                .map(|s| c_string(&s.expression()))
                .collect(),
            inner: found,
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(ffi::into_handle(handle)) };
        Ok(())
    })
}

/// Frees a discovery; NULL is ignored.
///
/// # Safety
///
/// `discovery` is NULL or a pointer returned by `upsell_discovery_from_csv` and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_discovery_free(discovery: *mut upsell_discovery) {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { ffi::free_box(discovery) })
}

/// The number of subgroups reported (0 if NULL).
///
/// # Safety
///
/// `discovery` is NULL or a live discovery.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_discovery_count(discovery: *const upsell_discovery) -> usize {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { discovery.as_ref() }.map_or(0, |d| d.inner.subgroups.len()))
}

/// The rule file (YAML) of the significant, non-redundant subgroups, owned by the discovery (NULL
/// if `discovery` is NULL). Load it with `upsell_ruleset_from_str`.
///
/// # Safety
///
/// `discovery` is NULL or a live discovery.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_discovery_rules_yaml(
    discovery: *const upsell_discovery,
) -> *const c_char {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| {
        unsafe { discovery.as_ref() }.map_or(std::ptr::null(), |d| d.rules_yaml.as_ptr())
    })
}

/// Subgroup `index` (0 is the most significant) into `*out`.
///
/// # Safety
///
/// `discovery` is a live discovery; `out` points to a writable `upsell_subgroup`; `err` is NULL or
/// points to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_discovery_subgroup(
    discovery: *const upsell_discovery,
    index: usize,
    out: *mut upsell_subgroup,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let discovery = unsafe { ffi::borrow(discovery, "discovery") }?;
        let count = discovery.inner.subgroups.len();
        let (Some(s), Some(expression)) = (
            discovery.inner.subgroups.get(index),
            discovery.expressions.get(index),
        ) else {
            return Err(upsell_core::Error::invalid_parameter(
                "index",
                format!("{index} is out of range ({count} subgroups)"),
            )
            .into());
        };
        let subgroup = upsell_subgroup {
            expression: expression.as_ptr(),
            size: s.size,
            positives: s.positives,
            rate: s.rate,
            rate_low: s.rate_low,
            rate_high: s.rate_high,
            lift: s.lift,
            lift_low: s.lift_low,
            lift_high: s.lift_high,
            p_value: s.p_value,
            p_adjusted: s.p_adjusted,
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(subgroup) };
        Ok(())
    })
}
