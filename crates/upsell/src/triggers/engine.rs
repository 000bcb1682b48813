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

/// One customer's values, by field name (dotted paths for nested data).
///
/// ```
/// use upsell::triggers::{Context, Value};
/// let ctx = Context::from_json(r#"{"id": "c1", "plan": "starter", "usage": {"feature_x_30d": 23}}"#)?;
/// assert_eq!(ctx.get("usage.feature_x_30d"), Some(&Value::Int(23)));
/// assert_eq!(ctx.id(), Some("c1"));
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    id: Option<String>,
    values: Vec<(String, Value)>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Context::default()
    }

    /// The same context with a customer id (used for control groups and history).
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets a field (replacing an earlier value).
    #[must_use]
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.insert(name.into(), value.into());
        self
    }

    /// Sets a field in place.
    pub fn insert(&mut self, name: String, value: Value) {
        match self.values.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.values.push((name, value)),
        }
    }

    /// The customer id, if set.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// A field's value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// A context from a JSON object: nested objects become dotted names, arrays of strings become
    /// lists, numbers with a fraction become decimals; strings stay strings, and become timestamps
    /// where the schema (declared, or inferred by [`Context::schema`]) says so. An `"id"` string or number is the customer id (and a field too).
    pub fn from_json(text: &str) -> Result<Self> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            Error::invalid_input(
                Location::memory()
                    .line(e.line() as u64)
                    .column(e.column() as u64),
                format!("context is not valid JSON: {e}"),
            )
        })?;
        let Some(object) = value.as_object() else {
            return Err(Error::invalid_input(
                Location::memory(),
                "context: expected a JSON object of field values",
            ));
        };
        let mut context = Context::new();
        if let Some(id) = object.get("id") {
            context.id = match id {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
        }
        flatten("", object, &mut context)?;
        Ok(context)
    }

    /// The schema these values imply: their own types, except that a string that reads as a
    /// time (`2026-11-16T09:00:00Z`, `2026-11-16`) is a timestamp. Null values imply nothing.
    ///
    /// ```
    /// use upsell::triggers::{Context, Type};
    /// let ctx = Context::from_json(r#"{"plan": "pro", "renewal_at": "2026-12-10T00:00:00Z"}"#)?;
    /// assert_eq!(ctx.schema().get("renewal_at"), Some(Type::Timestamp));
    /// assert_eq!(ctx.schema().get("plan"), Some(Type::String));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn schema(&self) -> Schema {
        let mut schema = Schema::default();
        for (name, value) in &self.values {
            let ty = match value {
                Value::Str(s) if looks_like_time(s) => Some(super::Type::Timestamp),
                other => other.type_of(),
            };
            if let Some(ty) = ty {
                schema.push(name.clone(), ty);
            }
        }
        schema
    }

    /// The values in `schema` order, converted to the schema's types (an int given for a decimal
    /// field is exact; a string for a timestamp is parsed); a value that cannot be converted is an
    /// error naming the field.
    fn record(&self, schema: &Schema) -> Result<Vec<Value>> {
        let mut record = vec![Value::Null; schema.len()];
        for (name, value) in &self.values {
            let Some(index) = schema.index_of(name) else {
                continue;
            };
            let ty = schema.field_type(index);
            record[index] = convert(value, ty).ok_or_else(|| {
                Error::invalid_input(
                    Location::memory().column_name(name),
                    format!(
                        "expected {ty}, found {} {value}{}",
                        value.type_of().map_or("null", |t| t.name()),
                        precision_hint(value, ty)
                    ),
                )
            })?;
        }
        Ok(record)
    }
}

/// The value of one expression over one customer's values at time `now`: the language on its own,
/// without a rule file (the schema is the context's, [`Context::schema`]). A syntax or type error
/// is [`Error::Parse`] with the column in the expression.
///
/// ```
/// use upsell::time::parse_timestamp;
/// use upsell::triggers::{Context, Decimal, Value, evaluate_expression};
/// let now = parse_timestamp("2026-11-23").unwrap();
/// let ctx = Context::new().set("seats", 12).set("price", "49.90".parse::<Decimal>()?);
/// assert_eq!(evaluate_expression("seats * price", &ctx, now)?, Value::Decimal("598.80".parse()?));
/// assert_eq!(evaluate_expression("seats / 0", &ctx, now)?, Value::Null);
/// let err = evaluate_expression("seats >", &ctx, now).unwrap_err();
/// assert_eq!(err.kind(), upsell::ErrorKind::Parse);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate_expression(expression: &str, context: &Context, now: Timestamp) -> Result<Value> {
    let schema = context.schema();
    let located = |e: super::syntax::ExprError| {
        let column = expression[..e.span.start.min(expression.len())]
            .chars()
            .count() as u64
            + 1;
        Error::parse(Location::memory().line(1).column(column), e.message)
    };
    let expr = super::syntax::parse(expression).map_err(located)?;
    let definitions = std::collections::HashMap::new();
    let node = Checker::new(&schema, &definitions)
        .check(&expr)
        .map_err(located)?;
    let record = context.record(&schema)?;
    Ok(row::eval(&node, record.as_slice(), now))
}

