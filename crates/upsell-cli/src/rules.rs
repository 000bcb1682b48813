//! `upsell rules`: mine itemsets, derive association rules, write them, and optionally save a
//! recommender model built from them.
//!
//! Without `--output` the summary goes to stderr and the `--top` rules by `--sort-by` to stdout.
//! `--output PATH.csv|PATH.jsonl` writes every rule with every measure (`-` writes CSV to stdout).
//! `--model PATH` saves the single-consequent rules as a model for `upsell recommend` (JSON when
//! the name ends in .json, else the compact binary).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use upsell::Control;
use upsell::data::{Dataset, ItemDictionary};
use upsell::mining::{
    DEFAULT_MAX_ITEMSETS, MinSupport, MiningOptions, Target, default_max_memory, mine_with,
};
use upsell::recommend::Recommender;
use upsell::rules::{DEFAULT_MAX_RULES, Measure, RuleOptions, Rules, generate_with};

use crate::error::CliError;
use crate::input::InputArgs;
use crate::mine::core_value;
use crate::output::{Destination, OutputArgs, OutputFormat};
use crate::progress;
use crate::summary::{Summary, thousands};

/// Arguments of `upsell rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Minimum support of the itemsets the rules come from: a count (9) or a fraction (0.01).
    #[arg(short = 's', long, value_name = "S", value_parser = core_value::<MinSupport>)]
    pub min_support: MinSupport,

    /// Minimum confidence, in [0, 1].
    #[arg(short = 'c', long, value_name = "C", default_value_t = 0.8)]
    pub min_confidence: f64,

    /// Minimum lift.
    #[arg(long, value_name = "L")]
    pub min_lift: Option<f64>,

    /// The most items in an antecedent.
    #[arg(long, value_name = "N")]
    pub max_antecedent_len: Option<usize>,

    /// The most items in a consequent (1 for classic single-item consequents).
    #[arg(long, value_name = "N")]
    pub max_consequent_len: Option<usize>,

    /// Only rules whose consequent items are among these (comma-separated labels).
    #[arg(long, value_name = "ITEMS", value_delimiter = ',')]
    pub consequents: Option<Vec<String>>,

    /// No rule mentions these items (comma-separated labels).
    #[arg(long, value_name = "ITEMS", value_delimiter = ',')]
    pub exclude: Vec<String>,

    /// Drop rules whose confidence a rule with a smaller antecedent already reaches.
    #[arg(long)]
    pub prune_redundant: bool,

    /// Mine rules from all frequent itemsets or from the closed ones (fewer rules, exact supports).
    #[arg(long, value_name = "all|closed", default_value = "all", value_parser = core_value::<Target>)]
    pub target: Target,

    /// The measure that orders the rules shown without --output.
    #[arg(long, value_name = "MEASURE", default_value = "lift", value_parser = core_value::<Measure>)]
    pub sort_by: Measure,

    /// Without --output: how many rules to show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    #[command(flatten)]
    pub output: OutputArgs,

    /// CSV output: the text between the items of an antecedent or consequent.
    #[arg(long, value_name = "TEXT", default_value = " ")]
    pub item_separator: String,

    /// Save a recommender model (single-item consequents) for `upsell recommend`.
    #[arg(long, value_name = "PATH")]
    pub model: Option<PathBuf>,

    /// Worker threads [default: UPSELL_MAX_THREADS or all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Stop with an error rather than let the itemsets take more memory than this: bytes, or with
    /// a suffix K, M, G, T [default: half the physical memory].
    #[arg(long, value_name = "SIZE", value_parser = crate::mine::memory_size)]
    pub max_memory: Option<u64>,

    /// Stop with an error rather than produce more rules than this.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_RULES)]
    pub max_rules: u64,
}

