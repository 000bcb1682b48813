//! A/B tests of conversion rates: the two-proportion z-test, confidence intervals of the lift, the
//! sample size for a baseline and a minimum detectable effect, and a warning against peeking.
//!
//! The one idea: the same formulas as the reference (statsmodels' `proportions_ztest`,
//! `confint_proportions_2indep` and `NormalIndPower`), so a result can be checked against it to
//! 1e-9. The normal CDF is `erfc` from `libm` (the FreeBSD msun port, within 1 ulp); the quantile is
//! Acklam's rational approximation (relative error 1.2e-9) polished by Halley steps on that CDF,
//! which brings it to the last bits. No crate offers a quantile of that accuracy without a large
//! dependency, so it is written here.

use crate::{Error, Result};

/// The standard normal CDF.
///
/// ```
/// assert!((upsell::metrics::normal_cdf(1.959963984540054) - 0.975).abs() < 1e-15);
/// ```
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// The standard normal survival function `1 - cdf(x)`, accurate in the far tail.
///
/// ```
/// assert!((upsell::metrics::normal_sf(8.0) - 6.22096057427178e-16).abs() < 1e-28);
/// ```
pub fn normal_sf(x: f64) -> f64 {
    0.5 * libm::erfc(x / std::f64::consts::SQRT_2)
}

/// The standard normal quantile (inverse CDF) of `p` in (0, 1); NaN outside.
///
/// ```
/// assert!((upsell::metrics::normal_quantile(0.975) - 1.959963984540054).abs() < 1e-15);
/// assert!((upsell::metrics::normal_quantile(1e-10) + 6.361340902404056).abs() < 1e-13);
/// ```
pub fn normal_quantile(p: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    let mut x = acklam(p);
    for _ in 0..3 {
        // Halley's step on cdf(x) - p, the error taken on the smaller tail to keep its precision.
        let error = if x < 0.0 {
            normal_cdf(x) - p
        } else {
            (1.0 - p) - normal_sf(x)
        };
        let density = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        if density == 0.0 {
            break;
        }
        let u = error / density;
        x -= u / (1.0 + 0.5 * x * u);
    }
    x
}

/// Acklam's rational approximation of the normal quantile (relative error below 1.15e-9).
/// The coefficients are kept exactly as published.
#[allow(clippy::excessive_precision)]
fn acklam(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383577518672690e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Which arm won.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// B converts better, significantly at `alpha`.
    BBetter,
    /// A converts better, significantly at `alpha`.
    ABetter,
    /// No significant difference at `alpha`.
    Inconclusive,
}

impl Verdict {
    /// `"b_better"`, `"a_better"` or `"inconclusive"`.
    ///
    /// ```
    /// assert_eq!(upsell::metrics::Verdict::BBetter.as_str(), "b_better");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::BBetter => "b_better",
            Verdict::ABetter => "a_better",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// The result of [`ab_test`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AbTestResult {
    /// Conversion rate of A.
    pub rate_a: f64,
    /// Conversion rate of B.
    pub rate_b: f64,
    /// `rate_b - rate_a`.
    pub difference: f64,
    /// Wald confidence interval of the difference (unpooled variance).
    pub difference_ci: (f64, f64),
    /// The relative lift `rate_b / rate_a - 1`; `None` when A has no conversion.
    pub lift: Option<f64>,
    /// Confidence interval of the lift (log risk ratio); `None` when either arm has no conversion.
    pub lift_ci: Option<(f64, f64)>,
    /// The z statistic of B against A (pooled variance): positive when B converts better.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// The significance level.
    pub alpha: f64,
    /// The verdict at `alpha`.
    pub verdict: Verdict,
    /// Set when the test was looked at more than once (`looks > 1`).
    pub peeking_warning: Option<String>,
}

/// Type-I error of a nominal 5 % two-sided test checked after each of k equally spaced looks
/// (Armitage, McPherson & Rowe 1969, table 2).
const PEEKING: &[(u32, f64)] = &[
    (1, 0.05),
    (2, 0.083),
    (3, 0.107),
    (4, 0.126),
    (5, 0.142),
    (10, 0.193),
    (20, 0.248),
    (50, 0.320),
    (100, 0.374),
];

