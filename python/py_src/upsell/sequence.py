"""Time-window affinity: :func:`sequential_affinity`, "B: 37% of buyers of A within 30 days".

Long data (one line item a row with a customer, an item and a time) goes to the compiled core as
codes: customers and items are factorised here (pandas), times cross as Unix seconds when the
column is already a datetime, else as text that the core parses, so an unreadable time is reported
with its row. The definitions (first purchase of A as the anchor, "then" meaning a strictly later
time, base rate from each customer's first visit) are the core's, documented in
``upsell::sequence`` and in the docstring below.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from upsell import _upsell
from upsell.exceptions import InvalidInputError, InvalidParameterError
from upsell.frames import time_arguments, to_polars

__all__ = ["sequential_affinity"]

_OUTPUTS = ("pandas", "polars", "arrow")

#: The result's columns, in order (the same as ``upsell sequences`` writes).
COLUMNS = (
    "antecedent",
    "consequent",
    "window_days",
    "antecedent_customers",
    "customers",
    "baseline_customers",
    "support",
    "confidence",
    "base_rate",
    "lift",
    "description",
)


def sequential_affinity(
    data: Any,
    *,
    customer: str,
    time: str,
    item: str,
    windows: Sequence[int] = (7, 30, 60, 90),
    min_customers: int = 1,
    min_support: float = 0.0,
    min_confidence: float = 0.0,
    top: Optional[int] = None,
    threads: Optional[int] = None,
    max_pairs: int = 20_000_000,
    delimiter: str = ",",
    output: str = "pandas",
) -> Any:
    """For each ordered pair (A, B) and window W: the share of A's buyers who bought B within W days.

    Definitions (the same on every surface):

    - A customer bought *A then B within W days* when they bought B strictly after their **first**
      purchase of A and at most W days after it. B in the same basket (same customer, same time) as
      that purchase does not count; with date-only times, the same day does not count.
    - ``antecedent_customers``: customers who bought A; ``customers``: those who bought A then B
      within W; ``support = customers / all customers``; ``confidence = customers /
      antecedent_customers``.
    - ``base_rate``: the share of all customers who bought B within W days after their first
      purchase of anything (``baseline_customers`` of them); ``lift = confidence / base_rate``
      (NaN when the base rate is 0).
    - Windows are cumulative; (A, B) and (B, A) are different rules. Rows without a customer are
      excluded and counted in ``attrs["excluded_rows"]``.

    Parameters
    ----------
    data
        A path to a long CSV file (plain or gzip), or a pandas, polars or pyarrow table with one
        line item a row.
    customer, time, item
        Column names. Times are datetimes (naive ones are read as UTC) or texts in RFC 3339,
        ``2010-12-01 08:26:00`` or ``2015-07-21`` form.
    windows
        Window lengths in whole days, each at least 1.
    min_customers, min_support, min_confidence
        Report a rule only when it reaches all three.
    top
        Keep at most this many rules per window, the most confident first.
    threads
        Worker threads; ``None`` uses ``UPSELL_MAX_THREADS`` or every core. Results never depend
        on it.
    max_pairs
        Stop with :class:`upsell.LimitExceededError` beyond this many distinct pairs.
    delimiter
        The field delimiter of a CSV file.
    output
        ``"pandas"`` (default), ``"polars"`` or ``"arrow"``.

    Returns
    -------
    A table with columns ``antecedent``, ``consequent``, ``window_days``, ``antecedent_customers``,
    ``customers``, ``baseline_customers``, ``support``, ``confidence``, ``base_rate``, ``lift`` and
    ``description`` (``"B: 37% of buyers of A within 30 days"``), sorted by window, then confidence
    (highest first). A pandas result carries ``attrs["customers"]``, ``attrs["rows"]`` and
    ``attrs["excluded_rows"]``.

    Raises
    ------
    InvalidInputError
        A time that does not parse or is missing (``.line`` is the 1-based row, ``.column_name``
        the column), a missing item or column.
    InvalidParameterError
        A window that is zero or negative, a fraction outside [0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> import upsell
    >>> orders = pd.DataFrame({
    ...     "customer": ["ann", "ann", "bob", "bob", "cat"],
    ...     "day": ["2026-01-01", "2026-01-05", "2026-01-02", "2026-03-01", "2026-01-03"],
    ...     "item": ["tent", "stove", "tent", "stove", "stove"],
    ... })
    >>> rules = upsell.sequential_affinity(orders, customer="customer", time="day", item="item", windows=[7, 90])
    >>> rules["description"].tolist()
    ['stove: 50% of buyers of tent within 7 days', 'stove: 100% of buyers of tent within 90 days']
    """
    if output not in _OUTPUTS:
        raise InvalidParameterError(
            f"invalid parameter 'output': {output!r} is not one of {', '.join(_OUTPUTS)}", kind="invalid_parameter"
        )
    options = dict(
        windows=[_integer("windows", w) for w in windows],
        min_customers=_count("min_customers", min_customers),
        min_support=float(min_support),
        min_confidence=float(min_confidence),
        top=None if top is None else _count("top", top),
        threads=None if threads is None else _count("threads", threads),
        max_pairs=_count("max_pairs", max_pairs),
    )
    if isinstance(data, (str, os.PathLike)):
        found = _upsell.sequences_from_path(
            os.fspath(data), customer=customer, time=time, item=item, delimiter=delimiter, **options
        )
        labels = pa.array(found["labels"], pa.string())
    else:
        frame = _pandas(data, [customer, time, item])
        customers, _ = pd.factorize(frame[customer])
        item_codes, uniques = pd.factorize(frame[item])
        missing = np.flatnonzero(item_codes < 0)
        if len(missing):
            raise InvalidInputError(
                f"invalid input at <memory>:{missing[0] + 1} (column {item!r}): the item is missing",
                kind="invalid_input",
                line=int(missing[0]) + 1,
                column_name=item,
            )
        found = _upsell.sequences_from_arrays(
            customers.astype(np.int64),
            item_codes.astype(np.uint32),
            [str(u) for u in uniques],
            **time_arguments(frame[time], time),
            **options,
        )
        labels = _labels(uniques)
    return _frame(found, labels, output)


def _integer(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidParameterError(
            f"invalid parameter '{name}': must be a whole number, got {value!r}", kind="invalid_parameter"
        )
    return int(value)


def _count(name: str, value: Any) -> int:
    # Counts cross as unsigned integers: a negative one gets the core's kind of error, not OverflowError.
    count = _integer(name, value)
    if count < 0:
        raise InvalidParameterError(
            f"invalid parameter '{name}': must not be negative, got {count}", kind="invalid_parameter"
        )
    return count


def _pandas(data: Any, columns: list) -> pd.DataFrame:
    if isinstance(data, pa.Table):
        data = data.select([c for c in columns if c in data.column_names]).to_pandas()
    elif type(data).__module__.split(".")[0] == "polars":
        data = data.select([c for c in columns if c in data.columns]).to_pandas()
    if not isinstance(data, pd.DataFrame):
        raise InvalidParameterError(
            f"invalid parameter 'data': cannot read purchases from a {type(data).__name__}: give a path or a "
            "pandas, polars or pyarrow table",
            kind="invalid_parameter",
        )
    for name in columns:
        if name not in data.columns:
            raise InvalidInputError(
                f"the dataframe has no column {name!r} (columns: {', '.join(map(str, data.columns))})",
                kind="invalid_input",
                column_name=name,
            )
    return data


def _labels(uniques: Any) -> Any:
    values = np.asarray(uniques, dtype=object) if isinstance(uniques, pd.Index) and uniques.dtype == object else uniques
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pa.array([str(u) for u in uniques], pa.string())


def _frame(found: dict, labels: pa.Array, output: str) -> Any:
    columns = {
        "antecedent": labels.take(pa.array(found["antecedent"])),
        "consequent": labels.take(pa.array(found["consequent"])),
        **{name: pa.array(found[name]) for name in COLUMNS[2:-1]},
        "description": pa.array(found["description"], pa.string()),
    }
    metadata = {key: str(found[key]) for key in ("total_customers", "rows", "excluded_rows")}
    table = pa.table(columns).replace_schema_metadata(metadata)
    if output == "arrow":
        return table
    if output == "polars":
        return to_polars(table)
    frame = table.to_pandas()
    frame.attrs.update(customers=found["total_customers"], rows=found["rows"], excluded_rows=found["excluded_rows"])
    return frame
