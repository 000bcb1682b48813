"""Type stubs of the compiled module ``upsell._upsell``."""

import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "Baskets",
    "frozensets",
    "set_progress",
    "mine",
    "min_count",
    "support_warning",
    "route_to_groups",
    "mine_group",
    "DEFAULT_MAX_MEMORY",
    "MAX_THREADS",
    "sequences_from_path",
    "sequences_from_arrays",
    "sequence_counts_from_arrays",
    "sequence_rules_from_counts",
    "currency_exponent",
    "price_bundle_json",
    "bundles_json",
    "threshold_json",
    "mixed_bundle_json",
    "tiers_json",
    "tier_migration_json",
    "ab_test_json",
    "sample_size_json",
    "minimum_detectable_effect",
    "power",
    "order_metrics_json",
    "forecast_json",
    "report_json",
    "RuleSet",
    "History",
    "discover_arrow",
    "synthetic_subscriptions",
    "adoption_gaps_arrow",
    "DEFAULT_MAX_ITEMSETS",
    "association_rules",
    "DEFAULT_MAX_RULES",
    "Recommender",
    "EaseRecommender",
    "evaluate",
    "affinity",
    "AffinityMatrix",
    "basket_times",
    "__version__",
]

DEFAULT_MAX_ITEMSETS: int
DEFAULT_MAX_MEMORY: int
MAX_THREADS: int
__version__: str

@final
class Baskets:
    """Baskets: each a set of item ids, stored as flat items and offsets. Immutable."""

    @staticmethod
    def read(
        path: Union[str, os.PathLike[str]],
        *,
        format: Optional[str] = None,
        delimiter: Optional[str] = None,
        basket: Optional[Sequence[str]] = None,
        item: Optional[str] = None,
    ) -> Baskets: ...
    @staticmethod
    def from_arrays(items: npt.NDArray[np.uint32], offsets: npt.NDArray[np.int64]) -> Baskets: ...
    @staticmethod
    def from_lists(data: Any) -> Optional[Tuple[Baskets, Union[npt.NDArray[np.int64], List[str]]]]: ...
    @staticmethod
    def from_pairs(basket_ids: npt.NDArray[np.uint32], item_ids: npt.NDArray[np.uint32]) -> Baskets: ...
    @staticmethod
    def from_dense(matrix: npt.NDArray[np.bool_]) -> Baskets: ...
    def __len__(self) -> int: ...
    @property
    def item_count(self) -> int: ...
    @property
    def format(self) -> Optional[str]: ...
    def shape_warning(self) -> Optional[str]: ...
    @property
    def labels(self) -> Optional[list[str]]: ...
    def items(self) -> npt.NDArray[np.uint32]: ...
    def offsets(self) -> npt.NDArray[np.int64]: ...

def frozensets(
    items: npt.NDArray[np.uint32], offsets: npt.NDArray[np.int64], labels: List[Any]
) -> npt.NDArray[np.object_]: ...
def support_warning(min_support: Union[int, float], baskets: int) -> Optional[str]: ...
def set_progress(factory: Optional[Callable[[int], Any]], after: float = 1.0) -> None: ...
def mine(
    baskets: Baskets,
    min_support: Union[int, float],
    *,
    algorithm: str = "auto",
    target: str = "all",
    min_len: int = 1,
    max_len: Optional[int] = None,
    threads: Optional[int] = None,
    max_itemsets: Optional[int] = ...,
    max_memory: Optional[int] = ...,
    order: str = "count",
) -> Tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64], npt.NDArray[np.int64], int, int]: ...

def route_to_groups(
    basket_ids: npt.NDArray[np.uint32], item_ids: npt.NDArray[np.uint32], groups: int
) -> Tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32], npt.NDArray[np.int64]]: ...
def mine_group(
    items: npt.NDArray[np.uint32],
    offsets: npt.NDArray[np.int64],
    groups: int,
    group: int,
    min_count: int,
    *,
    algorithm: str = "auto",
    max_len: Optional[int] = None,
    threads: Optional[int] = None,
    max_itemsets: Optional[int] = ...,
) -> Tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64], npt.NDArray[np.int64], int, int]: ...
def min_count(min_support: Union[int, float], baskets: int) -> int: ...

DEFAULT_MAX_RULES: int