/// The two-proportion z-test of B against A at `alpha`, with confidence intervals of the difference
/// and of the relative lift; `looks` is how many times the data was tested while it came in.
///
/// The z statistic and p-value equal statsmodels'
/// `proportions_ztest([conversions_b, conversions_a], [n_b, n_a])`; the intervals equal
/// `confint_proportions_2indep(conversions_b, n_b, conversions_a, n_a, compare="diff", method="wald")`
/// and `compare="ratio", method="log"` (minus one).
///
/// ```
/// use upsell::metrics::{ab_test, Verdict};
/// let result = ab_test(200, 5000, 260, 5000, 0.05, 1)?;
/// assert!((result.z - 2.864165750631023).abs() < 1e-12);
/// assert_eq!(result.verdict, Verdict::BBetter);
/// assert!((result.lift.unwrap() - 0.30).abs() < 1e-12);
/// assert!(ab_test(10, 5, 1, 5, 0.05, 1).is_err()); // more conversions than visitors
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn ab_test(
    conversions_a: u64,
    n_a: u64,
    conversions_b: u64,
    n_b: u64,
    alpha: f64,
    looks: u32,
) -> Result<AbTestResult> {
    check_alpha(alpha)?;
    check_arm("a", conversions_a, n_a)?;
    check_arm("b", conversions_b, n_b)?;
    if looks == 0 {
        return Err(Error::invalid_parameter(
            "looks",
            "must be at least 1 (the final analysis)",
        ));
    }
    let (ca, na, cb, nb) = (
        conversions_a as f64,
        n_a as f64,
        conversions_b as f64,
        n_b as f64,
    );
    let (pa, pb) = (ca / na, cb / nb);
    let pooled = (ca + cb) / (na + nb);
    let variance = pooled * (1.0 - pooled) * (1.0 / nb + 1.0 / na);
    if variance <= 0.0 {
        return Err(Error::invalid_input(
            crate::Location::memory(),
            "no variance: either every visitor or no visitor converted in both arms, so the arms cannot be compared",
        ));
    }
    let difference = pb - pa;
    let z = difference / variance.sqrt();
    let p_value = 2.0 * normal_sf(z.abs());
    let critical = normal_quantile(1.0 - alpha / 2.0);
    let half_width = critical * (pb * (1.0 - pb) / nb + pa * (1.0 - pa) / na).sqrt();
    let lift = (conversions_a > 0).then(|| pb / pa - 1.0);
    let lift_ci = (conversions_a > 0 && conversions_b > 0).then(|| {
        let ratio = pb / pa;
        let spread = critical * (1.0 / cb - 1.0 / nb + 1.0 / ca - 1.0 / na).sqrt();
        (
            (ratio.ln() - spread).exp() - 1.0,
            (ratio.ln() + spread).exp() - 1.0,
        )
    });
    let verdict = match (p_value < alpha, difference > 0.0) {
        (true, true) => Verdict::BBetter,
        (true, false) => Verdict::ABetter,
        _ => Verdict::Inconclusive,
    };
    Ok(AbTestResult {
        rate_a: pa,
        rate_b: pb,
        difference,
        difference_ci: (difference - half_width, difference + half_width),
        lift,
        lift_ci,
        z,
        p_value,
        alpha,
        verdict,
        peeking_warning: peeking_warning(looks, alpha),
    })
}

fn peeking_warning(looks: u32, alpha: f64) -> Option<String> {
    if looks <= 1 {
        return None;
    }
    let corrected = alpha / f64::from(looks);
    let inflation = if (alpha - 0.05).abs() < 1e-12 {
        let (k, rate) = PEEKING
            .iter()
            .rev()
            .find(|(k, _)| *k <= looks)
            .copied()
            .unwrap_or((1, 0.05));
        format!(
            " With {k} equally spaced looks a nominal 5% test rejects a true null about {:.1}% of the time (Armitage et al. 1969).",
            rate * 100.0
        )
    } else {
        String::new()
    };
    Some(format!(
        "the data was tested {looks} times while it came in: the p-value is not valid at alpha {alpha}.{inflation} \
         Fix the sample size in advance, or use a sequential design (e.g. Bonferroni alpha {corrected:.4} per look)."
    ))
}

fn check_alpha(alpha: f64) -> Result<()> {
    if alpha.is_finite() && alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(Error::invalid_parameter(
            "alpha",
            format!("must be in (0, 1), got {alpha}"),
        ))
    }
}

fn check_arm(arm: &'static str, conversions: u64, n: u64) -> Result<()> {
    if n == 0 {
        return Err(Error::invalid_parameter(
            if arm == "a" { "n_a" } else { "n_b" },
            "an arm needs at least one visitor",
        ));
    }
    if conversions > n {
        return Err(Error::invalid_parameter(
            if arm == "a" {
                "conversions_a"
            } else {
                "conversions_b"
            },
            format!(
                "{conversions} conversions out of {n} visitors: more conversions than visitors"
            ),
        ));
    }
    Ok(())
}

fn check_rate(name: &'static str, p: f64) -> Result<()> {
    if p.is_finite() && p > 0.0 && p < 1.0 {
        Ok(())
    } else {
        Err(Error::invalid_parameter(
            name,
            format!("must be a rate in (0, 1), got {p}"),
        ))
    }
}

/// Cohen's effect size h between two rates: `2 asin(sqrt(p2)) - 2 asin(sqrt(p1))`
/// (statsmodels' `proportion_effectsize(p2, p1)`).
///
/// ```
/// assert!((upsell::metrics::effect_size(0.10, 0.12) - 0.06398210298605855).abs() < 1e-15);
/// ```
pub fn effect_size(p1: f64, p2: f64) -> f64 {
    2.0 * p2.sqrt().asin() - 2.0 * p1.sqrt().asin()
}

