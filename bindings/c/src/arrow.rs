//! Columnar exchange through the Arrow C data interface: baskets (a list column, or long order
//! data), carts and customers come in as an `ArrowArrayStream`, and itemsets, rules,
//! recommendations, trigger offers and order metrics go out as one, so a host with any Arrow
//! implementation (pyarrow, arrow-cpp, arrow-go, nanoarrow, Java's arrow-c-data) hands over a
//! million rows without a row-wise call.
//!
//! The one idea: the standard structs come from the `arrow-array` crate (`FFI_ArrowArrayStream`),
//! never hand-written; an input stream is moved in and read to its end, its columns converted
//! once into the core's types as the Python surface converts pyarrow's (so every surface reads
//! the same types the same way), and an output is a stream the caller releases.

use std::borrow::Cow;
use std::ffi::{c_char, c_int};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::types::{
    Date32Type, Date64Type, Decimal32Type, Decimal64Type, Decimal128Type, DurationMicrosecondType,
    DurationMillisecondType, DurationNanosecondType, DurationSecondType, Float16Type, Float32Type,
    Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{
    AnyDictionaryArray, Array, ArrayRef, BooleanArray, Decimal128Array, Float64Array, Int64Array,
    LargeStringArray, ListArray, RecordBatch, RecordBatchIterator, RecordBatchReader, StringArray,
    StringViewArray, UInt32Array, new_empty_array,
};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use upsell_core::data::{BasketBuilder, ItemDictionary, ItemId, LongBuilder};
use upsell_core::metrics::OrderMetrics;
use upsell_core::mining::Itemsets;
use upsell_core::pricing::{Currency, Money};
use upsell_core::recommend::{
    Ease, EaseRecommendation, ModelRule, RecommendOptions, Recommendation, Recommender,
};
use upsell_core::rules::Measure;
use upsell_core::time::{Timestamp, parse_timestamp_at};
use upsell_core::triggers::{Batch, BatchOffer, BatchOptions, Column};
use upsell_core::{Control, Error, Location};

use crate::data::upsell_baskets;
use crate::ease::upsell_ease;
use crate::error::upsell_error;
use crate::ffi::{self, Failure, Outcome, optional_text, text};
use crate::metrics::read_order_metrics;
use crate::mining::upsell_itemsets;
use crate::pricing::currency_from_c;
use crate::recommend::{ranking_from_c, upsell_recommender};
use crate::rules::upsell_rules;
use crate::status::upsell_status;
use crate::triggers::{history_from_c, now_from_c, upsell_ruleset};

fn arrow_error(what: &str, e: ArrowError) -> Error {
    Error::invalid_input(Location::memory(), format!("{what}: {e}"))
}

/// Where a cell is: the column by name and the 1-based row across the whole stream.
fn cell(column: &str, row: usize) -> Location {
    Location::memory().column_name(column).line(row as u64 + 1)
}

/// Moves the caller's stream in (its `release` becomes NULL, so the caller must not release it)
/// and opens it.
///
/// # Safety
///
/// `stream` is NULL or points to an `ArrowArrayStream`, live or released.
unsafe fn open(stream: *mut FFI_ArrowArrayStream) -> Outcome<ArrowArrayStreamReader> {
    let stream = ffi::out(stream, "stream")?;
    // SAFETY: not NULL; the caller promises an initialised stream struct.
    if unsafe { (*stream).release.is_none() } {
        return Err(
            Error::invalid_input(Location::memory(), "the input stream is released").into(),
        );
    }
    // SAFETY: as above; `from_raw` moves the stream out, leaving a released one behind.
    Ok(unsafe { ArrowArrayStreamReader::from_raw(stream) }
        .map_err(|e| arrow_error("cannot read the input stream's schema", e))?)
}

/// Reads the stream's next batch, naming the stream in an error.
fn next_batch(reader: &mut ArrowArrayStreamReader) -> Outcome<Option<RecordBatch>> {
    Ok(reader
        .next()
        .transpose()
        .map_err(|e| arrow_error("cannot read the input stream", e))?)
}

/// The index of column `name` (the first column when `None`).
fn find_column(schema: &Schema, name: Option<&str>, parameter: &'static str) -> Outcome<usize> {
    let names = || {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        names.join(", ")
    };
    match name {
        None if schema.fields().is_empty() => {
            Err(Error::invalid_input(Location::memory(), "the input stream has no column").into())
        }
        None => Ok(0),
        Some(name) => schema.index_of(name).map_err(|_| {
            Error::invalid_parameter(
                parameter,
                format!(
                    "no column '{name}' in the input stream (it has: {})",
                    names()
                ),
            )
            .into()
        }),
    }
}

/// Hands `batches` to the caller as a new stream in `*out`.
///
/// # Safety
///
/// `out` is not NULL and writable.
unsafe fn export(out: *mut FFI_ArrowArrayStream, schema: SchemaRef, batches: Vec<RecordBatch>) {
    let reader: Box<dyn RecordBatchReader + Send> = Box::new(RecordBatchIterator::new(
        batches.into_iter().map(Ok),
        schema,
    ));
    // SAFETY: forwarded to the caller. `*out` is the caller's uninitialised storage: nothing to
    // release there.
    unsafe { out.write(FFI_ArrowArrayStream::new(reader)) };
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

fn unsupported(column: &str, ty: &DataType, wanted: &str) -> Failure {
    Error::invalid_input(
        Location::memory().column_name(column),
        format!("column '{column}' has type {ty}; {wanted}"),
    )
    .into()
}

/// The offsets and values of a list (or large list) column of strings or integers; `what` names
/// the rows (baskets, carts) in the error for another type.
fn list_texts<'a>(
    lists: &'a dyn Array,
    name: &str,
    what: &str,
) -> Outcome<(Vec<usize>, Texts<'a>)> {
    let wanted = || format!("{what} are a list of strings or integers");
    let (offsets, values): (Vec<usize>, &ArrayRef) = match lists.data_type() {
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

/// Reads baskets from a stream whose column `column` (NULL: the first) is a list (or large list)
/// of item labels: strings (plain, large, view or dictionary-encoded) or integers, which are
/// labelled by their decimal text. One row is one basket; a null list is an empty basket and a
/// null item is `UPSELL_STATUS_INVALID_INPUT` naming the row. Duplicate items in a basket count
/// once. Items are numbered in order of first appearance; `upsell_baskets_item_label` gives each
/// id's label.
///
/// Ownership: the stream is moved in: on return (success or failure) its `release` is NULL and
/// the library has released it, so the caller must not. On success `*out` receives a new handle
/// the caller frees with `upsell_baskets_free`. Thread-safety: safe from any thread; the stream
/// is read on the calling thread.
///
/// # Safety
///
/// `stream` points to an `ArrowArrayStream` the caller owns; `column` is NULL or NUL-terminated;
/// `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_from_arrow(
    stream: *mut FFI_ArrowArrayStream,
    column: *const c_char,
    out: *mut *mut upsell_baskets,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let mut reader = unsafe { open(stream) }?;
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let column = unsafe { optional_text(column, "column") }?;
        let schema = reader.schema();
        let index = find_column(&schema, column, "column")?;
        let name = schema.field(index).name().clone();
        let mut items = ItemDictionary::default();
        let mut builder = BasketBuilder::default();
        let mut basket: Vec<ItemId> = Vec::new();
        let mut row = 0;
        while let Some(batch) = next_batch(&mut reader)? {
            let lists = batch.column(index);
            let (offsets, texts) = list_texts(lists.as_ref(), &name, "baskets")?;
            for b in 0..lists.len() {
                basket.clear();
                if lists.is_valid(b) {
                    for v in offsets[b]..offsets[b + 1] {
                        let label = texts.get(v).ok_or_else(|| {
                            Error::invalid_input(cell(&name, row), "the basket holds a null item")
                        })?;
                        basket.push(items.intern(&label));
                    }
                }
                builder.push(&mut basket);
                row += 1;
            }
        }
        let baskets = builder.finish_with_items(items.len());
        let handle = ffi::into_handle(upsell_baskets::new(baskets, Some(items), None));
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Reads long order data from a stream, one line item a row: the basket key (invoice) in
/// `basket_column` and the item in `item_column` (strings of any kind or integers), and
/// optionally each basket's customer (`customer_column`, the first row's) and time
/// (`time_column`: a timestamp or date column, or text in the forms every surface reads; a
/// basket's time is its earliest row's). Baskets and items are numbered in order of first
/// appearance; `upsell_baskets_key`, `upsell_baskets_customer` and `upsell_baskets_time` read the
/// keys back, as for `upsell_baskets_from_long_file`. A null key, item or time is
/// `UPSELL_STATUS_INVALID_INPUT` naming the column and row (1-based across the stream).
///
/// Ownership: the stream is moved in, as for `upsell_baskets_from_arrow`. On success `*out`
/// receives a new handle freed with `upsell_baskets_free`. Thread-safety: safe from any thread.
///
/// # Safety
///
/// `stream` points to an `ArrowArrayStream` the caller owns; the column names are NULL
/// (customer and time only) or NUL-terminated; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_baskets_from_arrow_long(
    stream: *mut FFI_ArrowArrayStream,
    basket_column: *const c_char,
    item_column: *const c_char,
    customer_column: *const c_char,
    time_column: *const c_char,
    out: *mut *mut upsell_baskets,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let mut reader = unsafe { open(stream) }?;
        let out = ffi::out(out, "out")?;
        // SAFETY (all four): forwarded to the caller.
        let basket_name = unsafe { text(basket_column, "basket_column") }?;
        let item_name = unsafe { text(item_column, "item_column") }?;
        let customer_name = unsafe { optional_text(customer_column, "customer_column") }?;
        let time_name = unsafe { optional_text(time_column, "time_column") }?;
        let schema = reader.schema();
        let basket_at = find_column(&schema, Some(basket_name), "basket_column")?;
        let item_at = find_column(&schema, Some(item_name), "item_column")?;
        let customer_at = customer_name
            .map(|n| find_column(&schema, Some(n), "customer_column"))
            .transpose()?;
        let time_at = time_name
            .map(|n| find_column(&schema, Some(n), "time_column"))
            .transpose()?;
        let mut long = LongBuilder::new(customer_at.is_some(), time_at.is_some());
        let mut row = 0;
        while let Some(batch) = next_batch(&mut reader)? {
            let keys = texts_of(&batch, basket_at, basket_name)?;
            let items = texts_of(&batch, item_at, item_name)?;
            let customers = customer_at
                .zip(customer_name)
                .map(|(at, name)| texts_of(&batch, at, name))
                .transpose()?;
            let times = time_at
                .zip(time_name)
                .map(|(at, name)| Times::of(batch.column(at).as_ref(), name))
                .transpose()?;
            for r in 0..batch.num_rows() {
                let key = required(&keys, basket_name, r, row)?;
                let item = required(&items, item_name, r, row)?;
                let basket = long.add(&key, &item, || match (&customers, customer_name) {
                    (Some(c), Some(name)) => Ok(required(c, name, r, row)
                        .map_err(|_| Error::invalid_input(cell(name, row), "the field is empty"))?
                        .into_owned()),
                    _ => Ok(String::new()),
                })?;
                if let (Some(times), Some(name)) = (&times, time_name) {
                    long.add_time(basket, times.get(r, name, row)?);
                }
                row += 1;
            }
        }
        let data = long.finish()?;
        let handle = ffi::into_handle(upsell_baskets::new(
            data.baskets,
            Some(data.items),
            data.keys,
        ));
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Column `at` of `batch` as text, or an error naming it.
fn texts_of<'a>(batch: &'a RecordBatch, at: usize, name: &str) -> Outcome<Texts<'a>> {
    let array = batch.column(at).as_ref();
    Texts::of(array)
        .ok_or_else(|| unsupported(name, array.data_type(), "expected strings or integers"))
}

/// Row `r` of `texts`, or an error naming the column and the row of the stream.
fn required<'a>(texts: &Texts<'a>, name: &str, r: usize, row: usize) -> Outcome<Cow<'a, str>> {
    Ok(texts
        .get(r)
        .ok_or_else(|| Error::invalid_input(cell(name, row), "the field is empty"))?)
}

