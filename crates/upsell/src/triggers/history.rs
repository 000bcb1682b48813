//! Offer history: what each customer was shown, accepted or rejected, and when.
//!
//! The engine only reads it (to enforce cooldowns and caps); the caller records outcomes with
//! [`History::record`] and owns persistence: the history is plain serde data (JSON in the CLI's
//! `--history` file). Offers are identified by their target (`pro`, `annual`), so two rules that
//! offer the same thing share one cooldown.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Context;
use crate::time::Timestamp;

/// What happened to an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The offer was shown.
    Shown,
    /// The customer took it.
    Accepted,
    /// The customer declined it (starts the longer cooldown).
    Rejected,
}

impl std::str::FromStr for Outcome {
    type Err = crate::Error;

    /// ```
    /// use upsell::triggers::Outcome;
    /// assert_eq!("rejected".parse::<Outcome>()?, Outcome::Rejected);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    fn from_str(text: &str) -> crate::Result<Self> {
        match text {
            "shown" => Ok(Outcome::Shown),
            "accepted" => Ok(Outcome::Accepted),
            "rejected" => Ok(Outcome::Rejected),
            other => Err(crate::Error::invalid_parameter(
                "outcome",
                format!("'{other}' is not an outcome: expected shown, accepted or rejected"),
            )),
        }
    }
}

/// One recorded outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The offer's target.
    pub target: String,
    /// What happened.
    pub outcome: Outcome,
    /// When (UTC).
    pub at: Timestamp,
}

/// One customer's events, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerHistory {
    /// The events in time order.
    pub events: Vec<Event>,
}

impl CustomerHistory {
    /// The last time `target` had `outcome`.
    pub fn last(&self, target: &str, outcome: Outcome) -> Option<Timestamp> {
        self.events
            .iter()
            .filter(|e| e.outcome == outcome && e.target == target)
            .map(|e| e.at)
            .max()
    }

    /// Offers shown since `since` (all targets, or one).
    pub fn shown_since(&self, since: Timestamp, target: Option<&str>) -> usize {
        self.events
            .iter()
            .filter(|e| {
                e.outcome == Outcome::Shown && e.at > since && target.is_none_or(|t| e.target == t)
            })
            .count()
    }
}

/// Every customer's history, keyed by customer id.
///
/// ```
/// use upsell::time::parse_timestamp;
/// use upsell::triggers::{History, Outcome};
/// let mut history = History::default();
/// let at = parse_timestamp("2026-11-01T10:00:00Z").unwrap();
/// history.record("c42", "pro", Outcome::Rejected, at);
/// let json = serde_json::to_string(&history).unwrap();
/// let back: History = serde_json::from_str(&json).unwrap();
/// assert_eq!(back.customer("c42").unwrap().last("pro", Outcome::Rejected), Some(at));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Customer id to events.
    pub customers: BTreeMap<String, CustomerHistory>,
}

impl History {
    /// Records one outcome, keeping each customer's events in time order.
    pub fn record(&mut self, customer: &str, target: &str, outcome: Outcome, at: Timestamp) {
        let events = &mut self
            .customers
            .entry(customer.to_owned())
            .or_default()
            .events;
        let position = events.partition_point(|e| e.at <= at);
        events.insert(
            position,
            Event {
                target: target.to_owned(),
                outcome,
                at,
            },
        );
    }

    /// One customer's history.
    pub fn customer(&self, id: &str) -> Option<&CustomerHistory> {
        self.customers.get(id)
    }

    /// The history of the customer a context names by its `id`, as every surface looks it up for
    /// one decision; `None` when the context names none or the customer has no history.
    ///
    /// ```
    /// use upsell::triggers::{Context, History, Outcome};
    /// let mut history = History::default();
    /// let at = upsell::time::parse_timestamp_parameter("at", "2026-01-01")?;
    /// history.record("c1", "pro", Outcome::Shown, at);
    /// assert!(history.of(&Context::from_json(r#"{"id": "c1"}"#)?).is_some());
    /// assert!(history.of(&Context::from_json(r#"{"seats": 3}"#)?).is_none());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn of(&self, context: &Context) -> Option<&CustomerHistory> {
        self.customer(context.id()?)
    }

    /// Reads a history from JSON, with an error naming the file.
    ///
    /// ```
    /// let history = upsell::triggers::History::from_json_str("{\"customers\": {}}", "history.json")?;
    /// assert!(history.customers.is_empty());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_json_str(text: &str, path: &str) -> crate::Result<Self> {
        serde_json::from_str(text).map_err(|e| {
            crate::Error::invalid_input(
                crate::Location::file(path).line(e.line() as u64).column(e.column() as u64),
                format!("not an offer history: {e} (expected {{\"customers\": {{\"id\": {{\"events\": [...]}}}}}})"),
            )
        })
    }

    /// [`History::from_json_str`] on the file at `path`.
    ///
    /// ```
    /// let path = std::env::temp_dir().join("upsell-doc-history.json");
    /// std::fs::write(&path, "{\"customers\": {}}")?;
    /// assert!(upsell::triggers::History::read_json(&path)?.customers.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_json(path: &std::path::Path) -> crate::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| crate::Error::io(path, e))?;
        Self::from_json_str(&text, &path.display().to_string())
    }
}
