"""Adoption gaps and tier migration (issue 21): planted gaps found, hand-computed cases, bad input."""

from decimal import Decimal

import pandas as pd
import polars as pl
import pytest

import upsell
from upsell.triggers import PlantedEffect, adoption_gaps, synthetic_subscriptions

PLANS = {
    "starter": ["usage.feature_1", "usage.feature_2", "usage.feature_3"],
    "team": ["usage.feature_1", "usage.feature_2", "usage.feature_3", "usage.feature_4"],
    "pro": ["usage.feature_1", "usage.feature_2", "usage.feature_3", "usage.feature_4", "usage.feature_5"],
}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_planted_gap_is_the_most_significant(seed):
    customers = synthetic_subscriptions(
        6000, effects=[PlantedEffect("churned", "usage.feature_4", "<", 1, 5.0, "team")], seed=seed
    )
    found = adoption_gaps(customers, PLANS, customer_column="id")
    top = found.gaps.sort_values("p_value").iloc[0]
    assert (top["plan"], top["feature"]) == ("team", "usage.feature_4")
    assert top["significant"] and top["lift_low"] > 1.0
    listed = found.customer_gaps.query("plan == 'team' and feature == 'usage.feature_4'")
    assert len(listed) == top["customers"]


def test_gaps_by_hand_in_polars():
    customers = pl.DataFrame({
        "id": [f"c{k}" for k in range(1, 11)],
        "plan": ["pro"] * 10,
        "reports": [0, 0, 0, 0, 5, 1, 2, 9, 3, 4],
        "churned": [1, 1, 1, 0, 1, 0, 0, 0, 0, 0],
    })
    found = adoption_gaps(customers, {"pro": ["reports"]}, customer_column="id")
    assert isinstance(found.gaps, pl.DataFrame)
    gap = found.gaps.row(0, named=True)
    assert (gap["customers"], gap["positives"], gap["share"]) == (4, 3, 0.4)
    assert gap["lift"] == pytest.approx(0.75 / 0.4, abs=1e-12)
    assert gap["p_value"] == pytest.approx(25 / 210, abs=1e-12)  # hypergeometric P(X >= 3)
    assert found.customer_gaps["customer"].to_list() == ["c1", "c2", "c3", "c4"]


def test_gap_errors_name_what_and_where():
    customers = pd.DataFrame({"plan": ["pro", "enterprise"], "reports": [1, 0], "churned": [0, 1]})
    with pytest.raises(upsell.InvalidInputError, match="unknown plan 'enterprise' in row 2"):
        adoption_gaps(customers, {"pro": ["reports"]})
    with pytest.raises(upsell.InvalidInputError, match="no usage column 'api'"):
        adoption_gaps(customers, {"pro": ["api"], "enterprise": []})
    with pytest.raises(upsell.InvalidInputError, match="no outcome column 'left'"):
        adoption_gaps(customers, {"pro": [], "enterprise": []}, outcome="left")


HISTORY = pd.DataFrame({
    "customer": ["a", "b", "a", "c", "b", "c", "a"],
    "date": pd.to_datetime(
        ["2026-01-01", "2026-01-01", "2026-01-11", "2026-01-06", "2026-02-10", "2026-03-07", "2026-01-31"]
    ),
    "plan": ["free", "basic", "basic", "basic", "team", "business", "business"],
    "mrr": ["0", "9.00", "9.00", "9.00", "29.00", "99.00", "99.00"],
})


def test_tier_migration_by_hand():
    found = upsell.tier_migration(HISTORY)
    assert list(found.matrix.index) == ["free", "basic", "team", "business"]
    assert found.matrix.values.tolist() == [[0, 1, 0, 0], [0, 0, 1, 2], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert (found.customers, found.upgrades, found.downgrades) == (3, 4, 0)
    assert found.median_days_to_upgrade == 30.0  # 10, 20, 40, 60
    team = found.tiers.set_index("tier").loc["team"]
    assert (team["upgrades_past"], team["upgrades_into"]) == (2, 1)
    assert found.current_tiers == [("basic", Decimal("9.00"), 0), ("team", Decimal("29.00"), 1), ("business", Decimal("99.00"), 2)]
    rows = upsell.analyse_tiers(found.current_tiers)
    assert rows["gap"].tolist() == [False, True, True]
    polars = upsell.tier_migration(pl.from_pandas(HISTORY))
    assert polars.upgrades == 4 and isinstance(polars.tiers, pl.DataFrame)


def test_tier_migration_errors_name_the_row():
    late = pd.concat([HISTORY, pd.DataFrame({"customer": ["b"], "date": pd.to_datetime(["2026-01-05"]), "plan": ["basic"], "mrr": ["9"]})])
    with pytest.raises(upsell.InvalidInputError, match="dates out of order in row 8: customer 'b'"):
        upsell.tier_migration(late)
    with pytest.raises(upsell.InvalidInputError, match="unknown plan 'business' in row 6"):
        upsell.tier_migration(HISTORY, tiers=["free", "basic", "team"])
    with pytest.raises(upsell.InvalidInputError, match="empty history"):
        upsell.tier_migration(HISTORY.iloc[:0])
    with pytest.raises(upsell.InvalidInputError, match="no mrr column 'price'"):
        upsell.tier_migration(HISTORY, mrr="price")
    with pytest.raises(upsell.InvalidInputError, match="floats"):
        upsell.tier_migration(HISTORY.assign(mrr=[0.0, 9.0, 9.0, 9.0, 29.0, 99.0, 99.0]))
