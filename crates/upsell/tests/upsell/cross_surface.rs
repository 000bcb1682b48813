//! The cross-surface table (`testdata/cross-surface/cases.toml`) through the core; pytest runs the
//! same table through Python, and both must give the answers written in it.

use std::path::{Path, PathBuf};

use toml::Value;
use upsell::data::{Dataset, ReadOptions};
use upsell::mining::{MinSupport, MiningOptions, mine};
use upsell::pricing::{BundlePolicy, Currency, DiscountBand, PriceList, price_bundle};
use upsell::recommend::{
    EvaluationOptions, FitOptions, RecommendOptions, Recommender, Split, evaluate,
};
use upsell::rules::{RuleOptions, affinity, generate};
use upsell::time::parse_timestamp_parameter;
use upsell::triggers::{BatchOptions, Context, RuleSet, read_customers_csv};
use upsell::{Control, ErrorKind};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cross-surface")
}

/// One case's value of `key`.
fn get<'a>(case: &'a Value, key: &str) -> Option<&'a Value> {
    case.get(key)
}

fn float(case: &Value, key: &str, default: f64) -> f64 {
    get(case, key).map_or(default, |v| {
        v.as_float()
            .or(v.as_integer().map(|i| i as f64))
            .expect(key)
    })
}

fn int(case: &Value, key: &str, default: i64) -> i64 {
    get(case, key).map_or(default, |v| v.as_integer().expect(key))
}

fn support(case: &Value) -> upsell::Result<MinSupport> {
    match get(case, "min_support").expect("min_support") {
        Value::Integer(count) => Ok(MinSupport::count(*count as u64)),
        other => MinSupport::fraction(other.as_float().expect("min_support")),
    }
}

fn strings(case: &Value, key: &str) -> Vec<String> {
    get(case, key)
        .and_then(Value::as_array)
        .expect(key)
        .iter()
        .map(|v| v.as_str().expect(key).to_owned())
        .collect()
}

/// Labels of `ids`, sorted.
fn labels(data: &Dataset, ids: &[u32]) -> Vec<String> {
    let mut names: Vec<String> = ids
        .iter()
        .map(|&i| data.items.label(i).unwrap_or_default().to_owned())
        .collect();
    names.sort_unstable();
    names
}

/// Rows of item lists and a count, sorted as Python sorts lists (item lists first, then count).
fn sorted(mut rows: Vec<(Vec<Vec<String>>, u64)>) -> Value {
    rows.sort();
    let strings = |items: Vec<String>| Value::Array(items.into_iter().map(Value::String).collect());
    Value::Array(
        rows.into_iter()
            .map(|(lists, count)| {
                let mut row: Vec<Value> = lists.into_iter().map(strings).collect();
                row.push(Value::Integer(count as i64));
                Value::Array(row)
            })
            .collect(),
    )
}

fn mine_itemsets(case: &Value, path: &Path) -> upsell::Result<(Dataset, upsell::mining::Itemsets)> {
    let data = Dataset::read(path, &ReadOptions::baskets(b','))?;
    let options = MiningOptions {
        target: get(case, "target")
            .map_or("all", |v| v.as_str().expect("target"))
            .parse()?,
        max_len: get(case, "max_len").map(|v| v.as_integer().expect("max_len") as usize),
        ..MiningOptions::new(support(case)?)
    };
    let itemsets = mine(&data.baskets, &options)?;
    Ok((data, itemsets))
}

fn itemsets(case: &Value, path: &Path) -> upsell::Result<Value> {
    let (data, itemsets) = mine_itemsets(case, path)?;
    Ok(sorted(
        itemsets
            .iter()
            .map(|(set, count)| (vec![labels(&data, set)], count))
            .collect(),
    ))
}

