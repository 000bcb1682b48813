"""Type stubs of the compiled module ``upsell._upsell``."""

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

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
    time_column: str = "time",
    windows: Sequence[int] = ...,
    min_customers: int = 1,
    min_support: float = 0.0,
    min_confidence: float = 0.0,
    top: Optional[int] = None,
    threads: Optional[int] = None,
    max_pairs: int = ...,
) -> Dict[str, Any]: ...
