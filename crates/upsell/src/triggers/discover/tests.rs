use super::*;
use crate::ErrorKind;
use crate::pricing::Currency;
use crate::triggers::{Column, RuleSet};

fn planted(customers: usize, seed: u64) -> SubscriptionGenerator {
    SubscriptionGenerator {
        customers,
        seed,
        effects: vec![
            PlantedEffect::new("upgraded", "usage.feature_2", ConditionOp::Ge, 20, 3.0)
                .plan("starter"),
        ],
        ..SubscriptionGenerator::default()
    }
}

fn options() -> DiscoverOptions {
    DiscoverOptions {
        ignore: vec!["id".into(), "churned".into()],
        ..DiscoverOptions::new("upgraded")
    }
}

#[test]
fn the_planted_subgroup_comes_first_with_its_threshold() -> Result<()> {
    for customers in [20_000, 50_000] {
        for seed in 1..=3 {
            let batch = planted(customers, seed).generate()?;
            let found = discover(&batch, &options())?;
            let Some(first) = found.subgroups.first() else {
                panic!("{customers} customers, seed {seed}: nothing found");
            };
            let at = format!("{customers} customers, seed {seed}: {}", first.expression());
            assert_eq!(first.conditions.len(), 2, "{at}");
            assert_eq!(first.conditions[0].value, Value::from("starter"), "{at}");
            let usage = &first.conditions[1];
            assert_eq!(
                (usage.column.as_str(), usage.op),
                ("usage.feature_2", ConditionOp::Ge),
                "{at}"
            );
            let Value::Int(threshold) = usage.value else {
                panic!("{at}: not an int threshold");
            };
            assert!((threshold - 20).abs() <= 2, "{at}");
            assert!(
                first.significant && !first.redundant && first.lift > 2.0,
                "{at}"
            );
        }
    }
    Ok(())
}

#[test]
fn nothing_passes_the_corrected_test_without_an_effect() -> Result<()> {
    for seed in 1..=20 {
        let batch = SubscriptionGenerator {
            customers: 3_000,
            seed,
            ..SubscriptionGenerator::default()
        }
        .generate()?;
        for correction in [Correction::Holm, Correction::BenjaminiHochberg] {
            let found = discover(
                &batch,
                &DiscoverOptions {
                    correction,
                    ..options()
                },
            )?;
            assert!(
                found.subgroups.is_empty(),
                "seed {seed}, {correction:?}: {}",
                found.subgroups[0].expression()
            );
            assert!(found.tests > 100);
        }
    }
    Ok(())
}

#[test]
fn results_do_not_depend_on_threads_and_rules_load() -> Result<()> {
    let batch = planted(5_000, 7).generate()?;
    let serial = discover(
        &batch,
        &DiscoverOptions {
            threads: Some(1),
            ..options()
        },
    )?;
    let parallel = discover(
        &batch,
        &DiscoverOptions {
            threads: Some(3),
            ..options()
        },
    )?;
    assert_eq!(serial, parallel);
    let rules = RuleSet::from_yaml_str(&serial.rules_yaml)?;
    rules.check(batch.schema())?;
    assert_eq!(rules.rules().len(), serial.subgroups.len());
    Ok(())
}

#[test]
fn expected_values_come_from_plan_prices() -> Result<()> {
    let batch = planted(5_000, 3).generate()?;
    let usd = |minor| Money::new(minor, Currency::USD);
    let prices = PlanPrices::new(
        "plan",
        "pro",
        vec![
            ("starter".into(), usd(1900)),
            ("team".into(), usd(2900)),
            ("pro".into(), usd(4900)),
        ],
    );
    let found = discover(
        &batch,
        &DiscoverOptions {
            prices: Some(prices),
            ..options()
        },
    )?;
    let first = &found.subgroups[0];
    let expected = (first.rate * 3000.0).round() / 100.0;
    let value: f64 = first
        .expected_value
        .as_deref()
        .unwrap_or("")
        .parse()
        .unwrap_or(-1.0);
    assert!((value - expected).abs() < 1e-9, "{value} {expected}");
    let rules = RuleSet::from_yaml_str(&found.rules_yaml)?;
    rules.check(batch.schema())?;
    assert!(found.rules_yaml.contains("target: pro"));
    let written = found
        .subgroups
        .iter()
        .filter_map(|s| s.expected_value.as_deref());
    assert!(
        written.clone().any(|v| v.contains("plan =="))
            || found
                .subgroups
                .iter()
                .all(|s| s.conditions.iter().any(|c| c.column == "plan"))
    );
    Ok(())
}

