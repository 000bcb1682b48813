"""Upsell triggers: declarative rules that decide which customer sees which offer.

Rules are loaded from YAML, JSON or TOML, parsed and type-checked once, then evaluated for one
customer (``evaluate_one``, ``explain``) or for a whole DataFrame (``evaluate``), column-wise and in
parallel in Rust with the GIL released.

>>> from upsell.triggers import RuleSet
>>> rules = RuleSet.from_yaml('''
... rules:
...   - name: starter-to-pro
...     when: plan == "starter" && feature_x_30d > 20
...     offer: {kind: upgrade, target: pro}
... ''')
>>> import pandas as pd
>>> df = pd.DataFrame({"id": ["a", "b"], "plan": ["starter", "pro"], "feature_x_30d": [23, 40]})
>>> rules.evaluate(df, now="2026-11-23T10:00:00Z")[["customer", "rule", "target"]].values.tolist()
[['a', 'starter-to-pro', 'pro']]

Rules can also come from data: :func:`discover` finds the customers whose 0/1 outcome (upgraded,
churned) is most above the base rate and writes them as a rule file;
:func:`synthetic_subscriptions` makes a customer table with planted effects to try it on;
:func:`adoption_gaps` finds, per plan, the included features customers do not use and how each
gap goes with churn, for retention rules that come before upsell ones.

Errors in a rule file raise :class:`upsell.RuleSyntaxError`, whose ``diagnostics`` list every
problem (rule, line, column, message).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import os
from typing import Any, Dict, List, NamedTuple, Optional, Union

import pyarrow as pa

from upsell import _upsell
from upsell.exceptions import InvalidInputError, InvalidParameterError
from upsell.frames import to_polars

__all__ = [
    "AdoptionGaps", "Discovery", "Explanation", "History", "PlantedEffect", "RuleSet", "adoption_gaps", "discover",
    "synthetic_subscriptions",
]

#: Offer histories (shown / accepted / rejected per customer and target); ``to_json`` / ``from_json``
#: for storage, which the caller owns.
History = _upsell.History

class Explanation(NamedTuple):
    """How one rule came out for one customer."""

    rule: str
    fired: bool
    trace: str


def _now(now: Union[str, _dt.datetime, None]) -> Optional[str]:
    if now is None or isinstance(now, str):
        return now
    if isinstance(now, _dt.datetime):
        if now.tzinfo is None:
            now = now.replace(tzinfo=_dt.timezone.utc)
        return now.isoformat()
    raise InvalidParameterError(f"now: expected an RFC 3339 string or a datetime, got {type(now).__name__}")


class RuleSet:
    """A loaded, checked rule set (see the module documentation)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    @classmethod
    def from_yaml(cls, source: Union[str, "os.PathLike[str]"]) -> "RuleSet":
        """Rules from YAML text, or from a file when given a path object."""
        return cls._load(source, "yaml")

    @classmethod
    def from_json(cls, source: Union[str, "os.PathLike[str]"]) -> "RuleSet":
        """Rules from JSON text, or from a file when given a path object."""
        return cls._load(source, "json")

    @classmethod
    def from_toml(cls, source: Union[str, "os.PathLike[str]"]) -> "RuleSet":
        """Rules from TOML text, or from a file when given a path object."""
        return cls._load(source, "toml")

    @classmethod
    def from_path(cls, path: Union[str, "os.PathLike[str]"]) -> "RuleSet":
        """Rules from a file; the format comes from the extension (.yaml, .yml, .json, .toml)."""
        return cls(_upsell.RuleSet.from_path(os.fspath(path)))

    @classmethod
    def _load(cls, source: Any, format: str) -> "RuleSet":
        if isinstance(source, os.PathLike):
            path = os.fspath(source)
            with open(path, encoding="utf-8") as handle:
                return cls(_upsell.RuleSet.from_text(handle.read(), format, path))
        if not isinstance(source, str):
            raise InvalidParameterError(f"expected rule text or a path, got {type(source).__name__}")
        return cls(_upsell.RuleSet.from_text(source, format))

    @property
    def names(self) -> List[str]:
        """The rule names, in file order."""
        return self._inner.names

    @property
    def schema(self) -> Optional[Dict[str, str]]:
        """The schema declared in the file (field name to type), or None."""
        declared = self._inner.schema
        return None if declared is None else dict(declared)

    def explain(self, row: Dict[str, Any], *, now: Union[str, _dt.datetime, None] = None) -> List[Explanation]:
        """Every suppression's and rule's condition for one customer, with the values it saw."""
        return [Explanation(*item) for item in self._inner.explain(row, _now(now))]

    def evaluate_one(
        self,
        row: Dict[str, Any],
        *,
        now: Union[str, _dt.datetime, None] = None,
        history: Optional[History] = None,
    ) -> Dict[str, Any]:
        """The decision for one customer: ``offers``, ``held_out``, ``suppressed_by``, ``skipped``."""
        return self._inner.evaluate_one(row, _now(now), history)

    def sequences(
        self,
        row: Dict[str, Any],
        *,
        now: Union[str, _dt.datetime, None] = None,
        history: Optional[History] = None,
    ) -> List[Dict[str, Any]]:
        """Where one customer stands in each cross-sell sequence (``sequences:`` in the rule file):
        one dict per sequence with ``sequence``, ``day`` (days since the anchor), ``step`` (the step
        due now, 1 for the first, or None), ``offer`` (its offer dict, or None) and ``reason`` (why
        that step is due, or why none is: not started, not entered, left the sequence, between
        steps, already shown)."""
        return self._inner.sequences(row, _now(now), history)

    def evaluate(
        self,
        data: Any,
        *,
        now: Union[str, _dt.datetime, None] = None,
        history: Optional[History] = None,
        id_column: Optional[str] = None,
        threads: Optional[int] = None,
        output: Optional[str] = None,
    ) -> Any:
        """One row per (customer, offer) for every customer of ``data``.

        ``data`` is a pandas or polars DataFrame, or a pyarrow Table / RecordBatch; the result is a
        frame of the same library (``output="pandas" | "polars" | "arrow"`` to choose) with columns
        customer, rule, kind, target, priority, reason, expected_value (exact decimal) and held_out
        (offers withheld for the rule's control group). The customer id is ``id_column``, else the
        first column.
        """
        stream, library = _arrow_stream(data)
        offers = self._inner.evaluate_arrow(stream, _now(now), history, id_column, threads)
        return _from_arrow(pa.table(_Stream(offers)), output or library)

    def __repr__(self) -> str:
        return f"RuleSet({len(self.names)} rules: {', '.join(self.names[:5])}{', ...' if len(self.names) > 5 else ''})"


