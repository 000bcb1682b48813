//! Coverage-guided fuzz targets for `upsell`: every reader, rule files, trigger expressions, model
//! files and the miners, each a function of arbitrary bytes that must never panic, abort or loop.
//!
//! The functions live in this library so that two drivers share them: the libFuzzer binaries in
//! `fuzz_targets/` (built with `--features libfuzzer` and coverage instrumentation by
//! `scripts/test-all.sh --fuzz SECONDS`, on the stable toolchain) and the test `tests/corpus.rs`,
//! which replays every file of `corpus/<target>/` and `regressions/<target>/` in the ordinary test
//! run. A crash the fuzzer finds is fixed at its cause and its input kept in `regressions/`.
//!
//! Beyond "no panic", the targets check what must hold on any input: a reader's baskets hold each
//! item once and only known items; rows and columns evaluate a rule alike; every miner, algorithm and
//! target agrees with the brute-force reference (`upsell::mining::naive`); sequences of C calls on
//! handles keep the C library's contract (`c_api`).
//!
//! ```
//! for (name, target) in upsell_fuzz::TARGETS {
//!     target(b"1 2 3\n2 3\n");
//!     assert!(!name.is_empty());
//! }
//! ```

use std::path::Path;

mod c_api;
pub use c_api::c_api;

use upsell::data::{Baskets, Dataset, OrderLines, OrderReadOptions, ReadOptions};
use upsell::mining::{self, Algorithm, MinSupport, MiningOptions, Target};
use upsell::recommend::{Ease, RecommendOptions, Recommender};
use upsell::time::Timestamp;
use upsell::triggers::{
    Batch, BatchOptions, Column, Context, Decimal, Format, RuleSet, evaluate_expression,
};

/// A fuzz target: any bytes in, no panic out.
pub type FuzzTarget = fn(&[u8]);

/// Every target by name: the names of the binaries in `fuzz_targets/` and of the corpus folders.
pub const TARGETS: [(&str, FuzzTarget); 9] = [
    ("fimi", fimi),
    ("basket_csv", basket_csv),
    ("long_csv", long_csv),
    ("orders", orders),
    ("rule_file", rule_file),
    ("expression", expression),
    ("model", model),
    ("mining", mining),
    ("c_api", c_api),
];

/// Inputs larger than this are skipped: the readers stream, so size finds nothing new, and big
/// inputs only slow the fuzzer down.
const MAX_INPUT: usize = 64 << 10;

/// FIMI text (one basket a line, items separated by blanks), read as FIMI and as a `.txt` file
/// whose format is sniffed from its content.
pub fn fimi(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    if let Ok(dataset) = Dataset::from_reader(data, "fuzz.dat", &ReadOptions::fimi()) {
        check_dataset(&dataset);
    }
    if let Ok(dataset) = Dataset::from_reader(data, "fuzz.txt", &ReadOptions::default()) {
        check_dataset(&dataset);
    }
}

/// Basket CSV (one basket a line); the first byte picks the delimiter.
pub fn basket_csv(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    if rest.len() > MAX_INPUT {
        return;
    }
    let delimiter = [b',', b';', b'\t', b' '][usize::from(first % 4)];
    if let Ok(dataset) = Dataset::from_reader(rest, "fuzz.csv", &ReadOptions::baskets(delimiter)) {
        check_dataset(&dataset);
    }
}

/// Long CSV (one item a row) keyed by `invoice`, with optional customer and time columns.
pub fn long_csv(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let options = ReadOptions {
        customer_column: Some("customer".into()),
        time_column: Some("time".into()),
        ..ReadOptions::long(["invoice"], "item")
    };
    if let Ok(dataset) = Dataset::from_reader(data, "fuzz.csv", &options) {
        check_dataset(&dataset);
        let keys = dataset
            .keys
            .as_ref()
            .expect("long data keeps its basket keys");
        assert_eq!(keys.basket.len(), dataset.baskets.len());
    }
    if let Ok(dataset) =
        Dataset::from_reader(data, "fuzz.csv", &ReadOptions::long(["invoice"], "item"))
    {
        check_dataset(&dataset);
    }
}

