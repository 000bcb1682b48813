//! Customers from a CSV file: one row a customer, a header of field names (dotted paths allowed),
//! types inferred from the values ([`infer_type`]) unless the rule file declares them. Empty cells
//! are null, in string columns too (as pandas reads them), so `has(x)` means the same on every
//! surface. A list field (declared `list<string>`) holds its items separated by `|`. A column the
//! rule file's schema declares must be in the header, and a value of a `money` (`decimal`) column
//! has at most six decimal places: both are errors naming the column, as on the other surfaces.

use std::path::Path;

use super::batch::{Batch, Column};
use super::engine::PRECISION_HINT;
use super::schema::{Schema, infer_type, parse_bool};
use super::value::{Decimal, Type};
use crate::parallel::Runner;
use crate::{Error, Location, Result};

/// Reads a CSV file of customers into a [`Batch`]; `declared` types win over inferred ones.
///
/// ```
/// use upsell::triggers::{read_customers_csv, Type, Value};
/// let dir = std::env::temp_dir().join("upsell-doc-customers");
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("customers.csv");
/// std::fs::write(&path, "id,plan,cart.total\nc1,starter,82.50\nc2,,\n").unwrap();
/// let batch = read_customers_csv(&path, None)?;
/// assert_eq!(batch.schema().get("cart.total"), Some(Type::Decimal));
/// assert_eq!(batch.column(1).unwrap().value(1), Value::Null);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn read_customers_csv(path: &Path, declared: Option<&Schema>) -> Result<Batch> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    read_customers(file, path, declared)
}

/// Reads customers in CSV from any reader; `path` names the source in errors.
///
/// The cells are read into one text buffer per column (no allocation per cell), then each column
/// is typed and parsed straight into its typed vector, the columns in parallel.
pub fn read_customers(
    reader: impl std::io::Read,
    path: &Path,
    declared: Option<&Schema>,
) -> Result<Batch> {
    let mut csv = ::csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let at = |line: u64| Location::file(path).line(line);
    let headers: Vec<String> = csv
        .headers()
        .map_err(|e| Error::invalid_input(at(1), format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if headers.is_empty() || headers.iter().all(String::is_empty) {
        return Err(Error::invalid_input(
            at(1),
            "no header: expected a first line of field names",
        ));
    }
    if let Some(declared) = declared {
        declared.check_present(|name| headers.iter().any(|h| h == name), at(1))?;
    }
    let mut cells: Vec<Cells> = vec![Cells::default(); headers.len()];
    let mut record = ::csv::StringRecord::new();
    let mut line = 1;
    loop {
        line += 1;
        let more = csv
            .read_record(&mut record)
            .map_err(|e| Error::invalid_input(at(line), format!("not a CSV row: {e}")))?;
        if !more {
            break;
        }
        if record.len() != headers.len() {
            return Err(Error::invalid_input(
                at(line),
                format!("{} fields, the header has {}", record.len(), headers.len()),
            ));
        }
        for (column, cell) in cells.iter_mut().zip(record.iter()) {
            column.push(cell);
        }
    }
    let runner = Runner::new(None);
    let columns = runner.map(
        headers.len(),
        || (),
        |_, c| {
            let (name, cells) = (&headers[c], &cells[c]);
            let ty = declared
                .and_then(|s| s.get(name))
                .unwrap_or_else(|| infer_type(cells.iter()));
            parse_column(cells, ty).map_err(|(k, text)| {
                Error::invalid_input(
                    at(k as u64 + 2).column(c as u64 + 1).column_name(name),
                    format!("'{text}' is not a {ty}{}", precision_hint(&text, ty)),
                )
            })
        },
    );
    let columns = headers
        .iter()
        .cloned()
        .zip(columns)
        .map(|(name, column)| Ok((name, column?)))
        .collect::<Result<Vec<_>>>()?;
    Batch::new(columns)
}

/// [`PRECISION_HINT`] when it is why `text` was refused for a column of type `ty`.
fn precision_hint(text: &str, ty: Type) -> &'static str {
    match ty {
        Type::Decimal if text.trim().parse::<f64>().is_ok_and(f64::is_finite) => PRECISION_HINT,
        _ => "",
    }
}

/// The cells of one column: their text, end to end, and where each ends.
#[derive(Debug, Clone, Default)]
struct Cells {
    text: String,
    ends: Vec<usize>,
}

impl Cells {
    fn push(&mut self, cell: &str) {
        self.text.push_str(cell);
        self.ends.push(self.text.len());
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(start, &end)| &self.text[start..end])
    }
}

/// A cell that is not of its column's type: its row (from 0) and text.
type BadCell = (usize, String);

/// The cells parsed as a column of `ty`; an empty cell is null.
fn parse_column(cells: &Cells, ty: Type) -> std::result::Result<Column, BadCell> {
    /// Values (a default where null) and validity (`None` when every cell is valid).
    type Typed<T> = (Vec<T>, Option<Vec<bool>>);
    fn typed<T: Default>(
        cells: &Cells,
        parse: impl Fn(&str) -> Option<T>,
    ) -> std::result::Result<Typed<T>, BadCell> {
        let mut values = Vec::with_capacity(cells.ends.len());
        let mut validity = Vec::with_capacity(cells.ends.len());
        for (k, text) in cells.iter().enumerate() {
            let trimmed = text.trim();
            if trimmed.is_empty() {
                values.push(T::default());
                validity.push(false);
            } else {
                values.push(parse(trimmed).ok_or_else(|| (k, text.to_owned()))?);
                validity.push(true);
            }
        }
        let all_valid = validity.iter().all(|&v| v);
        Ok((values, (!all_valid).then_some(validity)))
    }
    fn nonempty(text: &str) -> Option<&str> {
        (!text.trim().is_empty()).then_some(text)
    }
    Ok(match ty {
        Type::Bool => {
            let (values, validity) = typed(cells, parse_bool)?;
            Column::bools(values, validity)
        }
        Type::Int => {
            let (values, validity) = typed(cells, |t| t.parse().ok())?;
            Column::ints(values, validity)
        }
        Type::Decimal => {
            let (values, validity) =
                typed(cells, |t| t.parse::<Decimal>().ok().map(Decimal::units))?;
            Column::decimals(values, validity)
        }
        Type::Float => {
            let (values, validity) = typed(cells, |t| t.parse().ok())?;
            Column::floats(values, validity)
        }
        Type::Timestamp => {
            let (values, validity) = typed(cells, |t| {
                crate::time::parse_timestamp(t).map(|t| t.as_second())
            })?;
            Column::timestamps(values, validity)
        }
        Type::Duration => {
            let (values, validity) = typed(cells, |t| t.parse().ok())?;
            Column::durations(values, validity)
        }
        Type::String => Column::strings(cells.iter().map(nonempty)),
        // A schema declares no map or dyn field (maps are fields sharing a prefix): text.
        Type::Map(..) | Type::Dyn => Column::strings(cells.iter().map(nonempty)),
        Type::List(_) => Column::lists(
            cells
                .iter()
                .map(|text| nonempty(text).map(|t| t.trim().split('|').map(str::trim))),
        ),
    })
}