/// A time column: Unix seconds of a timestamp or date column, or text parsed per row.
enum Times<'a> {
    Seconds(&'a dyn Array, Vec<i64>),
    Text(Texts<'a>),
}

impl<'a> Times<'a> {
    fn of(array: &'a dyn Array, name: &str) -> Outcome<Self> {
        if let Some(seconds) = seconds_of(array) {
            return Ok(Times::Seconds(array, seconds));
        }
        match array.data_type() {
            DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Dictionary(..) => Texts::of(array).map(Times::Text),
            _ => None,
        }
        .ok_or_else(|| {
            unsupported(
                name,
                array.data_type(),
                "expected a timestamp, date or text",
            )
        })
    }

    fn get(&self, index: usize, name: &str, row: usize) -> Outcome<Timestamp> {
        let empty = || Error::invalid_input(cell(name, row), "the field is empty");
        match self {
            Times::Seconds(array, seconds) => {
                if array.is_null(index) {
                    return Err(empty().into());
                }
                Timestamp::from_second(seconds[index]).map_err(|e| {
                    Error::invalid_input(cell(name, row), format!("time out of range: {e}")).into()
                })
            }
            Times::Text(texts) => {
                let text = texts.get(index).ok_or_else(empty)?;
                Ok(parse_timestamp_at(&text, || cell(name, row))?)
            }
        }
    }
}

/// Divides each value by `per_second`, truncating as Arrow's casts do.
fn scaled(values: &[i64], per_second: i64) -> Vec<i64> {
    values.iter().map(|v| v / per_second).collect()
}

/// Unix seconds of a timestamp (any unit, any zone) or date column, `None` for another type.
fn seconds_of(array: &dyn Array) -> Option<Vec<i64>> {
    Some(match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => array
            .as_primitive::<TimestampSecondType>()
            .values()
            .to_vec(),
        DataType::Timestamp(TimeUnit::Millisecond, _) => scaled(
            array.as_primitive::<TimestampMillisecondType>().values(),
            1_000,
        ),
        DataType::Timestamp(TimeUnit::Microsecond, _) => scaled(
            array.as_primitive::<TimestampMicrosecondType>().values(),
            1_000_000,
        ),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => scaled(
            array.as_primitive::<TimestampNanosecondType>().values(),
            1_000_000_000,
        ),
        DataType::Date32 => array
            .as_primitive::<Date32Type>()
            .values()
            .iter()
            .map(|&d| i64::from(d) * 86_400)
            .collect(),
        DataType::Date64 => scaled(array.as_primitive::<Date64Type>().values(), 1_000),
        _ => return None,
    })
}

