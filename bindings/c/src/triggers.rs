//! Upsell triggers for C: load a rule set from a string once, evaluate one customer given as a JSON
//! object, read the chosen offers by index.
//!
//! The one idea: the hot path (`upsell_ruleset_evaluate_json`) takes and returns nothing but strings
//! and a handle, so any host (C, Go, the JVM through FFI) can call it without mirroring the core's
//! types; every string it hands out is owned by the decision and freed with it.

use std::ffi::{CString, c_char, c_int};

use upsell_core::Error;
use upsell_core::time::{Timestamp, now_or_parse};
use upsell_core::triggers::{
    Context, CustomerHistory, Decision, Format, History, Offer, Outcome as Event, RuleSet,
};

use crate::error::upsell_error;
use crate::ffi::{self, Failure, Outcome, text};
use crate::status::upsell_status;

/// The format of rule text given to `upsell_ruleset_from_str`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum upsell_ruleset_format {
    /// YAML.
    Yaml = 0,
    /// JSON.
    Json = 1,
    /// TOML.
    Toml = 2,
}

/// A loaded, checked rule set.
///
/// Ownership: created by `upsell_ruleset_from_str`, freed with `upsell_ruleset_free`.
/// Thread-safety: immutable for C; any number of threads may evaluate with it at once.
#[derive(Debug)]
pub struct upsell_ruleset {
    pub(crate) inner: RuleSet,
}

/// What the rules decided for one customer: the offers to show (best first) and, when a global
/// suppression fired, its name.
///
/// Ownership: created by `upsell_ruleset_evaluate_json`, freed with `upsell_decision_free`; every
/// string read from it is owned by it and valid until then.
/// Thread-safety: immutable; any number of threads may read it at once.
#[derive(Debug)]
pub struct upsell_decision {
    offers: Vec<COffer>,
    suppressed_by: Option<CString>,
}

#[derive(Debug)]
struct COffer {
    rule: CString,
    kind: CString,
    target: CString,
    reason: CString,
    priority: i64,
}

pub(crate) fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}

impl COffer {
    fn new(offer: &Offer) -> Self {
        COffer {
            rule: c_string(&offer.rule),
            kind: c_string(offer.kind.as_str()),
            target: c_string(&offer.target),
            reason: c_string(&offer.reason),
            priority: offer.priority,
        }
    }
}

impl upsell_decision {
    fn new(decision: &Decision) -> Self {
        upsell_decision {
            offers: decision.offers.iter().map(COffer::new).collect(),
            suppressed_by: decision
                .suppressed_by
                .as_ref()
                .map(|(name, _)| c_string(name)),
        }
    }
}

/// The time `now` (RFC 3339 text), or the current time when NULL.
///
/// # Safety
///
/// `now` is NULL or a NUL-terminated string.
pub(crate) unsafe fn now_from_c(now: *const c_char) -> Outcome<upsell_core::time::Timestamp> {
    let now = if now.is_null() {
        None
    } else {
        // SAFETY: forwarded to the caller; not NULL.
        Some(unsafe { text(now, "now") }?)
    };
    Ok(now_or_parse(now)?)
}

/// An offer history in JSON, or none when NULL.
///
/// # Safety
///
/// `history_json` is NULL or a NUL-terminated string.
pub(crate) unsafe fn history_from_c(history_json: *const c_char) -> Outcome<Option<History>> {
    if history_json.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded to the caller; not NULL.
    let text = unsafe { text(history_json, "history_json") }?;
    Ok(Some(History::from_json_str(text, "history_json")?))
}

/// One customer's call, read once for every per-customer entry point (evaluate, sequences,
/// explain): the rule set, the customer's context from JSON, the time and the offer history.
struct Customer<'a> {
    rules: &'a RuleSet,
    context: Context,
    now: Timestamp,
    history: Option<History>,
}

