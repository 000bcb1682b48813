"""Frequent itemsets on Spark, exact, by parallel FP-growth partitioning.

How a call runs (one Spark job per step, each visible in the Spark UI):

1. One job counts the baskets, the null baskets and each item's baskets (each partition on its
   Arrow batches in ``mapInArrow``, then a ``groupBy`` sums); the driver collects only the counts
   of the items that may be frequent.
2. Items are ranked by count (ties by item) and dealt to ``groups`` groups. In ``mapInArrow`` the
   core turns each Arrow batch of baskets into ranks and sends every group the basket's prefix up to
   that group's last item (:func:`upsell._upsell.route_to_groups`).
3. ``groupBy("group").applyInArrow`` mines each group's prefixes with the core, keeping the itemsets
   whose last item belongs to the group, so every itemset is found by exactly one group with its
   global count, and gives them their items' names and support.
4. For ``closed`` and ``maximal``, one more pass compares each set with the sets one item larger
   (which may come from other groups) in a Spark join.
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple, Optional, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyspark import TaskContext
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql.window import Window

import upsell
from upsell import _upsell
from upsell.exceptions import InvalidInputError, InvalidParameterError
from upsell.spark._errors import executor_errors

__all__ = ["association_rules", "frequent_itemsets"]

_ITEM_TYPES = (T.StringType, T.ByteType, T.ShortType, T.IntegerType, T.LongType)
_TARGETS = ("all", "closed", "maximal")
_RANKED = "group int, items array<int>"
_OUTPUT = "items array<string>, freq long, support double"
# The rows of the counting job: the (non-null) baskets, the null baskets, and one per item.
_BASKET, _NULL_BASKET, _ITEM = 0, 1, 2
_COUNTS = "kind int, item string, count long"  # kind: _BASKET, _NULL_BASKET or _ITEM
# Below this many item occurrences a group is mined faster than a task to mine it is started (a
# Python task costs a few tenths of a second; the core mines about a million sparse occurrences in
# that time): by default, a group per this many, at most Spark's default parallelism.
_OCCURRENCES_PER_GROUP = 1_000_000


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
        one per million occurrences of frequent items in the baskets, at most Spark's default
        parallelism (a small job is faster in one task than split). Results never depend on it.

    Returns
    -------
    A DataFrame ``items array<string>, freq long, support double``; the items of a set are in
    descending order of their overall count. Nothing runs until the DataFrame is used, except
    the counting job of step 1.
    """
    if target not in _TARGETS:
        raise InvalidParameterError(f"target: '{target}' is not one of all, closed, maximal")
    if max_len is not None and (not isinstance(max_len, numbers.Integral) or isinstance(max_len, bool) or max_len < 1):
        raise InvalidParameterError(f"max_len: must be an int of at least 1, got {max_len!r}")
    if groups is not None and (not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups < 1):
        raise InvalidParameterError(f"groups: must be an int of at least 1, got {groups!r}")
    threshold = _threshold(min_support)
    _upsell.min_count(threshold, 1)
    baskets, columns = _baskets(df, items_col, basket_col, item_col)
    session = df.sparkSession
    with executor_errors():
        n_baskets, counts = _count_items(baskets, columns, threshold)
    min_count = _upsell.min_count(threshold, n_baskets)
    frequent = counts.filter(pc.greater_equal(counts.column("count"), min_count))
    if frequent.num_rows == 0:
        return session.createDataFrame([], _OUTPUT)
    # Ranked by count, ties by item (Arrow orders strings by code point, as Python does).
    ranked = frequent.take(pc.sort_indices(frequent, [("count", "descending"), ("item", "ascending")]))
    if groups is None:
        # The frequent items' occurrences: what the mining step receives with one group.
        occurrences = pc.sum(ranked.column("count")).as_py()
        groups = min(session.sparkContext.defaultParallelism, -(-occurrences // _OCCURRENCES_PER_GROUP))
    n_groups = max(1, min(groups, ranked.num_rows))
    labels = session.sparkContext.broadcast(ranked.column("item").combine_chunks().cast(pa.string()))
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
        freq = pa.array(counts)
        return pa.table(
            {
                "items": _lists(offsets, labels.value.take(pa.array(items))),
                "freq": freq,
                "support": pc.divide(pc.cast(freq, pa.float64()), float(n_baskets)),
            }
        )

    mined = baskets.mapInArrow(route, _RANKED).groupBy("group").applyInArrow(mine, _OUTPUT)
    return mined if target == "all" else _closed_or_maximal(mined, target, max_len)


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


class _Columns(NamedTuple):
    """The columns to name in errors: the items', and the basket ids' (one line item a row)."""

    items: str
    baskets: Optional[str]


def _baskets(
    df: DataFrame, items_col: Optional[str], basket_col: Optional[str], item_col: Optional[str]
) -> Tuple[DataFrame, _Columns]:
    """One column ``items`` of ``array<string>``, one basket a row, and the columns to name in errors."""
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
        return df.select(F.col(items_col).cast("array<string>").alias("items")), _Columns(items_col, None)
    if basket_col is None or item_col is None:
        raise InvalidParameterError("give items_col (one basket a row), or basket_col and item_col (one line item a row)")
    _field(df, basket_col)
    field = _field(df, item_col)
    if not isinstance(field.dataType, _ITEM_TYPES):
        raise InvalidInputError(
            f"column '{item_col}' must hold strings or integers, got {field.dataType.simpleString()}",
            column_name=item_col,
        )
    # Structs keep null items (collect_set drops nulls), and the rows without a basket id become a
    # null basket: the counting job finds both.
    items = F.transform(F.collect_set(F.struct(F.col(item_col).cast("string").alias("item"))), lambda s: s["item"])
    baskets = df.groupBy(basket_col).agg(F.when(F.col(basket_col).isNotNull(), items).alias("items"))
    return baskets.select("items"), _Columns(item_col, basket_col)


def _field(df: DataFrame, name: str) -> T.StructField:
    if not isinstance(name, str):
        raise InvalidParameterError(f"column names must be strings, got {name!r}")
    try:
        return df.schema[name]
    except KeyError:
        raise InvalidParameterError(
            f"no column '{name}'; the columns are {', '.join(df.columns)}"
        ) from None


def _count_items(baskets: DataFrame, columns: _Columns, threshold: Any) -> Tuple[int, pa.Table]:
    """The number of baskets and each item's count (its baskets), in one job.

    Each partition counts its baskets, null baskets and items on Arrow batches in ``mapInArrow``,
    and one aggregation adds the partitions' counts up. The driver receives the items that may be
    frequent (at or above a bound a little below the exact threshold, which it applies itself),
    never the baskets. Null baskets, null basket ids and null items raise
    :class:`upsell.InvalidInputError` naming the column.
    """
    counted = (
        baskets.mapInArrow(_partial_counts, _COUNTS)
        .groupBy("kind", "item")
        .agg(F.sum("count").alias("count"))
    )
    if isinstance(threshold, int):
        bound = F.lit(threshold)
    else:
        # Below the exact count (a ceiling of the fraction times the baskets) whatever the rounding.
        # The total is a window over all the aggregated rows (one per distinct item): Spark warns that
        # it moves them to one partition, yet it takes about half the time of a join with the total.
        baskets_total = F.sum(F.when(F.col("kind") != _ITEM, F.col("count"))).over(Window.partitionBy())
        below = F.floor(baskets_total * F.lit(float(threshold)) * F.lit(1 - 1e-9))
        counted = counted.withColumn("bound", below)
        bound = F.col("bound")
    kept = counted.where((F.col("kind") != _ITEM) | F.col("item").isNull() | (F.col("count") >= bound))
    table = kept.select("kind", "item", "count").toArrow()
    kinds = table.column("kind")
    items = table.column("item")

    def total_of(selected: Any) -> int:
        return pc.sum(table.column("count").filter(selected)).as_py() or 0

    n_baskets = total_of(pc.not_equal(kinds, _ITEM))
    null_baskets = total_of(pc.equal(kinds, _NULL_BASKET))
    if null_baskets and columns.baskets is not None:
        raise InvalidInputError(
            f"column '{columns.baskets}': rows have a null basket id; drop them first", column_name=columns.baskets
        )
    if null_baskets:
        raise InvalidInputError(
            f"column '{columns.items}': {null_baskets} of {n_baskets} baskets are null; drop them or give empty arrays",
            column_name=columns.items,
        )
    null_items = total_of(pc.and_(pc.equal(kinds, _ITEM), pc.is_null(items)))
    if null_items:
        raise InvalidInputError(
            f"column '{columns.items}': {null_items} baskets hold a null item; drop the nulls first",
            column_name=columns.items,
        )
    return n_baskets, table.filter(pc.equal(kinds, _ITEM)).select(["item", "count"])


def _partial_counts(batches: Any) -> Any:
    """One partition's counts, as rows of :data:`_COUNTS`: its baskets, its null baskets, and each
    item's baskets (an item repeated in a basket counts once; a null item is counted too)."""
    baskets = null_baskets = 0
    parts = []
    for batch in batches:
        column = batch.column(0)
        baskets += len(column)
        null_baskets += column.null_count
        pairs = pa.table({"basket": pc.list_parent_indices(column), "item": pc.list_flatten(column)})
        distinct = pairs.group_by(["basket", "item"], use_threads=False).aggregate([])
        parts.append(distinct.group_by("item", use_threads=False).aggregate([("basket", "count")]))
    items = pa.table({"item": pa.array([], pa.string()), "basket_count": pa.array([], pa.int64())})
    if parts:
        items = pa.concat_tables(parts).group_by("item", use_threads=False).aggregate([("basket_count", "sum")])
    kind = np.full(items.num_rows + 2, _ITEM, np.int32)
    kind[:2] = (_BASKET, _NULL_BASKET)
    names = pa.concat_arrays([pa.nulls(2, pa.string()), items.column(0).combine_chunks().cast(pa.string())])
    counts = np.concatenate([[baskets - null_baskets, null_baskets], items.column(1).to_numpy()]).astype(np.int64)
    yield pa.RecordBatch.from_arrays([pa.array(kind), names, pa.array(counts)], names=["kind", "item", "count"])


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
