//! `upsell._upsell` pricing functions: bundles, threshold fillers, mixed bundling, tiers.
//!
//! Mirrors `upsell::pricing`. Amounts cross as decimal strings (`"2.55"`, `"2.55 EUR"`) and are
//! parsed by the core; results cross as JSON of the core's serde structs (money as
//! `{"minor": 255, "currency": "GBP"}`), which `upsell/pricing.py` turns into DataFrames of
//! `Decimal`s. No float ever carries money across.

use numpy::PyReadonlyArray2;
use pyo3::prelude::*;
use upsell::data::{OrderLines, OrderReadOptions};
use upsell::mining::MinSupport;
use upsell::pricing::{
    BundleOptions, BundlePolicy, Currency, DiscountBand, MigrationOptions, MixedOptions, Money,
    PriceList, SubscriptionRecord, tier_migration,
    ThresholdOptions, Tier, TierOptions, analyse_tiers, fill_threshold_for_invoice,
    fill_threshold_from_orders, find_bundles, optimise_mixed_bundle, percent_to_bp, price_bundle,
};
use upsell::time::{Timestamp, from_unix_seconds, parse_timestamp_at};

use crate::errors::{PyUpsellResult, Threads};
use crate::gil;

/// Serialises a core result for Python.
pub(crate) fn to_json(value: &impl serde::Serialize) -> upsell::Result<String> {
    serde_json::to_string(value).map_err(|e| {
        upsell::Error::invalid_input(
            upsell::Location::memory(),
            format!("cannot serialise the result: {e}"),
        )
    })
}

fn read_orders(path: &str, currency: Currency) -> upsell::Result<OrderLines> {
    OrderLines::read(
        path,
        &OrderReadOptions {
            currency,
            ..OrderReadOptions::default()
        },
    )
}

/// The exponent (decimals of the minor unit) of an ISO 4217 currency.
#[pyfunction]
pub(crate) fn currency_exponent(code: &str) -> PyUpsellResult<u8> {
    Ok(Currency::from_code(code)?.exponent())
}

fn policy(
    currency: Currency,
    discount: &(String, String),
    ending: &str,
    max_discount: Option<&str>,
    min_margin: &str,
) -> upsell::Result<BundlePolicy> {
    Ok(BundlePolicy {
        band: DiscountBand::parse_percent(&discount.0, &discount.1)?,
        min_margin_bp: percent_to_bp("min_margin", min_margin)?,
        max_discount: max_discount
            .map(|t| Money::parse_tagged(t, currency))
            .transpose()?,
        ending: ending.parse()?,
    })
}

/// Prices one bundle: JSON of the quote, or of the refusal (`{"refused": "..."}`).
#[pyfunction]
#[pyo3(signature = (items, prices, *, costs=None, currency="GBP", discount=(String::from("15"), String::from("25")), ending="nine", max_discount=None, min_margin="0"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn price_bundle_json(
    items: Vec<String>,
    prices: Vec<(String, String)>,
    costs: Option<Vec<(String, String)>>,
    currency: &str,
    discount: (String, String),
    ending: &str,
    max_discount: Option<String>,
    min_margin: &str,
) -> PyUpsellResult<String> {
    let currency = Currency::from_code(currency)?;
    let policy = policy(currency, &discount, ending, max_discount.as_deref(), min_margin)?;
    let prices = PriceList::parse(currency, prices)?;
    let costs = costs.map(|c| PriceList::parse(currency, c)).transpose()?;
    let labels: Vec<&str> = items.iter().map(String::as_str).collect();
    let json = match price_bundle(&labels, &prices, costs.as_ref(), &policy)? {
        Ok(quote) => to_json(&quote)?,
        Err(refusal) => to_json(&serde_json::json!({ "refused": refusal, "reason": refusal.describe() }))?,
    };
    Ok(json)
}

/// Bundles found in an order file: JSON `{"summary": ..., "report": ...}`.
#[pyfunction]
#[pyo3(signature = (path, *, currency="GBP", min_support=10, min_items=2, max_items=4, top=10, discount=(String::from("15"), String::from("25")), ending="nine", max_discount=None, min_margin="0", costs=None, threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn bundles_json(
    py: Python<'_>,
    path: String,
    currency: &str,
    min_support: u64,
    min_items: usize,
    max_items: usize,
    top: usize,
    discount: (String, String),
    ending: &str,
    max_discount: Option<String>,
    min_margin: &str,
    costs: Option<Vec<(String, String)>>,
    threads: Option<Threads>,
) -> PyUpsellResult<String> {
    let threads = threads.map(Threads::get);
    let currency = Currency::from_code(currency)?;
    let policy = policy(currency, &discount, ending, max_discount.as_deref(), min_margin)?;
    let costs = costs.map(|c| PriceList::parse(currency, c)).transpose()?;
    let options = BundleOptions {
        min_items,
        max_items,
        top,
        policy,
        threads,
        ..BundleOptions::new(MinSupport::count(min_support))
    };
    gil::run(py, |control| {
        let orders = read_orders(&path, currency)?;
        let report = find_bundles(&orders, costs.as_ref(), &options, control)?;
        to_json(&serde_json::json!({ "summary": orders.summary(), "report": report }))
    })
}

