//! `upsell metrics`: expansion metrics of an order file (AOV, items per order, attach rate, revenue
//! per customer, repeat rate), overall or by segment and period.

use std::io::Write;

use clap::Args;
use upsell::Control;
use upsell::metrics::{OrderMetrics, Period, order_metrics};

use crate::bundles::OrderArgs;
use crate::error::CliError;
use crate::mine::core_value;
use crate::summary::Summary;

/// Arguments of `upsell metrics`.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[command(flatten)]
    pub orders: OrderArgs,

    /// Group by period: all, day, week, month (UTC calendar).
    #[arg(long, value_name = "PERIOD", default_value = "all", value_parser = core_value::<Period>)]
    pub period: Period,

    /// Also group by the segment column (Country by default).
    #[arg(long)]
    pub by_segment: bool,

    /// Print the rows as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `upsell metrics`.
pub fn run(args: &MetricsArgs, control: &Control) -> Result<(), CliError> {
    let mut summary = Summary::default();
    let orders = args.orders.read(&mut summary)?;
    control.check()?;
    let rows = order_metrics(&orders, args.period, args.by_segment)?;
    summary.print();
    if args.json {
        return crate::output::print_json(&rows);
    }
    print_rows(&mut std::io::stdout().lock(), &rows).map_err(CliError::stdout)
}

fn print_rows(out: &mut dyn Write, rows: &[OrderMetrics]) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<20} {:<10} {:>7} {:>9} {:>13} {:>9} {:>10} {:>10} {:>7} {:>12} {:>7}",
        "segment",
        "period",
        "orders",
        "customers",
        "revenue",
        "aov",
        "items/ord",
        "lines/ord",
        "attach",
        "rev/customer",
        "repeat"
    )?;
    for row in rows {
        writeln!(
            out,
            "{:<20} {:<10} {:>7} {:>9} {:>13} {:>9} {:>10.2} {:>10.2} {:>6.1}% {:>12} {:>6.1}%",
            row.segment.chars().take(20).collect::<String>(),
            row.period,
            row.orders,
            row.customers,
            row.revenue.amount_string(),
            row.aov.amount_string(),
            row.items_per_order,
            row.lines_per_order,
            row.attach_rate * 100.0,
            row.revenue_per_customer
                .map_or_else(|| "-".to_owned(), |m| m.amount_string()),
            row.repeat_rate.unwrap_or(0.0) * 100.0,
        )?;
    }
    Ok(())
}
