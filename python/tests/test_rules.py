"""Association rules: equal to mlxtend's association_rules and pyfim's arules on real data."""

from __future__ import annotations

import gzip
import math
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import upsell
from conftest import DATA_DIR

MEASURES = list(upsell.rules.MEASURES)


def _rule_map(frame: pd.DataFrame) -> dict:
    return {
        (frozenset(a), frozenset(c)): row
        for a, c, row in zip(frame["antecedents"], frame["consequents"], frame[MEASURES].itertuples(index=False))
    }


def _assert_same_rules(ours: pd.DataFrame, reference: pd.DataFrame) -> None:
    mine, theirs = _rule_map(ours), _rule_map(reference)
    assert mine.keys() == theirs.keys()
    for key, values in theirs.items():
        for name, expected, got in zip(MEASURES, values, mine[key]):
            if math.isinf(expected):
                assert math.isinf(got), (key, name)
            else:
                assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), (key, name)


@lru_cache(maxsize=None)
def _groceries() -> list:
    with open(DATA_DIR / "groceries.csv", encoding="utf-8") as f:
        return [line.rstrip("\n").split(",") for line in f if line.strip()]


@pytest.mark.parametrize("min_confidence", [0.0, 0.3])
def test_equal_to_mlxtend_on_groceries(data_dir, min_confidence):
    mlxtend = pytest.importorskip("mlxtend.frequent_patterns")
    baskets = _groceries()
    itemsets = upsell.frequent_itemsets(baskets, 0.005, as_frozensets=True)
    ours = upsell.association_rules(itemsets, min_confidence=min_confidence)
    reference = mlxtend.association_rules(
        itemsets.rename(columns={"itemset": "itemsets"}),
        num_itemsets=len(baskets),
        metric="confidence",
        min_threshold=min_confidence,
    )
    assert len(ours) > (1000 if min_confidence == 0 else 400)
    _assert_same_rules(ours, reference)
    assert (ours["count"] == np.rint(ours["support"] * len(baskets))).all()


def test_edge_cases_of_zhang_and_certainty_equal_mlxtend():
    # "a" is in every basket (certainty's denominator 1 - s(C) is 0 for "-> a"); "b" implies "c"
    # (confidence 1, conviction infinite); "a -> c" has leverage 0 with a vanishing Zhang denominator.
    mlxtend = pytest.importorskip("mlxtend.frequent_patterns")
    baskets = [["a", "b", "c"], ["a", "b", "c"], ["a", "c"], ["a", "d"], ["a"]]
    itemsets = upsell.frequent_itemsets(baskets, 1, as_frozensets=True)
    ours = upsell.association_rules(itemsets, min_confidence=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):  # mlxtend divides by zero before masking
        reference = mlxtend.association_rules(
            itemsets.rename(columns={"itemset": "itemsets"}), num_itemsets=len(baskets), min_threshold=0.0
        )
    _assert_same_rules(ours, reference)
    one = ours[(ours["antecedents"] == frozenset({"b"})) & (ours["consequents"] == frozenset({"c"}))].iloc[0]
    assert one["confidence"] == 1.0 and math.isinf(one["conviction"])
    to_a = ours[ours["consequents"] == frozenset({"a"})]
    assert (to_a["certainty"] == 0.0).all()


def _retail() -> list:
    with gzip.open(DATA_DIR / "retail.dat.gz", "rt") as f:
        return [[int(x) for x in line.split()] for line in f if line.strip()]