/// Threshold fillers for an invoice of an order file or a cart of its items: JSON
/// `{"summary": ..., "fill": ...}`.
#[pyfunction]
#[pyo3(signature = (path, threshold, *, invoice=None, cart=None, currency="GBP", top=10, pairs=true, max_candidates=200))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn threshold_json(
    py: Python<'_>,
    path: String,
    threshold: String,
    invoice: Option<String>,
    cart: Option<Vec<String>>,
    currency: &str,
    top: usize,
    pairs: bool,
    max_candidates: usize,
) -> PyUpsellResult<String> {
    let currency = Currency::from_code(currency)?;
    let threshold = Money::parse_tagged(&threshold, currency)?;
    let options = ThresholdOptions {
        top,
        pairs,
        max_candidates,
        ..ThresholdOptions::default()
    };
    gil::run(py, |_control| {
        let orders = read_orders(&path, currency)?;
        let fill = match (&invoice, &cart) {
            (Some(invoice), None) => {
                fill_threshold_for_invoice(&orders, invoice, threshold, &options)?
            }
            (None, Some(cart)) => {
                let labels: Vec<&str> = cart.iter().map(String::as_str).collect();
                fill_threshold_from_orders(&orders, &labels, None, threshold, &options)?
            }
            _ => {
                return Err(upsell::Error::invalid_parameter(
                    "cart",
                    "give exactly one of invoice= and cart=",
                ));
            }
        };
        to_json(&serde_json::json!({ "summary": orders.summary(), "fill": fill }))
    })
}

/// The best mixed-bundling prices for a willingness-to-pay matrix in minor units: JSON.
#[pyfunction]
#[pyo3(signature = (wtp, *, currency="USD", costs=None, search="auto", max_vertex_systems=20_000_000))]
pub(crate) fn mixed_bundle_json(
    py: Python<'_>,
    wtp: PyReadonlyArray2<'_, i64>,
    currency: &str,
    costs: Option<Vec<i64>>,
    search: &str,
    max_vertex_systems: u64,
) -> PyUpsellResult<String> {
    let currency = Currency::from_code(currency)?;
    let search = serde_json::from_value(serde_json::Value::String(search.to_owned())).map_err(|_| {
        upsell::Error::invalid_parameter("search", format!("'{search}' is not one of auto, exact, heuristic"))
    })?;
    let matrix = wtp.as_array().to_owned();
    let costs: Option<Vec<Money>> =
        costs.map(|c| c.into_iter().map(|m| Money::new(m, currency)).collect());
    let options = MixedOptions {
        search,
        max_vertex_systems,
    };
    gil::run(py, |control| {
        let solution =
            optimise_mixed_bundle(matrix.view(), currency, costs.as_deref(), &options, control)?;
        to_json(&solution)
    })
}

/// Tier analysis of `(name, price, customers)` plans: JSON rows.
#[pyfunction]
#[pyo3(signature = (tiers, *, currency="USD", gap_ratio_bp=25_000, upgrade_take_bp=500, ending="whole_nine"))]
pub(crate) fn tiers_json(
    tiers: Vec<(String, String, u64)>,
    currency: &str,
    gap_ratio_bp: u32,
    upgrade_take_bp: u32,
    ending: &str,
) -> PyUpsellResult<String> {
    let currency = Currency::from_code(currency)?;
    let tiers = tiers
        .into_iter()
        .map(|(name, price, customers)| {
            Ok(Tier {
                price: Money::parse_tagged(&price, currency)?,
                name,
                customers,
            })
        })
        .collect::<upsell::Result<Vec<Tier>>>()?;
    let options = TierOptions {
        gap_ratio_bp,
        upgrade_take_bp,
        ending: ending.parse()?,
        ..TierOptions::default()
    };
    Ok(to_json(&analyse_tiers(&tiers, &options)?)?)
}

/// A date column: UTC seconds (from dates and timestamps), or text the core parses.
#[derive(FromPyObject)]
pub(crate) enum Dates {
    Seconds(Vec<Option<i64>>),
    Texts(Vec<Option<String>>),
}

/// Tier migration of a history given as columns (dates as UTC seconds or text, MRR as decimal
/// text): JSON `{"migration": ..., "current_tiers": [...]}`.
#[pyfunction]
#[pyo3(signature = (customers, dates, plans, mrr, *, currency="USD", tiers=None))]
pub(crate) fn tier_migration_json(
    customers: Vec<Option<String>>,
    dates: Dates,
    plans: Vec<Option<String>>,
    mrr: Vec<Option<String>>,
    currency: &str,
    tiers: Option<Vec<String>>,
) -> PyUpsellResult<String> {
    let currency = Currency::from_code(currency)?;
    let at = |row: usize, column: &str| {
        upsell::Location::memory().line(row as u64 + 1).column_name(column)
    };
    let dates: Vec<Option<upsell::Result<Timestamp>>> = match dates {
        Dates::Seconds(s) => s.iter().enumerate().map(|(row, s)| s.map(|s| from_unix_seconds(s, || at(row, "date")))).collect(),
        Dates::Texts(t) => t.iter().enumerate().map(|(row, t)| t.as_deref().map(|t| parse_timestamp_at(t, || at(row, "date")))).collect(),
    };
    let mut history = Vec::with_capacity(customers.len());
    for (row, (((customer, date), plan), amount)) in
        customers.into_iter().zip(dates).zip(plans).zip(mrr).enumerate()
    {
        let missing = |column: &str| {
            upsell::Error::invalid_input(
                at(row, column),
                format!("{column} missing in row {}", row + 1),
            )
        };
        let date = date.ok_or_else(|| missing("date"))??;
        let amount = amount.ok_or_else(|| missing("mrr"))?;
        history.push(SubscriptionRecord::new(
            customer.ok_or_else(|| missing("customer"))?,
            date,
            plan.ok_or_else(|| missing("plan"))?,
            Money::parse_at(&amount, currency, || at(row, "mrr"))?,
        ));
    }
    let found = tier_migration(&history, &MigrationOptions { tiers })?;
    Ok(to_json(&serde_json::json!({
        "migration": found,
        "current_tiers": found.current_tiers(),
    }))?)
}
