"""Type stubs of the compiled module ``upsell._upsell``."""

import os
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

DEFAULT_MAX_ITEMSETS: int
__version__: str

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
    def from_pairs(basket_ids: npt.NDArray[np.uint32], item_ids: npt.NDArray[np.uint32]) -> Baskets: ...
    @staticmethod
    def from_dense(matrix: npt.NDArray[np.bool_]) -> Baskets: ...
    def __len__(self) -> int: ...
    @property
    def item_count(self) -> int: ...
    @property
    def labels(self) -> Optional[list[str]]: ...
    def items(self) -> npt.NDArray[np.uint32]: ...
    def offsets(self) -> npt.NDArray[np.int64]: ...

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
) -> Tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64], npt.NDArray[np.int64], int, int]: ...

class RuleSet:
    """A loaded, checked trigger rule set (see ``upsell.triggers``)."""

    @staticmethod
    def from_text(text: str, format: str, path: Optional[str] = None) -> RuleSet: ...
    @staticmethod
    def from_path(path: Union[str, os.PathLike[str]]) -> RuleSet: ...
    @property
    def names(self) -> list[str]: ...
    @property
    def schema(self) -> Optional[list[Tuple[str, str]]]: ...
    def explain(self, row: dict, now: Optional[str] = None) -> list[Tuple[str, bool, str]]: ...
    def evaluate_one(self, row: dict, now: Optional[str] = None, history: Optional[History] = None) -> dict: ...
    def evaluate_columns(
        self,
        names: list[str],
        columns: list[tuple],
        now: Optional[str] = None,
        history: Optional[History] = None,
        id_column: Optional[str] = None,
        threads: Optional[int] = None,
    ) -> dict: ...

class History:
    """Offer histories: shown / accepted / rejected events per customer and target."""

    def __init__(self) -> None: ...
    @staticmethod
    def from_json(text: str) -> History: ...
    def to_json(self) -> str: ...
    def record(self, customer: str, target: str, outcome: str, at: str) -> None: ...
    def __len__(self) -> int: ...
