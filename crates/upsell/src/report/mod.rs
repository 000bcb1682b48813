//! The upsell report: one call from an order log to a prioritised, priced revenue-expansion plan.
//!
//! [`build_report`] reads nothing and prints nothing: it takes [`OrderLines`] (read with the same
//! column options as every other order command) and returns a serde [`Report`] of six sections,
//! each computed by the crate's own functions: the current state ([`crate::metrics`]), affinity
//! ([`crate::rules::affinity`], [`crate::sequence`]), recommendations with their held-out
//! evaluation ([`crate::recommend`]), bundles and threshold fillers ([`crate::pricing`]), a
//! starter trigger rule file ([`crate::triggers`]) and the opportunities ranked by revenue per year
//! with an A/B plan each ([`crate::metrics::sample_size`]).
//!
//! The one idea: a figure is never invented. Every figure carries the inputs and parameters it
//! came from, and a section that cannot compute something (no prices, no customers, one order,
//! one product) says what and why in its `missing` list instead of showing a number.
//!
//! With the `report` cargo feature, [`Report::html`] and [`Report::markdown`] render the same
//! content (templates, inline SVG charts) and [`Report::write`] writes the files; without it, a
//! hot-path user of the crate compiles none of that.
//!
//! ```
//! use upsell::data::{OrderLines, OrderReadOptions};
//! use upsell::report::{ReportOptions, build_report};
//! let csv = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n\
//!            1,MUG,Mug,2,2010-12-01 08:26:00,2.55,17850,UK\n1,TEA,Tea,1,2010-12-01 08:26:00,4.95,17850,UK\n\
//!            2,MUG,Mug,1,2010-12-02 10:00:00,2.55,13047,UK\n";
//! let orders = OrderLines::from_reader(csv.as_bytes(), "shop.csv", &OrderReadOptions::default())?;
//! let report = build_report(&orders, &ReportOptions::new("shop.csv", "2026-12-03"), &Default::default())?;
//! let aov = report.state.aov.as_ref().unwrap();
//! assert_eq!((aov.value.to_string(), aov.orders), ("6.30 GBP".to_owned(), 2));
//! assert!(report.recommendations.evaluation.is_none()); // two orders cannot be split and replayed
//! assert!(!report.recommendations.missing.is_empty()); // ... and the section says so
//! # Ok::<(), upsell::Error>(())
//! ```

mod sections;

#[cfg(feature = "report")]
mod charts;
#[cfg(feature = "report")]
mod render;

use serde::Serialize;

use crate::data::OrderLines;
use crate::pricing::{DiscountBand, Money, PriceEnding};
use crate::{Control, Error, Result};

#[cfg(feature = "report")]
pub use render::WrittenReport;

/// The version of the report's JSON document.
pub const REPORT_VERSION: u32 = 1;

/// What the report computes and with which thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// The data's name as shown in the report (a file name).
    pub source: String,
    /// The report's date, `YYYY-MM-DD` (the core reads no clock: the caller passes today).
    pub date: String,
    /// The title; the source's file stem when `None`.
    pub title: Option<String>,
    /// Pairs: the least share of orders holding both items.
    pub min_pair_support: f64,
    /// Pairs: the least lift.
    pub min_lift: f64,
    /// Pairs are searched among this many most frequent items.
    pub pair_items: usize,
    /// Items of the heatmap.
    pub heatmap_items: usize,
    /// Rows of the tables (pairs, products, bundles, fillers, time windows).
    pub top: usize,
    /// Time windows of the sequence affinity, in days.
    pub windows_days: Vec<i64>,
    /// Least customers behind a time-window finding.
    pub min_sequence_customers: u64,
    /// Recommendations and rules: the least share of orders an itemset needs (at least 2 orders).
    pub min_rule_support: f64,
    /// Recommendations evaluated at this many items.
    pub k: usize,
    /// The bundles' discount band.
    pub discount: DiscountBand,
    /// The bundles' price ending.
    pub ending: PriceEnding,
    /// The free-shipping threshold; the 75th-percentile order value, rounded, when `None`.
    pub threshold: Option<Money>,
    /// Share of eligible orders assumed to take an offer: low, expected, high.
    pub take_rates: (f64, f64, f64),
    /// A/B tests: significance level and power.
    pub alpha: f64,
    /// A/B tests: power.
    pub power: f64,
    /// Worker threads (`None`: the crate default).
    pub threads: Option<usize>,
}

