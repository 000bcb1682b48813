"""mlxtend's ``frequent_patterns`` functions on the upsell core: switching is one import line.

>>> from upsell.compat.mlxtend import apriori, association_rules
>>> import pandas as pd
>>> df = pd.DataFrame({"bread": [1, 1, 1, 0], "milk": [1, 0, 1, 1], "butter": [0, 1, 1, 0]}).astype(bool)
>>> frequent = apriori(df, min_support=0.5, use_colnames=True)
>>> [(support, sorted(items)) for support, items in zip(frequent["support"], frequent["itemsets"])]
[(0.75, ['bread']), (0.75, ['milk']), (0.5, ['butter']), (0.5, ['bread', 'milk']), (0.5, ['bread', 'butter'])]
>>> rules = association_rules(frequent, num_itemsets=len(df), min_threshold=0.9)
>>> [(set(a), set(c), lift) for a, c, lift in zip(rules["antecedents"], rules["consequents"], rules["lift"])]
[({'butter'}, {'bread'}, 1.3333333333333333)]

The signatures, defaults, column names, dtypes (``frozenset`` itemsets) and exceptions are those of
mlxtend 0.25; mining and rule generation run in the compiled core. The results are the exact ones,
which differ from mlxtend's only where mlxtend's floating point or algorithms are inexact:

- **Thresholds are exact.** ``min_support`` is turned into a basket count by exact decimal
  arithmetic; mlxtend's ``fpgrowth``, ``fpmax`` and ``hmine`` compute ``ceil(min_support * n)`` in
  floating point, which can round up past the exact count (``0.07 * 100`` is ``7.000000000000001``,
  so they drop the itemsets in exactly 7 of 100 baskets that ``apriori`` keeps). Rule measures are
  computed from counts, so a rule whose confidence is exactly ``min_threshold`` is kept even where
  mlxtend's ``support(A ∪ C) / support(A)`` comes out one unit in the last place low.
- **fpmax with max_len** returns the maximal itemsets of at most ``max_len`` items; mlxtend
  also returns itemsets of ``max_len`` items that have frequent supersets (so are not maximal).
- **Kulczynski** is exact (mlxtend's sum of two quotients of supports can be off by one unit in
  the last place).
- **Row order**: itemsets come by size, then by column position (apriori's order, for every
  function); rules come in the core's order. Compare frames after sorting, as mlxtend's tests do.
- **verbose** prints a summary per itemset size (apriori: frequent itemsets in mlxtend's
  ``Processing N combinations | Sampling itemset size k`` line, which is exact for
  ``low_memory=True``), not mlxtend's per-tree trace. ``low_memory`` and ``n_jobs`` change nothing:
  the core is frugal and uses every core (``UPSELL_MAX_THREADS`` limits it).
- 0/1 integer frames give no ``DeprecationWarning``: they cost nothing extra here.
- ``association_rules`` recovers exact counts when the supports are whole numbers of
  ``num_itemsets`` baskets (or of the baskets of a frame mined by this module); otherwise it
  works from the supports as given, like mlxtend.
- Mining and rules stop with :class:`upsell.LimitExceededError` beyond 50 million itemsets or
  rules instead of exhausting memory.
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
import operator
import weakref
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

from upsell import _upsell
from upsell.exceptions import InvalidInputError
from upsell.frames import OneHotValueError, _frozensets, one_hot_baskets
from upsell.rules import MEASURES

__all__ = ["apriori", "association_rules", "fpgrowth", "fpmax", "hmine"]

# mlxtend's default return_metrics: every measure, in its order.
_METRICS = list(MEASURES)

# A denominator for supports that are not whole numbers of baskets: 2**52 keeps every float64
# support in [0, 1] to within one unit in its last place, and every product the core forms in range.
_SCALE = 2**52

# What the checks return for a frame with NaN where null_values=True allows them.
_WITH_NULLS = object()

# The itemsets of frames this module mined, by the frame's id: (the frame, weakly; its column
# of frozensets; their column positions and offsets; the labels by position). association_rules
# takes a frame's codes from here while its column holds the very same frozensets, instead of
# hashing every label again (a quarter of its time on groceries). An entry goes with its frame.
_MINED: dict = {}


def apriori(
    df: pd.DataFrame,
    min_support: float = 0.5,
    use_colnames: bool = False,
    max_len: Optional[int] = None,
    verbose: int = 0,
    low_memory: bool = False,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Frequent itemsets of a one-hot DataFrame, as mlxtend's ``apriori``.

    ``df`` holds bool or 0/1 columns (dense or pandas sparse); returns columns ``support``
    and ``itemsets`` (frozensets of column positions, or of column names with
    ``use_colnames=True``) for every itemset in at least ``min_support`` (a fraction in (0, 1])
    of the rows, of at most ``max_len`` items.
    """
    _check_support(min_support)
    baskets = _check_frame(df)
    return _mine(df, baskets, min_support, use_colnames, max_len, "all", verbose and ("apriori", low_memory))


