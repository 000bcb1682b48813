"""upsell: market-basket mining, exact and fast, on a Rust core.

>>> import upsell
>>> upsell.frequent_itemsets([[1, 2], [1, 3], [1, 2, 3]], 2)["count"].tolist()
[3, 2, 2]
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
from upsell.mining import frequent_itemsets
from upsell import triggers

__all__ = [
    "DEFAULT_MAX_ITEMSETS",
    "Baskets",
    "CancelledError",
    "InvalidInputError",
    "InvalidParameterError",
    "LimitExceededError",
    "RuleSyntaxError",
    "UpsellError",
    "__version__",
    "frequent_itemsets",
    "triggers",
]
