"""upsell.triggers.discover: planted effects found, statistics against scipy / statsmodels (1e-9),
every frame library, bad inputs, and the rules it writes loaded by the engine."""

import math

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from scipy.stats import fisher_exact
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

import upsell
from upsell.triggers import PlantedEffect, RuleSet, discover, synthetic_subscriptions

PLANTED = [PlantedEffect("upgraded", "usage.feature_2", ">=", 20, 3.0, "starter")]


@pytest.fixture(scope="module")
def customers():
    return synthetic_subscriptions(6000, effects=PLANTED, seed=5)


def test_the_planted_subgroup_comes_first(customers):
    found = discover(customers, "upgraded", ignore=["id", "churned"])
    first = found.subgroups.iloc[0]
    assert first["subgroup"].startswith('plan == "starter" && usage.feature_2 >= ')
    threshold = int(first["subgroup"].rsplit(" ", 1)[1])
    assert abs(threshold - 20) <= 2
    assert first["significant"] and not first["redundant"] and first["lift"] > 2
    assert found.customers == 6000 and found.tests >= len(found.subgroups)
    rules = RuleSet.from_yaml(found.rules)
    assert rules.names[0] == "upgraded-1"
    offers = rules.evaluate(customers, now="2026-12-01T00:00:00Z")
    assert (offers["target"] == "upgraded").all() and len(offers) > 0


def test_every_frame_library_gives_the_same_subgroups(customers):
    expected = discover(customers, "upgraded", ignore=["id", "churned"]).subgroups
    for data in (pl.from_pandas(customers), pa.Table.from_pandas(customers, preserve_index=False)):
        found = discover(data, "upgraded", ignore=["id", "churned"], output="pandas").subgroups
        pd.testing.assert_frame_equal(found, expected)
    assert isinstance(discover(pl.from_pandas(customers), "upgraded", ignore=["id"]).subgroups, pl.DataFrame)


@pytest.mark.parametrize("correction,method", [("holm", "holm"), ("bh", "fdr_bh")])
def test_statistics_match_scipy_and_statsmodels(correction, method):
    data = synthetic_subscriptions(1500, effects=PLANTED, features=2, seed=9)
    found = discover(data, "upgraded", ignore=["id", "churned"], keep_all=True, correction=correction,
                     max_conditions=2, min_size=40)
    frame = found.subgroups
    total, positives = found.customers, found.positives
    assert found.base_rate == positives / total
    for row in frame.itertuples():
        a, n = int(row.positives), int(row.size)
        table = [[a, n - a], [positives - a, total - n - positives + a]]
        p = fisher_exact(table, alternative="greater")[1]
        assert math.isclose(row.p_value, p, rel_tol=1e-9, abs_tol=1e-300), row.subgroup
        low, high = proportion_confint(a, n, alpha=0.05, method="wilson")
        assert abs(row.rate_low - low) < 1e-9 and abs(row.rate_high - high) < 1e-9
        assert abs(row.lift_low - low / found.base_rate) < 1e-9
    padded = np.concatenate([frame["p_value"].to_numpy(), np.ones(found.tests - len(frame))])
    adjusted = multipletests(padded, method=method)[1][: len(frame)]
    np.testing.assert_allclose(frame["p_adjusted"].to_numpy(), adjusted, rtol=1e-9, atol=1e-300)


def test_expected_value_from_plan_prices(customers):
    found = discover(customers, "upgraded", ignore=["id", "churned"], prices={"starter": "19.00", "team": "29.00",
                     "pro": "49.00"}, target_plan="pro")
    first = found.subgroups.iloc[0]
    assert float(first["expected_value"]) == pytest.approx(round(first["rate"] * 3000) / 100, abs=1e-9)
    assert "target: pro" in found.rules
    RuleSet.from_yaml(found.rules)


def test_bad_inputs():
    base = pd.DataFrame({"id": ["a", "b", "c", "d"], "usage": [1, 2, 3, 4], "upgraded": [0, 1, 2, 0]})
    with pytest.raises(upsell.InvalidInputError, match="outcome 2 in row 3"):
        discover(base, "upgraded")
    with pytest.raises(upsell.InvalidInputError, match="no outcome column 'churned'"):
        discover(base, "churned")
    with pytest.raises(upsell.InvalidInputError, match="fewer than the smallest subgroup"):
        discover(base.assign(upgraded=[0, 1, 1, 0]), "upgraded", min_size=5)
    with pytest.raises(upsell.InvalidParameterError, match="max_conditions"):
        discover(base.assign(upgraded=[0, 1, 1, 0]), "upgraded", max_conditions=4)
    n = 400
    odd = pd.DataFrame({
        "region": ["eu"] * n,
        "score": pd.Series([None] * n, dtype="float64"),
        "usage": np.arange(n),
        "upgraded": (np.arange(n) % 4 == 0).astype(int),
    })
    found = discover(odd, "upgraded")
    assert found.skipped["region"] == "constant" and found.skipped["score"] == "all values missing"
