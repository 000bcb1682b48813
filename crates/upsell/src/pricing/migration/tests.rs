use super::*;
use crate::ErrorKind;

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::USD)
}

fn day(d: i64) -> Timestamp {
    Timestamp::from_second(1_767_225_600 + d * 86_400).expect("valid in the test") // 2026-01-01 + d days
}

fn row(customer: &str, d: i64, plan: &str, mrr: i64) -> SubscriptionRecord {
    SubscriptionRecord::new(customer, day(d), plan, usd(mrr))
}

/// Four tiers; customers interleave; MRR changes within a plan are not moves.
fn history() -> Vec<SubscriptionRecord> {
    vec![
        row("a", 0, "free", 0),
        row("b", 0, "basic", 900),
        row("a", 10, "basic", 900), // up after 10 days
        row("c", 5, "basic", 900),
        row("b", 20, "basic", 1_800),    // more seats: no move
        row("b", 40, "team", 2_900),     // up after 40 days on basic
        row("c", 65, "business", 9_900), // skips team, after 60 days
        row("a", 30, "business", 9_900), // skips team, after 20 days
        row("a", 90, "basic", 900),      // down, skipping team
        row("d", 1, "team", 2_900),
    ]
}

#[test]
fn a_small_history_by_hand() -> Result<()> {
    let found = tier_migration(&history(), &MigrationOptions::default())?;
    assert_eq!(found.tiers, ["free", "basic", "team", "business"]);
    assert_eq!(
        found.matrix,
        [[0, 1, 0, 0], [0, 0, 1, 2], [0, 0, 0, 0], [0, 1, 0, 0]]
    );
    assert_eq!(
        (found.customers, found.upgrades, found.downgrades),
        (4, 4, 1)
    );
    // Days before the upgrades: 10 (free), 40, 60, 20 (basic): median of 10, 20, 40, 60.
    assert_eq!(found.median_days_to_upgrade, Some(30.0));
    let basic = &found.by_tier[1];
    assert_eq!(
        (
            basic.upgrades_from,
            basic.downgrades_from,
            basic.median_days_to_upgrade
        ),
        (3, 0, Some(40.0))
    );
    assert_eq!((basic.upgrades_into, basic.upgrades_past), (1, 0));
    let team = &found.by_tier[2];
    assert_eq!(
        (team.upgrades_into, team.upgrades_past, team.skip_share),
        (1, 2, Some(2.0 / 3.0))
    );
    // Now: a on basic (9.00), b and d on team (29.00), c on business; free has no one.
    let customers: Vec<u64> = found.by_tier.iter().map(|t| t.customers).collect();
    assert_eq!(customers, [0, 1, 2, 1]);
    assert_eq!(found.by_tier[0].price, usd(0));
    let tiers = found.current_tiers();
    let names: Vec<&str> = tiers.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["basic", "team", "business"]); // free (0.00) is no tier to analyse
    let rows = super::super::analyse_tiers(&tiers, &super::super::TierOptions::default())?;
    assert!(rows[2].gap); // 29 -> 99
    Ok(())
}

#[test]
fn a_given_order_wins_and_the_median_mrr_prices_a_tier() -> Result<()> {
    let options = MigrationOptions {
        tiers: Some(vec![
            "business".into(),
            "team".into(),
            "basic".into(),
            "free".into(),
        ]),
    };
    let found = tier_migration(&history(), &options)?;
    // Reversed: every move changes direction.
    assert_eq!((found.upgrades, found.downgrades), (1, 4));
    let seats = [
        row("x", 0, "pro", 4_900),
        row("y", 0, "pro", 9_800),
        row("z", 0, "pro", 14_700),
        row("w", 0, "pro", 19_600),
    ];
    let found = tier_migration(&seats, &MigrationOptions::default())?;
    assert_eq!(found.by_tier[0].price, usd(9_800)); // the lower middle of four
    assert_eq!(found.median_days_to_upgrade, None);
    Ok(())
}

#[test]
fn bad_histories_name_the_row() {
    let message = |history: &[SubscriptionRecord], options: &MigrationOptions| {
        let err = tier_migration(history, options).expect_err("an error");
        (err.kind(), err.to_string())
    };
    let (kind, text) = message(&[], &MigrationOptions::default());
    assert_eq!(kind, ErrorKind::InvalidInput);
    assert!(text.contains("empty history"), "{text}");
    let mut late = history();
    late.push(row("b", 30, "basic", 900));
    let (_, text) = message(&late, &MigrationOptions::default());
    assert!(
        text.contains("dates out of order in row 11: customer 'b'")
            && text.contains("previous row 6"),
        "{text}"
    );
    let (_, text) = message(
        &[row("a", 0, "basic", 900), row("a", 0, "team", 2_900)],
        &MigrationOptions::default(),
    );
    assert!(text.contains("row 2"), "{text}");
    let known = MigrationOptions {
        tiers: Some(vec!["free".into(), "basic".into(), "team".into()]),
    };
    let (_, text) = message(&history(), &known);
    assert!(
        text.contains("unknown plan 'business' in row 7 (customer 'c')")
            && text.contains("free, basic, team"),
        "{text}"
    );
    let (_, text) = message(&[row("a", 0, "basic", -1)], &MigrationOptions::default());
    assert!(text.contains("negative MRR -0.01 USD in row 1"), "{text}");
    let euro = [
        row("a", 0, "basic", 900),
        SubscriptionRecord::new("b", day(0), "basic", Money::new(900, Currency::EUR)),
    ];
    let (_, text) = message(&euro, &MigrationOptions::default());
    assert!(text.contains("row 2 is not in USD"), "{text}");
    let (_, text) = message(&[row("a", 0, "", 900)], &MigrationOptions::default());
    assert!(text.contains("plan missing in row 1"), "{text}");
    let (kind, text) = message(
        &history(),
        &MigrationOptions {
            tiers: Some(vec!["a".into(), "a".into()]),
        },
    );
    assert_eq!(kind, ErrorKind::InvalidParameter);
    assert!(text.contains("'a' is listed twice"), "{text}");
}

#[test]
fn a_history_file_names_the_line_and_column_of_a_bad_value() {
    let columns = HistoryColumns {
        date: "day".into(),
        ..HistoryColumns::default()
    };
    let read = |text: &str| {
        SubscriptionRecord::from_csv_reader(text.as_bytes(), "h.csv", &columns, Currency::USD)
    };
    let history = read("plan,day,customer,mrr\nstarter,2026-01-01,a,19\n").expect("reads");
    assert_eq!(history, [row("a", 0, "starter", 1_900)]);
    let err = read("customer,day,plan,mrr\na,2026-01-01,starter,19\na,soon,pro,49\n")
        .expect_err("a bad date");
    let location = err.location().expect("a location");
    assert_eq!((location.line, location.column_name.as_deref()), (Some(3), Some("day")));
    let err = read("customer,day,plan,mrr\na,2026-01-01,starter,nineteen\n").expect_err("bad mrr");
    assert_eq!(err.location().and_then(|l| l.column_name.clone()).as_deref(), Some("mrr"));
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}
