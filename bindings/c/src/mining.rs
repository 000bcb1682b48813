//! Frequent itemset mining for C: an options struct the caller fills (after
//! `upsell_mine_options_default`), one call, and a flat result read by index.
//!
//! The one idea: C numbers are translated into the core's `MiningOptions` field by field (0 means
//! "the core's default" where the core has an `Option`), and the core validates them, so a C
//! caller gets the same checks and messages as Rust and Python.

use std::ffi::c_int;
use std::mem::size_of;
use std::ptr::addr_of;

use upsell_core::data::ItemId;
use upsell_core::mining::{Algorithm, Itemsets, MinSupport, MiningOptions, Target, mine_with};
use upsell_core::{Control, Error};

use crate::control::upsell_control;
use crate::data::upsell_baskets;
use crate::error::upsell_error;
use crate::ffi::{self, Outcome};
use crate::status::upsell_status;

/// Which mining algorithm to run. Every algorithm returns the same itemsets and counts.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum upsell_algorithm {
    /// Chosen from the data's density.
    Auto = 0,
    /// FP-growth on a prefix tree.
    FpGrowth = 1,
    /// Depth-first vertical mining (Eclat).
    Eclat = 2,
    /// Level-wise candidate generation (Apriori).
    Apriori = 3,
}

/// Which itemsets to report.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum upsell_target {
    /// Every frequent itemset.
    All = 0,
    /// Frequent itemsets with no superset of the same count.
    Closed = 1,
    /// Frequent itemsets with no frequent superset.
    Maximal = 2,
}

// C reads and writes these enums as `int`: the Rust side reads them as `int` too, so a number
// outside the enum from C is an error, never undefined behaviour.
const _: [(); size_of::<c_int>()] = [(); size_of::<upsell_algorithm>()];
const _: [(); size_of::<c_int>()] = [(); size_of::<upsell_target>()];

/// What `upsell_mine` mines. Fill it with `upsell_mine_options_default`, then set the support and
/// whatever else differs.
///
/// Ownership: a plain struct owned by the caller (stack or heap); the library never keeps it.
/// Thread-safety: read-only during `upsell_mine`; may be shared by concurrent calls.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_mine_options {
    /// The support threshold as a fraction of all baskets, in (0, 1]; 0 when
    /// `min_support_count` is used. Exactly one of the two is nonzero.
    pub min_support_fraction: f64,
    /// The support threshold as a basket count (at least 1); 0 when `min_support_fraction` is
    /// used. Exactly one of the two is nonzero.
    pub min_support_count: u64,
    /// The algorithm; `UPSELL_ALGORITHM_AUTO` by default.
    pub algorithm: upsell_algorithm,
    /// Which itemsets to report; `UPSELL_TARGET_ALL` by default.
    pub target: upsell_target,
    /// The smallest itemset size reported (at least 1; 1 by default).
    pub min_len: u32,
    /// The largest itemset size reported; 0 for no limit (the default).
    pub max_len: u32,
    /// Worker threads; 1 mines on the calling thread only; 0 for the library's pool (sized by
    /// `UPSELL_MAX_THREADS` or the number of cores), the default. At most 1024; more is
    /// `UPSELL_STATUS_INVALID_PARAMETER`. Results never depend on it.
    pub threads: u32,
    /// Fail with `UPSELL_STATUS_LIMIT_EXCEEDED` when more itemsets would be reported; 0 for the
    /// core's default budget (50 million).
    pub max_itemsets: u64,
    /// Fail with `UPSELL_STATUS_LIMIT_EXCEEDED` when the result would take more bytes than this
    /// (checked before mining against the widest basket, and while mining); 0 for the default,
    /// half the physical memory; `UINT64_MAX` for no limit.
    pub max_memory: u64,
    /// Cancellation and progress for the call, or NULL for none. Borrowed: it must outlive the call.
    pub control: *const upsell_control,
}

/// Frequent itemsets with their counts, in a fixed order (the same for any thread count).
///
/// Ownership: created by `upsell_mine`, owned by the caller, freed with `upsell_itemsets_free`.
/// Thread-safety: immutable; any number of threads may read it at once.
#[derive(Debug)]
pub struct upsell_itemsets {
    itemsets: Itemsets,
}

impl upsell_itemsets {
    pub(crate) fn inner(&self) -> &Itemsets {
        &self.itemsets
    }
}

fn algorithm_to_c(algorithm: Algorithm) -> upsell_algorithm {
    match algorithm {
        Algorithm::FpGrowth => upsell_algorithm::FpGrowth,
        Algorithm::Eclat => upsell_algorithm::Eclat,
        Algorithm::Apriori => upsell_algorithm::Apriori,
        _ => upsell_algorithm::Auto,
    }
}

fn target_to_c(target: Target) -> upsell_target {
    match target {
        Target::Closed => upsell_target::Closed,
        Target::Maximal => upsell_target::Maximal,
        _ => upsell_target::All,
    }
}

