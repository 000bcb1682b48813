"""Differential tests: :mod:`upsell.compat.mlxtend` gives mlxtend's frames, except the exact ties.

Random one-hot frames (bool, 0/1 int and sparse columns, with and without ``use_colnames`` and
``max_len``) and groceries are mined by both; itemset frames must be equal, rules equal row for
row (measures to 1e-12) under every metric. Where they may differ, mlxtend is inexact and the
case is named here and pinned by its own test:

- ``fpgrowth_ceil``: mlxtend's fpgrowth, fpmax and hmine take ``ceil(min_support * n)`` in floating
  point, which rounds up past the exact count (``0.07 * 100 = 7.000000000000001``) and drops the
  itemsets in exactly that many baskets; apriori, and we, keep them.
- ``metric_tie``: a rule whose measure is the threshold itself; mlxtend's quotient of float
  supports can land one unit in the last place below it (Kulczynski 0.49999999999999994 for 0.5).
- ``fpmax_max_len``: mlxtend's fpmax with ``max_len`` also reports itemsets of ``max_len`` items
  that have frequent supersets; we report the maximal ones.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from upsell.compat import mlxtend as compat

mlx = pytest.importorskip("mlxtend.frequent_patterns")

METRICS = [
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
]
VARIANTS = {
    "bool": lambda frame: frame,
    "int": lambda frame: frame.astype(np.int64),
    "sparse": lambda frame: frame.astype(pd.SparseDtype(np.int64, 0)),
}


def theirs(name: str, *args, **kwargs):
    # mlxtend warns about 0/1 frames and divides by zero in certainty; neither is under test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(mlx, name)(*args, **kwargs)


def random_frame(seed: int, rows: int = 100, columns: int = 9) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    density = rng.uniform(0.1, 0.6, columns)
    return pd.DataFrame(rng.random((rows, columns)) < density, columns=[f"item{k}" for k in range(columns)])


def fpgrowth_ceil(min_support: float, n: int) -> bool:
    """Whether mlxtend's float ``ceil(min_support * n)`` exceeds the exact count (case ``fpgrowth_ceil``)."""
    return math.ceil(min_support * n) > math.ceil(Fraction(str(min_support)) * n)


def rows(frame: pd.DataFrame) -> dict:
    return {frozenset(s): support for s, support in zip(frame["itemsets"], frame["support"])}


def maximal(found: dict, max_len=None) -> dict:
    return {
        s: v
        for s, v in found.items()
        if not any(s < t for t in found) and (max_len is None or len(s) <= max_len)
    }


def rules_by_key(frame: pd.DataFrame) -> dict:
    columns = [c for c in frame.columns if c not in ("antecedents", "consequents")]
    values = frame[columns].to_numpy(dtype=np.float64)
    return {(a, c): values[k] for k, (a, c) in enumerate(zip(frame["antecedents"], frame["consequents"]))}


def assert_rules_match(ours: pd.DataFrame, mine: pd.DataFrame, metric: str, threshold: float) -> None:
    assert list(ours.columns) == list(mine.columns)
    assert all(isinstance(s, frozenset) for s in ours["antecedents"])
    ours_rules, their_rules = rules_by_key(ours), rules_by_key(mine)
    measures = [c for c in ours.columns if c not in ("antecedents", "consequents")]
    position = measures.index(metric) if metric in measures else None
    for key in ours_rules.keys() ^ their_rules.keys():
        assert position is not None, f"{key} differs"
        value = (ours_rules.get(key) if key in ours_rules else their_rules[key])[position]
        assert value == pytest.approx(threshold, rel=1e-12), f"{key} differs beyond a metric_tie"
    for key in ours_rules.keys() & their_rules.keys():
        np.testing.assert_allclose(ours_rules[key], their_rules[key], rtol=1e-12, atol=1e-15)


# -- itemsets -----------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("use_colnames", [False, True])
@pytest.mark.parametrize("max_len", [None, 2])
def test_apriori_frames_are_mlxtends(variant, use_colnames, max_len):
    for seed in range(3):
        frame = VARIANTS[variant](random_frame(seed))
        for min_support in (0.07, 0.15, 0.3):
            ours = compat.apriori(frame, min_support, use_colnames=use_colnames, max_len=max_len)
            expected = theirs("apriori", frame, min_support, use_colnames=use_colnames, max_len=max_len)
            pd.testing.assert_frame_equal(ours, expected)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("name", ["fpgrowth", "hmine"])
