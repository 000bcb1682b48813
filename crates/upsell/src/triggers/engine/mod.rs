//! The engine: a loaded [`RuleSet`], bound to a schema, decides which offers a customer sees.
//!
//! One decision, in order: rules outside their validity dates are skipped; a global suppression
//! (open ticket, recent price increase, at-risk) silences every offer; a rule fires when its `when`
//! is true and its `suppress_when` is not; fatigue removes offers in cooldown (after shown or
//! accepted, longer after rejected) or over a cap (per rule and per customer, per day and week);
//! the rest are ranked by priority, then expected value, then file order, and the first
//! `max_offers_per_interaction` (default 1) are chosen; a chosen offer of a rule with a
//! `control_share` is withheld from that share of customers (a stable hash of customer id and rule
//! name), so the rule's effect can be measured.
//!
//! Conditions are evaluated for many customers at once by [`RuleSet::evaluate_batch`], column by
//! column in chunks on the crate's thread pool; the per-customer steps after that (history, ranking,
//! the reason trace) run only for the rows where some rule fired.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::batch::{Batch, ChunkEval, TRUE};
use super::check::{Checker, Node};
use super::file::{self, Format, OfferKind, OfferSpec, Parsed, Settings, Source};
use super::history::{CustomerHistory, Outcome};
use super::row::{self, Fields};
use super::schema::Schema;
use super::value::{Decimal, Value};
use crate::parallel::Runner;
use crate::time::Timestamp;
use crate::{Control, Diagnostic, Error, Location, Result};

mod columns;
mod context;
mod decide;

pub use columns::{BatchOffer, BatchOptions};
pub(crate) use context::PRECISION_HINT;
pub use context::{Context, evaluate_expression};

/// Rows evaluated together by the columnar evaluator.
pub const CHUNK_ROWS: usize = 2048;

/// How many schemas a rule set remembers its compiled programs for.
const CACHE_SIZE: usize = 8;

/// An offer chosen (or held out) for one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// The rule that made it.
    pub rule: String,
    /// What kind of offer.
    pub kind: OfferKind,
    /// What is offered.
    pub target: String,
    /// Where to show it, as the rule file says.
    pub channel: Option<String>,
    /// The caller's message key.
    pub message: Option<String>,
    /// The rule's priority (higher first).
    pub priority: i64,
    /// The rule's expected value for this customer (0 when not given).
    pub expected_value: Decimal,
    /// Why it fired: the condition with the values it saw.
    pub reason: String,
}

/// What the engine decided for one customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    /// The offers to show, best first.
    pub offers: Vec<Offer>,
    /// Offers chosen but withheld because the customer is in the rule's control group.
    pub held_out: Vec<Offer>,
    /// The global suppression that silenced every offer, with its reason.
    pub suppressed_by: Option<(String, String)>,
    /// Rules that fired but were not offered, with why (cooldown, cap, rule suppression, lower
    /// rank).
    pub skipped: Vec<(String, String)>,
}

/// How one rule came out for one customer, from [`RuleSet::explain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The rule (or `suppress:` entry) name.
    pub rule: String,
    /// Whether its condition is true.
    pub fired: bool,
    /// The condition with the values it saw.
    pub trace: String,
}

/// Where one customer stands in one cross-sell sequence, from [`RuleSet::sequences`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceStatus {
    /// The sequence's name.
    pub sequence: String,
    /// Whole days since the anchor (`None` when the anchor is null).
    pub day: Option<i64>,
    /// The step due now (1 for the first), if any.
    pub step: Option<usize>,
    /// Its offer (the rule is `<sequence>/day-<day>`).
    pub offer: Option<Offer>,
    /// Why: the due step's reason, or why no step is due (not started, not entered, left the
    /// sequence, between steps, past the last, already shown, over a cap).
    pub reason: String,
}

impl SequenceStatus {
    fn with_offer_reason(mut self) -> Self {
        if let Some(offer) = &self.offer {
            self.reason = offer.reason.clone();
        }
        self
    }
}

