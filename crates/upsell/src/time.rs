//! Times: explicit UTC instants, parsed the same way by every part of `upsell`.
//!
//! A purchase, an offer shown or an invoice happened at a [`Timestamp`] (jiff's, an instant in UTC
//! with nanosecond precision). Data files write times in many ways; [`parse_timestamp`] accepts the
//! ones real exports use and says what it expected when a value is none of them:
//!
//! - RFC 3339 with an offset: `2026-11-23T10:15:00Z`, `2026-11-23T11:15:00+01:00`;
//! - a civil date and time without an offset, `T` or a space between: `2010-12-01 08:26:00`,
//!   `2010-12-01T08:26`, read as UTC;
//! - a date alone: `2015-07-21`, read as midnight UTC.
//!
//! Reading a time without an offset as UTC is a choice, stated here so it is never a surprise: the
//! data sets of this domain (point-of-sale exports) carry no zone, and a day-granular analysis must
//! not shift with the machine's local zone.

use crate::{Error, Location, Result};

pub use jiff::{SignedDuration, Timestamp};

/// Parses one time value (see the [module docs](self) for the accepted forms).
///
/// Returns `None` when the text is none of them; [`parse_timestamp_at`] turns that into an error
/// that names the place.
///
/// ```
/// use upsell::time::parse_timestamp;
/// let t = parse_timestamp("2010-12-01 08:26:00").unwrap();
/// assert_eq!(t.to_string(), "2010-12-01T08:26:00Z");
/// assert_eq!(parse_timestamp("2015-07-21").unwrap().to_string(), "2015-07-21T00:00:00Z");
/// assert_eq!(parse_timestamp("2026-11-23T11:15:00+01:00").unwrap().to_string(), "2026-11-23T10:15:00Z");
/// assert!(parse_timestamp("21/07/2015").is_none());
/// ```
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    None
}

/// Parses one time value found at `location`, or fails with an error naming the place and the
/// accepted forms.
///
/// ```
/// use upsell::{ErrorKind, Location};
/// use upsell::time::parse_timestamp_at;
/// let err = parse_timestamp_at("yesterday", || Location::file("orders.csv").line(7).column_name("Date"))
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidInput);
/// assert!(err.to_string().contains("orders.csv:7"));
/// ```
pub fn parse_timestamp_at(text: &str, location: impl FnOnce() -> Location) -> Result<Timestamp> {
    parse_timestamp(text).ok_or_else(|| {
        Error::invalid_input(
            location(),
            format!(
                "'{text}' is not a time: expected RFC 3339 (2026-11-23T10:15:00Z), a date and time \
                 (2010-12-01 08:26:00, read as UTC) or a date (2015-07-21)"
            ),
        )
    })
}

/// Whole days from `earlier` to `later`, rounded down (negative when `later` is before).
///
/// ```
/// use upsell::time::{days_between, parse_timestamp};
/// let a = parse_timestamp("2026-01-01T12:00:00Z").unwrap();
/// let b = parse_timestamp("2026-01-31T11:59:59Z").unwrap();
/// assert_eq!(days_between(a, b), 29);
/// assert_eq!(days_between(b, a), -30);
/// ```
pub fn days_between(earlier: Timestamp, later: Timestamp) -> i64 {
    let seconds = later.as_second() - earlier.as_second();
    seconds.div_euclid(86_400)
}