impl Customer<'_> {
    /// Reads the four C arguments, failing on the first bad one with its name.
    ///
    /// # Safety
    ///
    /// `rules` is NULL or a live rule set; `context_json` is NULL or NUL-terminated; `now` and
    /// `history_json` are NULL or NUL-terminated.
    unsafe fn read(
        rules: *const upsell_ruleset,
        context_json: *const c_char,
        now: *const c_char,
        history_json: *const c_char,
    ) -> Outcome<Self> {
        // SAFETY: forwarded to the caller.
        let rules = &unsafe { ffi::borrow(rules, "rules") }?.inner;
        // SAFETY: forwarded to the caller.
        let context = Context::from_json(unsafe { text(context_json, "context_json") }?)?;
        // SAFETY: forwarded to the caller.
        let now = unsafe { now_from_c(now) }?;
        // SAFETY: forwarded to the caller.
        let history = unsafe { history_from_c(history_json) }?;
        Ok(Customer {
            rules,
            context,
            now,
            history,
        })
    }

    /// The customer's own history: when a history was given and the context names the customer.
    fn history(&self) -> Option<&CustomerHistory> {
        self.history.as_ref()?.of(&self.context)
    }
}

/// Loads a rule set from `text` in `format` (an `upsell_ruleset_format` as `int`). On
/// `UPSELL_STATUS_PARSE` the error's message lists every problem, one a line, with the rule's name
/// and the line and column.
///
/// Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `text` is a NUL-terminated string; `out` points to writable storage for a pointer; `err` is
/// NULL or points to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ruleset_from_str(
    text: *const c_char,
    format: c_int,
    out: *mut *mut upsell_ruleset,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let source = unsafe { self::text(text, "text") }?;
        let format = match format {
            0 => Format::Yaml,
            1 => Format::Json,
            2 => Format::Toml,
            other => {
                return Err(Error::invalid_parameter(
                    "format",
                    format!("{other} is not an upsell_ruleset_format"),
                )
                .into());
            }
        };
        let rules = RuleSet::load(source, format, None)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(ffi::into_handle(upsell_ruleset { inner: rules })) };
        Ok(())
    })
}

/// Loads a rule set from a file: YAML, JSON or TOML by its extension (`.yaml`/`.yml`, `.json`,
/// `.toml`). A missing file gives `UPSELL_STATUS_IO`; problems give `UPSELL_STATUS_PARSE` with
/// every problem in the message and the first one's place in `upsell_error_path`,
/// `upsell_error_line` and `upsell_error_column`.
///
/// On success `*out` receives a new rule set the caller frees with `upsell_ruleset_free`.
/// Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `path` is a NUL-terminated string; `out` points to writable storage for a pointer; `err` is
/// NULL or points to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ruleset_from_path(
    path: *const c_char,
    out: *mut *mut upsell_ruleset,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let path = unsafe { ffi::path(path, "path") }?;
        let rules = RuleSet::from_path(path)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(ffi::into_handle(upsell_ruleset { inner: rules })) };
        Ok(())
    })
}

/// Frees a rule set; NULL is ignored.
///
/// # Safety
///
/// `rules` is NULL or a pointer returned by `upsell_ruleset_from_str` and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ruleset_free(rules: *mut upsell_ruleset) {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { ffi::free_box(rules) })
}

/// The number of rules in `rules` (0 if NULL).
///
/// # Safety
///
/// `rules` is NULL or a live rule set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ruleset_count(rules: *const upsell_ruleset) -> usize {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { rules.as_ref() }.map_or(0, |r| r.inner.rules().len()))
}

/// The rule names, in file order, as a JSON array of strings (`["big-cart", "trial-ending"]`),
/// as Python's `RuleSet.names`.
///
/// On success `*json` receives a new string the caller frees with `upsell_string_free`.
/// Thread-safety: safe from any thread, concurrently with evaluations.
///
/// # Safety
///
/// `rules` is a live rule set; `json` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ruleset_names_json(
    rules: *const upsell_ruleset,
    json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let rules = unsafe { ffi::borrow(rules, "rules") }?;
        let json = ffi::out(json, "json")?;
        let names: Vec<String> = rules.inner.rules().into_iter().map(|r| r.name).collect();
        // SAFETY: `json` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json(json, &names) }
    })
}

/// The schema the rule file declares, as Python's `RuleSet.schema`: a JSON object from each
/// field name to its type (as Python names them: `int`, `decimal`, `float`, `bool`, `string`,
/// `timestamp`, `duration`, `list<string>`), or `null` when the file declares none.
///
/// On success `*json` receives a new string the caller frees with `upsell_string_free`.
/// Thread-safety: safe from any thread, concurrently with evaluations.
///
/// # Safety
///
/// `rules` is a live rule set; `json` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ruleset_schema_json(
    rules: *const upsell_ruleset,
    json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let rules = unsafe { ffi::borrow(rules, "rules") }?;
        let json = ffi::out(json, "json")?;
        let schema = rules.inner.declared_schema().map(|schema| {
            schema
                .fields()
                .map(|(name, ty)| (name.to_owned(), serde_json::Value::from(ty.name())))
                .collect::<serde_json::Map<_, _>>()
        });
        // SAFETY: `json` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json(json, &schema) }
    })
}

