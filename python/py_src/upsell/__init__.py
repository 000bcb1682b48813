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
    ModelFileError,
    RuleSyntaxError,
    UpsellError,
)
from upsell.metrics import (
    AbTestResult,
    SampleSize,
    ab_test,
    forecast,
    minimum_detectable_effect,
    order_metrics,
    power,
    sample_size,
)
from upsell.mining import frequent_itemsets
from upsell.progress import progress_bars, set_progress
from upsell.pricing import analyse_tiers, bundles, optimise_mixed_bundle, price_bundle, threshold_fillers, tier_migration
from upsell.report import Report, report
from upsell.recommend import Affinity, EaseRecommender, Recommender, affinity_matrix, evaluate
from upsell.rules import association_rules
from upsell.sequence import sequential_affinity
from upsell import plots, triggers  # noqa: E402 - submodules, imported after the names they use

__all__ = [
    "AbTestResult",
    "Affinity",
    "Baskets",
    "CancelledError",
    "DEFAULT_MAX_ITEMSETS",
    "EaseRecommender",
    "InvalidInputError",
    "InvalidParameterError",
    "LimitExceededError",
    "ModelFileError",
    "Recommender",
    "Report",
    "RuleSyntaxError",
    "SampleSize",
    "UpsellError",
    "__version__",
    "ab_test",
    "affinity_matrix",
    "analyse_tiers",
    "tier_migration",
    "association_rules",
    "bundles",
    "evaluate",
    "forecast",
    "frequent_itemsets",
    "minimum_detectable_effect",
    "report",
    "optimise_mixed_bundle",
    "order_metrics",
    "plots",
    "power",
    "price_bundle",
    "progress_bars",
    "sample_size",
    "sequential_affinity",
    "set_progress",
    "threshold_fillers",
    "triggers",
]
