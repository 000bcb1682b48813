//! Association rules and pairwise affinity for C: rules generated from mined itemsets with every
//! measure of the core, ranked by any of them; actionable item pairs from the affinity matrix.
//!
//! The one idea: rules stay in the core's flat `Rules` and C reads them by index, borrowing the
//! item arrays, so a million rules cross without a copy; measures are computed by the core.

use std::ffi::c_int;

use upsell_core::data::ItemId;
use upsell_core::rules::{Affinity, Measure, Pair, RuleOptions, Rules, affinity, generate_with};
use upsell_core::{Control, Error};

use crate::control::upsell_control;
use crate::data::upsell_baskets;
use crate::error::upsell_error;
use crate::ffi::{self, Outcome};
use crate::mining::upsell_itemsets;
use crate::status::upsell_status;

/// A measure of a rule A -> C, with s() the share of baskets holding a set.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum upsell_measure {
    /// s(A).
    AntecedentSupport = 0,
    /// s(C).
    ConsequentSupport = 1,
    /// s(A and C).
    Support = 2,
    /// s(A and C) / s(A).
    Confidence = 3,
    /// confidence / s(C).
    Lift = 4,
    /// s(A and C) - s(A) s(C).
    Leverage = 5,
    /// (1 - s(C)) / (1 - confidence); infinite at confidence 1.
    Conviction = 6,
    /// Zhang's metric, in [-1, 1].
    Zhang = 7,
    /// s(A and C) / (s(A) + s(C) - s(A and C)).
    Jaccard = 8,
    /// (confidence - s(C)) / (1 - s(C)).
    Certainty = 9,
    /// (confidence(A -> C) + confidence(C -> A)) / 2.
    Kulczynski = 10,
    /// The share of baskets on which the rule could be evaluated (1 without missing values).
    Representativity = 11,
}

fn measure_from_c(raw: c_int) -> Outcome<Measure> {
    Ok(match raw {
        0 => Measure::AntecedentSupport,
        1 => Measure::ConsequentSupport,
        2 => Measure::Support,
        3 => Measure::Confidence,
        4 => Measure::Lift,
        5 => Measure::Leverage,
        6 => Measure::Conviction,
        7 => Measure::Zhang,
        8 => Measure::Jaccard,
        9 => Measure::Certainty,
        10 => Measure::Kulczynski,
        11 => Measure::Representativity,
        other => {
            return Err(Error::invalid_parameter(
                "measure",
                format!("{other} is not an upsell_measure"),
            )
            .into());
        }
    })
}

/// What `upsell_rules_generate` keeps. Fill it with `upsell_rule_options_default`, then change
/// what differs.
///
/// Ownership: a plain struct owned by the caller; the arrays and `control` are borrowed for the
/// call only. Thread-safety: read-only during the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_rule_options {
    /// The least confidence, in [0, 1] (0.8 by default).
    pub min_confidence: f64,
    /// The least lift; 0 for none (the default).
    pub min_lift: f64,
    /// The most items in an antecedent; 0 for no limit (the default).
    pub max_antecedent_len: u32,
    /// The most items in a consequent; 0 for no limit (the default; 1 gives the classic
    /// single-item consequents).
    pub max_consequent_len: u32,
    /// Only rules whose consequent items all come from these `consequent_items_len` ids; NULL for
    /// any item (the default).
    pub consequent_items: *const u32,
    /// The number of ids at `consequent_items`.
    pub consequent_items_len: usize,
    /// No rule mentions any of these `exclude_items_len` ids (NULL: none, the default).
    pub exclude_items: *const u32,
    /// The number of ids at `exclude_items`.
    pub exclude_items_len: usize,
    /// Nonzero drops a rule when a rule with a smaller antecedent and the same consequent is at
    /// least as confident (0 by default).
    pub prune_redundant: c_int,
    /// Fail with `UPSELL_STATUS_LIMIT_EXCEEDED` beyond this many rules; 0 for the core's default.
    pub max_rules: u64,
    /// Worker threads; 0 for the library's pool (default), 1 for the calling thread only.
    pub threads: u32,
    /// Cancellation and progress, or NULL. Borrowed for the call.
    pub control: *const upsell_control,
}

