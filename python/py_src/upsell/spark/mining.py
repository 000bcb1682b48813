"""Frequent itemsets on Spark, exact, by parallel FP-growth partitioning.

How a call runs (one Spark job per step, each visible in the Spark UI):

1. The driver counts baskets and null baskets (one aggregate), then each item's baskets (an
   ``explode`` and ``groupBy``) and collects only the frequent items' counts.
2. Items are ranked by count (ties by item) and dealt to ``groups`` groups. In ``mapInArrow`` the
   core turns each Arrow batch of baskets into ranks and sends every group the basket's prefix up to
   that group's last item (:func:`upsell._upsell.route_to_groups`).
3. ``groupBy("group").applyInArrow`` mines each group's prefixes with the core, keeping the itemsets
   whose last item belongs to the group, so every itemset is found by exactly one group with its
   global count.
4. For ``closed`` and ``maximal``, one more pass compares each set with the sets one item larger
   (which may come from other groups) in a Spark join.
"""

from __future__ import annotations

import numbers
from typing import Any, List, Optional, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyspark import TaskContext
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

import upsell
from upsell import _upsell
from upsell.exceptions import InvalidInputError, InvalidParameterError
from upsell.spark._errors import executor_errors

__all__ = ["association_rules", "frequent_itemsets"]

_ITEM_TYPES = (T.StringType, T.ByteType, T.ShortType, T.IntegerType, T.LongType)
_TARGETS = ("all", "closed", "maximal")
_RANKED = "group int, items array<int>"
_MINED = "items array<int>, freq long"
_OUTPUT = "items array<string>, freq long, support double"


def frequent_itemsets(
    df: DataFrame,
    min_support: Any,
    *,
    items_col: Optional[str] = None,
    basket_col: Optional[str] = None,
    item_col: Optional[str] = None,
    target: str = "all",
    max_len: Optional[int] = None,
    groups: Optional[int] = None,
) -> DataFrame:
    """The itemsets bought together in at least ``min_support`` baskets, as a Spark DataFrame.

    The same itemsets and counts as ``pyspark.ml.fpm.FPGrowth().fit(df).freqItemsets`` and as
    :func:`upsell.frequent_itemsets` on the collected data.

    Parameters
    ----------
    df
        Baskets, either one a row in an array column (``items_col``) of strings or integers, or one
        line item a row (``basket_col`` identifies the basket, ``item_col`` holds the item). An
        item repeated within a basket counts once; an empty basket counts as a basket. Null
        baskets and null items are refused with :class:`upsell.InvalidInputError`.
    min_support
        An ``int`` is a basket count (at least 1), a ``float`` a fraction of baskets in ``(0, 1]``,
        turned into a count exactly as the local function does.
    target
        ``"all"`` frequent itemsets, ``"closed"`` or ``"maximal"`` ones.
    max_len
        The largest itemset size reported.
    groups
        How many groups the items are dealt to (the parallelism of the mining step); by default
        Spark's default parallelism. Results never depend on it.

    Returns
    -------
    A DataFrame ``items array<string>, freq long, support double``; the items of a set are in
    descending order of their overall count. Nothing runs until the DataFrame is used, except
    the two counting jobs of step 1.
    """
    if target not in _TARGETS:
        raise InvalidParameterError(f"target: '{target}' is not one of all, closed, maximal")
    if max_len is not None and (not isinstance(max_len, numbers.Integral) or isinstance(max_len, bool) or max_len < 1):
        raise InvalidParameterError(f"max_len: must be an int of at least 1, got {max_len!r}")
    if groups is not None and (not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups < 1):
        raise InvalidParameterError(f"groups: must be an int of at least 1, got {groups!r}")
    _upsell.min_count(_threshold(min_support), 1)
    baskets, column = _baskets(df, items_col, basket_col, item_col)

    n_baskets, null_baskets = baskets.agg(F.count(F.lit(1)), F.count_if(F.col("items").isNull())).first()
    if null_baskets:
        raise InvalidInputError(
            f"column '{column}': {null_baskets} of {n_baskets} baskets are null; drop them or give empty arrays",
            column_name=column,
        )
    min_count = _upsell.min_count(_threshold(min_support), n_baskets)
    ranked_items = _frequent_items(baskets, column, min_count)
    session = df.sparkSession
    if not ranked_items:
        return session.createDataFrame([], _OUTPUT)
    n_groups = min(groups or session.sparkContext.defaultParallelism, len(ranked_items))
    labels = session.sparkContext.broadcast(pa.array(ranked_items, pa.string()))
    # Closed and maximal sets are decided by the sets one item larger: mine one level deeper.
    mined_len = max_len if max_len is None or target == "all" else max_len + 1

    def route(batches: Any) -> Any:
        value_set = labels.value
        for batch in batches:
            column = batch.column(0)
            values = pc.list_flatten(column)
            if values.type != value_set.type:
                value_set = value_set.cast(values.type)
            ranks = pc.index_in(values, value_set=value_set)
            known = pc.is_valid(ranks)
            parents = pc.list_parent_indices(column).filter(known)
            group, items, offsets = _upsell.route_to_groups(
                parents.to_numpy().astype(np.uint32), ranks.filter(known).to_numpy().astype(np.uint32), n_groups
            )
            yield pa.RecordBatch.from_arrays(
                [pa.array(group.astype(np.int32)), _lists(offsets, pa.array(items.astype(np.int32)))],
                names=["group", "items"],
            )

    def mine(table: pa.Table) -> pa.Table:
        column = table.column("items").combine_chunks()
        offsets = np.asarray(column.offsets, dtype=np.int64)
        items, offsets, counts, _, _ = _upsell.mine_group(
            pc.list_flatten(column).to_numpy().astype(np.uint32),
            offsets - offsets[0],
            n_groups,
            table.column("group")[0].as_py(),
            min_count,
            max_len=mined_len,
            threads=_task_cpus(),
        )
        return pa.table({"items": _lists(offsets, pa.array(items.astype(np.int32))), "freq": pa.array(counts)})

    def label(batches: Any) -> Any:
        names = labels.value
        for batch in batches:
            column = batch.column(0)
            offsets = np.asarray(column.offsets, dtype=np.int64)
            items = names.take(pc.list_flatten(column))
            freq = batch.column(1)
            support = pc.divide(pc.cast(freq, pa.float64()), float(n_baskets))
            yield pa.RecordBatch.from_arrays(
                [_lists(offsets - offsets[0], items), freq, support], names=["items", "freq", "support"]
            )

    routed = baskets.mapInArrow(route, _RANKED)
    mined = routed.groupBy("group").applyInArrow(mine, _MINED)
    if target != "all":
        mined = _closed_or_maximal(mined, target, max_len)
    return mined.mapInArrow(label, _OUTPUT)


