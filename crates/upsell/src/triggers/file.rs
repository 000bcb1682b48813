//! Rule files in YAML, JSON or TOML, read with serde into one shape and checked rule by rule, so
//! that a load reports every problem of every rule at once ([`Error::Parse`] with one
//! [`Diagnostic`] each).
//!
//! The document is first read into a generic tree (`serde_json::Value`, whatever the format), then
//! each rule is deserialised on its own: a typo in one rule (`whn:`) does not hide the type error
//! in the next. serde's generic tree has no positions, so positions are recovered from the text:
//! each rule's name is searched after the previous rule's, and each expression after its rule's
//! name; an error inside an expression then points at the file's line and the column of the
//! offending token (`rules.yaml:12:31`). YAML is read with `serde_norway`, the maintained fork of
//! the deprecated serde_yaml.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::schema::Schema;
use super::syntax::{self, Expr, ExprError, ExprKind};
use super::value::{Decimal, Type};
use crate::time::Timestamp;
use crate::{Diagnostic, Error, Location, Result};

/// The format of a rule file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// YAML (`.yaml`, `.yml`).
    Yaml,
    /// JSON (`.json`).
    Json,
    /// TOML (`.toml`).
    Toml,
}

impl Format {
    /// The format of a file, from its extension.
    ///
    /// ```
    /// use upsell::triggers::Format;
    /// assert_eq!(Format::from_path("rules.yml".as_ref()), Some(Format::Yaml));
    /// ```
    pub fn from_path(path: &Path) -> Option<Format> {
        path.extension()?
            .to_str()?
            .to_ascii_lowercase()
            .parse()
            .ok()
    }

    /// The format's name, as [`Format::from_str`](std::str::FromStr) reads it.
    ///
    /// ```
    /// use upsell::triggers::Format;
    /// assert_eq!(Format::Toml.name(), "toml");
    /// assert_eq!(Format::Toml.name().parse::<Format>().unwrap(), Format::Toml);
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Toml => "toml",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = Error;

    /// A format by name: `yaml` (or `yml`), `json` or `toml`; any other is an invalid `format`.
    ///
    /// ```
    /// use upsell::triggers::Format;
    /// assert_eq!("yml".parse::<Format>().unwrap(), Format::Yaml);
    /// assert!("xml".parse::<Format>().unwrap_err().to_string().contains("format"));
    /// ```
    fn from_str(name: &str) -> Result<Format> {
        match name {
            "yaml" | "yml" => Ok(Format::Yaml),
            "json" => Ok(Format::Json),
            "toml" => Ok(Format::Toml),
            other => Err(Error::invalid_parameter(
                "format",
                format!("'{other}': expected yaml, json or toml"),
            )),
        }
    }
}

/// What an offer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferKind {
    /// A higher plan or tier.
    Upgrade,
    /// A complementary product.
    CrossSell,
    /// A bundle of products at a bundle price.
    Bundle,
    /// Items that bring a cart over a threshold (free shipping).
    ThresholdFill,
}

impl OfferKind {
    /// The name used in rule files and output.
    ///
    /// ```
    /// assert_eq!(upsell::triggers::OfferKind::CrossSell.as_str(), "cross_sell");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            OfferKind::Upgrade => "upgrade",
            OfferKind::CrossSell => "cross_sell",
            OfferKind::Bundle => "bundle",
            OfferKind::ThresholdFill => "threshold_fill",
        }
    }
}

impl std::str::FromStr for OfferKind {
    type Err = Error;

    /// ```
    /// use upsell::triggers::OfferKind;
    /// assert_eq!("cross-sell".parse::<OfferKind>()?, OfferKind::CrossSell);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().replace('-', "_").as_str() {
            "upgrade" => Ok(OfferKind::Upgrade),
            "cross_sell" => Ok(OfferKind::CrossSell),
            "bundle" => Ok(OfferKind::Bundle),
            "threshold_fill" => Ok(OfferKind::ThresholdFill),
            _ => Err(Error::invalid_parameter(
                "offer_kind",
                format!("'{s}' is not one of upgrade, cross_sell, bundle, threshold_fill"),
            )),
        }
    }
}