/// Decides the offers for one customer. `context_json` is a JSON object of field values (nested
/// objects are dotted names: `{"cart": {"total": 82.5}}` is `cart.total`; an `"id"` names the
/// customer for history and control groups). `now` is an RFC 3339 time (the injectable clock), or
/// NULL for the current time. `history_json` is NULL or an offer history in JSON
/// (`{"customers": {"c1": {"events": [{"target": "pro", "outcome": "rejected", "at": "..."}]}}}`).
///
/// Thread-safety: `rules` may be used by several threads at once.
///
/// # Safety
///
/// `rules` is a live rule set; `context_json` a NUL-terminated string; `now` and `history_json`
/// NULL or NUL-terminated strings; `out` points to writable storage for a pointer; `err` is NULL
/// or points to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ruleset_evaluate_json(
    rules: *const upsell_ruleset,
    context_json: *const c_char,
    now: *const c_char,
    history_json: *const c_char,
    out: *mut *mut upsell_decision,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let call = unsafe { Customer::read(rules, context_json, now, history_json) }?;
        let decision = call
            .rules
            .evaluate(&call.context, call.history(), call.now)?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(ffi::into_handle(upsell_decision::new(&decision))) };
        Ok(())
    })
}

/// Frees a decision and every string read from it; NULL is ignored.
///
/// # Safety
///
/// `decision` is NULL or a pointer returned by `upsell_ruleset_evaluate_json` and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_decision_free(decision: *mut upsell_decision) {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { ffi::free_box(decision) })
}

/// The number of offers to show (0 if `decision` is NULL).
///
/// # Safety
///
/// `decision` is NULL or a live decision.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_decision_offer_count(decision: *const upsell_decision) -> usize {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { decision.as_ref() }.map_or(0, |d| d.offers.len()))
}

/// The name of the global suppression that silenced every offer, or NULL when none fired.
///
/// # Safety
///
/// `decision` is NULL or a live decision.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_decision_suppressed_by(
    decision: *const upsell_decision,
) -> *const c_char {
    ffi::infallible(|| {
        // SAFETY: forwarded to the caller.
        unsafe { decision.as_ref() }
            .and_then(|d| d.suppressed_by.as_ref())
            .map_or(std::ptr::null(), |s| s.as_ptr())
    })
}

/// Offer `index` of `decision`, or an `InvalidParameter` failure naming the range (as for every
/// other index of the API).
///
/// # Safety
///
/// `decision` is NULL or a live decision.
unsafe fn offer<'a>(decision: *const upsell_decision, index: usize) -> Outcome<&'a COffer> {
    // SAFETY: forwarded to the caller.
    let decision = unsafe { ffi::borrow(decision, "decision") }?;
    decision.offers.get(index).ok_or_else(|| {
        Failure::Core(Error::invalid_parameter(
            "index",
            format!(
                "offer index {index} out of range (the decision has {})",
                decision.offers.len()
            ),
        ))
    })
}

/// A string field of offer `index`, NULL when `decision` is NULL or `index` is out of range.
///
/// # Safety
///
/// `decision` is NULL or a live decision.
unsafe fn offer_field(
    decision: *const upsell_decision,
    index: usize,
    field: fn(&COffer) -> &CString,
) -> *const c_char {
    ffi::infallible(|| {
        // SAFETY: forwarded to the caller.
        unsafe { offer(decision, index) }.map_or(std::ptr::null(), |o| field(o).as_ptr())
    })
}

/// The rule that made offer `index`.
///
/// Returns NULL when `decision` is NULL or `index` is out of range. The string is owned by the
/// decision and valid until `upsell_decision_free`. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `decision` is NULL or a live decision.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_decision_offer_rule(
    decision: *const upsell_decision,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded to the caller.
    unsafe { offer_field(decision, index, |o| &o.rule) }
}

