"""The upsell report: an order log in, a prioritised, priced revenue-expansion plan out.

The core computes and renders the report (the same as ``upsell report`` on the command line);
this module passes a file or a DataFrame in and wraps what comes back. In Jupyter the result
shows itself as the HTML page.

>>> import pandas as pd, upsell
>>> orders = pd.DataFrame({"InvoiceNo": ["1", "1", "2"], "StockCode": ["MUG", "TEA", "MUG"],
...     "Quantity": [2, 1, 1], "InvoiceDate": ["2010-12-01 08:26"] * 3,
...     "UnitPrice": ["2.55", "4.95", "2.55"], "CustomerID": ["17850", "17850", "13047"]})
>>> result = upsell.report(orders, columns={"description": None, "segment": None}, output=None)
>>> result.data["state"]["aov"]["value"]
{'currency': 'GBP', 'minor': 630}
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from typing import Any, Dict, Mapping, Optional, Sequence, Union

import pandas as pd

from upsell import _upsell

__all__ = ["Report", "report"]

PathLike = Union[str, "os.PathLike[str]"]


class Report:
    """A built report: ``data`` (the JSON document, every figure with its inputs), ``html``,
    ``markdown``, and ``paths`` of the written files (``None`` when nothing was written)."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.data: Dict[str, Any] = raw["report"]
        self.html: str = raw["html"]
        self.markdown: str = raw["markdown"]
        self.paths: Optional[Dict[str, str]] = raw["paths"]

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        where = f", written to {self.paths['html']}" if self.paths else ""
        return f"<upsell.Report {self.data['title']!r} ({self.data['state']['orders']} orders){where}>"


def _columns(columns: Union[None, str, Mapping[str, Optional[str]]]) -> Optional[str]:
    if columns is None or isinstance(columns, str):
        return columns
    return ",".join(f"{role}={name or ''}" for role, name in columns.items())


def report(
    data: Union[PathLike, pd.DataFrame],
    *,
    columns: Union[None, str, Mapping[str, Optional[str]]] = None,
    currency: str = "GBP",
    threshold: Union[None, str, "Any"] = None,
    title: Optional[str] = None,
    date: Union[None, str, datetime.date] = None,
    output: Optional[PathLike] = "reports/upsell",
    min_support: float = 0.005,
    min_lift: float = 1.2,
    windows: Sequence[int] = (7, 30),
    threads: Optional[int] = None,
) -> Report:
    """Builds the upsell report of an order log (a CSV path or a long DataFrame, one order line a
    row) and, unless ``output`` is None, writes ``upsell-maximizer-{date}-{slug}.html``, ``.md``,
    ``.json`` and the starter trigger rule file into ``output``.

    ``columns`` names the columns as ``upsell report --columns`` does: a ``"role=name,..."`` string
    or a dict (``{"price": None}`` for data without prices); roles ``invoice`` (``A+B`` joins
    columns), ``item``, ``quantity``, ``price``, ``time``, ``customer``, ``description``,
    ``segment``. ``threshold`` is the free-shipping threshold as exact text or ``Decimal``
    (default: the 75th-percentile order value, rounded); ``date`` defaults to today (UTC).
    """
    if date is None:
        date = datetime.datetime.now(datetime.timezone.utc).date()
    options: Dict[str, Any] = dict(
        columns=_columns(columns),
        currency=currency,
        threshold=None if threshold is None else str(threshold),
        title=title,
        output=None if output is None else os.fspath(output),
        min_support=min_support,
        min_lift=min_lift,
        windows=list(windows),
        threads=threads,
    )
    if isinstance(data, pd.DataFrame):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "orders.csv")
            data.to_csv(path, index=False)
            raw = _upsell.report_json(path, str(date), source=title or "DataFrame", **options)
    else:
        path = os.fspath(data)
        raw = _upsell.report_json(path, str(date), source=os.path.basename(path), **options)
    return Report(json.loads(raw))
