//! `upsell triggers`: check a rule file, or decide the offers for every customer of a CSV or
//! Parquet file (`customers.rs` reads either).
//!
//! `check` loads the rules (and, with `--data`, type-checks them against a data file's columns)
//! and prints every problem; `eval` prints one CSV line per (customer, offer): customer id (the
//! first column's value), rule, offer kind, target, priority, reason. Offers withheld for a rule's
//! control group are not printed (the customer does not see them); `--held-out` prints them too,
//! with a seventh column `held_out`. `discover` writes rules from data (`discover.rs`); `gaps`
//! finds the unused features of each plan (`gaps.rs`).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use upsell::Control;
use upsell::time::now_or_parse;
use upsell::triggers::{BatchOptions, History, RuleSet};

use crate::customers::read_customers;
use crate::error::CliError;
use crate::progress;

/// Arguments of `upsell triggers`.
#[derive(Debug, Args)]
pub struct TriggersArgs {
    #[command(subcommand)]
    command: TriggersCommand,
}

#[derive(Debug, Subcommand)]
enum TriggersCommand {
    /// Validate a rule file (YAML, JSON or TOML): print every problem, exit 2 if there is one.
    Check(CheckArgs),
    /// Print one CSV line per (customer, offer) for the customers of a CSV or Parquet file.
    Eval(EvalArgs),
    /// Find the customers whose 0/1 outcome rate is highest, and write them as rules (YAML).
    Discover(crate::discover::DiscoverArgs),
    /// Per plan, the included features customers do not use, each gap's share and its
    /// association with churn (rate, lift, corrected p-value).
    Gaps(crate::gaps::GapsArgs),
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// The rule file (.yaml, .yml, .json or .toml).
    rules: PathBuf,
    /// Also type-check the rules against the columns of this CSV file (types inferred from its
    /// values) or Parquet file (`.parquet`, types from its columns).
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct EvalArgs {
    /// The rule file (.yaml, .yml, .json or .toml).
    rules: PathBuf,
    /// Customers, one a row; the first column is the customer id. A CSV file, whose column types
    /// are inferred (int, decimal, float, bool, RFC 3339 timestamp, string) unless the rule file
    /// declares a schema, or a Parquet file (`.parquet`), read as Python reads it with pyarrow:
    /// decimals exact, timestamps of any unit and zone, strings, lists of strings, nulls.
    customers: PathBuf,
    /// The evaluation time (RFC 3339, UTC) [default: the current time].
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// The offer history (JSON, as written by the libraries) for cooldowns and caps.
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// Print a header line first.
    #[arg(long)]
    header: bool,
    /// Also print offers withheld for control groups, with a `held_out` column.
    #[arg(long)]
    held_out: bool,
    /// Threads [default: UPSELL_MAX_THREADS or the number of cores].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

/// Runs `upsell triggers ...`.
pub fn run(args: &TriggersArgs, control: &Control) -> Result<(), CliError> {
    match &args.command {
        TriggersCommand::Check(args) => check(args),
        TriggersCommand::Eval(args) => eval(args, control),
        TriggersCommand::Discover(args) => crate::discover::run(args, control),
        TriggersCommand::Gaps(args) => crate::gaps::run(args),
    }
}

fn check(args: &CheckArgs) -> Result<(), CliError> {
    let rules = RuleSet::from_path(&args.rules)?;
    if let Some(data) = &args.data {
        let batch = read_customers(data, rules.declared_schema(), None)?;
        rules.check(batch.schema())?;
    }
    let count = rules.rules().len();
    let typed = if rules.declared_schema().is_some() || args.data.is_some() {
        "type-checked"
    } else {
        "syntax checked; declare a schema or pass --data to check types"
    };
    eprintln!(
        "{}: {count} rule{} ok ({typed})",
        args.rules.display(),
        if count == 1 { "" } else { "s" }
    );
    Ok(())
}

fn eval(args: &EvalArgs, control: &Control) -> Result<(), CliError> {
    let now = now_or_parse(args.now.as_deref())?;
    let rules = RuleSet::from_path(&args.rules)?;
    let history = args
        .history
        .as_deref()
        .map(History::read_json)
        .transpose()?;
    let batch = read_customers(&args.customers, rules.declared_schema(), args.threads)?;
    let mut options = BatchOptions::new(now);
    options.history = history.as_ref();
    options.threads = args.threads;
    let offers = progress::while_counting("rules", "customers", control, || {
        rules.evaluate_batch(&batch, &options, control)
    })?;
    let stdout = std::io::stdout().lock();
    let mut out = csv::WriterBuilder::new().from_writer(std::io::BufWriter::new(stdout));
    let write_error = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) => CliError::write("<stdout>", io),
        other => CliError::Usage(format!("cannot write CSV: {other:?}")),
    };
    if args.header {
        let mut header = vec!["customer", "rule", "kind", "target", "priority", "reason"];
        if args.held_out {
            header.push("held_out");
        }
        out.write_record(&header).map_err(write_error)?;
    }
    for row in offers.iter().filter(|o| args.held_out || !o.held_out) {
        let priority = row.offer.priority.to_string();
        let mut record = vec![
            row.customer.as_str(),
            row.offer.rule.as_str(),
            row.offer.kind.as_str(),
            row.offer.target.as_str(),
            priority.as_str(),
            row.offer.reason.as_str(),
        ];
        if args.held_out {
            record.push(if row.held_out { "true" } else { "false" });
        }
        out.write_record(&record).map_err(write_error)?;
    }
    out.flush().map_err(CliError::stdout)?;
    Ok(())
}
