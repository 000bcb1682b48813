//! `upsell sequences`: time-window affinity from long purchase data, "B: 37% of buyers of A within
//! 30 days".
//!
//! Reads one line item a row (customer, time and item columns by header name), counts with
//! [`upsell::sequence::sequential_affinity`] and writes one row per (antecedent, consequent, window)
//! to `--output` (CSV or JSON Lines). The summary on stderr ends with the most confident rules of
//! each window in words.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use upsell::Control;
use upsell::sequence::{
    DEFAULT_MAX_PAIRS, PurchaseColumns, Purchases, SequenceOptions, SequenceRule, SequenceRules,
    sequential_affinity,
};

use crate::error::CliError;
use crate::output::{OutputArgs, OutputFormat, Stop};
use crate::progress;
use crate::summary::{Summary, thousands};

/// The columns written, in order (the same names as the Python DataFrame's).
pub const COLUMNS: [&str; 11] = [
    "antecedent",
    "consequent",
    "window_days",
    "antecedent_customers",
    "customers",
    "baseline_customers",
    "support",
    "confidence",
    "base_rate",
    "lift",
    "description",
];

/// Arguments of `upsell sequences`.
#[derive(Debug, Args)]
pub struct SequencesArgs {
    /// Long CSV (one line item a row, with a header), plain or gzip.
    pub file: PathBuf,

    /// The customer column; rows where it is empty are excluded and counted.
    #[arg(long = "customer-col", value_name = "COLUMN")]
    pub customer_column: String,

    /// The time column: RFC 3339, `2010-12-01 08:26:00` or `2015-07-21` (read as UTC).
    #[arg(long = "time-col", value_name = "COLUMN")]
    pub time_column: String,

    /// The item column.
    #[arg(long = "item-col", value_name = "COLUMN")]
    pub item_column: String,

    /// The field delimiter (one character, or `tab`) [default: ,].
    #[arg(long, value_name = "C", value_parser = crate::input::delimiter)]
    pub delimiter: Option<u8>,

    /// Window lengths in days, comma-separated; each at least 1.
    #[arg(
        long,
        value_name = "DAYS",
        value_delimiter = ',',
        allow_negative_numbers = true,
        default_value = "7,30,60,90"
    )]
    pub windows: Vec<i64>,

    /// Report a rule only when at least N customers bought A then B within the window.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub min_customers: u64,

    /// Report a rule only when its support (a fraction of all customers) is at least X.
    #[arg(
        long,
        value_name = "X",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub min_support: f64,

    /// Report a rule only when its confidence is at least X.
    #[arg(
        long,
        value_name = "X",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub min_confidence: f64,

    /// Keep at most K rules per window, the most confident first [default: all].
    #[arg(long, value_name = "K")]
    pub top: Option<usize>,

    /// Worker threads [default: UPSELL_MAX_THREADS or all cores]; 1 runs serially.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Stop with an error rather than count more distinct pairs than this.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_PAIRS)]
    pub max_pairs: u64,

    #[command(flatten)]
    pub output: OutputArgs,

    /// How many rules of each window the summary shows in words.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub show: usize,
}

