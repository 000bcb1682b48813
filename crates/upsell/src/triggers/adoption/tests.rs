use super::*;
use crate::ErrorKind;
use crate::triggers::{ConditionOp, PlantedEffect, SubscriptionGenerator};

/// Ten "pro" customers: four never used `reports`, three of them churned; one of the six others
/// churned. Two "starter" customers, whose plan includes nothing.
fn small() -> Batch {
    let plan = [["pro"; 10].as_slice(), &["starter"; 2]].concat();
    Batch::new(vec![
        (
            "id".to_owned(),
            Column::strings(
                (1..=12)
                    .map(|k| format!("c{k}"))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(|s| Some(s.as_str())),
            ),
        ),
        (
            "plan".to_owned(),
            Column::strings(plan.iter().map(|&p| Some(p))),
        ),
        (
            "reports".to_owned(),
            Column::ints(
                vec![0, 0, 0, 0, 5, 1, 2, 9, 3, 4, 0, 0],
                Some([vec![true; 11], vec![false]].concat()),
            ),
        ),
        (
            "churned".to_owned(),
            Column::ints(vec![1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0], None),
        ),
    ])
    .expect("valid in the test")
}

fn small_options() -> AdoptionOptions {
    AdoptionOptions {
        customer_column: Some("id".into()),
        ..AdoptionOptions::new(vec![
            PlanFeatures::new("starter", Vec::<String>::new()),
            PlanFeatures::new("pro", ["reports"]),
        ])
    }
}

#[test]
fn a_small_case_by_hand() -> Result<()> {
    let found = adoption_gaps(&small(), &small_options())?;
    assert_eq!((found.customers, found.positives), (12, 5));
    assert_eq!(found.gaps.len(), 1);
    let gap = &found.gaps[0];
    assert_eq!(
        (
            gap.plan_customers,
            gap.plan_positives,
            gap.customers,
            gap.positives
        ),
        (10, 4, 4, 3)
    );
    assert!((gap.share - 0.4).abs() < 1e-12);
    assert!((gap.rate - 0.75).abs() < 1e-12);
    assert!((gap.lift - 0.75 / 0.4).abs() < 1e-12);
    // P(X >= 3), X hypergeometric: 10 customers, 4 churned, 4 drawn = (4 x 6 + 1) / 210.
    assert!((gap.p_value - 25.0 / 210.0).abs() < 1e-12);
    assert!((gap.p_adjusted - gap.p_value).abs() < 1e-12 && !gap.significant);
    let (low, high) = crate::metrics::wilson_interval(3, 4, 0.05)?;
    assert!((gap.lift_low - low / 0.4).abs() < 1e-12 && (gap.lift_high - high / 0.4).abs() < 1e-12);
    let ids: Vec<&str> = found
        .customer_gaps
        .iter()
        .map(|g| g.customer.as_str())
        .collect();
    assert_eq!(ids, ["c1", "c2", "c3", "c4"]);
    assert!(
        found
            .customer_gaps
            .iter()
            .all(|g| g.feature == "reports" && g.plan == "pro")
    );
    // Row numbers without a customer column; a higher bar counts usage 1 as unused too.
    let options = AdoptionOptions {
        customer_column: None,
        min_usage: 2,
        ..small_options()
    };
    let found = adoption_gaps(&small(), &options)?;
    assert_eq!(found.gaps[0].customers, 5);
    assert_eq!(found.customer_gaps[4].customer, "6");
    assert_eq!(
        found.gaps[0].expression(),
        r#"plan == "pro" && reports < 2"#
    );
    Ok(())
}

#[test]
fn missing_usage_is_no_usage_text_is_refused_and_an_empty_gap_has_no_rate() -> Result<()> {
    let options = AdoptionOptions {
        plans: vec![
            PlanFeatures::new("starter", ["reports"]),
            PlanFeatures::new("pro", Vec::<String>::new()),
        ],
        ..small_options()
    };
    let found = adoption_gaps(&small(), &options)?;
    // Starter: c11 has 0, c12 a missing value.
    assert_eq!((found.gaps[0].customers, found.gaps[0].positives), (2, 1));
    assert_eq!(found.gaps.len(), 1);
    // A usage column must hold numbers or booleans.
    let only_users = AdoptionOptions {
        plans: vec![
            PlanFeatures::new("starter", Vec::<String>::new()),
            PlanFeatures::new("pro", ["id"]),
        ],
        ..small_options()
    };
    let err = adoption_gaps(&small(), &only_users).expect_err("an error");
    assert!(err.to_string().contains("usage column 'id'"), "{err}");
    let nobody = Batch::new(vec![
        (
            "plan".to_owned(),
            Column::strings([Some("pro"), Some("pro")]),
        ),
        ("reports".to_owned(), Column::ints(vec![3, 4], None)),
        ("churned".to_owned(), Column::ints(vec![0, 1], None)),
    ])?;
    let found = adoption_gaps(
        &nobody,
        &AdoptionOptions::new(vec![PlanFeatures::new("pro", ["reports"])]),
    )?;
    let gap = &found.gaps[0];
    assert_eq!(
        (gap.customers, gap.share, gap.p_value, gap.significant),
        (0, 0.0, 1.0, false)
    );
    assert!(gap.rate.is_nan() && gap.lift.is_nan());
    Ok(())
}

