//! Cross-sell sequences of the rule language: over a table of purchase dates, conversions and
//! rejections, every step is due exactly on its day and never after an exit, in the per-sequence
//! answer, in single-customer decisions and in batch decisions alike.

use upsell::Control;
use upsell::time::{SignedDuration, Timestamp, parse_timestamp};
use upsell::triggers::{
    Batch, BatchOptions, Column, Context, History, Outcome, RuleSet, SequenceStatus,
};

const RULES: &str = r#"
schema: { bought_analytics_at: timestamp, bought_reports_at: timestamp, plan: string }
sequences:
  - name: after-analytics
    anchor: bought_analytics_at
    when: plan != "enterprise"
    exit_when: has(bought_reports_at)
    priority: 5
    steps:
      - { day: 3, offer: { kind: cross_sell, target: reports, channel: email, message: reports_tips } }
      - { day: 7, offer: { kind: cross_sell, target: reports, channel: in_app, message: reports_demo } }
      - { day: 14, offer: { kind: cross_sell, target: alerts, channel: email, message: alerts_intro } }
      - { day: 21, offer: { kind: cross_sell, target: alerts, channel: call, message: alerts_call } }
"#;

const STEP_DAYS: [i64; 4] = [3, 7, 14, 21];

fn at(text: &str) -> Timestamp {
    parse_timestamp(text).expect("a valid time")
}

fn plus(t: Timestamp, days: i64, hours: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_hours(24 * days + hours))
        .expect("in range")
}

