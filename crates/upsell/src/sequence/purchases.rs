//! Purchase histories: who bought what, when, grouped by customer and sorted by time.
//!
//! Time-window affinity needs line items, not baskets: every row's own time, and the row's place in
//! the file so that a bad time is reported where it is. So this module reads long CSV itself (one
//! pass, one row at a time) instead of going through the basket reader, and parses each row's time
//! with [`crate::time::parse_timestamp_at`]. Rows without a customer cannot belong to a history:
//! they are excluded and counted ([`Purchases::excluded_rows`]), never dropped silently.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::data::read::{csv_error, csv_header, csv_reader, header_column};
use crate::data::{ItemDictionary, ItemId};
use crate::time::parse_timestamp_at;
use crate::{Error, Location, Result};

/// The columns of a long purchase file, named by their header.
///
/// ```
/// use upsell::sequence::PurchaseColumns;
/// let columns = PurchaseColumns::new("Member_number", "Date", "itemDescription");
/// assert_eq!(columns.delimiter, b',');
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseColumns {
    /// The customer column; rows where it is empty are excluded and counted.
    pub customer: String,
    /// The time column, in a form [`crate::time::parse_timestamp`] accepts.
    pub time: String,
    /// The item column.
    pub item: String,
    /// The field delimiter.
    pub delimiter: u8,
}

impl PurchaseColumns {
    /// Comma-separated columns `customer`, `time` and `item`.
    pub fn new(customer: impl Into<String>, time: impl Into<String>, item: impl Into<String>) -> Self {
        PurchaseColumns { customer: customer.into(), time: time.into(), item: item.into(), delimiter: b',' }
    }
}

/// Every customer's purchases, sorted by time: the input of [`super::sequential_affinity`].
///
/// Stored flat like [`crate::data::Baskets`]: customer `c` owns rows `offsets[c]..offsets[c + 1]`
/// of `items` and `seconds`, sorted by (time, item), with repeated (time, item) rows kept once.
/// All purchases of one customer at one instant form one basket.
///
/// ```
/// use upsell::sequence::{PurchaseColumns, Purchases};
/// let text = "customer,day,item\nann,2026-01-01,tea\nann,2026-01-03,cake\n,2026-01-03,cake\n";
/// let purchases = Purchases::from_reader(text.as_bytes(), "orders.csv", &PurchaseColumns::new("customer", "day", "item"))?;
/// assert_eq!(purchases.customers(), 1);
/// assert_eq!(purchases.excluded_rows(), 1); // no customer
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Purchases {
    offsets: Vec<usize>,
    items: Vec<ItemId>,
    seconds: Vec<i64>,
    labels: ItemDictionary,
    rows: u64,
    excluded_rows: u64,
}