/// The offer a rule makes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferSpec {
    /// What kind of offer.
    pub kind: OfferKind,
    /// What is offered (a plan, a product, a bundle id).
    pub target: String,
    /// Where to show it (`in_app`, `email`), free text for the caller.
    #[serde(default)]
    pub channel: Option<String>,
    /// The caller's message key.
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    #[serde(default)]
    description: Option<String>,
    when: String,
    offer: OfferSpec,
    #[serde(default)]
    priority: i64,
    #[serde(default)]
    expected_value: Option<serde_json::Value>,
    #[serde(default)]
    suppress_when: Option<String>,
    #[serde(default)]
    cooldown_days: Option<i64>,
    #[serde(default)]
    rejected_cooldown_days: Option<i64>,
    #[serde(default)]
    max_per_day: Option<i64>,
    #[serde(default)]
    max_per_week: Option<i64>,
    #[serde(default)]
    valid_from: Option<String>,
    #[serde(default)]
    valid_until: Option<String>,
    #[serde(default)]
    control_share: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    name: String,
    when: String,
    /// Accepted for the people who read the file; the engine has no use for it.
    #[serde(default)]
    #[allow(dead_code, reason = "documentation inside rule files")]
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSequence {
    name: String,
    #[serde(default)]
    description: Option<String>,
    anchor: String,
    #[serde(default)]
    when: Option<String>,
    #[serde(default)]
    exit_when: Option<String>,
    #[serde(default)]
    priority: i64,
    steps: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    day: i64,
    offer: OfferSpec,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    #[serde(default)]
    max_offers_per_interaction: Option<i64>,
    #[serde(default)]
    max_offers_per_day: Option<i64>,
    #[serde(default)]
    max_offers_per_week: Option<i64>,
    #[serde(default)]
    cooldown_days: Option<i64>,
    #[serde(default)]
    rejected_cooldown_days: Option<i64>,
}

/// Fatigue settings for the whole rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Offers shown in one interaction (default 1).
    pub max_offers_per_interaction: u32,
    /// Offers shown to one customer in 24 hours, all rules together.
    pub max_offers_per_day: Option<u32>,
    /// Offers shown to one customer in 7 days, all rules together.
    pub max_offers_per_week: Option<u32>,
    /// Default days before an offer shown (or accepted) is shown again (default 7).
    pub cooldown_days: u32,
    /// Default days before a rejected offer is shown again (default 60).
    pub rejected_cooldown_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_offers_per_interaction: 1,
            max_offers_per_day: None,
            max_offers_per_week: None,
            cooldown_days: 7,
            rejected_cooldown_days: 60,
        }
    }
}

/// Where an expression sits in its file, to turn a span into a file position.
#[derive(Debug, Clone, Default)]
pub(crate) struct Site {
    pub path: Option<PathBuf>,
    /// The line of the rule (of its name).
    pub line: Option<u64>,
    /// Line and column (1-based) where the expression text starts, when found verbatim.
    pub start: Option<(u64, u64)>,
}

/// An expression with its source text and where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub text: String,
    pub expr: Expr,
    pub site: Site,
    /// The rule field it came from (`when`, `suppress_when`, `expected_value`).
    pub field: &'static str,
}

impl Source {
    pub fn diagnostic(&self, subject: &str, error: &ExprError) -> Diagnostic {
        diagnostic_at(&self.site, &self.text, self.field, subject, error)
    }
}

fn diagnostic_at(
    site: &Site,
    text: &str,
    field: &str,
    subject: &str,
    error: &ExprError,
) -> Diagnostic {
    let char_column = text[..error.span.start.min(text.len())].chars().count() as u64 + 1;
    let mut location = Location {
        path: site.path.clone(),
        ..Location::default()
    };
    let message = match site.start {
        Some((line, column)) => {
            location.line = Some(line);
            location.column = Some(column + char_column - 1);
            format!("{field}: {}", error.message)
        }
        None => {
            location.line = site.line;
            format!(
                "{field}, column {char_column} of the expression: {}",
                error.message
            )
        }
    };
    Diagnostic::new(location, message).subject(subject.to_owned())
}

/// One rule, parsed and checked for structure (types are checked when bound to a schema).
#[derive(Debug, Clone)]
pub(crate) struct ParsedRule {
    pub name: String,
    pub description: Option<String>,
    pub when: Source,
    pub offer: OfferSpec,
    pub priority: i64,
    pub expected_value: Option<Source>,
    pub suppress_when: Option<Source>,
    pub cooldown_days: u32,
    pub rejected_cooldown_days: u32,
    pub max_per_day: Option<u32>,
    pub max_per_week: Option<u32>,
    pub valid_from: Option<Timestamp>,
    pub valid_until: Option<Timestamp>,
    /// Parts per million of customers held out as a control group.
    pub control_ppm: u32,
    /// The sequence step this rule stands for, if it is one.
    pub step: Option<Step>,
}

/// One step of a cross-sell sequence, made into a rule whose `when` is
/// `days_since(anchor) == day && (entry condition)`; the engine adds the exits.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    /// The sequence's name.
    pub sequence: String,
    /// The step's position in its sequence (0-based) and the number of steps.
    pub index: usize,
    pub steps: usize,
    /// Days after the anchor when the step is due.
    pub day: u32,
    /// The anchor: a timestamp expression (the purchase that starts the sequence).
    pub anchor: Source,
    /// Who enters the sequence.
    pub entry: Option<Source>,
    /// Leaves the sequence when true (a conversion or rejection seen in the data).
    pub exit_when: Option<Source>,
    /// Every offer target of the sequence: accepting or rejecting any of them after the anchor
    /// ends it.
    pub targets: Vec<String>,
}

/// A global suppression.
#[derive(Debug, Clone)]
pub(crate) struct ParsedSuppression {
    pub name: String,
    pub when: Source,
}

