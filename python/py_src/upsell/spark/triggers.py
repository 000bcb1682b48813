"""Upsell triggers on Spark: the rule set is broadcast once (pickled as its source text, so each
executor loads and type-checks it itself) and evaluated column-wise on whole Arrow batches of
customers by the core, one output row per offer with its reason trace."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Optional, Union

import pyarrow as pa
from pyspark.sql import DataFrame

from upsell.exceptions import InvalidParameterError
from upsell.spark._errors import executor_errors
from upsell.spark.mining import _task_cpus
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
    id_column: Optional[str] = None,
) -> DataFrame:
    """One row per (customer, offer) for every customer of ``customers_df``, as
    :meth:`upsell.triggers.RuleSet.evaluate` gives them: columns ``customer``, ``rule``, ``kind``,
    ``target``, ``priority``, ``reason`` (the trace of the condition that fired),
    ``expected_value`` (exact decimal) and ``held_out``.

    ``now`` is fixed on the driver (the current time when ``None``), so every executor evaluates
    at the same instant. ``history`` (shown / accepted / rejected offers) is broadcast with the
    rules. The rules are checked against the frame's schema on the driver, before any job: an
    unknown field, a column of the wrong type or a bad ``now`` raises the same ``upsell`` error
    as the local call. The customer id is ``id_column``, else the first column.
    """
    if not isinstance(ruleset, RuleSet):
        raise InvalidParameterError(f"ruleset: must be an upsell.triggers.RuleSet, got {type(ruleset).__name__}")
    if not isinstance(customers_df, DataFrame):
        raise InvalidParameterError(
            f"customers_df: must be a pyspark.sql.DataFrame, got {type(customers_df).__name__}"
        )
    if history is not None and not isinstance(history, History):
        raise InvalidParameterError(f"history: must be an upsell.triggers.History, got {type(history).__name__}")
    now = _now(now) or _dt.datetime.now(_dt.timezone.utc).isoformat()
    # The schema, the rules' fields and `now` are checked on no rows, before any job.
    with executor_errors():
        empty = customers_df.limit(0).toArrow()
    ruleset.evaluate(empty, now=now, history=history, id_column=id_column, output="arrow")
    context = customers_df.sparkSession.sparkContext
    shared = context.broadcast((ruleset, None if history is None else history.to_json()))
    names = customers_df.columns

    def offers(batches: Any) -> Any:
        rules, events = shared.value
        seen = None if events is None else History.from_json(events)
        for batch in batches:
            customers = pa.Table.from_batches([batch]).rename_columns(names)
            found = rules.evaluate(
                customers, now=now, history=seen, id_column=id_column, threads=_task_cpus(), output="arrow"
            )
            yield from found.to_batches()

    # Field names such as `usage.seats` would be read as struct paths by mapInArrow: the columns
    # cross under positional names and get theirs back in the executor.
    positional = customers_df.toDF(*(f"_{index}" for index in range(len(names))))
    return positional.mapInArrow(offers, _OUTPUT)