impl Purchases {
    /// Reads a long CSV file (plain or gzip) with the given columns.
    ///
    /// ```no_run
    /// use upsell::sequence::{PurchaseColumns, Purchases};
    /// let columns = PurchaseColumns::new("Member_number", "Date", "itemDescription");
    /// let purchases = Purchases::read("groceries_members.csv", &columns)?;
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn read(path: impl AsRef<Path>, columns: &PurchaseColumns) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Self::from_reader(file, path, columns)
    }

    /// Reads long CSV (plain or gzip) from any byte stream; `name` is used in error messages.
    ///
    /// A time that does not parse is an error naming the file, line and column:
    ///
    /// ```
    /// use upsell::sequence::{PurchaseColumns, Purchases};
    /// let text = "customer,day,item\nann,2026-01-01,tea\nann,soon,cake\n";
    /// let err = Purchases::from_reader(text.as_bytes(), "orders.csv", &PurchaseColumns::new("customer", "day", "item"))
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("orders.csv:3"), "{err}");
    /// ```
    pub fn from_reader(reader: impl Read, name: impl Into<PathBuf>, columns: &PurchaseColumns) -> Result<Self> {
        let name = name.into();
        let mut buffered = BufReader::with_capacity(1 << 16, reader);
        let head = buffered.fill_buf().map_err(|e| Error::io(&name, e))?;
        if head.is_empty() {
            return Err(Error::invalid_input(Location::file(&name), "the file is empty: no purchases to read"));
        }
        if head.starts_with(&[0x1f, 0x8b]) {
            read_csv(flate2::read::MultiGzDecoder::new(buffered), &name, columns)
        } else {
            read_csv(buffered, &name, columns)
        }
    }

    /// Purchases from parallel arrays, one entry a line item: a customer id (negative: no customer,
    /// the row is excluded and counted), an item id and a time in seconds since the Unix epoch (UTC).
    ///
    /// `labels` names the item ids; without it, items are named by their ids (`"0"`, `"1"`, ...).
    ///
    /// ```
    /// use upsell::sequence::Purchases;
    /// let purchases = Purchases::from_arrays(&[7, 7, -1], &[0, 1, 1], &[0, 86_400, 86_400], None)?;
    /// assert_eq!((purchases.customers(), purchases.excluded_rows()), (1, 1));
    /// assert!(Purchases::from_arrays(&[7], &[0, 1], &[0], None).is_err()); // lengths differ
    /// assert!(Purchases::from_arrays(&[7], &[0], &[i64::MAX], None).is_err()); // not a time
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_arrays(
        customers: &[i64],
        items: &[ItemId],
        seconds: &[i64],
        labels: Option<ItemDictionary>,
    ) -> Result<Self> {
        if customers.len() != items.len() || items.len() != seconds.len() {
            return Err(Error::invalid_input(
                Location::memory(),
                format!(
                    "the arrays differ in length: {} customers, {} items, {} times (one each per line item)",
                    customers.len(),
                    items.len(),
                    seconds.len()
                ),
            ));
        }
        let labels = match labels {
            Some(labels) => labels,
            None => {
                let count = crate::data::item_space(items)?;
                ItemDictionary::from_labels((0..count).map(|i| i.to_string()))?
            }
        };
        let mut builder = Builder::default();
        for (row, ((&customer, &item), &second)) in customers.iter().zip(items).zip(seconds).enumerate() {
            if item as usize >= labels.len() {
                return Err(Error::invalid_input(
                    Location::memory().line(row as u64 + 1).column_name("item"),
                    format!("item id {item} has no label ({} labels given)", labels.len()),
                ));
            }
            if crate::time::Timestamp::from_second(second).is_err() {
                return Err(Error::invalid_input(
                    Location::memory().line(row as u64 + 1).column_name("seconds"),
                    format!("{second} seconds since 1970 is outside the years -9999..=9999"),
                ));
            }
            if customer < 0 {
                builder.excluded_rows += 1;
            } else {
                builder.push(customer, item, second);
            }
        }
        Ok(builder.finish(labels))
    }

    /// The number of customers (with at least one purchase).
    pub fn customers(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The rows read, excluded ones included.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Rows excluded because they name no customer.
    pub fn excluded_rows(&self) -> u64 {
        self.excluded_rows
    }

    /// The names of the item ids.
    pub fn labels(&self) -> &ItemDictionary {
        &self.labels
    }

    /// Customer `index`'s purchases as (items, seconds), sorted by time then item.
    ///
    /// ```
    /// use upsell::sequence::Purchases;
    /// let purchases = Purchases::from_arrays(&[3, 3], &[1, 0], &[50, 10], None)?;
    /// assert_eq!(purchases.history(0), Some((&[0, 1][..], &[10, 50][..])));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn history(&self, index: usize) -> Option<(&[ItemId], &[i64])> {
        let start = *self.offsets.get(index)?;
        let end = *self.offsets.get(index + 1)?;
        Some((&self.items[start..end], &self.seconds[start..end]))
    }
}

impl Purchases {
    /// Customer `index`'s history with the index of its first row in `all_rows`.
    pub(super) fn history_at(&self, index: usize) -> Option<(usize, &[ItemId], &[i64])> {
        let start = *self.offsets.get(index)?;
        self.history(index).map(|(items, seconds)| (start, items, seconds))
    }

    /// Every row, customer after customer (see [`Purchases::history`]).
    pub(super) fn all_rows(&self) -> (&[ItemId], &[i64]) {
        (&self.items, &self.seconds)
    }

    /// One past the last row of customer `index`.
    pub(super) fn end_of(&self, index: usize) -> usize {
        self.offsets[index + 1]
    }
}