fn rules(case: &Value, path: &Path) -> upsell::Result<Value> {
    let (data, itemsets) = mine_itemsets(case, path)?;
    let options = RuleOptions {
        min_confidence: float(case, "min_confidence", 0.8),
        max_antecedent_len: get(case, "max_antecedent_len")
            .map(|v| v.as_integer().expect("max_antecedent_len") as usize),
        ..RuleOptions::default()
    };
    let rules = generate(&itemsets, &options)?;
    Ok(sorted(
        rules
            .iter()
            .map(|rule| {
                let sides = vec![
                    labels(&data, rule.antecedent()),
                    labels(&data, rule.consequent()),
                ];
                (sides, rule.count())
            })
            .collect(),
    ))
}

fn bundle_price(case: &Value, _: &Path) -> upsell::Result<Value> {
    let prices = get(case, "prices")
        .and_then(Value::as_table)
        .expect("prices");
    let prices = PriceList::parse(
        Currency::GBP,
        prices
            .iter()
            .map(|(label, price)| (label.as_str(), price.as_str().expect("price"))),
    )?;
    let mut policy = BundlePolicy::default();
    if let Some(band) = get(case, "discount").and_then(Value::as_array) {
        let percent = |v: &Value| v.as_integer().expect("discount").to_string();
        policy.band = DiscountBand::parse_percent(&percent(&band[0]), &percent(&band[1]))?;
    }
    if let Some(ending) = get(case, "ending") {
        policy.ending = ending.as_str().expect("ending").parse()?;
    }
    let items = strings(case, "items");
    let items: Vec<&str> = items.iter().map(String::as_str).collect();
    Ok(match price_bundle(&items, &prices, None, &policy)? {
        Ok(quote) => Value::String(quote.price.amount_string()),
        Err(refusal) => Value::String(format!("refused: {}", refusal.describe())),
    })
}

fn triggers(case: &Value, _: &Path) -> upsell::Result<Value> {
    let rules = RuleSet::from_yaml_str(get(case, "rules").and_then(Value::as_str).expect("rules"))?;
    let now = parse_timestamp_parameter("now", "2026-11-23T10:00:00Z")?;
    let mut offers = Vec::new();
    for row in strings(case, "rows") {
        let context = Context::from_json(&row)?;
        for offer in rules.evaluate(&context, None, now)?.offers {
            let customer = context.id().unwrap_or_default().to_owned();
            offers.push(Value::Array(vec![
                Value::String(customer),
                Value::String(offer.rule),
            ]));
        }
    }
    Ok(Value::Array(offers))
}

/// A customers' CSV file read and evaluated as `upsell triggers eval` does.
fn triggers_table(case: &Value, path: &Path) -> upsell::Result<Value> {
    let rules = RuleSet::from_yaml_str(get(case, "rules").and_then(Value::as_str).expect("rules"))?;
    let now = parse_timestamp_parameter("now", "2026-11-23T10:00:00Z")?;
    let batch = read_customers_csv(path, rules.declared_schema())?;
    let offers = rules.evaluate_batch(&batch, &BatchOptions::new(now), &Control::new())?;
    Ok(Value::Array(
        offers
            .into_iter()
            .filter(|o| !o.held_out)
            .map(|o| Value::Array(vec![Value::String(o.customer), Value::String(o.offer.rule)]))
            .collect(),
    ))
}

fn recommend(case: &Value, path: &Path) -> upsell::Result<Value> {
    let data = Dataset::read(path, &ReadOptions::baskets(b','))?;
    let options = FitOptions {
        min_confidence: float(case, "min_confidence", 0.01),
        max_antecedent_len: int(case, "max_antecedent_len", 3) as usize,
        ..FitOptions::new(support(case)?)
    };
    let query = RecommendOptions {
        by: get(case, "by")
            .map_or("confidence", |v| v.as_str().expect("by"))
            .parse()?,
        smoothing: float(case, "smoothing", 5.0),
        ..RecommendOptions::default()
    };
    query.validate()?;
    let model = Recommender::fit(&data.baskets, &data.items, &options, &Control::default())?;
    let cart: Vec<&str> = get(case, "cart")
        .and_then(Value::as_array)
        .expect("cart")
        .iter()
        .map(|v| v.as_str().expect("label"))
        .collect();
    let answer = model.recommend_labels(&cart, int(case, "k", 5) as usize, &query);
    Ok(Value::Array(
        answer
            .items
            .iter()
            .map(|r| Value::String(model.label(r.item).unwrap_or_default().to_owned()))
            .collect(),
    ))
}

