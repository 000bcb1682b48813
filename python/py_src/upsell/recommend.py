"""Recommendations, their evaluation, and the affinity matrix.

:class:`Recommender` is "frequently bought together": fitted on baskets (or loaded from a model file
mined offline), it answers a cart with up to ``k`` items, each with its score and the rule that
produced it. :class:`EaseRecommender` is the second model, EASE (Steck 2019): item x item weights
learned in closed form, each answer explained by the cart item that weighs most toward it.
:func:`evaluate` replays held-out baskets to show whether they beat recommending what is popular. :func:`affinity_matrix` gives the item x item co-occurrence, confidence and lift of
the top items as numpy arrays, with the actionable pairs and a heatmap.

Models are self-contained, so their item labels are strings: other labels (integers of FIMI data)
are converted with ``str`` on the way in and come back as strings.
"""

from __future__ import annotations

import itertools
import os
import warnings
from typing import Any, Iterable, List, Optional, Sequence, Union

import numpy as np
import pandas as pd
import pyarrow as pa

from upsell import _upsell
from upsell.exceptions import InvalidInputError, InvalidParameterError
from upsell.frames import Prepared, long_basket_codes, prepare, time_arguments
from upsell.mining import _threshold

__all__ = ["Affinity", "EaseRecommender", "Recommender", "affinity_matrix", "evaluate"]


def _labels(prepared: Prepared) -> List[str]:
    labels = prepared.labels.to_pylist() if isinstance(prepared.labels, pa.Array) else list(prepared.labels)
    return [str(label) for label in labels]


def _explain(rule: Optional[tuple]) -> str:
    if rule is None:
        return "popular"
    antecedent, consequent, count, _, _, _, confidence, lift = rule
    return f"{' + '.join(antecedent)} -> {consequent} (confidence {100 * confidence:.1f}%, lift {lift:.2f}, {count} baskets)"


