//! Streaming readers for FIMI `.dat`, basket CSV and long (one line item a row) CSV, plain or gzip.
//!
//! Readers hold one line at a time plus the growing basket store, so memory follows the data, not the
//! file's text. Every problem is reported with the file, the 1-based line and the field.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use super::{BasketBuilder, Dataset, ItemDictionary, ItemId, LongBuilder};
use crate::time::parse_timestamp_at;
use crate::{Error, Location, Result};

/// A delimiter named on a command line or in an option: one ASCII character, or `tab` (also
/// written `\t`) for the tab; anything else is an invalid `delimiter`.
///
/// ```
/// use upsell::data::parse_delimiter;
/// assert_eq!(parse_delimiter(";")?, b';');
/// assert_eq!(parse_delimiter("tab")?, b'\t');
/// assert!(parse_delimiter("ab").is_err());
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn parse_delimiter(text: &str) -> Result<u8> {
    match text {
        "tab" | "\\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() => Ok(text.as_bytes()[0]),
        _ => Err(Error::invalid_parameter(
            "delimiter",
            format!("{text:?} is not one ASCII character (or `tab`)"),
        )),
    }
}

/// The layout of a basket file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// FIMI: one basket a line, items are integers separated by spaces or tabs.
    Fimi,
    /// One basket a line, item names separated by a delimiter (`,` by default).
    Baskets,
    /// One line item a row with a header; basket and item columns chosen by name.
    Long,
}

impl Format {
    /// The name [`str::parse`] reads back.
    ///
    /// ```
    /// use upsell::data::Format;
    /// assert_eq!(Format::Long.name().parse::<Format>()?, Format::Long);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Format::Fimi => "fimi",
            Format::Baskets => "baskets",
            Format::Long => "long",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = Error;

    /// ```
    /// use upsell::data::Format;
    /// assert_eq!("fimi".parse::<Format>()?, Format::Fimi);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "fimi" | "dat" => Ok(Format::Fimi),
            "baskets" | "basket" => Ok(Format::Baskets),
            "long" => Ok(Format::Long),
            other => Err(Error::invalid_parameter(
                "format",
                format!("'{other}' is not one of fimi, baskets, long"),
            )),
        }
    }
}

/// How to read a file. The default guesses the format from the name (`.dat` is FIMI; `.csv` is
/// long data when a basket column is named, else one basket a line).
///
/// ```
/// use upsell::data::{Format, ReadOptions};
/// let options = ReadOptions::long(["Member_number", "Date"], "itemDescription");
/// assert_eq!(options.format, Some(Format::Long));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The format; `None` guesses from the file name.
    pub format: Option<Format>,
    /// The field delimiter of CSV formats (`,` when `None`).
    pub delimiter: Option<u8>,
    /// Long data: the column(s) whose values together identify a basket.
    pub basket_columns: Vec<String>,
    /// Long data: the item column.
    pub item_column: Option<String>,
    /// Long data: an optional customer column, kept per basket.
    pub customer_column: Option<String>,
    /// Long data: an optional time column, kept per basket as written.
    pub time_column: Option<String>,
}

impl ReadOptions {
    /// FIMI `.dat` data.
    pub fn fimi() -> Self {
        ReadOptions {
            format: Some(Format::Fimi),
            ..ReadOptions::default()
        }
    }

    /// One basket a line, items separated by `delimiter`.
    pub fn baskets(delimiter: u8) -> Self {
        ReadOptions {
            format: Some(Format::Baskets),
            delimiter: Some(delimiter),
            ..ReadOptions::default()
        }
    }

    /// Long data keyed by `basket_columns`, items in `item_column`.
    pub fn long<S: Into<String>>(
        basket_columns: impl IntoIterator<Item = S>,
        item_column: impl Into<String>,
    ) -> Self {
        ReadOptions {
            format: Some(Format::Long),
            basket_columns: basket_columns.into_iter().map(Into::into).collect(),
            item_column: Some(item_column.into()),
            ..ReadOptions::default()
        }
    }