#[test]
fn bad_input_names_what_and_where() {
    let message = |options: &AdoptionOptions| {
        let err = adoption_gaps(&small(), options).expect_err("an error");
        (err.kind(), err.to_string())
    };
    let (kind, text) = message(&AdoptionOptions {
        plans: vec![PlanFeatures::new("pro", ["reports"])],
        ..small_options()
    });
    assert_eq!(kind, ErrorKind::InvalidInput);
    assert!(
        text.contains("unknown plan 'starter' in row 11") && text.contains("plans: pro"),
        "{text}"
    );
    let (_, text) = message(&AdoptionOptions {
        plans: vec![
            PlanFeatures::new("starter", Vec::<String>::new()),
            PlanFeatures::new("pro", ["exports"]),
        ],
        ..small_options()
    });
    assert!(
        text.contains("no usage column 'exports' (a feature of plan 'pro')")
            && text.contains("columns: id, plan"),
        "{text}"
    );
    let (_, text) = message(&AdoptionOptions {
        plan_column: "tier".into(),
        ..small_options()
    });
    assert!(text.contains("no plan column 'tier'"), "{text}");
    let (_, text) = message(&AdoptionOptions {
        outcome: "left".into(),
        ..small_options()
    });
    assert!(text.contains("no outcome column 'left'"), "{text}");
    let (_, text) = message(&AdoptionOptions {
        customer_column: Some("key".into()),
        ..small_options()
    });
    assert!(text.contains("no customer column 'key'"), "{text}");
    let (kind, text) = message(&AdoptionOptions {
        plans: vec![
            PlanFeatures::new("pro", ["reports"]),
            PlanFeatures::new("pro", Vec::<String>::new()),
        ],
        ..small_options()
    });
    assert_eq!(kind, ErrorKind::InvalidParameter);
    assert!(text.contains("plan 'pro' is described twice"), "{text}");
    let missing_plan = Batch::new(vec![
        ("plan".to_owned(), Column::strings([Some("pro"), None])),
        ("churned".to_owned(), Column::ints(vec![0, 1], None)),
    ])
    .expect("valid in the test");
    let err = adoption_gaps(
        &missing_plan,
        &AdoptionOptions::new(vec![PlanFeatures::new("pro", Vec::<String>::new())]),
    )
    .expect_err("an error");
    assert!(err.to_string().contains("plan missing in row 2"), "{err}");
}

#[test]
fn a_planted_gap_is_the_most_significant() -> Result<()> {
    let plans = ["starter", "team", "pro"];
    let features = |k: usize| {
        (1..=k)
            .map(|f| format!("usage.feature_{f}"))
            .collect::<Vec<_>>()
    };
    // Starter includes features 1-3, team 1-4, pro all 5.
    let options = AdoptionOptions::new(
        plans
            .iter()
            .zip([3, 4, 5])
            .map(|(p, k)| PlanFeatures::new(*p, features(k)))
            .collect(),
    );
    for seed in 1..=3 {
        for (plan, feature) in [("starter", "usage.feature_3"), ("team", "usage.feature_4")] {
            let customers = SubscriptionGenerator {
                customers: 6_000,
                seed,
                effects: vec![
                    PlantedEffect::new("churned", feature, ConditionOp::Lt, 1, 4.0).plan(plan),
                ],
                ..SubscriptionGenerator::default()
            }
            .generate()?;
            let found = adoption_gaps(&customers, &options)?;
            assert_eq!(found.gaps.len(), 12);
            let best = found
                .gaps
                .iter()
                .min_by(|a, b| a.ln_p_value.total_cmp(&b.ln_p_value))
                .expect("valid in the test");
            let at = format!(
                "seed {seed}, {plan} {feature}: found {} {}",
                best.plan, best.feature
            );
            assert_eq!(
                (best.plan.as_str(), best.feature.as_str()),
                (plan, feature),
                "{at}"
            );
            assert!(
                best.significant && best.lift > 2.0 && best.lift_low > 1.0,
                "{at}"
            );
            let listed = found
                .customer_gaps
                .iter()
                .filter(|g| g.plan == plan && g.feature == feature)
                .count();
            assert_eq!(listed as u64, best.customers, "{at}");
        }
    }
    Ok(())
}
