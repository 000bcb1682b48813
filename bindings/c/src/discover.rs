//! Subgroup discovery for C: customers from a CSV file and options as JSON in, the discovered
//! subgroups and their rule file (YAML) out, through one handle.
//!
//! The one idea: options cross as the core's JSON document (`DiscoverOptions::from_json`, the
//! Python package's too), so this file only converts; every string read from a discovery is owned
//! by it.

use std::ffi::{CStr, CString, c_char, c_int};

use upsell_core::Error;
use upsell_core::metrics::Correction;
use upsell_core::triggers::{
    AdoptionOptions, DiscoverOptions, Discovery, PlanFeatures, PlantedEffect,
    SubscriptionGenerator, adoption_gaps, discover, read_customers_csv,
};

use crate::batch::upsell_batch;
use crate::error::upsell_error;
use crate::ffi::text;
use crate::ffi::{self, Failure, Outcome};
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

/// The correction of p-values for the number of tests.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum upsell_correction {
    /// Holm's step-down method (the family-wise error rate; the default).
    Holm = 0,
    /// Benjamini-Hochberg (the false discovery rate).
    BenjaminiHochberg = 1,
}

const _: [(); std::mem::size_of::<c_int>()] = [(); std::mem::size_of::<upsell_correction>()];

/// An optional column name: NULL gives `default`.
///
/// # Safety
///
/// `ptr` is NULL or NUL-terminated.
unsafe fn column_or(ptr: *const c_char, name: &'static str, default: &str) -> Outcome<String> {
    if ptr.is_null() {
        Ok(default.to_owned())
    } else {
        // SAFETY: forwarded to the caller; not NULL.
        unsafe { text(ptr, name) }.map(str::to_owned)
    }
}

/// Adoption gaps, as Python's `upsell.triggers.adoption_gaps`: per plan, the included features
/// its customers do not use (usage below `min_usage`, at least 1), how common each gap is and
/// how it goes with the 0/1 outcome (churn), against the plan's other customers, with Fisher
/// p-values corrected by `correction` (an `upsell_correction` as `int`) at level `alpha`.
///
/// The customers are the columns of `batch` (`upsell_batch_add_*`): a plan column
/// (`plan_column`, NULL for "plan"), the outcome (`outcome`, NULL for "churned"), one usage count
/// column per feature (a missing value counts as no usage), and `customer_column` (NULL: customers
/// are named by their 1-based row). The plans are `plans_len` names `plans`; plan `p` includes
/// the feature columns `features[feature_offsets[p] .. feature_offsets[p + 1]]`
/// (`feature_offsets` has `plans_len + 1` entries, first 0). Every plan customers are on must be
/// listed; a customer on another, or a feature column missing or not a number, gives
/// `UPSELL_STATUS_INVALID_INPUT` naming it.
///
/// On success `*out_json` receives a new JSON string `{"customers": N, "positives": N, "gaps":
/// [...], "customer_gaps": [...]}` (each gap with Python's columns and its rule `condition`; a
/// rate with no customer is `null`), freed with `upsell_string_free`. Ownership: `batch` is
/// borrowed for the call. Thread-safety: safe to call concurrently on a filled batch.
///
/// # Safety
///
/// `batch` is a live batch; `plans` points to `plans_len` NUL-terminated strings,
/// `feature_offsets` to `plans_len + 1` offsets and `features` to as many NUL-terminated strings as
/// the last offset (NULL when 0); the column names are NULL or NUL-terminated; `out_json` is
/// writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_adoption_gaps_json(
    batch: *const upsell_batch,
    plans: *const *const c_char,
    plans_len: usize,
    features: *const *const c_char,
    feature_offsets: *const usize,
    plan_column: *const c_char,
    outcome: *const c_char,
    customer_column: *const c_char,
    min_usage: i64,
    alpha: f64,
    correction: c_int,
    out_json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let batch = unsafe { ffi::borrow(batch, "batch") }?;
        let out = ffi::out(out_json, "out_json")?;
        // SAFETY: forwarded to the caller.
        let names = unsafe { ffi::slice(plans, plans_len, "plans") }?;
        // SAFETY: forwarded to the caller: `plans_len + 1` offsets.
        let offsets = unsafe { ffi::slice(feature_offsets, plans_len + 1, "feature_offsets") }?;
        let total = offsets.last().copied().unwrap_or(0);
        if offsets.first() != Some(&0) || offsets.windows(2).any(|w| w[0] > w[1]) {
            return Err(Error::invalid_parameter(
                "feature_offsets",
                "must start at 0 and never decrease",
            )
            .into());
        }
        // SAFETY: forwarded to the caller: as many strings as the last offset.
        let features = unsafe { ffi::slice(features, total, "features") }?;
        let mut described = Vec::with_capacity(plans_len);
        for (p, &name) in names.iter().enumerate() {
            // SAFETY: forwarded to the caller.
            let name = unsafe { text(name, "plans") }?;
            let included = features[offsets[p]..offsets[p + 1]]
                .iter()
                // SAFETY: forwarded to the caller.
                .map(|&f| unsafe { text(f, "features") })
                .collect::<Outcome<Vec<&str>>>()?;
            described.push(PlanFeatures::new(name, included));
        }
        let correction = match correction {
            0 => Correction::Holm,
            1 => Correction::BenjaminiHochberg,
            other => {
                return Err(Error::invalid_parameter(
                    "correction",
                    format!("{other} is not an upsell_correction"),
                )
                .into());
            }
        };
        let defaults = AdoptionOptions::new(described);
        let options = AdoptionOptions {
            // SAFETY: forwarded to the caller (each NULL or NUL-terminated).
            plan_column: unsafe { column_or(plan_column, "plan_column", &defaults.plan_column) }?,
            // SAFETY: as above.
            outcome: unsafe { column_or(outcome, "outcome", &defaults.outcome) }?,
            customer_column: if customer_column.is_null() {
                None
            } else {
                // SAFETY: as above; not NULL.
                Some(unsafe { text(customer_column, "customer_column") }?.to_owned())
            },
            min_usage,
            alpha,
            correction,
            ..defaults
        };
        let found = adoption_gaps(&batch.table()?, &options)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json(out, &found) }
    })
}