    /// The format `path` is read in: the one set, else a guess from the file name (`.csv`,
    /// `.tsv` or `.txt`, optionally gzipped, is basket CSV, or long CSV when basket columns are
    /// named; anything else is FIMI).
    ///
    /// ```
    /// use upsell::data::{Format, ReadOptions};
    /// let options = ReadOptions::default();
    /// assert_eq!(options.resolve_format("retail.dat.gz".as_ref()), Format::Fimi);
    /// assert_eq!(options.resolve_format("groceries.CSV".as_ref()), Format::Baskets);
    /// let long = ReadOptions::long(["order"], "product");
    /// assert_eq!(long.resolve_format("lines.csv.gz".as_ref()), Format::Long);
    /// ```
    pub fn resolve_format(&self, path: &Path) -> Format {
        if let Some(format) = self.format {
            return format;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".csv") || name.ends_with(".tsv") || name.ends_with(".txt") {
            if self.basket_columns.is_empty() {
                Format::Baskets
            } else {
                Format::Long
            }
        } else {
            Format::Fimi
        }
    }
}

impl ReadOptions {
    /// Refuses the columns of long data (item, customer, time) when the file is read as
    /// `format` and that is not [`Format::Long`]: they would be ignored without a word.
    fn check_columns_apply(&self, format: Format) -> Result<()> {
        let columns = [
            ("item_column", &self.item_column),
            ("customer_column", &self.customer_column),
            ("time_column", &self.time_column),
        ];
        match columns.into_iter().find(|(_, column)| column.is_some()) {
            Some((name, _)) if format != Format::Long => Err(Error::invalid_parameter(
                name,
                format!(
                    "applies to long CSV input (with basket and item columns); this file is read as {}",
                    format.name()
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// Reads `path` (plain or gzip) into a [`Dataset`].
///
/// ```no_run
/// let data = upsell::data::read_path("groceries.csv".as_ref(), &upsell::data::ReadOptions::baskets(b','))?;
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<Dataset> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    read_stream(file, path.to_path_buf(), options)
}

pub(crate) fn read_stream<'r>(
    reader: impl Read + 'r,
    name: PathBuf,
    options: &ReadOptions,
) -> Result<Dataset> {
    let mut buffered = BufReader::with_capacity(1 << 16, reader);
    let head = buffered.fill_buf().map_err(|e| Error::io(&name, e))?;
    if head.is_empty() {
        return Err(Error::invalid_input(
            Location::file(&name),
            "the file is empty: no baskets to read",
        ));
    }
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let mut source: Box<dyn BufRead + 'r> = if gzip {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    let head = source.fill_buf().map_err(|e| Error::io(&name, e))?;
    let (format, delimiter) = sniff(options, &name, head);
    options.check_columns_apply(format)?;
    let mut data = match format {
        Format::Fimi => read_fimi(&mut source, &name)?,
        Format::Baskets => read_basket_csv(source, &name, delimiter)?,
        Format::Long => {
            let options = ReadOptions {
                delimiter: Some(delimiter),
                ..options.clone()
            };
            read_long_csv(source, &name, &options)?
        }
    };
    if data.baskets.is_empty() {
        return Err(Error::invalid_input(
            Location::file(&name),
            "the file holds no baskets",
        ));
    }
    data.recode_by_frequency();
    Ok(data)
}

/// The format and delimiter to read with: those set, else decided by the name where it decides
/// (`.dat` is FIMI, `.csv` comma-separated, named basket columns long CSV), else by the first
/// lines (`head`): lines of integers separated by blanks are FIMI (as SPMF's `.txt` files are);
/// otherwise baskets separated by the delimiter set, or the first of comma, tab and space that
/// occurs.
fn sniff(options: &ReadOptions, name: &Path, head: &[u8]) -> (Format, u8) {
    let named = options.resolve_format(name);
    let lower = name.to_string_lossy().to_lowercase();
    let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
    let decided = options.format.is_some()
        || !options.basket_columns.is_empty()
        || lower.ends_with(".dat")
        || lower.ends_with(".csv");
    if decided {
        let delimiter = match options.delimiter {
            Some(delimiter) => delimiter,
            None if lower.ends_with(".tsv") => b'\t',
            None => b',',
        };
        return (named, delimiter);
    }
    let mut lines: Vec<&[u8]> = head.split(|&b| b == b'\n').collect();
    if lines.len() > 1 && !head.ends_with(b"\n") {
        lines.pop();
    }
    let lines: Vec<&[u8]> = lines
        .into_iter()
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .take(SNIFF_LINES)
        .collect();
    let integers = !lines.is_empty()
        && lines.iter().all(|line| {
            line.iter()
                .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'\t'))
        });
    if let Some(delimiter) = options.delimiter {
        return (Format::Baskets, delimiter);
    }
    if integers {
        return (Format::Fimi, b' ');
    }
    let delimiter = [b',', b'\t', b' ']
        .into_iter()
        .find(|&d| lines.iter().any(|line| line.contains(&d)))
        .unwrap_or(b',');
    (Format::Baskets, delimiter)
}

/// How many lines [`sniff`] reads.
const SNIFF_LINES: usize = 50;

fn io_error(name: &Path, e: std::io::Error) -> Error {
    Error::io(name, e)
}

fn read_fimi(source: &mut dyn BufRead, name: &Path) -> Result<Dataset> {
    // Integer labels map to ids through a hash map; labels are written out once at the end.
    let mut ids: FxHashMap<u64, ItemId> = FxHashMap::default();
    let mut values: Vec<u64> = Vec::new();
    let mut builder = BasketBuilder::default();
    let mut line = Vec::new();
    let mut basket = Vec::new();
    let mut line_no = 0u64;
    loop {
        line.clear();
        if source
            .read_until(b'\n', &mut line)
            .map_err(|e| io_error(name, e))?
            == 0
        {
            break;
        }
        line_no += 1;
        basket.clear();
        let tokens = line
            .split(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .filter(|t| !t.is_empty());
        for (field, token) in (1u64..).zip(tokens) {
            let value = parse_item(token).ok_or_else(|| {
                let at = Location::file(name).line(line_no).column(field);
                match std::str::from_utf8(token) {
                    Ok(text) if token.iter().all(u8::is_ascii_digit) => Error::invalid_input(
                        at,
                        format!(
                            "the item {text} is too large: FIMI items are integers up to {}",
                            u64::MAX
                        ),
                    ),
                    Ok(text) => Error::invalid_input(
                        at,
                        format!("FIMI items are non-negative integers, found '{text}'"),
                    ),
                    Err(_) => Error::invalid_input(
                        at,
                        "the line is not valid UTF-8 (FIMI items are integers)",
                    ),
                }
            })?;
            let next = ids.len() as ItemId;
            let id = *ids.entry(value).or_insert_with(|| {
                values.push(value);
                next
            });
            basket.push(id);
        }
        builder.push(&mut basket);
    }
    let items = ItemDictionary::from_labels(values.iter().map(u64::to_string))?;
    Ok(Dataset {
        baskets: builder.finish_with_items(items.len()),
        items,
        keys: None,
        format: Format::Fimi,
    })
}

fn parse_item(token: &[u8]) -> Option<u64> {
    if token.is_empty() {
        return None;
    }
    let mut value = 0u64;
    for &b in token {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(digit))?;
    }
    Some(value)
}

pub(crate) fn csv_reader<R: Read>(source: R, delimiter: u8, headers: bool) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(headers)
        .flexible(true)
        .from_reader(source)
}

/// The names of a CSV file's header, trimmed.
pub(crate) fn csv_header<R: Read>(reader: &mut csv::Reader<R>, name: &Path) -> Result<Vec<String>> {
    Ok(reader
        .byte_headers()
        .map_err(|e| csv_error(name, e))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_owned())
        .collect())
}