/// Association rules with their counts, in generation order (the same for any thread count).
///
/// Ownership: created by `upsell_rules_generate`, freed with `upsell_rules_free`.
/// Thread-safety: immutable; any number of threads may read it at once.
#[derive(Debug)]
pub struct upsell_rules {
    rules: Rules,
}

impl upsell_rules {
    pub(crate) fn inner(&self) -> &Rules {
        &self.rules
    }
}

/// One rule, as `upsell_rules_get` writes it: the item arrays are borrowed from the rules and
/// valid until `upsell_rules_free`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_rule {
    /// The antecedent's item ids, ascending.
    pub antecedent: *const u32,
    /// The number of antecedent items.
    pub antecedent_len: usize,
    /// The consequent's item ids, ascending.
    pub consequent: *const u32,
    /// The number of consequent items.
    pub consequent_len: usize,
    /// Baskets holding antecedent and consequent.
    pub count: u64,
    /// Baskets holding the antecedent.
    pub antecedent_count: u64,
    /// Baskets holding the consequent.
    pub consequent_count: u64,
}

/// Fills `*out` with the defaults (those of every surface): confidence at least 0.8, no lift
/// floor, no length limits, no item lists, no pruning, the core's rule budget, the library's
/// pool, no control. Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_rule_options_default(
    out: *mut upsell_rule_options,
) -> upsell_status {
    ffi::fallible(std::ptr::null_mut(), || {
        let out = ffi::out(out, "out")?;
        let core = RuleOptions::default();
        let options = upsell_rule_options {
            min_confidence: core.min_confidence,
            min_lift: 0.0,
            max_antecedent_len: 0,
            max_consequent_len: 0,
            consequent_items: std::ptr::null(),
            consequent_items_len: 0,
            exclude_items: std::ptr::null(),
            exclude_items_len: 0,
            prune_redundant: c_int::from(core.prune_redundant),
            max_rules: 0,
            threads: 0,
            control: std::ptr::null(),
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(options) };
        Ok(())
    })
}

/// Generates the association rules of `itemsets` (all frequent itemsets, or the closed ones)
/// under `options`. Every parameter is checked before work starts
/// (`UPSELL_STATUS_INVALID_PARAMETER` naming it); a cancelled control gives
/// `UPSELL_STATUS_CANCELLED`.
///
/// On success `*out` receives a new handle, freed with `upsell_rules_free`.
/// Thread-safety: safe to call concurrently; `itemsets` may be shared.
///
/// # Safety
///
/// `itemsets` is a live handle; `options` points to a readable struct whose arrays are readable
/// for their lengths; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_rules_generate(
    itemsets: *const upsell_itemsets,
    options: *const upsell_rule_options,
    out: *mut *mut upsell_rules,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let itemsets = unsafe { ffi::borrow(itemsets, "itemsets") }?;
        // SAFETY: forwarded to the caller.
        let o = unsafe { ffi::borrow(options, "options") }?;
        let out = ffi::out(out, "out")?;
        let positive = |n: u32| (n != 0).then_some(n as usize);
        let consequent_items = if o.consequent_items.is_null() {
            None
        } else {
            // SAFETY: forwarded to the caller.
            let ids: &[ItemId] = unsafe {
                ffi::slice(
                    o.consequent_items,
                    o.consequent_items_len,
                    "consequent_items",
                )
            }?;
            Some(ids.to_vec())
        };
        // SAFETY: forwarded to the caller.
        let exclude: &[ItemId] =
            unsafe { ffi::slice(o.exclude_items, o.exclude_items_len, "exclude_items") }?;
        let defaults = RuleOptions::default();
        let core = RuleOptions {
            min_confidence: o.min_confidence,
            min_lift: (o.min_lift != 0.0).then_some(o.min_lift),
            max_antecedent_len: positive(o.max_antecedent_len),
            max_consequent_len: positive(o.max_consequent_len),
            consequent_items,
            exclude_items: exclude.to_vec(),
            prune_redundant: o.prune_redundant != 0,
            max_rules: if o.max_rules == 0 {
                defaults.max_rules
            } else {
                Some(o.max_rules)
            },
            threads: positive(o.threads),
        };
        let fallback = Control::default();
        // SAFETY: forwarded to the caller: NULL or a live control.
        let control = unsafe { o.control.as_ref() }.map_or(&fallback, |c| &c.control);
        let rules = generate_with(itemsets.inner(), &core, control)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(ffi::into_handle(upsell_rules { rules })) };
        Ok(())
    })
}