/// A whole rule file.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub schema: Option<Schema>,
    pub definitions: HashMap<String, (Expr, String)>,
    pub definition_sources: HashMap<String, Source>,
    pub settings: Settings,
    pub suppressions: Vec<ParsedSuppression>,
    pub rules: Vec<ParsedRule>,
}

/// Finds text in a file to recover positions, in time linear in the file over a whole load: lines
/// are found by binary search in an index of line starts, columns are counted on from the previous
/// lookup, and searches stop at the end of the item being read ([`Locator::within`]).
struct Locator<'a> {
    text: &'a str,
    path: Option<PathBuf>,
    /// The byte offset of every line's start.
    line_starts: Vec<usize>,
    /// The last lookup: (line start, byte, column), so that lookups moving forward along one long
    /// line (a minified JSON file) count only the characters between them.
    last: Cell<(usize, usize, u64)>,
    /// Searches look at bytes before this offset only.
    end: Cell<usize>,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str, path: Option<PathBuf>) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(p, _)| p + 1))
            .collect();
        Locator {
            text,
            path,
            line_starts,
            last: Cell::new((0, 0, 1)),
            end: Cell::new(text.len()),
        }
    }

    /// Limits searches to bytes before `end` (the start of the next item) until the next call.
    fn within(&self, end: usize) {
        self.end.set(end.min(self.text.len()));
    }

    /// The text searches may look at, from `from`.
    fn searchable(&self, from: usize) -> Option<&'a str> {
        self.text.get(from..self.end.get().max(from))
    }

    fn line_col(&self, byte: usize) -> (u64, u64) {
        let byte = byte.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= byte);
        let line_start = self.line_starts[line - 1];
        let (last_start, last_byte, last_column) = self.last.get();
        let column = if last_start == line_start && last_byte <= byte {
            last_column + self.text[last_byte..byte].chars().count() as u64
        } else {
            self.text[line_start..byte].chars().count() as u64 + 1
        };
        self.last.set((line_start, byte, column));
        (line as u64, column)
    }

    /// The first occurrence of `needle` at or after `from`, as it would be written in the file.
    fn find(&self, needle: &str, from: usize) -> Option<usize> {
        if needle.is_empty() {
            return None;
        }
        let text = self.searchable(from)?;
        let mut candidates = vec![needle.to_owned()];
        for escaped in [
            needle.replace('\\', "\\\\").replace('"', "\\\""),
            needle.replace('\'', "''"),
        ] {
            if !candidates.contains(&escaped) {
                candidates.push(escaped);
            }
        }
        candidates
            .iter()
            .filter_map(|c| text.find(c.as_str()).map(|p| p + from))
            .min()
    }

    /// The first place at or after `from` where `key` is written as a key (`key:`, `key =`,
    /// `"key"`).
    fn find_key(&self, key: &str, from: usize) -> Option<usize> {
        [format!("{key}:"), format!("{key} ="), format!("\"{key}\"")]
            .iter()
            .filter_map(|k| self.searchable(from)?.find(k.as_str()).map(|p| p + from))
            .min()
    }

    /// A site for an expression written after byte `from`.
    fn site(&self, expression: &str, from: usize, rule_line: Option<u64>) -> Site {
        // Only a verbatim match gives exact columns; an escaped one still gives the line.
        let start = self
            .searchable(from)
            .and_then(|rest| rest.find(expression))
            .map(|p| self.line_col(p + from));
        let line = start
            .map(|(l, _)| l)
            .or_else(|| self.find(expression, from).map(|p| self.line_col(p).0))
            .or(rule_line);
        Site {
            path: self.path.clone(),
            line,
            start,
        }
    }
}

fn int_setting(
    value: Option<i64>,
    name: &str,
    minimum: i64,
    problems: &mut Vec<String>,
) -> Option<u32> {
    let value = value?;
    if value < minimum || value > i64::from(u32::MAX) {
        let why = if minimum == 1 && value == 0 {
            format!(
                "{name} is 0, which would never allow an offer: expected at least 1 (omit it for no cap)"
            )
        } else {
            format!(
                "{name} is {value}: expected a whole number from {minimum} to {}",
                u32::MAX
            )
        };
        problems.push(why);
        return None;
    }
    Some(value as u32)
}