fn algorithm_from_c(raw: c_int) -> Outcome<Algorithm> {
    Ok(match raw {
        0 => Algorithm::Auto,
        1 => Algorithm::FpGrowth,
        2 => Algorithm::Eclat,
        3 => Algorithm::Apriori,
        other => {
            return Err(Error::invalid_parameter(
                "algorithm",
                format!("{other} is not an upsell_algorithm"),
            )
            .into());
        }
    })
}

fn target_from_c(raw: c_int) -> Outcome<Target> {
    Ok(match raw {
        0 => Target::All,
        1 => Target::Closed,
        2 => Target::Maximal,
        other => {
            return Err(Error::invalid_parameter(
                "target",
                format!("{other} is not an upsell_target"),
            )
            .into());
        }
    })
}

pub(crate) fn min_support_from_c(fraction: f64, count: u64) -> Outcome<MinSupport> {
    match (fraction != 0.0, count != 0) {
        (true, false) => Ok(MinSupport::fraction(fraction)?),
        (false, true) => Ok(MinSupport::count(count)),
        _ => Err(Error::invalid_parameter(
            "min_support",
            "set exactly one of min_support_fraction and min_support_count to a nonzero value",
        )
        .into()),
    }
}

/// Fills `*out` with the defaults: no support set (the caller must set exactly one of
/// `min_support_fraction` and `min_support_count`), automatic algorithm, all itemsets, lengths
/// from 1 without limit, the library's thread pool, the core's itemset budget, no control.
///
/// Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `out` is NULL or points to writable storage for an `upsell_mine_options`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_mine_options_default(
    out: *mut upsell_mine_options,
) -> upsell_status {
    ffi::fallible(std::ptr::null_mut(), || {
        let out = ffi::out(out, "out")?;
        let core = MiningOptions::new(MinSupport::count(1));
        let options = upsell_mine_options {
            min_support_fraction: 0.0,
            min_support_count: 0,
            algorithm: algorithm_to_c(core.algorithm),
            target: target_to_c(core.target),
            min_len: u32::try_from(core.min_len).unwrap_or(1),
            max_len: core
                .max_len
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
            threads: core
                .threads
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
            max_itemsets: 0,
            max_memory: 0,
            control: std::ptr::null(),
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(options) };
        Ok(())
    })
}

/// Reads C options field by field, enums as `int`, so that any bit pattern is safe.
///
/// # Safety
///
/// `options` points to a readable `upsell_mine_options`; its `control` is NULL or a live handle
/// that outlives `'a`.
unsafe fn options_from_c<'a>(
    options: *const upsell_mine_options,
) -> Outcome<(MiningOptions, Option<&'a upsell_control>)> {
    // SAFETY: forwarded to the caller; every read is of a plain integer, float or pointer.
    let (
        fraction,
        count,
        algorithm,
        target,
        min_len,
        max_len,
        threads,
        max_itemsets,
        max_memory,
        control,
    ) = unsafe {
        (
            addr_of!((*options).min_support_fraction).read(),
            addr_of!((*options).min_support_count).read(),
            addr_of!((*options).algorithm).cast::<c_int>().read(),
            addr_of!((*options).target).cast::<c_int>().read(),
            addr_of!((*options).min_len).read(),
            addr_of!((*options).max_len).read(),
            addr_of!((*options).threads).read(),
            addr_of!((*options).max_itemsets).read(),
            addr_of!((*options).max_memory).read(),
            addr_of!((*options).control).read(),
        )
    };
    let defaults = MiningOptions::new(min_support_from_c(fraction, count)?);
    let mining = MiningOptions {
        algorithm: algorithm_from_c(algorithm)?,
        target: target_from_c(target)?,
        min_len: min_len as usize,
        max_len: (max_len != 0).then_some(max_len as usize),
        threads: (threads != 0).then_some(threads as usize),
        max_itemsets: if max_itemsets == 0 {
            defaults.max_itemsets
        } else {
            Some(max_itemsets)
        },
        max_memory: match max_memory {
            0 => defaults.max_memory,
            u64::MAX => None,
            bytes => Some(bytes),
        },
        ..defaults
    };
    // SAFETY: forwarded to the caller.
    Ok((mining, unsafe { control.as_ref() }))
}

