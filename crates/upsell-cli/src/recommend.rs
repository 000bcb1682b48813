//! `upsell recommend`: query a saved model with a cart, or with a file of carts.
//!
//! One cart (`--cart a,b,c`) prints a table: rank, item, score, and the rule behind it. A file of
//! carts (`--carts FILE`, one comma-separated cart a line) is answered in parallel and written as
//! CSV (`cart,rank,item,score,because`). Cart items the model does not know are ignored and listed
//! on stderr; they are not an error.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::Args;
use upsell::recommend::{Ranking, RecommendOptions, Recommendation, Recommender, cart_ids};

use crate::error::CliError;
use crate::mine::core_value;

/// Arguments of `upsell recommend`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("carts_in").required(true).args(["cart", "carts"]))]
pub struct RecommendArgs {
    /// The model saved by `upsell rules --model`.
    #[arg(long, value_name = "MODEL")]
    pub model: PathBuf,

    /// The cart: comma-separated item labels.
    #[arg(long, value_name = "ITEMS", value_delimiter = ',')]
    pub cart: Option<Vec<String>>,

    /// A file of carts, one comma-separated cart a line; answers go to stdout as CSV.
    #[arg(long, value_name = "FILE")]
    pub carts: Option<PathBuf>,

    #[command(flatten)]
    pub ranking: RankingArgs,

    /// Do not fill up with popular items when rules propose fewer than k.
    #[arg(long)]
    pub no_backfill: bool,

    /// Worker threads for --carts.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// How many items, ranked how: shared by `recommend` and `evaluate`.
#[derive(Debug, Args)]
pub struct RankingArgs {
    /// How many items to recommend per cart.
    #[arg(short, long, default_value_t = 5)]
    pub k: usize,

    /// The ranking of the rule recommender.
    #[arg(long, value_name = "confidence|lift|expected_revenue", default_value = "confidence", value_parser = core_value::<Ranking>)]
    pub by: Ranking,

    /// The m-estimate's weight of the base rate (0: raw confidence).
    #[arg(long, value_name = "M", default_value_t = RecommendOptions::default().smoothing)]
    pub smoothing: f64,
}

impl RankingArgs {
    /// The recommender's options these arguments set (the core validates them).
    pub fn options(&self) -> RecommendOptions {
        RecommendOptions {
            by: self.by,
            smoothing: self.smoothing,
            ..RecommendOptions::default()
        }
    }
}

/// Runs `upsell recommend`.
pub fn run(args: &RecommendArgs) -> Result<(), CliError> {
    let options = RecommendOptions {
        backfill: !args.no_backfill,
        ..args.ranking.options()
    };
    options.validate()?;
    let model = Recommender::load(&args.model)?;
    let k = args.ranking.k;
    if let Some(cart) = &args.cart {
        return one(&model, cart, k, &options);
    }
    let Some(path) = &args.carts else {
        return Ok(());
    };
    many(&model, path, args, &options)
}

fn one(
    model: &Recommender,
    cart: &[String],
    k: usize,
    options: &RecommendOptions,
) -> Result<(), CliError> {
    let cart = cart_labels(cart);
    if cart.is_empty() {
        eprintln!("note: the cart is empty: recommending the most popular items");
    }
    let answer = model.recommend_labels(&cart, k, options);
    if !answer.unknown.is_empty() {
        eprintln!(
            "note: ignored items the model does not know: {}",
            answer.unknown.join(", ")
        );
    }
    print_answer(&mut std::io::stdout().lock(), model, &answer.items).map_err(CliError::stdout)
}

/// The labels of a `--cart`, trimmed, without empty ones.
pub fn cart_labels(cart: &[String]) -> Vec<&str> {
    cart.iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A table of recommendations for people: rank, item, score and the rule behind each.
pub fn print_answer(
    out: &mut dyn Write,
    model: &Recommender,
    items: &[Recommendation],
) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>4}  {:<32} {:>10}  because",
        "rank", "item", "score"
    )?;
    for (rank, r) in items.iter().enumerate() {
        writeln!(
            out,
            "{:>4}  {:<32} {:>10.4}  {}",
            rank + 1,
            model.label(r.item).unwrap_or("?"),
            r.score,
            because(model, r)
        )?;
    }
    Ok(())
}

fn many(
    model: &Recommender,
    path: &PathBuf,
    args: &RecommendArgs,
    options: &RecommendOptions,
) -> Result<(), CliError> {
    let file = std::fs::File::open(path).map_err(|e| upsell::Error::Io {
        path: path.clone(),
        source: e,
    })?;
    let mut carts = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|e| upsell::Error::Io {
            path: path.clone(),
            source: e,
        })?;
        let labels = line.split(',').map(str::trim).filter(|s| !s.is_empty());
        carts.push(labels.map(str::to_owned).collect());
    }
    let (carts, unknown) = cart_ids(&carts, |label| model.item(label));
    if unknown > 0 {
        eprintln!("note: ignored {unknown} cart items the model does not know");
    }
    let answers = model.recommend_batch(&carts, args.ranking.k, options, args.threads);
    let stdout = std::io::stdout().lock();
    let mut csv = csv::Writer::from_writer(stdout);
    let io = |e: csv::Error| CliError::write("<stdout>", e.into());
    csv.write_record(["cart", "rank", "item", "score", "because"])
        .map_err(io)?;
    for (c, answer) in answers.iter().enumerate() {
        for (rank, r) in answer.iter().enumerate() {
            let row = [
                (c + 1).to_string(),
                (rank + 1).to_string(),
                model.label(r.item).unwrap_or("?").to_owned(),
                r.score.to_string(),
                because(model, r),
            ];
            csv.write_record(&row).map_err(io)?;
        }
    }
    csv.flush().map_err(CliError::stdout)
}

/// The explanation of one recommendation.
fn because(model: &Recommender, r: &Recommendation) -> String {
    let Some(rule) = r.rule.and_then(|k| model.rule(k)) else {
        return "popular".to_owned();
    };
    let antecedent: Vec<&str> = rule
        .antecedent
        .iter()
        .map(|&i| model.label(i).unwrap_or("?"))
        .collect();
    format!(
        "{} -> {} (confidence {:.1}%, lift {:.2}, {} baskets)",
        antecedent.join(" + "),
        model.label(rule.consequent).unwrap_or("?"),
        100.0 * rule.confidence(),
        rule.lift(),
        rule.count
    )
}
