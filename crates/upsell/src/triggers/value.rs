//! Types and values of the rule language.
//!
//! Money is never a float: a [`Decimal`] is a fixed-point number with six decimal places stored in
//! an `i64` (enough for amounts up to nine trillion and percentages to a millionth), so `75.00` and
//! `cart.total` compare exactly. Arithmetic that would overflow, or divide by zero, gives null
//! (and a comparison with null is false), never a panic and never a wrapped number.

use std::fmt;
use std::sync::Arc;

use crate::time::Timestamp;

/// The type of a field or an expression.
///
/// Lists and maps carry the type of their elements ([`Elem`]): `[1, 2]` is a `list<int>`, and a
/// list mixing kinds (`[1, "a"]`) or holding lists or maps is a `list<dyn>`, whose elements are
/// checked when evaluated (a wrong kind is null) rather than at load.
///
/// ```
/// use upsell::triggers::{Elem, Type};
/// assert_eq!("list<string>".parse::<Type>()?, Type::List(Elem::String));
/// assert_eq!(Type::Decimal.to_string(), "decimal");
/// assert_eq!(Type::Map(Elem::String, Elem::Int).to_string(), "map<string, int>");
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Type {
    /// `true` / `false`.
    Bool,
    /// A 64-bit signed integer.
    Int,
    /// An exact fixed-point number with six decimal places (money, percentages).
    Decimal,
    /// A 64-bit float, for measures that are not money (scores).
    Float,
    /// UTF-8 text.
    String,
    /// A UTC instant (second precision in expressions).
    Timestamp,
    /// A signed span of time (second precision).
    Duration,
    /// A list (cart items, tags: `list<string>`, the one list type a field may declare).
    List(Elem),
    /// A map from keys (string, int or bool) to values: a literal `{"gold": 0.2}`, or the fields
    /// of a schema that share a dotted prefix (`usage.seats_used` makes `usage` a map).
    Map(Elem, Elem),
    /// A value whose kind is known only when evaluated: an element of a `list<dyn>`.
    Dyn,
}

/// The type of a list's elements or of a map's keys and values: a scalar type, or `Dyn` when the
/// elements mix kinds or are lists or maps themselves.
///
/// ```
/// use upsell::triggers::{Elem, Type};
/// assert_eq!(Elem::of(Type::Int), Elem::Int);
/// assert_eq!(Elem::of(Type::List(Elem::Int)), Elem::Dyn);
/// assert_eq!(Type::from(Elem::String), Type::String);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Elem {
    /// `true` / `false`.
    Bool,
    /// A 64-bit signed integer.
    Int,
    /// An exact decimal.
    Decimal,
    /// A float.
    Float,
    /// Text.
    String,
    /// A UTC instant.
    Timestamp,
    /// A span of time.
    Duration,
    /// Any kind, checked when evaluated.
    Dyn,
}

impl Elem {
    /// The element type of values of type `ty`: `Dyn` for lists, maps and `Dyn`.
    pub fn of(ty: Type) -> Elem {
        match ty {
            Type::Bool => Elem::Bool,
            Type::Int => Elem::Int,
            Type::Decimal => Elem::Decimal,
            Type::Float => Elem::Float,
            Type::String => Elem::String,
            Type::Timestamp => Elem::Timestamp,
            Type::Duration => Elem::Duration,
            Type::List(_) | Type::Map(..) | Type::Dyn => Elem::Dyn,
        }
    }

    /// The element type shared by `self` and `other`: the same, else `Dyn`.
    pub(crate) fn join(self, other: Elem) -> Elem {
        if self == other { self } else { Elem::Dyn }
    }
}

impl From<Elem> for Type {
    fn from(elem: Elem) -> Type {
        match elem {
            Elem::Bool => Type::Bool,
            Elem::Int => Type::Int,
            Elem::Decimal => Type::Decimal,
            Elem::Float => Type::Float,
            Elem::String => Type::String,
            Elem::Timestamp => Type::Timestamp,
            Elem::Duration => Type::Duration,
            Elem::Dyn => Type::Dyn,
        }
    }
}