def test_fpgrowth_and_hmine_find_mlxtends_itemsets(variant, name):
    for seed in range(3):
        frame = VARIANTS[variant](random_frame(seed))
        for min_support, use_colnames, max_len in ((0.07, True, None), (0.15, False, 2), (0.25, True, 3)):
            ours = getattr(compat, name)(frame, min_support, use_colnames=use_colnames, max_len=max_len)
            expected = theirs(name, frame, min_support, use_colnames=use_colnames, max_len=max_len)
            assert list(ours.columns) == ["support", "itemsets"]
            assert ours["support"].dtype == np.float64
            assert all(isinstance(s, frozenset) for s in ours["itemsets"])
            found, reference = rows(ours), rows(expected)
            if fpgrowth_ceil(min_support, len(frame)):
                tie = math.ceil(Fraction(str(min_support)) * len(frame)) / len(frame)
                assert reference == {s: v for s, v in found.items() if v != tie}
            else:
                assert found == reference


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_fpmax_finds_the_maximal_itemsets(variant):
    for seed in range(3):
        frame = VARIANTS[variant](random_frame(seed))
        for min_support in (0.07, 0.15, 0.3):
            everything = rows(compat.apriori(frame, min_support, use_colnames=True))
            assert rows(compat.fpmax(frame, min_support, use_colnames=True)) == maximal(everything)
            assert rows(compat.fpmax(frame, min_support, max_len=2, use_colnames=True)) == maximal(everything, 2)
            if not fpgrowth_ceil(min_support, len(frame)):
                assert rows(compat.fpmax(frame, min_support)) == rows(theirs("fpmax", frame, min_support))
                # fpmax_max_len: mlxtend's are ours plus non-maximal itemsets of max_len items.
                extra = rows(theirs("fpmax", frame, min_support, max_len=2)).items() - rows(
                    compat.fpmax(frame, min_support, max_len=2)
                ).items()
                assert all(len(s) == 2 for s, _ in extra)


def test_fpgrowth_ceil_mlxtend_drops_itemsets_at_the_exact_threshold():
    frame = random_frame(0)
    assert fpgrowth_ceil(0.07, 100)
    at_threshold = {frozenset({4, 6, 7}), frozenset({4, 6, 8})}  # in exactly 7 of 100 baskets
    ours, exact = rows(compat.fpgrowth(frame, 0.07)), rows(theirs("apriori", frame, 0.07))
    assert ours == exact and all(ours[s] == 0.07 for s in at_threshold)
    for name in ("fpgrowth", "hmine"):
        assert rows(theirs(name, frame, 0.07)).keys() == exact.keys() - at_threshold


def test_fpmax_max_len_mlxtend_reports_non_maximal_itemsets():
    frame = random_frame(4, rows=50, columns=7)
    everything = rows(compat.apriori(frame, 0.1))
    ours = rows(compat.fpmax(frame, 0.1, max_len=2))
    assert ours == maximal(everything, 2)
    extra = rows(theirs("fpmax", frame, 0.1, max_len=2)).keys() - ours.keys()
    assert extra == {frozenset({0, 2}), frozenset({2, 4})}
    assert all(any(s < t for t in everything) for s in extra)


def test_nulls_as_mlxtend_reads_them():
    frame = random_frame(7, rows=40, columns=6).astype(np.float64)
    frame.iloc[np.arange(0, 40, 7), np.arange(0, 40, 7) % 6] = np.nan
    ours = compat.fpgrowth(frame, 0.2, null_values=True, use_colnames=True)
    expected = theirs("fpgrowth", frame, 0.2, null_values=True, use_colnames=True)
    assert rows(ours) == pytest.approx(rows(expected))
    assert_rules_match(
        compat.association_rules(ours, len(frame), frame, null_values=True, min_threshold=0.3),
        theirs("association_rules", expected, len(frame), frame, null_values=True, min_threshold=0.3),
        "confidence",
        0.3,
    )
    with pytest.raises(ValueError, match="NaN values are not permitted"):
        compat.fpgrowth(frame, 0.2)


# -- rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", METRICS)
def test_rules_under_every_metric_are_mlxtends(metric):
    for seed, use_colnames in ((0, True), (1, False), (2, True)):
        frame = random_frame(seed)
        frequent = theirs("apriori", frame, 0.1, use_colnames=use_colnames)
        every = compat.association_rules(frequent, len(frame), metric="support", min_threshold=0)
        # The median is the measure of some rule: every comparison meets a tie.
        threshold = float(np.median(every[metric]))
        ours = compat.association_rules(frequent, len(frame), metric=metric, min_threshold=threshold)
        expected = theirs("association_rules", frequent, len(frame), metric=metric, min_threshold=threshold)
        assert len(ours) > 0
        assert_rules_match(ours, expected, metric, threshold)