def test_equal_to_pyfim_arules_on_retail(data_dir):
    fim = pytest.importorskip("fim")
    baskets = _retail()
    # Mode "o": the rule's support is that of antecedent and consequent together, as everywhere else.
    found = fim.arules(baskets, supp=-9, conf=50, zmin=2, report="abhcl", mode="o")
    reference = pd.DataFrame(
        [(tuple(sorted(body)), head, a, b, h, c, lift) for head, body, a, b, h, c, lift in found],
        columns=["antecedent", "consequent", "count", "antecedent count", "consequent count", "confidence", "lift"],
    )
    itemsets = upsell.frequent_itemsets(baskets, 9)
    table = upsell.association_rules(itemsets, min_confidence=0.5, max_consequent_len=1, output="arrow")
    ours = table.select(["count", "antecedent count", "consequent count", "confidence", "lift"]).to_pandas()
    ours.insert(0, "antecedent", [tuple(sorted(a)) for a in table.column("antecedents").to_pylist()])
    ours.insert(1, "consequent", [c[0] for c in table.column("consequents").to_pylist()])
    assert len(ours) == len(reference) > 100_000
    key = ["antecedent", "consequent"]
    ours = ours.sort_values(key, ignore_index=True)
    reference = reference.sort_values(key, ignore_index=True)
    assert ours[key].equals(reference[key])
    for name in ("count", "antecedent count", "consequent count"):
        assert (ours[name].to_numpy() == reference[name].to_numpy()).all(), name
    for name in ("confidence", "lift"):
        np.testing.assert_allclose(ours[name], reference[name], rtol=1e-9)


def test_closed_itemsets_give_exact_supports():
    rng = np.random.default_rng(7)
    baskets = [sorted(set(rng.choice(8, size=rng.integers(1, 6), replace=False).tolist())) for _ in range(300)]
    all_rules = _rule_map(upsell.association_rules(upsell.frequent_itemsets(baskets, 10, as_frozensets=True), 0.2))
    closed = upsell.frequent_itemsets(baskets, 10, target="closed", as_frozensets=True)
    closed_rules = _rule_map(upsell.association_rules(closed, 0.2))
    assert closed_rules and set(closed_rules) <= set(all_rules)
    for key, values in closed_rules.items():
        assert tuple(values) == pytest.approx(tuple(all_rules[key]), rel=1e-12)


def test_filters_and_outputs(data_dir):
    baskets = _groceries()
    itemsets = upsell.frequent_itemsets(baskets, 0.005)
    rules = upsell.association_rules(
        itemsets, 0.2, min_lift=1.5, max_antecedent_len=1, consequents=["whole milk", "yogurt"], exclude=["soda"]
    )
    assert len(rules) > 0
    assert (rules["lift"] >= 1.5).all() and (rules["confidence"] >= 0.2).all()
    assert all(len(a) == 1 and "soda" not in a for a in rules["antecedents"].tolist())
    assert all(set(c) <= {"whole milk", "yogurt"} for c in rules["consequents"].tolist())
    pruned = upsell.association_rules(itemsets, 0.1, prune_redundant=True)
    full = upsell.association_rules(itemsets, 0.1)
    assert 0 < len(pruned) < len(full)
    by_metric = upsell.association_rules(itemsets, 0.0, metric="leverage", min_threshold=0.005)
    assert (by_metric["leverage"] >= 0.005).all()
    table = upsell.association_rules(upsell.frequent_itemsets(baskets, 0.005, output="arrow"), 0.3)
    assert isinstance(table, pa.Table) and table.num_rows == len(upsell.association_rules(itemsets, 0.3))
    polars = pytest.importorskip("polars")
    frame = upsell.association_rules(upsell.frequent_itemsets(baskets, 0.005, output="polars"), 0.3)
    assert isinstance(frame, polars.DataFrame) and frame.height == table.num_rows


def test_bad_inputs_are_clear_errors():
    baskets = [["a", "b"], ["a", "b"], ["a"]]
    with pytest.raises(upsell.InvalidParameterError, match="maximal"):
        upsell.association_rules(upsell.frequent_itemsets(baskets, 1, target="maximal"))
    with pytest.raises(upsell.InvalidParameterError, match="min_confidence"):
        upsell.association_rules(upsell.frequent_itemsets(baskets, 1), min_confidence=1.5)
    mlxtend_style = pd.DataFrame({"itemsets": [frozenset({"a"}), frozenset({"a", "b"})], "support": [1.0, 2 / 3]})
    with pytest.raises(upsell.InvalidParameterError, match="baskets="):
        upsell.association_rules(mlxtend_style)
    with pytest.raises(upsell.InvalidInputError, match="lack the subset"):
        upsell.association_rules(mlxtend_style, baskets=3)
    with pytest.raises(upsell.InvalidParameterError, match="metric"):
        upsell.association_rules(upsell.frequent_itemsets(baskets, 1), metric="nope")
