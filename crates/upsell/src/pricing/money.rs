//! Money: integer minor units with an ISO 4217 currency, parsed exactly, added with checks.
//!
//! The one idea: an amount is an `i64` count of the currency's minor unit (pence, cents, yen, fils)
//! and never a float, so `2.55 GBP` is exactly 255 and a sum of ten thousand prices is exact.
//! Arithmetic is checked: overflow and mixing currencies are errors, not wrong numbers. Divisions
//! (a percentage off, an average) say how they round through [`Rounding`].

use std::fmt;
use std::str::FromStr;

use crate::{Error, Location, Result};

/// An ISO 4217 currency: its three-letter code and the number of decimals of its minor unit.
///
/// ```
/// use upsell::pricing::Currency;
/// let yen: Currency = "JPY".parse()?;
/// assert_eq!(yen.exponent(), 0);
/// assert_eq!(Currency::from_code("kwd")?.exponent(), 3);
/// assert!(Currency::from_code("XYZ").is_err());
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

/// ISO 4217 codes and minor-unit exponents of the currencies this library knows.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EGP", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("LYD", 3),
    ("MAD", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("NGN", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PEN", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TND", 3),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("VND", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("ZAR", 2),
];

impl Currency {
    /// Pound sterling (exponent 2).
    pub const GBP: Currency = Currency {
        code: *b"GBP",
        exponent: 2,
    };
    /// Euro (exponent 2).
    pub const EUR: Currency = Currency {
        code: *b"EUR",
        exponent: 2,
    };
    /// US dollar (exponent 2).
    pub const USD: Currency = Currency {
        code: *b"USD",
        exponent: 2,
    };
    /// Japanese yen (exponent 0).
    pub const JPY: Currency = Currency {
        code: *b"JPY",
        exponent: 0,
    };
    /// Kuwaiti dinar (exponent 3).
    pub const KWD: Currency = Currency {
        code: *b"KWD",
        exponent: 3,
    };

    /// The currency of an ISO 4217 code (any case), or an error listing what is known.
    pub fn from_code(code: &str) -> Result<Currency> {
        let upper = code.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == upper)
            .map(|&(c, exponent)| {
                let b = c.as_bytes();
                Currency { code: [b[0], b[1], b[2]], exponent }
            })
            .ok_or_else(|| {
                Error::invalid_parameter(
                    "currency",
                    format!("'{code}' is not a known ISO 4217 code (GBP, EUR, USD, JPY, KWD, ... {} in all)", CURRENCIES.len()),
                )
            })
    }

    /// The three-letter code.
    ///
    /// ```
    /// assert_eq!(upsell::pricing::Currency::GBP.code(), "GBP");
    /// ```
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Decimals of the minor unit: 2 for GBP (pence), 0 for JPY, 3 for KWD (fils).
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// Minor units in one major unit: 100 for GBP, 1 for JPY, 1000 for KWD.
    ///
    /// ```
    /// assert_eq!(upsell::pricing::Currency::KWD.minor_per_major(), 1000);
    /// ```
    pub fn minor_per_major(&self) -> i64 {
        10_i64.pow(u32::from(self.exponent))
    }
}

impl FromStr for Currency {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Currency::from_code(s)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

/// How a division that does not come out even is rounded to a whole minor unit.
///
/// ```
/// use upsell::pricing::Rounding;
/// assert_eq!(Rounding::HalfEven.divide(5, 2), 2);  // 2.5 -> 2
/// assert_eq!(Rounding::HalfUp.divide(5, 2), 3);    // 2.5 -> 3
/// assert_eq!(Rounding::Floor.divide(-5, 2), -3);
/// assert_eq!(Rounding::Ceiling.divide(5, 2), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// To the nearest, halves to the even neighbour (banker's rounding); unbiased on sums.
    #[default]
    HalfEven,
    /// To the nearest, halves away from zero (what a shopper expects on a receipt).
    HalfUp,
    /// Toward negative infinity.
    Floor,
    /// Toward positive infinity.
    Ceiling,
    /// Toward zero.
    Down,
}

impl Rounding {
    /// `numerator / denominator` rounded this way. `denominator` must not be 0 (it is a caller's
    /// constant in this crate, never user data); the result is 0 if it is.
    pub fn divide(self, numerator: i128, denominator: i128) -> i128 {
        if denominator == 0 {
            return 0;
        }
        let (n, d) = if denominator < 0 {
            (-numerator, -denominator)
        } else {
            (numerator, denominator)
        };
        let floor = n.div_euclid(d);
        let remainder = n.rem_euclid(d); // 0 <= remainder < d
        if remainder == 0 {
            return floor;
        }
        let twice = 2 * remainder;
        match self {
            Rounding::Floor => floor,
            Rounding::Ceiling => floor + 1,
            Rounding::Down => {
                if n < 0 {
                    floor + 1
                } else {
                    floor
                }
            }
            Rounding::HalfUp => {
                if twice > d || (twice == d && n > 0) {
                    floor + 1
                } else {
                    floor
                }
            }
            Rounding::HalfEven => {
                if twice > d || (twice == d && floor % 2 != 0) {
                    floor + 1
                } else {
                    floor
                }
            }
        }
    }
}