class Recommender:
    """A "frequently bought together" model: rules indexed by antecedent, queried in microseconds.

    >>> import upsell
    >>> baskets = [["bread", "butter"], ["bread", "butter", "milk"], ["bread", "jam"], ["milk", "cereal"]] * 5
    >>> model = upsell.Recommender.fit(baskets, min_support=2)
    >>> model.recommend(["bread"], k=2)["item"].tolist()
    ['butter', 'milk']
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    # -- building ---------------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        data: Any,
        min_support: Union[int, float],
        *,
        basket: Union[str, Sequence[str], None] = None,
        item: Optional[str] = None,
        format: Optional[str] = None,
        delimiter: Optional[str] = None,
        min_confidence: float = 0.01,
        max_antecedent_len: int = 3,
        threads: Optional[int] = None,
    ) -> "Recommender":
        """Mines ``data`` (any input of :func:`upsell.frequent_itemsets`) and indexes its rules
        with one item in the consequent and up to ``max_antecedent_len`` in the antecedent."""
        prepared = prepare(data, basket=basket, item=item, format=format, delimiter=delimiter)
        inner = _upsell.Recommender.fit(
            prepared.baskets,
            _labels(prepared),
            _threshold(min_support),
            min_confidence=float(min_confidence),
            max_antecedent_len=max_antecedent_len,
            threads=threads,
        )
        return cls(inner)

    @classmethod
    def from_rules(cls, rules: Any, *, baskets: Optional[int] = None) -> "Recommender":
        """A model of an association-rules frame: :func:`upsell.association_rules`'s, or mlxtend's
        (``upsell.compat.mlxtend`` or mlxtend itself).

        Rules with one consequent item are kept: the model answers with single items. Counts come
        from the ``count`` columns when the frame has them, else from the supports times
        ``baskets`` (mlxtend's ``num_itemsets``; read from ``rules.attrs["baskets"]`` when the
        frame carries it). An item's popularity, for backfilling short answers, is its count as
        the one item of a rule's side. A bad row (a negative count, a support that is not a whole
        number of baskets, counts out of order) raises :class:`upsell.InvalidInputError` naming it
        (rows from 1).

        >>> import upsell
        >>> baskets = [["bread", "butter"], ["bread", "butter", "milk"], ["bread", "jam"], ["milk", "cereal"]] * 5
        >>> rules = upsell.association_rules(upsell.frequent_itemsets(baskets, 2), min_confidence=0.01)
        >>> upsell.Recommender.from_rules(rules).recommend(["bread"], k=2)["item"].tolist()
        ['butter', 'milk']
        """
        frame = rules if isinstance(rules, pd.DataFrame) else _pandas(rules)
        n = baskets if baskets is not None else frame.attrs.get("baskets")
        if n is None or isinstance(n, bool) or int(n) < 1:
            raise InvalidParameterError(
                "invalid parameter 'baskets': the rules do not say how many baskets they were mined "
                "from; pass baskets= (mlxtend's num_itemsets)",
                kind="invalid_parameter",
            )
        n = int(n)
        for column in ("antecedents", "consequents"):
            if column not in frame.columns:
                raise InvalidInputError(f"the rules frame has no {column!r} column", kind="invalid_input")
        inner = _upsell.Recommender.from_rules(
            [[str(x) for x in a] for a in frame["antecedents"]],
            [[str(x) for x in c] for c in frame["consequents"]],
            _rule_column(frame, "count", "support"),
            _rule_column(frame, "antecedent count", "antecedent support"),
            _rule_column(frame, "consequent count", "consequent support"),
            n,
        )
        return cls(inner)

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "Recommender":
        """Loads a model file written by :meth:`save` or ``upsell rules --model``."""
        return cls(_upsell.Recommender.load(os.fspath(path)))

    @classmethod
    def from_json(cls, text: str) -> "Recommender":
        """A model from :meth:`to_json` text."""
        return cls(_upsell.Recommender.from_json(text))

    @classmethod
    def from_bytes(cls, data: bytes) -> "Recommender":
        """A model from :meth:`to_bytes`."""
        return cls(_upsell.Recommender.from_bytes(bytes(data)))

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Saves the model: JSON when the name ends in ``.json``, else the compact binary."""
        self._inner.save(os.fspath(path))

    def to_json(self) -> str:
        """The model as JSON text."""
        return self._inner.to_json()

    def to_bytes(self) -> bytes:
        """The model in the compact binary encoding."""
        return self._inner.to_bytes()

    @property
    def rule_count(self) -> int:
        """The number of rules in the model."""
        return self._inner.rule_count

    @property
    def items(self) -> List[str]:
        """The item labels the model knows."""
        return self._inner.labels

    def __repr__(self) -> str:
        return f"<upsell.Recommender: {self.rule_count} rules over {len(self.items)} items>"

    def __reduce__(self) -> tuple:
        # Pickles as its compact binary encoding (how Spark ships it to executors, say).
        return (Recommender.from_bytes, (self.to_bytes(),))

    # -- queries ----------------------------------------------------------------------------------

    def recommend(
        self,
        cart: Iterable[Any],
        k: int = 5,
        *,
        by: str = "confidence",
        smoothing: float = 5.0,
        backfill: bool = True,
    ) -> pd.DataFrame:
        """Up to ``k`` items not in ``cart``, best first.

        ``by`` is ``"confidence"`` (most likely to be bought), ``"lift"`` (most surprising) or
        ``"expected_revenue"`` (needs prices in the model). Cart items the model does not know are
        ignored; they are listed in ``result.attrs["unknown"]`` and reported by a warning. An empty
        cart gets the most popular items.

        Returns a frame with ``item``, ``score``, ``source`` (``"rule"`` or ``"popular"``),
        ``antecedent``, ``confidence``, ``lift``, ``support`` (of the rule) and ``explanation``.
        """
        labels = [str(x) for x in _cart(cart)]
        (items, scores, rules), unknown = self._inner.recommend(labels, _k(k), by=by, smoothing=float(smoothing), backfill=backfill)
        if unknown:
            warnings.warn(f"ignored cart items the model does not know: {', '.join(unknown)}", stacklevel=2)
        frame = self._frame(items, scores, rules)
        frame.attrs["unknown"] = unknown
        return frame

    def recommend_batch(
        self,
        carts: Iterable[Iterable[Any]],
        k: int = 5,
        *,
        by: str = "confidence",
        smoothing: float = 5.0,
        backfill: bool = True,
        threads: Optional[int] = None,
    ) -> pd.DataFrame:
        """Answers many carts in parallel: one row per (cart, rank), ``cart`` numbering the carts
        from 0 in input order; ``attrs["unknown_count"]`` counts the cart items the model does not
        know (one cart's are listed in :meth:`recommend`'s ``attrs["unknown"]``)."""
        labels = [[str(x) for x in _cart(c)] for c in carts]
        answers, unknown = self._inner.recommend_batch(
            labels, _k(k), by=by, smoothing=float(smoothing), backfill=backfill, threads=threads
        )
        # One frame for every cart: a frame per cart costs milliseconds each in pandas.
        numbers, ranks, items, scores, rules = [], [], [], [], []
        for number, (found, found_scores, found_rules) in enumerate(answers):
            numbers.extend([number] * len(found))
            ranks.extend(range(1, len(found) + 1))
            items.extend(found)
            scores.extend(found_scores)
            rules.extend(found_rules)
        result = self._frame(items, scores, rules)
        result.insert(0, "rank", np.asarray(ranks, dtype=np.int64))
        result.insert(0, "cart", np.asarray(numbers, dtype=np.int64))
        result.attrs["unknown_count"] = unknown
        return result

    def _frame(self, items: list, scores: list, rules: list) -> pd.DataFrame:
        explained = [self._inner.rule(r) if r >= 0 else None for r in rules]
        return pd.DataFrame(
            {
                "item": pd.Series(items, dtype=object),
                "score": np.asarray(scores, dtype=np.float64),
                "source": ["rule" if r is not None else "popular" for r in explained],
                "antecedent": [list(r[0]) if r is not None else [] for r in explained],
                "confidence": [r[6] if r is not None else np.nan for r in explained],
                "lift": [r[7] if r is not None else np.nan for r in explained],
                "support": [r[5] if r is not None else np.nan for r in explained],
                "explanation": [_explain(r) for r in explained],
            }
        )