/// A planted effect of `upsell_synthetic_subscriptions`: customers (of `plan`, or every plan
/// when NULL) with `column` `op` `threshold` get the outcome at `lift` times its base rate.
///
/// Ownership: a plain struct owned by the caller; its strings are read during the call only.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_planted_effect {
    /// `"upgraded"` or `"churned"`.
    pub outcome: *const c_char,
    /// Only customers of this plan, or NULL for all.
    pub plan: *const c_char,
    /// A numeric column: `"seats"`, `"tenure_months"` or `"usage.feature_<k>"`.
    pub column: *const c_char,
    /// `">="` or `"<"`.
    pub op: *const c_char,
    /// The threshold.
    pub threshold: i64,
    /// The factor on the base rate.
    pub lift: f64,
}

/// A synthetic subscription customer table with planted effects, as Python's
/// `upsell.triggers.synthetic_subscriptions` (the core's generator; the same seed gives the same
/// table): `customers` rows with columns `id`, `plan` (the `plans_len` names `plans`, lowest and
/// most common first; NULL and 0 for starter, team, pro), `seats`, `tenure_months`,
/// `usage.feature_1` ... `usage.feature_<features>` (monthly counts around `mean_usage`),
/// `upgraded` and `churned` (0/1 at `upgrade_rate` and `churn_rate` times the lift of each of the
/// `effects_len` `effects` a customer meets). Python's defaults: 5 features, 10.0, 0.05, 0.03.
///
/// On success `*out` receives a new batch (for `upsell_ruleset_evaluate_batch` and
/// `upsell_adoption_gaps_json`), freed with `upsell_batch_free`. Bad parameters give
/// `UPSELL_STATUS_INVALID_PARAMETER` naming them. Thread-safety: safe to call concurrently.
///
/// # Safety
///
/// `plans` points to `plans_len` NUL-terminated strings and `effects` to `effects_len` effects
/// (each NULL when its length is 0); `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_synthetic_subscriptions(
    customers: usize,
    plans: *const *const c_char,
    plans_len: usize,
    features: usize,
    mean_usage: f64,
    upgrade_rate: f64,
    churn_rate: f64,
    effects: *const upsell_planted_effect,
    effects_len: usize,
    seed: u64,
    out: *mut *mut upsell_batch,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        let defaults = SubscriptionGenerator::default();
        // SAFETY: forwarded to the caller.
        let names = unsafe { ffi::slice(plans, plans_len, "plans") }?;
        let plans = if names.is_empty() {
            defaults.plans.clone()
        } else {
            names
                .iter()
                // SAFETY: forwarded to the caller.
                .map(|&name| unsafe { text(name, "plans") }.map(str::to_owned))
                .collect::<Outcome<Vec<String>>>()?
        };
        // SAFETY: forwarded to the caller.
        let given = unsafe { ffi::slice(effects, effects_len, "effects") }?;
        let mut planted = Vec::with_capacity(given.len());
        for effect in given {
            // SAFETY: forwarded to the caller: each string NULL or NUL-terminated.
            let (outcome, column, op) = unsafe {
                (
                    text(effect.outcome, "effects")?,
                    text(effect.column, "effects")?,
                    text(effect.op, "effects")?,
                )
            };
            let mut planted_effect =
                PlantedEffect::new(outcome, column, op.parse()?, effect.threshold, effect.lift);
            if !effect.plan.is_null() {
                // SAFETY: forwarded to the caller; not NULL.
                planted_effect = planted_effect.plan(unsafe { text(effect.plan, "effects") }?);
            }
            planted.push(planted_effect);
        }
        let generator = SubscriptionGenerator {
            customers,
            plans,
            features,
            mean_usage,
            upgrade_rate,
            churn_rate,
            effects: planted,
            seed,
        };
        let table = generator.generate()?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(ffi::into_handle(upsell_batch::from_table(&table))) };
        Ok(())
    })
}