/// The number of rules; 0 for NULL. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `rules` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_rules_len(rules: *const upsell_rules) -> usize {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { rules.as_ref() }.map_or(0, |r| r.rules.len()))
}

/// The number of baskets the counts refer to; 0 for NULL. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `rules` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_rules_baskets(rules: *const upsell_rules) -> u64 {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { rules.as_ref() }.map_or(0, |r| r.rules.baskets()))
}

fn rule_index(rules: &Rules, index: usize) -> Outcome<upsell_core::rules::Rule<'_>> {
    rules.get(index).ok_or_else(|| {
        Error::invalid_parameter(
            "index",
            format!("{index} is not below the number of rules ({})", rules.len()),
        )
        .into()
    })
}

/// Rule `index` (below `upsell_rules_len`) into `*out`; an index out of range gives
/// `UPSELL_STATUS_INVALID_PARAMETER`. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `rules` is a live handle; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_rules_get(
    rules: *const upsell_rules,
    index: usize,
    out: *mut upsell_rule,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let rules = unsafe { ffi::borrow(rules, "rules") }?;
        let out = ffi::out(out, "out")?;
        let rule = rule_index(&rules.rules, index)?;
        let entry = upsell_rule {
            antecedent: rule.antecedent().as_ptr(),
            antecedent_len: rule.antecedent().len(),
            consequent: rule.consequent().as_ptr(),
            consequent_len: rule.consequent().len(),
            count: rule.count(),
            antecedent_count: rule.antecedent_count(),
            consequent_count: rule.consequent_count(),
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(entry) };
        Ok(())
    })
}

/// `measure` (an `upsell_measure` as `int`) of rule `index` into `*out`. Thread-safety: safe from
/// any thread.
///
/// # Safety
///
/// `rules` is a live handle; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_rules_measure(
    rules: *const upsell_rules,
    index: usize,
    measure: c_int,
    out: *mut f64,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let rules = unsafe { ffi::borrow(rules, "rules") }?;
        let out = ffi::out(out, "out")?;
        let measure = measure_from_c(measure)?;
        let value = rule_index(&rules.rules, index)?.measure(measure);
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(value) };
        Ok(())
    })
}

/// The top rules by `measure` (an `upsell_measure`), highest first, ties by count then by items:
/// writes up to `capacity` rule indices into `out` and their number into `*written`. `capacity`
/// 0 writes nothing (and `out` may be NULL), as for every array output of the API.
/// Thread-safety: safe from any thread.
///
/// # Safety
///
/// `rules` is a live handle; `out` has room for `capacity` indices (NULL when 0); `written` is
/// writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_rules_top(
    rules: *const upsell_rules,
    measure: c_int,
    out: *mut usize,
    capacity: usize,
    written: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let rules = unsafe { ffi::borrow(rules, "rules") }?;
        let written = ffi::out(written, "written")?;
        if capacity > 0 {
            ffi::out(out, "out")?;
        }
        let measure = measure_from_c(measure)?;
        let order = rules.rules.ranked_by(measure);
        let count = order.len().min(capacity);
        for (slot, &index) in order.iter().take(count).enumerate() {
            // SAFETY: `slot < capacity` and the caller promises room for `capacity` indices.
            unsafe { out.add(slot).write(index) };
        }
        // SAFETY: `written` is not NULL and the caller promises it is writable.
        unsafe { written.write(count) };
        Ok(())
    })
}

