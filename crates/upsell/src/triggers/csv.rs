//! Customers from a CSV file: one row a customer, a header of field names (dotted paths allowed),
//! types inferred from the values ([`infer_type`]) unless the rule file declares them. Empty cells
//! are null, in string columns too (as pandas reads them), so `has(x)` means the same on every
//! surface. A list field (declared `list<string>`) holds its items separated by `|`.

use std::path::Path;

use super::batch::{Batch, Column};
use super::schema::{Schema, infer_type, parse_bool};
use super::value::{Decimal, Type, Value};
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
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    for (k, record) in csv.records().enumerate() {
        let line = k as u64 + 2;
        let record =
            record.map_err(|e| Error::invalid_input(at(line), format!("not a CSV row: {e}")))?;
        if record.len() != headers.len() {
            return Err(Error::invalid_input(
                at(line),
                format!("{} fields, the header has {}", record.len(), headers.len()),
            ));
        }
        for (column, cell) in cells.iter_mut().zip(record.iter()) {
            column.push(cell.to_owned());
        }
    }
    let mut columns = Vec::with_capacity(headers.len());
    for (c, (name, values)) in headers.iter().zip(&cells).enumerate() {
        let ty = declared
            .and_then(|s| s.get(name))
            .unwrap_or_else(|| infer_type(values.iter().map(String::as_str)));
        let mut parsed = Vec::with_capacity(values.len());
        for (k, text) in values.iter().enumerate() {
            let value = parse_cell(text, ty).ok_or_else(|| {
                Error::invalid_input(
                    at(k as u64 + 2).column(c as u64 + 1).column_name(name),
                    format!("'{text}' is not a {ty}"),
                )
            })?;
            parsed.push(value);
        }
        columns.push((name.clone(), Column::from_values(ty, &parsed)?));
    }
    Batch::new(columns)
}

fn parse_cell(text: &str, ty: Type) -> Option<Value> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Some(Value::Null);
    }
    Some(match ty {
        Type::Bool => Value::Bool(parse_bool(trimmed)?),
        Type::Int => Value::Int(trimmed.parse().ok()?),
        Type::Decimal => Value::Decimal(trimmed.parse::<Decimal>().ok()?),
        Type::Float => Value::Float(trimmed.parse().ok()?),
        Type::String => Value::from(text),
        Type::Timestamp => Value::Timestamp(crate::time::parse_timestamp(trimmed)?),
        Type::Duration => Value::Duration(trimmed.parse().ok()?),
        Type::List => Value::List(
            trimmed
                .split('|')
                .map(|s| std::sync::Arc::from(s.trim()))
                .collect(),
        ),
    })
}
