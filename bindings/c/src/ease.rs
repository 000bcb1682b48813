//! The EASE recommender and offline evaluation for C: fit from baskets, save and load, query into
//! caller-owned arrays; `evaluate` compares rules, popularity and EASE on a held-out split.
//!
//! The one idea, as for the rule recommender: a query allocates nothing in steady state (one
//! scratch buffer per thread), and every number of the model and the evaluation is the core's.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char, c_int};

use upsell_core::recommend::{
    Ease, EaseOptions, EaseRecommendation, EaseScratch, EvaluationOptions, RecommendOptions, Split,
    SplitBy, evaluate,
};
use upsell_core::time::parse_timestamp_parameter;
use upsell_core::{Control, Error};

use crate::control::upsell_control;
use crate::data::upsell_baskets;
use crate::error::upsell_error;
use crate::ffi;
use crate::mining::min_support_from_c;
use crate::status::upsell_status;

/// An EASE model (a linear item-to-item model with a closed-form fit), with item labels.
///
/// Ownership: created by `upsell_ease_fit` or `upsell_ease_load`, freed with `upsell_ease_free`.
/// Thread-safety: immutable; any number of threads may query it at once.
#[derive(Debug)]
pub struct upsell_ease {
    pub(crate) inner: Ease,
    labels: Vec<CString>,
}

/// How `upsell_ease_fit` fits. Fill it with `upsell_ease_options_default`.
///
/// Ownership: a plain struct owned by the caller; `control` is borrowed for the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_ease_options {
    /// The L2 regularisation, above 0 (100 by default).
    pub lambda: f64,
    /// Items bought in fewer baskets are left out of the model (1 by default).
    pub min_count: u64,
    /// At most this many of the most frequent items are modelled (8000 by default; memory and
    /// time grow with its square and cube).
    pub max_items: usize,
    /// Worker threads; 0 for the library's pool (default).
    pub threads: u32,
    /// Cancellation, or NULL. Borrowed for the call.
    pub control: *const upsell_control,
}

/// One EASE recommendation.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_ease_recommendation {
    /// The item id (see `upsell_ease_label`).
    pub item: u32,
    /// The score, higher is better.
    pub score: f64,
    /// The cart item that contributed most, or `UINT32_MAX` when none did.
    pub strongest_item: u32,
    /// That item's weight towards `item` (0 when none).
    pub strongest_weight: f32,
}

thread_local! {
    static SCRATCH: RefCell<EaseScratch> = RefCell::new(EaseScratch::default());
}

fn handle(inner: Ease) -> *mut upsell_ease {
    let labels = (0..inner.item_count() as u32)
        .map(|i| crate::triggers::c_string(inner.label(i).unwrap_or_default()))
        .collect();
    ffi::into_handle(upsell_ease { inner, labels })
}

/// Fills `*out` with the defaults of every surface: lambda 100, min count 1, 8000 items, the
/// library's pool, no control. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ease_options_default(
    out: *mut upsell_ease_options,
) -> upsell_status {
    ffi::fallible(std::ptr::null_mut(), || {
        let out = ffi::out(out, "out")?;
        let core = EaseOptions::default();
        let options = upsell_ease_options {
            lambda: core.lambda,
            min_count: core.min_count,
            max_items: core.max_items,
            threads: 0,
            control: std::ptr::null(),
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(options) };
        Ok(())
    })
}

/// Fits an EASE model on `baskets` (labels from the baskets; ids as text for baskets built from
/// arrays). Bad options give `UPSELL_STATUS_INVALID_PARAMETER` before any work.
///
/// On success `*out` receives a new model, freed with `upsell_ease_free`. Thread-safety: safe to
/// call concurrently; `baskets` may be shared.
///
/// # Safety
///
/// `baskets` is a live handle; `options` points to a readable struct; `out` is writable; `err`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ease_fit(
    baskets: *const upsell_baskets,
    options: *const upsell_ease_options,
    out: *mut *mut upsell_ease,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let baskets = unsafe { ffi::borrow(baskets, "baskets") }?;
        // SAFETY: forwarded to the caller.
        let o = unsafe { ffi::borrow(options, "options") }?;
        let out = ffi::out(out, "out")?;
        let core = EaseOptions {
            lambda: o.lambda,
            min_count: o.min_count,
            max_items: o.max_items,
            threads: (o.threads != 0).then_some(o.threads as usize),
        };
        let fallback = Control::default();
        // SAFETY: forwarded to the caller: NULL or a live control.
        let control = unsafe { o.control.as_ref() }.map_or(&fallback, |c| &c.control);
        let model = Ease::fit(&baskets.baskets, &baskets.dictionary()?, &core, control)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle(model)) };
        Ok(())
    })
}

