//! Customers in (Arrow columns as the trigger engine's [`Column`]s), offers out.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal32Type, Decimal64Type, Decimal128Type, DurationMicrosecondType,
    DurationMillisecondType, DurationNanosecondType, DurationSecondType, Float16Type, Float32Type,
    Float64Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Decimal128Array, GenericStringArray, Int64Array,
    OffsetSizeTrait, RecordBatch, RecordBatchReader, new_empty_array,
};
use arrow_select::concat::concat_batches;
use arrow_schema::{DataType, Field, Schema as ArrowSchema, SchemaRef, TimeUnit};

use super::{Table, Texts, arrow_error, batches, cell, dictionary_keys, integers, unsupported};
use crate::parallel::Runner;
use crate::triggers::{
    Batch, BatchOffer, BatchOptions, CHUNK_ROWS, Column, NULL_CODE, RuleSet, Schema, Type,
};
use crate::{Control, Error, Result};

/// One Arrow column as the trigger engine's column: booleans; integers of any width; floats
/// (exact decimals when every value has at most six decimal places, as every surface reads
/// numbers, unless `declared` is [`Type::Float`]); decimals of any width (exact; more than six
/// decimal places is an error, money is never rounded); timestamps of any unit and zone and dates
/// (UTC seconds); durations (seconds); strings (plain, large, view or dictionary-encoded); lists
/// of strings; and null columns. Another type is an error naming the column. Rows in errors count
/// from 1.
///
/// ```
/// use arrow_array::{Decimal128Array, StringArray};
/// use upsell::triggers::{Type, Value};
///
/// let totals = Decimal128Array::from(vec![Some(8250), None]).with_precision_and_scale(10, 2).unwrap();
/// let column = upsell::arrow::column("cart.total", &totals, None)?;
/// assert_eq!(column.type_of(), Type::Decimal);
/// assert_eq!(column.value(0).to_string(), "82.50");
/// assert_eq!(column.value(1), Value::Null);
///
/// let plans = upsell::arrow::column("plan", &StringArray::from(vec![Some("pro"), None]), None)?;
/// assert_eq!(plans.type_of(), Type::String);
/// let names = StringArray::from(vec![Some("zoë"), None, Some("jürgen")]).slice(1, 2);
/// let names = upsell::arrow::column("name", &names, None)?;
/// assert_eq!((names.value(0), names.value(1)), (Value::Null, Value::from("jürgen")));
///
/// let fine = Decimal128Array::from(vec![801234567]).with_precision_and_scale(12, 7).unwrap();
/// let err = upsell::arrow::column("total", &fine, None).unwrap_err();
/// assert!(err.to_string().contains("money is never rounded"));
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn column(name: &str, array: &dyn Array, declared: Option<Type>) -> Result<Column> {
    column_at(name, array, declared, 0)
}

/// [`column`] for a column whose first row is row `first_row` (from 0) of the stream.
fn column_at(
    name: &str,
    array: &dyn Array,
    declared: Option<Type>,
    first_row: usize,
) -> Result<Column> {
    let validity = || {
        array
            .logical_nulls()
            .map(|nulls| nulls.iter().collect::<Vec<bool>>())
    };
    macro_rules! numbers {
        ($t:ty) => {{
            let values = array
                .as_primitive::<$t>()
                .values()
                .iter()
                .map(|&v| f64::from(v))
                .collect();
            numbers(values, validity(), declared)
        }};
    }
    macro_rules! decimals {
        ($t:ty) => {{
            let decimals = array.as_primitive::<$t>();
            let values = decimals.values().iter().map(|&v| i128::from(v));
            Column::decimals(
                decimal_units(values, decimals.scale(), array, name, first_row)?,
                validity(),
            )
        }};
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
        DataType::Float16 => {
            let values = array
                .as_primitive::<Float16Type>()
                .values()
                .iter()
                .map(|v| v.to_f64())
                .collect();
            numbers(values, validity(), declared)
        }
        DataType::Decimal128(..) => decimals!(Decimal128Type),
        DataType::Decimal64(..) => decimals!(Decimal64Type),
        DataType::Decimal32(..) => decimals!(Decimal32Type),
        DataType::Utf8 => texts(array.as_string::<i32>()),
        DataType::LargeUtf8 => texts(array.as_string::<i64>()),
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
                .map(|i| labels.get(i).map_or_else(String::new, |l| l.into_owned()))
                .collect();
            let codes = dictionary_keys(dictionary)
                .iter()
                .enumerate()
                .map(|(row, &code)| {
                    if array.is_valid(row) {
                        code as u32
                    } else {
                        NULL_CODE
                    }
                })
                .collect();
            Column::dictionary(codes, labels)?
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let (offsets, texts) = super::list_texts(array, name, "lists")
                .map_err(|_| unsupported(name, array.data_type(), "rules cannot use it"))?;
            let lists: Vec<Option<Vec<_>>> = (0..array.len())
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
                            Error::invalid_input(
                                cell(name, first_row + row),
                                "the integer is beyond 64 bits",
                            )
                        })
                    })
                    .collect::<Result<Vec<i64>>>()?;
                Column::ints(ints, validity())
            }
            None => return Err(unsupported(name, other, "rules cannot use it")),
        },
    })
}

