//! Arrow in and out: customers, baskets and carts read from Arrow record batches, and offers,
//! itemsets, rules, recommendations and order metrics written as record batches (the `arrow`
//! feature, off by default).
//!
//! Every surface that holds Arrow data (the C library's Arrow C streams, Python's pyarrow, polars
//! and pandas frames through the PyCapsule interface) hands it here, so each Arrow type is read one
//! way everywhere: a decimal is exact or an error, a timestamp of any unit and zone is UTC seconds,
//! strings of any layout are text, empty cells are null. The one idea: the surfaces move Arrow memory across their boundary and this module does the rest,
//! so no surface converts a column itself.
//!
//! Inputs are any [`RecordBatchReader`] (an Arrow C stream reader, a Parquet reader, a
//! [`RecordBatchIterator`](arrow_array::RecordBatchIterator)), read to the end; an error names the column and the row, counted from
//! 1 across the whole stream. Outputs are a [`Table`]: a schema and its batches.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{Int64Array, RecordBatch, RecordBatchIterator, StringArray};
//! use upsell::triggers::{BatchOptions, RuleSet};
//! use upsell::time::parse_timestamp;
//!
//! let rules = RuleSet::from_yaml_str(
//!     "rules:\n  - name: team\n    when: seats > 10\n    offer: {kind: upgrade, target: team}\n",
//! )?;
//! let customers = RecordBatch::try_from_iter([
//!     ("id", Arc::new(StringArray::from(vec!["a", "b"])) as _),
//!     ("seats", Arc::new(Int64Array::from(vec![12, 3])) as _),
//! ])
//! .unwrap();
//! let reader = RecordBatchIterator::new([Ok(customers.clone())], customers.schema());
//! let now = parse_timestamp("2026-11-23T10:00:00Z").unwrap();
//! let offers = upsell::arrow::evaluate(&rules, reader, &BatchOptions::new(now), &Default::default())?;
//! assert_eq!(offers.rows(), 1);
//! # Ok::<(), upsell::Error>(())
//! ```

mod baskets;
mod results;
mod triggers;

use std::borrow::Cow;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type};
use arrow_array::{
    AnyDictionaryArray, Array, LargeStringArray, RecordBatch, RecordBatchReader, StringArray,
    StringViewArray,
};
use arrow_schema::{ArrowError, DataType, Schema, SchemaRef};

use crate::{Error, Location, Result};

pub use baskets::{LongColumns, baskets, long_baskets};
pub use results::{
    Recommended, ease_recommendations, itemsets, order_metrics, recommendations, rules,
};
pub use triggers::{
    check_customers, column, customers, customers_from_stream, evaluate, offers, offers_schema,
};

/// A whole Arrow result: its schema and its batches (none for an empty input stream), ready to be
/// handed over as a stream.
#[derive(Debug, Clone)]
pub struct Table {
    /// The columns.
    pub schema: SchemaRef,
    /// The rows, in batches.
    pub batches: Vec<RecordBatch>,
}

impl Table {
    /// The number of rows across the batches.
    ///
    /// ```
    /// let offers = upsell::arrow::Table { schema: upsell::arrow::offers_schema(), batches: vec![] };
    /// assert_eq!(offers.rows(), 0);
    /// ```
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

impl From<RecordBatch> for Table {
    /// A table of one batch.
    ///
    /// ```
    /// let offers = upsell::arrow::offers(&[])?;
    /// assert_eq!(upsell::arrow::Table::from(offers).batches.len(), 1);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    fn from(batch: RecordBatch) -> Self {
        Table {
            schema: batch.schema(),
            batches: vec![batch],
        }
    }
}

#[cold]
#[inline(never)]
fn arrow_error(what: &str, e: ArrowError) -> Error {
    Error::invalid_input(Location::memory(), format!("{what}: {e}"))
}

/// Where a cell is: the column by name and the 1-based row across the whole stream.
fn cell(column: &str, row: usize) -> Location {
    Location::memory().column_name(column).line(row as u64 + 1)
}

#[cold]
#[inline(never)]
fn unsupported(column: &str, ty: &DataType, wanted: &str) -> Error {
    Error::invalid_input(
        Location::memory().column_name(column),
        format!("column '{column}' has type {ty}; {wanted}"),
    )
}

/// The stream's batches, each read error naming the stream.
fn batches(reader: impl RecordBatchReader) -> impl Iterator<Item = Result<RecordBatch>> {
    reader.map(|batch| batch.map_err(|e| arrow_error("cannot read the input stream", e)))
}