def fpgrowth(
    df: pd.DataFrame,
    min_support: float = 0.5,
    null_values: bool = False,
    use_colnames: bool = False,
    max_len: Optional[int] = None,
    verbose: int = 0,
) -> pd.DataFrame:
    """Frequent itemsets of a one-hot DataFrame, as mlxtend's ``fpgrowth`` (see :func:`apriori`).

    With ``null_values=True`` the frame may hold NaN, and an itemset's support is its share of
    the rows where none of its items is NaN (mlxtend's definition).
    """
    baskets = _check_frame(df, null_values)
    _check_support(min_support)
    return _mine(df, baskets, min_support, use_colnames, max_len, "all", verbose and ("tree", False))


def fpmax(
    df: pd.DataFrame,
    min_support: float = 0.5,
    null_values: bool = False,
    use_colnames: bool = False,
    max_len: Optional[int] = None,
    verbose: int = 0,
) -> pd.DataFrame:
    """Maximal frequent itemsets (no frequent superset), as mlxtend's ``fpmax``.

    With ``max_len``, the maximal itemsets of at most ``max_len`` items (see the module notes).
    """
    baskets = _check_frame(df, null_values)
    _check_support(min_support)
    return _mine(df, baskets, min_support, use_colnames, max_len, "maximal", verbose and ("tree", False))


def hmine(
    df: pd.DataFrame,
    min_support: float = 0.5,
    use_colnames: bool = False,
    max_len: Optional[int] = None,
    verbose: int = 0,
) -> pd.DataFrame:
    """Frequent itemsets of a one-hot DataFrame, as mlxtend's ``hmine`` (see :func:`apriori`)."""
    baskets = _check_frame(df)
    _check_support(min_support)
    return _mine(df, baskets, min_support, use_colnames, max_len, "all", verbose and ("tree", False))


