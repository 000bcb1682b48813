"""The shared bad-input corpus (``testdata/bad-inputs/``): the same error kind and message as in Rust and C."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import upsell

CORPUS = Path(__file__).resolve().parents[2] / "testdata" / "bad-inputs"
CASES = sorted(CORPUS.glob("*.toml"))


def test_the_corpus_is_there():
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_every_bad_input_gives_its_error(case: Path):
    spec = tomllib.loads(case.read_text())
    path = CORPUS / spec["input"]
    with pytest.raises(Exception) as caught:
        if spec.get("load") == "model":
            upsell.Recommender.load(path)
        else:
            upsell.frequent_itemsets(
                path,
                spec.get("min_support", 1),
                format=spec.get("format"),
                delimiter=spec.get("delimiter"),
                basket=spec.get("basket"),
                item=spec.get("item"),
                **({"max_memory": spec["max_memory"]} if "max_memory" in spec else {}),
            )
    err = caught.value
    if spec["kind"] == "io":
        assert isinstance(err, OSError), repr(err)
    else:
        assert isinstance(err, upsell.UpsellError), repr(err)
        assert err.kind == spec["kind"], repr(err)
    assert spec["message"] in str(err), repr(err)