/// Loads an EASE model file written by `upsell_ease_save` or Python's `EaseRecommender.save`.
/// A corrupt or newer-version file gives `UPSELL_STATUS_PARSE`; a missing one
/// `UPSELL_STATUS_IO`. On success `*out` receives a new model, freed with `upsell_ease_free`.
///
/// # Safety
///
/// `path` is NUL-terminated; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ease_load(
    path: *const c_char,
    out: *mut *mut upsell_ease,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let path = unsafe { ffi::path(path, "path") }?;
        let out = ffi::out(out, "out")?;
        let model = Ease::load(path)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle(model)) };
        Ok(())
    })
}

/// Saves the model: JSON when the path ends in `.json`, else the compact binary. A directory that
/// does not exist gives `UPSELL_STATUS_IO` ("cannot write ..."). Thread-safety: safe while other
/// threads query the model.
///
/// # Safety
///
/// `model` is a live handle; `path` is NUL-terminated; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ease_save(
    model: *const upsell_ease,
    path: *const c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let model = unsafe { ffi::borrow(model, "model") }?;
        // SAFETY: forwarded to the caller.
        let path = unsafe { ffi::path(path, "path") }?;
        Ok(model.inner.save(path)?)
    })
}

/// The number of items the model knows (ids are `0..count`); 0 for NULL.
///
/// # Safety
///
/// `model` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ease_item_count(model: *const upsell_ease) -> usize {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { model.as_ref() }.map_or(0, |m| m.inner.item_count()))
}

/// The NUL-terminated label of item `id`, owned by the model (valid until it is freed); NULL
/// when `model` is NULL or `id` is out of range.
///
/// # Safety
///
/// `model` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ease_label(model: *const upsell_ease, id: u32) -> *const c_char {
    ffi::infallible(|| {
        // SAFETY: forwarded to the caller.
        unsafe { model.as_ref() }
            .and_then(|m| m.labels.get(id as usize))
            .map_or(std::ptr::null(), |l| l.as_ptr())
    })
}

/// The id of the item labelled `label` into `*id`, or `UPSELL_STATUS_INVALID_INPUT` when the
/// model does not know it.
///
/// # Safety
///
/// `model` is a live handle; `label` is NUL-terminated; `id` is writable; `err` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ease_item(
    model: *const upsell_ease,
    label: *const c_char,
    id: *mut u32,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let model = unsafe { ffi::borrow(model, "model") }?;
        let label = ffi::not_null(label, "label")?;
        let id = ffi::out(id, "id")?;
        // SAFETY: `label` is not NULL and the caller promises it is NUL-terminated.
        let text = unsafe { CStr::from_ptr(label) }.to_string_lossy();
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

/// Recommends up to `k` items not in the cart (`cart_len` ids; unknown ids are ignored), best
/// first, into `out` (room for `k`; may be NULL when `k` is 0); `*out_len` receives the number
/// written. Thread-safety: any number of threads may query one model at once.
///
/// # Safety
///
/// `model` is a live handle; `cart` points to `cart_len` ids (NULL when 0); `out` has room for
/// `k` entries; `out_len` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ease_recommend(
    model: *const upsell_ease,
    cart: *const u32,
    cart_len: usize,
    k: usize,
    out: *mut upsell_ease_recommendation,
    out_len: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let model = unsafe { ffi::borrow(model, "model") }?;
        // SAFETY: forwarded to the caller.
        let cart = unsafe { ffi::slice(cart, cart_len, "cart") }?;
        let out_len = ffi::out(out_len, "out_len")?;
        if k > 0 {
            ffi::out(out, "out")?;
        }
        let mut found: Vec<EaseRecommendation> = Vec::with_capacity(k);
        SCRATCH.with(|scratch| {
            model
                .inner
                .recommend_into(cart, k, &mut scratch.borrow_mut(), &mut found)
        });
        for (slot, r) in found.iter().take(k).enumerate() {
            let (strongest_item, strongest_weight) = r.strongest.unwrap_or((u32::MAX, 0.0));
            let entry = upsell_ease_recommendation {
                item: r.item,
                score: r.score,
                strongest_item,
                strongest_weight,
            };
            // SAFETY: `slot < k` and the caller promises room for `k` entries.
            unsafe { out.add(slot).write(entry) };
        }
        // SAFETY: `out_len` is not NULL and the caller promises it is writable.
        unsafe { out_len.write(found.len().min(k)) };
        Ok(())
    })
}

