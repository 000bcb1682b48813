//! `upsell threshold`: for a cart below a free-shipping (or reward) threshold, the items or pairs
//! bought with it that close the gap with the least overshoot.

use std::io::Write;

use clap::Args;
use upsell::Control;
use upsell::pricing::{
    Money, ThresholdOptions, fill_threshold_for_invoice, fill_threshold_from_orders,
};

use crate::bundles::OrderArgs;
use crate::error::CliError;
use crate::summary::{Summary, thousands};

/// Arguments of `upsell threshold`.
#[derive(Debug, Args)]
pub struct ThresholdArgs {
    #[command(flatten)]
    pub orders: OrderArgs,

    /// The threshold, e.g. 100.00.
    #[arg(long, value_name = "AMOUNT")]
    pub threshold: String,

    /// The cart: an invoice of the file (its items and what was paid).
    #[arg(
        long,
        value_name = "ID",
        conflicts_with = "cart",
        required_unless_present = "cart"
    )]
    pub invoice: Option<String>,

    /// The cart: item codes separated by commas (one unit each at its list price).
    #[arg(long, value_name = "ITEM,...", value_delimiter = ',')]
    pub cart: Vec<String>,

    /// How many fillers to show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// Suggest single items only.
    #[arg(long)]
    pub no_pairs: bool,

    /// Print the result as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `upsell threshold`.
pub fn run(args: &ThresholdArgs, control: &Control) -> Result<(), CliError> {
    let threshold = Money::parse(&args.threshold, args.orders.currency)?;
    let options = ThresholdOptions {
        top: args.top,
        pairs: !args.no_pairs,
        ..ThresholdOptions::default()
    };
    let mut summary = Summary::default();
    let orders = args.orders.read(&mut summary)?;
    control.check()?;
    let fill = match &args.invoice {
        Some(invoice) => fill_threshold_for_invoice(&orders, invoice, threshold, &options)?,
        None => {
            let cart: Vec<&str> = args.cart.iter().map(String::as_str).collect();
            fill_threshold_from_orders(&orders, &cart, None, threshold, &options)?
        }
    };
    summary.add("cart total", fill.cart_total.to_string());
    summary.add("threshold", fill.threshold.to_string());
    summary.add("gap", fill.gap.to_string());
    summary.add("candidates", thousands(fill.candidates as u64));
    summary.print();
    if args.json {
        return crate::output::print_json(&fill);
    }
    print_fillers(&mut std::io::stdout().lock(), &orders, &fill).map_err(CliError::stdout)
}

fn print_fillers(
    out: &mut dyn Write,
    orders: &upsell::data::OrderLines,
    fill: &upsell::pricing::ThresholdFill,
) -> std::io::Result<()> {
    if fill.gap.minor() == 0 {
        return writeln!(out, "the cart already reaches the threshold");
    }
    if fill.fillers.is_empty() {
        return writeln!(out, "no item or pair bought with this cart closes the gap");
    }
    writeln!(
        out,
        "{:>2}  {:<70} {:>10} {:>10} {:>8} {:>7}",
        "#", "add", "adds", "overshoot", "affinity", "score"
    )?;
    for (rank, filler) in fill.fillers.iter().enumerate() {
        let names: Vec<String> = filler
            .items
            .iter()
            .zip(&filler.prices)
            .map(|(item, price)| {
                let description = orders
                    .items()
                    .id(item)
                    .and_then(|id| orders.description(id))
                    .unwrap_or("");
                format!(
                    "{item} {} ({})",
                    description.chars().take(20).collect::<String>(),
                    price.amount_string()
                )
            })
            .collect();
        writeln!(
            out,
            "{:>2}  {:<70} {:>10} {:>10} {:>8} {:>7.2}",
            rank + 1,
            names.join(" + "),
            filler.added.amount_string(),
            filler.overshoot.amount_string(),
            filler.affinity,
            filler.score
        )?;
    }
    Ok(())
}