def association_rules(itemsets: DataFrame, min_confidence: float = 0.8, *, target: str = "all", **options: Any) -> DataFrame:
    """The association rules of the itemsets :func:`frequent_itemsets` found, as a Spark DataFrame
    with the columns of :func:`upsell.association_rules` (``antecedents``, ``consequents``, the
    measures, ``count``, ``antecedent count``, ``consequent count``).

    A rule needs the counts of its itemset's subsets, which other groups found: the itemsets (far
    fewer than the baskets) are collected to the driver as Arrow, the core derives the rules there
    with every core, and the result becomes a DataFrame again. ``target`` says what ``itemsets``
    holds (``"all"`` or ``"closed"``); ``options`` are those of :func:`upsell.association_rules`
    (``min_lift``, ``max_antecedent_len``, ``consequents``, ``exclude``, ...).
    """
    if not isinstance(itemsets, DataFrame):
        raise InvalidParameterError(f"itemsets: must be a pyspark.sql.DataFrame, got {type(itemsets).__name__}")
    missing = [name for name in ("items", "freq", "support") if name not in itemsets.columns]
    if missing:
        raise InvalidInputError(
            f"the itemsets frame lacks {', '.join(missing)}: give the result of upsell.spark.frequent_itemsets",
            column_name=missing[0],
        )
    with executor_errors():
        table = itemsets.select("items", "freq", "support").toArrow()
    first = next((row for row in table.slice(0, 1).to_pylist()), None)
    baskets = round(first["freq"] / first["support"]) if first and first["support"] else 0
    local = pa.table(
        {"itemset": table.column("items"), "count": table.column("freq")},
        metadata={"baskets": str(baskets), "target": target},
    )
    rules = upsell.association_rules(local, min_confidence, output="arrow", **options)
    return itemsets.sparkSession.createDataFrame(rules)


