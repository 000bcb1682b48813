//! The cross-surface table (`testdata/cross-surface/cases.toml`) through the core; pytest runs the
//! same table through Python, and both must give the answers written in it.

use std::path::{Path, PathBuf};

use toml::Value;
use upsell::data::{Dataset, ReadOptions};
use upsell::mining::MinSupport;
use upsell::recommend::{
    EvaluationOptions, FitOptions, RecommendOptions, Recommender, Split, evaluate,
};
use upsell::rules::affinity;
use upsell::time::parse_timestamp_parameter;
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

fn support(case: &Value) -> MinSupport {
    match get(case, "min_support").expect("min_support") {
        Value::Integer(count) => MinSupport::count(*count as u64),
        other => MinSupport::fraction(other.as_float().expect("min_support")).expect("fraction"),
    }
}

fn recommend(case: &Value, path: &Path) -> upsell::Result<Value> {
    let data = Dataset::read(path, &ReadOptions::baskets(b','))?;
    let options = FitOptions {
        min_confidence: float(case, "min_confidence", 0.01),
        max_antecedent_len: int(case, "max_antecedent_len", 3) as usize,
        ..FitOptions::new(support(case))
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
        ..EvaluationOptions::new(support(case))
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
    assert!(cases.len() >= 25, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case.get("name").and_then(Value::as_str).expect("name");
        let path = dir().join(case.get("input").and_then(Value::as_str).expect("input"));
        let got = match case.get("job").and_then(Value::as_str).expect("job") {
            "recommend" => recommend(case, &path),
            "affinity_pairs" => affinity_pairs(case, &path),
            "evaluate" => evaluate_by_time(case, &path),
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
