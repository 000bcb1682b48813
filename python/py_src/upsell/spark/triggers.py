"""Upsell triggers on Spark: the rule set is broadcast once (pickled as its source text, so each
executor loads and type-checks it itself) and evaluated column-wise on whole Arrow batches of
customers by the core, one output row per offer with its reason trace.

An offer history given as a Spark DataFrame is grouped by customer into one JSON fragment per
customer (in Spark), joined to the customers, and each Arrow batch of customers is evaluated with
the history of its own customers: the history never reaches the driver."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Optional, Union

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from upsell.exceptions import InvalidInputError, InvalidParameterError
from upsell.spark._errors import executor_errors
from upsell.spark.mining import _field, _task_cpus
from upsell.triggers import History, RuleSet, _now

__all__ = ["evaluate"]

_OUTPUT = (
    "customer string, rule string, kind string, target string, priority long, reason string, "
    "expected_value decimal(38,6), held_out boolean"
)


def evaluate(
    customers_df: DataFrame,
    ruleset: RuleSet,
    now: Union[str, _dt.datetime, None] = None,
    *,
    history: Optional[History] = None,
    history_df: Optional[DataFrame] = None,
    id_column: Optional[str] = None,
) -> DataFrame:
    """One row per (customer, offer) for every customer of ``customers_df``, as
    :meth:`upsell.triggers.RuleSet.evaluate` gives them: columns ``customer``, ``rule``, ``kind``,
    ``target``, ``priority``, ``reason`` (the trace of the condition that fired),
    ``expected_value`` (exact decimal) and ``held_out``.

    ``now`` is fixed on the driver (the current time when ``None``), so every executor evaluates
    at the same instant. The offer history (shown / accepted / rejected offers) is either
    ``history``, a local :class:`upsell.triggers.History` broadcast with the rules, or
    ``history_df``, a Spark DataFrame of one event a row with columns ``customer`` (string or
    integer), ``target`` (string), ``outcome`` (``shown``, ``accepted`` or ``rejected``) and ``at``
    (a timestamp, or RFC 3339 text), as :meth:`upsell.triggers.History.record` takes them. The
    events are grouped by customer and joined to the customers by the text of their id (a string
    or integer column), so each Arrow batch is evaluated with its own customers' history and the
    history is never collected. The result equals the local call with the same events in a
    ``History``; with ``history_df`` its rows come in the join's order.

    The rules are checked against the frame's schema on the driver, before any job: an unknown
    field, a column of the wrong type or a bad ``now`` raises the same ``upsell`` error as the
    local call. The customer id is ``id_column``, else the first column.
    """
    if not isinstance(ruleset, RuleSet):
        raise InvalidParameterError(f"ruleset: must be an upsell.triggers.RuleSet, got {type(ruleset).__name__}")
    if not isinstance(customers_df, DataFrame):
        raise InvalidParameterError(
            f"customers_df: must be a pyspark.sql.DataFrame, got {type(customers_df).__name__}"
        )
    if history is not None and not isinstance(history, History):
        raise InvalidParameterError(f"history: must be an upsell.triggers.History, got {type(history).__name__}")
    if history_df is not None and history is not None:
        raise InvalidParameterError("give either history (a local History) or history_df (a Spark DataFrame), not both")
    now = _now(now) or _dt.datetime.now(_dt.timezone.utc).isoformat()
    # The schema, the rules' fields and `now` are checked on no rows, before any job.
    with executor_errors():
        empty = customers_df.limit(0).toArrow()
    ruleset.evaluate(empty, now=now, history=history, id_column=id_column, output="arrow")
    context = customers_df.sparkSession.sparkContext
    shared = context.broadcast((ruleset, None if history is None else history.to_json()))
    names = customers_df.columns
    # Field names such as `usage.seats` would be read as struct paths by mapInArrow: the columns
    # cross under positional names and get theirs back in the executor.
    positional = customers_df.toDF(*(f"_{index}" for index in range(len(names))))
    joined = history_df is not None
    if joined:
        key = names.index(id_column) if id_column in names else 0
        positional = _joined_history(positional, key, customers_df.schema[key], history_df)

    def offers(batches: Any) -> Any:
        rules, events = shared.value
        seen = None if events is None else History.from_json(events)
        for batch in batches:
            if joined:
                seen = _batch_history(batch.column(len(names)))
            customers = pa.Table.from_batches([batch]).select(list(range(len(names)))).rename_columns(names)
            found = rules.evaluate(
                customers, now=now, history=seen, id_column=id_column, threads=_task_cpus(), output="arrow"
            )
            yield from found.to_batches()

    return positional.mapInArrow(offers, _OUTPUT)


def _joined_history(positional: DataFrame, key: int, id_field: T.StructField, history_df: DataFrame) -> DataFrame:
    """``positional`` with one more column: its customer's events as a JSON fragment
    ``{"<id>":{"events":[...]}}``, null for customers without history. The events are grouped by
    customer (events without one concern no customer) and joined to the customers in Spark."""
    if not isinstance(history_df, DataFrame):
        raise InvalidParameterError(f"history_df: must be a pyspark.sql.DataFrame, got {type(history_df).__name__}")
    if not isinstance(id_field.dataType, _ID_TYPES):
        raise InvalidInputError(
            f"column '{id_field.name}': customer ids must be strings or integers to join history_df, "
            f"got {id_field.dataType.simpleString()}",
            column_name=id_field.name,
        )
    expected = {"customer": _ID_TYPES, "target": (T.StringType,), "outcome": (T.StringType,), "at": _AT_TYPES}
    for name, types in expected.items():
        field = _field(history_df, name)
        if not isinstance(field.dataType, types):
            raise InvalidInputError(
                f"history_df column '{name}' must hold {_EXPECTED[name]}, got {field.dataType.simpleString()}",
                column_name=name,
            )
    event = F.struct("target", "outcome", "at")
    fragments = (
        history_df.where(F.col("customer").isNotNull())
        .select(F.col("customer").cast("string").alias("_customer"), event.alias("event"))
        .groupBy("_customer")
        .agg(F.to_json(F.create_map("_customer", F.struct(F.collect_list("event").alias("events"))), _JSON))
        .toDF("_customer", "_history")
    )
    joined = positional.join(fragments, positional[f"_{key}"].cast("string") == fragments["_customer"], "left")
    return joined.drop("_customer")


def _batch_history(fragments: pa.Array) -> History:
    """The history of one batch's customers, from their JSON fragments (null: no events)."""
    bodies = pc.utf8_slice_codeunits(pc.unique(fragments.drop_null()), 1, -1)
    joined = pc.binary_join(pa.ListArray.from_arrays([0, len(bodies)], bodies), ",")[0].as_py()
    return History.from_json(f'{{"customers":{{{joined or ""}}}}}')


_ID_TYPES = (T.StringType, T.ByteType, T.ShortType, T.IntegerType, T.LongType)
_AT_TYPES = (T.TimestampType, T.TimestampNTZType, T.StringType)
_EXPECTED = {
    "customer": "strings or integers",
    "target": "strings",
    "outcome": "strings",
    "at": "timestamps or RFC 3339 texts",
}
# Timestamps as RFC 3339 with their offset, so the instant survives any session time zone.
_JSON = {"timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX", "timestampNTZFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'"}