def _to_arrow(data: Any) -> "tuple[pa.Table, str]":
    if isinstance(data, pa.Table):
        return data, "arrow"
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]), "arrow"
    module = type(data).__module__.split(".")[0]
    if module == "polars":
        return data.to_arrow(), "polars"
    if module == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False), "pandas"
    raise InvalidParameterError(
        f"data: expected a pandas or polars DataFrame or a pyarrow Table, got {type(data).__name__}"
    )


def _arrow_stream(data: Any) -> "tuple[Any, str]":
    """``data`` as an object with ``__arrow_c_stream__``, read in Rust without a copy (pandas is
    converted to Arrow first), and the library to answer in."""
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        return data, "arrow"
    module = type(data).__module__.split(".")[0]
    if module == "polars":
        return data, "polars"
    if module == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False), "pandas"
    raise InvalidParameterError(
        f"data: expected a pandas or polars DataFrame or a pyarrow Table, got {type(data).__name__}"
    )


class _Stream:
    """A result of the native module: an Arrow C stream in a capsule (the PyCapsule interface)."""

    def __init__(self, capsule: Any) -> None:
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._capsule


def _from_arrow(table: pa.Table, library: str) -> Any:
    if library == "arrow":
        return table
    if library == "polars":
        return to_polars(table)
    if library == "pandas":
        return table.to_pandas()
    raise InvalidParameterError(f"output: expected 'pandas', 'polars' or 'arrow', got {library!r}")


_SUBGROUP_COLUMNS = [
    "subgroup", "conditions", "size", "positives", "rate", "rate_low", "rate_high", "lift", "lift_low",
    "lift_high", "p_value", "ln_p_value", "p_adjusted", "significant", "redundant", "expected_value",
]


class Discovery(NamedTuple):
    """What :func:`discover` found."""

    #: One row per subgroup reported, most significant first (a frame of the input's library).
    subgroups: Any
    #: The rule file (YAML) of the significant, non-redundant subgroups: ``RuleSet.from_yaml(rules)``.
    rules: str
    #: Customers, customers with the outcome, and their ratio.
    customers: int
    positives: int
    base_rate: float
    #: Subgroups tested: the number the p-values are corrected for.
    tests: int
    #: Columns that gave no condition, with the reason.
    skipped: Dict[str, str]