/// The position of `column` in `headers`, or an error that names the file and lists the columns.
pub(crate) fn header_column(headers: &[String], column: &str, name: &Path) -> Result<usize> {
    let mut found = headers.iter().enumerate().filter(|(_, h)| *h == column);
    if let (Some((first, _)), Some((second, _))) = (found.next(), found.next()) {
        return Err(Error::invalid_input(
            Location::file(name).line(1).column_name(column),
            format!(
                "the header names column '{column}' twice (columns {} and {}): rename one",
                first + 1,
                second + 1
            ),
        ));
    }
    headers.iter().position(|h| h == column).ok_or_else(|| {
        Error::invalid_input(
            Location::file(name).line(1).column_name(column),
            format!(
                "no column '{column}' in the header; the columns are: {}",
                headers.join(", ")
            ),
        )
    })
}

/// A CSV reader's error as the core's: I/O stays I/O, anything else names the line.
pub(crate) fn csv_error(name: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(name, io),
        kind => {
            let mut at = Location::file(name);
            at.line = line;
            Error::invalid_input(at, format!("malformed CSV: {kind:?}"))
        }
    }
}

fn field_str<'a>(
    record: &'a csv::ByteRecord,
    index: usize,
    name: &Path,
    header: Option<&str>,
) -> Result<&'a str> {
    let bytes = record.get(index).unwrap_or_default();
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        let mut location = Location::file(name).column(index as u64 + 1);
        location.line = record.position().map(|p| p.line());
        location.column_name = header.map(str::to_owned);
        return Err(Error::invalid_input(
            location,
            format!("the field holds a NUL byte (at offset {at}): is this a binary file?"),
        ));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let mut at = Location::file(name).column(index as u64 + 1);
        at.line = record.position().map(|p| p.line());
        at.column_name = header.map(str::to_owned);
        Error::invalid_input(
            at,
            format!(
                "the field is not valid UTF-8 (bad byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

fn read_basket_csv(source: impl Read, name: &Path, delimiter: u8) -> Result<Dataset> {
    let mut reader = csv_reader(source, delimiter, false);
    let mut items = ItemDictionary::default();
    let mut builder = BasketBuilder::default();
    let mut record = csv::ByteRecord::new();
    let mut basket = Vec::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(name, e))?
    {
        basket.clear();
        for index in 0..record.len() {
            let label = field_str(&record, index, name, None)?;
            if !label.is_empty() {
                basket.push(items.intern(label));
            }
        }
        builder.push(&mut basket);
    }
    Ok(Dataset {
        baskets: builder.finish_with_items(items.len()),
        items,
        keys: None,
        format: Format::Baskets,
    })
}

fn read_long_csv(source: impl Read, name: &Path, options: &ReadOptions) -> Result<Dataset> {
    let mut reader = csv_reader(source, options.delimiter.unwrap_or(b','), true);
    let headers = csv_header(&mut reader, name)?;
    let find = |column: &str| header_column(&headers, column, name);
    if options.basket_columns.is_empty() {
        return Err(Error::invalid_parameter(
            "basket_column",
            "long data needs the basket column(s) named",
        ));
    }
    let item_name = options.item_column.as_deref().ok_or_else(|| {
        Error::invalid_parameter("item_column", "long data needs the item column named")
    })?;
    let basket_cols: Vec<usize> = options
        .basket_columns
        .iter()
        .map(|c| find(c))
        .collect::<Result<_>>()?;
    let item_col = find(item_name)?;
    let customer_col = options.customer_column.as_deref().map(find).transpose()?;
    let time_col = options.time_column.as_deref().map(find).transpose()?;

    let mut long = LongBuilder::new(customer_col.is_some(), time_col.is_some());
    let mut record = csv::ByteRecord::new();
    let mut key = String::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(name, e))?
    {
        let required = |index: usize| -> Result<&str> {
            let value = field_str(&record, index, name, Some(&headers[index]))?;
            if value.is_empty() {
                let mut at = Location::file(name)
                    .column(index as u64 + 1)
                    .column_name(&headers[index]);
                at.line = record.position().map(|p| p.line());
                return Err(Error::invalid_input(at, "the field is empty"));
            }
            Ok(value)
        };
        key.clear();
        for (k, &col) in basket_cols.iter().enumerate() {
            if k > 0 {
                key.push('|');
            }
            key.push_str(required(col)?);
        }
        let basket = long.add(&key, required(item_col)?, || match customer_col {
            Some(col) => Ok(field_str(&record, col, name, Some(&headers[col]))?.to_owned()),
            None => Ok(String::new()),
        })?;
        if let Some(col) = time_col {
            let time = parse_timestamp_at(required(col)?, || {
                let mut at = Location::file(name)
                    .column(col as u64 + 1)
                    .column_name(&headers[col]);
                at.line = record.position().map(|p| p.line());
                at
            })?;
            long.add_time(basket, time);
        }
    }
    long.finish()
}
