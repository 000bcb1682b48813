"""Bundle pricing, threshold fillers, mixed bundling and tiers, with exact money.

Money never travels as a float: amounts go in as strings or :class:`decimal.Decimal` (``"2.55"``,
``"2.55 EUR"``) and come back as :class:`decimal.Decimal` columns with a ``currency`` column. A
float price is refused, because ``0.1 + 0.2 != 0.3``.

>>> import upsell
>>> quote = upsell.price_bundle(["MUG", "TEA"], {"MUG": "12.00", "TEA": "8.00"})
>>> quote["price"], quote["saving"], quote["saving_percent"]
(Decimal('16.99'), Decimal('3.01'), Decimal('15.05'))
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from upsell import _upsell
from upsell.exceptions import InvalidInputError, InvalidParameterError

__all__ = [
    "TierMigration", "analyse_tiers", "bundles", "money", "optimise_mixed_bundle", "price_bundle", "threshold_fillers",
    "tier_migration",
]

Amount = Union[str, Decimal, int]
PathLike = Union[str, "os.PathLike[str]"]


def money(value: Mapping[str, Any]) -> Decimal:
    """A core amount ``{"minor": 255, "currency": "GBP"}`` as an exact ``Decimal('2.55')``."""
    exponent = _upsell.currency_exponent(value["currency"])
    return Decimal(int(value["minor"])).scaleb(-exponent)


def _amount(value: Amount, what: str) -> str:
    """An amount as the decimal text the core parses exactly."""
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidParameterError(
            f"{what}: got the float {value!r}; money must be exact: pass a string or decimal.Decimal ('2.55')"
        )
    if isinstance(value, (int, Decimal)):
        return format(value, "f")
    if isinstance(value, str):
        return value
    raise InvalidParameterError(f"{what}: expected a string, Decimal or int, got {type(value).__name__}")


def _priced(entries: Mapping[str, Amount], what: str) -> list:
    return [(str(label), _amount(value, f"{what} of {label!r}")) for label, value in entries.items()]


def _band(discount: Tuple[Amount, Amount]) -> Tuple[str, str]:
    try:
        low, high = discount
    except (TypeError, ValueError):
        raise InvalidParameterError(f"discount must be a (min, max) pair of percentages, got {discount!r}") from None
    return (_amount(low, "discount"), _amount(high, "discount"))


def _percent(basis_points: int) -> Decimal:
    return Decimal(basis_points).scaleb(-2)


def _quote(quote: Mapping[str, Any]) -> Dict[str, Any]:
    return {
        "items": list(quote["items"]),
        "item_prices": [money(p) for p in quote["item_prices"]],
        "sum": money(quote["sum"]),
        "price": money(quote["price"]),
        "saving": money(quote["saving"]),
        "saving_percent": _percent(quote["saving_bp"]),
        "cost": money(quote["cost"]) if quote.get("cost") else None,
        "currency": quote["price"]["currency"],
    }


def price_bundle(
    items: Sequence[str],
    prices: Mapping[str, Amount],
    *,
    costs: Optional[Mapping[str, Amount]] = None,
    currency: str = "GBP",
    discount: Tuple[Amount, Amount] = (15, 25),
    ending: str = "nine",
    max_discount: Optional[Amount] = None,
    min_margin: Amount = 0,
) -> Dict[str, Any]:
    """Prices one bundle of ``items`` under a policy.

    ``discount`` is the band in percent off the sum of item prices; the price is the highest one
    inside the band with the wanted ``ending`` (``"exact"``, ``"nine"``, ``"99"``, ``"95"``,
    ``"whole"``, ``"whole_nine"``), not below ``cost x (1 + min_margin %)`` when ``costs`` are
    given and not saving more than ``max_discount``. Returns a dict of ``Decimal`` amounts, or
    ``{"refused": reason}`` when the policy leaves no price. A missing or negative price, a price
    in another currency or a band outside 0-100 % raise :class:`upsell.InvalidInputError` /
    :class:`upsell.InvalidParameterError`.
    """
    text = _upsell.price_bundle_json(
        [str(i) for i in items],
        _priced(prices, "price"),
        costs=None if costs is None else _priced(costs, "cost"),
        currency=currency,
        discount=_band(discount),
        ending=ending,
        max_discount=None if max_discount is None else _amount(max_discount, "max_discount"),
        min_margin=_amount(min_margin, "min_margin"),
    )
    result = json.loads(text)
    return {"refused": result["refused"], "reason": result["reason"]} if "refused" in result else _quote(result)


def _summary_attrs(frame: pd.DataFrame, summary: Mapping[str, Any]) -> pd.DataFrame:
    frame.attrs["rows"] = summary["rows"]
    frame.attrs["kept"] = summary["kept"]
    frame.attrs["excluded"] = {reason: rows for reason, rows in summary["excluded"]}
    frame.attrs["kept_without_customer"] = summary["kept_without_customer"]
    frame.attrs["orders"] = summary["orders"]
    frame.attrs["customers"] = summary["customers"]
    return frame


def bundles(
    path: PathLike,
    *,
    min_support: int = 10,
    min_items: int = 2,
    max_items: int = 4,
    top: int = 10,
    discount: Tuple[Amount, Amount] = (15, 25),
    ending: str = "nine",
    max_discount: Optional[Amount] = None,
    costs: Optional[Mapping[str, Amount]] = None,
    min_margin: Amount = 0,
    currency: str = "GBP",
    threads: Optional[int] = None,
) -> pd.DataFrame:
    """The best bundles in an order file (long CSV, Online Retail columns), priced and ranked.

    One row per bundle: ``items``, ``descriptions``, ``item_prices`` (lists), ``sum``, ``price``,
    ``saving`` (``Decimal``), ``saving_percent``, ``orders``, ``support``, ``min_confidence``,
    ``revenue_per_1000_orders`` (expected incremental revenue), ``currency``. What the reader
    excluded and why is in ``frame.attrs["excluded"]``.
    """
    text = _upsell.bundles_json(
        os.fspath(path),
        currency=currency,
        min_support=min_support,
        min_items=min_items,
        max_items=max_items,
        top=top,
        discount=_band(discount),
        ending=ending,
        max_discount=None if max_discount is None else _amount(max_discount, "max_discount"),
        min_margin=_amount(min_margin, "min_margin"),
        costs=None if costs is None else _priced(costs, "cost"),
        threads=threads,
    )
    result = json.loads(text)
    rows = []
    for bundle in result["report"]["bundles"]:
        row = _quote(bundle["quote"])
        row.pop("cost")
        row["descriptions"] = bundle["descriptions"]
        row["orders"] = bundle["orders"]
        row["support"] = bundle["support"]
        row["min_confidence"] = bundle["min_confidence"]
        row["revenue_per_1000_orders"] = money(bundle["revenue_per_1000_orders"])
        margin = bundle.get("margin_per_1000_orders")
        row["margin_per_1000_orders"] = money(margin) if margin else None
        rows.append(row)
    columns = ["items", "descriptions", "item_prices", "sum", "price", "saving", "saving_percent", "orders",
               "support", "min_confidence", "revenue_per_1000_orders", "margin_per_1000_orders", "currency"]
    frame = pd.DataFrame(rows, columns=columns)
    frame.attrs["candidates"] = result["report"]["candidates"]
    frame.attrs["refused"] = {reason: n for reason, n in result["report"]["refused"]}
    return _summary_attrs(frame, result["summary"])


def threshold_fillers(
    path: PathLike,
    threshold: Amount,
    *,
    invoice: Optional[str] = None,
    cart: Optional[Sequence[str]] = None,
    top: int = 10,
    pairs: bool = True,
    currency: str = "GBP",
) -> pd.DataFrame:
    """Items or pairs bought with a cart that bring it to ``threshold`` with the least overshoot.

    The cart is an ``invoice`` of the order file (what was paid) or a list of item codes
    (``cart=``, one unit each at its list price). Columns: ``items``, ``prices`` (lists),
    ``added``, ``overshoot`` (``Decimal``), ``affinity``, ``score``, ``currency``; the cart's
    total and the gap are in ``frame.attrs``.
    """
    text = _upsell.threshold_json(
        os.fspath(path),
        _amount(threshold, "threshold"),
        invoice=invoice,
        cart=None if cart is None else [str(c) for c in cart],
        currency=currency,
        top=top,
        pairs=pairs,
    )
    result = json.loads(text)
    fill = result["fill"]
    rows = [
        {
            "items": f["items"],
            "prices": [money(p) for p in f["prices"]],
            "added": money(f["added"]),
            "overshoot": money(f["overshoot"]),
            "affinity": f["affinity"],
            "score": f["score"],
            "currency": f["added"]["currency"],
        }
        for f in fill["fillers"]
    ]
    frame = pd.DataFrame(rows, columns=["items", "prices", "added", "overshoot", "affinity", "score", "currency"])
    frame.attrs["cart_total"] = money(fill["cart_total"])
    frame.attrs["threshold"] = money(fill["threshold"])
    frame.attrs["gap"] = money(fill["gap"])
    return _summary_attrs(frame, result["summary"])


def optimise_mixed_bundle(
    wtp: Any,
    *,
    currency: str = "USD",
    costs: Optional[Sequence[int]] = None,
    search: str = "auto",
) -> Dict[str, Any]:
    """Mixed-bundling prices from a willingness-to-pay matrix (customers x items) in minor units.

    ``wtp`` is a 2-D integer array (numpy or anything ``np.asarray`` takes) of minor units
    (pence, cents); ``costs`` are unit costs in minor units. Returns the item prices and the
    bundle price (``Decimal``, ``None`` when not offered), the outcome (profit, revenue, buyers),
    the best separate-price and pure-bundle outcomes, and whether the search was exact.
    """
    matrix = np.asarray(wtp)
    if matrix.dtype.kind == "f":
        raise InvalidParameterError("wtp: floats are not exact money; pass integer minor units (pence, cents)")
    matrix = np.ascontiguousarray(matrix, dtype=np.int64)
    result = json.loads(_upsell.mixed_bundle_json(matrix, currency=currency, costs=None if costs is None else [int(c) for c in costs], search=search))

    def outcome(o: Mapping[str, Any]) -> Dict[str, Any]:
        return {"profit": money(o["profit"]), "revenue": money(o["revenue"]), "bundle_buyers": o["bundle_buyers"], "item_buyers": o["item_buyers"]}

    return {
        "item_prices": [None if p is None else money(p) for p in result["item_prices"]],
        "bundle_price": None if result["bundle_price"] is None else money(result["bundle_price"]),
        **outcome(result["outcome"]),
        "separate": outcome(result["separate"]),
        "pure_bundle": outcome(result["pure_bundle"]),
        "exact": result["exact"],
    }


def analyse_tiers(
    tiers: Iterable[Tuple[str, Amount, int]],
    *,
    currency: str = "USD",
    ending: str = "whole_nine",
) -> pd.DataFrame:
    """Tier analysis from ``(name, price, customers)`` plans: shares, step ratios, gaps with a bridge
    price, decoys and upgrade values."""
    text = _upsell.tiers_json([(str(n), _amount(p, f"price of tier {n!r}"), int(c)) for n, p, c in tiers], currency=currency, ending=ending)
    rows = [
        {
            "tier": r["tier"]["name"],
            "price": money(r["tier"]["price"]),
            "customers": r["tier"]["customers"],
            "customer_share": r["customer_share"],
            "revenue": money(r["revenue"]),
            "revenue_share": r["revenue_share"],
            "step_ratio": r["step_ratio"],
            "gap": r["gap"],
            "bridge_price": None if r["bridge_price"] is None else money(r["bridge_price"]),
            "decoy": r["decoy"],
            "upgrade_delta": None if r["upgrade_delta"] is None else money(r["upgrade_delta"]),
            "upgrade_value": None if r["upgrade_value"] is None else money(r["upgrade_value"]),
        }
        for r in json.loads(text)
    ]
    return pd.DataFrame(rows)


class TierMigration(NamedTuple):
    """What :func:`tier_migration` found."""

    #: Plan changes, one row and one column per tier (lowest first): from the row's to the column's.
    matrix: Any
    #: One row per tier: customers now, price (median MRR now), upgrades and downgrades from it,
    #: median days on it before an upgrade, upgrades into it and past it, and the share skipping it.
    tiers: Any
    customers: int
    upgrades: int
    downgrades: int
    #: The median days on a tier before an upgrade (``None`` without upgrades).
    median_days_to_upgrade: Optional[float]
    #: Today's ``(name, price, customers)`` tiers (free plans left out), for :func:`analyse_tiers`.
    current_tiers: List[Tuple[str, Decimal, int]]


def tier_migration(
    history: Any,
    *,
    customer: str = "customer",
    date: str = "date",
    plan: str = "plan",
    mrr: str = "mrr",
    currency: str = "USD",
    tiers: Optional[Sequence[str]] = None,
    output: Optional[str] = None,
) -> TierMigration:
    """Tier migration from subscription history: one row per plan start or change (``customer``,
    ``date`` in UTC, ``plan``, ``mrr``), each customer's rows in date order.

    A row whose plan differs from the customer's previous row is a change, counted in ``matrix``;
    tiers are ordered by ``tiers`` (lowest first) or by each plan's median MRR. Days to upgrade run
    from the start of the spell on the lower tier. MRR is exact: strings, ``Decimal`` or integers
    (whole units); floats are refused. Out-of-order dates, unknown plans (with ``tiers``), missing
    values and negative MRR raise :class:`upsell.InvalidInputError` naming the row.

    >>> import pandas as pd
    >>> history = pd.DataFrame({
    ...     "customer": ["a", "a", "b", "b"],
    ...     "date": ["2026-01-01", "2026-01-31", "2026-01-01", "2026-03-02"],
    ...     "plan": ["starter", "business", "pro", "starter"],
    ...     "mrr": ["19.00", "99.00", "49.00", "19.00"],
    ... })
    >>> found = tier_migration(history)
    >>> int(found.matrix.loc["starter", "business"]), found.upgrades, found.downgrades, found.median_days_to_upgrade
    (1, 1, 1, 30.0)
    >>> int(found.tiers.set_index("tier").loc["pro", "upgrades_past"])
    1
    >>> analyse_tiers(found.current_tiers)[["tier", "customers"]].values.tolist()
    [['starter', 1], ['pro', 0], ['business', 1]]
    """
    import pyarrow as pa

    from upsell.triggers import _from_arrow, _to_arrow

    table, library = _to_arrow(history)
    for role, name in (("customer", customer), ("date", date), ("plan", plan), ("mrr", mrr)):
        if name not in table.column_names:
            raise InvalidInputError(
                f"no {role} column {name!r} (columns: {', '.join(table.column_names)})", column_name=name
            )
    dates = table.column(date)
    if pa.types.is_string(dates.type) or pa.types.is_large_string(dates.type):
        dates = dates.to_pylist()  # text, parsed by the core as every surface parses times
    elif pa.types.is_date(dates.type) or pa.types.is_timestamp(dates.type):
        if pa.types.is_date(dates.type):
            dates = dates.cast(pa.timestamp("s"))
        dates = dates.cast(pa.timestamp("s", tz=getattr(dates.type, "tz", None)), safe=False).cast(pa.int64()).to_pylist()
    else:
        raise InvalidInputError(f"date column {date!r} has type {dates.type}: expected dates, timestamps or text", column_name=date)
    amounts = table.column(mrr)
    if pa.types.is_floating(amounts.type):
        raise InvalidInputError(
            f"MRR column {mrr!r} holds floats: give exact amounts (strings, Decimal or integers)", column_name=mrr
        )
    text = _upsell.tier_migration_json(
        [None if v is None else str(v) for v in table.column(customer).to_pylist()],
        dates,
        [None if v is None else str(v) for v in table.column(plan).to_pylist()],
        [None if v is None else str(v) for v in amounts.to_pylist()],
        currency=currency,
        tiers=None if tiers is None else [str(t) for t in tiers],
    )
    result = json.loads(text)
    found = result["migration"]
    names = found["tiers"]
    matrix = pa.table({to: pa.array([row[k] for row in found["matrix"]], pa.int64()) for k, to in enumerate(names)})
    by_tier = pa.table({
        "tier": pa.array([t["tier"] for t in found["by_tier"]], pa.string()),
        "customers": pa.array([t["customers"] for t in found["by_tier"]], pa.int64()),
        "price": pa.array([money(t["price"]) for t in found["by_tier"]]),
        "currency": pa.array([t["price"]["currency"] for t in found["by_tier"]], pa.string()),
        "upgrades_from": pa.array([t["upgrades_from"] for t in found["by_tier"]], pa.int64()),
        "downgrades_from": pa.array([t["downgrades_from"] for t in found["by_tier"]], pa.int64()),
        "median_days_to_upgrade": pa.array([t["median_days_to_upgrade"] for t in found["by_tier"]], pa.float64()),
        "upgrades_into": pa.array([t["upgrades_into"] for t in found["by_tier"]], pa.int64()),
        "upgrades_past": pa.array([t["upgrades_past"] for t in found["by_tier"]], pa.int64()),
        "skip_share": pa.array([t["skip_share"] for t in found["by_tier"]], pa.float64()),
    })
    library = output or library
    matrix_frame = _from_arrow(matrix, library)
    if library == "pandas":
        matrix_frame.index = pd.Index(names, name="from")
    return TierMigration(
        matrix=matrix_frame,
        tiers=_from_arrow(by_tier, library),
        customers=found["customers"],
        upgrades=found["upgrades"],
        downgrades=found["downgrades"],
        median_days_to_upgrade=found["median_days_to_upgrade"],
        current_tiers=[(t["name"], money(t["price"]), t["customers"]) for t in result["current_tiers"]],
    )