impl Type {
    /// The name used in schemas and messages; a map's key and value types are in its
    /// [`Display`](fmt::Display) form.
    ///
    /// ```
    /// use upsell::triggers::{Elem, Type};
    /// assert_eq!(Type::Timestamp.name(), "timestamp");
    /// assert_eq!(Type::List(Elem::Dyn).name(), "list<dyn>");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Decimal => "decimal",
            Type::Float => "float",
            Type::String => "string",
            Type::Timestamp => "timestamp",
            Type::Duration => "duration",
            Type::List(elem) => match elem {
                Elem::Bool => "list<bool>",
                Elem::Int => "list<int>",
                Elem::Decimal => "list<decimal>",
                Elem::Float => "list<float>",
                Elem::String => "list<string>",
                Elem::Timestamp => "list<timestamp>",
                Elem::Duration => "list<duration>",
                Elem::Dyn => "list<dyn>",
            },
            Type::Map(..) => "map",
            Type::Dyn => "dyn",
        }
    }

    /// Whether values of this type are numbers (int, decimal or float).
    ///
    /// ```
    /// assert!(upsell::triggers::Type::Decimal.is_numeric());
    /// ```
    pub fn is_numeric(self) -> bool {
        matches!(self, Type::Int | Type::Decimal | Type::Float)
    }

    /// Whether a value of type `other` may stand where `self` is expected: the same type, or one
    /// side (or an element type) `dyn`, whose values are checked when evaluated.
    pub(crate) fn accepts(self, other: Type) -> bool {
        let elem = |a: Elem, b: Elem| a == b || a == Elem::Dyn || b == Elem::Dyn;
        match (self, other) {
            _ if self == other => true,
            (Type::Dyn, _) | (_, Type::Dyn) => true,
            (Type::List(a), Type::List(b)) => elem(a, b),
            (Type::Map(k, v), Type::Map(l, w)) => elem(k, l) && elem(v, w),
            _ => false,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Map(key, value) => write!(
                f,
                "map<{}, {}>",
                Type::from(*key).name(),
                Type::from(*value).name()
            ),
            other => f.write_str(other.name()),
        }
    }
}

impl std::str::FromStr for Type {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Ok(match text.trim() {
            "bool" | "boolean" => Type::Bool,
            "int" | "integer" => Type::Int,
            "decimal" | "money" => Type::Decimal,
            "float" | "double" => Type::Float,
            "string" | "str" => Type::String,
            "timestamp" | "time" => Type::Timestamp,
            "duration" => Type::Duration,
            "list" | "list<string>" => Type::List(Elem::String),
            other => {
                return Err(format!(
                    "unknown type '{other}': expected bool, int, decimal (or money), float, string, \
                     timestamp, duration or list<string> (a map is declared as fields sharing a \
                     prefix: usage.seats: int)"
                ));
            }
        })
    }
}

/// An exact fixed-point number: `units` millionths.
///
/// ```
/// use upsell::triggers::Decimal;
/// let total: Decimal = "82.5".parse()?;
/// assert_eq!(total.units(), 82_500_000);
/// assert_eq!(total.to_string(), "82.50");
/// assert_eq!(Decimal::from_int(3).checked_mul(total).unwrap().to_string(), "247.50");
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal(i64);

impl Decimal {
    /// Units per whole number (six decimal places).
    pub const SCALE: i64 = 1_000_000;

    /// A decimal from its millionths.
    pub const fn from_units(units: i64) -> Self {
        Decimal(units)
    }

    /// Millionths.
    pub const fn units(self) -> i64 {
        self.0
    }

    /// An integer as a decimal (saturating far beyond any amount of money).
    pub fn from_int(value: i64) -> Self {
        Decimal(value.saturating_mul(Self::SCALE))
    }

    /// Money in integer minor units (`cents`, with `exponent` 2 for EUR) as a decimal.
    ///
    /// ```
    /// use upsell::triggers::Decimal;
    /// assert_eq!(Decimal::from_minor_units(8250, 2).unwrap().to_string(), "82.50");
    /// ```
    pub fn from_minor_units(minor: i64, exponent: u32) -> Option<Self> {
        if exponent > 6 {
            return None;
        }
        minor.checked_mul(10_i64.pow(6 - exponent)).map(Decimal)
    }

    /// The decimal equal to `x`, when `x`'s shortest decimal form has at most six places and fits;
    /// `None` otherwise (NaN and infinities too). Every reader takes a number with a fraction this
    /// way ([`Value::number`]), so `0.1 + 0.2 == 0.3` holds whether the values came as JSON, CSV, a
    /// Python float or a float column.
    ///
    /// ```
    /// use upsell::triggers::Decimal;
    /// assert_eq!(Decimal::from_f64_exact(0.1), Some(Decimal::from_units(100_000)));
    /// assert_eq!(Decimal::from_f64_exact(-82.5), Some(Decimal::from_units(-82_500_000)));
    /// assert_eq!(Decimal::from_f64_exact(0.1234567), None); // seven places
    /// assert_eq!(Decimal::from_f64_exact(1e300), None);
    /// ```
    pub fn from_f64_exact(x: f64) -> Option<Decimal> {
        // Exact: when the shortest form of x has at most six places, x * 10^6 rounds to those
        // digits and dividing back gives x again; when it has more, no six-place decimal does.
        let scaled = (x * Self::SCALE as f64).round();
        // 2^63 (i64::MAX as a float) and beyond do not fit.
        if !scaled.is_finite() || scaled.abs() >= 9.223_372_036_854_775e18 {
            return None;
        }
        let units = scaled as i64;
        (units as f64 / Self::SCALE as f64 == x).then_some(Decimal(units))
    }