/// The kind of offer `index`: `upgrade`, `cross_sell`, `bundle` or `threshold_fill`.
///
/// Returns NULL when `decision` is NULL or `index` is out of range. The string is owned by the
/// decision and valid until `upsell_decision_free`. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `decision` is NULL or a live decision.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_decision_offer_kind(
    decision: *const upsell_decision,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded to the caller.
    unsafe { offer_field(decision, index, |o| &o.kind) }
}

/// What offer `index` offers (a plan, product or bundle id).
///
/// Returns NULL when `decision` is NULL or `index` is out of range. The string is owned by the
/// decision and valid until `upsell_decision_free`. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `decision` is NULL or a live decision.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_decision_offer_target(
    decision: *const upsell_decision,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded to the caller.
    unsafe { offer_field(decision, index, |o| &o.target) }
}

/// Why offer `index` fired: its condition with the values it saw.
///
/// Returns NULL when `decision` is NULL or `index` is out of range. The string is owned by the
/// decision and valid until `upsell_decision_free`. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `decision` is NULL or a live decision.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_decision_offer_reason(
    decision: *const upsell_decision,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded to the caller.
    unsafe { offer_field(decision, index, |o| &o.reason) }
}

/// The priority of offer `index` (written to `*out`).
///
/// # Safety
///
/// `decision` is a live decision; `out` points to writable storage for an `int64_t`; `err` is NULL
/// or points to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_decision_offer_priority(
    decision: *const upsell_decision,
    index: usize,
    out: *mut i64,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let offer = unsafe { offer(decision, index) }?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(offer.priority) };
        Ok(())
    })
}

/// How every rule and suppression of a rule set came out for one customer, from
/// `upsell_ruleset_explain`: per entry its name, whether its condition held, and the condition
/// with the values it saw.
///
/// Ownership: freed with `upsell_explanation_free`; every string read from it is owned by it.
/// Thread-safety: immutable; any number of threads may read it at once.
#[derive(Debug)]
pub struct upsell_explanation {
    entries: Vec<(CString, bool, CString)>,
}

/// An offer as JSON, with the keys of Python's offer dicts.
fn offer_json(offer: &Offer) -> serde_json::Value {
    serde_json::json!({
        "rule": offer.rule,
        "kind": offer.kind.as_str(),
        "target": offer.target,
        "channel": offer.channel,
        "message": offer.message,
        "priority": offer.priority,
        "expected_value": offer.expected_value.to_string(),
        "reason": offer.reason,
    })
}

/// Where one customer stands in each cross-sell sequence of the rule file (`sequences:`), as
/// Python's `RuleSet.sequences`: a JSON array with one object per sequence, `sequence`, `day`
/// (days since the anchor, or null), `step` (the step due now, 1 for the first, or null),
/// `offer` (its offer, with the keys `rule`, `kind`, `target`, `channel`, `message`,
/// `priority`, `expected_value` (decimal text) and `reason`; or null) and `reason` (why that step
/// is due, or why none is). `context_json`, `now` and `history_json` are as for
/// `upsell_ruleset_evaluate_json`.
///
/// On success `*json` receives a new string the caller frees with `upsell_string_free`.
/// Thread-safety: `rules` may be used by several threads at once.
///
/// # Safety
///
/// `rules` is a live rule set; `context_json` a NUL-terminated string; `now` and `history_json`
/// NULL or NUL-terminated strings; `json` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ruleset_sequences_json(
    rules: *const upsell_ruleset,
    context_json: *const c_char,
    now: *const c_char,
    history_json: *const c_char,
    json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let json = ffi::out(json, "json")?;
        // SAFETY: forwarded to the caller.
        let call = unsafe { Customer::read(rules, context_json, now, history_json) }?;
        let statuses: Vec<serde_json::Value> = call
            .rules
            .sequences(&call.context, call.history(), call.now)?
            .iter()
            .map(|status| {
                serde_json::json!({
                    "sequence": status.sequence,
                    "day": status.day,
                    "step": status.step,
                    "offer": status.offer.as_ref().map(offer_json),
                    "reason": status.reason,
                })
            })
            .collect();
        // SAFETY: `json` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json(json, &statuses) }
    })
}

