use crate::{Error, Result};

/// A support threshold: an absolute basket count, or a fraction of all baskets.
///
/// A fraction is kept as the exact decimal the user wrote (`0.0001` is 1/10000, not the nearest
/// binary float) and turned into a count by integer arithmetic: `ceil(fraction * baskets)`. An
/// itemset is frequent when its count is at least that many.
///
/// ```
/// use upsell::mining::MinSupport;
/// assert_eq!(MinSupport::parse("9")?.to_count(88_162)?, 9);
/// assert_eq!(MinSupport::parse("0.0001")?.to_count(88_162)?, 9); // 8.8162 -> 9
/// assert_eq!(MinSupport::fraction(0.05)?.to_count(8_124)?, 407);  // 406.2 -> 407
/// assert_eq!(MinSupport::fraction(0.01)?.to_count(100)?, 1);      // exact: not 2
/// assert_eq!(MinSupport::parse("1.0")?.to_count(10)?, 10);
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinSupport {
    /// At least this many baskets (at least 1).
    Count(u64),
    /// At least `numerator / denominator` of all baskets, in `(0, 1]`.
    Fraction {
        /// The fraction's numerator.
        numerator: u128,
        /// The fraction's denominator, a power of ten.
        denominator: u128,
    },
}

impl MinSupport {
    /// An absolute count. A count of 0 is refused later by [`MinSupport::to_count`].
    pub fn count(count: u64) -> Self {
        MinSupport::Count(count)
    }

    /// A fraction of all baskets, in `(0, 1]`, taken as the shortest decimal that prints as `value`.
    ///
    /// ```
    /// use upsell::mining::MinSupport;
    /// assert!(MinSupport::fraction(0.0).is_err());
    /// assert!(MinSupport::fraction(1.5).is_err());
    /// assert!(MinSupport::fraction(f64::NAN).is_err());
    /// ```
    pub fn fraction(value: f64) -> Result<Self> {
        if !value.is_finite() || value <= 0.0 || value > 1.0 {
            return Err(Error::invalid_parameter(
                "min_support",
                format!(
                    "a fraction must be greater than 0 and at most 1, got {value} (give an integer for a basket count)"
                ),
            ));
        }
        // Rust prints the shortest decimal that reads back as the same float: use its digits.
        Self::parse_decimal(&format!("{value}"))
    }

