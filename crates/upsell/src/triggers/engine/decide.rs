//! One customer's decision: conditions, suppressions, fatigue, ranking, control groups and
//! sequence steps, in the order the engine's documentation gives.

use super::*;

impl RuleSet {
    /// Decides the offers for one customer at `now`, reading `history` for fatigue.
    ///
    /// ```
    /// use upsell::time::parse_timestamp;
    /// use upsell::triggers::{Context, History, Outcome, RuleSet};
    /// let rules = RuleSet::from_yaml_str(
    ///     "schema: {seats: int}\nrules:\n  - {name: team, when: seats > 10, offer: {kind: upgrade, target: team}}\n")?;
    /// let now = parse_timestamp("2026-11-23T10:00:00Z").unwrap();
    /// let mut history = History::default();
    /// history.record("c1", "team", Outcome::Rejected, parse_timestamp("2026-11-01").unwrap());
    /// let ctx = Context::new().with_id("c1").set("seats", 12);
    /// let decision = rules.evaluate(&ctx, history.customer("c1"), now)?;
    /// assert!(decision.offers.is_empty()); // rejected 22 days ago; the default cooldown is 60 days
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn evaluate(
        &self,
        context: &Context,
        history: Option<&CustomerHistory>,
        now: Timestamp,
    ) -> Result<Decision> {
        let (compiled, record) = self.bind_context(context)?;
        Ok(self.decide(
            &compiled,
            record.as_slice(),
            context.id(),
            history,
            now,
            None,
        ))
    }

    /// Every rule's and suppression's condition for one customer, with the values it saw.
    ///
    /// ```
    /// use upsell::time::parse_timestamp;
    /// use upsell::triggers::{Context, RuleSet};
    /// let rules = RuleSet::from_yaml_str(
    ///     "rules:\n  - name: big-cart\n    when: cart.total >= 100.00\n    offer: {kind: cross_sell, target: gift}\n")?;
    /// let ctx = Context::from_json(r#"{"cart": {"total": 82.5}}"#)?;
    /// let explained = rules.explain(&ctx, parse_timestamp("2026-11-23").unwrap())?;
    /// assert!(!explained[0].fired);
    /// assert_eq!(explained[0].trace, "cart.total >= 100.00 (was 82.50)");
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn explain(&self, context: &Context, now: Timestamp) -> Result<Vec<Explanation>> {
        let (compiled, record) = self.bind_context(context)?;
        let fields = record.as_slice();
        let mut out = Vec::new();
        for (suppression, node) in self.parsed.suppressions.iter().zip(&compiled.suppressions) {
            out.push(Explanation {
                rule: suppression.name.clone(),
                fired: row::eval(node, fields, now) == Value::Bool(true),
                trace: row::explain(node, &suppression.when.text, fields, now),
            });
        }
        for (rule, node) in self.parsed.rules.iter().zip(&compiled.when) {
            out.push(Explanation {
                rule: rule.name.clone(),
                fired: row::eval(node, fields, now) == Value::Bool(true),
                trace: row::explain(node, &rule.when.text, fields, now),
            });
        }
        Ok(out)
    }

    fn bind_context(&self, context: &Context) -> Result<(Arc<Compiled>, Vec<Value>)> {
        if let (Some(schema), Some(compiled)) = (&self.parsed.schema, &self.declared) {
            return Ok((Arc::clone(compiled), context.record(schema)?));
        }
        let schema = context.schema();
        let compiled = self.compiled(&schema)?;
        let record = context.record(&schema)?;
        Ok((compiled, record))
    }

