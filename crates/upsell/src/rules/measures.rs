//! The interest measures of a rule, computed from four counts.
//!
//! Formulas and edge cases follow mlxtend's `association_rules` (and arules where mlxtend is
//! silent), so a data scientist gets the numbers she already knows: conviction is infinite at
//! confidence 1; Zhang's metric and certainty are 0 where their denominators vanish.

use crate::{Error, Result};

/// One interest measure of a rule `A -> C`.
///
/// Names are mlxtend's column names (`"zhangs_metric"`, `"antecedent support"`, ...); underscores
/// and spaces are interchangeable when parsing.
///
/// ```
/// use upsell::rules::Measure;
/// assert_eq!("lift".parse::<Measure>()?, Measure::Lift);
/// assert_eq!("antecedent_support".parse::<Measure>()?, Measure::AntecedentSupport);
/// assert_eq!(Measure::Zhang.name(), "zhangs_metric");
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Measure {
    /// `s(A)`: the share of baskets that hold the antecedent.
    AntecedentSupport,
    /// `s(C)`: the share of baskets that hold the consequent.
    ConsequentSupport,
    /// `s(A ∪ C)`.
    Support,
    /// `s(A ∪ C) / s(A)`: how often the rule is right when it applies.
    Confidence,
    /// `confidence / s(C)`: how much the antecedent raises the odds of the consequent.
    Lift,
    /// `s(A ∪ C) - s(A) s(C)`.
    Leverage,
    /// `(1 - s(C)) / (1 - confidence)`, infinite at confidence 1.
    Conviction,
    /// Zhang's metric: `leverage / max(s(AC)(1 - s(A)), s(A)(s(C) - s(AC)))`, in [-1, 1].
    Zhang,
    /// `s(A ∪ C) / (s(A) + s(C) - s(A ∪ C))`.
    Jaccard,
    /// Certainty factor: `(confidence - s(C)) / (1 - s(C))`.
    Certainty,
    /// `(confidence(A -> C) + confidence(C -> A)) / 2`.
    Kulczynski,
    /// The share of baskets on which the rule could be evaluated: 1 without missing values.
    Representativity,
}

impl Measure {
    /// Every measure, in mlxtend's column order.
    pub const ALL: [Measure; 12] = [
        Measure::AntecedentSupport,
        Measure::ConsequentSupport,
        Measure::Support,
        Measure::Confidence,
        Measure::Lift,
        Measure::Representativity,
        Measure::Leverage,
        Measure::Conviction,
        Measure::Zhang,
        Measure::Jaccard,
        Measure::Certainty,
        Measure::Kulczynski,
    ];

    /// mlxtend's column name of the measure.
    pub fn name(self) -> &'static str {
        match self {
            Measure::AntecedentSupport => "antecedent support",
            Measure::ConsequentSupport => "consequent support",
            Measure::Support => "support",
            Measure::Confidence => "confidence",
            Measure::Lift => "lift",
            Measure::Leverage => "leverage",
            Measure::Conviction => "conviction",
            Measure::Zhang => "zhangs_metric",
            Measure::Jaccard => "jaccard",
            Measure::Certainty => "certainty",
            Measure::Kulczynski => "kulczynski",
            Measure::Representativity => "representativity",
        }
    }

    /// The measure of a rule with union count `ac`, antecedent count `a`, consequent count `c`, over
    /// `n` baskets.
    ///
    /// ```
    /// use upsell::rules::Measure;
    /// // 100 baskets: A in 40, C in 50, both in 30.
    /// assert_eq!(Measure::Confidence.compute(30, 40, 50, 100), 0.75);
    /// assert_eq!(Measure::Lift.compute(30, 40, 50, 100), 1.5);
    /// assert_eq!(Measure::Conviction.compute(40, 40, 50, 100), f64::INFINITY);
    /// // Exact where summing two rounded quotients gives 0.49999999999999994.
    /// assert_eq!(Measure::Kulczynski.compute(3, 4, 12, 20), 0.5);
    /// ```
    pub fn compute(self, ac: u64, a: u64, c: u64, n: u64) -> f64 {
        let n = n as f64;
        let (s_ac, s_a, s_c) = (ac as f64 / n, a as f64 / n, c as f64 / n);
        let confidence = ac as f64 / a as f64;
        match self {
            Measure::AntecedentSupport => s_a,
            Measure::ConsequentSupport => s_c,
            Measure::Support => s_ac,
            Measure::Confidence => confidence,
            Measure::Lift => confidence / s_c,
            Measure::Leverage => s_ac - s_a * s_c,
            Measure::Conviction => {
                if ac >= a {
                    f64::INFINITY
                } else {
                    (1.0 - s_c) / (1.0 - confidence)
                }
            }
            Measure::Zhang => {
                let denominator = (s_ac * (1.0 - s_a)).max(s_a * (s_c - s_ac));
                if denominator == 0.0 {
                    0.0
                } else {
                    (s_ac - s_a * s_c) / denominator
                }
            }
            Measure::Jaccard => s_ac / (s_a + s_c - s_ac),
            Measure::Certainty => {
                let denominator = 1.0 - s_c;
                if denominator == 0.0 {
                    0.0
                } else {
                    (confidence - s_c) / denominator
                }
            }
            // (ac/a + ac/c) / 2 = ac (a + c) / (2 a c): one division of exact integers, so the
            // result is correctly rounded wherever both fit in f64's 53-bit mantissa.
            Measure::Kulczynski => {
                let (ac, a, c) = (u128::from(ac), u128::from(a), u128::from(c));
                (ac * (a + c)) as f64 / (2 * a * c) as f64
            }
            Measure::Representativity => 1.0,
        }
    }
}

impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Measure {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        let alias = match wanted.as_str() {
            "zhang" => "zhangs_metric",
            "certainty_factor" => "certainty",
            other => other,
        };
        Measure::ALL
            .into_iter()
            .find(|m| m.name().replace(' ', "_") == alias)
            .ok_or_else(|| {
                let names: Vec<&str> = Measure::ALL.iter().map(|m| m.name()).collect();
                Error::invalid_parameter(
                    "metric",
                    format!("'{s}' is not a measure; use one of: {}", names.join(", ")),
                )
            })
    }
}
