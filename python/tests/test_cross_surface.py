"""The cross-surface table (``testdata/cross-surface/cases.toml``) through Python: the same answers
as the core's own run of it (``crates/upsell/tests/upsell/cross_surface.rs``)."""

from __future__ import annotations

import json
import tomllib
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import upsell

TABLE = Path(__file__).resolve().parents[2] / "testdata" / "cross-surface"
CASES = tomllib.loads((TABLE / "cases.toml").read_text())["case"]


def _recommend(case: dict, path: Path) -> list:
    model = upsell.Recommender.fit(
        str(path),
        case["min_support"],
        format="baskets",
        min_confidence=case.get("min_confidence", 0.01),
        max_antecedent_len=case.get("max_antecedent_len", 3),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unknown cart items are warned about, and ignored
        found = model.recommend(case["cart"], case.get("k", 5), by=case.get("by", "confidence"), smoothing=case.get("smoothing", 5.0))
    return found["item"].tolist()


def _affinity_pairs(case: dict, path: Path) -> list:
    pairs = upsell.affinity_matrix(str(path), case.get("top", 20), format="baskets").pairs(case["min_support"], case["min_lift"])
    return [[a, b, int(n)] for a, b, n in zip(pairs["item_a"], pairs["item_b"], pairs["count"])]


def _evaluate(case: dict, path: Path) -> list:
    frame = pd.read_csv(path, dtype=str)
    split = {"cutoff": case["cutoff"]} if "cutoff" in case else {"train": case.get("train", 0.8)}
    result = upsell.evaluate(
        frame,
        case["min_support"],
        split="time",
        time="time",
        basket="order",
        item="item",
        k=case.get("k", 5),
        max_antecedent_len=case.get("max_antecedent_len", 3),
        smoothing=case.get("smoothing", 5.0),
        **split,
    )
    return [result.attrs[key] for key in ("train_baskets", "test_baskets", "cases")]


def _itemsets(case: dict, path: Path) -> Any:
    return upsell.frequent_itemsets(
        str(path), case["min_support"], format="baskets", target=case.get("target", "all"), max_len=case.get("max_len")
    )


def _mine(case: dict, path: Path) -> list:
    found = _itemsets(case, path)
    return sorted([sorted(s), int(n)] for s, n in zip(found["itemset"], found["count"]))


def _rules(case: dict, path: Path) -> list:
    rules = upsell.association_rules(
        _itemsets(case, path), case.get("min_confidence", 0.8), max_antecedent_len=case.get("max_antecedent_len")
    )
    rows = zip(rules["antecedents"], rules["consequents"], rules["count"])
    return sorted([sorted(a), sorted(c), int(n)] for a, c, n in rows)


def _bundle_price(case: dict, path: Path) -> str:
    options = {key: tuple(case[key]) if key == "discount" else case[key] for key in ("discount", "ending") if key in case}
    quote = upsell.price_bundle(case["items"], case["prices"], **options)
    return f"refused: {quote['reason']}" if "refused" in quote else str(quote["price"])


def _triggers(case: dict, path: Path) -> list:
    rules = upsell.triggers.RuleSet.from_yaml(case["rules"])
    offers = []
    for row in map(json.loads, case["rows"]):
        decision = rules.evaluate_one(row, now="2026-11-23T10:00:00Z")
        offers += [[row["id"], offer["rule"]] for offer in decision["offers"]]
    return offers


def _triggers_table(case: dict, path: Path) -> list:
    rules = upsell.triggers.RuleSet.from_yaml(case["rules"])
    offers = rules.evaluate(pd.read_csv(path), now="2026-11-23T10:00:00Z")
    return offers.loc[~offers["held_out"], ["customer", "rule"]].values.tolist()


JOBS = {
    "recommend": _recommend,
    "affinity_pairs": _affinity_pairs,
    "evaluate": _evaluate,
    "mine": _mine,
    "rules": _rules,
    "bundle_price": _bundle_price,
    "triggers": _triggers,
    "triggers_table": _triggers_table,
}
KINDS = {
    "invalid_parameter": upsell.InvalidParameterError,
    "invalid_input": upsell.InvalidInputError,
    "parse": upsell.RuleSyntaxError,
}


def test_the_table_is_there():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_every_case_gives_its_answer_through_python(case: dict):
    run = JOBS[case["job"]]
    path = TABLE / case["input"]
    if "error" in case:
        with pytest.raises(KINDS[case["error"]]) as caught:
            run(case, path)
        assert case["mentions"] in str(caught.value)
    else:
        assert run(case, path) == case["expect"]