/// One rule of a loaded rule set, as written.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    /// The rule's name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its condition, as written.
    pub when: String,
    /// The offer.
    pub offer: OfferSpec,
    /// Its priority.
    pub priority: i64,
}

/// Checked programs of a rule set for one schema.
#[derive(Debug)]
struct Compiled {
    schema: Schema,
    when: Vec<Node>,
    suppress_when: Vec<Option<Node>>,
    expected_value: Vec<Option<Node>>,
    suppressions: Vec<Node>,
    /// For each rule that is a sequence step: its anchor, entry and exit programs.
    steps: Vec<Option<StepNodes>>,
}

#[derive(Debug)]
struct StepNodes {
    anchor: Node,
    entry: Option<Node>,
    exit_when: Option<Node>,
}

/// A loaded, checked rule set: the entry point of the trigger engine.
///
/// ```
/// use upsell::time::parse_timestamp;
/// use upsell::triggers::{Context, RuleSet};
/// let rules = RuleSet::from_yaml_str(r#"
/// schema: { plan: string, usage.feature_x_30d: int }
/// rules:
///   - name: starter-to-pro
///     when: plan == "starter" && usage.feature_x_30d > 20
///     offer: { kind: upgrade, target: pro }
/// "#)?;
/// let ctx = Context::new().set("plan", "starter").set("usage.feature_x_30d", 23);
/// let decision = rules.evaluate(&ctx, None, parse_timestamp("2026-11-23T10:00:00Z").unwrap())?;
/// assert_eq!(decision.offers[0].target, "pro");
/// assert_eq!(decision.offers[0].reason, "plan == \"starter\" (was 'starter') && usage.feature_x_30d > 20 (was 23)");
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug)]
pub struct RuleSet {
    parsed: Parsed,
    path: Option<PathBuf>,
    /// The text the rules came from, shared by clones: what another process needs to load them.
    source: Arc<str>,
    format: Format,
    /// The programs for the declared schema: the hot path of single-customer evaluation, with no
    /// lock and no schema comparison.
    declared: Option<Arc<Compiled>>,
    cache: Mutex<Vec<Arc<Compiled>>>,
}

impl Clone for RuleSet {
    fn clone(&self) -> Self {
        RuleSet {
            parsed: self.parsed.clone(),
            path: self.path.clone(),
            source: Arc::clone(&self.source),
            format: self.format,
            declared: self.declared.clone(),
            cache: Mutex::new(Vec::new()),
        }
    }
}

