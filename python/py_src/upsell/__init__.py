"""upsell: market-basket mining, exact and fast, on a Rust core.

>>> import upsell
>>> upsell.frequent_itemsets([[1, 2], [1, 3], [1, 2, 3]], 2)["count"].tolist()
[3, 2, 2, 2, 2]
"""

from upsell._upsell import DEFAULT_MAX_ITEMSETS, Baskets, __version__
from upsell.exceptions import (
    CancelledError,
    InvalidInputError,
    InvalidParameterError,
    LimitExceededError,
    RuleSyntaxError,
    UpsellError,
)
from upsell.metrics import AbTestResult, SampleSize, ab_test, forecast, minimum_detectable_effect, order_metrics, power, sample_size
from upsell.mining import frequent_itemsets
from upsell.recommend import Affinity, Recommender, affinity_matrix, evaluate
from upsell.rules import association_rules
from upsell.sequence import sequential_affinity
from upsell import triggers

__all__ = [
    "Affinity",
from upsell.pricing import analyse_tiers, bundles, optimise_mixed_bundle, price_bundle, threshold_fillers

__all__ = [
    "AbTestResult",
    "DEFAULT_MAX_ITEMSETS",
    "Baskets",
    "CancelledError",
    "InvalidInputError",
    "InvalidParameterError",
    "LimitExceededError",
    "Recommender",
    "RuleSyntaxError",
    "SampleSize",
    "UpsellError",
    "__version__",
    "affinity_matrix",
    "association_rules",
    "evaluate",
    "frequent_itemsets",
    "sequential_affinity",
    "ab_test",
    "analyse_tiers",
    "bundles",
    "forecast",
    "frequent_itemsets",
    "minimum_detectable_effect",
    "optimise_mixed_bundle",
    "order_metrics",
    "power",
    "price_bundle",
    "sample_size",
    "threshold_fillers",
    "triggers",
]