/// Frees rules; NULL is ignored. Every item pointer read from them becomes invalid.
///
/// # Safety
///
/// `rules` is NULL or a live handle not yet freed, used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_rules_free(rules: *mut upsell_rules) {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { ffi::free_box(rules) })
}

/// The affinity matrices of the most frequent items (Python's `affinity_matrix`): per pair of
/// items, the baskets holding both, the confidence and the lift.
///
/// Ownership: created by `upsell_affinity_matrix`, freed with `upsell_affinity_free`.
/// Thread-safety: immutable; any number of threads may read it at once.
#[derive(Debug)]
pub struct upsell_affinity {
    inner: Affinity,
}

/// Computes the item x item affinity of the `top` most frequent items of `baskets` (all items
/// when fewer; `top` from 1 to 20000), as Python's `affinity_matrix`: rows and columns are the
/// items most frequent first (`upsell_affinity_item`), cells the co-occurrence count, confidence
/// and lift (`upsell_affinity_get`). `threads` 0 uses the library's pool.
///
/// On success `*out` receives a new handle, freed with `upsell_affinity_free`. A `top` out of
/// range gives `UPSELL_STATUS_INVALID_PARAMETER`. Thread-safety: safe to call concurrently.
///
/// # Safety
///
/// `baskets` is a live handle; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_affinity_matrix(
    baskets: *const upsell_baskets,
    top: usize,
    threads: u32,
    out: *mut *mut upsell_affinity,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let baskets = unsafe { ffi::borrow(baskets, "baskets") }?;
        let out = ffi::out(out, "out")?;
        let threads = (threads != 0).then_some(threads as usize);
        let inner = affinity(&baskets.baskets, top, threads)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(ffi::into_handle(upsell_affinity { inner })) };
        Ok(())
    })
}

/// The number of items of the matrix (its rows and columns); 0 for NULL.
///
/// # Safety
///
/// `matrix` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_affinity_len(matrix: *const upsell_affinity) -> usize {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { matrix.as_ref() }.map_or(0, |m| m.inner.items.len()))
}

/// The number of baskets the matrix was computed from; 0 for NULL.
///
/// # Safety
///
/// `matrix` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_affinity_baskets(matrix: *const upsell_affinity) -> u64 {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { matrix.as_ref() }.map_or(0, |m| m.inner.baskets))
}

/// Row (and column) `index` of the matrix: its item id into `*id` (the baskets' id;
/// `upsell_baskets_item_label` gives its label) and the baskets holding it into `*count`. An
/// index out of range gives `UPSELL_STATUS_INVALID_PARAMETER`. Thread-safety: safe from any
/// thread.
///
/// # Safety
///
/// `matrix` is a live handle; `id` and `count` are writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_affinity_item(
    matrix: *const upsell_affinity,
    index: usize,
    id: *mut u32,
    count: *mut u64,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let matrix = &unsafe { ffi::borrow(matrix, "matrix") }?.inner;
        let id = ffi::out(id, "id")?;
        let count = ffi::out(count, "count")?;
        let index = affinity_index(matrix, index, "index")?;
        // SAFETY: both are not NULL and the caller promises they are writable.
        unsafe {
            id.write(matrix.items[index]);
            count.write(matrix.item_counts[index]);
        }
        Ok(())
    })
}

/// Cell (`row`, `column`) of the matrix: the baskets holding both items into `*count` (on the
/// diagonal, the item's own count), `count / count(row item)` into `*confidence` (how often the
/// column item joins a basket with the row item) and the confidence over the column item's
/// support into `*lift`. An index out of range gives `UPSELL_STATUS_INVALID_PARAMETER`.
/// Thread-safety: safe from any thread.
///
/// # Safety
///
/// `matrix` is a live handle; `count`, `confidence` and `lift` are writable; `err` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_affinity_get(
    matrix: *const upsell_affinity,
    row: usize,
    column: usize,
    count: *mut u64,
    confidence: *mut f64,
    lift: *mut f64,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let matrix = &unsafe { ffi::borrow(matrix, "matrix") }?.inner;
        let count = ffi::out(count, "count")?;
        let confidence = ffi::out(confidence, "confidence")?;
        let lift = ffi::out(lift, "lift")?;
        let cell = (
            affinity_index(matrix, row, "row")?,
            affinity_index(matrix, column, "column")?,
        );
        // SAFETY: all three are not NULL and the caller promises they are writable.
        unsafe {
            count.write(matrix.counts[cell]);
            confidence.write(matrix.confidence[cell]);
            lift.write(matrix.lift[cell]);
        }
        Ok(())
    })
}