/// Seconds of a duration column (any unit), `None` for another type.
fn durations_of(array: &dyn Array) -> Option<Vec<i64>> {
    Some(match array.data_type() {
        DataType::Duration(TimeUnit::Second) => {
            array.as_primitive::<DurationSecondType>().values().to_vec()
        }
        DataType::Duration(TimeUnit::Millisecond) => scaled(
            array.as_primitive::<DurationMillisecondType>().values(),
            1_000,
        ),
        DataType::Duration(TimeUnit::Microsecond) => scaled(
            array.as_primitive::<DurationMicrosecondType>().values(),
            1_000_000,
        ),
        DataType::Duration(TimeUnit::Nanosecond) => scaled(
            array.as_primitive::<DurationNanosecondType>().values(),
            1_000_000_000,
        ),
        _ => return None,
    })
}

/// Millionths of decimals of `scale`, rounded half to even beyond six places; an overflow names
/// the column and row.
fn decimal_units(values: impl Iterator<Item = i128>, scale: i8, name: &str) -> Outcome<Vec<i64>> {
    let shift = 6 - i32::from(scale);
    let factor = 10i128
        .checked_pow(shift.unsigned_abs())
        .unwrap_or(i128::MAX);
    values
        .enumerate()
        .map(|(row, v)| {
            let units = if shift >= 0 {
                v.checked_mul(factor)
            } else {
                let (q, r) = (v.div_euclid(factor), v.rem_euclid(factor));
                Some(q + i128::from(2 * r > factor || (2 * r == factor && q % 2 != 0)))
            };
            units.and_then(|u| i64::try_from(u).ok()).ok_or_else(|| {
                Error::invalid_input(
                    cell(name, row),
                    "the decimal is beyond the exact range of rules (about 9.2e12)",
                )
                .into()
            })
        })
        .collect()
}