def association_rules(
    df: pd.DataFrame,
    num_itemsets: Optional[int] = 1,
    df_orig: Optional[pd.DataFrame] = None,
    null_values: bool = False,
    metric: str = "confidence",
    min_threshold: float = 0.8,
    support_only: bool = False,
    return_metrics: Sequence[str] = _METRICS,
) -> pd.DataFrame:
    """Association rules of frequent itemsets, as mlxtend's ``association_rules``.

    ``df`` has ``support`` and ``itemsets`` columns; ``num_itemsets`` is the number of rows
    (baskets) the supports were computed over. Rules ``antecedents -> consequents`` of every
    itemset are kept when ``metric`` reaches ``min_threshold``; columns are ``antecedents``,
    ``consequents`` (frozensets) and ``return_metrics``. ``support_only=True`` fills every other
    measure with NaN and needs no supports of the rules' sides. ``null_values=True`` computes
    mlxtend's missing-value measures from ``df_orig``.
    """
    if null_values and df_orig is None:
        raise TypeError("If null values exist, df_orig must be provided.")
    if null_values and num_itemsets == 1:
        raise TypeError("If null values exist, num_itemsets must be provided.")
    if df_orig is not None:
        _check_frame(df_orig, null_values)
    if not df.shape[0]:
        raise ValueError("The input DataFrame `df` containing the frequent itemsets is empty.")
    if not all(column in df.columns for column in ["support", "itemsets"]):
        raise ValueError("Dataframe needs to contain the columns 'support' and 'itemsets'")
    if support_only:
        metric = "support"
    elif metric not in _METRICS:
        raise ValueError("Metric must be 'confidence' or 'lift', got '{}'".format(metric))
    return_metrics = list(return_metrics)

    items, offsets, labels = _mined_codes(df) or _code_itemsets(df["itemsets"])
    supports = df["support"].to_numpy(dtype=np.float64)
    counts, baskets = _counts(supports, (num_itemsets, df.attrs.get("baskets")))
    # The core prunes by confidence and lift as it generates (the same quotients as the columns).
    bounded = not null_values and 0.0 <= min_threshold < math.inf
    try:
        flat = _upsell.association_rules(
            items,
            offsets,
            counts,
            baskets,
            target="closed" if support_only else "all",
            min_confidence=float(min_threshold) if bounded and metric == "confidence" and min_threshold <= 1 else 0.0,
            min_lift=float(min_threshold) if bounded and metric == "lift" else None,
        )
    except InvalidInputError as error:
        raise KeyError(
            f"{error} You are likely getting this error because the DataFrame is missing antecedent "
            "and/or consequent information. You can try using the `support_only=True` option"
        ) from None
    if null_values:
        _null_measures(flat, labels, supports, items, offsets, df_orig, int(num_itemsets))
    elif support_only:
        for name in _METRICS:
            if name != "support":
                flat[name] = np.full(len(flat["support"]), np.nan)
    keep = np.flatnonzero(flat[metric] >= min_threshold)
    if not len(keep):
        return _empty_rules(("antecedents", "consequents", *return_metrics)).copy()
    columns = {
        side: _frozensets(*_take(flat[side], flat[side[:-1] + "_offsets"], keep), labels)
        for side in ("antecedents", "consequents")
    }
    for name in return_metrics:
        columns[name] = flat[name][keep]
    # One constructor over arrays that are this frame's alone: inserting the columns one by one
    # costs pandas a block rebuild each (ten times the time of building the frame at once).
    return pd.DataFrame(columns, copy=False)


@functools.lru_cache(maxsize=16)
def _empty_rules(columns: tuple) -> pd.DataFrame:
    """mlxtend's frame of no rules (object columns); callers get copies, a tenth of the time of
    building one."""
    return pd.DataFrame(columns=list(columns))


# -- checks, with mlxtend's exception types and messages -----------------------------------------


def _check_support(min_support: Any) -> None:
    if min_support <= 0.0 or min_support > 1.0:
        raise ValueError(
            "`min_support` must be a positive number within the interval `(0, 1]`. Got %s." % min_support
        )


def _check_frame(df: pd.DataFrame, null_values: bool = False) -> Any:
    """mlxtend's checks of a one-hot frame; returns its baskets (``None`` when empty,
    ``_WITH_NULLS`` when it holds NaN and ``null_values`` allows them)."""
    if df.size == 0:
        return None
    sparse = isinstance(df.dtypes.iloc[0], pd.SparseDtype)
    if sparse and not isinstance(df.columns[0], str) and df.columns[0] != 0:
        raise ValueError(
            "Due to current limitations in Pandas, if the sparse format has integer column names,"
            "names, please make sure they either start with `0` or cast them as string column names: "
            "`df.columns = [str(i) for i in df.columns`]."
        )
    try:
        return one_hot_baskets(df)
    except OneHotValueError as bad:
        if pd.isna(bad.value):
            if null_values:
                _check_values_with_nulls(df)
                return _WITH_NULLS
            raise ValueError("NaN values are not permitted in the DataFrame when null_values=False.") from None
        allowed = "True, False, 0, 1, NaN" if null_values else "True, False, 0, 1"
        raise ValueError(f"The allowed values for a DataFrame are {allowed}. Found value {bad.value}") from None


def _check_values_with_nulls(df: pd.DataFrame) -> None:
    values = df.to_numpy(dtype=object)
    known = values[~pd.isna(values)]
    bad = ~((known == 0) | (known == 1)).astype(bool)
    if bad.any():
        raise ValueError(f"The allowed values for a DataFrame are True, False, 0, 1, NaN. Found value {known[bad][0]}")


# -- mining -------------------------------------------------------------------------------------