impl FromStr for Rounding {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().replace('-', "_").as_str() {
            "half_even" => Ok(Rounding::HalfEven),
            "half_up" => Ok(Rounding::HalfUp),
            "floor" => Ok(Rounding::Floor),
            "ceiling" => Ok(Rounding::Ceiling),
            "down" => Ok(Rounding::Down),
            _ => Err(Error::invalid_parameter(
                "rounding",
                format!("'{s}' is not one of half_even, half_up, floor, ceiling, down"),
            )),
        }
    }
}

/// An amount of money: whole minor units of one currency.
///
/// ```
/// use upsell::pricing::{Currency, Money};
/// let price = Money::parse("2.55", Currency::GBP)?;
/// assert_eq!(price.minor(), 255);
/// let total = price.checked_mul(3)?.checked_add(Money::parse("0.35", Currency::GBP)?)?;
/// assert_eq!(total.to_string(), "8.00 GBP");
/// // Mixing currencies is an error, never a silent conversion.
/// assert!(total.checked_add(Money::new(100, Currency::EUR)).is_err());
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// `minor` minor units of `currency` (255 GBP minor units are 2.55 GBP).
    pub const fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// Zero in `currency`.
    pub const fn zero(currency: Currency) -> Self {
        Money { minor: 0, currency }
    }

    /// Parses a decimal amount exactly: `"2.55"`, `"-0.5"`, `"1200"`, `"1,200.00"` is refused (no
    /// grouping). More decimals than the currency has are refused unless they are zeros
    /// (`"2.550"` is 255 pence, `"2.555"` an error).
    pub fn parse(text: &str, currency: Currency) -> Result<Money> {
        Money::parse_at(text, currency, Location::memory)
    }

    /// [`Money::parse`], with errors located at `location` (a file, line and column).
    ///
    /// ```
    /// use upsell::{Location, pricing::{Currency, Money}};
    /// let err = Money::parse_at("2.5x", Currency::GBP, || Location::file("orders.csv").line(4).column_name("UnitPrice"))
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("orders.csv:4 (column 'UnitPrice')"));
    /// ```
    pub fn parse_at(
        text: &str,
        currency: Currency,
        location: impl FnOnce() -> Location,
    ) -> Result<Money> {
        parse_minor(text.trim(), currency.exponent)
            .map(|minor| Money { minor, currency })
            .map_err(|why| {
                Error::invalid_input(
                    location(),
                    format!("'{text}' is not a {currency} amount: {why}"),
                )
            })
    }

    /// Parses an amount that may name its currency: `"2.55"` (in `default`), `"2.55 EUR"` or
    /// `"EUR 2.55"`.
    ///
    /// ```
    /// use upsell::pricing::{Currency, Money};
    /// assert_eq!(Money::parse_tagged("2.55", Currency::GBP)?, Money::new(255, Currency::GBP));
    /// assert_eq!(Money::parse_tagged("1.234 KWD", Currency::GBP)?, Money::new(1234, Currency::KWD));
    /// assert!(Money::parse_tagged("2.55 XXX", Currency::GBP).is_err());
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn parse_tagged(text: &str, default: Currency) -> Result<Money> {
        let mut parts = text.split_whitespace();
        match (parts.next(), parts.next(), parts.next()) {
            (Some(amount), None, None) => Money::parse(amount, default),
            (Some(a), Some(b), None) => {
                let (amount, code) = if a.chars().any(|c| c.is_ascii_digit()) {
                    (a, b)
                } else {
                    (b, a)
                };
                Money::parse(amount, Currency::from_code(code)?)
            }
            _ => Err(Error::invalid_input(
                Location::memory(),
                format!("'{text}' is not an amount: expected 2.55, 2.55 EUR or EUR 2.55"),
            )),
        }
    }

    /// The amount in minor units.
    pub const fn minor(&self) -> i64 {
        self.minor
    }

    /// The currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(&self) -> bool {
        self.minor < 0
    }

    /// The sum, or an error on overflow or mixed currencies.
    pub fn checked_add(self, other: Money) -> Result<Money> {
        self.same_currency(other)?;
        self.minor
            .checked_add(other.minor)
            .map(|m| Money::new(m, self.currency))
            .ok_or_else(|| overflow("addition"))
    }

    /// The difference, or an error on overflow or mixed currencies.
    pub fn checked_sub(self, other: Money) -> Result<Money> {
        self.same_currency(other)?;
        self.minor
            .checked_sub(other.minor)
            .map(|m| Money::new(m, self.currency))
            .ok_or_else(|| overflow("subtraction"))
    }

    /// The amount times a whole quantity, or an error on overflow.
    pub fn checked_mul(self, quantity: i64) -> Result<Money> {
        self.minor
            .checked_mul(quantity)
            .map(|m| Money::new(m, self.currency))
            .ok_or_else(|| overflow("multiplication"))
    }

    /// The exact sum of `amounts`, all in `currency` (zero when empty).
    ///
    /// ```
    /// use upsell::pricing::{Currency, Money};
    /// let prices = ["0.10", "0.20", "0.30"].map(|p| Money::parse(p, Currency::GBP).unwrap());
    /// assert_eq!(Money::sum(prices, Currency::GBP)?.minor(), 60); // 0.1 + 0.2 == 0.3, exactly
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn sum(amounts: impl IntoIterator<Item = Money>, currency: Currency) -> Result<Money> {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    /// `numerator / denominator` of this amount, rounded once: `price.ratio(85, 100, ..)` is 85 %.
    ///
    /// ```
    /// use upsell::pricing::{Currency, Money, Rounding};
    /// let sum = Money::new(1999, Currency::GBP);
    /// assert_eq!(sum.ratio(8500, 10_000, Rounding::Floor)?.minor(), 1699); // 16.9915 -> 16.99
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn ratio(self, numerator: i128, denominator: i128, rounding: Rounding) -> Result<Money> {
        if denominator == 0 {
            return Err(Error::invalid_parameter("denominator", "must not be 0"));
        }
        let value = rounding.divide(i128::from(self.minor) * numerator, denominator);
        i64::try_from(value)
            .map(|m| Money::new(m, self.currency))
            .map_err(|_| overflow("ratio"))
    }

    /// The amount as a plain decimal string without the code: `"2.55"`, `"-0.05"`, `"1200"` (JPY).
    pub fn amount_string(&self) -> String {
        let exponent = usize::from(self.currency.exponent);
        let sign = if self.minor < 0 { "-" } else { "" };
        let digits = self.minor.unsigned_abs().to_string();
        if exponent == 0 {
            return format!("{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = exponent + 1);
        let (major, minor) = padded.split_at(padded.len() - exponent);
        format!("{sign}{major}.{minor}")
    }

    /// An error unless `other` has the same currency.
    pub fn same_currency(&self, other: Money) -> Result<()> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(Error::invalid_input(
                Location::memory(),
                format!(
                    "cannot combine {} and {}: amounts in different currencies",
                    self, other
                ),
            ))
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_string(), self.currency)
    }
}