/// An order log (invoice, customer, time, item, quantity, unit price) with the default columns,
/// and everything derived from it.
pub fn orders(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(lines) = OrderLines::from_reader(data, "fuzz.csv", &OrderReadOptions::default()) else {
        return;
    };
    let _ = lines.revenue();
    let baskets = lines.baskets();
    assert_eq!(baskets.len(), lines.orders().len());
    check_baskets(&baskets, lines.items().len());
    let _ = lines.price_list();
}

/// A trigger rule file; the first byte picks YAML, JSON or TOML. A file that loads is also
/// evaluated for one customer, row-wise and column-wise.
pub fn rule_file(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if text.len() > MAX_INPUT {
        return;
    }
    let format = [Format::Yaml, Format::Json, Format::Toml][usize::from(first % 3)];
    let Ok(rules) = RuleSet::load(text, format, Some(Path::new("fuzz.rules"))) else {
        return;
    };
    let _ = rules.rules();
    let context = Context::new()
        .with_id("c")
        .set("seats", 12)
        .set("plan", "starter");
    let _ = rules.explain(&context, now());
    let _ = rules.evaluate(&context, None, now());
    if let Ok(batch) = Batch::new(vec![
        ("id".into(), Column::strings([Some("c")])),
        ("seats".into(), Column::ints(vec![12], None)),
        ("plan".into(), Column::strings([Some("starter")])),
    ]) {
        let _ = rules.evaluate_batch(&batch, &BatchOptions::new(now()), &upsell::Control::new());
    }
}

/// A trigger expression over fields of every type: evaluated alone, and as a rule's condition
/// row by row and column-wise, which must fire for the same customers.
pub fn expression(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.len() > 4096 {
        return;
    }
    let contexts = customers();
    for context in &contexts {
        let _ = evaluate_expression(text, context, now());
    }
    let file = serde_json::json!({
        "schema": {
            "seats": "int", "spend": "decimal", "score": "float", "plan": "string",
            "tags": "list<string>", "joined": "timestamp", "active": "bool",
        },
        "rules": [{"name": "fuzz", "when": text, "offer": {"kind": "upgrade", "target": "t"}}],
    });
    let Ok(rules) = RuleSet::from_json_str(&file.to_string()) else {
        return;
    };
    let mut by_row = Vec::new();
    for (row, context) in contexts.iter().enumerate() {
        match rules.evaluate(context, None, now()) {
            Ok(decision) if !decision.offers.is_empty() => by_row.push(row),
            Ok(_) => {}
            Err(_) => return,
        }
    }
    let batch = customer_batch();
    let mut options = BatchOptions::new(now());
    options.threads = Some(1);
    if let Ok(offers) = rules.evaluate_batch(&batch, &options, &upsell::Control::new()) {
        let by_column: Vec<usize> = offers.iter().map(|offer| offer.row).collect();
        assert_eq!(by_row, by_column, "rows and columns disagree on {text:?}");
    }
}

/// A recommender or EASE model file, binary or JSON; one that loads answers a query.
pub fn model(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let text = std::str::from_utf8(data).ok();
    let recommenders = [
        Recommender::from_bytes(data).ok(),
        text.and_then(|t| Recommender::from_json(t).ok()),
    ];
    for recommender in recommenders.into_iter().flatten() {
        let cart: Vec<&str> = (0..recommender.item_count().min(3))
            .filter_map(|i| recommender.label(i as u32))
            .collect();
        let _ = recommender.recommend_labels(&cart, 5, &RecommendOptions::default());
    }
    let eases = [
        Ease::from_bytes(data).ok(),
        text.and_then(|t| Ease::from_json(t).ok()),
    ];
    for ease in eases.into_iter().flatten() {
        let cart: Vec<&str> = (0..ease.item_count().min(3))
            .filter_map(|i| ease.label(i as u32))
            .collect();
        let _ = ease.recommend_labels(&cart, 5);
    }
}