def _mine(
    df: pd.DataFrame,
    baskets: Any,
    min_support: float,
    use_colnames: bool,
    max_len: Optional[int],
    target: str,
    verbose: Any,
) -> pd.DataFrame:
    if baskets is None:
        return pd.DataFrame({"support": pd.Series([], dtype=np.float64), "itemsets": pd.Series([], dtype=object)})
    known = None
    if baskets is _WITH_NULLS:
        baskets, known = _with_nulls(df, min_support)
    # In apriori's order, whatever the function: by size, then column positions.
    items, offsets, counts, n, _ = _upsell.mine(baskets, float(min_support), target=target, max_len=max_len, order="size")
    support = counts / n
    if known is not None:
        support = _null_supports(items, offsets, *known)
        kept = np.flatnonzero(support >= min_support)
        items, offsets = _take(items, offsets, kept)
        support = support[kept]
    labels = np.asarray(df.columns, dtype=object) if use_colnames else np.arange(df.shape[1], dtype=object)
    itemsets = _frozensets(items, offsets, labels)
    # The arrays are this frame's alone: pandas need not copy them.
    frame = pd.DataFrame({"support": support, "itemsets": itemsets}, copy=False)
    _MINED[id(frame)] = (weakref.ref(frame), itemsets, items, offsets, labels)
    weakref.finalize(frame, _MINED.pop, id(frame), None)
    if known is None:
        frame.attrs["baskets"] = int(n)
    if verbose:
        _report(np.diff(offsets), *verbose)
    return frame


def _take(items: np.ndarray, offsets: np.ndarray, order: np.ndarray) -> tuple:
    """The itemsets ``order`` picks, in that order, as flat items and offsets."""
    lengths = np.diff(offsets)[order]
    new_offsets = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    starts = np.repeat(offsets[:-1][order] - new_offsets[:-1], lengths)
    return items[starts + np.arange(new_offsets[-1])], new_offsets


def _report(lengths: np.ndarray, style: str, low_memory: bool) -> None:
    sizes = np.bincount(lengths) if len(lengths) else np.zeros(1, dtype=np.int64)
    if style == "apriori":
        for size in range(2, len(sizes)):
            width = size + 1 if low_memory else size
            print("\rProcessing %d combinations | Sampling itemset size %d" % (sizes[size] * width, size), end="")
        print()
        return
    for size in range(1, len(sizes)):
        print("%d itemset(s) of %d item(s)" % (sizes[size], size))


def _with_nulls(df: pd.DataFrame, min_support: float) -> tuple:
    # mlxtend's reading of missing values: an item's NaN counts as present while mining (so no
    # itemset is lost), and supports are then taken over the rows where the itemset is known.
    values = df.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(values)
    ones = values == 1
    known_rows = len(values) - missing.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        item_support = ones.sum(axis=0) / known_rows
    present = (ones | missing) & (item_support >= min_support)
    return _upsell.Baskets.from_dense(np.ascontiguousarray(present)), (ones, missing)


def _null_supports(items: np.ndarray, offsets: np.ndarray, ones: np.ndarray, missing: np.ndarray) -> np.ndarray:
    support = np.zeros(len(offsets) - 1)
    for k, (start, end) in enumerate(zip(offsets[:-1], offsets[1:])):
        columns = items[start:end]
        known = len(ones) - int(missing[:, columns].any(axis=1).sum())
        support[k] = ones[:, columns].all(axis=1).sum() / known if known else 0.0
    return support


# -- rules --------------------------------------------------------------------------------------


def _code_itemsets(itemsets: pd.Series) -> tuple:
    """Item codes, offsets and labels of a column of itemsets (frozensets, sets, lists...)."""
    lengths = np.fromiter(map(len, itemsets), dtype=np.int64, count=len(itemsets))
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.fromiter(itertools.chain.from_iterable(itemsets), dtype=object, count=int(offsets[-1]))
    codes, uniques = pd.factorize(flat)
    # numpy scalars (column positions of mlxtend's own frames) come back as Python numbers.
    labels = np.fromiter((u.item() if isinstance(u, np.generic) else u for u in uniques), dtype=object, count=len(uniques))
    return codes.astype(np.uint32), offsets, labels


