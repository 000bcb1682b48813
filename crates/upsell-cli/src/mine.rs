//! `upsell mine`: read a basket file, mine frequent itemsets, write them or show the top ones.
//!
//! Without `--output` nothing is written: the summary goes to stderr and the `--top` itemsets by
//! count (10 by default) to stdout as a table. `--output PATH.csv|PATH.jsonl` writes every itemset
//! (`-` writes CSV to stdout), most frequent first unless `--unsorted` asks for the mining order.

use std::str::FromStr;
use std::time::Instant;

use clap::Args;
use upsell::Control;
use upsell::mining::{
    Algorithm, DEFAULT_MAX_ITEMSETS, MinSupport, MiningOptions, Target, default_max_memory,
    mine_with, plan,
};

use crate::error::CliError;
use crate::input::InputArgs;
use crate::output::{self, OutputArgs, OutputFormat};
use crate::progress;
use crate::summary::{Summary, percent, thousands};

/// Arguments of `upsell mine`.
#[derive(Debug, Args)]
pub struct MineArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Minimum support: an integer is a number of baskets (9), a decimal a fraction of them (0.01).
    #[arg(short = 's', long, value_name = "S", value_parser = core_value::<MinSupport>)]
    pub min_support: MinSupport,

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

    /// Stop with an error rather than let the result take more memory than this: bytes, or with
    /// a suffix K, M, G, T (powers of 1024) [default: half the physical memory].
    #[arg(long, value_name = "SIZE", value_parser = memory_size)]
    pub max_memory: Option<u64>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Write the itemsets in the order they are mined instead of most frequent first (by count,
    /// then size): saves the sort on millions of itemsets.
    #[arg(long)]
    pub unsorted: bool,

    /// CSV output: the text between the items of an itemset. Labels containing it make the column
    /// ambiguous (you are warned); JSONL never is.
    #[arg(long, value_name = "TEXT", default_value = " ")]
    pub item_separator: String,

    /// Without --output: how many itemsets to show, by count.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// Also say which algorithm and representation (bitsets, basket lists, a prefix tree) mining
    /// runs on, and the density that chose them (prepares the data once more, untimed).
    #[arg(short, long)]
    pub verbose: bool,
}

/// Parses a value with the core's own parser, so the message is the core's.
pub fn core_value<T: FromStr<Err = upsell::Error>>(text: &str) -> Result<T, String> {
    text.parse::<T>().map_err(|err| err.to_string())
}

/// Parses `--max-memory` with the core's rule.
pub fn memory_size(text: &str) -> Result<u64, String> {
    upsell::mining::parse_memory_size(text).map_err(|err| err.to_string())
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
        max_memory: Some(args.max_memory.unwrap_or_else(default_max_memory)),
        ..MiningOptions::new(args.min_support)
    };
    // Every parameter and the destination are checked before the file is read.
    options.validate()?;
    let destination = args.output.open()?;
    let started = Instant::now();
    let data = args.input.read()?;
    let read_time = started.elapsed();
    control.check()?;
    if let Some(warning) = args.min_support.warning(data.baskets.len() as u64) {
        eprintln!("warning: {warning}");
    }

    let started = Instant::now();
    let mut itemsets = progress::while_working("mining", control, || {
        mine_with(&data.baskets, &options, control)
    })?;
    let mine_time = started.elapsed();

    let mut summary = Summary::default();
    summary.add("file", args.input.file.display().to_string());
    summary.add("baskets", thousands(data.baskets.len() as u64));
    summary.add("items", thousands(data.items.len() as u64));
    summary.add(
        "min count",
        format!(
            "{} ({} of baskets)",
            thousands(itemsets.min_count()),
            percent(itemsets.min_count(), itemsets.baskets())
        ),
    );
    summary.add("algorithm", format!("{:?}", args.algorithm).to_lowercase());
    summary.add("target", format!("{:?}", args.target).to_lowercase());
    if args.verbose {
        summary.add("plan", plan(&data.baskets, &options)?.to_string());
    }
    summary.add("itemsets", thousands(itemsets.len() as u64));
    summary.seconds("read", read_time);
    summary.seconds("mine", mine_time);

    if let Some(destination) = destination {
        if destination.format == OutputFormat::Csv {
            if let Some(label) =
                output::ambiguous_label(&itemsets, &data.items, &args.item_separator)
            {
                eprintln!(
                    "warning: the item '{label}' contains the item separator {:?}: CSV itemsets cannot be split \
                     back into items; pass --item-separator '|' or write .jsonl",
                    args.item_separator
                );
            }
        }
        let started = Instant::now();
        if !args.unsorted {
            itemsets.sort_by_count();
        }
        let separator = &args.item_separator;
        let path = destination.write_itemsets(&itemsets, &data.items, separator, control)?;
        summary.seconds("write", started.elapsed());
        summary.add("output", path.display().to_string());
        summary.print();
    } else {
        summary.print();
        let top = itemsets.top_by_count(args.top, 1);
        if !top.is_empty() {
            eprintln!(
                "\ntop {} itemsets by count (pass --output PATH.csv for all):",
                top.len()
            );
            let mut stdout = std::io::stdout().lock();
            output::print_table(&mut stdout, &itemsets, &data.items, &top)
                .map_err(CliError::stdout)?;
        }
    }
    Ok(())
}
