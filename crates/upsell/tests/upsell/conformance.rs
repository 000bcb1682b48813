//! The trigger language against Google's cel-spec conformance tests (`tests/simple/testdata/*.textproto`,
//! read unchanged from `../shared/conformance/cel-spec`, skipped when absent).
//!
//! Each test is one expression with optional variable bindings and an expected value or an
//! evaluation error. It is classified as:
//! - **pass**: the same value (a decimal equal to the expected double counts), or an error where
//!   CEL expects one (ours may come from the type checker, before evaluation);
//! - **deliberate difference**: one of the stated differences of the language (docs/triggers.md),
//!   decided by a general rule below, never by test name: an error is null; numbers with a fraction
//!   are exact decimals (so their rounding differs from doubles'); a float division by zero is null;
//! - **unsupported**: the expression or the expected value is outside the subset (our parser or
//!   checker refuses it, or CEL expects a uint, bytes, type or message).
//!
//! Anything else is a wrong answer, and the test fails listing it. The table it computes must be
//! the one in README.md and in docs/triggers.md's conformance section, so neither can drift.

use std::collections::BTreeMap;
use std::path::PathBuf;

use upsell::time::parse_timestamp;
use upsell::triggers::{Context, Value, evaluate_expression};

fn conformance_dir() -> PathBuf {
    std::env::var_os("UPSELL_CEL_SPEC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cel-spec")
        })
}

// ---- a reader of protobuf text format, as much as the test files use -------------------------

/// A text-format field value: a scalar token (strings already unescaped) or a message.
#[derive(Debug, Clone)]
enum Field {
    Scalar(String),
    Message(Vec<(String, Field)>),
}