/// A date (`2026-11-16`) or a date and time that [`crate::time::parse_timestamp`] reads.
fn looks_like_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && crate::time::parse_timestamp(text).is_some()
}

fn convert(value: &Value, ty: super::Type) -> Option<Value> {
    use super::Type;
    Some(match (value, ty) {
        (Value::Null, _) => Value::Null,
        (v, t) if v.type_of() == Some(t) => v.clone(),
        (Value::Int(i), Type::Decimal) => {
            Value::Decimal(Decimal::from_units(i.checked_mul(Decimal::SCALE)?))
        }
        (Value::Int(i), Type::Float) => Value::Float(*i as f64),
        (Value::Decimal(d), Type::Float) => Value::Float(d.to_f64()),
        (Value::Decimal(d), Type::Int) if d.units() % Decimal::SCALE == 0 => {
            Value::Int(d.units() / Decimal::SCALE)
        }
        // A float read for a money field (pandas has no decimal dtype): six places at most, or
        // refused like a CSV cell or a `decimal.Decimal` with more places, never rounded.
        (Value::Float(x), Type::Decimal) => Value::Decimal(Decimal::from_f64_money(*x)?),
        (Value::Str(s), Type::Timestamp) => Value::Timestamp(crate::time::parse_timestamp(s)?),
        (Value::Str(s), Type::Decimal) => Value::Decimal(s.parse().ok()?),
        (Value::Timestamp(t), Type::String) => Value::from(t.to_string().as_str()),
        (Value::Int(i), Type::Duration) => Value::Duration(*i),
        _ => return None,
    })
}

/// Why a number was refused for a decimal field, said the same way by every reader.
pub(crate) const PRECISION_HINT: &str = " (more than six decimal places: money is never rounded)";

/// [`PRECISION_HINT`] when it is why `value` was refused for a field of type `ty`.
fn precision_hint(value: &Value, ty: super::Type) -> &'static str {
    match (value, ty) {
        (Value::Float(x), super::Type::Decimal) if x.is_finite() => PRECISION_HINT,
        _ => "",
    }
}

