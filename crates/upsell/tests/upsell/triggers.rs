//! The trigger engine: every example rule of issue 4 with its expected offers, suppression and
//! fatigue on an injected clock, bad rule files with every problem listed, the columnar evaluator
//! against the row evaluator, and the expression language against the `cel` crate.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use upsell::ErrorKind;
use upsell::time::{Timestamp, parse_timestamp};
use upsell::triggers::{
    Batch, BatchOptions, Column, Context, Decision, Format, History, OfferKind, Outcome, RuleSet,
    Schema, Type, Value,
};

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/triggers")
        .join(name)
}

fn at(text: &str) -> Timestamp {
    parse_timestamp(text).expect("a test time")
}

/// The clock of every test: Monday 23 November 2026, 10:00 UTC.
fn now() -> Timestamp {
    at("2026-11-23T10:00:00Z")
}

fn examples() -> RuleSet {
    RuleSet::from_path(testdata("saas_and_shop.yaml")).expect("the example rules load")
}

fn decide(json: &str) -> Decision {
    let ctx = Context::from_json(json).expect("a JSON context");
    examples().evaluate(&ctx, None, now()).expect("evaluation")
}

fn offered(decision: &Decision) -> Vec<(&str, &str)> {
    decision
        .offers
        .iter()
        .map(|o| (o.rule.as_str(), o.target.as_str()))
        .collect()
}

// ---- the examples of the issue, one test each ------------------------------------------------

