//! `upsell mine`: read a basket file, mine frequent itemsets, write them or show the top ones.
//!
//! Without `--output` nothing is written: the summary goes to stderr and the `--top` itemsets by
//! count (10 by default) to stdout as a table. `--output PATH.csv|PATH.jsonl` writes every itemset
//! (`-` writes CSV to stdout).

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Instant;

use clap::Args;
use upsell::Control;
use upsell::data::{Dataset, Format, ReadOptions};
use upsell::mining::{Algorithm, DEFAULT_MAX_ITEMSETS, MinSupport, MiningOptions, Target, mine_with};

use crate::error::CliError;
use crate::output::{self, Destination, OutputFormat};
use crate::progress;
use crate::summary::{Summary, percent, thousands};

/// Arguments of `upsell mine`.
#[derive(Debug, Args)]
pub struct MineArgs {
    /// The basket file: FIMI (.dat), one basket a line (.csv) or long CSV (with --basket-col and
    /// --item-col); gzip is detected from the content.
    pub file: PathBuf,

    /// Minimum support: an integer is a number of baskets (9), a decimal a fraction of them (0.01).
    #[arg(short = 's', long, value_name = "S", value_parser = min_support)]
    pub min_support: MinSupport,

    /// The file's layout [default: guessed from the name: .dat is fimi, .csv is baskets, or long
    /// when --basket-col is given].
    #[arg(long, value_name = "fimi|baskets|long", value_parser = core_value::<Format>)]
    pub format: Option<Format>,

    /// The field delimiter of CSV input (one character, or `tab`) [default: ,].
    #[arg(long, value_name = "C", value_parser = delimiter)]
    pub delimiter: Option<u8>,

    /// Long CSV: a column identifying the basket; repeat it for a key of several columns
    /// (--basket-col Member_number --basket-col Date).
    #[arg(long = "basket-col", value_name = "COLUMN", requires = "item_column")]
    pub basket_columns: Vec<String>,

    /// Long CSV: the item column.
    #[arg(long = "item-col", value_name = "COLUMN")]
    pub item_column: Option<String>,

    /// The mining algorithm; all give the same itemsets.
    #[arg(long, value_name = "auto|fpgrowth|eclat|apriori", default_value = "auto", value_parser = core_value::<Algorithm>)]
    pub algorithm: Algorithm,

    /// Which itemsets to report.
    #[arg(long, value_name = "all|closed|maximal", default_value = "all", value_parser = core_value::<Target>)]
    pub target: Target,

    /// The smallest itemset size reported.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub min_len: usize,

    /// The largest itemset size reported [default: no limit].
    #[arg(long, value_name = "N")]
    pub max_len: Option<usize>,

    /// Worker threads [default: UPSELL_MAX_THREADS or all cores]; 1 runs serially.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Stop with an error rather than report more itemsets than this.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_ITEMSETS)]
    pub max_itemsets: u64,

    /// Write every itemset to PATH.csv or PATH.jsonl (`-` for stdout); without it only the top
    /// itemsets are shown.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// The output format [default: from the --output extension; csv for `-`].
    #[arg(long, value_name = "FORMAT")]
    pub output_format: Option<OutputFormat>,

    /// CSV output: the text between the items of an itemset. Labels containing it make the column
    /// ambiguous (you are warned); JSONL never is.
    #[arg(long, value_name = "TEXT", default_value = " ")]
    pub item_separator: String,

    /// Without --output: how many itemsets to show, by count.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
}

/// Parses a value with the core's own parser, so the message is the core's.
pub fn core_value<T: FromStr<Err = upsell::Error>>(text: &str) -> Result<T, String> {
    text.parse::<T>().map_err(|err| err.to_string())
}

/// Parses `--min-support` with the core's rules (integer: a count; decimal: a fraction).
pub fn min_support(text: &str) -> Result<MinSupport, String> {
    MinSupport::parse(text).map_err(|err| err.to_string())
}

pub fn delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() => Ok(text.as_bytes()[0]),
        _ => Err(format!("'{text}' is not one ASCII character (or `tab`)")),
    }
}

/// Runs `upsell mine`.
pub fn run(args: &MineArgs, control: &Control) -> Result<(), CliError> {
    let options = MiningOptions {
        algorithm: args.algorithm,
        target: args.target,
        min_len: args.min_len,
        max_len: args.max_len,
        threads: args.threads,
        max_itemsets: Some(args.max_itemsets),
        ..MiningOptions::new(args.min_support)
    };
    // Every parameter and the destination are checked before the file is read.
    options.validate()?;
    let mut destination = match &args.output {
        Some(path) => Some(Destination::open(path, args.output_format)?),
        None => None,
    };
    let read_options = ReadOptions {
        format: args.format,
        delimiter: args.delimiter,
        basket_columns: args.basket_columns.clone(),
        item_column: args.item_column.clone(),
        ..ReadOptions::default()
    };

    let started = Instant::now();
    let data = Dataset::read(&args.file, &read_options)?;
    let read_time = started.elapsed();
    control.check()?;

    let started = Instant::now();
    let itemsets = progress::while_working("mining", control, || mine_with(&data.baskets, &options, control))?;
    let mine_time = started.elapsed();

    let mut summary = Summary::default();
    summary.add("file", args.file.display().to_string());
    summary.add("baskets", thousands(data.baskets.len() as u64));
    summary.add("items", thousands(data.items.len() as u64));
    summary.add(
        "min count",
        format!("{} ({} of baskets)", thousands(itemsets.min_count()), percent(itemsets.min_count(), itemsets.baskets())),
    );
    summary.add("algorithm", format!("{:?}", args.algorithm).to_lowercase());
    summary.add("target", format!("{:?}", args.target).to_lowercase());
    summary.add("itemsets", thousands(itemsets.len() as u64));
    summary.seconds("read", read_time);
    summary.seconds("mine", mine_time);

    if let Some(mut destination) = destination.take() {
        if destination.format == OutputFormat::Csv {
            if let Some(label) = output::ambiguous_label(&itemsets, &data.items, &args.item_separator) {
                eprintln!(
                    "warning: the item '{label}' contains the item separator {:?}: CSV itemsets cannot be split \
                     back into items; pass --item-separator '|' or write .jsonl",
                    args.item_separator
                );
            }
        }
        let started = Instant::now();
        let bar = progress::rows("writing", itemsets.len() as u64);
        let written = destination.write(&itemsets, &data.items, &args.item_separator, control, &bar);
        bar.finish_and_clear();
        written?;
        let path = destination.path.display().to_string();
        destination.finish()?;
        summary.seconds("write", started.elapsed());
        summary.add("output", path);
        summary.print();
    } else {
        summary.print();
        let top = output::top_by_count(&itemsets, args.top, 1);
        if !top.is_empty() {
            eprintln!("\ntop {} itemsets by count (pass --output PATH.csv for all):", top.len());
            let mut stdout = std::io::stdout().lock();
            output::print_table(&mut stdout, &itemsets, &data.items, &top).map_err(|e| CliError::write("<stdout>", e))?;
        }
    }
    Ok(())
}
