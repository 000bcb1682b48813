//! `upsell triggers discover`: the subgroups of customers with the highest outcome rate, written
//! as a rule file that `upsell triggers check` accepts (the core's `triggers::discover` does the
//! work; this file reads the flags and the customers and prints).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use upsell::Control;
use upsell::metrics::Correction;
use upsell::mining::MinSupport;
use upsell::pricing::{Currency, Money};
use upsell::triggers::{DiscoverOptions, Discovery, OfferKind, PlanPrices, discover_with};

use crate::customers::read_customers;
use crate::error::CliError;
use crate::mine::core_value;
use crate::progress;

/// Arguments of `upsell triggers discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Customers, one a row with a header; the first column is the customer id (not used for
    /// conditions). A CSV file, whose column types are inferred (int, decimal, float, bool,
    /// timestamp, string), or a Parquet file (`.parquet`), typed by its columns.
    customers: PathBuf,
    /// The 0/1 outcome column (`upgraded`, `churned`).
    #[arg(long, value_name = "COLUMN")]
    outcome: String,
    /// Write the rules (YAML) here [default: standard output, the summary then goes to stderr].
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Write every reported subgroup's statistics here (CSV).
    #[arg(long, value_name = "PATH.csv")]
    subgroups: Option<PathBuf>,
    /// The smallest subgroup: a count (`50`) or a fraction of the customers (`0.01`).
    #[arg(long, value_name = "S", value_parser = core_value::<MinSupport>, default_value = "0.01")]
    min_size: MinSupport,
    /// Conditions per subgroup (1 to 3).
    #[arg(long, value_name = "N", default_value_t = 3)]
    max_conditions: usize,
    /// The significance level of the corrected p-values.
    #[arg(long, value_name = "A", default_value_t = 0.05)]
    alpha: f64,
    /// The correction for the number of subgroups tested: holm or bh.
    #[arg(long, value_name = "METHOD", value_parser = core_value::<Correction>, default_value = "holm")]
    correction: Correction,
    /// More columns not to use for conditions (repeat, or separate with commas).
    #[arg(long, value_name = "COLUMN", value_delimiter = ',')]
    ignore: Vec<String>,
    /// Report at most this many subgroups.
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    /// The offer's kind: upgrade, cross_sell, bundle or threshold_fill.
    #[arg(long, value_name = "KIND", value_parser = core_value::<OfferKind>, default_value = "upgrade")]
    offer_kind: OfferKind,
    /// The offer's target [default: the plan given by --target-plan, else the outcome's name].
    #[arg(long, value_name = "TARGET")]
    target: Option<String>,
    /// A plan's price per period, PLAN=AMOUNT (repeat), for the rules' expected_value.
    #[arg(long = "price", value_name = "PLAN=AMOUNT", requires = "target_plan")]
    prices: Vec<String>,
    /// The plan the upgrade leads to (it needs a --price).
    #[arg(long, value_name = "PLAN", requires = "prices")]
    target_plan: Option<String>,
    /// The column holding each customer's plan.
    #[arg(long, value_name = "COLUMN", default_value = "plan")]
    plan_column: String,
    /// The currency of the prices (ISO 4217).
    #[arg(long, value_name = "CODE", value_parser = core_value::<Currency>, default_value = "USD")]
    currency: Currency,
    /// Threads [default: UPSELL_MAX_THREADS or the number of cores].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

