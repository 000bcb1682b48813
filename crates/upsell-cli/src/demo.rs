//! `upsell demo`: the whole path on real data, with nothing to download: frequent itemsets, the
//! strongest rules, a recommendation for a cart, and a priced bundle.
//!
//! Two small samples (see `examples/data/README.md`) are compiled into the binary, so the demo
//! works from any directory: the first 2,000 baskets of the Groceries data for itemsets, rules and
//! the recommendation, and the first 100 invoices of the Online Retail data (real GBP prices) for
//! the bundle and the upsell report, which the demo writes last. Every step calls the same core
//! functions as `upsell mine`, `rules`, `recommend`, `bundles` and `report`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use upsell::Control;
use upsell::data::{Dataset, OrderLines, OrderReadOptions, ReadOptions};
use upsell::mining::{MinSupport, MiningOptions, mine_with};
use upsell::pricing::{BundleOptions, find_bundles};
use upsell::recommend::{RecommendOptions, Recommender};
use upsell::report::ReportOptions;
use upsell::rules::{Measure, RuleOptions, generate_with};

use crate::error::CliError;
use crate::mine::core_value;
use crate::output::{self, OutputArgs};
use crate::progress;
use crate::summary::thousands;

/// The basket sample: one basket a line, comma-separated item names.
const SAMPLE: &[u8] = include_bytes!("../data/groceries_sample.csv");
const SAMPLE_NAME: &str = "groceries_sample.csv";
/// The order sample: order lines with the columns of the UCI Online Retail data.
const ORDERS: &[u8] = include_bytes!("../data/online_retail_sample.csv");
const ORDERS_NAME: &str = "online_retail_sample.csv";
/// A bundle candidate must be bought together in at least this many of the 100 sample orders.
const BUNDLE_MIN_ORDERS: u64 = 5;

/// Arguments of `upsell demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Minimum support: a fraction of the baskets (0.02) or a number of them (40).
    #[arg(short = 's', long, value_name = "S", default_value = "0.02", value_parser = core_value::<MinSupport>)]
    pub min_support: MinSupport,

    /// Minimum confidence of the rules, in [0, 1].
    #[arg(short = 'c', long, value_name = "C", default_value_t = 0.25)]
    pub min_confidence: f64,

    /// The cart to recommend for: comma-separated item names.
    #[arg(
        long,
        value_name = "ITEMS",
        value_delimiter = ',',
        default_value = "whole milk,root vegetables"
    )]
    pub cart: Vec<String>,

    /// Also write every itemset, most frequent first (CSV items are joined by `|`, since grocery
    /// names contain spaces).
    #[command(flatten)]
    pub output: OutputArgs,

    /// How many itemsets and rules to show in each table.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub top: usize,

    /// The directory of the report of the built-in orders.
    #[arg(long, value_name = "DIR", default_value = crate::report::DEFAULT_DIR)]
    pub report_dir: PathBuf,
}