class EaseRecommender:
    """EASE ("Embarrassingly Shallow Autoencoders", Steck 2019): one item x item weight matrix.

    Fitted in closed form, ``B = -P / diag(P)`` with ``P = (XᵀX + lambda_ I)⁻¹`` over the items
    bought in at least ``min_count`` training baskets (the candidates; their number is limited by
    ``max_items`` because the fit holds dense candidates x candidates matrices). A cart scores
    each candidate with the sum of its items' weights toward it; ties and empty carts go to
    popularity.

    >>> import upsell
    >>> baskets = [["bread", "butter"], ["bread", "butter", "milk"], ["bread", "jam"], ["milk", "cereal"]] * 5
    >>> model = upsell.EaseRecommender.fit(baskets, lambda_=1.0)
    >>> model.recommend(["bread"], k=2)["item"].tolist()
    ['butter', 'jam']
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    @classmethod
    def fit(
        cls,
        data: Any,
        *,
        lambda_: Optional[float] = None,
        min_count: Optional[int] = None,
        max_items: Optional[int] = None,
        basket: Union[str, Sequence[str], None] = None,
        item: Optional[str] = None,
        format: Optional[str] = None,
        delimiter: Optional[str] = None,
        threads: Optional[int] = None,
    ) -> "EaseRecommender":
        """Fits the weights to ``data`` (any input of :func:`upsell.frequent_itemsets`).

        ``lambda_`` (default 100) is the L2 penalty: larger shrinks the weights toward popularity;
        tune it on held-out baskets (150 suits groceries, 50 retail). ``min_count`` (default 1:
        every item seen) and ``max_items`` (default 8,000) bound the candidates; more candidates
        than ``max_items`` raise :class:`upsell.LimitExceededError` naming the ``min_count`` that fits.
        """
        prepared = prepare(data, basket=basket, item=item, format=format, delimiter=delimiter)
        inner = _upsell.EaseRecommender.fit(
            prepared.baskets,
            _labels(prepared),
            lambda_=None if lambda_ is None else float(lambda_),
            min_count=min_count,
            max_items=max_items,
            threads=threads,
        )
        return cls(inner)

    @property
    def lambda_(self) -> float:
        """The L2 penalty the model was fitted with."""
        return self._inner.lambda_

    @property
    def items(self) -> List[str]:
        """The item labels the model knows (candidates or not)."""
        return self._inner.labels

    @property
    def candidates(self) -> List[str]:
        """The items with weights, most popular first: the rows and columns of :attr:`weights`."""
        return self._inner.candidates

    @property
    def weights(self) -> np.ndarray:
        """The weight matrix ``B`` (float32, a copy): row = cart item, column = recommended item."""
        return self._inner.weights()

    def __repr__(self) -> str:
        return f"<upsell.EaseRecommender: {len(self.candidates)} candidates of {len(self.items)} items, lambda {self.lambda_:g}>"

    def recommend(self, cart: Iterable[Any], k: int = 5) -> pd.DataFrame:
        """Up to ``k`` items not in ``cart``, best first.

        Cart items without weights (unknown, or below ``min_count``) are ignored; they are listed in
        ``result.attrs["unknown"]`` and reported by a warning. An empty cart gets the most popular
        items.

        Returns a frame with ``item``, ``score``, ``source`` (``"ease"`` or ``"popular"``),
        ``because`` (the cart item with the largest weight toward the item), ``weight`` (that
        weight) and ``explanation``.
        """
        labels = [str(x) for x in _cart(cart)]
        answer, unknown = self._inner.recommend(labels, _k(k))
        if unknown:
            warnings.warn(f"ignored cart items without weights in the model: {', '.join(unknown)}", stacklevel=2)
        frame = _ease_frame(*answer)
        frame.attrs["unknown"] = unknown
        return frame

    def recommend_batch(self, carts: Iterable[Iterable[Any]], k: int = 5, *, threads: Optional[int] = None) -> pd.DataFrame:
        """Answers many carts in parallel (a list of carts, a pandas Series or an Arrow list array
        of them): one row per (cart, rank), ``cart`` numbering the carts from 0 in input order,
        then the columns of :meth:`recommend`; ``attrs["unknown_count"]`` counts the cart items
        without weights."""
        if isinstance(carts, (pa.Array, pa.ChunkedArray)):
            carts = carts.to_pylist()
        labels = [[str(x) for x in _cart(c)] for c in carts]
        answers, unknown = self._inner.recommend_batch(labels, _k(k), threads=threads)
        # One frame for every cart: a frame per cart costs milliseconds each in pandas.
        sizes = np.fromiter((len(answer[0]) for answer in answers), dtype=np.int64, count=len(answers))
        columns = [list(itertools.chain.from_iterable(answer[k] for answer in answers)) for k in range(4)]
        result = _ease_frame(*columns)
        starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
        result.insert(0, "rank", np.arange(1, len(result) + 1, dtype=np.int64) - starts)
        result.insert(0, "cart", np.repeat(np.arange(len(answers), dtype=np.int64), sizes))
        result.attrs["unknown_count"] = unknown
        return result

    # -- model files ------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "EaseRecommender":
        """Loads a model file written by :meth:`save`."""
        return cls(_upsell.EaseRecommender.load(os.fspath(path)))

    @classmethod
    def from_json(cls, text: str) -> "EaseRecommender":
        """A model from :meth:`to_json` text."""
        return cls(_upsell.EaseRecommender.from_json(text))

    @classmethod
    def from_bytes(cls, data: bytes) -> "EaseRecommender":
        """A model from :meth:`to_bytes`."""
        return cls(_upsell.EaseRecommender.from_bytes(bytes(data)))

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Saves the model: JSON when the name ends in ``.json``, else the compact binary."""
        self._inner.save(os.fspath(path))

    def to_json(self) -> str:
        """The model as JSON text."""
        return self._inner.to_json()

    def to_bytes(self) -> bytes:
        """The model in the compact binary encoding."""
        return self._inner.to_bytes()

    def __reduce__(self) -> tuple:
        # Pickles as its compact binary model file (how Spark ships it to executors, say).
        return (EaseRecommender.from_bytes, (self.to_bytes(),))


