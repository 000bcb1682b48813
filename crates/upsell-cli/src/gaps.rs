//! `upsell triggers gaps`: per plan, the included features customers do not use, how common each
//! gap is and how it goes with churn (the core's `triggers::adoption_gaps` does the work; this
//! file reads the flags and the customers and prints).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use upsell::metrics::Correction;
use upsell::triggers::{AdoptionGaps, AdoptionOptions, PlanFeatures, adoption_gaps};

use crate::customers::read_customers;
use crate::error::CliError;
use crate::mine::core_value;

/// Arguments of `upsell triggers gaps`.
#[derive(Debug, Args)]
pub struct GapsArgs {
    /// Customers, one a row with a header; the first column is the customer id. A CSV file,
    /// whose column types are inferred, or a Parquet file (`.parquet`), typed by its columns;
    /// usage columns hold counts (a missing value counts as no usage).
    customers: PathBuf,
    /// A plan and the usage columns of the features it includes, PLAN=COLUMN,COLUMN,... (repeat
    /// for every plan customers are on; `free=` for a plan including none).
    #[arg(long = "plan", value_name = "PLAN=COLUMNS", required = true, value_parser = core_value::<PlanFeatures>)]
    plans: Vec<PlanFeatures>,
    /// The 0/1 outcome column associated with each gap.
    #[arg(long, value_name = "COLUMN", default_value = "churned")]
    outcome: String,
    /// The column holding each customer's plan.
    #[arg(long, value_name = "COLUMN", default_value = "plan")]
    plan_column: String,
    /// A feature used fewer times than this is unused.
    #[arg(long, value_name = "N", default_value_t = 1)]
    min_usage: i64,
    /// The significance level of the corrected p-values.
    #[arg(long, value_name = "A", default_value_t = 0.05)]
    alpha: f64,
    /// The correction for the number of gaps tested: holm or bh.
    #[arg(long, value_name = "METHOD", value_parser = core_value::<Correction>, default_value = "holm")]
    correction: Correction,
    /// Write every customer's unused features here (CSV: customer, plan, feature).
    #[arg(short, long, value_name = "PATH.csv")]
    output: Option<PathBuf>,
}

/// Runs `upsell triggers gaps`.
pub fn run(args: &GapsArgs) -> Result<(), CliError> {
    let batch = read_customers(&args.customers, None, None)?;
    let options = AdoptionOptions {
        plan_column: args.plan_column.clone(),
        outcome: args.outcome.clone(),
        customer_column: batch.schema().fields().next().map(|(n, _)| n.to_owned()),
        min_usage: args.min_usage,
        alpha: args.alpha,
        correction: args.correction,
        ..AdoptionOptions::new(args.plans.clone())
    };
    let found = adoption_gaps(&batch, &options)?;
    if let Some(path) = &args.output {
        write_customer_gaps(path, &found)?;
    }
    summary(&mut std::io::stdout().lock(), &found, &args.outcome).map_err(CliError::stdout)
}

fn summary(out: &mut dyn Write, found: &AdoptionGaps, outcome: &str) -> std::io::Result<()> {
    writeln!(
        out,
        "{} customers, {} with {outcome}; {} (plan, feature) gaps, {} customer gaps",
        found.customers,
        found.positives,
        found.gaps.len(),
        found.customer_gaps.len()
    )?;
    writeln!(
        out,
        "plan             feature                    customers  share    rate    lift [95%]             p adj  gap"
    )?;
    for g in &found.gaps {
        writeln!(
            out,
            "{:<16} {:<24} {:>5}/{:<5}  {:.3}  {:.4}  {:>5.2} [{:.2}, {:.2}]  {:>10.3e}  {}{}",
            g.plan,
            g.feature,
            g.customers,
            g.plan_customers,
            g.share,
            g.rate,
            g.lift,
            g.lift_low,
            g.lift_high,
            g.p_adjusted,
            g.expression(),
            if g.significant { "  *" } else { "" }
        )?;
    }
    Ok(())
}

fn write_customer_gaps(path: &std::path::Path, found: &AdoptionGaps) -> Result<(), CliError> {
    crate::output::write_csv_file(path, |csv| {
        csv.write_record(["customer", "plan", "feature"])?;
        for g in &found.customer_gaps {
            csv.write_record([&g.customer, &g.plan, &g.feature])?;
        }
        Ok(())
    })
}
