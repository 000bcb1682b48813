//! The statistics of subgroup discovery: Fisher's exact test, the Wilson interval of a rate, and
//! Holm's and Benjamini-Hochberg's corrections for many tests.
//!
//! The one idea: the same definitions as the references (scipy's `fisher_exact(alternative=
//! "greater")`, statsmodels' `proportion_confint(method="wilson")` and `multipletests(method="holm"
//! | "fdr_bh")`), checked against them to 1e-9, and a Fisher p-value that is also given as its
//! natural logarithm, so that subgroups of a million customers, whose p-values underflow to 0, can
//! still be ranked. The hypergeometric tail is summed from the observed count away from the mode,
//! where its terms fall geometrically, so a test costs a few standard deviations' worth of terms
//! whatever the number of customers.

use super::abtest::normal_quantile;
use crate::{Error, Result};

/// The one-sided Fisher exact test that a group's rate is higher than the rest's.
///
/// Of `total` customers, `positives` had the outcome; a group of `size` of them holds `hits`
/// positives. The p-value is `P(X >= hits)` for `X` hypergeometric (`total`, `positives`, `size`),
/// scipy's `fisher_exact([[hits, size - hits], [positives - hits, rest]], alternative="greater")`.
/// Returns `(p, ln p)`; `ln p` stays finite where `p` underflows to 0.
///
/// ```
/// let (p, ln_p) = upsell::metrics::fisher_greater(20, 10, 10, 8)?;
/// assert!((p - 0.011507068782610578).abs() < 1e-15);
/// assert!((ln_p - p.ln()).abs() < 1e-12);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn fisher_greater(total: u64, positives: u64, size: u64, hits: u64) -> Result<(f64, f64)> {
    if positives > total || size > total || hits > size || hits > positives {
        return Err(Error::invalid_parameter(
            "hits",
            format!(
                "need hits <= size, hits <= positives, both <= total; got total {total}, positives {positives}, size {size}, hits {hits}"
            ),
        ));
    }
    let (n_total, k, n) = (total as f64, positives as f64, size as f64);
    let low = (size + positives).saturating_sub(total);
    if hits <= low {
        return Ok((1.0, 0.0));
    }
    let ln_pmf = |x: f64| ln_choose(k, x) + ln_choose(n_total - k, n - x) - ln_choose(n_total, n);
    let mode = ((n + 1.0) * (k + 1.0) / (n_total + 2.0)).floor();
    let a = hits as f64;
    if a > mode {
        // Upper tail from `hits` up: terms fall from the first on.
        let high = size.min(positives) as f64;
        let (mut term, mut sum, mut x) = (1.0f64, 1.0f64, a);
        while x < high {
            term *= (k - x) * (n - x) / ((x + 1.0) * (n_total - k - n + x + 1.0));
            sum += term;
            x += 1.0;
            if term < sum * 1e-17 {
                break;
            }
        }
        let ln_p = (ln_pmf(a) + sum.ln()).min(0.0);
        Ok((ln_p.exp(), ln_p))
    } else {
        // 1 - the lower tail, summed from `hits - 1` down.
        let low = low as f64;
        let (mut x, mut term) = (a - 1.0, 1.0f64);
        let mut sum = 1.0f64;
        while x > low {
            term *= x * (n_total - k - n + x) / ((k - x + 1.0) * (n - x + 1.0));
            sum += term;
            x -= 1.0;
            if term < sum * 1e-17 {
                break;
            }
        }
        let lower = (ln_pmf(a - 1.0) + sum.ln()).exp();
        let p = (1.0 - lower).clamp(0.0, 1.0);
        Ok((p, p.ln()))
    }
}

fn ln_choose(n: f64, k: f64) -> f64 {
    libm::lgamma(n + 1.0) - libm::lgamma(k + 1.0) - libm::lgamma(n - k + 1.0)
}

/// The Wilson score interval of the rate `hits / size` at confidence `1 - alpha`, statsmodels'
/// `proportion_confint(hits, size, alpha, method="wilson")`.
///
/// ```
/// let (low, high) = upsell::metrics::wilson_interval(30, 100, 0.05)?;
/// assert!((low - 0.21894885294932756).abs() < 1e-15 && (high - 0.39584854633346667).abs() < 1e-15);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn wilson_interval(hits: u64, size: u64, alpha: f64) -> Result<(f64, f64)> {
    check_alpha(alpha)?;
    if size == 0 || hits > size {
        return Err(Error::invalid_parameter(
            "size",
            format!("need 0 <= hits <= size and size >= 1, got hits {hits}, size {size}"),
        ));
    }
    let crit = normal_quantile(1.0 - alpha / 2.0);
    let (q, n) = (hits as f64 / size as f64, size as f64);
    let crit2 = crit * crit;
    let denom = 1.0 + crit2 / n;
    let center = (q + crit2 / (2.0 * n)) / denom;
    let dist = crit * (q * (1.0 - q) / n + crit2 / (4.0 * n * n)).sqrt() / denom;
    Ok((center - dist, center + dist))
}