def _baskets(
    df: DataFrame, items_col: Optional[str], basket_col: Optional[str], item_col: Optional[str]
) -> Tuple[DataFrame, str]:
    """One column ``items`` of ``array<string>``, one basket a row, and the column to name in errors."""
    if not isinstance(df, DataFrame):
        raise InvalidParameterError(f"df: must be a pyspark.sql.DataFrame, got {type(df).__name__}")
    if items_col is not None:
        if basket_col is not None or item_col is not None:
            raise InvalidParameterError("give either items_col (one basket a row) or basket_col and item_col, not both")
        field = _field(df, items_col)
        if not isinstance(field.dataType, T.ArrayType) or not isinstance(field.dataType.elementType, _ITEM_TYPES):
            raise InvalidInputError(
                f"column '{items_col}' must be an array of strings or integers, got {field.dataType.simpleString()}",
                column_name=items_col,
            )
        return df.select(F.col(items_col).cast("array<string>").alias("items")), items_col
    if basket_col is None or item_col is None:
        raise InvalidParameterError("give items_col (one basket a row), or basket_col and item_col (one line item a row)")
    _field(df, basket_col)
    field = _field(df, item_col)
    if not isinstance(field.dataType, _ITEM_TYPES):
        raise InvalidInputError(
            f"column '{item_col}' must hold strings or integers, got {field.dataType.simpleString()}",
            column_name=item_col,
        )
    null_baskets, null_items = df.agg(
        F.count_if(F.col(basket_col).isNull()), F.count_if(F.col(item_col).isNull())
    ).first()
    for name, nulls in ((basket_col, null_baskets), (item_col, null_items)):
        if nulls:
            raise InvalidInputError(f"column '{name}': {nulls} rows are null", column_name=name)
    baskets = df.groupBy(basket_col).agg(F.collect_set(F.col(item_col).cast("string")).alias("items"))
    return baskets.select("items"), item_col


def _field(df: DataFrame, name: str) -> T.StructField:
    if not isinstance(name, str):
        raise InvalidParameterError(f"column names must be strings, got {name!r}")
    try:
        return df.schema[name]
    except KeyError:
        raise InvalidParameterError(
            f"no column '{name}'; the columns are {', '.join(df.columns)}"
        ) from None


def _frequent_items(baskets: DataFrame, column: str, min_count: int) -> List[str]:
    """The items in at least ``min_count`` baskets, most frequent first (ties by item)."""
    counts = (
        baskets.select(F.explode(F.array_distinct("items")).alias("item"))
        .groupBy("item")
        .count()
        .where((F.col("count") >= min_count) | F.col("item").isNull())
        .collect()
    )
    null_items = sum(row["count"] for row in counts if row["item"] is None)
    if null_items:
        raise InvalidInputError(
            f"column '{column}': {null_items} baskets hold a null item; drop the nulls first", column_name=column
        )
    counts.sort(key=lambda row: (-row["count"], row["item"]))
    return [row["item"] for row in counts]


def _closed_or_maximal(mined: DataFrame, target: str, max_len: Optional[int]) -> DataFrame:
    """The closed (no superset with the same count) or maximal (no frequent superset) sets of
    ``mined``, every frequent set up to ``max_len + 1`` items, then at most ``max_len`` items.
    A set has such a superset exactly when it has one with one more item, which may have been
    found by another group: each set's one-smaller subsets are joined against the sets."""
    subsets = mined.where(F.size("items") > 1).select(
        F.explode(F.expr("transform(sequence(0, size(items) - 1), i -> filter(items, (x, j) -> j != i))")).alias(
            "items"
        ),
        "freq",
    )
    if target == "closed":
        kept = mined.join(subsets, on=["items", "freq"], how="left_anti")
    else:
        kept = mined.join(subsets.select("items"), on="items", how="left_anti")
    return kept if max_len is None else kept.where(F.size("items") <= max_len)


def _lists(offsets: np.ndarray, values: pa.Array) -> pa.Array:
    return pa.ListArray.from_arrays(pa.array(np.asarray(offsets, dtype=np.int32)), values)


def _task_cpus() -> Optional[int]:
    """The cores Spark gave this task, so that two tasks on one executor do not share them."""
    context = TaskContext.get()
    return context.cpus() if context is not None else None


def _threshold(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    return float(value)