fn flatten(
    prefix: &str,
    object: &serde_json::Map<String, serde_json::Value>,
    out: &mut Context,
) -> Result<()> {
    for (key, value) in object {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let converted = match value {
            serde_json::Value::Object(inner) => {
                flatten(&name, inner, out)?;
                continue;
            }
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::number(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::from(s.as_str()),
            serde_json::Value::Array(items) => {
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        serde_json::Value::String(s) => list.push(Arc::from(s.as_str())),
                        other => {
                            return Err(Error::invalid_input(
                                Location::memory().column_name(&name),
                                format!("lists hold strings, found {other}"),
                            ));
                        }
                    }
                }
                Value::List(list.into())
            }
        };
        out.insert(name, converted);
    }
    Ok(())
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
    fn decide<F: Fields + ?Sized>(
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

    /// Decides the offers for every row of `batch`: one [`BatchOffer`] per (customer, offer),
    /// customers in row order. The customer id is the text of column `options.id_column` (the
    /// first column by default).
    ///
    /// ```
    /// use upsell::time::parse_timestamp;
    /// use upsell::triggers::{Batch, BatchOptions, Column, RuleSet};
    /// let rules = RuleSet::from_yaml_str(
    ///     "rules:\n  - name: team\n    when: seats > 10\n    offer: {kind: upgrade, target: team}\n")?;
    /// let batch = Batch::new(vec![
    ///     ("customer".into(), Column::strings([Some("a"), Some("b")])),
    ///     ("seats".into(), Column::ints(vec![3, 12], None)),
    /// ])?;
    /// let options = BatchOptions::new(parse_timestamp("2026-11-23").unwrap());
    /// let offers = rules.evaluate_batch(&batch, &options, &upsell::Control::new())?;
    /// assert_eq!(offers.len(), 1);
    /// assert_eq!((offers[0].customer.as_str(), offers[0].offer.target.as_str()), ("b", "team"));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn evaluate_batch(
        &self,
        batch: &Batch,
        options: &BatchOptions<'_>,
        control: &Control,
    ) -> Result<Vec<BatchOffer>> {
        let batch = self.conform(batch)?;
        let batch = batch.as_ref();
        let compiled = self.compiled(batch.schema())?;
        let id_column = match &options.id_column {
            Some(name) => batch.schema().index_of(name).ok_or_else(|| {
                Error::invalid_parameter(
                    "id_column",
                    format!("no column named '{name}' in the data"),
                )
            })?,
            None => 0,
        };
        let parts = over_chunks(batch.len(), options.threads, control, |start, end| {
            self.evaluate_chunk(&compiled, batch, id_column, options, start, end)
        })?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// How many rows of `batch` each rule's `when` holds for, in rule order: the audience of each
    /// rule before suppressions, fatigue, caps and control groups. Column by column only, no
    /// per-customer decision, so it sizes rules over millions of customers in the time of one pass.
    ///
    /// ```
    /// use upsell::time::parse_timestamp;
    /// use upsell::triggers::{Batch, BatchOptions, Column, RuleSet};
    /// let rules = RuleSet::from_yaml_str(r#"
    /// rules:
    ///   - { name: team, when: seats > 10, offer: { kind: upgrade, target: team } }
    ///   - { name: small, when: seats <= 3, offer: { kind: upgrade, target: pro } }
    /// "#)?;
    /// let batch = Batch::new(vec![
    ///     ("customer".into(), Column::strings([Some("a"), Some("b"), Some("c")])),
    ///     ("seats".into(), Column::ints(vec![3, 12, 30], None)),
    /// ])?;
    /// let options = BatchOptions::new(parse_timestamp("2026-11-23").unwrap());
    /// assert_eq!(rules.match_counts(&batch, &options, &upsell::Control::new())?, vec![2, 1]);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn match_counts(
        &self,
        batch: &Batch,
        options: &BatchOptions<'_>,
        control: &Control,
    ) -> Result<Vec<u64>> {
        let batch = self.conform(batch)?;
        let batch = batch.as_ref();
        let compiled = self.compiled(batch.schema())?;
        let parts = over_chunks(batch.len(), options.threads, control, |start, end| {
            let eval = ChunkEval {
                batch,
                now: options.now,
                start,
                end,
            };
            compiled
                .when
                .iter()
                .map(|node| eval.condition(node).iter().filter(|&&v| v == TRUE).count() as u64)
                .collect::<Vec<u64>>()
        })?;
        let mut total = vec![0u64; compiled.when.len()];
        for part in parts {
            for (sum, count) in total.iter_mut().zip(part) {
                *sum += count;
            }
        }
        Ok(total)
    }

    /// Columnar verdicts for every rule of `compiled` over rows `start..end`, then per-row decisions
    /// where something fired.
    fn evaluate_chunk(
        &self,
        compiled: &Compiled,
        batch: &Batch,
        id_column: usize,
        options: &BatchOptions<'_>,
        start: usize,
        end: usize,
    ) -> Vec<BatchOffer> {
        let eval = ChunkEval {
            batch,
            now: options.now,
            start,
            end,
        };
        let rows = end - start;
        let mut suppressed: Vec<Option<usize>> = vec![None; rows];
        for (k, node) in compiled.suppressions.iter().enumerate() {
            for (slot, verdict) in suppressed.iter_mut().zip(eval.condition(node)) {
                if slot.is_none() && verdict == TRUE {
                    *slot = Some(k);
                }
            }
        }
        let mut fired: Vec<Vec<usize>> = vec![Vec::new(); rows];
        for (r, node) in compiled.when.iter().enumerate() {
            for (i, verdict) in eval.condition(node).into_iter().enumerate() {
                if verdict == TRUE {
                    fired[i].push(r);
                }
            }
        }
        let mut out = Vec::new();
        let id_col = batch.column(id_column);
        for i in 0..rows {
            if fired[i].is_empty() {
                continue;
            }
            let row = start + i;
            let customer = id_col.map(|c| c.text(row)).unwrap_or_default();
            let history = options.history.and_then(|h| h.customer(&customer));
            let fields = batch.row(row);
            let decision = self.decide(
                compiled,
                &fields,
                Some(&customer),
                history,
                options.now,
                Some((&fired[i], suppressed[i])),
            );
            let rows_out = decision
                .offers
                .into_iter()
                .map(|o| (o, false))
                .chain(decision.held_out.into_iter().map(|o| (o, true)));
            for (offer, held_out) in rows_out {
                out.push(BatchOffer {
                    row,
                    customer: customer.clone(),
                    offer,
                    held_out,
                });
            }
        }
        out
    }

    /// The batch with its columns converted to the declared schema's types where they differ
    /// (an int column read for a decimal field); borrowed when nothing needs converting.
    fn conform<'b>(&self, batch: &'b Batch) -> Result<std::borrow::Cow<'b, Batch>> {
        let Some(declared) = &self.parsed.schema else {
            return Ok(std::borrow::Cow::Borrowed(batch));
        };
        missing_columns(
            declared,
            |name| batch.schema().get(name).is_some(),
            Location::memory(),
        )?;
        let mismatched = declared
            .fields()
            .any(|(name, ty)| batch.schema().get(name).is_some_and(|t| t != ty));
        if !mismatched {
            return Ok(std::borrow::Cow::Borrowed(batch));
        }
        let mut columns = Vec::new();
        for (index, (name, ty)) in batch.schema().fields().enumerate() {
            let column = batch
                .shared_column(index)
                .ok_or_else(|| Error::invalid_input(Location::memory(), "column missing"))?;
            let target = declared.get(name).unwrap_or(ty);
            if target == ty {
                columns.push((name.to_owned(), std::sync::Arc::clone(column)));
                continue;
            }
            if let Some(widened) = column.widened(target) {
                columns.push((name.to_owned(), std::sync::Arc::new(widened)));
                continue;
            }
            let mut values = Vec::with_capacity(batch.len());
            for row in 0..batch.len() {
                let value = column.value(row);
                values.push(convert(&value, target).ok_or_else(|| {
                    Error::invalid_input(
                        Location::memory().line(row as u64 + 1).column_name(name),
                        format!(
                            "expected {target} as the rule file's schema declares, found {ty} {value}{}",
                            precision_hint(&value, target)
                        ),
                    )
                })?);
            }
            columns.push((
                name.to_owned(),
                std::sync::Arc::new(super::batch::Column::from_values(target, &values)?),
            ));
        }
        Batch::from_shared(columns).map(std::borrow::Cow::Owned)
    }

    /// The file the rules came from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