/// Runs `upsell demo`.
pub fn run(args: &DemoArgs, control: &Control) -> Result<(), CliError> {
    let options = MiningOptions::new(args.min_support);
    options.validate()?;
    let rule_options = RuleOptions {
        min_confidence: args.min_confidence,
        max_consequent_len: Some(1),
        ..RuleOptions::default()
    };
    rule_options.validate()?;
    let destination = args.output.open()?;

    let started = Instant::now();
    let data = Dataset::from_reader(SAMPLE, SAMPLE_NAME, &ReadOptions::baskets(b','))?;
    let mut itemsets = progress::while_working("mining", control, || {
        mine_with(&data.baskets, &options, control)
    })?;
    itemsets.sort_by_count();
    let mine_time = started.elapsed();

    let mut out = std::io::stdout().lock();
    let print = CliError::stdout;
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
        "1. Itemsets. At min support {} (in at least {} baskets): {} frequent itemsets,\n   \
         read and mined in {:.3} s.\n",
        args.min_support,
        thousands(itemsets.min_count()),
        thousands(itemsets.len() as u64),
        mine_time.as_secs_f64()
    )
    .map_err(print)?;
    let top = itemsets.top_by_count(args.top, 1);
    if !top.is_empty() {
        writeln!(out, "Most frequent itemsets:").map_err(print)?;
        output::print_table(&mut out, &itemsets, &data.items, &top).map_err(print)?;
    }
    let together = itemsets.top_by_count(args.top, 2);
    if !together.is_empty() {
        writeln!(out, "\nBought together most often:").map_err(print)?;
        output::print_table(&mut out, &itemsets, &data.items, &together).map_err(print)?;
    }

    let rules = progress::while_working("rules", control, || {
        generate_with(&itemsets, &rule_options, control)
    })?;
    writeln!(
        out,
        "\n2. Rules. {} association rules with confidence at least {}; the strongest by lift:",
        thousands(rules.len() as u64),
        args.min_confidence
    )
    .map_err(print)?;
    let ranked = rules.ranked_by(Measure::Lift);
    let shown = &ranked[..ranked.len().min(args.top)];
    crate::rules::print_table(&mut out, &rules, &data.items, shown).map_err(print)?;

    let model = Recommender::new(&rules, &data.items, &data.baskets)?;
    let cart = crate::recommend::cart_labels(&args.cart);
    let answer = model.recommend_labels(&cart, 3, &RecommendOptions::default());
    writeln!(
        out,
        "\n3. Recommendation. A recommender built from these rules, asked about the cart\n   \
         \"{}\":",
        cart.join(", ")
    )
    .map_err(print)?;
    if !answer.unknown.is_empty() {
        writeln!(
            out,
            "   (not in the sample, ignored: {})",
            answer.unknown.join(", ")
        )
        .map_err(print)?;
    }
    crate::recommend::print_answer(&mut out, &model, &answer.items).map_err(print)?;

    let orders = OrderLines::from_reader(ORDERS, ORDERS_NAME, &OrderReadOptions::default())?;
    let bundle_options = BundleOptions {
        top: 1,
        ..BundleOptions::new(MinSupport::count(BUNDLE_MIN_ORDERS))
    };
    let report = find_bundles(&orders, None, &bundle_options, control)?;
    writeln!(
        out,
        "\n4. Bundle. The best priced bundle in {} Online Retail orders (real prices, also built in;\n   \
         pairs bought together in at least {BUNDLE_MIN_ORDERS} orders, 15-25% off, price ending in 9):",
        thousands(report.orders)
    )
    .map_err(print)?;
    if let Some(bundle) = report.bundles.first() {
        let q = &bundle.quote;
        let currency = q.sum.currency();
        for ((item, price), description) in
            q.items.iter().zip(&q.item_prices).zip(&bundle.descriptions)
        {
            let description = description.as_deref().unwrap_or("");
            writeln!(
                out,
                "   {item:<8} {description:<40} {:>8} {currency}",
                price.amount_string()
            )
            .map_err(print)?;
        }
        writeln!(
            out,
            "   bundle price {} {currency} instead of {} (saving {}, {}.{}%), bought together in {} orders",
            q.price.amount_string(),
            q.sum.amount_string(),
            q.saving.amount_string(),
            q.saving_bp / 100,
            (q.saving_bp % 100) / 10,
            bundle.orders
        )
        .map_err(print)?;
    }

    if let Some(destination) = destination {
        let path = destination.write_itemsets(&itemsets, &data.items, "|", control)?;
        writeln!(
            out,
            "\nWrote {} itemsets to {}.",
            thousands(itemsets.len() as u64),
            path.display()
        )
        .map_err(print)?;
    }
    writeln!(
        out,
        "\nNext, on your own data (one basket a line, or --format long with --basket-col and --item-col):\n\
         \x20 upsell mine baskets.csv --min-support 0.01 --output out/itemsets.csv\n\
         \x20 upsell rules baskets.csv --min-support 0.01 --min-confidence 0.3 --model out/baskets.model\n\
         \x20 upsell recommend --model out/baskets.model --cart \"first item,second item\"\n\
         \x20 upsell bundles orders.csv    # order lines with prices (see upsell bundles --help)\n\
         \x20 upsell report orders.csv     # the whole upsell report of an order log"
    )
    .map_err(print)?;
    let options = ReportOptions {
        title: Some("upsell demo: Online Retail sample".to_owned()),
        ..ReportOptions::new(ORDERS_NAME, crate::report::today())
    };
    let written = crate::report::write(&orders, &options, &args.report_dir, control)?;
    writeln!(
        out,
        "\n5. Report. The upsell report of the {} built-in orders (open it in a browser):\n   {}",
        thousands(orders.orders().len() as u64),
        written.html.display()
    )
    .map_err(print)?;
    Ok(())
}