fn decimal_of(value: &serde_json::Value) -> Option<Decimal> {
    match value {
        serde_json::Value::Number(n) => n.to_string().parse().ok(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Parses a rule file's text: the rules that read well, and the problems of the others. A file that
/// is not YAML / JSON / TOML at all is an error.
pub(crate) fn parse(
    text: &str,
    format: Format,
    path: Option<&Path>,
) -> Result<(Parsed, Vec<Diagnostic>)> {
    let location = || Location {
        path: path.map(Path::to_path_buf),
        ..Location::default()
    };
    let document: serde_json::Value = match format {
        Format::Yaml => serde_norway::from_str(text).map_err(|e| {
            let mut at = location();
            if let Some(l) = e.location() {
                at.line = Some(l.line() as u64);
                at.column = Some(l.column() as u64);
            }
            Error::parse(at, format!("not valid YAML: {e}"))
        })?,
        Format::Json => serde_json::from_str(text).map_err(|e| {
            Error::parse(
                location().line(e.line() as u64).column(e.column() as u64),
                format!("not valid JSON: {e}"),
            )
        })?,
        Format::Toml => toml::from_str(text).map_err(|e| {
            let mut at = location();
            if let Some(span) = e.span() {
                let locator = Locator::new(text, None);
                let (line, column) = locator.line_col(span.start.min(text.len()));
                at = at.line(line).column(column);
            }
            Error::parse(at, format!("not valid TOML: {}", e.message()))
        })?,
    };
    let locator = Locator::new(text, path.map(Path::to_path_buf));
    let mut diagnostics = Vec::new();
    let parsed = read_document(&document, &locator, &mut diagnostics);
    Ok((parsed, diagnostics))
}

const TOP_LEVEL: [&str; 8] = [
    "version",
    "schema",
    "define",
    "targets",
    "settings",
    "suppress",
    "rules",
    "sequences",
];

fn read_document(
    document: &serde_json::Value,
    locator: &Locator<'_>,
    out: &mut Vec<Diagnostic>,
) -> Parsed {
    let file_at = |needle: &str| {
        let mut at = Location {
            path: locator.path.clone(),
            ..Location::default()
        };
        if let Some(p) = locator.find(needle, 0) {
            at.line = Some(locator.line_col(p).0);
        }
        at
    };
    let mut parsed = Parsed {
        schema: None,
        definitions: HashMap::new(),
        definition_sources: HashMap::new(),
        settings: Settings::default(),
        suppressions: Vec::new(),
        rules: Vec::new(),
    };
    let Some(top) = document.as_object() else {
        out.push(Diagnostic::new(
            file_at(""),
            "expected a mapping with a `rules:` list at the top level",
        ));
        return parsed;
    };
    for key in top.keys() {
        if !TOP_LEVEL.contains(&key.as_str()) {
            out.push(Diagnostic::new(
                file_at(key),
                format!(
                    "unknown top-level key '{key}': expected one of {}",
                    TOP_LEVEL.join(", ")
                ),
            ));
        }
    }
    if let Some(version) = top.get("version") {
        if version.as_i64() != Some(1) {
            out.push(Diagnostic::new(
                file_at("version"),
                format!("version {version} is not supported: expected 1"),
            ));
        }
    }
    if let Some(schema) = top.get("schema") {
        parsed.schema = read_schema(schema, &file_at, out);
    }
    if let Some(define) = top.get("define") {
        read_definitions(define, locator, &mut parsed, out);
    }
    if let Some(settings) = top.get("settings") {
        match RawSettings::deserialize(settings) {
            Ok(raw) => {
                let mut problems = Vec::new();
                let defaults = Settings::default();
                parsed.settings = Settings {
                    max_offers_per_interaction: int_setting(
                        raw.max_offers_per_interaction,
                        "max_offers_per_interaction",
                        1,
                        &mut problems,
                    )
                    .unwrap_or(defaults.max_offers_per_interaction),
                    max_offers_per_day: int_setting(
                        raw.max_offers_per_day,
                        "max_offers_per_day",
                        1,
                        &mut problems,
                    ),
                    max_offers_per_week: int_setting(
                        raw.max_offers_per_week,
                        "max_offers_per_week",
                        1,
                        &mut problems,
                    ),
                    cooldown_days: int_setting(
                        raw.cooldown_days,
                        "cooldown_days",
                        0,
                        &mut problems,
                    )
                    .unwrap_or(defaults.cooldown_days),
                    rejected_cooldown_days: int_setting(
                        raw.rejected_cooldown_days,
                        "rejected_cooldown_days",
                        0,
                        &mut problems,
                    )
                    .unwrap_or(defaults.rejected_cooldown_days),
                };
                for problem in problems {
                    let key = problem
                        .split_whitespace()
                        .next()
                        .unwrap_or("settings")
                        .to_owned();
                    out.push(Diagnostic::new(file_at(&key), problem).subject("settings"));
                }
            }
            Err(e) => {
                out.push(Diagnostic::new(file_at("settings"), e.to_string()).subject("settings"))
            }
        }
    }
    let targets: Option<HashSet<String>> = top.get("targets").map(|t| match t.as_array() {
        Some(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        None => {
            out.push(Diagnostic::new(
                file_at("targets"),
                "targets: expected a list of offer targets",
            ));
            HashSet::new()
        }
    });
    let mut cursor = 0;
    if let Some(suppress) = top.get("suppress") {
        let items = suppress.as_array().cloned().unwrap_or_else(|| {
            out.push(Diagnostic::new(
                file_at("suppress"),
                "suppress: expected a list of {name, when}",
            ));
            Vec::new()
        });
        let names = item_names(&items);
        let positions = item_positions(locator, &names, cursor);
        for (k, (item, name)) in items.iter().zip(names).enumerate() {
            let position = positions[k];
            cursor = position;
            locator.within(item_end(&positions, k));
            let line = locator
                .find(&name, 0)
                .map(|p| locator.line_col(position.max(p)).0);
            let subject = format!("suppression '{name}'");
            match RawSuppression::deserialize(item) {
                Ok(raw) => {
                    if let Some(when) =
                        read_expression(&raw.when, "when", locator, position, line, &subject, out)
                    {
                        parsed.suppressions.push(ParsedSuppression {
                            name: raw.name,
                            when,
                        });
                    }
                }
                Err(e) => out
                    .push(Diagnostic::new(located(locator, line), e.to_string()).subject(subject)),
            }
        }
    }
    let mut seen = HashSet::new();
    let rules = match top.get("rules") {
        None if top.contains_key("sequences") => Vec::new(),
        None => {
            out.push(Diagnostic::new(
                file_at(""),
                "no `rules:` list: expected a top-level `rules` key with a list of rules",
            ));
            return parsed;
        }
        Some(rules) => match rules.as_array() {
            Some(rules) => rules.clone(),
            None => {
                out.push(Diagnostic::new(
                    file_at("rules"),
                    "`rules` must be a list of rules",
                ));
                return parsed;
            }
        },
    };
    let rules = &rules;
    let names = item_names(rules);
    let positions = item_positions(locator, &names, cursor);
    for (k, (item, name)) in rules.iter().zip(names).enumerate() {
        let position = positions[k];
        cursor = position;
        locator.within(item_end(&positions, k));
        let line = (position > 0 || locator.find(&name, 0).is_some())
            .then(|| locator.line_col(position).0);
        let subject = format!("rule '{name}'");
        if !seen.insert(name.clone()) {
            out.push(
                Diagnostic::new(
                    located(locator, line),
                    "a rule of this name already exists: names must be unique",
                )
                .subject(&subject),
            );
        }
        let raw = match RawRule::deserialize(item) {
            Ok(raw) => raw,
            Err(e) => {
                let message = e.to_string();
                // Point at the offending key when serde names it (`unknown field `whn``).
                let at = match message
                    .split('`')
                    .nth(1)
                    .and_then(|key| locator.find_key(key, position))
                {
                    Some(p) => {
                        let (l, c) = locator.line_col(p);
                        located(locator, Some(l)).column(c)
                    }
                    None => located(locator, line),
                };
                out.push(Diagnostic::new(at, message).subject(&subject));
                continue;
            }
        };
        if let Some(rule) = read_rule(
            raw,
            targets.as_ref(),
            locator,
            position,
            line,
            &subject,
            out,
        ) {
            parsed.rules.push(rule);
        }
    }
    if let Some(sequences) = top.get("sequences") {
        read_sequences(
            sequences,
            targets.as_ref(),
            locator,
            cursor,
            &mut seen,
            &mut parsed,
            out,
        );
    }
    locator.within(usize::MAX);
    check_definition_cycles(&parsed, out);
    parsed
}

/// Reads the `sequences:` list: each step becomes a rule named `<sequence>/day-<day>`.
fn read_sequences(
    sequences: &serde_json::Value,
    targets: Option<&HashSet<String>>,
    locator: &Locator<'_>,
    from: usize,
    seen: &mut HashSet<String>,
    parsed: &mut Parsed,
    out: &mut Vec<Diagnostic>,
) {
    let Some(items) = sequences.as_array() else {
        out.push(Diagnostic::new(
            located(locator, None),
            "`sequences` must be a list of {name, anchor, steps}",
        ));
        return;
    };
    let names = item_names(items);
    let positions = item_positions(locator, &names, from);
    for (k, (item, name)) in items.iter().zip(names).enumerate() {
        let position = positions[k];
        locator.within(item_end(&positions, k));
        let line = (position > 0 || locator.find(&name, 0).is_some())
            .then(|| locator.line_col(position).0);
        let subject = format!("sequence '{name}'");
        let raw = match RawSequence::deserialize(item) {
            Ok(raw) => raw,
            Err(e) => {
                out.push(Diagnostic::new(located(locator, line), e.to_string()).subject(&subject));
                continue;
            }
        };
        let before = out.len();
        let problem = |message: String| {
            Diagnostic::new(located(locator, line), message).subject(subject.as_str())
        };
        if raw.name.trim().is_empty() {
            out.push(problem("name: expected a non-empty name".to_owned()));
        }
        if raw.steps.is_empty() {
            out.push(problem(
                "steps: expected at least one {day, offer}".to_owned(),
            ));
        }
        let mut days = HashSet::new();
        for step in &raw.steps {
            if !(0..=i64::from(u32::MAX)).contains(&step.day) {
                out.push(problem(format!(
                    "step day {}: expected a whole number of days from 0 (the anchor's day)",
                    step.day
                )));
            } else if !days.insert(step.day) {
                out.push(problem(format!(
                    "two steps on day {}: expected one step per day",
                    step.day
                )));
            }
            if step.offer.target.trim().is_empty() {
                out.push(problem(
                    "offer.target: expected what is offered (a plan, product or bundle id)"
                        .to_owned(),
                ));
            } else if let Some(known) = targets {
                if !known.contains(&step.offer.target) {
                    out.push(problem(format!(
                        "offer.target '{}' is not a declared target",
                        step.offer.target
                    )));
                }
            }
        }
        let anchor = read_expression(
            &raw.anchor,
            "anchor",
            locator,
            position,
            line,
            &subject,
            out,
        );
        let entry = raw
            .when
            .as_ref()
            .and_then(|t| read_expression(t, "when", locator, position, line, &subject, out));
        let exit_when = raw
            .exit_when
            .as_ref()
            .and_then(|t| read_expression(t, "exit_when", locator, position, line, &subject, out));
        let (Some(anchor), true) = (anchor, out.len() == before) else {
            continue;
        };
        let mut steps = raw.steps;
        steps.sort_by_key(|s| s.day);
        let mut sequence_targets: Vec<String> = Vec::new();
        for step in &steps {
            if !sequence_targets.contains(&step.offer.target) {
                sequence_targets.push(step.offer.target.clone());
            }
        }
        let count = steps.len();
        for (index, step) in steps.into_iter().enumerate() {
            let rule_name = format!("{}/day-{}", raw.name, step.day);
            if !seen.insert(rule_name.clone()) {
                out.push(problem(format!(
                    "the step rule '{rule_name}' has the name of another rule: names must be unique"
                )));
                continue;
            }
            let text = match &entry {
                Some(entry) => format!(
                    "days_since({}) == {} && ({})",
                    anchor.text, step.day, entry.text
                ),
                None => format!("days_since({}) == {}", anchor.text, step.day),
            };
            let when = match syntax::parse(&text) {
                Ok(expr) => Source {
                    text,
                    expr,
                    site: Site {
                        path: locator.path.clone(),
                        line,
                        start: None,
                    },
                    field: "when",
                },
                Err(error) => {
                    out.push(diagnostic_at(
                        &anchor.site,
                        &text,
                        "anchor",
                        &subject,
                        &error,
                    ));
                    continue;
                }
            };
            parsed.rules.push(ParsedRule {
                name: rule_name,
                description: raw.description.clone(),
                when,
                offer: step.offer,
                priority: raw.priority,
                expected_value: None,
                suppress_when: None,
                // The sequence times its steps and ends on acceptance or rejection.
                cooldown_days: 0,
                rejected_cooldown_days: 0,
                max_per_day: None,
                max_per_week: None,
                valid_from: None,
                valid_until: None,
                control_ppm: 0,
                step: Some(Step {
                    sequence: raw.name.clone(),
                    index,
                    steps: count,
                    day: step.day as u32,
                    anchor: anchor.clone(),
                    entry: entry.clone(),
                    exit_when: exit_when.clone(),
                    targets: sequence_targets.clone(),
                }),
            });
        }
    }
}

/// Where item `k`'s text ends: where the next item starts, or the end of the file when the next
/// item's name was not found after it.
fn item_end(positions: &[usize], k: usize) -> usize {
    match positions.get(k + 1) {
        Some(&next) if next > positions[k] => next,
        _ => usize::MAX,
    }
}

/// The name of each item of a list (`#k` for one without a name).
fn item_names(items: &[serde_json::Value]) -> Vec<String> {
    items
        .iter()
        .enumerate()
        .map(|(k, item)| {
            item.get("name")
                .and_then(|n| n.as_str())
                .map_or_else(|| format!("#{}", k + 1), str::to_owned)
        })
        .collect()
}

/// Where each item starts in the file: its name, searched from the previous item on (`from` for
/// one that is not found).
fn item_positions(locator: &Locator<'_>, names: &[String], from: usize) -> Vec<usize> {
    locator.within(usize::MAX);
    let mut cursor = from;
    names
        .iter()
        .map(|name| {
            cursor = locator.find(name, cursor).unwrap_or(cursor);
            cursor
        })
        .collect()
}

fn located(locator: &Locator<'_>, line: Option<u64>) -> Location {
    Location {
        path: locator.path.clone(),
        line,
        ..Location::default()
    }
}

fn read_schema(
    schema: &serde_json::Value,
    file_at: &dyn Fn(&str) -> Location,
    out: &mut Vec<Diagnostic>,
) -> Option<Schema> {
    let Some(fields) = schema.as_object() else {
        out.push(Diagnostic::new(
            file_at("schema"),
            "schema: expected a mapping of field name to type",
        ));
        return None;
    };
    let mut result = Schema::default();
    for (name, ty) in fields {
        match ty.as_str().map(str::parse::<Type>) {
            Some(Ok(ty)) => result.push(name.clone(), ty),
            Some(Err(message)) => out.push(
                Diagnostic::new(file_at(name), message).subject(format!("schema field '{name}'")),
            ),
            None => out.push(
                Diagnostic::new(file_at(name), "expected a type name such as int or decimal")
                    .subject(format!("schema field '{name}'")),
            ),
        }
    }
    Some(result)
}

fn read_definitions(
    define: &serde_json::Value,
    locator: &Locator<'_>,
    parsed: &mut Parsed,
    out: &mut Vec<Diagnostic>,
) {
    let Some(entries) = define.as_object() else {
        out.push(Diagnostic::new(
            located(locator, None),
            "define: expected a mapping of name to expression",
        ));
        return;
    };
    for (name, value) in entries {
        let subject = format!("definition '{name}'");
        let position = locator.find(name, 0).unwrap_or(0);
        let line = Some(locator.line_col(position).0);
        let Some(text) = value.as_str() else {
            out.push(
                Diagnostic::new(located(locator, line), "expected an expression as a string")
                    .subject(subject),
            );
            continue;
        };
        if let Some(source) =
            read_expression(text, "define", locator, position, line, &subject, out)
        {
            parsed
                .definitions
                .insert(name.clone(), (source.expr.clone(), text.to_owned()));
            parsed.definition_sources.insert(name.clone(), source);
        }
    }
}

fn read_expression(
    text: &str,
    field: &'static str,
    locator: &Locator<'_>,
    from: usize,
    line: Option<u64>,
    subject: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<Source> {
    let site = locator.site(text, from, line);
    match syntax::parse(text) {
        Ok(expr) => Some(Source {
            text: text.to_owned(),
            expr,
            site,
            field,
        }),
        Err(error) => {
            out.push(diagnostic_at(&site, text, field, subject, &error));
            None
        }
    }
}

fn read_rule(
    raw: RawRule,
    targets: Option<&HashSet<String>>,
    locator: &Locator<'_>,
    position: usize,
    line: Option<u64>,
    subject: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<ParsedRule> {
    let before = out.len();
    let at = |key: &str| match locator.find_key(key, position) {
        Some(p) => {
            let (l, c) = locator.line_col(p);
            located(locator, Some(l)).column(c)
        }
        None => located(locator, line),
    };
    let mut problem =
        |key: &str, message: String| out.push(Diagnostic::new(at(key), message).subject(subject));
    if raw.name.trim().is_empty() {
        problem("name", "name: expected a non-empty name".to_owned());
    }
    if raw.offer.target.trim().is_empty() {
        problem(
            "target",
            "offer.target: expected what is offered (a plan, product or bundle id)".to_owned(),
        );
    } else if let Some(targets) = targets {
        if !targets.contains(&raw.offer.target) {
            let mut known: Vec<&str> = targets.iter().map(String::as_str).collect();
            known.sort_unstable();
            problem(
                "target",
                format!(
                    "offer.target '{}' is not a declared target: expected one of {}",
                    raw.offer.target,
                    known.join(", ")
                ),
            );
        }
    }
    let mut problems = Vec::new();
    let cooldown_days = int_setting(raw.cooldown_days, "cooldown_days", 0, &mut problems);
    let rejected_cooldown_days = int_setting(
        raw.rejected_cooldown_days,
        "rejected_cooldown_days",
        0,
        &mut problems,
    );
    let max_per_day = int_setting(raw.max_per_day, "max_per_day", 1, &mut problems);
    let max_per_week = int_setting(raw.max_per_week, "max_per_week", 1, &mut problems);
    for message in problems {
        let key = message
            .split_whitespace()
            .next()
            .unwrap_or("name")
            .to_owned();
        problem(&key, message);
    }
    let mut time = |key: &str, value: &Option<String>| -> Option<Timestamp> {
        let text = value.as_deref()?;
        let parsed = crate::time::parse_timestamp(text);
        if parsed.is_none() {
            problem(
                key,
                format!(
                    "{key} '{text}' is not a time: expected RFC 3339 (2026-11-23T10:15:00Z) or a date (2026-11-23)"
                ),
            );
        }
        parsed
    };
    let valid_from = time("valid_from", &raw.valid_from);
    let valid_until = time("valid_until", &raw.valid_until);
    if let (Some(from), Some(until)) = (valid_from, valid_until) {
        if from > until {
            problem(
                "valid_until",
                format!("valid_until ({until}) is before valid_from ({from})"),
            );
        }
    }
    let control_ppm = match &raw.control_share {
        None => Some(0),
        Some(value) => match decimal_of(value) {
            Some(share) if (0..=Decimal::SCALE).contains(&share.units()) => {
                Some(share.units() as u32)
            }
            _ => {
                problem(
                    "control_share",
                    format!(
                        "control_share {value} is not a share: expected a number from 0 to 1 (0.1 = 10%)"
                    ),
                );
                None
            }
        },
    };
    let when = read_expression(&raw.when, "when", locator, position, line, subject, out);
    let suppress_when = match &raw.suppress_when {
        Some(text) => read_expression(text, "suppress_when", locator, position, line, subject, out),
        None => None,
    };
    let expected_value = match &raw.expected_value {
        None => None,
        Some(serde_json::Value::String(text)) => read_expression(
            text,
            "expected_value",
            locator,
            position,
            line,
            subject,
            out,
        ),
        Some(value) => match decimal_of(value) {
            Some(d) => Some(Source {
                text: d.to_string(),
                expr: Expr {
                    kind: ExprKind::Lit(d.into()),
                    span: syntax::Span {
                        start: 0,
                        end: d.to_string().len(),
                    },
                },
                site: Site::default(),
                field: "expected_value",
            }),
            None => {
                out.push(
                    Diagnostic::new(
                        at("expected_value"),
                        format!("expected_value {value}: expected a number or an expression"),
                    )
                    .subject(subject),
                );
                None
            }
        },
    };
    if out.len() > before {
        return None;
    }
    let defaults = Settings::default();
    Some(ParsedRule {
        name: raw.name,
        description: raw.description,
        when: when?,
        offer: raw.offer,
        priority: raw.priority,
        expected_value,
        suppress_when,
        cooldown_days: cooldown_days.unwrap_or(defaults.cooldown_days),
        rejected_cooldown_days: rejected_cooldown_days.unwrap_or(defaults.rejected_cooldown_days),
        max_per_day,
        max_per_week,
        valid_from,
        valid_until,
        control_ppm: control_ppm?,
        step: None,
    })
}

/// Names an expression refers to.
fn names(expr: &Expr, out: &mut Vec<String>) {
    match &expr.kind {
        ExprKind::Name(name) => out.push(name.clone()),
        ExprKind::Lit(_) => {}
        ExprKind::Call(_, args) | ExprKind::List(args) | ExprKind::Logic(_, args) => {
            args.iter().for_each(|a| names(a, out));
        }
        ExprKind::Map(entries) => entries.iter().for_each(|(k, v)| {
            names(k, out);
            names(v, out);
        }),
        ExprKind::Unary(_, inner) | ExprKind::Select(inner, _) => names(inner, out),
        ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
            names(a, out);
            names(b, out);
        }
        ExprKind::Cond(a, b, c) => {
            names(a, out);
            names(b, out);
            names(c, out);
        }
        ExprKind::Chain(first, rest) => {
            names(first, out);
            rest.iter().for_each(|(_, a)| names(a, out));
        }
    }
}

/// Reports each cycle among definitions once, at its first definition in name order.
///
/// A depth-first search with an explicit stack, each definition visited once: a chain of
/// thousands of definitions neither recurses nor, when definitions share parts, takes
/// exponential time.
fn check_definition_cycles(parsed: &Parsed, out: &mut Vec<Diagnostic>) {
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut sorted: Vec<&str> = parsed.definitions.keys().map(String::as_str).collect();
    sorted.sort_unstable();
    let references: HashMap<&str, Vec<String>> = sorted
        .iter()
        .map(|&name| {
            let mut referenced = Vec::new();
            names(&parsed.definitions[name].0, &mut referenced);
            referenced.retain(|r| parsed.definitions.contains_key(r));
            (name, referenced)
        })
        .collect();
    let mut state: HashMap<&str, u8> = HashMap::new();
    let mut reported: HashSet<Vec<String>> = HashSet::new();
    for &start in &sorted {
        if state.contains_key(start) {
            continue;
        }
        state.insert(start, ON_PATH);
        let mut path: Vec<(&str, usize)> = vec![(start, 0)];
        while let Some((current, next)) = path.last_mut() {
            let current: &str = current;
            let Some(name) = references[current].get(*next) else {
                state.insert(current, DONE);
                path.pop();
                continue;
            };
            *next += 1;
            let name = name.as_str();
            match state.get(name) {
                Some(&ON_PATH) => {
                    let from = path.iter().position(|(p, _)| *p == name).unwrap_or(0);
                    let mut cycle: Vec<String> =
                        path[from..].iter().map(|(p, _)| (*p).to_owned()).collect();
                    // Start at the first name, as a reader would look for it.
                    let first = (0..cycle.len()).min_by_key(|&k| &cycle[k]).unwrap_or(0);
                    cycle.rotate_left(first);
                    let mut key = cycle.clone();
                    key.sort();
                    if reported.insert(key) {
                        report_cycle(parsed, &cycle, out);
                    }
                }
                Some(_) => {}
                None => {
                    state.insert(name, ON_PATH);
                    path.push((name, 0));
                }
            }
        }
    }
}

fn report_cycle(parsed: &Parsed, cycle: &[String], out: &mut Vec<Diagnostic>) {
    let source = &parsed.definition_sources[&cycle[0]];
    let message = format!(
        "definitions form a cycle: {} -> {}",
        cycle.join(" -> "),
        cycle[0]
    );
    let location = Location {
        path: source.site.path.clone(),
        line: source.site.line,
        ..Location::default()
    };
    out.push(Diagnostic::new(location, message).subject(format!("definition '{}'", cycle[0])));
}