fn check_alpha(alpha: f64) -> Result<()> {
    if alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(Error::invalid_parameter(
            "alpha",
            format!("must be between 0 and 1, got {alpha}"),
        ))
    }
}

/// How p-values are corrected for the number of tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Correction {
    /// Holm's step-down method: controls the family-wise error rate (the chance of any false
    /// discovery), under any dependence between the tests.
    #[default]
    Holm,
    /// Benjamini-Hochberg: controls the false discovery rate (the expected share of false
    /// discoveries among the reported ones), for independent or positively dependent tests.
    BenjaminiHochberg,
}

impl Correction {
    /// The name used on every surface: `holm` or `bh`.
    pub fn as_str(self) -> &'static str {
        match self {
            Correction::Holm => "holm",
            Correction::BenjaminiHochberg => "bh",
        }
    }
}

impl std::str::FromStr for Correction {
    type Err = Error;

    /// ```
    /// use upsell::metrics::Correction;
    /// assert_eq!("fdr_bh".parse::<Correction>()?, Correction::BenjaminiHochberg);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().replace('-', "_").as_str() {
            "holm" => Ok(Correction::Holm),
            "bh" | "fdr_bh" | "benjamini_hochberg" => Ok(Correction::BenjaminiHochberg),
            _ => Err(Error::invalid_parameter(
                "correction",
                format!("'{s}' is not one of holm, bh"),
            )),
        }
    }
}

/// Corrected p-values, in the order given, for `p_values` out of `tests` tests in all: the tests
/// whose p-values are not given count as p = 1, the least favourable value for the given ones.
/// With `tests == p_values.len()` this is statsmodels' `multipletests(p_values, method="holm" |
/// "fdr_bh")[1]`; otherwise the same over `p_values` padded with ones.
///
/// ```
/// use upsell::metrics::{adjust_p_values, Correction};
/// let holm = adjust_p_values(&[0.01, 0.04, 0.03], 3, Correction::Holm)?;
/// assert_eq!(holm, [0.03, 0.06, 0.06]);
/// let bh = adjust_p_values(&[0.01, 0.04, 0.03], 4, Correction::BenjaminiHochberg)?;
/// assert!((bh[0] - 0.04).abs() < 1e-15 && (bh[1] - 0.0533333333333333).abs() < 1e-12);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn adjust_p_values(p_values: &[f64], tests: u64, correction: Correction) -> Result<Vec<f64>> {
    if tests < p_values.len() as u64 {
        return Err(Error::invalid_parameter(
            "tests",
            format!(
                "{tests} tests, fewer than the {} p-values given",
                p_values.len()
            ),
        ));
    }
    if let Some(p) = p_values.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(Error::invalid_parameter(
            "p_values",
            format!("{p} is not a p-value"),
        ));
    }
    let mut order: Vec<usize> = (0..p_values.len()).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]).then(a.cmp(&b)));
    let m = tests as f64;
    let mut adjusted = vec![0.0; p_values.len()];
    match correction {
        Correction::Holm => {
            let mut running = 0.0f64;
            for (rank, &k) in order.iter().enumerate() {
                running = running.max((m - rank as f64) * p_values[k]);
                adjusted[k] = running.min(1.0);
            }
        }
        Correction::BenjaminiHochberg => {
            // The padded ones rank last, where m * 1 / rank >= 1: they cap the running minimum at 1.
            let mut running = 1.0f64;
            for (rank, &k) in order.iter().enumerate().rev() {
                running = running.min(m * p_values[k] / (rank as f64 + 1.0));
                adjusted[k] = running;
            }
        }
    }
    Ok(adjusted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fisher_lower_branch_and_edges() -> Result<()> {
        // scipy.stats.fisher_exact([[1, 9], [9, 1]], alternative="greater")
        let (p, _) = fisher_greater(20, 10, 10, 1)?;
        assert!((p - 0.9999945874).abs() < 1e-9, "{p}");
        assert_eq!(fisher_greater(10, 5, 10, 5)?, (1.0, 0.0));
        // All positives in the group and nowhere else.
        let (p, ln_p) = fisher_greater(100_000, 1000, 1000, 1000)?;
        assert_eq!(p, 0.0);
        assert!(ln_p < -5000.0 && ln_p.is_finite());
        assert!(fisher_greater(10, 5, 3, 4).is_err());
        Ok(())
    }

    #[test]
    fn corrections_cap_at_one_and_keep_order() -> Result<()> {
        let p = [0.5, 0.001, 0.2];
        let holm = adjust_p_values(&p, 10, Correction::Holm)?;
        assert_eq!(holm, [1.0, 0.01, 1.0]);
        let bh = adjust_p_values(&p, 3, Correction::BenjaminiHochberg)?;
        assert!((bh[0] - 0.5).abs() < 1e-15 && (bh[1] - 0.003).abs() < 1e-15);
        assert!(adjust_p_values(&p, 2, Correction::Holm).is_err());
        Ok(())
    }
}
