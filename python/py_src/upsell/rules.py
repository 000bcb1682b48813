"""Association rules: :func:`association_rules`, mlxtend's columns from a Rust core.

The itemsets frame of :func:`upsell.frequent_itemsets` goes in (or mlxtend's own ``itemsets`` /
``support`` frame with ``baskets=``); a frame with mlxtend's column names comes out, plus exact
counts. Labels are factorised once, the core works on integer codes, and antecedents and
consequents come back as Arrow lists (or frozensets when the input held frozensets, as mlxtend's).
"""

from __future__ import annotations

import math
from typing import Any, Iterable, NamedTuple, Optional

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from upsell import _upsell
from upsell.exceptions import InvalidInputError, InvalidParameterError
from upsell.frames import Labels, _frozensets, _list_array, to_polars

__all__ = ["MEASURES", "association_rules"]

#: The measure columns, in mlxtend's order.
MEASURES = (
    "antecedent support",
    "consequent support",
    "support",
    "confidence",
    "lift",
    "representativity",
    "leverage",
    "conviction",
    "zhangs_metric",
    "jaccard",
    "certainty",
    "kulczynski",
)


class _Coded(NamedTuple):
    items: np.ndarray
    offsets: np.ndarray
    counts: np.ndarray
    baskets: int
    target: str
    labels: Labels
    frozensets: bool
    output: str


def association_rules(
    itemsets: Any,
    min_confidence: float = 0.8,
    *,
    min_lift: Optional[float] = None,
    metric: Optional[str] = None,
    min_threshold: Optional[float] = None,
    max_antecedent_len: Optional[int] = None,
    max_consequent_len: Optional[int] = None,
    consequents: Optional[Iterable[Any]] = None,
    exclude: Optional[Iterable[Any]] = None,
    prune_redundant: bool = False,
    baskets: Optional[int] = None,
    target: Optional[str] = None,
    max_rules: Optional[int] = _upsell.DEFAULT_MAX_RULES,
    threads: Optional[int] = None,
    output: Optional[str] = None,
) -> Any:
    """The association rules ``antecedents -> consequents`` of frequent itemsets.

    Parameters
    ----------
    itemsets
        The result of :func:`upsell.frequent_itemsets` (pandas, polars or Arrow; it knows its
        number of baskets and target), or an mlxtend-style pandas frame with ``itemsets``
        (frozensets) and ``support`` columns, given with ``baskets=``.
    min_confidence
        Keep rules at least this confident (in [0, 1]).
    min_lift
        Keep rules with at least this lift.
    metric, min_threshold
        mlxtend's filter on any measure column (``"leverage"``, ``"conviction"``, ...), applied
        after ``min_confidence``; pass ``min_confidence=0`` to filter on the metric alone.
    max_antecedent_len, max_consequent_len
        The most items on either side (``max_consequent_len=1`` gives the single-item consequents
        of arules and pyfim).
    consequents
        Only rules whose consequent items all belong to this collection (say, premium products).
    exclude
        No rule mentions these items.
    prune_redundant
        Drop a rule when one with a smaller antecedent and the same consequent is at least as
        confident.
    baskets
        The number of baskets the supports refer to; read from the frame when it carries it.
    target
        ``"all"`` or ``"closed"``: what the itemsets are (read from the frame when it carries it).
        Rules of closed itemsets carry exact supports; maximal itemsets are refused.
    max_rules
        Stop with :class:`upsell.LimitExceededError` beyond this many rules.
    threads
        Worker threads (default: ``UPSELL_MAX_THREADS`` or all cores).
    output
        ``"pandas"``, ``"polars"`` or ``"arrow"``; default: the type of ``itemsets``.

    Returns
    -------
    A table with ``antecedents``, ``consequents``, then mlxtend's measure columns (see
    :data:`MEASURES`), then ``count``, ``antecedent count`` and ``consequent count``.

    >>> import upsell
    >>> baskets = [["bread", "milk"], ["bread", "butter"], ["bread", "milk", "butter"], ["milk"]]
    >>> rules = upsell.association_rules(upsell.frequent_itemsets(baskets, 2), min_confidence=0.6)
    >>> sorted((a, c, round(conf, 2)) for a, c, conf in
    ...        zip(rules["antecedents"].tolist(), rules["consequents"].tolist(), rules["confidence"]))
    [(['bread'], ['butter'], 0.67), (['bread'], ['milk'], 0.67), (['butter'], ['bread'], 1.0), (['milk'], ['bread'], 0.67)]
    """
    coded = _code(itemsets, baskets, target, output)
    codes = _codes_of(coded.labels)
    flat = _upsell.association_rules(
        coded.items,
        coded.offsets,
        coded.counts,
        coded.baskets,
        target=coded.target,
        min_confidence=_fraction("min_confidence", min_confidence),
        min_lift=None if min_lift is None else float(min_lift),
        max_antecedent_len=max_antecedent_len,
        max_consequent_len=max_consequent_len,
        consequent_items=None if consequents is None else _lookup(codes, consequents),
        exclude_items=None if exclude is None else _lookup(codes, exclude),
        prune_redundant=bool(prune_redundant),
        max_rules=max_rules,
        threads=threads,
    )
    keep = None
    if metric is not None or min_threshold is not None:
        name = metric or "confidence"
        if name not in MEASURES:
            raise _parameter("metric", f"{name!r} is not one of {', '.join(MEASURES)}")
        keep = flat[name] >= (0.8 if min_threshold is None else float(min_threshold))
    return _frame(flat, coded, keep)