/// One Arrow column as the trigger engine's column, read as the Python surface reads pyarrow's.
fn column_of(name: &str, array: &dyn Array) -> Outcome<Column> {
    let validity = || {
        array
            .logical_nulls()
            .map(|nulls| nulls.iter().collect::<Vec<bool>>())
    };
    macro_rules! numbers {
        ($t:ty) => {
            Column::numbers(
                array
                    .as_primitive::<$t>()
                    .values()
                    .iter()
                    .map(|&v| f64::from(v))
                    .collect(),
                validity(),
            )
        };
    }
    macro_rules! decimals {
        ($t:ty) => {
            Column::decimals(
                decimal_units(
                    array
                        .as_primitive::<$t>()
                        .values()
                        .iter()
                        .map(|&v| i128::from(v)),
                    array.as_primitive::<$t>().scale(),
                    name,
                )?,
                validity(),
            )
        };
    }
    if let Some(seconds) = seconds_of(array) {
        return Ok(Column::timestamps(seconds, validity()));
    }
    if let Some(seconds) = durations_of(array) {
        return Ok(Column::durations(seconds, validity()));
    }
    Ok(match array.data_type() {
        DataType::Boolean => {
            Column::bools(array.as_boolean().values().iter().collect(), validity())
        }
        DataType::Int64 => Column::ints(
            array.as_primitive::<Int64Type>().values().to_vec(),
            validity(),
        ),
        DataType::Float64 => numbers!(Float64Type),
        DataType::Float32 => numbers!(Float32Type),
        DataType::Float16 => Column::numbers(
            array
                .as_primitive::<Float16Type>()
                .values()
                .iter()
                .map(|v| v.to_f64())
                .collect(),
            validity(),
        ),
        DataType::Decimal128(..) => decimals!(Decimal128Type),
        DataType::Decimal64(..) => decimals!(Decimal64Type),
        DataType::Decimal32(..) => decimals!(Decimal32Type),
        DataType::Utf8 => Column::strings(array.as_string::<i32>().iter()),
        DataType::LargeUtf8 => Column::strings(array.as_string::<i64>().iter()),
        DataType::Utf8View => Column::strings(array.as_string_view().iter()),
        DataType::Dictionary(_, values)
            if matches!(
                **values,
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) =>
        {
            let dictionary = array.as_any_dictionary();
            let labels = Texts::of(dictionary.values().as_ref())
                .ok_or_else(|| unsupported(name, array.data_type(), "rules cannot use it"))?;
            let labels = (0..dictionary.values().len())
                .map(|i| labels.get(i).map_or_else(String::new, Cow::into_owned))
                .collect();
            let codes = dictionary_keys(dictionary)
                .iter()
                .enumerate()
                .map(|(row, &code)| {
                    if array.is_valid(row) {
                        code as u32
                    } else {
                        upsell_core::triggers::NULL_CODE
                    }
                })
                .collect();
            Column::dictionary(codes, labels)?
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let (offsets, values): (Vec<usize>, &ArrayRef) = match array.data_type() {
                DataType::List(_) => {
                    let l = array.as_list::<i32>();
                    (
                        l.value_offsets().iter().map(|&o| o as usize).collect(),
                        l.values(),
                    )
                }
                _ => {
                    let l = array.as_list::<i64>();
                    (
                        l.value_offsets().iter().map(|&o| o as usize).collect(),
                        l.values(),
                    )
                }
            };
            let texts = Texts::of(values.as_ref())
                .ok_or_else(|| unsupported(name, array.data_type(), "rules cannot use it"))?;
            let lists: Vec<Option<Vec<Cow<'_, str>>>> = (0..array.len())
                .map(|r| {
                    array.is_valid(r).then(|| {
                        (offsets[r]..offsets[r + 1])
                            .filter_map(|v| texts.get(v))
                            .collect()
                    })
                })
                .collect();
            Column::lists(
                lists
                    .iter()
                    .map(|l| l.as_ref().map(|items| items.iter().map(AsRef::as_ref))),
            )
        }
        DataType::Null => Column::strings(std::iter::repeat_n(None, array.len())),
        other => match integers(array) {
            Some(values) => {
                let ints = values
                    .iter()
                    .enumerate()
                    .map(|(row, v)| {
                        i64::try_from(v.unwrap_or(0)).map_err(|_| {
                            Error::invalid_input(cell(name, row), "the integer is beyond 64 bits")
                                .into()
                        })
                    })
                    .collect::<Outcome<Vec<i64>>>()?;
                Column::ints(ints, validity())
            }
            None => return Err(unsupported(name, other, "rules cannot use it")),
        },
    })
}

/// The columns of an offers stream, those of the Python surface's `RuleSet.evaluate` (nullable
/// as there, though no value is null).
fn offers_schema() -> SchemaRef {
    let text = |name| Field::new(name, DataType::Utf8, true);
    Arc::new(Schema::new(vec![
        text("customer"),
        text("rule"),
        text("kind"),
        text("target"),
        Field::new("priority", DataType::Int64, true),
        text("reason"),
        Field::new("expected_value", DataType::Decimal128(38, 6), true),
        Field::new("held_out", DataType::Boolean, true),
    ]))
}

fn offers_batch(schema: &SchemaRef, offers: &[BatchOffer]) -> Outcome<RecordBatch> {
    let text = |f: fn(&BatchOffer) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(offers.iter().map(f)))
    };
    let expected = Decimal128Array::from_iter_values(
        offers
            .iter()
            .map(|o| i128::from(o.offer.expected_value.units())),
    )
    .with_precision_and_scale(38, 6)
    .map_err(|e| arrow_error("cannot build the offers", e))?;
    let columns: Vec<ArrayRef> = vec![
        text(|o| &o.customer),
        text(|o| &o.offer.rule),
        text(|o| o.offer.kind.as_str()),
        text(|o| &o.offer.target),
        Arc::new(Int64Array::from_iter_values(
            offers.iter().map(|o| o.offer.priority),
        )),
        text(|o| &o.offer.reason),
        Arc::new(expected),
        Arc::new(BooleanArray::from_iter(
            offers.iter().map(|o| Some(o.held_out)),
        )),
    ];
    Ok(RecordBatch::try_new(schema.clone(), columns)
        .map_err(|e| arrow_error("cannot build the offers", e))?)
}