impl Field {
    fn get(&self, name: &str) -> Option<&Field> {
        match self {
            Field::Message(fields) => fields.iter().find(|(n, _)| n == name).map(|(_, f)| f),
            Field::Scalar(_) => None,
        }
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        let fields: &[(String, Field)] = match self {
            Field::Message(fields) => fields,
            Field::Scalar(_) => &[],
        };
        fields
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, f)| f)
    }

    fn text(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            Field::Scalar(s) => Some(s),
            Field::Message(_) => None,
        }
    }

    /// The only field of a message (`{ int64_value: 1 }`).
    fn single(&self) -> Option<(&str, &Field)> {
        match self {
            Field::Message(fields) if fields.len() == 1 => Some((&fields[0].0, &fields[0].1)),
            _ => None,
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn skip_space(&mut self) {
        while self.at < self.bytes.len() {
            match self.bytes[self.at] {
                b'#' => {
                    while self.at < self.bytes.len() && self.bytes[self.at] != b'\n' {
                        self.at += 1;
                    }
                }
                b if b.is_ascii_whitespace() || b == b',' || b == b';' => self.at += 1,
                _ => break,
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.bytes.get(self.at).copied()
    }

    fn word(&mut self) -> String {
        self.skip_space();
        let start = self.at;
        // An Any's expanded type name: `[type.googleapis.com/pkg.Type]`.
        if self.bytes.get(self.at) == Some(&b'[') {
            while self.at < self.bytes.len() && self.bytes[self.at] != b']' {
                self.at += 1;
            }
            self.at += 1;
            return String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned();
        }
        while self.at < self.bytes.len()
            && (self.bytes[self.at].is_ascii_alphanumeric()
                || matches!(self.bytes[self.at], b'_' | b'.' | b'-' | b'+'))
        {
            self.at += 1;
        }
        String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned()
    }

    /// Fields until `}` or the end.
    fn message(&mut self) -> Vec<(String, Field)> {
        let mut fields = Vec::new();
        while let Some(c) = self.peek() {
            if c == b'}' {
                self.at += 1;
                break;
            }
            let name = self.word();
            if name.is_empty() {
                panic!("unexpected byte {:?} at {}", c as char, self.at);
            }
            if self.peek() == Some(b':') {
                self.at += 1;
            }
            let value = match self.peek() {
                Some(b'{') => {
                    self.at += 1;
                    Field::Message(self.message())
                }
                Some(b'"' | b'\'') => {
                    let mut text = Vec::new();
                    while let Some(q @ (b'"' | b'\'')) = self.peek() {
                        self.at += 1;
                        self.string(q, &mut text);
                    }
                    Field::Scalar(String::from_utf8_lossy(&text).into_owned())
                }
                _ => Field::Scalar(self.word()),
            };
            fields.push((name, value));
        }
        fields
    }

    /// A quoted string's bytes after its opening quote, C escapes decoded.
    fn string(&mut self, quote: u8, out: &mut Vec<u8>) {
        while let Some(&b) = self.bytes.get(self.at) {
            self.at += 1;
            if b == quote {
                return;
            }
            if b != b'\\' {
                out.push(b);
                continue;
            }
            let e = self.bytes[self.at];
            self.at += 1;
            match e {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'a' => out.push(7),
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'v' => out.push(11),
                b'x' => {
                    let mut value = 0u32;
                    let mut digits = 0;
                    while digits < 2 && self.bytes[self.at].is_ascii_hexdigit() {
                        value =
                            value * 16 + (self.bytes[self.at] as char).to_digit(16).unwrap_or(0);
                        self.at += 1;
                        digits += 1;
                    }
                    out.push(value as u8);
                }
                b'0'..=b'7' => {
                    let mut value = u32::from(e - b'0');
                    let mut digits = 1;
                    while digits < 3 && (b'0'..=b'7').contains(&self.bytes[self.at]) {
                        value = value * 8 + u32::from(self.bytes[self.at] - b'0');
                        self.at += 1;
                        digits += 1;
                    }
                    out.push(value as u8);
                }
                b'u' | b'U' => {
                    let width = if e == b'u' { 4 } else { 8 };
                    let hex = String::from_utf8_lossy(&self.bytes[self.at..self.at + width]);
                    self.at += width;
                    let ch = u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{fffd}');
                    out.extend_from_slice(ch.to_string().as_bytes());
                }
                other => out.push(other),
            }
        }
    }
}

fn read_textproto(text: &str) -> Field {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        at: 0,
    };
    Field::Message(reader.message())
}

// ---- expected values and classification -------------------------------------------------------

/// What CEL expects, in our terms.
enum Expected {
    Value(Value),
    Double(f64),
    List(Vec<Expected>),
    Map(Vec<(Expected, Expected)>),
    Error,
    /// A value the subset has no type for (uint, bytes, type, message).
    Outside(String),
}

fn expected_value(field: &Field) -> Expected {
    let Some((kind, value)) = field.single() else {
        return Expected::Outside("an empty or composite value".to_owned());
    };
    let text = match value {
        Field::Scalar(s) => s.as_str(),
        Field::Message(_) => "",
    };
    match kind {
        "int64_value" => text.parse().map_or_else(
            |_| Expected::Outside(kind.to_owned()),
            |i| Expected::Value(Value::Int(i)),
        ),
        "double_value" => Expected::Double(match text {
            "inf" | "infinity" | "Infinity" => f64::INFINITY,
            "-inf" | "-infinity" | "-Infinity" => f64::NEG_INFINITY,
            "nan" | "NaN" => f64::NAN,
            t => t.parse().unwrap_or(f64::NAN),
        }),
        "string_value" => Expected::Value(Value::from(text)),
        "bool_value" => Expected::Value(Value::Bool(text == "true")),
        "null_value" => Expected::Value(Value::Null),
        "list_value" => Expected::List(value.all("values").map(expected_value).collect()),
        "map_value" => Expected::Map(
            value
                .all("entries")
                .map(|entry| {
                    let part = |name| {
                        entry.get(name).map_or_else(
                            || Expected::Outside(format!("a map entry without {name}")),
                            expected_value,
                        )
                    };
                    (part("key"), part("value"))
                })
                .collect(),
        ),
        other => Expected::Outside(other.to_owned()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Pass,
    Deliberate,
    Unsupported,
    Wrong,
}

fn same(got: &Value, expected: &Expected) -> bool {
    match (got, expected) {
        (got, Expected::Value(v)) => got == v,
        (Value::Float(x), Expected::Double(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::Decimal(d), Expected::Double(y)) => d.to_f64() == *y,
        (Value::List(items), Expected::List(wanted)) => {
            items.len() == wanted.len() && items.iter().zip(wanted).all(|(i, w)| same(i, w))
        }
        (Value::Map(entries), Expected::Map(wanted)) => {
            entries.len() == wanted.len()
                && wanted.iter().all(|(key, value)| {
                    entries
                        .iter()
                        .any(|(k, v)| same(k, key) && same(v, value))
                })
        }
        _ => false,
    }
}

/// The part of an expected value the subset has no type for, if any (a uint inside a list...).
fn outside(expected: &Expected) -> Option<&str> {
    match expected {
        Expected::Outside(kind) => Some(kind),
        Expected::List(items) => items.iter().find_map(outside),
        Expected::Map(entries) => entries
            .iter()
            .find_map(|(k, v)| outside(k).or_else(|| outside(v))),
        Expected::Value(_) | Expected::Double(_) | Expected::Error => None,
    }
}

/// Why a differing answer is one of the language's stated differences, if it is.
fn deliberate(got: &Value, expected: &Expected) -> Option<&'static str> {
    match (got, expected) {
        (Value::Null, Expected::Error) => Some("an error is null"),
        (Value::Null, Expected::Double(y)) if !y.is_finite() => {
            Some("a float division by zero is null")
        }
        (Value::Decimal(d), Expected::Double(y))
            if (d.to_f64() - y).abs() <= 1e-6 * y.abs().max(1.0) =>
        {
            Some("numbers with a fraction are exact decimals")
        }
        _ => None,
    }
}

fn binding(field: &Field) -> Option<Value> {
    // bindings { key: "x" value { value { int64_value: 1 } } }
    bound(expected_value(field.get("value")?.get("value")?))
}

/// A bound value in our terms: lists and maps of values the subset has (and no null inside).
fn bound(expected: Expected) -> Option<Value> {
    match expected {
        Expected::Value(v) => Some(v),
        Expected::Double(x) => Some(Value::Float(x)),
        Expected::List(items) => items
            .into_iter()
            .map(|item| bound(item).filter(|v| !v.is_null()))
            .collect::<Option<Vec<_>>>()
            .map(|items| Value::List(items.into())),
        Expected::Map(entries) => Value::map(
            entries
                .into_iter()
                .map(|(k, v)| Some((bound(k)?, bound(v)?)))
                .collect::<Option<Vec<_>>>()?,
        ),
        Expected::Error | Expected::Outside(_) => None,
    }
}

/// Differences that the rules of [`deliberate`] cannot decide from the value alone, by test, each
/// with the stated difference it follows: a comparison with null is false, where CEL's operand is
/// an error (or NaN) that propagates.
const LISTED: [(&str, &str); 12] = [
    (
        "comparisons/ne_literal/ne_double_nan",
        "0.0/0.0 is null, not NaN, and a comparison with null is false",
    ),
    (
        "comparisons/ne_literal/not_ne_double_nan",
        "0.0/0.0 is null, not NaN, and a comparison with null is false",
    ),
    (
        "logic/AND/error_right",
        "a comparison with null (1/0) is false, not an error",
    ),
    (
        "logic/AND/error_left",
        "a comparison with null (1/0) is false, not an error",
    ),
    (
        "logic/OR/error_right",
        "a comparison with null (1/0) is false, not an error",
    ),
    (
        "logic/OR/error_left",
        "a comparison with null (1/0) is false, not an error",
    ),
    (
        "logic/conditional/error_case",
        "a comparison with null (2 / 0) is false, so the second branch is taken",
    ),
    (
        "macros/exists/list_elem_exists_error",
        "a comparison with null (e / 0) is false, not an error, so exists() is false",
    ),
    (
        "macros/all/list_elem_type_exhaustive",
        "'foo' % 2 is null (an error is null) and a comparison with null is false, so all() is false",
    ),
    (
        "macros/all/list_elem_error_exhaustive",
        "a comparison with null (e / 0) is false, not an error, so all() is false",
    ),
    (
        "macros/exists_one/list_no_shortcircuit",
        "a comparison with null (12 / 0) is false, not an error, so exists_one() counts the others",
    ),
    (
        "macros/filter/list_no_shortcircuit",
        "a comparison with null (12 / 0) is false, not an error, so filter() drops that element",
    ),
];

/// Runs one test: its outcome and, unless it passes, why.
fn run(test: &Field) -> (Outcome, String) {
    let expr = test.text("expr").unwrap_or_default();
    let expected = if test.get("eval_error").is_some() {
        Expected::Error
    } else if let Some(value) = test.get("value") {
        expected_value(value)
    } else {
        Expected::Outside("a typed result or an unknown".to_owned())
    };
    if let Some(kind) = outside(&expected) {
        return (Outcome::Unsupported, format!("expects {kind}"));
    }
    let mut context = Context::new();
    for bound in test.all("bindings") {
        let (Some(name), Some(value)) = (bound.text("key"), binding(bound)) else {
            return (
                Outcome::Unsupported,
                "a binding outside the subset".to_owned(),
            );
        };
        context.insert(name.to_owned(), value);
    }
    let now = parse_timestamp("2026-11-23T10:00:00Z").expect("time");
    match evaluate_expression(expr, &context, now) {
        Err(_) if matches!(expected, Expected::Error) => (Outcome::Pass, String::new()),
        Err(e) => (Outcome::Unsupported, e.to_string()),
        Ok(got) if same(&got, &expected) => (Outcome::Pass, String::new()),
        Ok(got) => match deliberate(&got, &expected) {
            Some(why) => (Outcome::Deliberate, why.to_owned()),
            None => (Outcome::Wrong, format!("got {got:?}")),
        },
    }
}

#[test]
fn cel_spec_conformance() {
    let dir = conformance_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "skipped: {} not found (set UPSELL_CEL_SPEC_DIR)",
            dir.display()
        );
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "textproto"))
        .collect();
    files.sort();
    let mut table: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("a readable test file");
        let file = read_textproto(&text);
        let name = file.text("name").unwrap_or("?").to_owned();
        let counts = table.entry(name.clone()).or_default();
        for section in file.all("section") {
            for test in section.all("test") {
                let id = format!(
                    "{name}/{}/{}",
                    section.text("name").unwrap_or("?"),
                    test.text("name").unwrap_or("?")
                );
                let (mut outcome, mut why) = run(test);
                if let Some((_, reason)) = LISTED.iter().find(|(listed, _)| *listed == id) {
                    assert_eq!(outcome, Outcome::Wrong, "{id} is listed but {why}");
                    (outcome, why) = (Outcome::Deliberate, (*reason).to_owned());
                }
                counts[outcome as usize] += 1;
                match outcome {
                    Outcome::Deliberate => *reasons.entry(why).or_default() += 1,
                    Outcome::Wrong => wrong.push(format!(
                        "{id}: {} expected {:?}: {why}",
                        test.text("expr").unwrap_or("?"),
                        test.get("value")
                            .map(|v| format!("{v:?}"))
                            .unwrap_or_else(|| "an error".into())
                    )),
                    _ => {}
                }
            }
        }
    }
    let mut total = [0usize; 4];
    let mut lines = vec![
        "| file | pass | deliberate difference | unsupported | wrong |".to_owned(),
        "|---|---:|---:|---:|---:|".to_owned(),
    ];
    for (name, counts) in &table {
        lines.push(format!(
            "| {name} | {} | {} | {} | {} |",
            counts[0], counts[1], counts[2], counts[3]
        ));
        for k in 0..4 {
            total[k] += counts[k];
        }
    }
    lines.push(format!(
        "| **all** | **{}** | **{}** | **{}** | **{}** |",
        total[0], total[1], total[2], total[3]
    ));
    let computed = lines.join("\n");
    println!("{computed}");
    for (why, count) in &reasons {
        println!("deliberate: {why}: {count}");
    }
    assert!(total[0] > 0, "no test ran from {}", dir.display());
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    for document in DOCUMENTS {
        assert_eq!(
            documented_table(document),
            computed,
            "{document}'s conformance table is stale: replace it with the table above"
        );
    }
}

/// The documents that state the conformance table, relative to the workspace root.
const DOCUMENTS: [&str; 2] = ["README.md", "docs/triggers.md"];

/// The conformance table as `document` states it: the lines from its header to its total.
fn documented_table(document: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(document);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{document}: {e}"));
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|line| !line.starts_with("| file | pass |"))
        .collect();
    let end = lines
        .iter()
        .position(|line| line.starts_with("| **all** |"))
        .map_or(lines.len(), |k| k + 1);
    lines[..end].join("\n")
}

#[test]
fn the_textproto_reader_reads_escapes_and_nesting() {
    let file = read_textproto(
        r#"name: "t" # a comment
section { test { expr: 'a\x41\101\n' value: { string_value: "\u00e9" } } }"#,
    );
    let test = file
        .get("section")
        .and_then(|s| s.get("test"))
        .expect("a test");
    assert_eq!(test.text("expr"), Some("aAA\n"));
    assert!(matches!(
        expected_value(test.get("value").expect("value")),
        Expected::Value(Value::Str(s)) if &*s == "é"
    ));
}