/// The candidate items (those with weights), most popular first, as Python's
/// `EaseRecommender.candidates` (item ids here; `upsell_ease_label` gives their labels): `*ids`
/// points to `*len` ids, the order of the rows and columns of `upsell_ease_weights`.
///
/// Ownership: the array is owned by `model` and valid until `upsell_ease_free`; do not free it.
/// Thread-safety: safe from any thread, concurrently with queries.
///
/// # Safety
///
/// `model` is a live handle; `ids` and `len` are writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ease_candidates(
    model: *const upsell_ease,
    ids: *mut *const u32,
    len: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let model = unsafe { ffi::borrow(model, "model") }?;
        let ids = ffi::out(ids, "ids")?;
        let len = ffi::out(len, "len")?;
        let candidates = model.inner.candidates();
        // SAFETY: both are not NULL and the caller promises they are writable.
        unsafe {
            ids.write(candidates.as_ptr());
            len.write(candidates.len());
        }
        Ok(())
    })
}

/// The weight matrix, as Python's `EaseRecommender.weights()`: `*n` x `*n` floats, row-major over
/// the candidates of `upsell_ease_candidates` (entry `i * n + j` is the weight of candidate `i`
/// in the cart toward candidate `j`), at `*weights` (NULL when `*n` is 0).
///
/// Ownership: the matrix is owned by `model` and valid until `upsell_ease_free` (no copy, unlike
/// Python's); do not free or write it. Thread-safety: safe from any thread, concurrently with
/// queries.
///
/// # Safety
///
/// `model` is a live handle; `weights` and `n` are writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ease_weights(
    model: *const upsell_ease,
    weights: *mut *const f32,
    n: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let model = unsafe { ffi::borrow(model, "model") }?;
        let weights = ffi::out(weights, "weights")?;
        let n = ffi::out(n, "n")?;
        let matrix = model.inner.weights();
        let count = model.inner.candidate_count();
        // SAFETY: both are not NULL and the caller promises they are writable.
        unsafe {
            weights.write(if matrix.is_empty() {
                std::ptr::null()
            } else {
                matrix.as_ptr()
            });
            n.write(count);
        }
        Ok(())
    })
}

/// Frees a model; NULL is ignored.
///
/// # Safety
///
/// `model` is NULL or a live handle not yet freed, used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ease_free(model: *mut upsell_ease) {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { ffi::free_box(model) })
}

/// What `upsell_evaluate_json` measures. Fill it with `upsell_evaluate_options_default`, then set
/// the support.
///
/// Ownership: a plain struct owned by the caller.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct upsell_evaluate_options {
    /// Rule mining support as a fraction; exactly one of this and `min_support_count` is nonzero.
    pub min_support_fraction: f64,
    /// Rule mining support as a basket count.
    pub min_support_count: u64,
    /// Recommendations per case (5 by default).
    pub k: usize,
    /// The share of baskets that trains, in (0, 1) (0.8 by default).
    pub train_fraction: f64,
    /// Nonzero splits by time (baskets read as long data with a time column): the earliest
    /// `train_fraction` of the time span trains. 0 splits by position (the default).
    pub split_by_time: c_int,
    /// The rules' least confidence (0.01 by default).
    pub min_confidence: f64,
    /// The rules' longest antecedent (3 by default).
    pub max_antecedent_len: u32,
    /// Nonzero also scores EASE with its default options (0 by default).
    pub ease: c_int,
    /// Worker threads; 0 for the library's pool.
    pub threads: u32,
    /// NULL (the default), or the first instant of the test period as an RFC 3339 time or a
    /// date (`"2024-01-03"`): baskets before it train, the others test. It needs baskets read
    /// as long data with a time column and replaces `train_fraction` and `split_by_time`; a
    /// text that is not a time gives `UPSELL_STATUS_INVALID_PARAMETER` naming `cutoff`.
    pub cutoff: *const c_char,
    /// The m-estimate's weight of the base rate when ranking (5 by default; 0 ranks by raw
    /// confidence), as `upsell_recommend`'s `smoothing`.
    pub smoothing: f64,
}