def _mined_codes(df: pd.DataFrame) -> Optional[tuple]:
    """What :func:`_code_itemsets` returns, read from a frame this module mined whose itemsets
    are still its own frozensets (``None`` otherwise, or when two of their items share a label)."""
    entry = _MINED.get(id(df))
    if entry is None:
        return None
    frame, itemsets, items, offsets, labels = entry
    column = df["itemsets"].to_numpy()
    if frame() is not df or len(column) != len(itemsets) or not all(map(operator.is_, column, itemsets)):
        return None
    # Column positions serve as codes, unless two columns share a label (one item to mlxtend).
    if len(set(labels)) < len(labels):
        return None
    return items, offsets, labels


def _counts(supports: np.ndarray, candidates: tuple) -> tuple:
    """Exact counts when the supports are whole numbers of one of the candidate basket totals."""
    for baskets in candidates:
        if isinstance(baskets, numbers.Integral) and not isinstance(baskets, bool) and baskets > 1:
            exact = supports * baskets
            counts = np.rint(exact)
            if np.all(np.abs(exact - counts) <= 1e-9 * np.maximum(1.0, exact)):
                return counts.astype(np.int64), int(baskets)
    return np.rint(supports * _SCALE).astype(np.int64), _SCALE


def _null_measures(
    flat: dict,
    labels: np.ndarray,
    supports: np.ndarray,
    items: np.ndarray,
    offsets: np.ndarray,
    df_orig: pd.DataFrame,
    n: int,
) -> None:
    """mlxtend's measures over rows with missing values, from ``df_orig`` (replaces ``flat``'s)."""
    if all(isinstance(label, str) for label in labels):
        positions = {name: k for k, name in enumerate(df_orig.columns)}
        column_of = np.array([positions[label] for label in labels], dtype=np.int64)
    else:
        column_of = np.array([int(label) for label in labels], dtype=np.int64)
    values = df_orig.to_numpy(dtype=np.float64, na_value=np.nan)
    missing, ones = np.isnan(values), values == 1
    support_of = {
        tuple(sorted(items[start:end].tolist())): s for start, end, s in zip(offsets[:-1], offsets[1:], supports)
    }
    rules = len(flat["support"])
    s_a, s_c, s_ac = np.empty(rules), np.empty(rules), np.empty(rules)
    dis = np.zeros((5, rules))
    for k in range(rules):
        a = flat["antecedents"][flat["antecedent_offsets"][k] : flat["antecedent_offsets"][k + 1]]
        c = flat["consequents"][flat["consequent_offsets"][k] : flat["consequent_offsets"][k + 1]]
        s_a[k] = support_of[tuple(sorted(a.tolist()))]
        s_c[k] = support_of[tuple(sorted(c.tolist()))]
        s_ac[k] = support_of[tuple(sorted(a.tolist() + c.tolist()))]
        missing_a = missing[:, column_of[a]].any(axis=1)
        missing_c = missing[:, column_of[c]].any(axis=1)
        dis[:, k] = (
            (missing_a | missing_c).sum(),
            missing_a.sum(),
            missing_c.sum(),
            (missing_c & ones[:, column_of[a]].all(axis=1)).sum(),
            (missing_a & ones[:, column_of[c]].all(axis=1)).sum(),
        )
    dis_ac, dis_a, dis_c, dis_int, dis_int_ = dis
    with np.errstate(divide="ignore", invalid="ignore"):
        confidence = s_ac * (n - dis_ac) / (s_a * (n - dis_a) - dis_int)
        leverage = s_ac - s_a * s_c
        denominator = np.maximum(s_ac * (1 - s_a), s_a * (s_c - s_ac))
        flat.update(
            {
                "antecedent support": s_a,
                "consequent support": s_c,
                "support": s_ac,
                "confidence": confidence,
                "lift": confidence / s_c,
                "representativity": (n - dis_ac) / n,
                "leverage": leverage,
                "conviction": np.where(confidence < 1.0, (1.0 - s_c) / (1.0 - confidence), np.inf),
                "zhangs_metric": np.where(denominator == 0, 0, leverage / denominator),
                "jaccard": s_ac / (s_a + s_c - s_ac),
                "certainty": np.where(1 - s_c == 0, 0, (confidence - s_c) / (1 - s_c)),
                "kulczynski": (
                    s_ac * (n - dis_ac) / (s_a * (n - dis_a) - dis_int)
                    + s_ac * (n - dis_ac) / (s_c * (n - dis_c) - dis_int_)
                )
                / 2,
            }
        )
