//! `upsell._upsell` report function: the core builds, renders and writes the report; this file
//! converts the arguments and hands back the JSON and the rendered pages.

use pyo3::prelude::*;
use upsell::data::{OrderColumns, OrderLines, OrderReadOptions};
use upsell::pricing::{Currency, Money};
use upsell::report::{ReportOptions, build_report};

use crate::errors::{PyUpsellResult, Threads};
use crate::gil;

/// The report of an order file: JSON `{"report": ..., "html": ..., "markdown": ..., "paths": ...}`
/// (`paths` null when `output` is None).
#[pyfunction]
#[pyo3(signature = (path, date, *, source=None, columns=None, currency="GBP", threshold=None, title=None, output=None, min_support=0.005, min_lift=1.2, windows=vec![7, 30], threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn report_json(
    py: Python<'_>,
    path: String,
    date: String,
    source: Option<String>,
    columns: Option<String>,
    currency: &str,
    threshold: Option<String>,
    title: Option<String>,
    output: Option<String>,
    min_support: f64,
    min_lift: f64,
    windows: Vec<i64>,
    threads: Option<Threads>,
) -> PyUpsellResult<String> {
    let currency = currency.to_owned();
    gil::run(py, move |control| {
        let currency = Currency::from_code(&currency)?;
        let mut read = OrderReadOptions { currency, ..OrderReadOptions::default() };
        if let Some(columns) = columns {
            read.columns = columns.parse::<OrderColumns>()?;
        }
        let options = ReportOptions {
            title,
            threshold: threshold.map(|t| Money::parse_tagged(&t, currency)).transpose()?,
            min_pair_support: min_support,
            min_lift,
            windows_days: windows,
            threads: threads.map(Threads::get),
            ..ReportOptions::new(source.unwrap_or_else(|| path.clone()), date)
        };
        options.validate()?;
        let orders = OrderLines::read(&path, &read)?;
        let report = build_report(&orders, &options, control)?;
        let written = output
            .map(|dir| report.write(std::path::Path::new(&dir)))
            .transpose()?;
        report.document(written.as_ref())
    })
}
