//! `upsell bundles`: read priced order lines, find what sells together, price it as bundles under a
//! policy, and show the best ones with their savings.
//!
//! The summary (rows read, rows excluded and why, orders, candidates, refusals) goes to stderr; the
//! table (or `--json`) to stdout.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use upsell::Control;
use upsell::data::{OrderColumns, OrderLines, OrderReadOptions};
use upsell::mining::MinSupport;
use upsell::pricing::{
    BundleOptions, BundlePolicy, Currency, DiscountBand, Money, PriceEnding, PriceList,
    find_bundles, percent_to_bp,
};

use crate::error::CliError;
use crate::mine::core_value;
use crate::progress;
use crate::summary::{Summary, thousands};

/// The order file and how to read it, shared by `bundles`, `threshold` and `metrics`.
#[derive(Debug, Args)]
pub struct OrderArgs {
    /// Long CSV of order lines (default columns: those of the UCI Online Retail data).
    pub file: PathBuf,

    /// The currency of the prices (ISO 4217).
    #[arg(long, value_name = "CODE", default_value = "GBP", value_parser = core_value::<Currency>)]
    pub currency: Currency,

    /// Column names, as `invoice=InvoiceNo,item=StockCode,quantity=Quantity,price=UnitPrice,
    /// customer=CustomerID,time=InvoiceDate,description=Description,segment=Country`; only those to change.
    #[arg(long, value_name = "ROLE=NAME,...", value_parser = core_value::<OrderColumns>)]
    pub columns: Option<OrderColumns>,
}

impl OrderArgs {
    /// Reads the orders and adds what was kept and excluded to `summary`.
    pub fn read(&self, summary: &mut Summary) -> Result<OrderLines, CliError> {
        let mut options = OrderReadOptions {
            currency: self.currency,
            ..OrderReadOptions::default()
        };
        if let Some(columns) = &self.columns {
            options.columns = columns.clone();
        }
        let orders = OrderLines::read(&self.file, &options)?;
        let s = orders.summary();
        summary.add("file", self.file.display().to_string());
        summary.add("rows", thousands(s.rows));
        summary.add("kept", thousands(s.kept));
        if s.excluded.is_empty() {
            summary.add("excluded", "0");
        }
        for (reason, rows) in &s.excluded {
            summary.add(
                "excluded",
                format!("{} ({})", thousands(*rows), reason.describe()),
            );
        }
        summary.add(
            "no customer",
            format!(
                "{} rows (kept for order metrics, not per-customer ones)",
                thousands(s.kept_without_customer)
            ),
        );
        summary.add("orders", thousands(s.orders));
        summary.add("customers", thousands(s.customers));
        Ok(orders)
    }
}

/// Arguments of `upsell bundles`.
#[derive(Debug, Args)]
pub struct BundlesArgs {
    #[command(flatten)]
    pub orders: OrderArgs,

    /// Minimum support of candidate itemsets: a count of orders (10) or a fraction (0.02).
    #[arg(short = 's', long, value_name = "S", default_value = "10", value_parser = core_value::<MinSupport>)]
    pub min_support: MinSupport,

    /// Bundle sizes.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub min_items: usize,

    /// Bundle sizes.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub max_items: usize,

    /// The discount band off the sum of item prices, in percent.
    #[arg(long, value_name = "MIN-MAX", default_value = "15-25", value_parser = core_value::<DiscountBand>)]
    pub discount: DiscountBand,

    /// The price ending: exact, nine, 99, 95, whole, whole_nine.
    #[arg(long, value_name = "ENDING", default_value = "nine", value_parser = core_value::<PriceEnding>)]
    pub ending: PriceEnding,

    /// The largest saving allowed, in money (e.g. 10.00).
    #[arg(long, value_name = "AMOUNT")]
    pub max_discount: Option<String>,

    /// Unit costs: a CSV with a header `item,cost`; enables the margin floor and margin ranking.
    #[arg(long, value_name = "PATH")]
    pub costs: Option<PathBuf>,

    /// The margin floor over unit cost, in percent (with --costs).
    #[arg(long, value_name = "PERCENT", default_value = "0", value_parser = margin_bp)]
    pub min_margin: u32,

    /// How many bundles to show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// Print the report as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `--min-margin`: a percent (up to two decimals) in basis points, as on every surface.
fn margin_bp(text: &str) -> Result<u32, String> {
    percent_to_bp("min_margin", text).map_err(|e| e.to_string())
}

/// Runs `upsell bundles`.
pub fn run(args: &BundlesArgs, control: &Control) -> Result<(), CliError> {
    let currency = args.orders.currency;
    let max_discount = args
        .max_discount
        .as_deref()
        .map(|t| Money::parse(t, currency))
        .transpose()?;
    let options = BundleOptions {
        min_items: args.min_items,
        max_items: args.max_items,
        top: args.top,
        policy: BundlePolicy {
            band: args.discount,
            min_margin_bp: args.min_margin,
            max_discount,
            ending: args.ending,
        },
        ..BundleOptions::new(args.min_support)
    };
    let costs = args
        .costs
        .as_deref()
        .map(|p| PriceList::read_csv(p, currency))
        .transpose()?;
    let mut summary = Summary::default();
    let orders = args.orders.read(&mut summary)?;
    let report = progress::while_working("bundles", control, || {
        find_bundles(&orders, costs.as_ref(), &options, control)
    })?;
    summary.add("candidates", thousands(report.candidates));
    for (refusal, count) in &report.refused {
        summary.add(
            "refused",
            format!("{} ({})", thousands(*count), refusal.describe()),
        );
    }
    summary.print();
    if args.json {
        return crate::output::print_json(&report);
    }
    print_bundles(&mut std::io::stdout().lock(), &report).map_err(CliError::stdout)
}

fn print_bundles(
    out: &mut dyn Write,
    report: &upsell::pricing::BundleReport,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>2}  {:<58} {:>22} {:>9} {:>9} {:>13} {:>6} {:>12}",
        "#", "bundle", "item prices", "sum", "price", "saving", "orders", "E[rev]/1000"
    )?;
    for (rank, bundle) in report.bundles.iter().enumerate() {
        let q = &bundle.quote;
        let names: Vec<String> = q
            .items
            .iter()
            .zip(&bundle.descriptions)
            .map(|(item, d)| {
                d.as_deref()
                    .map_or_else(|| item.clone(), |d| format!("{item} {}", truncate(d, 22)))
            })
            .collect();
        let prices: Vec<String> = q.item_prices.iter().map(|p| p.amount_string()).collect();
        let saving = format!(
            "{} ({}.{}%)",
            q.saving.amount_string(),
            q.saving_bp / 100,
            (q.saving_bp % 100) / 10
        );
        writeln!(
            out,
            "{:>2}  {:<58} {:>22} {:>9} {:>9} {:>13} {:>6} {:>12}",
            rank + 1,
            truncate(&names.join(" + "), 58),
            prices.join(" + "),
            q.sum.amount_string(),
            q.price.amount_string(),
            saving,
            bundle.orders,
            bundle.revenue_per_1000_orders.amount_string(),
        )?;
    }
    writeln!(
        out,
        "prices in {}; E[rev]/1000: expected incremental revenue per 1,000 orders",
        report
            .bundles
            .first()
            .map_or("-".to_owned(), |b| b.quote.sum.currency().to_string())
    )
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        text.chars().take(width - 1).chain(['~']).collect()
    }
}