def association_rules(
    items: npt.NDArray[np.uint32],
    offsets: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    baskets: int,
    *,
    target: str = "all",
    min_confidence: float = 0.8,
    min_lift: Optional[float] = None,
    max_antecedent_len: Optional[int] = None,
    max_consequent_len: Optional[int] = None,
    consequent_items: Optional[list[int]] = None,
    exclude_items: Optional[list[int]] = None,
    prune_redundant: bool = False,
    max_rules: Optional[int] = ...,
    threads: Optional[int] = None,
) -> dict[str, npt.NDArray[Any]]: ...

@final
class Recommender:
    @staticmethod
    def fit(
        baskets: Baskets,
        labels: list[str],
        min_support: Union[int, float],
        *,
        min_confidence: float = 0.01,
        max_antecedent_len: int = 3,
        threads: Optional[int] = None,
    ) -> Recommender: ...
    @staticmethod
    def from_rules(
        antecedents: list[list[str]],
        consequents: list[list[str]],
        counts: Union[npt.NDArray[np.int64], npt.NDArray[np.float64]],
        antecedent_counts: Union[npt.NDArray[np.int64], npt.NDArray[np.float64]],
        consequent_counts: Union[npt.NDArray[np.int64], npt.NDArray[np.float64]],
        baskets: int,
    ) -> Recommender: ...
    @staticmethod
    def load(path: Union[str, os.PathLike[str]]) -> Recommender: ...
    @staticmethod
    def from_json(text: str) -> Recommender: ...
    @staticmethod
    def from_bytes(data: bytes) -> Recommender: ...
    def save(self, path: Union[str, os.PathLike[str]]) -> None: ...
    def to_json(self) -> str: ...
    def to_bytes(self) -> bytes: ...
    @property
    def rule_count(self) -> int: ...
    @property
    def labels(self) -> list[str]: ...
    def recommend(
        self, cart: list[str], k: int = 5, *, by: str = "confidence", smoothing: float = 5.0, backfill: bool = True
    ) -> Tuple[Tuple[list[str], list[float], list[int]], list[str]]: ...
    def recommend_batch(
        self,
        carts: list[list[str]],
        k: int = 5,
        *,
        by: str = "confidence",
        smoothing: float = 5.0,
        backfill: bool = True,
        threads: Optional[int] = None,
    ) -> Tuple[list[Tuple[list[str], list[float], list[int]]], int]: ...
    def rule(self, index: int) -> Optional[Tuple[list[str], str, int, int, int, float, float, float]]: ...

@final
class EaseRecommender:
    @staticmethod
    def fit(
        baskets: Baskets,
        labels: list[str],
        *,
        lambda_: Optional[float] = None,
        min_count: Optional[int] = None,
        max_items: Optional[int] = None,
        threads: Optional[int] = None,
    ) -> EaseRecommender: ...
    @property
    def lambda_(self) -> float: ...
    @property
    def labels(self) -> list[str]: ...
    @property
    def candidates(self) -> list[str]: ...
    def weights(self) -> npt.NDArray[np.float32]: ...
    def recommend(
        self, cart: list[str], k: int = 5
    ) -> Tuple[Tuple[list[str], list[float], list[Optional[str]], list[Optional[float]]], list[str]]: ...
    def recommend_batch(
        self, carts: list[list[str]], k: int = 5, threads: Optional[int] = None
    ) -> Tuple[list[Tuple[list[str], list[float], list[Optional[str]], list[Optional[float]]]], int]: ...
    @staticmethod
    def load(path: Union[str, os.PathLike[str]]) -> EaseRecommender: ...
    @staticmethod
    def from_json(text: str) -> EaseRecommender: ...
    @staticmethod
    def from_bytes(data: bytes) -> EaseRecommender: ...
    def save(self, path: Union[str, os.PathLike[str]]) -> None: ...
    def to_json(self) -> str: ...
    def to_bytes(self) -> bytes: ...

def evaluate(
    baskets: Baskets,
    labels: list[str],
    min_support: Union[int, float],
    *,
    times: Optional[npt.NDArray[np.int64]] = None,
    split: str = "position",
    train: float = 0.8,
    cutoff: Union[str, int, None] = None,
    k: int = 5,
    by: str = "confidence",
    smoothing: float = 5.0,
    min_confidence: float = 0.01,
    max_antecedent_len: int = 3,
    ease: bool = False,
    ease_lambda: Optional[float] = None,
    ease_min_count: Optional[int] = None,
    ease_max_items: Optional[int] = None,
    threads: Optional[int] = None,
) -> dict[str, Any]: ...