/// How a customer leaves the sequence, on which day after the purchase.
#[derive(Clone, Copy, Debug)]
enum Exit {
    Never,
    /// Accepts (or rejects) this target on this day, recorded in the history.
    History(&'static str, Outcome, i64),
    /// Buys reports on this day, seen in the data (`exit_when`).
    Data(i64),
    /// Rejects reports on this day, recorded from the start (a history that runs ahead of the
    /// clock): no exit before that day.
    Ahead(i64),
}

impl Exit {
    fn day(self) -> Option<i64> {
        match self {
            Exit::Never => None,
            Exit::History(_, _, day) | Exit::Data(day) | Exit::Ahead(day) => Some(day),
        }
    }
}

#[test]
fn every_step_is_due_exactly_on_its_day_and_never_after_an_exit() {
    let rules = RuleSet::from_yaml_str(RULES).expect("rules load");
    let purchases = [
        "2026-01-30T23:30:00Z",
        "2026-02-27T00:00:00Z",
        "2026-12-25T08:15:00Z",
    ];
    let exits = [
        Exit::Never,
        Exit::History("reports", Outcome::Accepted, 5),
        Exit::History("reports", Outcome::Rejected, 3),
        Exit::History("alerts", Outcome::Rejected, 20),
        Exit::History("alerts", Outcome::Accepted, 0),
        Exit::Data(8),
        Exit::Data(14),
        Exit::Ahead(10),
    ];
    let mut checked = 0;
    for purchase in purchases {
        let anchor = at(purchase);
        for exit in exits {
            let mut history = History::default();
            if let Exit::Ahead(day) = exit {
                history.record("c1", "reports", Outcome::Rejected, plus(anchor, day, 6));
            }
            let mut context = Context::new()
                .with_id("c1")
                .set("plan", "starter")
                .set("bought_analytics_at", anchor);
            for day in -2..=30 {
                // Mid-day runs of a daily job; the exit happens earlier on its day.
                let now = plus(anchor, day, 12);
                if exit.day() == Some(day) {
                    match exit {
                        Exit::History(target, outcome, _) => {
                            history.record("c1", target, outcome, plus(anchor, day, 6))
                        }
                        Exit::Data(_) => {
                            context.insert("bought_reports_at".into(), plus(anchor, day, 6).into())
                        }
                        Exit::Never | Exit::Ahead(_) => {}
                    }
                }
                let exited = exit.day().is_some_and(|e| day >= e);
                let expected = STEP_DAYS
                    .iter()
                    .position(|&d| d == day)
                    .filter(|_| !exited)
                    .map(|k| k + 1);
                let case = format!("purchase {purchase}, exit {exit:?}, day {day}");

                let statuses = rules
                    .sequences(&context, history.customer("c1"), now)
                    .expect("sequences");
                let [status]: [SequenceStatus; 1] = statuses.try_into().expect("one sequence");
                assert_eq!(status.step, expected, "{case}: {}", status.reason);
                assert_eq!(status.day, Some(day), "{case}");
                if exited {
                    assert!(
                        status.reason.starts_with("left sequence"),
                        "{case}: {}",
                        status.reason
                    );
                }

                let decision = rules
                    .evaluate(&context, history.customer("c1"), now)
                    .expect("evaluate");
                let offered: Vec<&str> = decision.offers.iter().map(|o| o.rule.as_str()).collect();
                match expected {
                    Some(k) => {
                        let rule = format!("after-analytics/day-{}", STEP_DAYS[k - 1]);
                        assert_eq!(offered, [rule.as_str()], "{case}");
                        let offer = &decision.offers[0];
                        assert_eq!(Some(offer), status.offer.as_ref(), "{case}");
                        assert!(
                            offer.reason.starts_with(&format!(
                                "step {k} of 4 of sequence 'after-analytics', due on day {}",
                                STEP_DAYS[k - 1]
                            )),
                            "{case}: {}",
                            offer.reason
                        );
                        // The daily job shows it: a second run that day offers nothing.
                        history.record("c1", &offer.target, Outcome::Shown, now);
                        let again = rules
                            .sequences(&context, history.customer("c1"), now)
                            .expect("sequences");
                        assert_eq!(again[0].step, None, "{case}");
                        assert!(again[0].reason.contains("already shown"), "{case}");
                    }
                    None => assert!(offered.is_empty(), "{case}: {offered:?}"),
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3 * 8 * 33);
}

#[test]
fn batch_decisions_offer_the_steps_due_that_day() {
    let rules = RuleSet::from_yaml_str(RULES).expect("rules load");
    let now = at("2026-11-23T12:00:00Z");
    // Bought 3, 5, 7, 14 and 21 days ago; one is an enterprise customer; one bought reports.
    let ago = [3, 5, 7, 14, 21, 3, 7];
    let seconds: Vec<i64> = ago.iter().map(|&d| plus(now, -d, -2).as_second()).collect();
    let reports: Vec<i64> = vec![0; ago.len()];
    let mut reports_valid = vec![false; ago.len()];
    reports_valid[6] = true;
    let ids: Vec<String> = (0..ago.len()).map(|k| format!("c{k}")).collect();
    let mut plans = vec![Some("starter"); ago.len()];
    plans[5] = Some("enterprise");
    let batch = Batch::new(vec![
        (
            "id".into(),
            Column::strings(ids.iter().map(|s| Some(s.as_str()))),
        ),
        ("plan".into(), Column::strings(plans)),
        (
            "bought_analytics_at".into(),
            Column::timestamps(seconds, None),
        ),
        (
            "bought_reports_at".into(),
            Column::timestamps(reports, Some(reports_valid)),
        ),
    ])
    .expect("batch");
    let offers = rules
        .evaluate_batch(&batch, &BatchOptions::new(now), &Control::new())
        .expect("batch evaluation");
    let found: Vec<(&str, &str)> = offers
        .iter()
        .map(|o| (o.customer.as_str(), o.offer.rule.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("c0", "after-analytics/day-3"),
            ("c2", "after-analytics/day-7"),
            ("c3", "after-analytics/day-14"),
            ("c4", "after-analytics/day-21"),
        ]
    );
}

#[test]
fn a_sequence_without_a_timestamp_anchor_or_with_two_steps_on_a_day_is_refused() {
    let bad_anchor = "schema: { plan: string }\nsequences:\n  - name: s\n    anchor: plan\n    steps:\n      - { day: 3, offer: { kind: cross_sell, target: b } }\n      - { day: 7, offer: { kind: cross_sell, target: b } }\n";
    let err = RuleSet::from_yaml_str(bad_anchor).expect_err("a string anchor");
    let text = err.to_string();
    assert!(text.contains("the anchor must be a timestamp"), "{text}");
    assert_eq!(text.matches("the anchor must be").count(), 1, "{text}");

    let twice = "sequences:\n  - name: s\n    anchor: t\n    steps:\n      - { day: 3, offer: { kind: cross_sell, target: b } }\n      - { day: 3, offer: { kind: cross_sell, target: c } }\n";
    let err = RuleSet::from_yaml_str(twice).expect_err("two steps on day 3");
    assert!(err.to_string().contains("two steps on day 3"), "{err}");
}