def _ease_frame(items: list, scores: list, because: list, weights: list) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": pd.Series(items, dtype=object),
            "score": np.asarray(scores, dtype=np.float64),
            "source": ["ease" if b is not None else "popular" for b in because],
            "because": pd.Series(because, dtype=object),
            "weight": np.asarray([np.nan if w is None else w for w in weights], dtype=np.float64),
            "explanation": [
                "popular" if b is None else f"{b} -> {i} (weight {w:.3f}, score {s:.3f})"
                for i, s, b, w in zip(items, scores, because, weights)
            ],
        }
    )


def _pandas(table: Any) -> pd.DataFrame:
    if isinstance(table, pa.Table):
        return table.to_pandas()
    if hasattr(table, "to_pandas"):
        return table.to_pandas()
    raise InvalidParameterError(
        f"invalid parameter 'rules': expected a rules frame, got {type(table).__name__}", kind="invalid_parameter"
    )


def _rule_column(frame: pd.DataFrame, count: str, support: str) -> np.ndarray:
    # Counts as int64, supports as float64: the core tells them apart by type.
    if count in frame.columns:
        return frame[count].to_numpy(dtype=np.int64)
    if support in frame.columns:
        return frame[support].to_numpy(dtype=np.float64)
    raise InvalidInputError(f"the rules frame has neither {count!r} nor {support!r}", kind="invalid_input")