/// Decides the offers for every customer (row) of an Arrow stream, column-wise as
/// `upsell_ruleset_evaluate_batch` (the fast path), and returns them as a stream in `*out` with
/// the columns of the Python surface's `RuleSet.evaluate`: customer, rule, kind, target,
/// priority (int64), reason, expected_value (decimal128(38, 6)) and held_out (bool), one row per
/// (customer, offer), customers in input order.
///
/// Columns are read by type: booleans, integers, floats (exact decimals when they have at most
/// six decimal places, as every surface reads them), decimals, timestamps and dates (seconds,
/// UTC), durations, strings (plain, large, view or dictionary-encoded), lists of strings, and
/// null columns; another type is `UPSELL_STATUS_INVALID_INPUT` naming the column. `now`,
/// `id_column`, `history_json` and `threads` are as for `upsell_ruleset_evaluate_batch`. Each
/// input batch is evaluated as it is read; results do not depend on the batch sizes or `threads`.
///
/// Ownership: `customers` is moved in as for `upsell_baskets_from_arrow`. On success `*out`
/// receives a new stream that the caller releases (`out->release(out)`); it does not borrow
/// `rules`. Thread-safety: `rules` may be used by several threads at once.
///
/// # Safety
///
/// `rules` is a live handle; `customers` points to an `ArrowArrayStream` the caller owns; `now`,
/// `id_column` and `history_json` are NULL or NUL-terminated; `out` points to writable storage for
/// an `ArrowArrayStream`; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_ruleset_evaluate_arrow(
    rules: *const upsell_ruleset,
    customers: *mut FFI_ArrowArrayStream,
    now: *const c_char,
    id_column: *const c_char,
    history_json: *const c_char,
    threads: u32,
    out: *mut FFI_ArrowArrayStream,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let mut reader = unsafe { open(customers) }?;
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let rules = unsafe { ffi::borrow(rules, "rules") }?;
        // SAFETY: forwarded to the caller.
        let now = unsafe { now_from_c(now) }?;
        // SAFETY: forwarded to the caller.
        let id_column = unsafe { optional_text(id_column, "id_column") }?.map(str::to_owned);
        // SAFETY: forwarded to the caller.
        let history = unsafe { history_from_c(history_json) }?;
        let options = BatchOptions {
            now,
            history: history.as_ref(),
            id_column,
            threads: (threads != 0).then_some(threads as usize),
        };
        let input = reader.schema();
        // Types are checked before the first batch, so an empty stream is checked too.
        for field in input.fields() {
            column_of(field.name(), new_empty_array(field.data_type()).as_ref())?;
        }
        let schema = offers_schema();
        let mut batches = Vec::new();
        while let Some(batch) = next_batch(&mut reader)? {
            let columns = input
                .fields()
                .iter()
                .zip(batch.columns())
                .map(|(field, array)| Ok((field.name().clone(), column_of(field.name(), array)?)))
                .collect::<Outcome<Vec<_>>>()?;
            let offers =
                rules
                    .inner
                    .evaluate_batch(&Batch::new(columns)?, &options, &Control::default())?;
            batches.push(offers_batch(&schema, &offers)?);
        }
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { export(out, schema, batches) };
        Ok(())
    })
}

/// Item lists as an Arrow list column: labels (strings) from `labels`, or the ids (uint32)
/// when `labels` is `None`.
fn item_lists(
    items: &[ItemId],
    offsets: &[usize],
    labels: Option<&ItemDictionary>,
) -> Outcome<(Field, ArrayRef)> {
    let offsets = offsets
        .iter()
        .map(|&o| i32::try_from(o))
        .collect::<Result<Vec<i32>, _>>()
        .map_err(|_| {
            Error::invalid_input(
                Location::memory(),
                "more than 2^31 items in one list column",
            )
        })?;
    let (item, values): (Field, ArrayRef) = match labels {
        Some(labels) => {
            let texts = items
                .iter()
                .map(|&id| {
                    labels.label(id).ok_or_else(|| {
                        Error::invalid_parameter(
                            "labels",
                            format!("item {id} has no label in the baskets given"),
                        )
                    })
                })
                .collect::<upsell_core::Result<Vec<&str>>>()?;
            (
                Field::new("item", DataType::Utf8, false),
                Arc::new(StringArray::from_iter_values(texts)),
            )
        }
        None => (
            Field::new("item", DataType::UInt32, false),
            Arc::new(UInt32Array::from(items.to_vec())),
        ),
    };
    let item = Arc::new(item);
    let list = ListArray::try_new(
        item.clone(),
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        values,
        None,
    )
    .map_err(|e| arrow_error("cannot build an item list", e))?;
    Ok((Field::new_list("items", item, false), Arc::new(list)))
}

/// The labels of `baskets`, when given.
///
/// # Safety
///
/// `baskets` is NULL or a live handle.
unsafe fn labels_of(baskets: *const upsell_baskets) -> Outcome<Option<ItemDictionary>> {
    // SAFETY: forwarded to the caller.
    match unsafe { baskets.as_ref() } {
        Some(baskets) => Ok(Some(baskets.dictionary()?)),
        None => Ok(None),
    }
}

fn int64(values: &[u64]) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(
        values.iter().map(|&v| i64::try_from(v).unwrap_or(i64::MAX)),
    ))
}

/// Writes the itemsets to `*out` as a stream of one batch with the columns of the Python
/// surface: itemset (a list of the item labels of `labels`, the baskets they were mined from, or
/// of the ids as uint32 when `labels` is NULL), count (int64) and support (float64).
///
/// Ownership: `*out` receives a new stream the caller releases; it borrows nothing.
/// Thread-safety: safe from any thread.
///
/// # Safety
///
/// `itemsets` is a live handle; `labels` is NULL or a live handle; `out` points to writable
/// storage for an `ArrowArrayStream`; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_itemsets_to_arrow(
    itemsets: *const upsell_itemsets,
    labels: *const upsell_baskets,
    out: *mut FFI_ArrowArrayStream,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let itemsets: &Itemsets = unsafe { ffi::borrow(itemsets, "itemsets") }?.inner();
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let labels = unsafe { labels_of(labels) }?;
        let (field, lists) = item_lists(itemsets.items(), itemsets.offsets(), labels.as_ref())?;
        let field = field.with_name("itemset");
        let baskets = itemsets.baskets();
        let support = Float64Array::from_iter_values(itemsets.counts().iter().map(|&c| {
            if baskets == 0 {
                0.0
            } else {
                c as f64 / baskets as f64
            }
        }));
        let schema = Arc::new(Schema::new(vec![
            field,
            Field::new("count", DataType::Int64, false),
            Field::new("support", DataType::Float64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![lists, int64(itemsets.counts()), Arc::new(support)],
        )
        .map_err(|e| arrow_error("cannot build the itemsets", e))?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { export(out, schema, vec![batch]) };
        Ok(())
    })
}

