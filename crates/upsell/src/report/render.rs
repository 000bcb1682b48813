//! Rendering the report: HTML and Markdown from minijinja templates compiled into the crate, the
//! charts as inline SVG, and the files written side by side.
//!
//! The one idea: the templates only lay out what the [`Report`] holds. Every number is formatted
//! by one of five filters (`money`, `pct`, `num`, `fixed`, `signed`), so the HTML, the Markdown and the JSON
//! cannot disagree.

use std::path::{Path, PathBuf};

use minijinja::{Environment, Value, context};

use super::{Report, charts};
use crate::pricing::{Currency, Money};
use crate::{Error, Location, Result};

const HTML: &str = include_str!("templates/report.html.j2");
const MARKDOWN: &str = include_str!("templates/report.md.j2");
const CSS: &str = include_str!("templates/report.css");

/// The four files a report was written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenReport {
    /// The HTML page.
    pub html: PathBuf,
    /// The same content as Markdown.
    pub markdown: PathBuf,
    /// The same content as JSON.
    pub json: PathBuf,
    /// The starter trigger rule file.
    pub rules: PathBuf,
}

fn template_error(e: minijinja::Error) -> Error {
    Error::invalid_input(
        Location::memory(),
        format!("cannot render the report: {e:#}"),
    )
}

/// `{"minor": 123455, "currency": "GBP"}` as `1,234.55 GBP`.
fn money(value: Value) -> std::result::Result<String, minijinja::Error> {
    let bad = || {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("not an amount: {value}"),
        )
    };
    let minor = value
        .get_attr("minor")
        .ok()
        .and_then(|m| i64::try_from(m).ok())
        .ok_or_else(bad)?;
    let code = value
        .get_attr("currency")
        .ok()
        .and_then(|c| c.as_str().map(str::to_owned))
        .ok_or_else(bad)?;
    let currency = Currency::from_code(&code).map_err(|_| bad())?;
    let amount = Money::new(minor, currency).amount_string();
    let (sign, digits) = amount
        .strip_prefix('-')
        .map_or(("", amount.as_str()), |d| ("-", d));
    let (whole, fraction) = digits
        .split_once('.')
        .map_or((digits, None), |(w, f)| (w, Some(f)));
    let grouped = num(whole.parse::<f64>().unwrap_or(0.0));
    Ok(match fraction {
        Some(f) => format!("{sign}{grouped}.{f} {code}"),
        None => format!("{sign}{grouped} {code}"),
    })
}

/// A fraction as a percentage: `0.1234` -> `12.3%`.
fn pct(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

/// A count with thousands separators.
fn num(value: f64) -> String {
    let whole = value.round() as i64;
    let digits = whole.unsigned_abs().to_string();
    let mut out = String::new();
    for (k, d) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    if whole < 0 { format!("-{out}") } else { out }
}

/// A relative change as a signed percentage: `0.25` -> `+25%`.
fn signed(value: f64) -> String {
    format!("{:+.0}%", value * 100.0)
}

/// A number with `places` decimals.
fn fixed(value: f64, places: Option<usize>) -> String {
    format!("{value:.*}", places.unwrap_or(2))
}

/// The templates' environment: our filters and the few built-ins the templates use (`join`,
/// `length`, `replace`, `safe`, the test `none`), added to an empty environment. `Environment::new`
/// would fill minijinja's tables of every built-in once per process, in statics that a C host's
/// leak checker reports as lost.
fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::empty();
    env.set_auto_escape_callback(minijinja::default_auto_escape_callback);
    env.add_filter("join", minijinja::filters::join);
    env.add_filter("length", minijinja::filters::length);
    env.add_filter("replace", minijinja::filters::replace);
    env.add_filter("safe", minijinja::filters::safe);
    env.add_test("none", minijinja::tests::is_none);
    env.add_filter("money", money);
    env.add_filter("pct", pct);
    env.add_filter("num", num);
    env.add_filter("fixed", fixed);
    env.add_filter("signed", signed);
    env.add_template("report.html", HTML)
        .map_err(template_error)?;
    env.add_template("report.md", MARKDOWN)
        .map_err(template_error)?;
    Ok(env)
}

impl Report {
    fn render(&self, template: &str, charts: Value) -> Result<String> {
        let env = environment()?;
        let report = Value::from_serialize(self);
        env.get_template(template)
            .and_then(|t| t.render(context! { r => report, charts => charts, css => CSS }))
            .map_err(template_error)
    }

    /// The report as one self-contained HTML page: one stylesheet, inline SVG charts, no script
    /// and no external request (its content security policy forbids them).
    pub fn html(&self) -> Result<String> {
        let mut charts = std::collections::BTreeMap::new();
        if let Some(p) = &self.state.pareto {
            charts.insert("pareto", charts::pareto(p)?);
        }
        if self.state.weeks.len() >= 2 {
            let svg = if self.priced {
                charts::weeks(
                    &self.state.weeks,
                    &|w| {
                        w.revenue.map_or(0.0, |m| {
                            m.minor() as f64 / m.currency().minor_per_major() as f64
                        })
                    },
                    &format!("revenue per week ({})", self.currency),
                )?
            } else {
                charts::weeks(&self.state.weeks, &|w| w.orders as f64, "orders per week")?
            };
            charts.insert("weeks", svg);
        }
        if let Some(h) = self
            .affinity
            .heatmap
            .as_ref()
            .filter(|h| h.items.len() >= 2)
        {
            charts.insert("heatmap", charts::heatmap(h)?);
        }
        self.render("report.html", Value::from_serialize(&charts))
    }

    /// The report as Markdown, the same content as [`Report::html`] without the charts.
    pub fn markdown(&self) -> Result<String> {
        self.render("report.md", Value::from(()))
    }

    /// Writes `{stem}.html`, `.md`, `.json` and the rule file into `dir` (created when missing).
    pub fn write(&self, dir: &Path) -> Result<WrittenReport> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let stem = self.file_stem();
        let written = WrittenReport {
            html: dir.join(format!("{stem}.html")),
            markdown: dir.join(format!("{stem}.md")),
            json: dir.join(format!("{stem}.json")),
            rules: dir.join(&self.triggers.file_name),
        };
        for (path, text) in [
            (&written.html, self.html()?),
            (&written.markdown, self.markdown()?),
            (&written.json, self.json()?),
            (&written.rules, self.triggers.rule_file.clone()),
        ] {
            crate::write::FileWriter::write_file(path, text.as_bytes())?;
        }
        Ok(written)
    }

    /// The report as the one JSON document Python and C return: `{"report": ..., "html": ...,
    /// "markdown": ..., "paths": ...}`, where `paths` names the files of `written` (null when the
    /// report was not written).
    pub fn document(&self, written: Option<&WrittenReport>) -> Result<String> {
        let paths = written.map(|w| {
            serde_json::json!({
                "html": w.html, "markdown": w.markdown, "json": w.json, "rules": w.rules,
            })
        });
        let document = serde_json::json!({
            "report": self,
            "html": self.html()?,
            "markdown": self.markdown()?,
            "paths": paths,
        });
        serde_json::to_string(&document).map_err(|e| {
            Error::invalid_input(
                Location::memory(),
                format!("cannot serialise the report: {e}"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn filters() {
        assert_eq!(super::num(1234567.0), "1,234,567");
        assert_eq!(super::pct(0.1234), "12.3%");
        assert_eq!(super::fixed(2.456, Some(1)), "2.5");
    }
}