/// A plain or large string column as [`Column::strings`] reads it, its text copied in one piece
/// with the offsets as they are (a million customer ids in one copy rather than a million pushes
/// into a growing buffer); string by string when the bytes between the first and last offsets are
/// not valid UTF-8 as a whole or the offsets do not fall on character boundaries.
fn texts<O: OffsetSizeTrait>(strings: &GenericStringArray<O>) -> Column {
    let offsets = strings.value_offsets();
    let whole = || {
        let first = offsets.first()?.to_usize()?;
        let last = offsets.last()?.to_usize()?;
        let bytes = std::str::from_utf8(strings.value_data().get(first..last)?).ok()?;
        let ends = offsets[1..]
            .iter()
            .map(|o| o.to_usize().and_then(|end| end.checked_sub(first)))
            .collect::<Option<Vec<usize>>>()?;
        let nulls = strings
            .nulls()
            .filter(|nulls| nulls.null_count() > 0)
            .map(|nulls| nulls.iter().map(|valid| !valid).collect());
        Column::from_text(bytes.to_owned(), ends, nulls)
    };
    whole().unwrap_or_else(|| Column::strings(strings.iter()))
}

/// Floats as [`Column::numbers`] reads them, or as floats when the field is declared `float`
/// (no need to look for exact decimals).
fn numbers(values: Vec<f64>, validity: Option<Vec<bool>>, declared: Option<Type>) -> Column {
    if declared == Some(Type::Float) {
        Column::floats(values, validity)
    } else {
        Column::numbers(values, validity)
    }
}

/// Divides each value by `per_second`, truncating as Arrow's casts do.
fn scaled(values: &[i64], per_second: i64) -> Vec<i64> {
    values.iter().map(|v| v / per_second).collect()
}

