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

/// Parses a time given as the parameter `name` (`now`, `cutoff`): the forms data accepts, and an
/// invalid parameter naming `name` otherwise (every surface calls this, so a bad `--now`, `now=`
/// or `now` argument fails the same way).
///
/// ```
/// use upsell::ErrorKind;
/// use upsell::time::parse_timestamp_parameter;
/// assert_eq!(parse_timestamp_parameter("now", "2026-11-23")?.to_string(), "2026-11-23T00:00:00Z");
/// let err = parse_timestamp_parameter("cutoff", "soon").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidParameter);
/// assert!(err.to_string().contains("'cutoff'"));
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn parse_timestamp_parameter(name: &'static str, text: &str) -> Result<Timestamp> {
    parse_timestamp(text).ok_or_else(|| {
        Error::invalid_parameter(
            name,
            format!(
                "'{text}' is not a time: expected RFC 3339 (2026-11-23T10:15:00Z), a date and time \
                 (2010-12-01 08:26:00, read as UTC) or a date (2015-07-21)"
            ),
        )
    })
}

/// The instant `second` Unix seconds after 1970-01-01 UTC, as every surface reads seconds (from
/// a C array, a numpy array, an Arrow column); out of range, an error at `location` naming it.
///
/// ```
/// use upsell::Location;
/// use upsell::time::from_unix_seconds;
/// assert_eq!(from_unix_seconds(86_400, Location::memory)?.to_string(), "1970-01-02T00:00:00Z");
/// let err = from_unix_seconds(i64::MAX, || Location::memory().line(3)).unwrap_err();
/// assert!(err.to_string().contains("out of range"));
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn from_unix_seconds(second: i64, location: impl FnOnce() -> Location) -> Result<Timestamp> {
    Timestamp::from_second(second).map_err(|e| {
        Error::invalid_input(location(), format!("time {second} is out of range: {e}"))
    })
}

/// The `now` of a decision: `text` parsed (see [`parse_timestamp_parameter`]), or the current
/// time when `None`.
///
/// ```
/// use upsell::time::now_or_parse;
/// assert_eq!(now_or_parse(Some("2026-01-01T00:00:00Z"))?.as_second(), 1_767_225_600);
/// assert!(now_or_parse(None)?.as_second() > 1_767_225_600);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn now_or_parse(text: Option<&str>) -> Result<Timestamp> {
    text.map_or_else(
        || Ok(Timestamp::now()),
        |text| parse_timestamp_parameter("now", text),
    )
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

/// Each basket's time, for splits by time: the earliest time among its rows.
///
/// A basket (an order, an invoice) spread over several rows takes the time of its first row *in
/// time*, not in file order, so the same rows in any order give the same split. The long-data
/// reader and Python's `evaluate(split="time")` both fill one of these.
///
/// ```
/// use upsell::time::{BasketTimes, parse_timestamp};
/// let mut times = BasketTimes::new(2);
/// for (basket, text) in [(0, "2026-01-02"), (1, "2026-01-01"), (0, "2026-01-01T12:00:00Z")] {
///     times.add(basket, parse_timestamp(text).unwrap());
/// }
/// let times = times.finish()?;
/// assert_eq!(times[0].to_string(), "2026-01-01T12:00:00Z");
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct BasketTimes {
    earliest: Vec<Option<Timestamp>>,
}

impl BasketTimes {
    /// Room for `baskets` baskets (more are added as rows name them).
    pub fn new(baskets: usize) -> Self {
        BasketTimes {
            earliest: vec![None; baskets],
        }
    }

    /// One row of basket `basket` at `time`.
    pub fn add(&mut self, basket: usize, time: Timestamp) {
        if basket >= self.earliest.len() {
            self.earliest.resize(basket + 1, None);
        }
        let slot = &mut self.earliest[basket];
        *slot = Some(slot.map_or(time, |t| t.min(time)));
    }

    /// The time of every basket, or an error naming the first basket no row gave a time.
    pub fn finish(self) -> Result<Vec<Timestamp>> {
        self.earliest
            .iter()
            .enumerate()
            .map(|(b, t)| {
                t.ok_or_else(|| {
                    Error::invalid_input(
                        Location::memory(),
                        format!("basket {b} has no row with a time"),
                    )
                })
            })
            .collect()
    }
}

/// Each basket's earliest time from rows given as arrays: `row_baskets[r]` is row `r`'s basket
/// (0-based), `row_seconds[r]` its time in UTC seconds.
///
/// ```
/// use upsell::time::basket_times;
/// let times = basket_times(&[0, 1, 0], &[50, 70, 10])?;
/// assert_eq!(times.iter().map(|t| t.as_second()).collect::<Vec<_>>(), [10, 70]);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn basket_times(row_baskets: &[u32], row_seconds: &[i64]) -> Result<Vec<Timestamp>> {
    if row_baskets.len() != row_seconds.len() {
        return Err(Error::invalid_parameter(
            "times",
            format!(
                "{} rows of baskets but {} times",
                row_baskets.len(),
                row_seconds.len()
            ),
        ));
    }
    let mut times = BasketTimes::default();
    for (row, (&basket, &second)) in row_baskets.iter().zip(row_seconds).enumerate() {
        let time = from_unix_seconds(second, || Location::memory().line(row as u64 + 1))?;
        times.add(basket as usize, time);
    }
    times.finish()
}
