//! Baskets in: a list column (one basket a row) or long order data (one line item a row).

use arrow_array::{Array, RecordBatchReader};

use super::{Texts, batches, cell, find_column, list_texts, unsupported};
use crate::data::{BasketBuilder, Dataset, Format, ItemDictionary, ItemId, LongBuilder};
use crate::time::{Timestamp, parse_timestamp_at};
use crate::{Error, Result};

/// Reads baskets from a stream whose column `column` (`None`: the first) is a list (or large
/// list) of item labels: strings (plain, large, view or dictionary-encoded) or integers, labelled
/// by their decimal text. One row is one basket; a null list is an empty basket and a null item is
/// an error naming the row. Duplicate items in a basket count once. Items are numbered in order of
/// first appearance. A `column` the stream lacks is an invalid parameter named `column`.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::builder::{ListBuilder, StringBuilder};
/// use arrow_array::{RecordBatch, RecordBatchIterator};
///
/// let mut lists = ListBuilder::new(StringBuilder::new());
/// lists.append_value([Some("bread"), Some("milk")]);
/// lists.append_value([Some("milk")]);
/// let batch = RecordBatch::try_from_iter([("items", Arc::new(lists.finish()) as _)]).unwrap();
/// let reader = RecordBatchIterator::new([Ok(batch.clone())], batch.schema());
/// let data = upsell::arrow::baskets(reader, Some("items"))?;
/// assert_eq!(data.baskets.len(), 2);
/// assert_eq!(data.items.label(0), Some("bread"));
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn baskets(reader: impl RecordBatchReader, column: Option<&str>) -> Result<Dataset> {
    let schema = reader.schema();
    let index = find_column(&schema, column, "column")?;
    let name = schema.field(index).name().clone();
    let mut items = ItemDictionary::default();
    let mut builder = BasketBuilder::default();
    let mut basket: Vec<ItemId> = Vec::new();
    let mut row = 0;
    for batch in batches(reader) {
        let batch = batch?;
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
    Ok(Dataset {
        baskets: builder.finish_with_items(items.len()),
        items,
        keys: None,
        format: Format::Baskets,
    })
}

/// The columns of long order data (one line item a row) for [`long_baskets`]: the basket key
/// (invoice) and the item, and optionally each basket's customer and time. Each name is also the
/// parameter an error about it names.
#[derive(Debug, Clone, Copy)]
pub struct LongColumns<'a> {
    /// The basket key column: strings of any kind or integers.
    pub basket_column: &'a str,
    /// The item column: strings of any kind or integers.
    pub item_column: &'a str,
    /// Each basket's customer (its first row's).
    pub customer_column: Option<&'a str>,
    /// Each basket's time (its earliest row's): a timestamp or date column, or text in the forms
    /// every surface reads ([`crate::time`]).
    pub time_column: Option<&'a str>,
}

/// Reads long order data from a stream, one line item a row, as the long CSV reader does: baskets
/// and items are numbered in order of first appearance and the keys (basket, customer, time) are
/// kept. A null key, item, customer or time is an error naming the column and row (from 1 across
/// the stream); a column the stream lacks is an invalid parameter named after its field of
/// [`LongColumns`].
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{RecordBatch, RecordBatchIterator, StringArray};
/// use upsell::arrow::LongColumns;
///
/// let batch = RecordBatch::try_from_iter([
///     ("invoice", Arc::new(StringArray::from(vec!["A1", "A1", "A2"])) as _),
///     ("sku", Arc::new(StringArray::from(vec!["bread", "milk", "milk"])) as _),
/// ])
/// .unwrap();
/// let reader = RecordBatchIterator::new([Ok(batch.clone())], batch.schema());
/// let columns = LongColumns { basket_column: "invoice", item_column: "sku", customer_column: None, time_column: None };
/// let data = upsell::arrow::long_baskets(reader, &columns)?;
/// assert_eq!(data.baskets.len(), 2);
/// assert_eq!(data.keys.unwrap().basket, ["A1", "A2"]);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn long_baskets(reader: impl RecordBatchReader, columns: &LongColumns<'_>) -> Result<Dataset> {
    let schema = reader.schema();
    let basket_name = columns.basket_column;
    let item_name = columns.item_column;
    let basket_at = find_column(&schema, Some(basket_name), "basket_column")?;
    let item_at = find_column(&schema, Some(item_name), "item_column")?;
    let customer = columns
        .customer_column
        .map(|n| Ok((find_column(&schema, Some(n), "customer_column")?, n)))
        .transpose()?;
    let time = columns
        .time_column
        .map(|n| Ok((find_column(&schema, Some(n), "time_column")?, n)))
        .transpose()?;
    let mut long = LongBuilder::new(customer.is_some(), time.is_some());
    let mut row = 0;
    for batch in batches(reader) {
        let batch = batch?;
        let keys = Texts::column(&batch, basket_at, basket_name)?;
        let items = Texts::column(&batch, item_at, item_name)?;
        let customers = customer
            .map(|(at, name)| Ok((Texts::column(&batch, at, name)?, name)))
            .transpose()?;
        let times = time
            .map(|(at, name)| Ok((Times::of(batch.column(at).as_ref(), name)?, name)))
            .transpose()?;
        for r in 0..batch.num_rows() {
            let key = keys.required(r, basket_name, row)?;
            let item = items.required(r, item_name, row)?;
            let basket = long.add(&key, &item, || match &customers {
                Some((c, name)) => Ok(c.required(r, name, row)?.into_owned()),
                None => Ok(String::new()),
            })?;
            if let Some((times, name)) = &times {
                long.add_time(basket, times.get(r, name, row)?);
            }
            row += 1;
        }
    }
    long.finish()
}

/// A time column: Unix seconds of a timestamp or date column, or text parsed per row.
enum Times<'a> {
    Seconds(&'a dyn Array, Vec<i64>),
    Text(Texts<'a>),
}

impl<'a> Times<'a> {
    fn of(array: &'a dyn Array, name: &str) -> Result<Self> {
        if let Some(seconds) = super::triggers::seconds_of(array) {
            return Ok(Times::Seconds(array, seconds));
        }
        match array.data_type() {
            arrow_schema::DataType::Utf8
            | arrow_schema::DataType::LargeUtf8
            | arrow_schema::DataType::Utf8View
            | arrow_schema::DataType::Dictionary(..) => Texts::of(array).map(Times::Text),
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

    fn get(&self, index: usize, name: &str, row: usize) -> Result<Timestamp> {
        let empty = || Error::invalid_input(cell(name, row), "the field is empty");
        match self {
            Times::Seconds(array, seconds) => {
                if array.is_null(index) {
                    return Err(empty());
                }
                Timestamp::from_second(seconds[index]).map_err(|e| {
                    Error::invalid_input(cell(name, row), format!("time out of range: {e}"))
                })
            }
            Times::Text(texts) => {
                let text = texts.get(index).ok_or_else(empty)?;
                parse_timestamp_at(&text, || cell(name, row))
            }
        }
    }
}
