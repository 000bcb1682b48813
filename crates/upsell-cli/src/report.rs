//! `upsell report`: an order log in, the upsell report out: HTML, Markdown and JSON with the same
//! content, and a starter trigger rule file beside them.
//!
//! The core builds and renders the report ([`upsell::report`]); this file reads the orders like
//! every order command (`bundles`, `threshold`, `metrics`), turns flags into options and prints
//! where the files went.

use std::path::{Path, PathBuf};

use clap::Args;
use upsell::Control;
use upsell::data::OrderLines;
use upsell::pricing::Money;
use upsell::report::{ReportOptions, WrittenReport, build_report};

use crate::bundles::OrderArgs;
use crate::error::CliError;
use crate::progress;
use crate::summary::Summary;

/// Where reports go unless `-o` says otherwise.
pub const DEFAULT_DIR: &str = "reports/upsell";

/// Arguments of `upsell report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub orders: OrderArgs,

    /// The directory of the report files.
    #[arg(short, long, value_name = "DIR", default_value = DEFAULT_DIR)]
    pub output: PathBuf,

    /// The free-shipping threshold, e.g. 100.00 [default: the 75th-percentile order value, rounded].
    #[arg(long, value_name = "AMOUNT")]
    pub threshold: Option<String>,

    /// The report's title [default: the file name without extension].
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,

    /// The report's date, YYYY-MM-DD [default: today, UTC].
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,

    /// Pairs: the least share of orders holding both items.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.005)]
    pub min_support: f64,

    /// Pairs: the least lift.
    #[arg(long, value_name = "LIFT", default_value_t = 1.2)]
    pub min_lift: f64,

    /// Time windows of the sequence affinity, in days.
    #[arg(
        long,
        value_name = "DAYS,...",
        value_delimiter = ',',
        default_value = "7,30"
    )]
    pub windows: Vec<i64>,
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    upsell::metrics::Period::Day.label(upsell::time::Timestamp::now())
}

/// Runs `upsell report`.
pub fn run(args: &ReportArgs, control: &Control) -> Result<(), CliError> {
    let threshold = args
        .threshold
        .as_deref()
        .map(|t| Money::parse(t, args.orders.currency))
        .transpose()?;
    let options = ReportOptions {
        title: args.title.clone(),
        threshold,
        min_pair_support: args.min_support,
        min_lift: args.min_lift,
        windows_days: args.windows.clone(),
        ..ReportOptions::new(
            file_name(&args.orders.file),
            args.date.clone().unwrap_or_else(today),
        )
    };
    options.validate()?;
    let mut summary = Summary::default();
    let orders = args.orders.read(&mut summary)?;
    summary.print();
    let written = write(&orders, &options, &args.output, control)?;
    println!("{}", written.html.display());
    println!("{}", written.markdown.display());
    println!("{}", written.json.display());
    println!("{}", written.rules.display());
    Ok(())
}

/// Builds the report of `orders` and writes its files into `dir`.
pub fn write(
    orders: &OrderLines,
    options: &ReportOptions,
    dir: &Path,
    control: &Control,
) -> Result<WrittenReport, CliError> {
    let report =
        progress::while_working("report", control, || build_report(orders, options, control))?;
    Ok(report.write(dir)?)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
