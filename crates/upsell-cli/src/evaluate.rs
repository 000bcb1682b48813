//! `upsell evaluate`: do the recommenders beat popularity on held-out baskets?
//!
//! Prints the split, the model sizes and one line per method (rules, popularity, and EASE with
//! `--ease`) with hit rate, precision, recall and coverage at k; `--json` prints the same as one
//! JSON object.

use std::time::Instant;

use clap::Args;
use upsell::Control;
use upsell::data::Dataset;
use upsell::mining::MinSupport;
use upsell::recommend::{EaseOptions, EvaluationOptions, Split, SplitBy, evaluate};
use upsell::time::parse_timestamp_parameter;

use crate::error::CliError;
use crate::input::InputArgs;
use crate::mine::core_value;
use crate::progress;
use crate::recommend::RankingArgs;
use crate::summary::{Summary, thousands};

/// Arguments of `upsell evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Minimum support for mining the training baskets: a count (5) or a fraction (0.001).
    #[arg(short = 's', long, value_name = "S", value_parser = core_value::<MinSupport>)]
    pub min_support: MinSupport,

    /// How to split training and test baskets: position (the first --train share of baskets in
    /// file order trains) or time (baskets ordered by --time-col; the earliest --train share
    /// trains, or those before --cutoff).
    #[arg(long, value_name = "position|time", default_value = "position", value_parser = core_value::<SplitBy>)]
    pub split: SplitBy,

    /// The training share of baskets.
    #[arg(long, value_name = "F", default_value_t = 0.8)]
    pub train: f64,

    /// With --split time: baskets before this RFC 3339 instant train, instead of a share.
    #[arg(long, value_name = "TIME")]
    pub cutoff: Option<String>,

    /// Long CSV: the time column (one value per basket), for --split time.
    #[arg(long = "time-col", value_name = "COLUMN")]
    pub time_column: Option<String>,

    #[command(flatten)]
    pub ranking: RankingArgs,

    /// Rules below this confidence are left out of the model.
    #[arg(long, value_name = "C", default_value_t = 0.01)]
    pub min_confidence: f64,

    /// The longest antecedent in the model.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub max_antecedent_len: usize,

    /// Also evaluate EASE (a closed-form item x item model) side by side.
    #[arg(long)]
    pub ease: bool,

    /// EASE's L2 penalty: larger shrinks its weights toward popularity.
    #[arg(long, value_name = "L", requires = "ease", default_value_t = EaseOptions::default().lambda)]
    pub ease_lambda: f64,

    /// EASE's candidates: items in at least this many training baskets.
    #[arg(long, value_name = "N", requires = "ease", default_value_t = EaseOptions::default().min_count)]
    pub ease_min_count: u64,

    /// The most EASE candidates (the fit holds a few dense N x N matrices).
    #[arg(long, value_name = "N", requires = "ease", default_value_t = EaseOptions::default().max_items)]
    pub ease_max_items: usize,

    /// Worker threads.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `upsell evaluate`.
pub fn run(args: &EvaluateArgs, control: &Control) -> Result<(), CliError> {
    let cutoff = args.cutoff.as_deref();
    let cutoff = cutoff.map(|text| parse_timestamp_parameter("cutoff", text));
    let split = Split::new(args.split, args.train, cutoff.transpose()?)?;
    let options = EvaluationOptions {
        split,
        k: args.ranking.k,
        min_confidence: args.min_confidence,
        max_antecedent_len: args.max_antecedent_len,
        recommend: args.ranking.options(),
        ease: args.ease.then_some(EaseOptions {
            lambda: args.ease_lambda,
            min_count: args.ease_min_count,
            max_items: args.ease_max_items,
            threads: None,
        }),
        threads: args.threads,
        ..EvaluationOptions::new(args.min_support)
    };
    let mut read_options = args.input.options();
    read_options.time_column = args.time_column.clone();
    let started = Instant::now();
    let mut data = Dataset::read(&args.input.file, &read_options)?;
    let times = data.keys.take().and_then(|keys| keys.time);
    let read_time = started.elapsed();
    let started = Instant::now();
    let result = progress::while_working("evaluating", control, || {
        evaluate(
            &data.baskets,
            &data.items,
            times.as_deref(),
            &options,
            control,
        )
    })?;
    if args.json {
        return crate::output::print_json(&result);
    }
    let mut summary = Summary::default();
    summary.add("file", args.input.file.display().to_string());
    summary.add("train baskets", thousands(result.train_baskets as u64));
    summary.add(
        "test baskets",
        format!("{} (2+ items)", thousands(result.test_baskets as u64)),
    );
    summary.add(
        "cases",
        format!(
            "{} (each item hidden in turn)",
            thousands(result.cases as u64)
        ),
    );
    summary.add("rules", thousands(result.rules as u64));
    if let Some(items) = result.ease_items {
        summary.add(
            "ease items",
            format!(
                "{} (lambda {}, min count {})",
                thousands(items as u64),
                args.ease_lambda,
                args.ease_min_count
            ),
        );
    }
    summary.seconds("read", read_time);
    summary.seconds("evaluate", started.elapsed());
    summary.print();
    println!(
        "{:<12} {:>10} {:>12} {:>10} {:>10}",
        "method",
        format!("hit@{}", result.k),
        format!("precision@{}", result.k),
        format!("recall@{}", result.k),
        "coverage"
    );
    for m in &result.methods {
        println!(
            "{:<12} {:>10.4} {:>12.4} {:>10.4} {:>10.4}",
            m.method, m.hit_rate, m.precision, m.recall, m.coverage
        );
    }
    for method in ["rules", "ease"] {
        if let Some(lift) = result.lift(method) {
            println!("{method} vs popularity: {:+.1}% hit rate", 100.0 * lift);
        }
    }
    Ok(())
}
