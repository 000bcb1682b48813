//! The `upsell` command: frequent itemsets from basket files, from the shell.
//!
//! Every command is a thin translation: arguments become core options, core results become text.
//! The one idea that shapes the binary is who owns which stream: results go to stdout or to
//! `--output`, everything meant for a person (summary, progress, errors) goes to stderr, so
//! `upsell mine ... > out.csv` and pipes stay clean.
//!
//! Exit status: 0 on success, 2 for invalid input or parameters (clap's own usage errors included),
//! 1 for anything else (I/O, limits), 130 when interrupted by Ctrl-C.

mod demo;
mod error;
mod interrupt;
mod mine;
mod output;
mod progress;
mod summary;
mod triggers;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

/// Market-basket mining: which products sell together.
#[derive(Debug, Parser)]
#[command(name = "upsell", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Mine frequent itemsets from a basket file (FIMI .dat, basket CSV or long CSV; plain or gzip).
    #[command(after_help = "Without --output, the summary goes to stderr and the top 10 itemsets by count to stdout.\n\
        Exit status: 0 success, 2 invalid input or parameters, 1 other errors (I/O, limits), 130 interrupted.\n\
        Example: upsell mine groceries_members.csv -s 0.001 --basket-col Member_number --basket-col Date \\\n\
        \x20        --item-col itemDescription -o itemsets.jsonl")]
    Mine(mine::MineArgs),
    /// Mine a small real sample (Groceries, shipped in the binary) and show what sells together.
    Demo(demo::DemoArgs),
    /// Upsell trigger rules: `check RULES` validates a rule file, `eval RULES customers.csv` prints
    /// one CSV line per (customer, offer).
    Triggers(triggers::TriggersArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let control = interrupt::install();
    let result = match cli.command {
        Command::Mine(args) => mine::run(&args, &control),
        Command::Demo(args) => demo::run(&args, &control),
        Command::Triggers(args) => triggers::run(&args, &control),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::BrokenPipe) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