# -- inputs -------------------------------------------------------------------------------------


def _code(itemsets: Any, baskets: Optional[int], target: Optional[str], output: Optional[str]) -> _Coded:
    if isinstance(itemsets, pa.Table):
        return _from_arrow(itemsets, itemsets.schema.metadata or {}, baskets, target, output or "arrow")
    if hasattr(itemsets, "to_arrow") and hasattr(itemsets, "columns") and not isinstance(itemsets, pd.DataFrame):
        table = itemsets.to_arrow()
        return _from_arrow(table, {}, baskets, target, output or "polars")
    if not isinstance(itemsets, pd.DataFrame):
        raise _parameter(
            "itemsets", f"expected the frame of upsell.frequent_itemsets, got {type(itemsets).__name__}"
        )
    column = "itemset" if "itemset" in itemsets.columns else "itemsets"
    if column not in itemsets.columns:
        raise _input(f"the itemsets frame has no 'itemset' (or mlxtend 'itemsets') column; it has {list(itemsets.columns)}")
    n = _baskets(baskets, itemsets.attrs.get("baskets", _implied_baskets(itemsets)))
    counts = _counts(itemsets, n)
    kind = _target(target, itemsets.attrs.get("target"))
    values = itemsets[column]
    if isinstance(values.array, pd.arrays.ArrowExtensionArray):
        lists = pa.array(values.array)
        return _from_lists(lists, counts, n, kind, False, output or "pandas")
    return _from_objects(values.tolist(), counts, n, kind, output or "pandas")


def _from_arrow(table: pa.Table, metadata: dict, baskets: Optional[int], target: Optional[str], output: str) -> _Coded:
    meta = {k.decode() if isinstance(k, bytes) else k: v.decode() if isinstance(v, bytes) else v for k, v in metadata.items()}
    frame = pd.DataFrame({name: table.column(name).to_numpy() for name in ("count", "support") if name in table.column_names})
    n = _baskets(baskets, int(meta["baskets"]) if "baskets" in meta else _implied_baskets(frame))
    kind = _target(target, meta.get("target"))
    column = "itemset" if "itemset" in table.column_names else "itemsets"
    if column not in table.column_names:
        raise _input(f"the itemsets table has no 'itemset' column; it has {table.column_names}")
    counts = _counts(frame, n)
    return _from_lists(table.column(column).combine_chunks(), counts, n, kind, False, output)


def _from_lists(lists: Any, counts: np.ndarray, n: int, target: str, frozensets: bool, output: str) -> _Coded:
    if lists.null_count:
        raise _input("the itemset column holds nulls")
    offsets = np.asarray(lists.offsets, dtype=np.int64)
    start = offsets[0]
    encoded = pc.dictionary_encode(lists.flatten())
    items = np.asarray(encoded.indices, dtype=np.uint32)
    return _Coded(items, offsets - start, counts, n, target, encoded.dictionary, frozensets, output)