class PlantedEffect(NamedTuple):
    """An effect for :func:`synthetic_subscriptions`: customers (of ``plan``) whose ``column``
    compares with ``threshold`` by ``op`` (``">="`` or ``"<"``) have ``outcome`` (``"upgraded"`` or
    ``"churned"``) at ``lift`` times the base rate."""

    outcome: str
    column: str
    op: str
    threshold: int
    lift: float
    plan: Optional[str] = None


def discover(
    data: Any,
    outcome: str,
    *,
    min_size: Union[int, float] = 0.01,
    max_conditions: int = 3,
    alpha: float = 0.05,
    correction: str = "holm",
    ignore: Optional[List[str]] = None,
    keep_all: bool = False,
    top: Optional[int] = None,
    offer_kind: str = "upgrade",
    target: Optional[str] = None,
    prices: Optional[Dict[str, Union[str, int, float, decimal.Decimal]]] = None,
    target_plan: Optional[str] = None,
    plan_column: str = "plan",
    currency: str = "USD",
    threads: Optional[int] = None,
    output: Optional[str] = None,
) -> Discovery:
    """The subgroups of customers whose ``outcome`` (a 0/1 column) rate is highest.

    ``data`` has one row per customer (a pandas or polars DataFrame, or a pyarrow Table); string and
    boolean columns give ``column == value`` conditions, numeric columns thresholds chosen from the
    data (``>=`` and ``<``), and subgroups join up to ``max_conditions`` of them, each holding at least
    ``min_size`` customers (a count, or a fraction when below 1). Each reports its size, rate (95 %
    Wilson interval), lift over the base rate, one-sided Fisher exact p-value and that p-value
    corrected (``"holm"`` or ``"bh"``) for every subgroup tested. ``ignore`` lists columns not to use
    (ids, other outcomes). With ``prices`` (plan to amount, in ``currency``) and ``target_plan``, each
    rule's ``expected_value`` is ``rate x (target price - current plan price)``. The method is in
    docs/triggers.md.

    >>> customers = synthetic_subscriptions(20000, effects=[PlantedEffect("upgraded", "usage.feature_1", ">=", 20, 3.0, "starter")])
    >>> found = discover(customers, "upgraded", ignore=["id", "churned"])
    >>> found.subgroups["subgroup"].iloc[0]
    'plan == "starter" && usage.feature_1 >= 20'
    >>> RuleSet.from_yaml(found.rules).names[0]
    'upgraded-1'
    """
    options: Dict[str, Any] = {
        "outcome": outcome,
        "min_size": str(min_size),
        "max_conditions": max_conditions,
        "alpha": alpha,
        "correction": correction,
        "ignore": list(ignore or []),
        "keep_all": keep_all,
        "top": top,
        "offer_kind": offer_kind,
        "target": target,
        "threads": threads,
    }
    if prices is not None:
        options.update(
            prices={plan: str(amount) for plan, amount in prices.items()},
            target_plan=target_plan,
            plan_column=plan_column,
            currency=currency,
        )
    stream, library = _arrow_stream(data)
    result = _upsell.discover_arrow(stream, json.dumps(options))
    types = {
        "subgroup": pa.string(), "conditions": pa.int64(), "size": pa.int64(), "positives": pa.int64(),
        "significant": pa.bool_(), "redundant": pa.bool_(), "expected_value": pa.string(),
    }
    arrays = [pa.array(result[c], types.get(c, pa.float64())) for c in _SUBGROUP_COLUMNS]
    frame = _from_arrow(pa.table(arrays, names=_SUBGROUP_COLUMNS), output or library)
    return Discovery(
        subgroups=frame,
        rules=result["rules"],
        customers=result["customers"],
        positives=result["positives_total"],
        base_rate=result["base_rate"],
        tests=result["tests"],
        skipped=dict(result["skipped"]),
    )


_GAP_COLUMNS = [
    "plan", "feature", "plan_customers", "plan_positives", "customers", "positives", "share", "rate", "rate_low",
    "rate_high", "lift", "lift_low", "lift_high", "p_value", "p_adjusted", "significant", "condition",
]


class AdoptionGaps(NamedTuple):
    """What :func:`adoption_gaps` found."""

    #: One row per (plan, feature), in the order given: the gap's share of the plan's customers, its
    #: outcome rate (95 % Wilson interval), lift over the plan's rate, corrected p-value, and the rule
    #: condition selecting it.
    gaps: Any
    #: One row per customer and unused feature: ``customer``, ``plan``, ``feature``.
    customer_gaps: Any
    #: Customers, and customers with the outcome.
    customers: int
    positives: int


