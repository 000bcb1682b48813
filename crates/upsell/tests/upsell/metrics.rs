//! Metrics: expansion metrics on the real Online Retail week (checked against a pandas computation
//! with exact decimals), A/B statistics against statsmodels' figures, retention and forecasts.

#![allow(clippy::unwrap_used)] // in tests a failed unwrap is a failed test, with its location

use upsell::ErrorKind;
use upsell::metrics::*;
use upsell::pricing::{Currency, Money};

use crate::pricing::retail_week;

fn gbp(minor: i64) -> Money {
    Money::new(minor, Currency::GBP)
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * b.abs().max(1.0)
}

#[test]
fn retail_week_aov_and_items_per_order() {
    let Some(orders) = retail_week() else { return };
    let rows = order_metrics(&orders, Period::All, false).unwrap();
    let all = &rows[0];
    // pandas with Decimal prices over the same kept rows: revenue 192223.40 over 520 orders.
    assert_eq!(all.revenue, gbp(19_222_340));
    assert_eq!(all.orders, 520);
    assert_eq!(all.aov, gbp(36_966)); // 369.6603... -> 369.66
    assert!(close(all.items_per_order, 203.319_230_769_230_77, 1e-12));
    assert!(close(all.lines_per_order, 19.151_923_076_923_077, 1e-12));
    assert!(close(all.attach_rate, 0.892_307_692_307_692_4, 1e-12));
    assert_eq!(all.customers, 389);
    assert_eq!(all.revenue_per_customer, Some(gbp(49_415))); // 494.1475... -> 494.15
    assert!(close(
        all.repeat_rate.unwrap(),
        0.159_383_033_419_023_13,
        1e-12
    ));

    let by_day = order_metrics(&orders, Period::Day, true).unwrap();
    let days: Vec<&OrderMetrics> = by_day.iter().filter(|r| r.segment == "all").collect();
    assert_eq!(days.len(), 6); // 2010-12-01..07 without the Saturday
    assert_eq!(days.iter().map(|r| r.orders).sum::<u64>(), 520);
    let revenue: i64 = days.iter().map(|r| r.revenue.minor()).sum();
    assert_eq!(revenue, 19_222_340);
    let uk: u64 = by_day
        .iter()
        .filter(|r| r.segment == "United Kingdom")
        .map(|r| r.orders)
        .sum();
    assert_eq!(uk, 482);
}

#[test]
fn ab_test_equals_statsmodels() {
    // proportions_ztest([498, 412], [8000, 8000]); confint_proportions_2indep(498, 8000, 412, 8000, ...)
    let result = ab_test(412, 8000, 498, 8000, 0.05, 1).unwrap();
    assert!(close(result.z, 2.935_574_635_173_155, 1e-12));
    assert!(close(result.p_value, 0.003_329_305_093_434_189, 1e-9));
    assert!(close(
        result.difference_ci.0,
        0.003_574_594_622_293_067_3,
        1e-9
    ));
    assert!(close(
        result.difference_ci.1,
        0.017_925_405_377_706_937,
        1e-9
    ));
    let (low, high) = result.lift_ci.unwrap();
    assert!(close(low + 1.0, 1.064_792_865_383_788_4, 1e-9));
    assert!(close(high + 1.0, 1.372_142_199_251_528_4, 1e-9));
    assert_eq!(result.verdict, Verdict::BBetter);
    assert!(result.peeking_warning.is_none());

    let peeked = ab_test(412, 8000, 498, 8000, 0.05, 5).unwrap();
    let warning = peeked.peeking_warning.unwrap();
    assert!(
        warning.contains("14.2%") && warning.contains("Bonferroni alpha 0.0100"),
        "{warning}"
    );

    let plan = sample_size(0.05, 0.01, 0.05, 0.8).unwrap();
    assert!(close(plan.n_per_arm_exact, 8_142.595_394_436_454, 1e-9));
    assert_eq!(plan.n_per_arm, 8143);
    // The root of NormalIndPower().power(h, 5000, 0.05) = 0.8 by brentq(xtol=1e-15). statsmodels'
    // own solve_power(nobs1=5000, ...) stops early here (0.0560298, power 0.79997).
    let mde = minimum_detectable_effect(0.05, 5000.0, 0.05, 0.8).unwrap();
    let h = effect_size(0.05, 0.05 + mde);
    assert!(close(h, 0.056_031_635_740_271_58, 1e-12), "{h}");
    assert!(close(power(h, 5000.0, 0.05).unwrap(), 0.8, 1e-12));
}

#[test]
fn ab_test_input_errors() {
    assert_eq!(
        ab_test(5, 4, 1, 10, 0.05, 1).unwrap_err().kind(),
        ErrorKind::InvalidParameter
    );
    assert_eq!(
        ab_test(1, 0, 1, 10, 0.05, 1).unwrap_err().kind(),
        ErrorKind::InvalidParameter
    );
    assert_eq!(
        ab_test(1, 10, 1, 10, 1.5, 1).unwrap_err().kind(),
        ErrorKind::InvalidParameter
    );
    assert_eq!(
        ab_test(0, 10, 0, 10, 0.05, 1).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert!(sample_size(0.05, 0.0, 0.05, 0.8).is_err());
    assert!(sample_size(0.95, 0.1, 0.05, 0.8).is_err());
}

#[test]
fn retention_and_forecast() {
    let s = |c: &str, p: &str, m| Subscription {
        customer: c.into(),
        period: p.into(),
        revenue: Money::new(m, Currency::USD),
    };
    let data = [
        s("a", "2026-01", 2_900),
        s("b", "2026-01", 9_900),
        s("c", "2026-01", 2_900),
        s("a", "2026-02", 9_900),
        s("b", "2026-02", 2_900),
        s("d", "2026-02", 2_900),
    ];
    let steps = net_revenue_retention(&data).unwrap();
    let step = &steps[0];
    assert_eq!(
        (
            step.expansion.minor(),
            step.contraction.minor(),
            step.churned.minor(),
            step.new.minor()
        ),
        (7_000, 7_000, 2_900, 2_900)
    );
    assert!(close(
        step.net_revenue_retention,
        (15_700.0 - 2_900.0) / 15_700.0,
        1e-15
    ));
    assert!(close(step.expansion_share, 7_000.0 / 9_900.0, 1e-15));
    assert!(close(step.upgrade_rate, 1.0 / 3.0, 1e-15));
    let mixed = [
        s("a", "2026-01", 100),
        Subscription {
            customer: "b".into(),
            period: "2026-01".into(),
            revenue: gbp(100),
        },
    ];
    assert!(net_revenue_retention(&mixed).is_err());

    let (rate, low, high) = conversion_rate(50, 1000, 0.05).unwrap();
    assert_eq!(rate, 0.05);
    assert!(
        close(low, 0.038_130_262_392_748_81, 1e-12) && close(high, 0.065_313_820_244_250_81, 1e-12)
    );
    let f = forecast("UK", "bundle", 10_000, 50, 1000, gbp(1_329), 0.05).unwrap();
    assert_eq!(f.expected, gbp(664_500)); // 10,000 x 5 % x 13.29
    assert_eq!((f.low, f.high), (gbp(506_751), gbp(868_021)));
    assert!(forecast("UK", "bundle", 10, 5, 4, gbp(1), 0.05).is_err());
}