impl ReportOptions {
    /// The defaults for data named `source`, dated `date` (`YYYY-MM-DD`).
    pub fn new(source: impl Into<String>, date: impl Into<String>) -> Self {
        ReportOptions {
            source: source.into(),
            date: date.into(),
            title: None,
            min_pair_support: 0.005,
            min_lift: 1.2,
            pair_items: 300,
            heatmap_items: 12,
            top: 10,
            windows_days: vec![7, 30],
            min_sequence_customers: 5,
            min_rule_support: 0.005,
            k: 5,
            discount: DiscountBand::default(),
            ending: PriceEnding::default(),
            threshold: None,
            take_rates: (0.01, 0.03, 0.06),
            alpha: 0.05,
            power: 0.8,
            threads: None,
        }
    }

    /// Checks every parameter, naming the first bad one.
    ///
    /// ```
    /// let options = upsell::report::ReportOptions { k: 0, ..upsell::report::ReportOptions::new("a.csv", "2026-12-03") };
    /// assert!(options.validate().unwrap_err().to_string().contains("k"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        let fraction = |name: &'static str, value: f64| {
            if (0.0..=1.0).contains(&value) {
                Ok(())
            } else {
                Err(Error::invalid_parameter(
                    name,
                    format!("must be within [0, 1], got {value}"),
                ))
            }
        };
        fraction("min_pair_support", self.min_pair_support)?;
        fraction("min_rule_support", self.min_rule_support)?;
        if !(self.min_lift.is_finite() && self.min_lift >= 0.0) {
            return Err(Error::invalid_parameter(
                "min_lift",
                format!("must be a finite number >= 0, got {}", self.min_lift),
            ));
        }
        for (name, value) in [
            ("pair_items", self.pair_items),
            ("heatmap_items", self.heatmap_items),
            ("top", self.top),
            ("k", self.k),
        ] {
            if value == 0 {
                return Err(Error::invalid_parameter(name, "must be at least 1"));
            }
        }
        if self.pair_items > 5_000 {
            return Err(Error::invalid_parameter(
                "pair_items",
                format!(
                    "{} items make too large a matrix; ask for at most 5000",
                    self.pair_items
                ),
            ));
        }
        let (low, expected, high) = self.take_rates;
        if !(0.0 < low && low <= expected && expected <= high && high < 1.0) {
            return Err(Error::invalid_parameter(
                "take_rates",
                format!("need 0 < low <= expected <= high < 1, got {low}, {expected}, {high}"),
            ));
        }
        if !((self.alpha > 0.0 && self.alpha < 1.0) && (self.power > 0.0 && self.power < 1.0)) {
            return Err(Error::invalid_parameter(
                "alpha",
                format!(
                    "alpha {} and power {} must be within (0, 1)",
                    self.alpha, self.power
                ),
            ));
        }
        if let Some(threshold) = self.threshold {
            if threshold.minor() <= 0 {
                return Err(Error::invalid_parameter(
                    "threshold",
                    format!("must be positive, got {threshold}"),
                ));
            }
        }
        crate::parallel::check_threads(self.threads)?;
        crate::sequence::SequenceOptions {
            windows: self.windows_days.clone(),
            ..Default::default()
        }
        .validate()?;
        if jiff::civil::Date::strptime("%Y-%m-%d", &self.date).is_err() {
            return Err(Error::invalid_parameter(
                "date",
                format!("'{}' is not a date as YYYY-MM-DD", self.date),
            ));
        }
        Ok(())
    }

    /// The title: given, or the source's file stem.
    pub fn title(&self) -> String {
        self.title.clone().unwrap_or_else(|| {
            std::path::Path::new(&self.source)
                .file_stem()
                .map_or_else(|| self.source.clone(), |s| s.to_string_lossy().into_owned())
        })
    }
}

/// Something a section could not compute, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// What is missing (`"revenue"`, `"time-window affinity"`).
    pub what: String,
    /// Why, in a sentence a shop owner understands.
    pub why: String,
}

impl Missing {
    fn new(what: impl Into<String>, why: impl Into<String>) -> Self {
        Missing {
            what: what.into(),
            why: why.into(),
        }
    }
}

/// An item as the report shows it: its code and its name (the description, or the code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRef {
    /// The item code.
    pub item: String,
    /// The description when the data has one, else the code.
    pub name: String,
}

/// A ratio with the counts it came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// `numerator / denominator`.
    pub value: f64,
    /// The counted numerator.
    pub numerator: u64,
    /// The counted denominator.
    pub denominator: u64,
}

impl Rate {
    fn new(numerator: u64, denominator: u64) -> Self {
        let value = if denominator == 0 {
            0.0
        } else {
            numerator as f64 / denominator as f64
        };
        Rate {
            value,
            numerator,
            denominator,
        }
    }
}

