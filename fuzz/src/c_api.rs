//! The `c_api` target: sequences of calls on the C library's handles, as a host makes them.
//!
//! The input is a little program. Each operation reads an opcode byte and its arguments from the
//! bytes that follow, and calls `libupsell` (linked as the `upsell_capi` rlib, so the calls are the
//! very `extern "C"` functions a C host reaches) on a pool of live handles: baskets built from
//! arbitrary item and offset arrays, itemsets mined with arbitrary options, rules, recommenders
//! and trigger rule sets made from them or from text, queries with any index, cart, `k` and
//! measure, and frees in any order. A handle argument may be NULL.
//!
//! What must hold after every call, whatever came before:
//! - no panic reaches the boundary (`UPSELL_STATUS_PANIC` fails the target);
//! - a failed call sets its error, whose status is the returned one and whose message is text,
//!   and leaves the output pointer NULL; a successful one sets the output;
//! - a NULL handle gives `UPSELL_STATUS_NULL_PARAMETER`, and out-of-range indexes are errors,
//!   never reads beyond the data.
//!
//! Only what the header allows a host to do is done: pointers are valid for the lengths passed,
//! enums hold their declared values, and a handle is never used after its free.

use std::ffi::{CStr, CString, c_char, c_int};
use std::ptr;

use upsell::data::MAX_ITEMS;

use upsell_capi::{
    upsell_algorithm, upsell_baskets, upsell_decision, upsell_error, upsell_itemsets,
    upsell_mine_options, upsell_pair, upsell_recommendation, upsell_recommender, upsell_rule,
    upsell_rule_options, upsell_rules, upsell_ruleset, upsell_status, upsell_target,
};

/// Handles of one kind a program may hold at once; more are freed oldest first.
const POOL: usize = 3;

/// Operations a program runs at most (each mines or queries; the fuzzer wants many short runs).
const MAX_OPERATIONS: usize = 48;

/// Runs the program in `data` against the C library (see the module documentation).
pub fn c_api(data: &[u8]) {
    if data.len() > super::MAX_INPUT {
        return;
    }
    let mut program = Program { bytes: data };
    let mut live = Live::default();
    for _ in 0..MAX_OPERATIONS {
        let Some(op) = program.byte() else { break };
        // SAFETY: every call below passes pointers valid for the lengths given and live handles
        // (or NULL); `Live` frees each handle once.
        unsafe { live.run(op, &mut program) };
    }
    live.free_all();
}

/// The unread rest of the input; reading past its end gives zeros.
struct Program<'a> {
    bytes: &'a [u8],
}