impl RuleSet {
    /// Loads a rule file; the format comes from the extension (`.yaml`, `.yml`, `.json`, `.toml`).
    ///
    /// ```
    /// let dir = std::env::temp_dir().join("upsell-doc-rules");
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("rules.yaml");
    /// std::fs::write(&path, "rules:\n  - {name: r, when: 'seats > 3', offer: {kind: upgrade, target: t}}\n").unwrap();
    /// assert_eq!(upsell::triggers::RuleSet::from_path(&path)?.rules()[0].name, "r");
    /// let err = upsell::triggers::RuleSet::from_path(dir.join("rules.txt")).unwrap_err();
    /// assert_eq!(err.kind(), upsell::ErrorKind::InvalidParameter);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let format = Format::from_path(path).ok_or_else(|| {
            Error::invalid_parameter(
                "rules",
                format!(
                    "{}: expected a .yaml, .yml, .json or .toml file",
                    path.display()
                ),
            )
        })?;
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::load(&text, format, Some(path))
    }

    /// Loads rules from YAML text.
    pub fn from_yaml_str(text: &str) -> Result<Self> {
        Self::load(text, Format::Yaml, None)
    }

    /// Loads rules from JSON text.
    ///
    /// ```
    /// let json = r#"{"rules": [{"name": "r", "when": "seats > 3", "offer": {"kind": "bundle", "target": "b"}}]}"#;
    /// assert_eq!(upsell::triggers::RuleSet::from_json_str(json)?.rules().len(), 1);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_json_str(text: &str) -> Result<Self> {
        Self::load(text, Format::Json, None)
    }

    /// Loads rules from TOML text.
    ///
    /// ```
    /// let toml = "[[rules]]\nname = 'r'\nwhen = 'seats > 3'\noffer = { kind = 'upgrade', target = 't' }\n";
    /// assert_eq!(upsell::triggers::RuleSet::from_toml_str(toml)?.rules()[0].offer.target, "t");
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Self> {
        Self::load(text, Format::Toml, None)
    }

    /// Loads rules from text in `format`; `path` only names the source in errors.
    ///
    /// Every problem is reported at once: syntax errors, unknown keys, unknown fields and type
    /// mismatches (when the file declares a `schema:`), unknown offer targets (when it declares
    /// `targets:`), cycles among definitions, caps of zero.
    ///
    /// ```
    /// use std::path::Path;
    /// use upsell::triggers::{Format, RuleSet};
    /// let text = "schema: {seats: int}\nrules:\n  - {name: a, when: 'seats >', offer: {kind: upgrade, target: t}}\n  - {name: b, when: 'seats > \"x\"', offer: {kind: upgrade, target: t}}\n";
    /// let err = RuleSet::load(text, Format::Yaml, Some(Path::new("r.yaml"))).unwrap_err();
    /// let upsell::Error::Parse { diagnostics } = err else { panic!() };
    /// assert_eq!(diagnostics.len(), 2);
    /// assert_eq!(diagnostics[0].subject.as_deref(), Some("rule 'a'"));
    /// ```
    pub fn load(text: &str, format: Format, path: Option<&Path>) -> Result<Self> {
        let (parsed, mut diagnostics) = file::parse(text, format, path)?;
        let mut rules = RuleSet {
            parsed,
            path: path.map(Path::to_path_buf),
            source: Arc::from(text),
            format,
            declared: None,
            cache: Mutex::new(Vec::new()),
        };
        if let Some(schema) = rules.parsed.schema.clone() {
            match rules.compiled(&schema) {
                Ok(compiled) => rules.declared = Some(compiled),
                Err(Error::Parse { diagnostics: typed }) => diagnostics.extend(typed),
                Err(other) => return Err(other),
            }
        }
        if diagnostics.is_empty() {
            return Ok(rules);
        }
        // In file order, whatever stage found them.
        diagnostics.sort_by_key(|d| (d.location.line.unwrap_or(0), d.location.column.unwrap_or(0)));
        Err(Error::Parse { diagnostics })
    }

    /// The text the rules were loaded from and its format: all another process (a worker, a Spark
    /// executor) needs to load the same rules with [`RuleSet::load`], and far smaller than the
    /// compiled programs.
    ///
    /// ```
    /// use upsell::triggers::{Format, RuleSet};
    /// let rules = RuleSet::from_json_str(r#"{"rules": [{"name": "r", "when": "seats > 3", "offer": {"kind": "bundle", "target": "b"}}]}"#)?;
    /// let (text, format) = rules.source();
    /// assert_eq!(format, Format::Json);
    /// assert_eq!(RuleSet::load(text, format, None)?.rules()[0].name, "r");
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn source(&self) -> (&str, Format) {
        (&self.source, self.format)
    }

    /// The schema declared in the file, if any.
    pub fn declared_schema(&self) -> Option<&Schema> {
        self.parsed.schema.as_ref()
    }

    /// The fatigue settings.
    pub fn settings(&self) -> &Settings {
        &self.parsed.settings
    }

    /// The rules, in file order.
    pub fn rules(&self) -> Vec<RuleInfo> {
        self.parsed
            .rules
            .iter()
            .map(|r| RuleInfo {
                name: r.name.clone(),
                description: r.description.clone(),
                when: r.when.text.clone(),
                offer: r.offer.clone(),
                priority: r.priority,
            })
            .collect()
    }

    /// Type-checks every rule against `schema` (the data's), listing every problem.
    ///
    /// ```
    /// use upsell::triggers::{RuleSet, Schema, Type};
    /// let rules = RuleSet::from_yaml_str("rules:\n  - name: r\n    when: seats > 10\n    offer: {kind: upgrade, target: team}\n")?;
    /// assert!(rules.check(&Schema::new([("seats", Type::Int)])?).is_ok());
    /// let err = rules.check(&Schema::new([("seats", Type::String)])?).unwrap_err();
    /// assert!(err.to_string().contains("found string and int"), "{err}");
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn check(&self, schema: &Schema) -> Result<()> {
        self.compiled(schema).map(|_| ())
    }

    fn compiled(&self, schema: &Schema) -> Result<Arc<Compiled>> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = cache.iter().find(|c| c.schema == *schema) {
            return Ok(Arc::clone(found));
        }
        let compiled = Arc::new(self.compile(schema)?);
        if cache.len() >= CACHE_SIZE {
            cache.remove(0);
        }
        cache.push(Arc::clone(&compiled));
        Ok(compiled)
    }

    fn compile(&self, schema: &Schema) -> Result<Compiled> {
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        let mut checker = Checker::new(schema, &self.parsed.definitions);
        let mut check = |source: &Source,
                         subject: &str,
                         number: bool,
                         out: &mut Vec<Diagnostic>|
         -> Option<Node> {
            checker.begin();
            let result = if number {
                checker.check_number(&source.expr)
            } else {
                checker.check_condition(&source.expr)
            };
            result
                .map_err(|e| out.push(source.diagnostic(subject, &e)))
                .ok()
        };
        let mut compiled = Compiled {
            schema: schema.clone(),
            when: Vec::new(),
            suppress_when: Vec::new(),
            expected_value: Vec::new(),
            suppressions: Vec::new(),
            steps: Vec::new(),
        };
        for suppression in &self.parsed.suppressions {
            let subject = format!("suppression '{}'", suppression.name);
            if let Some(node) = check(&suppression.when, &subject, false, &mut diagnostics) {
                compiled.suppressions.push(node);
            }
        }
        for rule in &self.parsed.rules {
            let subject = format!("rule '{}'", rule.name);
            let step = match &rule.step {
                None => None,
                Some(step) => {
                    let subject = format!("sequence '{}'", step.sequence);
                    let before = diagnostics.len();
                    let anchor = match Checker::new(schema, &self.parsed.definitions)
                        .check(&step.anchor.expr)
                    {
                        Ok(node) if node.ty == super::Type::Timestamp => Some(node),
                        Ok(node) => {
                            let error = super::syntax::ExprError {
                                span: step.anchor.expr.span,
                                message: format!(
                                    "the anchor must be a timestamp (when the sequence starts), found {}",
                                    node.ty
                                ),
                            };
                            diagnostics.push(step.anchor.diagnostic(&subject, &error));
                            None
                        }
                        Err(error) => {
                            diagnostics.push(step.anchor.diagnostic(&subject, &error));
                            None
                        }
                    };
                    let entry = step
                        .entry
                        .as_ref()
                        .map(|s| check(s, &subject, false, &mut diagnostics));
                    let exit_when = step
                        .exit_when
                        .as_ref()
                        .map(|s| check(s, &subject, false, &mut diagnostics));
                    if diagnostics.len() > before {
                        // Each problem is reported once, with the sequence's first step.
                        if step.index > 0 {
                            diagnostics.truncate(before);
                        }
                        continue;
                    }
                    anchor.map(|anchor| StepNodes {
                        anchor,
                        entry: entry.flatten(),
                        exit_when: exit_when.flatten(),
                    })
                }
            };
            let when = check(&rule.when, &subject, false, &mut diagnostics);
            let suppress = rule
                .suppress_when
                .as_ref()
                .map(|s| check(s, &subject, false, &mut diagnostics));
            let expected = rule
                .expected_value
                .as_ref()
                .map(|s| check(s, &subject, true, &mut diagnostics));
            if let Some(when) = when {
                compiled.when.push(when);
                compiled.suppress_when.push(suppress.flatten());
                compiled.expected_value.push(expected.flatten());
                compiled.steps.push(step);
            }
        }
        if diagnostics.is_empty() {
            Ok(compiled)
        } else {
            Err(Error::Parse { diagnostics })
        }
    }

    /// The file the rules came from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}