    /// The decimal a float stands for when a field is declared money: `x` itself when
    /// [`Decimal::from_f64_exact`] gives it, else the six-place decimal within a double's own
    /// rounding noise of `x` (a relative 1e-15, about five units in the last place), so that
    /// `0.1 + 74.9` is 75.00; a float with more places than that (`1.1234567`) is `None`, an
    /// error for the caller, never rounded.
    ///
    /// ```
    /// use upsell::triggers::Decimal;
    /// assert_eq!(Decimal::from_f64_money(0.1 + 74.9), Some(Decimal::from_units(75_000_000)));
    /// assert_eq!(Decimal::from_f64_money(95.000001), Some(Decimal::from_units(95_000_001)));
    /// assert_eq!(Decimal::from_f64_money(1.1234567), None);
    /// assert_eq!(Decimal::from_f64_money(1e-9), None);
    /// ```
    pub fn from_f64_money(x: f64) -> Option<Decimal> {
        if let Some(exact) = Self::from_f64_exact(x) {
            return Some(exact);
        }
        let scaled = (x * Self::SCALE as f64).round();
        if !scaled.is_finite() || scaled.abs() >= 9.223_372_036_854_775e18 {
            return None;
        }
        let units = scaled as i64;
        ((units as f64 / Self::SCALE as f64 - x).abs() <= x.abs() * 1e-15).then_some(Decimal(units))
    }

    /// The nearest float, for comparisons with float fields.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / Self::SCALE as f64
    }

    /// `self * other`, rounded half away from zero to six places; `None` on overflow.
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        let product = i128::from(self.0) * i128::from(other.0);
        let scale = i128::from(Self::SCALE);
        let rounded = div_round(product, scale);
        i64::try_from(rounded).ok().map(Decimal)
    }

    /// `self / other`, rounded half away from zero to six places; `None` when dividing by zero.
    pub fn checked_div(self, other: Decimal) -> Option<Decimal> {
        if other.0 == 0 {
            return None;
        }
        let scaled = i128::from(self.0) * i128::from(Self::SCALE);
        i64::try_from(div_round(scaled, i128::from(other.0)))
            .ok()
            .map(Decimal)
    }
}

fn div_round(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.abs() * 2 >= denominator.abs() {
        quotient
            + if (numerator < 0) == (denominator < 0) {
                1
            } else {
                -1
            }
    } else {
        quotient
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / Self::SCALE as u64;
        let mut fraction = format!("{:06}", abs % Self::SCALE as u64);
        while fraction.len() > 2 && fraction.ends_with('0') {
            fraction.pop();
        }
        write!(f, "{sign}{whole}.{fraction}")
    }
}

impl std::str::FromStr for Decimal {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "'{text}' is not a decimal number (expected digits with at most 6 decimal places)"
            )
        };
        let trimmed = text.trim();
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || fraction.len() > 6
        {
            return Err(bad());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        // At most six digits, padded with zeros to millionths.
        let fraction_units = fraction
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(6)
            .fold(0i64, |units, digit| units * 10 + i64::from(digit - b'0'));
        let units = whole
            .checked_mul(Self::SCALE)
            .and_then(|w| w.checked_add(fraction_units))
            .ok_or_else(bad)?;
        Ok(Decimal(if negative { -units } else { units }))
    }
}

/// One value of a field or an expression. A missing field is [`Value::Null`].
///
/// ```
/// use upsell::triggers::Value;
/// assert_eq!(Value::from("starter").to_string(), "'starter'");
/// assert_eq!(Value::Int(23).to_string(), "23");
/// assert!(Value::Null.is_null());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// Missing or unknown.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// An exact decimal.
    Decimal(Decimal),
    /// A float.
    Float(f64),
    /// A string.
    Str(Arc<str>),
    /// A UTC instant.
    Timestamp(Timestamp),
    /// A span of time, in seconds.
    Duration(i64),
    /// A list; its elements are never null.
    List(Arc<[Value]>),
    /// A map, its entries sorted by key ([`Value::map`]): keys are strings, ints or bools, and
    /// neither keys nor values are null.
    Map(Arc<[(Value, Value)]>),
}

