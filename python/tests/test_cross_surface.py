"""The cross-surface table (``testdata/cross-surface/cases.toml``) through Python: the same answers
as the core's own run of it (``crates/upsell/tests/upsell/cross_surface.rs``)."""

from __future__ import annotations

import tomllib
import warnings
from pathlib import Path

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


JOBS = {"recommend": _recommend, "affinity_pairs": _affinity_pairs, "evaluate": _evaluate}
KINDS = {"invalid_parameter": upsell.InvalidParameterError, "invalid_input": upsell.InvalidInputError}


def test_the_table_is_there():
    assert len(CASES) >= 25


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