impl Program<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(first)
    }

    fn u8(&mut self) -> u8 {
        self.byte().unwrap_or(0)
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// Small numbers mostly (item ids, lengths), now and then a large one: an id at or above
    /// `MAX_ITEMS` (which arrays must refuse) or one below 4,096. Valid ids in between only make
    /// every per-item table longer (labels alone take 40 bytes an id), which tests the machine's
    /// memory, not the library.
    fn number(&mut self) -> u32 {
        match self.u8() {
            255 => match self.u32() {
                id if id as usize >= MAX_ITEMS => id,
                id => id % 4096,
            },
            b => u32::from(b % 24),
        }
    }

    /// A fraction for a threshold: usually in [0, 1], sometimes beyond it or not a number.
    fn fraction(&mut self) -> f64 {
        match self.u8() {
            255 => f64::NAN,
            254 => -0.5,
            253 => 1.5,
            b => f64::from(b) / 250.0,
        }
    }

    fn flag(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A length-prefixed run of bytes.
    fn slice(&mut self) -> &[u8] {
        let len = usize::from(self.u8()).min(self.bytes.len());
        let (taken, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        taken
    }

    /// A length-prefixed text, NUL bytes dropped (C strings cannot hold them).
    fn text(&mut self) -> CString {
        let bytes: Vec<u8> = self.slice().iter().copied().filter(|&b| b != 0).collect();
        CString::new(bytes).expect("NUL bytes were removed")
    }

    /// Which handle of `len` live ones, or `len` for NULL.
    fn pick(&mut self, len: usize) -> usize {
        usize::from(self.u8()) % (len + 1)
    }
}

/// The live handles of a program, each kind in its own pool.
#[derive(Default)]
struct Live {
    baskets: Vec<*mut upsell_baskets>,
    itemsets: Vec<*mut upsell_itemsets>,
    rules: Vec<*mut upsell_rules>,
    recommenders: Vec<*mut upsell_recommender>,
    rulesets: Vec<*mut upsell_ruleset>,
}

/// The handle at `index` of `pool`, or NULL past its end.
fn handle<T>(pool: &[*mut T], index: usize) -> *mut T {
    pool.get(index).copied().unwrap_or(ptr::null_mut())
}

/// Checks one fallible call: a panic never crosses, a failure reports itself consistently (and
/// leaves `out` NULL), success sets `out`; then keeps a new handle in `pool`.
fn settle<T>(
    status: upsell_status,
    err: *mut upsell_error,
    out: *mut T,
    pool: &mut Vec<*mut T>,
    free: unsafe extern "C" fn(*mut T),
) {
    check(status, err);
    if status == upsell_status::Ok {
        assert!(!out.is_null(), "success without a handle");
        if pool.len() == POOL {
            // SAFETY: the oldest handle of the pool is live and leaves the pool here.
            unsafe { free(pool.remove(0)) };
        }
        pool.push(out);
    } else {
        assert!(out.is_null(), "{status:?} but a handle was written");
    }
}

/// A call's status and error agree, and no panic crossed; frees the error.
fn check(status: upsell_status, err: *mut upsell_error) {
    assert_ne!(
        status,
        upsell_status::Panic,
        "a panic reached the C boundary"
    );
    if status == upsell_status::Ok {
        assert!(err.is_null(), "success with an error");
        return;
    }
    assert!(!err.is_null(), "{status:?} without an error");
    // SAFETY: `err` is the error this call made; it is freed once, here.
    unsafe {
        assert_eq!(upsell_capi::upsell_error_status(err), status);
        let message = upsell_capi::upsell_error_message(err);
        assert!(!message.is_null(), "an error without a message");
        let message = CStr::from_ptr(message).to_str().expect("a UTF-8 message");
        assert!(!message.is_empty(), "an empty message for {status:?}");
        upsell_capi::upsell_error_free(err);
    }
}

impl Live {
    /// Runs operation `op` with its arguments from `program`.
    ///
    /// # Safety
    ///
    /// The handles in the pools are live.
    unsafe fn run(&mut self, op: u8, program: &mut Program<'_>) {
        let mut err: *mut upsell_error = ptr::null_mut();
        // SAFETY: each call gets pointers into live local buffers, valid for the lengths passed,
        // and handles from the pools (live) or NULL.
        unsafe {
            match op % 12 {
                0 => {
                    let items: Vec<u32> =
                        (0..program.u8() % 40).map(|_| program.number()).collect();
                    let offsets: Vec<usize> = (0..program.u8() % 12)
                        .map(|_| usize::from(program.u8()) % (items.len() + 3))
                        .collect();
                    let mut out = ptr::null_mut();
                    let status = upsell_capi::upsell_baskets_from_arrays(
                        items.as_ptr(),
                        items.len(),
                        offsets.as_ptr(),
                        offsets.len(),
                        &mut out,
                        &mut err,
                    );
                    settle(
                        status,
                        err,
                        out,
                        &mut self.baskets,
                        upsell_capi::upsell_baskets_free,
                    );
                }
                1 => {
                    let baskets = handle(&self.baskets, program.pick(self.baskets.len()));
                    let mut options = mine_options();
                    if program.flag() {
                        options.min_support_fraction = program.fraction();
                    } else {
                        options.min_support_fraction = 0.0;
                        options.min_support_count = u64::from(program.u8() % 8);
                    }
                    options.algorithm = [
                        upsell_algorithm::Auto,
                        upsell_algorithm::FpGrowth,
                        upsell_algorithm::Eclat,
                        upsell_algorithm::Apriori,
                    ][usize::from(program.u8() % 4)];
                    options.target = [
                        upsell_target::All,
                        upsell_target::Closed,
                        upsell_target::Maximal,
                    ][usize::from(program.u8() % 3)];
                    options.min_len = u32::from(program.u8() % 4);
                    options.max_len = u32::from(program.u8() % 5);
                    options.threads = u32::from(program.u8() % 3);
                    options.max_itemsets = u64::from(program.u8()) * 4;
                    options.max_memory = match program.u8() {
                        0..=199 => 0,
                        b => u64::from(b) * 64,
                    };
                    let mut out = ptr::null_mut();
                    let status = upsell_capi::upsell_mine(baskets, &options, &mut out, &mut err);
                    settle(
                        status,
                        err,
                        out,
                        &mut self.itemsets,
                        upsell_capi::upsell_itemsets_free,
                    );
                }
                2 => {
                    let itemsets = handle(&self.itemsets, program.pick(self.itemsets.len()));
                    let len = upsell_capi::upsell_itemsets_len(itemsets);
                    let index = program.number() as usize;
                    let (mut items, mut items_len, mut count) = (ptr::null(), 0, 0);
                    // NULL outputs are refused, never written through.
                    let outputs = program.flag();
                    let status = if outputs {
                        upsell_capi::upsell_itemsets_get(
                            itemsets,
                            index,
                            &mut items,
                            &mut items_len,
                            &mut count,
                            &mut err,
                        )
                    } else {
                        upsell_capi::upsell_itemsets_get(
                            itemsets,
                            index,
                            ptr::null_mut(),
                            ptr::null_mut(),
                            ptr::null_mut(),
                            &mut err,
                        )
                    };
                    check(status, err);
                    let valid = !itemsets.is_null() && index < len && outputs;
                    assert_eq!(
                        status == upsell_status::Ok,
                        valid,
                        "{status:?} for itemset {index} of {len}"
                    );
                    if !items.is_null() {
                        let set = std::slice::from_raw_parts(items, items_len);
                        assert!(set.windows(2).all(|w| w[0] < w[1]), "itemset not ascending");
                        assert!(count > 0);
                    }
                }
                3 => {
                    let itemsets = handle(&self.itemsets, program.pick(self.itemsets.len()));
                    let consequents: Vec<u32> =
                        (0..program.u8() % 4).map(|_| program.number()).collect();
                    let excluded: Vec<u32> =
                        (0..program.u8() % 4).map(|_| program.number()).collect();
                    let mut options = rule_options();
                    options.min_confidence = program.fraction();
                    options.min_lift = program.fraction() * 2.0;
                    options.max_antecedent_len = u32::from(program.u8() % 4);
                    options.max_consequent_len = u32::from(program.u8() % 3);
                    options.consequent_items = consequents.as_ptr();
                    options.consequent_items_len = consequents.len();
                    options.exclude_items = excluded.as_ptr();
                    options.exclude_items_len = excluded.len();
                    options.prune_redundant = c_int::from(program.flag());
                    options.max_rules = u64::from(program.u8()) * 2;
                    options.threads = u32::from(program.u8() % 3);
                    let mut out = ptr::null_mut();
                    let status =
                        upsell_capi::upsell_rules_generate(itemsets, &options, &mut out, &mut err);
                    settle(
                        status,
                        err,
                        out,
                        &mut self.rules,
                        upsell_capi::upsell_rules_free,
                    );
                }
                4 => {
                    let rules = handle(&self.rules, program.pick(self.rules.len()));
                    let len = upsell_capi::upsell_rules_len(rules);
                    let index = program.number() as usize;
                    let measure = c_int::from(program.u8() % 14);
                    let mut rule: upsell_rule = std::mem::zeroed();
                    let status = upsell_capi::upsell_rules_get(rules, index, &mut rule, &mut err);
                    check(status, err);
                    assert_eq!(
                        status == upsell_status::Ok,
                        !rules.is_null() && index < len,
                        "{status:?} for rule {index} of {len}"
                    );
                    err = ptr::null_mut();
                    let mut value = 0.0;
                    let status = upsell_capi::upsell_rules_measure(
                        rules, index, measure, &mut value, &mut err,
                    );
                    check(status, err);
                    err = ptr::null_mut();
                    let capacity = usize::from(program.u8() % 6);
                    let mut top = vec![0usize; capacity];
                    let mut written = 0;
                    let status = upsell_capi::upsell_rules_top(
                        rules,
                        measure,
                        if capacity == 0 {
                            ptr::null_mut()
                        } else {
                            top.as_mut_ptr()
                        },
                        capacity,
                        &mut written,
                        &mut err,
                    );
                    check(status, err);
                    if status == upsell_status::Ok {
                        assert!(written <= capacity.min(len));
                        assert!(top[..written].iter().all(|&i| i < len));
                    }
                }
                5 => {
                    let itemsets = handle(&self.itemsets, program.pick(self.itemsets.len()));
                    let baskets = handle(&self.baskets, program.pick(self.baskets.len()));
                    let (confidence, antecedent) =
                        (program.fraction(), u32::from(program.u8() % 4));
                    let mut out = ptr::null_mut();
                    let status = upsell_capi::upsell_recommender_build(
                        itemsets, baskets, confidence, antecedent, &mut out, &mut err,
                    );
                    settle(
                        status,
                        err,
                        out,
                        &mut self.recommenders,
                        upsell_capi::upsell_recommender_free,
                    );
                }
                6 => {
                    let model = handle(&self.recommenders, program.pick(self.recommenders.len()));
                    let cart: Vec<u32> = (0..program.u8() % 6).map(|_| program.number()).collect();
                    let k = usize::from(program.u8() % 8);
                    let (by, smoothing, backfill) = (
                        c_int::from(program.u8() % 5),
                        program.fraction() * 4.0 - 1.0,
                        c_int::from(program.flag()),
                    );
                    let mut out = vec![
                        upsell_recommendation {
                            item: 0,
                            score: 0.0,
                            rule: 0
                        };
                        k
                    ];
                    let mut written = 0;
                    let status = upsell_capi::upsell_recommend(
                        model,
                        cart.as_ptr(),
                        cart.len(),
                        k,
                        by,
                        smoothing,
                        backfill,
                        if k == 0 {
                            ptr::null_mut()
                        } else {
                            out.as_mut_ptr()
                        },
                        &mut written,
                        &mut err,
                    );
                    check(status, err);
                    if status == upsell_status::Ok {
                        assert!(written <= k);
                        let count = upsell_capi::upsell_recommender_item_count(model);
                        assert!(out[..written].iter().all(|r| (r.item as usize) < count));
                    }
                }
                7 => {
                    let baskets = handle(&self.baskets, program.pick(self.baskets.len()));
                    let id = program.number();
                    let (mut label, mut len): (*const c_char, usize) = (ptr::null(), 0);
                    let status = upsell_capi::upsell_baskets_item_label(
                        baskets, id, &mut label, &mut len, &mut err,
                    );
                    check(status, err);
                    if status == upsell_status::Ok {
                        let bytes = std::slice::from_raw_parts(label.cast::<u8>(), len);
                        assert!(
                            std::str::from_utf8(bytes).is_ok(),
                            "a label that is not UTF-8"
                        );
                    }
                }
                8 => {
                    let format = c_int::from(program.u8() % 4);
                    let text = program.text();
                    let mut out = ptr::null_mut();
                    let status = upsell_capi::upsell_ruleset_from_str(
                        text.as_ptr(),
                        format,
                        &mut out,
                        &mut err,
                    );
                    settle(
                        status,
                        err,
                        out,
                        &mut self.rulesets,
                        upsell_capi::upsell_ruleset_free,
                    );
                }
                9 => {
                    let rules = handle(&self.rulesets, program.pick(self.rulesets.len()));
                    let context = program.text();
                    let now = c"2026-12-03T12:00:00Z";
                    let mut out: *mut upsell_decision = ptr::null_mut();
                    let status = upsell_capi::upsell_ruleset_evaluate_json(
                        rules,
                        context.as_ptr(),
                        if program.flag() {
                            now.as_ptr()
                        } else {
                            ptr::null()
                        },
                        ptr::null(),
                        &mut out,
                        &mut err,
                    );
                    check(status, err);
                    if status == upsell_status::Ok {
                        let offers = upsell_capi::upsell_decision_offer_count(out);
                        for index in 0..=offers {
                            let rule = upsell_capi::upsell_decision_offer_rule(out, index);
                            assert_eq!(
                                rule.is_null(),
                                index == offers,
                                "offer {index} of {offers}"
                            );
                        }
                        upsell_capi::upsell_decision_free(out);
                    }
                }
                10 => {
                    let baskets = handle(&self.baskets, program.pick(self.baskets.len()));
                    let top = usize::from(program.u8() % 10);
                    let (support, lift) = (program.fraction(), program.fraction() * 3.0);
                    let (mut pairs, mut len): (*mut upsell_pair, usize) = (ptr::null_mut(), 0);
                    let status = upsell_capi::upsell_affinity_pairs(
                        baskets, top, 1, support, lift, &mut pairs, &mut len, &mut err,
                    );
                    check(status, err);
                    if status == upsell_status::Ok {
                        // Pairs among the `top` most frequent items, each pair once.
                        assert!(
                            top == 0 || len <= top * (top - 1) / 2,
                            "{len} pairs of {top} items"
                        );
                        if len > 0 {
                            let found = std::slice::from_raw_parts(pairs, len);
                            assert!(
                                found.iter().all(|pair| pair.a != pair.b),
                                "an item paired with itself"
                            );
                        }
                        upsell_capi::upsell_pairs_free(pairs, len);
                    }
                }
                _ => self.free_one(program.u8()),
            }
        }
    }

    /// Frees one live handle, of the kind and at the place the byte picks.
    fn free_one(&mut self, choice: u8) {
        let index = usize::from(choice / 5);
        // SAFETY: a handle leaves its pool as it is freed, so it is freed once.
        unsafe {
            match choice % 5 {
                0 if index < self.baskets.len() => {
                    upsell_capi::upsell_baskets_free(self.baskets.remove(index))
                }
                1 if index < self.itemsets.len() => {
                    upsell_capi::upsell_itemsets_free(self.itemsets.remove(index))
                }
                2 if index < self.rules.len() => {
                    upsell_capi::upsell_rules_free(self.rules.remove(index))
                }
                3 if index < self.recommenders.len() => {
                    upsell_capi::upsell_recommender_free(self.recommenders.remove(index));
                }
                4 if index < self.rulesets.len() => {
                    upsell_capi::upsell_ruleset_free(self.rulesets.remove(index))
                }
                // Freeing NULL is allowed for every kind.
                _ => upsell_capi::upsell_rules_free(ptr::null_mut()),
            }
        }
    }

    /// Frees every live handle: models first, then what they were made from (any order is
    /// allowed; handles own their data).
    fn free_all(&mut self) {
        // SAFETY: each handle is live and freed once, as the pools are drained.
        unsafe {
            self.rulesets
                .drain(..)
                .for_each(|h| upsell_capi::upsell_ruleset_free(h));
            self.recommenders
                .drain(..)
                .for_each(|h| upsell_capi::upsell_recommender_free(h));
            self.rules
                .drain(..)
                .for_each(|h| upsell_capi::upsell_rules_free(h));
            self.itemsets
                .drain(..)
                .for_each(|h| upsell_capi::upsell_itemsets_free(h));
            self.baskets
                .drain(..)
                .for_each(|h| upsell_capi::upsell_baskets_free(h));
        }
    }
}

fn mine_options() -> upsell_mine_options {
    let mut options = std::mem::MaybeUninit::<upsell_mine_options>::uninit();
    // SAFETY: the call fills every field of the struct it is given.
    unsafe {
        assert_eq!(
            upsell_capi::upsell_mine_options_default(options.as_mut_ptr()),
            upsell_status::Ok
        );
        options.assume_init()
    }
}

fn rule_options() -> upsell_rule_options {
    let mut options = std::mem::MaybeUninit::<upsell_rule_options>::uninit();
    // SAFETY: the call fills every field of the struct it is given.
    unsafe {
        assert_eq!(
            upsell_capi::upsell_rule_options_default(options.as_mut_ptr()),
            upsell_status::Ok
        );
        options.assume_init()
    }
}
