"""Metrics from Python: the A/B statistics against statsmodels (1e-9), order metrics on the real
Online Retail week, forecasts, and bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

import upsell

statsmodels = pytest.importorskip("statsmodels")
from statsmodels.stats.power import NormalIndPower  # noqa: E402
from statsmodels.stats.proportion import (  # noqa: E402
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
)

CASES = [(412, 8000, 498, 8000), (200, 5000, 260, 5000), (30, 1000, 22, 1200), (1, 50, 7, 40), (5000, 100000, 5000, 90000)]


@pytest.mark.parametrize("ca,na,cb,nb", CASES)
@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.1])
def test_ab_test_equals_statsmodels(ca, na, cb, nb, alpha):
    result = upsell.ab_test(ca, na, cb, nb, alpha=alpha)
    z, p = proportions_ztest([cb, ca], [nb, na])
    assert result.z == pytest.approx(z, rel=1e-9, abs=1e-12)
    assert result.p_value == pytest.approx(p, rel=1e-9, abs=1e-15)
    low, high = confint_proportions_2indep(cb, nb, ca, na, compare="diff", method="wald", alpha=alpha)
    assert result.difference_ci == pytest.approx((low, high), rel=1e-9, abs=1e-12)
    low, high = confint_proportions_2indep(cb, nb, ca, na, compare="ratio", method="log", alpha=alpha)
    assert result.lift == pytest.approx(cb / nb / (ca / na) - 1, rel=1e-12)
    assert result.lift_ci == pytest.approx((low - 1, high - 1), rel=1e-9, abs=1e-12)
    expected = "inconclusive" if p >= alpha else ("b_better" if cb / nb > ca / na else "a_better")
    assert result.verdict == expected


@pytest.mark.parametrize("baseline,mde", [(0.05, 0.01), (0.10, 0.02), (0.30, -0.05), (0.02, 0.005)])
@pytest.mark.parametrize("alpha,power", [(0.05, 0.8), (0.01, 0.9)])
def test_sample_size_equals_normal_ind_power(baseline, mde, alpha, power):
    plan = upsell.sample_size(baseline, mde, alpha=alpha, power=power)
    h = proportion_effectsize(baseline + mde, baseline)
    assert plan.effect_size == pytest.approx(h, rel=1e-12)
    n = NormalIndPower().solve_power(h, alpha=alpha, power=power)
    assert plan.n_per_arm_exact == pytest.approx(n, rel=1e-9)
    assert NormalIndPower().power(h, plan.n_per_arm_exact, alpha) == pytest.approx(power, abs=1e-9)


@pytest.mark.parametrize("h,n,alpha", [(0.2, 393, 0.05), (0.05, 5000, 0.01), (-0.1, 800, 0.1)])
def test_power_equals_normal_ind_power(h, n, alpha):
    assert upsell.power(h, n, alpha) == pytest.approx(NormalIndPower().power(h, n, alpha), rel=1e-9, abs=1e-12)


def test_minimum_detectable_effect_reaches_the_power():
    mde = upsell.minimum_detectable_effect(0.05, 5000, alpha=0.05, power=0.8)
    h = proportion_effectsize(0.05 + mde, 0.05)
    assert NormalIndPower().power(h, 5000, 0.05) == pytest.approx(0.8, abs=1e-9)


def test_peeking_warning():
    result = upsell.ab_test(412, 8000, 498, 8000, looks=5)
    assert "14.2%" in result.peeking_warning


def test_order_metrics_on_the_retail_week(data_dir):
    frame = upsell.order_metrics(data_dir / "online_retail_week.csv")
    row = frame.iloc[0]
    assert row["revenue"] == Decimal("192223.40")
    assert row["aov"] == Decimal("369.66")
    assert row["items_per_order"] == pytest.approx(203.31923076923077, rel=1e-12)
    assert row["orders"] == 520
    assert frame.attrs["excluded"] == {"zero_price": 1, "non_product": 40}
    by_day = upsell.order_metrics(data_dir / "online_retail_week.csv", period="day", by_segment=True)
    assert by_day[by_day["segment"] == "all"]["orders"].sum() == 520


def test_forecast():
    f = upsell.forecast("UK", "bundle", 10_000, 50, 1000, "13.29")
    assert f["expected"] == Decimal("6645.00")
    assert f["low"] < f["expected"] < f["high"]


def test_bad_input():
    with pytest.raises(upsell.InvalidParameterError, match="more conversions than visitors"):
        upsell.ab_test(9, 5, 1, 5)
    with pytest.raises(upsell.InvalidParameterError, match="alpha"):
        upsell.ab_test(1, 5, 1, 5, alpha=2.0)
    with pytest.raises(upsell.InvalidParameterError, match="mde"):
        upsell.sample_size(0.95, 0.1)
