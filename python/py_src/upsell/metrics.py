"""Metrics that prove the revenue: A/B tests, sample sizes, order metrics and forecasts.

The statistics equal statsmodels' (``proportions_ztest``, ``confint_proportions_2indep``,
``NormalIndPower``) to 1e-9; money comes back as :class:`decimal.Decimal`.

>>> import upsell
>>> result = upsell.ab_test(412, 8000, 498, 8000)
>>> round(result.z, 4), result.verdict
(2.9356, 'b_better')
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Tuple, Union

import pandas as pd

from upsell import _upsell
from upsell.pricing import _amount, _summary_attrs, money

__all__ = [
    "AbTestResult",
    "SampleSize",
    "ab_test",
    "forecast",
    "minimum_detectable_effect",
    "order_metrics",
    "power",
    "sample_size",
]


@dataclass(frozen=True)
class AbTestResult:
    """The two-proportion z-test of B against A.

    ``z`` is positive when B converts better; ``p_value`` is two-sided; ``lift`` is
    ``rate_b / rate_a - 1`` with ``lift_ci`` from the log risk ratio; ``difference_ci`` is the Wald
    interval of ``rate_b - rate_a``; ``verdict`` is ``"b_better"``, ``"a_better"`` or
    ``"inconclusive"``; ``peeking_warning`` is set when the data was tested more than once.
    """

    rate_a: float
    rate_b: float
    difference: float
    difference_ci: Tuple[float, float]
    lift: Optional[float]
    lift_ci: Optional[Tuple[float, float]]
    z: float
    p_value: float
    alpha: float
    verdict: str
    peeking_warning: Optional[str]


@dataclass(frozen=True)
class SampleSize:
    """Visitors per arm to detect ``baseline -> target`` at ``alpha`` with ``power``."""

    baseline: float
    target: float
    effect_size: float
    n_per_arm_exact: float
    n_per_arm: int
    alpha: float
    power: float


def ab_test(conversions_a: int, n_a: int, conversions_b: int, n_b: int, alpha: float = 0.05, *, looks: int = 1) -> AbTestResult:
    """Tests whether B converts differently from A (two-sided two-proportion z-test).

    Equals ``statsmodels.stats.proportion.proportions_ztest([conversions_b, conversions_a],
    [n_b, n_a])``; ``looks`` > 1 (the data was checked while it came in) adds a peeking warning.
    """
    raw = json.loads(_upsell.ab_test_json(conversions_a, n_a, conversions_b, n_b, alpha, looks))
    return AbTestResult(
        rate_a=raw["rate_a"],
        rate_b=raw["rate_b"],
        difference=raw["difference"],
        difference_ci=tuple(raw["difference_ci"]),
        lift=raw["lift"],
        lift_ci=None if raw["lift_ci"] is None else tuple(raw["lift_ci"]),
        z=raw["z"],
        p_value=raw["p_value"],
        alpha=raw["alpha"],
        verdict=raw["verdict"],
        peeking_warning=raw["peeking_warning"],
    )


def sample_size(baseline: float, mde: float, alpha: float = 0.05, power: float = 0.8) -> SampleSize:
    """Visitors per arm to detect an absolute change ``mde`` of the ``baseline`` rate.

    Equals ``NormalIndPower().solve_power(proportion_effectsize(baseline + mde, baseline),
    alpha=alpha, power=power)`` (``n_per_arm_exact``), rounded up in ``n_per_arm``.
    """
    return SampleSize(**json.loads(_upsell.sample_size_json(baseline, mde, alpha, power)))


def minimum_detectable_effect(baseline: float, n: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """The smallest absolute increase over ``baseline`` detectable with ``n`` visitors per arm."""
    return _upsell.minimum_detectable_effect(baseline, n, alpha, power)


def power(effect_size: float, n: float, alpha: float = 0.05) -> float:
    """Power of the two-sided two-sample z-test (``NormalIndPower().power``), ``n`` per arm."""
    return _upsell.power(effect_size, n, alpha)


def order_metrics(path: Union[str, "os.PathLike[str]"], *, period: str = "all", by_segment: bool = False, currency: str = "GBP") -> pd.DataFrame:
    """Expansion metrics of an order file, overall or by segment (Country) and period.

    Columns: ``segment``, ``period``, ``orders``, ``orders_without_customer``, ``customers``,
    ``revenue``, ``aov`` (``Decimal``), ``items_per_order``, ``lines_per_order``, ``attach_rate``,
    ``revenue_per_customer`` (``Decimal``), ``repeat_rate``, ``currency``. What the reader excluded
    and why is in ``frame.attrs["excluded"]``.
    """
    raw = json.loads(_upsell.order_metrics_json(os.fspath(path), currency=currency, period=period, by_segment=by_segment))
    rows = []
    for r in raw["rows"]:
        row = dict(r)
        row["currency"] = r["revenue"]["currency"]
        row["revenue"] = money(r["revenue"])
        row["aov"] = money(r["aov"])
        row["revenue_per_customer"] = None if r["revenue_per_customer"] is None else money(r["revenue_per_customer"])
        rows.append(row)
    columns = ["segment", "period", "orders", "orders_without_customer", "customers", "revenue", "aov", "items_per_order",
               "lines_per_order", "attach_rate", "revenue_per_customer", "repeat_rate", "currency"]
    return _summary_attrs(pd.DataFrame(rows, columns=columns), raw["summary"])


def forecast(
    segment: str,
    offer: str,
    eligible: int,
    takes: int,
    shown: int,
    value: Union[str, Decimal, int],
    *,
    currency: str = "GBP",
    alpha: float = 0.05,
) -> dict:
    """Expected revenue: ``eligible`` customers x take rate (``takes`` of ``shown``) x ``value``,
    with a range from the take rate's Wilson interval."""
    raw = json.loads(_upsell.forecast_json(segment, offer, eligible, takes, shown, _amount(value, "value"), currency=currency, alpha=alpha))
    for key in ("value", "expected", "low", "high"):
        raw[key] = money(raw[key])
    raw["take_rate_range"] = tuple(raw["take_rate_range"])
    return raw