@final
class AffinityMatrix:
    def arrays(
        self,
    ) -> Tuple[
        npt.NDArray[np.uint32],
        npt.NDArray[np.uint64],
        npt.NDArray[np.uint64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
        int,
    ]: ...
    def pairs(
        self, min_support: float, min_lift: float
    ) -> Tuple[
        npt.NDArray[np.uint32],
        npt.NDArray[np.uint32],
        npt.NDArray[np.uint64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
    ]: ...

def basket_times(
    row_baskets: npt.NDArray[np.uint32],
    *,
    seconds: Optional[npt.NDArray[np.int64]] = None,
    times: Optional[Sequence[Optional[str]]] = None,
    time_column: str = "time",
) -> npt.NDArray[np.int64]: ...
def affinity(baskets: Baskets, top: int = 20, *, threads: Optional[int] = None) -> AffinityMatrix: ...
def sequences_from_path(
    path: Union[str, os.PathLike[str]],
    *,
    customer: str,
    time: str,
    item: str,
    delimiter: str = ",",
    windows: Sequence[int] = ...,
    min_customers: int = 1,
    min_support: float = 0.0,
    min_confidence: float = 0.0,
    top: Optional[int] = None,
    threads: Optional[int] = None,
    max_pairs: int = ...,
) -> Dict[str, Any]: ...
def sequences_from_arrays(
    customers: npt.NDArray[np.int64],
    items: npt.NDArray[np.uint32],
    labels: List[str],
    *,
    seconds: Optional[npt.NDArray[np.int64]] = None,
    times: Optional[List[Optional[str]]] = None,
    time_column: str = ...,
    windows: Sequence[int] = ...,
    min_customers: int = 1,
    min_support: float = 0.0,
    min_confidence: float = 0.0,
    top: Optional[int] = None,
    threads: Optional[int] = None,
    max_pairs: int = ...,
) -> Dict[str, Any]: ...
def sequence_counts_from_arrays(
    customers: npt.NDArray[np.int64],
    items: npt.NDArray[np.uint32],
    labels: Optional[List[str]] = None,
    *,
    seconds: Optional[npt.NDArray[np.int64]] = None,
    times: Optional[List[Optional[str]]] = None,
    time_column: str = ...,
    windows: Sequence[int] = ...,
    threads: Optional[int] = None,
    max_pairs: int = ...,
) -> Dict[str, Any]: ...
def sequence_rules_from_counts(
    labels: List[str],
    *,
    customers: int,
    rows: int,
    excluded_rows: int,
    item_customers: npt.NDArray[np.uint64],
    baseline: npt.NDArray[np.uint64],
    antecedent: npt.NDArray[np.uint32],
    consequent: npt.NDArray[np.uint32],
    pair_counts: npt.NDArray[np.uint64],
    windows: Sequence[int] = ...,
    min_customers: int = 1,
    min_support: float = 0.0,
    min_confidence: float = 0.0,
    top: Optional[int] = None,
    threads: Optional[int] = None,
    max_pairs: int = ...,
) -> Dict[str, Any]: ...
# Pricing and metrics (upsell/pricing.py, upsell/metrics.py): results are JSON of the core's structs.
def currency_exponent(code: str) -> int: ...
def price_bundle_json(
    items: list[str],
    prices: list[Tuple[str, str]],
    *,
    costs: Optional[list[Tuple[str, str]]] = None,
    currency: str = "GBP",
    discount: Tuple[str, str] = ...,
    ending: str = "nine",
    max_discount: Optional[str] = None,
    min_margin: str = "0",
) -> str: ...
def bundles_json(
    path: str,
    *,
    currency: str = "GBP",
    min_support: int = 10,
    min_items: int = 2,
    max_items: int = 4,
    top: int = 10,
    discount: Tuple[str, str] = ...,
    ending: str = "nine",
    max_discount: Optional[str] = None,
    min_margin: str = "0",
    costs: Optional[list[Tuple[str, str]]] = None,
    threads: Optional[int] = None,
) -> str: ...
def threshold_json(
    path: str,
    threshold: str,
    *,
    invoice: Optional[str] = None,
    cart: Optional[list[str]] = None,
    currency: str = "GBP",
    top: int = 10,
    pairs: bool = True,
    max_candidates: int = 200,
) -> str: ...
def mixed_bundle_json(
    wtp: npt.NDArray[np.int64],
    *,
    currency: str = "USD",
    costs: Optional[list[int]] = None,
    search: str = "auto",
    max_vertex_systems: int = 20000000,
) -> str: ...
def tiers_json(
    tiers: list[Tuple[str, str, int]],
    *,
    currency: str = "USD",
    gap_ratio_bp: int = 25000,
    upgrade_take_bp: int = 500,
    ending: str = "whole_nine",
) -> str: ...
def tier_migration_json(
    customers: list[Optional[str]],
    dates: Union[list[Optional[int]], list[Optional[str]]],
    plans: list[Optional[str]],
    mrr: list[Optional[str]],
    *,
    currency: str = "USD",
    tiers: Optional[list[str]] = None,
) -> str: ...
def ab_test_json(conversions_a: int, n_a: int, conversions_b: int, n_b: int, alpha: float = 0.05, looks: int = 1) -> str: ...
def sample_size_json(baseline: float, mde: float, alpha: float = 0.05, power: float = 0.8) -> str: ...
def minimum_detectable_effect(baseline: float, n: float, alpha: float = 0.05, power: float = 0.8) -> float: ...
def power(effect_size: float, n: float, alpha: float = 0.05) -> float: ...
def order_metrics_json(path: str, *, currency: str = "GBP", period: str = "all", by_segment: bool = False) -> str: ...
def report_json(
    path: str,
    date: str,
    *,
    source: Optional[str] = None,
    columns: Optional[str] = None,
    currency: str = "GBP",
    threshold: Optional[str] = None,
    title: Optional[str] = None,
    output: Optional[str] = None,
    min_support: float = 0.005,
    min_lift: float = 1.2,
    windows: Sequence[int] = ...,
    threads: Optional[int] = None,
) -> str: ...
def forecast_json(
    segment: str,
    offer: str,
    eligible: int,
    takes: int,
    shown: int,
    value: str,
    *,
    currency: str = "GBP",
    alpha: float = 0.05,
) -> str: ...
@final
class RuleSet:
    """A loaded, checked trigger rule set (see ``upsell.triggers``)."""

    @staticmethod
    def from_text(text: str, format: str, path: Optional[str] = None) -> RuleSet: ...
    @staticmethod
    def from_path(path: Union[str, os.PathLike[str]]) -> RuleSet: ...
    def __reduce__(self) -> Tuple[Any, Tuple[str, str, Optional[str]]]: ...
    @property
    def names(self) -> list[str]: ...
    @property
    def schema(self) -> Optional[list[Tuple[str, str]]]: ...
    def explain(self, row: dict, now: Optional[str] = None) -> list[Tuple[str, bool, str]]: ...
    def evaluate_one(self, row: dict, now: Optional[str] = None, history: Optional[History] = None) -> dict: ...
    def sequences(self, row: dict, now: Optional[str] = None, history: Optional[History] = None) -> list[dict]: ...
    def evaluate_arrow(
        self,
        data: Any,
        now: Optional[str] = None,
        history: Optional[History] = None,
        id_column: Optional[str] = None,
        threads: Optional[int] = None,
    ) -> Any: ...

def discover_arrow(data: Any, options: str) -> dict: ...
def adoption_gaps_arrow(
    data: Any,
    plans: list[Tuple[str, list[str]]],
    *,
    plan_column: str,
    outcome: str,
    customer_column: Optional[str],
    min_usage: int,
    alpha: float,
    correction: str,
) -> dict: ...
def synthetic_subscriptions(
    customers: int,
    plans: list[str],
    features: int,
    mean_usage: float,
    upgrade_rate: float,
    churn_rate: float,
    effects: list[Tuple[str, Optional[str], str, str, int, float]],
    seed: int,
) -> dict: ...
@final
class History:
    """Offer histories: shown / accepted / rejected events per customer and target."""

    def __init__(self) -> None: ...
    @staticmethod
    def from_json(text: str) -> History: ...
    def to_json(self) -> str: ...
    def record(self, customer: str, target: str, outcome: str, at: str) -> None: ...
    def __len__(self) -> int: ...