    /// Parses a threshold as written: an integer (`9`) is a count, a decimal (`0.0001`, `1.0`,
    /// `5e-4`) a fraction.
    ///
    /// ```
    /// use upsell::mining::MinSupport;
    /// assert_eq!(MinSupport::parse("9")?, MinSupport::Count(9));
    /// assert!(MinSupport::parse("0").is_err());
    /// assert!(MinSupport::parse("-0.1").is_err());
    /// assert!(MinSupport::parse("ten").is_err());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            let count: u64 = text.parse().map_err(|_| {
                Error::invalid_parameter("min_support", format!("count '{text}' is too large"))
            })?;
            if count == 0 {
                return Err(Error::invalid_parameter(
                    "min_support",
                    "a count must be at least 1",
                ));
            }
            return Ok(MinSupport::Count(count));
        }
        let value: f64 = text.parse().map_err(|_| {
            Error::invalid_parameter(
                "min_support",
                format!("'{text}' is neither a count (9) nor a fraction (0.01)"),
            )
        })?;
        if !value.is_finite() || value <= 0.0 || value > 1.0 {
            return Err(Error::invalid_parameter(
                "min_support",
                format!("a fraction must be greater than 0 and at most 1, got {text}"),
            ));
        }
        if text.contains(['e', 'E']) {
            Self::fraction(value)
        } else {
            Self::parse_decimal(text)
        }
    }

    fn parse_decimal(text: &str) -> Result<Self> {
        let too_precise = || {
            Error::invalid_parameter(
                "min_support",
                format!("fraction '{text}' has too many digits"),
            )
        };
        let (int_part, frac_part) = match text.split_once('.') {
            Some((i, f)) => (i, f),
            None => (text, ""),
        };
        if let Some((mantissa, exponent)) = text.split_once(['e', 'E']) {
            // Scientific notation as Rust prints it, e.g. "1e-5".
            let exponent: i32 = exponent.parse().map_err(|_| too_precise())?;
            let Self::Fraction {
                numerator,
                denominator,
            } = Self::parse_decimal(mantissa)?
            else {
                return Err(too_precise());
            };
            let scale = 10u128
                .checked_pow(exponent.unsigned_abs())
                .ok_or_else(too_precise)?;
            return Ok(if exponent < 0 {
                Self::Fraction {
                    numerator,
                    denominator: denominator.checked_mul(scale).ok_or_else(too_precise)?,
                }
            } else {
                Self::Fraction {
                    numerator: numerator.checked_mul(scale).ok_or_else(too_precise)?,
                    denominator,
                }
            });
        }
        let digits: String = format!("{int_part}{frac_part}");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || frac_part.len() > 18
        {
            return Err(too_precise());
        }
        let numerator: u128 = digits.parse().map_err(|_| too_precise())?;
        let denominator = 10u128.pow(frac_part.len() as u32);
        Ok(MinSupport::Fraction {
            numerator,
            denominator,
        })
    }

    /// A warning when this threshold is a count above the number of baskets: nothing can be
    /// frequent, which is rarely what was meant (a count given for a fraction, or for other
    /// data). Surfaces show it; mining still returns the (empty) answer.
    ///
    /// ```
    /// use upsell::mining::MinSupport;
    /// assert!(MinSupport::count(11).warning(10).unwrap().contains("above the number of baskets (10)"));
    /// assert_eq!(MinSupport::count(10).warning(10), None);
    /// ```
    pub fn warning(self, baskets: u64) -> Option<String> {
        match self {
            MinSupport::Count(count) if baskets > 0 && count > baskets => Some(format!(
                "min_support {count} is a count above the number of baskets ({baskets}), so nothing can be \
                 frequent: give a count up to {baskets} or a fraction"
            )),
            _ => None,
        }
    }

    /// The absolute threshold for `baskets` baskets: the count itself, or `ceil(fraction * baskets)`
    /// (at least 1).
    pub fn to_count(self, baskets: u64) -> Result<u64> {
        match self {
            MinSupport::Count(0) => Err(Error::invalid_parameter(
                "min_support",
                "a count must be at least 1",
            )),
            MinSupport::Count(count) => Ok(count),
            MinSupport::Fraction {
                numerator,
                denominator,
            } => {
                if numerator == 0 || numerator > denominator {
                    return Err(Error::invalid_parameter(
                        "min_support",
                        "a fraction must be greater than 0 and at most 1",
                    ));
                }
                let scaled = numerator.checked_mul(u128::from(baskets)).ok_or_else(|| {
                    Error::invalid_parameter(
                        "min_support",
                        "the fraction has too many digits for this many baskets",
                    )
                })?;
                Ok((scaled.div_ceil(denominator) as u64).max(1))
            }
        }
    }
}

impl std::str::FromStr for MinSupport {
    type Err = Error;

    /// [`MinSupport::parse`], for `str::parse` and the CLI's `--min-support`.
    ///
    /// ```
    /// use upsell::mining::MinSupport;
    /// assert_eq!("9".parse::<MinSupport>()?, MinSupport::Count(9));
    /// assert!("0".parse::<MinSupport>().is_err());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    fn from_str(text: &str) -> Result<Self> {
        MinSupport::parse(text)
    }
}

impl std::fmt::Display for MinSupport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MinSupport::Count(count) => write!(f, "{count}"),
            MinSupport::Fraction {
                numerator,
                denominator,
            } => write!(f, "{}", *numerator as f64 / *denominator as f64),
        }
    }
}