/// Writes the rules to `*out` as a stream of one batch with the columns of the Python surface:
/// antecedents and consequents (lists of labels from `labels`, or of uint32 ids when it is NULL),
/// every measure in mlxtend's order under its name ("antecedent support", "consequent support",
/// "support", "confidence", "lift", "representativity", "leverage", "conviction",
/// "zhangs_metric", "jaccard", "certainty", "kulczynski"; float64), then count, "antecedent
/// count" and "consequent count" (int64).
///
/// Ownership: `*out` receives a new stream the caller releases; it borrows nothing.
/// Thread-safety: safe from any thread.
///
/// # Safety
///
/// `rules` is a live handle; `labels` is NULL or a live handle; `out` points to writable storage
/// for an `ArrowArrayStream`; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_rules_to_arrow(
    rules: *const upsell_rules,
    labels: *const upsell_baskets,
    out: *mut FFI_ArrowArrayStream,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let rules = unsafe { ffi::borrow(rules, "rules") }?.inner();
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let labels = unsafe { labels_of(labels) }?;
        let (antecedent, antecedents) = item_lists(
            rules.antecedents(),
            rules.antecedent_offsets(),
            labels.as_ref(),
        )?;
        let (consequent, consequents) = item_lists(
            rules.consequents(),
            rules.consequent_offsets(),
            labels.as_ref(),
        )?;
        let mut fields = vec![
            antecedent.with_name("antecedents"),
            consequent.with_name("consequents"),
        ];
        let mut columns = vec![antecedents, consequents];
        for measure in Measure::ALL {
            fields.push(Field::new(measure.name(), DataType::Float64, false));
            columns.push(Arc::new(Float64Array::from(rules.measure(measure))));
        }
        for (name, counts) in [
            ("count", rules.counts()),
            ("antecedent count", rules.antecedent_counts()),
            ("consequent count", rules.consequent_counts()),
        ] {
            fields.push(Field::new(name, DataType::Int64, false));
            columns.push(int64(counts));
        }
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(schema.clone(), columns)
            .map_err(|e| arrow_error("cannot build the rules", e))?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { export(out, schema, vec![batch]) };
        Ok(())
    })
}

/// The columns of a recommendations stream, those of the Python surface's
/// `Recommender.recommend_batch` that are data rather than presentation.
fn recommendations_schema() -> SchemaRef {
    let float = |name| Field::new(name, DataType::Float64, true);
    Arc::new(Schema::new(vec![
        Field::new("cart", DataType::Int64, false),
        Field::new("rank", DataType::Int64, false),
        Field::new("item", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("rule", DataType::Int64, true),
        Field::new_list(
            "antecedent",
            Field::new_list_field(DataType::Utf8, false),
            false,
        ),
        float("confidence"),
        float("lift"),
        float("support"),
    ]))
}

/// One batch of recommendations: `answers[c]` is cart `first_cart + c`'s.
fn recommendations_batch(
    schema: &SchemaRef,
    model: &Recommender,
    answers: &[Vec<Recommendation>],
    first_cart: usize,
) -> Outcome<RecordBatch> {
    let rows: Vec<(usize, usize, &Recommendation)> = answers
        .iter()
        .enumerate()
        .flat_map(|(c, found)| found.iter().enumerate().map(move |(r, f)| (c, r, f)))
        .collect();
    let label = |item: ItemId| model.label(item).unwrap_or_default();
    let rule = |r: &Recommendation| r.rule.and_then(|index| model.rule(index));
    let measure = |of: fn(&ModelRule<'_>) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter(
            rows.iter().map(|(_, _, r)| rule(r).map(|m| of(&m))),
        ))
    };
    let mut antecedent_offsets = vec![0i32];
    let mut antecedent_labels: Vec<&str> = Vec::new();
    for (_, _, r) in &rows {
        if let Some(m) = rule(r) {
            antecedent_labels.extend(m.antecedent.iter().map(|&i| label(i)));
        }
        let end = i32::try_from(antecedent_labels.len()).map_err(|_| Error::LimitExceeded {
            what: "antecedent labels in one output batch",
            limit: i32::MAX as u64,
            hint: "send the carts in smaller batches".to_owned(),
        })?;
        antecedent_offsets.push(end);
    }
    let antecedents = ListArray::try_new(
        Arc::new(Field::new_list_field(DataType::Utf8, false)),
        OffsetBuffer::new(ScalarBuffer::from(antecedent_offsets)),
        Arc::new(StringArray::from(antecedent_labels)),
        None,
    )
    .map_err(|e| arrow_error("cannot build the antecedents", e))?;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|(c, _, _)| (first_cart + c) as i64),
        )),
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|(_, r, _)| *r as i64 + 1),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|(_, _, r)| label(r.item)),
        )),
        Arc::new(Float64Array::from_iter_values(
            rows.iter().map(|(_, _, r)| r.score),
        )),
        Arc::new(Int64Array::from_iter(
            rows.iter().map(|(_, _, r)| r.rule.map(i64::from)),
        )),
        Arc::new(antecedents),
        measure(|m| m.confidence()),
        measure(|m| m.lift()),
        measure(|m| m.support()),
    ];
    Ok(RecordBatch::try_new(schema.clone(), columns)
        .map_err(|e| arrow_error("cannot build the recommendations", e))?)
}