    /// The decision for one record whose conditions are evaluated here, or taken from `fired`
    /// (the columnar evaluator's verdicts: `(rules fired, global suppression fired)`).
    pub(super) fn decide<F: Fields + ?Sized>(
        &self,
        compiled: &Compiled,
        fields: &F,
        id: Option<&str>,
        history: Option<&CustomerHistory>,
        now: Timestamp,
        fired: Option<(&[usize], Option<usize>)>,
    ) -> Decision {
        let mut decision = Decision::default();
        let is_true = |node: &Node| row::eval(node, fields, now) == Value::Bool(true);
        let suppression = match fired {
            Some((_, s)) => s,
            None => compiled.suppressions.iter().position(is_true),
        };
        if let Some(k) = suppression {
            let s = &self.parsed.suppressions[k];
            decision.suppressed_by = Some((
                s.name.clone(),
                row::explain(&compiled.suppressions[k], &s.when.text, fields, now),
            ));
            return decision;
        }
        let candidates: Vec<usize> = match fired {
            Some((rules, _)) => rules.to_vec(),
            None => (0..compiled.when.len())
                .filter(|&r| is_true(&compiled.when[r]))
                .collect(),
        };
        let mut ranked: Vec<(usize, Decimal)> = Vec::new();
        for r in candidates {
            let rule = &self.parsed.rules[r];
            if let Some(why) = self.blocked(r, compiled, fields, history, now) {
                decision.skipped.push((rule.name.clone(), why));
                continue;
            }
            let expected = match &compiled.expected_value[r] {
                Some(node) => match row::eval(node, fields, now) {
                    Value::Decimal(d) => d,
                    _ => Decimal::default(),
                },
                None => Decimal::default(),
            };
            ranked.push((r, expected));
        }
        ranked.sort_by(|a, b| {
            let (ra, rb) = (&self.parsed.rules[a.0], &self.parsed.rules[b.0]);
            rb.priority
                .cmp(&ra.priority)
                .then(b.1.cmp(&a.1))
                .then(a.0.cmp(&b.0))
        });
        let limit = self.parsed.settings.max_offers_per_interaction as usize;
        for (position, (r, expected)) in ranked.into_iter().enumerate() {
            let rule = &self.parsed.rules[r];
            if position >= limit {
                decision.skipped.push((
                    rule.name.clone(),
                    format!("ranked below the {limit} offer(s) per interaction"),
                ));
                continue;
            }
            let offer = self.offer(r, compiled, fields, now, expected);
            if id.is_some_and(|id| in_control(id, &rule.name, rule.control_ppm)) {
                decision.held_out.push(offer);
            } else {
                decision.offers.push(offer);
            }
        }
        decision
    }

    /// The offer of rule `r`, with why it fired.
    fn offer<F: Fields + ?Sized>(
        &self,
        r: usize,
        compiled: &Compiled,
        fields: &F,
        now: Timestamp,
        expected_value: Decimal,
    ) -> Offer {
        let rule = &self.parsed.rules[r];
        let condition = row::explain(&compiled.when[r], &rule.when.text, fields, now);
        Offer {
            rule: rule.name.clone(),
            kind: rule.offer.kind,
            target: rule.offer.target.clone(),
            channel: rule.offer.channel.clone(),
            message: rule.offer.message.clone(),
            priority: rule.priority,
            expected_value,
            reason: match &rule.step {
                Some(step) => format!(
                    "step {} of {} of sequence '{}', due on day {}: {condition}",
                    step.index + 1,
                    step.steps,
                    step.sequence,
                    step.day
                ),
                None => condition,
            },
        }
    }