fn overflow(what: &str) -> Error {
    Error::LimitExceeded {
        what: "money amount in minor units",
        limit: i64::MAX as u64,
        hint: format!("the {what} overflows a 64-bit count of minor units"),
    }
}

/// Exact decimal to minor units; the error says why, the caller says where.
fn parse_minor(text: &str, exponent: u8) -> std::result::Result<i64, String> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        Some(_) => (false, text),
        None => return Err("empty: a price is required".to_owned()),
    };
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err("no digits".to_owned());
    }
    if !whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return Err(
            "expected digits with an optional '.' and no grouping or currency sign".to_owned(),
        );
    }
    let exponent = usize::from(exponent);
    let significant = fraction.trim_end_matches('0');
    if significant.len() > exponent {
        return Err(format!(
            "more than {exponent} decimals (the currency's minor unit)"
        ));
    }
    let mut minor: i64 = 0;
    let scaled = whole.bytes().chain(
        fraction
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(exponent),
    );
    for digit in scaled {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(digit - b'0')))
            .ok_or_else(|| "too large for 64-bit minor units".to_owned())?;
    }
    Ok(if negative { -minor } else { minor })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_for_every_exponent() {
        assert_eq!(Money::parse("2.55", Currency::GBP).unwrap().minor(), 255);
        assert_eq!(Money::parse("2.1", Currency::GBP).unwrap().minor(), 210);
        assert_eq!(Money::parse(".5", Currency::GBP).unwrap().minor(), 50);
        assert_eq!(Money::parse("1200", Currency::JPY).unwrap().minor(), 1200);
        assert_eq!(Money::parse("1.234", Currency::KWD).unwrap().minor(), 1234);
        assert_eq!(Money::parse("-0.05", Currency::GBP).unwrap().minor(), -5);
        assert!(Money::parse("1.5", Currency::JPY).is_err());
        assert!(Money::parse("", Currency::GBP).is_err());
        assert!(Money::parse("1,200.00", Currency::GBP).is_err());
        assert!(Money::parse("99999999999999999999", Currency::GBP).is_err());
    }

    #[test]
    fn formats_back() {
        assert_eq!(Money::new(5, Currency::GBP).amount_string(), "0.05");
        assert_eq!(Money::new(-1234, Currency::KWD).to_string(), "-1.234 KWD");
        assert_eq!(Money::new(1200, Currency::JPY).to_string(), "1200 JPY");
    }
}