/// The index of column `name` (the first column when `None`); `parameter` names the argument that
/// named it.
fn find_column(schema: &Schema, name: Option<&str>, parameter: &'static str) -> Result<usize> {
    match name {
        None if schema.fields().is_empty() => Err(Error::invalid_input(
            Location::memory(),
            "the input stream has no column",
        )),
        None => Ok(0),
        Some(name) => schema.index_of(name).map_err(|_| {
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            Error::invalid_parameter(
                parameter,
                format!(
                    "no column '{name}' in the input stream (it has: {})",
                    names.join(", ")
                ),
            )
        }),
    }
}

/// Text-like values of an Arrow array: strings of any offset width or views, dictionaries of
/// those, and integers (read as their decimal text).
enum Texts<'a> {
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    View(&'a StringViewArray),
    Dictionary {
        array: &'a dyn Array,
        keys: Vec<usize>,
        values: Box<Texts<'a>>,
    },
    Int(Vec<Option<i128>>),
}

impl<'a> Texts<'a> {
    fn of(array: &'a dyn Array) -> Option<Self> {
        Some(match array.data_type() {
            DataType::Utf8 => Texts::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Texts::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => Texts::View(array.as_string_view()),
            DataType::Dictionary(..) => {
                let dictionary = array.as_any_dictionary();
                Texts::Dictionary {
                    array,
                    keys: dictionary_keys(dictionary),
                    values: Box::new(Texts::of(dictionary.values().as_ref())?),
                }
            }
            _ => Texts::Int(integers(array)?),
        })
    }

    /// Column `at` of `batch` as text, or an error naming it.
    fn column(batch: &'a RecordBatch, at: usize, name: &str) -> Result<Self> {
        let array = batch.column(at).as_ref();
        Texts::of(array)
            .ok_or_else(|| unsupported(name, array.data_type(), "expected strings or integers"))
    }

    /// The text at `index`, `None` for a null.
    fn get(&self, index: usize) -> Option<Cow<'a, str>> {
        match self {
            Texts::Utf8(a) => a.is_valid(index).then(|| Cow::Borrowed(a.value(index))),
            Texts::LargeUtf8(a) => a.is_valid(index).then(|| Cow::Borrowed(a.value(index))),
            Texts::View(a) => a.is_valid(index).then(|| Cow::Borrowed(a.value(index))),
            Texts::Dictionary {
                array,
                keys,
                values,
            } => {
                if array.is_valid(index) && keys[index] != usize::MAX {
                    values.get(keys[index])
                } else {
                    None
                }
            }
            Texts::Int(values) => values[index].map(|v| Cow::Owned(v.to_string())),
        }
    }

    /// The text at `index`, or an error naming the column and `row` of the stream for a null.
    fn required(&self, index: usize, name: &str, row: usize) -> Result<Cow<'a, str>> {
        self.get(index)
            .ok_or_else(|| Error::invalid_input(cell(name, row), "the field is empty"))
    }
}

/// A dictionary's keys as indices into its values (`usize::MAX` for every row of an empty
/// dictionary, where every row is null).
fn dictionary_keys(dictionary: &dyn AnyDictionaryArray) -> Vec<usize> {
    if dictionary.values().is_empty() {
        vec![usize::MAX; dictionary.len()]
    } else {
        dictionary.normalized_keys()
    }
}

/// The values of an integer array of any width, `None` for another type.
fn integers(array: &dyn Array) -> Option<Vec<Option<i128>>> {
    macro_rules! read {
        ($t:ty) => {
            array
                .as_primitive::<$t>()
                .iter()
                .map(|v| v.map(i128::from))
                .collect()
        };
    }
    Some(match array.data_type() {
        DataType::Int8 => read!(Int8Type),
        DataType::Int16 => read!(Int16Type),
        DataType::Int32 => read!(Int32Type),
        DataType::Int64 => read!(Int64Type),
        DataType::UInt8 => read!(UInt8Type),
        DataType::UInt16 => read!(UInt16Type),
        DataType::UInt32 => read!(UInt32Type),
        DataType::UInt64 => read!(UInt64Type),
        _ => return None,
    })
}

/// The offsets and values of a list (or large list) column of strings or integers; `what` names
/// the rows (baskets, carts) in the error for another type.
fn list_texts<'a>(lists: &'a dyn Array, name: &str, what: &str) -> Result<(Vec<usize>, Texts<'a>)> {
    let wanted = || format!("{what} are a list of strings or integers");
    let (offsets, values) = match lists.data_type() {
        DataType::List(_) => {
            let l = lists.as_list::<i32>();
            let offsets = l.value_offsets().iter().map(|&o| o as usize).collect();
            (offsets, l.values())
        }
        DataType::LargeList(_) => {
            let l = lists.as_list::<i64>();
            let offsets = l.value_offsets().iter().map(|&o| o as usize).collect();
            (offsets, l.values())
        }
        other => return Err(unsupported(name, other, &wanted())),
    };
    let texts = Texts::of(values.as_ref())
        .ok_or_else(|| unsupported(name, lists.data_type(), &wanted()))?;
    Ok((offsets, texts))
}