fn affinity_pairs(case: &Value, path: &Path) -> upsell::Result<Value> {
    let data = Dataset::read(path, &ReadOptions::baskets(b','))?;
    let matrix = affinity(&data.baskets, int(case, "top", 20) as usize, None)?;
    let pairs = matrix.actionable_pairs(
        float(case, "min_support", 0.03),
        float(case, "min_lift", 1.5),
    )?;
    let label = |i: u32| Value::String(data.items.label(i).unwrap_or_default().to_owned());
    Ok(Value::Array(
        pairs
            .iter()
            .map(|p| Value::Array(vec![label(p.a), label(p.b), Value::Integer(p.count as i64)]))
            .collect(),
    ))
}

fn evaluate_by_time(case: &Value, path: &Path) -> upsell::Result<Value> {
    let mut read = ReadOptions::long(["order"], "item");
    read.time_column = Some("time".into());
    let split = match get(case, "cutoff") {
        Some(cutoff) => Split::Cutoff {
            cutoff: parse_timestamp_parameter("cutoff", cutoff.as_str().expect("cutoff"))?,
        },
        None => Split::TimeFraction {
            train: float(case, "train", 0.8),
        },
    };
    let options = EvaluationOptions {
        split,
        k: int(case, "k", 5) as usize,
        max_antecedent_len: int(case, "max_antecedent_len", 3) as usize,
        recommend: RecommendOptions {
            smoothing: float(case, "smoothing", 5.0),
            ..RecommendOptions::default()
        },
        ..EvaluationOptions::new(support(case)?)
    };
    let data = Dataset::read(path, &read)?;
    let times = data.keys.and_then(|k| k.time);
    let result = evaluate(
        &data.baskets,
        &data.items,
        times.as_deref(),
        &options,
        &Control::default(),
    )?;
    Ok(Value::Array(
        [result.train_baskets, result.test_baskets, result.cases]
            .map(|n| Value::Integer(n as i64))
            .to_vec(),
    ))
}

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidInput => "invalid_input",
        ErrorKind::InvalidParameter => "invalid_parameter",
        ErrorKind::Parse => "parse",
        ErrorKind::LimitExceeded => "limit_exceeded",
        ErrorKind::Cancelled => "cancelled",
        ErrorKind::Io => "io",
        _ => "other",
    }
}

#[test]
fn every_case_gives_its_answer_through_the_core() {
    let text = std::fs::read_to_string(dir().join("cases.toml")).expect("cases.toml");
    let table: Value = toml::from_str(&text).expect("cases.toml parses");
    let cases = table
        .get("case")
        .and_then(Value::as_array)
        .expect("[[case]]");
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case.get("name").and_then(Value::as_str).expect("name");
        let path = dir().join(case.get("input").and_then(Value::as_str).expect("input"));
        let got = match case.get("job").and_then(Value::as_str).expect("job") {
            "recommend" => recommend(case, &path),
            "affinity_pairs" => affinity_pairs(case, &path),
            "evaluate" => evaluate_by_time(case, &path),
            "mine" => itemsets(case, &path),
            "rules" => rules(case, &path),
            "bundle_price" => bundle_price(case, &path),
            "triggers" => triggers(case, &path),
            "triggers_table" => triggers_table(case, &path),
            other => panic!("{name}: unknown job {other}"),
        };
        match (
            got,
            case.get("expect"),
            case.get("error").and_then(Value::as_str),
        ) {
            (Ok(got), Some(expect), None) if &got == expect => {}
            (Err(err), None, Some(kind))
                if kind_name(err.kind()) == kind
                    && err.to_string().contains(
                        case.get("mentions")
                            .and_then(Value::as_str)
                            .unwrap_or_default(),
                    ) => {}
            (got, _, _) => failures.push(format!("{name}: got {got:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