/// Runs `upsell rules`.
pub fn run(args: &RulesArgs, control: &Control) -> Result<(), CliError> {
    let mut options = RuleOptions {
        min_confidence: args.min_confidence,
        min_lift: args.min_lift,
        max_antecedent_len: args.max_antecedent_len,
        max_consequent_len: args.max_consequent_len,
        prune_redundant: args.prune_redundant,
        max_rules: Some(args.max_rules),
        threads: args.threads,
        ..RuleOptions::default()
    };
    options.validate()?;
    let mining = MiningOptions {
        target: args.target,
        threads: args.threads,
        max_len: options.max_itemset_len(),
        max_itemsets: Some(DEFAULT_MAX_ITEMSETS),
        max_memory: args.max_memory.or(Some(default_max_memory())),
        ..MiningOptions::new(args.min_support)
    };
    mining.validate()?;
    let mut destination = args.output.open()?;

    let started = Instant::now();
    let data = args.input.read()?;
    if let Some(warning) = args.min_support.warning(data.baskets.len() as u64) {
        eprintln!("warning: {warning}");
    }
    let read_time = started.elapsed();
    options.consequent_items = args.consequents.as_ref().map(|labels| known(&data, labels));
    options.exclude_items = known(&data, &args.exclude);

    let started = Instant::now();
    let itemsets = progress::while_working("mining", control, || {
        mine_with(&data.baskets, &mining, control)
    })?;
    let mine_time = started.elapsed();
    let started = Instant::now();
    let rules = progress::while_working("rules", control, || {
        generate_with(&itemsets, &options, control)
    })?;
    let rules_time = started.elapsed();

    let mut summary = Summary::default();
    summary.add("file", args.input.file.display().to_string());
    summary.add("baskets", thousands(data.baskets.len() as u64));
    summary.add("itemsets", thousands(itemsets.len() as u64));
    summary.add("rules", thousands(rules.len() as u64));
    summary.seconds("read", read_time);
    summary.seconds("mine", mine_time);
    summary.seconds("rules", rules_time);
    if let Some(path) = &args.model {
        let model = Recommender::new(&rules, &data.items, &data.baskets)?;
        model.save(path)?;
        summary.add(
            "model",
            format!(
                "{} ({} rules)",
                path.display(),
                thousands(model.rule_count() as u64)
            ),
        );
    }
    match destination.take() {
        Some(mut destination) => {
            let written = write(&mut destination, &rules, &data.items, &args.item_separator);
            written.map_err(|e| CliError::write(&destination.path, e))?;
            summary.add("output", destination.path.display().to_string());
            destination.finish()?;
            summary.print();
        }
        None => {
            summary.print();
            let order = rules.ranked_by(args.sort_by);
            let shown = &order[..order.len().min(args.top)];
            if !shown.is_empty() {
                eprintln!(
                    "\ntop {} rules by {} (pass --output PATH.csv for all):",
                    shown.len(),
                    args.sort_by
                );
                print_table(&mut std::io::stdout().lock(), &rules, &data.items, shown)
                    .map_err(CliError::stdout)?;
            }
        }
    }
    Ok(())
}

/// The ids of the labels the data knows; unknown labels cannot occur in a rule and are skipped.
fn known(data: &Dataset, labels: &[String]) -> Vec<u32> {
    labels
        .iter()
        .filter_map(|l| data.items.id(l.trim()))
        .collect()
}

fn names(items: &[u32], labels: &ItemDictionary, separator: &str) -> String {
    items
        .iter()
        .map(|&i| labels.label(i).unwrap_or("?"))
        .collect::<Vec<_>>()
        .join(separator)
}

fn write(
    destination: &mut Destination,
    rules: &Rules,
    labels: &ItemDictionary,
    separator: &str,
) -> std::io::Result<()> {
    let format = destination.format;
    let out = destination.writer();
    match format {
        OutputFormat::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            let mut header = vec!["antecedents", "consequents"];
            header.extend(Measure::ALL.iter().map(|m| m.name()));
            header.extend(["count", "antecedent count", "consequent count"]);
            csv.write_record(&header)?;
            for rule in rules.iter() {
                let mut row = vec![
                    names(rule.antecedent(), labels, separator),
                    names(rule.consequent(), labels, separator),
                ];
                row.extend(Measure::ALL.iter().map(|&m| rule.measure(m).to_string()));
                row.extend(
                    [
                        rule.count(),
                        rule.antecedent_count(),
                        rule.consequent_count(),
                    ]
                    .map(|c| c.to_string()),
                );
                csv.write_record(&row)?;
            }
            csv.flush()
        }
        OutputFormat::Jsonl => {
            for rule in rules.iter() {
                let side = |items: &[u32]| {
                    items
                        .iter()
                        .map(|&i| labels.label(i).unwrap_or("?"))
                        .collect::<Vec<_>>()
                };
                let mut object = serde_json::Map::new();
                object.insert("antecedents".into(), side(rule.antecedent()).into());
                object.insert("consequents".into(), side(rule.consequent()).into());
                for m in Measure::ALL {
                    let value = rule.measure(m);
                    // JSON has no infinity: an infinite conviction is written as null.
                    object.insert(
                        m.name().into(),
                        serde_json::Number::from_f64(value)
                            .map_or(serde_json::Value::Null, Into::into),
                    );
                }
                object.insert("count".into(), rule.count().into());
                object.insert("antecedent count".into(), rule.antecedent_count().into());
                object.insert("consequent count".into(), rule.consequent_count().into());
                serde_json::to_writer(&mut *out, &object)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
    }
}

/// A table of the rules at `shown` for people: support, confidence, lift, count, the rule.
pub fn print_table(
    out: &mut dyn Write,
    rules: &Rules,
    labels: &ItemDictionary,
    shown: &[usize],
) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>8} {:>8} {:>10} {:>7}  rule",
        "support", "conf", "lift", "count"
    )?;
    for &k in shown {
        let Some(rule) = rules.get(k) else { continue };
        writeln!(
            out,
            "{:>8.4} {:>8.4} {:>10.3} {:>7}  {} -> {}",
            rule.measure(Measure::Support),
            rule.measure(Measure::Confidence),
            rule.measure(Measure::Lift),
            rule.count(),
            names(rule.antecedent(), labels, ", "),
            names(rule.consequent(), labels, ", "),
        )?;
    }
    Ok(())
}