/// Fills `*out` with the defaults of every surface (no support set). Thread-safety: safe from
/// any thread.
///
/// # Safety
///
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_evaluate_options_default(
    out: *mut upsell_evaluate_options,
) -> upsell_status {
    ffi::fallible(std::ptr::null_mut(), || {
        let out = ffi::out(out, "out")?;
        let core = EvaluationOptions::new(upsell_core::mining::MinSupport::count(1));
        let train = match core.split {
            Split::Position { train } => train,
            _ => 0.8,
        };
        let options = upsell_evaluate_options {
            min_support_fraction: 0.0,
            min_support_count: 0,
            k: core.k,
            train_fraction: train,
            split_by_time: 0,
            min_confidence: core.min_confidence,
            max_antecedent_len: core.max_antecedent_len as u32,
            ease: 0,
            threads: 0,
            cutoff: std::ptr::null(),
            smoothing: core.recommend.smoothing,
        };
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(options) };
        Ok(())
    })
}

/// Evaluates "frequently bought together" offline: trains rules (and EASE when asked) on the
/// first part of `baskets`, hides one item of each later basket and scores how often the top `k`
/// recover it, against a popularity baseline: hit rate, precision, recall, coverage per method.
///
/// On success `*out_json` receives the core's evaluation as a new JSON string (the fields of
/// Python's `upsell.evaluate`), freed with `upsell_string_free`. Thread-safety: safe to call
/// concurrently.
///
/// # Safety
///
/// `baskets` is a live handle; `options` points to a readable struct whose `cutoff` is NULL or
/// NUL-terminated; `out_json` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_evaluate_json(
    baskets: *const upsell_baskets,
    options: *const upsell_evaluate_options,
    out_json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let baskets = unsafe { ffi::borrow(baskets, "baskets") }?;
        // SAFETY: forwarded to the caller.
        let o = unsafe { ffi::borrow(options, "options") }?;
        let out = ffi::out(out_json, "out_json")?;
        let min_support = min_support_from_c(o.min_support_fraction, o.min_support_count)?;
        // SAFETY: forwarded to the caller.
        let cutoff = unsafe { ffi::optional_text(o.cutoff, "cutoff") }?
            .map(|text| parse_timestamp_parameter("cutoff", text))
            .transpose()?;
        let times = if o.split_by_time != 0 || cutoff.is_some() {
            Some(baskets.times().ok_or_else(|| {
                Error::invalid_parameter(
                    if cutoff.is_some() {
                        "cutoff"
                    } else {
                        "split_by_time"
                    },
                    "the baskets have no times: read them as long data with a time column",
                )
            })?)
        } else {
            None
        };
        // Times are read exactly when the split is by time (a cutoff implies it).
        let by = times.map_or(SplitBy::Position, |_| SplitBy::Time);
        let core = EvaluationOptions {
            split: Split::new(by, o.train_fraction, cutoff)?,
            k: o.k,
            min_confidence: o.min_confidence,
            max_antecedent_len: o.max_antecedent_len as usize,
            recommend: RecommendOptions {
                smoothing: o.smoothing,
                ..RecommendOptions::default()
            },
            ease: (o.ease != 0).then(EaseOptions::default),
            threads: (o.threads != 0).then_some(o.threads as usize),
            ..EvaluationOptions::new(min_support)
        };
        let result = evaluate(
            &baskets.baskets,
            &baskets.dictionary()?,
            times,
            &core,
            &Control::default(),
        )?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json(out, &result) }
    })
}