fn affinity_index(matrix: &Affinity, index: usize, name: &'static str) -> Outcome<usize> {
    if index < matrix.items.len() {
        Ok(index)
    } else {
        Err(Error::invalid_parameter(
            name,
            format!(
                "{index} is not below the number of items ({})",
                matrix.items.len()
            ),
        )
        .into())
    }
}

/// Frees an affinity matrix; NULL is ignored.
///
/// # Safety
///
/// `matrix` is NULL or a live handle not yet freed, used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_affinity_free(matrix: *mut upsell_affinity) {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { ffi::free_box(matrix) })
}

/// An actionable pair of items, from `upsell_affinity_pairs`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_pair {
    /// The more frequent item of the two (of two as frequent, the smaller id).
    pub a: u32,
    /// The other item.
    pub b: u32,
    /// Baskets holding both.
    pub count: u64,
    /// `count` over all baskets.
    pub support: f64,
    /// P(b | a).
    pub confidence_ab: f64,
    /// P(a | b).
    pub confidence_ba: f64,
    /// Support over the product of the items' supports.
    pub lift: f64,
}

impl From<&Pair> for upsell_pair {
    fn from(p: &Pair) -> Self {
        upsell_pair {
            a: p.a,
            b: p.b,
            count: p.count,
            support: p.support,
            confidence_ab: p.confidence_ab,
            confidence_ba: p.confidence_ba,
            lift: p.lift,
        }
    }
}

/// The actionable pairs among the `top` most frequent items of `baskets` (the affinity matrix's
/// rows): pairs with support at least `min_support` (a fraction in [0, 1]) and lift at least
/// `min_lift`, in the core's order (as Python's `Affinity.pairs`). `threads` 0 uses the library's
/// pool.
///
/// On success `*out` receives a new array of `*len` pairs (NULL when there are none), freed with
/// `upsell_pairs_free(*out, *len)`. Thread-safety: safe to call concurrently.
///
/// # Safety
///
/// `baskets` is a live handle; `out` and `len` are writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_affinity_pairs(
    baskets: *const upsell_baskets,
    top: usize,
    threads: u32,
    min_support: f64,
    min_lift: f64,
    out: *mut *mut upsell_pair,
    len: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let baskets = unsafe { ffi::borrow(baskets, "baskets") }?;
        let out = ffi::out(out, "out")?;
        let len = ffi::out(len, "len")?;
        let threads = (threads != 0).then_some(threads as usize);
        let pairs =
            affinity(&baskets.baskets, top, threads)?.actionable_pairs(min_support, min_lift)?;
        let pairs: Box<[upsell_pair]> = pairs.iter().map(upsell_pair::from).collect();
        let count = pairs.len();
        let array = if count == 0 {
            std::ptr::null_mut()
        } else {
            Box::into_raw(pairs).cast::<upsell_pair>()
        };
        // SAFETY: both are not NULL and the caller promises they are writable.
        unsafe {
            out.write(array);
            len.write(count);
        }
        Ok(())
    })
}

/// Frees an array from `upsell_affinity_pairs`; `len` must be the length it gave. NULL is
/// ignored.
///
/// # Safety
///
/// `pairs` is NULL or an array from `upsell_affinity_pairs` of `len` pairs, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_pairs_free(pairs: *mut upsell_pair, len: usize) {
    ffi::infallible(|| {
        if !pairs.is_null() {
            // SAFETY: the caller passes an array made by `Box::into_raw` of `len` pairs.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(pairs, len)) });
        }
    })
}
