//! Frequently bought together, end to end: read baskets, mine the frequent itemsets, derive the
//! association rules, build a recommender and answer a cart with the rule behind each item.
//!
//! ```sh
//! cargo run --release -p upsell --example recommend                     # the shipped sample
//! cargo run --release -p upsell --example recommend -- baskets.csv "whole milk" butter
//! ```
//!
//! The baskets file has one basket a line, items separated by commas; the default is
//! `examples/data/groceries_sample.csv` of the repository and the default cart whole milk and butter.

use upsell::data::{Dataset, ItemId, ReadOptions};
use upsell::mining::{MinSupport, MiningOptions, mine};
use upsell::recommend::{RecommendOptions, Recommender};
use upsell::rules::{Measure, RuleOptions, generate};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/groceries_sample.csv"
);

fn main() -> upsell::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| SAMPLE.to_owned());
    let mut cart: Vec<String> = args.collect();
    if cart.is_empty() {
        cart = vec!["whole milk".to_owned(), "butter".to_owned()];
    }

    let data = Dataset::read(&path, &ReadOptions::baskets(b','))?;
    // Itemsets in at least 10 baskets, of up to 3 items: rules with up to 2 items on the left.
    let options = MiningOptions {
        max_len: Some(3),
        ..MiningOptions::new(MinSupport::count(10))
    };
    let itemsets = mine(&data.baskets, &options)?;
    let rules = generate(
        &itemsets,
        &RuleOptions {
            min_confidence: 0.01,
            max_consequent_len: Some(1),
            ..RuleOptions::default()
        },
    )?;
    println!(
        "{} baskets, {} items, {} itemsets, {} rules",
        data.baskets.len(),
        data.items.len(),
        itemsets.len(),
        rules.len()
    );

    let names = |items: &[ItemId]| -> String {
        let labels: Vec<&str> = items
            .iter()
            .filter_map(|&item| data.items.label(item))
            .collect();
        labels.join(" + ")
    };
    println!("\nthe strongest rules that at least 40 baskets follow:");
    let lift = rules.measure(Measure::Lift);
    for k in rules
        .ranked_by(Measure::Lift)
        .into_iter()
        .filter(|&k| rules.counts()[k] >= 40)
        .take(3)
    {
        if let Some(rule) = rules.get(k) {
            println!(
                "  {} -> {} (lift {:.2}, {} baskets)",
                names(rule.antecedent()),
                names(rule.consequent()),
                lift[k],
                rule.count()
            );
        }
    }

    // The model is self-contained (labels included): it could be saved here and loaded by a server.
    let model = Recommender::new(&rules, &data.items, &data.baskets)?;
    let answer = model.recommend_labels(&cart, 5, &RecommendOptions::default());
    println!("\ncart: {}", cart.join(", "));
    if !answer.unknown.is_empty() {
        println!(
            "  (not in the model, ignored: {})",
            answer.unknown.join(", ")
        );
    }
    for (rank, found) in answer.items.iter().enumerate() {
        let because = match found.rule.and_then(|number| model.rule(number)) {
            Some(rule) => format!(
                "{} -> {} (confidence {:.1}%, lift {:.2}, {} baskets)",
                rule.antecedent
                    .iter()
                    .filter_map(|&item| model.label(item))
                    .collect::<Vec<_>>()
                    .join(" + "),
                model.label(rule.consequent).unwrap_or("?"),
                100.0 * rule.confidence(),
                rule.lift(),
                rule.count
            ),
            None => "popular".to_owned(),
        };
        println!(
            "{}. {:<20} {:.3}  {because}",
            rank + 1,
            model.label(found.item).unwrap_or("?"),
            found.score
        );
    }
    Ok(())
}