/// Recommends up to `k` items for every cart (row) of an Arrow stream, as `upsell_recommend`
/// does for one, on `threads` workers (0: the library's default; answers do not depend on it), and
/// returns them as a stream in `*out` with one row per (cart, rank): cart (int64, the cart's
/// 0-based row across the input stream), rank (int64, from 1), item (its label), score
/// (float64), rule (int64, the model rule behind it as for `upsell_recommender_rule`; null for a
/// popularity fill), antecedent (a list of labels, empty for a fill), and the rule's confidence,
/// lift and support (float64, null for a fill): the data columns of Python's
/// `Recommender.recommend_batch`.
///
/// Carts are column `column` (NULL: the first), a list (or large list) of item labels: strings
/// (plain, large, view or dictionary-encoded) or integers, read as their decimal text. A null list
/// is an empty cart; labels the model does not know (and null items) are ignored and counted in
/// `*unknown_count` when it is not NULL. `k`, `by`, `smoothing` and `backfill` are as for
/// `upsell_recommend`.
///
/// Ownership: `carts` is moved in as for `upsell_baskets_from_arrow`. On success `*out` receives
/// a new stream that the caller releases; it does not borrow `model`. Thread-safety: any number of
/// threads may query one model at once.
///
/// # Safety
///
/// `model` is a live handle; `carts` points to an `ArrowArrayStream` the caller owns; `column` is
/// NULL or NUL-terminated; `out` points to writable storage for an `ArrowArrayStream`;
/// `unknown_count` is NULL or writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_recommend_arrow(
    model: *const upsell_recommender,
    carts: *mut FFI_ArrowArrayStream,
    column: *const c_char,
    k: usize,
    by: c_int,
    smoothing: f64,
    backfill: c_int,
    threads: u32,
    out: *mut FFI_ArrowArrayStream,
    unknown_count: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let mut reader = unsafe { open(carts) }?;
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let model = &unsafe { ffi::borrow(model, "model") }?.inner;
        // SAFETY: forwarded to the caller.
        let column = unsafe { optional_text(column, "column") }?;
        let options = RecommendOptions {
            by: ranking_from_c(by)?,
            smoothing,
            backfill: backfill != 0,
            ..RecommendOptions::default()
        };
        options.validate()?;
        model.check_ranking(options.by)?;
        let input = reader.schema();
        let index = find_column(&input, column, "column")?;
        let name = input.field(index).name().clone();
        let threads = (threads != 0).then_some(threads as usize);
        let schema = recommendations_schema();
        let (mut batches, mut first_cart, mut unknown) = (Vec::new(), 0, 0);
        while let Some(batch) = next_batch(&mut reader)? {
            let lists = batch.column(index);
            let (offsets, texts) = list_texts(lists.as_ref(), &name, "carts")?;
            let carts: Vec<Vec<ItemId>> = (0..lists.len())
                .map(|c| {
                    let labels = (offsets[c]..offsets[c + 1]).filter(|_| lists.is_valid(c));
                    labels
                        .filter_map(|v| {
                            let id = texts.get(v).and_then(|label| model.item(&label));
                            unknown += usize::from(id.is_none());
                            id
                        })
                        .collect()
                })
                .collect();
            let answers = model.recommend_batch(&carts, k, &options, threads);
            batches.push(recommendations_batch(&schema, model, &answers, first_cart)?);
            first_cart += carts.len();
        }
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { export(out, schema, batches) };
        // SAFETY: the caller promises `unknown_count` NULL or writable.
        if let Some(count) = unsafe { unknown_count.as_mut() } {
            *count = unknown;
        }
        Ok(())
    })
}

fn ease_recommendations_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("cart", DataType::Int64, false),
        Field::new("rank", DataType::Int64, false),
        Field::new("item", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("because", DataType::Utf8, true),
        Field::new("weight", DataType::Float64, true),
    ]))
}

/// One batch of EASE recommendations: `answers[c]` is cart `first_cart + c`'s.
fn ease_recommendations_batch(
    schema: &SchemaRef,
    model: &Ease,
    answers: &[Vec<EaseRecommendation>],
    first_cart: usize,
) -> Outcome<RecordBatch> {
    let rows: Vec<(usize, usize, &EaseRecommendation)> = answers
        .iter()
        .enumerate()
        .flat_map(|(c, found)| found.iter().enumerate().map(move |(r, f)| (c, r, f)))
        .collect();
    let label = |item: ItemId| model.label(item).unwrap_or_default();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|(c, _, _)| (first_cart + c) as i64),
        )),
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|(_, r, _)| *r as i64 + 1),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|(_, _, r)| label(r.item)),
        )),
        Arc::new(Float64Array::from_iter_values(
            rows.iter().map(|(_, _, r)| r.score),
        )),
        Arc::new(StringArray::from_iter(
            rows.iter()
                .map(|(_, _, r)| r.strongest.map(|(item, _)| label(item))),
        )),
        Arc::new(Float64Array::from_iter(rows.iter().map(|(_, _, r)| {
            r.strongest.map(|(_, weight)| f64::from(weight))
        }))),
    ];
    Ok(RecordBatch::try_new(schema.clone(), columns)
        .map_err(|e| arrow_error("cannot build the recommendations", e))?)
}

