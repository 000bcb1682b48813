"""Frequent itemsets: :func:`frequent_itemsets`, the one call most users need.

Inputs are adapted in :mod:`upsell.frames`; the compiled core mines with the GIL released and
returns flat arrays, which become one Arrow list column. Thresholds are exact: an ``int`` is a
basket count, a ``float`` a fraction turned into a count by exact decimal arithmetic in the core.
"""

from __future__ import annotations

import numbers
import operator
import warnings
from typing import Any, Optional, Sequence, Union

from upsell import _upsell
from upsell.frames import itemsets_frame, prepare

__all__ = ["frequent_itemsets"]


def frequent_itemsets(
    data: Any,
    min_support: Union[int, float],
    *,
    algorithm: str = "auto",
    target: str = "all",
    min_len: int = 1,
    max_len: Optional[int] = None,
    threads: Optional[int] = None,
    basket: Union[str, Sequence[str], None] = None,
    item: Optional[str] = None,
    format: Optional[str] = None,
    delimiter: Optional[str] = None,
    max_itemsets: Optional[int] = _upsell.DEFAULT_MAX_ITEMSETS,
    max_memory: Optional[int] = _upsell.DEFAULT_MAX_MEMORY,
    output: str = "pandas",
    as_frozensets: bool = False,
) -> Any:
    """Mines the itemsets bought together in at least ``min_support`` baskets.

    Parameters
    ----------
    data
        Baskets in any of these forms:

        - a list (or iterable) of baskets, each a list of hashable labels (ints, strings, ...);
          labels come back with their original types;
        - a path (``str`` or ``os.PathLike``): FIMI ``.dat[.gz]`` (items come back as ints), a
          basket CSV (one basket a line) or, with ``basket=`` and ``item=``, a long CSV (items
          come back as strings);
        - a long pandas or polars DataFrame, one line item a row, with ``basket=`` (a column name
          or a list of names that together identify a basket) and ``item=``;
        - a one-hot matrix: a 2-D bool numpy array (items are column indices) or a pandas/polars
          DataFrame of bool columns (items are column names);
        - :class:`upsell.Baskets`.
    min_support
        An ``int`` is an absolute basket count (at least 1); a ``float`` a fraction of all
        baskets in ``(0, 1]``, rounded up to a count exactly (``0.05`` of 8,124 baskets is 407).
    algorithm
        ``"auto"``, ``"fpgrowth"``, ``"eclat"`` or ``"apriori"``; all return the same result.
    target
        ``"all"`` frequent itemsets, ``"closed"`` or ``"maximal"`` ones.
    min_len, max_len
        Bounds on the number of items of a reported itemset.
    threads
        Worker threads; ``None`` uses ``UPSELL_MAX_THREADS`` or every core. Results never depend
        on it.
    basket, item, format, delimiter
        How to read files and long dataframes (``format`` is ``"fimi"``, ``"baskets"`` or
        ``"long"``; ``delimiter`` one character).
    max_itemsets
        Stop with :class:`upsell.LimitExceededError` beyond this many itemsets; ``None`` for no
        limit.
    max_memory
        Stop with :class:`upsell.LimitExceededError` when the result would take more bytes than
        this: checked before mining against what the widest basket alone must produce, and while
        mining. The default is half the machine's physical memory; ``None`` for no limit.
    output
        ``"pandas"`` (default), ``"polars"`` or ``"arrow"`` (a ``pyarrow.Table``).
    as_frozensets
        With pandas output, an ``itemset`` column of ``frozenset`` objects like mlxtend's,
        instead of an Arrow list column.

    Returns
    -------
    A table with columns ``itemset``, ``count`` (int64) and ``support`` (float64, count divided by
    the number of baskets), most frequent first (ties: fewer items first, then in mining order, the
    same for any number of threads). A pandas result carries ``attrs["baskets"]`` and
    ``attrs["min_count"]``; an Arrow table carries both in its schema metadata.

    Examples
    --------
    >>> import upsell
    >>> baskets = [["bread", "milk"], ["bread", "butter"], ["bread", "milk", "butter"], ["milk"]]
    >>> result = upsell.frequent_itemsets(baskets, 0.5)
    >>> sorted((sorted(s), c) for s, c in zip(result["itemset"].tolist(), result["count"]))
    [(['bread'], 3), (['bread', 'butter'], 2), (['bread', 'milk'], 2), (['butter'], 2), (['milk'], 3)]
    """
    prepared = prepare(data, basket=basket, item=item, format=format, delimiter=delimiter)
    items, offsets, counts, n_baskets, min_count = _upsell.mine(
        prepared.baskets,
        _threshold(min_support),
        algorithm=algorithm,
        target=target,
        min_len=min_len,
        max_len=max_len,
        threads=threads,
        max_itemsets=max_itemsets,
        max_memory=max_memory,
    )
    warning = _upsell.support_warning(_threshold(min_support), n_baskets)
    if warning is not None:
        warnings.warn(warning, stacklevel=2)
    return itemsets_frame(
        items, offsets, counts, n_baskets, min_count, prepared.labels, output=output, as_frozensets=as_frozensets,
        target=target,
    )


def _threshold(value: Any) -> Any:
    # numpy scalars become Python numbers; the core decides what is valid (bools are refused).
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return value
    if isinstance(value, numbers.Integral):
        return operator.index(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value