/// Baskets from bytes (`0xFF` ends a basket, other bytes are items 0 to 11; the first byte is
/// the minimum count): every algorithm and target, on one thread and on the pool, equals the
/// brute-force miner.
pub fn mining(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    if rest.len() > 4096 {
        return;
    }
    let mut items = Vec::new();
    let mut offsets = vec![0];
    for basket in rest.split(|&b| b == 0xFF) {
        let mut basket: Vec<u32> = basket.iter().map(|&b| u32::from(b % 12)).collect();
        basket.sort_unstable();
        basket.dedup();
        items.extend(basket);
        offsets.push(items.len());
    }
    let Ok(baskets) = Baskets::from_arrays(items, offsets) else {
        return;
    };
    let min_count = 1 + u64::from(first % 4);
    for target in [Target::All, Target::Closed, Target::Maximal] {
        let options = MiningOptions {
            target,
            max_len: (first & 0x10 != 0).then_some(3),
            ..MiningOptions::new(MinSupport::count(min_count))
        };
        let expected = canonical(mining::naive::mine(&baskets, &options));
        for algorithm in [
            Algorithm::Auto,
            Algorithm::FpGrowth,
            Algorithm::Eclat,
            Algorithm::Apriori,
        ] {
            for threads in [Some(1), None] {
                let options = MiningOptions {
                    algorithm,
                    threads,
                    ..options.clone()
                };
                let got = canonical(mining::mine(&baskets, &options));
                assert_eq!(
                    got, expected,
                    "{algorithm:?} {target:?} threads {threads:?}"
                );
            }
        }
    }
}

/// Itemsets sorted canonically, or the error's kind, for comparing miners.
fn canonical(
    result: upsell::Result<mining::Itemsets>,
) -> Result<Vec<(Vec<u32>, u64)>, upsell::ErrorKind> {
    let mut itemsets = result.map_err(|e| e.kind())?;
    itemsets.sort_canonical();
    Ok(itemsets
        .iter()
        .map(|(set, count)| (set.to_vec(), count))
        .collect())
}

fn check_dataset(dataset: &Dataset) {
    check_baskets(&dataset.baskets, dataset.items.len());
}

/// Each basket holds known items, each once.
fn check_baskets(baskets: &Baskets, item_count: usize) {
    for basket in baskets.iter() {
        let mut sorted = basket.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), basket.len(), "an item twice in {basket:?}");
        assert!(basket.iter().all(|&item| (item as usize) < item_count));
    }
}

fn now() -> Timestamp {
    Timestamp::from_second(1_795_000_000).expect("a valid instant")
}

/// The customers the expression target evaluates, with nulls and edge values.
fn customers() -> Vec<Context> {
    let rows = customer_batch();
    (0..rows.len())
        .map(|row| {
            let mut context = Context::new();
            for (index, (name, _)) in rows.schema().fields().enumerate() {
                let column = rows.column(index).expect("a column of the batch");
                context.insert(name.to_owned(), column.value(row));
            }
            context
        })
        .collect()
}

fn customer_batch() -> Batch {
    let some = |n: usize| Some(vec![true; n]);
    let mut valid = vec![true; 4];
    valid[3] = false;
    Batch::new(vec![
        (
            "id".into(),
            Column::strings([Some("a"), Some("b"), Some("c"), Some("d")]),
        ),
        (
            "seats".into(),
            Column::ints(vec![0, 12, i64::MIN, 5], Some(valid.clone())),
        ),
        (
            "spend".into(),
            Column::decimals(
                vec![0, 49_900_000, Decimal::from_int(-3).units(), 1],
                Some(valid.clone()),
            ),
        ),
        (
            "score".into(),
            Column::floats(vec![0.5, f64::NAN, -0.0, 1e300], some(4)),
        ),
        (
            "plan".into(),
            Column::strings([Some("starter"), Some(""), Some("pro\u{e9}"), None]),
        ),
        (
            "tags".into(),
            Column::lists([Some(vec!["a", "b"]), Some(vec![]), None, Some(vec!["a"])]),
        ),
        (
            "joined".into(),
            Column::timestamps(
                vec![0, 1_795_000_000, -1, 1_700_000_000],
                Some(valid.clone()),
            ),
        ),
        (
            "active".into(),
            Column::bools(vec![true, false, true, false], Some(valid)),
        ),
    ])
    .expect("a valid batch")
}