/// An error naming the fields of `declared` that are not `present` in the data: a column the rule file's
/// schema declares is part of the data's contract, so its absence is a mistake (a renamed or
/// dropped column), not a column of nulls that silently fires no rule.
pub(crate) fn missing_columns(
    declared: &Schema,
    present: impl Fn(&str) -> bool,
    at: Location,
) -> Result<()> {
    let missing: Vec<&str> = declared.names().filter(|name| !present(name)).collect();
    let Some(first) = missing.first() else {
        return Ok(());
    };
    let names = missing.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>();
    Err(Error::invalid_input(
        at.column_name(*first),
        format!(
            "the rule file's schema declares {} but the data has no such column",
            names.join(", ")
        ),
    ))
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

/// Runs `work(start, end)` over the rows `0..rows` in chunks of [`CHUNK_ROWS`] on `threads`
/// workers, in chunk order, reporting progress to `control` and stopping when it is cancelled.
fn over_chunks<T: Send>(
    rows: usize,
    threads: Option<usize>,
    control: &Control,
    work: impl Fn(usize, usize) -> T + Sync,
) -> Result<Vec<T>> {
    control.start(rows as u64);
    Runner::new(threads)
        .map(
            rows.div_ceil(CHUNK_ROWS),
            || (),
            |_, k| {
                if control.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                let start = k * CHUNK_ROWS;
                let end = (start + CHUNK_ROWS).min(rows);
                let part = work(start, end);
                control.advance((end - start) as u64);
                Ok(part)
            },
        )
        .into_iter()
        .collect()
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

/// Options of [`RuleSet::evaluate_batch`].
#[derive(Debug, Clone)]
pub struct BatchOptions<'a> {
    /// The evaluation time.
    pub now: Timestamp,
    /// The offer history, for fatigue.
    pub history: Option<&'a super::History>,
    /// The customer id column (the first column when `None`).
    pub id_column: Option<String>,
    /// Threads (the crate default when `None`).
    pub threads: Option<usize>,
}

impl BatchOptions<'_> {
    /// Options at `now`, without history.
    pub fn new(now: Timestamp) -> Self {
        BatchOptions {
            now,
            history: None,
            id_column: None,
            threads: None,
        }
    }
}

/// One (customer, offer) of a batch evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOffer {
    /// The row in the batch (0-based).
    pub row: usize,
    /// The customer id.
    pub customer: String,
    /// The offer.
    pub offer: Offer,
    /// Whether the offer is withheld (control group).
    pub held_out: bool,
}