/// Mines the frequent itemsets of `baskets` as `options` says.
///
/// On success `*out` receives a new handle the caller frees with `upsell_itemsets_free`. On
/// failure `*out` is untouched: `UPSELL_STATUS_INVALID_PARAMETER` for bad options (checked before
/// any work), `UPSELL_STATUS_LIMIT_EXCEEDED` past `max_itemsets` or `max_memory`, `UPSELL_STATUS_CANCELLED` when
/// `options->control` was cancelled. If `err` is not NULL, `*err` then receives an error to free
/// with `upsell_error_free`.
///
/// Thread-safety: safe to call from several threads at once, on the same or different baskets;
/// blocks the calling thread until done, using the library's worker threads. Cancel it from
/// another thread through `options->control`.
///
/// # Safety
///
/// `baskets` is NULL or a live handle; `options` is NULL or readable, with `control` NULL or a
/// live handle; `out` and `err` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_mine(
    baskets: *const upsell_baskets,
    options: *const upsell_mine_options,
    out: *mut *mut upsell_itemsets,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: the caller passes NULL or a live handle.
        let baskets = unsafe { ffi::borrow(baskets, "baskets")? };
        // Never a reference: C may have put any number in the enum fields.
        let options = ffi::not_null(options, "options")?;
        let out = ffi::out(out, "out")?;
        // SAFETY: `options` is not NULL and readable; its control is NULL or live, by contract.
        let (mining, control) = unsafe { options_from_c(options)? };
        let local;
        let control = match control {
            Some(c) => &c.control,
            None => {
                local = Control::new();
                &local
            }
        };
        let itemsets = mine_with(&baskets.baskets, &mining, control)?;
        let handle = ffi::into_handle(upsell_itemsets { itemsets });
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// The number of itemsets, or 0 if `itemsets` is NULL. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `itemsets` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_itemsets_len(itemsets: *const upsell_itemsets) -> usize {
    // SAFETY: the caller passes NULL or a live handle.
    ffi::infallible(|| unsafe { itemsets.as_ref() }.map_or(0, |s| s.itemsets.len()))
}

/// The number of baskets the itemsets were mined from (the denominator of support), or 0 if
/// `itemsets` is NULL. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `itemsets` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_itemsets_baskets(itemsets: *const upsell_itemsets) -> u64 {
    // SAFETY: the caller passes NULL or a live handle.
    ffi::infallible(|| unsafe { itemsets.as_ref() }.map_or(0, |s| s.itemsets.baskets()))
}

/// Itemset number `index` (below `upsell_itemsets_len`): `*items` points to its `*len` item ids,
/// sorted ascending, and `*count` is the number of baskets containing it.
///
/// Ownership: `*items` is owned by `itemsets` and valid until `upsell_itemsets_free`; do not free
/// it. An index out of range gives `UPSELL_STATUS_INVALID_PARAMETER`. Thread-safety: safe from any
/// thread.
///
/// # Safety
///
/// `itemsets` is NULL or a live handle; `items`, `len` and `count` are writable (NULL gives
/// `UPSELL_STATUS_NULL_PARAMETER`); `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_itemsets_get(
    itemsets: *const upsell_itemsets,
    index: usize,
    items: *mut *const u32,
    len: *mut usize,
    count: *mut u64,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: the caller passes NULL or a live handle.
        let itemsets = unsafe { ffi::borrow(itemsets, "itemsets")? };
        let items_out = ffi::out(items, "items")?;
        let len_out = ffi::out(len, "len")?;
        let count_out = ffi::out(count, "count")?;
        let (set, support): (&[ItemId], u64) = itemsets.itemsets.get(index).ok_or_else(|| {
            Error::invalid_parameter(
                "index",
                format!(
                    "{index} is not below the number of itemsets ({})",
                    itemsets.itemsets.len()
                ),
            )
        })?;
        // SAFETY: the out-parameters are not NULL and the caller promises they are writable.
        unsafe {
            items_out.write(set.as_ptr());
            len_out.write(set.len());
            count_out.write(support);
        }
        Ok(())
    })
}

/// The top itemsets, most frequent first (ties: fewer items first, then mining order; the order
/// of Python's `frequent_itemsets` frame and the command line's files): writes up to `capacity`
/// itemset indices, for `upsell_itemsets_get`, into `out` and their number into `*written`.
/// `capacity` 0 writes nothing (and `out` may be NULL), as for every array output of the API.
/// Thread-safety: safe from any thread.
///
/// # Safety
///
/// `itemsets` is a live handle; `out` has room for `capacity` indices (NULL when 0); `written`
/// is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_itemsets_top(
    itemsets: *const upsell_itemsets,
    out: *mut usize,
    capacity: usize,
    written: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let itemsets = unsafe { ffi::borrow(itemsets, "itemsets") }?;
        let written = ffi::out(written, "written")?;
        if capacity > 0 {
            ffi::out(out, "out")?;
        }
        let order = itemsets.itemsets.ranked_by_count();
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

/// Frees `itemsets`. NULL is accepted and ignored.
///
/// Ownership: takes back ownership; the handle and every item pointer obtained from it must not
/// be used afterwards. Thread-safety: no other thread may use `itemsets` during or after this call.
///
/// # Safety
///
/// `itemsets` is NULL or a live handle not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_itemsets_free(itemsets: *mut upsell_itemsets) {
    // SAFETY: the caller passes NULL or a live handle it owns.
    ffi::infallible(|| unsafe { ffi::free_box(itemsets) })
}