/// Recommends up to `k` items with an EASE model for every cart (row) of an Arrow stream, as
/// `upsell_ease_recommend` does for one, on `threads` workers (0: the library's default; answers
/// do not depend on it): Python's `EaseRecommender.recommend_batch`. Returns them as a stream in
/// `*out` with one row per (cart, rank): cart (int64, the cart's 0-based row across the input
/// stream), rank (int64, from 1), item (its label), score (float64), because (the cart item that
/// contributed most, null for a popularity fill) and weight (float64, its weight; null likewise):
/// the data columns of Python's frame.
///
/// Carts are column `column` (NULL: the first), read as for `upsell_recommend_arrow`: a list of
/// labels (strings or integers). A null list is an empty cart; labels the model does not know
/// (and null items) are ignored and counted in `*unknown_count` when it is not NULL.
///
/// Ownership: `carts` is moved in as for `upsell_baskets_from_arrow`. On success `*out` receives
/// a new stream that the caller releases; it does not borrow `model`. Thread-safety: any number of
/// threads may query one model at once.
///
/// # Safety
///
/// `model` is a live handle; `carts` points to an `ArrowArrayStream` the caller owns; `column` is
/// NULL or NUL-terminated; `out` points to writable storage for an `ArrowArrayStream`;
/// `unknown_count` is NULL or writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn upsell_ease_recommend_arrow(
    model: *const upsell_ease,
    carts: *mut FFI_ArrowArrayStream,
    column: *const c_char,
    k: usize,
    threads: u32,
    out: *mut FFI_ArrowArrayStream,
    unknown_count: *mut usize,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        // SAFETY: forwarded to the caller.
        let mut reader = unsafe { open(carts) }?;
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let model = &unsafe { ffi::borrow(model, "model") }?.inner;
        // SAFETY: forwarded to the caller.
        let column = unsafe { optional_text(column, "column") }?;
        let input = reader.schema();
        let index = find_column(&input, column, "column")?;
        let name = input.field(index).name().clone();
        let threads = (threads != 0).then_some(threads as usize);
        let schema = ease_recommendations_schema();
        let (mut batches, mut first_cart, mut unknown) = (Vec::new(), 0, 0);
        while let Some(batch) = next_batch(&mut reader)? {
            let lists = batch.column(index);
            let (offsets, texts) = list_texts(lists.as_ref(), &name, "carts")?;
            let carts: Vec<Vec<ItemId>> = (0..lists.len())
                .map(|c| {
                    let labels = (offsets[c]..offsets[c + 1]).filter(|_| lists.is_valid(c));
                    labels
                        .filter_map(|v| {
                            let id = texts.get(v).and_then(|label| model.item(&label));
                            unknown += usize::from(id.is_none());
                            id
                        })
                        .collect()
                })
                .collect();
            let answers = model.recommend_batch(&carts, k, threads);
            batches.push(ease_recommendations_batch(
                &schema, model, &answers, first_cart,
            )?);
            first_cart += carts.len();
        }
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { export(out, schema, batches) };
        // SAFETY: the caller promises `unknown_count` NULL or writable.
        if let Some(count) = unsafe { unknown_count.as_mut() } {
            *count = unknown;
        }
        Ok(())
    })
}

/// Money as an Arrow decimal of the currency's minor unit (2.55 GBP is 255 at scale 2).
fn money_column(
    amounts: impl Iterator<Item = Option<Money>>,
    currency: Currency,
) -> Outcome<ArrayRef> {
    let exponent = currency.exponent() as i8;
    let array = Decimal128Array::from_iter(amounts.map(|m| m.map(|m| i128::from(m.minor()))))
        .with_precision_and_scale(38, exponent)
        .map_err(|e| arrow_error("cannot build an amount column", e))?;
    Ok(Arc::new(array))
}

/// Reads the order file at `path` (the columns Python's `upsell.order_metrics` and
/// `upsell_order_metrics_json` read, amounts in `currency`) and writes its metrics to `*out` as a
/// stream of one batch with the columns of Python's `upsell.order_metrics`: segment, period
/// (strings), orders, orders_without_customer, customers (int64), revenue and aov (decimal128(38,
/// e) with e the currency's minor-unit exponent: the exact minor units), items_per_order,
/// lines_per_order, attach_rate (float64), revenue_per_customer (decimal, null without a
/// customer), repeat_rate (float64, null likewise) and currency (the ISO code). `period` and
/// `by_segment` are as for `upsell_order_metrics_json`; so are the errors.
///
/// Ownership: `*out` receives a new stream the caller releases. Thread-safety: safe to call
/// concurrently.
///
/// # Safety
///
/// `path`, `currency` and `period` are NUL-terminated; `out` points to writable storage for an
/// `ArrowArrayStream`; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn upsell_order_metrics_to_arrow(
    path: *const c_char,
    currency: *const c_char,
    period: *const c_char,
    by_segment: c_int,
    out: *mut FFI_ArrowArrayStream,
    err: *mut *mut upsell_error,
) -> upsell_status {
    ffi::fallible(err, || {
        let out = ffi::out(out, "out")?;
        // SAFETY: forwarded to the caller.
        let path = unsafe { ffi::path(path, "path") }?;
        // SAFETY: forwarded to the caller.
        let currency = unsafe { currency_from_c(currency) }?;
        // SAFETY: forwarded to the caller.
        let period = unsafe { text(period, "period") }?.parse()?;
        let (_, rows) = read_order_metrics(&path, currency, period, by_segment != 0)?;
        let exponent = currency.exponent() as i8;
        let money = |name| Field::new(name, DataType::Decimal128(38, exponent), true);
        let int = |name| Field::new(name, DataType::Int64, false);
        let float = |name| Field::new(name, DataType::Float64, true);
        let schema = Arc::new(Schema::new(vec![
            Field::new("segment", DataType::Utf8, false),
            Field::new("period", DataType::Utf8, false),
            int("orders"),
            int("orders_without_customer"),
            int("customers"),
            money("revenue"),
            money("aov"),
            float("items_per_order"),
            float("lines_per_order"),
            float("attach_rate"),
            money("revenue_per_customer"),
            float("repeat_rate"),
            Field::new("currency", DataType::Utf8, false),
        ]));
        let text_of = |f: fn(&OrderMetrics) -> &str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
        };
        let count = |f: fn(&OrderMetrics) -> u64| -> ArrayRef {
            let counts: Vec<u64> = rows.iter().map(f).collect();
            int64(&counts)
        };
        let ratio = |f: fn(&OrderMetrics) -> Option<f64>| -> ArrayRef {
            Arc::new(Float64Array::from_iter(rows.iter().map(f)))
        };
        let columns: Vec<ArrayRef> = vec![
            text_of(|r| &r.segment),
            text_of(|r| &r.period),
            count(|r| r.orders),
            count(|r| r.orders_without_customer),
            count(|r| r.customers),
            money_column(rows.iter().map(|r| Some(r.revenue)), currency)?,
            money_column(rows.iter().map(|r| Some(r.aov)), currency)?,
            ratio(|r| Some(r.items_per_order)),
            ratio(|r| Some(r.lines_per_order)),
            ratio(|r| Some(r.attach_rate)),
            money_column(rows.iter().map(|r| r.revenue_per_customer), currency)?,
            ratio(|r| r.repeat_rate),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|_| currency.code()),
            )),
        ];
        let batch = RecordBatch::try_new(schema.clone(), columns)
            .map_err(|e| arrow_error("cannot build the order metrics", e))?;
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { export(out, schema, vec![batch]) };
        Ok(())
    })
}