/// The whole report: six sections and what they were computed from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// The title.
    pub title: String,
    /// The file-name slug of the title.
    pub slug: String,
    /// The report's date.
    pub date: String,
    /// The data's name.
    pub source: String,
    /// The currency of every amount.
    pub currency: String,
    /// Whether the data has prices (every money figure needs them).
    pub priced: bool,
    /// 1. The current state.
    pub state: sections::State,
    /// 2. Affinity: pairs, heatmap, time windows.
    pub affinity: sections::AffinitySection,
    /// 3. Recommendations and how far to trust them.
    pub recommendations: sections::Recommendations,
    /// 4. Bundles and threshold fillers.
    pub pricing: sections::PricingSection,
    /// 5. The starter trigger rule set.
    pub triggers: sections::TriggerSection,
    /// 6. Opportunities ranked by revenue per year.
    pub opportunities: sections::OpportunitySection,
}

pub use sections::{
    AbPlan, AffinitySection, Aov, BundleFinding, Evaluated, Excluded, FillerFinding, Heatmap,
    MethodRow, Opportunity, OpportunitySection, PairFinding, Pareto, Placement, PricingSection,
    ProductShare, Recommendations, RuleFinding, SequenceFinding, State, Suggestion,
    ThresholdFinding, Together, TriggerSection, Week, YearRange,
};

/// Builds the report of `orders` (see the [module docs](self)).
///
/// Errors only for bad options or cancellation: data too thin for a section gives that section's
/// `missing` entries, never an error.
pub fn build_report(
    orders: &OrderLines,
    options: &ReportOptions,
    control: &Control,
) -> Result<Report> {
    build_report_timed(orders, options, control).map(|(report, _)| report)
}

/// [`build_report`], with the time each section took (for benches: the report itself holds no
/// time, so the same data always gives the same report).
pub fn build_report_timed(
    orders: &OrderLines,
    options: &ReportOptions,
    control: &Control,
) -> Result<(Report, Vec<(&'static str, std::time::Duration)>)> {
    options.validate()?;
    let mut timings = Vec::new();
    let mut clock = std::time::Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<_>| {
        timings.push((name, clock.elapsed()));
        clock = std::time::Instant::now();
        control.check()
    };
    let title = options.title();
    let facts = sections::Facts::new(orders, options);
    lap("facts", &mut timings)?;
    let state = sections::state(&facts)?;
    lap("state", &mut timings)?;
    let affinity = sections::affinity(&facts, control)?;
    lap("affinity", &mut timings)?;
    let recommendations = sections::recommendations(&facts, control)?;
    lap("recommendations", &mut timings)?;
    let pricing = sections::pricing(&facts, control)?;
    lap("pricing", &mut timings)?;
    let slug = slug(&title);
    let rule_file = format!("{}-triggers.yaml", file_stem(&options.date, &slug));
    let triggers = sections::triggers(&facts, &affinity, &pricing, rule_file, control)?;
    lap("triggers", &mut timings)?;
    let opportunities = sections::opportunities(&facts, &affinity, &pricing)?;
    lap("opportunities", &mut timings)?;
    let report = Report {
        version: REPORT_VERSION,
        slug,
        title,
        date: options.date.clone(),
        source: options.source.clone(),
        currency: orders.currency().code().to_owned(),
        priced: orders.has_prices(),
        state,
        affinity,
        recommendations,
        pricing,
        triggers,
        opportunities,
    };
    Ok((report, timings))
}

/// `Online Retail (week 1)` -> `online-retail-week-1`: lowercase ASCII letters and digits, one dash
/// between words, `report` when nothing is left.
///
/// ```
/// assert_eq!(upsell::report::slug("Online Retail (week 1)"), "online-retail-week-1");
/// assert_eq!(upsell::report::slug("éé"), "report");
/// ```
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "report".to_owned()
    } else {
        out.chars()
            .take(60)
            .collect::<String>()
            .trim_end_matches('-')
            .to_owned()
    }
}

fn file_stem(date: &str, slug: &str) -> String {
    format!("upsell-maximizer-{date}-{slug}")
}

impl Report {
    /// The report as pretty JSON (the `.json` file).
    pub fn json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| {
            Error::invalid_input(
                crate::Location::memory(),
                format!("cannot serialise the report: {e}"),
            )
        })
    }

    /// The file name stem: `upsell-maximizer-{date}-{slug}`.
    pub fn file_stem(&self) -> String {
        file_stem(&self.date, &self.slug)
    }
}

#[cfg(test)]
mod tests {
    use super::{ReportOptions, build_report};
    use crate::data::{OrderLines, OrderReadOptions};