/// Runs `upsell triggers discover`.
pub fn run(args: &DiscoverArgs, control: &Control) -> Result<(), CliError> {
    let batch = read_customers(&args.customers, None, args.threads)?;
    let mut ignore: Vec<String> = batch
        .schema()
        .fields()
        .take(1)
        .map(|(n, _)| n.to_owned())
        .collect();
    ignore.extend(args.ignore.iter().cloned());
    let prices = if let Some(target) = args.target_plan.clone() {
        let mut prices = Vec::new();
        for text in &args.prices {
            let (plan, amount) = text.split_once('=').ok_or_else(|| {
                CliError::Usage(format!(
                    "--price {text}: expected PLAN=AMOUNT, such as pro=49.00"
                ))
            })?;
            prices.push((
                plan.trim().to_owned(),
                Money::parse(amount.trim(), args.currency)?,
            ));
        }
        Some(PlanPrices::new(args.plan_column.clone(), target, prices))
    } else {
        None
    };
    let options = DiscoverOptions {
        min_size: args.min_size,
        max_conditions: args.max_conditions,
        alpha: args.alpha,
        correction: args.correction,
        ignore,
        top: args.top,
        offer_kind: args.offer_kind,
        offer_target: args.target.clone(),
        prices,
        threads: args.threads,
        ..DiscoverOptions::new(args.outcome.clone())
    };
    let found = progress::while_working("discovering", control, || {
        discover_with(&batch, &options, control)
    })?;
    if let Some(path) = &args.subgroups {
        write_subgroups(path, &found)?;
    }
    match &args.output {
        Some(path) => {
            let mut file = crate::output::open_file(path)?;
            file.write_all(found.rules_yaml.as_bytes())
                .map_err(|e| CliError::write(path, e))?;
            crate::output::commit_file(file)?;
            summary(&mut std::io::stdout().lock(), &found, &args.outcome)
                .map_err(CliError::stdout)?;
        }
        None => {
            summary(&mut std::io::stderr().lock(), &found, &args.outcome)
                .map_err(|e| CliError::write("<stderr>", e))?;
            std::io::stdout()
                .lock()
                .write_all(found.rules_yaml.as_bytes())
                .map_err(CliError::stdout)?;
        }
    }
    Ok(())
}

fn summary(out: &mut dyn Write, found: &Discovery, outcome: &str) -> std::io::Result<()> {
    writeln!(
        out,
        "{} customers, {} with {outcome} (base rate {:.4}); {} subgroups tested, {} reported",
        found.customers,
        found.positives,
        found.base_rate,
        found.tests,
        found.subgroups.len()
    )?;
    for skipped in &found.skipped {
        writeln!(
            out,
            "column {} not used: {}",
            skipped.column, skipped.reason
        )?;
    }
    if !found.subgroups.is_empty() {
        writeln!(
            out,
            "   #     size    rate    lift [95%]             p adj      subgroup"
        )?;
    }
    for (k, s) in found.subgroups.iter().enumerate().take(20) {
        writeln!(
            out,
            "{:>4} {:>8}  {:.4}  {:>5.2} [{:.2}, {:.2}]  {:>10.3e}  {}",
            k + 1,
            s.size,
            s.rate,
            s.lift,
            s.lift_low,
            s.lift_high,
            s.p_adjusted,
            s.expression()
        )?;
    }
    Ok(())
}

fn write_subgroups(path: &std::path::Path, found: &Discovery) -> Result<(), CliError> {
    crate::output::write_csv_file(path, |csv| {
        csv.write_record([
            "subgroup",
            "conditions",
            "size",
            "positives",
            "rate",
            "rate_low",
            "rate_high",
            "lift",
            "lift_low",
            "lift_high",
            "p_value",
            "p_adjusted",
            "significant",
            "redundant",
            "expected_value",
        ])?;
        for s in &found.subgroups {
            csv.write_record([
                s.expression(),
                s.conditions.len().to_string(),
                s.size.to_string(),
                s.positives.to_string(),
                s.rate.to_string(),
                s.rate_low.to_string(),
                s.rate_high.to_string(),
                s.lift.to_string(),
                s.lift_low.to_string(),
                s.lift_high.to_string(),
                s.p_value.to_string(),
                s.p_adjusted.to_string(),
                s.significant.to_string(),
                s.redundant.to_string(),
                s.expected_value.clone().unwrap_or_default(),
            ])?;
        }
        Ok(())
    })
}