/// Records an outcome in an offer history, as Python's `History.record`: reads the history
/// `history_json` (NULL for a new, empty one), adds `outcome` (`"shown"`, `"accepted"` or
/// `"rejected"`) of offer target `target` for `customer` at `at` (RFC 3339), and writes the
/// updated history as JSON (the document `history_json` of the evaluation calls reads) into
/// `*out_json`. The caller stores it: the library keeps no history.
///
/// On success `*out_json` receives a new string the caller frees with `upsell_string_free`. An
/// unknown outcome or a bad time gives `UPSELL_STATUS_INVALID_PARAMETER`. Thread-safety: safe
/// from any thread.
///
/// # Safety
///
/// `history_json` is NULL or NUL-terminated; `customer`, `target`, `outcome` and `at` are
/// NUL-terminated; `out_json` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_history_record_json(
    history_json: *const c_char,
    customer: *const c_char,
    target: *const c_char,
    outcome: *const c_char,
    at: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out_json, "out_json")?;
        // SAFETY: forwarded to the caller.
        let mut history = unsafe { history_from_c(history_json) }?.unwrap_or_default();
        // SAFETY: forwarded to the caller.
        let customer = unsafe { text(customer, "customer") }?;
        // SAFETY: forwarded to the caller.
        let target = unsafe { text(target, "target") }?;
        // SAFETY: forwarded to the caller.
        let outcome: Event = unsafe { text(outcome, "outcome") }?.parse()?;
        // SAFETY: forwarded to the caller.
        let at = now_or_parse(Some(unsafe { text(at, "at") }?))?;
        history.record(customer, target, outcome, at);
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json(out, &history) }
    })
}

/// Explains the decision for one customer: suppressions first, then rules, in file order. The
/// arguments are those of `upsell_ruleset_evaluate_json` without the history (conditions do not
/// read it). On success `*out` receives a new explanation the caller frees with
/// `upsell_explanation_free`. Thread-safety: `rules` may be used by several threads at once.
///
/// # Safety
///
/// `rules` is a live rule set; `context_json` a NUL-terminated string; `now` NULL or
/// NUL-terminated; `out` points to writable storage for a pointer; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_ruleset_explain(
    rules: *const upsell_ruleset,
    context_json: *const c_char,
    now: *const c_char,
    out: *mut *mut upsell_explanation,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller; explaining reads no history.
        let call = unsafe { Customer::read(rules, context_json, now, std::ptr::null()) }?;
        let entries = call
            .rules
            .explain(&call.context, call.now)?
            .iter()
            .map(|e| (c_string(&e.rule), e.fired, c_string(&e.trace)))
            .collect();
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(ffi::into_handle(upsell_explanation { entries })) };
        Ok(())
    })
}

/// The number of entries (0 if `explanation` is NULL). Thread-safety: safe from any thread.
///
/// # Safety
///
/// `explanation` is NULL or a live explanation.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_explanation_count(explanation: *const upsell_explanation) -> usize {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { explanation.as_ref() }.map_or(0, |e| e.entries.len()))
}

/// Entry `index`: its rule or suppression name in `*rule`, 1 in `*fired` when its condition held
/// (else 0), and in `*trace` the condition with the values it saw. Strings are NUL-terminated,
/// owned by the explanation and valid until `upsell_explanation_free`. An index out of range
/// gives `UPSELL_STATUS_INVALID_PARAMETER`. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `explanation` is a live explanation; `rule`, `fired` and `trace` are writable; `err` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_explanation_get(
    explanation: *const upsell_explanation,
    index: usize,
    rule: *mut *const c_char,
    fired: *mut c_int,
    trace: *mut *const c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let explanation = unsafe { ffi::borrow(explanation, "explanation") }?;
        let rule = ffi::out(rule, "rule")?;
        let fired = ffi::out(fired, "fired")?;
        let trace = ffi::out(trace, "trace")?;
        let (name, held, text) = explanation.entries.get(index).ok_or_else(|| {
            Error::invalid_parameter(
                "index",
                format!(
                    "entry {index} out of range (the explanation has {})",
                    explanation.entries.len()
                ),
            )
        })?;
        // SAFETY: the three are not NULL and the caller promises they are writable.
        unsafe {
            rule.write(name.as_ptr());
            fired.write(c_int::from(*held));
            trace.write(text.as_ptr());
        }
        Ok(())
    })
}

/// Frees an explanation and every string read from it; NULL is ignored.
///
/// # Safety
///
/// `explanation` is NULL or a live explanation not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_explanation_free(explanation: *mut upsell_explanation) {
    // SAFETY: forwarded to the caller.
    ffi::infallible(|| unsafe { ffi::free_box(explanation) })
}