/// Runs `upsell sequences`.
pub fn run(args: &SequencesArgs, control: &Control) -> Result<(), CliError> {
    let options = SequenceOptions {
        windows: args.windows.clone(),
        min_customers: args.min_customers,
        min_support: args.min_support,
        min_confidence: args.min_confidence,
        top: args.top,
        threads: args.threads,
        max_pairs: args.max_pairs,
    };
    // Every parameter and the destination are checked before the file is read.
    options.validate()?;
    let mut destination = args.output.open()?;
    let columns = PurchaseColumns {
        delimiter: args.delimiter.unwrap_or(b','),
        ..PurchaseColumns::new(&args.customer_column, &args.time_column, &args.item_column)
    };

    let started = Instant::now();
    let purchases = Purchases::read(&args.file, &columns)?;
    let read_time = started.elapsed();
    control.check()?;
    let started = Instant::now();
    let rules = progress::while_working("counting", control, || {
        sequential_affinity(&purchases, &options, control)
    })?;
    let count_time = started.elapsed();

    let mut summary = Summary::default();
    summary.add("file", args.file.display().to_string());
    summary.add(
        "rows",
        format!(
            "{} ({} without a customer, excluded)",
            thousands(rules.rows()),
            thousands(rules.excluded_rows())
        ),
    );
    summary.add("customers", thousands(rules.customers()));
    summary.add("items", thousands(rules.labels().len() as u64));
    let windows: Vec<String> = sorted_windows(&options)
        .iter()
        .map(i64::to_string)
        .collect();
    summary.add("windows", format!("{} days", windows.join(", ")));
    summary.add("pairs", thousands(rules.pairs_counted()));
    summary.add("rules", thousands(rules.rules().len() as u64));
    summary.seconds("read", read_time);
    summary.seconds("count", count_time);
    if let Some(mut destination) = destination.take() {
        let started = Instant::now();
        let written = match destination.format {
            OutputFormat::Csv => write_csv(destination.writer(), &rules, control),
            OutputFormat::Jsonl => write_jsonl(destination.writer(), &rules, control),
        };
        written.map_err(|stop| stop.at(&destination.path))?;
        let path = destination.path.display().to_string();
        destination.finish()?;
        summary.seconds("write", started.elapsed());
        summary.add("output", path);
    }
    summary.print();
    // The rules in words: part of the summary when results went to a file, the results otherwise.
    if args.output.output.is_some() {
        print_best(&mut std::io::stderr().lock(), &rules, &options, args.show)
    } else {
        print_best(&mut std::io::stdout().lock(), &rules, &options, args.show)
    }
    .map_err(CliError::stdout)
}

fn sorted_windows(options: &SequenceOptions) -> Vec<i64> {
    let mut windows = options.windows.clone();
    windows.sort_unstable();
    windows
}

/// The `show` most confident rules of each window, in words.
fn print_best(
    out: &mut dyn Write,
    rules: &SequenceRules,
    options: &SequenceOptions,
    show: usize,
) -> std::io::Result<()> {
    if show == 0 || rules.rules().is_empty() {
        return Ok(());
    }
    eprintln!("\nmost confident rules of each window (pass --output PATH.csv for all):");
    for window in sorted_windows(options) {
        for rule in rules
            .rules()
            .iter()
            .filter(|r| r.window_days == window)
            .take(show)
        {
            let customers = thousands(rule.customers);
            writeln!(
                out,
                "  {} (lift {}, {customers} customers)",
                rules.describe(rule),
                lift_text(rule)
            )?;
        }
    }
    out.flush()
}

fn lift_text(rule: &SequenceRule) -> String {
    rule.lift
        .map_or_else(|| "-".to_owned(), |lift| format!("{lift:.2}"))
}

/// Rows between two checks of Ctrl-C.
const ROWS_PER_CHECK: usize = 1 << 14;

fn check(control: &Control, row: usize) -> Result<(), Stop> {
    if row % ROWS_PER_CHECK == 0 && control.is_cancelled() {
        Err(Stop::Cancelled)
    } else {
        Ok(())
    }
}

fn write_csv(out: &mut dyn Write, rules: &SequenceRules, control: &Control) -> Result<(), Stop> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS)?;
    let label = |id| rules.labels().label(id).unwrap_or("?");
    for (row, rule) in rules.rules().iter().enumerate() {
        check(control, row)?;
        writer.write_record([
            label(rule.antecedent).to_owned(),
            label(rule.consequent).to_owned(),
            rule.window_days.to_string(),
            rule.antecedent_customers.to_string(),
            rule.customers.to_string(),
            rule.baseline_customers.to_string(),
            rule.support.to_string(),
            rule.confidence.to_string(),
            rule.base_rate.to_string(),
            rule.lift.map(|l| l.to_string()).unwrap_or_default(),
            rules.describe(rule),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

fn write_jsonl(out: &mut dyn Write, rules: &SequenceRules, control: &Control) -> Result<(), Stop> {
    let label = |id| rules.labels().label(id).unwrap_or("?");
    for (row, rule) in rules.rules().iter().enumerate() {
        check(control, row)?;
        let value = serde_json::json!({
            "antecedent": label(rule.antecedent),
            "consequent": label(rule.consequent),
            "window_days": rule.window_days,
            "antecedent_customers": rule.antecedent_customers,
            "customers": rule.customers,
            "baseline_customers": rule.baseline_customers,
            "support": rule.support,
            "confidence": rule.confidence,
            "base_rate": rule.base_rate,
            "lift": rule.lift,
            "description": rules.describe(rule),
        });
        serde_json::to_writer(&mut *out, &value).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