def _from_objects(values: list, counts: np.ndarray, n: int, target: str, output: str) -> _Coded:
    codes: dict = {}
    items: list = []
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    for k, itemset in enumerate(values):
        for item in itemset:
            items.append(codes.setdefault(item, len(codes)))
        offsets[k + 1] = len(items)
    labels = np.fromiter(codes, dtype=object, count=len(codes))
    return _Coded(np.asarray(items, dtype=np.uint32), offsets, counts, n, target, labels, True, output)


def _counts(frame: pd.DataFrame, n: int) -> np.ndarray:
    if "count" in frame.columns:
        return frame["count"].to_numpy(dtype=np.int64)
    if "support" not in frame.columns:
        raise _input("the itemsets frame has neither a 'count' nor a 'support' column")
    exact = frame["support"].to_numpy(dtype=np.float64) * n
    counts = np.rint(exact)
    if np.any(np.abs(exact - counts) > 1e-6 * np.maximum(1.0, exact)):
        raise _input(f"the supports are not whole numbers of baskets out of baskets={n}: is baskets right?")
    return counts.astype(np.int64)


def _implied_baskets(frame: pd.DataFrame) -> Optional[int]:
    """count / support, when a frame (polars drops metadata) holds both."""
    if not {"count", "support"} <= set(frame.columns) or len(frame) == 0:
        return None
    count, support = int(frame["count"].iloc[0]), float(frame["support"].iloc[0])
    return round(count / support) if support > 0 else None


def _baskets(given: Optional[int], stored: Optional[int]) -> int:
    if given is not None:
        if isinstance(given, bool) or int(given) < 1:
            raise _parameter("baskets", f"must be a positive number of baskets, got {given!r}")
        return int(given)
    if stored is None:
        raise _parameter(
            "baskets",
            "the itemsets do not say how many baskets they were mined from: pass baskets= "
            "(mlxtend calls it num_itemsets)",
        )
    return int(stored)


def _target(given: Optional[str], stored: Optional[str]) -> str:
    return str(given if given is not None else stored if stored is not None else "all")


def _fraction(name: str, value: float) -> float:
    value = float(value)
    if math.isnan(value):
        raise _parameter(name, "must be a number in [0, 1], got nan")
    return value


def _codes_of(labels: Labels) -> dict:
    objects = labels.to_pylist() if isinstance(labels, pa.Array) else list(labels)
    return {label: code for code, label in enumerate(objects)}


def _lookup(codes: dict, items: Iterable[Any]) -> list:
    if isinstance(items, (str, bytes)):
        items = [items]
    # Items the itemsets never mention cannot appear in a rule: they constrain nothing.
    return [codes[item] for item in items if item in codes]


# -- output -------------------------------------------------------------------------------------


def _frame(flat: dict, coded: _Coded, keep: Optional[np.ndarray]) -> Any:
    def side(name: str) -> Any:
        items, offsets = flat[name], flat[name[:-1] + "_offsets"]
        if coded.frozensets or not isinstance(coded.labels, pa.Array):
            return _frozensets(items, offsets, coded.labels)
        return _list_array(items, offsets, coded.labels)

    columns = {"antecedents": side("antecedents"), "consequents": side("consequents")}
    for name in (*MEASURES, "count", "antecedent count", "consequent count"):
        columns[name] = flat[name]
    if coded.output == "pandas":
        for name in ("antecedents", "consequents"):
            if isinstance(columns[name], (pa.Array, pa.ChunkedArray)):
                columns[name] = pd.arrays.ArrowExtensionArray(columns[name])
        frame = pd.DataFrame(columns)
        frame.attrs["baskets"] = coded.baskets
        if keep is not None:
            frame = frame.loc[keep].reset_index(drop=True)
        return frame
    if coded.output not in ("arrow", "polars"):
        raise _parameter("output", f"{coded.output!r} is not one of pandas, polars, arrow")
    arrow = (pa.Array, pa.ChunkedArray)
    table = pa.table({k: v if isinstance(v, arrow) else pa.array(v) for k, v in columns.items()},
                     metadata={"baskets": str(coded.baskets)})
    if keep is not None:
        table = table.filter(pa.array(keep))
    if coded.output == "arrow":
        return table
    return to_polars(table)


def _parameter(name: str, message: str) -> InvalidParameterError:
    return InvalidParameterError(f"invalid parameter '{name}': {message}", kind="invalid_parameter")


def _input(message: str) -> InvalidInputError:
    return InvalidInputError(message, kind="invalid_input")