#[test]
fn starter_heavy_feature_user_gets_pro_with_a_reason() {
    let d = decide(r#"{"id": "c1", "plan": "starter", "usage": {"feature_x_30d": 23}}"#);
    assert_eq!(offered(&d), [("starter-to-pro", "pro")]);
    let offer = &d.offers[0];
    assert_eq!(offer.kind, OfferKind::Upgrade);
    assert_eq!(offer.channel.as_deref(), Some("in_app"));
    assert_eq!(
        offer.reason,
        "plan == \"starter\" (was 'starter') && usage.feature_x_30d > 20 (was 23)"
    );
    assert!(
        offered(&decide(
            r#"{"plan": "starter", "usage": {"feature_x_30d": 20}}"#
        ))
        .is_empty()
    );
    assert!(
        offered(&decide(
            r#"{"plan": "pro", "usage": {"feature_x_30d": 99}}"#
        ))
        .is_empty()
    );
}

#[test]
fn usage_at_ninety_percent_of_the_limit_prompts_an_upgrade() {
    let d = decide(r#"{"usage": {"seats_used": 9}, "limits": {"seats": 10}}"#);
    assert_eq!(offered(&d), [("near-seat-limit", "next-tier")]);
    assert!(
        offered(&decide(
            r#"{"usage": {"seats_used": 8}, "limits": {"seats": 10}}"#
        ))
        .is_empty()
    );
    // 0.9 x 7 = 6.3 exactly: 6 seats is below, 7 is above.
    assert!(
        offered(&decide(
            r#"{"usage": {"seats_used": 6}, "limits": {"seats": 7}}"#
        ))
        .is_empty()
    );
}

#[test]
fn renewal_within_30_days_with_growth_offers_annual() {
    let d = decide(
        r#"{"renewal_at": "2026-12-10T00:00:00Z", "usage": {"events_prev_30d": 100, "events_30d": 120}}"#,
    );
    assert_eq!(offered(&d), [("annual-before-renewal", "annual")]);
    let slow = decide(
        r#"{"renewal_at": "2026-12-10T00:00:00Z", "usage": {"events_prev_30d": 100, "events_30d": 119}}"#,
    );
    assert!(offered(&slow).is_empty());
    let far = decide(
        r#"{"renewal_at": "2027-03-01T00:00:00Z", "usage": {"events_prev_30d": 100, "events_30d": 200}}"#,
    );
    assert!(offered(&far).is_empty());
    // Growth from zero is undefined (null), so it does not fire.
    let zero = decide(
        r#"{"renewal_at": "2026-12-10T00:00:00Z", "usage": {"events_prev_30d": 0, "events_30d": 5}}"#,
    );
    assert!(offered(&zero).is_empty());
}

#[test]
fn cart_between_75_and_95_is_filled_to_free_shipping() {
    let d = decide(r#"{"cart": {"total": 82.50, "items": ["C"]}}"#);
    assert_eq!(offered(&d), [("free-shipping", "free-shipping-100")]);
    assert_eq!(d.offers[0].kind, OfferKind::ThresholdFill);
    assert_eq!(d.offers[0].expected_value.to_string(), "17.50");
    for total in ["75.00", "95.00"] {
        let edge = decide(&format!(r#"{{"cart": {{"total": {total}}}}}"#));
        assert_eq!(
            offered(&edge),
            [("free-shipping", "free-shipping-100")],
            "total {total}"
        );
    }
    for total in ["74.99", "95.01", "100.00"] {
        assert!(
            offered(&decide(&format!(r#"{{"cart": {{"total": {total}}}}}"#))).is_empty(),
            "total {total}"
        );
    }
}

#[test]
fn cart_with_a_and_not_b_cross_sells_b() {
    let d = decide(r#"{"cart": {"items": ["A", "C"]}}"#);
    assert_eq!(offered(&d), [("a-without-b", "B")]);
    assert_eq!(
        d.offers[0].reason,
        "\"A\" in cart.items (was ['A', 'C']) && !(\"B\" in cart.items) (was ['A', 'C'])"
    );
    assert!(offered(&decide(r#"{"cart": {"items": ["A", "B"]}}"#)).is_empty());
    assert!(offered(&decide(r#"{"cart": {"items": []}}"#)).is_empty());
}

#[test]
fn seven_days_after_a_purchase_of_category_x() {
    let d =
        decide(r#"{"last_purchase_category": "X", "last_purchase_at": "2026-11-16T09:00:00Z"}"#);
    assert_eq!(offered(&d), [("week-after-x", "x-accessories")]);
    let six =
        decide(r#"{"last_purchase_category": "X", "last_purchase_at": "2026-11-17T09:00:00Z"}"#);
    assert!(offered(&six).is_empty());
    let other =
        decide(r#"{"last_purchase_category": "Y", "last_purchase_at": "2026-11-16T09:00:00Z"}"#);
    assert!(offered(&other).is_empty());
}

#[test]
fn after_a_positive_support_resolution() {
    let d = decide(
        r#"{"last_ticket_resolution": "positive", "last_ticket_resolved_at": "2026-11-22T15:00:00Z"}"#,
    );
    assert_eq!(offered(&d), [("after-good-support", "premium-support")]);
    let negative = decide(
        r#"{"last_ticket_resolution": "negative", "last_ticket_resolved_at": "2026-11-22T15:00:00Z"}"#,
    );
    assert!(offered(&negative).is_empty());
}

#[test]
fn purchase_anniversary() {
    let d = decide(r#"{"first_purchase_at": "2023-11-23T18:30:00Z"}"#);
    assert_eq!(
        offered(&d),
        [("purchase-anniversary", "anniversary-bundle")]
    );
    assert!(offered(&decide(r#"{"first_purchase_at": "2023-11-22T18:30:00Z"}"#)).is_empty());
    // The day of the first purchase itself is not an anniversary.
    assert!(offered(&decide(r#"{"first_purchase_at": "2026-11-23T08:00:00Z"}"#)).is_empty());
}

#[test]
fn health_score_at_its_90_day_peak() {
    let d = decide(r#"{"health_score": 0.93, "health_score_max_90d": 0.93, "health_trend": 0.1}"#);
    assert_eq!(offered(&d), [("health-peak", "pro-plus")]);
    assert!(
        offered(&decide(
            r#"{"health_score": 0.90, "health_score_max_90d": 0.93}"#
        ))
        .is_empty()
    );
}

// ---- suppression always wins --------------------------------------------------------------------

const HOT_LEAD: &str = r#""plan": "starter", "usage": {"feature_x_30d": 40}"#;

#[test]
fn an_open_ticket_suppresses_every_offer() {
    let d = decide(&format!(r#"{{{HOT_LEAD}, "open_tickets": 1}}"#));
    assert!(d.offers.is_empty());
    let (name, reason) = d.suppressed_by.expect("suppressed");
    assert_eq!(name, "open-ticket");
    assert_eq!(reason, "open_tickets > 0 (was 1)");
    assert_eq!(
        offered(&decide(&format!(r#"{{{HOT_LEAD}, "open_tickets": 0}}"#))),
        [("starter-to-pro", "pro")]
    );
}

#[test]
fn a_recent_price_increase_suppresses_offers() {
    let d = decide(&format!(
        r#"{{{HOT_LEAD}, "last_price_increase_at": "2026-11-01T00:00:00Z"}}"#
    ));
    assert_eq!(
        d.suppressed_by.map(|s| s.0).as_deref(),
        Some("price-increase")
    );
    let old = decide(&format!(
        r#"{{{HOT_LEAD}, "last_price_increase_at": "2026-09-01T00:00:00Z"}}"#
    ));
    assert_eq!(offered(&old), [("starter-to-pro", "pro")]);
}

#[test]
fn declining_health_or_an_at_risk_segment_suppresses_offers() {
    let declining = decide(&format!(r#"{{{HOT_LEAD}, "health_trend": -0.2}}"#));
    assert_eq!(
        declining.suppressed_by.as_ref().map(|s| s.0.as_str()),
        Some("at-risk")
    );
    assert_eq!(
        declining.suppressed_by.map(|s| s.1).as_deref(),
        Some("at_risk (was true)")
    );
    let segment = decide(&format!(r#"{{{HOT_LEAD}, "segment": "at_risk"}}"#));
    assert_eq!(
        segment.suppressed_by.map(|s| s.0).as_deref(),
        Some("at-risk")
    );
}

// ---- fatigue, on an injected clock ---------------------------------------------------------------

fn hot_lead() -> Context {
    Context::from_json(&format!(r#"{{"id": "c7", {HOT_LEAD}}}"#)).expect("context")
}

#[test]
fn cooldown_after_an_offer_was_shown() {
    let rules = examples();
    let mut history = History::default();
    history.record("c7", "pro", Outcome::Shown, at("2026-11-13T10:00:00Z"));
    let customer = history.customer("c7");
    // Shown 10 days ago; the rule's cooldown is 14 days.
    let d = rules
        .evaluate(&hot_lead(), customer, now())
        .expect("evaluate");
    assert!(d.offers.is_empty());
    assert_eq!(
        d.skipped,
        [(
            "starter-to-pro".to_owned(),
            "shown 10 days ago (cooldown 14 days)".to_owned()
        )]
    );
    // Four days later the cooldown is over.
    let later = rules
        .evaluate(&hot_lead(), customer, at("2026-11-27T10:00:00Z"))
        .expect("evaluate");
    assert_eq!(offered(&later), [("starter-to-pro", "pro")]);
}

#[test]
fn a_rejection_starts_a_longer_cooldown() {
    let rules = examples();
    let mut history = History::default();
    history.record("c7", "pro", Outcome::Rejected, at("2026-09-01T10:00:00Z"));
    let customer = history.customer("c7");
    // 83 days after the rejection, under this rule's 90 days.
    let d = rules
        .evaluate(&hot_lead(), customer, now())
        .expect("evaluate");
    assert!(d.offers.is_empty());
    assert!(
        d.skipped[0].1.starts_with("rejected 83 days ago"),
        "{:?}",
        d.skipped
    );
    let later = rules
        .evaluate(&hot_lead(), customer, at("2026-12-01T10:00:00Z"))
        .expect("evaluate");
    assert_eq!(offered(&later), [("starter-to-pro", "pro")]);
}

#[test]
fn default_rejection_cooldown_is_sixty_days() {
    let rules = examples();
    let ctx =
        Context::from_json(r#"{"id": "c8", "usage": {"seats_used": 10}, "limits": {"seats": 10}}"#)
            .expect("ctx");
    let mut history = History::default();
    history.record(
        "c8",
        "next-tier",
        Outcome::Rejected,
        at("2026-10-01T00:00:00Z"),
    );
    assert!(
        rules
            .evaluate(&ctx, history.customer("c8"), now())
            .expect("eval")
            .offers
            .is_empty()
    );
    let after = rules
        .evaluate(&ctx, history.customer("c8"), at("2026-11-30T00:00:00Z"))
        .expect("eval");
    assert_eq!(offered(&after), [("near-seat-limit", "next-tier")]);
}

#[test]
fn daily_and_weekly_caps_per_customer() {
    let rules = examples();
    let ctx =
        Context::from_json(r#"{"id": "c9", "usage": {"seats_used": 10}, "limits": {"seats": 10}}"#)
            .expect("ctx");
    let mut history = History::default();
    history.record(
        "c9",
        "x-accessories",
        Outcome::Shown,
        at("2026-11-23T08:00:00Z"),
    );
    history.record(
        "c9",
        "premium-support",
        Outcome::Shown,
        at("2026-11-23T09:00:00Z"),
    );
    let capped = rules
        .evaluate(&ctx, history.customer("c9"), now())
        .expect("eval");
    assert!(capped.offers.is_empty());
    assert!(
        capped.skipped[0].1.contains("daily cap"),
        "{:?}",
        capped.skipped
    );
    // The next day the daily cap resets, but the week has 3 offers once one more is shown.
    history.record(
        "c9",
        "anniversary-bundle",
        Outcome::Shown,
        at("2026-11-21T09:00:00Z"),
    );
    let weekly = rules
        .evaluate(&ctx, history.customer("c9"), at("2026-11-24T10:00:00Z"))
        .expect("eval");
    assert!(
        weekly.skipped[0].1.contains("weekly cap"),
        "{:?}",
        weekly.skipped
    );
    let next_week = rules
        .evaluate(&ctx, history.customer("c9"), at("2026-12-01T10:00:00Z"))
        .expect("eval");
    assert_eq!(offered(&next_week), [("near-seat-limit", "next-tier")]);
}

#[test]
fn one_offer_per_interaction_by_priority_then_expected_value() {
    let rules = examples();
    // Fires starter-to-pro (10), near-seat-limit (20), free-shipping (5, EV 17.50), a-without-b (5, EV 12.50).
    let ctx = Context::from_json(
        r#"{"plan": "starter", "usage": {"feature_x_30d": 40, "seats_used": 10}, "limits": {"seats": 10},
            "cart": {"total": 82.50, "items": ["A"]}}"#,
    )
    .expect("ctx");
    let d = rules.evaluate(&ctx, None, now()).expect("eval");
    assert_eq!(offered(&d), [("near-seat-limit", "next-tier")]);
    let skipped: Vec<&str> = d.skipped.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(skipped, ["starter-to-pro", "free-shipping", "a-without-b"]);
    // Equal priority: the larger expected value wins.
    let cart = Context::from_json(r#"{"cart": {"total": 82.50, "items": ["A"]}}"#).expect("ctx");
    assert_eq!(
        offered(&rules.evaluate(&cart, None, now()).expect("eval")),
        [("free-shipping", "free-shipping-100")]
    );
    let cart = Context::from_json(r#"{"cart": {"total": 94.00, "items": ["A"]}}"#).expect("ctx");
    assert_eq!(
        offered(&rules.evaluate(&cart, None, now()).expect("eval")),
        [("a-without-b", "B")]
    );
}

#[test]
fn validity_dates_and_rule_level_suppression() {
    let rules = RuleSet::from_yaml_str(
        r#"
schema: { plan: string, trial: bool }
rules:
  - name: black-friday
    when: plan == "starter"
    suppress_when: trial
    offer: { kind: bundle, target: bf-bundle }
    valid_from: 2026-11-27
    valid_until: 2026-11-30T23:59:59Z
"#,
    )
    .expect("rules");
    let ctx = Context::new().set("plan", "starter").set("trial", false);
    assert!(
        rules
            .evaluate(&ctx, None, now())
            .expect("eval")
            .offers
            .is_empty()
    );
    assert_eq!(
        rules
            .evaluate(&ctx, None, at("2026-11-28T12:00:00Z"))
            .expect("eval")
            .offers
            .len(),
        1
    );
    assert!(
        rules
            .evaluate(&ctx, None, at("2026-12-01T00:00:00Z"))
            .expect("eval")
            .offers
            .is_empty()
    );
    let trial = Context::new().set("plan", "starter").set("trial", true);
    let d = rules
        .evaluate(&trial, None, at("2026-11-28T12:00:00Z"))
        .expect("eval");
    assert_eq!(d.skipped[0].1, "suppressed: trial (was true)");
}

#[test]
fn control_share_holds_out_a_stable_fraction() {
    let rules = RuleSet::from_yaml_str(
        "schema: {seats: int}\nrules:\n  - name: team\n    when: seats > 10\n    offer: {kind: upgrade, target: team}\n    control_share: 0.2\n",
    )
    .expect("rules");
    let mut held = 0;
    for k in 0..5_000 {
        let ctx = Context::new().with_id(format!("cust-{k}")).set("seats", 12);
        let d = rules.evaluate(&ctx, None, now()).expect("eval");
        assert_eq!(d.offers.len() + d.held_out.len(), 1);
        held += d.held_out.len();
        // The same customer always lands in the same group.
        assert_eq!(
            rules
                .evaluate(&ctx, None, now())
                .expect("eval")
                .held_out
                .len(),
            d.held_out.len()
        );
    }
    assert!(
        (900..1100).contains(&held),
        "held out {held} of 5000 at a 20% share"
    );
}

#[test]
fn history_round_trips_through_json() {
    let mut history = History::default();
    history.record("c1", "pro", Outcome::Shown, at("2026-11-01T10:00:00Z"));
    history.record("c1", "pro", Outcome::Rejected, at("2026-11-01T10:05:00Z"));
    let json = serde_json::to_string(&history).expect("serialise");
    assert_eq!(
        History::from_json_str(&json, "h.json").expect("parse"),
        history
    );
    let err = History::from_json_str("{\"customers\": 3}", "h.json").expect_err("an error");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("h.json:1"), "{err}");
}

// ---- null semantics -----------------------------------------------------------------------------

#[test]
fn missing_fields_are_null_and_comparisons_with_null_are_false() {
    let rules = RuleSet::from_yaml_str(
        r#"
schema: { a: int, flag: bool }
rules:
  - { name: gt, when: a > 1, offer: { kind: upgrade, target: x } }
  - { name: not-gt, when: "!(a > 1)", offer: { kind: upgrade, target: x } }
  - { name: ne, when: a != 1, offer: { kind: upgrade, target: x } }
  - { name: missing, when: "!has(a)", offer: { kind: upgrade, target: x } }
  - { name: kleene-or, when: flag || true, offer: { kind: upgrade, target: x } }
  - { name: kleene-and, when: flag && true, offer: { kind: upgrade, target: x } }
  - { name: not-flag, when: "!flag", offer: { kind: upgrade, target: x } }
"#,
    )
    .expect("rules");
    let fired: Vec<String> = rules
        .explain(&Context::new(), now())
        .expect("explain")
        .into_iter()
        .filter(|e| e.fired)
        .map(|e| e.rule)
        .collect();
    assert_eq!(fired, ["not-gt", "missing", "kleene-or"]);
}

// ---- formats and errors ---------------------------------------------------------------------------

const JSON_RULES: &str = r#"{
  "schema": {"plan": "string", "seats": "int"},
  "rules": [
    {"name": "team", "when": "plan == \"starter\" && seats > 10", "offer": {"kind": "upgrade", "target": "team"}}
  ]
}"#;

const TOML_RULES: &str = r#"
[schema]
plan = "string"
seats = "int"

[[rules]]
name = "team"
when = 'plan == "starter" && seats > 10'
offer = { kind = "upgrade", target = "team" }
"#;

#[test]
fn yaml_json_and_toml_load_the_same_rules() {
    let yaml = RuleSet::from_yaml_str(
        "schema: {plan: string, seats: int}\nrules:\n  - name: team\n    when: plan == \"starter\" && seats > 10\n    offer: {kind: upgrade, target: team}\n",
    )
    .expect("yaml");
    let json = RuleSet::from_json_str(JSON_RULES).expect("json");
    let toml = RuleSet::from_toml_str(TOML_RULES).expect("toml");
    let ctx = Context::new().set("plan", "starter").set("seats", 11);
    for rules in [&yaml, &json, &toml] {
        let d = rules.evaluate(&ctx, None, now()).expect("eval");
        assert_eq!(offered(&d), [("team", "team")]);
    }
}

fn diagnostics(err: &upsell::Error) -> Vec<String> {
    match err {
        upsell::Error::Parse { diagnostics } => {
            diagnostics.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected a parse error, got {other}"),
    }
}

const BAD_RULES: &str = r#"schema:
  plan: string
  seats: int
define:
  a: b && seats > 1
  b: a
targets: [pro, team]
rules:
  - name: syntax
    when: plan == "starter" &&
    offer: { kind: upgrade, target: pro }
  - name: unknown-field
    when: plan == "starter" && seets > 10
    offer: { kind: upgrade, target: pro }
  - name: mismatch
    when: plan > 5
    offer: { kind: upgrade, target: pro }
  - name: bad-target
    when: seats > 3
    offer: { kind: upgrade, target: enterprise }
  - name: zero-cap
    when: seats > 3
    offer: { kind: upgrade, target: team }
    max_per_day: 0
  - name: typo-key
    whn: seats > 3
    offer: { kind: upgrade, target: team }
  - name: fine
    when: seats > 3
    offer: { kind: upgrade, target: team }
"#;

#[test]
fn a_load_lists_every_bad_rule_with_its_name_and_position() {
    let err =
        RuleSet::load(BAD_RULES, Format::Yaml, Some(Path::new("bad.yaml"))).expect_err("an error");
    assert_eq!(err.kind(), ErrorKind::Parse);
    let found = diagnostics(&err);
    let expect = [
        "bad.yaml:10:31: rule 'syntax': when: expected a value (a field, a number, a string, a function call or '('), found the end of the expression",
        "bad.yaml:13:32: rule 'unknown-field': when: unknown field 'seets': expected a field of the schema or a definition (did you mean 'seats'?)",
        "bad.yaml:16:11: rule 'mismatch': when: '>' compares two numbers, strings, timestamps or durations, found string and int",
        "bad.yaml:20:29: rule 'bad-target': offer.target 'enterprise' is not a declared target: expected one of pro, team",
        "bad.yaml:24:5: rule 'zero-cap': max_per_day is 0, which would never allow an offer: expected at least 1 (omit it for no cap)",
        "bad.yaml:26:5: rule 'typo-key': unknown field `whn`",
        "bad.yaml:5: definition 'a': definitions form a cycle: a -> b -> a",
    ];
    for expected in expect {
        assert!(
            found.iter().any(|f| f.starts_with(expected)),
            "missing:\n  {expected}\nin:\n  {}",
            found.join("\n  ")
        );
    }
    assert_eq!(found.len(), expect.len(), "{}", found.join("\n"));
}

#[test]
fn json_and_toml_errors_name_the_rule_and_line() {
    let json = r#"{"rules": [
  {"name": "ok", "when": "1 < 2", "offer": {"kind": "upgrade", "target": "x"}},
  {"name": "broken", "when": "size(", "offer": {"kind": "upgrade", "target": "x"}}
]}"#;
    let found = diagnostics(&RuleSet::from_json_str(json).expect_err("an error"));
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("<memory>:3:"), "{}", found[0]);
    assert!(found[0].contains("rule 'broken'"), "{}", found[0]);
    let toml = "[[rules]]\nname = \"r\"\nwhen = \"seats >\"\noffer = { kind = \"upsell\", target = \"x\" }\n";
    let found = diagnostics(&RuleSet::from_toml_str(toml).expect_err("an error"));
    assert!(
        found[0].contains("rule 'r'") && found[0].contains("unknown variant `upsell`"),
        "{found:?}"
    );
    let not_yaml =
        diagnostics(&RuleSet::from_yaml_str("rules: [\n  - name: x\n").expect_err("an error"));
    assert!(not_yaml[0].contains("not valid YAML"), "{not_yaml:?}");
}

#[test]
fn type_errors_point_at_the_column_inside_the_expression() {
    let rules = "rules:\n  - name: r\n    when: seats > 10 && days_since(plan) > 3\n    offer: {kind: upgrade, target: t}\n";
    let rules = RuleSet::from_yaml_str(rules).expect("parses without a schema");
    let schema = Schema::new([("seats", Type::Int), ("plan", Type::String)]).expect("schema");
    let found = diagnostics(&rules.check(&schema).expect_err("an error"));
    assert_eq!(
        found,
        ["<memory>:3:36: rule 'r': when: days_since() expects timestamp, found string"]
    );
}

// ---- batch: columnar against row by row -----------------------------------------------------------

fn random_batch(rows: usize, seed: u64) -> Batch {
    let mut state = seed;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let plans = ["starter", "pro", "team"];
    let mut columns: Vec<(String, Vec<Value>, Type)> = vec![
        ("id".into(), Vec::new(), Type::String),
        ("plan".into(), Vec::new(), Type::String),
        ("usage.feature_x_30d".into(), Vec::new(), Type::Int),
        ("usage.seats_used".into(), Vec::new(), Type::Int),
        ("limits.seats".into(), Vec::new(), Type::Int),
        ("usage.events_30d".into(), Vec::new(), Type::Int),
        ("usage.events_prev_30d".into(), Vec::new(), Type::Int),
        ("renewal_at".into(), Vec::new(), Type::Timestamp),
        ("cart.total".into(), Vec::new(), Type::Decimal),
        ("cart.items".into(), Vec::new(), Type::List(upsell::triggers::Elem::String)),
        ("open_tickets".into(), Vec::new(), Type::Int),
        ("health_trend".into(), Vec::new(), Type::Float),
        ("health_score".into(), Vec::new(), Type::Float),
        ("health_score_max_90d".into(), Vec::new(), Type::Float),
    ];
    let base = now().as_second();
    for row in 0..rows {
        for (name, values, _) in columns.iter_mut() {
            let null = next(10) == 0 && name != "id";
            let v = if null {
                Value::Null
            } else {
                match name.as_str() {
                    "id" => Value::from(format!("c{row}").as_str()),
                    "plan" => Value::from(plans[next(3) as usize]),
                    "renewal_at" => Value::Timestamp(
                        Timestamp::from_second(base + next(60 * 86_400) as i64).expect("t"),
                    ),
                    "cart.total" => Value::Decimal(upsell::triggers::Decimal::from_units(next(
                        120_000_000,
                    )
                        as i64)),
                    "cart.items" => {
                        let items: Vec<&str> = ["A", "B", "C"]
                            .into_iter()
                            .filter(|_| next(2) == 0)
                            .collect();
                        Value::strings(items)
                    }
                    "health_trend" => Value::Float(next(100) as f64 / 100.0 - 0.1),
                    "health_score" | "health_score_max_90d" => Value::Float(next(4) as f64 / 4.0),
                    "open_tickets" => Value::Int((next(20) == 0) as i64),
                    _ => Value::Int(next(40) as i64),
                }
            };
            values.push(v);
        }
    }
    // The other fields the examples' schema declares, null for every customer: a declared column
    // must be in the data.
    let declared = examples();
    let declared = declared
        .declared_schema()
        .expect("the examples declare a schema");
    for (name, ty) in declared.fields() {
        if columns.iter().all(|(n, _, _)| n != name) {
            columns.push((name.to_owned(), vec![Value::Null; rows], ty));
        }
    }
    let columns = columns
        .into_iter()
        .map(|(name, values, ty)| (name, Column::from_values(ty, &values).expect("column")))
        .collect();
    Batch::new(columns).expect("batch")
}

#[test]
fn batch_evaluation_equals_row_by_row_evaluation() {
    let rules = examples();
    let batch = random_batch(5_000, 0x9e37_79b9_7f4a_7c15);
    let mut history = History::default();
    for k in (0..5_000).step_by(7) {
        history.record(
            &format!("c{k}"),
            "next-tier",
            Outcome::Rejected,
            at("2026-11-01T00:00:00Z"),
        );
    }
    let mut options = BatchOptions::new(now());
    options.history = Some(&history);
    for threads in [1, 2] {
        options.threads = Some(threads);
        let offers = rules
            .evaluate_batch(&batch, &options, &upsell::Control::new())
            .expect("batch");
        let mut expected = Vec::new();
        for row in 0..batch.len() {
            let mut ctx = Context::new().with_id(format!("c{row}"));
            for (index, (name, _)) in batch.schema().fields().enumerate() {
                ctx.insert(
                    name.to_owned(),
                    batch.column(index).expect("column").value(row),
                );
            }
            let d = rules
                .evaluate(&ctx, history.customer(&format!("c{row}")), now())
                .expect("row");
            for offer in d.offers {
                expected.push((row, offer.rule, offer.reason));
            }
        }
        let got: Vec<_> = offers
            .iter()
            .filter(|o| !o.held_out)
            .map(|o| (o.row, o.offer.rule.clone(), o.offer.reason.clone()))
            .collect();
        assert!(
            expected.len() > 500,
            "the random data fires rules ({} offers)",
            expected.len()
        );
        assert_eq!(got, expected, "threads {threads}");
    }
}

#[test]
fn batch_columns_are_converted_to_the_declared_schema() {
    let rules = RuleSet::from_yaml_str(
        "schema: {id: string, cart.total: decimal}\nrules:\n  - name: fill\n    when: cart.total in range(75.00, 95.00)\n    offer: {kind: threshold_fill, target: ship}\n",
    )
    .expect("rules");
    let batch = Batch::new(vec![
        ("id".into(), Column::strings([Some("a"), Some("b")])),
        ("cart.total".into(), Column::ints(vec![80, 99], None)),
    ])
    .expect("batch");
    let offers = rules
        .evaluate_batch(&batch, &BatchOptions::new(now()), &upsell::Control::new())
        .expect("eval");
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].customer, "a");
}

#[test]
fn a_declared_column_the_data_lacks_is_an_error_naming_it() {
    let rules = RuleSet::from_yaml_str(
        "schema: {id: string, seats: int, plan: string}\nrules:\n  - name: team\n    when: seats > 10\n    offer: {kind: upgrade, target: team}\n",
    )
    .expect("rules");
    let batch = Batch::new(vec![
        ("id".into(), Column::strings([Some("a")])),
        ("seats".into(), Column::ints(vec![12], None)),
    ])
    .expect("batch");
    let err = rules
        .evaluate_batch(&batch, &BatchOptions::new(now()), &upsell::Control::new())
        .expect_err("plan is declared");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        err.location().and_then(|l| l.column_name.as_deref()),
        Some("plan")
    );
}

#[test]
fn a_float_for_a_money_field_is_exact_or_refused_never_rounded() {
    let rules = RuleSet::from_yaml_str(
        "schema: {id: string, total: money}\nrules:\n  - name: big\n    when: total >= 82.50\n    offer: {kind: cross_sell, target: gift}\n",
    )
    .expect("rules");
    let batch = |total: f64| {
        Batch::new(vec![
            ("id".into(), Column::strings([Some("a")])),
            ("total".into(), Column::floats(vec![total], None)),
        ])
        .expect("batch")
    };
    let options = BatchOptions::new(now());
    let control = upsell::Control::new();
    let offers = rules.evaluate_batch(&batch(82.5), &options, &control);
    assert_eq!(offers.expect("exact").len(), 1);
    let err = rules
        .evaluate_batch(&batch(82.4999999), &options, &control)
        .expect_err("seven places");
    assert!(err.to_string().contains("money is never rounded"), "{err}");
    let row = Context::from_json(r#"{"id": "a", "total": 82.4999999}"#).expect("json");
    let err = rules.evaluate(&row, None, now()).expect_err("seven places");
    assert!(err.to_string().contains("column 'total'"), "{err}");
}

#[test]
fn a_cancelled_batch_stops_with_cancelled() {
    let rules = examples();
    let batch = random_batch(10_000, 7);
    let control = upsell::Control::new();
    control.cancel();
    let err = rules
        .evaluate_batch(&batch, &BatchOptions::new(now()), &control)
        .expect_err("an error");
    assert_eq!(err.kind(), ErrorKind::Cancelled);
}

// ---- differential against the cel crate ---------------------------------------------------------

/// A generated expression over ints `i0..i2`, strings `s0..s1` and bools `b0..b1`, as text that both
/// languages read the same way.
#[derive(Debug, Clone)]
enum Gen {
    Int(String),
    Str(String),
    Bool(String),
}

fn int_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (-50i64..50).prop_map(|v| format!("{v}")),
        (0..3usize).prop_map(|k| format!("i{k}"))
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec!["+", "-", "*"]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            (inner.clone(), prop::sample::select(vec!["/", "%"]), 1i64..9)
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.prop_map(|a| format!("(-{a})")),
        ]
    })
}

fn str_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        "[abc]{0,2}".prop_map(|s| format!("\"{s}\"")),
        (0..2usize).prop_map(|k| format!("s{k}"))
    ];
    leaf.prop_recursive(2, 4, 2, |inner| {
        (inner.clone(), inner).prop_map(|(a, b)| format!("({a} + {b})"))
    })
}

fn bool_expr() -> impl Strategy<Value = String> {
    let cmp = prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]);
    let leaf = prop_oneof![
        (int_expr(), cmp.clone(), int_expr()).prop_map(|(a, op, b)| format!("({a} {op} {b})")),
        (str_expr(), cmp, str_expr()).prop_map(|(a, op, b)| format!("({a} {op} {b})")),
        (0..2usize).prop_map(|k| format!("b{k}")),
        prop::bool::ANY.prop_map(|b| b.to_string()),
        (str_expr(), str_expr()).prop_map(|(a, b)| format!("{a}.contains({b})")),
        (str_expr(), str_expr()).prop_map(|(a, b)| format!("{a}.startsWith({b})")),
        (int_expr(), prop::collection::vec(-5i64..5, 0..4)).prop_map(|(a, list)| {
            let items: Vec<String> = list.iter().map(ToString::to_string).collect();
            format!("({a} in [{}])", items.join(", "))
        }),
    ];
    leaf.prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec!["&&", "||"]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.prop_map(|a| format!("!{a}")),
        ]
    })
}

fn generated() -> impl Strategy<Value = Gen> {
    prop_oneof![
        2 => bool_expr().prop_map(Gen::Bool),
        1 => int_expr().prop_map(Gen::Int),
        1 => str_expr().prop_map(Gen::Str),
    ]
}

fn cel_value(
    source: &str,
    ints: &[i64; 3],
    strs: &[String; 2],
    bools: &[bool; 2],
) -> Option<cel::Value> {
    let program = cel::Program::compile(source).ok()?;
    let mut context = cel::Context::default();
    for (k, v) in ints.iter().enumerate() {
        context.add_variable_from_value(format!("i{k}"), *v);
    }
    for (k, v) in strs.iter().enumerate() {
        context.add_variable_from_value(format!("s{k}"), v.clone());
    }
    for (k, v) in bools.iter().enumerate() {
        context.add_variable_from_value(format!("b{k}"), *v);
    }
    program.execute(&context).ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn expressions_agree_with_cel(
        expr in generated(),
        ints in prop::array::uniform3(-1000i64..1000),
        strs in prop::array::uniform2("[abc]{0,3}"),
        bools in prop::array::uniform2(prop::bool::ANY),
    ) {
        let (source, ty) = match &expr {
            Gen::Int(s) => (s, "int"),
            Gen::Str(s) => (s, "string"),
            Gen::Bool(s) => (s, "bool"),
        };
        // Ours: the expression as a rule's expected value is not general enough, so compare through a
        // condition `(<expr>) == <cel's answer>` evaluated by both the row and the column evaluator.
        let expected = cel_value(source, &ints, &strs, &bools);
        let literal = match &expected {
            Some(cel::Value::Int(i)) => i.to_string(),
            Some(cel::Value::String(s)) => format!("\"{s}\""),
            Some(cel::Value::Bool(b)) => b.to_string(),
            other => panic!("cel gave {other:?} for {source}"),
        };
        let condition = format!("({source}) == {literal}");
        let yaml = format!(
            "schema: {{i0: int, i1: int, i2: int, s0: string, s1: string, b0: bool, b1: bool}}\nrules:\n  - name: r\n    when: '{}'\n    offer: {{kind: upgrade, target: t}}\n",
            condition.replace('\'', "''"),
        );
        let rules = RuleSet::from_yaml_str(&yaml).map_err(|e| TestCaseError::fail(format!("{e} for {source} ({ty})")))?;
        let mut ctx = Context::new();
        for (k, v) in ints.iter().enumerate() {
            ctx.insert(format!("i{k}"), Value::Int(*v));
        }
        for (k, v) in strs.iter().enumerate() {
            ctx.insert(format!("s{k}"), Value::from(v.as_str()));
        }
        for (k, v) in bools.iter().enumerate() {
            ctx.insert(format!("b{k}"), Value::Bool(*v));
        }
        let explained = rules.explain(&ctx, now()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(explained[0].fired, "{} is not {} as cel says: {}", source, literal, explained[0].trace);
        let mut columns = Vec::new();
        for (name, value) in ["i0", "i1", "i2", "s0", "s1", "b0", "b1"].iter().map(|n| (*n, ctx.get(n).cloned().unwrap_or(Value::Null))) {
            let ty = value.type_of().unwrap_or(Type::Int);
            columns.push((name.to_owned(), Column::from_values(ty, &[value]).map_err(|e| TestCaseError::fail(e.to_string()))?));
        }
        let batch = Batch::new(columns).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut options = BatchOptions::new(now());
        options.threads = Some(1);
        let offers = rules.evaluate_batch(&batch, &options, &upsell::Control::new()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(offers.len(), 1, "the column evaluator disagrees on {}", source);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Arbitrary expression text never panics: it loads, or fails with a parse error naming the rule.
    #[test]
    fn arbitrary_expressions_never_panic(
        text in r#"[a-z0-9_ .,()\[\]{}:!<>=&|+*/%"'`\-éß]{0,40}"#,
        seats in prop::option::of(-5i64..5),
    ) {
        let yaml = format!(
            "schema: {{seats: int, plan: string, items: list<string>}}\nrules:\n  - name: fuzz\n    when: '{}'\n    offer: {{kind: upgrade, target: t}}\n",
            text.replace('\'', "''"),
        );
        match RuleSet::from_yaml_str(&yaml) {
            Ok(rules) => {
                let mut ctx = Context::new().set("plan", "starter");
                if let Some(seats) = seats {
                    ctx = ctx.set("seats", seats);
                }
                rules.explain(&ctx, now()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let batch = Batch::new(vec![
                    ("seats".to_owned(), Column::ints(vec![seats.unwrap_or(0)], Some(vec![seats.is_some()]))),
                    ("plan".to_owned(), Column::strings([Some("starter")])),
                ]).map_err(|e| TestCaseError::fail(e.to_string()))?;
                rules.evaluate_batch(&batch, &BatchOptions::new(now()), &upsell::Control::new())
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            Err(err) => {
                prop_assert_eq!(err.kind(), ErrorKind::Parse);
                let text = err.to_string();
                prop_assert!(text.contains("rule 'fuzz'") || text.contains("not valid YAML"), "{}", text);
            }
        }
    }
}

#[test]
fn rule_level_caps_and_acceptance_cooldown() {
    let rules = RuleSet::from_yaml_str(
        "schema: {id: string, seats: int, note: string}\nrules:\n  - name: team\n    when: seats > 10\n    offer: {kind: upgrade, target: team}\n    cooldown_days: 0\n    max_per_week: 2\n",
    )
    .expect("rules");
    let ctx =
        Context::from_json(r#"{"id": "c1", "seats": 12, "note": "2026-01-01"}"#).expect("ctx");
    let mut history = History::default();
    history.record("c1", "team", Outcome::Shown, at("2026-11-20T10:00:00Z"));
    assert_eq!(
        rules
            .evaluate(&ctx, history.customer("c1"), now())
            .expect("eval")
            .offers
            .len(),
        1
    );
    history.record("c1", "team", Outcome::Shown, at("2026-11-22T10:00:00Z"));
    let capped = rules
        .evaluate(&ctx, history.customer("c1"), now())
        .expect("eval");
    assert_eq!(
        capped.skipped[0].1,
        "this offer's weekly cap reached (2 of 2)"
    );
    // A string field keeps its text even when it looks like a date.
    let explained = rules.explain(&ctx, now()).expect("explain");
    assert!(explained[0].fired);
    let default_cooldown = RuleSet::from_yaml_str(
        "schema: {id: string, seats: int}\nrules:\n  - name: team\n    when: seats > 10\n    offer: {kind: upgrade, target: team}\n",
    )
    .expect("rules");
    let mut accepted = History::default();
    accepted.record("c1", "team", Outcome::Accepted, at("2026-11-20T10:00:00Z"));
    let d = default_cooldown
        .evaluate(&ctx, accepted.customer("c1"), now())
        .expect("eval");
    assert_eq!(d.skipped[0].1, "accepted 3 days ago (cooldown 7 days)");
}

#[test]
fn contexts_without_a_declared_schema_infer_times_from_strings() {
    let rules = RuleSet::from_yaml_str(
        "rules:\n  - name: week-after\n    when: days_since(last_purchase_at) == 7 && plan == \"2026\"\n    offer: {kind: cross_sell, target: x}\n",
    )
    .expect("rules");
    let ctx = Context::from_json(r#"{"last_purchase_at": "2026-11-16T09:00:00Z", "plan": "2026"}"#)
        .expect("ctx");
    assert_eq!(
        rules
            .evaluate(&ctx, None, now())
            .expect("eval")
            .offers
            .len(),
        1
    );
}

#[derive(serde::Deserialize)]
struct BadCases {
    case: Vec<BadCase>,
}

#[derive(serde::Deserialize)]
struct BadCase {
    name: String,
    format: String,
    rules: String,
    count: usize,
    expect: Vec<String>,
}

#[test]
fn bad_rule_files_from_testdata() {
    let text = std::fs::read_to_string(testdata("bad_rules.toml"))
        .expect("testdata/triggers/bad_rules.toml");
    let cases: BadCases = toml::from_str(&text).expect("the cases parse");
    assert!(cases.case.len() >= 8);
    for case in cases.case {
        let format = match case.format.as_str() {
            "yaml" => Format::Yaml,
            "json" => Format::Json,
            _ => Format::Toml,
        };
        let err = RuleSet::load(&case.rules, format, None).expect_err(&case.name);
        let found = diagnostics(&err);
        assert_eq!(
            found.len(),
            case.count,
            "{}: {}",
            case.name,
            found.join("\n")
        );
        for fragment in &case.expect {
            assert!(
                found.iter().any(|f| f.contains(fragment.as_str())),
                "{}: no '{fragment}' in\n{}",
                case.name,
                found.join("\n")
            );
        }
    }
}

// ---- issue 14: no expression overflows the stack ----------------------------------------------------

/// A one-rule YAML file whose condition is `when`, on line 3 at column 11.
fn one_rule(when: &str) -> String {
    format!(
        "schema: {{seats: int, plan: string}}\nrules:\n  - name: deep\n    when: '{when}'\n    offer: {{kind: upgrade, target: t}}\n"
    )
}

/// The sizes at which issue 14 crashed the process, and ten times each.
const NESTED: [usize; 4] = [2_777, 3_962, 27_770, 39_620];
const FLAT: [usize; 4] = [2_778, 3_265, 27_780, 32_650];

/// Asserts that `when` is refused at byte `offset` of the expression.
fn assert_too_deep(when: &str, offset: usize) {
    let err = RuleSet::from_yaml_str(&one_rule(when)).expect_err("too deep");
    assert_eq!(err.kind(), ErrorKind::Parse);
    let found = diagnostics(&err);
    let expected = format!(
        "<memory>:4:{}: rule 'deep': when: expression nests deeper than 128 levels",
        12 + offset
    );
    assert!(
        found.len() == 1 && found[0].starts_with(&expected),
        "{expected}\n{found:?}"
    );
}

#[test]
fn deep_nesting_is_a_positioned_error() {
    for n in NESTED {
        // The 129th '(' (at offset 128) is where the limit is crossed.
        assert_too_deep(&format!("{}seats > 1{}", "(".repeat(n), ")".repeat(n)), 128);
        assert_too_deep(&format!("{}(seats > 1)", "!".repeat(n)), 128);
        let nested_and = format!("{}seats > 1{}", "seats > 1 && (".repeat(n), ")".repeat(n));
        assert_too_deep(&nested_and, 128 * 14 + 13);
        assert_too_deep(&format!("plan{}", ".size()".repeat(n)), 4 + 128 * 7 + 1);
    }
    let half = upsell::triggers::MAX_NESTING / 2;
    let at_limit = format!("{}seats > 1{}", "!(".repeat(half), ")".repeat(half));
    assert_eq!(fired(&at_limit), [2, 3, 4, 5, 6, 7]);
}

/// Evaluates `when` for seats 0..8 row by row and column by column, returning the rows that fire.
fn fired(when: &str) -> Vec<i64> {
    let rules = RuleSet::from_yaml_str(&one_rule(when)).expect("loads");
    let seats: Vec<i64> = (0..8).collect();
    let by_row: Vec<i64> = seats
        .iter()
        .copied()
        .filter(|&s| {
            let ctx = Context::new().set("seats", s).set("plan", "pro");
            !rules
                .evaluate(&ctx, None, now())
                .expect("row")
                .offers
                .is_empty()
        })
        .collect();
    let batch = Batch::new(vec![
        (
            "id".into(),
            Column::strings(seats.iter().map(|_| Some("c"))),
        ),
        ("seats".into(), Column::ints(seats.clone(), None)),
        (
            "plan".into(),
            Column::strings(seats.iter().map(|_| Some("pro"))),
        ),
    ])
    .expect("batch");
    let by_column: Vec<i64> = rules
        .evaluate_batch(&batch, &BatchOptions::new(now()), &upsell::Control::new())
        .expect("batch")
        .iter()
        .map(|o| o.row as i64)
        .collect();
    assert_eq!(by_row, by_column, "{}", &when[..when.len().min(80)]);
    by_row
}

#[test]
fn flat_chains_of_any_length_load_and_evaluate() {
    for n in FLAT {
        let or = vec!["seats == 99"; n].join(" || ") + " || seats == 5";
        assert_eq!(fired(&or), [5]);
        let and = vec!["seats > 2"; n].join(" && ") + " && seats < 4";
        assert_eq!(fired(&and), [3]);
        // 1 + 1 + ... (n ones) + seats > n + 5: fires for seats 6 and 7.
        let plus = format!("{} + seats > {}", vec!["1"; n].join(" + "), n + 5);
        assert_eq!(fired(&plus), [6, 7]);
        let mixed = format!("(seats{}) * 2 - 1 > 9", " + 0 - 0".repeat(n / 2));
        assert_eq!(fired(&mixed), [6, 7]);
        let times = format!("seats{} > 5", " * 1".repeat(n));
        assert_eq!(fired(&times), [6, 7]);
        let text = format!("plan{} == \"pro\"", " + \"\"".repeat(n));
        assert_eq!(fired(&text), (0..8).collect::<Vec<_>>());
    }
}

#[test]
fn chains_keep_their_left_to_right_types() {
    // 7 / 2 is an int division before the decimal joins the chain, as in (7 / 2) + 0.5.
    assert_eq!(fired("7 / 2 + 0.5 == 3.5 && seats == 1"), [1]);
    assert_eq!(fired("seats / 2 * 2.0 == 2.0"), [2, 3]);
    assert_eq!(
        fired("\"a\" + plan + \"b\" == \"aprob\" && seats < 2"),
        [0, 1]
    );
    // An overflow anywhere in a chain is null, and a null condition does not fire.
    assert_eq!(fired("9223372036854775807 + seats - seats > 0"), [0]);
}

#[test]
fn the_smallest_int_literal_is_exact() {
    assert_eq!(fired("-9223372036854775808 < seats && seats < 1"), [0]);
    assert_eq!(
        fired("seats - 9223372036854775807 - 1 == -9223372036854775808"),
        [0]
    );
    let err =
        RuleSet::from_yaml_str(&one_rule("seats < 9223372036854775808")).expect_err("too large");
    assert!(
        err.to_string()
            .contains("integer 9223372036854775808 is too large"),
        "{err}"
    );
    // Negating it overflows: null, so the rule does not fire.
    assert_eq!(fired("-(-9223372036854775808) > 0 || seats == 3"), [3]);
}

#[test]
fn definitions_cannot_nest_or_expand_without_bound() {
    // A chain of definitions, each using the one before: deep once expanded.
    let chain = |n: usize, twice: bool| {
        let mut text = String::from("schema: {seats: int}\ndefine:\n  d0: seats > 1\n");
        for k in 1..n {
            let body = if twice {
                format!("d{0} && d{0}", k - 1)
            } else {
                format!("d{} || seats == {k}", k - 1)
            };
            text.push_str(&format!("  d{k}: '{body}'\n"));
        }
        text.push_str(&format!(
            "rules:\n  - {{name: r, when: d{}, offer: {{kind: upgrade, target: t}}}}\n",
            n - 1
        ));
        text
    };
    assert!(RuleSet::from_yaml_str(&chain(300, false)).is_ok());
    let err = RuleSet::from_yaml_str(&chain(3_000, false)).expect_err("too deep");
    assert!(
        err.to_string()
            .contains("operators once definitions are expanded"),
        "{err}"
    );
    // Each definition used twice doubles the expansion: 2^60 nodes are refused, quickly.
    let err = RuleSet::from_yaml_str(&chain(60, true)).expect_err("too large");
    assert!(
        err.to_string().contains("more than 1000000 operations"),
        "{err}"
    );
}

#[test]
fn escapes_hex_exponents_and_conditionals() {
    use upsell::triggers::{Decimal, evaluate_expression};
    let ctx = Context::new().set("seats", 12).set("plan", "pro");
    let eval = |text: &str| evaluate_expression(text, &ctx, now()).expect(text);
    assert_eq!(
        eval(r#""\x41\u00e9\U0001F600\101\a""#),
        Value::from("Aé😀A\u{7}")
    );
    assert_eq!(eval("0x1F + 0XfF"), Value::Int(31 + 255));
    assert_eq!(eval("2e3"), Value::Decimal(Decimal::from_int(2_000)));
    assert_eq!(
        eval("1.25e-2 * 4"),
        Value::Decimal("0.05".parse().expect("decimal"))
    );
    assert_eq!(eval("seats > 10 ? \"big\" : \"small\""), Value::from("big"));
    assert_eq!(
        eval("seats < 10 ? 1 : seats > 11 ? 2.5 : 3"),
        Value::Decimal("2.5".parse().expect("decimal"))
    );
    assert_eq!(eval("seats / 0 > 1 ? 1 : 2"), Value::Int(2));
    for (bad, message) in [
        ("1u", "unsigned literals"),
        ("1e-7", "decimal"),
        ("0x", "hex digits"),
        ("\"\\q\"", "unknown escape"),
        (
            "seats > 1 ? 1 : \"x\"",
            "expected int like the other values",
        ),
        ("timestamp('0000-01-01T00:00:00Z')", "year 1 to 9999"),
    ] {
        let err = evaluate_expression(bad, &ctx, now()).expect_err(bad);
        assert!(err.to_string().contains(message), "{bad}: {err}");
    }
    let deep = format!("{}1{}", "seats > 1 ? (".repeat(200), " : 0)".repeat(200));
    let err = evaluate_expression(&deep, &ctx, now()).expect_err("too deep");
    assert!(err.to_string().contains("nests deeper than 128"), "{err}");
}

#[test]
fn lists_indexes_macros_and_null() {
    use upsell::triggers::evaluate_expression;
    let list = |items: &[&str]| Value::strings(items.iter().copied());
    let ctx = Context::new()
        .set("seats", 12)
        .set("plan", "pro")
        .set("items", list(&["SKU-1", "gift", "SKU-2"]))
        .set("none", list(&[]));
    let eval = |text: &str| evaluate_expression(text, &ctx, now()).expect(text);
    for (text, expected) in [
        // Indexing, and null past the end (CEL errs: the stated rule, an error is null).
        ("items[1]", Value::from("gift")),
        ("items[3]", Value::Null),
        ("items[-1]", Value::Null),
        (r#"["a", plan][1]"#, Value::from("pro")),
        // List values: literals, equality, concatenation, size, membership.
        (r#"items == ["SKU-1", "gift", "SKU-2"]"#, Value::Bool(true)),
        ("[] == none && none != items", Value::Bool(true)),
        (r#"size(items + ["x"])"#, Value::Int(4)),
        (r#""gift" in items && !("pro" in none)"#, Value::Bool(true)),
        (r#"plan in ["team", plan]"#, Value::Bool(true)),
        // Macros over a list field, nested and with the field's own functions.
        (r#"items.exists(i, i.startsWith("SKU"))"#, Value::Bool(true)),
        (r#"items.all(i, i.startsWith("SKU"))"#, Value::Bool(false)),
        (
            r#"none.all(i, i == "x") && !none.exists(i, true)"#,
            Value::Bool(true),
        ),
        (r#"items.exists_one(i, i == "gift")"#, Value::Bool(true)),
        (r#"items.filter(i, i.endsWith("2"))"#, list(&["SKU-2"])),
        (
            r#"items.map(i, i + "!")"#,
            list(&["SKU-1!", "gift!", "SKU-2!"]),
        ),
        (
            r#"items.map(i, i.startsWith("SKU"), plan + ":" + i)"#,
            list(&["pro:SKU-1", "pro:SKU-2"]),
        ),
        (
            r#"items.exists(i, items.filter(j, j == i).size() == 1)"#,
            Value::Bool(true),
        ),
        (r#"items.exists(i, i == plan)"#, Value::Bool(false)),
        // A null predicate: exists is true if some element is, else null (CEL: an error).
        (
            r#"items.exists(i, i == "gift" || seats / 0 > 1)"#,
            Value::Bool(true),
        ),
        (
            r#"items.exists(i, i == "gift" ? null : false)"#,
            Value::Null,
        ),
        (
            r#"items.all(i, i == "gift" ? null : false)"#,
            Value::Bool(false),
        ),
        (
            r#"(seats > 20 ? items : null).exists(i, true)"#,
            Value::Null,
        ),
        // null: compared with == and !=, or a branch of ? :.
        (
            "(seats > 20 ? plan : null) == null && plan != null && null == null",
            Value::Bool(true),
        ),
        ("seats / 0 == null", Value::Bool(true)),
        ("seats > 10 ? plan : null", Value::from("pro")),
        ("seats > 20 ? plan : null", Value::Null),
    ] {
        assert_eq!(eval(text), expected, "{text}");
    }
    for (bad, message) in [
        ("items[\"a\"]", "a list index expects int"),
        ("plan[0]", "indexing '[..]' expects a list or a map, found string"),
        ("[1, 2] == [\"a\"]", "cannot compare list<int> and list<string>"),
        ("items < items", "lists and maps have == and != only"),
        ("items.exists(i.x, true)", "must be a plain name"),
        ("items.exists(i, i)", "predicate expects bool"),
        ("{1.5: 1}", "a map key is a string, an int or a bool, found decimal"),
        ("{\"a\": 1}[1]", "a key of map<string, int> expects string, found int"),
        ("1 in seats", "'in' expects a list, a map or range(low, high), found int"),
        ("plan.x", "'.x' selects a key of a map with string keys, found string"),
        ("seats.all(i, true)", "all() expects a list or a map, found int"),
        ("items.filter(i)", "a macro over a list"),
        ("null", "null is not a value here"),
        ("seats > 1 ? null : null", "null in both"),
        ("null < 1", "null is not a value here"),
    ] {
        let err = evaluate_expression(bad, &ctx, now()).expect_err(bad);
        assert!(err.to_string().contains(message), "{bad}: {err}");
    }
    // Indexes and macros nest: past the limit, a positioned error, never a crash.
    for deep in [
        format!("size({}0{}) > 0", "items[".repeat(200), "]".repeat(200)),
        format!("{}true{}", "items.exists(i, ".repeat(200), ")".repeat(200)),
    ] {
        let err = evaluate_expression(&deep, &ctx, now()).expect_err("too deep");
        assert!(err.to_string().contains("nests deeper than 128"), "{err}");
    }
    // A macro's variable is not visible to a definition, nor outside its macro.
    let rules = "schema: {items: list<string>}\ndefine:\n  tagged: i == \"gift\"\nrules:\n  \
                 - {name: r, when: 'items.exists(i, tagged)', offer: {kind: upgrade, target: t}}\n";
    let err = RuleSet::from_yaml_str(rules).expect_err("i is not in scope");
    assert!(err.to_string().contains("unknown field 'i'"), "{err}");
    let err = evaluate_expression("items.exists(i, true) && i == \"x\"", &ctx, now())
        .expect_err("out of scope");
    assert!(err.to_string().contains("unknown field 'i'"), "{err}");
}

/// An offer as the agreement tests compare it: row, rule, reason.
type RowOffer = (usize, String, String);

/// The offers of `rules` over `batch`, evaluated customer by customer with
/// [`RuleSet::evaluate`] and column by column with [`RuleSet::evaluate_batch`] (held-out rows
/// left out, as the row evaluator leaves them out).
fn offers_by_row_and_by_column(rules: &RuleSet, batch: &Batch) -> (Vec<RowOffer>, Vec<RowOffer>) {
    let offers = rules
        .evaluate_batch(batch, &BatchOptions::new(now()), &upsell::Control::new())
        .expect("batch");
    let mut by_row = Vec::new();
    for row in 0..batch.len() {
        let mut ctx = Context::new().with_id(format!("c{row}"));
        for (index, (name, _)) in batch.schema().fields().enumerate() {
            ctx.insert(
                name.to_owned(),
                batch.column(index).expect("column").value(row),
            );
        }
        for offer in rules.evaluate(&ctx, None, now()).expect("row").offers {
            by_row.push((row, offer.rule, offer.reason));
        }
    }
    let by_column = offers
        .iter()
        .filter(|o| !o.held_out)
        .map(|o| (o.row, o.offer.rule.clone(), o.offer.reason.clone()))
        .collect();
    (by_row, by_column)
}

#[test]
fn list_macros_agree_column_by_column_and_row_by_row() {
    let rules = RuleSet::from_yaml_str(
        r#"
schema: {id: string, plan: string, cart.items: list<string>, usage.feature_x_30d: int}
settings: {max_offers_per_interaction: 6}
rules:
  - {name: any-a, when: 'cart.items.exists(i, i == "A") && plan != "team"', offer: {kind: cross_sell, target: a}}
  - {name: all-ab, when: 'cart.items.all(i, i in ["A", "B"]) && size(cart.items) > 1', offer: {kind: cross_sell, target: ab}}
  - {name: one-c, when: 'cart.items.exists_one(i, i == "C" || i == plan)', offer: {kind: cross_sell, target: c}}
  - {name: mapped, when: 'cart.items.map(i, plan + i).exists(p, p == "proB")', offer: {kind: upgrade, target: b}}
  - {name: first, when: 'cart.items[0] == "B" || cart.items.filter(i, i != "A") == ["C"]', offer: {kind: upgrade, target: f}}
  - {name: unset, when: 'cart.items == null ? usage.feature_x_30d > 30 : null', offer: {kind: upgrade, target: u}}
"#,
    )
    .expect("loads");
    let batch = random_batch(3_000, 0x2545_f491_4f6c_dd1d);
    let (expected, got) = offers_by_row_and_by_column(&rules, &batch);
    for rule in ["any-a", "all-ab", "one-c", "mapped", "first", "unset"] {
        assert!(
            expected.iter().any(|(_, r, _)| r == rule),
            "rule {rule} fires on the random data"
        );
    }
    let reason = |rule: &str| {
        expected
            .iter()
            .find(|(_, r, _)| r == rule)
            .map(|(_, _, reason)| reason.clone())
    };
    // A macro's reason shows the list it walked.
    let any_a = reason("any-a").expect("any-a fired");
    assert!(
        any_a.starts_with(r#"cart.items.exists(i, i == "A") (was ['"#),
        "{any_a}"
    );
    assert_eq!(got, expected);
}

/// A map of fields (`usage` for the `usage.*` columns) over data with nulls: a null field is not
/// a key, by one rule that the row and the column evaluator share, so `size(usage)`, `in`, `has`
/// and the macros over its keys agree row for row with the columns.
#[test]
fn maps_of_fields_with_nulls_agree_column_by_column_and_row_by_row() {
    let rules = RuleSet::from_yaml_str(
        r#"
schema: {id: string, plan: string, usage.feature_x_30d: int, usage.seats_used: int, usage.events_30d: int, usage.events_prev_30d: int}
settings: {max_offers_per_interaction: 10}
rules:
  - {name: one-big, when: 'size(usage) == 1 && usage.all(k, usage[k] > 5)', offer: {kind: upgrade, target: a}}
  - {name: three-big, when: 'size(usage) == 3 && usage.all(k, usage[k] > 5)', offer: {kind: upgrade, target: b}}
  - {name: in-has, when: '("seats_used" in usage) != has(usage.seats_used) || (usage["seats_used"] == usage.seats_used && !("events_30d" in usage))', offer: {kind: upgrade, target: c}}
  - {name: exists, when: 'usage.exists(k, usage[k] > 35)', offer: {kind: upgrade, target: d}}
  - {name: filtered, when: 'usage.filter(k, usage[k] > 20).size() >= 3', offer: {kind: upgrade, target: e}}
  - {name: mapped, when: 'usage.map(k, usage[k]).exists(v, v > 38) && plan in {"pro": 1, "team": 2}', offer: {kind: upgrade, target: f}}
  - {name: tiered, when: '{"starter": 10, "pro": 20, "team": 30}[plan] < usage.feature_x_30d', offer: {kind: upgrade, target: g}}
  - {name: listed, when: '[1, 2.5, usage.seats_used].exists(x, x > 30) && [true, "a"][1] == "a"', offer: {kind: upgrade, target: h}}
"#,
    )
    .expect("loads");
    let batch = random_batch(3_000, 0x9e37_79b9_7f4a_7c15);
    let (expected, got) = offers_by_row_and_by_column(&rules, &batch);
    for rule in [
        "one-big", "three-big", "in-has", "exists", "filtered", "mapped", "tiered", "listed",
    ] {
        assert!(
            expected.iter().any(|(_, r, _)| r == rule),
            "rule {rule} fires on the random data"
        );
    }
    assert_eq!(got, expected);
    // One customer by hand: a null field is not a key.
    let one = Batch::new(vec![
        ("id".to_owned(), Column::strings([Some("c1")])),
        ("plan".to_owned(), Column::strings([Some("pro")])),
        ("usage.feature_x_30d".to_owned(), Column::ints(vec![7], None)),
        ("usage.seats_used".to_owned(), Column::ints(vec![0], Some(vec![false]))),
        ("usage.events_30d".to_owned(), Column::ints(vec![0], Some(vec![false]))),
        ("usage.events_prev_30d".to_owned(), Column::ints(vec![0], Some(vec![false]))),
    ])
    .expect("batch");
    let fired: Vec<String> = rules
        .evaluate_batch(&one, &BatchOptions::new(now()), &upsell::Control::new())
        .expect("batch")
        .into_iter()
        .map(|o| o.offer.rule)
        .collect();
    assert!(fired.contains(&"one-big".to_owned()), "{fired:?}");
}
