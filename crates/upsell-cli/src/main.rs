//! The `upsell` command: what sells together, when to offer what, and at what price, from the shell.
//!
//! Every command is a thin translation: arguments become core options, core results become text.
//! The one idea that shapes the binary is who owns which stream: results go to stdout or to
//! `--output`, everything meant for a person (summary, progress, errors) goes to stderr, so
//! `upsell mine ... > out.csv` and pipes stay clean.
//!
//! Exit status: 0 on success, 2 for invalid input or parameters (clap's own usage errors included),
//! 1 for anything else (I/O, limits), 130 when interrupted by Ctrl-C.

mod abtest;
mod affinity;
mod bundles;
mod customers;
mod demo;
mod discover;
mod error;
mod evaluate;
mod gaps;
mod input;
mod interrupt;
mod metrics;
mod mine;
mod output;
mod progress;
mod recommend;
mod report;
mod rules;
mod sequences;
mod summary;
mod threshold;
mod tiers;
mod triggers;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

/// Purchase data in, revenue decisions out: which products sell together (itemsets, rules,
/// recommendations, affinity), when a customer should see which offer (triggers), and at what price
/// (bundles, threshold fillers, expansion metrics, A/B tests).
#[derive(Debug, Parser)]
#[command(
    name = "upsell",
    version,
    propagate_version = true,
    after_help = "Start with `upsell demo`: the whole path on a sample built into the binary.\n\
        Documentation: https://github.com/upsell-rs/upsell#readme"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Mine frequent itemsets from a basket file (FIMI .dat, basket CSV or long CSV; plain or gzip).
    #[command(
        after_help = "Without --output, the summary goes to stderr and the top 10 itemsets by count to stdout.\n\
        Exit status: 0 success, 2 invalid input or parameters, 1 other errors (I/O, limits), 130 interrupted.\n\
        Example: upsell mine groceries_members.csv -s 0.001 --basket-col Member_number --basket-col Date \\\n\
        \x20        --item-col itemDescription -o itemsets.jsonl"
    )]
    Mine(mine::MineArgs),
    /// Association rules with every measure (support, confidence, lift, conviction, Zhang, ...);
    /// optionally save a recommender model.
    #[command(
        after_help = "Example: upsell rules groceries.csv -s 0.005 -c 0.3 --max-consequent-len 1 --model groceries.model"
    )]
    Rules(rules::RulesArgs),
    /// Recommend items for a cart from a saved model, with the rule behind each.
    #[command(
        after_help = "Example: upsell recommend --model groceries.model --cart 'whole milk,butter' -k 5"
    )]
    Recommend(recommend::RecommendArgs),
    /// Rules against popularity on held-out baskets: hit rate, precision, recall, coverage at k.
    #[command(after_help = "Example: upsell evaluate retail.dat.gz -s 5 -k 5")]
    Evaluate(evaluate::EvaluateArgs),
    /// Item x item affinity of the top items: the pairs that sell together (support and lift
    /// floors), and the matrix as CSV.
    #[command(
        after_help = "Example: upsell affinity groceries.csv --top 30 --min-support 0.01 --min-lift 1.2"
    )]
    Affinity(affinity::AffinityArgs),
    /// The whole path on real samples built into the binary: itemsets, rules, a recommendation
    /// for a cart and a priced bundle.
    Demo(demo::DemoArgs),
    /// Time-window affinity from long data: "B: 37% of buyers of A within 30 days".
    #[command(
        after_help = "Exit status: 0 success, 2 invalid input or parameters, 1 other errors (I/O, limits), 130 interrupted.\n\
        Example: upsell sequences groceries_members.csv --customer-col Member_number --time-col Date \\\n\
        \x20        --item-col itemDescription --windows 7,30 --min-customers 20 -o sequences.csv"
    )]
    Sequences(sequences::SequencesArgs),
    /// Find bundles in priced order lines and price them under a policy (discount band, margin
    /// floor, price ending); shows each item's price, the sum, the bundle price and the saving.
    #[command(
        after_help = "Example: upsell bundles online_retail_week.csv --min-support 10 --discount 15-25 --ending nine"
    )]
    Bundles(bundles::BundlesArgs),
    /// Items or pairs, bought with a cart, that bring it to a free-shipping threshold.
    #[command(
        after_help = "Example: upsell threshold online_retail_week.csv --threshold 100.00 --invoice 536593"
    )]
    Threshold(threshold::ThresholdArgs),
    /// Expansion metrics of priced order lines: AOV, items per order, attach rate, revenue per customer.
    #[command(
        after_help = "Example: upsell metrics online_retail_week.csv --period day --by-segment"
    )]
    Metrics(metrics::MetricsArgs),
    /// A/B test of two conversion rates (z-test, lift with its interval, verdict), or its sample size.
    #[command(
        after_help = "Examples: upsell abtest --conversions-a 412 --n-a 8000 --conversions-b 498 --n-b 8000\n\
        \x20         upsell abtest --baseline 0.05 --mde 0.01 --power 0.8"
    )]
    Abtest(abtest::AbTestArgs),
    /// The upsell report of an order log: current state, affinity, recommendations, bundles and
    /// threshold fillers, starter triggers and ranked opportunities, as HTML, Markdown and JSON.
    #[command(
        after_help = "Writes reports/upsell/upsell-maximizer-{date}-{slug}.{html,md,json} and the starter rule file\n\
        beside them, and prints their paths.\n\
        Examples: upsell report online_retail_week.csv\n\
        \x20         upsell report groceries_members.csv --columns \\\n\
        \x20           invoice=Member_number+Date,customer=Member_number,time=Date,item=itemDescription,quantity=,price=,description=,segment="
    )]
    Report(report::ReportArgs),
    /// Upsell trigger rules: `check RULES` validates a rule file, `eval RULES customers.csv` prints
    /// one CSV line per (customer, offer).
    Triggers(triggers::TriggersArgs),
    /// Tier migration from subscription history (customer, date, plan, MRR): plan changes,
    /// median days to upgrade, skipped tiers; then the tier analysis of today's plans.
    #[command(after_help = "Example: upsell tiers history.csv --tiers starter,team,pro")]
    Tiers(tiers::TiersArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let threads = std::env::var(upsell::parallel::THREADS_VARIABLE).ok();
    upsell::parallel::set_default_threads(threads.as_deref());
    let control = interrupt::install();
    let result = match cli.command {
        Command::Mine(args) => mine::run(&args, &control),
        Command::Demo(args) => demo::run(&args, &control),
        Command::Rules(args) => rules::run(&args, &control),
        Command::Recommend(args) => recommend::run(&args),
        Command::Evaluate(args) => evaluate::run(&args, &control),
        Command::Affinity(args) => affinity::run(&args),
        Command::Sequences(args) => sequences::run(&args, &control),
        Command::Bundles(args) => bundles::run(&args, &control),
        Command::Threshold(args) => threshold::run(&args, &control),
        Command::Metrics(args) => metrics::run(&args, &control),
        Command::Abtest(args) => abtest::run(&args),
        Command::Report(args) => report::run(&args, &control),
        Command::Triggers(args) => triggers::run(&args, &control),
        Command::Tiers(args) => tiers::run(&args),
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