    /// Where one customer stands at `now` in each cross-sell sequence of the file (see the
    /// `sequences:` section of the rule language): the step due now, if any, or why none is.
    ///
    /// A step is due exactly on its day (whole days since the anchor), for a customer who meets
    /// the sequence's `when`, has not left it (its `exit_when`, or an acceptance or rejection of
    /// any of its offers since the anchor, in `history`), and was not shown that step yet. The
    /// same steps reach [`RuleSet::evaluate`] and [`RuleSet::evaluate_batch`] as rules named
    /// `<sequence>/day-<day>`, ranked with the others.
    ///
    /// ```
    /// use upsell::time::parse_timestamp;
    /// use upsell::triggers::{Context, History, Outcome, RuleSet};
    /// let rules = RuleSet::from_yaml_str(r#"
    /// schema: { bought_analytics_at: timestamp }
    /// sequences:
    ///   - name: after-analytics
    ///     anchor: bought_analytics_at
    ///     steps:
    ///       - { day: 3, offer: { kind: cross_sell, target: reports, channel: email, message: tips } }
    ///       - { day: 7, offer: { kind: cross_sell, target: reports, channel: in_app } }
    /// "#)?;
    /// let ctx = Context::new().with_id("c1").set("bought_analytics_at", parse_timestamp("2026-11-20").unwrap());
    /// let at = |day: &str| parse_timestamp(day).unwrap();
    /// let status = &rules.sequences(&ctx, None, at("2026-11-23T09:00:00Z"))?[0];
    /// assert_eq!(status.step, Some(1));
    /// assert_eq!(status.offer.as_ref().unwrap().channel.as_deref(), Some("email"));
    /// let status = &rules.sequences(&ctx, None, at("2026-11-25"))?[0];
    /// assert_eq!((status.step, status.reason.as_str()), (None, "day 5: no step due (next: step 2 on day 7)"));
    /// let mut history = History::default();
    /// history.record("c1", "reports", Outcome::Accepted, at("2026-11-24"));
    /// let status = &rules.sequences(&ctx, history.customer("c1"), at("2026-11-27"))?[0];
    /// assert_eq!(status.step, None);
    /// assert!(status.reason.starts_with("left sequence 'after-analytics': accepted reports on day 4"));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn sequences(
        &self,
        context: &Context,
        history: Option<&CustomerHistory>,
        now: Timestamp,
    ) -> Result<Vec<SequenceStatus>> {
        let (compiled, record) = self.bind_context(context)?;
        let fields = record.as_slice();
        let mut out = Vec::new();
        for (r, rule) in self.parsed.rules.iter().enumerate() {
            if let (Some(step), Some(nodes)) = (&rule.step, &compiled.steps[r]) {
                if step.index == 0 {
                    out.push(self.sequence_status(r, step, nodes, &compiled, fields, history, now));
                }
            }
        }
        Ok(out)
    }

    /// The status in the sequence whose first step is rule `first`.
    #[allow(clippy::too_many_arguments)]
    fn sequence_status<F: Fields + ?Sized>(
        &self,
        first: usize,
        step: &file::Step,
        nodes: &StepNodes,
        compiled: &Compiled,
        fields: &F,
        history: Option<&CustomerHistory>,
        now: Timestamp,
    ) -> SequenceStatus {
        let status = |day, reason: String| SequenceStatus {
            sequence: step.sequence.clone(),
            day,
            step: None,
            offer: None,
            reason,
        };
        let Value::Timestamp(anchor) = row::eval(&nodes.anchor, fields, now) else {
            return status(None, format!("not started: {} is null", step.anchor.text));
        };
        let day = crate::time::days_between(anchor, now);
        if day < 0 {
            return status(
                Some(day),
                format!("not started: {} is {} days ahead", step.anchor.text, -day),
            );
        }
        if let (Some(node), Some(entry)) = (&nodes.entry, &step.entry) {
            if row::eval(node, fields, now) != Value::Bool(true) {
                return status(
                    Some(day),
                    format!(
                        "not entered: {}",
                        row::explain(node, &entry.text, fields, now)
                    ),
                );
            }
        }
        let steps = first..first + step.steps;
        let day_of = |q: usize| {
            self.parsed.rules[q]
                .step
                .as_ref()
                .map_or(0, |s| i64::from(s.day))
        };
        let Some(q) = steps.clone().find(|&q| day_of(q) == day) else {
            let rule = &self.parsed.rules[first];
            if let Some(why) = step_exit(step, &rule.offer.target, nodes, fields, history, now) {
                if why.starts_with("left") {
                    return status(Some(day), why);
                }
            }
            let reason = match steps.clone().find(|&q| day_of(q) > day) {
                Some(next) => format!(
                    "day {day}: no step due (next: step {} on day {})",
                    next - first + 1,
                    day_of(next)
                ),
                None => format!(
                    "day {day}: every step is past (the last was on day {})",
                    day_of(first + step.steps - 1)
                ),
            };
            return status(Some(day), reason);
        };
        if let Some(why) = self.blocked(q, compiled, fields, history, now) {
            return status(Some(day), why);
        }
        SequenceStatus {
            step: Some(q - first + 1),
            offer: Some(self.offer(q, compiled, fields, now, Decimal::default())),
            ..status(Some(day), String::new())
        }
        .with_offer_reason()
    }

    /// Why rule `r` may not be offered now, if it may not.
    fn blocked<F: Fields + ?Sized>(
        &self,
        r: usize,
        compiled: &Compiled,
        fields: &F,
        history: Option<&CustomerHistory>,
        now: Timestamp,
    ) -> Option<String> {
        let rule = &self.parsed.rules[r];
        if rule.valid_from.is_some_and(|from| now < from) {
            return Some(format!("not valid before {}", rule.valid_from?));
        }
        if rule.valid_until.is_some_and(|until| now > until) {
            return Some(format!("not valid after {}", rule.valid_until?));
        }
        if let (Some(step), Some(nodes)) = (&rule.step, &compiled.steps[r]) {
            if let Some(why) = step_exit(step, &rule.offer.target, nodes, fields, history, now) {
                return Some(why);
            }
        }
        if let Some(node) = &compiled.suppress_when[r] {
            if row::eval(node, fields, now) == Value::Bool(true) {
                let text = rule.suppress_when.as_ref().map_or("", |s| s.text.as_str());
                return Some(format!(
                    "suppressed: {}",
                    row::explain(node, text, fields, now)
                ));
            }
        }
        let history = history?;
        let target = rule.offer.target.as_str();
        let days_ago = |t: Timestamp| crate::time::days_between(t, now);
        // A sequence times its steps itself: no cooldown applies to them.
        let cooldowns = rule.step.is_none();
        if let Some(at) = history
            .last(target, Outcome::Rejected)
            .filter(|_| cooldowns)
        {
            if days_ago(at) < i64::from(rule.rejected_cooldown_days) {
                return Some(format!(
                    "rejected {} days ago (cooldown {} days after a rejection)",
                    days_ago(at),
                    rule.rejected_cooldown_days
                ));
            }
        }
        for outcome in [Outcome::Shown, Outcome::Accepted] {
            if let Some(at) = history.last(target, outcome).filter(|_| cooldowns) {
                if days_ago(at) < i64::from(rule.cooldown_days) {
                    let what = if outcome == Outcome::Shown {
                        "shown"
                    } else {
                        "accepted"
                    };
                    return Some(format!(
                        "{what} {} days ago (cooldown {} days)",
                        days_ago(at),
                        rule.cooldown_days
                    ));
                }
            }
        }
        let day = now
            .checked_sub(jiff::SignedDuration::from_hours(24))
            .unwrap_or(now);
        let week = now
            .checked_sub(jiff::SignedDuration::from_hours(24 * 7))
            .unwrap_or(now);
        let settings = &self.parsed.settings;
        let caps = [
            (
                rule.max_per_day,
                day,
                Some(target),
                "this offer's daily cap",
            ),
            (
                rule.max_per_week,
                week,
                Some(target),
                "this offer's weekly cap",
            ),
            (
                settings.max_offers_per_day,
                day,
                None,
                "the daily cap of offers per customer",
            ),
            (
                settings.max_offers_per_week,
                week,
                None,
                "the weekly cap of offers per customer",
            ),
        ];
        for (cap, since, target, what) in caps {
            if let Some(cap) = cap {
                let shown = history.shown_since(since, target);
                if shown >= cap as usize {
                    return Some(format!("{what} reached ({shown} of {cap})"));
                }
            }
        }
        None
    }
}