def adoption_gaps(
    data: Any,
    plans: Dict[str, List[str]],
    *,
    outcome: str = "churned",
    plan_column: str = "plan",
    customer_column: Optional[str] = None,
    min_usage: int = 1,
    alpha: float = 0.05,
    correction: str = "holm",
    output: Optional[str] = None,
) -> AdoptionGaps:
    """Per plan, the included features that customers do not use, and how each gap goes with churn.

    ``data`` has one row per customer (pandas, polars or pyarrow) with a plan column, one usage
    count column per feature and the 0/1 ``outcome``; ``plans`` maps every plan customers are on to
    the usage columns of the features it includes. A customer of plan P uses feature f fewer than
    ``min_usage`` times (a missing value counts as 0): that is the gap ``plan == "P" && f < 1``. Each
    gap reports its share of the plan's customers and, against the plan's customers, the same
    statistics as :func:`discover`: rate with 95 % Wilson interval, lift over the plan's rate, the
    one-sided Fisher exact p-value corrected (``"holm"`` or ``"bh"``) over the gaps. An unknown plan,
    a missing plan or a missing column raises :class:`upsell.InvalidInputError` naming it.

    >>> customers = synthetic_subscriptions(
    ...     6000, effects=[PlantedEffect("churned", "usage.feature_3", "<", 1, 4.0, "starter")], seed=1)
    >>> plans = {"starter": ["usage.feature_1", "usage.feature_2", "usage.feature_3"],
    ...          "team": ["usage.feature_1", "usage.feature_4"], "pro": ["usage.feature_5"]}
    >>> found = adoption_gaps(customers, plans, customer_column="id")
    >>> top = found.gaps.sort_values("p_value").iloc[0]
    >>> top["condition"], bool(top["significant"])
    ('plan == "starter" && usage.feature_3 < 1', True)
    >>> list(found.customer_gaps.columns)
    ['customer', 'plan', 'feature']
    """
    stream, library = _arrow_stream(data)
    result = _upsell.adoption_gaps_arrow(
        stream, [(str(p), [str(f) for f in fs]) for p, fs in plans.items()],
        plan_column=plan_column, outcome=outcome, customer_column=customer_column, min_usage=min_usage,
        alpha=alpha, correction=correction,
    )
    types = {
        "plan": pa.string(), "feature": pa.string(), "plan_customers": pa.int64(), "plan_positives": pa.int64(),
        "customers": pa.int64(), "positives": pa.int64(), "significant": pa.bool_(), "condition": pa.string(),
    }
    gaps = pa.table([pa.array(result[c], types.get(c, pa.float64())) for c in _GAP_COLUMNS], names=_GAP_COLUMNS)
    customer_gaps = pa.table({
        "customer": pa.array(result["gap_customer"], pa.string()),
        "plan": pa.array(result["gap_plan"], pa.string()),
        "feature": pa.array(result["gap_feature"], pa.string()),
    })
    library = output or library
    return AdoptionGaps(
        gaps=_from_arrow(gaps, library),
        customer_gaps=_from_arrow(customer_gaps, library),
        customers=result["customers_total"],
        positives=result["positives_total"],
    )


def synthetic_subscriptions(
    customers: int = 10_000,
    *,
    plans: Optional[List[str]] = None,
    features: int = 5,
    mean_usage: float = 10.0,
    upgrade_rate: float = 0.05,
    churn_rate: float = 0.03,
    effects: Optional[List[PlantedEffect]] = None,
    seed: int = 42,
    output: str = "pandas",
) -> Any:
    """A synthetic subscription customer table with planted effects (the core's generator).

    Columns: ``id``, ``plan`` (lower plans more common), ``seats``, ``tenure_months``,
    ``usage.feature_1`` ... ``usage.feature_<features>`` (monthly counts), ``upgraded`` and
    ``churned`` (0/1, at the base rates times the lift of each effect a customer meets). The same
    seed gives the same table.
    """
    planted = [(e.outcome, e.plan, e.column, e.op, int(e.threshold), float(e.lift)) for e in (effects or [])]
    result = _upsell.synthetic_subscriptions(
        customers, list(plans or ["starter", "team", "pro"]), features, mean_usage, upgrade_rate, churn_rate,
        planted, seed,
    )
    table = pa.table({name: pa.array(values) for name, values in result.items()})
    return _from_arrow(table, output)