    fn report(csv: &str, columns: &str) -> super::Report {
        let options = OrderReadOptions {
            columns: columns.parse().unwrap(),
            ..OrderReadOptions::default()
        };
        let orders = OrderLines::from_reader(csv.as_bytes(), "mem.csv", &options).unwrap();
        build_report(
            &orders,
            &ReportOptions::new("mem.csv", "2026-12-03"),
            &crate::Control::new(),
        )
        .unwrap()
    }

    fn missing(report: &super::Report) -> Vec<String> {
        [
            &report.state.missing,
            &report.affinity.missing,
            &report.recommendations.missing,
            &report.pricing.missing,
            &report.triggers.missing,
            &report.opportunities.missing,
        ]
        .into_iter()
        .flatten()
        .map(|m| format!("{}: {}", m.what, m.why))
        .collect()
    }

    const PLAIN: &str = "description=,segment=";

    #[test]
    fn one_order_one_product() {
        let r = report(
            "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n1,MUG,2,2010-12-01,2.55,7\n",
            PLAIN,
        );
        assert_eq!(r.state.aov.unwrap().value.minor(), 510);
        let missing = missing(&r);
        assert!(
            missing.iter().any(|m| m.contains("single product")),
            "{missing:?}"
        );
        assert!(
            missing.iter().any(|m| m.starts_with("held-out evaluation")),
            "{missing:?}"
        );
        assert!(r.affinity.pairs.is_empty() && r.opportunities.opportunities.is_empty());
    }

    #[test]
    fn no_prices_and_no_customers() {
        let mut csv = "basket,item,day\n".to_owned();
        for b in 0..30 {
            for item in ["milk", "bread", "eggs"].iter().take(2 + b % 2) {
                csv.push_str(&format!("{b},{item},2015-07-{:02}\n", 1 + b % 20));
            }
        }
        let r = report(
            &csv,
            "invoice=basket,item=item,time=day,quantity=,price=,customer=,description=,segment=",
        );
        assert!(!r.priced && r.state.revenue.is_none() && r.state.customers.is_none());
        assert!(r.pricing.bundles.is_empty() && r.pricing.threshold.is_none());
        assert!(
            r.opportunities
                .opportunities
                .iter()
                .all(|o| o.revenue_per_year.is_none())
        );
        let missing = missing(&r);
        assert!(
            missing
                .iter()
                .any(|m| m.starts_with("time-window affinity")),
            "{missing:?}"
        );
        assert!(
            missing.iter().any(|m| m.contains("no prices")),
            "{missing:?}"
        );
        assert_eq!(r.state.orders, 30);
    }

    #[test]
    fn priced_pairs_give_rules_fillers_and_plans() {
        let mut csv = "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n".to_owned();
        for o in 0..60 {
            let day = 1 + o % 28;
            csv.push_str(&format!("{o},MUG,1,2010-11-{day:02},5.00,{}\n", o % 25));
            if o % 3 != 0 {
                csv.push_str(&format!("{o},TEA,1,2010-11-{day:02},3.00,{}\n", o % 25));
            }
            if o % 5 == 0 {
                csv.push_str(&format!("{o},LAMP,1,2010-11-{day:02},40.00,{}\n", o % 25));
            }
        }
        let r = report(&csv, PLAIN);
        assert!(!r.affinity.pairs.is_empty() || !r.affinity.missing.is_empty());
        let t = r.pricing.threshold.as_ref().unwrap();
        assert!(t.threshold.minor() > 0);
        assert!(crate::triggers::RuleSet::from_yaml_str(&r.triggers.rule_file).is_ok());
        for o in &r.opportunities.opportunities {
            assert!(o.ab_test.n_per_arm.is_some() || o.ab_test.note.is_some());
        }
        let json = r.json().unwrap();
        assert!(json.contains("\"aov\"") && json.contains("\"minor\""));
        #[cfg(feature = "report")]
        {
            let html = r.html().unwrap();
            for id in [
                "state",
                "affinity",
                "recommendations",
                "pricing",
                "triggers",
                "opportunities",
            ] {
                assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
            }
            assert!(
                !html.contains("<script")
                    && !html.contains("src=\"http")
                    && !html.contains("href=\"http")
            );
            assert!(
                r.markdown()
                    .unwrap()
                    .contains("## 6. Opportunities, ranked")
            );
        }
    }

    #[test]
    fn bad_options_are_named() {
        let mut options = ReportOptions::new("a.csv", "03/12/2026");
        assert!(options.validate().unwrap_err().to_string().contains("date"));
        options.date = "2026-12-03".to_owned();
        options.take_rates = (0.1, 0.05, 0.2);
        assert!(
            options
                .validate()
                .unwrap_err()
                .to_string()
                .contains("take_rates")
        );
    }
}
