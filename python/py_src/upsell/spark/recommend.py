"""Recommendations for many carts on Spark: the model is broadcast once (pickled as its compact
binary encoding) and queried with a whole Arrow batch of carts at a time."""

from __future__ import annotations

from typing import Any, Union

import numpy as np
import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql import types as T

from upsell.exceptions import InvalidInputError, InvalidParameterError
from upsell.recommend import EaseRecommender, Recommender
from upsell.spark.mining import _ITEM_TYPES, _field, _task_cpus

__all__ = ["recommend"]

_ANSWER = [
    T.StructField("rank", T.IntegerType()),
    T.StructField("item", T.StringType()),
    T.StructField("score", T.DoubleType()),
    T.StructField("source", T.StringType()),
    T.StructField("antecedent", T.ArrayType(T.StringType())),
    T.StructField("confidence", T.DoubleType()),
    T.StructField("lift", T.DoubleType()),
    T.StructField("support", T.DoubleType()),
    T.StructField("explanation", T.StringType()),
]
_EASE_ANSWER = [
    T.StructField("rank", T.IntegerType()),
    T.StructField("item", T.StringType()),
    T.StructField("score", T.DoubleType()),
    T.StructField("source", T.StringType()),
    T.StructField("because", T.StringType()),
    T.StructField("weight", T.DoubleType()),
    T.StructField("explanation", T.StringType()),
]


def recommend(
    carts_df: DataFrame,
    model: Union[Recommender, EaseRecommender],
    cart_col: str,
    k: int = 5,
    *,
    by: str = "confidence",
) -> DataFrame:
    """Up to ``k`` recommendations for each cart of ``cart_col`` (an array of items), as the
    model's ``recommend_batch`` gives them: one row per (cart, rank), the cart's row (every column
    of ``carts_df``) followed by ``rank`` and the model's answer columns: for a
    :class:`upsell.Recommender` ``item``, ``score``, ``source``, ``antecedent``, ``confidence``,
    ``lift``, ``support`` and ``explanation``; for an :class:`upsell.EaseRecommender` ``item``,
    ``score``, ``source``, ``because``, ``weight`` and ``explanation`` (``by`` does not apply).
    A null cart is an empty cart (it gets the most popular items); cart items the model does not
    know are ignored. The model is pickled as its compact binary model file and broadcast once.
    """
    if not isinstance(model, (Recommender, EaseRecommender)):
        raise InvalidParameterError(
            f"model: must be an upsell.Recommender or upsell.EaseRecommender, got {type(model).__name__}"
        )
    ease = isinstance(model, EaseRecommender)
    answer_fields = _EASE_ANSWER if ease else _ANSWER
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidParameterError(f"k: must be an int of at least 1, got {k!r}")
    field = _field(carts_df, cart_col)
    if not isinstance(field.dataType, T.ArrayType) or not isinstance(field.dataType.elementType, _ITEM_TYPES):
        raise InvalidInputError(
            f"column '{cart_col}' must be an array of strings or integers, got {field.dataType.simpleString()}",
            column_name=cart_col,
        )
    taken = set(carts_df.columns) & {f.name for f in answer_fields}
    if taken:
        raise InvalidParameterError(f"carts_df already has columns named {', '.join(sorted(taken))}: rename them first")
    if not ease:
        # Checks `by` on the driver, before any job.
        model.recommend([], 1, by=by)
    shared = carts_df.sparkSession.sparkContext.broadcast(model)
    schema = T.StructType(carts_df.schema.fields + answer_fields)
    options = {} if ease else {"by": by}
    position = carts_df.columns.index(cart_col)

    def answer(batches: Any) -> Any:
        recommender = shared.value
        for batch in batches:
            carts = [cart or [] for cart in batch.column(position).to_pylist()]
            found = recommender.recommend_batch(carts, k, threads=_task_cpus(), **options)
            rows = batch.take(pa.array(found["cart"].to_numpy(dtype=np.int64)))
            extra = pa.Table.from_pandas(found.drop(columns="cart"), schema=pa.schema(_arrow(answer_fields)), preserve_index=False)
            yield pa.RecordBatch.from_arrays(
                rows.columns + [c.combine_chunks() for c in extra.columns], names=schema.names
            )

    return carts_df.mapInArrow(answer, schema)


def _arrow(fields: list) -> list:
    types = {
        T.IntegerType(): pa.int32(),
        T.StringType(): pa.string(),
        T.DoubleType(): pa.float64(),
        T.ArrayType(T.StringType()): pa.list_(pa.string()),
    }
    return [pa.field(f.name, types[f.dataType]) for f in fields]