impl Value {
    /// A number with a fraction as every reader takes it: an exact [`Decimal`] when
    /// [`Decimal::from_f64_exact`] gives one, else a float; NaN is null.
    ///
    /// ```
    /// use upsell::triggers::{Decimal, Value};
    /// assert_eq!(Value::number(0.25), Value::Decimal(Decimal::from_units(250_000)));
    /// assert_eq!(Value::number(1e-9), Value::Float(1e-9));
    /// assert_eq!(Value::number(f64::NAN), Value::Null);
    /// ```
    pub fn number(x: f64) -> Value {
        match Decimal::from_f64_exact(x) {
            Some(decimal) => Value::Decimal(decimal),
            None if x.is_nan() => Value::Null,
            None => Value::Float(x),
        }
    }

    /// A list of strings.
    ///
    /// ```
    /// use upsell::triggers::Value;
    /// assert_eq!(Value::strings(["A", "B"]).to_string(), "['A', 'B']");
    /// ```
    pub fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
        Value::List(items.into_iter().map(Value::from).collect())
    }

    /// A map from `(key, value)` entries, sorted by key; `None` when a key is not a string, an int
    /// or a bool, when a key or a value is null, or when a key is given twice.
    ///
    /// ```
    /// use upsell::triggers::Value;
    /// let tiers = Value::map(vec![(Value::from("silver"), Value::Int(1)), (Value::from("gold"), Value::Int(2))]);
    /// assert_eq!(tiers.unwrap().to_string(), "{'gold': 2, 'silver': 1}");
    /// assert!(Value::map(vec![(Value::Int(1), Value::Null)]).is_none());
    /// ```
    pub fn map(mut entries: Vec<(Value, Value)>) -> Option<Value> {
        if entries
            .iter()
            .any(|(k, v)| key_rank(k).is_none() || v.is_null())
        {
            return None;
        }
        entries.sort_by(|(a, _), (b, _)| key_order(a, b));
        let repeated = entries
            .windows(2)
            .any(|pair| key_order(&pair[0].0, &pair[1].0).is_eq());
        (!repeated).then(|| Value::Map(entries.into()))
    }

    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value's type, `None` for null.
    ///
    /// ```
    /// use upsell::triggers::{Type, Value};
    /// assert_eq!(Value::Bool(true).type_of(), Some(Type::Bool));
    /// ```
    pub fn type_of(&self) -> Option<Type> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(_) => Type::Bool,
            Value::Int(_) => Type::Int,
            Value::Decimal(_) => Type::Decimal,
            Value::Float(_) => Type::Float,
            Value::Str(_) => Type::String,
            Value::Timestamp(_) => Type::Timestamp,
            Value::Duration(_) => Type::Duration,
            Value::List(items) => Type::List(common_elem(items.iter())),
            Value::Map(entries) => Type::Map(
                common_elem(entries.iter().map(|(k, _)| k)),
                common_elem(entries.iter().map(|(_, v)| v)),
            ),
        })
    }
}

/// The element type of all `values`: their one type when they share it, else (or when there are
/// none) `Dyn`.
fn common_elem<'a>(mut values: impl Iterator<Item = &'a Value>) -> Elem {
    let Some(first) = values.next().and_then(Value::type_of) else {
        return Elem::Dyn;
    };
    let elem = Elem::of(first);
    if values.all(|v| v.type_of() == Some(first)) {
        elem
    } else {
        Elem::Dyn
    }
}

/// The kinds a map key may have, in their order: bools, then ints, then strings.
fn key_rank(key: &Value) -> Option<u8> {
    match key {
        Value::Bool(_) => Some(0),
        Value::Int(_) => Some(1),
        Value::Str(_) => Some(2),
        _ => None,
    }
}

/// The order of map keys: by kind, then by value.
fn key_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        _ => key_rank(a).cmp(&key_rank(b)),
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Str(Arc::from(text))
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<Decimal> for Value {
    fn from(value: Decimal) -> Self {
        Value::Decimal(value)
    }
}

impl From<Timestamp> for Value {
    fn from(value: Timestamp) -> Self {
        Value::Timestamp(value)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => write!(f, "'{s}'"),
            Value::Timestamp(t) => write!(f, "{t}"),
            Value::Duration(s) => {
                if s % 86_400 == 0 {
                    write!(f, "{}d", s / 86_400)
                } else {
                    write!(f, "{s}s")
                }
            }
            Value::List(items) => {
                let parts: Vec<String> = items.iter().map(Value::to_string).collect();
                write!(f, "[{}]", parts.join(", "))
            }
            Value::Map(entries) => {
                let parts: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                write!(f, "{{{}}}", parts.join(", "))
            }
        }
    }
}