/// Parses text times of in-memory data, one per row (`None`: missing), to Unix seconds.
///
/// A missing or unreadable time is an error whose location names the 1-based row (as `line`) and
/// `column`.
///
/// ```
/// use upsell::sequence::parse_times;
/// assert_eq!(parse_times(&[Some("1970-01-02"), Some("1970-01-01T00:01:00Z")], "Date")?, [86_400, 60]);
/// let err = parse_times(&[Some("2026-01-01"), Some("31/12/2026")], "Date").unwrap_err();
/// assert!(err.to_string().contains("<memory>:2 (column 'Date')"), "{err}");
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn parse_times<S: AsRef<str>>(texts: &[Option<S>], column: &str) -> Result<Vec<i64>> {
    texts
        .iter()
        .enumerate()
        .map(|(row, text)| {
            let at = || Location::memory().line(row as u64 + 1).column_name(column);
            match text {
                Some(text) => parse_timestamp_at(text.as_ref(), at).map(|t| t.as_second()),
                None => Err(Error::invalid_input(at(), "the time is missing")),
            }
        })
        .collect()
}

/// Collects rows, then sorts them into per-customer histories.
#[derive(Default)]
struct Builder {
    customer_index: FxHashMap<i64, u32>,
    rows: Vec<(u32, i64, ItemId)>,
    excluded_rows: u64,
}

impl Builder {
    fn push(&mut self, customer: i64, item: ItemId, second: i64) {
        let next = self.customer_index.len() as u32;
        let customer = *self.customer_index.entry(customer).or_insert(next);
        self.rows.push((customer, second, item));
    }

    fn finish(mut self, labels: ItemDictionary) -> Purchases {
        let rows = self.rows.len() as u64 + self.excluded_rows;
        self.rows.sort_unstable();
        self.rows.dedup();
        let customers = self.customer_index.len();
        let mut offsets = Vec::with_capacity(customers + 1);
        let mut items = Vec::with_capacity(self.rows.len());
        let mut seconds = Vec::with_capacity(self.rows.len());
        offsets.push(0);
        for (position, &(customer, second, item)) in self.rows.iter().enumerate() {
            if position > 0 && self.rows[position - 1].0 != customer {
                offsets.push(position);
            }
            items.push(item);
            seconds.push(second);
        }
        if !items.is_empty() {
            offsets.push(items.len());
        }
        Purchases { offsets, items, seconds, labels, rows, excluded_rows: self.excluded_rows }
    }
}

fn read_csv(source: impl Read, name: &Path, columns: &PurchaseColumns) -> Result<Purchases> {
    let mut reader = csv_reader(source, columns.delimiter, true);
    let headers = csv_header(&mut reader, name)?;
    let find = |column: &str| header_column(&headers, column, name);
    let (customer_col, time_col, item_col) = (find(&columns.customer)?, find(&columns.time)?, find(&columns.item)?);

    let mut customer_ids: FxHashMap<String, i64> = FxHashMap::default();
    let mut labels = ItemDictionary::default();
    let mut builder = Builder::default();
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).map_err(|e| csv_error(name, e))? {
        let line = record.position().map_or(0, |p| p.line());
        let field = |index: usize| -> Result<&str> {
            let at = || Location::file(name).line(line).column(index as u64 + 1).column_name(&headers[index]);
            let text = std::str::from_utf8(record.get(index).unwrap_or_default())
                .map_err(|_| Error::invalid_input(at(), "the field is not valid UTF-8"))?;
            Ok(text)
        };
        // Values are kept as written (as the basket reader does); a blank customer is no customer.
        let customer = field(customer_col)?;
        if customer.trim().is_empty() {
            builder.excluded_rows += 1;
            continue;
        }
        let item = field(item_col)?;
        if item.is_empty() {
            let at = Location::file(name).line(line).column(item_col as u64 + 1).column_name(&headers[item_col]);
            return Err(Error::invalid_input(at, "the item is empty"));
        }
        let at = || Location::file(name).line(line).column(time_col as u64 + 1).column_name(&headers[time_col]);
        let second = parse_timestamp_at(field(time_col)?, at)?.as_second();
        let next = customer_ids.len() as i64;
        let customer = match customer_ids.get(customer) {
            Some(&id) => id,
            None => {
                customer_ids.insert(customer.to_owned(), next);
                next
            }
        };
        builder.push(customer, labels.intern(item), second);
    }
    if builder.rows.is_empty() {
        let message = format!("no purchases with a customer ({} rows without one)", builder.excluded_rows);
        return Err(Error::invalid_input(Location::file(name), message));
    }
    Ok(builder.finish(labels))
}