/// Why a sequence step may not be offered although its day has come: the customer left the
/// sequence (its `exit_when`, or an acceptance or rejection of one of its offers since the
/// anchor), or was shown this step already.
fn step_exit<F: Fields + ?Sized>(
    step: &file::Step,
    target: &str,
    nodes: &StepNodes,
    fields: &F,
    history: Option<&CustomerHistory>,
    now: Timestamp,
) -> Option<String> {
    if let Some(node) = &nodes.exit_when {
        if row::eval(node, fields, now) == Value::Bool(true) {
            let text = step.exit_when.as_ref().map_or("", |s| s.text.as_str());
            return Some(format!(
                "left sequence '{}': {}",
                step.sequence,
                row::explain(node, text, fields, now)
            ));
        }
    }
    let Value::Timestamp(anchor) = row::eval(&nodes.anchor, fields, now) else {
        return None;
    };
    let events = history.map_or(&[][..], |h| h.events.as_slice());
    let exit = events.iter().find(|e| {
        matches!(e.outcome, Outcome::Accepted | Outcome::Rejected)
            && e.at >= anchor
            && e.at <= now
            && step.targets.contains(&e.target)
    });
    if let Some(e) = exit {
        let what = if e.outcome == Outcome::Accepted {
            "accepted"
        } else {
            "rejected"
        };
        return Some(format!(
            "left sequence '{}': {what} {} on day {} ({})",
            step.sequence,
            e.target,
            crate::time::days_between(anchor, e.at),
            e.at
        ));
    }
    let due = anchor
        .checked_add(jiff::SignedDuration::from_hours(24 * i64::from(step.day)))
        .unwrap_or(anchor);
    events
        .iter()
        .find(|e| e.outcome == Outcome::Shown && e.at >= due && e.at <= now && e.target == target)
        .map(|e| {
            format!(
                "step {} of sequence '{}' already shown on day {} ({})",
                step.index + 1,
                step.sequence,
                step.day,
                e.at
            )
        })
}

/// Whether customer `id` is in the control group of `rule` (stable across runs and machines:
/// FNV-1a of the id and the rule name).
fn in_control(id: &str, rule: &str, ppm: u32) -> bool {
    if ppm == 0 {
        return false;
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.bytes().chain([0]).chain(rule.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % 1_000_000) < u64::from(ppm)
}
