//! `upsell demo`: the main job on real data, with nothing to download.
//!
//! The sample (the first 2,000 baskets of the Groceries data, see `examples/data/README.md`) is
//! compiled into the binary, so the demo works from any directory.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use upsell::Control;
use upsell::data::{Dataset, ReadOptions};
use upsell::mining::{MinSupport, MiningOptions, mine_with};

use crate::error::CliError;
use crate::mine::min_support;
use crate::output::{self, Destination, OutputFormat};
use crate::progress;
use crate::summary::thousands;

/// The sample: one basket a line, comma-separated item names.
const SAMPLE: &[u8] = include_bytes!("../../../examples/data/groceries_sample.csv");
const SAMPLE_NAME: &str = "groceries_sample.csv";

/// Arguments of `upsell demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Minimum support: a fraction of the baskets (0.02) or a number of them (40).
    #[arg(short = 's', long, value_name = "S", default_value = "0.02", value_parser = min_support)]
    pub min_support: MinSupport,

    /// Also write every itemset to PATH.csv or PATH.jsonl (CSV items are joined by `|`, since
    /// grocery names contain spaces).
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// The output format [default: from the --output extension].
    #[arg(long, value_name = "FORMAT")]
    pub output_format: Option<OutputFormat>,

    /// How many itemsets to show in each table.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
}

/// Runs `upsell demo`.
pub fn run(args: &DemoArgs, control: &Control) -> Result<(), CliError> {
    let options = MiningOptions::new(args.min_support);
    options.validate()?;
    let destination = match &args.output {
        Some(path) => Some(Destination::open(path, args.output_format)?),
        None => None,
    };

    let started = Instant::now();
    let data = Dataset::from_reader(SAMPLE, SAMPLE_NAME, &ReadOptions::baskets(b','))?;
    let read_time = started.elapsed();
    let started = Instant::now();
    let itemsets = progress::while_working("mining", control, || {
        mine_with(&data.baskets, &options, control)
    })?;
    let mine_time = started.elapsed();

    let mut out = std::io::stdout().lock();
    let print = |e| CliError::write("<stdout>", e);
    writeln!(
        out,
        "upsell demo: {} real shopping baskets ({} products) from the Groceries data set\n\
         (Hahsler, Hornik & Reutterer 2006; R package arules), built into this binary.\n",
        thousands(data.baskets.len() as u64),
        data.items.len()
    )
    .map_err(print)?;
    writeln!(
        out,
        "Mined at min support {} (an itemset must be in at least {} baskets): {} frequent itemsets,\n\
         read in {:.3} s, mined in {:.3} s.\n",
        args.min_support,
        thousands(itemsets.min_count()),
        thousands(itemsets.len() as u64),
        read_time.as_secs_f64(),
        mine_time.as_secs_f64()
    )
    .map_err(print)?;

    let top = output::top_by_count(&itemsets, args.top, 1);
    if !top.is_empty() {
        writeln!(out, "Most frequent itemsets:").map_err(print)?;
        output::print_table(&mut out, &itemsets, &data.items, &top).map_err(print)?;
    }
    let together = output::top_by_count(&itemsets, args.top, 2);
    if !together.is_empty() {
        writeln!(out, "\nBought together most often:").map_err(print)?;
        output::print_table(&mut out, &itemsets, &data.items, &together).map_err(print)?;
    }

    if let Some(mut destination) = destination {
        let bar = progress::rows("writing", itemsets.len() as u64);
        let written = destination.write(&itemsets, &data.items, "|", control, &bar);
        bar.finish_and_clear();
        written?;
        let path = destination.path.display().to_string();
        destination.finish()?;
        writeln!(
            out,
            "\nWrote {} itemsets to {path}.",
            thousands(itemsets.len() as u64)
        )
        .map_err(print)?;
    }
    writeln!(
        out,
        "\nOn your own data: upsell mine baskets.csv --min-support 0.01 --output itemsets.csv"
    )
    .map_err(print)?;
    Ok(())
}