/// Unix seconds of a timestamp (any unit, any zone) or date column, `None` for another type.
pub(super) fn seconds_of(array: &dyn Array) -> Option<Vec<i64>> {
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

/// Millionths ([`crate::triggers::Decimal::units`]) of decimals of `scale`; a value with more
/// than six decimal places or beyond the range of millionths is an error naming the column and
/// row. Nulls (by `array`'s validity) read as 0.
fn decimal_units(
    values: impl Iterator<Item = i128>,
    scale: i8,
    array: &dyn Array,
    name: &str,
    first_row: usize,
) -> Result<Vec<i64>> {
    let shift = 6 - i32::from(scale);
    let factor = 10i128.checked_pow(shift.unsigned_abs());
    let nulls = array.logical_nulls();
    values
        .enumerate()
        .map(|(row, v)| {
            if nulls.as_ref().is_some_and(|n| n.is_null(row)) {
                return Ok(0);
            }
            let units = match factor {
                Some(f) if shift >= 0 => v.checked_mul(f),
                Some(f) if v % f == 0 => Some(v / f),
                _ => {
                    return Err(Error::invalid_input(
                        cell(name, first_row + row),
                        format!(
                            "the decimal has more than six decimal places (scale {scale}): money \
                             is never rounded"
                        ),
                    ));
                }
            };
            units.and_then(|u| i64::try_from(u).ok()).ok_or_else(|| {
                Error::invalid_input(
                    cell(name, first_row + row),
                    "the decimal is too large (at most 9223372036854.775807)",
                )
            })
        })
        .collect()
}

/// Checks that every column of `schema` has a type rules can use (before any row is read, so an
/// empty stream is checked too); an error names the first column that has not.
///
/// ```
/// use arrow_schema::{DataType, Field, Fields, Schema};
/// let fine = Schema::new(vec![Field::new("seats", DataType::Int32, true)]);
/// assert!(upsell::arrow::check_customers(&fine).is_ok());
/// let nested = Schema::new(vec![Field::new("s", DataType::Struct(Fields::empty()), true)]);
/// assert!(upsell::arrow::check_customers(&nested).is_err());
/// ```
pub fn check_customers(schema: &ArrowSchema) -> Result<()> {
    for field in schema.fields() {
        column(field.name(), new_empty_array(field.data_type()).as_ref(), None)?;
    }
    Ok(())
}

/// The customers of one record batch as the trigger engine's [`Batch`], each column read by
/// [`column()`] (`declared`, the rule file's schema, says which float columns stay floats), the
/// columns converted in parallel on `threads` workers (`None`: the crate default).
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{Int64Array, RecordBatch, StringArray};
/// use upsell::triggers::Type;
///
/// let batch = RecordBatch::try_from_iter([
///     ("id", Arc::new(StringArray::from(vec!["a", "b"])) as _),
///     ("seats", Arc::new(Int64Array::from(vec![12, 3])) as _),
/// ])
/// .unwrap();
/// let customers = upsell::arrow::customers(&batch, None, None)?;
/// assert_eq!((customers.len(), customers.schema().get("seats")), (2, Some(Type::Int)));
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn customers(
    batch: &RecordBatch,
    declared: Option<&Schema>,
    threads: Option<usize>,
) -> Result<Batch> {
    customers_at(batch, declared, &Runner::new(threads), 0)
}

/// Every customer of a stream as one [`Batch`], for work that needs them all at once (discovery,
/// a file read whole): the column types are checked first ([`check_customers`]), the batches
/// joined, then read as [`customers`] reads one.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{Int64Array, RecordBatch, RecordBatchIterator};
///
/// let part = RecordBatch::try_from_iter([("seats", Arc::new(Int64Array::from(vec![12, 3])) as _)]).unwrap();
/// let reader = RecordBatchIterator::new([Ok(part.clone()), Ok(part.clone())], part.schema());
/// assert_eq!(upsell::arrow::customers_from_stream(reader, None, None)?.len(), 4);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn customers_from_stream(
    reader: impl RecordBatchReader,
    declared: Option<&Schema>,
    threads: Option<usize>,
) -> Result<Batch> {
    let schema = reader.schema();
    check_customers(&schema)?;
    let mut parts = batches(reader).collect::<Result<Vec<_>>>()?;
    let whole = if parts.len() == 1 {
        parts.swap_remove(0)
    } else {
        concat_batches(&schema, &parts).map_err(|e| arrow_error("cannot join the batches", e))?
    };
    customers(&whole, declared, threads)
}

fn customers_at(
    batch: &RecordBatch,
    declared: Option<&Schema>,
    runner: &Runner,
    first_row: usize,
) -> Result<Batch> {
    let schema = batch.schema();
    let columns = runner.map(
        batch.num_columns(),
        || (),
        |_, c| {
            let name = schema.field(c).name();
            let ty = declared.and_then(|d| d.get(name));
            column_at(name, batch.column(c).as_ref(), ty, first_row)
                .map(|column| (name.clone(), column))
        },
    );
    Batch::new(columns.into_iter().collect::<Result<Vec<_>>>()?)
}