def _cart(cart: Any) -> list:
    if isinstance(cart, (str, bytes)):
        raise InvalidParameterError(
            "invalid parameter 'cart': give a list of items, not one string (a string is not a cart)",
            kind="invalid_parameter",
        )
    return list(cart)


def _k(k: int) -> int:
    if isinstance(k, bool) or int(k) < 1:
        raise InvalidParameterError(f"invalid parameter 'k': must be at least 1, got {k!r}", kind="invalid_parameter")
    return int(k)


# -- evaluation -----------------------------------------------------------------------------------


def evaluate(
    data: Any,
    min_support: Union[int, float],
    *,
    k: int = 5,
    split: str = "position",
    train: float = 0.8,
    cutoff: Any = None,
    time: Optional[str] = None,
    basket: Union[str, Sequence[str], None] = None,
    item: Optional[str] = None,
    format: Optional[str] = None,
    delimiter: Optional[str] = None,
    by: str = "confidence",
    smoothing: float = 5.0,
    min_confidence: float = 0.01,
    max_antecedent_len: int = 3,
    ease: bool = False,
    ease_lambda: Optional[float] = None,
    ease_min_count: Optional[int] = None,
    ease_max_items: Optional[int] = None,
    threads: Optional[int] = None,
) -> pd.DataFrame:
    """Rules (and EASE with ``ease=True``) against popularity on held-out baskets, leave-one-out.

    The first ``train`` share of baskets trains (``split="position"``), or the earliest share by
    ``time`` (``split="time"``, a long dataframe with a time column; or the baskets before
    ``cutoff``). Every item of each test basket of two or more items is hidden in turn; the rest
    is the cart. Returns one row per method (``rules``, ``popularity``, then ``ease`` when asked
    for: an :class:`EaseRecommender` fitted to the training baskets with ``ease_lambda``,
    ``ease_min_count`` and ``ease_max_items``) with ``hit_rate``, ``precision``, ``recall``,
    ``coverage`` and ``revenue_captured`` at ``k``; ``attrs`` holds ``train_baskets``,
    ``test_baskets``, ``cases``, ``rules``, ``ease_items`` and ``k``.

    >>> import upsell
    >>> baskets = [["a", "b"], ["c", "d"]] * 10
    >>> upsell.evaluate(baskets, 2, k=1)["hit_rate"].tolist()
    [1.0, 0.5]
    """
    prepared = prepare(data, basket=basket, item=item, format=format, delimiter=delimiter)
    times = None
    cutoff_arg: Union[str, int, None] = None
    if split == "time":
        times = _basket_times(data, basket, time)
        if isinstance(cutoff, str):
            cutoff_arg = cutoff
        elif cutoff is not None:
            instant = pd.Timestamp(cutoff)
            instant = instant.tz_localize("UTC") if instant.tzinfo is None else instant.tz_convert("UTC")
            cutoff_arg = int(instant.timestamp())
    elif time is not None or cutoff is not None:
        raise InvalidParameterError("invalid parameter 'split': time= and cutoff= need split=\"time\"", kind="invalid_parameter")
    result = _upsell.evaluate(
        prepared.baskets,
        _labels(prepared),
        _threshold(min_support),
        times=times,
        split=split,
        train=float(train),
        cutoff=cutoff_arg,
        k=_k(k),
        by=by,
        smoothing=float(smoothing),
        min_confidence=float(min_confidence),
        max_antecedent_len=max_antecedent_len,
        ease=bool(ease),
        ease_lambda=None if ease_lambda is None else float(ease_lambda),
        ease_min_count=ease_min_count,
        ease_max_items=ease_max_items,
        threads=threads,
    )
    frame = pd.DataFrame(
        result["methods"], columns=["method", "hit_rate", "precision", "recall", "coverage", "revenue_captured"]
    ).set_index("method")
    frame.attrs.update({key: result[key] for key in ("train_baskets", "test_baskets", "cases", "rules", "ease_items", "k")})
    return frame