fn small(outcome: Column, extra: Vec<(&str, Column)>) -> Result<Batch> {
    let mut columns = vec![("upgraded".to_owned(), outcome)];
    columns.extend(extra.into_iter().map(|(n, c)| (n.to_owned(), c)));
    Batch::new(columns)
}

#[test]
fn bad_outcomes_are_errors_naming_the_row() -> Result<()> {
    let usage = || ("usage", Column::ints(vec![1, 2, 3, 4], None));
    let two = small(Column::ints(vec![0, 1, 2, 0], None), vec![usage()])?;
    let err = discover(&two, &DiscoverOptions::new("upgraded")).expect_err("an error");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("outcome 2 in row 3"), "{err}");
    let missing = small(
        Column::ints(vec![0, 1, 1, 0], Some(vec![true, true, false, true])),
        vec![usage()],
    )?;
    assert!(
        discover(&missing, &DiscoverOptions::new("upgraded"))
            .expect_err("an error")
            .to_string()
            .contains("row 3")
    );
    let text = small(
        Column::strings([Some("yes"), Some("no"), Some("no"), Some("no")]),
        vec![usage()],
    )?;
    assert!(
        discover(&text, &DiscoverOptions::new("upgraded"))
            .expect_err("an error")
            .to_string()
            .contains("type string")
    );
    let constant = small(Column::ints(vec![1, 1, 1, 1], None), vec![usage()])?;
    assert!(
        discover(&constant, &DiscoverOptions::new("upgraded"))
            .expect_err("an error")
            .to_string()
            .contains("every customer")
    );
    let err = discover(&constant, &DiscoverOptions::new("converted")).expect_err("an error");
    assert!(
        err.to_string().contains("no outcome column 'converted'"),
        "{err}"
    );
    let few = small(
        Column::bools(vec![true, false, false, true], None),
        vec![usage()],
    )?;
    let err = discover(
        &few,
        &DiscoverOptions {
            min_size: MinSupport::count(5),
            ..DiscoverOptions::new("upgraded")
        },
    )
    .expect_err("an error");
    assert!(
        err.to_string()
            .contains("4 customers, fewer than the smallest subgroup (5)"),
        "{err}"
    );
    Ok(())
}

#[test]
fn unusable_columns_are_skipped_with_the_reason() -> Result<()> {
    let n = 200;
    let outcome: Vec<i64> = (0..n).map(|i| i64::from(i % 4 == 0)).collect();
    let batch = small(
        Column::ints(outcome, None),
        vec![
            ("region", Column::strings((0..n).map(|_| Some("eu")))),
            ("score", Column::floats(vec![0.0; n], Some(vec![false; n]))),
            (
                "id",
                Column::strings((0..n).map(|i| Some(if i % 2 == 0 { "a" } else { "b" }))),
            ),
            ("seen_at", Column::timestamps(vec![0; n], None)),
            ("usage", Column::ints((0..n as i64).collect(), None)),
        ],
    )?;
    let found = discover(
        &batch,
        &DiscoverOptions {
            min_size: MinSupport::count(150),
            ..DiscoverOptions::new("upgraded")
        },
    )?;
    let reasons: Vec<(&str, &str)> = found
        .skipped
        .iter()
        .map(|s| (s.column.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(reasons[0], ("region", "constant"));
    assert_eq!(reasons[1], ("score", "all values missing"));
    assert_eq!(
        reasons[2],
        ("id", "no value is held by at least 150 customers")
    );
    assert!(reasons[3].1.starts_with("type timestamp is not used"));
    assert_eq!(reasons.len(), 4);
    Ok(())
}

#[test]
fn thresholds_are_round_and_split_as_the_data_does() {
    assert_eq!(conditions::round_int(21, Some(14)), 20);
    assert_eq!(conditions::round_int(21, Some(20)), 21);
    assert_eq!(conditions::round_int(1_234, Some(1_100)), 1_200);
    let floats = Column::floats(vec![], None);
    assert_eq!(
        conditions::round_threshold(&floats.cells(), 20.03, Some(19.98)),
        Value::Float(20.0)
    );
    assert_eq!(
        conditions::round_threshold(&floats.cells(), 0.1234, Some(0.1231)),
        Value::Float(0.1234)
    );
}

#[test]
fn odd_column_names_are_quoted() {
    assert_eq!(field_name("usage.feature_x_30d"), "usage.feature_x_30d");
    assert_eq!(field_name("seat count"), "`seat count`");
    assert_eq!(field_name("in"), "`in`");
}