def test_rules_options_are_mlxtends():
    frame = random_frame(3)
    frequent = theirs("apriori", frame, 0.1, use_colnames=True)
    for options in (
        {},  # num_itemsets defaults to 1: supports taken as given
        {"num_itemsets": len(frame), "return_metrics": ["lift", "support"]},
        {"num_itemsets": len(frame), "support_only": True, "min_threshold": 0.15},
    ):
        ours = compat.association_rules(frequent, **options)
        expected = theirs("association_rules", frequent, **options)
        metric = "support" if options.get("support_only") else "confidence"
        assert_rules_match(ours, expected, metric, options.get("min_threshold", 0.8))
    empty = compat.association_rules(frequent, len(frame), min_threshold=2)
    pd.testing.assert_frame_equal(empty, theirs("association_rules", frequent, len(frame), min_threshold=2))


def test_metric_tie_measures_are_the_exact_ones_rounded():
    # 20 baskets: A in 4, C in 12, both in 3; Kulczynski (3/4 + 3/12) / 2 is exactly 0.5, where
    # a sum of rounded quotients gives 0.49999999999999994.
    frame = pd.DataFrame({"A": np.arange(20) < 4, "C": (np.arange(20) >= 1) & (np.arange(20) < 13)})
    frequent = compat.apriori(frame, 0.05)
    ours = compat.association_rules(frequent, len(frame), metric="kulczynski", min_threshold=0.5)
    assert ours["kulczynski"].tolist() == [0.5, 0.5]
    assert ours["confidence"].tolist() == sorted([3 / 4, 3 / 12], reverse=ours["antecedents"][0] == {"A"})
    assert (3 / 20 / (4 / 20) + 3 / 20 / (12 / 20)) / 2 == 0.49999999999999994


def test_mlxtends_errors():
    frame = pd.DataFrame({"a": [1, 1, 1, 0], "b": [1, 1, 0, 1]}).astype(bool)
    with pytest.raises(ValueError, match=r"`min_support` must be a positive number within the interval `\(0, 1\]`"):
        compat.apriori(frame, 0)
    with pytest.raises(ValueError, match="The allowed values for a DataFrame are True, False, 0, 1. Found value 3"):
        compat.fpgrowth(frame.astype(int).replace({1: 3}))
    frequent = compat.apriori(frame, 0.5)
    with pytest.raises(ValueError, match="Metric must be"):
        compat.association_rules(frequent, 4, metric="unicorn")
    with pytest.raises(TypeError, match="df_orig must be provided"):
        compat.association_rules(frequent, 4, null_values=True)
    with pytest.raises(KeyError, match="support_only=True"):
        compat.association_rules(frequent[frequent["itemsets"].map(len) > 1], 4)
    pairs = frequent[frequent["itemsets"].map(len) > 1]
    pairs_only = compat.association_rules(pairs, 4, support_only=True, min_threshold=0.5)
    assert len(pairs_only) == 2 and pairs_only["confidence"].isna().all()


# -- real data ----------------------------------------------------------------------------------


def test_groceries_frames_and_rules_are_mlxtends(data_dir: Path):
    baskets = [line.strip().split(",") for line in (data_dir / "groceries.csv").read_text().splitlines() if line]
    labels = sorted({item for basket in baskets for item in basket})
    column = {label: k for k, label in enumerate(labels)}
    matrix = np.zeros((len(baskets), len(labels)), dtype=bool)
    for row, basket in enumerate(baskets):
        matrix[row, [column[item] for item in basket]] = True
    frame = pd.DataFrame(matrix, columns=labels)
    ours = compat.apriori(frame, 0.01, use_colnames=True)
    expected = theirs("apriori", frame, 0.01, use_colnames=True)
    pd.testing.assert_frame_equal(ours, expected)
    assert rows(compat.fpgrowth(frame, 0.01, use_colnames=True)) == rows(expected)
    for metric, threshold in (("confidence", 0.3), ("lift", 1.1), ("leverage", 0.002)):
        assert_rules_match(
            compat.association_rules(ours, len(frame), metric=metric, min_threshold=threshold),
            theirs("association_rules", expected, len(frame), metric=metric, min_threshold=threshold),
            metric,
            threshold,
        )


def test_an_integer_min_support_is_a_fraction_as_in_mlxtend():
    # upsell.frequent_itemsets reads an int as a basket count; mlxtend (and so the compat layer)
    # reads min_support=1 as "in every basket".
    frame = pd.DataFrame({"a": [True, True, True], "b": [True, False, True]})
    ours = compat.apriori(frame, 1)
    pd.testing.assert_frame_equal(ours, theirs("apriori", frame, 1))
    assert rows(ours) == {frozenset({0}): 1.0}