def _basket_times(data: Any, basket: Union[str, Sequence[str], None], time: Optional[str]) -> np.ndarray:
    if hasattr(data, "to_pandas") and not isinstance(data, pd.DataFrame):
        data = data.to_pandas()
    if not isinstance(data, pd.DataFrame) or basket is None or time is None:
        raise InvalidParameterError(
            "invalid parameter 'split': split=\"time\" needs a long dataframe with basket=, item= and time= columns",
            kind="invalid_parameter",
        )
    if time not in data.columns:
        raise InvalidInputError(f"the dataframe has no column {time!r}", kind="invalid_input", column_name=time)
    codes = long_basket_codes(data, [basket] if isinstance(basket, str) else list(basket))
    return _upsell.basket_times(np.asarray(codes, dtype=np.uint32), **time_arguments(data[time], time))


# -- affinity -------------------------------------------------------------------------------------


class Affinity:
    """Co-occurrence of the top items: ``counts``, ``confidence`` (row -> column) and ``lift`` as
    numpy arrays whose rows and columns are ``items``."""

    def __init__(self, labels: list, native: "_upsell.AffinityMatrix") -> None:
        ids, self.item_counts, self.counts, self.confidence, self.lift, self.baskets = native.arrays()
        self.items = [labels[i] for i in ids]
        self._labels = labels
        self._native = native

    def frame(self, measure: str = "lift") -> pd.DataFrame:
        """One matrix (``"counts"``, ``"confidence"`` or ``"lift"``) as a labelled DataFrame."""
        if measure not in ("counts", "confidence", "lift"):
            raise InvalidParameterError(f"invalid parameter 'measure': {measure!r} is not counts, confidence or lift", kind="invalid_parameter")
        return pd.DataFrame(getattr(self, measure), index=self.items, columns=self.items)

    def pairs(self, min_support: float = 0.03, min_lift: float = 1.5) -> pd.DataFrame:
        """The actionable pairs (support and lift floors), by lift, then count, then item (the
        core's ``actionable_pairs``, as in ``upsell affinity``): ``item_a``, ``item_b``,
        ``count``, ``support``, ``confidence_ab``, ``confidence_ba``, ``lift``."""
        a, b, count, support, confidence_ab, confidence_ba, lift = self._native.pairs(float(min_support), float(min_lift))
        return pd.DataFrame(
            {
                "item_a": [self._labels[i] for i in a],
                "item_b": [self._labels[i] for i in b],
                "count": count.astype(np.int64),
                "support": support,
                "confidence_ab": confidence_ab,
                "confidence_ba": confidence_ba,
                "lift": lift,
            }
        )

    def plot(self, measure: str = "lift", ax: Any = None) -> Any:
        """A heatmap of one matrix, diagonal masked, lift on a scale centred at 1; returns the
        matplotlib Figure (see :func:`upsell.plots.affinity_heatmap`)."""
        from upsell.plots import affinity_heatmap

        return affinity_heatmap(self, measure, ax=ax)


def affinity_matrix(
    data: Any,
    top: int = 20,
    *,
    basket: Union[str, Sequence[str], None] = None,
    item: Optional[str] = None,
    format: Optional[str] = None,
    delimiter: Optional[str] = None,
    threads: Optional[int] = None,
) -> Affinity:
    """Item x item co-occurrence, confidence and lift of the ``top`` most frequent items.

    >>> import upsell
    >>> a = upsell.affinity_matrix([["tea", "milk"], ["tea", "milk"], ["coffee"], ["coffee", "milk"]], top=3)
    >>> a.items, int(a.counts[0, 1])
    (['milk', 'tea', 'coffee'], 2)
    """
    prepared = prepare(data, basket=basket, item=item, format=format, delimiter=delimiter)
    native = _upsell.affinity(prepared.baskets, int(top), threads=threads)
    labels = prepared.labels.to_pylist() if isinstance(prepared.labels, pa.Array) else list(prepared.labels)
    return Affinity(labels, native)