/// The columns of the offers [`evaluate`] returns, those of the Python surface's
/// `RuleSet.evaluate`: customer, rule, kind, target, priority (int64), reason, expected_value
/// (decimal128(38, 6)) and held_out (bool), nullable though no value is null.
///
/// ```
/// assert_eq!(upsell::arrow::offers_schema().field(6).name(), "expected_value");
/// ```
pub fn offers_schema() -> SchemaRef {
    let text = |name| Field::new(name, DataType::Utf8, true);
    Arc::new(ArrowSchema::new(vec![
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

/// Offers as one record batch of [`offers_schema`]. Each string column is sized before it is
/// filled (its bytes summed first), so a million offers' reasons are written once rather than
/// copied through every doubling of a growing buffer.
///
/// ```
/// assert_eq!(upsell::arrow::offers(&[])?.num_rows(), 0);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn offers(offers: &[BatchOffer]) -> Result<RecordBatch> {
    let text = |f: fn(&BatchOffer) -> &str| -> ArrayRef {
        let bytes = offers.iter().map(|o| f(o).len()).sum();
        let mut builder = StringBuilder::with_capacity(offers.len(), bytes);
        for offer in offers {
            builder.append_value(f(offer));
        }
        Arc::new(builder.finish())
    };
    let expected_value = Decimal128Array::from_iter_values(
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
        Arc::new(expected_value),
        Arc::new(BooleanArray::from_iter(
            offers.iter().map(|o| Some(o.held_out)),
        )),
    ];
    RecordBatch::try_new(offers_schema(), columns)
        .map_err(|e| arrow_error("cannot build the offers", e))
}

/// Customers per batch of [`evaluate`]'s offers, at most: each part of an input batch is decided,
/// turned into Arrow columns and freed on one worker, side by side with the other parts.
const PART_ROWS: usize = 32 * CHUNK_ROWS;

/// Customers per part of an input batch of `rows` on `threads` workers: whole chunks, at most
/// [`PART_ROWS`], and at least two parts a worker where the batch has the chunks for them, so
/// that the small batches of a CSV reader still run side by side.
fn part_rows(rows: usize, threads: usize) -> usize {
    rows.div_ceil(2 * threads.max(1))
        .next_multiple_of(CHUNK_ROWS)
        .clamp(CHUNK_ROWS, PART_ROWS)
}

/// Decides the offers for every customer (row) of `customers`, column-wise as
/// [`RuleSet::evaluate_batch`]: one row of [`offers_schema`] per (customer, offer), customers in
/// input order. Column types are checked first ([`check_customers`]); each input batch is
/// converted ([`customers`]) and evaluated as it is read, and results do not depend on the batch
/// sizes or the threads. The offers come in batches, one for each part of an input batch (at
/// most 65,536 customers, and at least two parts a thread where the batch is large enough);
/// parts without an offer give none.
///
/// See the [module documentation](crate::arrow) for an example.
pub fn evaluate(
    rules: &RuleSet,
    customers: impl RecordBatchReader,
    options: &BatchOptions<'_>,
    control: &Control,
) -> Result<Table> {
    check_customers(&customers.schema())?;
    let declared = rules.declared_schema();
    let schema = offers_schema();
    let input = customers.schema();
    let mut out = Vec::new();
    let mut first_row = 0;
    let mut read_any = false;
    let runner = Runner::new(options.threads);
    for batch in batches(customers) {
        let batch = batch?;
        read_any = true;
        let customers = customers_at(&batch, declared, &runner, first_row)?;
        first_row += batch.num_rows();
        let part_rows = part_rows(customers.len(), runner.threads());
        let parts = rules.evaluate_parts(&customers, options, control, part_rows, |part| {
            offers(&part)
        })?;
        // The converted columns are freed on the workers.
        runner.drop_all(customers.into_columns());
        out.extend(parts.into_iter().filter(|part| part.num_rows() > 0));
    }
    if !read_any {
        // No batch: the columns are still checked against the rules (a declared column missing).
        let empty = customers_at(&RecordBatch::new_empty(input), declared, &runner, 0)?;
        rules.evaluate_batch(&empty, options, control)?;
    }
    Ok(Table {
        schema,
        batches: out,
    })
}

#[cfg(test)]
mod tests {
    use arrow_array::{RecordBatchIterator, StringArray};

    use super::*;
    use crate::time::parse_timestamp_parameter;

    /// Parts are whole chunks, at most PART_ROWS, two a thread where the chunks allow.
    #[test]
    fn parts_are_whole_chunks_two_a_thread() {
        assert_eq!(part_rows(100, 4), CHUNK_ROWS);
        assert_eq!(part_rows(6_700, 2), CHUNK_ROWS);
        assert_eq!(part_rows(131_172, 2), 17 * CHUNK_ROWS);
        assert_eq!(part_rows(1_000_000, 2), PART_ROWS);
        assert_eq!(part_rows(1_000_000, 64), 4 * CHUNK_ROWS);
    }

    /// A stream without a batch still has its columns checked against the rule file's schema;
    /// batches that give no offer give no offers batch.
    #[test]
    fn empty_streams_are_checked_and_empty_results_have_no_batch() -> Result<()> {
        let rules = RuleSet::from_yaml_str(
            "schema: { id: string, seats: int }\nrules:\n  - name: team\n    when: seats > 10\n    \
             offer: {kind: upgrade, target: team}\n",
        )?;
        let options = BatchOptions::new(parse_timestamp_parameter("now", "2026-11-23")?);
        let ids = Arc::new(StringArray::from(vec!["a", "b"])) as ArrayRef;
        let without_seats = RecordBatch::try_from_iter([("id", Arc::clone(&ids))])
            .map_err(|e| arrow_error("test", e))?;
        let no_batch = RecordBatchIterator::new([], without_seats.schema());
        let err = evaluate(&rules, no_batch, &options, &Control::new())
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("seats")));
        let small = RecordBatch::try_from_iter([
            ("id", ids),
            ("seats", Arc::new(Int64Array::from(vec![3, 4])) as ArrayRef),
        ])
        .map_err(|e| arrow_error("test", e))?;
        let reader = RecordBatchIterator::new([Ok(small.clone())], small.schema());
        let table = evaluate(&rules, reader, &options, &Control::new())?;
        assert_eq!((table.rows(), table.batches.len()), (0, 0));
        Ok(())
    }

    /// Offers of several parts, one of them without an offer, equal those of the whole batch at
    /// once, for one thread (three parts, two with offers) and two (four parts, three with
    /// offers).
    #[test]
    fn offers_in_parts_equal_the_whole_batch() -> Result<()> {
        let rules = RuleSet::from_yaml_str(
            "rules:\n  - name: team\n    when: seats > 10\n    offer: {kind: upgrade, target: team}\n",
        )?;
        let rows = 2 * PART_ROWS + 100;
        let ids: Vec<String> = (0..rows).map(|i| format!("c{i}")).collect();
        // Every third customer has a team, but none in the second part.
        let seats: Vec<i64> = (0..rows)
            .map(|i| if i % 3 == 0 && !(PART_ROWS..2 * PART_ROWS).contains(&i) { 12 } else { 3 })
            .collect();
        let customers = RecordBatch::try_from_iter([
            ("id", Arc::new(StringArray::from(ids.clone())) as ArrayRef),
            ("seats", Arc::new(Int64Array::from(seats.clone())) as ArrayRef),
        ])
        .map_err(|e| arrow_error("test", e))?;
        let now = parse_timestamp_parameter("now", "2026-11-23T10:00:00Z")?;
        let whole = Batch::new(vec![
            ("id".into(), Column::strings(ids.iter().map(|id| Some(id.as_str())))),
            ("seats".into(), Column::ints(seats, None)),
        ])?;
        let expected = offers(&rules.evaluate_batch(&whole, &BatchOptions::new(now), &Control::new())?)?;
        for (threads, batches) in [(1, 2), (2, 3)] {
            let reader = RecordBatchIterator::new([Ok(customers.clone())], customers.schema());
            let mut options = BatchOptions::new(now);
            options.threads = Some(threads);
            let table = evaluate(&rules, reader, &options, &Control::new())?;
            assert_eq!(table.batches.len(), batches, "threads={threads}");
            let all = concat_batches(&table.schema, &table.batches)
                .map_err(|e| arrow_error("test", e))?;
            assert_eq!(all, expected, "threads={threads}");
        }
        Ok(())
    }
}
