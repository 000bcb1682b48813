//! The upsell report for C: the same document Python's `upsell.report` reads, built by the core
//! from an order file and handed over as one JSON string.
//!
//! The one idea: the options cross as a JSON object (as discovery's do), so new options need no
//! new entry point; every rule about them is the core's `ReportOptions::validate`.

use std::ffi::c_char;
use std::path::Path;

use upsell_core::data::{OrderColumns, OrderLines, OrderReadOptions};
use upsell_core::metrics::Period;
use upsell_core::pricing::{Currency, Money};
use upsell_core::report::{ReportOptions, build_report};
use upsell_core::time::Timestamp;
use upsell_core::{Control, Error};

use crate::control::upsell_control;
use crate::error::upsell_error;
use crate::ffi::{self, Failure, Outcome, text};
use crate::status::upsell_status;

/// The options object of `upsell_report_json`; every key is optional.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    date: Option<String>,
    title: Option<String>,
    source: Option<String>,
    currency: Option<String>,
    columns: Option<String>,
    threshold: Option<String>,
    min_support: Option<f64>,
    min_lift: Option<f64>,
    windows: Option<Vec<i64>>,
    threads: Option<usize>,
    output: Option<String>,
}

/// The options of `options_json`, or the defaults when it is NULL.
///
/// # Safety
///
/// `options_json` is NULL or NUL-terminated.
unsafe fn options(options_json: *const c_char) -> Outcome<Options> {
    if options_json.is_null() {
        return Ok(Options::default());
    }
    // SAFETY: forwarded to the caller; not NULL.
    let text = unsafe { text(options_json, "options_json") }?;
    serde_json::from_str(text).map_err(|e| {
        Failure::Core(Error::invalid_parameter(
            "options_json",
            format!("not valid report options: {e}"),
        ))
    })
}

/// The upsell report of the order file `path` (one row an order line: invoice, item, quantity,
/// price, customer, time; columns found by name as on the other surfaces), as one JSON document
/// `{"report": ..., "html": ..., "markdown": ..., "paths": ...}`: the report's sections, the
/// self-contained HTML page, the Markdown, and the files written (null unless `output` is set).
///
/// `options_json` is NULL (every default) or a JSON object with any of: `date` (`YYYY-MM-DD`,
/// default today in UTC), `title`, `source` (the data's name shown, default `path`), `currency`
/// (default `"GBP"`), `columns` (`"invoice=Order,item=SKU"`), `threshold` (the free-shipping
/// threshold, `"100.00"`), `min_support` (0.005), `min_lift` (1.2), `windows` (days, `[7, 30]`),
/// `threads`, `output` (a directory the HTML, Markdown, JSON and starter rule files are written
/// to, created when missing). An unknown key is `UPSELL_STATUS_INVALID_PARAMETER`.
///
/// On success `*out_json` receives a new string freed with `upsell_string_free`. `control` is
/// NULL or a live handle that can cancel the call from another thread
/// (`UPSELL_STATUS_CANCELLED`). Thread-safety: safe to call from any thread.
///
/// # Safety
///
/// `path` is NUL-terminated; `options_json` is NULL or NUL-terminated; `control` is NULL or a
/// live handle; `out_json` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_report_json(
    path: *const c_char,
    options_json: *const c_char,
    control: *const upsell_control,
    out_json: *mut *mut c_char,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out_json, "out_json")?;
        // SAFETY: forwarded to the caller.
        let path = unsafe { ffi::path(path, "path") }?;
        // SAFETY: forwarded to the caller.
        let raw = unsafe { options(options_json) }?;
        let local = Control::new();
        // SAFETY: the caller passes NULL or a live handle.
        let control = unsafe { control.as_ref() }.map_or(&local, |c| &c.control);
        let currency = Currency::from_code(raw.currency.as_deref().unwrap_or("GBP"))?;
        let mut read = OrderReadOptions {
            currency,
            ..OrderReadOptions::default()
        };
        if let Some(columns) = &raw.columns {
            read.columns = columns.parse::<OrderColumns>()?;
        }
        let defaults = ReportOptions::new(
            raw.source.unwrap_or_else(|| path.display().to_string()),
            raw.date
                .unwrap_or_else(|| Period::Day.label(Timestamp::now())),
        );
        let options = ReportOptions {
            title: raw.title,
            threshold: raw
                .threshold
                .map(|t| Money::parse_tagged(&t, currency))
                .transpose()?,
            min_pair_support: raw.min_support.unwrap_or(defaults.min_pair_support),
            min_lift: raw.min_lift.unwrap_or(defaults.min_lift),
            windows_days: raw.windows.unwrap_or_else(|| defaults.windows_days.clone()),
            threads: raw.threads,
            ..defaults
        };
        options.validate()?;
        let orders = OrderLines::read(&path, &read)?;
        let report = build_report(&orders, &options, control)?;
        let written = raw
            .output
            .map(|dir| report.write(Path::new(&dir)))
            .transpose()?;
        let document = report.document(written.as_ref())?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { ffi::write_json_text(out, document) }
    })
}