/// Power of a two-sided two-sample z-test with effect size `h`, `n` per arm (equal arms), at `alpha`
/// (statsmodels' `NormalIndPower().power(h, n, alpha)`).
///
/// ```
/// let power = upsell::metrics::power(0.2, 393.0, 0.05)?;
/// assert!((power - 0.80).abs() < 0.001);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn power(h: f64, n: f64, alpha: f64) -> Result<f64> {
    check_alpha(alpha)?;
    if !(n.is_finite() && n > 0.0) {
        return Err(Error::invalid_parameter(
            "n",
            format!("must be positive, got {n}"),
        ));
    }
    Ok(power_unchecked(h, n, alpha))
}

fn power_unchecked(h: f64, n: f64, alpha: f64) -> f64 {
    let critical = normal_quantile(1.0 - alpha / 2.0);
    let shift = h * (n / 2.0).sqrt();
    normal_sf(critical - shift) + normal_cdf(-critical - shift)
}

/// The sample size and effect of a planned test.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SampleSize {
    /// The baseline conversion rate.
    pub baseline: f64,
    /// The rate to detect.
    pub target: f64,
    /// Cohen's h between them.
    pub effect_size: f64,
    /// Visitors per arm, exact (as statsmodels' `solve_power` returns it).
    pub n_per_arm_exact: f64,
    /// Visitors per arm, rounded up.
    pub n_per_arm: u64,
    /// The significance level.
    pub alpha: f64,
    /// The power.
    pub power: f64,
}

/// Visitors per arm to detect a change of the conversion rate from `baseline` by `mde` (absolute,
/// `0.01` is one point) with a two-sided test at `alpha` and `power`.
///
/// Equals `NormalIndPower().solve_power(proportion_effectsize(baseline + mde, baseline), alpha=alpha,
/// power=power)`.
///
/// ```
/// let plan = upsell::metrics::sample_size(0.10, 0.02, 0.05, 0.8)?;
/// assert_eq!(plan.n_per_arm, 3835);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn sample_size(baseline: f64, mde: f64, alpha: f64, power: f64) -> Result<SampleSize> {
    check_rate("baseline", baseline)?;
    check_alpha(alpha)?;
    check_rate("power", power)?;
    let target = baseline + mde;
    if !(mde.is_finite() && mde != 0.0 && target > 0.0 && target < 1.0) {
        return Err(Error::invalid_parameter(
            "mde",
            format!(
                "baseline {baseline} + mde {mde} must be a rate in (0, 1) different from the baseline"
            ),
        ));
    }
    if power <= alpha {
        return Err(Error::invalid_parameter(
            "power",
            format!("must be above alpha ({alpha}), got {power}"),
        ));
    }
    let h = effect_size(baseline, target);
    let n = solve_increasing(|n| power_unchecked(h, n, alpha) - power, 1e-9, 1e15).ok_or_else(
        || {
            Error::invalid_parameter(
                "mde",
                "the effect is too small to detect with any sample size",
            )
        },
    )?;
    Ok(SampleSize {
        baseline,
        target,
        effect_size: h,
        n_per_arm_exact: n,
        n_per_arm: n.ceil() as u64,
        alpha,
        power,
    })
}

/// The smallest absolute increase over `baseline` detectable with `n` visitors per arm at `alpha` and
/// `power` (the effect size solved as `NormalIndPower().solve_power(nobs1=n, ...)`, turned back into a
/// rate).
///
/// ```
/// let plan = upsell::metrics::sample_size(0.10, 0.02, 0.05, 0.8)?;
/// let mde = upsell::metrics::minimum_detectable_effect(0.10, plan.n_per_arm_exact, 0.05, 0.8)?;
/// assert!((mde - 0.02).abs() < 1e-9);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn minimum_detectable_effect(baseline: f64, n: f64, alpha: f64, power: f64) -> Result<f64> {
    check_rate("baseline", baseline)?;
    check_alpha(alpha)?;
    check_rate("power", power)?;
    if !(n.is_finite() && n > 0.0) {
        return Err(Error::invalid_parameter(
            "n",
            format!("must be positive, got {n}"),
        ));
    }
    let ceiling = std::f64::consts::PI - 2.0 * baseline.sqrt().asin();
    let h = solve_increasing(|h| power_unchecked(h, n, alpha) - power, 0.0, ceiling).ok_or_else(
        || {
            Error::invalid_parameter(
                "n",
                format!("{n} visitors per arm cannot reach power {power} for any increase"),
            )
        },
    )?;
    let angle = baseline.sqrt().asin() + h / 2.0;
    Ok(angle.sin().powi(2) - baseline)
}

/// The root of an increasing function on `[low, high]`, to the last bit (bisection).
fn solve_increasing(f: impl Fn(f64) -> f64, mut low: f64, mut high: f64) -> Option<f64> {
    if f(high) < 0.0 {
        return None;
    }
    if f(low) >= 0.0 {
        return Some(low);
    }
    for _ in 0..2000 {
        let mid = low + (high - low) / 2.0;
        if mid <= low || mid >= high {
            break;
        }
        if f(mid) < 0.0 { low = mid } else { high = mid }
    }
    Some(if f(high).abs() <= f(low).abs() {
        high
    } else {
        low
    })
}
