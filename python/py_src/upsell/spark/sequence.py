"""Time-window affinity on Spark, exact: customers partitioned, each partition counted by the core,
the counts added up.

Every count of :func:`upsell.sequential_affinity` is a number of customers, and a customer's counts
depend on their own history only. So the rows are repartitioned by customer, each partition's
counts come from the core (:func:`upsell._upsell.sequence_counts_from_arrays`, ``SequenceCounts``
in Rust) in ``mapInArrow``, Spark sums them (integers, exact), and the driver turns the sums into
rules with the core (:func:`upsell._upsell.sequence_rules_from_counts`): the driver receives
counts per item pair, never the purchases.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from upsell import _upsell
from upsell.exceptions import InvalidInputError, InvalidParameterError
from upsell.sequence import _count, _frame, _integer
from upsell.spark._errors import executor_errors
from upsell.spark.mining import _ITEM_TYPES, _field, _task_cpus

__all__ = ["sequential_affinity"]

_TIME_TYPES = (T.TimestampType, T.TimestampNTZType, T.DateType, T.StringType)
_PARTIAL = "antecedent int, consequent int, slot int, n long"


def sequential_affinity(
    df: DataFrame,
    customer_col: str,
    time_col: str,
    item_col: str,
    windows: Sequence[int] = (7, 30, 60, 90),
    *,
    min_customers: int = 1,
    min_support: float = 0.0,
    min_confidence: float = 0.0,
    top: Optional[int] = None,
    max_pairs: int = 20_000_000,
    partitions: Optional[int] = None,
) -> DataFrame:
    """For each ordered pair (A, B) and window W: the share of A's buyers who bought B within W days,
    as :func:`upsell.sequential_affinity` gives it on the collected rows (same definitions, columns,
    values and order), as a Spark DataFrame.

    ``df`` holds one line item a row. Times are timestamps (instants), ``TIMESTAMP_NTZ`` (read as
    UTC), dates, or texts in the forms the local function reads. Items are strings or integers;
    equal confidences are ordered by each item's first row in ``df``, as the local function orders
    them by first appearance. Rows without a customer are excluded; a null item or time is an
    :class:`upsell.InvalidInputError` naming the column, raised before the counting job.
    ``partitions`` is how many customer partitions are counted (by default Spark's default
    parallelism); results never depend on it.

    Two jobs run: one collects the distinct items (the catalogue), one counts and collects the
    summed counts, one row per pair and window.
    """
    options = dict(
        windows=[_integer("windows", w) for w in windows],
        min_customers=_count("min_customers", min_customers),
        min_support=float(min_support),
        min_confidence=float(min_confidence),
        top=None if top is None else _count("top", top),
        max_pairs=_count("max_pairs", max_pairs),
    )
    if partitions is not None and _count("partitions", partitions) < 1:
        raise InvalidParameterError(f"invalid parameter 'partitions': must be at least 1, got {partitions}")
    _check_options(options)
    _field(df, customer_col)
    time_type = _field(df, time_col).dataType
    item_type = _field(df, item_col).dataType
    if not isinstance(time_type, _TIME_TYPES):
        raise InvalidInputError(
            f"column '{time_col}' must hold timestamps, dates or time texts, got {time_type.simpleString()}",
            column_name=time_col,
        )
    if not isinstance(item_type, _ITEM_TYPES):
        raise InvalidInputError(
            f"column '{item_col}' must hold strings or integers, got {item_type.simpleString()}", column_name=item_col
        )
    rows = df.select(
        F.col(customer_col).alias("customer"), F.col(time_col).alias("time"), F.col(item_col).alias("item")
    )
    labels = _catalogue(rows, time_col, item_col)
    session = df.sparkSession
    if not labels:
        raise InvalidInputError(f"no purchases: the frame has no rows (column '{item_col}')", column_name=item_col)
    label_array = pa.array(labels, _arrow_type(item_type))
    shared = session.sparkContext.broadcast(label_array)
    windows_list = options["windows"]
    slots = len(windows_list)

    def count(batches: Any) -> Any:
        batches = list(batches)
        if not batches:
            return
        table = pa.Table.from_batches(batches)
        value_set = shared.value
        items = table.column("item").combine_chunks()
        if items.type != value_set.type:
            value_set = value_set.cast(items.type)
        codes = pc.index_in(items, value_set=value_set).to_numpy().astype(np.uint32)
        customers = table.column("customer").combine_chunks().dictionary_encode().indices
        customers = pc.fill_null(pc.cast(customers, pa.int64()), -1).to_numpy()
        counts = _upsell.sequence_counts_from_arrays(
            customers,
            codes,
            **_times(table.column("time").combine_chunks(), time_col),
            windows=windows_list,
            threads=_task_cpus(),
            max_pairs=options["max_pairs"],
        )
        yield _partial(counts, slots)

    partial = rows.repartition(partitions or session.sparkContext.defaultParallelism, "customer").mapInArrow(
        count, _PARTIAL
    )
    with executor_errors():
        summed = partial.groupBy("antecedent", "consequent", "slot").agg(F.sum("n").alias("n")).toArrow()
    found = _upsell.sequence_rules_from_counts(
        [str(label) for label in labels], **_merged(summed, len(labels), slots), **options
    )
    return session.createDataFrame(_frame(found, label_array, "arrow"))


def _check_options(options: dict) -> None:
    """Checks every option on the driver, before any job: the core validates them first thing,
    then refuses the empty input this call gives it."""
    try:
        _upsell.sequences_from_arrays(
            np.zeros(0, np.int64), np.zeros(0, np.uint32), [], seconds=np.zeros(0, np.int64), **options
        )
    except InvalidInputError:
        pass


def _catalogue(rows: DataFrame, time_col: str, item_col: str) -> List[Any]:
    """The distinct items in order of their first row, after checking for null items and times."""
    firsts = (
        rows.withColumn("row", F.monotonically_increasing_id())
        .groupBy("item")
        .agg(
            F.min("row").alias("row"),
            F.count_if(F.col("time").isNull()).alias("null_times"),
            F.count("*").alias("rows"),
        )
        .collect()
    )
    null_times = sum(row["null_times"] for row in firsts)
    null_items = sum(row["rows"] for row in firsts if row["item"] is None)
    if null_items:
        raise InvalidInputError(f"column '{item_col}': {null_items} rows have no item", column_name=item_col)
    if null_times:
        raise InvalidInputError(f"column '{time_col}': {null_times} rows have no time", column_name=time_col)
    return [row["item"] for row in sorted(firsts, key=lambda row: row["row"])]


def _arrow_type(item_type: T.DataType) -> pa.DataType:
    if isinstance(item_type, T.StringType):
        return pa.string()
    return {T.ByteType: pa.int8(), T.ShortType: pa.int16(), T.IntegerType: pa.int32(), T.LongType: pa.int64()}[
        type(item_type)
    ]


def _times(times: pa.Array, name: str) -> dict:
    """Unix seconds for timestamps and dates, texts (parsed by the core) otherwise."""
    if pa.types.is_timestamp(times.type):
        micros = pc.cast(times.cast(pa.timestamp("us", tz=times.type.tz)), pa.int64()).to_numpy()
        return {"seconds": np.floor_divide(micros, 1_000_000)}
    if pa.types.is_date(times.type):
        return {"seconds": pc.cast(times.cast(pa.date32()), pa.int32()).to_numpy().astype(np.int64) * 86_400}
    return {"times": times.to_pylist(), "time_column": name}


def _partial(counts: dict, slots: int) -> pa.RecordBatch:
    """One partition's counts, long: (-1, -1) holds customers, rows and excluded rows in slots 0-2;
    (item, -1) the item's customers in slot 0 and its baseline in slots 1..; (A, B) the pair's
    counts in slots 0.."""
    buyers = counts["item_customers"]
    items = np.flatnonzero(buyers).astype(np.int32)
    pairs = len(counts["antecedent"])
    antecedent = [
        np.full(3, -1, np.int32),
        np.repeat(items, slots + 1),
        np.repeat(counts["antecedent"].astype(np.int32), slots),
    ]
    consequent = [np.full(3, -1, np.int32), np.full(len(items) * (slots + 1), -1, np.int32)]
    consequent.append(np.repeat(counts["consequent"].astype(np.int32), slots))
    slot = [np.arange(3), np.tile(np.arange(slots + 1), len(items)), np.tile(np.arange(slots), pairs)]
    n = [
        np.array([counts["customers"], counts["rows"], counts["excluded_rows"]], np.int64),
        np.column_stack([buyers[items], counts["baseline"][items]]).ravel(),
        counts["pair_counts"].ravel(),
    ]
    types = (np.int32, np.int32, np.int32, np.int64)
    columns = [pa.array(np.concatenate(parts).astype(kind)) for parts, kind in zip((antecedent, consequent, slot, n), types)]
    return pa.RecordBatch.from_arrays(columns, names=["antecedent", "consequent", "slot", "n"])


def _merged(summed: pa.Table, items: int, slots: int) -> dict:
    """The summed long counts back into the arrays of :func:`upsell._upsell.sequence_rules_from_counts`."""
    antecedent = summed.column("antecedent").to_numpy()
    consequent = summed.column("consequent").to_numpy()
    slot = summed.column("slot").to_numpy()
    n = summed.column("n").to_numpy().astype(np.uint64)
    totals = np.zeros(3, np.uint64)
    is_total = antecedent < 0
    totals[slot[is_total]] = n[is_total]
    is_item = (antecedent >= 0) & (consequent < 0)
    per_item = np.zeros((items, slots + 1), np.uint64)
    per_item[antecedent[is_item], slot[is_item]] = n[is_item]
    is_pair = consequent >= 0
    keys = antecedent[is_pair].astype(np.int64) * items + consequent[is_pair]
    pairs, pair_index = np.unique(keys, return_inverse=True)
    pair_counts = np.zeros((len(pairs), slots), np.uint64)
    pair_counts[pair_index, slot[is_pair]] = n[is_pair]
    return dict(
        customers=int(totals[0]),
        rows=int(totals[1]),
        excluded_rows=int(totals[2]),
        item_customers=np.ascontiguousarray(per_item[:, 0]),
        baseline=per_item[:, 1:].ravel(),
        antecedent=(pairs // items).astype(np.uint32),
        consequent=(pairs % items).astype(np.uint32),
        pair_counts=pair_counts.ravel(),
    )
